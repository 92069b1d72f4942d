"""Which ticket a worker's message acts on: an explicit number checked against the words, or the
ticket the words, a quote, a reporter named and recency point to (`bot.conversation.refer`)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot import repo, texts, tickets
from bot.conversation.acts import WorkerAct, clean
from bot.conversation.likeness import places, shared, similarity
from bot.conversation.names import addressed, named_by_given
from bot.conversation.refer import Choice, Option, choose, distinct_words, said, shared_chars
from bot.handlers.relay import about_none, confirm_unsure, relayed_people
from bot.pipeline import Context
from bot.privacy import mask
from bot.routing import category_of_role
from models import ACCEPTED, AWAITING_PROVIDER, CLOSED, REOPENED, REPORTED, RESOLVED, Ticket

ACTIVE = (AWAITING_PROVIDER, REPORTED, ACCEPTED, REOPENED)
_UTILITIES = frozenset({"water", "power", "telecom"})  # services whose tickets the detector names reliably
SAYS_WHICH = 8  # a message with more words than this describes its ticket: no question when two tie
WORDS_CLEAR, WORDS_SURE, WORDS_UNRELATED = 0.3, 0.45, 0.1
QUOTE_MATCH = 0.6  # share of a report's words a quote must have to be that report
DISTINCT_SURE = 2  # words only one ticket has: this many name it, whatever the number says
# characters a ticket must share more than any other to stand for a number that shares none: on the 54 dev days a
# lead of 2 ended 3 more incidents right and none wrong; a lead of 1 the same incidents, and one message more on its
# ticket. Two, as between two tied tickets (`worker.CHARS_AHEAD`), where a lead of one closed 5 wrongly
CHARS_LEAD = 2


def target(ctx: Context, act: WorkerAct, options: list[Option],
           by_id: dict[int, Ticket]) -> tuple[Ticket | None, Choice | None]:
    """The ticket the act is on, or None with the Choice when two are equally likely (the caller asks);
    (None, None) when it is on none, or the bot has already answered (a number checked or unknown)."""
    if act.kind == "relay":
        # the ticket the relayed words are about: content and recency, any worker's
        options = [o for o in options if o.status in ACTIVE]
        people = relayed_people(ctx, act)
        if act.number is None and not act.quoted_text and people:
            kinds = {k[0] for k in map(category_of_role, (m.role for m in people)) if k is not None}
            of_kind = [o for o in options if not kinds or by_id[o.ticket_id].category in kinds]
            # about none of the tickets the people relayed to handle ("@消防站邓指导 15栋电动车进电梯充电"
            # shares 物业 and 电梯 with a dispute about the property fee, and is about another message)
            none_of_kind = about_none(act, of_kind)
            # an unsure message the relay confirms; when its words also fit an open ticket, only one whose resident
            # it names
            opened = confirm_unsure(ctx, act, people, named_only=not none_of_kind)
            if opened is not None:
                ctx.outcome = f"worker:relay:{opened.id}"
                return None, None
            if none_of_kind:
                if len(clean(act.body)) > SAYS_WHICH and about_none(act, options):
                    # words of its own: a ticket of the kind the people relayed to handle, or none at all
                    options = of_kind
                    if not options:
                        return None, None
            elif kinds and kinds <= _UTILITIES and len(of_kind) < len(options):
                # "@移动小毕 麦地冲停电 移动信号也没了": passed to the carrier, it is the signal ticket, not the
                # outage its words also name. A utility's worker handles tickets of its kind; a mediator may
                # be passed a quarrel the detector took for smoke (fire), so only the utilities
                choice = choose(act, options, ctx.now)
                if choice.ticket_id is None or by_id[choice.ticket_id].category not in kinds:
                    options = of_kind  # (when two tie, too: a water worker is not passed the signal ticket)
    if act.number is None:
        choice = choose(act, options, ctx.now)
        return (by_id.get(choice.ticket_id) if choice.ticket_id is not None else None), choice
    ticket = repo.ticket_by_id(ctx.session, ticket_id=act.number)
    grid_ids = {m.grid_id for m in ctx.sender_rows}
    if ticket is None or ticket.grid_id not in grid_ids or (ctx.grid and ticket.grid_id != ctx.grid.id):
        ticket = None
    if act.kind in ("accept", "resolve", "progress"):
        numbered = _numbered_option(ctx, ticket, options)
        words = words_name_another(act, options, numbered, ticket.category if ticket else None, by_id)
        if words is not None:
            return by_id[words], None
        if act.kind == "resolve" and numbered is not None and number_unlike_words(ctx, act, ticket, numbered):
            own = own_meant(ctx, act, options)
            if own is not None:  # the number is another's; the words (or their one ticket) say which of theirs
                return by_id[own], None
            ctx.say(texts.number_unlike_words(ticket.id, first_words(numbered.texts), "办结"), [ctx.sender_mention])
            ctx.outcome = "worker:asked"
            return None, None
        if options and (ticket is None or all(o.ticket_id != ticket.id for o in options)):
            # not a ticket of theirs (nor open): a number copied wrong; the one they mean is among their own
            chosen, choice = number_aside(ctx, act, options)
            # "减压阀换了新个 … #办结 8" from the fire worker, when #8 is a closed bank ticket: another's
            # ticket they cannot close; their one open ticket is the one they mean
            lone = [o.ticket_id for o in options if o.mine and o.status in ACTIVE]
            not_theirs = numbered is not None and not numbered.mine and not numbered.my_role
            if chosen is not None and (ticket is None or about(act, chosen)
                                       or (not_theirs and lone == [chosen.ticket_id])):
                # a ticket of this grid that is not open stands unless the words name another
                return by_id[chosen.ticket_id], None
            if choice.ambiguous:
                return None, choice  # two of their own are equally likely: ask which, not refuse
    if ticket is None:
        ctx.say(texts.no_such_ticket(act.number))
    return ticket, None


def _numbered_option(ctx: Context, ticket: Ticket | None, options: list[Option]) -> Option | None:
    """The numbered ticket as an option: the worker's own, or read once from the database (closed, or
    another worker's) for the checks below."""
    if ticket is None:
        return None
    found = next((o for o in options if o.ticket_id == ticket.id), None)
    if found is not None:
        return found
    return Option(ticket.id, ticket.status, tuple(r.text for r in repo.reports_of(ctx.session, ticket_id=ticket.id)),
                  frozenset(repo.reporters_for(ctx.session, ticket_ids=[ticket.id])[ticket.id]),
                  tickets.is_assignee(ctx.session, ticket, ctx.msg.contact, ctx.msg.sender), False, ticket.updated_at)


