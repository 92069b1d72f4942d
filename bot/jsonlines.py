"""Reading one JSON Lines line as hostile input: a reason for every line that cannot be used, never a crash."""

from __future__ import annotations

import json


class LineError(ValueError):
    """The line cannot be used; the message says why (one short phrase)."""


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_line(line: str | bytes):
    """The JSON value of one line (bytes are decoded as UTF-8), or LineError.

    Refused: bytes that are not UTF-8, invalid JSON, NaN / Infinity (output must stay strict JSON),
    numbers too long to convert, nesting too deep. Accepted: a raw \\r or tab inside a string."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LineError(f"not UTF-8 (byte {exc.start + 1})") from None
    try:
        return json.loads(line, parse_constant=_no_constant, strict=False)
    except json.JSONDecodeError as exc:
        raise LineError(f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise LineError("not usable JSON (nested too deep)") from None
    except ValueError as exc:  # a number of 5,000 digits, NaN, Infinity
        raise LineError(f"not usable JSON ({str(exc)[:60]})") from None
