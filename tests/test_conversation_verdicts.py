"""Residents answering a fix and workers saying it is done, read in context (fixed clock, no sleeps):
"still not working" about another ticket than the speaker's own, a household's own next words that the
detector reads as a danger, and a fix that names a place with 前."""

from __future__ import annotations

from tests.harness import GRIDMAN, WATER, Chat, mentioned

UNICOM = "联通小孙"
POLICE = "派出所郑警官"


def test_still_not_working_after_another_fix_is_not_a_verdict_on_the_speakers_question(chat: Chat) -> None:
    """The asker of a 居住证 question, two minutes after the broadband was fixed: "我家还是红灯 重启了两次还是
    不行" is about the broadband, not a verdict on the answered question (fresh day qb-d1 reopened the
    question and sent it to the comprehensive worker as a complaint)."""
    chat.say("Ada", "8栋联通宽带断了 光猫一直闪红灯 今天在家要开视频会")
    chat.say(UNICOM, "收到 我查一下后台", after=3)
    chat.say("吴老师", "请问网格员 外孙明年读小学 我们户口在外地 要办居住证 去哪里办 要带什么", after=100)
    chat.say(GRIDMAN, "吴老师 居住证在社区警务室办 带身份证 户口本 租房合同 住满半年才能领证", after=10)
    assert chat.ticket(2).status == "resolved"
    chat.say(UNICOM, "8栋宽带已恢复 光猫灯不正常的关掉电源重开一下 #办结", after=20)
    assert chat.ticket(1).status == "resolved"
    chat.say("吴老师", "我家还是红灯 重启了两次还是不行", after=2)
    assert chat.ticket(2).status == "resolved"
    # the broadband's: its ticket reopened, or (the words tie it to no ticket) a broadband ticket of its own
    assert chat.ticket(1).status == "reopened" or chat.tickets()[-1].category == "telecom"


def test_a_households_own_next_words_read_as_a_danger_stay_on_its_ticket(chat: Chat) -> None:
    """"拍咗 佢屋企成日冇人 敲门都冇人应" five minutes after the same household's complaint of a leak from
    upstairs: the detector reads an urgent matter (nobody answers the door), but it is the household's own
    problem, not a second ticket nor a call to the police (fresh day qb-d1)."""
    chat.say("苏姐", "网格员 我屋厨房天花又滴水 系楼上1502漏落嚟嘅 讲过几次都唔理 柜都泡烂了")
    chat.say(GRIDMAN, "苏姐 我先联系1502 你拍几张照片私发我", after=3)
    out = chat.say("苏姐", "拍咗 佢屋企成日冇人 敲门都冇人应", after=2)
    assert len(chat.tickets()) == 1 and chat.ticket(1).report_count == 1 and not chat.ticket(1).urgent
    assert POLICE not in mentioned(out)


def test_a_fix_that_names_the_valve_before_the_meter_resolves_the_ticket(chat: Chat) -> None:
    """"表前阀" (the valve before the meter) is a place, not a deadline like "十点前": the fix below was
    read as progress (fresh day qc-d1)."""
    chat.say("龚德胜", "我屋门口水表那里喷水哒 接头那里 关都关不住")
    chat.say(WATER, "先把表前那个阀门关了 顺时针拧 我过来", after=3)
    chat.say(WATER, "龚叔屋门口的水表接头换好了 表前阀也换了个新的 大家试一下", after=50)
    assert chat.ticket(1).status == "resolved"
