"""Is this message about the same problem as that open ticket? A pairwise "same incident" model.

As in conversation-disentanglement work, every (new message, open ticket) pair is described by a
few features: time gap, category and carrier agreement, place, text similarity, "me too" and
follow-up cues, who is speaking. A logistic model trained on labelled days of group chat
(`bot/conversation/learning.py`) gives P(same incident); a message joins the most likely ticket
when that probability clears the threshold chosen by cross-validation. Pure: no database here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Sequence

import numpy as np

from bot.classifier.base import Prediction
from bot.conversation.acts import is_question
from bot.conversation.dialect import mandarin
from bot.conversation.forest import Forest
from bot.conversation.likeness import content, places, shared, similarity
from bot.conversation.report_model import ReportModel

_METOO = re.compile(r"也(?:是|没|无|冇|冒|木|停|断|一样|这样|不|坏|黑|有|卡|连|打)|同样|一样|\+1|加一|同问|我家也|我们也|俺家也|咱家也|"
                    r"我这也|这边也|我们这也|也遇到|跟楼上|同楼上|楼上说|附议|还有我家|算我一个")
# agreeing with the report just made, and saying more: "是的 垃圾桶都满出来哒", "对的 靠公交站那几盏都不亮"
_AGREE = re.compile(r"^\s*(?:是的|是啊|是呀|对的|对啊|对呀|对头|没错|确实|(?:对|就是|是)(?=[\s,，!！。]))")
_FOLLOWUP = re.compile(r"还没|还不|咋还|怎么还|啥时候|什么时候|几时|几点|多久|到底|有人管|有人来|来了没|修好没|好了没|"
                       r"进展|催一下|再催|怎么样了|咋样了|还要等|等了|一直没|还是没|还是不")
_AGAIN = re.compile(r"又(?:停|断|没|坏|漏|堵|跳|黑|不)")
# "电是来了 可我家厨房那一路还没电", "别栋都亮了 就我们这栋黑的": the service is back, this household's
# fault is its own (a new incident in 14 of 16 such messages of the training and dev days)
_PARTIAL = re.compile(r"(?:电|水|网|信号|暖气)(?:是|倒是|总算|终于)?(?:来了|来哒|来咯|通了|有了|恢复了|好了|热了)"
                      r".{0,8}?(?:可|但|就是|不过|只是)|来(?:电|水)了.{0,4}?(?:可|但|就是|不过|只是)|"
                      # "有网喇 但系iTV电视睇唔到", "来电哒 但是屋里的网还是冇得" (not "有水了 不过好小": the water
                      # back weak is the outage not over); with the dialect read as Mandarin (`dialect.mandarin`)
                      # and "都有电 … 还是没" without 了, 8 more residents' lines of the labelled days, all requests
                      r"(?:(?:有|通)(?:电|网|信号)|来电)(?:了|啦|喇|嘞|哒|咯).{0,4}?(?:可(?!以|算)|但|不过|只是)|"
                      r"(?:别|其他|人家|邻居|隔壁|对门|别人|别个)[家栋户楼屋巷排]?(?:都|是|倒)?(?:亮了|有电|有水|好的|好了|正常|有|来电|来水|来了)|"
                      # "巷子里都有电了 我厂里还是冇得": back around, still out here
                      r"都(?:有|来|通)(?:电|水|网)?(?:了|啦|喇|嘞)?.{0,12}?还(?:是)?(?:没|冇|木|不)|"
                      # "前楼来电了 阿拉后厢房那路还是没电", "灯是亮了 可厨房插座没电": one circuit of the house
                      r"(?:来电|电来|有电|亮)了.{0,20}?(?:那一?路|插座)[^，,。.!！?？]{0,6}?(?:没|冇|无|勿|木)")
# After the fix, in other words: "楼道里来电哒 我屋里电表那里的开关一推上去就跳", "来电是来电哒 我屋里厨房那一路还是冇电",
# "大家都有电了 就我屋还系冇": the service named back, then the speaker's own home and what is still wrong there.
# Against an incident already fixed it is a fault of its own (7 of 8 such messages of the training and dev days);
# against one still open it may be one more household of it, so it gates only fixed incidents.
_PARTIAL_AFTER_FIX = re.compile(r"(?:(?:来|有|通)(?:电|水|网)|(?:电|水|网)(?:是)?(?:来|通|有))(?:了|哒|咯|啦|嘞)(?![吗么没冇])"
                                r".{0,16}?(?:我|俺|阿拉|我们|咱)(?:家|屋|这)[^，,。!！?？]{0,16}?"
                                # still wrong, not fine again: "我家没问题了", "我屋里灯不闪了" are thanks, not a fault
                                r"(?:跳|(?:没|冇|木|无|唔)(?!问题|事|得事|关系)|不(?![^\s，,。了]了|要紧|用))")
_OTHER_CUE = re.compile(r"另外|还有个|还有一个|另一|别的事|顺便|再问|再说个|不是一回事|不是一个事")
# "整个小区都黑了", "全庄都没电": the incident is not one place's
_WIDE = re.compile(r"整个|全(?:村|庄|组|小区|屯|寨|队|街|片|镇)|一大片|整片|家家|都(?:停|没|黑|断)")


@dataclass(frozen=True)
class Candidate:
    """An open (or just resolved) ticket as the matcher sees it."""

    key: object  # the ticket id (or, in training, the incident id)
    category: str
    provider: str | None
    texts: tuple[str, ...]  # its reports, oldest first
    reporters: frozenset[str]  # reporters' contact ids and names
    first_ts: datetime
    last_ts: datetime
    resolved: bool = False
    keywords: frozenset[str] = frozenset()
    said: tuple[tuple[str, datetime], ...] = ()  # (reporter, when) of its latest reports
    worked_ts: datetime | None = None  # a worker's latest act on it (taken up, progress, fixed)
    urgent: bool = False  # an emergency (a fight, a fire, someone in danger)


@dataclass
class Matcher:
    """P(same incident) for (message, candidate) pairs, and the joining threshold."""

    coef: np.ndarray
    intercept: float
    threshold: float
    meta: dict = field(default_factory=dict)
    unsure_threshold: float = 0.8  # for a message the detector was not sure is a request
    report: ReportModel | None = None  # P(a household's report, not talk), learned from the labelled days
    report_gate: float = 0.0  # under this P(report), a join by someone who has not reported it is talk
    forest: Forest | None = None  # boosted trees, when the CV chose them over the logistic weights
    open_gate: float = 0.0  # under this P(report), a message that would open a ticket beside an open incident of
    # its category is talk (`holds`)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if self.forest is not None:
            return self.forest.proba(rows[:, :LEARNED])
        return 1.0 / (1.0 + np.exp(-(rows[:, :LEARNED] @ self.coef + self.intercept)))

    def best(self, text: str, prediction: Prediction, sender: str, ts: datetime,
             candidates: Sequence[Candidate], *, strict: bool = False) -> tuple[Candidate | None, float, bool, str]:
        """The most likely candidate, its probability, whether the message says something of that
        candidate's own (`tied_by_words`), and whether it is talk: "about" (talk about that candidate),
        "held" (it clears no candidate, and would open a ticket of its own, but reads as talk while an
        incident of its category is open: `holds`) or ""; the candidate is None when none clears the
        threshold, or when the message is talk.

        `strict` (an unsure message) asks for a higher probability: it joins only what it clearly matches.
        Talk: the candidate clears the bar, but the message reads as talk around it (`is_talk`: P(report)
        under the gate, from someone who has not reported it, no bare "me too", not short). The caller
        never treats an urgent message as talk.
        """
        if not candidates:
            return None, 0.0, False, ""
        p_report = self.report.p(text) if self.report is not None else NEUTRAL_REPORT
        rows = pair_matrix(text, prediction, sender, ts, candidates, p_report)
        metoo = bare_metoo(rows)
        probs = np.maximum(self.probabilities(rows), np.where(metoo, 1.0, 0.0)) * evidence(rows, candidates)
        i = int(np.argmax(probs))
        bar = self.threshold if not strict else max(self.threshold, self.unsure_threshold)
        tied = bool(tied_by_words(rows[i:i + 1])[0])
        if probs[i] < bar:
            return None, float(probs[i]), tied, "held" if may_hold(text) and holds(rows, self.open_gate) else ""
        if is_talk(rows[i:i + 1], metoo[i:i + 1], self.report_gate)[0]:
            return None, float(probs[i]), tied, "about"
        return candidates[i], float(probs[i]), tied, ""


FEATURES = ("same_cat", "provider_conflict", "place_same", "place_differ", "sim_max", "sim_all", "keyword_overlap",
            "metoo", "followup", "other_cue", "log_gap_last", "log_gap_first", "latest_of_category",
            "log_same_category", "sender_reported", "mentions_reporter", "p_request", "pred_none", "abstained",
            "resolved", "log_length", "same_cat_x_sim", "same_cat_x_metoo", "same_cat_x_followup",
            "latest_x_metoo", "sim_x_latest", "varied_same_cat", "varied_x_sim", "short", "again",
            "log_gap_worked")
# Columns after the learned ones: evidence for the gate below, not weighed by the model.
GATE_ONLY = ("p_report", "shared_words", "own_recent", "partial", "agree", "emergency")
LEARNED = len(FEATURES)
# Categories whose requests differ from one another (rubbish and a stray dog are both `other`):
# there a shared category says little, and a join needs the words to agree (CONTRACT.md).
VARIED = frozenset({"other", "dispute", "bank"})
CONTENT_BAR = 0.25
SHARED_WORDS = 2  # or this many bigrams inside words both say ("打起来", "老赵"): the same thing
SHORT_CONTENT = 6
QUIET_MINUTES = 90
# An urgent report this soon after the last report of an open emergency of its category is the same emergency
# ("是彭二和刘三 打出血了 拉都拉不开" a minute after "店门口两个喝了酒的打起来了"): on the training days 20 such
# pairs the words did not tie were one emergency, 6 were not (4 of them onlookers' talk)
EMERGENCY_MINUTES = 10
RECENT_MINUTES = 30  # agreeing (是的 …) this soon after the category's latest report is about it
# A resident's next request within this many minutes of their own report is about the same problem
# (203 of 210 such pairs on the training and dev days; 3 of the 7 others say 另外 / 还有)
OWN_MINUTES = 15




NEUTRAL_REPORT = 0.5  # p_report without a learned report model (the rules' matcher gives it no weight)


def pair_matrix(text: str, prediction: Prediction, sender: str, ts: datetime,
                candidates: Sequence[Candidate], p_report: float = NEUTRAL_REPORT) -> np.ndarray:
    """One feature row per candidate (see FEATURES, then GATE_ONLY)."""
    mine = places(text)
    metoo = 1.0 if _METOO.search(text) else 0.0
    followup = 1.0 if _FOLLOWUP.search(text) else 0.0
    other = 1.0 if _OTHER_CUE.search(text) else 0.0
    # 1: a fault of its own beside any incident; 0.5: beside a fixed one only (`_PARTIAL_AFTER_FIX`)
    said = mandarin(text)
    partial = 1.0 if _PARTIAL.search(said) else 0.5 if _PARTIAL_AFTER_FIX.search(said) else 0.0
    cat = guessed_category(prediction)
    latest: dict[str, object] = {}
    count: dict[str, int] = {}
    for c in sorted(candidates, key=lambda c: c.last_ts):
        latest[c.category] = c.key
        count[c.category] = count.get(c.category, 0) + 1
    p_req = prediction.p_request if prediction.p_request is not None else prediction.confidence
    kws = set(prediction.keywords)
    again = 1.0 if _AGAIN.search(text) else 0.0  # "又停水了": it had stopped, so this is another time
    short = 1.0 if len(content(text)) <= SHORT_CONTENT else 0.0  # "我家也是", "还没来吗": nothing of its own
    agree = 1.0 if _AGREE.search(text) and not short else 0.0
    rows = []
    for c in candidates:
        same = 1.0 if c.category == cat else 0.0
        conflict = 1.0 if (c.category == "telecom" and prediction.provider and c.provider
                           and c.provider != prediction.provider) else 0.0
        theirs = set().union(*(places(t) for t in c.texts)) if c.texts else set()
        place_same = 1.0 if mine and theirs and mine & theirs else 0.0
        # another place than the incident's one: not when it already spans places ("16栋", "18栋") or the area
        place_differ = 1.0 if mine and theirs and not mine & theirs and not _spread(theirs, c.texts) else 0.0
        own_recent = 1.0 if not other and any(who == sender and timedelta(0) <= ts - when <= _OWN
                                                for who, when in c.said) else 0.0
        sims = [similarity(text, t) for t in c.texts[-8:]] or [0.0]
        sim_max = max(sims)
        sim_all = similarity(text, " ".join(c.texts[:8]))
        is_latest = 1.0 if latest.get(c.category) == c.key and c.category == cat else 0.0
        gap_last = max(0.0, (ts - c.last_ts).total_seconds() / 60)
        gap_first = max(0.0, (ts - c.first_ts).total_seconds() / 60)
        # since anyone last spoke of it: its last report, or a worker's act ("到龙潭了 正在掏")
        gap_worked = max(0.0, (ts - max(c.last_ts, c.worked_ts or c.last_ts)).total_seconds() / 60)
        # smoke is seen from afar: "我在2栋也看到了 好大一股黑烟" names where the speaker is, not the fire
        emergency = 1.0 if (prediction.urgent and c.urgent and same and not c.resolved
                            and gap_last <= EMERGENCY_MINUTES and (not place_differ or c.category == "fire")) else 0.0
        rows.append([
            same, conflict, place_same, place_differ, sim_max, sim_all, 1.0 if kws & c.keywords else 0.0,
            metoo, followup, other, math.log1p(gap_last), math.log1p(gap_first), is_latest,
            math.log1p(count.get(cat, 0)), 1.0 if sender in c.reporters else 0.0,
            1.0 if any(r and ("@" + r) in text for r in c.reporters) else 0.0,
            float(p_req), 1.0 if cat == "none" else 0.0, 1.0 if prediction.abstained else 0.0,
            1.0 if c.resolved else 0.0, math.log1p(len(text)), same * sim_max, same * metoo, same * followup,
            is_latest * metoo, sim_max * is_latest, same * (c.category in VARIED), same * (c.category in VARIED) * sim_max,
            short, again, math.log1p(gap_worked),
            p_report, min(len(shared(text, c.texts[-8:])), 3) / 3, own_recent, partial, agree, emergency,
        ])
    return np.asarray(rows, dtype=float)


_F = {name: i for i, name in enumerate(FEATURES + GATE_ONLY)}
_OWN = timedelta(minutes=OWN_MINUTES)


def _spread(theirs: set[str], texts: Sequence[str]) -> bool:
    return len(theirs) >= 2 or any(_WIDE.search(t) for t in texts)


def _open_followup(rows: np.ndarray) -> np.ndarray:
    """"快十点了 电咋还不来": a follow-up about the latest still-open incident of its category, however long
    after (not in the varied categories, where a question about when is as often a new question)."""
    return ((rows[:, _F["followup"]] > 0) & (rows[:, _F["latest_of_category"]] > 0) & (rows[:, _F["varied_same_cat"]] == 0)
            & (rows[:, _F["resolved"]] == 0) & (rows[:, _F["other_cue"]] == 0) & (rows[:, _F["p_request"]] >= 0.5))


def _recent_cue(rows: np.ndarray) -> np.ndarray:
    """"是的 垃圾桶都满出来哒": agreeing with the category's latest incident soon after it was reported; in
    the varied categories too, where other words would not tie it (a mere "也" would: "我这边卷帘门也是电动的")."""
    return ((rows[:, _F["agree"]] > 0) & (rows[:, _F["same_cat"]] > 0) & (rows[:, _F["latest_of_category"]] > 0)
            & (rows[:, _F["resolved"]] == 0) & (rows[:, _F["log_gap_last"]] <= math.log1p(RECENT_MINUTES)))


def _short_cue(rows: np.ndarray) -> np.ndarray:
    """A short "me too" / follow-up (我家也没水, 还没来吗) next to the latest incident of its category."""
    return (((rows[:, _F["metoo"]] > 0) | (rows[:, _F["followup"]] > 0)) & (rows[:, _F["short"]] > 0)
            & (rows[:, _F["latest_of_category"]] > 0))


def _named(rows: np.ndarray) -> np.ndarray:
    """Per pair: does the message name that incident (its own words, its place, one of its reporters
    speaking or @-mentioned)? Likeness of a few characters ("停电") and cues are not naming."""
    return ((rows[:, _F["shared_words"]] >= SHARED_WORDS / 3) | (rows[:, _F["sender_reported"]] > 0)
            | (rows[:, _F["mentions_reporter"]] > 0) | (rows[:, _F["place_same"]] > 0))


def tied_by_words(rows: np.ndarray) -> np.ndarray:
    """Per pair: does the message say something of that incident's own (words, place, its reporter,
    a bare me-too or follow-up right after it)?"""
    return (_named(rows) | (rows[:, _F["sim_max"]] >= CONTENT_BAR) | _short_cue(rows) | _recent_cue(rows)
            | _open_followup(rows))


def is_talk(rows: np.ndarray, metoo: np.ndarray, gate: float) -> np.ndarray:
    """Per pair: a message that reads as talk (P(report) under the gate) from someone who has not
    reported that incident: "没电也不耽误吃鸡蛋", "心疼纸箱子". Not a bare "me too", and not a short
    message ("没水了[流泪]", "停水了吗？"): talk needs words of its own, a short one is a household's report."""
    if gate <= 0:  # no gate (the rules' matcher, and the CV's search before it chooses one)
        return np.zeros(len(rows), dtype=bool)
    return ((rows[:, _F["p_report"]] < gate) & (rows[:, _F["sender_reported"]] == 0) & ~metoo
            & (rows[:, _F["short"]] == 0))


