"""The periodic sweep: a function of the database and `now` that moves tickets along their deadlines.

Each one-off action is claimed by a unique TicketEvent key, so two processes sharing a database
(or a sweep run twice) never send the same reminder or escalation twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from bot import repo, texts, tickets
from bot.messages import Outgoing
from bot.pipeline import mention
from bot.settings import Settings
from models import (
    ACCEPTED, AWAITING_PROVIDER, REOPENED, REPORTED, RESOLVED, Grid, Member, Report, Ticket, TicketEvent,
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
    stmt = repo.insert_skipping(TicketEvent.__table__, "key", session.get_bind().dialect.name, returning=True)
    claimed = set(session.execute(stmt, values).scalars())
    return [t for k, t in rows.items() if k in claimed]


class _Grids:
    """Grids, members and assignments looked up once per sweep, for all due tickets together."""

    def __init__(self, session: Session, grids: dict[int, Grid] | None = None,
                 members: dict[int, list[Member]] | None = None) -> None:
        self.session = session
        self._grids: dict[int, Grid] = dict(grids or {})  # the App's roster cache, when it has one
        self._members: dict[int, list[Member]] = dict(members or {})
        self._assigned: dict[int, list] = {}

    def prefetch(self, tickets_: list[Ticket]) -> list[Ticket]:
        """Load what these tickets' messages need in three queries; returns the tickets."""
        grid_ids = {t.grid_id for t in tickets_} - set(self._grids)
        if grid_ids:
            for grid in self.session.exec(select(Grid).where(col(Grid.id).in_(grid_ids))):
                self._grids[grid.id] = grid
            found: dict[int, list[Member]] = {g: [] for g in grid_ids}
            for m in self.session.exec(select(Member).where(col(Member.grid_id).in_(grid_ids)).order_by(Member.id)):
                found[m.grid_id].append(m)
            self._members.update(found)
        ticket_ids = [t.id for t in tickets_ if t.id not in self._assigned]
        self._assigned.update(repo.assignments_of(self.session, ticket_ids=ticket_ids))
        return tickets_

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

    def assignees(self, ticket_id: int) -> list:
        if ticket_id not in self._assigned:
            self._assigned[ticket_id] = repo.assignees(self.session, ticket_id=ticket_id)
        return self._assigned[ticket_id]


_DAWN = datetime(2000, 1, 1, tzinfo=timezone.utc)  # before any ticket
_after = bindparam("after")
_working = repo.status_in(frozenset({REPORTED, ACCEPTED, REOPENED}))
_waiting = repo.status_in(frozenset({REPORTED, REOPENED}))  # written into the SQL: see repo.status_in
# One statement, built once: the earliest of each deadline kind after `after` (each on its own index).
_t = Ticket.__table__.c  # table columns: a Core statement runs without the ORM's layer
_NEXT_DEADLINES = select(
    select(func.min(_t.accept_due)).where(_waiting, _t.escalation == 0, _t.accept_due > _after)
    .scalar_subquery(),
    select(func.min(_t.escalate_at)).where(_waiting, _t.escalation == 1, _t.escalate_at > _after)
    .scalar_subquery(),
    select(func.min(_t.solve_due)).where(_working, _t.overdue == False, _t.solve_due > _after)  # noqa: E712
    .scalar_subquery(),
    select(func.min(_t.created_at)).where(_t.status == AWAITING_PROVIDER, _t.created_at > bindparam("carrier_after"))
    .scalar_subquery(),
    select(func.min(_t.resolved_at)).where(_t.status == RESOLVED, _t.resolved_at > bindparam("confirm_after"))
    .scalar_subquery(),
)


_KINDS = ("remind", "escalate", "overdue", "carrier", "auto_close")  # the columns of _NEXT_DEADLINES, in order


def _deadlines(session: Session, settings: Settings, after: datetime) -> dict[str, datetime]:
    """The earliest instant after `after` of each kind of deadline that has one."""
    carrier = timedelta(minutes=settings.carrier_wait_minutes)
    confirm = timedelta(hours=settings.confirm_wait_hours)
    params = {"after": after, "carrier_after": after - carrier, "confirm_after": after - confirm}
    row = session.execute(_NEXT_DEADLINES, params).one()
    found = {}
    for kind, value, plus in zip(_KINDS, row, (None, None, None, carrier, confirm)):
        if value is not None:
            if isinstance(value, str):  # SQLite returns an aggregate of a datetime column as text
                value = datetime.fromisoformat(value)
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
            found[kind] = value + plus if plus else value
    return found


def next_deadline(session: Session, settings: Settings, after: datetime) -> datetime | None:
    """The earliest instant after `after` at which the sweep would have something to do (None: nothing).

    Replay's virtual clock jumps from one to the next instead of sweeping every minute of a long gap."""
    return min(_deadlines(session, settings, after).values(), default=None)


def due_kinds(session: Session, settings: Settings, now: datetime) -> set[str]:
    """One cheap query: which kinds of deadline has some ticket passed? (The earliest deadline of each kind
    is the first entry of a small partial index, however many tickets are open.)"""
    return {kind for kind, at in _deadlines(session, settings, _DAWN).items() if at <= now}


