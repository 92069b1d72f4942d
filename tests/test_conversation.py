"""Transcripts of the group conversation (fixed clock, no sleeps): the failures of issue 8, each replayed.

Incidents by content, workers' words as acts (never reports), closures in natural words and with
#办结 anywhere, chatter kept out of incidents, follow-ups read by content, the bot's own voice.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot import lifecycle
from bot.conversation.acts import read_worker, ticket_number
from models import Ticket
from tests.harness import GRIDMAN, POWER, TZ, WATER, Chat, mentioned, texts_of

FIRE = "消防队老马"
CABLE = "广电老周"


def _open(chat: Chat) -> dict[int, str]:
    return {t.id: t.status for t in chat.tickets()}


def test_unrelated_other_requests_are_separate_tickets_and_one_closure_closes_one(chat: Chat) -> None:
    chat.say("张阿姨", "二组路口的垃圾堆了好几天了没人拉 臭得很")
    chat.say("李叔", "请问明年的医保什么时候开始交 一个人多少钱", after=3)
    chat.say("小赵", "小区里有条流浪狗老追着小孩咬 谁管管", after=4)
    chat.say("王大爷", "我想开个居住证明 要带什么材料", after=6)
    chat.say("刘奶奶", "5栋门口的路灯坏了好几天 晚上黑黢黢的", after=5)
    tickets = chat.tickets()
    assert len(tickets) == 5 and {t.category for t in tickets} == {"other"}
    assert all(t.report_count == 1 for t in tickets)
    chat.say(GRIDMAN, "二组的垃圾拉走了 #办结", after=30)
    status = _open(chat)
    assert status[1] == "resolved"
    assert [status[i] for i in (2, 3, 4, 5)] == ["reported"] * 4


def test_two_disputes_at_once_are_two_tickets(chat: Chat) -> None:
    chat.say("张阿姨", "楼上天天半夜蹦迪 吵得睡不着 说了几次都不听")
    chat.say("李叔", "3单元有人把柜子破沙发全堆在楼道里 跟他说还骂人", after=5)
    assert [t.category for t in chat.tickets()] == ["dispute", "dispute"]


def test_workers_updates_and_closures_are_never_reports(chat: Chat) -> None:
    chat.say("张阿姨", "我家停水了 3栋")
    chat.say("李叔", "3栋也没水", after=2)
    chat.say(WATER, "收到", after=3)
    before = chat.ticket(1).report_count
    out = chat.say(GRIDMAN, "大家好 抢修的师傅到现场了 管子接口坏了 中午前来水", after=10)
    assert out == []  # no reply to a worker's status message
    out = chat.say(CABLE, "断电后设备要重启 我远程处理下", after=1)
    assert out == []
    assert len(chat.tickets()) == 1 and chat.ticket(1).report_count == before == 2
    assert not any("户反映" in o.text for o in chat.sent if GRIDMAN in mentioned([o]))


def test_hash_close_after_a_description_closes_the_ticket_it_describes(chat: Chat) -> None:
    chat.say("张阿姨", "3栋楼道里冒烟了 好像有东西烧着了")
    chat.say(FIRE, "收到 马上到", after=2)
    chat.say("李叔", "5栋门口的路灯不亮了", after=5)
    out = chat.say(FIRE, "现场已检查 没有复燃 #办结", after=30)
    assert chat.ticket(1).status == "resolved" and chat.ticket(2).status == "reported"
    assert "张阿姨" in mentioned(out)  # the announcement mentions the reporter
    # no overdue escalation for a fire closed in the group
    assert not [o for o in chat.tick(90) if "超期" in o.text]


def test_a_number_that_is_a_place_is_not_a_ticket_number(chat: Chat) -> None:
    chat.say("张阿姨", "3网格那边路灯坏了 晚上走路看不见")
    chat.say("李叔", "楼道里有人飞线充电", after=2)
    chat.say("小赵", "我家停水了", after=2)
    out = chat.say(GRIDMAN, "#办结 3网格路灯已换", after=60)
    assert "不是派给您的" not in texts_of(out)
    assert chat.ticket(1).status == "resolved" and chat.ticket(3).status == "reported"
    assert ticket_number("#办结 3网格路灯已换") is None and ticket_number("#办结 12") == 12
    assert ticket_number("收到 2号变压器跳闸了") is None and ticket_number("12号工单修好了") == 12


def test_received_with_a_note_accepts_the_outage_just_reported(chat: Chat) -> None:
    chat.say("张阿姨", "这个月电费怎么多了两百 想问问")
    chat.say(POWER, "收到", after=5)  # accepts the bill question
    chat.say("李叔", "整栋楼都停电了 黑漆漆的", after=300)
    chat.say("小赵", "我家也停电了", after=2)
    chat.say(POWER, "收到 2号变压器跳闸了", after=3)
    assert chat.ticket(2).status == "accepted" and chat.ticket(2).report_count == 2


def test_chatter_with_service_words_does_not_join_or_open_tickets(chat: Chat) -> None:
    chat.say("张阿姨", "3栋楼道里着火了 好大的烟")
    chat.say(FIRE, "收到 马上到", after=2)
    chat.say("李叔", "今天傍晚的晚霞 红得跟着火似的 真好看", after=30)
    chat.say("小赵", "楼上两口子又打起来了 摔东西 快来人", after=10)
    chat.say("王大爷", "网格员快去劝劝吧", after=1)
    assert [t.report_count for t in chat.tickets()] == [1, 1]
    chat.say(POWER, "明天上午我来给你换电表 你在家吗", after=20)
    chat.say("刘奶奶", "我下午三点走 在门口等", after=2)
    assert len(chat.tickets()) == 2


def test_a_new_fault_after_a_fix_is_not_a_verdict_on_another_ticket(chat: Chat) -> None:
    chat.say("张阿姨", "这个月电费怎么多了两百 想问问")
    chat.say(POWER, "收到", after=5)
    chat.say(POWER, "电费查了 是抄表员多抄了 下个月退 已处理", after=30)
    assert chat.ticket(1).status == "resolved"
    chat.say("张阿姨", "电是来了 可我家卫生间那路还没电", after=60)
    assert chat.ticket(1).status == "resolved"  # not reopened as 不满意


def test_only_reporters_confirm(chat: Chat) -> None:
    chat.say("张阿姨", "我家停水了")
    chat.say(WATER, "收到", after=3)
    chat.say(WATER, "修好了 大家试一下", after=40)
    chat.say("路人甲", "满意", after=1)
    assert chat.ticket(1).status == "resolved"
    chat.say("张阿姨", "满意", after=1)
    assert chat.ticket(1).status == "closed" and chat.ticket(1).satisfaction == "satisfied"


def test_two_equally_likely_tickets_get_one_short_question(chat: Chat) -> None:
    chat.say("张阿姨", "3栋停水了")
    chat.say("李叔", "8栋门口的水管爆了 哗哗地流", after=1)
    chat.say(WATER, "#接单 1", after=1)
    chat.say(WATER, "#接单 2", after=1)
    out = chat.say(WATER, "好了", after=30)
    assert len(out) == 1 and "哪一件" in out[0].text and "#1" in out[0].text and "#2" in out[0].text
    assert {t.status for t in chat.tickets()} == {"accepted"}
    chat.say(WATER, "#办结 2", after=1)
    assert chat.ticket(2).status == "resolved" and chat.ticket(1).status == "accepted"


def test_at_most_one_acknowledgement_per_household(chat: Chat) -> None:
    chat.say("张阿姨", "我家停水了")
    first = chat.say("李叔", "我家也没水", after=2)
    again = chat.say("李叔", "还没来水吗 急死了", after=10)
    assert len(first) == 1 and again == []
    assert chat.ticket(1).report_count == 2


def test_the_comprehensive_worker_relaying_is_not_a_household(chat: Chat) -> None:
    chat.say("张阿姨", "整个小区都停电了")
    chat.say(GRIDMAN, f"@{POWER} 我们这片停电了 麻烦看一下", after=5)
    assert chat.ticket(1).report_count == 1 and len(chat.tickets()) == 1
    assert POWER in chat.assignees(1)


def test_reassign_is_for_the_comprehensive_worker_and_open_tickets_only(chat: Chat) -> None:
    chat.say("张阿姨", "我家宽带断了")
    chat.say("张阿姨", "移动的", after=1)
    out = chat.say(WATER, "#改派 1 电信", after=1)
    assert "只有综合网格员" in texts_of(out)
    chat.say(GRIDMAN, "#改派 1 电信", after=1)
    assert chat.ticket(1).provider == "telecom"
    chat.say("电信小刘", "修好了", after=30)
    chat.say("张阿姨", "满意", after=1)
    out = chat.say(GRIDMAN, "#改派 1 联通", after=1)
    assert "已办结" in texts_of(out) and chat.ticket(1).provider == "telecom"


def test_daily_digest_asked_in_the_group_goes_privately(chat: Chat) -> None:
    out = chat.say(GRIDMAN, "#日报")
    assert [o.room for o in out if o.room] == [out[0].room] and len([o for o in out if o.room]) == 1
    assert any(o.to is not None and o.to.name == GRIDMAN for o in out)


def test_the_lifecycle_refuses_impossible_transitions() -> None:
    ticket = Ticket(grid_id=1, category="water", reporter="a", reporter_id="a", status="closed",
                    created_at=datetime(2026, 11, 20, tzinfo=TZ), updated_at=datetime(2026, 11, 20, tzinfo=TZ))
    for action in ("reassign", "accept", "resolve", "close"):
        assert not lifecycle.allowed(ticket, action)
        with pytest.raises(lifecycle.Refused, match="已办结"):
            lifecycle.transition(None, ticket, action, actor="x", now=datetime.now(TZ))  # type: ignore[arg-type]
    assert lifecycle.allowed(ticket, "reopen")


@pytest.mark.parametrize("text,kind", [
    ("收到", "accept"), ("好的我去一趟", "accept"), ("马上到", "accept"),
    ("在路上了", "progress"), ("明天上午去", "progress"), ("还没修好 配件没到", "progress"),
    ("修好了 大家试一下", "resolve"), ("已处理", "resolve"), ("王庄线送上电了 大家看看来了没有", "resolve"),
    ("二组的垃圾拉走了 #办结", "resolve"), ("明天上午8点到12点计划停水 请大家提前储水", "notice"),
    ("哪一栋？", "ask"), ("谢谢大家", "none"), ("#改派 12 电信", "reassign"),
])
def test_workers_words(text: str, kind: str) -> None:
    assert read_worker(text).kind == kind



def test_the_digest_counts_what_workers_closed_whether_or_not_residents_answered(chat: Chat) -> None:
    from datetime import date

    from sqlmodel import Session, select

    from bot.digest import collect, render
    from models import Grid

    chat.now = datetime(2026, 11, 20, 8, 0, tzinfo=TZ)
    chat.say("张阿姨", "我家停水了")
    chat.say("李叔", "5栋门口的路灯坏了 晚上黑黢黢的", after=5)
    chat.say("小赵", "楼道里有人飞线充电", after=5)
    chat.say(WATER, "修好了 大家试一下", after=60)
    chat.say("张阿姨", "满意", after=5)
    chat.say(GRIDMAN, "5栋路灯换好了 #办结", after=60)  # nobody confirms this one
    with Session(chat.app.engine) as session:
        grid = session.exec(select(Grid).where(Grid.name == "幸福里第一网格")).one()
        stats = collect(session, grid=grid, day=date(2026, 11, 20), tz=TZ)
    assert (stats.resolved, stats.confirmed, stats.awaiting_confirmation, stats.still_open) == (2, 1, 1, 1)
    assert "办结 2 件（居民已确认 1 件），待居民确认 1 件，未办结 1 件" in render(stats)


def test_the_act_model_reads_one_message_as_its_classifier_does() -> None:
    """The plain tables the act model keeps give scikit-learn's own answer, message by message: learned on
    the workers' lines of two dev days, read on those of two others."""
    import json

    from bot.conversation.act_model import ActModel
    from bot.paths import DATA

    def worker_lines(days):  # noqa: ANN001, ANN202
        out = []
        for day in days:
            for line in day.read_text(encoding="utf-8").splitlines():
                e = json.loads(line)
                act = read_worker(e["text"])
                if e.get("act") and not act.explicit:
                    out.append((act, e["act"]["kind"]))
        return out

    days = sorted((DATA / "dialogue" / "dev").glob("*.jsonl"))
    learn, read = worker_lines(days[:2]), worker_lines(days[2:4])
    assert len(learn) > 100 and len(read) > 100
    vectorizers, classifier = ActModel.fit_sklearn([a for a, _ in learn], [k for _, k in learn], 10.0)
    model = ActModel.from_sklearn(vectorizers, classifier)
    acts = [a for a, _ in read]
    slow = [str(k) for k in classifier.predict(ActModel._rows(vectorizers, acts))]
    assert len(set(slow)) >= 4
    assert [model._predict_one(a) for a in acts] == slow


