"""The periodic sweep: a function of the database and `now` that moves tickets along their deadlines.

Each one-off action is claimed by a unique TicketEvent key, so two processes sharing a database
(or a sweep run twice) never send the same reminder or escalation twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import bindparam, exists, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot import repo, texts, tickets
from bot.messages import Outgoing
from bot.pipeline import mention
from bot.settings import Settings
from models import (
    ACCEPTED, AWAITING_PROVIDER, REOPENED, REPORTED, RESOLVED, Grid, Member, Ticket, TicketEvent,
)


def _claim_all(session: Session, tickets_: list[Ticket], now: datetime, action: str,
               key: Callable[[Ticket], str], detail: str = "") -> list[Ticket]:
    """Record a one-off event for each ticket in one statement; return the tickets this run claimed.

    A key already recorded (by this or another process) is skipped by the unique index, so two
    sweeps racing on one database send each reminder, escalation or overdue notice once.
    """
    if not tickets_:
        return []
    rows = {f"{t.id}:{key(t)}": t for t in tickets_}
    values = [{"ticket_id": t.id, "ts": now, "actor": "gridbot", "action": action, "detail": detail, "key": k}
              for k, t in rows.items()]
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite_insert, "postgresql": pg_insert}[dialect]
    stmt = insert(TicketEvent).on_conflict_do_nothing(index_elements=["key"]).returning(TicketEvent.key)
    claimed = set(session.execute(stmt, values).scalars())
    return [t for k, t in rows.items() if k in claimed]


class _Grids:
    """Grids and members looked up once per sweep."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._grids: dict[int, Grid] = {}
        self._members: dict[int, list[Member]] = {}

    def grid(self, grid_id: int) -> Grid:
        if grid_id not in self._grids:
            grid = self.session.get(Grid, grid_id)
            assert grid is not None
            self._grids[grid_id] = grid
        return self._grids[grid_id]

    def members(self, grid_id: int) -> list[Member]:
        if grid_id not in self._members:
            self._members[grid_id] = repo.members_of(self.session, grid_id=grid_id)
        return self._members[grid_id]

    def comprehensive(self, grid_id: int) -> list[Member]:
        return [m for m in self.members(grid_id) if m.role == "comprehensive"]


_now = bindparam("now")
# One EXISTS per deadline, so that each can walk its own index on the deadline column.
_ANYTHING_DUE = select(or_(
    exists().where(Ticket.accept_due <= _now, Ticket.escalation == 0, Ticket.status.in_([REPORTED, REOPENED])),
    exists().where(Ticket.escalate_at <= _now, Ticket.escalation == 1, Ticket.status.in_([REPORTED, REOPENED])),
    exists().where(Ticket.solve_due <= _now, Ticket.overdue == False,  # noqa: E712
                   Ticket.status.in_([REPORTED, ACCEPTED, REOPENED])),
    exists().where(Ticket.status == AWAITING_PROVIDER, Ticket.created_at <= bindparam("carrier_cutoff")),
    exists().where(Ticket.status == RESOLVED, Ticket.resolved_at <= bindparam("confirm_cutoff")),
))


_after = bindparam("after")
_waiting = col(Ticket.status).in_([REPORTED, REOPENED])
# One statement, built once: the earliest of each deadline kind after `after` (each on its own index).
_NEXT_DEADLINES = select(
    select(func.min(Ticket.accept_due)).where(_waiting, Ticket.escalation == 0, Ticket.accept_due > _after)
    .scalar_subquery(),
    select(func.min(Ticket.escalate_at)).where(_waiting, Ticket.escalation == 1, Ticket.escalate_at > _after)
    .scalar_subquery(),
    select(func.min(Ticket.solve_due)).where(col(Ticket.status).in_([REPORTED, ACCEPTED, REOPENED]),
                                             Ticket.overdue == False, Ticket.solve_due > _after)  # noqa: E712
    .scalar_subquery(),
    select(func.min(Ticket.created_at)).where(Ticket.status == AWAITING_PROVIDER,
                                              Ticket.created_at > bindparam("carrier_after")).scalar_subquery(),
    select(func.min(Ticket.resolved_at)).where(Ticket.status == RESOLVED,
                                               Ticket.resolved_at > bindparam("confirm_after")).scalar_subquery(),
)


def next_deadline(session: Session, settings: Settings, after: datetime) -> datetime | None:
    """The earliest instant after `after` at which the sweep would have something to do (None: nothing).

    Replay's virtual clock jumps from one to the next instead of sweeping every minute of a long gap."""
    carrier = timedelta(minutes=settings.carrier_wait_minutes)
    confirm = timedelta(hours=settings.confirm_wait_hours)
    params = {"after": after, "carrier_after": after - carrier, "confirm_after": after - confirm}
    row = session.execute(_NEXT_DEADLINES, params).one()
    found = []
    for value, plus in zip(row, (None, None, None, carrier, confirm)):
        if value is not None:
            if isinstance(value, str):  # SQLite returns an aggregate of a datetime column as text
                value = datetime.fromisoformat(value)
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
            found.append(value + plus if plus else value)
    return min(found) if found else None


