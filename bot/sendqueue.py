"""The outgoing queue of a live transport: per-conversation order, sliding-window rate limits, never a drop.

Real WeChat accounts are throttled or banned when they send too much, so every live transport sends
through one `SendQueue`: each room (or private contact) strictly first-in first-out, and across
conversations the oldest message whose rate allows it goes first, so a throttled room does not hold
up the others. `RecentIds` remembers message ids a gateway delivered twice.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from bot.messages import Outgoing

WINDOW_SECONDS = 60.0


def conversation_key(out: Outgoing) -> str:
    """The rate-limit and ordering key: the room, or the private contact."""
    if out.room is not None:
        return f"room:{out.room}"
    return f"to:{out.to.contact_id if out.to else ''}"


class RateLimiter:
    """At most `per_key` sends per key and `total` overall in any sliding window."""

    def __init__(self, per_key: int, total: int, window: float = WINDOW_SECONDS) -> None:
        self.per_key, self.total, self.window = per_key, total, window
        self._all: deque[float] = deque()
        self._by_key: dict[str, deque[float]] = {}

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def wait(self, key: str, now: float) -> float:
        """Seconds until one more send to `key` is allowed (0 when allowed now)."""
        self._trim(self._all, now)
        mine = self._by_key.setdefault(key, deque())
        self._trim(mine, now)
        waits = [0.0]
        if len(self._all) >= self.total:
            waits.append(self._all[len(self._all) - self.total] + self.window - now)
        if len(mine) >= self.per_key:
            waits.append(mine[len(mine) - self.per_key] + self.window - now)
        return max(waits)

    def record(self, key: str, now: float) -> None:
        """Count one send."""
        self._all.append(now)
        self._by_key.setdefault(key, deque()).append(now)


@dataclass(order=True)
class _Item:
    seq: int
    out: Outgoing = field(compare=False)


class SendQueue:
    """Outgoing messages in order: each conversation strictly FIFO; across conversations the
    oldest one whose rate allows it goes first, so a throttled room does not hold up the others."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self._queues: "OrderedDict[str, deque[_Item]]" = OrderedDict()
        self._seq = 0

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def push(self, out: Outgoing) -> None:
        """Append one message; nothing is ever dropped."""
        self._seq += 1
        self._queues.setdefault(conversation_key(out), deque()).append(_Item(self._seq, out))

    def next_ready(self, now: float) -> tuple[Outgoing | None, float]:
        """The message to send now, or None and how long to wait (inf when empty)."""
        best: _Item | None = None
        wait = float("inf")
        for key, items in self._queues.items():
            delay = self.limiter.wait(key, now)
            if delay <= 0 and (best is None or items[0].seq < best.seq):
                best = items[0]
            elif delay > 0:
                wait = min(wait, delay)
        return (best.out, 0.0) if best else (None, wait)

    def ids(self) -> set[int]:
        """The outbox ids of every queued message."""
        return {i.out.outbox_id for q in self._queues.values() for i in q if i.out.outbox_id is not None}

    def drop(self, key: str) -> list[Outgoing]:
        """Take a conversation's messages out of the queue (its room cannot be reached from here)."""
        return [i.out for i in self._queues.pop(key, deque())]

    def sent(self, out: Outgoing, now: float) -> None:
        """Remove the head message of its conversation and count it against the rate."""
        key = conversation_key(out)
        items = self._queues[key]
        assert items[0].out is out, "only the head of a conversation can be sent"
        items.popleft()
        if not items:
            del self._queues[key]
        self.limiter.record(key, now)


class RecentIds:
    """A bounded memory of message ids already taken in (the database is the real dedup)."""

    def __init__(self, size: int = 2048) -> None:
        self._ids: "OrderedDict[str, None]" = OrderedDict()
        self.size = size

    def add(self, msg_id: str) -> bool:
        """True the first time an id is seen."""
        if msg_id in self._ids:
            return False
        self._ids[msg_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True
