"""The roster CSV (CONTRACT.md): grid,room,role,name,contact_id — parsed, checked, imported, listed,
exported and removed.

A file saved by Excel imports as it is: UTF-8 with or without BOM, or GBK/GB18030, lines ending in
\\r\\n. `contact_id` may be empty (it is found later on WeChat by the name shown in the room). Every
message a deployer reads is in Chinese; a parsing problem starts with a short English tag
(`line 4: unknown role 'x'`) followed by the Chinese explanation.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Sequence

from sqlalchemy import func, text
from sqlmodel import Session, delete, select

from bot import repo
from bot.labels import ROLES
from models import Grid, Member, Review, Ticket

HEADER = ["grid", "room", "role", "name", "contact_id"]

ROLE_NAMES: dict[str, str] = {
    "comprehensive": "综合网格员", "water": "供水", "power": "供电", "mobile": "移动", "telecom": "电信",
    "unicom": "联通", "broadcast": "广电", "fire": "消防", "bank": "银行", "mediator": "调解员",
    "police": "民警",
}
# Roles a grid may go without and no warning is given (requests still reach the comprehensive worker).
OPTIONAL_ROLES: frozenset[str] = frozenset({"mediator", "police"})
UNMATCHED = "（待从微信匹配）"  # shown in `roster list` for an empty contact_id

_ENCODINGS = ("utf-8-sig", "gb18030")


class RosterError(ValueError):
    """The roster has problems; `problems` lists them (with line numbers for rows). Nothing was imported."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}：{len(problems)} 处问题，没有导入任何内容：" + "；".join(problems[:5]))


@dataclass(frozen=True)
class RosterRow:
    line: int
    grid: str
    room: str
    role: str
    name: str
    contact_id: str  # '' when left empty in the file: matched later on WeChat by name


class RosterImport(dict):
    """What `import_roster` did. Still the old `{"grids": n, "members": m}` dict (compares equal to it),
    with the Chinese `warnings` (one line per grid that lacks roles) as an attribute."""

    def __init__(self, grids: int, members: int, warnings: Iterable[str] = ()) -> None:
        super().__init__(grids=grids, members=members)
        self.warnings: list[str] = list(warnings)

    @property
    def grids(self) -> int:
        return self["grids"]

    @property
    def members(self) -> int:
        return self["members"]

    def __repr__(self) -> str:
        return f"RosterImport(grids={self.grids}, members={self.members}, warnings={self.warnings!r})"


def role_name(role: str) -> str:
    """The Chinese name of a role (the key itself for an unknown one)."""
    return ROLE_NAMES.get(role, role)


def parse_roster(text: str, source: str = "roster") -> list[RosterRow]:
    """Parse and check every row; raise RosterError listing all problems."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    problems: list[str] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RosterError(source, [f"line 1: 表头读不出来（{exc}）"]) from None
    header = [h.strip().lstrip("\ufeff") for h in header] if header is not None else None
    while header and len(header) > len(HEADER) and not header[-1]:
        header.pop()
    if header != HEADER:
        raise RosterError(source, [f"line 1: header must be {','.join(HEADER)}"
                                   f"（第 1 行必须是表头：{','.join(HEADER)}）"])
    rows: list[RosterRow] = []
    grid_room: dict[str, str] = {}
    room_grid: dict[str, str] = {}
    seen: dict[tuple[str, str, str], int] = {}
    unmatched: dict[tuple[str, str], int] = {}  # (grid, role) -> line of the row with an empty contact_id
    allowed = "、".join(ROLES)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {reader.line_num}: 第 {reader.line_num} 行格式不对（{exc}）")
            break
        line_no = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        while len(cells) > len(HEADER) and not cells[-1].strip():
            cells = cells[:-1]  # Excel writes empty cells of columns once used to the right
        if len(cells) != len(HEADER):
            problems.append(f"line {line_no}: expected {len(HEADER)} columns, got {len(cells)}"
                            f"（第 {line_no} 行应有 {len(HEADER)} 列，实际 {len(cells)} 列）")
            continue
        grid, room, role, name, contact = (c.strip() for c in cells)
        empty = [h for h, v in zip(HEADER[:4], (grid, room, role, name)) if not v]
        if empty:
            problems.append(f"line {line_no}: empty {', '.join(empty)}"
                            f"（第 {line_no} 行：{'、'.join(empty)} 不能为空）")
            continue
        if role not in ROLES:
            problems.append(f"line {line_no}: unknown role {role!r}"
                            f"（第 {line_no} 行：角色 {role} 不认识，只能填 {allowed} 之一）")
            continue
        if grid_room.setdefault(grid, room) != room:
            problems.append(f"line {line_no}: grid {grid!r} already has room {grid_room[grid]!r}"
                            f"（第 {line_no} 行：网格 {grid} 前面已经写的是群 {grid_room[grid]}，一个网格只能有一个群）")
            continue
        if room_grid.setdefault(room, grid) != grid:
            problems.append(f"line {line_no}: room {room!r} already belongs to grid {room_grid[room]!r}"
                            f"（第 {line_no} 行：群 {room} 前面已经属于网格 {room_grid[room]}，一个群只能属于一个网格）")
            continue
        key = (grid, role, contact or "\0" + name)
        if key in seen:
            problems.append(f"line {line_no}: duplicate of an earlier row ({grid}, {role}, {contact or name})"
                            f"（第 {line_no} 行和第 {seen[key]} 行重复：同一网格、同一角色、同一个人）")
            continue
        if not contact and (grid, role) in unmatched:
            problems.append(f"line {line_no}: second empty contact_id for ({grid}, {role})"
                            f"（第 {line_no} 行：网格 {grid} 的{role_name(role)}在第 {unmatched[grid, role]} 行"
                            f"已有一位没填 contact_id 的人；同一网格同一角色最多一人不填，请给其中一人填上微信号）")
            continue
        seen[key] = line_no
        if not contact:
            unmatched[(grid, role)] = line_no
        rows.append(RosterRow(line_no, grid, room, role, name, contact))
    if problems:
        raise RosterError(source, problems)
    if not rows:
        raise RosterError(source, ["no rows after the header（表头下面没有任何一行）"])
    return rows


def decode_roster(data: bytes, source: str = "roster") -> str:
    """The text of a roster file: UTF-8 (with or without BOM), else GBK/GB18030; RosterError otherwise."""
    for encoding in _ENCODINGS:
        try:
            decoded = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in decoded:
            return decoded
        break  # NUL characters: UTF-16 ("Unicode 文本") or not a text file at all
    raise RosterError(source, ["文件编码认不出来：既不是 UTF-8，也不是 GBK/GB18030；"
                               "请在 Excel 里“另存为 → CSV UTF-8（逗号分隔）”后再导入"])


def read_roster(path: Path) -> list[RosterRow]:
    """Read and parse a roster file saved by Excel or any editor; every failure is a RosterError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(str(path), [f"读不了这个文件（cannot read: {exc.strerror or exc}）"]) from None
    return parse_roster(decode_roster(data, str(path)), str(path))


