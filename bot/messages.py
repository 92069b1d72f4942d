"""The small values that cross the core's boundary: what arrives and what the bot says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Incoming:
    """One chat message as a transport delivers it.

    `room` is the group's topic, or None for a private message to the bot.
    `sender` is the display name; `sender_id` the transport's contact id (equal to the
    name in console and replay). `mentions` are display names @-mentioned in the message.
    `kind` is "text" for text messages; anything else (image, voice, ...) is skipped.
    """

    msg_id: str
    room: str | None
    sender: str
    text: str
    ts: datetime
    sender_id: str = ""
    mentions: tuple[str, ...] = ()
    kind: str = "text"

    @property
    def contact(self) -> str:
        """The sender's contact id, falling back to the display name."""
        return self.sender_id or self.sender


@dataclass(frozen=True)
class Mention:
    """A person the bot @-mentions: display name for text, contact id for WeChat."""

    name: str
    contact_id: str


@dataclass(frozen=True)
class Outgoing:
    """One message the bot sends: to a room (with @-mentions) or privately to a contact."""

    text: str
    room: str | None = None
    to: Mention | None = None
    mentions: tuple[Mention, ...] = ()
    outbox_id: int | None = field(default=None, compare=False)

    def as_action(self, ts: datetime) -> dict:
        """The replay action line of CONTRACT.md."""
        action: dict = {"ts": ts.isoformat()}
        if self.room is not None:
            action["room"] = self.room
        else:
            action["to"] = self.to.name if self.to else None
        action["text"] = self.text
        action["mentions"] = [m.name for m in self.mentions]
        return action
