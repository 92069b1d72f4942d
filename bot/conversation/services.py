"""A service named as out in a message ("又停水啊", "我屋莫得电", "停点了", "然后就全黑了"): which one.
Pure reading of cleaned words; shared by the residents' handlers and the leftover tickets of one outage
(`bot.conversation.siblings`)."""

from __future__ import annotations

import re

# the word a message names a service by: its category, and the words its tickets' reports use for it
SERVICE = {"水": ("water", "水"), "电": ("power", "电"), "网": ("telecom", "网信号电视"),
           "信号": ("telecom", "网信号电视"), "电视": ("telecom", "网信号电视")}

# "又停水啊", "还是没电", "18楼冒电", "我屋莫得电", "一早冇得水", "四五六排都么电": a service named as out ("没电视信号" is the
# television, "没电话" no service); `lights` are the power going out said without naming it ("然后就全黑了",
# "跳闸了", "停点了"), `water` the water said as it sounds in voice typing ("停谁哒啊") or by the drop ("水龙头拧开
# 一滴都不出", "今天早上一滴都没得": 37 of the 38 residents' lines of the labelled days that say so without naming
# the water as out are water requests; the other is rain, "结果一滴都冇落").
# A phone, a scooter or a battery out of charge is no outage ("我部车冇电", "手机没电了", "电瓶没电").
_NOT = r"(?:停|没|沒|冇|冒|木|莫|断|无|(?<![什怎这那要干多为])么)(?:有|得)?"
_DEVICE = "[车机瓶池]"
SERVICE_OUT = re.compile(rf"{_NOT}(?P<a>水|电视|网|信号)|(?<!{_DEVICE}){_NOT}(?P<c>电(?!话))|"
                         r"(?P<b>水|电|网|信号|电视)(?:又)?(?:停|断|没)了|(?P<lights>停点|全黑|黑了|跳闸)|"
                         r"(?P<water>停谁|一滴(?:水)?(?:都|也)?(?:没|冇|莫|么|无|木|打不出|不出|出不来|流不出)(?![落下]))")


FLAT = re.compile(rf"(?<={_DEVICE}){_NOT}电")  # "我部车冇电", "手机没电了": a device out of charge


def named(match: re.Match) -> str | None:
    """The service word a match of `SERVICE_OUT` (or of a pattern like it: the resident handler's
    `STILL_WAITING` names it in group d too) names, if any."""
    groups = match.groupdict()
    return groups.get("a") or groups.get("b") or groups.get("c") or groups.get("d")


def service_of(words: str) -> str | None:
    """The category of the service cleaned words say is out, else None."""
    match = SERVICE_OUT.search(words)
    if match is None:
        return None
    if match.group("lights"):
        return "power"
    if match.group("water"):
        return "water"
    word = named(match)
    return SERVICE[word][0] if word else None


# "明天还停不停水", "停到几点", "上午停还是得到下午", "会不会停水", "下围明日停唔停水", "明日停谁系几点到几点":
# asking whether, or how long, a service is cut (not "车停到桥上", "停不停课", "停不停得下"). On the labelled days
# (training and dev) 35 of the 37 residents' messages that ask so are requests, opening an incident or joining
# one; the detector read 7 of them as chatter: 3 first reports, 2 joins, and the 2 that were chatter indeed
# (`bot.handlers.request`). The dialect's "停唔停" and "几点到几点" add 5 messages, all requests.
CUT_ASKED = re.compile(r"停[不唔冇无没]停(?![课得])|还要?停(?:不|吗|么|没|好久|多久)|"
                       r"停(?:多久|多长|几耐|几天|几个?钟|到几点|到么|到什么|到啥|到哪)|停[^，,。!！?？]{0,4}几点到几点|"
                       r"(?:上午|下午)停还是|(?:会不会|要不要)停(?!课)")
# the service it names ("停谁" is 停水 in voice typing)
_CUT_NAMED = re.compile(r"停(?:[不唔冇无没]停)?(?:[^，,。!！?？\s]{0,2})?(?P<a>水|电)|(?P<b>水|电)[^，,。!！?？\s]{0,3}停|停(?P<w>谁)")
# the question is about a day to come ("明天还停不停", "后天停不停水"), not the cut going on now
AHEAD = re.compile(r"明天|明儿|明早|明朝|明日|后天|下周|下礼拜|下星期|过两天")


def cut_asked(words: str) -> str | None:
    """Asked whether or how long a service is cut: its category ("water", "power"), "" when the message
    does not name it ("孟师傅 明天是就上午停还是得到下午": the worker asked names it), None when not asked."""
    if CUT_ASKED.search(words) is None:
        return None
    match = _CUT_NAMED.search(words)
    if match is None:
        return ""
    return "water" if match.group("w") else SERVICE[match.group("a") or match.group("b")][0]


# "又停水了": another time, not the outage going on
_AGAIN = re.compile(r"又(?:停|断|没|冇|么|黑)")
# "塘边泵房那根电线耷拉下来了 … 现在停电还冇事", "水表井冒水 哗哗往外流": a wire or a leak, a matter of its own (on
# the labelled days, 5 such requests beside an open outage were other matters, none the outage)
_OWN_MATTER = re.compile(r"电线|线(?:掉|断|垂|耷)|往外|在冒|哗哗|爆|喷|淌")


def out_now(words: str) -> str | None:
    """The service ("water", "power") cleaned words say is out for the speaker now, as one more household of an
    outage going on ("我家电饭锅煮到一半就没电了", "+1 下村十一号也没得电", "停电快两个钟头了 还没好啊"); None
    when they name none, or are not about now (`not_now`). "别人家都有了 我家还是没电" is the outage still (on the
    labelled days, 18 of 21 such requests while it was open)."""
    service = service_of(words)
    if service not in ("water", "power") or not_now(words):
        return None
    return service


def not_now(words: str) -> bool:
    """Cleaned words that say the service stopped again, ask whether or how long it is cut ("今晚九点停水系净系9巷
    定系成条村都停"), or tell of a wire or a leak: not one more household of the outage going on."""
    return bool(_AGAIN.search(words) or CUT_ASKED.search(words) or AHEAD.search(words) or _OWN_MATTER.search(words))
