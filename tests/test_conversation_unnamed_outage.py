"""A service said to stop without its name ("八号楼也停了") is the one out in the group now (fixed clock, no
sleeps). Case from the dev day yt-d1, where the detector guessed water during a power cut and the household
opened a water ticket of its own."""

from __future__ import annotations

from tests.harness import POWER, Chat


def test_also_stopped_during_a_power_cut_joins_the_power_cut(chat: Chat) -> None:
    """yt-d1: "我们一号楼也停了 今天这是咋的了 一会儿水一会儿电的" during the evening power cut was read as water."""
    chat.say("张婶", "停电了 俺家一点电都没有")
    chat.say(POWER, "收到 马上去看", after=3)
    chat.say("李大爷", "我们一号楼也停了 今天这是咋的了 一会儿水一会儿电的", after=5)
    assert [(t.category, t.report_count) for t in chat.tickets()] == [("power", 2)]

