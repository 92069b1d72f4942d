"""The same SQLModel code on a real PostgreSQL server."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.app import App
from bot.paths import DATA
from bot.roster import read_roster
from models import Report
from tests.conftest import make_settings
from tests.harness import ROOM, WATER, Chat, mentioned

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_chat(tmp_path: Path, pg_url: str, classifier):
    app = App.create(make_settings(tmp_path, database_url=pg_url), classifier=classifier,
                     roster=read_roster(DATA / "roster.sample.csv"))
    yield Chat(app)
    app.close()


def test_the_closed_loop_runs_on_postgresql(pg_chat: Chat) -> None:
    out = pg_chat.say("张阿姨", "我家停水了")
    assert mentioned(out[:1]) == [WATER]
    pg_chat.say(WATER, "收到")
    pg_chat.say(WATER, "已修好")
    pg_chat.say("张阿姨", "满意")
    ticket = pg_chat.ticket()
    assert (ticket.status, ticket.satisfaction) == ("closed", "satisfied")
    assert ticket.created_at.tzinfo == timezone.utc and ticket.created_at == pg_chat.tickets()[0].created_at


def test_a_doubled_event_is_harmless_on_postgresql(pg_chat: Chat) -> None:
    assert pg_chat.say("张阿姨", "我家停水了", msg_id="wx-9")
    assert pg_chat.say("张阿姨", "我家停水了", msg_id="wx-9") == []
    with Session(pg_chat.app.engine) as session:
        assert len(list(session.exec(select(Report)))) == 1


def test_escalation_runs_once_on_postgresql(pg_chat: Chat) -> None:
    pg_chat.say("张阿姨", "我家停水了")
    assert len(pg_chat.tick(31)) == 1  # reminder
    assert pg_chat.app.tick(pg_chat.now) == []  # the same sweep again sends nothing


def _import_roster_repeatedly(url: str, times: int, queue) -> None:
    from bot.db import make_engine, unit_of_work
    from bot.roster import import_roster

    engine = make_engine(url)
    try:
        for _ in range(times):
            with unit_of_work(engine) as session:
                import_roster(session, read_roster(DATA / "roster.sample.csv"))
        queue.put("ok")
    except Exception as exc:  # reported to the test, not swallowed
        queue.put(f"{type(exc).__name__}: {exc}"[:200])
    finally:
        engine.dispose()


def test_two_processes_importing_the_roster_at_once_both_succeed(pg_url: str) -> None:
    import multiprocessing

    from bot.db import make_engine

    make_engine(pg_url).dispose()  # the schema, once
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_import_roster_repeatedly, args=(pg_url, 10, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert results == ["ok", "ok"]


def test_nul_surrogates_and_a_huge_id_are_stored_on_postgresql(pg_chat: Chat) -> None:
    from models import InboundMessage, Ticket

    pg_chat.say("张\x00阿姨", "楼道里\x00着火了\ud800", msg_id="y" * 1_000_000)
    pg_chat.say("李叔", "我家停水了", msg_id="\ud800")
    with Session(pg_chat.app.engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 2
        assert sorted(t.category for t in session.exec(select(Ticket)).all()) == ["fire", "water"]


def test_the_conversation_queries_run_on_postgresql(pg_chat: Chat) -> None:
    pg_chat.say("张阿姨", "3栋停水了")
    pg_chat.say("李叔", "3栋也没水", after=2)
    pg_chat.say(WATER, "收到 马上到", after=3)
    pg_chat.say(WATER, "3栋的管子接好了 大家试一下", after=40)
    assert [t.status for t in pg_chat.tickets()] == ["resolved"] and pg_chat.ticket().report_count == 2


def test_a_dropped_database_connection_loses_no_message(pg_chat: Chat, pg_url: str) -> None:
    """The server ends the bot's connections (a restart, a failover): the next message is handled all the same."""
    import sqlalchemy as sa

    assert pg_chat.say("张阿姨", "我家停水了")
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    admin.dispose()
    assert ended >= 1
    out = pg_chat.say(WATER, "收到")
    assert "已接单" in " ".join(o.text for o in out)
    assert pg_chat.ticket().status == "accepted"


def test_chatter_read_by_two_processes_is_stored_once_on_postgresql(tmp_path: Path, pg_url: str, classifier) -> None:
    """Two bot accounts in one room both read a message: the chatter ids each holds are written once."""
    from bot.messages import Incoming
    from models import InboundMessage

    settings = make_settings(tmp_path, database_url=pg_url)
    first = App.create(settings, classifier=classifier, roster=read_roster(DATA / "roster.sample.csv"))
    second = App.create(settings, classifier=classifier)
    try:
        chat = Chat(first)
        chat.say("刘大爷", "大家早上好", msg_id="c-1")
        assert second.handle(Incoming(msg_id="c-1", room=ROOM, sender="刘大爷",
                                      text="大家早上好", ts=chat.now)) == []
        second.write_quiet()
        assert chat.say("张阿姨", "我家停水了", msg_id="r-1")  # takes c-1 along: already there, passed over
        with Session(first.engine) as session:
            assert sorted(session.exec(select(InboundMessage.msg_id))) == ["c-1", "r-1"]
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_latest_reports_and_reporters_in_one_query(tmp_path: Path, pg_url: str, backend: str) -> None:
    """The union of a ticket's latest reports and all its reporters reads the same on both databases."""
    from datetime import datetime, timedelta

    from sqlmodel import SQLModel

    from bot import repo
    from bot.db import make_engine, unit_of_work
    from models import Grid, Ticket

    engine = make_engine(pg_url if backend == "postgresql" else f"sqlite:///{tmp_path / 'r.db'}")
    SQLModel.metadata.create_all(engine)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    with unit_of_work(engine) as session:
        grid = Grid(name="g", room="r")
        session.add(grid)
        session.flush()
        one, two = (Ticket(grid_id=grid.id, category="water", reporter="a", reporter_id="a", created_at=start,
                           updated_at=start) for _ in range(2))
        session.add_all([one, two])
        session.flush()
        for i in range(15):  # fifteen reports by five households on the first ticket, one on the second
            session.add(Report(ticket_id=one.id, msg_id=f"m{i}", sender=f"户{i % 5}", sender_id=f"id{i % 5}",
                               text=f"第{i}条", ts=start + timedelta(minutes=15 - i)))
        session.add(Report(ticket_id=two.id, msg_id="n", sender="王", sender_id="w", text="只一条", ts=start))
    with Session(engine) as session:
        reports, reporters = repo.reports_and_reporters(session, ticket_ids=[one.id, two.id, 999], last=12)
    assert [r.text for r in reports[one.id]] == [f"第{i}条" for i in range(14, 2, -1)]  # the last 12, by time
    assert reporters[one.id] == {f"户{i}" for i in range(5)} | {f"id{i}" for i in range(5)}
    assert [r.text for r in reports[two.id]] == ["只一条"] and reporters[two.id] == {"王", "w"}
    assert reports[999] == [] and reporters[999] == set()
    engine.dispose()
