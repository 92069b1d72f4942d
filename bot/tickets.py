"""Ticket operations shared by handlers and scheduled work. No commits; they return what to say."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlmodel import Session

from bot import repo, texts
from bot.classifier.base import Prediction
from bot.conversation.siblings import Candidate, same_problem
from bot.lifecycle import set_deadlines, transition
from bot.privacy import mask
from bot.messages import Incoming, Mention, Outgoing
from bot.pipeline import mention
from bot.routing import CARRIERS, color_for, pick_members, roles_for, unheld
from bot.settings import Settings
from bot.texts import category_label
from models import AWAITING_PROVIDER, REPORTED, Grid, Member, Ticket

PING_TEXT_LIMIT = 60


def short(text: str, limit: int = PING_TEXT_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


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
                   detail=f"{category_label(prediction.category, prediction.provider)} 把握 {prediction.confidence:.2f}"
                          + (f" 关键词：{'、'.join(prediction.keywords)}" if prediction.keywords else ""))
    return ticket


def holds(assignment, contact: str, name: str) -> bool:
    """Is this assignment the person's? By contact id, or by name while the roster has no id for them yet."""
    return assignment.contact_id == contact or (not assignment.contact_id and assignment.name == name)


def is_assignee(session: Session, ticket: Ticket, contact: str, name: str = "") -> bool:
    return any(holds(a, contact, name) for a in repo.assignees(session, ticket_id=ticket.id))


def _assign(session: Session, ticket: Ticket, people: Sequence[Member], now: datetime) -> None:
    held = {(a.contact_id, a.name) for a in repo.assignees(session, ticket_id=ticket.id)}
    for member in people:
        if (member.contact_id, member.name) not in held:
            repo.add_assignment(session, ticket=ticket, member=member, now=now)
            held.add((member.contact_id, member.name))


def route(session: Session, *, ticket: Ticket, grid: Grid, members: Sequence[Member], text: str,
          now: datetime, actor: str = "gridbot", unconfirmed: bool = False) -> list[Outgoing]:
    """Assign the ticket to the workers of its category and @-mention them in the group.

    `unconfirmed`: the detector was unsure; the comprehensive worker confirms (or #改派) it first."""
    roles = ("comprehensive",) if unconfirmed else roles_for(ticket.category, ticket.provider, ticket.urgent)
    chosen = pick_members(members, roles)
    _assign(session, ticket, chosen, now)
    transition(session, ticket, "route", actor=actor, now=now,
               detail="、".join(m.name for m in chosen) + ("（待确认）" if unconfirmed else ""))
    if unconfirmed:
        ping = texts.unconfirmed_ping(ticket.id, ticket.category, ticket.provider, ticket.reporter, short(mask(text)))
    else:
        ping = texts.ticket_ping(ticket.id, ticket.category, ticket.provider, ticket.reporter, short(mask(text)),
                                 ticket.location, ticket.urgent)
        nobody = [r for r in unheld(members, roles) if r not in ("mediator", "police")]
        if nobody:  # said in the ping, so the comprehensive worker knows why it is theirs
            ping += texts.nobody_holds([texts.ROLE_NAMES.get(r, r) for r in nobody])
    return _pings(ping, grid, chosen, members, ticket.urgent)


def _pings(ping: str, grid: Grid, people: Sequence[Member], members: Sequence[Member], urgent: bool) -> list[Outgoing]:
    """The ping in the group, @-mentioning `people`; an urgent one also reaches the comprehensive worker
    privately, at once."""
    out = [Outgoing(text=ping, room=grid.room, mentions=tuple(mention(m) for m in people))]
    if urgent:
        out += [Outgoing(text=ping, to=mention(m)) for m in members if m.role == "comprehensive"]
    return out


def escalate(session: Session, *, settings: Settings, ticket: Ticket, grid: Grid, members: Sequence[Member],
             reporter: str, text: str, now: datetime) -> list[Outgoing]:
    """A danger reported about an open ticket ("还是没电 阿公的制氧机要用电"): one incident still, but now
    urgent. It turns red (its deadlines no later than a red ticket's from now), the workers of its urgent
    roles hold it too, and they hear it at once, as an urgent ticket is heard when it opens."""
    accept_due, solve_due = ticket.accept_due, ticket.solve_due
    ticket.urgent, ticket.color = True, color_for(ticket.category, True)
    set_deadlines(ticket, settings, now)
    ticket.accept_due = min(filter(None, (accept_due, ticket.accept_due)))
    ticket.solve_due = min(filter(None, (solve_due, ticket.solve_due)))
    _assign(session, ticket, pick_members(members, roles_for(ticket.category, ticket.provider, True)), now)
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=now, actor=reporter, action="urgent", detail=short(mask(text)))
    held = repo.assignees(session, ticket_id=ticket.id)
    people = [m for m in members if any(holds(a, m.contact_id, m.name) for a in held)]
    ping = texts.ticket_ping(ticket.id, ticket.category, ticket.provider, reporter, short(mask(text)),
                             ticket.location, True)
    return _pings(ping, grid, people, members, True)


def relay(session: Session, *, ticket: Ticket, people: Sequence[Member], now: datetime, actor: str,
          route: bool = False) -> None:
    """The comprehensive worker passed the ticket on to workers by @-mentioning them: they hold it too.
    `route`: this is its routing (a new ticket, or one that waited for its carrier)."""
    _assign(session, ticket, people, now)
    transition(session, ticket, "route" if route else "progress", actor=actor, now=now,
               detail="转给 " + "、".join(m.name for m in people))


