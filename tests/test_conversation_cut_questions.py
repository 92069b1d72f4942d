"""Asking whether, or how long, the water or the power is cut is a request for that service (fixed clock,
no sleeps). Cases from the dev days dv-d1, fc-d1, fp-d1 and yt-d1, where the detector read the question as chatter
for its other words and nobody was asked."""

from __future__ import annotations

from bot.conversation.services import cut_asked
from tests.harness import POWER, WATER, Chat, mentioned


def test_asking_whether_the_water_is_cut_tomorrow_asks_the_water_worker(chat: Chat) -> None:
    """fc-d1: "老蒲 明天我们上院子停不停水哦" was read as chatter; the water worker answered it anyway."""
    out = chat.say("蒲婶", "老蒲 明天我们上院子停不停水哦")  # 老蒲: a neighbour, not on the roster
    assert [t.category for t in chat.tickets()] == ["water"]
    assert WATER in mentioned(out)
    chat.say(WATER, "蒲婶 上院子明天不停 只停下院子那几户 放心用", after=6)
    assert chat.ticket(1).status == "resolved"


def test_a_cut_question_that_names_no_service_is_for_the_worker_it_calls(chat: Chat) -> None:
    """yt-d1: "孟师傅 明天是就上午停还是得到下午 我明天要洗被罩" names no service: the worker called by name
    does (the water worker here)."""
    out = chat.say("佳佳奶奶", "李师傅 明天是就上午停还是得到下午 我明天要洗被罩")
    assert [t.category for t in chat.tickets()] == ["water"]
    assert WATER in mentioned(out)


def test_asking_about_tomorrow_after_todays_outage_is_a_new_question(chat: Chat) -> None:
    """dv-d1: "孙师傅 明儿还停不停电 俺明儿一早要磨豆子" came the evening after the day's outage was mended. It is
    a question about tomorrow, not a word that today's outage is back: that ticket stays resolved."""
    chat.say("张婶", "停电了 俺家一点电都没有")
    chat.say(POWER, "收到 马上去看", after=5)
    chat.say(POWER, "来电了 大家试下 #办结", after=40)
    assert chat.ticket(1).status == "resolved"
    out = chat.say("磨豆腐的老刘", "明儿还停不停电 俺明儿一早要磨豆子 别再耽误了", after=90)
    assert chat.ticket(1).status == "resolved"
    assert [t.category for t in chat.tickets()] == ["power", "power"]
    assert POWER in mentioned(out)


def test_what_is_no_question_about_a_cut() -> None:
    """Parking (停到桥上) and school (停不停课) are not services cut; a question that names neither water nor
    power leaves the service to the worker called."""
    assert cut_asked("车都停到桥上去了") is None
    assert cut_asked("明天学校停不停课啊") is None
    assert cut_asked("门口车停不停得下") is None
    assert cut_asked("我们12栋停不停 明天停水") == "water"
    assert cut_asked("会不会停我的电啊") == "power"
    assert cut_asked("明天是就上午停还是得到下午") == ""
    assert cut_asked("明天停不停 " * 100_000) == ""  # a long message: linear time
    assert cut_asked("菜市场几点到几点开门") is None


def test_the_dialects_cut_questions_ask_the_water_worker(chat: Chat) -> None:
    """fp-d1 (Hakka): "明日停谁系几点到几点 涯屋老人家要煮饭" (停谁: 停水 in voice typing) and "下围明日停唔停水"
    were both read as chatter."""
    out = chat.say("赖婆婆", "明日停谁系几点到几点 涯屋老人家要煮饭")
    assert [t.category for t in chat.tickets()] == ["water"]
    assert WATER in mentioned(out)
    assert cut_asked("下围明日停唔停水") == "water"
