"""Replay on a virtual clock and the CLI of CONTRACT.md, run in-process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.paths import DATA
from bot.transports.replay import EventError, Replayer, parse_event
from tests.harness import Chat

ROSTER = str(DATA / "roster.sample.csv")
ROOM = "幸福里一网格群"


def event(ts: str, sender: str, text: str, **extra) -> str:
    return json.dumps({"ts": f"2026-11-20T{ts}:00+08:00", "room": ROOM, "sender": sender, "text": text, **extra},
                      ensure_ascii=False)


@pytest.mark.parametrize("line, reason", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"ts": "2026-11-20T07:00:00+08:00", "room": "r", "sender": "s"}', "missing text"),
    ('{"ts": "yesterday", "room": "r", "sender": "s", "text": "t"}', "not ISO-8601"),
    ('{"ts": "2026-11-20T07:00:00", "room": "r", "sender": "s", "text": "t"}', "no UTC offset"),
    ('{"ts": "2026-11-20T07:00:00+08:00", "room": 5, "sender": "s", "text": "t"}', "room must be"),
])
def test_a_bad_event_line_says_why(line: str, reason: str) -> None:
    with pytest.raises(EventError, match=reason):
        parse_event(line, 1)


def test_events_without_msg_id_get_a_stable_one() -> None:
    line = event("07:00", "张阿姨", "我家停水了")
    assert parse_event(line, 1).msg_id == parse_event(line, 9).msg_id


def test_replay_skips_a_malformed_line_with_its_number_and_goes_on(app) -> None:
    lines = [event("07:00", "张阿姨", "我家停水了"), "{oops", event("07:05", "李师傅(水厂)", "收到")]
    out, err = io.StringIO(), io.StringIO()
    result = Replayer(app, out, err).feed(lines, "day.jsonl")
    assert (result.events, result.bad_lines) == (2, 1)
    assert "day.jsonl:2: skipped: not valid JSON" in err.getvalue()
    actions = [json.loads(x) for x in out.getvalue().splitlines()]
    assert actions[0]["mentions"] == ["李师傅(水厂)"] and actions[0]["room"] == ROOM
    assert actions[0]["ts"] == "2026-11-20T07:00:00+08:00"
    assert any("已接单" in a["text"] for a in actions)


def test_replay_runs_the_sweep_at_its_due_virtual_time(app) -> None:
    lines = [event("07:00", "张阿姨", "我家停水了"), event("09:00", "刘奶奶", "大家上午好")]
    out = io.StringIO()
    Replayer(app, out, io.StringIO()).feed(lines)
    actions = [json.loads(x) for x in out.getvalue().splitlines()]
    reminder = [a for a in actions if a["text"].startswith("提醒")]
    assert len(reminder) == 1 and reminder[0]["ts"] == "2026-11-20T07:30:00+08:00"  # due at 30 min


def test_replaying_the_same_file_twice_changes_nothing(tmp_path: Path, capsys) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(event("07:00", "张阿姨", "我家停水了") + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["replay", str(events), "--roster", ROSTER, "--db", db]) == 0
    first = capsys.readouterr().out
    assert main(["replay", str(events), "--roster", ROSTER, "--db", db]) == 0
    assert first.strip() and capsys.readouterr().out == ""
    assert main(["tickets", "export", "--db", db]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_tickets_export_has_the_contract_fields(tmp_path: Path, capsys) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([event("07:00", "张阿姨", "我家停水了", msg_id="wx1"),
                                 event("07:02", "李叔", "我家也没水", msg_id="wx2")]) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    main(["replay", str(events), "--roster", ROSTER, "--db", db, "--out", str(tmp_path / "actions.jsonl")])
    capsys.readouterr()
    assert main(["tickets", "export", "--db", db]) == 0
    ticket = json.loads(capsys.readouterr().out)
    for key in ("id", "grid", "room", "category", "provider", "urgent", "status", "created_at", "reporter",
                "reports", "assignees", "accepted_at", "resolved_at", "closed_at", "satisfaction"):
        assert key in ticket
    assert ticket["created_at"] == "2026-11-20T07:00:00+08:00"
    assert [r["msg_id"] for r in ticket["reports"]] == ["wx1", "wx2"]
    assert main(["tickets", "export", "--format", "csv", "--db", db]) == 0
    out = capsys.readouterr().out  # for Excel: a BOM, Chinese headers and values, no JSON in a cell
    assert out.startswith("\ufeff工单号,网格,群,类别,紧急,状态")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert rows[1][3] == "供水" and rows[1][5] == "待接单" and rows[1][10] == "07:00 张阿姨：我家停水了\n07:02 李叔：我家也没水"
    assert not any(cell.startswith(("[", "{")) for cell in rows[1])
    assert main(["tickets", "show", "1", "--db", db]) == 0
    shown = capsys.readouterr().out
    steps = [shown.index(step) for step in ("  上报  ", "  派单  ", "  同一事件又有居民反映  ")]
    assert steps == sorted(steps) and "颜色 黄色" in shown


def test_the_sample_day_replays_into_tickets_and_a_digest(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    out = tmp_path / "actions.jsonl"
    assert main(["replay", str(DATA / "samples" / "day.jsonl"), "--roster", ROSTER, "--db", db,
                 "--out", str(out), "--until", "2026-11-21T08:01:00+08:00"]) == 0
    actions = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    digests = [a for a in actions if a.get("to") and a["text"].startswith("【网格日报】")]
    # The replay crosses 08:00 twice, but the 19th ended before the bot's first message: no digest for it.
    assert [(a["ts"][:16], a["to"]) for a in digests] == [("2026-11-21T08:00", "王网格"), ("2026-11-21T08:00", "陈网格")]
    assert all("2026-11-20" in a["text"] and "新增工单" in a["text"] for a in digests)
    capsys.readouterr()
    assert main(["digest", "--date", "2026-11-20", "--db", db, "--grid", "桃园村第二网格"]) == 0
    assert "桃园村第二网格 2026-11-20" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["replay", "/nonexistent/events.jsonl", "--roster", ROSTER], "no such file"),
    (["replay", "EVENTS", "--roster", "/nonexistent/roster.csv"], "cannot read"),
    (["digest", "--date", "20-11-2026"], "not YYYY-MM-DD"),
    (["tickets", "show", "12345"], "no ticket #12345"),
    (["classify", "/nonexistent/in.jsonl"], "cannot read"),
    (["tickets", "list", "--db", "sqlite:////nonexistent/typo.db"], "no database at /nonexistent/typo.db"),
    (["digest", "--db", "sqlite:////nonexistent/typo.db"], "no database at"),
])
def test_input_mistakes_exit_2_with_one_line(tmp_path: Path, capsys, argv, message) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("", encoding="utf-8")
    argv = [str(events) if a == "EVENTS" else a for a in argv]
    if "--db" not in argv:
        from bot.db import make_engine

        db = f"sqlite:///{tmp_path / 'x.db'}"
        make_engine(db).dispose()  # an existing, empty database
        argv += ["--db", db]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_unknown_command_is_usage_error(capsys) -> None:
    assert main(["frobnicate"]) == 2


def test_a_further_households_report_moves_no_deadline_and_a_new_ticket_does(chat: Chat) -> None:
    """The replay's clock asks for the next deadline again only after a message that may have moved one."""
    chat.say("张阿姨", "3栋停水了 一滴水都没有")
    assert chat.app.last_outcome.startswith("ticket:") and chat.app.moves_deadlines()
    out = chat.say("刘大爷", "我家也停水了", after=2)
    assert out and chat.app.last_outcome.startswith("merged:") and not chat.app.moves_deadlines()