def may_hold(text: str) -> bool:
    """Could the opening gate hold this message (`holds`)? Not a question ("明天的水几点来啊"), not one
    addressed to someone (@): those ask for something whatever they read as. (The caller never holds an
    urgent message.)"""
    return "@" not in text and "＠" not in text and not is_question(text)


def holds(rows: np.ndarray, gate: float) -> bool:
    """The opening gate: a message that joins nothing and would open a ticket of its own, reading as talk
    (P(report) under the gate) while an incident of its category is open (not a varied one), is talk about it:
    "又停呀[捂脸]", "等电等到睡着了 zzz", "宝宝洗一半 水都凉了[大哭]". It opens nothing (it waits for review)."""
    if gate <= 0 or not len(rows):
        return False
    # not in the varied categories: an open stray-dog ticket says nothing of a rubbish report beside it
    # ("小区里有条流浪狗老追着小孩咬 谁管管" reads P(report) 0.21)
    of_its_kind = (rows[:, _F["same_cat"]] > 0) & (rows[:, _F["varied_same_cat"]] == 0)
    return bool(((rows[:, _F["p_report"]] < gate) & of_its_kind).any())


def bare_metoo(rows: np.ndarray) -> np.ndarray:
    """A short cue of the same category while that incident is still open and being reported (CONTRACT.md),
    or an urgent report of an emergency still being reported (EMERGENCY_MINUTES): it joins, whatever the
    learned weights say."""
    return (((rows[:, _F["same_cat"]] > 0) & _short_cue(rows) & (rows[:, _F["resolved"]] == 0)
             & (rows[:, _F["log_gap_last"]] <= math.log1p(QUIET_MINUTES))) | (rows[:, _F["emergency"]] > 0))


