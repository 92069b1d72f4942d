"""The core: one App per process. Messages in, messages out; the database is the truth."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot import repo
from bot.classifier.base import Classifier
from bot.db import make_engine, unit_of_work
from bot.handlers import default_handlers
from bot.messages import Incoming, Mention, Outgoing
from bot.pipeline import Context, Handler
from bot.privacy import preview
from bot.roster import RosterRow, import_roster, read_roster
from bot.settings import Settings
from models import Grid, JobRun, Member, Outbox

log = logging.getLogger("gridbot")


class App:
    """Composes settings, database, classifier and the handler list."""

    def __init__(self, settings: Settings, engine: Engine, classifier: Classifier,
                 handlers: Sequence[Handler] | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.classifier = classifier
        self.handlers = list(handlers) if handlers is not None else default_handlers()
        self._rooms: set[str] = set()
        self.refresh_rooms()

    @classmethod
    def create(cls, settings: Settings, *, classifier: Classifier | None = None,
               roster: Sequence[RosterRow] | None = None) -> "App":
        """Open the database, import the roster (the configured file unless rows are given), load the model."""
        engine = make_engine(settings.database_url)
        rows = list(roster) if roster is not None else (
            read_roster(settings.roster_path) if settings.roster_path.is_file() else [])
        if rows:
            with unit_of_work(engine) as session:
                import_roster(session, rows)
        if classifier is None:
            from bot.classifier import load_classifier

            classifier = load_classifier(settings)
        return cls(settings, engine, classifier)

    # -- rooms ---------------------------------------------------------------------------
    def refresh_rooms(self) -> None:
        with Session(self.engine) as session:
            self._rooms = set(session.exec(select(Grid.room)))

    def known_rooms(self) -> set[str]:
        return set(self._rooms)

    # -- messages ------------------------------------------------------------------------
    def handle(self, msg: Incoming) -> list[Outgoing]:
        """Process one message in one unit of work; return what to send (already in the outbox)."""
        if msg.kind != "text":
            log.info("skip %s message %s from %s in %s", msg.kind, msg.msg_id, msg.sender, msg.room)
            return []
        if not msg.text.strip():
            log.info("skip empty message %s from %s", msg.msg_id, msg.sender)
            return []
        if msg.room is not None and msg.room not in self._rooms:
            log.info("skip message %s from unknown room %r", msg.msg_id, msg.room)
            return []
        if msg.ts.tzinfo is None:
            msg = _with_zone(msg, self.settings)
        text = msg.text.strip()[: self.settings.max_text_chars]
        try:
            with unit_of_work(self.engine) as session:
                session.info["settings"] = self.settings
                if not repo.claim_message(session, msg=msg):
                    log.info("skip duplicate message %s", msg.msg_id)
                    return []
                ctx = self._context(session, msg, text)
                self._run_handlers(ctx)
                log.info("%s %s: %s -> %d out", msg.room or "private", msg.sender, preview(text), len(ctx.out))
                return self._to_outbox(session, ctx.out, msg.ts)
        except Exception:
            log.exception("message %s failed; kept for review", msg.msg_id)
            self._keep_failed(msg, text)
            return []

    def _context(self, session: Session, msg: Incoming, text: str) -> Context:
        rows = repo.memberships(session, contact=msg.contact)
        grid = repo.grid_by_room(session, room=msg.room) if msg.room is not None else None
        if grid is not None:
            rows = [m for m in rows if m.grid_id == grid.id]
            members = repo.members_of(session, grid_id=grid.id)
        else:
            members = rows
        return Context(msg=msg, text=text, session=session, settings=self.settings, classifier=self.classifier,
                       grid=grid, members=members, sender_rows=rows)

    def _run_handlers(self, ctx: Context) -> None:
        for handler in self.handlers:
            before = len(ctx.out)
            savepoint = ctx.session.begin_nested()
            try:
                done = handler.applies(ctx) and handler.handle(ctx)
                savepoint.commit()
            except Exception:
                savepoint.rollback()
                del ctx.out[before:]
                log.exception("handler %s failed on message %s", handler.name, ctx.msg.msg_id)
                repo.add_review(ctx.session, grid_id=ctx.grid.id if ctx.grid else None, msg=ctx.msg,
                                text=ctx.text, guess="error", confidence=0.0, reason=f"error in {handler.name}")
                repo.set_outcome(ctx.session, msg_id=ctx.msg.msg_id, outcome="error")
                return
            if done:
                return

    def _keep_failed(self, msg: Incoming, text: str) -> None:
        """After a failed unit of work, keep the message for review so nothing is lost."""
        try:
            with unit_of_work(self.engine) as session:
                if repo.claim_message(session, msg=msg):
                    grid = repo.grid_by_room(session, room=msg.room) if msg.room else None
                    repo.add_review(session, grid_id=grid.id if grid else None, msg=msg, text=text,
                                    guess="error", confidence=0.0, reason="error")
                    repo.set_outcome(session, msg_id=msg.msg_id, outcome="error")
        except Exception:
            log.exception("could not keep failed message %s", msg.msg_id)

    # -- scheduled work ------------------------------------------------------------------
    def tick(self, now: datetime) -> list[Outgoing]:
        """Run the sweep (deadlines, escalations, time-outs) as of `now`."""
        from bot.sweep import sweep

        with unit_of_work(self.engine) as session:
            session.info["settings"] = self.settings
            return self._to_outbox(session, sweep(session, settings=self.settings, now=now), now)

    def digests(self, now: datetime) -> list[Outgoing]:
        """Yesterday's digest to each grid's comprehensive workers; each (grid, day) is sent once."""
        from bot.digest import digest_text

        day = now.astimezone(self.settings.tz).date() - timedelta(days=1)
        out: list[Outgoing] = []
        with Session(self.engine) as session:
            grids = list(session.exec(select(Grid).order_by(Grid.id)))
        for grid in grids:
            try:
                with unit_of_work(self.engine) as session:
                    with session.begin_nested():
                        session.add(JobRun(job="digest", key=f"{grid.id}:{day.isoformat()}", ran_at=now))
                    text = digest_text(session, grid=grid, day=day, tz=self.settings.tz)
                    people = [m for m in repo.members_of(session, grid_id=grid.id) if m.role == "comprehensive"]
                    items = [Outgoing(text=text, to=Mention(m.name, m.contact_id)) for m in people]
                    out += self._to_outbox(session, items, now)
            except IntegrityError:
                log.info("digest for %s on %s already sent by another run", grid.name, day)
        return out

    # -- outbox --------------------------------------------------------------------------
    def _to_outbox(self, session: Session, out: list[Outgoing], now: datetime,
                   key: str | None = None) -> list[Outgoing]:
        stored: list[Outgoing] = []
        for item in out:
            row = Outbox(room=item.room, to_name=item.to.name if item.to else None,
                         to_id=item.to.contact_id if item.to else None, text=item.text,
                         mentions=[[m.name, m.contact_id] for m in item.mentions], created_at=now, key=key)
            session.add(row)
            session.flush()
            stored.append(Outgoing(text=item.text, room=item.room, to=item.to, mentions=item.mentions,
                                   outbox_id=row.id))
        return stored

    def unsent(self) -> list[Outgoing]:
        """Outbox messages not yet marked sent, oldest first (resend after a restart)."""
        with Session(self.engine) as session:
            rows = session.exec(select(Outbox).where(col(Outbox.sent_at).is_(None)).order_by(Outbox.id))
            return [_outgoing(row) for row in rows]

    def mark_sent(self, outbox_ids: Sequence[int], now: datetime) -> None:
        if not outbox_ids:
            return
        with unit_of_work(self.engine) as session:
            for row in session.exec(select(Outbox).where(col(Outbox.id).in_(list(outbox_ids)))):
                row.sent_at = now
                session.add(row)

    def close(self) -> None:
        self.engine.dispose()


def _outgoing(row: Outbox) -> Outgoing:
    to = Mention(row.to_name, row.to_id) if row.to_name is not None and row.to_id is not None else None
    return Outgoing(text=row.text, room=row.room, to=to, mentions=tuple(Mention(n, i) for n, i in row.mentions),
                    outbox_id=row.id)


def _with_zone(msg: Incoming, settings: Settings) -> Incoming:
    from dataclasses import replace

    return replace(msg, ts=msg.ts.replace(tzinfo=settings.tz))


__all__ = ["App", "Member"]
