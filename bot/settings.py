"""One typed settings object, from `.env` and the environment (real environment variables win)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import time
from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.paths import ROOT


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the key."""


def _number(cast: Callable[[str], Any], lo: float, hi: float) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        value = cast(raw)
        if not lo <= value <= hi:
            raise ValueError(f"must be between {lo} and {hi}")
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
        raise ValueError("not a known IANA time zone") from exc


def _clock_time(raw: str) -> time:
    hours, _, minutes = raw.partition(":")
    return time(int(hours), int(minutes or 0))


def _path(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else ROOT / path


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return raw
    return parse


def _secret(raw: str) -> str:
    if raw and raw.lower() in {"changeme", "change-me", "your-token", "xxx", "<token>", "todo"}:
        raise ValueError("is still the placeholder from config.example.env")
    return raw


def _str(raw: str) -> str:
    return raw


def _database_url(raw: str) -> str:
    if "://" not in raw:
        raise ValueError("must be a SQLAlchemy URL such as sqlite:///var/gridbot.db")
    if raw.startswith("sqlite:///") and not raw.startswith("sqlite:////") and raw != "sqlite:///:memory:":
        # Relative SQLite paths are relative to the project, not the working directory.
        return "sqlite:///" + str(ROOT / raw[len("sqlite:///"):])
    return raw


# key -> (attribute, parser, default). Every key is documented in config.example.env.
SPEC: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "GRIDBOT_DATABASE_URL": ("database_url", _database_url, "sqlite:///var/gridbot.db"),
    "GRIDBOT_ROSTER": ("roster_path", _path, "data/roster.sample.csv"),
    "GRIDBOT_TIMEZONE": ("tz", _zone, "Asia/Shanghai"),
    "GRIDBOT_LOG_LEVEL": ("log_level", _choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
    "GRIDBOT_MAX_TEXT_CHARS": ("max_text_chars", _int(50, 100_000), "2000"),
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
    "GRIDBOT_MODEL_DIR": ("model_dir", _path, "var/model"),
    "GRIDBOT_ABSTAIN_MIN_CONFIDENCE": ("abstain_min_confidence", _float(0.0, 1.0), "0.45"),
    "GRIDBOT_ABSTAIN_MIN_MARGIN": ("abstain_min_margin", _float(0.0, 1.0), "0.10"),
    "GRIDBOT_UNSURE_ROUTE_MIN": ("unsure_route_min", _float(0.0, 1.01), "0.7"),
    "GRIDBOT_TRANSPORT": ("transport", _choice("auto", "console", "wechaty"), "auto"),
    "WECHATY_PUPPET_SERVICE_TOKEN": ("wechaty_token", _secret, ""),
    "WECHATY_PUPPET_SERVICE_ENDPOINT": ("wechaty_endpoint", _str, ""),
    "GRIDBOT_CONNECT_TIMEOUT_SECONDS": ("connect_timeout_seconds", _int(1, 300), "12"),
    "GRIDBOT_WATCHDOG_SECONDS": ("watchdog_seconds", _int(5, 3600), "120"),
    "GRIDBOT_RATE_PER_ROOM_PER_MINUTE": ("rate_per_room_per_minute", _int(1, 1000), "20"),
    "GRIDBOT_RATE_TOTAL_PER_MINUTE": ("rate_total_per_minute", _int(1, 10_000), "60"),
}


@dataclass(frozen=True)
class Settings:
    """Every setting the bot reads; built once by `load_settings` and passed down."""

    database_url: str
    roster_path: Path
    tz: ZoneInfo
    log_level: str
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

    @property
    def uses_wechaty(self) -> bool:
        """WeChat is used when asked for, or by default when a gateway is configured."""
        if self.transport == "auto":
            return bool(self.wechaty_token and self.wechaty_endpoint)
        return self.transport == "wechaty"

    def deadlines(self, color: str) -> tuple[int, int]:
        """(accept, solve) minutes for a ticket colour."""
        return (getattr(self, f"{color}_accept_minutes"), getattr(self, f"{color}_solve_minutes"))


def load_settings(
    env_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read `.env` (project root by default) and the environment; raise SettingsError naming a bad key."""
    path = Path(env_file) if env_file is not None else ROOT / ".env"
    values: dict[str, str | None] = dict(dotenv_values(path)) if path.is_file() else {}
    values.update(os.environ if environ is None else environ)
    parsed: dict[str, Any] = {}
    for key, (attr, parse, default) in SPEC.items():
        raw = values.get(key)
        raw = default if raw is None or raw.strip() == "" else raw.strip()
        try:
            parsed[attr] = parse(raw)
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"{key}={raw!r}: {exc}") from None
    if parsed["transport"] == "wechaty" and not (parsed["wechaty_token"] and parsed["wechaty_endpoint"]):
        raise SettingsError(
            "GRIDBOT_TRANSPORT=wechaty needs WECHATY_PUPPET_SERVICE_TOKEN and WECHATY_PUPPET_SERVICE_ENDPOINT"
        )
    names = {f.name for f in fields(Settings)}
    unknown = set(overrides) - names
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    parsed.update(overrides)
    return Settings(**parsed)
