"""The thing complained of, still there or back again, is the incident already reported (fixed clock, no
sleeps). Cases from the dev days fk-d1, fc-d1 and dv-d2, where a second household's "still there" hours later
opened a ticket of its own."""

from __future__ import annotations

from tests.harness import GRIDMAN, Chat


def test_the_rubbish_still_there_hours_later_is_the_same_rubbish(chat: Chat) -> None:
    """fk-d1: "万溪桥头那堆垃圾还在 越堆越多了 哪个来拉啊", two and a half hours after the pile was reported and
    taken up, opened a second ticket; the worker's "万溪桥头的垃圾拉走了" then closed only the first."""
    chat.say("瞿大爷", "万溪桥头赶场的垃圾堆成山了 菜叶子 烂柚子皮 塑料袋 臭得很 哪个来拉一下")
    chat.say(GRIDMAN, "收到 我打环卫站电话 赶场散了他们统一来收", after=4)
    # the day goes on: other problems of the same category are reported after it
    chat.say("姚家媳妇", f"@{GRIDMAN} 请问开居住证明要带么子东西 社区今天星期六上不上班", after=30)
    chat.say("小石头妈妈", "小区里有条大黄狗 好凶 刚刚追我屋细娃 细娃吓得哭 哪个屋的狗啊", after=20)
    chat.say("田大爷", "老街口那盏路灯好几晚不亮了 早上我出来扫地黑麻麻的", after=20)
    chat.say("胡家塘老杨", "万溪桥头那堆垃圾还在 越堆越多了 哪个来拉啊", after=144)
    assert [(t.category, t.report_count) for t in chat.tickets()] == [("other", 2), ("other", 1), ("other", 1),
                                                                      ("other", 1)]


def test_something_else_still_there_is_not_joined_for_the_cue_alone(chat: Chat) -> None:
    """"还在" with nothing of the incident's words is no follow-up of it: a stray dog is not the rubbish."""
    chat.say("瞿大爷", "万溪桥头赶场的垃圾堆成山了 菜叶子 烂柚子皮 塑料袋 臭得很 哪个来拉一下")
    chat.say(GRIDMAN, "收到 我打环卫站电话 赶场散了他们统一来收", after=4)
    chat.say("小石头妈妈", "小区门口那条大黄狗还在 刚刚又追我屋细娃 哪个来管一下", after=144)
    assert len(chat.tickets()) == 2
