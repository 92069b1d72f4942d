"""jieba's dictionary cut (`jieba.lcut(text, HMM=False)`), in one pass per block.

jieba builds a DAG of dictionary words for a block, then a dynamic programme over it, then joins
runs of single ASCII letters and digits. This does the same three steps with jieba's own
dictionary and tie-breaking, but with the DAG and the programme merged into one backward loop and
the logarithms of word frequencies kept (by frequency, so a changed dictionary cannot go stale).
It returns exactly jieba's tokens (`tests/test_segment.py` compares every corpus message) in
about half the time, which is most of what one prediction spends.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Iterable

import jieba

_HAN = jieba.re_han_default  # the block pattern jieba's cut uses
_SKIP = jieba.re_skip_default


class _Logs:
    """log(freq) - log(total) per frequency value, reset when the dictionary's total changes."""

    def __init__(self) -> None:
        self.total = None
        self.by_freq: dict[int, float] = {}
        self.floor = 0.0

    def refresh(self, total: int) -> dict[int, float]:
        if total != self.total:
            self.total = total
            self.by_freq = {}
            self.floor = -math.log(total)  # an unknown single character: log(1) - log(total)
        return self.by_freq


_LOGS = _Logs()


@lru_cache(maxsize=4)
def _common(min_freq: int, total: int) -> frozenset[str]:
    """jieba's words at least `min_freq` frequent and its single characters (for one dictionary state:
    `total` changes whenever a word is added)."""
    return frozenset(w for w, f in jieba.dt.FREQ.items() if f >= min_freq or (f and len(w) == 1))


class Lexicon:
    """A part of jieba's dictionary: the words a model was trained on, the common words, every single
    character, and their prefixes, with jieba's frequencies and total.

    jieba's cut is the most probable path of dictionary words; a path made only of kept words scores
    the same, and every other path can only score less, so every message the words were taken from
    is cut exactly as jieba cuts it (`tests/test_segment.py`). A new message differs only where jieba
    would use a rare word no training message contained (a word the model has no weight for). The
    table is an eighth of jieba's, so a cut touches far less memory: most of what it costs."""

    def __init__(self, words: Iterable[str], min_freq: int) -> None:
        dt = jieba.dt
        dt.check_initialized()
        full = dt.FREQ
        keep = {w for w in words if full.get(w)} | _common(min_freq, dt.total)
        freq: dict[str, int] = {}
        for w in sorted(keep, key=lambda w: (-full[w], w)):  # common words first: they sit together in memory
            freq[w] = full[w]
        for w in sorted(keep):
            for i in range(1, len(w)):
                freq.setdefault(w[:i], 0)  # a prefix: the cut looks further
        self.freq = freq
        self.total = dt.total
        self.min_freq = min_freq


def _block(s: str, freq: dict[str, int], logs: dict[int, float], floor: float, logtotal: float, out: list[str]) -> None:
    n = len(s)
    score = [0.0] * (n + 1)
    end = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        best, last = None, k
        i, frag = k, s[k]
        while i < n:
            f = freq.get(frag)
            if f is None:  # not even a prefix of a dictionary word
                break
            if f:
                lp = logs.get(f)
                if lp is None:
                    lp = logs[f] = math.log(f) - logtotal
                v = lp + score[i + 1]
                if best is None or v >= best:  # jieba's max over (score, end): a tie goes to the longer word
                    best, last = v, i
            i += 1
            frag = s[k:i + 1]
        score[k] = floor + score[k + 1] if best is None else best
        end[k] = last
    x, buf = 0, ""
    while x < n:
        y = end[x] + 1
        word = s[x:y]
        if y - x == 1 and word.isascii() and word.isalnum():  # jieba's re_eng: single letters and digits join
            buf += word
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(word)
        x = y
    if buf:
        out.append(buf)


def lcut(text: str, lexicon: "Lexicon | None" = None) -> list[str]:
    """The tokens of `jieba.lcut(text, HMM=False)`; with a `lexicon`, of the same cut on its smaller table."""
    if lexicon is None:
        dt = jieba.dt
        dt.check_initialized()
        freq, total = dt.FREQ, dt.total
    else:
        freq, total = lexicon.freq, lexicon.total
    logs = _LOGS.refresh(total)
    floor = _LOGS.floor
    logtotal = -floor
    out: list[str] = []
    for blk in _HAN.split(text):
        if not blk:
            continue
        if _HAN.match(blk):
            _block(blk, freq, logs, floor, logtotal, out)
        else:
            for x in _SKIP.split(blk):
                if _SKIP.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out
