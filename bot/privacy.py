"""Masking of personal numbers, and short previews for logs."""

from __future__ import annotations

import re

_ID_CARD = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0[0-9]{2,3}-?)[0-9]{3,4}([0-9]{4})(?![0-9])")


def mask(text: str) -> str:
    """Hide the middle of ID-card, mobile and landline numbers."""
    text = _ID_CARD.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def preview(text: str, limit: int = 24) -> str:
    """A masked, one-line, short preview of a message for logs."""
    flat = mask(" ".join(text.split()))
    return flat if len(flat) <= limit else flat[:limit] + "…"
