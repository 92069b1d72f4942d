"""A household that says the service is out, while the group's outage of it is open, is one more household of
that outage, however its other words differ (fixed clock, no sleeps). Cases from the dev days fr-d1 and fq-d1,
where such messages each opened a ticket of their own beside the outage the worker was mending."""

from __future__ import annotations

from bot.conversation.services import service_of
from tests.harness import POWER, WATER, Chat


def _power_cut(chat: Chat) -> None:
    """fr-d1: the lower village's power goes at lunchtime; a water fault and a quarrel are open beside it."""
    chat.say("刘大妈", "自来水管子在门口漏了 地上一大滩水")
    chat.say(WATER, "收到 下午过来", after=3)
    chat.say("陈老汉", "隔壁在装修打钻 吵得老人觉都睡不成 网格员管一管", after=10)
    chat.say("小燕子", "停电了咯", after=20)
    chat.say("段小兵", "我家也停了", after=1)
    chat.say("杨家二嬢", "下村停电了", after=1)
    chat.say(POWER, "收到 马上过来", after=4)


def _power_tickets(chat: Chat) -> list[tuple[str, int]]:
    return [(t.category, t.report_count) for t in chat.tickets() if t.category == "power"]


def test_a_household_telling_its_own_story_of_the_cut_joins_the_cut(chat: Chat) -> None:
    """fr-d1: "我家电饭锅煮到一半就没电了…" and "+1 下村十一号也没得电", the cut being long."""
    _power_cut(chat)
    chat.say("赵丽", "我家电饭锅煮到一半就没电了饭都是夹生的这个电到底好久来啊娃娃还饿着", after=35)
    chat.say("张嬢嬢", "+1 下村十一号也没得电", after=40)
    assert _power_tickets(chat) == [("power", 5)]


def test_still_no_power_hours_later_joins_the_cut(chat: Chat) -> None:
    """fq-d1: "停电快两个钟头了 还没好啊…" and fr-d1: "天要黑了 电还不来 冷得狠"."""
    _power_cut(chat)
    chat.say(POWER, "到现场了 挖机把电缆挖伤了 要换一段 时间长", after=20)
    chat.say("小毛", "停电快两个钟头了 还没好啊 电脑里物事没存", after=90)
    chat.say("赵奶奶", "天要黑了 电还不来 冷得狠", after=100)
    assert _power_tickets(chat) == [("power", 5)]


def test_also_none_without_the_service_named_is_the_cut(chat: Chat) -> None:
    """fr-d1: "我们后巷也没得 是不是又挖到哪样了" during the cut was read as water."""
    _power_cut(chat)
    chat.say("李家有", "我们后巷也没得 是不是又挖到哪样了", after=2)
    assert _power_tickets(chat) == [("power", 4)]
    assert [t.category for t in chat.tickets()].count("water") == 1


def test_not_a_drop_is_the_water_out(chat: Chat) -> None:
    """fr-d1: "喂喂这个水是咋个回事嘛昨天晚上还好好的今天早上一滴都没得…", 14 minutes into the outage, opened a second
    ticket: "not a drop" names the water as out (but not the rain: "结果一滴都冇落")."""
    assert service_of("结果一滴都冇落") is None
    chat.say("杨老倌", "给是停水了 早上起来水龙头一滴都打不出来")
    chat.say("风花雪月客栈小杨", "上村这边没水了 客人起来要洗澡 咋个整", after=7)
    chat.say("杨春花", "我家也是", after=2)
    chat.say("李老师", "今天早上的雾好大", after=1)
    chat.say("张大爹", "喂喂这个水是咋个回事嘛昨天晚上还好好的今天早上一滴都没得我孙子还要洗脸吃早点", after=5)
    assert [(t.category, t.report_count) for t in chat.tickets()] == [("water", 4)]


def test_a_wire_told_beside_the_cut_is_its_own_matter(chat: Chat) -> None:
    """fi-d1: "塘边泵房那根电线耷拉下来了 … 现在停电还冇事 来电了怕电着人" is a danger of its own."""
    _power_cut(chat)
    chat.say("老彭", "塘边泵房那根电线耷拉下来了 夜个风刮的 离地也就一人高 现在停电还冇事 来电了怕电着人", after=30)
    assert _power_tickets(chat)[0] == ("power", 3)
    assert len(chat.tickets()) == 4


