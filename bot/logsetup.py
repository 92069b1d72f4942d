"""Where the bot's log lines go: a rotating file (GRIDBOT_LOG_FILE, or var/gridbot.log behind the
console chat) or a stream (stderr, which systemd sends to the journal). Replaces `logging.basicConfig`."""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO

from bot.paths import ROOT, VAR

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 10 * 1024 * 1024
BACKUP_COUNT = 5
FILE_MODE = 0o640
DIR_MODE = 0o750
LOG_FILE_KEY = "GRIDBOT_LOG_FILE"
# Behind the console chat (`make run` without WeChat) log lines would interleave with the dialogue.
CONSOLE_LOG: Path = VAR / "gridbot.log"

_MARK = "_gridbot_logsetup"  # set on the handlers this module installs, so a second call replaces them


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files (the live one and each new one after a rollover) are 0640."""

    def _open(self) -> IO[str]:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        try:
            mode = os.fstat(fd).st_mode & 0o777
            if mode & ~FILE_MODE:  # an older, looser file: tighten it (never loosen a stricter one)
                os.fchmod(fd, mode & FILE_MODE)
        except OSError:
            pass  # not ours to chmod: keep writing
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def _level(level: str | int) -> int:
    if isinstance(level, int):
        return level
    value = logging.getLevelName(str(level).strip().upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {level!r} (DEBUG, INFO, WARNING or ERROR)")
    return value


def _file_handler(path: Path, max_bytes: int, backup_count: int) -> logging.Handler:
    from bot.settings import SettingsError

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        return PrivateRotatingFileHandler(path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{LOG_FILE_KEY}={str(path)!r}：无法写入日志文件（{exc.strerror or exc}）；"
                            f"请改成运行 gridbot 的用户可写的路径，或留空让日志输出到终端（systemd 下即 journal）") from None


def _remove_ours(root: logging.Logger) -> None:
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()


def configure(level: str | int, log_file: str | os.PathLike[str] | None = None, stream: IO[str] | None = None,
              *, console_mode: bool = False, max_bytes: int = MAX_BYTES,
              backup_count: int = BACKUP_COUNT) -> Path | None:
    """Send log lines to `log_file` (rotating, UTF-8, 0640), or in console mode to var/gridbot.log, else
    to `stream` (stderr); return the file used, or None for the stream. Calling it again replaces what
    the previous call installed (no doubled lines); handlers installed by others are left alone.

    A relative `log_file` is under the project folder, like the other paths in the settings. A file
    that cannot be created raises SettingsError (one line naming GRIDBOT_LOG_FILE).
    """
    root = logging.getLogger()
    numeric = _level(level)
    path: Path | None = None
    if log_file is not None and str(log_file).strip():
        path = Path(log_file).expanduser()
        path = path if path.is_absolute() else ROOT / path
    elif console_mode:
        path = CONSOLE_LOG
    handler = (_file_handler(path, max_bytes, backup_count) if path is not None
               else logging.StreamHandler(stream if stream is not None else sys.stderr))
    handler.setFormatter(logging.Formatter(FORMAT))
    setattr(handler, _MARK, True)
    _remove_ours(root)
    root.addHandler(handler)
    root.setLevel(numeric)
    return path
