"""WeChat through a Wechaty puppet-service gateway (with wechaty_connection.py, the only modules that import wechaty).

The core never sees WeChat: a room message becomes an `Incoming` handed to the runtime
(bot/runtime.py: core thread, outbox delivery, scheduled jobs, rate-limited ordered sending). This
module connects, reads messages, sends, and tells the runtime which account it is, the rooms that
account is in and the contacts it can message (at login and when rooms change), after filling the
roster's empty contact ids from the rooms' members (bot/contacts.py).
A watchdog (ding/dong through the gateway) notices a stream that went quiet and reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from bot.delivery import AccountInfo
from bot.messages import Incoming, Mention, Outgoing
from bot.privacy import log_safe
from bot.sendqueue import RecentIds
from bot.settings import Settings
from bot.transports.base import Unreachable
from bot.transports.wechaty_connection import _Connection, _wechaty_modules, process_age

log = logging.getLogger("gridbot.wechaty")

RECONNECT_MAX_SECONDS = 30.0
REACH_SETTLE_SECONDS = 2.0  # room changes within this are looked at together
REACH_REFRESH_SECONDS = 600.0

# python-wechaty's message type (the gRPC enum's name, after its own mapping) -> our kind.
KINDS: dict[str, str] = {
    "MESSAGE_TYPE_TEXT": "text",
    "MESSAGE_TYPE_IMAGE": "image",
    "MESSAGE_TYPE_AUDIO": "voice",
    "MESSAGE_TYPE_ATTACHMENT": "file",
    "MESSAGE_TYPE_VIDEO": "video",
    "MESSAGE_TYPE_EMOTICON": "sticker",
    "MESSAGE_TYPE_MINI_PROGRAM": "mini-program",
    "MESSAGE_TYPE_RED_ENVELOPE": "red-packet",
    "MESSAGE_TYPE_TRANSFER": "transfer",
    "MESSAGE_TYPE_URL": "link",
    "MESSAGE_TYPE_CONTACT": "contact-card",
    "MESSAGE_TYPE_LOCATION": "location",
    "MESSAGE_TYPE_CHAT_HISTORY": "chat-history",
    "MESSAGE_TYPE_RECALLED": "recalled",
    "MESSAGE_TYPE_UNSPECIFIED": "system",
}


# -- pure decisions ---------------------------------------------------------------------------


def kind_of(message_type: Any) -> str:
    """Our kind ("text", "image", "voice", ...) for a python-wechaty message type."""
    name = getattr(message_type, "name", None)
    if name is None:
        try:
            from wechaty_grpc.wechaty.puppet import MessageType

            name = MessageType(int(message_type)).name
        except (ValueError, TypeError, ImportError):
            return "system"
    return KINDS.get(name, "system")


def skip_reason(*, talker_id: str, self_id: str | None, kind: str, text: str) -> str | None:
    """Why a message must not reach the core, or None when it should."""
    if not talker_id:
        return "system notice"
    if self_id and talker_id == self_id:
        return "own message"
    if kind != "text":
        return f"non-text message ({kind})"
    if not text.strip():
        return "empty text"
    return None


def message_time(raw: int, now: datetime) -> datetime:
    """The payload timestamp (seconds or milliseconds) as UTC, or `now` when it is missing or absurd."""
    seconds = raw / 1000 if raw > 10**11 else raw
    if seconds <= 0 or abs(seconds - now.timestamp()) > 2 * 86400:
        return now
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def split_mentions(text: str, mentions: Iterable[Mention]) -> str:
    """Drop the leading "@name" of each mentioned person; room.say puts the real @-mentions in front."""
    names = {m.name for m in mentions}
    rest = text
    while (match := re.match(r"\s*@(\S+?)[\s\u2005]+", rest)) and match.group(1) in names:
        rest = rest[match.end():]
    return rest


# -- the transport ----------------------------------------------------------------------------


class WechatyTransport:
    """WeChat for the runtime: connects, reads messages, sends, and reports its account's reach."""

    name = "wechaty"
    uses_accounts = True

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.runtime: Any = None
        self.recent = RecentIds()
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self.conn: _Connection | None = None
        self.room_ids: dict[str, str] = {}
        self.online = asyncio.Event()
        self._reconnect = asyncio.Event()
        self._reach_changed = asyncio.Event()
        self._connected_once = False

    # ---- lifecycle
    async def run(self, runtime: Any) -> None:
        self.runtime = runtime
        mods = _wechaty_modules()
        tasks = [asyncio.create_task(t) for t in (self._consume(), self._watchdog(), self._reach_loop())]
        try:
            await self._supervise(mods)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None

    def _on_state(self, what: str, value: Any) -> None:
        if what == "login":
            log.info("wechaty: logged in as %s", value)
            self.online.set()
        elif what == "logout":
            log.warning("wechaty: the bot's account %s logged out on the gateway", value)
            self.online.clear()
        elif what == "rooms":
            self._reach_changed.set()

    def _on_message(self, msg_id: str) -> None:
        if self.recent.add(msg_id):
            self.inbox.put_nowait(msg_id)
        else:
            log.info("wechaty: doubled event for message %s ignored", msg_id)

    async def _supervise(self, mods: dict[str, Any]) -> None:
        """Connect, keep the stream, reconnect with backoff; end the run on a fatal error.

        Before the first connection the whole attempt is bounded by the connect timeout, so a
        wrong endpoint fails fast; after it, a lost gateway is retried for ever (it restarts)."""
        deadline = self.clock() + self.settings.connect_timeout_seconds - process_age()
        backoff = 1.0
        while not self.runtime.stopping:
            conn = _Connection(mods, self.settings.wechaty_token, self.settings.wechaty_endpoint,
                               self._on_message, self._on_state)
            self._reconnect.clear()
            limit = deadline - self.clock() if not self._connected_once else self.settings.connect_timeout_seconds
            try:
                await asyncio.wait_for(conn.open(), timeout=max(limit, 0.1))
            except asyncio.CancelledError:
                await conn.close()
                raise
            except Exception as exc:  # noqa: BLE001 - every failure is reported the same way
                await conn.close()
                fatal, why = (False, "no answer") if isinstance(exc, asyncio.TimeoutError) else conn.describe_error(exc)
                remaining = deadline - self.clock()
                if fatal or (not self._connected_once and remaining <= 0.05):
                    self.runtime.fail(why if fatal else (
                        f"cannot reach the Wechaty gateway at {self.settings.wechaty_endpoint} "
                        f"(WECHATY_PUPPET_SERVICE_ENDPOINT) within {self.settings.connect_timeout_seconds} s: {why}"))
                    return
                pause = backoff if self._connected_once else min(backoff, remaining)
                log.warning("wechaty: gateway %s not usable (%s); retrying in %.1f s",
                            self.settings.wechaty_endpoint, why, pause)
                await asyncio.sleep(pause)
                backoff = min(backoff * 2, RECONNECT_MAX_SECONDS)
                continue
            self.conn = conn
            self._connected_once = True
            backoff = 1.0
            if await self._serve(conn):
                return

    async def _serve(self, conn: _Connection) -> bool:
        """Wait for the login (QR scan), report the account, and return when the stream dies (True: fatal)."""
        assert conn.stream is not None
        login_wait = asyncio.create_task(self.online.wait())
        done, _ = await asyncio.wait({conn.stream, login_wait}, timeout=2.0, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            log.info("wechaty: connected to %s; waiting for the WeChat login (scan the QR code `make gateway` shows)",
                     conn.endpoint)
            done, _ = await asyncio.wait({conn.stream, login_wait}, return_when=asyncio.FIRST_COMPLETED)
        if login_wait in done and not conn.stream.done():
            reach = asyncio.create_task(self._report_reach(conn))
            await asyncio.wait({conn.stream, reach}, return_when=asyncio.FIRST_COMPLETED)
            if reach.done() and reach.exception() is not None:
                log.warning("wechaty: could not list the account's rooms: %s", reach.exception())
        if login_wait in done and not conn.stream.done():
            log.info("wechaty: ready as %s via %s", conn.self_id, conn.endpoint)
            reconnect = asyncio.create_task(self._reconnect.wait())
            await asyncio.wait({conn.stream, reconnect}, return_when=asyncio.FIRST_COMPLETED)
            reconnect.cancel()
        login_wait.cancel()
        fatal = False
        if conn.stream.done() and not conn.stream.cancelled() and conn.stream.exception() is not None:
            fatal, why = conn.describe_error(conn.stream.exception())  # type: ignore[arg-type]
            if fatal:
                self.runtime.fail(why)
        else:
            why = "the watchdog heard nothing" if self._reconnect.is_set() else "the gateway ended the stream"
        self.online.clear()
        log.warning("wechaty: event stream lost (%s); reconnecting", why)
        await conn.close()
        self.conn = None
        return fatal

    async def _watchdog(self) -> None:
        """Ping the gateway (ding -> dong through the event stream); reconnect when it stays quiet."""
        limit = float(self.settings.watchdog_seconds)
        while not self.runtime.stopping:
            await asyncio.sleep(max(1.0, limit / 4))
            conn = self.conn
            if conn is None or conn.stream is None or conn.stream.done():
                continue
            quiet = time.monotonic() - conn.last_event
            if quiet >= limit:
                log.warning("wechaty: watchdog: no event for %.0f s", quiet)
                self._reconnect.set()
            elif quiet >= limit / 2:
                try:
                    await asyncio.wait_for(conn.puppet.ding("gridbot-watchdog"), timeout=limit / 4)
                except Exception as exc:  # noqa: BLE001 - a failed ping is just no dong
                    log.info("wechaty: watchdog ding failed: %s", exc)

    # ---- the account's reach: rooms, contacts, roster names
    async def _report_reach(self, conn: _Connection) -> None:
        """Tell the runtime the account, its rooms and contacts; fill the roster's empty contact ids."""
        await self.runtime.app_ready.wait()
        topics: dict[str, str] = {}
        for room_id in await conn.puppet.room_list():
            payload = await conn.puppet.room_payload(room_id)
            if payload is not None and payload.topic:
                topics[payload.topic] = room_id
        self.room_ids = topics
        contacts = {c for c in await conn.puppet.contact_list() if c and c != conn.self_id}
        roster_rooms = set(topics) & await self.runtime.core(self.runtime.app.known_rooms)
        for topic in sorted(roster_rooms):
            await self._resolve_names(conn, topic, topics[topic])
        me = await conn.puppet.contact_payload(conn.self_id) if conn.self_id else None
        await self.runtime.set_account(AccountInfo(id=conn.self_id or "", name=getattr(me, "name", "") or "",
                                                   rooms=frozenset(roster_rooms), contacts=frozenset(contacts)))

    async def _resolve_names(self, conn: _Connection, topic: str, room_id: str) -> None:
        """Roster people of this room without a contact id, found by room alias, then nickname."""
        from bot import contacts

        app = self.runtime.app
        if not await self.runtime.core(app.unresolved_names, topic):
            return
        people = []
        for member_id in await conn.puppet.room_members(room_id):
            payload = await conn.puppet.room_member_payload(room_id, member_id)
            people.append(contacts.RoomPerson(contact_id=member_id, name=payload.name or "",
                                              alias=payload.room_alias or ""))
        res = await self.runtime.core(app.fill_contacts, topic, people)
        if line := contacts.found_line(topic, res):
            log.info(log_safe(line))
        if line := contacts.report_line(topic, res):  # names not found, or found twice: the deployer mends
            log.warning(log_safe(line))

    async def _reach_loop(self) -> None:
        """Room joins, leaves and renames: look at the account's reach again (changes settle first)."""
        while not self.runtime.stopping:
            try:  # and every few minutes: new contacts, rooms whose events the puppet did not send
                await asyncio.wait_for(self._reach_changed.wait(), timeout=REACH_REFRESH_SECONDS)
            except asyncio.TimeoutError:
                pass
            await asyncio.sleep(REACH_SETTLE_SECONDS)
            self._reach_changed.clear()
            conn = self.conn
            if conn is None or not self.online.is_set():
                continue
            try:
                await self._report_reach(conn)
            except Exception as exc:  # noqa: BLE001 - the next change tries again
                log.warning("wechaty: could not list the account's rooms: %s", exc)

    # ---- inbound
    async def _consume(self) -> None:
        """Take message ids in arrival order, one at a time, into the core."""
        while not self.runtime.stopping:
            msg_id = await self.inbox.get()
            await self.runtime.app_ready.wait()
            await self.online.wait()
            conn = self.conn
            if conn is None:
                continue
            try:
                incoming, reason = await self._incoming(conn, msg_id)
            except Exception as exc:  # noqa: BLE001 - one bad payload must not stop the bot
                log.warning("wechaty: message %s could not be read: %s", msg_id, exc)
                continue
            if incoming is None:
                log.info("wechaty: skipped message %s: %s", msg_id, reason)
                continue
            log.debug("wechaty: message %s from %s (id %s) in %s", msg_id, log_safe(incoming.sender),
                      log_safe(incoming.sender_id), log_safe(incoming.room or "private"))
            await self.runtime.handle(incoming)

    async def _incoming(self, conn: _Connection, msg_id: str) -> tuple[Incoming | None, str]:
        payload = await conn.puppet.message_payload(msg_id)
        kind = kind_of(payload.type)
        reason = skip_reason(talker_id=payload.from_id or "", self_id=conn.self_id, kind=kind,
                             text=payload.text or "")
        if reason:
            return None, reason
        talker = conn.bot.Contact.load(payload.from_id)
        await talker.ready()
        topic: str | None = None
        if payload.room_id:
            room = conn.bot.Room.load(payload.room_id)
            await room.ready()
            topic = room.payload.topic if room.payload else ""
            self.room_ids[topic] = payload.room_id
        mentions = []
        for contact_id in payload.mention_ids or []:
            contact = conn.bot.Contact.load(contact_id)
            await contact.ready()
            mentions.append(contact.name)
        now = datetime.now(timezone.utc)
        return Incoming(msg_id=msg_id, room=topic, sender=talker.name, text=payload.text, ts=message_time(
            payload.timestamp, now), sender_id=payload.from_id, mentions=tuple(mentions), kind=kind), ""

    # ---- outbound
    async def send(self, out: Outgoing) -> None:
        conn = self.conn
        if conn is None:
            raise ConnectionError("not connected")
        before = conn.puppet.sends
        try:
            if out.room is not None:
                room = await self._room(conn, out.room)
                ids = [m.contact_id for m in out.mentions if m.contact_id]
                await room.say(split_mentions(out.text, out.mentions) if ids else out.text, mention_ids=ids or None)
            elif out.to is not None and out.to.contact_id:
                contact = conn.bot.Contact.load(out.to.contact_id)
                await contact.ready()
                await contact.say(out.text)
            else:
                raise Unreachable("no room and no contact id")
        except Unreachable:
            raise
        except Exception:
            if conn.puppet.sends > before:
                log.warning("wechaty: message sent, but reading it back failed; not resending", exc_info=True)
                return
            raise

    async def _room(self, conn: _Connection, topic: str) -> Any:
        room_id = self.room_ids.get(topic)
        if room_id is None:
            for candidate in await conn.puppet.room_list():
                payload = await conn.puppet.room_payload(candidate)
                if payload is not None:
                    self.room_ids[payload.topic] = candidate
            room_id = self.room_ids.get(topic)
            if room_id is None:
                self._reach_changed.set()
                raise Unreachable(f"the bot is in no room named {topic!r}")
        room = conn.bot.Room.load(room_id)
        await room.ready()
        return room


def run(settings: Settings) -> int:
    """Entry point of `gridbot run` with WeChat: returns the exit code."""
    from bot.app import App
    from bot.runtime import Runtime

    if not logging.getLogger().handlers:
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    runtime = Runtime(settings, lambda: App.create(settings), WechatyTransport(settings))
    try:
        return asyncio.run(runtime.run())
    except KeyboardInterrupt:
        return 0
