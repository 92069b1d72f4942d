"""Workers' commands: accept (收到 / #接单 N), resolve (已修好 / #办结 N), reassign (#改派 N 类别), show, help."""

from __future__ import annotations

from bot import repo, texts, tickets
from bot.handlers.commands import Command, parse_category, parse_command
from bot.pipeline import Context
from bot.privacy import mask
from models import ACCEPTED, AWAITING_PROVIDER, REOPENED, REPORTED, Member, Ticket

_ACCEPTABLE = (AWAITING_PROVIDER, REPORTED, REOPENED)
_RESOLVABLE = (REPORTED, ACCEPTED, REOPENED)


def _row_in_grid(ctx: Context, grid_id: int) -> Member | None:
    rows = [m for m in ctx.sender_rows if m.grid_id == grid_id]
    return rows[0] if rows else None


def _target(ctx: Context, cmd: Command) -> Ticket | None:
    """The ticket a command is about: its number, or the worker's oldest/latest open one."""
    grid_ids = sorted({m.grid_id for m in ctx.sender_rows})
    if cmd.ticket_id is not None:
        ticket = repo.ticket_by_id(ctx.session, ticket_id=cmd.ticket_id)
        return ticket if ticket is not None and ticket.grid_id in grid_ids else None
    if ctx.grid is not None:
        grid_ids = [ctx.grid.id]
    statuses = _ACCEPTABLE if cmd.verb == "accept" else _RESOLVABLE
    mine = repo.tickets_for_worker(ctx.session, grid_ids=grid_ids, contact=ctx.msg.contact, statuses=statuses)
    if not mine:
        return None
    if cmd.verb == "accept":
        return mine[0]
    # "已修好" is about the ticket the worker took most recently.
    return max(mine, key=lambda t: (t.accepted_at or t.created_at, t.id))


class WorkerCommands:
    name = "worker-commands"
    REVIEW_BATCH = 10

    def _review(self, ctx: Context) -> str:
        """The oldest messages the detector was unsure about, in the worker's grids; marked as seen."""
        grid_ids = sorted({m.grid_id for m in ctx.sender_rows if m.role == "comprehensive"})
        rows = repo.unreviewed(ctx.session, grid_ids=grid_ids, limit=self.REVIEW_BATCH)
        items = []
        for row in rows:
            row.reviewed = True
            ctx.session.add(row)
            items.append((row.ts.astimezone(ctx.settings.tz).strftime("%m-%d %H:%M"), row.sender,
                          mask(tickets.short(row.text, 40)), texts.CATEGORY_NAMES.get(row.guess, row.guess)))
        return texts.review_list(items)

    def applies(self, ctx: Context) -> bool:
        return ctx.is_worker and parse_command(ctx.text) is not None

    def handle(self, ctx: Context) -> bool:
        cmd = parse_command(ctx.text)
        assert cmd is not None
        if cmd.verb == "help":
            ctx.say(texts.command_help())
            return True
        if cmd.verb == "review":
            ctx.say(self._review(ctx) if "comprehensive" in ctx.sender_roles else texts.comprehensive_only())
            return True
        if cmd.verb == "digest":
            from bot.digest import digest_for_worker

            ctx.say(digest_for_worker(ctx.session, settings=ctx.settings, rows=ctx.sender_rows, now=ctx.now), [])
            return True
        ticket = _target(ctx, cmd)
        if ticket is None:
            if cmd.ticket_id is not None:
                ctx.say(texts.no_such_ticket(cmd.ticket_id))
                return True
            if cmd.explicit:
                ctx.say(texts.no_open_ticket())
                return True
            return False  # a bare "收到" with nothing pending is just talk
        grid = repo.grid_by_id(ctx.session, grid_id=ticket.grid_id)
        worker = _row_in_grid(ctx, ticket.grid_id)
        assert grid is not None and worker is not None
        if cmd.verb == "show":
            ctx.say(texts.ticket_summary(ticket.id, ticket.category, ticket.provider, ticket.status,
                                         ticket.report_count), [])
            return True
        if cmd.verb == "reassign":
            parsed = parse_category(cmd.argument)
            if parsed is None:
                ctx.say(texts.bad_category())
                return True
            members = repo.members_of(ctx.session, grid_id=grid.id)
            ctx.out += tickets.reassign(ctx.session, settings=ctx.settings, ticket=ticket, grid=grid,
                                        members=members, now=ctx.now, worker=worker, category=parsed[0],
                                        provider=parsed[1])
            return True
        # The comprehensive worker of the ticket's own grid may act on any of its tickets.
        roles_here = {m.role for m in ctx.sender_rows if m.grid_id == ticket.grid_id}
        mine = worker.contact_id in ticket.assignee_ids or "comprehensive" in roles_here
        if not mine:
            ctx.say(texts.refused_not_assignee(ticket.id))
            return True
        allowed = _ACCEPTABLE if cmd.verb == "accept" else _RESOLVABLE
        if ticket.status not in allowed:
            ctx.say(texts.wrong_state(ticket.id, ticket.status))
            return True
        if cmd.verb == "accept":
            ctx.out += tickets.accept(ctx.session, ticket=ticket, grid=grid, worker=worker, now=ctx.now)
        else:
            ctx.out += tickets.resolve(ctx.session, ticket=ticket, grid=grid, worker=worker, now=ctx.now)
        return True
