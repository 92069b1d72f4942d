"""Workers' and residents' plain words read in context (fixed clock, no sleeps): the thing usable again and the
resident asked to try it end a matter; the day's matters summed up close none of them; a sigh at a cut a worker
just announced is neither a report nor a verdict; a symptom back, or another service out, is no verdict on a ticket
that only names its character in another word (电费, 打电话); a question to a worker called by name is of their service."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from bot.conversation.endings import ends, sums_up
from bot.conversation.tone import sighs_at_notice
from tests.harness import GRIDMAN, POWER, TZ, WATER, Chat

BANK = "农商行小吴"


def test_the_thing_usable_again_ends_the_matter(chat: Chat) -> None:
    """ja-d1's "ATM加好钞了 可以取了" and jf-d1's "村委会门口的取款机加好钞了 大家可以去取了" were read as nothing and left the
    empty cash machine open all day. 55 of the 56 labelled worker lines saying something can be used again close
    their ticket; not once the resident has done something, nor with part still to come."""
    for text in ("ATM加好钞了 可以取了", "插座换掉了 空开合上了 可以用了", "换了个新的 现在能看了"):
        assert ends(text), text
    for text in ("带身份证到网点 重置一下密码就能取了", "5栋2单元电梯可以用了 1单元的还要等下", "现在还不能用了"):
        assert not ends(text), text
    chat.say("张阿姨", f"@{BANK} 村口取款机没钱了 取不出来 我要交电费")
    chat.say(BANK, "收到 我叫押运的过去加钞", after=3)
    assert chat.ticket(1).status == "accepted"
    chat.say(BANK, "ATM加好钞了 可以取了", after=60)
    assert chat.ticket(1).status == "resolved"


def test_asking_the_resident_to_try_it_ends_the_matter(chat: Chat) -> None:
    """jh-d1's "11号进户零线接头松了 紧上了 大姐你再看看" and gv-d1's "重新搜了一遍台 出来了 秦腔正唱着呢 阿姨您看看" were read as
    progress. 173 of the 176 labelled worker lines ending so close their ticket; not the worker's own look to come
    (上你家看看), not asked of another worker (@), not with work still to come before it."""
    for text in ("11号进户零线接头松了 紧上了 大姐你再看看", "重新搜了一遍台 出来了 秦腔正唱着呢 阿姨您看看"):
        assert ends(text), text
    for text in ("那就是线里头短路了 我弄完6号楼上你家看看", f"@{WATER} 3栋没水了 你看看",
                 "水箱在进水 中午以后应该正常 大家中午看看"):
        assert not ends(text), text
    chat.say("刘大姐", f"@{POWER} 我家11号 电灯一闪一闪的 电暖气也不热")
    chat.say(POWER, "收到 马上到", after=2)
    chat.say(POWER, "11号进户零线接头松了 紧上了 大姐你再看看", after=40)
    assert chat.ticket(1).status == "resolved"


def test_the_days_matters_summed_up_close_none_of_them(chat: Chat) -> None:
    """jg-d1's "今天汇总一下：7栋水、2栋水表、10栋电、1到4栋停电都处理好了；…5栋后头路灯明天修" closed the open street-lamp
    ticket. All 6 labelled worker lines opening a summary of the day so are notices."""
    assert sums_up("今天汇总一下：7栋水、10栋电都处理好了；5栋后头路灯明天修") and sums_up("今晚情况汇总：停电停水都恢复了")
    assert not sums_up("6号楼暖气不热的 报一下单元门牌 我汇总一下给热力公司")
    chat.say("周爹爹", f"@{GRIDMAN} 5栋后头的路灯坏了三盏 晚上黑漆漆的")
    chat.say(GRIDMAN, "收到 我报给街道 明天电工来修", after=5)
    chat.say(GRIDMAN, "今天汇总一下：7栋水、2栋水表、10栋电都处理好了；5栋后头路灯明天修。大家早点休息", after=8 * 60)
    assert chat.ticket(1).status == "accepted"


def test_a_sigh_at_a_cut_just_announced_is_neither_a_report_nor_a_verdict(chat: Chat) -> None:
    """jf-d1: "又停水啊[捂脸]" a minute after the water worker's "【停水通知】明天上午10点到下午2点…停水", from a reporter of the
    morning's outage, reopened it (gv-d1's "又停啊 今天才停完" too). Of the labelled residents' lines opening with 又停 within
    ten minutes of a worker's notice, 40 are chatter and 1 asks about the notice; without a notice, 42 of 51 report
    an outage."""
    now = datetime(2026, 11, 20, 17, 31, tzinfo=TZ)
    assert sighs_at_notice("又停水啊[捂脸]", now - timedelta(minutes=1), now)
    assert sighs_at_notice("又停 今年这水咋了", now - timedelta(minutes=6), now)
    assert not sighs_at_notice("又停水啊[捂脸]", None, now)
    assert not sighs_at_notice("又停水啊[捂脸]", now - timedelta(minutes=30), now)
    assert not sighs_at_notice("又要停啊 明天是东头全部停还是只停一半", now - timedelta(minutes=1), now)
    chat.say("阿依努尔", f"@{WATER} 5排早上就没水了 烧茶一点水都没有")
    chat.say(WATER, "收到 主管冻住了 在烤", after=5)
    chat.say(WATER, "5排来水了 大家开水龙头试一下", after=120)
    assert chat.ticket(1).status == "resolved"
    chat.say(WATER, "【停水通知】明天上午10点到下午2点 5排6排主管道加保温层 停水 大家提前接好水", after=5 * 60)
    chat.say("阿依努尔", "又停水啊[捂脸]", after=1)
    chat.say("买买提", "又停水 上个月才停过", after=1)
    assert [t.status for t in chat.tickets()] == ["resolved"]


def _fixed_then(chat: Chat, resident: str, worker: str, report: str, answers: tuple[str, str], later: str) -> None:
    """`resident` reports, `worker` takes it up and fixes it, and hours later the resident says `later`: it stays
    fixed (no verdict)."""
    chat.say(resident, report)
    chat.say(worker, answers[0], after=5)
    chat.say(worker, answers[1], after=4 * 60)
    assert chat.ticket(1).status == "resolved"
    chat.say(resident, later, after=4 * 60)
    assert chat.ticket(1).status == "resolved"


def test_a_symptom_back_is_no_verdict_on_a_ticket_naming_its_character_in_another_word(chat: Chat) -> None:
    """jh-d1: the asker of "电费咋交啊 我家那个电卡表上显示剩三块钱了" said hours after it was paid "路灯早该修了 上回亮了三天就
    又黑了": 黑 reads as the power gone, and 电费 named 电, so the bill was reopened. 电费, 电话, 电梯… name other things."""
    _fixed_then(chat, "张秀英", POWER, f"@{POWER} 电费咋交啊 我家那个电卡表上显示剩三块钱了 手机上能交不",
                ("张姨 中午我过去用我手机给你交 你把电卡找出来放好", "张姨的电费交上了 卡也插表里了 工单1 办完了"),
                "路灯早该修了 上回亮了三天就又黑了")


