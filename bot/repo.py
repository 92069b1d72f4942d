"""Repository functions: keyword-only arguments, no commits (the caller owns the unit of work)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Sequence

from sqlalchemy import and_, bindparam, cast, func, insert, literal_column, null, or_, union_all, update
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from models import (
    ACCEPTED, AWAITING_PROVIDER, CLOSED, REOPENED, REPORTED, RESOLVED, Assignment, Correction, Grid, InboundMessage,
    Member, Report, Review, RosterVersion, Ticket, TicketEvent,
)
from bot.db import upsert_insert
from bot.messages import Incoming


def grids(session: Session, *, name: str | None = None) -> list[Grid]:
    """Every grid (or the one named), in roster order."""
    stmt = select(Grid).order_by(Grid.id)
    if name is not None:
        stmt = stmt.where(Grid.name == name)
    return list(session.exec(stmt))


def grid_by_id(session: Session, *, grid_id: int) -> Grid | None:
    return session.get(Grid, grid_id)


def members_of(session: Session, *, grid_id: int) -> list[Member]:
    return list(session.exec(select(Member).where(Member.grid_id == grid_id).order_by(Member.id)))


def message_seen(session: Session, *, msg_id: str) -> bool:
    return session.exec(select(InboundMessage.id).where(InboundMessage.msg_id == msg_id)).first() is not None


# Built once, on the table (an insert of the ORM class takes the ORM's slower bulk path): on the hot path
_INSERT_INBOUND = insert(InboundMessage.__table__)


def message_row(msg: Incoming, outcome: str) -> dict[str, object]:
    return {"msg_id": msg.msg_id, "room": msg.room, "sender_id": msg.contact, "ts": msg.ts, "outcome": outcome}


def record_message(session: Session | Connection, *, msg: Incoming, outcome: str) -> None:
    """Store the message id; its unique key makes a second delivery's unit of work fail as a whole."""
    session.execute(_INSERT_INBOUND, message_row(msg, outcome))


def record_quiet_messages(session: Session | Connection, rows: Sequence[dict[str, object]],
                          *, then: dict[str, object] | None = None) -> None:
    """Store the ids of messages that changed nothing, in one executemany; an id already stored (another
    process read the same message) is passed over, not an error. `then`, the row of the message being
    handled, goes after them as a plain insert: its id stored already fails the unit of work as a whole
    (IntegrityError), held ids and all, as record_message does."""
    if rows:
        conn = session.connection() if isinstance(session, Session) else session
        conn.execute(insert_skipping(InboundMessage.__table__, "msg_id", conn.dialect.name), list(rows))  # no RETURNING
    if then is not None:
        session.execute(_INSERT_INBOUND, then)


@lru_cache(maxsize=None)
def insert_skipping(table: Table, key: str, dialect: str, *, returning: bool = False):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT (key) DO NOTHING on this database, built once; with `returning`, the keys
    of the rows it did insert come back (the others were there already)."""
    stmt = upsert_insert(dialect)(table).on_conflict_do_nothing(index_elements=[key])
    return stmt.returning(table.c[key]) if returning else stmt


# Rows nobody reads back in the same unit of work are written as plain inserts at once: an ORM object
# and its flush cost five times as much, and a report writes two of them (measured: 0.6 vs 0.1 ms).
_INSERT_EVENT = insert(TicketEvent.__table__)
_INSERT_REPORT = insert(Report.__table__)


def log_event(session: Session, *, ticket: Ticket, ts: datetime, actor: str, action: str,
              detail: str = "") -> None:
    session.execute(_INSERT_EVENT, {"ticket_id": ticket.id, "ts": ts, "actor": actor, "action": action,
                                    "detail": detail, "key": None})


_COUNT_REPORT = (update(Ticket.__table__).where(Ticket.__table__.c.id == bindparam("b_id"))
                 .values(report_count=bindparam("b_count"), updated_at=bindparam("b_ts")))


def count_report(session: Session, *, ticket: Ticket, households: int, ts: datetime) -> None:
    """A further report on the ticket: its households and last change, written at once (as log_event);
    the loaded ticket shows the same values and has nothing of this left to flush."""
    session.execute(_COUNT_REPORT, {"b_id": ticket.id, "b_count": households, "b_ts": ts})
    set_committed_value(ticket, "report_count", households)
    set_committed_value(ticket, "updated_at", ts)


def add_report(session: Session, *, ticket: Ticket, msg: Incoming, text: str) -> None:
    session.execute(_INSERT_REPORT, {"ticket_id": ticket.id, "msg_id": msg.msg_id, "sender": msg.sender,
                                     "sender_id": msg.contact, "text": text, "ts": msg.ts})


_ROSTER_VERSION = RosterVersion.__table__


def roster_version(session: Session | Connection) -> int:
    """The roster's version (models.RosterVersion); 0 before any change."""
    found = session.execute(select(_ROSTER_VERSION.c.version).where(_ROSTER_VERSION.c.id == 1)).scalar()
    return found or 0


