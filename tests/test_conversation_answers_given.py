"""A worker's answer to a resident's question settles it, though it tells the resident where to go, offers a
visit on a condition or names "那几户" (fixed clock, no sleeps). Cases from the dev days fo-d1, fq-d1, fn-d1
and fc-d1, where such answers were read as promises or as the worker asking back, and the questions stayed
open all day."""

from __future__ import annotations

from bot.conversation.acts import is_answer, is_question, read_worker
from tests.harness import Chat

BANK = "农商行小吴"
UNICOM = "联通小孙"


def test_what_to_bring_is_a_question_and_its_answer_settles_it(chat: Chat) -> None:
    """fo-d1: "…社保卡里的钱能在你们柜台上直接取么 要带撒" (带撒: what to bring) was no question, so the
    answer "能取 带社保卡和身份证 柜台上就能办 …" settled nothing."""
    assert is_question("小吴 社保卡里的钱能在你们柜台上直接取么 要带撒")
    chat.say("李淑珍", "小吴 社保卡里的钱能在你们柜台上直接取么 要带撒")
    chat.say(BANK, "能取 带社保卡和身份证 柜台上就能办 我们网点九点开门", after=2)
    assert chat.ticket(1).status == "resolved"


def test_an_offer_to_come_if_wanted_is_part_of_the_answer(chat: Chat) -> None:
    """fq-d1: "…千兆融合套餐129一个月 … 要办我上门换光猫" answers the price; the visit is on a condition."""
    chat.say("小毛", "@联通小孙 联通宽带升千兆多少钱一个月 现在300兆的 在屋里办公不够用")
    chat.say(UNICOM, "@小毛 千兆融合套餐129一个月 含两张手机卡 你现在是99的 补30块就好 要办我上门换光猫", after=3)
    assert chat.ticket(1).status == "resolved"


def test_telling_the_resident_to_go_there_is_no_promise() -> None:
    """fn-d1: "拿卡过去交钱就行" is where the resident goes, not a visit the worker promises."""
    assert is_answer(read_worker("阿姨 村口惠民超市就能代充电卡 拿卡过去交钱就行 或者叫娃在网上国网APP上交"))
    assert not is_answer(read_worker("阿姨 我下午拿卡过去 帮你充"))


def test_those_few_households_is_no_question_back() -> None:
    """fc-d1: "上院子不停 就是下院子那几户" answers which households; 那几户 is not 几户 asked."""
    assert read_worker("上院子不停 就是下院子那几户").kind != "ask"
    assert read_worker("你是几户的").kind == "ask"
