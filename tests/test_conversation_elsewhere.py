"""A report naming another place than an incident's one, hours after its last report, is another incident
(fixed clock, no sleeps). Case from gd-d1, where a gas smell in 2号楼3单元 joined the morning's flying wire in
9号楼1单元 six hours after it was reported (twenty minutes after the fire worker's word on the wire): the fire
worker's fix of the wire then closed the gas smell's ticket, and the wire had none of its own."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.conversation.incidents import Candidate
from bot.handlers.joins import elsewhere_later
from tests.harness import TZ, Chat

FIRE = "消防队老马"
WIRE = "9号楼1单元一楼楼道 又有人从窗户上拉根线给电动车充电 拖到楼道里 一黑夜都在充 这可危险哩"
GAS = "2号楼3单元楼道里一股煤气味 可冲了 不知道谁家漏气了 俺害怕"


def _candidate(*texts: str, last: datetime) -> Candidate:
    return Candidate(1, "fire", None, texts, frozenset({"张大妈"}), last, last)


def test_another_place_hours_later_is_another_incident() -> None:
    morning = datetime(2026, 1, 8, 8, 24, tzinfo=TZ)
    wire = _candidate(WIRE, last=morning)
    assert elsewhere_later(GAS, wire, morning + timedelta(hours=6))
    assert not elsewhere_later(GAS, wire, morning + timedelta(minutes=90))  # soon after: the matcher decides
    assert not elsewhere_later("9号楼的飞线还在 又充上了", wire, morning + timedelta(hours=6))  # the same building
    assert not elsewhere_later("一股煤气味 可冲了", wire, morning + timedelta(hours=6))  # no place named
    spread = _candidate(WIRE, "3号楼楼道也有人拉线充电", last=morning)  # two places: the incident spans them
    assert not elsewhere_later(GAS, spread, morning + timedelta(hours=6))
    area = _candidate("整个小区都停水了 5号楼也没有", last=morning)
    assert not elsewhere_later("2号楼还是没水", area, morning + timedelta(hours=6))


def test_a_gas_smell_in_another_building_hours_later_is_its_own_ticket(chat: Chat) -> None:
    chat.say("张大妈", WIRE)
    chat.say(FIRE, "收到 这个归我们管 这边忙完了去9号楼看", after=3)
    chat.say(FIRE, "9号楼1单元看了 线是102家从窗户上拉出来的 人没在家 先把线拔了 贴了整改通知", after=314)
    chat.say("刘婶", GAS, after=22)
    assert len(chat.tickets()) == 2
    chat.say(FIRE, "#办结 9号楼1单元的飞线拆了 跟102家说好了 电动车推到车棚集中充电", after=60)
    assert chat.ticket(1).status == "resolved" and chat.ticket(2).status not in ("resolved", "closed")