def first_words(texts_: "tuple[str, ...] | list[str]") -> str:
    """A ticket named in a question to a worker: its first report, short and masked."""
    return tickets.short(mask(texts_[0]), 16) if texts_ else ""


def number_unlike_words(ctx: Context, act: WorkerAct, ticket: Ticket, numbered: Option) -> bool:
    """"#办结 16 王婆婆在县医院拍了片…" from the comprehensive worker, when #16 is another worker's
    broadband ticket: a long description sharing nothing with a ticket that is neither assigned to
    the sender nor of their role. The number is probably wrong; closing that ticket would be worse."""
    if act.quoted_text or act.mentions or numbered.mine or numbered.my_role:
        return False
    return len(clean(re.sub(r"\d+", "", act.body))) > SAYS_WHICH and not about(act, numbered)


def number_aside(ctx: Context, act: WorkerAct, options: list[Option]) -> tuple[Option | None, Choice]:
    """The option the words, a quote, the reporters and recency point to, the number set aside
    (None with the Choice's tie when two are equally likely, or when nothing fits)."""
    choice = choose(replace(act, number=None), options, ctx.now)
    return next((o for o in options if o.ticket_id == choice.ticket_id), None), choice


def own_meant(ctx: Context, act: WorkerAct, options: list[Option]) -> int | None:
    """"接头换好了 …3栋2单元的可以上楼了 #办结 14" when #14 is another worker's ticket: the sender's own
    ticket the words are about, or their only open one; None when that is not clear."""
    own = [o for o in options if o.mine and o.status in ACTIVE]
    if not own:
        return None
    chosen, choice = number_aside(ctx, act, own)
    # "泵上那个闸刀烧了一相 换好了 #办结 14" (#14 a quarrel) from the power worker holding the pump he took up and
    # a fallen pole nobody has taken up: a fix closes the one taken up, when the words point there or tie
    taken = [o.ticket_id for o in own if o.status == ACCEPTED]
    if chosen is None:
        return taken[0] if len(taken) == 1 and taken[0] in choice.ambiguous else None
    if about(act, chosen) or len(own) == 1 or taken == [chosen.ticket_id]:
        return chosen.ticket_id
    return None


