"""The comprehensive worker passes something on ("@广电老宋 宋师傅 5号楼刘姨家机顶盒提示插入智能卡").

A relay names its ticket by its words. When no open ticket shares them but a resident's message
that the detector was unsure of does (it is on the review list), the relay confirms that message
as a request: it becomes a ticket, held by the workers relayed to. A relay to one carrier's worker
names the carrier of a ticket still waiting for it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import repo, texts, tickets
from bot.conversation.acts import WorkerAct
from bot.conversation.likeness import shared, similarity
from bot.conversation.refer import Option
from bot.messages import Incoming, Mention
from bot.pipeline import Context
from bot.routing import category_of_role
from models import AWAITING_PROVIDER, Member, Ticket

LOOKBACK = timedelta(hours=3)  # how far back a relay may confirm an unsure message
SAME_WORDS, SAME_SHARE = 2, 0.3  # shared content words, or share of them, that tie a relay to a message


def relayed_people(ctx: Context, act: WorkerAct) -> list[Member]:
    return [m for m in ctx.members if m.name in act.mentions and m.contact_id != ctx.msg.contact]


def about_none(act: WorkerAct, options: list[Option]) -> bool:
    """The relay's words share nothing with any open ticket."""
    return not any(shared(act.body, o.texts) or max((similarity(act.body, t) for t in o.texts), default=0.0)
                   >= SAME_SHARE for o in options)


def _describes(act: WorkerAct, text: str) -> bool:
    return len(shared(act.body, [text])) >= SAME_WORDS or similarity(act.body, text) >= SAME_SHARE


def _named(act: WorkerAct, sender: str) -> bool:
    return len(sender) >= 2 and sender in act.body


def confirm_unsure(ctx: Context, act: WorkerAct, people: list[Member], named_only: bool = False) -> Ticket | None:
    """Open a ticket from the recent unsure message the relay describes, its resident's first when the relay names
    them; None when none matches. `named_only`: only one whose resident the relay names ("@供水站老蒲 下院子向红梅屋头
    水表冻爆了 在冒水 跟上院子不是一处", when 向红梅's "下院子我屋的水表冻爆了 在飙水" is on the review list), for a relay
    whose words also fit an open ticket."""
    assert ctx.grid is not None
    reviews = repo.recent_reviews(ctx.session, grid_id=ctx.grid.id, since=ctx.now - LOOKBACK)
    for review, sender_id in sorted(reviews, key=lambda r: not _named(act, r[0].sender)):  # named, then newest
        if not _describes(act, review.text) or (named_only and not _named(act, review.sender)):
            continue
        kind = _kind(people)
        prediction = ctx.classifier.predict(review.text)
        category = kind[0] if kind else (prediction.category if prediction.category != "none" else review.guess)
        provider = kind[1] if kind else prediction.provider
        msg = Incoming(msg_id=review.msg_id, room=ctx.grid.room, sender=review.sender, text=review.text,
                       ts=review.ts, sender_id=sender_id)
        confirmed = replace(prediction, category=category, provider=provider, abstained=False)
        ticket = tickets.open_ticket(ctx.session, settings=ctx.settings, grid=ctx.grid, msg=msg, text=review.text,
                                     prediction=confirmed)
        review.reviewed = True
        ctx.session.add(review)
        tickets.relay(ctx.session, ticket=ticket, people=people, now=ctx.now, actor=ctx.msg.sender, route=True)
        ctx.say(texts.recorded(ticket.id, ticket.urgent), [Mention(review.sender, sender_id)])
        return ticket
    return None


def name_carrier(ctx: Context, ticket: Ticket, people: list[Member]) -> bool:
    """A ticket waiting for its carrier, relayed to one carrier's worker: that is its carrier."""
    kind = _kind(people)
    if ticket.status != AWAITING_PROVIDER or kind is None or kind[0] != "telecom":
        return False
    tickets.set_carrier(ctx.session, ticket=ticket, said=kind[1] or "", actor=ctx.msg.sender, now=ctx.now)
    tickets.relay(ctx.session, ticket=ticket, people=people, now=ctx.now, actor=ctx.msg.sender, route=True)
    return True


def _kind(people: list[Member]) -> tuple[str, str | None] | None:
    kinds = {category_of_role(m.role) for m in people} - {None}
    return kinds.pop() if len(kinds) == 1 else None

