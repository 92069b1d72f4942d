"""One typed settings object, from `.env` and the environment (real environment variables win)."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, fields
from datetime import time
from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.paths import ROOT


class SettingsError(ValueError):
    """A setting is missing or malformed; the message (one line, in Chinese) names the key and the mend."""


DATABASE_KEY = "GRIDBOT_DATABASE_URL"
MODEL_DIR_KEY = "GRIDBOT_MODEL_DIR"


def _number(cast: Callable[[str], Any], lo: float, hi: float) -> Callable[[str], Any]:
    kind = "整数" if cast is int else "数字"

    def parse(raw: str) -> Any:
        try:
            value = cast(raw)
        except ValueError:
            raise ValueError(f"应为{kind}，取值 {lo} 到 {hi}") from None
        if not lo <= value <= hi:
            raise ValueError(f"应在 {lo} 到 {hi} 之间")
        return value
    return parse


def _int(lo: int, hi: int) -> Callable[[str], int]:
    return _number(int, lo, hi)


def _float(lo: float, hi: float) -> Callable[[str], float]:
    return _number(float, lo, hi)


def _zone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("不是已知的 IANA 时区名，例如 Asia/Shanghai") from exc


def _clock_time(raw: str) -> time:
    hours, _, minutes = raw.partition(":")
    try:
        return time(int(hours), int(minutes or 0))
    except ValueError:
        raise ValueError("应为 HH:MM 格式的时刻，例如 08:00") from None


def _path(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else ROOT / path


def _model_dir(raw: str) -> Path:
    """A folder for the model: it may not exist yet, but it (or the nearest existing parent) is no file."""
    path = _path(raw)
    for existing in (path, *path.parents):
        if existing.exists():
            if not existing.is_dir():
                where = "" if existing == path else f"其上级 {existing} "
                raise ValueError(f"{where}是一个文件，不是文件夹；请把 {MODEL_DIR_KEY} 改成一个文件夹的路径"
                                 f"（默认 var/model），或移走该文件")
            break
    return path


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"应为 {', '.join(options)} 之一")
        return raw
    return parse


def _secret(raw: str) -> str:
    if raw and raw.lower() in {"changeme", "change-me", "your-token", "xxx", "<token>", "todo"}:
        raise ValueError("还是 config.example.env 里的占位值，请填上真正的值")
    return raw


def _str(raw: str) -> str:
    return raw


_DB_WHERE = f"{DATABASE_KEY}（或 --db）"
_DB_EXAMPLE = "例如 sqlite:///var/gridbot.db 或 postgresql+psycopg2://用户:密码@主机/库名"

# Per database, how to get a driver that SQLAlchemy can use.
_DRIVER_HINTS = {
    "postgresql": "pip install psycopg2-binary 并把 URL 写成 postgresql+psycopg2://…（或 pip install 'psycopg[binary]'）",
    "mysql": "pip install pymysql 并把 URL 写成 mysql+pymysql://…（或 pip install mysqlclient）",
    "mariadb": "pip install pymysql 并把 URL 写成 mariadb+pymysql://…",
}


def shown_url(raw: str) -> str:
    """The URL as it may be printed: the password hidden."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(raw).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 (an unparsable URL has no password part we can find)
        return raw.split("@")[-1] if "@" in raw else raw


