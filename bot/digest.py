"""The daily digest for a grid's comprehensive worker: figures from the database, text from a pure renderer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Sequence
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import repo
from bot.privacy import mask
from bot.settings import Settings
from bot.texts import CATEGORY_NAMES, category_label
from models import CLOSED, OPEN_STATUSES, Grid, Member, Report, Review, Ticket

HOT_SPOT_MIN = 3  # reports of one category in one place on one day
REPEAT_REPORTER_MIN = 3  # tickets by one person in seven days


@dataclass
class DigestStats:
    """The figures of one grid's day."""

    grid: str
    day: date
    new_by_category: dict[str, int] = field(default_factory=dict)
    reports: int = 0
    closed: int = 0  # confirmed (or closed without an answer) that day
    resolved: int = 0  # closed by a worker that day (in words or with #办结), whatever the resident said since
    confirmed: int = 0  # of those, closed by the end of the day
    awaiting_confirmation: int = 0  # resolved, the resident has not answered yet (end of the day)
    still_open: int = 0  # still being handled at the end of the day
    overdue: list[tuple[int, str, str]] = field(default_factory=list)  # (id, category label, owner)
    response_minutes: float | None = None  # median, report to acceptance
    solution_hours: float | None = None  # median, report to resolution
    satisfied: int = 0
    unsatisfied: int = 0
    awaiting_review: int = 0
    hot_spots: list[tuple[str, str, int]] = field(default_factory=list)  # (place, category label, reports)
    repeat_reporters: list[tuple[str, int]] = field(default_factory=list)

    @property
    def new_total(self) -> int:
        return sum(self.new_by_category.values())

    @property
    def satisfaction_rate(self) -> float | None:
        rated = self.satisfied + self.unsatisfied
        return self.satisfied / rated if rated else None


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    return start, start + timedelta(days=1)


def collect(session: Session, *, grid: Grid, day: date, tz: ZoneInfo) -> DigestStats:
    """Read one grid's figures for a local day (open and overdue as at the end of that day)."""
    start, end = day_bounds(day, tz)
    stats = DigestStats(grid=grid.name, day=day)
    new = list(session.exec(select(Ticket).where(Ticket.grid_id == grid.id, Ticket.created_at >= start,
                                                 Ticket.created_at < end)))
    stats.new_by_category = dict(Counter(t.category for t in new).most_common())
    reports = list(session.exec(select(Report, Ticket).join(Ticket, col(Ticket.id) == col(Report.ticket_id))
                                .where(Ticket.grid_id == grid.id, Report.ts >= start, Report.ts < end)))
    stats.reports = len(reports)
    closed = list(session.exec(select(Ticket).where(Ticket.grid_id == grid.id, Ticket.status == CLOSED,
                                                    Ticket.closed_at >= start, Ticket.closed_at < end)))
    stats.closed = len(closed)
    stats.satisfied = sum(1 for t in closed if t.satisfaction == "satisfied")
    stats.unsatisfied = sum(1 for t in closed if t.satisfaction == "unsatisfied")
    stats.unsatisfied += len(list(session.exec(select(Ticket.id).where(
        Ticket.grid_id == grid.id, Ticket.status != CLOSED, Ticket.satisfaction == "unsatisfied",
        Ticket.updated_at >= start, Ticket.updated_at < end))))
    open_now = list(session.exec(select(Ticket).where(Ticket.grid_id == grid.id, Ticket.created_at < end,
                                                      (col(Ticket.status).in_(list(OPEN_STATUSES)))
                                                      | (Ticket.closed_at >= end))))
    done = [t for t in open_now if t.resolved_at is not None and t.resolved_at < end]
    stats.awaiting_confirmation = len(done)
    stats.still_open = len(open_now) - len(done)
    stats.overdue = [(t.id, category_label(t.category, t.provider), "、".join(repo.assignee_names(session, ticket_id=t.id)) or "未指派")
                     for t in open_now if t.solve_due is not None and t.solve_due < end and
                     (t.resolved_at is None or t.resolved_at >= t.solve_due)]
    accepted = [t for t in session.exec(select(Ticket).where(Ticket.grid_id == grid.id, Ticket.accepted_at >= start,
                                                            Ticket.accepted_at < end))]
    if accepted:
        stats.response_minutes = median((t.accepted_at - t.created_at).total_seconds() / 60 for t in accepted)
    resolved = [t for t in session.exec(select(Ticket).where(Ticket.grid_id == grid.id, Ticket.resolved_at >= start,
                                                            Ticket.resolved_at < end))]
    stats.resolved = len(resolved)
    stats.confirmed = sum(1 for t in resolved if t.closed_at is not None and t.closed_at < end)
    if resolved:
        stats.solution_hours = median((t.resolved_at - t.created_at).total_seconds() / 3600 for t in resolved)
    stats.awaiting_review = len(list(session.exec(select(Review.id).where(
        Review.grid_id == grid.id, Review.reviewed == False, Review.ts < end))))  # noqa: E712
    places = Counter((t.location or grid.name, t.category) for _, t in reports)
    stats.hot_spots = [(place, category_label(cat), n) for (place, cat), n in places.most_common()
                       if n >= HOT_SPOT_MIN]
    week = list(session.exec(select(Ticket.reporter).where(Ticket.grid_id == grid.id,
                                                           Ticket.created_at >= end - timedelta(days=7),
                                                           Ticket.created_at < end)))
    stats.repeat_reporters = [(name, n) for name, n in Counter(week).most_common() if n >= REPEAT_REPORTER_MIN]
    return stats


