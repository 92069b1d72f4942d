"""Roster import (all or nothing, line numbers), settings errors naming the key, privacy masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.db import make_engine, unit_of_work
from bot.privacy import mask, preview
from bot.roster import RosterError, import_roster, parse_roster
from bot.settings import SettingsError, load_settings
from models import Grid, Member

GOOD = "grid,room,role,name,contact_id\nG1,群一,comprehensive,王,wx_w\nG1,群一,water,李,wx_l\n"


def test_a_good_roster_imports_grids_and_members(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with unit_of_work(engine) as session:
        assert import_roster(session, parse_roster(GOOD)) == {"grids": 1, "members": 2}
    with Session(engine) as session:
        assert [(g.name, g.room) for g in session.exec(select(Grid))] == [("G1", "群一")]
        assert sorted(m.role for m in session.exec(select(Member))) == ["comprehensive", "water"]


@pytest.mark.parametrize("bad_row, problem", [
    ("G1,群一,plumber,张,wx_z", "line 4: unknown role 'plumber'"),
    ("G1,群一,water,,wx_z", "line 4: empty name"),
    ("G1,群一,water", "line 4: expected 5 columns, got 3"),
    ("G1,群二,water,张,wx_z", "line 4: grid 'G1' already has room '群一'"),
    ("G1,群一,water,李,wx_l", "line 4: duplicate of an earlier row"),
])
def test_a_bad_row_is_reported_with_its_line_number(bad_row: str, problem: str) -> None:
    with pytest.raises(RosterError) as err:
        parse_roster(GOOD + bad_row + "\n", "r.csv")
    assert any(p.startswith(problem) for p in err.value.problems), err.value.problems


def test_a_wrong_header_is_rejected() -> None:
    with pytest.raises(RosterError, match="line 1: header"):
        parse_roster("name,role\n")


def test_a_roster_with_a_bad_row_imports_nothing(tmp_path: Path) -> None:
    from bot.cli import main

    db = f"sqlite:///{tmp_path / 'db.sqlite'}"
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD + "G2,群二,water,张,wx_z\nG2,群二,wizard,钱,wx_q\n", encoding="utf-8")
    assert main(["roster", "import", str(roster), "--db", db]) == 2
    with Session(make_engine(db)) as session:
        assert list(session.exec(select(Member))) == []


def test_reimporting_a_grid_replaces_its_members(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster(GOOD))
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster("grid,room,role,name,contact_id\nG1,群一,power,赵,wx_z\n"))
    with Session(engine) as session:
        assert [m.name for m in session.exec(select(Member))] == ["赵"]


def test_settings_defaults_and_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("GRIDBOT_SWEEP_SECONDS=30\nGRIDBOT_TIMEZONE=Asia/Shanghai\n", encoding="utf-8")
    settings = load_settings(env, environ={"GRIDBOT_SWEEP_SECONDS": "90"})
    assert settings.sweep_seconds == 90 and settings.tz.key == "Asia/Shanghai"
    assert settings.digest_time.hour == 8 and not settings.uses_wechaty


@pytest.mark.parametrize("key, value", [
    ("GRIDBOT_SWEEP_SECONDS", "often"),
    ("GRIDBOT_TIMEZONE", "Mars/Olympus"),
    ("GRIDBOT_DATABASE_URL", "gridbot.db"),
    ("GRIDBOT_RED_ACCEPT_MINUTES", "-5"),
    ("WECHATY_PUPPET_SERVICE_TOKEN", "changeme"),
    ("GRIDBOT_TRANSPORT", "telegram"),
])
def test_a_bad_setting_names_its_key(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        load_settings(tmp_path / "absent.env", environ={key: value})


def test_wechaty_is_used_when_a_gateway_is_configured(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.env", environ={
        "WECHATY_PUPPET_SERVICE_TOKEN": "puppet_mock_abc", "WECHATY_PUPPET_SERVICE_ENDPOINT": "127.0.0.1:8788"})
    assert settings.uses_wechaty


def test_a_bad_setting_is_a_one_line_error_with_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:
    from bot.cli import main

    monkeypatch.setenv("GRIDBOT_SWEEP_SECONDS", "soon")
    assert main(["--env", str(tmp_path / "absent.env"), "tickets", "list"]) == 2
    err = capsys.readouterr().err.strip()
    assert "GRIDBOT_SWEEP_SECONDS" in err and "\n" not in err


@pytest.mark.parametrize("text, expected", [
    ("我电话13812345678", "我电话138****5678"),
    ("身份证110101199003071234", "身份证110101********1234"),
    ("座机0571-88123456", "座机0571-****3456"),
    ("3栋2单元501", "3栋2单元501"),
])
def test_phone_and_id_numbers_are_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_log_previews_are_short_and_masked() -> None:
    assert preview("我家停水了，电话13812345678，" + "很急" * 50) == "我家停水了，电话138****5678，很急很急…"


def test_a_roster_imported_while_the_bot_runs_takes_effect_at_the_next_sweep(app, settings, capsys) -> None:
    from datetime import datetime, timedelta

    from bot.cli import main
    from bot.messages import Incoming
    from tests.harness import TZ

    roster = Path(settings.database_url.removeprefix("sqlite:///")).parent / "more.csv"
    roster.write_text("grid,room,role,name,contact_id\n新村网格,新村群,comprehensive,新村网格员,新村网格员\n"
                      "新村网格,新村群,water,水厂小马,水厂小马\n", encoding="utf-8")
    now = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
    msg = Incoming(msg_id="n1", room="新村群", sender="居民", text="我家停水了", ts=now)
    assert app.handle(msg) == []  # not a roster room yet
    app.tick(now)
    assert main(["roster", "import", str(roster), "--db", settings.database_url]) == 0
    app.tick(now + timedelta(minutes=1))
    assert app.handle(Incoming(msg_id="n2", room="新村群", sender="居民", text="我家停水了", ts=now)) == []
    app.tick(now + timedelta(minutes=5))  # checked every five minutes
    out = app.handle(Incoming(msg_id="n3", room="新村群", sender="居民", text="我家停水了", ts=now))
    assert [m.name for m in out[0].mentions] == ["水厂小马"]
    roster.write_text("grid,room,role,name,contact_id\n新村网格,新村群,comprehensive,新村网格员,新村网格员\n"
                      "新村网格,新村群,water,水厂老牛,水厂老牛\n", encoding="utf-8")
    assert main(["roster", "import", str(roster), "--db", settings.database_url]) == 0  # same size, new person
    before = app.handle(Incoming(msg_id="n4", room="新村群", sender="水厂老牛", text="#接单 1", ts=now))
    assert "只有网格员" in before[0].text  # not on the roster the bot knows yet
    app.tick(now + timedelta(minutes=10))
    after = app.handle(Incoming(msg_id="n5", room="新村群", sender="水厂老牛", text="#接单 1", ts=now))
    assert "不是派给您的" in after[0].text  # now a worker (the ticket went to 水厂小马)


def test_contact_ids_found_by_another_process_reach_this_one_at_the_next_check(settings, classifier) -> None:
    from datetime import datetime, timedelta

    from bot.app import App
    from bot.contacts import RoomPerson
    from bot.messages import Incoming
    from bot.roster import parse_roster
    from tests.harness import TZ

    rows = parse_roster("grid,room,role,name,contact_id\n新村网格,新村群,comprehensive,新村网格员,wxid_g\n"
                        "新村网格,新村群,water,水厂小马,\n")
    here = App.create(settings, classifier=classifier, roster=rows)
    there = App.create(settings, classifier=classifier, roster=[])  # another account's process, same database
    try:
        now = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
        here.tick(now)
        assert here.unresolved_names("新村群") == ["水厂小马"]
        assert there.fill_contacts("新村群", [RoomPerson("wxid_ma", "水厂小马")]).found == {"水厂小马": "wxid_ma"}
        here.tick(now + timedelta(minutes=1))
        assert here.unresolved_names("新村群") == ["水厂小马"]  # read at most every five minutes
        here.tick(now + timedelta(minutes=5))
        assert here.unresolved_names("新村群") == []  # one row told it the roster changed
        out = here.handle(Incoming(msg_id="c1", room="新村群", sender="李阿姨", text="我家停水了", ts=now))
        assert [(m.name, m.contact_id) for m in out[0].mentions] == [("水厂小马", "wxid_ma")]
    finally:
        here.close()
        there.close()


def test_only_an_import_that_changes_the_roster_raises_its_version(settings) -> None:
    # Every bot process imports its roster file at start: the same file again must not make every
    # other process reload a county's roster; a changed name, order or room must.
    from bot import repo
    from bot.db import make_engine, unit_of_work
    from bot.roster import import_roster, parse_roster

    head = "grid,room,role,name,contact_id\n"
    first = head + "新村网格,新村群,comprehensive,新村网格员,wxid_g\n新村网格,新村群,water,水厂小马,wxid_m\n"
    engine = make_engine(settings.database_url)

    def imported(text: str) -> int:
        with unit_of_work(engine) as session:
            import_roster(session, parse_roster(text))
        with unit_of_work(engine) as session:
            return repo.roster_version(session)

    start = imported(first)
    assert imported(first) == start
    swapped = head + "新村网格,新村群,water,水厂小马,wxid_m\n新村网格,新村群,comprehensive,新村网格员,wxid_g\n"
    assert imported(swapped) == start + 1  # the order names who is mentioned first
    assert imported(swapped.replace("水厂小马", "水厂老牛")) == start + 2
    assert imported(swapped.replace("水厂小马", "水厂老牛").replace("新村群", "新村二群")) == start + 3
    assert imported(swapped.replace("水厂小马", "水厂老牛").replace("新村群", "新村二群")) == start + 3
    engine.dispose()
