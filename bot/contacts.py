"""Roster names resolved to WeChat contact ids (CONTRACT.md, "Roster CSV").

A roster row may leave `contact_id` empty. On WeChat the bot lists the members of each roster room
(contact id, WeChat nickname, and the alias the person set in that group) and `fill_room` finds each
unresolved roster name among them: by group alias first, then by nickname. Names that match nobody,
or more than one person, are left empty and reported in one Chinese line (`report_line`).

Everything here is pure apart from `fill_room`, which only adds the found ids to the session.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from sqlmodel import Session, select

from bot import repo
from models import Grid, Member

NAME_LIMIT = 10  # names shown in one line before "等 N 人"


@dataclass(frozen=True)
class RoomPerson:
    """A member of a WeChat room: contact id, WeChat nickname, and the alias set in this room."""

    contact_id: str
    name: str
    alias: str = ""


@dataclass
class Resolution:
    """What became of each roster name: found (name -> contact id), missing, or matching 2+ people."""

    found: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """The form names are compared in: NFKC (full-width letters and digits folded), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _ids_matching(key: str, people: Sequence[RoomPerson], attr: str) -> list[str]:
    """Distinct contact ids (in room order) of people whose `attr` equals `key` once normalised."""
    return list(dict.fromkeys(p.contact_id for p in people if p.contact_id and normalise(getattr(p, attr)) == key))


def resolve(names: Iterable[str], people: Sequence[RoomPerson]) -> Resolution:
    """Find each name among the room's people: group alias first, then WeChat nickname.

    Exactly one match -> found; two or more -> twice; none -> missing. A contact id matched by two
    different names is given to neither (both are `twice`). Names equal after normalisation count as
    one person. Lists keep the order of `names` (a repeated name appears once).
    """
    ordered = [n for n in dict.fromkeys(names) if normalise(n)]
    by_key: dict[str, str | None | bool] = {}  # key -> contact id, None (missing), True (twice)
    for name in ordered:
        key = normalise(name)
        if key in by_key:
            continue
        ids = _ids_matching(key, people, "alias") or _ids_matching(key, people, "name")
        by_key[key] = ids[0] if len(ids) == 1 else (True if ids else None)
    holders: dict[str, int] = {}
    for value in by_key.values():
        if isinstance(value, str):
            holders[value] = holders.get(value, 0) + 1
    res = Resolution()
    for name in ordered:
        value = by_key[normalise(name)]
        if value is None:
            res.missing.append(name)
        elif value is True or holders[value] > 1:
            res.twice.append(name)
        else:
            res.found[name] = value
    return res


def fill_room(session: Session, room: str, people: Sequence[RoomPerson]) -> Resolution:
    """Fill the empty contact ids of the roster grid whose room is `room` from the room's people.

    Found ids are stored on the Member rows (session.add; the caller commits). A found id that the
    grid already gives another row of the same role would break the roster's uniqueness: that name
    stays empty and is reported as `twice`. The Resolution covers only names that were empty; a room
    that no roster grid names gives an empty Resolution.
    """
    grid = session.exec(select(Grid).where(Grid.room == room)).first()
    if grid is None:
        return Resolution()
    members = list(session.exec(select(Member).where(Member.grid_id == grid.id).order_by(Member.id)))
    empty = [m for m in members if not m.contact_id]
    if not empty:
        return Resolution()
    res = resolve([m.name for m in empty], people)
    taken = {(m.role, m.contact_id) for m in members if m.contact_id}
    clashing = [name for name, cid in res.found.items()
                if any(m.name == name and (m.role, cid) in taken for m in empty)]
    for name in clashing:
        del res.found[name]
    if clashing:
        doubled = {*res.twice, *clashing}
        res.twice = [n for n in dict.fromkeys(m.name for m in empty) if n in doubled]
    for member in empty:
        cid = res.found.get(member.name)
        if cid:
            member.contact_id = cid
            session.add(member)
    session.flush()
    if res.found:
        repo.raise_roster_version(session)
    return res


def name_list(names: Sequence[str], limit: int = NAME_LIMIT) -> str:
    """Names joined with 、; past `limit`, the first ones and 等 N 人."""
    names = list(names)
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f" 等 {len(names)} 人"


def report_line(room: str, res: Resolution) -> str | None:
    """One Chinese log line naming the names not found or found twice in `room`; None if there are none."""
    parts = []
    if res.missing:
        parts.append(f"找不到：{name_list(res.missing)}")
    if res.twice:
        parts.append(f"重名（找到两人以上）：{name_list(res.twice)}")
    if not parts:
        return None
    return (f"花名册：群「{room}」里{'；'.join(parts)}。"
            "请在花名册里填上 contact_id，或请本人改群昵称后重启。")


def found_line(room: str, res: Resolution) -> str | None:
    """One Chinese log line saying how many roster names were found in `room`; None if none were."""
    if not res.found:
        return None
    return f"花名册：群「{room}」里按群昵称/微信名找到 {len(res.found)} 人的微信 id：{name_list(list(res.found))}。"
