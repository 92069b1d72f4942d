"""Scheduled work, declared once: the sweep and the daily digest, for the live runtime, the console and replay.

Each job says when it is next due (bot/schedule.py, pure) and what it runs on the App. The live
runtime and the console run the jobs on APScheduler with a trigger that asks the job; replay runs
the same instants on its virtual clock. The jobs are static and the database is the truth: a restart
loses nothing (the sweep finds every ticket past a deadline; a digest missed while the bot was down
is sent at start-up), and nothing fires twice (reminders, escalations, digests and unattended-room
warnings are claimed by unique keys in the database, even with many bot processes on one database).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger

from bot.messages import Outgoing
from bot.schedule import last_digest_at, next_digest_at, next_sweep_at
from bot.settings import Settings

log = logging.getLogger(__name__)
Deliver = Callable[[list[Outgoing]], None]


@dataclass(frozen=True)
class Job:
    name: str
    next_after: Callable[[datetime, Settings], datetime]  # the first instant strictly after the given one
    run: Callable[[Any, datetime], list[Outgoing]]  # (App, now) -> what to send (already in the outbox)


def _next_sweep_after(after: datetime, settings: Settings) -> datetime:
    return next_sweep_at(after + timedelta(microseconds=1), settings)


SWEEP = Job("sweep", _next_sweep_after, lambda app, now: app.tick(now))
DIGEST = Job("digest", next_digest_at, lambda app, now: app.digests(now))
JOBS: tuple[Job, ...] = (DIGEST, SWEEP)


def run_job(job: Job, app: Any, deliver: Deliver, now: datetime | None = None) -> None:
    """Run one job as of `now` and hand what it produced to `deliver`; a failure is logged, never raised."""
    try:
        deliver(job.run(app, now or datetime.now(app.settings.tz)))
    except Exception:
        log.exception("%s failed", job.name)


def run_sweep(app: Any, deliver: Deliver, now: datetime | None = None) -> None:
    run_job(SWEEP, app, deliver, now)


def run_digests(app: Any, deliver: Deliver, now: datetime | None = None) -> None:
    run_job(DIGEST, app, deliver, now)


def catch_up(app: Any, deliver: Deliver, now: datetime) -> None:
    """At start-up: the last digest, if it has not been sent yet, and a sweep."""
    run_digests(app, deliver, last_digest_at(now, app.settings))
    run_sweep(app, deliver, now)


class JobTrigger(BaseTrigger):
    """An APScheduler trigger that asks the job when it is next due."""

    def __init__(self, job: Job, settings: Settings) -> None:
        self.job, self.settings = job, settings

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        after = max(previous_fire_time, now) if previous_fire_time is not None else now
        at = self.job.next_after(after, self.settings)
        return at if previous_fire_time is None or at > previous_fire_time else self.job.next_after(at, self.settings)


def add_jobs(scheduler: BaseScheduler, settings: Settings, run: Callable[[Job], Any]) -> BaseScheduler:
    """Every job on the scheduler; a late job runs once (coalesced), never concurrently."""
    for job in JOBS:
        scheduler.add_job(run, JobTrigger(job, settings), args=(job,), id=job.name, coalesce=True, max_instances=1,
                          misfire_grace_time=6 * 3600 if job is DIGEST else None, replace_existing=True)
    return scheduler


def background(app: Any, deliver: Deliver) -> BaseScheduler:
    """A thread-based scheduler (console)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    return add_jobs(BackgroundScheduler(timezone=app.settings.tz), app.settings,
                    lambda job: run_job(job, app, deliver))