def raise_roster_version(session: Session) -> None:
    """Every change to grids or members calls this in its own transaction: the other processes reload."""
    table = _ROSTER_VERSION
    if session.execute(update(table).where(table.c.id == 1).values(version=table.c.version + 1)).rowcount == 0:
        session.execute(insert(table).values(id=1, version=1))  # the migration made the row; only if it was deleted


def ticket_by_id(session: Session, *, ticket_id: int) -> Ticket | None:
    return session.get(Ticket, ticket_id)


# Hot-path statements are built once with bind parameters (building one costs ~0.1 ms).
_REPORTS_OF = (select(Report.__table__).where(Report.__table__.c.ticket_id == bindparam("ticket_id"))
               .order_by(Report.__table__.c.ts, Report.__table__.c.id))
_STATUSES = frozenset({AWAITING_PROVIDER, REPORTED, ACCEPTED, RESOLVED, REOPENED, CLOSED})


@lru_cache(maxsize=None)
def status_in(statuses: frozenset[str]):  # type: ignore[no-untyped-def]
    """`ticket.status IN ('reported', …)` with the statuses written into the SQL. A bound list is expanded
    at every execution (0.06 ms of a 0.2 ms query, measured); a handful of fixed sets are a handful of
    cached statements. Only the known statuses are ever written in."""
    if not statuses or not statuses <= _STATUSES:
        raise ValueError(f"unknown ticket statuses: {sorted(statuses - _STATUSES)}")
    return Ticket.__table__.c.status.in_([literal_column(f"'{s}'") for s in sorted(statuses)])


@lru_cache(maxsize=None)
def _open_in_grid(statuses: frozenset[str], since: bool):  # type: ignore[no-untyped-def]
    stmt = select(Ticket).where(Ticket.grid_id == bindparam("grid_id"), status_in(statuses))
    if since:
        stmt = stmt.where(Ticket.updated_at >= bindparam("since"))
    return stmt.order_by(Ticket.created_at, Ticket.id)


@lru_cache(maxsize=None)
def _reported_by(statuses: frozenset[str], closed_since: bool):  # type: ignore[no-untyped-def]
    stmt = (select(Ticket)  # one row per ticket, however many times the household reported it
            .where(Ticket.grid_id == bindparam("grid_id"), status_in(statuses),
                   select(Report.id).where(col(Report.ticket_id) == col(Ticket.id),
                                           Report.sender_id == bindparam("contact")).exists())
            .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc()))
    if closed_since:
        stmt = stmt.where(or_(Ticket.status != CLOSED, col(Ticket.closed_at) >= bindparam("closed_since")))
    return stmt


def reports_of(session: Session, *, ticket_id: int) -> list:
    """The ticket's reports, oldest first: read-only rows with Report's fields (no ORM objects: on the
    path of every accept, fix and reopen, which mention the reporters)."""
    return list(session.execute(_REPORTS_OF, {"ticket_id": ticket_id}))


RECENT_REPORTS = 12  # what the conversation compares a message with: a ticket's latest reports


_REPORTERS = (select(Report.ticket_id, Report.sender, Report.sender_id)
              .where(col(Report.ticket_id).in_(bindparam("ids", expanding=True))).distinct())


def _latest_and_reporters_stmt():  # type: ignore[no-untyped-def]
    c = Report.__table__.c  # table columns, not the ORM class's: a Core statement runs without the ORM's layer
    rank = func.row_number().over(partition_by=c.ticket_id, order_by=c.id.desc()).label("rank")
    inner = select(c.id, rank).where(c.ticket_id.in_(bindparam("ids", expanding=True))).subquery()
    latest = (select(c.ticket_id, c.id, c.text, c.ts, c.sender_id, c.sender)
              .join(inner, c.id == inner.c.id).where(inner.c.rank <= bindparam("last")))
    everyone = (select(c.ticket_id, *(cast(null(), c[name].type) for name in ("id", "text", "ts")),
                       c.sender_id, c.sender)
                .where(c.ticket_id.in_(bindparam("ids", expanding=True))).distinct())
    return union_all(latest, everyone)


