"""Whose incident a resident's words are about, and whom they speak to (fixed clock, no sleeps): not the speaker's own
ticket when they name another's; a neighbour agreed with or @-mentioned, the service back too, or a guess at the cause
is no household. Cases from the dev days gp-d1, gd-d1, gn-d1, gi-d1, gt-d1 and gr-d1."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlmodel import Session

from bot import repo
from bot.conversation.endings import asks
from bot.conversation.incidents import is_restored
from bot.conversation.names import talks_to_neighbour
from bot.conversation.tone import agrees, guesses, no_report
from tests.harness import GRIDMAN, POWER, WATER, Chat


def _reads_as_chatter(reading: Callable[[str], bool], chatter: tuple[str, ...], reports: tuple[str, ...]) -> None:
    """`reading` (and so `no_report`) takes each of `chatter` for no report, and none of `reports`."""
    for text in chatter:
        assert reading(text) and no_report(text), text
    for text in reports:
        assert not reading(text), text


def _reports(chat: Chat, ticket_id: int) -> list[str]:
    with Session(chat.app.engine) as session:
        return [r.text for r in repo.reports_of(session, ticket_id=ticket_id)]


def test_the_speakers_words_about_another_households_incident_join_it(chat: Chat) -> None:
    """gp-d1: a mother reported stray dogs chasing the children at 13:25; at 15:02 a neighbour reported the street lamps
    behind building 9. At 18:10 she said "天黑了 9栋后面的路灯还是不亮 娃娃补课回来要走那里": the matcher joined her own dog
    ticket (its reporter speaking), and the worker's "9栋后面路灯全部亮了 … #办结" then closed the dogs, not the lamps.
    Her words name the lamps' place and words, and nothing of the dogs: the lamps' incident."""
    chat.say("小杨妈妈", f"@{GRIDMAN} 门口那几条野狗又在追娃娃了 我家娃娃遭吓哭了跑回来的 能不能找人来管一下 天天在学校门口转")
    chat.say(GRIDMAN, "收到 娃娃没遭咬到吧？", after=3)
    chat.say(GRIDMAN, "好 我打给城管了 说明天上午来抓 这两天娃娃上学放学大人送一下", after=5)
    chat.say("罗永福", f"@{GRIDMAN} 9栋后头那条路的路灯好几盏都不亮了 一个多礼拜了 晚上黑黢黢的 娃娃放学走那里怕得很", after=90)
    lamps = max(t.id for t in chat.tickets())
    chat.say(GRIDMAN, "收到 我跟物业说 让电工天黑前来看", after=3)
    chat.say("小杨妈妈", "天黑了 9栋后面的路灯还是不亮 娃娃补课回来要走那里", after=185)
    assert _reports(chat, 1) == [_reports(chat, 1)[0]]  # the dogs: her first report only
    assert _reports(chat, lamps)[-1] == "天黑了 9栋后面的路灯还是不亮 娃娃补课回来要走那里"
    chat.say(GRIDMAN, "9栋后面路灯全部亮了 谢谢物业小马 #办结", after=23)
    assert chat.ticket(lamps).status == "resolved"
    assert chat.ticket(1).status == "accepted"


def test_her_own_next_words_stay_with_her_own_report(chat: Chat) -> None:
    """Minutes after her own report, the speaker's next words are about it, whatever else they name: "娃娃放学要走9栋后头
    那条路 晚上黑黢黢的 怕得很", four minutes after her report of the dogs, beside the neighbour's lamps there."""
    chat.say("罗永福", f"@{GRIDMAN} 9栋后头那条路的路灯好几盏都不亮了 一个多礼拜了 晚上黑黢黢的 娃娃放学走那里怕得很")
    chat.say("小杨妈妈", f"@{GRIDMAN} 门口那几条野狗又在追娃娃了 我家娃娃遭吓哭了 能不能找人来管一下", after=60)
    dogs = max(t.id for t in chat.tickets())
    assert dogs != 1
    chat.say("小杨妈妈", "娃娃放学要走9栋后头那条路 晚上黑黢黢的 怕得很", after=4)
    assert len(_reports(chat, dogs)) == 2 and len(_reports(chat, 1)) == 1


def test_agreeing_with_a_neighbour_is_no_household(chat: Chat) -> None:
    """gd-d1's "哈哈也是" and gn-d1's "那也是[捂脸]" joined open incidents as one more household: they agree with what a
    neighbour said. All 5 residents' lines of the labelled days opening so are chatter. "我家也没水" is a household."""
    _reads_as_chatter(agrees, ("哈哈也是", "那也是[捂脸]", "那倒也是 哈哈", "说的也是"),
                      ("我家也是", "也是没水", "3栋也是 一滴都没有"))
    chat.say("张阿姨", f"@{WATER} 5栋没水了 一滴都没有 早饭都做不成")
    chat.say("李奶奶", "哈哈也是", after=1)
    chat.say("刘婶", "那也是[捂脸]", after=1)
    assert "哈哈也是" not in _reports(chat, 1) and "那也是[捂脸]" not in _reports(chat, 1)
    chat.say("王叔", "我家也没水 5栋12楼", after=1)
    assert "我家也没水 5栋12楼" in _reports(chat, 1)