def evidence(rows: np.ndarray, candidates: Sequence[Candidate]) -> np.ndarray:
    """1 where a join is possible at all: in the varied categories only with agreeing words or cues."""
    varied = np.array([c.category in VARIED for c in candidates])
    words = tied_by_words(rows)
    # another named place, other words and no "me too": another problem, whatever the category
    elsewhere = ((rows[:, _F["place_differ"]] > 0) & (rows[:, _F["sim_max"]] < CONTENT_BAR)
                 & (rows[:, _F["metoo"]] == 0) & (rows[:, _F["sender_reported"]] == 0))
    # long after the incident's last report, a report must say something that ties it to the incident
    # (an incident still being worked on is not stale: "上寨水还没来吗" an hour after the last report, ten
    # minutes after the worker's "到龙潭了 正在掏")
    stale = (rows[:, _F["log_gap_last"]] > math.log1p(QUIET_MINUTES)) & (
        (rows[:, _F["log_gap_worked"]] > math.log1p(QUIET_MINUTES)) | (rows[:, _F["resolved"]] > 0))
    again = rows[:, _F["again"]] > 0
    # a confident request of another category is another problem ("楼道里着火了" is not the water cut)
    # (unless it is the resident's own next word on their own report: "跺脚拍手都不亮" after "声控灯坏了")
    other_kind = ((rows[:, _F["same_cat"]] == 0) & (rows[:, _F["abstained"]] == 0) & (rows[:, _F["pred_none"]] == 0)
                  & (rows[:, _F["own_recent"]] == 0))
    partial = (rows[:, _F["partial"]] >= 1) | ((rows[:, _F["partial"]] > 0) & (rows[:, _F["resolved"]] > 0))
    # a fixed incident, long after its last report: the same words ("停电了") are as likely another
    # failure; it is reopened only by its reporters or by what names it (the place, its own words)
    fixed_long_ago = stale & (rows[:, _F["resolved"]] > 0) & ~_named(rows)
    return np.where(rows[:, _F["emergency"]] > 0, 1.0,
                    np.where((varied & ~words) | elsewhere | (stale & (~words | again)) | other_kind | partial
                             | fixed_long_ago, 0.0, 1.0))