_LATEST_AND_REPORTERS = _latest_and_reporters_stmt()
_BY_TIME = itemgetter(3, 1)  # (ts, id)


def reports_and_reporters(session: Session, *, ticket_ids: Sequence[int], last: int = RECENT_REPORTS
                          ) -> tuple[dict[int, list], dict[int, set[str]]]:
    """The latest `last` reports of each ticket (rows with ticket_id, id, text, ts, sender_id, sender), oldest
    first, and every reporter of each ticket (names and contact ids), in one query: both are on every
    request's and worker's path. The reports are bounded however many households reported."""
    reports: dict[int, list] = {i: [] for i in ticket_ids}
    reporters: dict[int, set[str]] = {i: set() for i in ticket_ids}
    if ticket_ids:
        for row in session.execute(_LATEST_AND_REPORTERS, {"ids": list(ticket_ids), "last": last}):
            if row[1] is None:  # (ticket_id, id, text, ts, sender_id, sender); by position: on the hot path
                reporters[row[0]].update((row[5], row[4]))
            else:
                reports[row[0]].append(row)
        for rows in reports.values():
            rows.sort(key=_BY_TIME)
    return reports, reporters


def reporters_for(session: Session, *, ticket_ids: Sequence[int]) -> dict[int, set[str]]:
    """Every reporter (names and contact ids) of each ticket."""
    out: dict[int, set[str]] = {i: set() for i in ticket_ids}
    if ticket_ids:
        for ticket_id, sender, sender_id in session.execute(_REPORTERS, {"ids": list(ticket_ids)}):
            out[ticket_id] |= {sender, sender_id}
    return out


_WORKER_WORDS = (select(TicketEvent.ticket_id, TicketEvent.detail)
                 .where(col(TicketEvent.ticket_id).in_(bindparam("ids", expanding=True)),
                        col(TicketEvent.action).in_(("accepted", "progress")), TicketEvent.detail != "",
                        ~col(TicketEvent.detail).startswith("转给 "))
                 .order_by(TicketEvent.ts, TicketEvent.id))


def worker_words_for(session: Session, *, ticket_ids: Sequence[int], last: int = 5) -> dict[int, list[str]]:
    """What workers said when they took up or reported progress on each ticket (their words, masked and
    shortened as the history keeps them), the latest `last`, in one query."""
    out: dict[int, list[str]] = {i: [] for i in ticket_ids}
    if ticket_ids:
        for ticket_id, detail in session.execute(_WORKER_WORDS, {"ids": list(ticket_ids)}):
            out[ticket_id].append(detail)
    return {i: words[-last:] for i, words in out.items()}


def events_of(session: Session, *, ticket_id: int) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.ts, TicketEvent.id)
    return list(session.exec(stmt))


_ASSIGNED_TO = (select(Ticket).join(Assignment, col(Assignment.ticket_id) == col(Ticket.id))
                .where(col(Ticket.grid_id).in_(bindparam("grid_ids", expanding=True)),
                       col(Ticket.status).in_(bindparam("statuses", expanding=True)),
                       Assignment.contact_id == bindparam("contact"), Assignment.active == True)  # noqa: E712
                .order_by(Ticket.created_at, Ticket.id))
_ASSIGNMENTS_OF = (select(Assignment).where(col(Assignment.ticket_id).in_(bindparam("ids", expanding=True)),
                                           Assignment.active == True)  # noqa: E712
                   .order_by(Assignment.id))


def tickets_for_worker(session: Session, *, grid_ids: Sequence[int], contact: str,
                       statuses: Sequence[str]) -> list[Ticket]:
    """Open tickets in the grids, in the statuses, assigned to the contact; oldest first."""
    rows = session.exec(_ASSIGNED_TO, params={"grid_ids": list(grid_ids), "statuses": list(statuses),
                                              "contact": contact})
    return list({t.id: t for t in rows}.values())


@lru_cache(maxsize=None)
def _held_by(statuses: frozenset[str]):  # type: ignore[no-untyped-def]
    return (select(Ticket, Assignment).join(Assignment, col(Assignment.ticket_id) == col(Ticket.id))
            .where(Ticket.grid_id == bindparam("grid_id"), status_in(statuses),
                   Assignment.active == True,  # noqa: E712
                   or_(Assignment.contact_id == bindparam("contact"),
                       and_(or_(Assignment.contact_id == "", col(Assignment.contact_id).is_(None)),
                            Assignment.name == bindparam("name"))))
            .order_by(Ticket.created_at, Ticket.id, Assignment.id))


