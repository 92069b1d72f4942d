"""Shims that let python-wechaty 0.10.7 (the last release) import on Python 3.10-3.13.

Call `apply()` before the first `import wechaty`; it is idempotent. Each shim restores a name
that a newer dependency or Python removed, and nothing else.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

_applied = False


def apply(cache_dir: Path | None = None) -> None:
    """Patch pyee, urllib3, dataclasses' view of PuppetOptions (and telnetlib on 3.13); set the cache dir."""
    global _applied
    if cache_dir is not None:
        # python-wechaty writes .wechaty/ into the working directory unless told otherwise.
        os.environ["CACHE_DIR"] = str(cache_dir)
    # Pickled room/contact payloads would outlive a renamed group or worker; always ask the gateway.
    os.environ.setdefault("CACHE_ROOMS", "false")
    os.environ.setdefault("CACHE_CONTACTS", "false")
    # Its loggers print every payload (and the token) at INFO; keep errors only unless asked.
    os.environ.setdefault("WECHATY_LOG", "error")
    if _applied:
        return
    _pyee()
    _urllib3()
    _telnetlib()
    _puppet_options()
    _applied = True


def _pyee() -> None:
    # pyee 12 moved AsyncIOEventEmitter from the package root to pyee.asyncio.
    import pyee

    if not hasattr(pyee, "AsyncIOEventEmitter"):
        from pyee.asyncio import AsyncIOEventEmitter

        pyee.AsyncIOEventEmitter = AsyncIOEventEmitter  # type: ignore[attr-defined]


def _urllib3() -> None:
    # urllib3 2 dropped get_host; wechaty.user.url_link imports it at module level.
    import urllib3

    if not hasattr(urllib3, "get_host"):
        from urllib3.util import parse_url

        def get_host(url: str) -> tuple[str, str | None, int | None]:
            parsed = parse_url(url)
            return parsed.scheme or "http", parsed.hostname, parsed.port

        urllib3.get_host = get_host  # type: ignore[attr-defined]


def _telnetlib() -> None:
    # Python 3.13 removed telnetlib; wechaty uses Telnet only to probe that a port is open.
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import telnetlib  # noqa: F401  (deprecated, present up to 3.12)
    except ImportError:
        import socket

        class Telnet:
            def open(self, host: str, port: int = 23, timeout: float = 3.0) -> None:
                socket.create_connection((host, port), timeout=timeout).close()

        module = types.ModuleType("telnetlib")
        module.Telnet = Telnet  # type: ignore[attr-defined]
        sys.modules["telnetlib"] = module


def _puppet_options() -> None:
    # Python 3.11 dataclasses reject unhashable defaults, and WechatyOptions has
    # `puppet_options: PuppetOptions = PuppetOptions()`; an identity hash makes it acceptable.
    from wechaty_puppet import PuppetOptions

    if PuppetOptions.__hash__ is None:
        PuppetOptions.__hash__ = object.__hash__  # type: ignore[method-assign]
