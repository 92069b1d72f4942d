"""Delivery claims across bot accounts (bot/delivery.py) and unattended rooms (bot/attendance.py),
on SQLite and on a real PostgreSQL: each row is claimed by one live account that can reach it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot import delivery
from bot.db import make_engine, unit_of_work
from bot.messages import Mention, Outgoing
import sqlalchemy as sa

from models import Account, Outbox, Ticket
from tests.conftest import make_settings
from tests.harness import GRIDMAN, ROOM, ROOM2

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
LIVE = timedelta(seconds=60)


def write(engine, items: list[Outgoing]) -> list[int]:
    with unit_of_work(engine) as session:
        rows = [Outbox(room=o.room, to_name=o.to.name if o.to else None, to_id=o.to.contact_id if o.to else None,
                       text=o.text, mentions=[], created_at=T0) for o in items]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def county(engine) -> None:
    """Account a is in rooms R1 and R2 and knows 王网格; b is in R2 and R3 and knows 陈网格."""
    delivery.register(engine, "a", "助手A", T0)
    delivery.register(engine, "b", "助手B", T0)
    delivery.set_reach(engine, "a", {"R1", "R2"}, {"wang"}, T0)
    delivery.set_reach(engine, "b", {"R2", "R3"}, {"chen"}, T0)


def texts(items: list[Outgoing]) -> list[str]:
    return [o.text for o in items]


def check_each_row_goes_to_one_live_account_that_reaches_it(url: str) -> None:
    engine = make_engine(url)
    county(engine)
    write(engine, [Outgoing("r1-1", room="R1"), Outgoing("r2-1", room="R2"), Outgoing("r3-1", room="R3"),
                   Outgoing("to-wang", to=Mention("王网格", "wang")), Outgoing("to-chen", to=Mention("陈网格", "chen")),
                   Outgoing("r9", room="R9"), Outgoing("r1-2", room="R1")])
    now = T0 + timedelta(seconds=5)
    assert texts(delivery.claim(engine, "a", now, live=LIVE)) == ["r1-1", "r2-1", "to-wang", "r1-2"]
    assert texts(delivery.claim(engine, "b", now, live=LIVE)) == ["r3-1", "to-chen"]
    assert delivery.claim(engine, "a", now, live=LIVE) == []  # already held by a

    # a falls silent: the shared room R2 moves to b once a's claims lapse, in order; R1 waits for a.
    write(engine, [Outgoing("r2-2", room="R2"), Outgoing("r1-3", room="R1")])
    soon = T0 + LIVE + timedelta(seconds=10)
    delivery.heartbeat(engine, "b", soon)
    assert delivery.claim(engine, "b", soon, live=LIVE) == []  # r2-1 is still held by a: r2-2 must not overtake it
    later = T0 + delivery.LEASE + timedelta(seconds=10)
    delivery.heartbeat(engine, "b", later)
    assert texts(delivery.claim(engine, "b", later, live=LIVE)) == ["r2-1", "r2-2"]
    # a comes back: it takes R1 in order, the rows it held first.
    delivery.register(engine, "a", "助手A", later)
    assert texts(delivery.claim(engine, "a", later, live=LIVE)) == ["r1-1", "to-wang", "r1-2", "r1-3"]
    engine.dispose()


def test_each_row_goes_to_one_live_account_that_reaches_it(tmp_path: Path) -> None:
    check_each_row_goes_to_one_live_account_that_reaches_it(f"sqlite:///{tmp_path / 'd.db'}")


@pytest.mark.integration
def test_each_row_goes_to_one_live_account_that_reaches_it_on_postgresql(pg_url: str) -> None:
    check_each_row_goes_to_one_live_account_that_reaches_it(pg_url)


def test_a_heartbeat_keeps_claims_and_a_clean_stop_gives_them_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    county(engine)
    write(engine, [Outgoing("r2-1", room="R2")])
    assert texts(delivery.claim(engine, "a", T0, live=LIVE)) == ["r2-1"]
    beat = T0 + delivery.LEASE - timedelta(seconds=1)
    delivery.heartbeat(engine, "a", beat)
    delivery.heartbeat(engine, "b", beat + timedelta(seconds=2))
    # a is alive and renewed its lease: b does not take the row although a's first lease ran out
    assert delivery.claim(engine, "b", beat + timedelta(seconds=2), live=LIVE) == []
    delivery.release(engine, "a")
    # released, and a is still the live account of R2: it takes the row again
    assert texts(delivery.claim(engine, "a", beat + timedelta(seconds=3), live=LIVE)) == ["r2-1"]
    engine.dispose()


def test_set_reach_follows_rooms_joined_and_left(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    county(engine)
    delivery.set_reach(engine, "a", {"R2", "R4"}, set(), T0)
    write(engine, [Outgoing("r1", room="R1"), Outgoing("r4", room="R4"), Outgoing("to-wang", to=Mention("王网格", "wang"))])
    assert texts(delivery.claim(engine, "a", T0, live=LIVE)) == ["r4"]
    engine.dispose()


@pytest.mark.integration
def test_concurrent_claims_on_postgresql_never_take_a_row_twice(pg_url: str) -> None:
    engine = make_engine(pg_url)
    ids = write(engine, [Outgoing(f"m{i}", room=f"R{i % 7}") for i in range(400)])
    got: list[list[int]] = []
    lock = threading.Lock()

    def worker() -> None:
        mine: list[int] = []
        while batch := delivery.claim(engine, None, T0, live=LIVE, limit=7):
            mine += [o.outbox_id for o in batch]
        with lock:
            got.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for mine in got for i in mine]
    assert sorted(claimed) == sorted(ids)  # every row once, none twice
    assert sum(1 for mine in got if mine) >= 2  # the workers really ran side by side
    engine.dispose()


def test_an_unattended_room_is_told_once_to_its_comprehensive_worker(tmp_path: Path, classifier) -> None:
    from bot.app import App
    from bot.paths import DATA
    from bot.roster import read_roster

    settings = make_settings(tmp_path, unattended_minutes=30)
    app = App.create(settings, classifier=classifier, roster=read_roster(DATA / "roster.sample.csv"))
    try:
        delivery.register(app.engine, "a", "助手A", T0)
        delivery.set_reach(app.engine, "a", {ROOM}, {GRIDMAN}, T0)
        delivery.register(app.engine, "b", "助手B", T0)
        delivery.set_reach(app.engine, "b", {ROOM2}, {GRIDMAN}, T0)
        assert [o for o in app.tick(T0 + timedelta(minutes=20)) if "没有在线" in o.text] == []
        delivery.heartbeat(app.engine, "b", T0 + timedelta(minutes=35))
        told = [o for o in app.tick(T0 + timedelta(minutes=35)) if "没有在线" in o.text]
        assert [(o.to.name, o.room) for o in told] == [(GRIDMAN, None)] and ROOM in told[0].text
        assert [o for o in app.tick(T0 + timedelta(minutes=36)) if "没有在线" in o.text] == []  # once
        # b delivers it: it knows the worker and is alive; a is not.
        now = T0 + timedelta(minutes=36)
        delivery.heartbeat(app.engine, "b", now)
        assert any("没有在线" in o.text for o in delivery.claim(app.engine, "b", now, live=LIVE))
        # a comes back and goes away again: a new outage, told again.
        delivery.heartbeat(app.engine, "a", T0 + timedelta(minutes=40))
        assert [o for o in app.tick(T0 + timedelta(minutes=45)) if "没有在线" in o.text] == []
        delivery.heartbeat(app.engine, "b", T0 + timedelta(minutes=75))
        again = [o for o in app.tick(T0 + timedelta(minutes=75)) if "没有在线" in o.text]
        assert [o.to.name for o in again] == [GRIDMAN] and ROOM in again[0].text
    finally:
        app.close()


def test_the_outbox_claim_columns_start_empty(app) -> None:  # noqa: ANN001
    with Session(app.engine) as session:
        assert session.exec(select(Outbox).where(Outbox.claimed_by.is_not(None))).first() is None


def test_doctor_names_rooms_without_a_live_account(tmp_path: Path, classifier) -> None:
    from bot.app import App
    from bot.doctor import _accounts
    from bot.paths import DATA
    from bot.roster import read_roster

    settings = make_settings(tmp_path)
    app = App.create(settings, classifier=classifier, roster=read_roster(DATA / "roster.sample.csv"))
    try:
        assert _accounts(settings) is None  # console: no accounts, nothing to say
        now = datetime.now(timezone.utc)
        delivery.register(app.engine, "a", "助手A", now)
        delivery.set_reach(app.engine, "a", {ROOM, ROOM2}, set(), now)
        check = _accounts(settings)
        assert check.ok and "在线 1/1" in check.line
        delivery.register(app.engine, "b", "助手B", now - timedelta(hours=2))
        delivery.set_reach(app.engine, "b", {"另一个群"}, set(), now - timedelta(hours=2))
        delivery.set_reach(app.engine, "a", {ROOM}, set(), now)
        check = _accounts(settings)
        assert not check.ok and "在线 1/2" in check.line and ROOM2 in check.line and "拉进" in check.line
        delivery.set_reach(app.engine, "b", {ROOM2}, set(), now - timedelta(hours=2))
        check = _accounts(settings)
        assert not check.ok and f"群「{ROOM2}」从" in check.line and "拉进" not in check.line
    finally:
        app.close()


def test_messages_of_a_shared_room_are_taken_over_when_its_account_goes_away(tmp_path: Path, classifier) -> None:
    """Account b shares a room with a, which serves it. a goes away: what b held since a's last
    heartbeat is handled by b, so a report made in that gap is not lost."""
    from types import SimpleNamespace

    from bot.app import App
    from bot.messages import Incoming
    from bot.paths import DATA
    from bot.roster import read_roster
    from bot.runtime import Runtime

    settings = make_settings(tmp_path, account_live_seconds=60)
    app = App.create(settings, classifier=classifier, roster=read_roster(DATA / "roster.sample.csv"))
    try:
        now = datetime.now(timezone.utc)
        delivery.register(app.engine, "a", "助手A", now)
        delivery.set_reach(app.engine, "a", {ROOM}, set(), now)
        delivery.register(app.engine, "b", "助手B", now)
        delivery.set_reach(app.engine, "b", {ROOM}, set(), now)
        runtime = Runtime(settings, lambda: app, SimpleNamespace(online=None, uses_accounts=True), close_app=False)
        runtime.app = app
        runtime.account = delivery.AccountInfo("b", "助手B", frozenset({ROOM}), frozenset())
        msg = Incoming(msg_id="b:1", room=ROOM, sender="张阿姨", sender_id="", text="我家停水了",
                       ts=datetime.now(timezone.utc))
        assert runtime._handle(msg) == [] and len(runtime._held) == 1  # a serves the room
        assert runtime._take_over() == 0 and len(runtime._held) == 1  # a is still alive
        with app.engine.begin() as conn:  # a's last heartbeat was long ago: it went away
            conn.execute(sa.update(Account).where(Account.id == "a").values(heartbeat_at=now - timedelta(minutes=5)))
        assert runtime._take_over() == 1 and len(runtime._held) == 0
        with Session(app.engine) as session:
            assert [t.category for t in session.exec(select(Ticket))] == ["water"]
        runtime.executor.shutdown()
    finally:
        app.close()
