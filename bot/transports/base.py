"""The small interface a live transport implements; the runtime (bot/runtime.py) does everything else.

A new live transport (WeCom, a web chat) is one module with one class like this and one entry in
bot/cli.py. It turns what its network delivers into `Incoming` and awaits `runtime.handle(msg)` for
each, in order; it tells the runtime which account it speaks for (`runtime.set_account`) when it
knows (after a login, and again when the account's rooms or contacts change); it sends what the
runtime gives it. It never touches the database or the App.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from bot.messages import Outgoing

if TYPE_CHECKING:
    from bot.runtime import Runtime


class Unreachable(LookupError):
    """The conversation cannot be reached from this account (not in the room, not a contact)."""


class Transport(Protocol):
    name: str
    online: asyncio.Event  # set while messages can be sent
    uses_accounts: bool  # True: it delivers only for the account it reports (many accounts, one database)

    async def run(self, runtime: "Runtime") -> None:
        """Connect, stay connected and feed messages in; return only on a fatal error (after runtime.fail)."""

    async def send(self, out: Outgoing) -> None:
        """Send one message; raise Unreachable when this account cannot reach it, anything else to retry."""

    async def close(self) -> None:
        """Drop the connection (at the end of the run)."""
