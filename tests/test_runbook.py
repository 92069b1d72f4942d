"""The deployer's runbook, end to end: a roster saved by Excel in GBK with empty contact ids ->
db upgrade -> doctor -> replay a day -> tickets export opened as Excel opens a CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.cli import main

ROSTER_GBK = ("grid,room,role,name,contact_id\r\n"
              "柳树湾网格,柳树湾村三组群,comprehensive,网格员小沈,\r\n"
              "柳树湾网格,柳树湾村三组群,water,水务顾师傅,\r\n"
              "柳树湾网格,柳树湾村三组群,power,供电所老王,\r\n")


def test_the_runbook_from_an_excel_roster_to_an_excel_export(tmp_path: Path, capsys) -> None:
    roster = tmp_path / "花名册.csv"
    roster.write_bytes(ROSTER_GBK.encode("gbk"))
    db = f"sqlite:///{tmp_path / 'grid.db'}"
    env = tmp_path / "deploy.env"
    env.write_text("", encoding="utf-8")

    assert main(["--env", str(env), "db", "upgrade", "--db", db]) == 0
    assert main(["--env", str(env), "--db", db, "roster", "import", str(roster)]) == 0
    out = capsys.readouterr()
    assert "导入了 3 人" in out.out and "没有" in out.err  # missing roles are a warning, named

    assert main(["--env", str(env), "doctor", "--db", db]) == 1  # names not yet found in WeChat
    report = capsys.readouterr().out
    assert "✓ 数据库" in report and "✓ 数据库版本" in report and "网格员小沈" in report

    events = tmp_path / "day.jsonl"
    events.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in [
        {"ts": "2026-11-20T07:10:00+08:00", "room": "柳树湾村三组群", "sender": "王大妈", "text": "我家停水了"},
        {"ts": "2026-11-20T07:20:00+08:00", "room": "柳树湾村三组群", "sender": "水务顾师傅", "text": "收到 马上到"},
        {"ts": "2026-11-20T08:40:00+08:00", "room": "柳树湾村三组群", "sender": "水务顾师傅",
         "text": "管子接好了 大家试一下"},
    ]) + "\n", encoding="utf-8")
    assert main(["--env", str(env), "replay", str(events), "--roster", str(roster), "--db", db,
                 "--out", str(tmp_path / "actions.jsonl")]) == 0
    capsys.readouterr()

    assert main(["--env", str(env), "tickets", "export", "--format", "csv", "--db", db]) == 0
    exported = capsys.readouterr().out.encode("utf-8")
    assert exported.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert [(r["类别"], r["状态"], r["首报人"], r["负责人"]) for r in rows] == [("供水", "待居民确认", "王大妈", "水务顾师傅")]


def test_the_console_rehearses_a_roster_with_real_wechat_ids(tmp_path: Path) -> None:
    """Typed as a name, a worker speaks with their roster id: "收到" accepts, "不满意" is not a me-too."""
    from bot.app import App
    from bot.classifier import load_classifier
    from bot.roster import parse_roster
    from bot.settings import load_settings
    from bot.transports.console import Console

    settings = load_settings(tmp_path / "absent.env", environ={}, database_url=f"sqlite:///{tmp_path / 'c.db'}")
    rows = parse_roster("grid,room,role,name,contact_id\n新村,新村群,comprehensive,网格员小周,wxid_zhou01\n"
                        "新村,新村群,water,水厂老牛,wxid_niu77\n")
    app = App.create(settings, classifier=load_classifier(settings), roster=rows)
    screen = io.StringIO()
    console = Console(app, screen)
    lines = io.StringIO("张阿姨: 我家停水了\n水厂老牛: 收到\n水厂老牛: 修好了 大家试一下\n张阿姨: 满意\n/quit\n")
    try:
        console.start(lines)
    finally:
        app.close()
    out = screen.getvalue()
    assert "水厂老牛已接单" in out and "已办结" in out
