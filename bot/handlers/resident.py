"""Residents: a #command typed by mistake, confirming a fix, naming their carrier."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Callable

from bot import repo, texts, tickets
from bot.conversation.acts import is_question
from bot.conversation.incidents import SERVICE_BACK, is_partial, is_partial_after_fix
from bot.conversation.likeness import coverage, similarity
from bot.conversation.services import SERVICE, SERVICE_OUT, named, service_of
from bot.conversation.tone import recaps, sighs_at_notice
from bot.handlers.commands import carrier_answer, clean, confirmation, looks_like_command, plain, unmentioned
from bot.handlers.target import ACTIVE
from bot.pipeline import Context
from models import AWAITING_PROVIDER, CLOSED, RESOLVED, Ticket


JUST_CLOSED = timedelta(hours=2)  # a household's "still not fixed" reopens a ticket closed this recently
ABOUT_SAME = 0.34  # share of shared content bigrams for "the same problem, still there"
_VERDICT = re.compile(r"^(?:不满意|满意|还是不行|还是没|还是不|没修好|没有修好|根本没|一点没)|不满意")  # a verdict first, details after
# a verdict that says nothing but "the fix did not work", wherever it stands ("周师傅 搜了两遍 还是不行")
_NOT_FIXED = re.compile(r"还是不行|还是不好|还是没好|还是老样子|没修好|没有修好|没弄好|没解决|一点没变|不管用|没用啊|"
                        r"(?:跟|和)(?:刚才|之前|原来)一样|还是一样|"  # "我屋里还是暗的 跟刚才一样"
                        r"又开始(?!来|有|供|送|通|正常)|"  # "老谭 又开始闪了"
                        # "俺家还有点黄": better, not fixed; a smell left after a fire is over ("还有点烟味 开窗散散")
                        r"还(?:是)?有(?:点|一点|些)(?!事|[烟焦糊臭]?味)")
# The trouble still going on ("都十点四十了 锣鼓还在打", "红灯还在闪"; "心还在跳" is the speaker's fright): like a
# symptom back, a verdict only in the ticket's words ("电线…还在冒火花" from that household is a new danger)
_STILL_GOING = re.compile(r"(?P<what>[\u4e00-\u9fff]{0,2})(?<!心)还在(?P<verb>打(?!火)|吵|响|闹|唱|滴|漏|闪)")
# What the reports complained of, still so after the fix ("我家还是红灯 拔了好几遍了" after "光猫…也是红灯"):
# a verdict only in the ticket's own words ("明天还是后天" names nothing a report says), and in words that name
# something: "还是么有" (still nothing) or "还是那个框框" say no more than that reports had 么有 or 那个 in them
_STILL_IS = re.compile(r"还是(?P<what>(?![没么冇无不木莫一那这有要在个得的是也])[\u4e00-\u9fff]{2})")
# A symptom still or again there ("还是不热", "上午热了一会又凉了"): a verdict on the ticket only when
# the message is about its problem ("北头又没电了" after a smoke report is a new outage).
_SYMPTOM_BACK = re.compile(r"还是(?:不|没|冇)(?P<still>热|暖和|亮|出水|来水|来电)|还是(?P<dim>暗|黑)|"
                           r"又(?:不|没|冇)?(?P<again>凉|冷|热|黑|水|电)了")
# the words a ticket's reports use for that symptom ("凉" answers a report of "暖气片还是凉的")
_SYMPTOM = {"热": "热暖凉冷", "暖和": "热暖凉冷", "凉": "热暖凉冷", "冷": "热暖凉冷",
            "亮": "亮灯电", "黑": "灯电", "出水": "水", "来水": "水", "水": "水", "来电": "电", "电": "电"}
_DIM = "亮灯暗黑"  # "还是暗的" answers a report of dim or dark lights ("灯是暗的", "全黑了"), not any outage
# another thing named with the symptom's character, or a worker @-mentioned ("@赵电工(供电所) 电费咋交啊")
_NOT_THE_THING = re.compile(r"暖气|电(?:费|卡|话|梯|动|瓶|池|饭)|[@＠]\S+")


def _again_about(text: str, said: list[str]) -> bool:
    """A symptom still or again there that the ticket's reports speak of; or the trouble still going on,
    named in the reports' words ("锣鼓还在打" after "祠堂那边锣鼓打到现在")."""
    going = _STILL_GOING.search(clean(text))
    if going:  # what goes on is named in the reports ("锣鼓"), or, unnamed ("还在打"), how it goes on ("打麻将")
        what = going.group("what")
        if any((what if len(what) == 2 else going.group("verb")) in report for report in said):
            return True
    for match in _SYMPTOM_BACK.finditer(clean(text)):
        family = _DIM if match.group("dim") else _SYMPTOM[match.group("still") or match.group("again")]
        # 暖气 names the radiator, not its warmth: "又凉了" is no verdict on "楼上暖气漏水把俺家棚顶都洇湿了" (25 incidents
        # of the labelled days name 暖气 and no warmth: leaks from upstairs, electric heaters tripping, the heating fee);
        # nor 电费, 电话, 电梯… the supply, nor 供电所 in a name: "路灯…又黑了" is no verdict on "电费咋交啊 …电卡表…"
        if _speaks_of(family, said):
            return True
    return False


