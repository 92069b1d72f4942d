"""The console group chat: type as a resident or a worker and see the bot's replies (`make run`)."""

from __future__ import annotations

import re
import sys
import threading
import uuid
from datetime import datetime
from typing import IO

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
    """A line-oriented chat: 'name: text' speaks as that person in the current room."""

    def __init__(self, app: App, out: IO[str] | None = None) -> None:
        self.app = app
        self.out = out if out is not None else sys.stdout  # looked up now, not at import
        rooms = sorted(app.known_rooms())
        self.room: str | None = rooms[0] if rooms else None
        self.speaker = DEFAULT_SPEAKER
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(self.app.settings.tz)

    def show(self, items: list[Outgoing]) -> None:
        with self._lock:  # the scheduler's thread prints too
            for item in items:
                print(render(item), file=self.out, flush=True)
            self.app.mark_sent([i.outbox_id for i in items if i.outbox_id is not None], self.now())

    def command(self, line: str) -> bool:
        """A /command; False means quit."""
        verb, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if verb in ("quit", "exit", "q"):
            return False
        if verb == "as" and arg:
            self.speaker = arg
            print(texts.console_switched("发言人", arg), file=self.out)
        elif verb == "room" and arg:
            if arg in self.app.known_rooms():
                self.room = arg
                print(texts.console_switched("群", arg), file=self.out)
            else:
                print(texts.console_unknown_room(arg), file=self.out)
        elif verb == "who":
            self._who()
        elif verb == "tick":
            out = self.app.tick(self.now())
            self.show(out)
            if not out:
                print(texts.console_nothing_due(), file=self.out)
        elif verb == "digest":
            out = self.app.digests(self.now())
            self.show(out)
            if not out:
                print(texts.console_no_digest(), file=self.out)
        else:
            print(texts.CONSOLE_BANNER.format(room=self.room, speaker=self.speaker), file=self.out)
        return True

    def _who(self) -> None:
        from sqlmodel import Session, select

        from models import Grid, Member

        with Session(self.app.engine) as session:
            for grid in session.exec(select(Grid).order_by(Grid.id)):
                print(f"{grid.room}（{grid.name}）", file=self.out)
                for m in session.exec(select(Member).where(Member.grid_id == grid.id).order_by(Member.id)):
                    print(texts.console_roster_line(texts.ROLE_NAMES.get(m.role, m.role), m.name), file=self.out)

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

    def say(self, line: str) -> None:
        match = _SPEAKER.match(line)
        if match:
            self.speaker, text = match.group(1), match.group(2)
        else:
            text = line
        msg = Incoming(msg_id=f"console:{uuid.uuid4().hex}", room=self.room, sender=self.speaker,
                       sender_id=self._contact_of(self.speaker), text=text, ts=self.now())
        self.show(self.app.handle(msg))

    def run(self, stdin: IO[str] = sys.stdin) -> int:
        if self.room is None:
            print(texts.console_no_rooms(), file=self.out)
            return 2
        print(texts.CONSOLE_BANNER.format(room=self.room, speaker=self.speaker), file=self.out)
        self.show(self.app.unsent())
        from bot import scheduler

        scheduler.catch_up(self.app, self.show, self.now())
        jobs = scheduler.background(self.app, self.show)
        jobs.start()
        try:
            return self._loop(stdin)
        finally:
            jobs.shutdown(wait=False)

    def _loop(self, stdin: IO[str]) -> int:
        interactive = stdin.isatty()
        while True:
            if interactive:
                print(f"{self.speaker}> ", end="", file=self.out, flush=True)
            line = stdin.readline()
            if not line:
                return 0
            line = line.strip()
            if not line:
                continue
            if line.startswith("/"):
                if not self.command(line):
                    return 0
                continue
            self.say(line)
