"""WeChat through a Wechaty puppet-service gateway: the only module that imports wechaty.

The core never sees WeChat: a room message becomes an `Incoming`, `App.handle` runs in a
single worker thread (one database transaction each, dedup by message id in the database),
and the `Outgoing` it returns go through a rate-limited, ordered queue that never drops.

python-wechaty 0.10.7 is used at the puppet level and for its Room/Contact accessors, but its
lifecycle (`Wechaty.start`) is not: that one prints and hangs on a wrong token, sleeps a fixed
60 s before reconnecting, and calls the gateway's `stop()` (which stops the puppet holding the
WeChat login) on every connect. `_Connection` opens the event stream itself, so a wrong token
or an unreachable endpoint ends the process with one line within the connect timeout, and a
watchdog (ding/dong through the gateway) notices a stream that went quiet and reconnects.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import time
from collections import OrderedDict, deque
import queue
import threading
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from bot.messages import Incoming, Mention, Outgoing
from bot.settings import Settings

log = logging.getLogger("gridbot.wechaty")

WINDOW_SECONDS = 60.0
SEND_TIMEOUT_SECONDS = 15.0
RECONNECT_MAX_SECONDS = 30.0

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


def conversation_key(out: Outgoing) -> str:
    """The rate-limit and ordering key: the room, or the private contact."""
    if out.room is not None:
        return f"room:{out.room}"
    return f"to:{out.to.contact_id if out.to else ''}"


class RateLimiter:
    """At most `per_key` sends per key and `total` overall in any sliding window."""

    def __init__(self, per_key: int, total: int, window: float = WINDOW_SECONDS) -> None:
        self.per_key, self.total, self.window = per_key, total, window
        self._all: deque[float] = deque()
        self._by_key: dict[str, deque[float]] = {}

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def wait(self, key: str, now: float) -> float:
        """Seconds until one more send to `key` is allowed (0 when allowed now)."""
        self._trim(self._all, now)
        mine = self._by_key.setdefault(key, deque())
        self._trim(mine, now)
        waits = [0.0]
        if len(self._all) >= self.total:
            waits.append(self._all[len(self._all) - self.total] + self.window - now)
        if len(mine) >= self.per_key:
            waits.append(mine[len(mine) - self.per_key] + self.window - now)
        return max(waits)

    def record(self, key: str, now: float) -> None:
        """Count one send."""
        self._all.append(now)
        self._by_key.setdefault(key, deque()).append(now)


@dataclass(order=True)
class _Item:
    seq: int
    out: Outgoing = field(compare=False)


class SendQueue:
    """Outgoing messages in order: each conversation strictly FIFO; across conversations the
    oldest one whose rate allows it goes first, so a throttled room does not hold up the others."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self._queues: "OrderedDict[str, deque[_Item]]" = OrderedDict()
        self._seq = 0

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def push(self, out: Outgoing) -> None:
        """Append one message; nothing is ever dropped."""
        self._seq += 1
        self._queues.setdefault(conversation_key(out), deque()).append(_Item(self._seq, out))

    def next_ready(self, now: float) -> tuple[Outgoing | None, float]:
        """The message to send now, or None and how long to wait (inf when empty)."""
        best: _Item | None = None
        wait = float("inf")
        for key, items in self._queues.items():
            delay = self.limiter.wait(key, now)
            if delay <= 0 and (best is None or items[0].seq < best.seq):
                best = items[0]
            elif delay > 0:
                wait = min(wait, delay)
        return (best.out, 0.0) if best else (None, wait)

    def sent(self, out: Outgoing, now: float) -> None:
        """Remove the head message of its conversation and count it against the rate."""
        key = conversation_key(out)
        items = self._queues[key]
        assert items[0].out is out, "only the head of a conversation can be sent"
        items.popleft()
        if not items:
            del self._queues[key]
        self.limiter.record(key, now)