def _speaks_of(chars: str, reports: "list[str]") -> bool:
    """Do the reports use any of these characters, another thing named with them aside (`_NOT_THE_THING`)?"""
    return any(ch in text for text in (_NOT_THE_THING.sub("", r) for r in reports) for ch in chars)


def _about(text: str, said: list[str]) -> bool:
    """The message speaks of the problem the ticket's reports speak of."""
    return any(similarity(text, t) >= ABOUT_SAME for t in said) or _again_about(text, said)


def service_out(text: str) -> str | None:
    """The category of the service a message says is out ("变压器嘭一声…然后就全黑了": power), else None."""
    return service_of(clean(text))


# Still waiting for a service to come back: "还没来水吗", "还冇来电啊", "还无电呀", "么时候来电啊", "电好久来哦", "电咋还不来",
# "甚时候来电啊" (甚 is 什么 in 晋 speech).
_NOT_YET = r"(?:没|冇|冒|无|木|么|莫|不)(?:有|得)?"
_POWER = r"电(?![话视脑梯热动瓶池器表费饭车线杆])"  # the supply, not the phone, the TV or the electric blanket
STILL_WAITING = re.compile(rf"还(?:是)?{_NOT_YET}(?:来|通)?(?P<a>水|{_POWER}|网|信号)|"
                           rf"(?:么|什么|甚|啥|几|哪个)时(?:候|间)?(?:才)?(?:能|会)?(?:来|有|通)(?P<b>水|{_POWER}|网|信号)|"
                           r"(?P<c>水|电|网|信号)(?:好久|几时|什么时候|甚时候|啥时候|么时候|啥子时候|几点)(?:才)?(?:能|会)?(?:来|有|通|好)|"
                           rf"(?P<d>水|电|网|信号)(?:咋|怎么|么|咋个|啷个)?还(?:是)?{_NOT_YET}(?:来|通|好)")


def still_waiting(text: str) -> str | None:
    """The category of the service a message is still waiting for ("还没来水吗": water), else None."""
    if is_partial(text):  # "电是来了 但我屋头…还是没得": back, and this household's fault is its own
        return None
    match = STILL_WAITING.search(unmentioned(text))
    if match is None:
        return None
    return SERVICE[match.group("a") or match.group("b") or match.group("c") or match.group("d")][0]


