"""When scheduled work is due: pure functions shared by the live scheduler and replay's virtual clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.settings import Settings

_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def due_runs(after: datetime, until: datetime, settings: Settings) -> list[tuple[datetime, str]]:
    """(instant, job) pairs with after < instant <= until, in order: 'sweep' every sweep_seconds, 'digest' daily."""
    runs: list[tuple[datetime, str]] = []
    if until <= after:
        return runs
    step = settings.sweep_seconds
    k = int((after - _EPOCH).total_seconds() // step) + 1
    instant = _EPOCH + timedelta(seconds=k * step)
    while instant <= until:
        runs.append((instant, "sweep"))
        instant += timedelta(seconds=step)
    local = after.astimezone(settings.tz)
    day = local.date()
    while True:
        at = datetime.combine(day, settings.digest_time, tzinfo=settings.tz)
        if at > until:
            break
        if at > after:
            runs.append((at, "digest"))
        day += timedelta(days=1)
    runs.sort(key=lambda r: (r[0], r[1] != "digest"))
    return runs
