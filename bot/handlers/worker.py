"""Workers: every message of a roster worker is an act on a ticket or nothing, never a report.

Commands (#接单 #办结 #查看 #改派 #待查看 #日报 #帮助) may stand anywhere in the message; natural
words (收到, 在路上了, 修好了 大家试一下) are read by `bot.conversation.acts`; which ticket is meant
comes from an explicit number or from `bot.conversation.refer`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import repo, texts, tickets
from bot.conversation.acts import WorkerAct, clean, read_worker, substance
from bot.conversation.endings import answers, defers, ends, looks_later, meets_later, sums_up
from bot.conversation.likeness import places, shared
from bot.conversation.refer import Option, said, shared_chars
from bot.handlers.answered import answered
from bot.handlers.commands import parse_category
from bot.handlers.target import ACTIVE, SAYS_WHICH, about_one_done, first_words, target
from bot.handlers.relay import name_carrier, relayed_people
from bot.lifecycle import Refused, allowed
from bot.messages import Outgoing
from bot.pipeline import Context
from bot.privacy import mask
from bot.routing import RESPONDS_TOO, responds, roles_for
from models import ACCEPTED, AWAITING_PROVIDER, Member, Ticket

_TICKET_ACTS = ("accept", "resolve", "progress", "relay", "show", "reassign")
REVIEW_BATCH = 10
RESPOND = timedelta(minutes=30)  # a responder takes up an emergency not routed to them this soon after
# characters more that a fix must share with one of two tied tickets than with the other to close it: on the 50 dev
# days a lead of 2 closed 3 more tickets rightly and none wrongly; a lead of 1 closed 5 wrongly
CHARS_AHEAD = 2


def _row_in_grid(ctx: Context, grid_id: int) -> Member | None:
    rows = [m for m in ctx.sender_rows if m.grid_id == grid_id]
    comprehensive = [m for m in rows if m.role == "comprehensive"]
    return (comprehensive or rows or [None])[0]


def _takes(roles: set[str], ticket: Ticket) -> bool:
    """A responder's emergency (`routing.responds`): one they may take up though it is not routed to them."""
    return any(responds(r, ticket.category, ticket.provider, ticket.urgent) for r in roles)


