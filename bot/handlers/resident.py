"""Residents: a #command typed by mistake, confirming a fix, naming their carrier."""

from __future__ import annotations

from bot import repo, texts, tickets
from bot.handlers.commands import carrier_answer, confirmation, looks_like_command
from bot.pipeline import Context
from models import AWAITING_PROVIDER, RESOLVED


class CommandRefusal:
    """Only roster workers may accept, resolve or reassign: anyone else gets a polite no."""

    name = "command-refusal"

    def applies(self, ctx: Context) -> bool:
        return not ctx.is_worker and looks_like_command(ctx.text)

    def handle(self, ctx: Context) -> bool:
        ctx.say(texts.refused_not_worker())
        return True


class Confirmation:
    """满意 / 好了谢谢 closes the resident's resolved ticket; 不满意 / 还是没水 reopens it."""

    name = "confirmation"

    def applies(self, ctx: Context) -> bool:
        return ctx.grid is not None and confirmation(ctx.text) is not None and bool(self._ticket(ctx))

    def _ticket(self, ctx: Context):
        assert ctx.grid is not None
        found = repo.tickets_reported_by(ctx.session, grid_id=ctx.grid.id, contact=ctx.msg.contact,
                                         statuses=(RESOLVED,))
        return found[0] if found else None

    def handle(self, ctx: Context) -> bool:
        ticket = self._ticket(ctx)
        assert ctx.grid is not None and ticket is not None
        if confirmation(ctx.text) == "satisfied":
            tickets.close(ctx.session, ticket=ticket, now=ctx.now, actor=ctx.msg.sender, satisfaction="satisfied")
            ctx.say(texts.closed_satisfied(ticket.id))
        else:
            ctx.out += tickets.reopen(ctx.session, ticket=ticket, grid=ctx.grid, members=ctx.members, now=ctx.now,
                                      actor=ctx.msg.sender, text=ctx.text)
        return True


class CarrierAnswer:
    """The resident names the carrier the bot asked about; 'don't know' goes to the comprehensive worker."""

    name = "carrier-answer"

    def applies(self, ctx: Context) -> bool:
        return ctx.grid is not None and carrier_answer(ctx.text) is not None and bool(self._ticket(ctx))

    def _ticket(self, ctx: Context):
        assert ctx.grid is not None
        found = repo.tickets_reported_by(ctx.session, grid_id=ctx.grid.id, contact=ctx.msg.contact,
                                         statuses=(AWAITING_PROVIDER,))
        return found[0] if found else None

    def handle(self, ctx: Context) -> bool:
        ticket = self._ticket(ctx)
        assert ctx.grid is not None and ticket is not None
        answer = carrier_answer(ctx.text)
        ticket.provider = None if answer == "unknown" else answer
        repo.log_event(ctx.session, ticket=ticket, ts=ctx.now, actor=ctx.msg.sender, action="carrier",
                       detail=answer or "")
        first = repo.reports_of(ctx.session, ticket_id=ticket.id)[0]
        ctx.out += tickets.route(ctx.session, ticket=ticket, grid=ctx.grid, members=ctx.members,
                                 text=first.text, now=ctx.now)
        ctx.say(texts.recorded(ticket.id, ticket.urgent))
        return True


class PrivateFallback:
    """A resident writing to the bot privately is pointed back to the group."""

    name = "private-fallback"

    def applies(self, ctx: Context) -> bool:
        return ctx.grid is None

    def handle(self, ctx: Context) -> bool:
        ctx.say(texts.private_for_residents() if not ctx.is_worker else texts.command_help())
        return True