def held_by(session: Session, *, grid_id: int, statuses: Sequence[str], contact: str,
            name: str) -> dict[int, tuple[Ticket, list[Assignment]]]:
    """The grid's tickets in the statuses that the person holds (tickets.holds: by contact id, or by name
    while the roster has no id for them), oldest first, with the person's assignments: one query."""
    out: dict[int, tuple[Ticket, list[Assignment]]] = {}
    params = {"grid_id": grid_id, "contact": contact, "name": name}
    for ticket, assignment in session.execute(_held_by(frozenset(statuses)), params):
        out.setdefault(ticket.id, (ticket, []))[1].append(assignment)
    return out


def open_tickets(session: Session, *, grid_id: int, statuses: Sequence[str],
                 since: datetime | None = None) -> list[Ticket]:
    """The grid's tickets in the statuses (changed since `since`, if given), oldest first. With closed
    tickets among the statuses, give `since`: a grid's closed tickets grow without end."""
    stmt = _open_in_grid(frozenset(statuses), since is not None)
    return list(session.exec(stmt, params={"grid_id": grid_id, "since": since}))


def assignments_of(session: Session, *, ticket_ids: Sequence[int]) -> dict[int, list[Assignment]]:
    """Active assignments of the tickets, in the order they were made."""
    out: dict[int, list[Assignment]] = {i: [] for i in ticket_ids}
    if ticket_ids:
        for row in session.exec(_ASSIGNMENTS_OF, params={"ids": list(ticket_ids)}):
            out[row.ticket_id].append(row)
    return out


def assignees(session: Session, *, ticket_id: int) -> list[Assignment]:
    return assignments_of(session, ticket_ids=[ticket_id])[ticket_id]


def assignee_names(session: Session, *, ticket_id: int) -> list[str]:
    return [a.name for a in assignees(session, ticket_id=ticket_id)]


def add_assignment(session: Session, *, ticket: Ticket, member: Member, now: datetime) -> Assignment:
    row = Assignment(ticket_id=ticket.id, role=member.role, name=member.name, contact_id=member.contact_id,
                     assigned_at=now)
    session.add(row)
    return row


def end_assignments(session: Session, *, ticket_id: int) -> None:
    """A reassignment: the current assignees no longer hold the ticket (their rows stay as history)."""
    for row in assignees(session, ticket_id=ticket_id):
        row.active = False
        session.add(row)


def tickets_reported_by(session: Session, *, grid_id: int, contact: str, statuses: Sequence[str],
                        closed_since: datetime | None = None) -> list[Ticket]:
    """Tickets in the statuses that the contact reported (first or later report); newest first. With
    closed tickets among the statuses, give `closed_since`: a household's closed tickets grow without end."""
    stmt = _reported_by(frozenset(statuses), closed_since is not None)
    return list(session.exec(stmt, params={"grid_id": grid_id, "contact": contact, "closed_since": closed_since}))


def add_review(session: Session, *, grid_id: int | None, msg: Incoming, text: str, guess: str,
               confidence: float, reason: str) -> Review:
    review = Review(grid_id=grid_id, msg_id=msg.msg_id, sender=msg.sender, text=text, guess=guess,
                    confidence=confidence, reason=reason, ts=msg.ts)
    session.add(review)
    return review


def add_correction(session: Session, *, ticket: Ticket, text: str, category: str, provider: str | None,
                   actor: str, ts: datetime) -> Correction:
    correction = Correction(ticket_id=ticket.id, text=text, category=category, provider=provider,
                            actor=actor, created_at=ts)
    session.add(correction)
    return correction


def all_tickets(session: Session) -> list[Ticket]:
    return list(session.exec(select(Ticket).order_by(Ticket.id)))


def recent_reviews(session: Session, *, grid_id: int, since: datetime) -> list[tuple[Review, str]]:
    """The grid's messages kept for review since `since`, newest first, each with its sender's contact id."""
    stmt = (select(Review, InboundMessage.sender_id).join(InboundMessage, InboundMessage.msg_id == Review.msg_id)
            .where(Review.grid_id == grid_id, Review.ts >= since, Review.reason == "abstained")
            .order_by(col(Review.ts).desc(), col(Review.id).desc()))
    return [(review, sender_id) for review, sender_id in session.exec(stmt)]


def unreviewed(session: Session, *, grid_ids: Sequence[int], limit: int) -> list[Review]:
    stmt = (select(Review).where(col(Review.grid_id).in_(list(grid_ids)), Review.reviewed == False)  # noqa: E712
            .order_by(Review.ts, Review.id).limit(limit))
    return list(session.exec(stmt))