class WorkerActs:
    name = "worker"

    def applies(self, ctx: Context) -> bool:
        return ctx.is_worker

    def handle(self, ctx: Context) -> bool:
        comprehensive_here = any(m.role == "comprehensive" and (ctx.grid is None or m.grid_id == ctx.grid.id)
                                 for m in ctx.sender_rows)
        names = {m.name for m in ctx.members}
        options, tickets_by_id = self._options(ctx) if ctx.grid is not None else ([], {})
        names |= {r for o in options for r in o.reporters}
        act = self._read(ctx, names, comprehensive_here)
        # a service worker's options not assigned to them are the emergencies a responder may answer
        options = [o for o in options
                   if o.mine or comprehensive_here or self._answering(ctx, act, tickets_by_id[o.ticket_id])]
        ctx.outcome = f"worker:{act.kind}"
        if ctx.grid is None and not act.explicit:
            ctx.say(texts.command_help())
            return True
        if act.kind == "help":
            ctx.say(texts.command_help())
        elif act.kind == "review":
            ctx.say(self._review(ctx) if comprehensive_here else texts.comprehensive_only())
        elif act.kind == "digest":
            self._digest(ctx)
        elif act.kind in _TICKET_ACTS or act.kind in ("none", "ask", "notice"):
            # an answer to a resident's question resolves it; one that @-mentions the asker even when it
            # reads like a notice ("@王冬梅 卫生院讲流感疫苗到了 60岁以上免费…")
            if ctx.grid is not None and answers(act) and (act.kind in ("accept", "progress", "none")
                                                          or act.kind == "notice"
                                                          or (act.kind == "resolve" and not act.explicit)):
                act = answered(ctx, act, options, {i for i, t in tickets_by_id.items() if t.urgent})
            if act.kind in _TICKET_ACTS:
                self._on_ticket(ctx, act, options, tickets_by_id)
        return True  # notices, questions and talk: nothing to do, and never a report

    @staticmethod
    def _answering(ctx: Context, act: WorkerAct, ticket: Ticket) -> bool:
        """A responder's words on an emergency not routed to them: a number or a quote names it; else
        only taking it up ("收到 马上到") soon after it was reported (not "fixed", nor a notice hours later)."""
        if act.number is not None or act.quoted_text:
            return True
        return act.kind in ("accept", "progress") and ctx.now - ticket.created_at <= RESPOND

    @staticmethod
    def _read(ctx: Context, names: set[str], comprehensive: bool) -> WorkerAct:
        """The act: the rules' reading, and the learned model's for what is said in words
        (a relay only when a worker is @-mentioned: the rules read it so too)."""
        workers = {m.name for m in ctx.members} - {ctx.msg.sender}
        act = read_worker(ctx.text, names, comprehensive=comprehensive, workers=workers)
        if ctx.acts is None or act.explicit:
            return act
        # the model reads the message as it was trained to (`act_learning.worker_messages`): with the roster's
        # names only, so "@王思雨 机顶盒在线了 修好了" @-mentions nobody, as a resident's name never did in training
        roster = {m.name for m in ctx.members} | {ctx.msg.sender}
        learned = ctx.acts.kind(read_worker(ctx.text, roster, comprehensive=comprehensive))
        if sums_up(act.body):
            learned = "notice"  # "今天汇总一下：…都处理好了；…明天修": the day's matters, no one ticket's fix
        elif learned in ("progress", "ask", "notice", "none") and ends(ctx.text):
            learned = "resolve"
        elif learned == "resolve" and (defers(act.body) or meets_later(act.body) or looks_later(act.body)):
            # "…还没下来 一下来我就在群里发": not answered yet; "明天头晌两家都来村委坐坐": to be settled then
            learned = "progress"
        return replace(act, kind=learned) if learned != "relay" or any(n in workers for n in act.mentions) else act

    # -- which ticket ----------------------------------------------------------------------
    def _options(self, ctx: Context) -> tuple[list[Option], dict[int, Ticket]]:
        assert ctx.grid is not None
        roles = {m.role for m in ctx.sender_rows if m.grid_id == ctx.grid.id}
        comprehensive = "comprehensive" in roles
        if comprehensive:
            found = repo.open_tickets(ctx.session, grid_id=ctx.grid.id, statuses=ACTIVE)
            held = repo.assignments_of(ctx.session, ticket_ids=[t.id for t in found])
            mine_of = {t.id: [a for a in held[t.id] if tickets.holds(a, ctx.msg.contact, ctx.msg.sender)]
                       for t in found}
        else:  # a service worker acts on the tickets assigned to them: only those are read
            theirs = repo.held_by(ctx.session, grid_id=ctx.grid.id, statuses=ACTIVE, contact=ctx.msg.contact,
                                  name=ctx.msg.sender)
            found = [t for t, _ in theirs.values()]
            mine_of = {i: held for i, (_, held) in theirs.items()}
            if roles & set(RESPONDS_TOO):  # and the emergencies (for the police, the quarrels; for a carrier,
                # the telecom tickets whose carrier is not named yet) of their grid
                extra = [t for t in repo.open_tickets(ctx.session, grid_id=ctx.grid.id, statuses=ACTIVE)
                         if t.id not in mine_of and _takes(roles, t)]
                found += extra
                mine_of.update((t.id, []) for t in extra)
        if not found:
            return [], {}
        ids = [t.id for t in found]
        reports, reporters = repo.reports_and_reporters(ctx.session, ticket_ids=ids)
        notes = repo.worker_words_for(ctx.session, ticket_ids=ids)
        options, by_id = [], {}
        for t in found:
            mine = mine_of[t.id]
            routed = set(roles_for(t.category, t.provider, t.urgent)) - {"comprehensive"}
            my_role = bool(roles & routed) or _takes(roles, t)
            since = max([a.assigned_at for a in mine] + [r.ts for r in reports[t.id]] or [t.updated_at])
            options.append(Option(t.id, t.status, tuple(r.text for r in reports[t.id]),
                                  frozenset(reporters[t.id]), bool(mine), my_role, since,
                                  tuple(filter(None, map(substance, notes[t.id])))))
            by_id[t.id] = t
        return options, by_id

    @staticmethod
    def _unrelated(act: WorkerAct, option: Option | None) -> bool:
        """Words that describe something, about another worker's ticket they share nothing with
        ("楼道杂物五点清完了" is not the Unicom ticket): a notice of the comprehensive worker's own."""
        if option is None or option.mine or option.my_role:
            return False
        if act.explicit or act.quoted_text or act.mentions or act.kind == "relay":
            return False
        return len(clean(act.body)) > SAYS_WHICH and not shared(act.body, option.texts)

    # -- acting ----------------------------------------------------------------------------
    def _on_ticket(self, ctx: Context, act: WorkerAct, options: list[Option], by_id: dict[int, Ticket]) -> None:
        ticket, choice = target(ctx, act, options, by_id)
        if ticket is None and choice is not None and choice.ambiguous and len(clean(act.body)) > SAYS_WHICH:
            # a description names its ticket well enough: no question; but a fix closes only the one of the two
            # it shares words or a place with ("5幢2号梯好了 …" when the lift and a parcel locker just reported tie),
            # else the one it shares clearly more characters with ("车挪走了" and "挪车电话打了没人接"), and none when
            # it shares nothing with either ("丁叔门口的冰铲干净了…" when a street lamp and a manhole tie)
            tied = [next(o for o in options if o.ticket_id == k) for k in choice.ambiguous[:2]]
            first = tied[0]
            if act.kind == "resolve":
                named = [o for o in tied if shared(said(act), o.texts)
                         or places(act.body) & places(" ".join(o.texts))]
                if not named:
                    chars = [shared_chars(act, o.texts) for o in tied]
                    if abs(chars[0] - chars[1]) < CHARS_AHEAD:
                        return
                    named = [tied[0] if chars[0] > chars[1] else tied[1]]
                first = named[0]
            ticket = by_id.get(first.ticket_id)
        if ticket is not None and act.number is None and \
                self._unrelated(act, next((o for o in options if o.ticket_id == ticket.id), None)):
            return
        if ticket is None:
            if choice is not None and choice.ambiguous and (act.explicit or act.kind in ("accept", "resolve")):
                ctx.say(self._which(ctx, choice.ambiguous, act), [ctx.sender_mention])
                ctx.outcome = "worker:asked"
            elif choice is not None and act.explicit and act.kind in ("accept", "resolve", "show", "reassign"):
                ctx.say(texts.no_open_ticket())
            return
        grid = ctx.grid if ctx.grid is not None and ctx.grid.id == ticket.grid_id else \
            repo.grid_by_id(ctx.session, grid_id=ticket.grid_id)  # the room's grid is in the roster cache
        worker = _row_in_grid(ctx, ticket.grid_id)
        assert grid is not None and worker is not None
        roles_here = {m.role for m in ctx.sender_rows if m.grid_id == ticket.grid_id}
        comprehensive = "comprehensive" in roles_here
        if act.kind == "show":
            ctx.say(texts.ticket_summary(ticket.id, ticket.category, ticket.provider, ticket.status,
                                         ticket.report_count), [])
            return
        if act.kind == "reassign":
            self._reassign(ctx, act, ticket, grid, worker, comprehensive)
            return
        mine = comprehensive or tickets.is_assignee(ctx.session, ticket, ctx.msg.contact, ctx.msg.sender)
        if not mine and act.kind in ("accept", "progress", "resolve") and _takes(roles_here, ticket):
            tickets.take_part(ctx.session, ticket=ticket, worker=worker, now=ctx.now)  # "收到 巡逻车就在附近"
            mine = True
        if not mine:
            if act.explicit or act.number is not None:
                ctx.say(texts.refused_not_assignee(ticket.id))
            return
        if act.kind == "resolve" and act.number != ticket.id and not act.quoted_text and \
                about_one_done(ctx, act, ticket, options):
            return  # the words are about a ticket fixed already: said again, not this one's fix
        ctx.outcome = f"worker:{act.kind}:{ticket.id}"
        try:
            if act.kind == "resolve":
                also = tickets.leftovers(ctx.session, ticket=ticket, words=act.body)
                ctx.out += tickets.resolve(ctx.session, ticket=ticket, grid=grid, worker=worker, now=ctx.now, also=also)
            elif act.kind == "accept" or (act.kind == "progress" and not comprehensive
                                          and allowed(ticket, "accept") and ticket.status != AWAITING_PROVIDER):
                if ticket.status == ACCEPTED:
                    return  # already taken: "收到" again is just talk
                ctx.out += tickets.accept(ctx.session, ticket=ticket, grid=grid, worker=worker, now=ctx.now,
                                          text=act.body)
            elif act.kind == "relay":
                people = relayed_people(ctx, act)
                if people and not name_carrier(ctx, ticket, people):
                    tickets.relay(ctx.session, ticket=ticket, people=people, now=ctx.now, actor=worker.name)
            else:
                tickets.progress(ctx.session, ticket=ticket, worker=worker, now=ctx.now, text=act.body)
        except Refused as refused:
            if act.explicit or act.number is not None:
                ctx.say(refused.reason)

    def _reassign(self, ctx: Context, act: WorkerAct, ticket: Ticket, grid, worker: Member,
                  comprehensive: bool) -> None:
        if not comprehensive:
            ctx.say(texts.comprehensive_only())
            return
        parsed = parse_category(act.argument)
        if parsed is None:
            ctx.say(texts.bad_category())
            return
        members = repo.members_of(ctx.session, grid_id=grid.id)
        try:
            ctx.out += tickets.reassign(ctx.session, settings=ctx.settings, ticket=ticket, grid=grid, members=members,
                                        now=ctx.now, worker=worker, category=parsed[0], provider=parsed[1])
        except Refused as refused:
            ctx.say(refused.reason)

    def _which(self, ctx: Context, ids: tuple[int, ...], act: WorkerAct) -> str:
        items = [(ticket_id, first_words([r.text for r in repo.reports_of(ctx.session, ticket_id=ticket_id)]))
                 for ticket_id in ids]
        return texts.which_ticket(items, "办结" if act.kind == "resolve" else "接单")

    # -- lists -----------------------------------------------------------------------------
    def _review(self, ctx: Context) -> str:
        """The oldest messages the detector was unsure about, in the worker's grids; marked as seen."""
        grid_ids = sorted({m.grid_id for m in ctx.sender_rows if m.role == "comprehensive"})
        rows = repo.unreviewed(ctx.session, grid_ids=grid_ids, limit=REVIEW_BATCH)
        items = []
        for row in rows:
            row.reviewed = True
            ctx.session.add(row)
            items.append((row.ts.astimezone(ctx.settings.tz).strftime("%m-%d %H:%M"), row.sender,
                          tickets.short(mask(row.text), 40), texts.CATEGORY_NAMES.get(row.guess, row.guess)))
        return texts.review_list(items)

    def _digest(self, ctx: Context) -> None:
        """#日报 is answered in private; asked in the group, one line there and the digest privately."""
        from bot.digest import digest_for_worker

        text = digest_for_worker(ctx.session, settings=ctx.settings, rows=ctx.sender_rows, now=ctx.now)
        if ctx.msg.room is not None:
            ctx.say(texts.digest_sent_privately())
        ctx.out.append(Outgoing(text=text, to=ctx.sender_mention))