def test_another_service_out_is_no_verdict_though_the_reports_said_a_phone_call(chat: Chat) -> None:
    """jc-d1: a son whose "我阿妈打电话说家里没水了" joined the morning's water outage wrote in the evening's power cut "我阿妈打电话说
    家里又停电了 黑乎乎的": 电 in 打电话 made the water ticket's reports seem to speak of power, and the water was reopened."""
    _fixed_then(chat, "海鹏", WATER, f"@{WATER} 我阿妈打电话说家里没水了 一滴都没有 东头的",
                ("收到 主管冻了 在换", "东头来水了 大家开龙头试一下"), "我阿妈打电话说家里又停电了 黑乎乎的 杨师傅给看一下")


def test_a_question_to_a_worker_called_by_name_is_of_that_workers_service(chat: Chat) -> None:
    """gw-d1: "林师傅 明天还会停吗 我明天要烘一整天", to the power station's 林师傅, was read as water and went to the water worker,
    who never answered it. With no service named and a worker of one service called by name or @-mentioned, all 9
    labelled residents' lines the detector read as another category are of that worker's service."""
    out = chat.say("张阿姨", "李师傅 今晚还停不停 我要洗衣服")
    assert chat.ticket(1).category == "water" and WATER in [m.name for o in out for m in o.mentions]
    chat.say("刘婶", f"@{POWER} 3栋电表箱冒火花了 噼里啪啦响", after=30)
    assert chat.ticket(2).category in ("power", "fire")  # a service named: the words decide, as before


def test_the_new_readings_of_a_huge_message_take_bounded_time() -> None:
    """A message of 20,000 characters, or the same words thousands of times, is read in bounded time."""
    now = datetime(2026, 11, 20, 17, 31, tzinfo=TZ)
    slowest = 0.0
    for text in ("你看看" * 7_000, "你" + "！" * 20_000, "可以用了" * 5_000, "汇总" * 10_000, "又停" * 10_000):
        started = time.monotonic()
        ends(text), sums_up(text), sighs_at_notice(text, now - timedelta(minutes=1), now)
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 1  # each well under a tenth of a second on the development machine
