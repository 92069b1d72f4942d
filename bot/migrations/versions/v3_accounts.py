"""v3: bot accounts for county scale, and delivery claims on the outbox.

New tables `account`, `accountroom`, `accountcontact` (which account is alive, which rooms it is in,
whom it can message privately); two columns on `outbox` (`claimed_by`, `claimed_until`) so that
exactly one process delivers each row; an index on report(ticket_id, sender_id) for the reporters
of a ticket with many reports; partial indexes on the tickets still waiting for each sweep deadline.
Existing rows are kept as they are (their claims start empty).

Revision ID: v3
Revises: v2
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v3"
down_revision = "v2"
branch_labels = None
depends_on = None

_WAITING = "status IN ('reported', 'reopened')"
# Partial indexes on the tickets still waiting for each sweep deadline (models.Ticket says why).
_PARTIAL = (
    ("ix_ticket_accept_waiting", "accept_due", f"escalation = 0 AND {_WAITING}"),
    ("ix_ticket_escalate_waiting", "escalate_at", f"escalation = 1 AND {_WAITING}"),
    ("ix_ticket_solve_open", "solve_due", "overdue = false AND status IN ('reported', 'accepted', 'reopened')"),
)
# Partial indexes on the unsent outbox rows of a room or a person (bot/delivery.py claims by them).
_UNSENT = (("ix_outbox_unsent_room", ["room", "id"]), ("ix_outbox_unsent_to", ["to_id", "id"]))


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_account_heartbeat_at", "account", ["heartbeat_at"], unique=False)
    op.create_table(
        "accountroom",
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("room", sa.String(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("account_id", "room"),
    )
    op.create_index("ix_accountroom_room", "accountroom", ["room"], unique=False)
    op.create_table(
        "accountcontact",
        sa.Column("account_id", sa.String(), nullable=False),
        sa.Column("contact_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("account_id", "contact_id"),
    )
    op.create_index("ix_accountcontact_contact_id", "accountcontact", ["contact_id"], unique=False)
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
    op.create_index("ix_report_ticket_sender", "report", ["ticket_id", "sender_id"], unique=False)
    for name, column, where in _PARTIAL:
        op.create_index(name, "ticket", [column], unique=False, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))
    for name, columns in _UNSENT:
        op.create_index(name, "outbox", columns, unique=False, postgresql_where=sa.text("sent_at IS NULL"),
                        sqlite_where=sa.text("sent_at IS NULL"))


def downgrade() -> None:
    for name, _ in _UNSENT:
        op.drop_index(name, table_name="outbox")
    for name, _, _ in _PARTIAL:
        op.drop_index(name, table_name="ticket")
    op.drop_index("ix_report_ticket_sender", table_name="report")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
    op.drop_index("ix_accountcontact_contact_id", table_name="accountcontact")
    op.drop_table("accountcontact")
    op.drop_index("ix_accountroom_room", table_name="accountroom")
    op.drop_table("accountroom")
    op.drop_index("ix_account_heartbeat_at", table_name="account")
    op.drop_table("account")
