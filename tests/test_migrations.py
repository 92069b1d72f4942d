"""Migrations: a database of every earlier version becomes the current schema, every row kept.

Version 1 (commit 852b918) kept a ticket's workers in two parallel JSON lists on the ticket; version 2
moved them to the assignment table. Its databases were made by create_all, without alembic_version:
the v1 schema is written out below (plain SQLAlchemy Core, the DDL create_all emitted at 852b918).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel

import models
from bot import migrate, repo
from bot.app import App
from bot.db import make_engine
from bot.settings import SettingsError
from tests.conftest import make_settings
from tests.harness import ROOM, ROOM2, WATER, Chat, mentioned

# --- the v1 schema (852b918) ---------------------------------------------------------------------------

V1 = sa.MetaData()
_S, _T = sa.String, sa.DateTime


def _pk() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


sa.Table("grid", V1, _pk(), sa.Column("name", _S, nullable=False), sa.Column("room", _S, nullable=False),
         sa.Index("ix_grid_name", "name", unique=True), sa.Index("ix_grid_room", "room", unique=True))
sa.Table("member", V1, _pk(), sa.Column("grid_id", sa.Integer, sa.ForeignKey("grid.id"), nullable=False, index=True),
         sa.Column("role", _S, nullable=False), sa.Column("name", _S, nullable=False),
         sa.Column("contact_id", _S, nullable=False, index=True), sa.UniqueConstraint("grid_id", "role", "contact_id"))
sa.Table("ticket", V1, _pk(), sa.Column("grid_id", sa.Integer, sa.ForeignKey("grid.id"), nullable=False, index=True),
         sa.Column("category", _S, nullable=False, index=True), sa.Column("provider", _S),
         sa.Column("urgent", sa.Boolean, nullable=False), sa.Column("color", _S, nullable=False),
         sa.Column("status", _S, nullable=False, index=True), sa.Column("reporter", _S, nullable=False),
         sa.Column("reporter_id", _S, nullable=False), sa.Column("location", _S), sa.Column("keywords", sa.JSON),
         sa.Column("assignees", sa.JSON), sa.Column("assignee_ids", sa.JSON), sa.Column("owner_role", _S),
         sa.Column("report_count", sa.Integer, nullable=False), sa.Column("created_at", _T, nullable=False, index=True),
         sa.Column("updated_at", _T, nullable=False), sa.Column("accept_due", _T), sa.Column("solve_due", _T),
         sa.Column("accepted_at", _T), sa.Column("resolved_at", _T), sa.Column("closed_at", _T),
         sa.Column("satisfaction", _S), sa.Column("escalation", sa.Integer, nullable=False),
         sa.Column("escalate_at", _T), sa.Column("overdue", sa.Boolean, nullable=False),
         *(sa.Index(f"ix_ticket_status_{c}", "status", c)
           for c in ("accept_due", "escalate_at", "solve_due", "resolved_at", "created_at")))
sa.Table("report", V1, _pk(), sa.Column("ticket_id", sa.Integer, sa.ForeignKey("ticket.id"), nullable=False, index=True),
         sa.Column("msg_id", _S, nullable=False, index=True), sa.Column("sender", _S, nullable=False),
         sa.Column("sender_id", _S, nullable=False), sa.Column("text", sa.Text), sa.Column("ts", _T, nullable=False))
sa.Table("ticketevent", V1, _pk(),
         sa.Column("ticket_id", sa.Integer, sa.ForeignKey("ticket.id"), nullable=False, index=True),
         sa.Column("ts", _T, nullable=False), sa.Column("actor", _S, nullable=False),
         sa.Column("action", _S, nullable=False), sa.Column("detail", _S, nullable=False),
         sa.Column("key", _S, unique=True))
sa.Table("inboundmessage", V1, _pk(), sa.Column("msg_id", _S, nullable=False, unique=True), sa.Column("room", _S),
         sa.Column("sender_id", _S, nullable=False), sa.Column("ts", _T, nullable=False, index=True),
         sa.Column("outcome", _S, nullable=False))
sa.Table("review", V1, _pk(), sa.Column("grid_id", sa.Integer, sa.ForeignKey("grid.id"), index=True),
         sa.Column("msg_id", _S, nullable=False), sa.Column("sender", _S, nullable=False), sa.Column("text", sa.Text),
         sa.Column("guess", _S, nullable=False), sa.Column("confidence", sa.Float, nullable=False),
         sa.Column("reason", _S, nullable=False), sa.Column("ts", _T, nullable=False, index=True),
         sa.Column("reviewed", sa.Boolean, nullable=False))
sa.Table("correction", V1, _pk(), sa.Column("ticket_id", sa.Integer, sa.ForeignKey("ticket.id")),
         sa.Column("text", sa.Text), sa.Column("category", _S, nullable=False), sa.Column("provider", _S),
         sa.Column("actor", _S, nullable=False), sa.Column("created_at", _T, nullable=False))
sa.Table("outbox", V1, _pk(), sa.Column("room", _S), sa.Column("to_name", _S), sa.Column("to_id", _S),
         sa.Column("text", sa.Text), sa.Column("mentions", sa.JSON), sa.Column("created_at", _T, nullable=False, index=True),
         sa.Column("sent_at", _T, index=True))
sa.Table("jobrun", V1, _pk(), sa.Column("job", _S, nullable=False), sa.Column("key", _S, nullable=False),
         sa.Column("ran_at", _T, nullable=False), sa.UniqueConstraint("job", "key"))

# Times as v1 stored them: naive UTC. The chat in the harness starts at 2026-11-20 09:00 (+08:00).
T0 = datetime(2026, 11, 20, 0, 30)
G1, G2 = "幸福里第一网格", "桃园村第二网格"

V1_ROWS: dict[str, list[dict]] = {
    "grid": [dict(id=1, name=G1, room=ROOM), dict(id=2, name=G2, room=ROOM2)],
    "member": [
        dict(id=1, grid_id=1, role="comprehensive", name="王网格", contact_id="王网格"),
        dict(id=2, grid_id=1, role="power", name=WATER, contact_id=WATER),  # two roles: power listed first
        dict(id=3, grid_id=1, role="water", name=WATER, contact_id=WATER),
        dict(id=4, grid_id=1, role="power", name="赵电工(供电所)", contact_id="赵电工(供电所)"),
        dict(id=5, grid_id=2, role="comprehensive", name="陈网格", contact_id="陈网格"),
        dict(id=6, grid_id=2, role="water", name="水厂老杨", contact_id="水厂老杨"),
    ],
    "ticket": [
        # routed to the water worker, then the grid worker joined
        dict(id=1, grid_id=1, category="water", provider=None, urgent=False, color="yellow", status="reported",
             reporter="张阿姨", reporter_id="wx-zhang", location="3号楼", keywords=["停水"],
             assignees=[WATER, "王网格"], assignee_ids=[WATER, "王网格"], owner_role=None, report_count=2,
             created_at=T0, updated_at=T0 + timedelta(minutes=5), accept_due=T0 + timedelta(hours=3),
             solve_due=T0 + timedelta(hours=24), accepted_at=None, resolved_at=None, closed_at=None,
             satisfaction=None, escalation=0, escalate_at=T0 + timedelta(hours=3), overdue=False),
        dict(id=2, grid_id=1, category="power", provider=None, urgent=True, color="red", status="accepted",
             reporter="李大爷", reporter_id="wx-li", location=None, keywords=["停电", "冒烟"],
             assignees=["赵电工(供电所)", "王网格"], assignee_ids=["赵电工(供电所)", "王网格"], owner_role=None,
             report_count=1, created_at=T0 - timedelta(days=1), updated_at=T0 - timedelta(hours=20),
             accept_due=T0 - timedelta(hours=23), solve_due=T0 + timedelta(hours=5),
             accepted_at=T0 - timedelta(hours=23, minutes=30), resolved_at=None, closed_at=None, satisfaction=None,
             escalation=1, escalate_at=None, overdue=False),
        # grid 2; the second worker is on grid 1's roster only, so not found in the ticket's grid
        dict(id=3, grid_id=2, category="water", provider=None, urgent=False, color="yellow", status="closed",
             reporter="刘婶", reporter_id="wx-liu", location="村口", keywords=[],
             assignees=["水厂老杨", "赵电工(供电所)"], assignee_ids=["水厂老杨", "赵电工(供电所)"],
             owner_role="comprehensive", report_count=1, created_at=T0 - timedelta(days=3),
             updated_at=T0 - timedelta(days=2), accept_due=None, solve_due=None,
             accepted_at=T0 - timedelta(days=3), resolved_at=T0 - timedelta(days=2, hours=1),
             closed_at=T0 - timedelta(days=2), satisfaction="satisfied", escalation=2, escalate_at=None, overdue=True),
        dict(id=4, grid_id=2, category="telecom", provider=None, urgent=False, color="green",
             status="awaiting_provider", reporter="小王", reporter_id="wx-wang", location=None, keywords=["宽带"],
             assignees=[], assignee_ids=[], owner_role=None, report_count=1, created_at=T0 - timedelta(hours=1),
             updated_at=T0 - timedelta(hours=1), accept_due=None, solve_due=None, accepted_at=None,
             resolved_at=None, closed_at=None, satisfaction=None, escalation=0, escalate_at=None, overdue=False),
    ],
    "report": [
        dict(id=1, ticket_id=1, msg_id="m-1", sender="张阿姨", sender_id="wx-zhang", text="我家停水了", ts=T0),
        dict(id=2, ticket_id=1, msg_id="m-2", sender="钱叔", sender_id="wx-qian", text="3号楼也没水",
             ts=T0 + timedelta(minutes=5)),
        dict(id=3, ticket_id=2, msg_id="m-3", sender="李大爷", sender_id="wx-li", text="停电了，电表冒烟",
             ts=T0 - timedelta(days=1)),
        dict(id=4, ticket_id=3, msg_id="m-4", sender="刘婶", sender_id="wx-liu", text="村口水管爆了",
             ts=T0 - timedelta(days=3)),
        dict(id=5, ticket_id=4, msg_id="m-5", sender="小王", sender_id="wx-wang", text="宽带断了", ts=T0 - timedelta(hours=1)),
    ],
    "ticketevent": [
        dict(id=1, ticket_id=1, ts=T0, actor="张阿姨", action="reported", detail="water 0.93 停水", key=None),
        dict(id=2, ticket_id=1, ts=T0, actor="gridbot", action="assigned", detail=WATER, key=None),
        dict(id=3, ticket_id=2, ts=T0 - timedelta(hours=23), actor="gridbot", action="reminded", detail="",
             key="remind:2:1"),
        dict(id=4, ticket_id=3, ts=T0 - timedelta(days=2), actor="刘婶", action="closed", detail="satisfied", key=None),
    ],
    "inboundmessage": [
        dict(id=i, msg_id=f"m-{i}", room=ROOM if i < 4 else ROOM2, sender_id="wx", ts=T0 - timedelta(minutes=i),
             outcome="ticket") for i in range(1, 6)
    ] + [dict(id=6, msg_id="m-6", room=None, sender_id="wx-dm", ts=T0, outcome="")],
    "review": [dict(id=1, grid_id=1, msg_id="m-7", sender="某人", text="楼下好吵", guess="dispute", confidence=0.41,
                    reason="abstained", ts=T0, reviewed=False),
               dict(id=2, grid_id=None, msg_id="m-8", sender="某人", text="?", guess="other", confidence=0.2,
                    reason="error", ts=T0, reviewed=True)],
    "correction": [dict(id=1, ticket_id=2, text="停电了，电表冒烟", category="power", provider=None, actor="王网格",
                        created_at=T0 - timedelta(hours=22))],
    "outbox": [dict(id=1, room=ROOM, to_name=None, to_id=None, text="【工单#1】停水", mentions=[[WATER, WATER]],
                    created_at=T0, sent_at=T0 + timedelta(seconds=2)),
               dict(id=2, room=None, to_name="王网格", to_id="王网格", text="紧急", mentions=[], created_at=T0, sent_at=None)],
    "jobrun": [dict(id=1, job="digest", key="2026-11-19", ran_at=T0 - timedelta(hours=10))],
}

# (ticket id, role, name, contact id), in assignment id order
EXPECTED_ASSIGNMENTS = [
    (1, "water", WATER, WATER),  # holds power and water: the role the ticket was routed to
    (1, "comprehensive", "王网格", "王网格"),
    (2, "power", "赵电工(供电所)", "赵电工(供电所)"),
    (2, "comprehensive", "王网格", "王网格"),
    (3, "water", "水厂老杨", "水厂老杨"),
    (3, "comprehensive", "赵电工(供电所)", "赵电工(供电所)"),  # not on grid 2's roster
]


def make_v1_database(url: str) -> None:
    """A database as version 1 left it: made by create_all, no alembic_version, rows in every table."""
    engine = sa.create_engine(url)
    try:
        V1.create_all(engine)
        with engine.begin() as conn:
            for table in V1.sorted_tables:
                conn.execute(table.insert(), V1_ROWS[table.name])
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequences on, as the app would have
                for table in V1.sorted_tables:
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                         f"(SELECT max(id) FROM {table.name}))"))
    finally:
        engine.dispose()


def dump(url: str) -> dict[str, list[dict]]:
    """Every row of every table (but alembic's), by id."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {name: [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
                    for name, t in meta.tables.items() if name != "alembic_version"}
    finally:
        engine.dispose()