def about(act: WorkerAct, option: Option) -> bool:
    """Do the words, a place or a reporter named tie the message to this ticket?"""
    return bool(shared(said(act), option.texts) or places(act.body) & places(" ".join(option.texts))
                or addressed(act.body, option.reporters) or set(act.mentions) & option.reporters)


def words_name_another(act: WorkerAct, options: list[Option], numbered: Option | None,
                       numbered_category: str | None, by_id: dict[int, Ticket]) -> int | None:
    """A number copied wrong: the words clearly describe another of the worker's open tickets,
    and not the numbered one (or the numbered one is not theirs to act on). Returns that ticket.

    "Clearly": most of the words agree, or words no other ticket has ("5号工单 2号垃圾站冲洗完了"
    when only one ticket is about the 垃圾站) while the numbered ticket shares none of them."""
    words = said(act)
    if not words or not options:
        return None
    sims = {o.ticket_id: max((similarity(words, t) for t in o.texts), default=0.0) for o in options}
    best = max(sims, key=sims.get)
    if numbered is not None and best == numbered.ticket_id:
        return None
    numbered_sim = sims.get(numbered.ticket_id, 0.0) if numbered is not None else 0.0
    theirs = numbered is not None and numbered.ticket_id in sims
    if sims[best] >= WORDS_CLEAR and numbered_sim < WORDS_UNRELATED and (not theirs or sims[best] >= WORDS_SURE):
        return best
    if act.quoted_text:  # a quote of the bot's ping: the report it quotes names the ticket
        quoted = [o.ticket_id for o in options if any(similarity(act.quoted_text, t) > QUOTE_MATCH for t in o.texts)]
        if len(quoted) == 1:
            return None if numbered is not None and quoted[0] == numbered.ticket_id else quoted[0]
    if numbered is not None and shared(words, numbered.texts):
        return None  # the numbered ticket's words are there too: the number stands
    named = [o.ticket_id for o in options if addressed(act.body, o.reporters)]
    if len(named) > 1:  # "彭爹爹两老的医保交好了" when 彭爹爹 reported two: the one the words lean to
        top = max(named, key=lambda k: sims[k])
        named = [top] if sims[top] >= WORDS_UNRELATED and all(2 * sims[k] < sims[top] for k in named if k != top) \
            else named
    # the residents' words only one ticket has: they settle between tickets one resident named, and override a number
    own = distinct_words(act, options, notes=False) if len(named) != 1 else {}
    if len(named) > 1:  # "#办结 10 李姨厝屋顶受损…" when 李姨 also joined the morning's outage: the one with words of its own
        worded = [k for k in named if own[k]]
        named = worded if len(worded) == 1 else named
    if len(named) == 1:  # "田姨 经四路网点就能换…": the reporter addressed names the ticket
        return None if numbered is not None and named[0] == numbered.ticket_id else named[0]
    ranked = sorted(own, key=lambda k: -len(own[k]))
    top, second = ranked[0], (len(own[ranked[1]]) if len(ranked) > 1 else 0)
    if numbered is not None and top == numbered.ticket_id:
        return None
    other_kind = numbered is None or by_id.get(top) is None or by_id[top].category != numbered_category
    # one word of another kind's ticket is enough against a number that is not the sender's open ticket;
    # against their own open one it takes two ("娃娃们可以出门玩了 #办结 2": 可以 is in a bank question too)
    own_open = numbered is not None and numbered.mine and numbered.status in ACTIVE
    if len(own[top]) >= DISTINCT_SURE or (len(own[top]) >= 1 and second == 0 and other_kind and not own_open):
        return top
    if own_open and numbered is not None:
        return _chars_name_another(act, options, numbered)
    return None


