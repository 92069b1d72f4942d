"""Roster names resolved to WeChat contact ids: matching rules, storing on a real database, log lines."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, select

from bot.contacts import Resolution, RoomPerson, fill_room, found_line, report_line, resolve
from bot.db import make_engine, unit_of_work
from bot.roster import import_roster, parse_roster
from models import Member

P = RoomPerson


# -- resolve ---------------------------------------------------------------------------------

def test_the_room_alias_beats_the_nickname() -> None:
    people = [P("wx_a", "张三"), P("wx_b", "老张", alias="张三")]
    assert resolve(["张三"], people) == Resolution(found={"张三": "wx_b"}, missing=[], twice=[])


def test_the_nickname_is_used_when_no_alias_matches() -> None:
    people = [P("wx_a", "李师傅"), P("wx_b", "王五", alias="3栋王")]
    assert resolve(["李师傅"], people).found == {"李师傅": "wx_a"}


def test_two_people_with_the_name_are_twice_and_nobody_is_missing() -> None:
    people = [P("wx_a", "王五"), P("wx_b", "王五"), P("wx_c", "x", alias="赵六"), P("wx_d", "y", alias="赵六")]
    res = resolve(["王五", "赵六", "钱七"], people)
    assert res.found == {} and res.twice == ["王五", "赵六"] and res.missing == ["钱七"]


def test_one_alias_match_wins_over_several_nickname_matches() -> None:
    people = [P("wx_a", "王五"), P("wx_b", "王五", alias="王五")]
    assert resolve(["王五"], people).found == {"王五": "wx_b"}


def test_names_compare_after_nfkc_and_without_whitespace() -> None:
    people = [P("wx_a", "ｗａｎｇ　五 "), P("wx_b", "x", alias=" 李 师傅\t")]
    assert resolve(["wang五", "李师傅"], people).found == {"wang五": "wx_a", "李师傅": "wx_b"}


def test_an_empty_alias_matches_nothing() -> None:
    assert resolve(["张三"], [P("wx_a", "", alias="")]).missing == ["张三"]


def test_one_contact_is_not_given_to_two_names() -> None:
    people = [P("wx_a", "张三丰", alias="张三"), P("wx_b", "李四")]
    res = resolve(["张三", "李四", "张三丰"], people)
    assert res.found == {"李四": "wx_b"} and res.twice == ["张三", "张三丰"] and res.missing == []


def test_lists_keep_the_order_of_the_names_and_a_repeated_name_counts_once() -> None:
    res = resolve(["丙", "甲", "乙", "甲"], [P("wx_1", "甲")])
    assert res.missing == ["丙", "乙"] and res.found == {"甲": "wx_1"}


# -- fill_room on a real database ------------------------------------------------------------

ROSTER = ("grid,room,role,name,contact_id\n"
          "G1,幸福里网格群,comprehensive,网格员小沈,wx_shen\n"
          "G1,幸福里网格群,water,水务顾师傅,\n"
          "G1,幸福里网格群,power,供电所老王,\n"
          "G1,幸福里网格群,fire,消防小李,\n"
          "G1,幸福里网格群,bank,银行小赵,\n"
          "G2,柳树湾群,comprehensive,网格员老周,\n")


def _engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'roster.db'}")
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster(ROSTER))
    return engine


def _ids(engine) -> dict[str, str]:
    with Session(engine) as session:
        return {m.name: m.contact_id for m in session.exec(select(Member))}


ROOM = [
    P("wx_shen_other", "网格员小沈"),  # has an id already in the roster: must not be touched
    P("wx_gu", "顾建国", alias="水务顾师傅"),
    P("wx_wang", "供电所老王"),
    P("wx_li1", "消防小李"), P("wx_li2", "消防小李"),
    P("wx_resident", "张阿姨"),
]


def test_fill_room_stores_the_found_ids_and_leaves_the_rest(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with unit_of_work(engine) as session:
        res = fill_room(session, "幸福里网格群", ROOM)
    assert res == Resolution(found={"水务顾师傅": "wx_gu", "供电所老王": "wx_wang"},
                             missing=["银行小赵"], twice=["消防小李"])
    ids = _ids(engine)
    assert ids["网格员小沈"] == "wx_shen"  # filled rows untouched
    assert ids["水务顾师傅"] == "wx_gu" and ids["供电所老王"] == "wx_wang"
    assert ids["消防小李"] == "" and ids["银行小赵"] == ""
    assert ids["网格员老周"] == ""  # another grid's room: not looked at

    with unit_of_work(engine) as session:  # the room changes: only the still-empty names are looked up
        again = fill_room(session, "幸福里网格群", ROOM + [P("wx_zhao", "赵", alias="银行小赵")])
    assert again.found == {"银行小赵": "wx_zhao"} and again.twice == ["消防小李"] and again.missing == []
    assert _ids(engine)["银行小赵"] == "wx_zhao" and _ids(engine)["水务顾师傅"] == "wx_gu"


def test_a_room_that_is_not_in_the_roster_gives_an_empty_resolution(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with unit_of_work(engine) as session:
        assert fill_room(session, "别的群", ROOM) == Resolution()
    assert _ids(engine)["水务顾师傅"] == ""


def test_two_empty_rows_claiming_one_person_get_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'roster.db'}")
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster("grid,room,role,name,contact_id\n"
                                            "G1,群一,comprehensive,王,wx_w\n"
                                            "G1,群一,comprehensive,王二,\n"
                                            "G1,群一,mediator,王,\n"))
    with unit_of_work(engine) as session:
        res = fill_room(session, "群一", [P("wx_w", "王", alias="王二")])
    # 王二 (by alias) and 王 (by nickname) both point at wx_w: neither gets it, both are reported.
    assert res.twice == ["王二", "王"] and res.found == {} and res.missing == []
    with Session(engine) as session:
        rows = {(m.role, m.name): m.contact_id for m in session.exec(select(Member))}
    assert rows == {("comprehensive", "王"): "wx_w", ("comprehensive", "王二"): "", ("mediator", "王"): ""}


def test_a_person_in_a_new_role_gets_the_id_they_already_have(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'roster.db'}")
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster("grid,room,role,name,contact_id\n"
                                            "G1,群一,comprehensive,王,wx_w\n"
                                            "G1,群一,mediator,王,\n"
                                            "G1,群一,water,李,\n"))
    with unit_of_work(engine) as session:
        res = fill_room(session, "群一", [P("wx_w", "王"), P("wx_l", "李师傅", alias="李")])
    assert res.found == {"王": "wx_w", "李": "wx_l"}
    with Session(engine) as session:
        rows = {(m.role, m.name): m.contact_id for m in session.exec(select(Member))}
    assert rows == {("comprehensive", "王"): "wx_w", ("mediator", "王"): "wx_w", ("water", "李"): "wx_l"}


def test_an_id_held_by_another_row_of_the_same_role_is_reported_not_stored(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'roster.db'}")
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster("grid,room,role,name,contact_id\n"
                                            "G1,群一,comprehensive,王,wx_w\n"
                                            "G1,群一,comprehensive,老王,\n"))
    with unit_of_work(engine) as session:  # would break the (grid, role, contact_id) uniqueness
        res = fill_room(session, "群一", [P("wx_w", "王", alias="老王")])
    assert res.found == {} and res.twice == ["老王"]
    assert _ids(engine) == {"王": "wx_w", "老王": ""}


# -- log lines -------------------------------------------------------------------------------

def test_report_line_is_none_when_everything_was_found() -> None:
    assert report_line("幸福里网格群", Resolution(found={"张三": "wx_1"})) is None
    assert report_line("幸福里网格群", Resolution()) is None


def test_report_line_names_the_missing_and_the_doubled_in_chinese() -> None:
    line = report_line("幸福里网格群", Resolution(found={"赵六": "wx"}, missing=["张三", "李四"], twice=["王五"]))
    assert line is not None
    assert "幸福里网格群" in line and "张三、李四" in line and "王五" in line and "赵六" not in line
    assert "找不到" in line and "重名" in line and "contact_id" in line
    assert not re.search(r"[A-Za-z]", line.replace("contact_id", ""))  # no English but the column name
    only_twice = report_line("群", Resolution(twice=["王五"]))
    assert only_twice is not None and "找不到" not in only_twice and "王五" in only_twice


def test_a_long_list_of_names_is_cut_short() -> None:
    names = [f"居民{i}" for i in range(15)]
    line = report_line("群", Resolution(missing=names))
    assert line is not None and "居民9" in line and "居民10" not in line and "等 15 人" in line


def test_found_line_counts_the_found() -> None:
    assert found_line("群", Resolution(missing=["张三"])) is None
    line = found_line("幸福里网格群", Resolution(found={"张三": "wx_1", "李四": "wx_2"}))
    assert line is not None and "幸福里网格群" in line and "2 人" in line
    assert not re.search(r"[A-Za-z]", line.replace("微信 id", ""))