def take_part(session: Session, *, ticket: Ticket, worker: Member, now: datetime) -> None:
    """A worker not routed the ticket takes it up (the police at a missing child: `routing.responds`):
    they hold it too, and their act on it follows. A carrier's worker taking up a telecom ticket whose
    carrier was not named names it."""
    if ticket.category == "telecom" and ticket.provider is None and worker.role in CARRIERS:
        set_carrier(session, ticket=ticket, said=worker.role, actor=worker.name, now=now)
    _assign(session, ticket, [worker], now)


def set_carrier(session: Session, *, ticket: Ticket, said: str, actor: str, now: datetime) -> None:
    """The carrier of a telecom ticket, as a resident's answer, a relay or a carrier's worker taking it up
    named it ("unknown": the resident does not know), written in the ticket's history."""
    ticket.provider = None if said == "unknown" else said
    repo.log_event(session, ticket=ticket, ts=now, actor=actor, action="carrier", detail=said)


def accept(session: Session, *, ticket: Ticket, grid: Grid, worker: Member, now: datetime,
           text: str = "") -> list[Outgoing]:
    transition(session, ticket, "accept", actor=worker.name, now=now, detail=short(mask(text), 40))
    _assign(session, ticket, [worker], now)
    return [Outgoing(text=texts.accepted(worker.name, ticket.id), room=grid.room,
                     mentions=tuple(_reporter_mentions(session, ticket)))]


def progress(session: Session, *, ticket: Ticket, worker: Member, now: datetime, text: str) -> None:
    transition(session, ticket, "progress", actor=worker.name, now=now, detail=short(mask(text), 40))


def resolve(session: Session, *, ticket: Ticket, grid: Grid, worker: Member, now: datetime,
            also: Sequence[Ticket] = ()) -> list[Outgoing]:
    """The worker says it is fixed; `also` are tickets of the same problem reported apart (`leftovers`),
    fixed with it. One message asks all their reporters to confirm."""
    transition(session, ticket, "resolve", actor=worker.name, now=now)
    mentions = _reporter_mentions(session, ticket)
    for other in also:
        transition(session, other, "resolve", actor=worker.name, now=now, detail=f"#{ticket.id}")
        mentions += [m for m in _reporter_mentions(session, other) if m not in mentions]
    return [Outgoing(text=texts.resolved_ask_confirm(worker.name, ticket.id, [t.id for t in also]), room=grid.room,
                     mentions=tuple(mentions))]


def leftovers(session: Session, *, ticket: Ticket, words: str) -> list[Ticket]:
    """The grid's tickets nobody has taken up that are the problem of `ticket`, reported apart
    (`bot.conversation.siblings`): a worker's fix of the one is the fix of the others."""
    found = [t for t in repo.open_tickets(session, grid_id=ticket.grid_id, statuses=(REPORTED, AWAITING_PROVIDER))
             if t.id != ticket.id and t.category == ticket.category]
    if not found:
        return []
    reports, _ = repo.reports_and_reporters(session, ticket_ids=[ticket.id, *(t.id for t in found)])
    mine = reports[ticket.id]
    if not mine:
        return []
    last = max(r.ts for r in mine)
    return [t for t in found if same_problem(ticket.category, ticket.provider, ticket.created_at, last,
                                             [r.text for r in mine], words,
                                             Candidate(t.category, t.provider, t.urgent, t.created_at,
                                                       tuple(r.text for r in reports[t.id])))]


def close(session: Session, *, ticket: Ticket, now: datetime, actor: str, satisfaction: str | None) -> None:
    transition(session, ticket, "close", actor=actor, now=now, detail=satisfaction or "")
    ticket.satisfaction = satisfaction


def reopen(session: Session, *, settings: Settings, ticket: Ticket, grid: Grid, members: Sequence[Member],
           now: datetime, actor: str, text: str) -> list[Outgoing]:
    """Resident unsatisfied: reopen, and the comprehensive worker leads (首次处理不满意，总网格长领办)."""
    transition(session, ticket, "reopen", actor=actor, now=now, detail=short(mask(text)), settings=settings)
    comprehensive = [m for m in members if m.role == "comprehensive"]
    _assign(session, ticket, comprehensive, now)
    out = [Outgoing(text=texts.reopened(ticket.id), room=grid.room)]
    note = texts.reopened_to_comprehensive(ticket.id, actor, short(mask(text)))
    out += [Outgoing(text=note, to=mention(m)) for m in comprehensive]
    return out


def reassign(session: Session, *, settings: Settings, ticket: Ticket, grid: Grid, members: Sequence[Member],
             now: datetime, worker: Member, category: str, provider: str | None) -> list[Outgoing]:
    """Change the category (a correction for training) and route to the new workers."""
    first = repo.reports_of(session, ticket_id=ticket.id)
    text = first[0].text if first else ""
    detail = (f"{category_label(ticket.category, ticket.provider)} → {category_label(category, provider)}")
    transition(session, ticket, "reassign", actor=worker.name, now=now, detail=detail, settings=settings)
    repo.add_correction(session, ticket=ticket, text=text, category=category, provider=provider,
                        actor=worker.name, ts=now)
    repo.end_assignments(session, ticket_id=ticket.id)
    ticket.category = category
    ticket.provider = provider
    ticket.color = color_for(category, ticket.urgent)
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


def add_household_report(session: Session, *, ticket: Ticket, msg: Incoming, text: str, reported: bool) -> bool:
    """Attach a further report to an open incident; True when it is a new household's first.
    `reported`: whether this household has reported it before (the caller has read its reporters)."""
    new = not reported
    repo.add_report(session, ticket=ticket, msg=msg, text=text)
    repo.count_report(session, ticket=ticket, households=ticket.report_count + (1 if new else 0), ts=msg.ts)
    repo.log_event(session, ticket=ticket, ts=msg.ts, actor=msg.sender, action="merged",
                   detail=f"{ticket.report_count}户")
    return new
