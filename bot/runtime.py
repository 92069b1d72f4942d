"""The live runtime: one per bot process, whatever the transport (bot/transports/base.py).

It owns the App in one core thread (calls run one at a time, in order: one database transaction
each), takes the transport's messages into the core, runs the scheduled jobs (bot/scheduler.py), and
delivers the outbox. Delivery claims rows from the database (bot/delivery.py): the rows of the rooms
and contacts this process's account can reach when the transport speaks for an account (WeChat, many
accounts on one database), every row otherwise. Claimed rows go through one rate-limited, ordered
queue (bot/sendqueue.py) and are marked sent once sent; a crash loses nothing (the row is still in
the outbox), a clean stop gives back what it had not sent.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import Executor, Future
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from bot import delivery
from bot.messages import Incoming, Outgoing
from bot.privacy import log_safe
from bot.sendqueue import RateLimiter, SendQueue, conversation_key
from bot.settings import Settings
from bot.transports.base import Transport, Unreachable

log = logging.getLogger("gridbot.runtime")

SEND_TIMEOUT_SECONDS = 15.0
POLL_SECONDS = 1.0  # how often the outbox is looked at for rows other processes wrote
CLAIM_BATCH = 50
SHUTDOWN_SECONDS = 10.0
HELD_MAX = 5000  # messages of shared rooms held while another account serves them


class CoreThread(Executor):
    """One daemon thread that owns the App: calls run one at a time, in submission order.
    A daemon, so a fatal transport error can end the process while the core is still loading."""

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None]" = queue.SimpleQueue()
        threading.Thread(target=self._work, name="gridbot-core", daemon=True).start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                    future.set_exception(exc)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "Future[Any]":
        future: Future[Any] = Future()
        self._jobs.put((future, lambda: fn(*args, **kwargs)))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._jobs.put(None)


class Runtime:
    """Runs an App behind a transport until SIGINT/SIGTERM (exit 0) or a fatal transport error (1)."""

    def __init__(self, settings: Settings, app_factory: Callable[[], Any], transport: Transport,
                 clock: Callable[[], float] = time.monotonic, close_app: bool = True) -> None:
        self.settings = settings
        self.close_app = close_app
        self.app_factory = app_factory
        self.transport = transport
        self.clock = clock
        self.app: Any = None
        limited = getattr(transport, "rate_limited", True)  # a local console has no account to protect
        self.queue = SendQueue(RateLimiter(settings.rate_per_room_per_minute, settings.rate_total_per_minute)
                               if limited else RateLimiter(10**9, 10**9))
        self.executor = CoreThread()
        self.account: delivery.AccountInfo | None = None
        self.app_ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._fatal: str | None = None
        self._registered: str | None = None
        self._owners: dict[str, str] = {}
        self._owners_at: float | None = None
        self._held: deque[tuple[Incoming, datetime, str]] = deque(maxlen=HELD_MAX)  # see _take_over
        self._woken = 0  # wake() calls so far
        self._idle_after = -1  # the last wake() count after which nothing was left to deliver

    # ---- the core (the App is only ever touched in its thread)
    async def core(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    @property
    def stopping(self) -> bool:
        """The run is ending: loops leave at their next turn. (On Python 3.11 `asyncio.wait_for` can
        swallow a cancellation that arrives as its inner wait completes, so a loop must not rely on
        being cancelled alone.)"""
        return self._stop.is_set()

    def fail(self, why: str) -> None:
        """End the run with exit code 1 and this one line."""
        self._fatal = why
        self._stop.set()

    def wake(self) -> None:
        """Something new may be in the outbox."""
        self._woken += 1
        self._wake.set()

    async def drain(self) -> None:
        """Return once everything this process can deliver now has been sent (the console waits so)."""
        self.wake()
        target = self._woken
        while self._idle_after < target and not self._stop.is_set():
            await asyncio.sleep(0.005)

    async def handle(self, msg: Incoming) -> None:
        """One message from the transport, through the core; what it says goes out through the outbox."""
        await self.app_ready.wait()
        try:
            outs = await self.core(self._handle, msg)
        except Exception:  # noqa: BLE001 - one bad message must not stop the bot
            log.exception("the core failed on message %s", msg.msg_id)
            return
        if outs is None:
            log.info("skipped message %s: room %s is not in the roster (sender %s, id %s)",
                     msg.msg_id, log_safe(msg.room or ""), log_safe(msg.sender), log_safe(msg.sender_id))
            return
        if outs:
            self.wake()

    def _handle(self, msg: Incoming) -> list[Outgoing] | None:
        if msg.room is not None and not self.app.knows_room(msg.room):
            return None
        owner = self._owner(msg.room) if msg.room is not None else None
        if owner is not None and self.account is not None and owner != self.account.id:
            log.info("message %s in %s is served by account %s", msg.msg_id, log_safe(msg.room), log_safe(owner))
            self._held.append((msg, self.now(), owner))  # kept in case that account has just gone away
            return []
        return self.app.handle(msg)

    def _take_over(self) -> int:
        """Messages of shared rooms held for another account: once that account has gone away and this
        one serves the room, those that arrived after its last heartbeat are handled here (it cannot
        have seen them through; a few it did see may come twice and join their own incident)."""
        if not self._held or self.account is None:
            return 0
        now, live = self.now(), timedelta(seconds=self.settings.account_live_seconds)
        self._owners_at = None
        beats = {aid: at for aid, _, at in delivery.accounts(self.app.engine, now)}
        done, keep = 0, []
        for msg, arrived, owner in self._held:
            current = self._owner(msg.room) if msg.room is not None else None
            if current == self.account.id and arrived >= beats.get(owner, arrived):
                self.app.handle(msg)
                done += 1
            elif current != self.account.id and now - arrived < 3 * live:
                keep.append((msg, arrived, owner))
        self._held = deque(keep, maxlen=HELD_MAX)
        if done:
            log.warning("took over %d message(s) of rooms whose account went away", done)
        return done

    def _owner(self, room: str) -> str | None:
        """The live account serving a room this account shares with others (cached for a heartbeat)."""
        if self.account is None:
            return None
        if self._owners_at is None or self.clock() - self._owners_at >= self.settings.heartbeat_seconds:
            self._owners = delivery.room_owners(self.app.engine, self.account.id, self.now(),
                                                timedelta(seconds=self.settings.account_live_seconds))
            self._owners_at = self.clock()
        return self._owners.get(room)

    async def set_account(self, info: delivery.AccountInfo) -> None:
        """The transport's account, its rooms and contacts (after a login, and when they change)."""
        await self.app_ready.wait()
        now = self.now()
        if self._registered != info.id:
            await self.core(delivery.register, self.app.engine, info.id, info.name, now)
            self._registered = info.id
        await self.core(delivery.set_reach, self.app.engine, info.id, info.rooms, info.contacts, now)
        self.account = info
        self._owners_at = None
        log.info("account %s (%s): %d room(s), %d contact(s)", log_safe(info.id), log_safe(info.name),
                 len(info.rooms), len(info.contacts))
        self.wake()

    # ---- the run
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stop.set)
        start = asyncio.create_task(self._start_app())
        tasks = [asyncio.create_task(t) for t in (
            self.transport.run(self), self._deliver_loop(), self._jobs(), self._heartbeat_loop())]
        stopper = asyncio.create_task(self._stop.wait())
        try:
            done, _ = await asyncio.wait([stopper, start, *tasks], return_when=asyncio.FIRST_COMPLETED)
            if start in done and start.exception() is None and stopper not in done:
                done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
            self._stop.set()  # every loop leaves at its next turn, even one whose cancellation was swallowed
            for task in [start, *tasks, stopper]:
                task.cancel()
            _, pending = await asyncio.wait([start, *tasks, stopper], timeout=SHUTDOWN_SECONDS)
            for task in pending:
                log.warning("a task did not stop within %.0f s: %s", SHUTDOWN_SECONDS, task.get_coro())
            await self.transport.close()
            for task in done:
                if task is not stopper and not task.cancelled() and task.exception():
                    raise task.exception()  # type: ignore[misc]
        finally:
            if self.app_ready.is_set():
                await self.core(self._release)
                if self.close_app:
                    await self.core(self.app.close)
            self.executor.shutdown()
        if self._fatal:
            print(f"gridbot: {self._fatal}", file=sys.stderr)
            return 1
        if len(self.queue):
            log.warning("stopped with %d message(s) unsent; they stay in the outbox", len(self.queue))
        return 0

    async def _start_app(self) -> None:
        self.app = await self.core(self.app_factory)
        await self.core(self._release)  # what an account-less run of this process held before a crash
        self.app_ready.set()

    def _release(self) -> None:
        delivery.release(self.app.engine, self._registered or "*")

    # ---- delivery
    def _claim(self) -> list[Outgoing]:
        now = self.now()
        account = self.account.id if self.account is not None else None
        return delivery.claim(self.app.engine, account, now, live=timedelta(seconds=self.settings.account_live_seconds),
                              limit=CLAIM_BATCH)

    async def _deliver_loop(self) -> None:
        """Claim what this process delivers, send it in order within the rate limits, mark it sent."""
        await self.app_ready.wait()
        claimed_at = -1e9
        sent = False  # sent something since the last claim
        while not self.stopping:
            await self.transport.online.wait()
            may_claim = self.account is not None or not self.transport.uses_accounts
            due = self._wake.is_set() or self.clock() - claimed_at >= POLL_SECONDS or (sent and not len(self.queue))
            if may_claim and len(self.queue) < CLAIM_BATCH and due:
                sent = False
                self._wake.clear()
                claimed_at = self.clock()
                woken = self._woken
                queued = self.queue.ids()
                claimed = await self.core(self._claim)
                for out in claimed:
                    if out.outbox_id not in queued:
                        self.queue.push(out)
                if not claimed and not len(self.queue):
                    self._idle_after = woken
            out, wait = self.queue.next_ready(self.clock())
            if out is None:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=min(wait, POLL_SECONDS))
                except asyncio.TimeoutError:
                    pass
                continue
            try:
                await asyncio.wait_for(self.transport.send(out), timeout=SEND_TIMEOUT_SECONDS)
            except Unreachable as exc:
                dropped = self.queue.drop(conversation_key(out))
                await self.core(delivery.unclaim, self.app.engine, [o.outbox_id for o in dropped if o.outbox_id])
                log.warning("cannot reach %s from this account (%s); %d message(s) left in the outbox",
                            _where(out), log_safe(str(exc)), len(dropped))
                await asyncio.sleep(POLL_SECONDS)
                continue
            except Exception as exc:  # noqa: BLE001 - kept in the queue, retried
                log.warning("sending to %s failed (%s); kept in the queue", _where(out), log_safe(str(exc)))
                await asyncio.sleep(1.0)
                continue
            self.queue.sent(out, self.clock())
            sent = True
            if out.outbox_id is not None:
                await self.core(self.app.mark_sent, [out.outbox_id], self.now())

    async def _heartbeat_loop(self) -> None:
        """While the transport is online, the account is alive and keeps what it claimed."""
        await self.app_ready.wait()
        while not self.stopping:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            if self._registered is not None and self.transport.online.is_set():
                try:
                    await self.core(delivery.heartbeat, self.app.engine, self._registered, self.now())
                    if await self.core(self._take_over):
                        self.wake()
                except Exception:  # noqa: BLE001 - the next beat tries again
                    log.exception("heartbeat failed")

    # ---- scheduled work
    async def _jobs(self) -> None:
        """The jobs of bot/scheduler.py on APScheduler; what they produce goes out through the outbox."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from bot import scheduler

        await self.app_ready.wait()
        loop = asyncio.get_running_loop()

        def produced(items: list) -> None:  # called in the core thread
            if items:
                loop.call_soon_threadsafe(self.wake)

        async def run(job: scheduler.Job) -> None:
            await self.core(scheduler.run_job, job, self.app, produced)

        await self.core(scheduler.catch_up, self.app, produced, self.now())
        jobs = scheduler.add_jobs(AsyncIOScheduler(timezone=self.settings.tz, event_loop=loop), self.settings, run)
        jobs.start()
        try:
            await asyncio.Event().wait()  # runs until the run is cancelled
        finally:
            jobs.shutdown(wait=False)


def _where(out: Outgoing) -> str:
    """A message's room or recipient, safe for a log line."""
    return log_safe(out.room or (out.to.name if out.to else "?"))
