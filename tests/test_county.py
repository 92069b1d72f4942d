"""County scale: two WeChat accounts (two real gateways on mock puppets), two bot processes, one PostgreSQL.

Account a is in rooms A and S, account b in rooms B and S; both know every worker as a contact. Each
reply, reminder, escalation and digest is delivered once, by an account in its room (or that knows
the person); a message seen by both accounts in the shared room makes one ticket; while b is stopped,
room B's messages wait in the outbox and go out in order when it returns; and room B's comprehensive
worker is told privately, through a, that the room has no live account.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.wechaty_harness import BotProcess, MockGateway, free_port

pytestmark = [pytest.mark.integration, pytest.mark.county]

BOT_A = {"id": "bot-a", "name": "网格小助手甲"}
BOT_B = {"id": "bot-b", "name": "网格小助手乙"}
RESIDENT = {"id": "resident-1", "name": "张阿姨"}
PEOPLE = {g: ({"id": f"grid-{g}", "name": f"{g.upper()}网格员"}, {"id": f"water-{g}", "name": f"{g.upper()}水务"})
          for g in "abs"}
ROOMS = {g: {"id": f"room-{g}@chatroom", "topic": f"{g.upper()}村网格群"} for g in "abs"}
CONTACTS = [RESIDENT] + [p for pair in PEOPLE.values() for p in pair]


def world(bot: dict, rooms: str) -> dict:
    def members(g: str) -> list[str]:
        return [bot["id"], RESIDENT["id"], PEOPLE[g][0]["id"], PEOPLE[g][1]["id"]]
    return {"bot": bot, "contacts": CONTACTS, "rooms": [{**ROOMS[g], "members": members(g)} for g in rooms]}


def roster() -> str:
    rows = ["grid,room,role,name,contact_id"]
    for g, (grid, water) in PEOPLE.items():
        rows += [f"{g}网格,{ROOMS[g]['topic']},comprehensive,{grid['name']},{grid['id']}",
                 f"{g}网格,{ROOMS[g]['topic']},water,{water['name']},{water['id']}"]
    return "\n".join(rows) + "\n"


def wait_until(check, timeout: float, what: str):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout} s: {what}")


def said(gw: MockGateway, needle: str, room: str | None = None, to: str | None = None) -> list[dict]:
    return [m for m in gw.bot_messages if needle in m["text"]
            and (room is None or m["room"] == ROOMS[room]["id"]) and (to is None or m["to"] == to)]


def test_two_accounts_on_one_postgresql_deliver_each_message_once(gateway_installed: None, pg_url: str,
                                                                   tmp_path: Path) -> None:
    from bot import migrate

    migrate.upgrade(pg_url)
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:  # the bot ran days ago: its start-up owes the last digest
        yesterday = datetime.now(timezone.utc) - timedelta(days=3)  # before the day of any digest now due
        conn.execute(sa.text("INSERT INTO inboundmessage (msg_id, room, sender_id, ts, outcome) "
                             "VALUES ('old', :room, 'x', :ts, 'chatter')"), {"room": ROOMS["a"]["topic"],
                                                                             "ts": yesterday.replace(tzinfo=None)})
    env = {"GRIDBOT_DATABASE_URL": pg_url, "GRIDBOT_SWEEP_SECONDS": "5", "GRIDBOT_HEARTBEAT_SECONDS": "1",
           "GRIDBOT_ACCOUNT_LIVE_SECONDS": "4", "GRIDBOT_UNATTENDED_MINUTES": "1",
           **{f"GRIDBOT_{c}_ACCEPT_MINUTES": "1" for c in ("RED", "YELLOW", "GREEN")},
           **{f"GRIDBOT_{c}_SOLVE_MINUTES": "600" for c in ("RED", "YELLOW", "GREEN")}}
    port_a, port_b = free_port(), free_port()
    gw_a, gw_b = MockGateway(port_a, world_=world(BOT_A, "as")), MockGateway(port_b, world_=world(BOT_B, "bs"))
    bot_a = BotProcess(tmp_path / "a", port_a, extra_env=env, roster_text=roster())
    bots = [bot_a]
    try:
        bot_a.wait_for("wechaty: ready as", timeout=120)
        bot_b = BotProcess(tmp_path / "b", port_b, extra_env=env, roster_text=roster())
        bots.append(bot_b)
        bot_b.wait_for("wechaty: ready as", timeout=120)
        bot_b.wait_for("account bot-b", timeout=30)

        # Yesterday's digest, once per grid, privately, through one account.
        digests = wait_until(lambda: len(said(gw_a, "网格日报") + said(gw_b, "网格日报")) >= 3 and
                             said(gw_a, "网格日报") + said(gw_b, "网格日报"), 30, "three digests")
        time.sleep(2)
        digests = said(gw_a, "网格日报") + said(gw_b, "网格日报")
        assert sorted(m["to"] for m in digests) == ["grid-a", "grid-b", "grid-s"]

        # Each room's reports are answered by the account in that room, once.
        gw_a.say(RESIDENT, "我家停水了，水龙头一滴水都没有", room=ROOMS["a"])
        gw_b.say(RESIDENT, "我家停水了，一早上都没水", room=ROOMS["b"])
        ping_a = gw_a.expect("bot", where=lambda e: PEOPLE["a"][1]["id"] in e["mentionIds"])
        ping_b = gw_b.expect("bot", where=lambda e: PEOPLE["b"][1]["id"] in e["mentionIds"])
        assert ping_a["room"] == ROOMS["a"]["id"] and ping_b["room"] == ROOMS["b"]["id"]

        # The shared room: both accounts see the same message; one ticket, one answer, by account a.
        for gw in (gw_a, gw_b):
            gw.say(RESIDENT, "小区停水了，整栋楼都没水", room=ROOMS["s"])
        gw_a.expect("bot", where=lambda e: PEOPLE["s"][1]["id"] in e["mentionIds"])
        time.sleep(3)
        with engine.connect() as conn:
            tickets = conn.execute(sa.text("SELECT g.room FROM ticket t JOIN grid g ON g.id = t.grid_id "
                                           "ORDER BY t.id")).scalars().all()
        assert sorted(tickets) == sorted(ROOMS[g]["topic"] for g in "abs")
        assert said(gw_b, "", room="s") == [] and len([m for m in gw_a.bot_messages if m["room"] == ROOMS["s"]["id"]]) == 2

        # b stops: room B's reminder waits in the outbox; a tells B's comprehensive worker privately.
        assert bot_b.stop() == 0
        stopped = time.monotonic()
        wait_until(lambda: said(gw_a, "提醒", room="a") and said(gw_a, "提醒", room="s"), 90, "reminders in A and S")
        with engine.connect() as conn:
            waiting = wait_until(lambda: conn.execute(sa.text(
                "SELECT count(*) FROM outbox WHERE room = :r AND sent_at IS NULL"), {"r": ROOMS["b"]["topic"]}).scalar(),
                30, "room B's reminder waiting")
        assert waiting == 1
        warning = wait_until(lambda: said(gw_a, "没有在线", to="grid-b"), 120, "the unattended-room warning")
        assert len(warning) == 1 and ROOMS["b"]["topic"] in warning[0]["text"]
        assert time.monotonic() - stopped >= 55

        # b returns: the waiting reminder goes out through b, in room B, once.
        bot_b2 = BotProcess(tmp_path / "b2", port_b, extra_env=env, roster_text=roster())
        bots.append(bot_b2)
        bot_b2.wait_for("wechaty: ready as", timeout=120)
        wait_until(lambda: said(gw_b, "提醒", room="b"), 30, "room B's reminder after b returned")
        # The escalations (one acceptance window after the reminders) go privately, once each.
        wait_until(lambda: len(said(gw_a, "督办") + said(gw_b, "督办")) >= 3, 120, "three escalations")
        time.sleep(3)
    finally:
        codes = [b.stop() for b in bots]
        gw_a.stop()
        gw_b.stop()
        engine.dispose()
    everything = gw_a.bot_messages + gw_b.bot_messages
    texts = [(m["room"], m["to"], m["text"]) for m in everything]
    assert len(texts) == len(set(texts)), [t for t in texts if texts.count(t) > 1]  # nothing twice
    assert len(said(gw_b, "提醒", room="b")) == 1 and len(said(gw_a, "没有在线")) == 1
    escalations = said(gw_a, "督办") + said(gw_b, "督办")
    assert sorted(m["to"] for m in escalations) == ["grid-a", "grid-b", "grid-s"]
    rooms_of = {"bot-a": {ROOMS[g]["id"] for g in "as"}, "bot-b": {ROOMS[g]["id"] for g in "bs"}}
    assert all(m["room"] in rooms_of["bot-a"] for m in gw_a.bot_messages if m["room"])
    assert all(m["room"] in rooms_of["bot-b"] for m in gw_b.bot_messages if m["room"])
    assert codes == [0] * len(codes), [b.output()[-2000:] for b in bots]