def schema(url: str) -> dict[str, dict]:
    """What matters of each table: columns (name, type, nullable), indexes, unique constraints, foreign keys."""
    engine = sa.create_engine(url)
    try:
        insp = sa.inspect(engine)
        out = {}
        for name in sorted(set(insp.get_table_names()) - {"alembic_version"}):
            out[name] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)],
                "pk": insp.get_pk_constraint(name)["constrained_columns"],
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in insp.get_indexes(name)),
                "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(name)),
                "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                              for f in insp.get_foreign_keys(name)),
            }
        return out
    finally:
        engine.dispose()


def differences_from_models(url: str) -> list:
    """What alembic's autogenerate would still change to reach the models (nothing, when equal)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    finally:
        engine.dispose()


def _sqlite(tmp_path: Path, name: str = "gridbot.db") -> str:
    return f"sqlite:///{tmp_path / name}"


# --- the scenario, on SQLite and on PostgreSQL --------------------------------------------------------------

def check_v1_database_is_migrated(url: str, tmp_path: Path, classifier) -> None:
    make_v1_database(url)
    before = dump(url)
    assert migrate.current(url) is None  # made before migrations

    assert migrate.upgrade(url) == ("v1", migrate.head()) == ("v1", "v4")
    assert migrate.current(url) == "v4"

    after = dump(url)
    assert set(after) == set(before) | {"assignment", "account", "accountroom", "accountcontact", "rosterversion"}
    for name, rows in before.items():
        if name == "ticket":
            rows = [{k: v for k, v in r.items() if k not in ("assignees", "assignee_ids")} for r in rows]
        if name == "outbox":  # v3: delivery claims start empty
            rows = [{**r, "claimed_by": None, "claimed_until": None} for r in rows]
        assert after[name] == rows, name
    got = [(a["ticket_id"], a["role"], a["name"], a["contact_id"]) for a in after["assignment"]]
    assert got == EXPECTED_ASSIGNMENTS
    created = {t["id"]: t["created_at"] for t in before["ticket"]}
    assert all(a["active"] and a["assigned_at"] == created[a["ticket_id"]] for a in after["assignment"])
    assert "assignee_ids" not in {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns("ticket")}
    assert differences_from_models(url) == []

    # The app opens it (no roster import: the migrated roster stays as it was) and carries on.
    app = App.create(make_settings(tmp_path, database_url=url), classifier=classifier, roster=[])
    try:
        with Session(app.engine) as session:
            assert repo.assignee_names(session, ticket_id=1) == [WATER, "王网格"]
            assert [t.id for t in repo.tickets_for_worker(session, grid_ids=[1], contact=WATER,
                                                         statuses=["reported"])] == [1]
        chat = Chat(app)
        assert chat.say(WATER, "收到")  # the water worker accepts the ticket the migration assigned to him
        assert chat.ticket(1).status == "accepted"
        out = chat.say("张阿姨", "我家停水了", room=ROOM2)  # a new ticket: ids go on after the old rows
        assert mentioned(out[:1]) == ["水厂老杨"]
        assert [t.id for t in chat.tickets()] == [1, 2, 3, 4, 5]
        assert chat.assignees(5) == ["水厂老杨"]
    finally:
        app.close()


def test_a_v1_sqlite_database_is_migrated_keeping_every_row(tmp_path: Path, classifier) -> None:
    check_v1_database_is_migrated(_sqlite(tmp_path), tmp_path, classifier)


@pytest.mark.integration
def test_a_v1_postgresql_database_is_migrated_keeping_every_row(tmp_path: Path, pg_url: str, classifier) -> None:
    check_v1_database_is_migrated(pg_url, tmp_path, classifier)


# --- the schema ---------------------------------------------------------------------------------------

def test_the_v1_revision_is_the_schema_version_1_made(tmp_path: Path) -> None:
    by_migration, by_create_all = _sqlite(tmp_path, "a.db"), _sqlite(tmp_path, "b.db")
    assert migrate.upgrade(by_migration, "v1") == (None, "v1")
    V1.create_all(sa.create_engine(by_create_all))
    assert schema(by_migration) == schema(by_create_all)

    def ddl(url: str) -> set[str]:
        with sa.create_engine(url).connect() as conn:
            return {r[0] for r in conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
                                                        "AND name != 'alembic_version'")}
    assert ddl(by_migration) == ddl(by_create_all)  # character for character


def check_a_fresh_database_equals_the_models(fresh: str, by_models: str) -> None:
    assert migrate.upgrade(fresh) == (None, migrate.head())
    engine = sa.create_engine(by_models)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    got, want = schema(fresh), schema(by_models)
    assert sorted(got) == sorted(SQLModel.metadata.tables) == sorted(want)
    for table in want:
        assert [c[0] for c in got[table]["columns"]] == [c[0] for c in want[table]["columns"]], table
    assert got == want
    assert differences_from_models(fresh) == []


def test_a_fresh_database_equals_the_models(tmp_path: Path) -> None:
    check_a_fresh_database_equals_the_models(_sqlite(tmp_path, "fresh.db"), _sqlite(tmp_path, "models.db"))


@pytest.mark.integration
def test_a_fresh_postgresql_database_equals_the_models(pg_server) -> None:
    from tests import pg

    check_a_fresh_database_equals_the_models(pg.fresh_database(pg_server, "mig_fresh"),
                                             pg.fresh_database(pg_server, "mig_models"))


def test_the_models_need_no_migration_that_is_not_written(tmp_path: Path) -> None:
    # A change to models/__init__.py without a revision in bot/migrations fails here (`alembic check`):
    # write one, e.g. alembic.command.revision(migrate.config(url), autogenerate=True, rev_id="v5", message=...).
    from alembic import command

    url = _sqlite(tmp_path)
    migrate.upgrade(url)
    command.check(migrate.config(url))  # raises AutogenerateDiffsDetected on a difference


# --- upgrading again, and databases made before migrations -----------------------------------------------

def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    make_v1_database(url)
    assert migrate.upgrade(url) == ("v1", "v4")
    rows, shape = dump(url), schema(url)
    assert migrate.upgrade(url) == ("v4", "v4")
    make_engine(url).dispose()  # every start migrates too
    assert dump(url) == rows and schema(url) == shape
    assert len(dump(url)["assignment"]) == len(EXPECTED_ASSIGNMENTS)


def test_a_database_stamped_v1_by_migrations_is_upgraded(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    assert migrate.upgrade(url, "v1") == (None, "v1")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in V1.sorted_tables:
            conn.execute(table.insert(), V1_ROWS[table.name])
    engine.dispose()
    assert migrate.current(url) == "v1"
    assert migrate.upgrade(url) == ("v1", "v4")
    got = [(a["ticket_id"], a["role"], a["name"], a["contact_id"]) for a in dump(url)["assignment"]]
    assert got == EXPECTED_ASSIGNMENTS


def check_a_database_made_by_create_all_of_the_current_models_is_stamped(url: str) -> None:
    engine = sa.create_engine(url)
    SQLModel.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(models.Grid.__table__.insert(), [dict(id=1, name=G1, room=ROOM)])
    engine.dispose()
    assert migrate.current(url) is None
    assert migrate.upgrade(url) == ("v4", "v4")
    assert migrate.current(url) == "v4"
    assert dump(url)["grid"] == [dict(id=1, name=G1, room=ROOM)]
    assert differences_from_models(url) == []


def test_a_database_made_by_create_all_of_the_current_models_is_stamped(tmp_path: Path) -> None:
    check_a_database_made_by_create_all_of_the_current_models_is_stamped(_sqlite(tmp_path, "current.db"))


@pytest.mark.integration
def test_a_postgresql_database_made_by_create_all_of_the_current_models_is_stamped(pg_url: str) -> None:
    check_a_database_made_by_create_all_of_the_current_models_is_stamped(pg_url)


def test_an_empty_database_is_created_by_make_engine(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    assert migrate.current(url) is None and not (tmp_path / "gridbot.db").exists()  # current() makes no file
    make_engine(url).dispose()
    assert migrate.current(url) == migrate.head()
    assert differences_from_models(url) == []


def test_an_in_memory_database_is_migrated_on_its_one_connection() -> None:
    engine = make_engine("sqlite://")
    try:
        assert set(sa.inspect(engine).get_table_names()) == set(migrate.V4_TABLES) | {"alembic_version"}
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on after migrating
    finally:
        engine.dispose()


def _v2_module():
    """The v2 revision's module, as alembic loaded it."""
    return migrate._scripts().get_revision("v2").module


