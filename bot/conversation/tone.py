"""The tone of a resident's message: a short quip with a laughing emoji is a joke, a notice passed
on with nothing of the sender's own is a forward, the day's troubles told over are a recap, a fire named
as a likeness is a figure of speech, a household's service said to be fine is no trouble, a fire of years ago is a
story, a favour asked of the neighbours is not asked of the grid, and an outage back home is not here; none is a
request (`no_report`). What the speaker took something for ("还以为着火了") may be one more household's word, never a
first report (`thought_so`).

"移动联通打起来了[偷笑]", "停电了正好不写作业 [偷笑]", "那晚上烤全羊也不行吗[偷笑]": the words name a service
or a quarrel, the emoji says it is banter. Of the messages in both labelled corpora (the message corpus
and the labelled days) with a laughing emoji and at most JOKE_CHARS characters of words, 637 are
chatter and none is a request; longer ones often are ("…开心[呲牙] 另外我家网从中午开始时断时续"), so
only the short ones are read as jokes. 哈哈 is no such sign: the message corpus's writers put it in
96 requests ("楼上那个音响 从早上八点响到现在 我都会唱了 哈哈 能不能找个人去说说").
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.conversation.acts import clean
from bot.conversation.incidents import has_metoo

_LAUGH = re.compile(r"\[(?:偷笑|呲牙|坏笑|奸笑|憨笑|笑哭|破涕为笑|调皮|机智|旺柴)\]")  # WeChat's codes for them
JOKE_CHARS = 20  # characters of words: the text without punctuation, spaces and emoji (`acts.clean`)


def jokes(text: str) -> bool:
    """A short message with a laughing emoji: banter about a problem, not a report of one."""
    return bool(_LAUGH.search(text)) and len(clean(text)) <= JOKE_CHARS


# "转发：【停电通知】…", "[转发]【长沙气象】…", "（转发）【反诈提醒】…", "【吉林市气象台】寒潮…": a notice passed on.
# A resident's own words after it ("…——请问幸福路的幸福里小区包括在内吗") make it a request: in both labelled
# corpora 12 forwards are requests, each with the sender's words after "——", and the 302 without are chatter.
_FORWARD = re.compile(r"^\s*(?:[（(\[]?转发[)）\]]?\s*[:：]?\s*|转发[^，,。\s]{0,8}[:：]\s*)"
                      r"|^\s*【(?![^】]*(?:求助|求救|报修|反映|投诉))[^】]{2,12}】")
_OWN_WORDS = re.compile(r"—{1,2}|-{2,}")


def forwards(text: str) -> bool:
    """A notice passed on (转发, or a 【header】 first) with nothing of the sender's own after it."""
    return bool(_FORWARD.search(text)) and not _OWN_WORDS.search(text)


# "今天这一天 停水停电 电梯关人 电瓶车冒烟 还打架[捂脸]", "今天又是井盖又是路灯又是垃圾桶 小梅一天忙到晚": the day's
# troubles told over, each already reported. In both labelled corpora and the fresh dev days (test files
# aside) 38 such messages without the sender's own household or an @ are chatter and none is a request
# ("今天忙了一天 … 路灯还是不亮 都报了两次了" is one: the speaker's own busy day is no recap, so 忙了一天 is not a sign)
# So too three troubles in a row ("又停电又停水又煤气味"), and a day with no peace ("一天都没消停"): 21 of the 22 residents'
# lines of the labelled days saying so are chatter (the other says 我这里也冇电, the sender's own household).
# The day named in any speech (今儿, 今个, 今朝, 今日), and asked what day it is ("水冇水 电冇电 今个啥日子"): 31 of the 32
# residents' lines saying so are chatter; the other ("我今天事真多 刚才打开电视…") is the speaker's own day.
_RECAP = re.compile(r"(?<!我)(?:今天|今儿|今日|今个|今朝)个?(?:这一天|一天下来|咋这么多事|怎么这么多事|事真多|事情真多|"
                    r"真是多事|啥日子|什么日子|么子日子)|又是[^，,。\s]{1,6}又是|"
                    r"一会(?:儿)?(?:没|冇)[^，,。\s]{1,3}一会(?:儿)?(?:没|冇)|跑得脚不沾地|一天忙到晚|"
                    r"又[^，,。\s]{1,5}又[^，,。\s]{1,5}又|(?:没|冇|不)消停")
_OWN = re.compile(r"刚才|我家|俺家|我屋|屋里|家里|我这|[@＠]")


