"""The Wechaty transport's pure parts and its inbound filtering, with fakes (no gateway)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from bot.messages import Mention, Outgoing
from bot.runtime import Runtime
from bot.sendqueue import RateLimiter, RecentIds, SendQueue
from bot.transports.wechaty_transport import WechatyTransport, kind_of, message_time, skip_reason, split_mentions

WATER = Mention("王水务", "worker-water")


def room_msg(text: str, room: str = "一网格群") -> Outgoing:
    return Outgoing(text=text, room=room)


# -- rate limiter and queue ---------------------------------------------------------------------


def test_limiter_allows_the_per_room_rate_then_waits_for_the_window() -> None:
    limiter = RateLimiter(per_key=3, total=100, window=60)
    for t in range(3):
        assert limiter.wait("room:a", t) == 0
        limiter.record("room:a", t)
    assert limiter.wait("room:a", 3) == pytest.approx(57)
    assert limiter.wait("room:b", 3) == 0
    assert limiter.wait("room:a", 60.0) == 0


def test_limiter_caps_the_total_across_rooms() -> None:
    limiter = RateLimiter(per_key=10, total=2, window=60)
    limiter.record("room:a", 0)
    limiter.record("room:b", 1)
    assert limiter.wait("room:c", 2) == pytest.approx(58)


def drain(queue: SendQueue, start: float = 0.0, limit: int = 1000) -> list[tuple[float, str]]:
    """Send everything on a virtual clock, jumping over the waits; returns (time, text)."""
    now, sent = start, []
    while len(queue) and len(sent) < limit:
        out, wait = queue.next_ready(now)
        if out is None:
            now += wait
            continue
        queue.sent(out, now)
        sent.append((now, out.text))
    return sent


def test_queue_never_drops_and_keeps_each_room_in_order_under_the_limit() -> None:
    queue = SendQueue(RateLimiter(per_key=20, total=60))
    for i in range(50):
        queue.push(room_msg(f"a{i}"))
    sent = drain(queue)
    assert [text for _, text in sent] == [f"a{i}" for i in range(50)]
    per_minute = [sum(1 for t, _ in sent if m * 60 <= t < (m + 1) * 60) for m in range(3)]
    assert per_minute == [20, 20, 10]


def test_a_throttled_room_does_not_hold_up_another_room() -> None:
    queue = SendQueue(RateLimiter(per_key=2, total=60))
    for i in range(4):
        queue.push(room_msg(f"a{i}", room="A"))
    queue.push(room_msg("b0", room="B"))
    sent = drain(queue)
    assert [text for _, text in sent] == ["a0", "a1", "b0", "a2", "a3"]
    assert [t for t, _ in sent][:3] == [0, 0, 0]


def test_private_messages_are_their_own_conversation() -> None:
    queue = SendQueue(RateLimiter(per_key=1, total=60))
    queue.push(room_msg("group"))
    queue.push(Outgoing(text="private", to=WATER))
    assert [text for t, text in drain(queue) if t == 0] == ["group", "private"]


def test_recent_ids_remember_a_bounded_number() -> None:
    recent = RecentIds(size=2)
    assert recent.add("a") and not recent.add("a")
    recent.add("b")
    recent.add("c")
    assert recent.add("a")


# -- pure decisions -----------------------------------------------------------------------------


@pytest.mark.parametrize("name, kind", [
    ("MESSAGE_TYPE_TEXT", "text"),
    ("MESSAGE_TYPE_IMAGE", "image"),
    ("MESSAGE_TYPE_AUDIO", "voice"),
    ("MESSAGE_TYPE_ATTACHMENT", "file"),
    ("MESSAGE_TYPE_MINI_PROGRAM", "mini-program"),
    ("MESSAGE_TYPE_RED_ENVELOPE", "red-packet"),
    ("MESSAGE_TYPE_UNSPECIFIED", "system"),
])
def test_kind_of_names_each_message_type(name: str, kind: str) -> None:
    assert kind_of(SimpleNamespace(name=name)) == kind


@pytest.mark.parametrize("talker, kind, text, reason", [
    ("u1", "text", "我家停水了", None),
    ("bot", "text", "@张阿姨 已记录", "own message"),
    ("", "text", "张三邀请李四加入了群聊", "system notice"),
    ("u1", "image", "", "non-text message (image)"),
    ("u1", "voice", "", "non-text message (voice)"),
    ("u1", "red-packet", "", "non-text message (red-packet)"),
    ("u1", "text", "   ", "empty text"),
])
def test_skip_reason(talker: str, kind: str, text: str, reason: str | None) -> None:
    assert skip_reason(talker_id=talker, self_id="bot", kind=kind, text=text) == reason


@pytest.mark.parametrize("text, expected", [
    ("@王水务 供水工单 #1", "供水工单 #1"),
    ("@王水务\u2005供水工单 #1", "供水工单 #1"),
    ("@张阿姨 王水务已接单", "@张阿姨 王水务已接单"),
    ("工单 #1 请@王水务 处理", "工单 #1 请@王水务 处理"),
])
def test_split_mentions_drops_only_leading_names_of_mentioned_people(text: str, expected: str) -> None:
    assert split_mentions(text, [WATER]) == expected


def test_message_time_reads_milliseconds_and_falls_back_to_now() -> None:
    now = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    assert message_time(int(now.timestamp() * 1000) - 5000, now) == datetime(2026, 5, 1, 7, 59, 55, tzinfo=timezone.utc)
    assert message_time(int(now.timestamp()) - 5, now).second == 55
    assert message_time(0, now) == now


# -- inbound filtering through the transport, with a fake gateway connection ----------------------


class FakeAccessor:
    def __init__(self, names: dict[str, str], kind: str) -> None:
        self.names, self.kind = names, kind

    def load(self, some_id: str) -> SimpleNamespace:
        async def ready() -> None:
            return None
        value = self.names[some_id]
        payload = SimpleNamespace(topic=value) if self.kind == "room" else None
        return SimpleNamespace(name=value, payload=payload, ready=ready)


class FakeConnection:
    def __init__(self, payloads: dict[str, SimpleNamespace]) -> None:
        async def message_payload(msg_id: str) -> SimpleNamespace:
            return payloads[msg_id]
        self.puppet = SimpleNamespace(message_payload=message_payload)
        self.bot = SimpleNamespace(Contact=FakeAccessor({"u1": "张阿姨", "bot": "网格小助手", "w": "王水务"}, "contact"),
                                   Room=FakeAccessor({"r1@chatroom": "一网格群", "r2@chatroom": "别的群"}, "room"))
        self.self_id = "bot"
        self.mods: dict = {}


def payload(type_name: str, talker: str = "u1", text: str = "我家停水了", room: str = "r1@chatroom",
            mentions: tuple[str, ...] = ()) -> SimpleNamespace:
    return SimpleNamespace(type=SimpleNamespace(name=type_name), from_id=talker, text=text, room_id=room,
                           mention_ids=list(mentions), timestamp=0)


class FakeApp:
    def __init__(self) -> None:
        self.handled: list = []

    def knows_room(self, room: str) -> bool:
        return room == "一网格群"

    def handle(self, msg) -> list[Outgoing]:  # noqa: ANN001
        self.handled.append(msg)
        return [Outgoing(text=f"@王水务 {msg.text}", room=msg.room, mentions=(WATER,))]


def test_only_text_from_others_in_roster_rooms_reaches_the_core() -> None:
    from bot.settings import load_settings

    settings = load_settings(environ={})
    payloads = {
        "m1": payload("MESSAGE_TYPE_TEXT", mentions=("w",)),
        "m2": payload("MESSAGE_TYPE_IMAGE", text=""),
        "m3": payload("MESSAGE_TYPE_TEXT", talker="bot"),
        "m4": payload("MESSAGE_TYPE_TEXT", room="r2@chatroom"),
        "m5": payload("MESSAGE_TYPE_TEXT", room="", text="#日报"),
        "m6": payload("MESSAGE_TYPE_RED_ENVELOPE", text=""),
    }

    async def scenario() -> tuple[FakeApp, Runtime]:
        app = FakeApp()
        transport = WechatyTransport(settings)
        runtime = Runtime(settings, lambda: app, transport)
        runtime.app = app
        runtime.app_ready.set()
        transport.runtime = runtime
        transport.conn = FakeConnection(payloads)  # type: ignore[assignment]
        transport.online.set()
        consumer = asyncio.create_task(transport._consume())
        for msg_id in ["m1", "m2", "m3", "m4", "m5", "m6", "m1"]:  # m1 twice: a doubled event
            transport._on_message(msg_id)
        while not transport.inbox.empty() or len(app.handled) < 2:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        consumer.cancel()
        runtime.executor.shutdown()
        return app, runtime

    app, runtime = asyncio.run(scenario())
    assert [(m.msg_id, m.room, m.sender, m.mentions) for m in app.handled] == [
        ("m1", "一网格群", "张阿姨", ("王水务",)),
        ("m5", None, "张阿姨", ()),
    ]
    assert runtime._wake.is_set()  # what the core wrote to the outbox is looked for at once
