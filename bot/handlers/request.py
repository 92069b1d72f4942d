"""A resident's request: detect it, then join the open incident it is about, or open a ticket and ping."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot import repo, texts, tickets
from bot.conversation.acts import clean, find_mentions
from bot.conversation.likeness import similarity
from bot.conversation.names import addressed_to, talks_to_neighbour, workers_addressed
from bot.conversation.incidents import (OWN_MINUTES, Candidate, could_join, has_metoo, is_partial_after_fix, is_restored,
                                        is_unsure)
from bot.conversation.services import AHEAD, cut_asked, service_of
from bot.conversation.tone import no_report, sighs_at_notice, thought_so
from bot.handlers.joins import (SERVICES, STOPPED, awaited, back, elsewhere_later, named_other, out_too, own_quarrel,
                                points_back)
from bot.handlers.resident import back_dirty, service_out, still_waiting, verdict
from bot.lifecycle import transition
from bot.pipeline import Context
from bot.routing import CARRIERS, category_of_role
from models import ACCEPTED, AWAITING_PROVIDER, CLOSED, REOPENED, REPORTED, RESOLVED, Ticket

_JOINABLE = (AWAITING_PROVIDER, REPORTED, ACCEPTED, REOPENED, RESOLVED, CLOSED)
# P(request) under which a household's further words about the ticket it reported are talk, not a report:
# on the training days, 25 of 92 such joins were chatter and the other 67 said nothing the ticket lacked
SAME_HOUSEHOLD_MIN = 0.5
# An unsure message whose best guess is no request, but whose chance of being one is at least this, is kept for
# review: on the 38 dev days, 13 of the 20 such residents' lines are requests (2 of them the first report of an
# incident, one a man with a heart condition in the heat of an outage), 7 chatter
REVIEW_NONE_MIN = 0.5
STOPPED_MINUTES = 30  # a service said to stop without its name is the one reported or worked on this recently


class Request:
    name = "request"

    def applies(self, ctx: Context) -> bool:
        return ctx.grid is not None and not ctx.is_worker

    def handle(self, ctx: Context) -> bool:
        assert ctx.grid is not None
        prediction = ctx.classifier.predict(ctx.text)
        prediction = self._called_service(ctx, self._asked_of(ctx, prediction))
        prediction = self._unnamed_outage(ctx, self._asked_cut(ctx, prediction))
        if not could_join(ctx.text, prediction) or is_restored(ctx.text) or no_report(ctx.text) \
                or sighs_at_notice(ctx.text, ctx.notice_at, ctx.now):
            # not a request; or "我家也来水了 谢谢": the service is back; or its tone says it reports nothing
            # (`tone.no_report`: a joke, a notice passed on, the day told over, a likeness, a service that is fine...),
            # or it sighs at a cut a worker just announced
            ctx.outcome = "none"
            return True
        if not prediction.urgent and prediction.category != "dispute" and not has_metoo(ctx.text) \
                and talks_to_neighbour(ctx.text, ctx.neighbours, {m.name for m in ctx.members}):
            # "婶子 是停电了 全庄都没有", "满仓 先拉个插线板从俺家扯过去用着": neighbours talking to each
            # other, not to the grid (a quarrel is the exception: it starts by addressing the neighbour)
            ctx.outcome = "reply"
            return True
        target, talk, reporters = self._incident(ctx, prediction)
        if target is not None and cut_asked(ctx.text) is not None and AHEAD.search(ctx.text) \
                and not self._asked_ahead(ctx, target):
            # "明天还停不停电" during or after today's outage: a new question (26 of the 28 such labelled lines; the
            # other 2 ask again what an earlier question about the cut ahead asked)
            target, reporters = None, set()
        if target is None and verdict(ctx.text) == "unsatisfied" and not is_partial_after_fix(ctx.text):
            # (a partial fix said to the worker, "@供电所老向 来电了 但是我屋头厨房那路还是没电", is a new fault)
            target = self._held_by_addressed(ctx)
            reporters = repo.reporters_for(ctx.session, ticket_ids=[target.id])[target.id] if target else set()
        reported = ctx.msg.contact in reporters
        if target is not None and (prediction.p_request or 0.0) < SAME_HOUSEHOLD_MIN and reported:
            # "[捂脸]也是", "俺冰柜里肉都化了": a household that already reported it, saying something that is
            # probably not a request, talks about its problem; it reports nothing new and reopens nothing
            ctx.outcome = "talk"
            return True
        if target is not None:
            urgent = prediction.urgent and not (  # its household's own words about it read as another danger
                prediction.category not in ("none", target.category)
                and self._own_followup(ctx, target, repo.reports_of(ctx.session, ticket_id=target.id)))
            return self._join(ctx, target, reported, urgent)
        if talk:  # "那俺这馍咋弄": talk about an open incident, not another household's report
            if talk == "held" and prediction.category != "none":  # it would have opened a ticket: kept for review
                self._review(ctx, prediction, "talk")
            ctx.outcome = "talk"
            return True
        if prediction.category == "none":
            if prediction.abstained and (prediction.p_request or 0.0) >= REVIEW_NONE_MIN:
                # "小冉 我屋头老头子有心脏病 停电热得气紧 脸都白了 咋个办哦": unsure, more likely a request than not, and
                # no service stands out: a person looks at it (#待查看, the digest), as "other" (nobody is pinged)
                self._review(ctx, replace(prediction, category="other"), "abstained")
                ctx.outcome = "abstained"
                return True
            ctx.outcome = "none"
            return True
        if thought_so(ctx.text):  # "雾跟烟一样 还以为哪里起火了": what it was taken for joins an incident, opens none
            ctx.outcome = "none"
            return True
        unconfirmed = False
        if prediction.abstained and self._workers_named(ctx):
            pass  # unsure of the words, but the resident @-mentioned a worker: they are asking for something
        elif prediction.abstained and (prediction.p_request or 0.0) >= ctx.settings.unsure_route_min \
                and not addressed_to(ctx.text, ctx.neighbours):
            unconfirmed = True  # probably a request: a person confirms it, and the resident hears so
        elif prediction.abstained:
            # Not sure enough to ping anyone: the comprehensive worker reviews it (#待查看, digest).
            self._review(ctx, prediction, "abstained")
            ctx.outcome = "abstained"
            return True
        if prediction.category == "telecom" and prediction.provider is None:
            prediction = self._carrier_addressed(ctx, prediction)
        ticket = tickets.open_ticket(ctx.session, settings=ctx.settings, grid=ctx.grid, msg=ctx.msg,
                                     text=ctx.text, prediction=prediction)
        ctx.outcome = f"ticket:{ticket.id}"
        if ticket.category == "telecom" and ticket.provider is None and not ticket.urgent and not unconfirmed:
            transition(ctx.session, ticket, "await_provider", actor="gridbot", now=ctx.now)
            ctx.say(texts.ask_carrier())
            return True
        ctx.out += tickets.route(ctx.session, ticket=ticket, grid=ctx.grid, members=ctx.members,
                                 text=ctx.text, now=ctx.now, unconfirmed=unconfirmed)
        ctx.say(texts.recorded_unconfirmed(ticket.id) if unconfirmed else texts.recorded(ticket.id, ticket.urgent))
        return True

    @staticmethod
    def _review(ctx: Context, prediction, reason: str) -> None:  # type: ignore[no-untyped-def]
        """Kept for the comprehensive worker's review list (#待查看, the digest): nobody is pinged."""
        assert ctx.grid is not None
        repo.add_review(ctx.session, grid_id=ctx.grid.id, msg=ctx.msg, text=ctx.text, guess=prediction.category,
                        confidence=prediction.confidence, reason=reason)

    @staticmethod
    def _carrier_addressed(ctx: Context, prediction):  # type: ignore[no-untyped-def]
        """"@移动小黄 问下 …", "秦工 问一下 …": a resident who @-mentions one carrier's worker, or opens by
        calling them by name, has told us the carrier."""
        carriers = {m.name: m.role for m in ctx.members if m.role in CARRIERS}
        roles = {carriers[n] for n in Request._workers_named(ctx) if n in carriers}
        return replace(prediction, provider=roles.pop()) if len(roles) == 1 else prediction

    @staticmethod
    def _asked_cut(ctx: Context, prediction):  # type: ignore[no-untyped-def]
        """"孙师傅 明儿还停不停电 俺明儿一早要磨豆子": asking whether, or how long, the water or the power is cut
        is a request for that service, which the detector may read as chatter for its other words; the
        service is the one it names, else the one of the worker it calls by name ("孟师傅 明天是就上午停还是…")."""
        if prediction.is_request:
            return prediction
        asked = cut_asked(ctx.text)
        if asked == "":
            named = Request._workers_named(ctx)
            roles = {m.role for m in ctx.members if m.name in named} & set(SERVICES)
            asked = roles.pop() if len(roles) == 1 else None
        return replace(prediction, category=asked, abstained=False) if asked else prediction

    @staticmethod
    def _asked_of(ctx: Context, prediction):  # type: ignore[no-untyped-def]
        """"@供电所衣师傅 俺家冷库机子起不来了 控制箱上报缺相", unsure and guessed chatter, asks the worker: a request (still
        unsure) of their service, `other` of the comprehensive worker's. 1,936 of the 1,960 labelled residents' lines
        (held days aside) @-mentioning a worker are requests of that worker's service; the rest thank or chat."""
        if prediction.category != "none" or not prediction.abstained:
            return prediction
        roles = Request._roles_of(ctx, Request._workers_at(ctx))
        kinds = {category_of_role(r) for r in roles} - {None}
        if len(kinds) == 1:
            category, provider = kinds.pop()
        elif not kinds and "comprehensive" in roles:
            category, provider = "other", None
        else:
            return prediction
        return replace(prediction, category=category, provider=provider)

    @staticmethod
    def _roles_of(ctx: Context, names: set[str]) -> set[str]:
        """The roster roles of these workers."""
        return {m.role for m in ctx.members if m.name in names}

    @staticmethod
    def _called_service(ctx: Context, prediction):  # type: ignore[no-untyped-def]
        """"林师傅 明天还会停吗" (林师傅 of the power station), read as water: no service named, a worker of one service
        called by name or @-mentioned, the request is of that worker's service. All 9 labelled residents' lines (held
        days aside) where the detector named another service so are of the worker's."""
        if prediction.category == "none" or service_of(clean(ctx.text)) is not None:
            return prediction
        kinds = {category_of_role(r) for r in Request._roles_of(ctx, Request._workers_named(ctx))} - {None}
        if len(kinds) != 1:
            return prediction
        category, provider = kinds.pop()
        return replace(prediction, category=category, provider=provider) if category != prediction.category \
            else prediction

    @staticmethod
    def _unnamed_outage(ctx: Context, prediction):  # type: ignore[no-untyped-def]
        """"八号楼也停了 家里老人怕冷" while the power is out: a service said to stop, without its name, is the one
        out in the group now (reported or worked on in the last half hour), when only one is (the detector
        guesses the service: water, often, for 停)."""
        if prediction.category not in SERVICES or not STOPPED.search(ctx.text) \
                or service_of(clean(ctx.text)) is not None or AHEAD.search(ctx.text):  # not "明天还停不停"
            return prediction
        since = ctx.now - timedelta(minutes=STOPPED_MINUTES)  # the outage being reported now, not one of hours ago
        out = {t.category for t in Request._recent(ctx)
               if t.status not in (RESOLVED, CLOSED) and t.category in SERVICES and t.updated_at >= since}
        return replace(prediction, category=out.pop()) if len(out) == 1 and prediction.category not in out else prediction

    @staticmethod
    def _workers_named(ctx: Context) -> set[str]:
        """The workers the message @-mentions or opens by calling by name ("孙师傅 明儿还停不停电")."""
        return Request._workers_at(ctx) | workers_addressed(ctx.text, {m.name for m in ctx.members})

    @staticmethod
    def _workers_at(ctx: Context) -> set[str]:
        """The workers the message @-mentions."""
        workers = {m.name for m in ctx.members}
        return set(find_mentions(ctx.text, workers)[0]) | (set(ctx.msg.mentions) & workers)

    @staticmethod
    def _recent(ctx: Context) -> list[Ticket]:
        """The grid's tickets a new message may be about: open, or resolved or closed within the window."""
        assert ctx.grid is not None
        since = ctx.now - timedelta(minutes=ctx.settings.merge_window_minutes)
        return [t for t in repo.open_tickets(ctx.session, grid_id=ctx.grid.id, statuses=_JOINABLE, since=since)
                if (t.status != CLOSED or (t.closed_at and t.closed_at >= since))]

    def _held_by_addressed(self, ctx: Context) -> Ticket | None:
        """"周师傅 我奶奶说搜了两遍 还是不行": "still not fixed" said to a worker by name (or @) is about the
        one ticket that worker holds, whoever says it (a relative speaks for the reporter); of several, the one
        the speaker reported ("@自来水杜师傅 温水浇了半天表还是冻着 家里还是么水" while the worker also mends an
        outage)."""
        named = self._workers_named(ctx)
        if not named:
            return None
        found = self._recent(ctx)
        held = repo.assignments_of(ctx.session, ticket_ids=[t.id for t in found])
        theirs = [t for t in found if any(a.name in named for a in held[t.id])]
        if len(theirs) > 1:  # the speaker's own, sharing words ("C区的充电桩也不行" is not their morning outage)
            reports, reporters = repo.reports_and_reporters(ctx.session, ticket_ids=[t.id for t in theirs])
            theirs = [t for t in theirs if ctx.msg.contact in reporters[t.id]
                      and any(similarity(ctx.text, r.text) > 0 for r in reports[t.id])]
        return theirs[0] if len(theirs) == 1 else None

    def _incident(self, ctx: Context, prediction) -> tuple[Ticket | None, str, set[str]]:
        """The open (or just resolved) ticket this message is about, if the matcher is sure enough;
        whether the message is talk ("about" an open ticket, or "held" by the opening gate: `Matcher.best`;
        "" when not); and that ticket's reporters (names and contact ids)."""
        found = self._recent(ctx)
        if not found:
            return None, "", set()
        reports, reporters = repo.reports_and_reporters(ctx.session, ticket_ids=[t.id for t in found])
        cands = [Candidate(t.id, t.category, t.provider, tuple(r.text for r in reports[t.id]),
                           frozenset(reporters[t.id]),
                           t.created_at, max([r.ts for r in reports[t.id]] or [t.created_at]),
                           resolved=t.status in (RESOLVED, CLOSED), keywords=frozenset(t.keywords),
                           said=tuple((r.sender_id, r.ts) for r in reports[t.id]),
                           worked_ts=t.updated_at,  # every act on it stamps this (lifecycle.transition)
                           urgent=t.urgent)
                 for t in found]
        pointed = points_back(ctx, cands, found) if not prediction.urgent else None
        if pointed is not None:  # "许只狗我都见过": talk about the dog just reported; "那条狗我家也被追过" joins it
            return (pointed, "", reporters[pointed.id]) if has_metoo(ctx.text) else (None, "about", set())
        unsure = is_unsure(prediction, ctx.text)
        best, _, tied, talk = ctx.matcher.best(ctx.text, prediction, ctx.msg.contact, ctx.now, cands, strict=unsure)
        if best is None:
            # a household saying the service is out joins the open outage only when the detector and the
            # matcher's gate took it for a report, or it says "me too" ("早上停水最麻烦 饭都煮不成" is talk,
            # "粉店也冇电 晚市刚开始" one more household)
            says_out = (not talk and not prediction.abstained) or has_metoo(ctx.text)
            waiting = awaited(ctx, prediction, found) \
                or (out_too(ctx, prediction, cands, found) if says_out else None) \
                or (back(ctx, prediction, cands, found) if tied else None) \
                or own_quarrel(ctx, prediction, cands, found)
            if waiting is not None:
                return waiting, "", reporters[waiting.id]
            # talk: "没电也不耽误吃鸡蛋" is about the outage, not one more household; never a danger, which
            # goes out as its own ticket below whatever the report model reads
            return None, "" if prediction.urgent else talk, set()
        if unsure and not tied:
            return None, "about", set()  # CONTRACT.md: an unsure message joins only when its content matches
        if elsewhere_later(ctx.text, best, ctx.now) or (best.resolved and back_dirty(ctx.text)):
            return None, "", set()  # another place, hours later, or the water back but dirty: another incident
        best = named_other(ctx, prediction, cands, best, unsure) or best
        ticket = next(t for t in found if t.id == best.key)
        if prediction.urgent and not self._own_followup(ctx, ticket, reports[ticket.id]) and (
                prediction.category not in ("none", ticket.category)
                or (not tied and not has_metoo(ctx.text) and not ticket.urgent
                    and ticket.category not in (service_out(ctx.text), still_waiting(ctx.text))
                    and not any(k in ctx.text for k in ticket.keywords))):
            # a danger ("电线被风刮断 掉在人行道上 冒火花") is not one more household of the outage it
            # happens in: it goes out at once as its own ticket unless it names the same thing (停电) or
            # says the service is out ("变压器嘭一声 冒了一下火花 然后就全黑了", "18楼冒电 电梯也停了") or that
            # the same happens to the speaker ("7栋也停了 排骨还冒炖好", which the detector read as urgent);
            # a danger of another kind ("停电了 我爸卡在电梯里 快来人啊") never joins it, even when it says
            # the service is out, shares its words and the outage is urgent already: another worker must go
            return None, "", set()
        return ticket, "", reporters[ticket.id]

    @staticmethod
    def _asked_ahead(ctx: Context, ticket: Ticket) -> bool:
        """The ticket is itself a question about a cut ahead ("下围明日停唔停水")."""
        return any(cut_asked(r.text) is not None and AHEAD.search(r.text)
                   for r in repo.reports_of(ctx.session, ticket_id=ticket.id))

    @staticmethod
    def _own_followup(ctx: Context, ticket: Ticket, reports) -> bool:  # type: ignore[no-untyped-def]
        """The household that reported the open ticket minutes ago says more about it ("拍咗 佢屋企成日冇人
        敲门都冇人应" after its complaint of the leak from upstairs): its own problem, not a new danger."""
        since = ctx.now - timedelta(minutes=OWN_MINUTES)
        return ticket.status not in (RESOLVED, CLOSED) and any(
            r.sender_id == ctx.msg.contact and since <= r.ts <= ctx.now for r in reports)

    def _join(self, ctx: Context, ticket: Ticket, reported: bool, urgent: bool = False) -> bool:
        assert ctx.grid is not None
        if urgent and not ticket.urgent and ticket.status not in (RESOLVED, CLOSED):
            # a danger about the open incident ("还是没电 阿公的制氧机要用电"): the incident turns urgent
            tickets.add_household_report(ctx.session, ticket=ticket, msg=ctx.msg, text=ctx.text, reported=reported)
            ctx.out += tickets.escalate(ctx.session, settings=ctx.settings, ticket=ticket, grid=ctx.grid,
                                        members=ctx.members, reporter=ctx.msg.sender, text=ctx.text, now=ctx.now)
            ctx.say(texts.recorded(ticket.id, True))
            ctx.outcome = f"escalated:{ticket.id}"
            return True
        if ticket.status in (RESOLVED, CLOSED):
            # The same problem reported again after the fix: it is not fixed.
            tickets.add_household_report(ctx.session, ticket=ticket, msg=ctx.msg, text=ctx.text, reported=reported)
            ctx.out += tickets.reopen(ctx.session, settings=ctx.settings, ticket=ticket, grid=ctx.grid,
                                      members=ctx.members, now=ctx.now, actor=ctx.msg.sender, text=ctx.text)
            ctx.outcome = f"reopened:{ticket.id}"
            return True
        new_household = tickets.add_household_report(ctx.session, ticket=ticket, msg=ctx.msg, text=ctx.text,
                                                     reported=reported)
        ctx.outcome = f"merged:{ticket.id}"
        if new_household:  # one acknowledgement per household per incident
            ctx.say(texts.merged(ticket.id, ticket.report_count))
        return True