def test_a_failed_migration_leaves_the_v1_database_as_it_was(tmp_path: Path, monkeypatch) -> None:
    url = _sqlite(tmp_path)
    make_v1_database(url)
    before, shape = dump(url), schema(url)
    real = migrate.command.upgrade

    def upgrade_then_fail(*args, **kwargs) -> None:  # the tables changed, rows moved, version set: then a failure
        real(*args, **kwargs)
        raise RuntimeError("boom")

    monkeypatch.setattr(migrate.command, "upgrade", upgrade_then_fail)
    with pytest.raises(RuntimeError, match="boom"):
        migrate.upgrade(url)
    monkeypatch.undo()
    assert dump(url) == before and schema(url) == shape  # one transaction: nothing happened
    assert migrate.current(url) is None
    assert migrate.upgrade(url) == ("v1", "v4")


def test_a_database_of_another_shape_is_a_one_line_settings_error(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE ticket (id INTEGER PRIMARY KEY, title VARCHAR)")
    engine.dispose()
    with pytest.raises(SettingsError) as info:
        make_engine(url)
    message = str(info.value)
    assert "GRIDBOT_DATABASE_URL" in message and "\n" not in message and "ticket" in message


def test_a_database_of_a_newer_gridbot_is_refused(tmp_path: Path) -> None:
    url = _sqlite(tmp_path)
    make_engine(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'v99'")
    engine.dispose()
    with pytest.raises(SettingsError) as info:
        make_engine(url)
    assert "v99" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(migrate.MigrationError):
        migrate.upgrade(url)


def test_the_migration_of_one_ticket() -> None:
    """The pairing rules: list order, duplicates once, a shorter list filled, roles from the grid's roster."""
    from types import SimpleNamespace

    v2 = _v2_module()
    roster = {(1, "a"): ["comprehensive", "mediator"], (1, "b"): ["power"], (2, "c"): ["water"]}
    ticket = SimpleNamespace(id=7, grid_id=1, category="dispute", provider=None, urgent=True, created_at=T0,
                             assignees=["甲", "乙", "甲", "丙", "丁"], assignee_ids=["a", "b", "a", "c"])
    rows = v2.assignment_rows(ticket, roster)
    assert [(r["name"], r["contact_id"], r["role"]) for r in rows] == [
        ("甲", "a", "comprehensive"), ("乙", "b", "power"), ("丙", "c", "comprehensive"), ("丁", "", "comprehensive")]
    assert all(r["ticket_id"] == 7 and r["active"] is True and r["assigned_at"] == T0 for r in rows)
    none = SimpleNamespace(id=8, grid_id=1, category="water", provider=None, urgent=False, created_at=T0,
                           assignees=None, assignee_ids=None)
    assert v2.assignment_rows(none, roster) == []


# --- PostgreSQL: two processes starting together -------------------------------------------------------------

def _start(url: str, barrier, queue) -> None:
    from bot.db import make_engine as start

    try:
        barrier.wait(timeout=60)  # imports done: all start at once
        start(url).dispose()
        queue.put("ok")
    except Exception as exc:  # reported to the test, not swallowed
        queue.put(f"{type(exc).__name__}: {exc}"[:300])


@pytest.mark.integration
def test_two_processes_starting_together_on_postgresql_migrate_once(pg_url: str) -> None:
    import multiprocessing

    make_v1_database(pg_url)
    ctx = multiprocessing.get_context("spawn")
    queue, barrier = ctx.Queue(), ctx.Barrier(4)
    procs = [ctx.Process(target=_start, args=(pg_url, barrier, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok"] * 4
    assert migrate.current(pg_url) == "v4"
    got = [(a["ticket_id"], a["role"], a["name"], a["contact_id"]) for a in dump(pg_url)["assignment"]]
    assert got == EXPECTED_ASSIGNMENTS
