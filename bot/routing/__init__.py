"""Who a request goes to: pure functions of the category, carrier, urgency and the grid's roster."""

from __future__ import annotations

from typing import Sequence

from models import Member

# category -> roles pinged (telecom is routed by carrier below).
_ROLES: dict[str, tuple[str, ...]] = {
    "water": ("water",),
    "power": ("power",),
    "dispute": ("comprehensive", "mediator"),
    "fire": ("fire",),
    "bank": ("bank",),
    "other": ("comprehensive",),
}


def roles_for(category: str, provider: str | None, urgent: bool) -> tuple[str, ...]:
    """The roster roles a request is routed to (CONTRACT.md)."""
    if category == "telecom":
        roles: tuple[str, ...] = (provider,) if provider else ("comprehensive",)
    else:
        roles = _ROLES.get(category, ("comprehensive",))
    if urgent:
        if category == "dispute":
            roles = roles + ("police",)
        if "comprehensive" not in roles:
            roles = roles + ("comprehensive",)
    return roles


# Who answers an emergency: the police and the fire service take up any urgent ticket of their grid (a
# missing child, a neighbour trapped in a lift), and the police any quarrel, though neither is routed to
# them: on the 107 labelled training and 12 dev days, 137 of their acts are on such tickets.
RESPONDERS = ("police", "fire")


def responds(role: str, category: str, provider: str | None, urgent: bool) -> bool:
    """Does a worker of this role answer such a ticket of their grid though it is not routed to them?
    (The workers of its routed roles hold it from the start; one added to the roster later does not.)"""
    if role in roles_for(category, provider, urgent):
        return False
    # and a carrier's worker a telecom ticket whose carrier nobody has named yet ("屋里电视也冇得台哒" is
    # the broadcast worker's when he takes it up): taking it up names the carrier (`tickets.take_part`)
    return (urgent and role in RESPONDERS) or (role == "police" and category == "dispute") \
        or (role in CARRIERS and category == "telecom" and provider is None)


def color_for(category: str, urgent: bool) -> str:
    """红/黄/绿: urgent is red; basic living and safety matters yellow; services green."""
    if urgent:
        return "red"
    return "yellow" if category in ("water", "power", "fire", "dispute") else "green"


def pick_members(members: Sequence[Member], roles: Sequence[str]) -> list[Member]:
    """Members holding the roles, in role order; a role nobody holds falls back to comprehensive."""
    chosen: list[Member] = []
    for role in roles:
        holders = [m for m in members if m.role == role]
        if not holders:
            holders = [m for m in members if m.role == "comprehensive"]
        for member in holders:
            if all((member.contact_id, member.name) != (c.contact_id, c.name) for c in chosen):
                chosen.append(member)
    return chosen


def unheld(members: Sequence[Member], roles: Sequence[str]) -> list[str]:
    """The roles nobody in the grid holds (their requests go to the comprehensive worker)."""
    held = {m.role for m in members}
    return [r for r in roles if r not in held]


CARRIERS = ("mobile", "telecom", "unicom", "broadcast")  # a telecom ticket's provider is one of these
RESPONDS_TOO = RESPONDERS + CARRIERS  # the roles `responds` may be true for
_ROLE_CATEGORY = {"water": "water", "power": "power", "fire": "fire", "bank": "bank", "mediator": "dispute"}


def category_of_role(role: str) -> tuple[str, str | None] | None:
    """The (category, carrier) a service worker's role stands for; None for roles that serve many."""
    if role in CARRIERS:
        return "telecom", role
    return (_ROLE_CATEGORY[role], None) if role in _ROLE_CATEGORY else None