def _chars_name_another(act: WorkerAct, options: list[Option], numbered: Option) -> int | None:
    """"晒场那条野狗抓到了 … #办结 6" when #6 is the sender's open street-lamp ticket and the dog their other one: the
    numbered ticket shares nothing with the words, not even a character (common ones aside), and one other open
    ticket of theirs shares clearly more characters than any other."""
    if about(act, numbered) or shared_chars(act, numbered.texts):
        return None
    chars = sorted(((shared_chars(act, o.texts), o.ticket_id) for o in options
                    if o.mine and o.status in ACTIVE and o.ticket_id != numbered.ticket_id), reverse=True)
    if not chars or chars[0][0] < CHARS_LEAD:
        return None
    return chars[0][1] if len(chars) == 1 or chars[0][0] - chars[1][0] >= CHARS_LEAD else None


DONE_LATELY = timedelta(hours=12)  # a fix said again may be about a ticket fixed this recently


def _ties(act: WorkerAct, texts_: "tuple[str, ...] | list[str]", reporters: "frozenset[str] | set[str]") -> int:
    """How much the words say they are about a ticket: its words they share, a place both name (2), a reporter
    named (2), by name or by given name anywhere ("墙是往二柱那边多出去两寸" for 王二柱)."""
    return len(shared(said(act), texts_)) + 2 * bool(places(act.body) & places(" ".join(texts_))) \
        + 2 * bool(addressed(act.body, reporters) or set(act.mentions) & reporters or named_by_given(act.body, reporters))


def about_one_done(ctx: Context, act: WorkerAct, ticket: Ticket, options: list[Option]) -> bool:
    """A fix whose words share nothing with the open ticket they were matched with, and name one of the worker's
    tickets fixed already today (two of its words, a place or a reporter): said again, or after a resident confirmed
    it ("孙叔家老爷子的高龄补贴登记好了 #办结" when the allowance question was closed and a quarrel about a leak is open;
    "…打疫苗的钱龚家出…两家都同意 #办结" when a quarrel about a cow in the rape field is open). It closes nothing.
    On the 46 dev days this stopped 3 false closures; 2 tickets a stray fix had closed by chance stayed open.
    Only shared nothing: 134 of the 837 labelled #办结 closings with words share nothing with their own reports."""
    assert ctx.grid is not None
    chosen = next((o for o in options if o.ticket_id == ticket.id), None) or _numbered_option(ctx, ticket, options)
    assert chosen is not None
    if _ties(act, chosen.texts, chosen.reporters):
        return False  # the words tie it to the open one too: a fix of it
    done = [t for t in repo.open_tickets(ctx.session, grid_id=ctx.grid.id, statuses=(RESOLVED, CLOSED),
                                         since=ctx.now - DONE_LATELY)
            if t.id != chosen.ticket_id and (t.resolved_at or t.closed_at or ctx.now) >= ctx.now - DONE_LATELY]
    if not done:
        return False
    if not any(m.role == "comprehensive" and m.grid_id == ctx.grid.id for m in ctx.sender_rows):
        held = repo.assignments_of(ctx.session, ticket_ids=[t.id for t in done])  # one query: the worker's own
        done = [t for t in done if any(tickets.holds(a, ctx.msg.contact, ctx.msg.sender) for a in held[t.id])]
    reports, reporters = repo.reports_and_reporters(ctx.session, ticket_ids=[t.id for t in done])
    return any(_ties(act, tuple(r.text for r in reports[t.id]), frozenset(reporters[t.id])) >= 2 for t in done)
