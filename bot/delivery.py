"""Who delivers what: bot accounts, the rooms and contacts each can reach, and claims on the outbox.

A county runs many WeChat accounts, one bot process each, on one database. Each process records
its account with a heartbeat, the rooms the account is in and the contacts it can message privately.
A room's messages are delivered by one live account in that room (the first by id, so every process
agrees without talking to the others), a private message by one live account that has the person as
a contact. A process claims the rows it delivers with a lease, in one UPDATE (on PostgreSQL over the
rows locked FOR UPDATE SKIP LOCKED; SQLite runs one writer at a time), so no two processes claim a
row. A heartbeat renews the leases of what the process still holds; a clean stop releases them; a
crashed process's claims lapse after the lease. Rows wait in the outbox, in order, while no live
account can deliver them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from bot.db import upsert_insert
from bot.messages import Mention, Outgoing
from models import Account, AccountContact, AccountRoom, Outbox

LEASE = timedelta(minutes=5)

_o = Outbox.__table__
_a = Account.__table__
_ar = AccountRoom.__table__
_ac = AccountContact.__table__


@dataclass(frozen=True)
class AccountInfo:
    """What a transport knows about the account it speaks for."""

    id: str
    name: str
    rooms: frozenset[str]
    contacts: frozenset[str]


def register(engine: Engine, account_id: str, name: str, now: datetime) -> None:
    """Record the account as alive (started now) and release claims a previous run of it left."""
    with engine.begin() as conn:
        stmt = upsert_insert(conn.dialect.name)(_a).values(id=account_id, name=name, started_at=now, heartbeat_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["id"],
                                                set_=dict(name=name, started_at=now, heartbeat_at=now)))
        _release(conn, account_id)


def set_reach(engine: Engine, account_id: str, rooms: Iterable[str], contacts: Iterable[str],
              now: datetime) -> None:
    """Replace the rooms and contacts recorded for the account with what WeChat says now."""
    rooms, contacts = set(rooms), set(contacts)
    with engine.begin() as conn:
        have_rooms = set(conn.execute(select(_ar.c.room).where(_ar.c.account_id == account_id)).scalars())
        if have_rooms - rooms:
            conn.execute(delete(_ar).where(_ar.c.account_id == account_id, _ar.c.room.in_(have_rooms - rooms)))
        if rooms - have_rooms:
            conn.execute(insert(_ar), [dict(account_id=account_id, room=r, seen_at=now) for r in sorted(rooms - have_rooms)])
        conn.execute(update(_ar).where(_ar.c.account_id == account_id).values(seen_at=now))
        have = set(conn.execute(select(_ac.c.contact_id).where(_ac.c.account_id == account_id)).scalars())
        if have - contacts:
            conn.execute(delete(_ac).where(_ac.c.account_id == account_id, _ac.c.contact_id.in_(have - contacts)))
        if contacts - have:
            conn.execute(insert(_ac), [dict(account_id=account_id, contact_id=c) for c in sorted(contacts - have)])


def heartbeat(engine: Engine, account_id: str, now: datetime, lease: timedelta = LEASE) -> None:
    """The account is alive; the rows it holds stay claimed for another lease."""
    with engine.begin() as conn:
        conn.execute(update(_a).where(_a.c.id == account_id).values(heartbeat_at=now))
        conn.execute(update(_o).where(_o.c.claimed_by == account_id, _o.c.sent_at.is_(None))
                     .values(claimed_until=now + lease))


def release(engine: Engine, account_id: str) -> None:
    """Give back every unsent row the account holds (a clean stop): another account may take them."""
    with engine.begin() as conn:
        _release(conn, account_id)


def _release(conn: Connection, account_id: str) -> None:
    conn.execute(update(_o).where(_o.c.claimed_by == account_id, _o.c.sent_at.is_(None))
                 .values(claimed_by=None, claimed_until=None))


def _served_rooms(account_id: str, live_since: datetime):  # type: ignore[no-untyped-def]
    """The rooms this account serves: its rooms where no live account with a smaller id is."""
    ar2, a2 = _ar.alias("ar2"), _a.alias("a2")
    earlier = exists().where(ar2.c.room == _ar.c.room, ar2.c.account_id < account_id, a2.c.id == ar2.c.account_id,
                             a2.c.heartbeat_at >= live_since)
    return select(_ar.c.room).where(_ar.c.account_id == account_id, ~earlier)


def _served_contacts(account_id: str, live_since: datetime):  # type: ignore[no-untyped-def]
    """The people this account messages privately: its contacts no live account with a smaller id has."""
    ac2, a2 = _ac.alias("ac2"), _a.alias("a2")
    earlier = exists().where(ac2.c.contact_id == _ac.c.contact_id, ac2.c.account_id < account_id,
                             a2.c.id == ac2.c.account_id, a2.c.heartbeat_at >= live_since)
    return select(_ac.c.contact_id).where(_ac.c.account_id == account_id, ~earlier)


def claim(engine: Engine, account_id: str | None, now: datetime, *, live: timedelta, limit: int = 100,
          lease: timedelta = LEASE) -> list[Outgoing]:
    """Claim up to `limit` unsent rows this account should deliver, oldest first.

    `account_id` None is a transport that reaches every room and person (the console): it claims any
    unclaimed row.
    """
    free = or_(_o.c.claimed_until.is_(None), _o.c.claimed_until < now)
    where = [_o.c.sent_at.is_(None), free]
    if account_id is not None:  # driven from the account's own rooms and contacts (indexed), not the whole outbox
        live_since = now - live
        alive = exists().where(_a.c.id == account_id, _a.c.heartbeat_at >= live_since)
        where.append(alive)
        where.append(or_(_o.c.room.in_(_served_rooms(account_id, live_since)),
                         and_(_o.c.room.is_(None), _o.c.to_id.in_(_served_contacts(account_id, live_since)))))
    who = account_id or "*"
    # Never overtake: a row waits while an older unsent row of its conversation is held by someone else.
    o2 = _o.alias("older")
    same = or_(and_(_o.c.room.is_not(None), o2.c.room == _o.c.room),
               and_(_o.c.room.is_(None), o2.c.room.is_(None), o2.c.to_id == _o.c.to_id))
    where.append(~exists().where(o2.c.id < _o.c.id, o2.c.sent_at.is_(None), o2.c.claimed_until >= now,
                                 o2.c.claimed_by != who, same))
    with engine.begin() as conn:
        ids = select(_o.c.id).where(*where).order_by(_o.c.id).limit(limit)
        if conn.dialect.name == "postgresql":
            ids = ids.with_for_update(skip_locked=True, of=_o)
        stmt = (update(_o).where(_o.c.id.in_(ids.scalar_subquery()), free)
                .values(claimed_by=who, claimed_until=now + lease)
                .returning(_o.c.id, _o.c.room, _o.c.to_name, _o.c.to_id, _o.c.text, _o.c.mentions))
        rows = sorted(conn.execute(stmt).all(), key=lambda r: r.id)
    return [Outgoing(text=r.text, room=r.room,
                     to=Mention(r.to_name, r.to_id) if r.to_name is not None and r.to_id is not None else None,
                     mentions=tuple(Mention(n, i) for n, i in (r.mentions or [])), outbox_id=r.id) for r in rows]


def unclaim(engine: Engine, outbox_ids: Sequence[int]) -> None:
    """Give back rows this process claimed but will not send (it stops, or cannot reach the room)."""
    if outbox_ids:
        with engine.begin() as conn:
            conn.execute(update(_o).where(_o.c.id.in_(list(outbox_ids)), _o.c.sent_at.is_(None))
                         .values(claimed_by=None, claimed_until=None))


def accounts(engine: Engine, now: datetime, live: timedelta | None = None) -> list[tuple[str, str, datetime]]:
    """(id, name, last heartbeat) of every account registered, or with `live` of those alive now."""
    stmt = select(_a.c.id, _a.c.name, _a.c.heartbeat_at).order_by(_a.c.id)
    if live is not None:
        stmt = stmt.where(_a.c.heartbeat_at >= now - live)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def rooms_last_attended(conn: Connection) -> dict[str, datetime]:
    """For every room some account has been in: the last heartbeat of an account in it."""
    stmt = (select(_ar.c.room, func.max(_a.c.heartbeat_at)).join(_a, _a.c.id == _ar.c.account_id)
            .group_by(_ar.c.room))
    return {room: at for room, at in conn.execute(stmt)}


def room_owners(engine: Engine, account_id: str, now: datetime, live: timedelta) -> dict[str, str]:
    """For each room of this account: the live account that serves it (reads and answers its messages).
    The first live account by id, the same rule delivery uses, so a room shared by two accounts is
    served by one of them and a message seen by both makes one ticket."""
    mine = select(_ar.c.room).where(_ar.c.account_id == account_id)
    stmt = (select(_ar.c.room, func.min(_ar.c.account_id)).join(_a, _a.c.id == _ar.c.account_id)
            .where(_ar.c.room.in_(mine), _a.c.heartbeat_at >= now - live).group_by(_ar.c.room))
    with engine.connect() as conn:
        return {room: owner for room, owner in conn.execute(stmt)}
