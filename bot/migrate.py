"""Database migrations (Alembic, configured in code: no alembic.ini; scripts in bot/migrations).

Every start migrates (bot.db.make_engine calls `upgrade_engine`), and `gridbot db upgrade` calls
`upgrade`. A database made by SQLModel.metadata.create_all before migrations existed has no
alembic_version table: it is recognised by its tables and stamped with the revision it matches
(v1: ticket still has the JSON column assignee_ids; v2: the assignment table; v3: the accounts; v4: the
roster version), then upgraded.

The whole migration is one transaction (SQLite and PostgreSQL both have transactional DDL): a failure
leaves the database as it was. Two processes starting together cannot both migrate: on PostgreSQL a
transaction-scoped advisory lock serialises them, on SQLite the engine's BEGIN IMMEDIATE does.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

log = logging.getLogger("gridbot.migrate")


@contextmanager
def _quiet_alembic() -> Iterator[None]:
    """Alembic's INFO lines (plugins set up on import, "Context impl SQLiteImpl." on every run) stay out
    of the bot's log; what happened is one line of ours instead."""
    logger = logging.getLogger("alembic")
    saved = logger.level
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(saved)


with _quiet_alembic():
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

VERSION_TABLE = "alembic_version"

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"

# Any constant (not the roster's): the PostgreSQL advisory lock held while a process migrates.
MIGRATION_LOCK = 0x6772_6462  # "grdb"

# The tables of each schema made by create_all before migrations (to recognise such a database).
V1_TABLES = frozenset({"grid", "member", "ticket", "report", "ticketevent", "inboundmessage", "review",
                       "correction", "outbox", "jobrun"})
V2_TABLES = V1_TABLES | {"assignment"}
V3_TABLES = V2_TABLES | {"account", "accountroom", "accountcontact"}
V4_TABLES = V3_TABLES | {"rosterversion"}


class MigrationError(Exception):
    """The database cannot be brought to this program's schema (one line, for the operator)."""


def config(database_url: str | None = None) -> Config:
    """Alembic's configuration for gridbot, for alembic.command (e.g. autogenerating a revision:
    `command.revision(config(url), message="...", autogenerate=True, rev_id="v3")`)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    if database_url is not None:
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The revision this program's models need (the newest migration)."""
    heads = _scripts().get_heads()
    if len(heads) != 1:  # a mistake in bot/migrations: two revisions with the same parent
        raise MigrationError(f"bot/migrations has {len(heads)} heads ({', '.join(heads)}); expected one")
    return heads[0]


def _stamped(conn: Connection) -> str | None:
    """The revision in alembic_version (read directly: alembic's context logs two lines each time)."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    versions = list(conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    if len(versions) > 1:
        raise MigrationError(f"数据库的 {VERSION_TABLE} 表有 {len(versions)} 个版本（{', '.join(versions)}），"
                             f"gridbot 只认一个；请检查数据库")
    return versions[0] if versions else None


def _legacy_revision(conn: Connection) -> str | None:
    """The revision of a database made by create_all before migrations, None for an empty one."""
    inspector = sa.inspect(conn)
    tables = set(inspector.get_table_names())
    ours = tables & V4_TABLES
    if not ours:
        return None
    if "ticket" in tables and "assignee_ids" in {c["name"] for c in inspector.get_columns("ticket")}:
        revision, expected = "v1", V1_TABLES
    elif "rosterversion" in tables:
        revision, expected = "v4", V4_TABLES
    elif "account" in tables:
        revision, expected = "v3", V3_TABLES
    elif "assignment" in tables:
        revision, expected = "v2", V2_TABLES
    else:
        revision, expected = None, V4_TABLES
    missing = sorted(expected - tables)
    if revision is None or missing:
        raise MigrationError(f"数据库里有 gridbot 的部分表（{', '.join(sorted(ours))}），"
                             f"但缺少 {', '.join(missing)}，认不出它的版本；请换一个新数据库，或先修复/删除这些表")
    return revision


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for migrating. On SQLite foreign keys are off meanwhile: batch mode copies and
    drops referenced tables (the pragma only takes effect outside a transaction, so it is set first)."""
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            yield conn
            return
        raw = conn.connection.dbapi_connection
        was_on = raw.execute("PRAGMA foreign_keys").fetchone()[0]
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            yield conn
        finally:
            if was_on:
                raw.execute("PRAGMA foreign_keys=ON")


def upgrade_engine(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the engine's database to `revision` (default: head), keeping every row.

    Returns (the revision before, the revision after); the one before is None for an empty database
    and, for a database made by create_all before migrations, the revision it was recognised as.
    Raises MigrationError when the database cannot be migrated (tables of another version, a revision
    newer than this program); database errors propagate. A revision older than the database's is
    a no-op (this never downgrades). The engine should come from bot.db.
    """
    scripts = _scripts()
    try:
        target = scripts.get_revision(revision)
    except CommandError as exc:
        raise MigrationError(f"没有这个数据库版本：{revision}（{exc}）") from None
    if target is None:
        raise MigrationError(f"没有这个数据库版本：{revision}")
    with _quiet_alembic(), _migration_connection(engine) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            before = _stamped(conn)
            if before is None:
                before = _legacy_revision(conn)
                if before is not None:
                    log.info("database made before migrations: recognised as %s", before)
                    MigrationContext.configure(conn).stamp(scripts, before)
            if before is not None:
                try:
                    scripts.get_revision(before)
                except CommandError:
                    raise MigrationError(f"数据库的结构版本是 {before}，比本程序新（本程序到 {head()} 为止）；"
                                         f"请升级 gridbot") from None
            if before != target.revision:
                cfg = config()
                cfg.attributes["connection"] = conn
                try:
                    command.upgrade(cfg, target.revision)
                except CommandError as exc:
                    raise MigrationError(f"无法把数据库从 {before} 升级到 {target.revision}：{exc}") from None
            after = _stamped(conn)
            if conn.dialect.name == "sqlite" and before != after:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    log.warning("after migrating: %d rows whose foreign key points at no row", len(broken))
    if before is None:
        log.debug("empty database: schema %s created", after)
    elif before != after:
        log.info("database migrated from %s to %s", before, after)
    return before, after


def upgrade(database_url: str, revision: str = "head") -> tuple[str | None, str]:
    """Create or migrate the database at the URL to `revision` (default: head); (before, after).

    An empty database is created from nothing (before None); see upgrade_engine. Raises SettingsError
    for a URL that cannot be opened, MigrationError when it cannot be migrated.
    """
    from bot.db import open_engine

    engine = open_engine(database_url)
    try:
        return upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def current(database_url: str) -> str | None:
    """The revision the database is stamped with; None for an empty database, a missing SQLite file or
    one made by create_all before migrations (which `upgrade` recognises and stamps). Changes nothing."""
    from bot.db import open_engine

    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not Path(parsed.database).exists():
        return None
    engine = open_engine(database_url)
    try:
        with engine.connect() as conn:
            return _stamped(conn)
    finally:
        engine.dispose()
