"""The console group chat: type as a resident or a worker and see the bot's replies (`make run`)."""

from __future__ import annotations

import asyncio
import re
import sys
import threading
import uuid
from datetime import datetime
from typing import IO, Any

from bot import texts
from bot.app import App
from bot.messages import Incoming, Outgoing

_SPEAKER = re.compile(r"^\s*([^:：\s]{1,20})\s*[:：]\s*(.+)$", re.S)
DEFAULT_SPEAKER = "张阿姨"


def render(item: Outgoing) -> str:
    """How the console shows one bot message."""
    if item.room is not None:
        at = " ".join(f"@{m.name}" for m in item.mentions)
        return f"🤖 [{item.room}] {at + ' ' if at else ''}{item.text}"
    who = item.to.name if item.to else "?"
    return f"🤖 [私信 → {who}] {item.text}"


class Console:
    """A line-oriented chat on the live runtime: 'name: text' speaks as that person in the current room.

    The console is a transport like WeChat (bot/transports/base.py): the runtime owns the App, runs the
    scheduled jobs and delivers the outbox; the console reads lines, prints what is delivered, and
    waits for the replies to a line before it reads the next one.
    """

    name = "console"
    uses_accounts = False  # one console reaches every room and person
    rate_limited = False

    def __init__(self, app: App, out: IO[str] | None = None) -> None:
        self.app = app
        self.out = out if out is not None else sys.stdout  # looked up now, not at import
        rooms = sorted(app.known_rooms())
        self.room: str | None = rooms[0] if rooms else None
        self.speaker = DEFAULT_SPEAKER
        self.online = asyncio.Event()
        self.runtime: Any = None
        self._stdin: IO[str] = sys.stdin
        self._printed = 0

    def now(self) -> datetime:
        return datetime.now(self.app.settings.tz)

    def print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # ---- the transport
    async def send(self, out: Outgoing) -> None:
        self._printed += 1
        self.print(render(out))

    async def close(self) -> None:
        return None

    async def run(self, runtime: Any) -> None:
        self.runtime = runtime
        await runtime.app_ready.wait()
        self.print(texts.CONSOLE_BANNER.format(room=self.room, speaker=self.speaker))
        self.online.set()
        await runtime.drain()  # what was left unsent before
        lines: asyncio.Queue[str] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        interactive = self._stdin.isatty()

        def read() -> None:  # a daemon thread: a blocked readline never holds up the exit
            while True:
                line = self._stdin.readline()
                loop.call_soon_threadsafe(lines.put_nowait, line)
                if not line:
                    return

        threading.Thread(target=read, name="gridbot-console-stdin", daemon=True).start()
        while True:
            if interactive:
                print(f"{self.speaker}> ", end="", file=self.out, flush=True)
            line = await lines.get()
            if not line:
                return
            line = line.strip()
            if not line:
                continue
            if line.startswith("/"):
                if not await self.command(line):
                    return
                continue
            await self.say(line)

    # ---- what the person at the keyboard does
    async def command(self, line: str) -> bool:
        """A /command; False means quit."""
        verb, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if verb in ("quit", "exit", "q"):
            return False
        if verb == "as" and arg:
            self.speaker = arg
            self.print(texts.console_switched("发言人", arg))
        elif verb == "room" and arg:
            if self.app.knows_room(arg):
                self.room = arg
                self.print(texts.console_switched("群", arg))
            else:
                self.print(texts.console_unknown_room(arg))
        elif verb == "who":
            await self.runtime.core(self._who)
        elif verb in ("tick", "digest"):
            job = self.app.tick if verb == "tick" else self.app.digests
            out = await self.runtime.core(job, self.now())
            await self.runtime.drain()
            if not out:
                self.print(texts.console_nothing_due() if verb == "tick" else texts.console_no_digest())
        else:
            self.print(texts.CONSOLE_BANNER.format(room=self.room, speaker=self.speaker))
        return True

    def _who(self) -> None:
        from sqlmodel import Session, select

        from models import Grid, Member

        with Session(self.app.engine) as session:
            for grid in session.exec(select(Grid).order_by(Grid.id)):
                self.print(f"{grid.room}（{grid.name}）")
                for m in session.exec(select(Member).where(Member.grid_id == grid.id).order_by(Member.id)):
                    self.print(texts.console_roster_line(texts.ROLE_NAMES.get(m.role, m.role), m.name))

    def _contact_of(self, name: str) -> str:
        """A roster person typed by name speaks with their roster contact id (a real WeChat id, when the
        roster has one), so a deployment's roster can be rehearsed in the console."""
        from sqlmodel import Session, select

        from models import Grid, Member

        with Session(self.app.engine) as session:
            stmt = select(Member.contact_id).join(Grid, Grid.id == Member.grid_id).where(
                Grid.room == self.room, Member.name == name)
            found = [c for c in session.exec(stmt) if c]
        return found[0] if found else ""

    async def say(self, line: str) -> None:
        match = _SPEAKER.match(line)
        if match:
            self.speaker, text = match.group(1), match.group(2)
        else:
            text = line
        contact = await self.runtime.core(self._contact_of, self.speaker)
        msg = Incoming(msg_id=f"console:{uuid.uuid4().hex}", room=self.room, sender=self.speaker,
                       sender_id=contact, text=text, ts=self.now())
        await self.runtime.handle(msg)
        await self.runtime.drain()  # the replies before the next line

    # ---- entry point
    def start(self, stdin: IO[str] = sys.stdin) -> int:
        """Run the chat until end of input, /quit or Ctrl-C; the App stays open for the caller."""
        from bot.runtime import Runtime

        if self.room is None:
            self.print(texts.console_no_rooms())
            return 2
        self._stdin = stdin
        runtime = Runtime(self.app.settings, lambda: self.app, self, close_app=False)
        return asyncio.run(runtime.run())

