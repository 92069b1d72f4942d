"""The label set of CONTRACT.md and how each label routes to roster roles."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = ("water", "power", "telecom", "dispute", "fire", "bank", "other", "none")
REQUEST_CATEGORIES: tuple[str, ...] = tuple(c for c in CATEGORIES if c != "none")
PROVIDERS: tuple[str, ...] = ("mobile", "telecom", "unicom", "broadcast")
ROLES: tuple[str, ...] = (
    "comprehensive", "water", "power", "mobile", "telecom", "unicom",
    "broadcast", "fire", "bank", "mediator", "police",
)
