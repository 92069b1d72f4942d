"""A fake transport for tests: drives the real App with a fixed clock and records what it said."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot import repo
from bot.app import App
from bot.messages import Incoming, Outgoing
from models import Ticket

TZ = ZoneInfo("Asia/Shanghai")
ROOM = "幸福里一网格群"
ROOM2 = "桃园村二网格群"
WATER = "李师傅(水厂)"
POWER = "赵电工(供电所)"
GRIDMAN = "王网格"


@dataclass
class Chat:
    app: App
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 9, 0, tzinfo=TZ))
    sent: list[Outgoing] = field(default_factory=list)
    _n: int = 0

    def say(self, sender: str, text: str, room: str | None = ROOM, *, after: float = 1.0,
            msg_id: str | None = None, kind: str = "text") -> list[Outgoing]:
        """`sender` says `text` `after` minutes after the previous message."""
        self.now += timedelta(minutes=after)
        self._n += 1
        msg = Incoming(msg_id=msg_id or f"m{self._n}", room=room, sender=sender, text=text, ts=self.now, kind=kind)
        out = self.app.handle(msg)
        self.sent += out
        return out

    def tick(self, minutes: float) -> list[Outgoing]:
        """Let time pass and run the sweep."""
        self.now += timedelta(minutes=minutes)
        out = self.app.tick(self.now)
        self.sent += out
        return out

    def tickets(self) -> list[Ticket]:
        with Session(self.app.engine) as session:
            return list(session.exec(select(Ticket).order_by(Ticket.id)))

    def assignees(self, ticket_id: int = 1) -> list[str]:
        with Session(self.app.engine) as session:
            return repo.assignee_names(session, ticket_id=ticket_id)

    def ticket(self, ticket_id: int = 1) -> Ticket:
        with Session(self.app.engine) as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None
            return ticket


def mentioned(out: list[Outgoing]) -> list[str]:
    return [m.name for o in out for m in o.mentions]


def texts_of(out: list[Outgoing]) -> str:
    return "\n".join(o.text for o in out)


def reported_and_fixed(chat: Chat, resident: str, report: str, worker: str, fix: str, *,
                       accept: str = "收到", accept_after: float = 5, fix_after: float = 30) -> None:
    """A resident reports, the worker takes it up and says it is fixed: ticket 1 waits for the verdict."""
    chat.say(resident, report)
    chat.say(worker, accept, after=accept_after)
    chat.say(worker, fix, after=fix_after)
    assert chat.ticket(1).status == "resolved"
