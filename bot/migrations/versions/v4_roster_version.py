"""v4: the roster's version, one row raised by every roster change.

New table `rosterversion` with its one row. Each process reads it every few minutes to learn whether
another process changed the roster, instead of reading and hashing the whole roster (a county's has
150,000 rows: 0.6 s a read, every five minutes, in every process). Existing rows are not touched.

Revision ID: v4
Revises: v3
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "v4"
down_revision = "v3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "rosterversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1}])


def downgrade() -> None:
    op.drop_table("rosterversion")
