"""Rooms no live bot account is in: told once, privately, to the grid's comprehensive worker.

Run by the sweep in every process; the warning for one outage of one room is claimed by a unique
JobRun key (the room and the last heartbeat heard there), so it goes out once whichever process
notices first. It goes as a private message, so an account that knows the worker delivers it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot import texts
from bot.delivery import rooms_last_attended
from bot.messages import Mention, Outgoing
from bot.settings import Settings
from models import Grid, JobRun, Member


def unattended(session: Session, now: datetime, after: timedelta) -> dict[str, datetime]:
    """Roster rooms an account has been in but no account has attended since `now - after`:
    room -> the last heartbeat heard there."""
    seen = {room: at for room, at in rooms_last_attended(session.connection()).items() if at < now - after}
    if not seen:  # the usual case: no roster to read (a county's is 14,000 rooms) on every sweep
        return {}
    rooms = set(session.exec(select(Grid.room).where(col(Grid.room).in_(list(seen)))))
    return {room: at for room, at in seen.items() if room in rooms}


def warnings(session: Session, settings: Settings, now: datetime) -> list[Outgoing]:
    """A private warning to each comprehensive worker of a room that has just become unattended."""
    out: list[Outgoing] = []
    for room, since in sorted(unattended(session, now, timedelta(minutes=settings.unattended_minutes)).items()):
        key = f"{room}:{since.isoformat()}"
        try:
            with session.begin_nested():
                session.add(JobRun(job="unattended", key=key, ran_at=now))
        except IntegrityError:
            continue  # already told (by this or another process)
        grid = session.exec(select(Grid).where(Grid.room == room)).one()
        people = session.exec(select(Member).where(Member.grid_id == grid.id, Member.role == "comprehensive")
                              .order_by(Member.id))
        local = since.astimezone(settings.tz).strftime("%m月%d日 %H:%M")
        out += [Outgoing(text=texts.room_unattended(room, local), to=Mention(m.name, m.contact_id))
                for m in people if m.contact_id]
    return out
