"""Masking of personal numbers, and short previews for logs.

`mask()` hides phone, ID-card and bank-card numbers however they are written: with spaces or
dashes between the digits, with +86 / 0086 in front, in full-width digits (１３８…). It leaves
alone the short numbers residents use every day: rooms (3栋2单元501), dates (2026-11-20), times
(08:30), amounts (1500), ticket numbers (#12), service numbers (10086, 12345, 119, 96288), years.

`log_safe()` and `preview()` also make a text safe to put on one log line.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Callable

# The number patterns are matched against a "shadow" copy of the text in which every decimal
# digit (full-width １, Arabic-Indic ١, ...) is its ASCII digit and ＋ Ｘ ｘ are + X x. The copy
# has the same length, so a match's span in it is also the span of the original characters.
_FOLD = {"＋": "+", "Ｘ": "X", "ｘ": "x"}
_DIGIT_LIKE = re.compile(r"\d|[＋Ｘｘ]")  # \d: any Unicode decimal digit

# A space, also a no-break, full-width or zero-width one.
_SP = r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u2060\u3000\ufeff]"
_DASH = r"[-\u2010-\u2015\u2212\ufe63\uff0d]"   # hyphen, dashes, minus, full-width hyphen
_SEP = rf"(?:{_SP}{{0,2}}{_DASH}{_SP}{{0,2}}|{_SP}{{1,3}})"  # the gap between digit groups
_S = _SEP + "?"                                 # an optional gap
_S_DOT = rf"(?:{_SEP}|[.．])?"                   # an optional gap or dot (138.1234.5678)
_CC = rf"[(（]?(?:(?:\+|00){_SP}?)?86[)）]?{_S}"  # country code: +86, 0086, (+86), 86-


def _loose(atoms: str) -> str:
    """One regex atom per digit (space-separated in `atoms`), with an optional gap between any two."""
    return _S.join(atoms.split())


# One atom per digit of an 18-digit ID card (area, birth date yyyymmdd, serial, check digit)
# and of a mobile number.
_ID18_DIGITS = _loose(r"[1-9] \d \d \d \d \d  [12] [089] \d \d [01] \d [0-3] \d  \d \d \d [\dXx]")
_MOBILE_DIGITS = _loose(r"1 [3-9] \d \d \d \d \d \d \d \d \d")


def _digits(text: str) -> str:
    return re.sub(r"[^0-9Xx]", "", text)


# Each rule is a pattern and how to write what it matched. The rules run in this order; a
# masked number contains '*', so a later rule never sees its digits again.
_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    # 18-digit ID card: 6-digit area, birth date (19900307), 3 digits and a check digit or X,
    # with any spacing: 430102 19900307 123X -> 430102********123X
    (re.compile(rf"(?<!\d){_ID18_DIGITS}(?!\d)", re.ASCII),
     lambda m: (d := _digits(m[0]))[:6] + "*" * 8 + d[-4:]),
    # 15-digit ID card (before 1999): area, yymmdd, 3 digits -> 430102******123
    (re.compile(rf"(?<!\d)[1-9]\d{{5}}{_S}\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]){_S}\d{{3}}(?!\d)",
                re.ASCII),
     lambda m: (d := _digits(m[0]))[:6] + "*" * 6 + d[-3:]),
    # Bank card: 16-19 digits in one run, or in groups of four (6222 0212 3456 7890 123). No
    # card starts with 19 or 20, which spares years and dates (2019 2020 2021 2022). A grouped
    # match must not be followed by another group of four: in "1502 6222 0212 3456 7890" the
    # card is the last four groups. Only the last 4 digits stay: ************7890
    (re.compile(rf"(?<!\d)(?!19|20)(?:\d{{16,19}}"
                rf"|\d{{4}}(?:{_SEP}\d{{4}}){{3}}(?:{_SEP}\d{{1,3}})?(?!{_SEP}\d{{4}}(?!\d)))(?!\d)", re.ASCII),
     lambda m: "*" * (len(d := _digits(m[0])) - 4) + d[-4:]),
    # Mobile: 1[3-9] and 9 more digits, after an optional +86 / 0086 / 0. Written as usual
    # (13812345678, 138 1234 5678, 138-1234-5678, 138.1234.5678, 1381234 5678), or with gaps
    # anywhere as long as no further digit group follows (1 3 8 1 2 3 4 5 6 7 8).
    # -> +86 138****5678
    (re.compile(rf"(?<!\d)(?P<cc>{_CC}|0)?(?P<num>1[3-9]\d{_S_DOT}\d{{4}}{_S_DOT}\d{{4}}(?!\d)"
                rf"|{_MOBILE_DIGITS}(?!{_S}\d))", re.ASCII),
     lambda m: (m["cc"] or "") + (d := _digits(m["num"]))[:3] + "****" + d[-4:]),
    # Landline with an area code (010, 021, 0571; or +86 571): 0571-88123456, (0571) 8812 3456
    # -> 0571-****3456
    (re.compile(rf"(?<!\d)(?P<head>(?:{_CC}[(（]?0?|[(（]?0)(?:10|2\d|[3-9]\d\d)[)）]?{_S})"
                rf"(?P<local>\d{{3,4}}{_S}\d{{4}})(?!\d)", re.ASCII),
     lambda m: m["head"] + "****" + _digits(m["local"])[-4:]),
]


def _shadow(text: str) -> str:
    """`text` with ASCII digits (see above); same length."""
    if text.isascii():
        return text
    return _DIGIT_LIKE.sub(lambda m: _FOLD.get(m[0]) or str(unicodedata.decimal(m[0])), text)


def mask(text: str) -> str:
    """Hide phone, ID-card and bank-card numbers, keeping a recognisable prefix or suffix."""
    for pattern, hide in _RULES:
        shadow, pieces, end = _shadow(text), [], 0
        for m in pattern.finditer(shadow):
            pieces += [text[end:m.start()], hide(m)]
            end = m.end()
        text = "".join(pieces) + text[end:]
    return text


# What could break or disguise a log line: C0 and C1 controls (\n, \r, NUL, ESC, ...), the
# Unicode line/paragraph separators, and bidirectional marks and overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate cannot be encoded as UTF-8


def log_safe(name: str) -> str:
    """A display name or text made safe for one log line: one line, printable, UTF-8, masked."""
    if isinstance(name, str) and len(name) <= 64:
        return _log_safe_short(name)  # names and rooms repeat on every message
    return _log_safe(name)


def _log_safe(name: str) -> str:
    text = _SURROGATE.sub("\ufffd", name if isinstance(name, str) else str(name))
    return mask(" ".join(_UNSAFE.sub(" ", text).split()))


_log_safe_short = functools.lru_cache(maxsize=8192)(_log_safe)
_CUT_TAIL = re.compile(r"[\d\s\-+()（）＋－０-９*]+$")


def preview(text: str, limit: int = 24) -> str:
    """A masked, one-line, short preview of a message for logs (a generous head is enough to mask)."""
    if isinstance(text, str) and len(text) > limit * 4:
        text = _CUT_TAIL.sub("", text[: limit * 4])  # never end on part of a number: it could not be masked
    flat = log_safe(text)
    return flat if len(flat) <= limit else flat[:limit] + "…"
