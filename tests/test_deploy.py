"""deploy/: the systemd units name what the repository has, and bot/logsetup.py puts log lines where it says."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot import logsetup
from bot.paths import ROOT, VAR
from bot.settings import SPEC, SettingsError

DEPLOY = ROOT / "deploy"
OPT = "/opt/gridbot"
BOT_UNITS = ("gridbot.service", "gridbot@.service")
GATEWAY_UNITS = ("gridbot-gateway.service", "gridbot-gateway@.service")
ALL_UNITS = BOT_UNITS + GATEWAY_UNITS


# ---- the unit files --------------------------------------------------------------------------------

def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values in order]}} (keys may repeat); fails on junk lines."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = pending + raw.strip()
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}:{number}: not 'Key=value' in a section: {raw!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(unit: dict, section: str, key: str) -> str:
    values = unit[section][key]
    assert len(values) == 1, f"{key} given {len(values)} times"
    return values[0]


def words(unit: dict, section: str, key: str) -> list[str]:
    return [w for value in unit[section].get(key, []) for w in value.split()]


def in_repo(path: str) -> Path:
    """Where a path under /opt/gridbot lives in this checkout."""
    assert path == OPT or path.startswith(OPT + "/"), path
    return ROOT / path[len(OPT):].lstrip("/")


def console_script_names() -> set[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        block = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
        return set(re.findall(r"^\s*([\w.-]+)\s*=", block, re.M))
    return set(tomllib.loads(text)["project"]["scripts"])


@pytest.mark.parametrize("name", ALL_UNITS)
def test_every_unit_parses_and_has_the_required_keys(name: str) -> None:
    unit = parse_unit(DEPLOY / name)
    assert set(unit) == {"Unit", "Service", "Install"}
    assert one(unit, "Unit", "Description")
    assert "network-online.target" in words(unit, "Unit", "After")
    assert "network-online.target" in words(unit, "Unit", "Wants")
    service = {key: values[-1] for key, values in unit["Service"].items()}
    assert service["Type"] == "simple"
    assert service["User"] == "gridbot" and service["Group"] == "gridbot"
    assert service["Restart"] == "on-failure"
    assert int(service["RestartSec"]) > 0
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes"
    assert {f"{OPT}/var", "/var/log/gridbot"} <= set(words(unit, "Service", "ReadWritePaths"))
    assert service["LogsDirectory"] == "gridbot"  # systemd creates /var/log/gridbot, owned by the user
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", ALL_UNITS)
def test_env_file_is_under_etc_gridbot_and_per_account_in_templates(name: str) -> None:
    unit = parse_unit(DEPLOY / name)
    env_file = one(unit, "Service", "EnvironmentFile")
    assert env_file == ("/etc/gridbot/%i.env" if "@" in name else "/etc/gridbot/gridbot.env")


@pytest.mark.parametrize("name", BOT_UNITS)
def test_bot_unit_runs_the_gridbot_entry_point_with_its_env_file(name: str) -> None:
    from bot.cli import build_parser

    unit = parse_unit(DEPLOY / name)
    binary, *argv = one(unit, "Service", "ExecStart").split()
    assert binary == f"{OPT}/.venv/bin/gridbot"
    assert Path(binary).name in console_script_names()  # pyproject.toml [project.scripts]
    assert argv[:2] == ["--env", one(unit, "Service", "EnvironmentFile")]
    args = build_parser().parse_args(argv)
    assert args.command == "run"
    assert in_repo(one(unit, "Service", "WorkingDirectory")) == ROOT
    # Everything the bot writes by default is inside var/, the one writable folder of the checkout.
    assert VAR == ROOT / "var"
    assert SPEC["GRIDBOT_DATABASE_URL"][2].startswith("sqlite:///var/")
    assert SPEC["GRIDBOT_MODEL_DIR"][2].startswith("var/")


@pytest.mark.parametrize("bot, gateway", [("gridbot.service", "gridbot-gateway.service"),
                                          ("gridbot@.service", "gridbot-gateway@%i.service")])
def test_bot_starts_after_and_wants_its_gateway(bot: str, gateway: str) -> None:
    unit = parse_unit(DEPLOY / bot)
    assert gateway in words(unit, "Unit", "After")
    assert gateway in words(unit, "Unit", "Wants")
    assert gateway not in words(unit, "Unit", "Requires")  # a gateway restart must not stop the bot
    assert (DEPLOY / gateway.replace("%i", "")).is_file()


@pytest.mark.parametrize("name", GATEWAY_UNITS)
def test_gateway_unit_runs_serve_js_from_the_gateway_folder(name: str) -> None:
    unit = parse_unit(DEPLOY / name)
    workdir = in_repo(one(unit, "Service", "WorkingDirectory"))
    assert workdir == ROOT / "gateway"
    binary, script, *rest = one(unit, "Service", "ExecStart").split()
    assert Path(binary).name == "node" and rest == []
    assert (workdir / script).is_file()
    assert (workdir / "package.json").is_file()


@pytest.mark.parametrize("plain, template", [("gridbot.service", "gridbot@.service"),
                                             ("gridbot-gateway.service", "gridbot-gateway@.service")])
def test_template_differs_from_the_plain_unit_only_by_the_account(plain: str, template: str) -> None:
    a, b = parse_unit(DEPLOY / plain), parse_unit(DEPLOY / template)
    per_account = {"Description", "After", "Wants", "EnvironmentFile", "Environment", "ExecStart", "SyslogIdentifier"}
    for section in a:
        keys = set(a[section]) | set(b[section])
        for key in keys - per_account:
            assert a[section].get(key) == b[section].get(key), f"[{section}] {key}"
        for key in keys & per_account:
            generic = [v.replace("/etc/gridbot/gridbot.env", "/etc/gridbot/%i.env") for v in a[section].get(key, [])]
            if a[section].get(key) != b[section].get(key):
                assert "%i" in " ".join(b[section][key]), f"[{section}] {key} differs without naming the account"
            if key in ("EnvironmentFile", "ExecStart"):
                assert b[section][key] == generic


def _verifiable_copy(tmp_path: Path, node: str) -> list[Path]:
    """The units with /opt/gridbot pointing at this checkout, env files in tmp_path and this node, for verify."""
    (tmp_path / "gridbot.env").write_text("", encoding="utf-8")
    (tmp_path / "alpha.env").write_text("", encoding="utf-8")
    for name in ALL_UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace("/etc/gridbot/", f"{tmp_path}/").replace(OPT, str(ROOT)).replace("/usr/bin/node", node)
        (tmp_path / name).write_text(text, encoding="utf-8")
    # An instance file name loads its template.
    return [tmp_path / "gridbot.service", tmp_path / "gridbot-gateway.service",
            tmp_path / "gridbot@alpha.service", tmp_path / "gridbot-gateway@alpha.service"]


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    tool, node = shutil.which("systemd-analyze"), shutil.which("node")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (the INI checks above still ran)")
    if node is None or not (ROOT / ".venv/bin/gridbot").exists():
        pytest.skip("verify checks that the ExecStart programs exist: needs node and .venv/bin/gridbot")
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "probe.service").write_text("[Unit]\nDescription=p\n[Service]\nExecStart=/bin/true\n", encoding="utf-8")
    ran = subprocess.run([tool, "verify", "--man=no", str(probe / "probe.service")],
                         capture_output=True, text=True, timeout=60)
    if ran.returncode != 0:
        pytest.skip(f"systemd-analyze verify cannot run here: {(ran.stderr or ran.stdout).strip()[:200]}")
    units = _verifiable_copy(tmp_path, node)
    ran = subprocess.run([tool, "verify", "--man=no", *map(str, units)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    output = ran.stdout + ran.stderr
    assert ran.returncode == 0, output
    assert not re.search(r"unknown|invalid|failed|ignoring|not executable|deprecated", output, re.I), output


# ---- bot/logsetup.py -------------------------------------------------------------------------------

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) [\w.]+: .*$")


@pytest.fixture
def root_logger():
    """The root logger, restored after the test (handlers added by configure are closed)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def ours(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if getattr(h, logsetup._MARK, False)]