def guessed_category(prediction: Prediction) -> str:
    """The category, or for a message read as chatter ("我家也停水") the likeliest request category."""
    if prediction.category != "none" or not prediction.scores:
        return prediction.category
    requests = {k: v for k, v in prediction.scores.items() if k != "none"}
    return max(requests, key=requests.get) if requests else "none"


def is_unsure(prediction: Prediction, text: str) -> bool:
    """The detector was not sure this is a request, and it is not a bare "me too" (我家也停水) either."""
    bare_metoo = has_metoo(text) and len(content(text)) <= SHORT_CONTENT
    return (prediction.abstained or prediction.category == "none") and not bare_metoo


def has_metoo(text: str) -> bool:
    """"我家也没电", "+1": the message says the same happens to the speaker."""
    return bool(_METOO.search(text))


def is_partial(text: str) -> bool:
    """"电是来了 可我家厨房那一路还没电": the service is back and this household's fault is its own."""
    return bool(_PARTIAL.search(mandarin(text)))


def is_partial_after_fix(text: str) -> bool:
    """Said of a fixed incident ("楼道里来电哒 我屋里电表那里的开关一推上去就跳"): a fault of the household's own,
    not a verdict on the fix."""
    said = mandarin(text)  # "大家都有电 但系我间房仲系冇电": 但是 … 还是没
    return bool(_PARTIAL.search(said) or _PARTIAL_AFTER_FIX.search(said))