def test_a_neighbour_at_mentioned_is_talked_to_not_the_grid(chat: Chat) -> None:
    """gp-d1's "@禄丽娟 还是去卫生院拍个片 摔到尾巴骨恼火得很" (advice to a neighbour who had slipped) opened a ticket, and
    gi-d1's "@央金阿妈 阿妈 是停电了 整条街都停了 不是电视坏了" joined the outage as one more household. A neighbour
    @-mentioned, and no worker: of the labelled days' residents' lines opening so, 470 are chatter and 2 requests."""
    workers = {GRIDMAN, WATER}
    assert talks_to_neighbour("@禄丽娟 还是去卫生院拍个片 摔到尾巴骨恼火得很", ("禄丽娟",), workers)
    assert not talks_to_neighbour(f"@禄丽娟 你问下@{GRIDMAN} 吧", ("禄丽娟",), workers)  # a worker too: read as usual
    assert not talks_to_neighbour("@张三 你家水表在冒水", ("禄丽娟",), workers)  # nobody who spoke lately
    chat.say("禄丽娟", "今早下楼梯滑了一跤 尾巴骨摔到了 疼得很")
    opened = len(chat.tickets())
    chat.say("阿西里西", "@禄丽娟 还是去卫生院拍个片 摔到尾巴骨恼火得很", after=3)
    assert len(chat.tickets()) == opened
    chat.say("张阿姨", f"@{WATER} 5栋没水了 一滴都没有 早饭都做不成", after=30)
    water = max(t.id for t in chat.tickets())
    chat.say("刘婶", "@张阿姨 是停水了 整栋都没有 你先上俺家接两桶 俺家有水", after=2)
    assert len(_reports(chat, water)) == 1 and max(t.id for t in chat.tickets()) == water


def test_the_service_back_too_is_no_household(chat: Chat) -> None:
    """gp-d1's "6栋的也有电" (building 6 has power too) and "我家也清了 谢谢", gt-d1's "我家也热乎了": the service there, or
    back, for the speaker too, in words the reading of a service back did not know then, joined incidents as one
    more household. All 59 residents' lines of the labelled days saying so with nothing still wrong are chatter."""
    for text in ("我家也清了 谢谢", "6栋的也有电", "我家也热乎了", "俺家也出来了"):
        assert is_restored(text), text
    for text in ("我家也有电 就是厨房那路没有", "6栋也有电了吗", "我家也清了 但是水压小"):
        assert not is_restored(text), text
    chat.say("张阿姨", f"@{POWER} 7栋停电了 冰箱都不响了")
    chat.say("王叔", "7栋也没电", after=2)
    chat.say(POWER, "收到 马上到", after=3)
    households = len(_reports(chat, 1))
    for text in ("6栋的也有电", "我家也热乎了", "俺家也出来了"):
        chat.say("刘婶", text, after=2)
    assert len(_reports(chat, 1)) == households and len(chat.tickets()) == 1


def test_a_neighbours_guess_at_the_cause_opens_nothing(chat: Chat) -> None:
    """gr-d1's "是不是二楼那个租房子的 渠家天天洗衣服 水哗哗的" (a guess at whose water runs down the wall) opened a quarrel
    ticket. A guess at the cause or the culprit, with no word of the speaker's own home: of the 78 residents' lines of
    the labelled days opening so, 73 are chatter and none is a first report. Not "是不是停电了", which asks as a report."""
    _reads_as_chatter(guesses, ("是不是二楼那个租房子的 渠家天天洗衣服 水哗哗的", "估计是施工队碰着外墙上的线了", "是不是那条野狗 没主的"),
                      ("是不是停电了 灯都不亮", "是不是管子冻了啊 我家厨房卫生间都不出水", "会不会又断水 @网格员"))
    chat.say("张阿姨", f"@{GRIDMAN} 我家卫生间墙上往下渗水 墙皮都泡起来了 楼上也没人")
    chat.say("刘婶", "是不是二楼那个租房子的 渠家天天洗衣服 水哗哗的", after=3)
    assert len(chat.tickets()) == 1 and len(_reports(chat, 1)) == 1


def test_the_new_readings_of_a_huge_message_take_bounded_time() -> None:
    """A resident's message of 20,000 characters, or the same opening thousands of times, is read in bounded time."""
    slowest = 0.0
    for text in ("是不是" * 7_000, "那也是" * 7_000, "也有电" * 7_000, "@" + "邻" * 20_000, "咋弄" * 10_000 + "激活",
                 "我" * 20_000 + "也清了"):
        started = time.monotonic()
        no_report(text), talks_to_neighbour(text, ("邻" * 3,), {GRIDMAN}), asks(text)
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 1  # each well under a tenth of a second on the development machine