def sweep(session: Session, *, settings: Settings, now: datetime, grids: dict[int, Grid] | None = None,
          members: dict[int, list[Member]] | None = None) -> list[Outgoing]:
    """Everything due as of `now`: carrier time-outs, re-pings, escalations, overdue marks, auto-close.
    Only the kinds some ticket is due for are looked for (each is a query)."""
    due = due_kinds(session, settings, now)
    if not due:
        return []
    lookup = _Grids(session, grids, members)
    out: list[Outgoing] = []
    if "carrier" in due:
        out += _carrier_timeouts(session, settings, now, lookup)
    if "remind" in due:
        out += _remind(session, settings, now, lookup)
    if "escalate" in due or "remind" in due:  # a reminder's own escalation may be due already (a clock jump)
        out += _escalate(session, now, lookup)
    if "overdue" in due:
        out += _overdue(session, now, lookup)
    if "auto_close" in due:
        _auto_close(session, settings, now)
    return out


def _carrier_timeouts(session: Session, settings: Settings, now: datetime, grids: _Grids) -> list[Outgoing]:
    cutoff = now - timedelta(minutes=settings.carrier_wait_minutes)
    stmt = select(Ticket).where(Ticket.status == AWAITING_PROVIDER, Ticket.created_at <= cutoff)
    out: list[Outgoing] = []
    due = session.exec(stmt).all()
    claimed = grids.prefetch(_claim_all(session, due, now, "carrier-timeout", lambda t: "carrier-timeout"))
    first: dict[int, str] = {}  # each ticket's first report, in one query
    if claimed:
        stmt_reports = (select(Report.ticket_id, Report.text).where(col(Report.ticket_id).in_([t.id for t in claimed]))
                        .order_by(Report.id))
        for ticket_id, text in session.exec(stmt_reports):
            first.setdefault(ticket_id, text)
    for ticket in claimed:
        out += tickets.route(session, ticket=ticket, grid=grids.grid(ticket.grid_id),
                             members=grids.members(ticket.grid_id), text=first.get(ticket.id, ""), now=now)
    return out


def _cycle(ticket: Ticket) -> str:
    return f"{ticket.status}:{ticket.accept_due.isoformat()}"


def _remind(session: Session, settings: Settings, now: datetime, grids: _Grids) -> list[Outgoing]:
    """Not accepted in time: first a reminder to the assignees (one acceptance window later, _escalate)."""
    remind = select(Ticket).where(_waiting, Ticket.escalation == 0, Ticket.accept_due <= now)
    out: list[Outgoing] = []
    for ticket in grids.prefetch(_claim_all(session, session.exec(remind).all(), now, "reminded",
                                            lambda t: f"remind:{_cycle(t)}")):
        accept_minutes = settings.deadlines(ticket.color)[0]
        ticket.escalation = 1
        ticket.escalate_at = ticket.accept_due + timedelta(minutes=accept_minutes)
        session.add(ticket)
        held = {(a.contact_id, a.name) for a in grids.assignees(ticket.id)}
        people = [m for m in grids.members(ticket.grid_id) if (m.contact_id, m.name) in held]
        out.append(Outgoing(text=texts.reping(ticket.id, ticket.category, ticket.provider, accept_minutes),
                            room=grids.grid(ticket.grid_id).room, mentions=tuple(mention(m) for m in people)))
    return out


def _escalate(session: Session, now: datetime, grids: _Grids) -> list[Outgoing]:
    """Still not accepted after the reminder: the comprehensive worker takes it over."""
    escalate = select(Ticket).where(_waiting, Ticket.escalation == 1, Ticket.escalate_at <= now)
    out: list[Outgoing] = []
    for ticket in grids.prefetch(_claim_all(session, session.exec(escalate).all(), now, "escalated",
                                            lambda t: f"escalate:{_cycle(t)}", "not accepted")):
        ticket.escalation = 2
        ticket.escalate_at = None
        ticket.owner_role = "comprehensive"
        session.add(ticket)
        note = texts.escalated_unaccepted(ticket.id, ticket.category, ticket.provider,
                                          "、".join(a.name for a in grids.assignees(ticket.id)), grids.grid(ticket.grid_id).room)
        out += [Outgoing(text=note, to=mention(m)) for m in grids.comprehensive(ticket.grid_id)]
    return out


def _overdue(session: Session, now: datetime, grids: _Grids) -> list[Outgoing]:
    """Past the solution deadline: marked overdue and escalated once."""
    stmt = select(Ticket).where(_working,
                                Ticket.overdue == False,  # noqa: E712 (SQL expression)
                                col(Ticket.solve_due).is_not(None), Ticket.solve_due <= now)
    out: list[Outgoing] = []
    for ticket in grids.prefetch(_claim_all(session, session.exec(stmt).all(), now, "overdue",
                                            lambda t: f"overdue:{t.solve_due.isoformat()}")):
        ticket.overdue = True
        ticket.owner_role = "comprehensive"
        session.add(ticket)
        grid = grids.grid(ticket.grid_id)
        note = texts.escalated_overdue(ticket.id, ticket.category, ticket.provider,
                                       "、".join(a.name for a in grids.assignees(ticket.id)), grid.room)
        out += [Outgoing(text=note, to=mention(m)) for m in grids.comprehensive(ticket.grid_id)]
    return out


def _auto_close(session: Session, settings: Settings, now: datetime) -> None:
    """A fix nobody confirmed or disputed within the wait is closed without a satisfaction mark."""
    cutoff = now - timedelta(hours=settings.confirm_wait_hours)
    stmt = select(Ticket).where(Ticket.status == RESOLVED, Ticket.resolved_at <= cutoff)
    for ticket in _claim_all(session, session.exec(stmt).all(), now, "auto-closed",
                             lambda t: f"autoclose:{t.resolved_at.isoformat()}"):
        tickets.close(session, ticket=ticket, now=now, actor="gridbot", satisfaction=None)

