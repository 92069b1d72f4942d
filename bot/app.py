"""The core: one App per process. Messages in, messages out; the database is the truth."""

from __future__ import annotations

import hashlib
import logging
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Sequence

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select

from bot import repo
from bot.classifier.base import Classifier
from bot.conversation.incidents import Matcher
from bot.conversation.act_model import ActModel
from bot.conversation.act_learning import load_acts
from bot.conversation.learning import load_matcher
from bot.db import make_engine, unit_of_work
from bot.handlers import default_handlers
from bot.messages import Incoming, Mention, Outgoing
from bot.pipeline import Context, Handler
from bot.paths import DATA
from bot.privacy import log_safe, preview
from bot.roster import RosterRow, import_roster, read_roster
from bot.settings import Settings
from models import Grid, InboundMessage, JobRun, Member, Outbox

if TYPE_CHECKING:
    from bot.contacts import Resolution, RoomPerson

log = logging.getLogger("gridbot")


class HandlerError(Exception):
    """A handler failed; the message names it."""


RECENT_IDS = 10_000
SAMPLE_ROSTER = DATA / "roster.sample.csv"
RECENT_SPEAKERS = 40  # residents remembered per room, to tell a reply to a neighbour from a request
ROSTER_CHECK = timedelta(minutes=5)
SENT_CHUNK = 1000  # outbox ids marked sent per statement (well under any driver's parameter limit)
QUIET_BATCH = 100  # chatter ids held at most before they are written on their own


_INSERT_OUTBOX = insert(Outbox.__table__).returning(Outbox.__table__.c.id, sort_by_parameter_order=True)