def anything_due(session: Session, settings: Settings, now: datetime) -> bool:
    """One cheap query: is any ticket past one of its deadlines?"""
    params = {"now": now, "carrier_cutoff": now - timedelta(minutes=settings.carrier_wait_minutes),
              "confirm_cutoff": now - timedelta(hours=settings.confirm_wait_hours)}
    return bool(session.execute(_ANYTHING_DUE, params).scalar())


def sweep(session: Session, *, settings: Settings, now: datetime) -> list[Outgoing]:
    """Everything due as of `now`: carrier time-outs, re-pings, escalations, overdue marks, auto-close."""
    if not anything_due(session, settings, now):
        return []
    grids = _Grids(session)
    out: list[Outgoing] = []
    out += _carrier_timeouts(session, settings, now, grids)
    out += _unaccepted(session, settings, now, grids)
    out += _overdue(session, now, grids)
    _auto_close(session, settings, now)
    return out


def _carrier_timeouts(session: Session, settings: Settings, now: datetime, grids: _Grids) -> list[Outgoing]:
    cutoff = now - timedelta(minutes=settings.carrier_wait_minutes)
    stmt = select(Ticket).where(Ticket.status == AWAITING_PROVIDER, Ticket.created_at <= cutoff)
    out: list[Outgoing] = []
    due = session.exec(stmt).all()
    for ticket in _claim_all(session, due, now, "carrier-timeout", lambda t: "carrier-timeout"):
        grid = grids.grid(ticket.grid_id)
        first = repo.reports_of(session, ticket_id=ticket.id)[0]
        out += tickets.route(session, ticket=ticket, grid=grid, members=grids.members(ticket.grid_id),
                             text=first.text, now=now)
    return out


def _unaccepted(session: Session, settings: Settings, now: datetime, grids: _Grids) -> list[Outgoing]:
    """First a reminder to the assignees, one acceptance window later the comprehensive worker."""
    waiting = col(Ticket.status).in_([REPORTED, REOPENED])
    remind = select(Ticket).where(waiting, Ticket.escalation == 0, Ticket.accept_due <= now)
    escalate = select(Ticket).where(waiting, Ticket.escalation == 1, Ticket.escalate_at <= now)
    out: list[Outgoing] = []
    cycle: Callable[[Ticket], str] = lambda t: f"{t.status}:{t.accept_due.isoformat()}"  # noqa: E731
    for ticket in _claim_all(session, session.exec(remind).all(), now, "reminded", lambda t: f"remind:{cycle(t)}"):
        accept_minutes = settings.deadlines(ticket.color)[0]
        ticket.escalation = 1
        ticket.escalate_at = ticket.accept_due + timedelta(minutes=accept_minutes)
        session.add(ticket)
        held = {(a.contact_id, a.name) for a in repo.assignees(session, ticket_id=ticket.id)}
        people = [m for m in grids.members(ticket.grid_id) if (m.contact_id, m.name) in held]
        out.append(Outgoing(text=texts.reping(ticket.id, ticket.category, ticket.provider, accept_minutes),
                            room=grids.grid(ticket.grid_id).room, mentions=tuple(mention(m) for m in people)))
    for ticket in _claim_all(session, session.exec(escalate).all(), now, "escalated",
                             lambda t: f"escalate:{cycle(t)}", "not accepted"):
        ticket.escalation = 2
        ticket.escalate_at = None
        ticket.owner_role = "comprehensive"
        session.add(ticket)
        note = texts.escalated_unaccepted(ticket.id, ticket.category, ticket.provider,
                                          "、".join(repo.assignee_names(session, ticket_id=ticket.id)), grids.grid(ticket.grid_id).room)
        out += [Outgoing(text=note, to=mention(m)) for m in grids.comprehensive(ticket.grid_id)]
    return out


def _overdue(session: Session, now: datetime, grids: _Grids) -> list[Outgoing]:
    """Past the solution deadline: marked overdue and escalated once."""
    stmt = select(Ticket).where(col(Ticket.status).in_([REPORTED, ACCEPTED, REOPENED]),
                                Ticket.overdue == False,  # noqa: E712 (SQL expression)
                                col(Ticket.solve_due).is_not(None), Ticket.solve_due <= now)
    out: list[Outgoing] = []
    for ticket in _claim_all(session, session.exec(stmt).all(), now, "overdue",
                             lambda t: f"overdue:{t.solve_due.isoformat()}"):
        ticket.overdue = True
        ticket.owner_role = "comprehensive"
        session.add(ticket)
        grid = grids.grid(ticket.grid_id)
        note = texts.escalated_overdue(ticket.id, ticket.category, ticket.provider, "、".join(repo.assignee_names(session, ticket_id=ticket.id)), grid.room)
        out += [Outgoing(text=note, to=mention(m)) for m in grids.comprehensive(ticket.grid_id)]
    return out


def _auto_close(session: Session, settings: Settings, now: datetime) -> None:
    """A fix nobody confirmed or disputed within the wait is closed without a satisfaction mark."""
    cutoff = now - timedelta(hours=settings.confirm_wait_hours)
    stmt = select(Ticket).where(Ticket.status == RESOLVED, Ticket.resolved_at <= cutoff)
    for ticket in _claim_all(session, session.exec(stmt).all(), now, "auto-closed",
                             lambda t: f"autoclose:{t.resolved_at.isoformat()}"):
        tickets.close(session, ticket=ticket, now=now, actor="gridbot", satisfaction=None)

