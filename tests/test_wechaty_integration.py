"""The real bot process against a real Wechaty gateway serving the mock puppet."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.wechaty_harness import GRID, RESIDENT, ROOM, STRANGER_ROOM, WATER, BotProcess, MockGateway, free_port

pytestmark = pytest.mark.integration


def ticket_statuses(db: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, status FROM ticket ORDER BY id").fetchall()


def replies_after(gw: MockGateway, since: float) -> list[dict]:
    return [m for m in gw.bot_messages if m["at"] >= since]


def test_resident_report_mentions_worker_and_worker_accepts(gateway_installed: None, tmp_path: Path) -> None:
    port = free_port()
    gw = MockGateway(port)
    bot = BotProcess(tmp_path, port, extra_env={"GRIDBOT_WATCHDOG_SECONDS": "5"})
    try:
        bot.wait_for("wechaty: ready as", timeout=120)

        report_id = gw.say(RESIDENT, "我家停水了")
        ping = gw.expect("bot", where=lambda e: WATER["id"] in e["mentionIds"])
        assert ping["room"] == ROOM["id"]
        assert WATER["name"] in ping["text"]
        time.sleep(1.0)
        assert ticket_statuses(bot.db) == [(1, "reported")]

        # A doubled event for the same message: nothing more is said, no second ticket.
        said_before = len(gw.bot_messages)
        gw.send(op="repeat", id=report_id)
        gw.expect("repeated")
        # Non-text messages and rooms outside the roster are skipped.
        gw.send(op="image", **{"from": RESIDENT["id"], "room": ROOM["id"]})
        gw.expect("said")
        gw.say(RESIDENT, "我家也停水了", room=STRANGER_ROOM)
        time.sleep(2.0)
        assert len(gw.bot_messages) == said_before
        assert ticket_statuses(bot.db) == [(1, "reported")]
        assert "non-text message (image)" in bot.output()
        assert "not in the roster" in bot.output()

        # The water worker answers in the group: the ticket is accepted.
        since = time.monotonic()
        gw.say(WATER, "收到")
        gw.expect("bot", where=lambda e: e["at"] >= since)
        deadline = time.monotonic() + 10
        while ticket_statuses(bot.db) != [(1, "accepted")] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ticket_statuses(bot.db) == [(1, "accepted")]

        # The gateway hangs (the watchdog notices), then dies and comes back on the same port.
        lines = len(bot.lines)
        os.kill(gw.proc.pid, signal.SIGSTOP)
        bot.wait_for("watchdog: no event", timeout=20, after=lines)
        os.kill(gw.proc.pid, signal.SIGCONT)
        gw.stop(kill=True)
        gw = MockGateway(port)
        bot.wait_for("wechaty: ready as", timeout=60, after=lines)

        # Messages after the restart arrive once, and the replies leave once.
        since = time.monotonic()
        gw.say(GRID, "#查看 1")
        gw.expect("bot", where=lambda e: e["at"] >= since)
        time.sleep(1.5)
        texts = [m["text"] for m in replies_after(gw, since)]
        assert len(texts) == len(set(texts)) >= 1, texts
        assert bot.output().count("王网格: #查看 1") == 1
        assert bot.proc.poll() is None
    finally:
        code = bot.stop()
        gw.stop()
    assert code == 0, bot.output()[-3000:]


def _error_lines(bot: BotProcess) -> list[str]:
    return [line for _, line in bot.lines if line.startswith("gridbot: ")]


def test_wrong_token_and_unreachable_endpoint_fail_fast_with_one_line(gateway_installed: None, tmp_path: Path) -> None:
    port = free_port()
    gw = MockGateway(port)
    try:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        wrong = BotProcess(tmp_path / "a", port, token="not-the-token")
        unreachable = BotProcess(tmp_path / "b", free_port())
        with ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(lambda b: b.proc.wait(timeout=30), [wrong, unreachable]))
        for bot, code in zip([wrong, unreachable], codes):
            elapsed = bot.lines[-1][0] - bot.started if bot.lines else 0
            assert code == 1, bot.output()[-2000:]
            assert elapsed < 15, f"took {elapsed:.1f} s"
            assert len(_error_lines(bot)) == 1, bot.output()[-2000:]
            assert "Traceback" not in bot.output()
        assert "rejected the token" in _error_lines(wrong)[0]
        assert "cannot reach the Wechaty gateway" in _error_lines(unreachable)[0]
    finally:
        gw.stop()


def test_roster_names_without_ids_are_found_in_the_room_by_alias_then_nickname(gateway_installed: None,
                                                                                 tmp_path: Path) -> None:
    """The roster gives names only; the bot finds them in the room, stores the ids and says whom it could not."""
    from tests.wechaty_harness import BOT, world

    twin_a, twin_b = {"id": "twin-1", "name": "李梅"}, {"id": "twin-2", "name": "李梅"}
    mock = world()
    mock["contacts"] += [twin_a, twin_b]
    mock["rooms"][0]["members"] += [twin_a["id"], twin_b["id"]]
    mock["rooms"][0]["aliases"] = {WATER["id"]: "水厂老王"}
    roster = ("grid,room,role,name,contact_id\n"
              f"测试网格,{ROOM['topic']},comprehensive,{GRID['name']},\n"
              f"测试网格,{ROOM['topic']},water,水厂老王,\n"
              f"测试网格,{ROOM['topic']},power,李梅,\n"
              f"测试网格,{ROOM['topic']},fire,消防老马,\n")
    port = free_port()
    gw = MockGateway(port, world_=mock)
    bot = BotProcess(tmp_path, port, roster_text=roster)
    try:
        bot.wait_for("wechaty: ready as", timeout=120)
        line = next(l for _, l in bot.lines if "找不到" in l)
        assert "消防老马" in line and "李梅" in line and "水厂老王" not in line
        with sqlite3.connect(bot.db) as conn:
            ids = dict(conn.execute("SELECT name, contact_id FROM member").fetchall())
        assert ids == {GRID["name"]: GRID["id"], "水厂老王": WATER["id"], "李梅": "", "消防老马": ""}
        gw.say(RESIDENT, "我家停水了")
        ping = gw.expect("bot", where=lambda e: WATER["id"] in e["mentionIds"])  # a real @ of the found id
        assert ping["room"] == ROOM["id"] and BOT["id"] not in ping["mentionIds"]
        since = time.monotonic()
        gw.say(WATER, "收到 马上去看")
        gw.expect("bot", where=lambda e: e["at"] >= since and "已接单" in e["text"])
    finally:
        code = bot.stop()
        gw.stop()
    assert code == 0, bot.output()[-3000:]
