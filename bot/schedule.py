"""When scheduled work is due: pure functions shared by the live scheduler and replay's virtual clock."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from bot.settings import Settings

_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def next_sweep_at(at_or_after: datetime, settings: Settings) -> datetime:
    """The first sweep instant (a multiple of sweep_seconds since the epoch) at or after the given one."""
    step = settings.sweep_seconds
    k = math.ceil((at_or_after - _EPOCH).total_seconds() / step)  # fractions of a second count
    return _EPOCH + timedelta(seconds=k * step)


def last_sweep_at(at_or_before: datetime, settings: Settings) -> datetime:
    """The last sweep instant at or before the given one."""
    step = settings.sweep_seconds
    return _EPOCH + timedelta(seconds=int((at_or_before - _EPOCH).total_seconds()) // step * step)


def next_digest_at(after: datetime, settings: Settings) -> datetime:
    """The first daily digest instant strictly after the given one."""
    day = after.astimezone(settings.tz).date()
    while True:
        at = datetime.combine(day, settings.digest_time, tzinfo=settings.tz)
        if at > after:
            return at
        day += timedelta(days=1)


def last_digest_at(at_or_before: datetime, settings: Settings) -> datetime:
    """The most recent daily digest instant at or before the given one."""
    day = at_or_before.astimezone(settings.tz).date()
    at = datetime.combine(day, settings.digest_time, tzinfo=settings.tz)
    return at if at <= at_or_before else datetime.combine(day - timedelta(days=1), settings.digest_time,
                                                          tzinfo=settings.tz)
