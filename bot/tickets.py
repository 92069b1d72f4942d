"""Ticket operations shared by handlers and scheduled work. No commits; they return what to say."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot import repo, texts
from bot.classifier.base import Prediction
from bot.messages import Incoming, Mention, Outgoing
from bot.pipeline import mention
from bot.routing import color_for, pick_members, roles_for
from bot.settings import Settings
from models import (
    ACCEPTED, AWAITING_PROVIDER, CLOSED, REOPENED, REPORTED, RESOLVED, Grid, Member, Ticket,
)

PING_TEXT_LIMIT = 60
MERGE_STATUSES = (AWAITING_PROVIDER, REPORTED, ACCEPTED, REOPENED)


def short(text: str, limit: int = PING_TEXT_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _building(location: str | None) -> str | None:
    if not location:
        return None
    match = re.search(r"[^栋幢楼座组队村]*(?:栋|幢|号楼|座|组|队|村)", location)
    return match.group(0) if match else location


def same_place(a: str | None, b: str | None) -> bool:
    """Unknown places match anything; two named buildings/组/村 must agree."""
    ba, bb = _building(a), _building(b)
    return ba is None or bb is None or ba == bb


_MERGE_CANDIDATES = (select(Ticket).where(Ticket.grid_id == bindparam("grid_id"), Ticket.category == bindparam("category"),
                                          col(Ticket.status).in_(list(MERGE_STATUSES)),
                                          Ticket.updated_at >= bindparam("since"))
                     .order_by(col(Ticket.updated_at).desc()))


def find_merge_target(session: Session, *, settings: Settings, grid_id: int, prediction: Prediction,
                      now: datetime) -> Ticket | None:
    """The open ticket of the same category (and carrier) in the grid, recently reported, same place."""
    since = now - timedelta(minutes=settings.merge_window_minutes)
    params = {"grid_id": grid_id, "category": prediction.category, "since": since}
    for ticket in session.exec(_MERGE_CANDIDATES, params=params):
        if prediction.category == "telecom" and prediction.provider and ticket.provider \
                and ticket.provider != prediction.provider:
            continue
        if same_place(ticket.location, prediction.location):
            return ticket
    return None


def set_deadlines(ticket: Ticket, settings: Settings, start: datetime) -> None:
    accept_min, solve_min = settings.deadlines(ticket.color)
    ticket.accept_due = start + timedelta(minutes=accept_min)
    ticket.solve_due = start + timedelta(minutes=solve_min)


def open_ticket(session: Session, *, settings: Settings, grid: Grid, msg: Incoming, text: str,
                prediction: Prediction) -> Ticket:
    """A new ticket with its first report and a 'reported' event (not yet routed)."""
    ticket = Ticket(
        grid_id=grid.id, category=prediction.category, provider=prediction.provider, urgent=prediction.urgent,
        color=color_for(prediction.category, prediction.urgent), reporter=msg.sender, reporter_id=msg.contact,
        location=prediction.location, keywords=list(prediction.keywords), created_at=msg.ts, updated_at=msg.ts,
    )
    set_deadlines(ticket, settings, msg.ts)
    session.add(ticket)
    session.flush()
    repo.add_report(session, ticket=ticket, msg=msg, text=text)
    repo.log_event(session, ticket=ticket, ts=msg.ts, actor=msg.sender, action="reported",
                   detail=f"{prediction.category} {prediction.confidence:.2f} {','.join(prediction.keywords)}")
    return ticket


def route(session: Session, *, ticket: Ticket, grid: Grid, members: Sequence[Member], text: str,
          now: datetime, actor: str = "gridbot") -> list[Outgoing]:
    """Assign the ticket to the workers of its category and @-mention them in the group."""
    chosen = pick_members(members, roles_for(ticket.category, ticket.provider, ticket.urgent))
    ticket.assignees = [m.name for m in chosen]
    ticket.assignee_ids = [m.contact_id for m in chosen]
    ticket.status = REPORTED if ticket.status in (AWAITING_PROVIDER, REPORTED) else ticket.status
    ticket.updated_at = now
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=now, actor=actor, action="assigned", detail=",".join(ticket.assignees))
    ping = texts.ticket_ping(ticket.id, ticket.category, ticket.provider, ticket.reporter, short(text),
                             ticket.location, ticket.urgent)
    out = [Outgoing(text=ping, room=grid.room, mentions=tuple(mention(m) for m in chosen))]
    if ticket.urgent:
        # Urgent matters also reach the comprehensive worker privately, at once.
        for member in members:
            if member.role == "comprehensive":
                out.append(Outgoing(text=ping, to=mention(member)))
    return out


def accept(session: Session, *, ticket: Ticket, grid: Grid, worker: Member, now: datetime) -> list[Outgoing]:
    ticket.status = ACCEPTED
    ticket.accepted_at = ticket.accepted_at or now
    ticket.updated_at = now
    if worker.contact_id not in ticket.assignee_ids:
        ticket.assignees = ticket.assignees + [worker.name]
        ticket.assignee_ids = ticket.assignee_ids + [worker.contact_id]
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=now, actor=worker.name, action="accepted")
    return [Outgoing(text=texts.accepted(worker.name, ticket.id), room=grid.room,
                     mentions=tuple(_reporter_mentions(session, ticket)))]


def resolve(session: Session, *, ticket: Ticket, grid: Grid, worker: Member, now: datetime) -> list[Outgoing]:
    ticket.status = RESOLVED
    ticket.resolved_at = now
    ticket.accepted_at = ticket.accepted_at or now
    ticket.updated_at = now
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=now, actor=worker.name, action="resolved")
    return [Outgoing(text=texts.resolved_ask_confirm(worker.name, ticket.id), room=grid.room,
                     mentions=tuple(_reporter_mentions(session, ticket)))]


def close(session: Session, *, ticket: Ticket, now: datetime, actor: str, satisfaction: str | None) -> None:
    ticket.status = CLOSED
    ticket.closed_at = now
    ticket.updated_at = now
    ticket.satisfaction = satisfaction
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=now, actor=actor, action="closed", detail=satisfaction or "")


def reopen(session: Session, *, settings: Settings, ticket: Ticket, grid: Grid, members: Sequence[Member],
           now: datetime, actor: str, text: str) -> list[Outgoing]:
    """Resident unsatisfied: reopen, and the comprehensive worker leads (首次处理不满意，总网格长领办)."""
    ticket.status = REOPENED
    ticket.satisfaction = "unsatisfied"
    ticket.owner_role = "comprehensive"
    ticket.resolved_at = None
    ticket.updated_at = now
    ticket.escalation = 0
    ticket.escalate_at = None
    set_deadlines(ticket, settings, now)
    comprehensive = [m for m in members if m.role == "comprehensive"]
    for member in comprehensive:
        if member.contact_id not in ticket.assignee_ids:
            ticket.assignees = ticket.assignees + [member.name]
            ticket.assignee_ids = ticket.assignee_ids + [member.contact_id]
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=now, actor=actor, action="reopened", detail=short(text))
    out = [Outgoing(text=texts.reopened(ticket.id), room=grid.room)]
    note = texts.reopened_to_comprehensive(ticket.id, actor, short(text))
    out += [Outgoing(text=note, to=mention(m)) for m in comprehensive]
    return out


def reassign(session: Session, *, settings: Settings, ticket: Ticket, grid: Grid, members: Sequence[Member],
             now: datetime, worker: Member, category: str, provider: str | None) -> list[Outgoing]:
    """Change the category (a correction for training) and route to the new workers."""
    first = repo.reports_of(session, ticket_id=ticket.id)
    text = first[0].text if first else ""
    repo.add_correction(session, ticket=ticket, text=text, category=category, provider=provider,
                        actor=worker.name, ts=now)
    repo.log_event(session, ticket=ticket, ts=now, actor=worker.name, action="reassigned",
                   detail=f"{ticket.category}/{ticket.provider or '-'} -> {category}/{provider or '-'}")
    ticket.category = category
    ticket.provider = provider
    ticket.color = color_for(category, ticket.urgent)
    ticket.status = REPORTED
    ticket.accepted_at = None
    ticket.escalation = 0
    ticket.escalate_at = None
    set_deadlines(ticket, settings, now)
    out = route(session, ticket=ticket, grid=grid, members=members, text=text, now=now, actor=worker.name)
    out[0] = Outgoing(text=texts.reassigned(ticket.id, category, provider) + "\n" + out[0].text,
                      room=grid.room, mentions=out[0].mentions)
    return out


def _reporter_mentions(session: Session, ticket: Ticket) -> list[Mention]:
    seen: dict[str, Mention] = {}
    for report in repo.reports_of(session, ticket_id=ticket.id):
        seen.setdefault(report.sender_id, Mention(report.sender, report.sender_id))
    return list(seen.values())


def add_household_report(session: Session, *, ticket: Ticket, msg: Incoming, text: str) -> int:
    """Attach a further report to an open incident; returns how many households have reported."""
    if not repo.has_reported(session, ticket_id=ticket.id, contact=msg.contact):
        ticket.report_count += 1
    repo.add_report(session, ticket=ticket, msg=msg, text=text)
    ticket.updated_at = msg.ts
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=msg.ts, actor=msg.sender, action="merged",
                   detail=f"households={ticket.report_count}")
    return ticket.report_count
