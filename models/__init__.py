"""Database tables (SQLModel). SQLite by default, PostgreSQL through the same code.

Times are stored as UTC and come back timezone-aware (`UTCDateTime`), whatever the backend.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC (SQLite drops zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def _empty_list() -> list:
    # A Python function, not the builtin `list`: pydantic inspects a factory's signature on every
    # construction, and for builtins that means parsing a text signature (0.4 ms per Ticket).
    return []


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


# Ticket life cycle (CONTRACT: reported -> accepted -> resolved -> closed).
AWAITING_PROVIDER = "awaiting_provider"  # asked the resident which carrier
REPORTED = "reported"  # routed, waiting for a worker to accept
ACCEPTED = "accepted"
RESOLVED = "resolved"  # worker says fixed, waiting for the resident's confirmation
REOPENED = "reopened"  # resident unsatisfied; the comprehensive worker owns it
CLOSED = "closed"
OPEN_STATUSES: tuple[str, ...] = (AWAITING_PROVIDER, REPORTED, ACCEPTED, RESOLVED, REOPENED)
# The statuses of the sweep's deadlines, as SQL text for partial indexes (the sweep's queries say the same).
WAITING_SQL = f"status IN ('{REPORTED}', '{REOPENED}')"  # waiting for a worker to accept
WORKING_SQL = f"status IN ('{REPORTED}', '{ACCEPTED}', '{REOPENED}')"  # to be solved


def _partial(name: str, columns: str | list[str], where: str) -> Index:
    cols = [columns] if isinstance(columns, str) else columns
    return Index(name, *cols, postgresql_where=text(where), sqlite_where=text(where))


class Grid(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    room: str = Field(unique=True, index=True)


class Member(SQLModel, table=True):
    """One roster row: a person with a role in a grid."""

    __table_args__ = (UniqueConstraint("grid_id", "role", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    role: str
    name: str
    contact_id: str = Field(index=True)


class Ticket(SQLModel, table=True):
    # The sweep asks "which tickets in these statuses are past this deadline?": one range scan each.
    __table_args__ = tuple(Index(f"ix_ticket_status_{c}", "status", c)
                           for c in ("accept_due", "escalate_at", "solve_due", "resolved_at", "created_at")) + (
        # Partial indexes holding only the tickets still waiting for that deadline: with a million open
        # tickets "the earliest deadline" is the first entry of a small index, not a scan (bench/county.py).
        _partial("ix_ticket_accept_waiting", "accept_due", f"escalation = 0 AND {WAITING_SQL}"),
        _partial("ix_ticket_escalate_waiting", "escalate_at", f"escalation = 1 AND {WAITING_SQL}"),
        _partial("ix_ticket_solve_open", "solve_due", f"overdue = false AND {WORKING_SQL}"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    category: str = Field(index=True)
    provider: str | None = None
    urgent: bool = False
    color: str = "green"
    status: str = Field(default=REPORTED, index=True)
    reporter: str
    reporter_id: str
    location: str | None = None
    keywords: list[str] = Field(default_factory=_empty_list, sa_column=Column(JSON))
    owner_role: str | None = None  # set when escalated: the comprehensive worker leads
    report_count: int = 1
    created_at: datetime = _when(index=True)
    updated_at: datetime = _when()
    accept_due: datetime | None = _when(default=None)
    solve_due: datetime | None = _when(default=None)
    accepted_at: datetime | None = _when(default=None)
    resolved_at: datetime | None = _when(default=None)
    closed_at: datetime | None = _when(default=None)
    satisfaction: str | None = None  # "satisfied" | "unsatisfied"
    escalation: int = 0  # 0 none, 1 re-pinged, 2 escalated to the comprehensive worker
    escalate_at: datetime | None = _when(default=None)  # when the next escalation step is due
    overdue: bool = False


class Assignment(SQLModel, table=True):
    """A worker a ticket is assigned to (routing, acceptance by another worker, reassignment).

    Rows are never deleted: a reassignment ends the old rows (`active` False) and adds new ones.
    """

    __table_args__ = (Index("ix_assignment_contact_active", "contact_id", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    role: str
    name: str
    contact_id: str
    active: bool = True
    assigned_at: datetime = _when()


class Report(SQLModel, table=True):
    """One resident message attached to a ticket."""

    __table_args__ = (Index("ix_report_ticket_sender", "ticket_id", "sender_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    msg_id: str = Field(index=True)
    sender: str
    sender_id: str
    text: str = Field(sa_column=Column(Text))
    ts: datetime = _when()


class TicketEvent(SQLModel, table=True):
    """Append-only history of a ticket: who did what, when. `key` makes a one-off event unique."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    ts: datetime = _when()
    actor: str
    action: str
    detail: str = ""
    key: str | None = Field(default=None, unique=True)