# A fire as a likeness ("晚霞红得跟着火了一样", "东边山上的云红彤彤的 像着火了一样", "跟着火似的"): all 109 residents' lines
# of the labelled days (held days aside) saying so are chatter, mostly about a sunset, and the 39 of the message corpus;
# fu-d1's opened a fire ticket.
# So too in Cantonese ("天边啲云红到好似着火咁", fd-d1's "出面热到好似着火咁" opened one): 121 such lines, all chatter.
_LIKE_FIRE = re.compile(r"(?:好似|似|像|跟|好像|和|如)[^，,。\s]{0,6}(?:着火|起火|失火|火烧)[^，,。\s]{0,3}"
                        r"(?:一样|似的|似地|一般|咁|噉)")


def likens(text: str) -> bool:
    """A fire named only as a likeness ("红得跟着火了一样"): no report of a fire."""
    return bool(_LIKE_FIRE.search(text))


def recaps(text: str) -> bool:
    """The day's troubles told over, with nothing of the sender's own household in it: chatter, and no verdict on
    a fixed ticket of the sender's (fz-d1: "今天硬是 又停电又停水又煤气味 一天都没消停" reopened the outage fixed that
    afternoon)."""
    return bool(_RECAP.search(text)) and not has_metoo(text) and not _OWN.search(text)


# A fire of years ago told as a warning ("这个要讲 前年隔壁小区就是电瓶车在楼道里起火 烧死了人", "阿拉老底子住在城里 隔壁人家电瓶车
# 烧起来…"): of the 22 residents' lines of the labelled days (held days aside) telling one, 21 are chatter; the other asks
# the grid worker by @ to act on a danger now. gc-d1's and gl-d1's opened fire tickets.
_PAST_FIRE = re.compile(r"(?:前年|去年|老底子|那年|早些年|有一年|大前年)[^，,。]{0,16}(?:烧|起火|着火|失火)")
_ASKS_NOW = re.compile(r"[@＠]|管一?下|管管")


def retells(text: str) -> bool:
    """A fire of years ago told as a warning, asking nobody to act: no report."""
    return bool(_PAST_FIRE.search(text)) and not _ASKS_NOW.search(text)


# What the speaker took it for ("远远看还以为着火了 原来在烤生蚝", "我以为係我屋里灯泡坏了 换了个灯泡还係唔亮"): none of the 118
# residents' lines of the labelled days (held days aside) saying 还以为, 我以为 or 以为是 is the first report of an incident
# (67 are chatter, 51 one more household of one). yp-d1's "雾跟烟一样 还以为哪里起火了" opened a fire ticket.
_THOUGHT = re.compile(r"还以为|我以为|以为是")


def thought_so(text: str) -> bool:
    """What the speaker took something for: it may join an incident, it opens none."""
    return bool(_THOUGHT.search(text))


# A favour asked of the neighbours ("5栋楼梯间黑黢黢的 … 哪个有空去帮一把", "树锯开了 还要拉到路边去 要几个人帮手"): all 14
# residents' lines of the labelled days (held days aside) asking so are chatter; fu-d1's and fy-d1's opened tickets.
_NEIGHBOURS_ASKED = re.compile(r"哪个有空|有没有哪个|谁有空|哪位邻居|几个人帮|帮把手|搭把手|要几个人|来几个人")


def asks_neighbours(text: str) -> bool:
    """A favour asked of the neighbours, not of the grid: no report."""
    return bool(_NEIGHBOURS_ASKED.search(text))


# Agreeing with what a neighbour said ("那也是[捂脸]", "哈哈也是", "那倒也是 哈哈"), not saying "me too" ("我家也是"): all 5
# residents' lines of the labelled days (held days aside) opening so are chatter; 4 of them (gd-d1's, gn-d1's, ff-d1's,
# zp-d1's) joined incidents as one more household.
_AGREES = re.compile(r"^\s*(?:那|哈+|说的|说得)倒?也是")


def agrees(text: str) -> bool:
    """Agreeing with a neighbour ("那也是"), not a household's "me too": no report."""
    return bool(_AGREES.search(text))


# A guess at the cause, or at whose it is ("是不是水管冻哒", "估计是施工队碰着外墙上的线了", "是不是那条野狗 没主的"), with no
# word of the speaker's own home, no @ and no fault said: of the 78 residents' lines of the labelled days (held days
# aside) opening so, 73 are chatter and 5 one more word of an incident already reported ("是不是整个院都停了"), none the
# first. Not whether the service is cut ("是不是停电了"), which is asked as a report.
_GUESS = re.compile(r"^\s*(?:是不是|会不会|估计是|可能是|肯定是|应该是)(?!又?(?:停|断))")  # "是不是停电了" asks
_OWN_SAID = re.compile(r"我家|俺家|我屋|屋里|家里|我们|俺们|额家|阮|涯|我这|[@＠]|刚刚|刚才|不出水|没电了|没水了|冇电|冇水")


def guesses(text: str) -> bool:
    """A guess at the cause or the culprit, saying nothing of the speaker's own: no report."""
    return bool(_GUESS.search(text)) and not _OWN_SAID.search(text)


