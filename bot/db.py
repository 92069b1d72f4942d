"""Engine creation and the one session pattern: a unit of work per message or scheduled run."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

import models  # noqa: F401  (registers the tables)
from bot.settings import DATABASE_KEY, SettingsError, check_database_url, shown_url

CONNECT_TIMEOUT_SECONDS = 10


def _prepare_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only, in a private folder."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def _first_line(exc: BaseException) -> str:
    """The driver's own words, on one line (drivers add hints and SQL on further lines)."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL, the database migrated to the current schema (created when empty,
    upgraded keeping every row when older: bot.migrate); SQLite files are made private.

    A URL that cannot work (unknown database, driver not installed, a SQLite path that is a folder, a
    server that cannot be reached or refuses the login) or a database that cannot be migrated (another
    program's tables, a newer gridbot's schema) raises SettingsError: one line naming
    GRIDBOT_DATABASE_URL and how to mend it.
    """
    from bot import migrate

    engine = open_engine(url)
    try:
        migrate.upgrade_engine(engine)
    except migrate.MigrationError as exc:
        engine.dispose()
        raise SettingsError(f"{DATABASE_KEY}（或 --db）={shown_url(url)!r}：{exc}") from None
    except DBAPIError as exc:
        engine.dispose()
        raise SettingsError(f"{DATABASE_KEY}（或 --db）={shown_url(url)!r}：无法升级数据库结构（{_first_line(exc)}）；"
                            f"请确认数据库可写、账号有建表权限") from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_engine(url: str) -> Engine:
    """make_engine without the migration: the engine, its SQLite pragmas, a first connection tried."""
    check_database_url(url)
    parsed = make_url(url)
    shown = shown_url(url)
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            try:
                _prepare_sqlite_file(Path(database))
            except OSError as exc:
                raise SettingsError(f"{DATABASE_KEY}（或 --db）={shown!r}：无法创建数据库文件 {database}"
                                    f"（{exc.strerror or exc}）；请改成一个可写的路径，例如 sqlite:///var/gridbot.db") from None
        else:
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # No pre-ping (a round trip before every message): a connection found dead is invalidated by
        # SQLAlchemy and the App tries that message once more (App.handle); idle ones are recycled.
        kwargs["pool_recycle"] = 1800
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("psycopg2", "psycopg") \
                and "connect_timeout" not in parsed.query:
            # An unreachable host then fails in seconds instead of the system's minutes-long TCP timeout.
            kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    # SQL errors in the log never carry the statement's parameters (a resident's words, numbers)
    engine = create_engine(url, hide_parameters=True, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite starts transactions lazily, which breaks SAVEPOINTs: begin explicitly instead, and
        # IMMEDIATE, so that a second process waits for the write lock (busy timeout) rather than
        # failing when its read snapshot cannot be upgraded to a write.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        if parsed.get_backend_name() == "sqlite":
            mend = "请确认该文件是 gridbot 的 SQLite 数据库且可读写，或换一个新文件名"
        else:
            mend = "请确认数据库服务已启动，主机、端口、用户名、密码和库名都正确，或改用 sqlite:///var/gridbot.db"
        raise SettingsError(f"{DATABASE_KEY}（或 --db）={shown!r}：打不开数据库（{_first_line(exc)}）；{mend}") from None
    return engine


WAL_CHECKPOINT_PAGES = 10_000
_UPSERT = {"sqlite": sqlite_insert, "postgresql": pg_insert}


def upsert_insert(dialect: str):  # type: ignore[no-untyped-def]
    """The database's own INSERT, which has ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    return _UPSERT[dialect]


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # A checkpoint (copying the WAL back into the database, two fsyncs) runs inside some commit; every
    # 10,000 pages instead of 1,000 it copies each hot page once for ten times the commits: in the replay
    # bench the commits that checkpointed went from 0.77 to 0.34 s of 20,000 events. The WAL is at most
    # about 40 MB; what a commit guarantees does not change.
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cur.close()
    dbapi_conn.isolation_level = None


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session that commits once at the end, or rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