class RecentIds:
    """A bounded memory of message ids already taken in (the database is the real dedup)."""

    def __init__(self, size: int = 2048) -> None:
        self._ids: "OrderedDict[str, None]" = OrderedDict()
        self.size = size

    def add(self, msg_id: str) -> bool:
        """True the first time an id is seen."""
        if msg_id in self._ids:
            return False
        self._ids[msg_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


class _CoreThread(Executor):
    """One daemon thread that owns the App: calls run one at a time, in submission order.
    A daemon, so a fatal gateway error can end the process while the core is still loading."""

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None]" = queue.SimpleQueue()
        threading.Thread(target=self._work, name="gridbot-core", daemon=True).start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                    future.set_exception(exc)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "Future[Any]":
        future: Future[Any] = Future()
        self._jobs.put((future, (lambda: fn(*args, **kwargs)) if kwargs else fn, args if not kwargs else ()))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._jobs.put(None)


def process_age() -> float:
    """Seconds since this process started (Linux /proc; 0 elsewhere), so the connect timeout
    counts from the start of `gridbot run`, imports and model loading included."""
    try:
        start_ticks = int(open("/proc/self/stat", encoding="ascii").read().rsplit(")", 1)[1].split()[19])
        uptime = float(open("/proc/uptime", encoding="ascii").read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


# -- the connection to the gateway ------------------------------------------------------------


def _wechaty_modules() -> dict[str, Any]:
    """Import python-wechaty behind the compatibility shims (only here)."""
    from bot.paths import VAR
    from bot.transports import wechaty_compat

    wechaty_compat.apply(cache_dir=VAR / "wechaty")
    from grpclib.client import Channel
    from grpclib.const import Status
    from grpclib.exceptions import GRPCError
    from wechaty import Wechaty, WechatyOptions
    from wechaty.user.contact import Contact
    from wechaty.user.message import Message
    from wechaty.user.room import Room
    from wechaty_grpc.wechaty import PuppetStub
    from wechaty_puppet import PuppetOptions
    from wechaty_puppet_service import PuppetService
    from wechaty_puppet_service.utils import extract_host_and_port

    class CountingPuppetService(PuppetService):  # type: ignore[misc]
        """Counts sends, and hides an empty message id so room.say does not reload a message
        the gateway never named (it would raise after a successful send and we would resend)."""

        sends = 0

        async def message_send_text(self, conversation_id: str, message: str,
                                    mention_ids: list[str] | None = None) -> str | None:
            msg_id = await super().message_send_text(conversation_id, message, mention_ids)
            self.sends += 1
            return msg_id or None

    return dict(Channel=Channel, Status=Status, GRPCError=GRPCError, Wechaty=Wechaty,
                WechatyOptions=WechatyOptions, Contact=Contact, Message=Message, Room=Room,
                PuppetStub=PuppetStub, PuppetOptions=PuppetOptions, Puppet=CountingPuppetService,
                extract_host_and_port=extract_host_and_port)


class _Connection:
    """One event stream to the gateway with its own puppet and accessor classes."""

    def __init__(self, mods: dict[str, Any], token: str, endpoint: str,
                 on_message: Callable[[str], None], on_state: Callable[[str, Any], None]) -> None:
        self.mods = mods
        self.endpoint = endpoint
        # Accessor pools are class-level and would keep objects bound to a dead puppet.
        for cls in (mods["Room"], mods["Contact"], mods["Message"]):
            getattr(cls, "_pool", {}).clear()
        self.puppet = mods["Puppet"](mods["PuppetOptions"](token=token, end_point=endpoint))
        host, port = mods["extract_host_and_port"](endpoint)
        channel = mods["Channel"](host=host, port=port)
        channel._authority = token  # the gateway reads the token from :authority
        self.puppet.channel = channel
        self.puppet._puppet_stub = mods["PuppetStub"](channel)
        self.bot = mods["Wechaty"](mods["WechatyOptions"](puppet=self.puppet))
        self.self_id: str | None = None
        self.last_event = time.monotonic()
        self._on_state = on_state
        for name in ("heartbeat", "dong", "ready", "scan", "error", "room-join", "room-leave", "room-topic"):
            self.puppet.on(name, self._alive)
        self.puppet.on("message", lambda payload: (self._alive(), on_message(payload.message_id)))
        self.puppet.on("login", self._login)
        self.puppet.on("logout", self._logout)
        self.stream: asyncio.Task[None] | None = None

    def _alive(self, *_: Any) -> None:
        self.last_event = time.monotonic()
        self._on_state("event", None)

    def _login(self, payload: Any) -> None:
        self._alive()
        self.self_id = payload.contact_id
        self._on_state("login", payload.contact_id)

    def _logout(self, payload: Any) -> None:
        self._alive()
        self.self_id = None
        self._on_state("logout", payload.contact_id)

    async def open(self) -> None:
        """Open the event stream and start the puppet; the stream task then runs until it ends."""
        await self.bot.init_puppet()  # binds this puppet to the accessor classes
        self.stream = asyncio.create_task(self.puppet._listen_for_event())
        # start() is idempotent on the gateway; stop() (python-wechaty's habit) is never called.
        start = asyncio.create_task(self.puppet.puppet_stub.start())
        done, _ = await asyncio.wait({self.stream, start}, return_when=asyncio.FIRST_COMPLETED)
        if self.stream in done:
            start.cancel()
            self.stream.result()  # raises the stream's error
            raise ConnectionError("the gateway closed the event stream at once")
        start.result()

    async def close(self) -> None:
        """Drop the stream and the channel; never stop the puppet on the gateway."""
        if self.stream is not None:
            self.stream.cancel()
            await asyncio.gather(self.stream, return_exceptions=True)
        if self.puppet.channel is not None:
            self.puppet.channel.close()

    def describe_error(self, exc: BaseException) -> tuple[bool, str]:
        """(fatal, one line) for an error talking to the gateway."""
        mods = self.mods
        if isinstance(exc, mods["GRPCError"]):
            if exc.status == mods["Status"].UNAUTHENTICATED:
                return True, (f"the Wechaty gateway at {self.endpoint} rejected the token "
                              "(check WECHATY_PUPPET_SERVICE_TOKEN on both sides)")
            return False, f"gateway error {exc.status.name}: {exc.message}"
        text = str(exc) or type(exc).__name__
        if isinstance(exc, OSError) and exc.strerror:
            text = exc.strerror
        return False, text


# -- the transport ----------------------------------------------------------------------------


class WechatyTransport:
    """Runs the app against a gateway until SIGINT/SIGTERM (0) or a fatal gateway error (1)."""

    def __init__(self, settings: Settings, app_factory: Callable[[], Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.app_factory = app_factory
        self.app: Any = None
        self.clock = clock
        self.queue = SendQueue(RateLimiter(settings.rate_per_room_per_minute, settings.rate_total_per_minute))
        self.recent = RecentIds()
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self.executor = _CoreThread()
        self.conn: _Connection | None = None
        self.room_ids: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._online = asyncio.Event()
        self._stop = asyncio.Event()
        self._fatal: str | None = None
        self._reconnect = asyncio.Event()
        self._connected_once = False
        self._app_ready = asyncio.Event()

    # ---- running in the core's thread (the App is only ever touched there)
    async def core(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def _handle(self, msg: Incoming) -> list[Outgoing] | None:
        if msg.room is not None and msg.room not in self.app.known_rooms():
            return None
        return self.app.handle(msg)

    def enqueue(self, outs: Iterable[Outgoing]) -> None:
        for out in outs:
            self.queue.push(out)
        self._wake.set()

    # ---- lifecycle
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stop.set)
        mods = _wechaty_modules()
        tasks = [asyncio.create_task(t) for t in (
            self._start_app(), self._supervise(mods), self._consume(), self._send_loop(), self._tick_loop(),
            self._watchdog())]
        stopper = asyncio.create_task(self._stop.wait())
        try:
            done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
            while not self._stop.is_set() and all(t is tasks[0] or t not in done for t in tasks):
                # Only the app start-up finished: keep running.
                done, _ = await asyncio.wait([stopper, *tasks[1:]], return_when=asyncio.FIRST_COMPLETED)
            for task in tasks + [stopper]:
                task.cancel()
            await asyncio.gather(*tasks, stopper, return_exceptions=True)
            for task in done:
                if task is not stopper and not task.cancelled() and task.exception():
                    raise task.exception()  # type: ignore[misc]
            if self.conn is not None:
                await self.conn.close()
        finally:
            if self._app_ready.is_set():
                await self.core(self.app.close)
            self.executor.shutdown()
        if self._fatal:
            print(f"gridbot: {self._fatal}", file=sys.stderr)
            return 1
        if len(self.queue):
            log.warning("wechaty: stopped with %d message(s) unsent; they stay in the outbox", len(self.queue))
        return 0

    async def _start_app(self) -> None:
        """Create the App in the core thread and queue what it had not sent before a restart."""
        self.app = await self.core(self.app_factory)
        unsent = await self.core(self.app.unsent)
        if unsent:
            log.info("wechaty: %d unsent message(s) from before the restart are queued", len(unsent))
        self.enqueue(unsent)
        self._app_ready.set()

    def _on_state(self, what: str, value: Any) -> None:
        if what == "login":
            log.info("wechaty: logged in as %s", value)
            self._online.set()
        elif what == "logout":
            log.warning("wechaty: the bot's account %s logged out on the gateway", value)
            self._online.clear()

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
        while True:
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
                    self._fatal = why if fatal else (
                        f"cannot reach the Wechaty gateway at {self.settings.wechaty_endpoint} "
                        f"(WECHATY_PUPPET_SERVICE_ENDPOINT) within {self.settings.connect_timeout_seconds} s: {why}")
                    self._stop.set()
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
            await self._serve(conn)
            if self._fatal:
                return

    async def _serve(self, conn: _Connection) -> None:
        """Wait for the login (QR scan), announce readiness, and return when the stream dies."""
        assert conn.stream is not None
        login_wait = asyncio.create_task(self._online.wait())
        done, _ = await asyncio.wait({conn.stream, login_wait}, timeout=2.0, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            log.info("wechaty: connected to %s; waiting for the WeChat login (scan the QR code `make gateway` shows)",
                     conn.endpoint)
            done, _ = await asyncio.wait({conn.stream, login_wait}, return_when=asyncio.FIRST_COMPLETED)
        if login_wait in done and not self._app_ready.is_set():
            app_wait = asyncio.create_task(self._app_ready.wait())
            await asyncio.wait({conn.stream, app_wait}, return_when=asyncio.FIRST_COMPLETED)
            app_wait.cancel()
        if login_wait in done and not conn.stream.done():
            log.info("wechaty: ready as %s via %s", conn.self_id, conn.endpoint)
            self._wake.set()
            reconnect = asyncio.create_task(self._reconnect.wait())
            await asyncio.wait({conn.stream, reconnect}, return_when=asyncio.FIRST_COMPLETED)
            reconnect.cancel()
        login_wait.cancel()
        if conn.stream.done() and not conn.stream.cancelled() and conn.stream.exception() is not None:
            fatal, why = conn.describe_error(conn.stream.exception())  # type: ignore[arg-type]
            if fatal:
                self._fatal = why
                self._stop.set()
        else:
            why = "the watchdog heard nothing" if self._reconnect.is_set() else "the gateway ended the stream"
        self._online.clear()
        log.warning("wechaty: event stream lost (%s); reconnecting", why)
        await conn.close()
        self.conn = None

    async def _watchdog(self) -> None:
        """Ping the gateway (ding -> dong through the event stream); reconnect when it stays quiet."""
        limit = float(self.settings.watchdog_seconds)
        while True:
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

    # ---- inbound
    async def _consume(self) -> None:
        """Take message ids in arrival order, one at a time, into the core."""
        while True:
            msg_id = await self.inbox.get()
            await self._app_ready.wait()
            await self._online.wait()
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
            log.debug("wechaty: message %s from %s (id %s) in %r", msg_id, incoming.sender, incoming.sender_id,
                      incoming.room)
            try:
                outs = await self.core(self._handle, incoming)
            except Exception:  # noqa: BLE001
                log.exception("wechaty: the core failed on message %s", msg_id)
                continue
            if outs is None:
                log.info("wechaty: skipped message %s: room %r is not in the roster (sender %s, id %s)",
                         msg_id, incoming.room, incoming.sender, incoming.sender_id)
                continue
            self.enqueue(outs)

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
    async def _send_loop(self) -> None:
        """Send the queue in order within the rate limits; on failure keep the message and wait."""
        await self._app_ready.wait()
        while True:
            await self._online.wait()
            out, wait = self.queue.next_ready(self.clock())
            if out is None:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=None if wait == float("inf") else wait)
                except asyncio.TimeoutError:
                    pass
                continue
            conn = self.conn
            if conn is None:
                await asyncio.sleep(0.2)
                continue
            try:
                await asyncio.wait_for(self._send(conn, out), timeout=SEND_TIMEOUT_SECONDS)
            except Exception as exc:  # noqa: BLE001 - kept in the queue, retried after a reconnect
                log.warning("wechaty: sending to %s failed (%s); kept in the queue",
                            out.room or (out.to.name if out.to else "?"), exc)
                await asyncio.sleep(1.0)
                continue
            self.queue.sent(out, self.clock())
            if out.outbox_id is not None:
                await self.core(self.app.mark_sent, [out.outbox_id], datetime.now(timezone.utc))

    async def _send(self, conn: _Connection, out: Outgoing) -> None:
        before = conn.puppet.sends
        try:
            if out.room is not None:
                room = await self._room(conn, out.room)
                ids = [m.contact_id for m in out.mentions if m.contact_id]
                await room.say(split_mentions(out.text, out.mentions) if ids else out.text, mention_ids=ids or None)
            elif out.to is not None:
                contact = conn.bot.Contact.load(out.to.contact_id)
                await contact.ready()
                await contact.say(out.text)
            else:
                log.warning("wechaty: message with neither room nor recipient dropped: %r", out.text)
        except Exception:
            if conn.puppet.sends > before:
                log.warning("wechaty: message sent, but reading it back failed; not resending", exc_info=True)
                return
            raise

    async def _room(self, conn: _Connection, topic: str) -> Any:
        room_id = self.room_ids.get(topic)
        if room_id is None:
            for candidate in await conn.puppet.room_list():
                room = conn.bot.Room.load(candidate)
                await room.ready()
                if room.payload is not None:
                    self.room_ids[room.payload.topic] = candidate
            room_id = self.room_ids.get(topic)
            if room_id is None:
                raise LookupError(f"the bot is in no room named {topic!r}")
        room = conn.bot.Room.load(room_id)
        await room.ready()
        return room

    # ---- scheduled work
    async def _tick_loop(self) -> None:
        """The sweep and the daily digest on APScheduler (bot/scheduler.py), delivered through the send queue."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from bot import scheduler

        await self._app_ready.wait()
        loop = asyncio.get_running_loop()

        def deliver(items: list) -> None:  # called in the scheduler's worker thread
            loop.call_soon_threadsafe(self.enqueue, items)

        async def sweep() -> None:
            await self.core(scheduler.run_sweep, self.app, deliver)

        async def digests() -> None:
            await self.core(scheduler.run_digests, self.app, deliver)

        await self.core(scheduler.catch_up, self.app, deliver, datetime.now(timezone.utc))
        jobs = scheduler.add_jobs(AsyncIOScheduler(timezone=self.settings.tz, event_loop=loop), self.settings,
                                  sweep, digests)
        jobs.start()
        try:
            await asyncio.Event().wait()  # runs until the transport is cancelled
        finally:
            jobs.shutdown(wait=False)


def run(settings: Settings) -> int:
    """Entry point of `gridbot run` with WeChat: returns the exit code."""
    from bot.app import App

    if not logging.getLogger().handlers:
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    transport = WechatyTransport(settings, lambda: App.create(settings))
    try:
        return asyncio.run(transport.run())
    except KeyboardInterrupt:
        return 0
