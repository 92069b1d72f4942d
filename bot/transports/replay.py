"""Replay: chat events from JSON Lines through the whole bot on a virtual clock (CONTRACT.md)."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Iterable

from bot.app import App
from bot.messages import Incoming, Outgoing
from bot.schedule import due_runs

log = logging.getLogger(__name__)
SENT_BATCH = 500


class EventError(ValueError):
    """A replay line that cannot be used; the message says why."""


@dataclass
class ReplayResult:
    events: int = 0
    bad_lines: int = 0
    actions: int = 0


def parse_event(line: str, line_no: int) -> Incoming:
    """One event line -> Incoming; EventError with a reason otherwise."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventError(f"not valid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise EventError("not a JSON object")
    missing = [k for k in ("ts", "room", "sender", "text") if k not in obj]
    if missing:
        raise EventError(f"missing {', '.join(missing)}")
    try:
        ts = datetime.fromisoformat(str(obj["ts"]))
    except ValueError:
        raise EventError(f"ts {obj['ts']!r} is not ISO-8601") from None
    if ts.tzinfo is None:
        raise EventError(f"ts {obj['ts']!r} has no UTC offset")
    if not isinstance(obj["text"], str) or not isinstance(obj["sender"], str) or not obj["sender"]:
        raise EventError("sender and text must be strings")
    room = obj["room"]
    if room is not None and not isinstance(room, str):
        raise EventError("room must be a string or null")
    msg_id = obj.get("msg_id") or _stable_id(obj)
    mentions = obj.get("mentions") or []
    return Incoming(msg_id=str(msg_id), room=room, sender=obj["sender"], sender_id=str(obj.get("sender_id") or ""),
                    text=obj["text"], ts=ts, mentions=tuple(str(m) for m in mentions),
                    kind=str(obj.get("kind", "text")))


def _stable_id(obj: dict) -> str:
    """Events without msg_id get one from their content, so replaying a file twice changes nothing."""
    raw = json.dumps([obj.get("ts"), obj.get("room"), obj.get("sender"), obj.get("text")], ensure_ascii=False)
    return "replay:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


class Replayer:
    """Feeds events in order; runs the sweep and digests at their due virtual times in between."""

    def __init__(self, app: App, out: IO[str] | None, err: IO[str] = sys.stderr) -> None:
        self.app = app
        self.out = out
        self.err = err
        self.clock: datetime | None = None
        self.result = ReplayResult()
        self._sent: list[int] = []

    def _emit(self, items: list[Outgoing], ts: datetime) -> None:
        for item in items:
            if self.out is not None:
                local = ts.astimezone(self.app.settings.tz)
                self.out.write(json.dumps(item.as_action(local), ensure_ascii=False) + "\n")
        self.result.actions += len(items)
        self._sent += [i.outbox_id for i in items if i.outbox_id is not None]
        if len(self._sent) >= SENT_BATCH:
            self.flush_sent(ts)

    def flush_sent(self, ts: datetime) -> None:
        """Mark written actions as sent, in batches (replay writes them straight to its output)."""
        self.app.mark_sent(self._sent, ts)
        self._sent = []

    def advance(self, until: datetime) -> None:
        """Run everything scheduled after the clock and up to `until` (flushes sent marks when called alone)."""
        if self.clock is not None:
            for instant, job in due_runs(self.clock, until, self.app.settings):
                if job == "sweep":
                    self._emit(self.app.tick(instant), instant)
                else:
                    self._emit(self.app.digests(instant), instant)
        if self.clock is None or until > self.clock:
            self.clock = until

    def feed(self, lines: Iterable[str], source: str = "events") -> ReplayResult:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                msg = parse_event(line, line_no)
            except EventError as exc:
                self.result.bad_lines += 1
                self.err.write(f"{source}:{line_no}: skipped: {exc}\n")
                continue
            self.advance(msg.ts)
            self.result.events += 1
            self._emit(self.app.handle(msg), msg.ts)
        if self.clock is not None:
            self.flush_sent(self.clock)
        return self.result
