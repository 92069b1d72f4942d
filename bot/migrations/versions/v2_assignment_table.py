"""v2: a ticket's workers move from two JSON lists on the ticket to rows of a new `assignment` table.

For each ticket, one row per (name, contact_id) pair of its old `assignees` / `assignee_ids` lists,
in list order (the app lists a ticket's workers by assignment id): role from the roster member with
that contact id in the ticket's grid (else 'comprehensive'), active, assigned at the ticket's
creation. Then the two JSON columns are dropped (SQLite: by copying the table, batch mode).

Revision ID: v2
Revises: v1
"""
from __future__ import annotations

from itertools import zip_longest

import sqlalchemy as sa
from alembic import op

revision = "v2"
down_revision = "v1"
branch_labels = None
depends_on = None

_BATCH = 1000

_ticket = sa.table(
    "ticket",
    sa.column("id", sa.Integer()),
    sa.column("grid_id", sa.Integer()),
    sa.column("category", sa.String()),
    sa.column("provider", sa.String()),
    sa.column("urgent", sa.Boolean()),
    sa.column("created_at", sa.DateTime()),
    sa.column("assignees", sa.JSON()),
    sa.column("assignee_ids", sa.JSON()),
)
_member = sa.table(
    "member",
    sa.column("id", sa.Integer()),
    sa.column("grid_id", sa.Integer()),
    sa.column("role", sa.String()),
    sa.column("contact_id", sa.String()),
)
_assignment = sa.table(
    "assignment",
    sa.column("id", sa.Integer()),
    sa.column("ticket_id", sa.Integer()),
    sa.column("role", sa.String()),
    sa.column("name", sa.String()),
    sa.column("contact_id", sa.String()),
    sa.column("active", sa.Boolean()),
    sa.column("assigned_at", sa.DateTime()),
)

# bot.routing as it was at v1, frozen here: the roles a ticket was routed to. When a worker holds
# several roles in the grid, the assignment takes the one the ticket was routed to.
_V1_ROLES: dict[str, tuple[str, ...]] = {
    "water": ("water",),
    "power": ("power",),
    "dispute": ("comprehensive", "mediator"),
    "fire": ("fire",),
    "bank": ("bank",),
    "other": ("comprehensive",),
}


def _v1_roles_for(category: str, provider: str | None, urgent: bool) -> tuple[str, ...]:
    if category == "telecom":
        roles: tuple[str, ...] = (provider,) if provider else ("comprehensive",)
    else:
        roles = _V1_ROLES.get(category, ("comprehensive",))
    if urgent:
        if category == "dispute":
            roles = roles + ("police",)
        if "comprehensive" not in roles:
            roles = roles + ("comprehensive",)
    return roles


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return ["" if v is None else str(v) for v in value]


def assignment_rows(ticket, roles_by_contact: dict[tuple[int, str], list[str]]) -> list[dict]:
    """The assignment rows of one v1 ticket (a row with id, grid_id, category, provider, urgent,
    created_at, assignees, assignee_ids); roles_by_contact: (grid id, contact id) -> roles, roster order."""
    routed = _v1_roles_for(ticket.category, ticket.provider, bool(ticket.urgent)) + ("comprehensive",)
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    # The lists were kept parallel; should one be shorter, a missing name is the contact id and a
    # missing contact id is empty (the name is still shown, it just matches nobody).
    for name, contact in zip_longest(_as_list(ticket.assignees), _as_list(ticket.assignee_ids)):
        contact = contact if contact is not None else ""
        name = name if name is not None else contact
        if (name, contact) in seen:
            continue
        seen.add((name, contact))
        held = roles_by_contact.get((ticket.grid_id, contact), [])
        role = next((r for r in routed if r in held), held[0] if held else "comprehensive")
        rows.append({"ticket_id": ticket.id, "role": role, "name": name, "contact_id": contact,
                     "active": True, "assigned_at": ticket.created_at})
    return rows


def _move_assignees(conn) -> None:
    roles_by_contact: dict[tuple[int, str], list[str]] = {}
    for m in conn.execute(sa.select(_member.c.grid_id, _member.c.contact_id, _member.c.role).order_by(_member.c.id)):
        roles_by_contact.setdefault((m.grid_id, m.contact_id), []).append(m.role)
    last = None
    while True:
        query = sa.select(_ticket).order_by(_ticket.c.id).limit(_BATCH)
        if last is not None:
            query = query.where(_ticket.c.id > last)
        tickets = conn.execute(query).all()
        if not tickets:
            return
        rows = [row for ticket in tickets for row in assignment_rows(ticket, roles_by_contact)]
        if rows:
            conn.execute(_assignment.insert(), rows)
        last = tickets[-1].id


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("contact_id", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
    )
    op.create_index("ix_assignment_contact_active", "assignment", ["contact_id", "active"], unique=False)
    op.create_index("ix_assignment_ticket_id", "assignment", ["ticket_id"], unique=False)
    _move_assignees(op.get_bind())
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("assignees")
        batch.drop_column("assignee_ids")


def downgrade() -> None:
    """Back to the JSON lists: a ticket's active assignments, in the order they were made."""
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("assignees", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("assignee_ids", sa.JSON(), nullable=True))
    conn = op.get_bind()
    lists: dict[int, tuple[list[str], list[str]]] = {}
    active = (sa.select(_assignment.c.ticket_id, _assignment.c.name, _assignment.c.contact_id)
              .where(_assignment.c.active == sa.true()).order_by(_assignment.c.id))
    for a in conn.execute(active):
        names, ids = lists.setdefault(a.ticket_id, ([], []))
        if a.contact_id not in ids:
            names.append(a.name)
            ids.append(a.contact_id)
    conn.execute(sa.update(_ticket).values(assignees=[], assignee_ids=[]))
    if lists:
        conn.execute(
            sa.update(_ticket).where(_ticket.c.id == sa.bindparam("tid"))
            .values(assignees=sa.bindparam("names"), assignee_ids=sa.bindparam("ids")),
            [{"tid": tid, "names": names, "ids": ids} for tid, (names, ids) in lists.items()],
        )
    op.drop_table("assignment")
