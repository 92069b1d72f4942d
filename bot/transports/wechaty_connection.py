"""The connection to a Wechaty puppet-service gateway: python-wechaty behind its shims, one event stream.

python-wechaty 0.10.7 is used at the puppet level and for its Room/Contact accessors, but its
lifecycle (`Wechaty.start`) is not: that one prints and hangs on a wrong token, sleeps a fixed
60 s before reconnecting, and calls the gateway's `stop()` (which stops the puppet holding the
WeChat login) on every connect. `_Connection` opens the event stream itself, so a wrong token
or an unreachable endpoint ends the process with one line within the connect timeout.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any, Callable


def process_age() -> float:
    """Seconds since this process started (Linux /proc; 0 elsewhere), so the connect timeout
    counts from the start of `gridbot run`, imports and model loading included."""
    try:
        start_ticks = int(open("/proc/self/stat", encoding="ascii").read().rsplit(")", 1)[1].split()[19])
        uptime = float(open("/proc/uptime", encoding="ascii").read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


# -- the connection to the gateway ------------------------------------------------------------


def _wechaty_modules() -> dict[str, Any]:
    """Import python-wechaty behind the compatibility shims (only here)."""
    from bot.paths import VAR
    from bot.transports import wechaty_compat

    wechaty_compat.apply(cache_dir=VAR / "wechaty")
    from grpclib.client import Channel
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError
    from wechaty import Wechaty, WechatyOptions
    from wechaty.user.contact import Contact
    from wechaty.user.message import Message
    from wechaty.user.room import Room
    from wechaty_grpc.wechaty import PuppetStub
    from wechaty_puppet import PuppetOptions
    from wechaty_puppet_service import PuppetService
    from wechaty_puppet_service.utils import extract_host_and_port

    class CountingPuppetService(PuppetService):  # type: ignore[misc]
        """Counts sends, and hides an empty message id so room.say does not reload a message
        the gateway never named (it would raise after a successful send and we would resend)."""

        sends = 0

        async def message_send_text(self, conversation_id: str, message: str,
                                    mention_ids: list[str] | None = None) -> str | None:
            msg_id = await super().message_send_text(conversation_id, message, mention_ids)
            self.sends += 1
            return msg_id or None

    return dict(Channel=Channel, Status=Status, GRPCError=GRPCError, Wechaty=Wechaty,
                WechatyOptions=WechatyOptions, Contact=Contact, Message=Message, Room=Room,
                PuppetStub=PuppetStub, PuppetOptions=PuppetOptions, Puppet=CountingPuppetService,
                extract_host_and_port=extract_host_and_port)


class _Connection:
    """One event stream to the gateway with its own puppet and accessor classes."""

    def __init__(self, mods: dict[str, Any], token: str, endpoint: str,
                 on_message: Callable[[str], None], on_state: Callable[[str, Any], None]) -> None:
        self.mods = mods
        self.endpoint = endpoint
        # Accessor pools are class-level and would keep objects bound to a dead puppet.
        for cls in (mods["Room"], mods["Contact"], mods["Message"]):
            getattr(cls, "_pool", {}).clear()
        self.puppet = mods["Puppet"](mods["PuppetOptions"](token=token, end_point=endpoint))
        host, port = mods["extract_host_and_port"](endpoint)
        channel = mods["Channel"](host=host, port=port)
        channel._authority = token  # the gateway reads the token from :authority
        self.puppet.channel = channel
        self.puppet._puppet_stub = mods["PuppetStub"](channel)
        self.bot = mods["Wechaty"](mods["WechatyOptions"](puppet=self.puppet))
        self.self_id: str | None = None
        self.last_event = time.monotonic()
        self._on_state = on_state
        for name in ("heartbeat", "dong", "ready", "scan", "error"):
            self.puppet.on(name, self._alive)
        for name in ("room-join", "room-leave", "room-topic"):
            self.puppet.on(name, self._rooms_changed)
        self.puppet.on("message", lambda payload: (self._alive(), on_message(payload.message_id)))
        self.puppet.on("login", self._login)
        self.puppet.on("logout", self._logout)
        self.stream: asyncio.Task[None] | None = None

    def _alive(self, *_: Any) -> None:
        self.last_event = time.monotonic()
        self._on_state("event", None)

    def _rooms_changed(self, *_: Any) -> None:
        self._alive()
        self._on_state("rooms", None)

    def _login(self, payload: Any) -> None:
        self._alive()
        self.self_id = payload.contact_id
        self._on_state("login", payload.contact_id)

    def _logout(self, payload: Any) -> None:
        self._alive()
        self.self_id = None
        self._on_state("logout", payload.contact_id)

    async def open(self) -> None:
        """Open the event stream and start the puppet; the stream task then runs until it ends."""
        await self.bot.init_puppet()  # binds this puppet to the accessor classes
        self.stream = asyncio.create_task(self.puppet._listen_for_event())
        # start() is idempotent on the gateway; stop() (python-wechaty's habit) is never called.
        start = asyncio.create_task(self.puppet.puppet_stub.start())
        done, _ = await asyncio.wait({self.stream, start}, return_when=asyncio.FIRST_COMPLETED)
        if self.stream in done:
            start.cancel()
            self.stream.result()  # raises the stream's error
            raise ConnectionError("the gateway closed the event stream at once")
        start.result()

    async def close(self) -> None:
        """Drop the stream and the channel; never stop the puppet on the gateway."""
        if self.stream is not None:
            self.stream.cancel()
            await asyncio.gather(self.stream, return_exceptions=True)
        if self.puppet.channel is not None:
            self.puppet.channel.close()

    def describe_error(self, exc: BaseException) -> tuple[bool, str]:
        """(fatal, one line) for an error talking to the gateway."""
        mods = self.mods
        if isinstance(exc, mods["GRPCError"]):
            if exc.status == mods["Status"].UNAUTHENTICATED:
                return True, (f"the Wechaty gateway at {self.endpoint} rejected the token "
                              "(check WECHATY_PUPPET_SERVICE_TOKEN on both sides)")
            return False, f"gateway error {exc.status.name}: {exc.message}"
        text = str(exc) or type(exc).__name__
        if isinstance(exc, OSError) and exc.strerror:
            text = exc.strerror
        return False, text
