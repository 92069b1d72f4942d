"""How alike two messages are, in the words people use for a problem: content bigrams, bigrams inside
jieba's words, and named places ("3栋", "东头"). Shared by the matcher and the workers' reading."""

from __future__ import annotations

import re
from functools import lru_cache, wraps
from typing import Callable, Sequence

from bot.classifier.features import jieba  # imported there with its log level set

_FILLER = re.compile(r"好几天|好久|几天|没人|请问|什么|怎么|一下|麻烦|谁管|管管|晚上|早上|今天|昨天|现在|一直|大家|师傅|网格员|"
                     r"[\s\W_\d]|[的了吗呢啊呀吧哦哈嘛么啦我你他她们家也都还是在有个这那就要和跟俺咱恁]|\[[^\]]{1,6}\]")
# words any ticket's talk may have: they tie a message to no ticket in particular
_COMMON_GRAMS = frozenset({"处理", "解决", "修好", "已经", "问题", "反映", "谢谢", "情况", "看看", "赶紧", "快点", "不了",
                           "不行", "没人", "联系", "好的", "收到", "知道", "时间", "小时", "分钟", "号楼", "单元",
                           "屋里", "屋头", "屋企"})  # "home" in the south and west, as 家 (dropped as a filler)
# "3栋", "东头", "南片": a place; "上头凉" (the upper part) and "前头" (in front) are not
_PLACE = re.compile(r"[0-9一二三四五六七八九十百零两]+\s*(?:栋|幢|号楼|座|组|队|单元|巷|排)|[东西南北前后上下]\s*[村组片街巷]|[东西南北]\s*头")

_AT = re.compile(r"[@＠][^\s\u2005@＠]{1,16}")  # "@农商行小吴": who is addressed, not what it is about


def content(text: str) -> str:
    return _FILLER.sub("", _AT.sub(" ", text))


CACHED_CHARS = 120  # texts up to this long keep their bigrams, words and places: a ticket's reports are
# compared with every message after them. A longer one (up to 20,000 characters) is worked out again, so
# the three caches stay small whatever people write: 38 MB at most (2,048 random texts of 120 characters)


def _short_cached(fn: Callable[[str], frozenset[str]]) -> Callable[[str], frozenset[str]]:
    """`fn` with its results kept for texts up to CACHED_CHARS (`.cache` is the lru_cache)."""
    cached = lru_cache(maxsize=2048)(fn)

    @wraps(fn)
    def call(text: str) -> frozenset[str]:
        return cached(text) if len(text) <= CACHED_CHARS else fn(text)

    call.cache = cached  # type: ignore[attr-defined]
    return call


@_short_cached
def _bigrams(text: str) -> frozenset[str]:
    c = content(text)
    grams = frozenset(c[i:i + 2] for i in range(len(c) - 1))
    return grams or (frozenset((c,)) if c else frozenset())


def similarity(a: str, b: str) -> float:
    """Share of the smaller text's content bigrams that the other has (0..1)."""
    ga, gb = _bigrams(a), _bigrams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / min(len(ga), len(gb))


def coverage(text: str, other: str) -> float:
    """Share of `text`'s own content bigrams that `other` has (0..1): how much of it is the other's words."""
    ga, gb = _bigrams(text), _bigrams(other)
    return len(ga & gb) / len(ga) if ga else 0.0


@_short_cached
def _word_grams(text: str) -> frozenset[str]:
    """Bigrams inside the words of a text ("大黄狗" gives 大黄 and 黄狗; "号楼一共" crosses words: none)."""
    grams = set()
    for word in jieba.lcut(content(text)):  # with the HMM: "黄狗" is a word even if no dictionary has it
        grams |= {word[i:i + 2] for i in range(len(word) - 1)}
    return frozenset(grams - _COMMON_GRAMS)


def shared(text: str, texts: Sequence[str]) -> set[str]:
    """The words' bigrams of `text` that any of `texts` also has ("垃圾站", "黄狗")."""
    mine = _word_grams(text)
    return set().union(*(mine & _word_grams(t) for t in texts)) if texts else set()


_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_BUILDING = re.compile(r"(?:幢|号楼|座)$")  # "5号楼", "五栋", "5幢": one building however it is said


def _number(numeral: str) -> str:
    """"五" -> "5", "十二" -> "12", "二十三" -> "23"; digits as they are; anything else unchanged."""
    if numeral.isdigit():
        return str(int(numeral))
    if all(c in _DIGIT for c in numeral):
        return "".join(str(_DIGIT[c]) for c in numeral)
    tens, ten, ones = numeral.partition("十")
    if ten and all(c in _DIGIT for c in tens + ones) and len(tens) <= 1 and len(ones) <= 1:
        return str((_DIGIT[tens] if tens else 1) * 10 + (_DIGIT[ones] if ones else 0))
    return numeral


def _place(found: str) -> str:
    found = re.sub(r"\s", "", found)
    match = re.match(r"[0-9一二三四五六七八九十百零两]+", found)
    if match is None:
        return found
    return _number(match.group(0)) + _BUILDING.sub("栋", found[match.end():])


@_short_cached
def places(text: str) -> frozenset[str]:
    """The places a text names, said one way: "五号楼" and "5栋" are both "5栋"."""
    return frozenset(_place(m) for m in _PLACE.findall(text))
