"""Replay: chat events from JSON Lines through the whole bot on a virtual clock (CONTRACT.md).

The batch transport. It runs the same App and the same jobs (bot/scheduler.py: the sweep and the
digest) as the live runtime, at their due virtual instants, and writes each outbox row it produced
as one action line, then marks it sent (a resumed replay skips the rows already written). It is
synchronous, not on the live runtime (bot/runtime.py), because a virtual clock must never wait.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Iterable

from bot.app import App
from bot.jsonlines import LineError, parse_line
from bot.messages import Incoming, Outgoing
from bot.schedule import last_sweep_at, next_sweep_at
from bot.scheduler import DIGEST, SWEEP

log = logging.getLogger(__name__)
SENT_BATCH = 500
QUIET_DIGESTS = timedelta(days=8)  # a replay gap longer than this gets the last day's digest only


def _now_utc() -> datetime:
    from datetime import timezone

    return datetime.now(timezone.utc)


def written_outbox_ids(path: str) -> set[int]:
    """The outbox ids an earlier run already wrote to this actions file (none if there is no file)."""
    ids: set[int] = set()
    try:
        with open(path, "rb") as fh:
            for raw in fh:
                try:
                    value = json.loads(raw).get("outbox_id")
                except (ValueError, AttributeError, RecursionError):
                    continue  # a line cut short by the crash
                if isinstance(value, int):
                    ids.add(value)
    except FileNotFoundError:
        pass
    return ids


class EventError(ValueError):
    """A replay line that cannot be used; the message says why."""


@dataclass
class ReplayResult:
    events: int = 0
    bad_lines: int = 0
    actions: int = 0


def parse_event(line: str | bytes, line_no: int) -> Incoming:
    """One event line -> Incoming; EventError with a reason otherwise (never another exception)."""
    try:
        obj = parse_line(line)
    except LineError as exc:
        raise EventError(str(exc)) from None
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
    if not MIN_YEAR <= ts.year <= MAX_YEAR:
        raise EventError(f"ts {obj['ts']!r} is outside {MIN_YEAR}-{MAX_YEAR}")
    if not isinstance(obj["text"], str) or not isinstance(obj["sender"], str) or not obj["sender"]:
        raise EventError("sender and text must be strings")
    room = obj["room"]
    if room is not None and not isinstance(room, str):
        raise EventError("room must be a string or null")
    msg_id = obj.get("msg_id")
    if msg_id is None or msg_id == "":
        msg_id = _stable_id(obj)
    elif isinstance(msg_id, bool) or not isinstance(msg_id, (str, int)):
        raise EventError("msg_id must be a string or an integer")
    elif isinstance(msg_id, int):
        msg_id = f"int:{msg_id}"  # 12 and "12" are two messages
    mentions = obj.get("mentions") or []
    if not isinstance(mentions, list) or not all(isinstance(m, str) for m in mentions):
        raise EventError("mentions must be a list of names")
    if obj.get("sender_id") is not None and not isinstance(obj["sender_id"], str):
        raise EventError("sender_id must be a string")
    return Incoming(msg_id=str(msg_id), room=room, sender=obj["sender"], sender_id=str(obj.get("sender_id") or ""),
                    text=obj["text"], ts=ts, mentions=tuple(str(m) for m in mentions),
                    kind=str(obj.get("kind", "text")))


MIN_YEAR, MAX_YEAR = 2000, 2100


def _stable_id(obj: dict) -> str:
    """Events without msg_id get one from their content, so replaying a file twice changes nothing."""
    raw = json.dumps([obj.get("ts"), obj.get("room"), obj.get("sender"), obj.get("text")], ensure_ascii=False)
    return "replay:" + hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()[:20]


class Replayer:
    """Feeds events in order; runs the sweep and digests at their due virtual times in between."""

    def __init__(self, app: App, out: IO[str] | None, err: IO[str] | None = None) -> None:
        self.app = app
        self.out = out
        self.err = err if err is not None else sys.stderr  # looked up now: tests and CLIs swap sys.stderr
        self.clock: datetime | None = None
        self.last_event: datetime | None = None
        self._known: tuple[datetime, datetime | None] | None = None  # (asked after, next deadline)
        self._idle: tuple[object, datetime] | None = None  # (the _known it was found with, the next instant)
        self.result = ReplayResult()
        self._sent: list[int] = []

    def _emit(self, items: list[Outgoing], ts: datetime) -> None:
        for item in items:
            if self.out is not None:
                local = ts.astimezone(self.app.settings.tz)
                action = item.as_action(local)
                if item.outbox_id is not None:
                    action["outbox_id"] = item.outbox_id  # lets a resumed replay skip what it already wrote
                self.out.write(json.dumps(action, ensure_ascii=False) + "\n")
        self.result.actions += len(items)
        self._sent += [i.outbox_id for i in items if i.outbox_id is not None]
        if len(self._sent) >= SENT_BATCH:
            self.flush_sent(ts)

    def flush_sent(self, ts: datetime) -> None:
        """Mark written actions as sent, in batches, once they are on disk (replay is their transport)."""
        if self.out is not None:
            self.out.flush()
            try:
                os.fsync(self.out.fileno())
            except (OSError, ValueError, io.UnsupportedOperation):
                pass  # a pipe or a terminal: nothing to sync
        self.app.mark_sent(self._sent, ts)
        self._sent = []

    def resume(self, written: set[int]) -> None:
        """After a crash: what the outbox holds but was never marked sent is written now, unless the
        actions file already has it (written, then the process died before marking it)."""
        pending = self.app.unsent()
        for item in pending:
            if item.outbox_id not in written:
                self._emit([item], self.clock or _now_utc())
        self._sent += [i.outbox_id for i in pending if i.outbox_id in written]

    def advance(self, until: datetime) -> None:
        """Run everything scheduled after the clock and up to `until`, in order.

        Work is bounded by what is due, not by the length of the gap: the sweep runs at the first
        sweep instant after each deadline (nothing else can change in between), and after a week
        without events only the digest of the last day before `until` is sent."""
        if self._idle is not None and self._idle[0] is self._known and until < self._idle[1]:
            if self.clock is None or until > self.clock:  # nothing is due before the instant found last
                self.clock = until  # time, and nothing has moved it since
            return
        settings = self.app.settings
        t = self.clock
        while t is not None:
            # deadlines since the last sweep instant: one that fell between it and an event is still due
            deadline = self._next_deadline(last_sweep_at(t, settings))
            sweep_at = next_sweep_at(deadline, settings) if deadline is not None else None
            digest_at = DIGEST.next_after(t, settings)
            quiet = self.last_event is not None and digest_at - self.last_event > QUIET_DIGESTS
            if quiet:
                digest_at = max(digest_at, DIGEST.next_after(until - timedelta(days=1), settings))
            instant = min(x for x in (sweep_at, digest_at) if x is not None)
            if instant > until:
                self._idle = None if quiet else (self._known, instant)
                break
            if digest_at == instant:
                self._emit(DIGEST.run(self.app, instant), instant)
            if sweep_at == instant:
                self._emit(SWEEP.run(self.app, instant), instant)
            self._known = None  # the sweep moved tickets along
            t = instant
        if self.clock is None or until > self.clock:
            self.clock = until

    def _next_deadline(self, after: datetime) -> datetime | None:
        """The app's next deadline, asked again only when something may have changed it: a message
        that made the bot say something (a new, accepted, resolved or reopened ticket always does)
        other than a further household's report, or a sweep. A silent message (chatter, a progress
        note) moves no deadline."""
        if self._known is not None:
            asked, deadline = self._known
            if asked <= after and (deadline is None or after < deadline):
                return deadline
        deadline = self.app.next_deadline(after)
        self._known = (after, deadline)
        return deadline

    def feed(self, lines: Iterable[str | bytes], source: str = "events") -> ReplayResult:
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
            self.last_event = msg.ts
            self.result.events += 1
            out = self.app.handle(msg)
            if out and self.app.moves_deadlines():
                self._known = None
            self._emit(out, msg.ts)
        if self.clock is not None:
            self.flush_sent(self.clock)
        return self.result
