"""Reading what residents mean in a word, and category names: pure parsing, no database."""

from __future__ import annotations

import re

from bot.classifier.extract import extract_provider
from bot.conversation.acts import COMMAND, clean as _clean, split_quote
from bot.conversation.dialect import mandarin
from bot.texts import CATEGORY_ALIASES

_MENTION = re.compile(r"@\S+?(?:\u2005|\s|$)")

_SATISFIED = re.compile(r"满意|^(?:好了|可以了|修好了|没问题|通了|好啦|行了)|^(?:来|有)(?:水|电|网|信号)了|"
                        r"^(?:水|电|网|信号|电视)(?:来|好|通|有)了|^谢谢(?:师傅|你们|您|大家|网格员)?(?:了|啦)?$")
_UNSATISFIED = re.compile(r"不满意|还是(?:没|不|一样)|还没(?:好|修|来)|没修好|没有修好|又(?:停|断|坏)|根本没|(?<!行)不行")  # "行不行" is a question
_DONT_KNOW = re.compile(r"不知道|不清楚|不晓得|忘了|不记得")


def clean(text: str) -> str:
    """Without @-mentions, punctuation, spaces and WeChat emoji codes."""
    return _clean(unmentioned(text))


def plain(words: str) -> str:
    """A resident's short answer with its dialect negations said in Mandarin ("还系唔得" -> "还是不行",
    "唔满意" -> "不满意", "仲系好嘈" -> "还是好嘈"), for reading verdicts (`bot.conversation.dialect`)."""
    return mandarin(words)


def unmentioned(text: str) -> str:
    """Without @-mentions; spaces and punctuation kept (they part what was said)."""
    return _MENTION.sub("", text + " ")


def looks_like_command(text: str) -> bool:
    """A #command typed by anyone (residents get a polite refusal)."""
    return bool(COMMAND.search(split_quote(text)[1]))


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
    word = plain(clean(text))
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
