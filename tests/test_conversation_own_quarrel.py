"""A quarrel's household saying more about its quarrel, hours later and in other words, is that quarrel, not a
second one (fixed clock, no sleeps). Case from the dev day fy-d1, where such a message opened a second ticket
for the same quarrel, and the mediator's settlement then closed the second and left the first open all night."""

from __future__ import annotations

from tests.harness import GRIDMAN, Chat

MEDIATOR = "调解员何姐"


def _tree_on_the_roof(chat: Chat) -> None:
    chat.say("王春兰", "网格员 我家厨房的瓦被隔壁符家的槟榔树压烂了 昨晚倒下来的 叫他来砍他说是风吹的不关他事 你们来评评理")
    chat.say(GRIDMAN, f"春兰姐 收到 你先拍个照片 @{MEDIATOR} 上午麻烦一起去一趟 春兰家跟隔壁槟榔树压瓦的事", after=2)
    chat.say(MEDIATOR, "好 我九点半过去 两家都在家吧", after=3)
    assert [t.category for t in chat.tickets()] == ["dispute"]


def test_the_quarrels_household_saying_more_is_the_same_quarrel(chat: Chat) -> None:
    _tree_on_the_roof(chat)
    chat.say("王春兰", "何姐来讲了 隔壁阿弟说树他自己砍 瓦片的钱还在讲", after=110)
    assert len(chat.tickets()) == 1
    chat.say(MEDIATOR, "春兰家跟符家已经讲好了 槟榔树他下午砍 瓦片按两百赔 今天给钱 两家都签字了", after=50)
    assert chat.ticket(1).status == "resolved"


def test_a_fight_the_same_household_reports_goes_out_on_its_own(chat: Chat) -> None:
    """The guard (passes before the change too): a fight elsewhere that the household reports is not its quarrel."""
    _tree_on_the_roof(chat)
    chat.say("王春兰", "快来人 菜市场门口两个喝了酒的拿刀打起来了 头都打破了 快叫警察", after=60)
    assert len(chat.tickets()) == 2 and chat.ticket(2).urgent