def flush(root: logging.Logger) -> None:
    for handler in ours(root):
        handler.flush()


def test_log_file_gets_formatted_utf8_lines_in_a_new_private_file(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "logs" / "deep" / "gridbot.log"
    assert logsetup.configure("INFO", str(path)) == path
    log = logging.getLogger("bot.test")
    log.debug("不该出现")
    log.info("工单 #%d 已登记：停水", 12)
    flush(root_logger)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]), lines
    assert lines[0].endswith(" INFO bot.test: 工单 #12 已登记：停水")
    assert path.stat().st_mode & 0o777 & ~0o640 == 0  # 0640, or stricter under a stricter umask
    assert path.stat().st_mode & 0o600 == 0o600
    assert path.parent.is_dir()
    (handler,) = ours(root_logger)
    assert handler.maxBytes == 10 * 1024 * 1024 and handler.backupCount == 5


def test_log_file_rotates_at_the_size_and_keeps_the_backup_count(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "gridbot.log"
    logsetup.configure("INFO", path, max_bytes=2_000, backup_count=2)
    log = logging.getLogger("bot.rotation")
    for i in range(200):
        log.info("第 %03d 条 %s", i, "x" * 60)
    flush(root_logger)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["gridbot.log", "gridbot.log.1", "gridbot.log.2"]
    for name in files:
        assert (tmp_path / name).stat().st_size <= 2_000
        assert (tmp_path / name).stat().st_mode & 0o777 & ~0o640 == 0
    assert "第 199 条" in path.read_text(encoding="utf-8")


def test_an_existing_looser_file_is_tightened(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "gridbot.log"
    path.write_text("old line\n", encoding="utf-8")
    path.chmod(0o666)
    logsetup.configure("INFO", path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert path.read_text(encoding="utf-8") == "old line\n"  # appended to, never truncated


def test_configuring_twice_does_not_double_the_lines(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "gridbot.log"
    others = [h for h in root_logger.handlers if not getattr(h, logsetup._MARK, False)]
    logsetup.configure("INFO", path)
    logsetup.configure("INFO", path)
    assert len(ours(root_logger)) == 1
    logging.getLogger("bot.twice").warning("一次")
    flush(root_logger)
    assert path.read_text(encoding="utf-8").count("一次") == 1
    stream = io.StringIO()
    assert logsetup.configure("WARNING", None, stream) is None  # switching to the stream closes the file
    assert len(ours(root_logger)) == 1
    logging.getLogger("bot.twice").warning("二次")
    assert path.read_text(encoding="utf-8").count("二次") == 0
    assert stream.getvalue().count("二次") == 1
    assert [h for h in root_logger.handlers if not getattr(h, logsetup._MARK, False)] == others  # others kept


def test_without_a_file_lines_go_to_the_stream_at_the_level(root_logger) -> None:
    stream = io.StringIO()
    assert logsetup.configure("warning", None, stream) is None
    logging.getLogger("bot.stream").info("quiet")
    logging.getLogger("bot.stream").error("loud")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]) and lines[0].endswith("ERROR bot.stream: loud")


def test_console_mode_keeps_the_terminal_clean(root_logger, tmp_path: Path, monkeypatch, capsys) -> None:
    assert logsetup.CONSOLE_LOG == VAR / "gridbot.log"
    target = tmp_path / "var" / "gridbot.log"
    monkeypatch.setattr(logsetup, "CONSOLE_LOG", target)
    stream = io.StringIO()
    assert logsetup.configure("INFO", None, stream, console_mode=True) == target
    logging.getLogger("bot.console").warning("工单超时提醒")
    flush(root_logger)
    assert stream.getvalue() == ""
    assert capsys.readouterr().err == ""
    assert "工单超时提醒" in target.read_text(encoding="utf-8")


def test_console_mode_uses_the_configured_file_when_one_is_given(root_logger, tmp_path: Path) -> None:
    path = tmp_path / "chosen.log"
    assert logsetup.configure("INFO", path, io.StringIO(), console_mode=True) == path


def test_an_empty_log_file_setting_means_the_stream(root_logger) -> None:
    stream = io.StringIO()
    assert logsetup.configure("INFO", "  ", stream) is None
    logging.getLogger("bot.empty").info("here")
    assert "here" in stream.getvalue()


def test_a_relative_log_file_is_under_the_project(root_logger, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(logsetup, "ROOT", tmp_path)
    assert logsetup.configure("INFO", "var/log/gridbot.log") == tmp_path / "var/log/gridbot.log"


def test_an_unwritable_log_file_is_one_settings_error_naming_the_key(root_logger, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(SettingsError, match="GRIDBOT_LOG_FILE") as caught:
        logsetup.configure("INFO", blocker / "gridbot.log")
    assert "\n" not in str(caught.value)
    assert ours(root_logger) == []  # the previous set-up (none here) is left as it was


def test_an_unknown_level_is_a_value_error(root_logger) -> None:
    with pytest.raises(ValueError, match="LOUD"):
        logsetup.configure("LOUD", None, io.StringIO())


# ---- deploy/README.md stays true to the repository ----------------------------------------------------

def test_runbook_names_only_make_targets_that_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    code = re.findall(r"```.*?```", text, re.S) + re.findall(r"`[^`\n]+`", text)  # commands, not prose
    named = {t for span in code for group in re.findall(r"(?:^|`|-H |&& )make((?: [a-z][\w-]*)+)", span, re.M) for t in group.split()}
    assert {"install", "gateway-install", "model", "gateway"} <= named
    assert named <= targets, sorted(named - targets)


def test_runbook_names_only_gridbot_commands_of_the_cli_or_the_contract() -> None:
    from bot.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    known = set(sub.choices) | {"db", "doctor"}  # `gridbot db upgrade` and `gridbot doctor`: CONTRACT.md
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    calls = r"(?:bin/|`)gridbot (?:--env \S+ )?"  # the program, or a command quoted in the prose
    used = set(re.findall(calls + r"([a-z]+)\b", text))
    assert {"db", "doctor", "roster"} <= used
    assert used <= known, sorted(used - known)
    for action in re.findall(calls + r"roster ([a-z]+)", text):
        assert action in {"import", "list", "export", "remove"}, action