# "有水了", "网通了": a service named as back (the group says which service: "水", "电", "网", ...)
SERVICE_BACK = re.compile(r"(?:来|有|通)(?P<a>水|电|网|信号)了|(?P<b>水|电|网|信号|电视)(?:来|好|通|有)了")
# "我家也来水了 谢谢龙师傅", "东头也有了", "来了 出水了": the service is back; with nothing still wrong in it
# (no 没 / 还是 / 但 / a question) it reports nothing (none of 290 such messages of the labelled days did)
# (also the heat and the line back in their own words: "俺家也热了 谢谢", "5号楼暖气热了", "光猫红灯灭了 能上网了",
# "信号满格了": 37 of 37 such messages of the labelled days and the message files, saying nothing is still
# wrong, are chatter)
_RESTORED = re.compile(SERVICE_BACK.pattern + r"|灯(?:来|通|有|亮)了|出水了|(?:也|都)(?:有|来|亮|通|好|热)了|"
                       r"(?:暖气|暖汽|地暖|片子)(?:热|暖和)了|能上网了|上得网了|红灯(?:灭|没)了|信号(?:恢复|满格)了|"
                       r"网(?:络)?(?:恢复|正常)了|"
                       # back "too" in other words ("我家也清了 谢谢", "6栋的也有电", "俺家也出来了"): all 59 residents' lines
                       # of the labelled days (held days aside) saying so with nothing still wrong are chatter; 28 of
                       # them only these words read, and 4 of those (gp-d1's two, gt-d1's, fs-d1's) had joined incidents
                       r"也(?:是)?(?:清了|热乎|有电|有水|出来了|有信号|有网|来电|来水|亮了|通了|恢复)")