def check_database_url(raw: str) -> None:
    """Raise SettingsError (one line, naming GRIDBOT_DATABASE_URL) when the URL cannot work here:
    not a URL, an unknown database, a driver that is not installed, a SQLite path that is a folder."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    shown = shown_url(raw)
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise SettingsError(f"{_DB_WHERE}={shown!r} 不是有效的数据库 URL；{_DB_EXAMPLE}") from None
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise SettingsError(f"{_DB_WHERE}={shown!r}：不认识数据库驱动 {url.drivername!r}；"
                            f"请改用 sqlite 或 postgresql，{_DB_EXAMPLE}") from None
    backend = url.get_backend_name()
    if backend != "sqlite":
        importer = getattr(dialect, "import_dbapi", None) or getattr(dialect, "dbapi")
        try:
            importer()
        except ImportError as exc:
            hint = _DRIVER_HINTS.get(backend, f"pip install 提供 Python 模块 {exc.name} 的驱动包")
            raise SettingsError(f"{_DB_WHERE}={shown!r}：没有安装数据库驱动 {dialect.driver}"
                                f"（缺少 Python 模块 {exc.name}）；请 {hint}，或改用 sqlite:///var/gridbot.db") from None
        return
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        if path.is_dir():
            raise SettingsError(f"{_DB_WHERE}={shown!r}：{path} 是一个文件夹，不是 SQLite 数据库文件；"
                                f"请在路径末尾写上文件名，例如 sqlite:///{path / 'gridbot.db'}")
        for parent in path.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise SettingsError(f"{_DB_WHERE}={shown!r}：{parent} 是一个文件，放不下数据库；"
                                        f"请把 SQLite 文件放到一个文件夹里，例如 sqlite:///var/gridbot.db")
                break


def _database_url(raw: str) -> str:
    if "://" not in raw:
        raise SettingsError(f"{_DB_WHERE}={raw!r} 不是数据库 URL；{_DB_EXAMPLE}")
    if raw.startswith("sqlite:///") and not raw.startswith("sqlite:////") and raw != "sqlite:///:memory:":
        # Relative SQLite paths are relative to the project, not the working directory.
        raw = "sqlite:///" + str(ROOT / raw[len("sqlite:///"):])
    check_database_url(raw)
    return raw


# key -> (attribute, parser, default). Every key is documented in config.example.env.
SPEC: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "GRIDBOT_DATABASE_URL": ("database_url", _database_url, "sqlite:///var/gridbot.db"),
    "GRIDBOT_ROSTER": ("roster_path", _path, "data/roster.sample.csv"),
    "GRIDBOT_TIMEZONE": ("tz", _zone, "Asia/Shanghai"),
    "GRIDBOT_LOG_LEVEL": ("log_level", _choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    "GRIDBOT_LOG_FILE": ("log_file", lambda raw: _path(raw) if raw else None, ""),
    "GRIDBOT_MAX_TEXT_CHARS": ("max_text_chars", _int(50, 1_000_000), "20000"),
    "GRIDBOT_CARRIER_WAIT_MINUTES": ("carrier_wait_minutes", _int(1, 1440), "10"),
    "GRIDBOT_CONFIRM_WAIT_HOURS": ("confirm_wait_hours", _int(1, 24 * 14), "48"),
    "GRIDBOT_MERGE_WINDOW_MINUTES": ("merge_window_minutes", _int(0, 24 * 60), "600"),
    "GRIDBOT_RED_ACCEPT_MINUTES": ("red_accept_minutes", _int(1, 10_000), "10"),
    "GRIDBOT_RED_SOLVE_MINUTES": ("red_solve_minutes", _int(1, 100_000), "120"),
    "GRIDBOT_YELLOW_ACCEPT_MINUTES": ("yellow_accept_minutes", _int(1, 10_000), "30"),
    "GRIDBOT_YELLOW_SOLVE_MINUTES": ("yellow_solve_minutes", _int(1, 100_000), "1440"),
    "GRIDBOT_GREEN_ACCEPT_MINUTES": ("green_accept_minutes", _int(1, 10_000), "120"),
    "GRIDBOT_GREEN_SOLVE_MINUTES": ("green_solve_minutes", _int(1, 100_000), "4320"),
    "GRIDBOT_SWEEP_SECONDS": ("sweep_seconds", _int(5, 3600), "60"),
    "GRIDBOT_DIGEST_TIME": ("digest_time", _clock_time, "08:00"),
    "GRIDBOT_MODEL_DIR": ("model_dir", _model_dir, "var/model"),
    "GRIDBOT_ABSTAIN_MIN_CONFIDENCE": ("abstain_min_confidence", _float(0.0, 1.0), "0.45"),
    "GRIDBOT_ABSTAIN_MIN_MARGIN": ("abstain_min_margin", _float(0.0, 1.0), "0.10"),
    "GRIDBOT_UNSURE_ROUTE_MIN": ("unsure_route_min", _float(0.0, 1.01), "0.9"),
    "GRIDBOT_TRANSPORT": ("transport", _choice("auto", "console", "wechaty"), "auto"),
    "WECHATY_PUPPET_SERVICE_TOKEN": ("wechaty_token", _secret, ""),
    "WECHATY_PUPPET_SERVICE_ENDPOINT": ("wechaty_endpoint", _str, ""),
    "GRIDBOT_CONNECT_TIMEOUT_SECONDS": ("connect_timeout_seconds", _int(1, 300), "12"),
    "GRIDBOT_WATCHDOG_SECONDS": ("watchdog_seconds", _int(5, 3600), "120"),
    "GRIDBOT_RATE_PER_ROOM_PER_MINUTE": ("rate_per_room_per_minute", _int(1, 1000), "20"),
    "GRIDBOT_RATE_TOTAL_PER_MINUTE": ("rate_total_per_minute", _int(1, 10_000), "60"),
    "GRIDBOT_HEARTBEAT_SECONDS": ("heartbeat_seconds", _int(1, 600), "15"),
    "GRIDBOT_ACCOUNT_LIVE_SECONDS": ("account_live_seconds", _int(3, 3600), "60"),
    "GRIDBOT_UNATTENDED_MINUTES": ("unattended_minutes", _int(1, 10_000), "30"),
}


@dataclass(frozen=True)
class Settings:
    """Every setting the bot reads; built once by `load_settings` and passed down."""

    database_url: str
    roster_path: Path
    tz: ZoneInfo
    log_level: str
    log_file: Path | None
    max_text_chars: int
    carrier_wait_minutes: int
    confirm_wait_hours: int
    merge_window_minutes: int
    red_accept_minutes: int
    red_solve_minutes: int
    yellow_accept_minutes: int
    yellow_solve_minutes: int
    green_accept_minutes: int
    green_solve_minutes: int
    sweep_seconds: int
    digest_time: time
    model_dir: Path
    abstain_min_confidence: float
    abstain_min_margin: float
    unsure_route_min: float
    transport: str
    wechaty_token: str
    wechaty_endpoint: str
    connect_timeout_seconds: int
    watchdog_seconds: int
    rate_per_room_per_minute: int
    rate_total_per_minute: int
    heartbeat_seconds: int
    account_live_seconds: int
    unattended_minutes: int

    @property
    def uses_wechaty(self) -> bool:
        """WeChat is used when asked for, or by default when a gateway is configured."""
        if self.transport == "auto":
            return bool(self.wechaty_token and self.wechaty_endpoint)
        return self.transport == "wechaty"

    def deadlines(self, color: str) -> tuple[int, int]:
        """(accept, solve) minutes for a ticket colour."""
        return (getattr(self, f"{color}_accept_minutes"), getattr(self, f"{color}_solve_minutes"))


COLORS = ("red", "yellow", "green")
_COLOR_NAMES = {"red": "红色", "yellow": "黄色", "green": "绿色"}


def _unknown_key(key: str, source: str) -> SettingsError:
    close = difflib.get_close_matches(key, list(SPEC), n=1, cutoff=0.6)
    mend = f"是不是想写 {close[0]}？请改正拼写" if close else "请删掉它，已知的设置见 config.example.env"
    return SettingsError(f"{source}里有未知的设置 {key}：{mend}")


def load_settings(
    env_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_env_file: bool | None = None,
    **overrides: Any,
) -> Settings:
    """Read `.env` (project root by default) and the environment; raise SettingsError naming a bad key.

    A named `env_file` that does not exist is an error when `require_env_file` is true; by default it is
    when the real environment is read (`environ` not given, as `gridbot --env FILE` does), while a caller
    passing its own `environ` may name an absent file to mean "no .env".
    """
    path = Path(env_file) if env_file is not None else ROOT / ".env"
    if require_env_file is None:
        require_env_file = env_file is not None and environ is None
    file_values: dict[str, str | None] = dict(dotenv_values(path)) if path.is_file() else {}
    env_values = os.environ if environ is None else environ
    for key in file_values:
        if key.startswith("GRIDBOT_") and key not in SPEC:
            raise _unknown_key(key, f"配置文件 {path} ")
    for key in env_values:
        if key.startswith("GRIDBOT_") and key not in SPEC:
            raise _unknown_key(key, "环境变量")
    values = dict(file_values)
    values.update(env_values)
    parsed: dict[str, Any] = {}
    for key, (attr, parse, default) in SPEC.items():
        raw = values.get(key)
        raw = default if raw is None or raw.strip() == "" else raw.strip()
        try:
            parsed[attr] = parse(raw)
        except SettingsError:
            raise
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"{key}={raw!r}: {exc}") from None
    if require_env_file and not path.is_file():
        what = "是一个文件夹，不是文件" if path.is_dir() else "不存在"
        raise SettingsError(f"--env 指定的配置文件 {path} {what}；请改正路径（可由 config.example.env 复制一份），"
                            f"或去掉 --env 以使用项目的 .env")
    if parsed["transport"] == "wechaty" and not (parsed["wechaty_token"] and parsed["wechaty_endpoint"]):
        raise SettingsError(
            "GRIDBOT_TRANSPORT=wechaty 需要同时设置 WECHATY_PUPPET_SERVICE_TOKEN 和 WECHATY_PUPPET_SERVICE_ENDPOINT；"
            "请补上这两项，或改为 GRIDBOT_TRANSPORT=auto"
        )
    names = {f.name for f in fields(Settings)}
    unknown = set(overrides) - names
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    parsed.update(overrides)
    for color in COLORS:
        accept, solve = parsed[f"{color}_accept_minutes"], parsed[f"{color}_solve_minutes"]
        if accept > solve:
            upper = color.upper()
            raise SettingsError(
                f"GRIDBOT_{upper}_ACCEPT_MINUTES={accept} 比 GRIDBOT_{upper}_SOLVE_MINUTES={solve} 还长："
                f"{_COLOR_NAMES[color]}工单的接单时限不能超过办结时限；请调小前者或调大后者")
    beat, live = parsed["heartbeat_seconds"], parsed["account_live_seconds"]
    if live < 2 * beat:  # a live account would look gone between two of its own heartbeats
        raise SettingsError(f"GRIDBOT_ACCOUNT_LIVE_SECONDS={live} 至少要是 GRIDBOT_HEARTBEAT_SECONDS={beat} 的两倍，"
                            "否则在线的账号会在两次心跳之间被当成掉线；请调大前者或调小后者")
    return Settings(**parsed)
