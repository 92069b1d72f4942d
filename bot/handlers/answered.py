"""A worker's words that answer a resident's question: the answer is the question's resolution (the
resident confirms as usual). Which question, if any, from the words, the asker named, and how soon after."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.conversation.acts import WorkerAct
from bot.conversation.endings import asks
from bot.conversation.likeness import shared, similarity
from bot.conversation.names import addressed
from bot.conversation.refer import Option, said
from bot.handlers.target import about
from bot.pipeline import Context

ANSWER_MATCH = 0.2  # share of a question's words an answer must take up
# a worker's first words, this soon after being asked, on the only question they were just asked: its answer,
# in whatever words ("取款点那个是小终端 …今天可以取" to "今天还取得到钱不"), but not words that take a
# problem up ("收到 …月底前调好", "好 我看看 …过来"; read as accepting: "嗡嗡响怕是缺相 …我转来看下") or try
# something with the resident ("你把龙头都关上 看看表还转不转"): those say the "question" was a problem
ANSWER_SOON = timedelta(minutes=30)
_TAKES_UP = re.compile(r"^\W*(?:收到|好的?|好嘞|嗯|知道了|晓得了|明白|我看看|马上)")
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])不\1")


def answered(ctx: Context, act: WorkerAct, options: list[Option], urgent: set[int]) -> WorkerAct:
    """A full answer to a resident's question is its resolution (the resident confirms as usual). Not an
    emergency's: "是不是哪家煤气漏了" asks nothing words settle."""
    asked = [o for o in options if o.mine and o.texts and o.ticket_id not in urgent and asks(o.texts[0])]
    if not asked:
        return act
    words = said(act)
    sims = {o.ticket_id: max(similarity(words, t) for t in o.texts) for o in asked}
    best = max(sims, key=sims.get)
    named = [o.ticket_id for o in asked if any(n in o.reporters for n in act.mentions)]
    if not named:  # "孙姨 带上身份证…": the reporter addressed by name, one ticket only
        named = [o.ticket_id for o in asked if addressed(act.body, o.reporters)]
        named = named if len(named) == 1 else []
    just = [o.ticket_id for o in asked if not o.notes and ctx.now - o.since <= ANSWER_SOON]
    if act.kind == "notice" and not named and not act.mentions:
        # "明天不停 今天是故障 不是计划停电 …" to "明天还停电吗" asked just now: a notice in words that answer it
        spoken = [o.ticket_id for o in asked if o.ticket_id in just and shared(words, o.texts)]
        return replace(act, kind="resolve", number=spoken[0]) if len(spoken) == 1 else act
    if named or (sims[best] >= ANSWER_MATCH and act.kind not in ("ask", "notice")):
        return replace(act, kind="resolve", number=(named or [best])[0])
    if act.kind == "resolve" and any(about(act, o) for o in options if o.ticket_id not in just):
        return act  # "巷头的树枝都拉走了 路通了": a fix whose words name another ticket, not the answer to a question
    if len(just) == 1 and act.kind not in ("ask", "accept") and not _TAKES_UP.search(act.body) \
            and not _A_NOT_A.search(act.body):
        return replace(act, kind="resolve", number=just[0])
    return act