def grids_without_comprehensive(rows: Sequence[RosterRow]) -> list[str]:
    """The grids (in file order) that no `comprehensive` row names."""
    grids = dict.fromkeys(r.grid for r in rows)
    covered = {r.grid for r in rows if r.role == "comprehensive"}
    return [g for g in grids if g not in covered]


def check_comprehensive(rows: Sequence[RosterRow], source: str = "roster") -> None:
    """Raise RosterError naming every grid without a comprehensive worker (the whole file is refused)."""
    lacking = grids_without_comprehensive(rows)
    if lacking:
        names = "、".join(lacking)
        raise RosterError(source, [f"网格 {names} 没有综合网格员（comprehensive）：每个网格都要有一行 "
                                   f"comprehensive，整个文件都没有导入"])


def missing_roles(rows: Sequence[RosterRow]) -> dict[str, list[str]]:
    """Grid -> the roles of ROLES nobody holds there (mediator and police are optional; listed in
    ROLES order). Grids that lack nothing are left out."""
    held: dict[str, set[str]] = {}
    for r in rows:
        held.setdefault(r.grid, set()).add(r.role)
    result: dict[str, list[str]] = {}
    for grid, roles in held.items():
        lacking = [role for role in ROLES if role not in roles and role not in OPTIONAL_ROLES]
        if lacking:
            result[grid] = lacking
    return result


def missing_role_warnings(rows: Sequence[RosterRow]) -> list[str]:
    """One Chinese line per grid that lacks roles, e.g. 网格 X 没有：供水、消防（这类诉求转给综合网格员）."""
    lines = []
    for grid, roles in missing_roles(rows).items():
        names = "、".join(role_name(r) for r in roles)
        if "comprehensive" in roles:
            lines.append(f"网格 {grid} 没有：{names}（没有综合网格员，这个网格的诉求没人接，请补上）")
        else:
            lines.append(f"网格 {grid} 没有：{names}（这类诉求转给综合网格员）")
    return lines


# Any constant: the PostgreSQL advisory lock that serialises roster imports across processes.
_ROSTER_LOCK = 0x6772_6964  # "grid"