def _another_service(pattern: re.Pattern, text: str, ticket: Ticket, said: Callable[[], list[str]]) -> bool:
    """An answer naming a service (as back, or as out) that the ticket is not about: "有水了 好了谢谢" from
    the reporter of a quarrel about the property fee is about the water, and "又停水啊" from a reporter of
    this morning's power cut is about tomorrow's water cut. `said` reads the ticket's reports (电话 and 电费 in them are
    no power: "我阿妈打电话说家里没水了", then "…家里又停电了" in the evening outage)."""
    match = pattern.search(clean(text))
    word = named(match) if match else None
    if word is None:  # "黑了" may be a screen: no service named
        return False
    category, words = SERVICE[word]
    return ticket.category != category and not _speaks_of(words, said())


# letting it go ("不过下午可以 算了", "那就算了嘛"): a complaint in passing, not a verdict that it is not fixed
_LET_GO = re.compile(r"算了|不过[^，,。.!！?？]{0,6}(?:可以|也行|没事|还好)")


def verdict(text: str) -> str | None:
    """A reporter's answer to "is it fixed?": 'satisfied', 'unsatisfied' or None."""
    words = plain(clean(text))
    explicit = confirmation(text)
    if explicit or _LET_GO.search(words):
        return explicit
    return "unsatisfied" if _NOT_FIXED.search(words) or _SYMPTOM_BACK.search(words) or _STILL_GOING.search(words) \
        else None


def reporter_verdict(text: str) -> str | None:
    """A verdict from a reporter of a ticket just fixed: also what they complained of, still so ("还是红灯");
    that is a verdict only in the ticket's own words, which `Confirmation` checks."""
    found = verdict(text)
    return found if found is not None or not _STILL_IS.search(plain(clean(text))) else "unsatisfied"


class CommandRefusal:
    """Only roster workers may accept, resolve or reassign: anyone else gets a polite no."""

    name = "command-refusal"

    def applies(self, ctx: Context) -> bool:
        return not ctx.is_worker and looks_like_command(ctx.text)

    def handle(self, ctx: Context) -> bool:
        ctx.say(texts.refused_not_worker())
        return True


class _FollowUp:
    """A resident's short answer about their own ticket in `status`, read by `parse`."""

    status: str
    parse: staticmethod

    def applies(self, ctx: Context) -> bool:
        return ctx.grid is not None and self.parse(ctx.text) is not None and self._ticket(ctx) is not None

    def _ticket(self, ctx: Context) -> Ticket | None:
        assert ctx.grid is not None
        found = repo.tickets_reported_by(ctx.session, grid_id=ctx.grid.id, contact=ctx.msg.contact,
                                         statuses=(self.status,))
        return found[0] if found else None

    def handle(self, ctx: Context) -> bool:
        ticket = self._ticket(ctx)
        assert ctx.grid is not None and ticket is not None
        self.act(ctx, ticket, self.parse(ctx.text))
        return True


# The water back, but dirty ("俺家水是来了 黄汤汤的 跟泥巴水一样 能喝吗", "六楼有水啦 不过啲水好黄"): of the 60 residents' lines of
# the labelled days (held days aside) saying so, 27 first report a new incident and 23 are chatter; 10 are more words of
# the outage. Neither a verdict on the fixed outage nor its reopening: fi-d1's and gg-d1's reopened it.
_BACK_DIRTY = re.compile(r"(?:来水|有水|水是?来)[了啦喇哒咗]?.{0,12}(?:黄|浑|混|脏|锈|泥)")


def back_dirty(text: str) -> bool:
    """The water is back, but dirty: a problem of its own, not the outage still unfixed."""
    return bool(_BACK_DIRTY.search(text))


