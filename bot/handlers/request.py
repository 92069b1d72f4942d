"""A resident's request: detect it, then open a ticket and ping the worker, or join an open incident."""

from __future__ import annotations

from bot import repo, texts, tickets
from bot.pipeline import Context
from bot.routing import roles_for
from models import AWAITING_PROVIDER


class Request:
    name = "request"

    def applies(self, ctx: Context) -> bool:
        return ctx.grid is not None

    def handle(self, ctx: Context) -> bool:
        assert ctx.grid is not None
        prediction = ctx.classifier.predict(ctx.text)
        if prediction.category == "none":
            ctx.outcome = "none"
            return True
        if ctx.sender_roles & (set(roles_for(prediction.category, prediction.provider, False)) - {"comprehensive"}):
            # A water worker talking about water is at work, not reporting a problem.
            ctx.outcome = "worker-talk"
            return True
        target = tickets.find_merge_target(ctx.session, settings=ctx.settings, grid_id=ctx.grid.id,
                                           prediction=prediction, now=ctx.now)
        if target is not None:
            # Joining an open incident pings nobody, so a "me too" (我家也是) the detector is unsure
            # about can join it: the worker already knows, and the household is counted.
            households = tickets.add_household_report(ctx.session, ticket=target, msg=ctx.msg, text=ctx.text)
            ctx.outcome = f"merged:{target.id}"
            ctx.say(texts.merged(target.id, households))
            return True
        if prediction.abstained:
            # Not sure enough to ping anyone: the comprehensive worker reviews it in the digest.
            repo.add_review(ctx.session, grid_id=ctx.grid.id, msg=ctx.msg, text=ctx.text,
                            guess=prediction.category, confidence=prediction.confidence, reason="abstained")
            ctx.outcome = "abstained"
            return True
        ticket = tickets.open_ticket(ctx.session, settings=ctx.settings, grid=ctx.grid, msg=ctx.msg,
                                     text=ctx.text, prediction=prediction)
        ctx.outcome = f"ticket:{ticket.id}"
        if ticket.category == "telecom" and ticket.provider is None and not ticket.urgent:
            ticket.status = AWAITING_PROVIDER
            ctx.session.add(ticket)
            ctx.say(texts.ask_carrier())
            return True
        ctx.out += tickets.route(ctx.session, ticket=ticket, grid=ctx.grid, members=ctx.members,
                                 text=ctx.text, now=ctx.now)
        ctx.say(texts.recorded(ticket.id, ticket.urgent))
        return True
