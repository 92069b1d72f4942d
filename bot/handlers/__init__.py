"""The message handlers, in the order they are tried. The first that applies and handles wins."""

from __future__ import annotations

from bot.handlers.request import Request
from bot.handlers.resident import CarrierAnswer, CommandRefusal, Confirmation, PrivateFallback
from bot.handlers.worker import WorkerActs
from bot.pipeline import Handler


def default_handlers() -> list[Handler]:
    """The pipeline, in order: workers (acts, never reports), refusals, confirmations, carrier answers, requests."""
    return [
        WorkerActs(),
        CommandRefusal(),
        Confirmation(),
        CarrierAnswer(),
        Request(),
        PrivateFallback(),
    ]