_STILL_WRONG = re.compile(r"没|冇|木|不|停|断|坏|黄|小|还|又|但|可|就是|只有|一半|闪|跳|怎么|咋|吗|么|[?？]")


def is_restored(text: str) -> bool:
    """"有水了 谢谢": the service is back, and the message says nothing is still wrong."""
    return bool(_RESTORED.search(text)) and not _STILL_WRONG.search(text)


def could_join(text: str, prediction: Prediction) -> bool:
    """Worth comparing with open tickets: a possible request, or a bare "me too" / follow-up."""
    return prediction.category != "none" or prediction.abstained or has_metoo(text) or bool(_FOLLOWUP.search(text))


def rule_matcher() -> Matcher:
    """Hand-set weights for when no dialogue corpus is installed: category and a cue or similar words."""
    w = dict.fromkeys(FEATURES, 0.0)
    w.update(same_cat=2.0, provider_conflict=-6.0, place_differ=-3.0, place_same=1.5, sim_max=1.0,
             same_cat_x_sim=3.0, same_cat_x_metoo=2.5, same_cat_x_followup=2.0, latest_of_category=1.0,
             log_gap_last=-0.4, other_cue=-2.0, pred_none=-1.0, sender_reported=0.5)
    return Matcher(np.array([w[f] for f in FEATURES]), -3.0, 0.5, {"source": "rules"})
