"""The per-message context handed to handlers, and the Handler interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Protocol, Sequence

from sqlmodel import Session

from bot.classifier.base import Classifier
from bot.conversation.act_model import ActModel
from bot.conversation.incidents import Matcher, rule_matcher
from bot.messages import Incoming, Mention, Outgoing
from bot.settings import Settings
from models import Grid, Member


def mention(member: Member) -> Mention:
    return Mention(name=member.name, contact_id=member.contact_id)


@dataclass
class Context:
    """Everything a handler may use for one message; handlers add to `out`."""

    msg: Incoming
    text: str  # the message text, trimmed and cut to the configured maximum
    open_session: Callable[[], Session]  # opened on first use: chatter needs no ORM session
    settings: Settings
    classifier: Classifier
    grid: Grid | None  # None for a private message
    members: list[Member]  # the grid's roster (private: the sender's own roster rows)
    sender_rows: list[Member]  # the sender's roster rows (empty for residents)
    matcher: Matcher = field(default_factory=rule_matcher)  # "same incident?" for residents' reports
    acts: ActModel | None = None  # workers' acts learned from labelled days (None: the rules alone)
    neighbours: tuple[str, ...] = ()  # residents who spoke in the room lately (names)
    notice_at: datetime | None = None  # when a worker last posted a notice in the room (as this process saw it)
    out: list[Outgoing] = field(default_factory=list)
    outcome: str = ""  # what became of the message, stored with its id
    _session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self.open_session()
        return self._session

    @property
    def now(self) -> datetime:
        return self.msg.ts

    @property
    def is_worker(self) -> bool:
        return bool(self.sender_rows)

    @property
    def sender_roles(self) -> set[str]:
        return {m.role for m in self.sender_rows}

    @property
    def sender_mention(self) -> Mention:
        return Mention(self.msg.sender, self.msg.contact)

    def say(self, text: str, mentions: Sequence[Mention] | None = None) -> None:
        """Reply where the message came from: in the room @-mentioning the sender (default), or privately."""
        if self.msg.room is not None:
            at = (self.sender_mention,) if mentions is None else tuple(mentions)
            self.out.append(Outgoing(text=text, room=self.msg.room, mentions=at))
        else:
            self.out.append(Outgoing(text=text, to=Mention(self.msg.sender, self.msg.contact)))


class Handler(Protocol):
    """A small step of the pipeline: a cheap applicability check and an action.

    `handle` returns True when the message is dealt with (later handlers are skipped).
    """

    name: str

    def applies(self, ctx: Context) -> bool: ...

    def handle(self, ctx: Context) -> bool: ...
