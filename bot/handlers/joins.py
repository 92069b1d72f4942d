"""The open incident a resident's request joins when the matcher found none sure enough (`Request._incident`):
the outage still awaited, the outage the household says it is out of too, the thing complained of still there
or back again, the household's own quarrel; the animal just reported that a message points back at; and, when the
matcher chose the speaker's own ticket, another household's incident the words are about. Pure reading
of the message against the group's open tickets; the caller joins."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.conversation.acts import clean
from bot.conversation.incidents import _WIDE as AREA  # "整个小区", "全村": the matcher's words for an area
from bot.conversation.incidents import OWN_MINUTES, SHARED_WORDS, Candidate, is_partial_after_fix
from bot.conversation.likeness import places, shared
from bot.conversation.services import not_now, out_now, service_of
from bot.handlers.resident import still_waiting
from bot.pipeline import Context
from models import CLOSED, RESOLVED, Ticket

# "八号楼也停了", "7号楼4单元 也停了 啥时候能来", "我们后巷也没得": a service said to stop, or to be out too,
# without its name
STOPPED = re.compile(r"停(?:了|哒|咯|啦|嘞|咧|掉了)|也(?:没|冇|莫|么|无|木)(?:得|有)?(?:了|哒|啊|哦|呀|咯|嘞)?(?=$|\s|[，,。!！])")
SERVICES = ("water", "power")  # the services a cut is asked about, or said to stop without a name
_ASKS = re.compile(r"问一?下|请问")  # "问一下 今天停了半天水 水费会不会多算啊": a question of its own
# an outage someone reported or worked on this recently is the one going on (not a morning ticket left open)
OUT_MINUTES = 120
# "…垃圾还在", "狗又来了", "又开大了 还在唱", "路灯还是歪起的", "5巷路灯今晚都仲系黑蚊蚊": the thing still there, or back
_BACK = re.compile(r"还在(?!上班|外面|路上|家|屋|睡|等)|又(?:来|在|跑|把|开|响|吵|冒|唱)|仲系|仲喺|"
                   r"还是(?:歪|黑|那样|老样子|一样|黄|臭|吵|响|漏)")
BACK_WORDS = 2  # content bigrams (`likeness.shared`) the message shares with the incident's reports, at least


def awaited(ctx: Context, prediction, found: list[Ticket]) -> Ticket | None:  # type: ignore[no-untyped-def]
    """"还没来水吗 孩子八点要去上画画课", an hour into the outage: still waiting for the open outage of
    that service (never another carrier's) is one more word about it, however far the words are from
    its reports; a danger said with it ("还冇来电 阿公的制氧机") makes the incident urgent (`Request._join`)."""
    waiting = still_waiting(ctx.text)
    same = [t for t in found if t.category == waiting and t.status not in (RESOLVED, CLOSED)
            and not (prediction.provider and t.provider and prediction.provider != t.provider)]
    return most_reported(same) if waiting is not None else None


def out_too(ctx: Context, prediction, cands: list[Candidate],
            found: list[Ticket]) -> Ticket | None:  # type: ignore[no-untyped-def]
    """"我家电饭锅煮到一半就没电了…", "+1 下村十一号也没得电" while the power is out: the service said out
    for the speaker is one more household of the open outage of it (a ticket whose reports say it is out and
    that someone spoke of in the last two hours), however far the words are from its reports; of two, the
    one most households reported.

    - So too the service said to stop, or to be out "too", without its name ("俺家也没谁 南街的 洗衣机接水接一半停了"):
      on the labelled days 208 of the 212 residents' water and power requests saying so while an outage was
      open were that outage. Not a question of its own ("问一下 今天停了半天水 水费会不会多算啊").
    - Not a danger, which goes out on its own; not a fault left after a fix ("来电了 但是我家厨房那路…").
    - Not another place than the outage's, unless it says "too": "东头也没电 是一回事吧" while the outage reported
      from 四五六排 is open is that outage (on the labelled days, 35 of the 37 residents' lines saying the
      service is out "too" in another place than the only one an open outage's reports name are that outage;
      without 也, 12 of 18, and "停点了 … 12栋是不是都停了" was another)."""
    words = clean(ctx.text)
    service = out_now(words)
    if service is None and prediction.category in SERVICES and STOPPED.search(ctx.text) \
            and service_of(words) is None and not not_now(words) and not _ASKS.search(words):
        service = prediction.category  # the service the detector names ("八号楼也停了")
    if service is None or service != prediction.category or prediction.urgent or is_partial_after_fix(ctx.text):
        return None
    mine = frozenset() if "也" in ctx.text else places(ctx.text)
    since = ctx.now - timedelta(minutes=OUT_MINUTES)
    outages = {c.key for c in cands
               if c.category == service and not c.resolved and max(c.last_ts, c.worked_ts or c.last_ts) >= since
               and any(out_now(clean(t)) == service for t in c.texts) and not _elsewhere(mine, c.texts)}
    return most_reported([t for t in found if t.id in outages])


def back(ctx: Context, prediction, cands: list[Candidate], found: list[Ticket]) -> Ticket | None:  # type: ignore[no-untyped-def]
    """"万溪桥头那堆垃圾还在 越堆越多了", "烧烤摊又把桌子摆到我家门口了": the thing complained of, still there
    or back again, said in the words of one open incident of its category (the matcher found its words tie,
    `Matcher.best`, but not enough for a join so long after): that incident, however long ago. Not one
    resolved: "水是来哒 但是黄的 …还是黄的" after the fix is a new fault, and a verdict is the reporter's."""
    if not _BACK.search(ctx.text):
        return None
    words = {c.key: len(shared(ctx.text, c.texts)) for c in cands if c.category == prediction.category and not c.resolved}
    most = max(words.values(), default=0)
    keys = [k for k, n in words.items() if n == most]
    return next((t for t in found if t.id == keys[0]), None) if most >= BACK_WORDS and len(keys) == 1 else None


def own_quarrel(ctx: Context, prediction, cands: list[Candidate],
                found: list[Ticket]) -> Ticket | None:  # type: ignore[no-untyped-def]
    """"符伯来讲了 隔壁阿弟说树他自己砍 瓦片的钱还在讲", two hours after the same household's complaint of the
    neighbour's tree on its roof: a quarrel's household saying more about a quarrel is that quarrel, however far
    its words are from the complaint. On the labelled days, 333 of the 341 residents' lines about a quarrel said
    while a quarrel they had reported was open were about it; 4 of the other 8 were fights, which go out on their
    own (an urgent message never joins here)."""
    if prediction.category != "dispute" or prediction.urgent:
        return None
    own = [c.key for c in cands if c.category == "dispute" and not c.resolved and ctx.msg.contact in c.reporters]
    return next((t for t in found if t.id == own[0]), None) if len(own) == 1 else None


def most_reported(outages: list[Ticket]) -> Ticket | None:
    """Of the open outages of one service (often one outage opened twice in the first minute), the one most
    households reported, then the latest: a further ticket would only split it more."""
    return max(outages, key=lambda t: (t.report_count, t.created_at, t.id), default=None)


def _elsewhere(mine: frozenset[str], texts: Sequence[str]) -> bool:
    """The message names a place, and the incident's reports name one other place only ("7栋" beside "5栋")."""
    theirs = _places_of(texts)
    return bool(mine) and len(theirs) == 1 and not mine & theirs


# Another place, hours later: a report naming a place (a building, an entrance, a lane) that no report of an incident
# names, more than two hours after its last report, when the incident is at one place (its reports name one address,
# "9号楼1单元", or parts of it, and no area): another incident, whatever the matcher reads. gd-d1's "2号楼3单元楼道里一股
# 煤气味" joined "9号楼1单元一楼楼道 又有人从窗户上拉根线给电动车充电" six hours later (the matcher's own test of places
# takes building and entrance for two places). On the labelled days, 1 of the 663 residents' lines so placed against an
# incident of their category is in it; 5 of 112 between half an hour and two hours after, 93 of 141 within half an hour.
ELSEWHERE_AFTER = timedelta(hours=2)


def elsewhere_later(text: str, cand: Candidate, now: datetime) -> bool:
    """The message names another place than the incident's one, more than `ELSEWHERE_AFTER` after its last report.
    (`_elsewhere` above is the narrower test for an outage: its reports name one place, a single token.)"""
    if now - cand.last_ts <= ELSEWHERE_AFTER:
        return False
    mine = places(text)
    named = {p for p in map(places, cand.texts) if p}
    if not mine or not named or any(AREA.search(t) for t in cand.texts):
        return False
    theirs = frozenset().union(*named)
    return not mine & theirs and any(theirs <= p for p in named)


# Pointing back at an animal just reported ("那条黄狗天天在垃圾桶边上转 有人喂的", "许只狗我都见过", "那几条狗是对面工地上
# 的"): a word about that incident, whatever the detector and the matcher read. On the labelled days (held days aside),
# of the 53 residents' lines pointing so, asking nobody to act, at an animal another household had reported in the last
# quarter of an hour, 26 are more reports of that incident and 27 chatter about it; none is another incident. Five of
# them opened a ticket of their own on the dev days.
_POINTS_BACK = re.compile(r"(?:那|这|许|嗰|该)(?:条|只|几条|几只|两条|两只|头|群)[\u4e00-\u9fff]{0,2}?(?P<animal>[狗猫蛇牛羊猪鹅猴])")
POINTS_BACK_MINUTES = 15
# the animal as the subject of a report ("有只大黄狗", "几条野狗", "流浪狗"), not in passing ("垃圾箱满了 狗都在那儿刨")
_ANIMAL_REPORTED = "(?:[条只头群][\u4e00-\u9fff]{{0,3}}?|流浪|[野黄疯恶]){}"
# asking for someone to act ("那几条流浪狗又在学校门口转哩 … 能不能管一下"): a report of its own, read as usual
_WANTS_ACT = re.compile(r"管一?下|管管|能不能|有没有人|有冇人|谁来|快来|抓走|捉走|弄走")


def points_back(ctx: Context, cands: list[Candidate], found: list[Ticket]) -> Ticket | None:
    """The open incident another household reported in the last quarter of an hour about the animal the message
    points back at ("那条狗…"), if one, and the message asks nobody to act."""
    match = _POINTS_BACK.search(ctx.text)
    if match is None or _WANTS_ACT.search(ctx.text):
        return None
    reported = re.compile(_ANIMAL_REPORTED.format(match.group("animal")))
    since = ctx.now - timedelta(minutes=POINTS_BACK_MINUTES)
    keys = [c.key for c in cands if not c.resolved and c.last_ts >= since and ctx.msg.contact not in c.reporters
            and any(reported.search(t) for t in c.texts)]
    return next((t for t in found if t.id == keys[0]), None) if len(keys) == 1 else None


# A resident's words about another household's incident, not their own report (`named_other`): this many of its words
# more than of their own. On the labelled days (held days aside) the rule moves 3 residents' lines, each to the
# incident its writer meant: gp-d1's street lamps, ud-d1's and zb-d1's rubbish ("村口垃圾车来了没 那一片臭得人过不去"
# from the household that had reported a dog chasing the children). Each had joined the speaker's own ticket, which
# the worker's fix of the other then closed, or left open.
WORDS_LEAD = 2


def named_other(ctx: Context, prediction, cands: list[Candidate], best: Candidate,  # type: ignore[no-untyped-def]
                unsure: bool) -> Candidate | None:
    """"天黑了 9栋后面的路灯还是不亮 娃娃补课回来要走那里", hours after the speaker's own report of stray dogs chasing
    children, while another household's "9栋后头那条路的路灯好几盏都不亮了 … 娃娃放学走那里怕得很" is open: the
    matcher's choice is the speaker's own ticket (its reporter speaking), but the message names no place of it and
    says more of another open incident (`WORDS_LEAD` of its words more), which the matcher would join without the
    speaker's own, and of the kind the detector reads: that one. Not minutes after the speaker's own report: "天又黑了
    又停电 外面冷得很 急死我了", two minutes after the household's grandfather was reported missing, is about him."""
    since = ctx.now - timedelta(minutes=OWN_MINUTES)  # the speaker's next words on their report are about it
    if ctx.msg.contact not in best.reporters or _place_of(ctx.text, best.texts) \
            or any(who == ctx.msg.contact and when >= since for who, when in best.said):
        return None
    others = [c for c in cands if ctx.msg.contact not in c.reporters]
    other, _, _, talk = ctx.matcher.best(ctx.text, prediction, ctx.msg.contact, ctx.now, others, strict=unsure)
    if other is None or talk or other.category != prediction.category:
        return None
    lead = len(shared(ctx.text, other.texts)) - len(shared(ctx.text, best.texts))
    return other if lead >= WORDS_LEAD and (_place_of(ctx.text, other.texts) or lead >= SHARED_WORDS) else None


def _place_of(text: str, reports: Sequence[str]) -> bool:
    """The message names a place these reports name."""
    return bool(places(text) & _places_of(reports))


def _places_of(texts: Sequence[str]) -> frozenset[str]:
    """Every place these texts name."""
    return frozenset().union(*map(places, texts))