class InboundMessage(SQLModel, table=True):
    """Every message the core has processed: the unique transport id makes redelivery harmless."""

    id: int | None = Field(default=None, primary_key=True)
    msg_id: str = Field(unique=True)
    room: str | None = None
    sender_id: str
    ts: datetime = _when(index=True)
    outcome: str = ""


class Review(SQLModel, table=True):
    """A message kept for the comprehensive worker: the detector abstained, or handling failed."""

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    msg_id: str
    sender: str
    text: str = Field(sa_column=Column(Text))
    guess: str
    confidence: float
    reason: str = "abstained"
    ts: datetime = _when(index=True)
    reviewed: bool = False


class Correction(SQLModel, table=True):
    """A category fixed by a worker (#改派): a labelled example for the next training run."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    text: str = Field(sa_column=Column(Text))
    category: str
    provider: str | None = None
    actor: str = ""
    created_at: datetime = _when()


class Outbox(SQLModel, table=True):
    """What the bot has to say, written in the same transaction as the change that caused it."""

    # Delivery looks up the unsent rows of a room or a person (bot/delivery.py): small partial indexes.
    __table_args__ = (_partial("ix_outbox_unsent_room", ["room", "id"], "sent_at IS NULL"),
                      _partial("ix_outbox_unsent_to", ["to_id", "id"], "sent_at IS NULL"))

    id: int | None = Field(default=None, primary_key=True)
    room: str | None = None
    to_name: str | None = None
    to_id: str | None = None
    text: str = Field(sa_column=Column(Text))
    mentions: list[list[str]] = Field(default_factory=_empty_list, sa_column=Column(JSON))  # [[name, id]]
    created_at: datetime = _when(index=True)
    sent_at: datetime | None = _when(default=None, index=True)
    claimed_by: str | None = None  # the account delivering it (bot.delivery), until claimed_until
    claimed_until: datetime | None = _when(default=None)


class RosterVersion(SQLModel, table=True):
    """One row: a number every roster change raises (an import, a removal, contact ids found), in the
    same transaction. A process sees another's change by reading this row, not the whole roster."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0


class JobRun(SQLModel, table=True):
    """A scheduled run that must happen once: (job, key) is claimed in the database."""

    __table_args__ = (UniqueConstraint("job", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str
    key: str
    ran_at: datetime = _when()


class Account(SQLModel, table=True):
    """A bot account (one WeChat login, one bot process) and when it was last alive."""

    id: str = Field(primary_key=True)  # the account's own WeChat contact id
    name: str = ""
    started_at: datetime = _when()
    heartbeat_at: datetime = _when(index=True)


class AccountRoom(SQLModel, table=True):
    """A room an account is in (from WeChat, at start-up and when it changes)."""

    account_id: str = Field(primary_key=True, foreign_key="account.id")
    room: str = Field(primary_key=True, index=True)
    seen_at: datetime = _when()


class AccountContact(SQLModel, table=True):
    """A person an account can message privately (one of its WeChat contacts)."""

    account_id: str = Field(primary_key=True, foreign_key="account.id")
    contact_id: str = Field(primary_key=True, index=True)