class App:
    """Composes settings, database, classifier and the handler list."""

    def __init__(self, settings: Settings, engine: Engine, classifier: Classifier,
                 handlers: Sequence[Handler] | None = None, matcher: Matcher | None = None,
                 acts: ActModel | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.classifier = classifier
        self.matcher = matcher if matcher is not None else load_matcher(settings, classifier)
        self.acts = acts if acts is not None else load_acts(settings)
        self.handlers = list(handlers) if handlers is not None else default_handlers()
        self._rooms: dict[str, Grid] = {}
        self._members: dict[int, list[Member]] = {}
        self._people: dict[str, list[Member]] = {}  # contact id or name -> roster rows, in roster order
        self._recent: dict[str, None] = {}
        self._speakers: dict[str, dict[str, None]] = {}  # room -> recent residents' names, newest last
        self._notices: dict[str, datetime] = {}  # room -> when a worker last posted a notice there
        self._checked_at: datetime | None = None
        self._quiet: list[dict[str, object]] = []  # ids of messages that changed nothing, not yet stored
        # what the last message handled came to; read by the replay, which handles one message at a time
        self.last_outcome: str | None = None
        self.refresh_rooms()

    @classmethod
    def create(cls, settings: Settings, *, classifier: Classifier | None = None,
               roster: Sequence[RosterRow] | None = None) -> "App":
        """Open the database, import the roster (the configured file unless rows are given), load the model."""
        engine = make_engine(settings.database_url)
        if roster is not None:
            rows = list(roster)
        elif settings.uses_wechaty and settings.roster_path.resolve() == SAMPLE_ROSTER.resolve():
            log.warning("GRIDBOT_ROSTER 还是示例花名册 %s：微信部署不导入它；请设成自己的花名册", SAMPLE_ROSTER)
            rows = []  # the sample is for the console demo, never for a WeChat deployment's database
        else:
            rows = read_roster(settings.roster_path) if settings.roster_path.is_file() else []
        if rows:
            with unit_of_work(engine) as session:
                import_roster(session, rows, require_comprehensive=True)
        if classifier is None:
            from bot.classifier import load_classifier
            from bot.corrections import stored_corrections

            classifier = load_classifier(settings, stored_corrections(settings.database_url))
        return cls(settings, engine, classifier)

    # -- rooms ---------------------------------------------------------------------------
    def refresh_rooms(self) -> None:
        """Reload the roster cache (rooms, grids, members); done at start and after an import."""
        with Session(self.engine, expire_on_commit=False) as session:
            self._version = repo.roster_version(session)  # read first: a change made meanwhile reloads again
            grids = list(session.exec(select(Grid)))
            members = list(session.exec(select(Member).order_by(Member.id)))
            session.expunge_all()
        self._rooms = {g.room: g for g in grids}
        self._members = {g.id: [] for g in grids}
        self._people = {}
        for m in members:  # one pass: a county has 150,000 roster rows
            self._members.setdefault(m.grid_id, []).append(m)
            for key in {m.contact_id, m.name}:  # a message's sender is known by contact id, or by name
                self._people.setdefault(key, []).append(m)

    def _refresh_if_roster_changed(self, now: datetime) -> None:
        """Reload the roster cache when another process (an import, contact ids found) changed it: its
        version is one row, read at most every few minutes."""
        if self._checked_at is not None and now - self._checked_at < ROSTER_CHECK:
            return
        self._checked_at = now
        with self.engine.connect() as conn:
            version = repo.roster_version(conn)
        if version != self._version:
            self.refresh_rooms()

    def known_rooms(self) -> set[str]:
        return set(self._rooms)

    def knows_room(self, room: str) -> bool:
        """Is this a roster room? (On every message: no copy of a county's rooms.)"""
        return room in self._rooms

    def unresolved_names(self, room: str) -> list[str]:
        """Roster people of this room whose WeChat contact id is not known yet."""
        grid = self._rooms.get(room)
        return [] if grid is None else [m.name for m in self._members.get(grid.id, []) if not m.contact_id]

    def fill_contacts(self, room: str, people: Sequence["RoomPerson"]) -> "Resolution":
        """Store the contact ids found for this room's unresolved roster names (bot/contacts.py)."""
        from bot.contacts import fill_room

        with unit_of_work(self.engine) as session:
            res = fill_room(session, room, people)
        if res.found:
            self.refresh_rooms()
        return res

    # -- messages ------------------------------------------------------------------------
    def handle(self, msg: Incoming, *, _again: bool = False) -> list[Outgoing]:
        """Process one message in one unit of work; return what to send (already in the outbox)."""
        self.last_outcome = None
        msg = _storable(msg)
        if msg.kind != "text":
            log.info("skip %s message %s from %s in %s", log_safe(msg.kind), log_safe(msg.msg_id[:40]),
                     log_safe(msg.sender), log_safe(msg.room or "private"))
            return []
        if not msg.text.strip():
            log.info("skip empty message %s from %s", log_safe(msg.msg_id[:40]), log_safe(msg.sender))
            return []
        if msg.room is not None and msg.room not in self._rooms:
            log.info("skip message %s from unknown room %s", log_safe(msg.msg_id[:40]), log_safe(msg.room))
            return []
        if msg.ts.tzinfo is None:
            msg = _with_zone(msg, self.settings)
        text = msg.text.strip()[: self.settings.max_text_chars]
        if msg.msg_id in self._recent:
            log.info("skip duplicate message %s", msg.msg_id)
            return []
        try:
            with ExitStack() as stack:
                def open_session() -> Session:
                    return stack.enter_context(unit_of_work(self.engine))

                ctx = self._context(open_session, msg, text)
                self._run_handlers(ctx)
                written = len(self._quiet)
                if ctx._session is not None or ctx.out:
                    out = self._to_outbox(ctx.session, ctx.out, msg.ts)
                    # a duplicate id fails here (IntegrityError), and the held ids stay held
                    repo.record_quiet_messages(ctx.session, self._quiet[:written],
                                               then=repo.message_row(msg, ctx.outcome))
                else:  # nothing to write but its id: kept until the next write (see write_quiet)
                    out, written = [], 0
                    self._quiet.append(repo.message_row(msg, ctx.outcome))
                    if len(self._quiet) >= QUIET_BATCH:
                        self.write_quiet()
            del self._quiet[:written]
        except IntegrityError:
            if self._seen_in_db(msg.msg_id):
                self._remember(msg.msg_id)
                log.info("skip duplicate message %s", msg.msg_id)
                return []
            log.exception("message %s failed; kept for review", msg.msg_id)
            self._keep_failed(msg, text)
            return []
        except Exception as exc:
            if _connection_lost(exc) and not _again:
                log.warning("the database connection was lost; message %s is handled again", msg.msg_id)
                return self.handle(msg, _again=True)
            log.exception("message %s failed; kept for review", msg.msg_id)
            self._keep_failed(msg, text, f"error in {exc}" if isinstance(exc, HandlerError) else "error")
            return []
        self._remember(msg.msg_id)
        self.last_outcome = ctx.outcome
        if ctx.outcome == "worker:notice" and msg.room is not None:
            self._notices[msg.room] = msg.ts  # "【停水通知】明天上午…停水": "又停水啊" after it sighs at the cut ahead
        if log.isEnabledFor(logging.INFO):  # masking the line costs as much as reading chatter's words
            log.info("%s %s: %s -> %s, %d out", log_safe(msg.room or "private"), log_safe(msg.sender), preview(text),
                     ctx.outcome, len(out))
        return out

    def moves_deadlines(self) -> bool:
        """Could the last message handled have moved a ticket's deadline? A further household's report
        (merged) only counts a household; anything else the bot answered may have (a new, accepted,
        resolved or reopened ticket)."""
        return not (self.last_outcome or "").startswith("merged:")

    def write_quiet(self) -> None:
        """Store the ids of the messages that changed nothing (chatter), held since the last write.

        They are held, not written one transaction each, because chatter is most of a group's traffic
        and its own commit was most of its cost. Every write (a message that changes something, the
        sweep, a digest, closing) takes them along, so the ids not yet stored are only those of messages
        after the last change: after a crash they are read again against the same tickets, and again
        change nothing. The redelivery of one of them meanwhile is caught by the ids kept in memory."""
        if self._quiet:
            with self.engine.begin() as conn:
                repo.record_quiet_messages(conn, self._quiet)
            self._quiet.clear()

    def _remember(self, msg_id: str) -> None:
        """A fast path for redeliveries; the database's unique key is the guarantee."""
        self._recent[msg_id] = None
        if len(self._recent) > RECENT_IDS:
            self._recent.pop(next(iter(self._recent)))

    def _seen_in_db(self, msg_id: str) -> bool:
        self.write_quiet()
        with Session(self.engine) as session:
            return repo.message_seen(session, msg_id=msg_id)

    def _context(self, open_session: Callable[[], Session], msg: Incoming, text: str) -> Context:
        grid = self._rooms.get(msg.room) if msg.room is not None else None
        if grid is not None:
            members = self._members.get(grid.id, [])
            rows = [m for m in self._people.get(msg.contact, ()) if m.grid_id == grid.id]
        else:
            rows = members = list(self._people.get(msg.contact, ()))
        speakers: tuple[str, ...] = ()
        if grid is not None and not rows:
            seen = self._speakers.setdefault(grid.room, {})
            seen.pop(msg.sender, None)
            speakers = tuple(seen)  # the others, oldest first
            seen[msg.sender] = None
            if len(seen) > RECENT_SPEAKERS:
                seen.pop(next(iter(seen)))
        return Context(msg=msg, text=text, open_session=open_session, settings=self.settings, classifier=self.classifier,
                       matcher=self.matcher, acts=self.acts, grid=grid, members=members, sender_rows=rows,
                       neighbours=speakers, notice_at=self._notices.get(msg.room) if msg.room is not None else None)

    def _run_handlers(self, ctx: Context) -> None:
        """The first handler that applies and handles wins. A failing handler aborts the unit of work."""
        for handler in self.handlers:
            try:
                if handler.applies(ctx) and handler.handle(ctx):
                    return
            except Exception as exc:
                raise HandlerError(handler.name) from exc

    def _keep_failed(self, msg: Incoming, text: str, reason: str = "error") -> None:
        """After a failed unit of work, keep the message for review so nothing is lost."""
        try:
            with unit_of_work(self.engine) as session:
                if not repo.message_seen(session, msg_id=msg.msg_id):
                    grid = self._rooms.get(msg.room) if msg.room else None
                    repo.add_review(session, grid_id=grid.id if grid else None, msg=msg, text=text,
                                    guess="error", confidence=0.0, reason=reason)
                    repo.record_message(session, msg=msg, outcome="error")
            self._remember(msg.msg_id)
        except Exception:
            log.exception("could not keep failed message %s", msg.msg_id)

    # -- scheduled work ------------------------------------------------------------------
    def tick(self, now: datetime) -> list[Outgoing]:
        """Run the sweep (deadlines, escalations, time-outs) as of `now`; pick up roster changes."""
        from bot import attendance
        from bot.sweep import sweep

        self._refresh_if_roster_changed(now)  # a roster imported while the bot runs counts within minutes
        with unit_of_work(self.engine) as session:
            repo.record_quiet_messages(session, self._quiet)
            due = sweep(session, settings=self.settings, now=now, grids={g.id: g for g in self._rooms.values()},
                        members=self._members) + attendance.warnings(session, self.settings, now)
            out = self._to_outbox(session, due, now)
        self._quiet.clear()
        return out

    def next_deadline(self, after: datetime) -> datetime | None:
        """When the sweep next has something to do (for a virtual clock that jumps over quiet time)."""
        from bot.sweep import next_deadline

        with Session(self.engine) as session:
            return next_deadline(session, self.settings, after)

    def digests(self, now: datetime) -> list[Outgoing]:
        """Yesterday's digest to each grid's comprehensive workers; each (grid, day) is sent once.

        A day that ended before the bot had seen any message (a new installation) gets none;
        a quiet group on a later day still gets its digest.
        """
        from bot.digest import day_bounds, digest_text

        day = now.astimezone(self.settings.tz).date() - timedelta(days=1)
        out: list[Outgoing] = []
        self.write_quiet()
        with Session(self.engine) as session:
            grids = repo.grids(session)
        if not self._installed_before(day_bounds(day, self.settings.tz)[1]):
            return []
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

    def has_history(self) -> bool:
        """Has this database processed any message?"""
        self.write_quiet()
        with Session(self.engine) as session:
            return session.exec(select(InboundMessage.id).limit(1)).first() is not None

    def _installed_before(self, before: datetime) -> bool:
        """Had the bot seen any message before this instant?"""
        with Session(self.engine) as session:
            stmt = select(InboundMessage.id).where(InboundMessage.ts < before).limit(1)
            return session.exec(stmt).first() is not None

    # -- outbox --------------------------------------------------------------------------
    def _to_outbox(self, session: Session, out: list[Outgoing], now: datetime) -> list[Outgoing]:
        if not out:
            return []
        rows = [{"room": item.room, "to_name": item.to.name if item.to else None,
                 "to_id": item.to.contact_id if item.to else None, "text": item.text,
                 "mentions": [[m.name, m.contact_id] for m in item.mentions], "created_at": now}
                for item in out]
        ids = session.execute(_INSERT_OUTBOX, rows).scalars().all()  # a plain insert: see repo.log_event
        return [Outgoing(text=item.text, room=item.room, to=item.to, mentions=item.mentions, outbox_id=i)
                for item, i in zip(out, ids)]

    def unsent(self) -> list[Outgoing]:
        """Outbox messages not yet marked sent, oldest first (resend after a restart)."""
        with Session(self.engine) as session:
            rows = session.exec(select(Outbox).where(col(Outbox.sent_at).is_(None)).order_by(Outbox.id))
            return [_outgoing(row) for row in rows]

    def mark_sent(self, outbox_ids: Sequence[int], now: datetime) -> None:
        if not outbox_ids:
            return
        table = Outbox.__table__
        with self.engine.begin() as conn:  # one statement, not an ORM object per row
            for start in range(0, len(outbox_ids), SENT_CHUNK):
                chunk = list(outbox_ids[start:start + SENT_CHUNK])
                conn.execute(update(table).where(table.c.id.in_(chunk)).values(sent_at=now))

    def close(self) -> None:
        self.write_quiet()
        self.engine.dispose()


def _connection_lost(exc: BaseException | None) -> bool:
    """Did this error (or what caused it) come from a database connection that died?"""
    while exc is not None:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        exc = exc.__cause__
    return False


def _outgoing(row: Outbox) -> Outgoing:
    to = Mention(row.to_name, row.to_id) if row.to_name is not None and row.to_id is not None else None
    return Outgoing(text=row.text, room=row.room, to=to, mentions=tuple(Mention(n, i) for n, i in row.mentions),
                    outbox_id=row.id)


MAX_ID_CHARS = 128


def _clean_str(value: str) -> str:
    """Text every database stores: no lone surrogates (they cannot be encoded), no NUL (PostgreSQL refuses it)."""
    if value.isascii() and "\x00" not in value:
        return value
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ")


def _storable(msg: Incoming) -> Incoming:
    """The message as the database can keep it: a hostile id, name or text is made safe, never dropped."""
    msg_id = _clean_str(msg.msg_id)
    if msg_id != msg.msg_id or len(msg_id) > MAX_ID_CHARS:  # still unique: a digest of the original
        msg_id = "h:" + hashlib.sha256(msg.msg_id.encode("utf-8", "surrogatepass")).hexdigest()
    room = _clean_str(msg.room) if msg.room is not None else None
    sender, text, sender_id = _clean_str(msg.sender), _clean_str(msg.text), _clean_str(msg.sender_id)
    if (msg_id, room, sender, text, sender_id) == (msg.msg_id, msg.room, msg.sender, msg.text, msg.sender_id):
        return msg  # nearly always: no copy
    return replace(msg, msg_id=msg_id, room=room, sender=sender, text=text, sender_id=sender_id)


def _with_zone(msg: Incoming, settings: Settings) -> Incoming:
    return replace(msg, ts=msg.ts.replace(tzinfo=settings.tz))