def import_roster(session: Session, rows: Sequence[RosterRow], *,
                  require_comprehensive: bool = False, source: str = "roster") -> RosterImport:
    """Make the database match the rows for every grid they name; other grids stay. Caller commits.

    Returns a RosterImport: `== {"grids": n, "members": m}`, plus `.warnings` (grids lacking roles).
    With `require_comprehensive` (what `gridbot roster import` should use, CONTRACT.md) a grid with no
    comprehensive row raises RosterError before anything is written.

    Two bot processes starting together both import: on PostgreSQL a transaction-scoped advisory
    lock makes the second wait for the first (SQLite's BEGIN IMMEDIATE already serialises them).
    """
    if require_comprehensive:
        check_comprehensive(rows, source)
    warnings = missing_role_warnings(rows)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROSTER_LOCK})
    grids: dict[str, Grid] = {}
    before: list[tuple] = []  # the members replaced, as they were: an unchanged import changes no version
    changed = False
    for row in rows:
        if row.grid in grids:
            continue
        grid = session.exec(select(Grid).where(Grid.name == row.grid)).first()
        other = session.exec(select(Grid).where(Grid.room == row.room)).first()
        if other is not None and other.name != row.grid:
            other.room = f"{other.room} (replaced)"  # the room moved to another grid
            session.add(other)
            session.flush()
            changed = True
        if grid is None:
            grid = Grid(name=row.grid, room=row.room)
            changed = True
        changed = changed or grid.room != row.room
        grid.room = row.room
        session.add(grid)
        session.flush()
        before += session.exec(select(Member.grid_id, Member.role, Member.name, Member.contact_id)
                               .where(Member.grid_id == grid.id).order_by(Member.id)).all()
        session.exec(delete(Member).where(Member.grid_id == grid.id))
        grids[row.grid] = grid
    after = []
    for row in rows:
        session.add(Member(grid_id=grids[row.grid].id, role=row.role, name=row.name, contact_id=row.contact_id))
        after.append((grids[row.grid].id, row.role, row.name, row.contact_id))
    session.flush()
    order = {grid.id: i for i, grid in enumerate(grids.values())}
    after.sort(key=lambda m: order[m[0]])  # grid by grid as `before`, each in file order (= id order)
    if changed or [tuple(m) for m in before] != after:
        repo.raise_roster_version(session)  # the running processes reload it (App._refresh_if_roster_changed)
    return RosterImport(len(grids), len(rows), warnings)


def import_roster_file(session: Session, path: Path) -> RosterImport:
    """`gridbot roster import FILE`: read, refuse grids without a comprehensive worker, import."""
    rows = read_roster(path)
    return import_roster(session, rows, require_comprehensive=True, source=str(path))


# -- admin: list, export, remove --------------------------------------------------------------

def _grid_named(session: Session, name: str) -> Grid:
    grid = session.exec(select(Grid).where(Grid.name == name)).first()
    if grid is None:
        known = "、".join(session.exec(select(Grid.name).order_by(Grid.id))) or "（花名册是空的）"
        raise RosterError("花名册", [f"没有名为 {name} 的网格；现有网格：{known}"])
    return grid


def _members(session: Session, grid: Grid) -> list[Member]:
    order = {role: i for i, role in enumerate(ROLES)}
    members = list(session.exec(select(Member).where(Member.grid_id == grid.id).order_by(Member.id)))
    return sorted(members, key=lambda m: order.get(m.role, len(order)))  # stable: file order within a role


def _grids(session: Session, grid: str | None) -> list[Grid]:
    if grid is not None:
        return [_grid_named(session, grid)]
    return list(session.exec(select(Grid).order_by(Grid.id)))


def list_roster(session: Session, grid: str | None = None) -> list[str]:
    """`gridbot roster list [--grid GRID]`: one Chinese line per member (grid, room, role, name, contact
    id or （待从微信匹配）), and one line for a grid that has no members. [] when nothing is imported;
    RosterError for an unknown grid."""
    lines: list[str] = []
    for g in _grids(session, grid):
        members = _members(session, g)
        if not members:
            lines.append(f"{g.name}  群：{g.room}  （没有成员）")
        for m in members:
            lines.append(f"{g.name}  群：{g.room}  {role_name(m.role)}  {m.name}  {m.contact_id or UNMATCHED}")
    return lines


def export_roster(session: Session, out: IO[str], grid: str | None = None, *, bom: bool = True) -> int:
    """`gridbot roster export`: write the roster as the CONTRACT CSV (UTF-8 BOM first so Excel reads it
    right; `out` should be a UTF-8 text stream). Returns the number of rows written."""
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for g in _grids(session, grid):
        for m in _members(session, g):
            writer.writerow([g.name, g.room, m.role, m.name, m.contact_id])
            count += 1
    return count


def remove_grid(session: Session, grid: str, *, force: bool = False) -> int:
    """`gridbot roster remove GRID`: delete the grid's members and the grid itself. Caller commits.

    A grid with tickets (or messages kept for review) stays for the records: RosterError saying so,
    unless `force`, which removes the members only (the grid and its room stay). Returns the number of
    members removed; RosterError for an unknown grid.
    """
    g = _grid_named(session, grid)
    tickets = session.exec(select(func.count()).select_from(Ticket).where(Ticket.grid_id == g.id)).one()
    reviews = session.exec(select(func.count()).select_from(Review).where(Review.grid_id == g.id)).one()
    if (tickets or reviews) and not force:
        records = f"{tickets} 张工单" + (f"、{reviews} 条待查看消息" if reviews else "")
        raise RosterError("花名册", [f"网格 {grid} 有 {records}，要留作记录，不能删除；"
                                     f"只想清空它的成员，请加 --force"])
    removed = session.exec(select(func.count()).select_from(Member).where(Member.grid_id == g.id)).one()
    session.exec(delete(Member).where(Member.grid_id == g.id))
    if not (tickets or reviews):
        session.delete(g)
    session.flush()
    repo.raise_roster_version(session)
    return removed
