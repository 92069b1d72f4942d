"""Tickets left over from one problem: when a worker closes a ticket, which other open tickets were the
same problem reported apart. Pure reading of texts and times, no database.

One outage is sometimes opened twice: a me-too said half an hour after the last report, a typo the
matcher did not join ("停谁哒啊 一早冇得水"). Workers then answer one of the two tickets; the other stays
open all day, is escalated as late and counted unresolved in the digest. On the 15 dev days, 15 incidents
a worker closed ended the day with another of their tickets still open, 12 of them never taken up.

A ticket is taken as the same problem only when nobody has taken it up (still 待接单), it is an outage of
the same utility (water, power, a carrier), not urgent, first reported from `BEFORE` before the closed
ticket to `AFTER` after its latest report, its reports name no place the closed ticket does not, and
they say the service is out as the closed ticket's do (`services.service_of`), or share its words, and no
report of it is a household's own fault after the fix or a device out of charge ("我部车冇电").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from bot.conversation.acts import clean
from bot.conversation.incidents import is_partial_after_fix
from bot.conversation.likeness import places, similarity
from bot.conversation.services import FLAT, service_of

BEFORE = timedelta(hours=3)  # a leftover is first reported at most this long before the closed ticket was
AFTER = timedelta(hours=1)  # and at most this long after its latest report: a later outage is another one
ALIKE = 0.3  # share of a report's content bigrams the closed ticket's words must have
# only the outages of a utility: two quarrels or two stray dogs share too many everyday words to be told apart
_UTILITIES = frozenset({"water", "power", "telecom"})


@dataclass(frozen=True)
class Candidate:
    """A ticket nobody has taken up: its service, urgency, first report and reports."""

    category: str
    provider: str | None
    urgent: bool
    first_at: datetime
    texts: tuple[str, ...]


def same_problem(category: str, provider: str | None, first_at: datetime, last_at: datetime, texts: Sequence[str],
                 words: str, other: Candidate) -> bool:
    """Is `other` (nobody's yet) the same outage as the ticket of `category` reported from `first_at` to
    `last_at` with the reports `texts`, just closed with the worker's `words`?"""
    if category not in _UTILITIES or other.category != category or other.urgent or not other.texts \
            or (provider and other.provider and provider != other.provider):
        return False
    if not first_at - BEFORE <= other.first_at <= last_at + AFTER:
        return False
    if any(is_partial_after_fix(text) or FLAT.search(clean(text)) for text in other.texts):
        return False  # "来电了 但是我屋厨房的插座还是冒电": the household's own fault; "我部车冇电": a flat battery
    said = [*texts, words]
    where = places(" ".join(said))
    theirs = places(" ".join(other.texts))
    if theirs and not theirs <= where:
        return False  # "7栋也停了" is not the 5栋 outage just fixed
    outage = any(service_of(clean(text)) == category for text in texts)
    return any((outage and service_of(clean(text)) == category) or any(similarity(text, s) >= ALIKE for s in said)
               for text in other.texts)
