"""Rosters as Excel saves them (GBK, BOM, CRLF, empty contact_id), grids without a comprehensive worker,
missing-role warnings, and the admin functions behind `roster list|export|remove`."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.db import make_engine, unit_of_work
from bot.labels import ROLES
from bot.roster import (
    HEADER, ROLE_NAMES, RosterError, RosterImport, RosterRow, decode_roster, export_roster,
    grids_without_comprehensive, import_roster, import_roster_file, list_roster, missing_roles,
    parse_roster, read_roster, remove_grid,
)
from models import Grid, Member, Ticket

HEAD = ",".join(HEADER)
FULL = ("comprehensive", "water", "power", "mobile", "telecom", "unicom", "broadcast", "fire", "bank")


def _full_grid(grid: str, room: str, skip: tuple[str, ...] = ()) -> list[str]:
    return [f"{grid},{room},{role},{ROLE_NAMES[role]}{grid},wx_{role}_{grid}" for role in FULL if role not in skip]


def _csv(lines: list[str], eol: str = "\n") -> str:
    return eol.join([HEAD, *lines]) + eol


@pytest.fixture
def engine(tmp_path: Path):
    eng = make_engine(f"sqlite:///{tmp_path / 'roster.db'}")
    yield eng
    eng.dispose()


# -- reading files as Excel saves them ----------------------------------------------------------

SAMPLE = ["幸福里网格,幸福里群,comprehensive,王网格,王网格", "幸福里网格,幸福里群,water,李师傅(水厂),"]


@pytest.mark.parametrize("encoding, eol", [
    ("gbk", "\r\n"), ("gb18030", "\n"), ("utf-8-sig", "\r\n"), ("utf-8", "\r\n"), ("utf-8", "\n"),
])
def test_excel_encodings_and_line_ends_read_the_same(tmp_path: Path, encoding: str, eol: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(_csv(SAMPLE, eol).encode(encoding))
    rows = read_roster(path)
    assert [(r.line, r.grid, r.room, r.role, r.name, r.contact_id) for r in rows] == [
        (2, "幸福里网格", "幸福里群", "comprehensive", "王网格", "王网格"),
        (3, "幸福里网格", "幸福里群", "water", "李师傅(水厂)", ""),
    ]


def test_a_gb18030_only_character_is_read(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(_csv(["G,群,comprehensive,王䶮,"], "\r\n").encode("gb18030"))
    assert read_roster(path)[0].name == "王䶮"


def test_a_file_in_no_known_encoding_is_one_chinese_problem(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(_csv(SAMPLE).encode("utf-16"))  # Excel's "Unicode 文本"
    with pytest.raises(RosterError) as err:
        read_roster(path)
    assert len(err.value.problems) == 1 and "编码" in err.value.problems[0]
    assert "UTF-8" in err.value.problems[0] and "GBK" in err.value.problems[0]
    with pytest.raises(RosterError):
        decode_roster(b"\xff\xfe\x00\x81", "x.csv")


def test_a_missing_file_is_a_roster_error(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as err:
        read_roster(tmp_path / "absent.csv")
    assert "读不了" in err.value.problems[0] and "cannot read" in err.value.problems[0]


def test_trailing_empty_excel_columns_are_ignored() -> None:
    rows = parse_roster(HEAD + ",,\r\nG,群,comprehensive,王,,,\r\n")
    assert rows == [RosterRow(2, "G", "群", "comprehensive", "王", "")]


def test_empty_contact_id_is_kept_empty_in_the_database(engine) -> None:
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster(_csv(SAMPLE)))
    with Session(engine) as session:
        assert {m.name: m.contact_id for m in session.exec(select(Member))} == {"王网格": "王网格", "李师傅(水厂)": ""}


def test_two_people_of_one_role_without_contact_id_are_refused_with_both_lines() -> None:
    with pytest.raises(RosterError) as err:
        parse_roster(_csv(["G,群,comprehensive,王,", "G,群,water,李,", "G,群,water,张,"]))
    (problem,) = err.value.problems
    assert problem.startswith("line 4:") and "第 4 行" in problem and "第 3 行" in problem


def test_parsing_problems_are_in_chinese_with_the_line_number() -> None:
    with pytest.raises(RosterError) as err:
        parse_roster(_csv(["G,群,comprehensive,王,w", "G,群,plumber,张,z", "G,群,water,,z", "G,群二,water,李,l"]))
    p = err.value.problems
    assert "第 3 行：角色 plumber 不认识" in p[0]
    assert "第 4 行：name 不能为空" in p[1]
    assert "第 5 行" in p[2] and "一个网格只能有一个群" in p[2]
    assert "没有导入" in str(err.value)


# -- grids without a comprehensive worker, missing roles ------------------------------------------

def test_grids_without_a_comprehensive_worker_are_refused_and_nothing_is_imported(engine) -> None:
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster(_csv(["老网格,老群,comprehensive,老王,lw"])))
    rows = parse_roster(_csv(["A,群A,comprehensive,王,w", "B,群B,water,李,l", "C,群C,power,赵,z"]))
    assert grids_without_comprehensive(rows) == ["B", "C"]
    with pytest.raises(RosterError) as err:
        with unit_of_work(engine) as session:
            import_roster(session, rows, require_comprehensive=True)
    (problem,) = err.value.problems
    assert "B" in problem and "C" in problem and "综合网格员" in problem
    with Session(engine) as session:  # nothing of the file, and the earlier roster untouched
        assert [g.name for g in session.exec(select(Grid))] == ["老网格"]
        assert [m.name for m in session.exec(select(Member))] == ["老王"]


def test_import_roster_file_requires_a_comprehensive_worker(engine, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(_csv(["新村网格,新村群,water,小马,"], "\r\n").encode("gbk"))
    with pytest.raises(RosterError) as err, unit_of_work(engine) as session:
        import_roster_file(session, path)
    assert "新村网格" in err.value.problems[0] and err.value.source == str(path)
    with Session(engine) as session:
        assert list(session.exec(select(Grid))) == []


def test_missing_roles_are_warnings_in_chinese(engine) -> None:
    lines = _full_grid("A", "群A", skip=("water", "fire")) + _full_grid("B", "群B")
    lines.append("B,群B,police,民警,mj")
    rows = parse_roster(_csv(lines))
    assert missing_roles(rows) == {"A": ["water", "fire"]}  # mediator and police are optional
    with unit_of_work(engine) as session:
        result = import_roster(session, rows, require_comprehensive=True)
    assert isinstance(result, RosterImport) and result == {"grids": 2, "members": len(lines)}
    assert (result.grids, result.members, result["members"]) == (2, len(lines), len(lines))
    assert result.warnings == ["网格 A 没有：供水、消防（这类诉求转给综合网格员）"]


def test_missing_roles_lists_every_required_role_of_an_empty_grid() -> None:
    rows = parse_roster(_csv(["G,群,mediator,何姐,h"]))
    assert missing_roles(rows) == {"G": [r for r in ROLES if r not in ("mediator", "police")]}


def test_role_names_cover_every_role() -> None:
    assert set(ROLE_NAMES) == set(ROLES)
    assert ROLE_NAMES["comprehensive"] == "综合网格员" and ROLE_NAMES["police"] == "民警"


# -- list, export, remove ---------------------------------------------------------------------------

ADMIN = ["一网格,一群,water,李师傅,", "一网格,一群,comprehensive,王网格,wx_wang",
         "二网格,二群,comprehensive,陈网格,wx_chen"]


def _imported(engine) -> None:
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster(_csv(ADMIN)))


def test_list_roster_shows_chinese_roles_and_unmatched_contacts(engine) -> None:
    _imported(engine)
    with Session(engine) as session:
        lines = list_roster(session, None)
        assert len(lines) == 3
        assert "一网格" in lines[0] and "一群" in lines[0] and "综合网格员" in lines[0] and "wx_wang" in lines[0]
        assert "供水" in lines[1] and "李师傅" in lines[1] and "（待从微信匹配）" in lines[1]
        assert list_roster(session, "二网格") == [line for line in lines if line.startswith("二网格")]
        with pytest.raises(RosterError) as err:
            list_roster(session, "三网格")
        assert "三网格" in err.value.problems[0] and "一网格" in err.value.problems[0]


def test_list_roster_of_an_empty_database_is_empty(engine) -> None:
    with Session(engine) as session:
        assert list_roster(session) == []


def test_export_writes_the_contract_csv_with_a_bom_and_reimports_the_same(engine, tmp_path: Path) -> None:
    _imported(engine)
    out = io.StringIO()
    with Session(engine) as session:
        assert export_roster(session, out) == 3
    text = out.getvalue()
    assert text.startswith("\ufeffgrid,room,role,name,contact_id\r\n")
    assert "一网格,一群,water,李师傅,\r\n" in text
    path = tmp_path / "exported.csv"
    path.write_text(text, encoding="utf-8", newline="")
    rows = read_roster(path)
    assert sorted((r.grid, r.room, r.role, r.name, r.contact_id) for r in rows) == sorted(
        tuple(line.split(",")) for line in ADMIN)


def test_remove_a_grid_without_tickets(engine) -> None:
    _imported(engine)
    with unit_of_work(engine) as session:
        assert remove_grid(session, "一网格") == 2
    with Session(engine) as session:
        assert [g.name for g in session.exec(select(Grid))] == ["二网格"]
        assert [m.name for m in session.exec(select(Member))] == ["陈网格"]
    with pytest.raises(RosterError) as err, unit_of_work(engine) as session:
        remove_grid(session, "一网格")
    assert "没有名为 一网格 的网格" in err.value.problems[0]


def test_a_grid_with_tickets_is_kept_unless_forced_and_then_only_its_members_go(engine) -> None:
    _imported(engine)
    now = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    with unit_of_work(engine) as session:
        grid = session.exec(select(Grid).where(Grid.name == "一网格")).one()
        session.add(Ticket(grid_id=grid.id, category="water", reporter="居民", reporter_id="r1",
                           created_at=now, updated_at=now))
    with pytest.raises(RosterError) as err, unit_of_work(engine) as session:
        remove_grid(session, "一网格")
    assert "1 张工单" in err.value.problems[0] and "留作记录" in err.value.problems[0]
    with Session(engine) as session:
        assert len(list(session.exec(select(Member)))) == 3
    with unit_of_work(engine) as session:
        assert remove_grid(session, "一网格", force=True) == 2
    with Session(engine) as session:
        assert [(g.name, g.room) for g in session.exec(select(Grid).order_by(Grid.id))] == [
            ("一网格", "一群"), ("二网格", "二群")]
        assert [m.name for m in session.exec(select(Member))] == ["陈网格"]
        assert len(list(session.exec(select(Ticket)))) == 1
        assert "（没有成员）" in list_roster(session, "一网格")[0]


def test_a_request_for_a_role_nobody_holds_goes_to_the_comprehensive_worker_saying_so(tmp_path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.app import App
    from bot.classifier import load_classifier
    from bot.messages import Incoming
    from bot.roster import parse_roster
    from bot.settings import load_settings

    settings = load_settings(tmp_path / "absent.env", environ={}, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    rows = parse_roster("grid,room,role,name,contact_id\n新村,新村群,comprehensive,网格员小周,小周\n"
                        "新村,新村群,water,水厂老牛,老牛\n")
    app = App.create(settings, classifier=load_classifier(load_settings(tmp_path / "x.env", environ={})), roster=rows)
    try:
        out = app.handle(Incoming(msg_id="1", room="新村群", sender="居民", text="楼道里有人飞线充电 很危险",
                                  ts=datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Shanghai"))))
    finally:
        app.close()
    ping = out[0]
    assert [m.name for m in ping.mentions] == ["网格员小周"] and "没有消防" in ping.text
