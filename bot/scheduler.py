"""The live scheduler (APScheduler): the sweep every few seconds and the daily digest, in the grid's time zone.

The jobs are static and the database is the truth: a restart loses nothing (the sweep finds every
ticket past a deadline; a digest missed while the bot was down is sent at start-up), and nothing
fires twice (reminders, escalations and digests are claimed by unique keys in the database, even
with two bot processes on one database).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from bot.messages import Outgoing
from bot.settings import Settings

log = logging.getLogger(__name__)
Deliver = Callable[[list[Outgoing]], None]


def last_digest_due(now: datetime, app: App) -> datetime:
    """The most recent digest instant at or before `now`."""
    local = now.astimezone(app.settings.tz)
    at = datetime.combine(local.date(), app.settings.digest_time, tzinfo=app.settings.tz)
    return at if at <= local else at - timedelta(days=1)


def run_sweep(app: App, deliver: Deliver, now: datetime | None = None) -> None:
    try:
        deliver(app.tick(now or datetime.now(app.settings.tz)))
    except Exception:
        log.exception("sweep failed")


def run_digests(app: App, deliver: Deliver, now: datetime | None = None) -> None:
    try:
        deliver(app.digests(now or datetime.now(app.settings.tz)))
    except Exception:
        log.exception("digest failed")


def catch_up(app: App, deliver: Deliver, now: datetime) -> None:
    """At start-up: the last digest, if it has not been sent yet, and a sweep."""
    run_digests(app, deliver, last_digest_due(now, app))
    run_sweep(app, deliver, now)


def add_jobs(scheduler: BaseScheduler, settings: Settings, sweep: Callable, digests: Callable) -> BaseScheduler:
    """The two jobs, in the settings' time zone; a late job runs once (coalesced), never concurrently."""
    tz = settings.tz
    scheduler.add_job(sweep, IntervalTrigger(seconds=settings.sweep_seconds, timezone=tz), id="sweep",
                      coalesce=True, max_instances=1, misfire_grace_time=None, replace_existing=True)
    at = settings.digest_time
    scheduler.add_job(digests, CronTrigger(hour=at.hour, minute=at.minute, timezone=tz), id="digest",
                      coalesce=True, max_instances=1, misfire_grace_time=6 * 3600, replace_existing=True)
    return scheduler


def background(app: App, deliver: Deliver) -> BaseScheduler:
    """A thread-based scheduler (console)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    return add_jobs(BackgroundScheduler(timezone=app.settings.tz), app.settings,
                    lambda: run_sweep(app, deliver), lambda: run_digests(app, deliver))
