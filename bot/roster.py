"""The roster CSV (CONTRACT.md): grid,room,role,name,contact_id — parsed, checked, imported."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, delete, select

from bot.labels import ROLES
from models import Grid, Member

HEADER = ["grid", "room", "role", "name", "contact_id"]


class RosterError(ValueError):
    """The roster has bad rows; `problems` lists them with line numbers. Nothing was imported."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} bad row(s): " + "; ".join(problems[:5]))


@dataclass(frozen=True)
class RosterRow:
    line: int
    grid: str
    room: str
    role: str
    name: str
    contact_id: str


def parse_roster(text: str, source: str = "roster") -> list[RosterRow]:
    """Parse and check every row; raise RosterError listing all problems."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    problems: list[str] = []
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        raise RosterError(source, [f"line 1: header must be {','.join(HEADER)}"])
    rows: list[RosterRow] = []
    grid_room: dict[str, str] = {}
    room_grid: dict[str, str] = {}
    seen: set[tuple[str, str, str]] = set()
    for line_no, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(HEADER):
            problems.append(f"line {line_no}: expected {len(HEADER)} columns, got {len(cells)}")
            continue
        grid, room, role, name, contact = (c.strip() for c in cells)
        empty = [h for h, v in zip(HEADER, (grid, room, role, name, contact)) if not v]
        if empty:
            problems.append(f"line {line_no}: empty {', '.join(empty)}")
            continue
        if role not in ROLES:
            problems.append(f"line {line_no}: unknown role {role!r} (one of {', '.join(ROLES)})")
            continue
        if grid_room.setdefault(grid, room) != room:
            problems.append(f"line {line_no}: grid {grid!r} already has room {grid_room[grid]!r}")
            continue
        if room_grid.setdefault(room, grid) != grid:
            problems.append(f"line {line_no}: room {room!r} already belongs to grid {room_grid[room]!r}")
            continue
        if (grid, role, contact) in seen:
            problems.append(f"line {line_no}: duplicate of an earlier row ({grid}, {role}, {contact})")
            continue
        seen.add((grid, role, contact))
        rows.append(RosterRow(line_no, grid, room, role, name, contact))
    if problems:
        raise RosterError(source, problems)
    if not rows:
        raise RosterError(source, ["no rows after the header"])
    return rows


def read_roster(path: Path) -> list[RosterRow]:
    """Read and parse a roster file; OSError and UnicodeDecodeError become RosterError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(str(path), [f"cannot read: {exc}"]) from None
    return parse_roster(text, str(path))


# Any constant: the PostgreSQL advisory lock that serialises roster imports across processes.
_ROSTER_LOCK = 0x6772_6964  # "grid"


def import_roster(session: Session, rows: list[RosterRow]) -> dict[str, int]:
    """Make the database match the file for every grid it names; other grids stay. Caller commits.

    Two bot processes starting together both import: on PostgreSQL a transaction-scoped advisory
    lock makes the second wait for the first (SQLite's BEGIN IMMEDIATE already serialises them).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROSTER_LOCK})
    grids: dict[str, Grid] = {}
    for row in rows:
        if row.grid in grids:
            continue
        grid = session.exec(select(Grid).where(Grid.name == row.grid)).first()
        other = session.exec(select(Grid).where(Grid.room == row.room)).first()
        if other is not None and other.name != row.grid:
            other.room = f"{other.room} (replaced)"  # the room moved to another grid
            session.add(other)
            session.flush()
        if grid is None:
            grid = Grid(name=row.grid, room=row.room)
        grid.room = row.room
        session.add(grid)
        session.flush()
        session.exec(delete(Member).where(Member.grid_id == grid.id))
        grids[row.grid] = grid
    for row in rows:
        session.add(Member(grid_id=grids[row.grid].id, role=row.role, name=row.name, contact_id=row.contact_id))
    session.flush()
    return {"grids": len(grids), "members": len(rows)}