# An outage back home ("我老家瑞安陶山那边也停电了 说是线被树压断了", "俺娘家滑县那边也停电了"): all 87 residents' lines of the
# labelled days (held days aside) telling one are chatter, but one that says the speaker's own part is out ("俺娘家刘庄有电
# 就咱组停了"); gj-d1's joined the estate's outage as one more household.
_HOME_OUT = re.compile(r"(?:老家|娘家|乡下)[^，,。]{0,14}(?:停电|停水|停了|没电|没水|冇电|冇水|无电|无水|断电|断水|停点)")
_OURS = re.compile(r"咱(?:组|村|这|们)|就(?:咱|我|俺)")


def out_back_home(text: str) -> bool:
    """An outage where the speaker's family lives, not here: no report."""
    return bool(_HOME_OUT.search(text)) and not _OURS.search(text)


# The sender's service, or a neighbour's, said to be fine ("我联通的有信号 电信的也有", "13栋水是大的", "西头有电 俺家灯
# 亮着", "我这电视好着呢"): no trouble, though it names a service.
# Of the labelled days' residents' lines (held days aside) that say so with no word of trouble in them (no negation, 断,
# 闪, 黑, 停, 坏, 又, 但, "就我家", "还好好的", "平时", "也是"), all 202 are chatter; ft-d1's joined an outage and fu-d1's
# opened a water ticket.
_FINE = re.compile(r"好好的|好着[呢哩嘞]|正常的|有信号|有网|有电的|亮着|水是大的")
_TROUBLE = re.compile(r"[没冇不无么莫木断闪黑停坏漏跳烧又但只]|还[^，,。\s]{0,3}好|中断|失败|可是|就我|就咱|就你|慢|也是|"
                      r"平常|平时|之前|以前")


# A carrier's service said to be fine ("我家是移动的宽带 没得事", "俺家也是电信的 有网啊", "我屋头也是联通 7栋还好"): here
# 没事, 还好 and "也是电信" (the same carrier as a neighbour's) are no trouble. All 69 residents' lines of the labelled days
# (held days aside) saying so are chatter; gf-d1's opened a telecom ticket and three joined outages (fs, gd, fh).
_CARRIER = r"(?:移动|电信|联通|广电)"
# (one bounded gap between the carrier and the word: two runs of spaces in a row took 8 s on "移动" and 20,000 spaces)
_CARRIER_FINE = re.compile(_CARRIER + r"[^，,。]{0,10}?(?:有信号|有网|没事|没得事|冇事|好着|正常|还好|好好的|网好|满格|能上)")
_NO_TROUBLE_HERE = re.compile(r"没事|没得事|冇事|也是(?=" + _CARRIER + r")|还好")


def fine_here(text: str) -> bool:
    """A service said to be fine, with no word of trouble: no report."""
    if _CARRIER_FINE.search(text) and not _TROUBLE.search(_NO_TROUBLE_HERE.sub("", text)):
        return True
    return bool(_FINE.search(text)) and not _TROUBLE.search(text)


# A sigh at a cut just announced ("又停水啊[捂脸]", "又停 今年这水咋了" a moment after a worker's "【停水通知】明天上午…停水"): of
# the labelled days' residents' lines opening with 又停 within NOTICE_MINUTES of a worker's notice (held days aside), 40
# are chatter and 1 asks about the notice ("又要停啊 明天是东头全部停还是只停一半"). Without a notice just before, 42 of 51
# report an outage. gv-d1's and jf-d1's sigh, from a reporter of the morning's outage, reopened it.
NOTICE_MINUTES = 10
_SIGH = re.compile(r"^\W*又要?停")
_ASKS_WHEN = re.compile(r"还是|几点|哪|什么时候|啥时候|多久|多长|停不停|停到|[吗?？]")  # asks what the notice said, not "咋了"


def sighs_at_notice(text: str, notice_at: datetime | None, now: datetime) -> bool:
    """"又停水啊" a moment after a worker announced a cut, not asking about it: neither a report nor a verdict."""
    return notice_at is not None and timedelta(0) <= now - notice_at <= timedelta(minutes=NOTICE_MINUTES) \
        and bool(_SIGH.search(text)) and not _ASKS_WHEN.search(text)


def no_report(text: str) -> bool:
    """The tone says the message reports nothing, whatever its words name: a joke ("停电了正好不写作业[偷笑]"), a notice
    passed on ("转发：【停电通知】…"), the day told over, a fire as a likeness, a service said to be fine ("13栋水是大的"), a
    fire of years ago, a favour asked of the neighbours, an outage back home, agreeing with a neighbour, or a guess at
    the cause (the service back, for the speaker too, is `incidents.is_restored`)."""
    return jokes(text) or forwards(text) or recaps(text) or likens(text) or fine_here(text) or retells(text) \
        or asks_neighbours(text) or out_back_home(text) or agrees(text) or guesses(text)