def test_the_act_models_character_grams_are_the_vectorizers() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from bot.conversation.act_model import _char_grams

    analyze = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).build_analyzer()
    for text in ("修好了", "A栋 WiFi  好了\n\n 你试下", "  ", "", "好", "＃办结 3", "Ⅻ号楼 ÅB [抱拳]\t\t了"):
        assert sorted(_char_grams(text)) == sorted(analyze(text)), text


def test_a_saved_act_model_loads_without_scikit_learn(tmp_path) -> None:  # noqa: ANN001
    """A running bot reads workers' words with numpy alone: unpickling the act model imports no scikit-learn."""
    import pickle
    import subprocess
    import sys

    from bot.conversation.act_model import ActModel
    from bot.paths import ROOT

    texts = ["修好了 你试下", "收到 马上到", "明天上午去看", "已经弄好了", "大家注意安全", "你家几栋几楼"] * 3
    kinds = ["resolve", "accept", "progress", "resolve", "notice", "ask"] * 3
    model = ActModel.fit([read_worker(t) for t in texts], kinds, 10.0)
    path = tmp_path / "acts.pickle"
    path.write_bytes(pickle.dumps(model))
    code = ("import pickle, sys; from bot.conversation.acts import read_worker; "
            f"m = pickle.loads(open({str(path)!r}, 'rb').read()); "
            "print(m.kind(read_worker('水管修好了 你试下'))); "
            "print(any(k.split('.')[0] == 'sklearn' for k in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    out = run.stdout.split()
    assert out[1] == "False" and out[0] in ("resolve", "accept", "progress", "notice", "ask")


def test_a_closure_naming_a_building_refers_to_the_ticket_whose_reports_name_it() -> None:
    from bot.conversation.refer import Option, choose

    now = datetime(2026, 11, 16, 9, 34, tzinfo=TZ)
    lift = Option(1, "reported", ("18栋的电梯又坏了 两台停了一台 上班要迟到了", "18栋+1 我在28楼等了五分钟"),
                  frozenset({"张伟", "杨帆"}), True, True, datetime(2026, 11, 16, 7, 12, tzinfo=TZ))
    fee = Option(4, "reported", ("物业费要涨价 电梯三天两头坏 垃圾站臭得要死 凭什么涨",),
                 frozenset({"蒋美华"}), True, True, datetime(2026, 11, 16, 8, 35, tzinfo=TZ))
    act = read_worker("18栋左边电梯修好了 是门机皮带松了 维保已经换了新的 大家可以坐了")
    assert choose(act, [lift, fee], now).ticket_id == 1


@pytest.mark.parametrize("text, kind", [
    ("物业上去了 1702装修队已经停了 跟工头讲了 再中午施工就停他的装修证 已处理", "resolve"),
    ("已经解决了 下午再去回访一下", "resolve"),
    ("明天上午能处理好", "progress"),
    ("还没处理好 配件明天到", "progress"),
    ("快了 保险换好了 合闸前再检查一遍", "progress"),  # almost done: the power is not back yet (dev day yo-d1)
    ("快了快了 师傅在接线", "progress"),
    ("保险换好了 大家试一下", "resolve"),
    # "刚才" (just now) is no "才" (only then), "前楼" (the front building) no "前" (before)
    ("上来看了 空调插座里面烧黑了 刚才来电冲了一下 插座跟空开都换了新的 空调可以开了", "resolve"),
    ("15号前楼电来了 空开换了 表箱顶上我拿胶布封了下", "resolve"),
    ("估计晚上才来电", "progress"),
    ("十点前能修好", "progress"),
])
def test_a_plain_done_outweighs_a_warning_but_not_a_promise(text: str, kind: str) -> None:
    from bot.conversation.acts import word_act

    assert word_act(text) == kind


def test_a_numbered_closing_without_the_hash_is_a_closing() -> None:
    # fresh day uk-d1: "不客气 工单9办结 门口那台ATM明天厂家来换新的" was read as progress
    for text, number in (("不客气 工单9办结 门口那台ATM明天厂家来换新的", 9), ("12号工单办结 谢谢大家", 12),
                         ("工单号 7 已办结", 7)):
        act = read_worker(text)
        assert (act.kind, act.number, act.explicit) == ("resolve", number, True)
    assert read_worker("工单9 还在处理").kind != "resolve"


def test_a_relay_goes_with_the_words_not_with_whose_ticket_it_is() -> None:
    from bot.conversation.refer import Option, choose

    now = datetime(2026, 11, 15, 8, 48, tzinfo=TZ)
    heating = Option(5, "reported", ("暖气到底什么时候能热 屋里才十五度",), frozenset({"李振华"}), True, True,
                     datetime(2026, 11, 15, 8, 21, tzinfo=TZ))
    water = Option(7, "reported", ("俺家自来水今儿早上放出来是黄的 跟锈水一样 能喝不", "俺家也是黄的 刚接了一盆"),
                   frozenset({"田凤英", "宋玉梅"}), False, False, datetime(2026, 11, 15, 8, 45, tzinfo=TZ))
    act = read_worker("@供水刘师傅 刘师傅 5号楼几户自来水发黄 麻烦看看", {"供水刘师傅"}, comprehensive=True)
    assert act.kind == "relay"
    assert choose(act, [heating, water], now).ticket_id == 7


def test_an_answer_that_addresses_the_asker_by_name_resolves_their_question(chat: Chat) -> None:
    chat.say("孙玉芝", "问一下 俺那社保卡寄回来了 说要激活 咋激活啊 俺不会弄")
    number = chat.tickets()[-1].id
    chat.say(GRIDMAN, "#接单")
    chat.say(GRIDMAN, "孙姨 带上身份证跟卡 到镇上农商行柜台就能激活 要本人去 五分钟的事")
    assert chat.ticket(number).status == "resolved"


def test_addressed_names_need_a_chinese_name_and_an_honorific_or_the_full_name() -> None:
    from bot.conversation.names import addressed

    assert addressed("孙姨 带上身份证", {"孙玉芝", "马春生"}) == {"孙玉芝"}
    assert addressed("周老师 你那个套餐", {"周建新"}) == {"周建新"}
    assert addressed("马春生 狗逮住了", {"马春生"}) == {"马春生"}
    assert addressed("大家好 明天停水", {"孙玉芝"}) == set()
    assert addressed("孙子放学了", {"孙玉芝"}) == set()


def test_a_resident_who_at_mentions_one_carriers_worker_has_named_the_carrier(chat: Chat) -> None:
    out = chat.say("覃志强", "@移动小陈 问下 有冇那种便宜的老人卡 我妈就打打电话 现在一个月扣五十几 太贵了")
    ticket = chat.tickets()[-1]
    assert (ticket.category, ticket.provider, ticket.status) == ("telecom", "mobile", "reported")
    assert "移动小陈" in mentioned(out)
