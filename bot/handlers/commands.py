"""Reading what workers and residents mean in a word: pure parsing, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.classifier.extract import extract_provider
from bot.texts import CATEGORY_ALIASES

# A WeChat quote arrives as 「name：quoted」 then a dashed line, then the reply.
_QUOTE = re.compile(r"^「(?P<quoted>.*?)」\s*(?:-\s*){3,}(?P<reply>.*)$", re.S)
_TICKET_NO = re.compile(r"#\s*(\d{1,9})|工单号\s*(\d{1,9})")
_MENTION = re.compile(r"@\S+?(?:\u2005|\s|$)")
_NOISE = re.compile(r"\[[^\]]{1,6}\]|[\s,，.。!！~～、…:：;；?？\"“”'‘’()（）\[\]【】]|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")

_EXPLICIT = re.compile(r"^#\s*(接单|办结|改派|待查看|查看|日报|帮助)\s*(\d{1,9})?\s*(.*)$", re.S)
_ACK = r"(?:收到|马上到|马上去|马上过去|马上来|这就去|这就来|在路上了?|已安排|我去看看|我来处理|接单|明白|了解|好的)"
_DONE = r"(?:已修好|修好了|已修复|修复了|已?处理好了|已处理|处理完了|已解决|解决了|搞定了|弄好了|已恢复|恢复了|已办结|办结了)"
_LEAD = r"(?:好的|好|嗯|哦|ok|OK|收到|师傅|我们|已经)*"
_TAIL = r"(?:了|啦|的|哈|呢|谢谢|马上|处理|正在处理|请确认|请查看|请看看|大家|各位)*"
# A word answer is the whole (cleaned) message: "收到" yes, "今天收到快递了吗" no.
_ACCEPT_RE = re.compile(rf"^{_LEAD}{_ACK}(?:{_ACK}|{_TAIL})*$")
_RESOLVE_RE = re.compile(rf"^{_LEAD}{_DONE}{_TAIL}$")
SHORT_REPLY = 16
LONG_REPLY = 60  # beyond this a message is a report or a notice, not an answer
_CLAUSE = re.compile(r"[，,。.!！;；\s]")

_SATISFIED = re.compile(r"满意|^(?:好了|可以了|修好了|没问题|通了)|^(?:来|有)(?:水|电|网|信号)了|^(?:水|电|网|信号)(?:来|好|通)了|^谢谢(?:师傅|你们|您|大家)?(?:了|啦)?$")
_UNSATISFIED = re.compile(r"不满意|还是(?:没|不|一样)|还没(?:好|修|来)|没修好|没有修好|又(?:停|断|坏)|根本没|不行")
_DONT_KNOW = re.compile(r"不知道|不清楚|不晓得|忘了|不记得")


@dataclass(frozen=True)
class Command:
    """What a worker asks: verb is accept, resolve, reassign, show, review, digest or help."""

    verb: str
    ticket_id: int | None = None
    argument: str = ""
    explicit: bool = False  # typed as a #command (not a word answer)


def clean(text: str) -> str:
    """Without @-mentions, punctuation, spaces and WeChat emoji codes."""
    return _NOISE.sub("", _MENTION.sub("", text + " "))


def split_quote(text: str) -> tuple[str | None, str]:
    """(quoted part or None, the reply)."""
    match = _QUOTE.match(text.strip())
    return (match.group("quoted"), match.group("reply").strip()) if match else (None, text.strip())


def ticket_number(text: str) -> int | None:
    match = _TICKET_NO.search(text)
    return int(match.group(1) or match.group(2)) if match else None


def parse_command(text: str) -> Command | None:
    """A worker command: '#接单 3', '#改派 3 电信', or a word answer '收到' / '已修好' (maybe quoting a ping)."""
    quoted, reply = split_quote(text)
    explicit = _EXPLICIT.match(clean_head(reply))
    if explicit:
        verb = {"接单": "accept", "办结": "resolve", "改派": "reassign", "查看": "show",
                "日报": "digest", "帮助": "help", "待查看": "review"}[explicit.group(1)]
        number = int(explicit.group(2)) if explicit.group(2) else (ticket_number(quoted) if quoted else None)
        return Command(verb, number, explicit.group(3).strip(), explicit=True)
    number = ticket_number(quoted) if quoted else ticket_number(reply)
    # The whole answer ("收到马上到"), or its first clause followed by a note ("已修好，接头换了").
    first = _CLAUSE.split(reply.strip(), maxsplit=1)[0]
    for candidate, limit in ((clean(reply), SHORT_REPLY), (clean(first), SHORT_REPLY)):
        if not candidate or len(candidate) > limit or len(reply) > LONG_REPLY:
            continue
        if _RESOLVE_RE.match(candidate):
            return Command("resolve", number)
        if _ACCEPT_RE.match(candidate) and candidate not in ("好的", "好", "明白", "了解"):
            return Command("accept", number)
    return None


def clean_head(text: str) -> str:
    """Drop leading @-mentions so '@网格小助手 #接单 3' reads as a command."""
    return _MENTION.sub("", text.strip() + " ").strip()


def looks_like_command(text: str) -> bool:
    """A #command typed by anyone (residents get a polite refusal)."""
    return bool(_EXPLICIT.match(clean_head(split_quote(text)[1])))


def parse_category(argument: str) -> tuple[str, str | None] | None:
    """'电信' -> ('telecom', 'telecom'); '供水' -> ('water', None); None when unknown."""
    word = clean(argument)
    if word in CATEGORY_ALIASES:
        return CATEGORY_ALIASES[word]
    for alias, value in sorted(CATEGORY_ALIASES.items(), key=lambda kv: -len(kv[0])):
        if len(alias) > 1 and alias in word:
            return value
    return None


def confirmation(text: str) -> str | None:
    """'satisfied', 'unsatisfied' or None for a resident's answer to 'is it fixed?'."""
    word = clean(text)
    if not word or len(word) > 30:
        return None
    if _UNSATISFIED.search(word):
        return "unsatisfied"
    if _SATISFIED.search(word):
        return "satisfied"
    return None


def carrier_answer(text: str) -> str | None:
    """A carrier named in a short answer, 'unknown' for 'I don't know', else None."""
    word = clean(text)
    if not word or len(word) > 30:
        return None
    provider = extract_provider(word) or {"移动": "mobile", "电信": "telecom", "联通": "unicom",
                                          "广电": "broadcast"}.get(word)
    if provider:
        return provider
    return "unknown" if _DONT_KNOW.search(word) else None
