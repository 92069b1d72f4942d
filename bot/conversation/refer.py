"""Which ticket a worker's message is about. Pure: the caller loads the candidates.

Evidence, strongest first: an explicit number (handled by the caller), a quote of the bot's ping
or of a reporter, an @-mention of a reporter, the ticket being the worker's own (assigned, or of
their role), the words (the message against the ticket's reports, and a place both name), the
state the act fits, and recency. When the best two are about equally likely the caller asks one short question.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from bot.conversation.acts import WorkerAct
from bot.conversation.endings import found_safe
from bot.conversation.names import addressed
# (`_PLACE` is the pattern `places` reads; likeness.py is read by the learned matcher, and any edit there makes it
# learn again, so its name stays as it is)
from bot.conversation.likeness import _PLACE, content, places, shared, similarity
from models import ACCEPTED, AWAITING_PROVIDER, REOPENED, REPORTED, RESOLVED

TIE = 0.4  # scores closer than this, with no decisive evidence, are "equally likely"
DECISIVE = 4.0
ADDRESSED = 2.5
DISTINCT = 1.2  # per content word (up to three) that only this ticket's reports share with the message
PLACE_SAME, PLACE_OTHER = 1.5, -0.5  # the message names a place its reports name / only other places
# someone found or freed and safe (`endings.found_safe`) is the ticket whose reports tell of someone stuck or missing
SAFE_AND_STUCK = 2.0
_PERSON_STUCK = re.compile(r"困|关在|卡在|停在半路|走失|不见了|找不到|寻唔到|搵唔到|没回|未返|冇返|迷路|摔倒|晕倒|倒在")


@dataclass(frozen=True)
class Option:
    """A ticket the worker may be talking about."""

    ticket_id: int
    status: str
    texts: tuple[str, ...]  # its reports
    reporters: frozenset[str]  # reporters' names
    mine: bool  # assigned to this worker
    my_role: bool  # of this worker's role (not yet assigned to them)
    since: datetime  # when the worker was pinged for it (or its last report)
    notes: tuple[str, ...] = ()  # what workers said taking it up or on progress ("高区冇水 泵房的发电机我在联系")

    @property
    def words(self) -> tuple[str, ...]:
        """Everything said about the ticket: its reports, then the workers' words on it."""
        return self.texts + self.notes


@dataclass(frozen=True)
class Choice:
    ticket_id: int | None  # None: nothing fits
    ambiguous: tuple[int, ...] = ()  # two or more equally likely: ask


_FITS = {
    "accept": {REPORTED: 1.5, REOPENED: 1.5, AWAITING_PROVIDER: 1.0, ACCEPTED: 0.3},
    "progress": {REPORTED: 1.0, REOPENED: 1.0, ACCEPTED: 1.0, AWAITING_PROVIDER: 0.5},
    "resolve": {ACCEPTED: 1.5, REOPENED: 1.2, REPORTED: 1.0, AWAITING_PROVIDER: 0.5, RESOLVED: -2.0},
}


def score(act: WorkerAct, option: Option, now: datetime) -> tuple[float, bool]:
    """(score, decisive evidence?)"""
    s, decisive = 0.0, False
    if act.quoted_text:
        if act.quoted_sender in option.reporters or any(similarity(act.quoted_text, t) > 0.6 for t in option.texts):
            s += DECISIVE
            decisive = True
    if any(name in option.reporters for name in act.mentions):
        s += DECISIVE
        decisive = True
    elif addressed(act.body, option.reporters):  # "田姨 经四路网点就能换": the reporter, by surname and title
        s += ADDRESSED
    if act.kind != "relay":  # passing a ticket on says nothing about whose it is: the words decide
        s += 2.0 if option.mine else (1.0 if option.my_role else 0.0)
    if act.body and option.words:
        # the words without the places, which count apart below: "二巷也冇电" is no likeness of "一巷口二巷口的垃圾都拉走了"
        body = _PLACE.sub(" ", act.body)
        s += 4.0 * max(similarity(body, _PLACE.sub(" ", t)) for t in option.texts[-10:] + option.notes)
        named = places(act.body)  # "18栋的电梯修好了": the ticket whose reports name 18栋
        if named:
            theirs = set().union(*(places(t) for t in option.texts))
            s += PLACE_SAME if named & theirs else (PLACE_OTHER if theirs else 0.0)
    s += _FITS.get(act.kind, _FITS["progress"]).get(option.status, 0.0)
    if found_safe(act.body) and any(_PERSON_STUCK.search(t) for t in option.texts):
        s += SAFE_AND_STUCK  # "…困的细伢子救出来了 人冇事": the child stuck in the lift, not the outage it happened in
    hours = max(0.0, (now - option.since).total_seconds() / 3600)
    s += 2.0 / (1.0 + 4.0 * hours) + 0.5 * math.exp(-hours / 24)
    return s, decisive


# characters any message may have: they tie a worker's words to no ticket in particular
_COMMON_CHARS = frozenset("了的是在有我你他她们家也都还就要和跟这那个不没冇一上下来去到说看好大小人天点头里边些啊呀吧哦哈嘛么啦呢吗")


def shared_chars(act: WorkerAct, texts: Sequence[str]) -> int:
    """How many of the characters of what the worker said (`likeness.content`, common ones aside) `texts` also have:
    the last evidence between two tied tickets when no word or place names either ("车挪走了" and "挪车电话打了没人接")."""
    return len((set(content(said(act))) - _COMMON_CHARS) & set(content(" ".join(texts))))


def said(act: WorkerAct) -> str:
    """What the worker said about the ticket: their words and what they quoted."""
    return " ".join(x for x in (act.body, act.quoted_text or "") if x)


def distinct_words(act: WorkerAct, options: Sequence[Option], notes: bool = True) -> dict[int, set[str]]:
    """For each option, the message's content words (`shared`) that only what was said about it has
    (its reports, and with `notes` the workers' words on it)."""
    common = {o.ticket_id: shared(said(act), o.words if notes else o.texts) for o in options}
    return {k: v - set().union(*(w for j, w in common.items() if j != k)) for k, v in common.items()}


def choose(act: WorkerAct, options: Sequence[Option], now: datetime) -> Choice:
    if not options:
        return Choice(None)
    own = distinct_words(act, options) if len(options) > 1 else {}
    # the residents' words describe the problem; a worker's own ("抢修队已经出了") weigh half
    residents = distinct_words(act, options, notes=False) if len(options) > 1 else {}

    def scored_option(o: Option) -> tuple[float, bool, Option]:
        s, decisive = score(act, o, now)
        theirs, all_ = residents.get(o.ticket_id, set()), own.get(o.ticket_id, set())
        n_res = min(len(theirs), 3)
        n_notes = min(len(all_ - theirs), 3 - n_res)
        return s + DISTINCT * n_res + DISTINCT / 2 * n_notes, decisive, o

    scored = sorted(map(scored_option, options), key=lambda x: (-x[0], -x[2].ticket_id))
    top, decisive, best = scored[0]
    if len(scored) > 1 and not decisive:
        second = scored[1]
        if top - second[0] < TIE and not second[1]:
            return Choice(None, (best.ticket_id, second[2].ticket_id))
    return Choice(best.ticket_id)