def test_a_cut_hours_after_a_ticket_left_open_is_a_cut_of_its_own(chat: Chat) -> None:
    """fi-d1: the evening's "俺北头停电了 一咔嚓就黑了" is not the morning's power ticket nobody closed."""
    chat.say("冯国强", "俺家停电了 炒茶机转不起来")
    chat.say("彭家湾老彭", "俺北头停电了 一咔嚓就黑了", after=300)
    assert _power_tickets(chat) == [("power", 1), ("power", 1)]


def test_talk_about_the_cut_is_no_household(chat: Chat) -> None:
    """ff-d1: "早上停水最麻烦 饭都煮不成" during the outage is talk, not one more household."""
    chat.say("王桂兰", "停水了 水龙头一滴都不出")
    chat.say("李老汉", "我家也没水", after=2)
    chat.say(WATER, "收到 去看看", after=5)
    chat.say("周老太", "早上停水最麻烦 饭都煮不成", after=10)
    assert [(t.category, t.report_count) for t in chat.tickets()] == [("water", 2)]


def test_the_north_wests_none_says_the_service_is_out() -> None:
    """fv-d1: "四五六排都么电", "我家也么水": 么 is 没 before the service (not in 什么, 怎么, 这么)."""
    assert service_of("四五六排都么电") == "power"
    assert service_of("我家也么水娃娃奶粉都冲不上") == "water"
    assert service_of("这是什么电器") is None and service_of("怎么水这么黄") is None


def test_also_out_elsewhere_is_the_outage_the_worker_fixes(chat: Chat) -> None:
    """fv-d1: "东头也没电 是一回事吧" while the outage reported from 四五六排 was being mended opened a ticket of its
    own, and the worker's "换好了 送上电了 大家看看来了没" then closed neither of the two."""
    chat.say("杨秀花", "停电了")
    chat.say("纳秀英", "我家也停了", after=1)
    chat.say("锁文华", "四五六排都么电", after=1)
    chat.say(POWER, "收到 怕是变压器那边 我马上过去", after=5)
    chat.say(POWER, "到了 2号变压器的跌落保险掉了 下午打雷打的 在换 半个钟头", after=10)
    chat.say("杨志忠", "东头也没电 是一回事吧", after=3)
    chat.say(POWER, "换好了 送上电了 大家看看来了没", after=16)
    assert [(t.category, t.report_count, t.status) for t in chat.tickets()] == [("power", 4, "resolved")]


def test_out_in_another_place_without_too_stays_apart(chat: Chat) -> None:
    """yo-d1: the evening's "停点了 屋里黢黑的 12栋是不是都停了" is not the morning's charging piles in 1排."""
    chat.say("张姐", "@网格员小汪 地库B区那一排充电桩全都不亮 昨天晚上就没充上 我车只剩两格电了 充电桩是不是没电了")
    chat.say(POWER, "收到 那排桩是充电公司装的 电是我们供的 我先查下进线有没有电", after=20)
    chat.say(POWER, "进线有电 是桩子的控制板坏了 等充电公司来换", after=60)
    chat.say("吴奶奶", "停点了 屋里黢黑的 12栋是不是都停了", after=50)
    assert len(_power_tickets(chat)) == 2


def test_stopped_without_the_service_named_joins_the_outage_being_mended(chat: Chat) -> None:
    """fs-d1: "俺家也没谁 南街的 洗衣机接水接一半停了" (没谁 is 没水 in voice typing) during 南街's water outage opened a
    ticket of its own: a water request saying the service stopped, without naming it, is the outage going on."""
    chat.say("快乐每一天", "南街停水了 水龙头一滴都不出")
    chat.say("李大娘", "我家也没水", after=2)
    chat.say(WATER, "收到 我去看看", after=3)
    chat.say("刘宝贵", "俺家也没谁 南街的 洗衣机接水接一半停了", after=40)
    chat.say("王大爷", "我们后街也停了 洗衣机接水接一半停了", after=1)
    assert [(t.category, t.report_count) for t in chat.tickets()] == [("water", 4)]


def test_a_question_of_its_own_about_the_cut_is_not_one_more_household(chat: Chat) -> None:
    """yo-d1: "问一下 今天停了半天水 水费会不会多算啊" while the water ticket is open asks something of its own."""
    chat.say("小雨妈妈", "7栋停水了 一滴都没有")
    chat.say("乐乐爷爷", "我家也没水", after=2)
    chat.say(WATER, "收到 去看看", after=5)
    chat.say("团团奶奶", f"@{WATER} 问一下 今天停了半天水 水费会不会多算啊 水表光走气了", after=60)
    assert [t.report_count for t in chat.tickets()] == [2, 1]