class Confirmation(_FollowUp):
    """满意 / 好了谢谢 closes the resident's just-resolved ticket; 不满意 / 还是没水 reopens it.

    Only that ticket's reporters confirm. A longer "not fixed" message must be about that ticket's
    problem (its words): "电是来了 可我家卫生间那路还没电" is a new fault, not a verdict on the bill; a
    message the detector is sure is another category's problem is not a verdict unless it says one
    first ("还是不行 …"); thanks naming another service ("有水了 好了谢谢") are not about this ticket.
    What the reports complained of, said to be still so ("我家还是红灯"), is a verdict only within
    JUST_CLOSED of the fix, not asked as a question, and in the words of that ticket's reports.
    """

    name = "confirmation"
    status = RESOLVED
    parse = staticmethod(reporter_verdict)
    SHORT = 8

    def applies(self, ctx: Context) -> bool:
        answer = self.parse(ctx.text)
        # a partial fix, or the household's own fault after the fix: a new fault, not a verdict
        if ctx.grid is None or answer is None or is_partial_after_fix(ctx.text) or recaps(ctx.text) \
                or back_dirty(ctx.text) or sighs_at_notice(ctx.text, ctx.notice_at, ctx.now):
            return False  # (or the day's troubles told over: "又停电又停水又煤气味 一天都没消停"; or a sigh at a cut announced)
        ticket = self._ticket(ctx)
        if ticket is None or self._newer_own(ctx, ticket):
            return False

        def said() -> list[str]:  # the ticket's reports, read only when the words need them
            return [r.text for r in repo.reports_of(ctx.session, ticket_id=ticket.id)]

        words = plain(clean(ctx.text))
        if answer == "satisfied":
            return not _another_service(SERVICE_BACK, ctx.text, ticket, said)
        if verdict(ctx.text) is None:  # only what was complained of, still so: soon after the fix, in its words,
            # and not a choice asked ("要去营业厅还是手机上就能办" from the reporter of a 手机银行 question)
            return ticket.resolved_at is not None and ctx.now - ticket.resolved_at <= JUST_CLOSED \
                and not is_question(ctx.text) \
                and any(m.group("what") in report for m in _STILL_IS.finditer(words) for report in said())
        # "还冇来电啊 好冷" from the reporter of a gas smell fixed an hour ago: about the evening outage
        if any(_another_service(p, ctx.text, ticket, said) for p in (SERVICE_OUT, STILL_WAITING)):
            return False
        if "又" in words and self._newer_outage(ctx, ticket):
            return False  # "又停水啊 早上才来的水" at night, the main burst since reported: about that one
        prediction = ctx.classifier.predict(ctx.text)
        if self._fixed_since(ctx, ticket, prediction) and not _about(ctx.text, said()):
            return False  # "我家还是红灯 重启了两次还是不行" from the asker of a 居住证 question: about the broadband just fixed
        if _VERDICT.match(words):  # "还是不行 还是红灯…": a verdict first, whatever follows
            return True
        # the detector is sure it is another category's problem: "六楼还是没得水" after a fire ticket, "7栋又停电了"
        # after the rubbish, "…打麻将…今天又开始哒 …讲过好几回都不听" after the evening outage; a verdict on this
        # ticket only in this ticket's words. A "not fixed" said inside other words is one only then too
        if not prediction.abstained and prediction.category not in ("none", ticket.category):
            reports = said()  # and mostly in those words: "粮站宿舍…打麻将…今天又开始哒" shares only the place
            return _again_about(ctx.text, reports) or any(coverage(ctx.text, t) >= ABOUT_SAME for t in reports)
        if _NOT_FIXED.search(words):  # "周师傅 搜了两遍 还是不行": a verdict wherever it stands
            return True
        return (len(words) <= self.SHORT and not _SYMPTOM_BACK.search(words) and not _STILL_GOING.search(words)
                and not _STILL_IS.search(words)) \
            or _about(ctx.text, said())

    @staticmethod
    def _fixed_since(ctx: Context, ticket: Ticket, prediction) -> bool:  # type: ignore[no-untyped-def]
        """Since this ticket was fixed, a ticket of the category the detector is sure the message is
        about (another one) was fixed too: "still not working" may be about that one."""
        assert ctx.grid is not None
        if prediction.abstained or prediction.category in ("none", ticket.category) or ticket.resolved_at is None:
            return False
        return any(t.category == prediction.category and t.resolved_at is not None and t.resolved_at > ticket.resolved_at
                   for t in repo.open_tickets(ctx.session, grid_id=ctx.grid.id, statuses=(RESOLVED, CLOSED),
                                              since=ctx.now - JUST_CLOSED))

    @staticmethod
    def _newer_own(ctx: Context, ticket: Ticket) -> bool:
        """Since the ticket was fixed, the household reported another problem that is still open: "拔了 还是不行" is
        about that one (ga-d1: the cable TV reported after the power came back, not the power)."""
        assert ctx.grid is not None
        done = ticket.resolved_at or ticket.closed_at
        return done is not None and any(
            t.id != ticket.id and t.created_at > done
            for t in repo.tickets_reported_by(ctx.session, grid_id=ctx.grid.id, contact=ctx.msg.contact, statuses=ACTIVE))

    @staticmethod
    def _newer_outage(ctx: Context, ticket: Ticket) -> bool:
        """Long after the ticket was fixed, another of its category (and carrier) was opened and is open."""
        assert ctx.grid is not None
        if ticket.resolved_at is None or ctx.now - ticket.resolved_at <= JUST_CLOSED:
            return False
        return any((t.category, t.provider) == (ticket.category, ticket.provider) and t.created_at > ticket.resolved_at
                   for t in repo.open_tickets(ctx.session, grid_id=ctx.grid.id, statuses=ACTIVE))

    def _ticket(self, ctx: Context) -> Ticket | None:
        """The resident's most recently resolved ticket; for "still not fixed", also one that another
        household's 满意 closed a moment ago (every household of the incident answers for itself)."""
        assert ctx.grid is not None
        statuses = (RESOLVED, CLOSED) if self.parse(ctx.text) == "unsatisfied" else (RESOLVED,)
        found = [t for t in repo.tickets_reported_by(ctx.session, grid_id=ctx.grid.id, contact=ctx.msg.contact,
                                                     statuses=statuses, closed_since=ctx.now - JUST_CLOSED)
                 if t.status == RESOLVED or (t.closed_at is not None and ctx.now - t.closed_at <= JUST_CLOSED)]
        return max(found, key=lambda t: (t.resolved_at or t.created_at, t.id)) if found else None

    def act(self, ctx: Context, ticket: Ticket, answer: str) -> None:
        assert ctx.grid is not None
        if answer == "satisfied":
            tickets.close(ctx.session, ticket=ticket, now=ctx.now, actor=ctx.msg.sender, satisfaction="satisfied")
            ctx.say(texts.closed_satisfied(ticket.id))
        else:
            ctx.out += tickets.reopen(ctx.session, settings=ctx.settings, ticket=ticket, grid=ctx.grid, members=ctx.members, now=ctx.now,
                                      actor=ctx.msg.sender, text=ctx.text)


class CarrierAnswer(_FollowUp):
    """The resident names the carrier the bot asked about; 'don't know' goes to the comprehensive worker."""

    name = "carrier-answer"
    status = AWAITING_PROVIDER
    parse = staticmethod(carrier_answer)

    def act(self, ctx: Context, ticket: Ticket, answer: str) -> None:
        assert ctx.grid is not None
        tickets.set_carrier(ctx.session, ticket=ticket, said=answer, actor=ctx.msg.sender, now=ctx.now)
        first = repo.reports_of(ctx.session, ticket_id=ticket.id)[0]
        ctx.out += tickets.route(ctx.session, ticket=ticket, grid=ctx.grid, members=ctx.members,
                                 text=first.text, now=ctx.now)
        ctx.say(texts.recorded(ticket.id, ticket.urgent))


class PrivateFallback:
    """A resident writing to the bot privately is pointed back to the group."""

    name = "private-fallback"

    def applies(self, ctx: Context) -> bool:
        return ctx.grid is None

    def handle(self, ctx: Context) -> bool:
        ctx.say(texts.private_for_residents() if not ctx.is_worker else texts.command_help())
        return True