def render(stats: DigestStats) -> str:
    """The digest as a short text for a phone screen."""
    lines = [f"【网格日报】{stats.grid} {stats.day.isoformat()}"]
    if stats.new_by_category:
        parts = "、".join(f"{CATEGORY_NAMES.get(c, c)}{n}" for c, n in stats.new_by_category.items())
        lines.append(f"新增工单 {stats.new_total} 件（{parts}），居民反映 {stats.reports} 次")
    else:
        lines.append("新增工单 0 件")
    lines.append(f"办结 {stats.resolved} 件（居民已确认 {stats.confirmed} 件），待居民确认 {stats.awaiting_confirmation} 件，"
                 f"未办结 {stats.still_open} 件，超期 {len(stats.overdue)} 件")
    for ticket_id, label, owner in stats.overdue[:5]:
        lines.append(f"  超期 #{ticket_id} {label}（{owner}）")
    if len(stats.overdue) > 5:
        lines.append(f"  …另有 {len(stats.overdue) - 5} 件超期")
    timing = []
    if stats.response_minutes is not None:
        timing.append(f"接单中位 {stats.response_minutes:.0f} 分钟")
    if stats.solution_hours is not None:
        timing.append(f"办结中位 {stats.solution_hours:.1f} 小时")
    if timing:
        lines.append("，".join(timing))
    rate = stats.satisfaction_rate
    if rate is not None:
        lines.append(f"满意率 {rate:.0%}（满意 {stats.satisfied}，不满意 {stats.unsatisfied}）")
    if stats.awaiting_review:
        lines.append(f"待人工查看的消息 {stats.awaiting_review} 条")
    for place, label, n in stats.hot_spots[:3]:
        lines.append(f"热点：{mask(place)} {label} {n} 次反映")
    for name, n in stats.repeat_reporters[:3]:
        lines.append(f"重复反映：{mask(name)} 近7天 {n} 件")
    return "\n".join(lines)


def digest_text(session: Session, *, grid: Grid, day: date, tz: ZoneInfo) -> str:
    return render(collect(session, grid=grid, day=day, tz=tz))


def digest_for_worker(session: Session, *, settings: Settings, rows: Sequence[Member], now: datetime) -> str:
    """Yesterday's digest of every grid the worker belongs to (asked for with #日报)."""
    day = now.astimezone(settings.tz).date() - timedelta(days=1)
    grid_ids = sorted({m.grid_id for m in rows})
    parts = []
    for grid_id in grid_ids:
        grid = repo.grid_by_id(session, grid_id=grid_id)
        if grid is not None:
            parts.append(digest_text(session, grid=grid, day=day, tz=settings.tz))
    return "\n\n".join(parts)
