"""The ticket lifecycle: one transition table, and the one function that applies it.

Handlers, worker commands and the sweep never set `Ticket.status` themselves: they call
`transition`, which checks the move against the table, stamps the times, restarts the deadline
clock where the table says so, and writes the ticket's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import repo, texts
from models import ACCEPTED, AWAITING_PROVIDER, CLOSED, REOPENED, REPORTED, RESOLVED, Ticket

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.settings import Settings


@dataclass(frozen=True)
class Step:
    """From any of `sources` to `target` (None: the status stays, only history and times change)."""

    sources: frozenset[str]
    target: str | None
    restarts_clock: bool = False  # new accept/solve deadlines and a fresh escalation ladder


_OPEN = frozenset({AWAITING_PROVIDER, REPORTED, ACCEPTED, REOPENED})

TRANSITIONS: dict[str, Step] = {
    # the bot asked the resident which carrier; routing waits for the answer
    "await_provider": Step(frozenset({REPORTED}), AWAITING_PROVIDER),
    # assigned to the workers of its category and @-mentioned
    "route": Step(frozenset({AWAITING_PROVIDER, REPORTED}), REPORTED),
    "accept": Step(frozenset({AWAITING_PROVIDER, REPORTED, REOPENED}), ACCEPTED),
    # a worker's progress note ("在路上了", "明天上午去"): history only
    "progress": Step(_OPEN, None),
    "resolve": Step(frozenset({AWAITING_PROVIDER, REPORTED, ACCEPTED, REOPENED}), RESOLVED),
    # the resident is satisfied, or nobody answered within the confirmation wait
    "close": Step(frozenset({RESOLVED}), CLOSED),
    # the resident says it is not fixed (or the same problem is reported again after the fix)
    "reopen": Step(frozenset({RESOLVED, CLOSED}), REOPENED, restarts_clock=True),
    # the comprehensive worker changes the category: routed afresh
    "reassign": Step(_OPEN, REPORTED, restarts_clock=True),
}


class Refused(Exception):
    """An impossible transition; `reason` is a sentence for the person who asked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def allowed(ticket: Ticket, action: str) -> bool:
    return ticket.status in TRANSITIONS[action].sources


def set_deadlines(ticket: Ticket, settings: "Settings", start: datetime) -> None:
    accept_min, solve_min = settings.deadlines(ticket.color)
    ticket.accept_due = start + timedelta(minutes=accept_min)
    ticket.solve_due = start + timedelta(minutes=solve_min)


def transition(session: "Session", ticket: Ticket, action: str, *, actor: str, now: datetime,
               detail: str = "", settings: "Settings | None" = None) -> None:
    """Apply `action` to the ticket or raise Refused. The caller owns the unit of work."""
    step = TRANSITIONS[action]
    if ticket.status not in step.sources:
        raise Refused(texts.wrong_state(ticket.id, ticket.status))
    if step.target is not None:
        ticket.status = step.target
    if action == "accept":
        ticket.accepted_at = ticket.accepted_at or now
    elif action == "resolve":
        ticket.resolved_at = now
        ticket.accepted_at = ticket.accepted_at or now
    elif action == "close":
        ticket.closed_at = now
    elif action == "reopen":
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.satisfaction = "unsatisfied"
        ticket.owner_role = "comprehensive"  # 首次处理不满意，综合网格员领办
    elif action == "reassign":
        ticket.accepted_at = None
    if step.restarts_clock:
        if settings is None:
            raise ValueError(f"{action} restarts the deadlines: pass the settings")
        ticket.escalation = 0
        ticket.escalate_at = None
        ticket.overdue = False
        set_deadlines(ticket, settings, now)
    ticket.updated_at = now
    session.add(ticket)
    repo.log_event(session, ticket=ticket, ts=now, actor=actor, action=action_event(action), detail=detail)


def action_event(action: str) -> str:
    """The history name of an action (kept as the v1 event names, which the digest reads)."""
    return {"accept": "accepted", "resolve": "resolved", "close": "closed", "reopen": "reopened",
            "reassign": "reassigned", "route": "assigned", "await_provider": "carrier-asked"}.get(action, action)
