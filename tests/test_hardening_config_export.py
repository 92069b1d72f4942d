"""Hardening: CSV export safe for spreadsheets, export into a closed pipe, configuration mistakes as
one-line Chinese errors naming the setting (never a traceback)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.cli import main
from bot.db import make_engine, unit_of_work
from bot.settings import SettingsError, load_settings
from models import Assignment, Grid, Report, Ticket, TicketEvent

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
HOSTILE_SENDER = "=HYPERLINK(\"http://x\")\n第二行"
HOSTILE_TEXT = "+1 停水了\r\n@所有人 快来看\x1b[31m"


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def hostile_db(tmp_path: Path) -> str:
    """A database with one ticket whose names and texts start with formula characters and hold newlines."""
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    engine = make_engine(url)
    now = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
    with unit_of_work(engine) as session:
        grid = Grid(name="-网格\n一", room="群一")
        session.add(grid)
        session.flush()
        ticket = Ticket(grid_id=grid.id, category="water", reporter=HOSTILE_SENDER, reporter_id="r1",
                        location="3号楼\n501", created_at=now, updated_at=now)
        session.add(ticket)
        session.flush()
        session.add(Report(ticket_id=ticket.id, msg_id="m1", sender=HOSTILE_SENDER, sender_id="r1",
                           text=HOSTILE_TEXT, ts=now))
        session.add(Assignment(ticket_id=ticket.id, role="water", name="@李师傅\n(水厂)", contact_id="w1",
                               assigned_at=now))
        session.add(TicketEvent(ticket_id=ticket.id, ts=now, actor="\t王网格\n", action="accept", detail="a\nb"))
    engine.dispose()
    return url


@pytest.fixture
def empty_env(tmp_path: Path) -> str:
    env = tmp_path / "empty.env"
    env.write_text("", encoding="utf-8")
    return str(env)


# --- 1. CSV injection and one-line rendering --------------------------------------------------------

def test_csv_export_quotes_cells_that_a_spreadsheet_would_run_as_formulas(hostile_db, empty_env, capsys) -> None:
    assert main(["--env", empty_env, "tickets", "export", "--format", "csv", "--db", hostile_db]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["首报人"] == "'" + HOSTILE_SENDER  # newlines may stay inside a quoted field
    assert row["网格"] == "'-网格\n一"
    assert row["负责人"] == "'@李师傅\n(水厂)"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    # The reports keep their original text (after the time and the sender).
    assert HOSTILE_TEXT in row["反映记录"]


def test_jsonl_export_keeps_the_original_text(hostile_db, empty_env, capsys) -> None:
    assert main(["--env", empty_env, "tickets", "export", "--db", hostile_db]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["reporter"] == HOSTILE_SENDER and obj["reports"][0]["text"] == HOSTILE_TEXT


def test_list_and_show_keep_each_record_on_one_line(hostile_db, empty_env, capsys) -> None:
    assert main(["--env", empty_env, "tickets", "list", "--db", hostile_db]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 1 and "李师傅" in out and "\x1b" not in out

    assert main(["--env", empty_env, "tickets", "show", "1", "--db", hostile_db]) == 0
    lines = capsys.readouterr().out.splitlines()
    report_lines = [line for line in lines if "停水了" in line]
    assert len(report_lines) == 1
    assert "HYPERLINK" in report_lines[0] and "第二行" in report_lines[0] and "所有人" in report_lines[0]
    assert not any(ch in "".join(lines) for ch in "\r\t\x1b")
    assert any("501" in line and "3号楼" in line for line in lines)
    assert any("王网格" in line and "a b" in line for line in lines)


# --- 2. A reader that goes away early ----------------------------------------------------------------

def test_export_into_a_closed_pipe_ends_quietly(hostile_db) -> None:
    from bot import exporting

    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    out = os.fdopen(write_fd, "w", encoding="utf-8")
    try:
        with Session(make_engine(hostile_db)) as session:
            for fmt in ("csv", "jsonl"):
                exporting.export(session, out, TZ, fmt)  # no BrokenPipeError
        out.write("more")
        out.flush()  # what is left goes to the null device
    finally:
        out.close()


def test_tickets_export_piped_into_head_exits_0_without_a_traceback(hostile_db, tmp_path: Path) -> None:
    env = tmp_path / "empty.env"
    env.write_text("", encoding="utf-8")
    code = ("import os, sys\n"
            "r, w = os.pipe(); os.close(r); os.dup2(w, 1); os.close(w)\n"  # stdout: a pipe nobody reads
            "sys.stdout = open(1, 'w', encoding='utf-8', closefd=False)\n"
            "from bot.cli import main\n"
            f"raise SystemExit(main(['--env', {str(env)!r}, 'tickets', 'export', '--db', {hostile_db!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


# --- 3. Configuration ---------------------------------------------------------------------------------

def _one_line_chinese(message: str, key: str) -> None:
    assert key in message and "\n" not in message and _cjk(message), message


@pytest.mark.parametrize("url", ["foo://x", "mysql://gridbot:secret@127.0.0.1/gridbot"])
def test_a_database_url_without_a_usable_driver_is_a_settings_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path / "absent.env", environ={"GRIDBOT_DATABASE_URL": url})
    _one_line_chinese(str(info.value), "GRIDBOT_DATABASE_URL")
    assert "secret" not in str(info.value)
    with pytest.raises(SettingsError) as info:
        make_engine(url)
    _one_line_chinese(str(info.value), "GRIDBOT_DATABASE_URL")


def test_an_unreachable_postgresql_is_a_settings_error() -> None:
    pytest.importorskip("psycopg2")
    with pytest.raises(SettingsError) as info:
        make_engine("postgresql+psycopg2://gridbot:secret@127.0.0.1:1/gridbot")
    message = str(info.value)
    _one_line_chinese(message, "GRIDBOT_DATABASE_URL")
    assert "127.0.0.1" in message and "secret" not in message


def test_a_sqlite_url_pointing_at_a_folder_is_a_settings_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}"
    with pytest.raises(SettingsError) as info:
        make_engine(url)
    _one_line_chinese(str(info.value), "GRIDBOT_DATABASE_URL")
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path / "absent.env", environ={"GRIDBOT_DATABASE_URL": url})
    _one_line_chinese(str(info.value), "GRIDBOT_DATABASE_URL")


@pytest.mark.parametrize("url", ["foo://x", "mysql://u@h/x", "sqlite:///TMP"])
def test_a_bad_db_option_exits_2_with_one_chinese_line(tmp_path: Path, empty_env, capsys, url: str) -> None:
    url = url.replace("TMP", str(tmp_path))
    assert main(["--env", empty_env, "roster", "import", str(ROOT / "data" / "roster.sample.csv"), "--db", url]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    _one_line_chinese(err, "GRIDBOT_DATABASE_URL")


def test_an_unreachable_database_through_the_cli_exits_2(empty_env, capsys) -> None:
    pytest.importorskip("psycopg2")
    argv = ["--env", empty_env, "roster", "import", str(ROOT / "data" / "roster.sample.csv"),
            "--db", "postgresql+psycopg2://u:p@127.0.0.1:1/x"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    _one_line_chinese(err, "GRIDBOT_DATABASE_URL")


@pytest.mark.parametrize("inside", [False, True])
def test_a_model_dir_that_is_a_file_is_a_settings_error(tmp_path: Path, inside: bool) -> None:
    afile = tmp_path / "model"
    afile.write_text("not a folder", encoding="utf-8")
    target = afile / "sub" if inside else afile
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path / "absent.env", environ={"GRIDBOT_MODEL_DIR": str(target)})
    _one_line_chinese(str(info.value), "GRIDBOT_MODEL_DIR")


def test_an_explicit_env_file_that_does_not_exist_is_an_error(tmp_path: Path, capsys, monkeypatch) -> None:
    missing = tmp_path / "typo.env"
    with pytest.raises(SettingsError) as info:
        load_settings(missing, require_env_file=True)
    assert str(missing) in str(info.value) and _cjk(str(info.value))
    for key in [k for k in os.environ if k.startswith("GRIDBOT_")]:
        monkeypatch.delenv(key)
    assert main(["--env", str(missing), "tickets", "list"]) == 2
    err = capsys.readouterr().err.strip()
    assert str(missing) in err and "--env" in err and len(err.splitlines()) == 1 and _cjk(err)


def test_no_env_option_still_works_without_a_project_env_file(tmp_path: Path) -> None:
    # Callers that pass their own environment may name an absent file to mean "no .env".
    assert load_settings(tmp_path / "absent.env", environ={}).sweep_seconds == 60


def test_an_account_live_time_shorter_than_two_heartbeats_is_an_error(tmp_path: Path) -> None:
    env = {"GRIDBOT_HEARTBEAT_SECONDS": "30", "GRIDBOT_ACCOUNT_LIVE_SECONDS": "45"}
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path / "absent.env", environ=env)
    _one_line_chinese(str(info.value), "GRIDBOT_ACCOUNT_LIVE_SECONDS")
    assert "GRIDBOT_HEARTBEAT_SECONDS" in str(info.value)
    env["GRIDBOT_ACCOUNT_LIVE_SECONDS"] = "60"
    assert load_settings(tmp_path / "absent.env", environ=env).account_live_seconds == 60


@pytest.mark.parametrize("color", ["red", "yellow", "green"])
def test_an_accept_deadline_longer_than_the_solve_deadline_is_an_error(tmp_path: Path, color: str) -> None:
    upper = color.upper()
    env = {f"GRIDBOT_{upper}_ACCEPT_MINUTES": "500", f"GRIDBOT_{upper}_SOLVE_MINUTES": "100"}
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path / "absent.env", environ=env)
    message = str(info.value)
    _one_line_chinese(message, f"GRIDBOT_{upper}_ACCEPT_MINUTES")
    assert f"GRIDBOT_{upper}_SOLVE_MINUTES" in message
    # Equal is fine.
    env[f"GRIDBOT_{upper}_SOLVE_MINUTES"] = "500"
    assert load_settings(tmp_path / "absent.env", environ=env).deadlines(color) == (500, 500)


def test_an_unknown_gridbot_key_in_the_environment_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(tmp_path / "absent.env", environ={"GRIDBOT_YELOW_SOLVE_MINUTES": "60"})
    message = str(info.value)
    _one_line_chinese(message, "GRIDBOT_YELOW_SOLVE_MINUTES")
    assert "GRIDBOT_YELLOW_SOLVE_MINUTES" in message


def test_an_unknown_gridbot_key_in_the_env_file_is_an_error_through_the_cli(tmp_path: Path, capsys,
                                                                           monkeypatch) -> None:
    for key in [k for k in os.environ if k.startswith("GRIDBOT_")]:
        monkeypatch.delenv(key)
    env = tmp_path / ".env"
    env.write_text("GRIDBOT_SWEEP_SECOND=30\nWECHATY_PUPPET=wechaty-puppet-wechat4u\n", encoding="utf-8")
    assert main(["--env", str(env), "tickets", "list"]) == 2
    err = capsys.readouterr().err.strip()
    assert "GRIDBOT_SWEEP_SECOND" in err and "GRIDBOT_SWEEP_SECONDS" in err and str(env) in err
    assert len(err.splitlines()) == 1 and _cjk(err)


def test_other_keys_in_the_env_file_are_left_alone(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("WECHATY_PUPPET=wechaty-puppet-wechat4u\nGATEWAY_PORT=8788\n", encoding="utf-8")
    assert load_settings(env, environ={}).sweep_seconds == 60


def test_the_example_configuration_loads(tmp_path: Path) -> None:
    settings = load_settings(ROOT / "config.example.env", environ={})
    assert settings.yellow_accept_minutes <= settings.yellow_solve_minutes
