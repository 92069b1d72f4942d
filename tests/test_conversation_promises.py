"""A worker's promise to come, or work still going on, is no answer to the question it follows (fixed
clock, no sleeps); someone found and safe ends a search. Cases from the fresh days fa-d1, fb-d1, fc-d1, fd-d1 and fg-d1."""

from __future__ import annotations

from bot.conversation.acts import read_worker
from bot.conversation.endings import answers, asks, defers, ends, fine_now, found_safe, looks_later, meets_later
from tests.harness import GRIDMAN, POWER, WATER, Chat

POLICE = "派出所郑警官"
BANK = "农商行小吴"
MOBILE = "移动小陈"
FIRE = "消防队老马"
MEDIATOR = "调解员何姐"


def test_i_will_go_and_look_in_a_moment_is_no_answer(chat: Chat) -> None:
    """fc-d1: "上院子的水管冻起了 … 哪个晓得咋个办" was taken up "收到 估计是上院子那截主管冻起了 … 我等下去水池看".
    The words share 上院子 and 冻起了 with the question, so they were read as its answer and the frozen
    pipe was resolved at 07:31, four hours before the water came. 等下 (in a moment) is later, as 等会 is;
    "在拿火烤" (at it with a fire) is work still going on, as 正在 is."""
    chat.say("蒲婶", "上院子的水管冻起了 龙头一拧一滴都莫得 哪个晓得咋个办")
    chat.say(WATER, "收到 估计是上院子那截主管冻起了 那截埋得浅 我等下去水池看", after=14)
    assert chat.ticket(1).status not in ("resolved", "closed")
    chat.say(WATER, "到上院子水池了 进水管冻实了 在拿火烤", after=106)  # still at it
    assert chat.ticket(1).status not in ("resolved", "closed")
    chat.say(WATER, "上院子来水了 主管化通了 大家先放一下黄水再用 #办结", after=161)
    assert chat.ticket(1).status == "resolved"


def test_a_visit_promised_to_the_residents_home_is_no_answer(chat: Chat) -> None:
    """fg-d1: "伍师傅 我屋里空调还是冇电 … 今晚能不能来一下" was answered "老邓 实在对不住 夜里一个人不好爬高 明天早上
    八点第一个到你屋里 …": it names the asker, so it was read as the answer and the fault was resolved that
    night, still unmended. A visit to the resident's home is a promise, today or tomorrow."""
    for text in ("老邓 实在对不住 夜里一个人不好爬高 明天早上八点第一个到你屋里 空调那一路先莫动",
                 "那就是线里头短路了 我弄完6号楼上你家看看", "大娘 真来不了 天黑了上杆危险 明儿一早头一个去恁那"):
        assert not answers(read_worker(text)), text
    assert answers(read_worker("冉孃孃冇得事 在里屋看电视 声音开得大没听到 手机是停电的时候冇电了 已经充起了 龚伟你等一下再打过来"))
    chat.say("老邓", f"@{POWER} 我屋里空调那一路还是冇电 闸一推上去就跳 今晚能不能来一下 热得困不着")
    chat.say(POWER, "老邓 实在对不住 夜里一个人不好爬高 明天早上八点第一个到你屋里 空调那一路先莫动", after=4)
    assert chat.ticket(1).status not in ("resolved", "closed")



def test_someone_found_and_safe_closes_the_search(chat: Chat) -> None:
    """fd-d1: "阿婆搵到了 喺澜石桥底 人冇事 已经送返屋企" ended the search for a missing grandmother, and fb-d1's
    "找到了 老人在滹沱河公园长椅上坐着呢 人没事 就是冻着了 正往回送" another; the act model read both as progress,
    so the tickets stayed 处理中 all night. Someone found and safe is the end of the search."""
    chat.say("梁阿芬", "我阿妈出去买菜到而家都未返 佢有少少老人痴呆 手机又冇带 着件蓝色衫 大家见到帮手留意下 好急")
    assert chat.ticket(1).urgent
    chat.say(POLICE, "收到 我哋而家出动 阿芬你发张阿妈相片畀我", after=5)
    chat.say(POLICE, "收到 同事往澜石方向去了", after=38)
    assert chat.ticket(1).status == "accepted"
    chat.say(POLICE, "阿婆搵到了 喺澜石桥底 人冇事 已经送返屋企", after=33)
    assert chat.ticket(1).status == "resolved"


def test_someone_freed_from_a_lift_and_safe_ends_the_rescue(chat: Chat) -> None:
    """fu-d1: "人放出来了 老人家没得事 在楼下坐起歇气 这台电梯先停用 等维保来查" ended the rescue from a stuck lift; the act
    model read progress (for 等维保来查), so the ticket stayed 处理中 all day. Freed and safe is the end of it,
    whatever is done to the lift later; 没得事 is 没事."""
    assert found_safe("14幢电梯里的奶奶救出来了 都没事 已经送回家") and not found_safe("人放出来了 正往医院送")
    chat.say("熊婆婆家孙女", f"@{FIRE} 快来 7栋电梯卡在9楼和10楼中间 我奶奶关在里头 按铃没人应 她有高血压")
    assert chat.ticket(1).urgent
    chat.say(FIRE, "收到 马上到", after=2)
    chat.say(FIRE, "人放出来了 老人家没得事 在楼下坐起歇气 这台电梯先停用 等维保来查", after=25)
    assert chat.ticket(1).status == "resolved"


def test_i_will_go_when_done_with_another_is_no_answer(chat: Chat) -> None:
    """fa-d1: "张哥莫急 吞的卡在机器里是安全的 钱冇出来的不会扣 我这边汪爹爹办完就去看" names 汪爹爹, who had asked about
    activating his 社保卡: it was read as the answer to his question, and through the words, as closing the
    swallowed card. "…办完就去看" (I will go when done here) is work still to come."""
    chat.say("汪爹爹", f"@{BANK} 问一下 我那张社保卡去年换的新的 一直冇用过 说要激活 在哪里激活")
    chat.say(BANK, "好的 汪爹爹 我下午三点左右上门帮您激活 身份证准备好", after=3)
    chat.say("张国富", "农商行老街那个取款机把我的卡吞哒 取钱取到一半 屏幕就不动了 卡冇吐出来 钱也冇出来 急死人", after=90)
    chat.say(BANK, "张哥莫急 吞的卡在机器里是安全的 钱冇出来的不会扣 我这边汪爹爹办完就去看", after=4)
    assert [t.status for t in chat.tickets()] == ["accepted", "accepted"]


def test_found_then_safe_in_that_order() -> None:
    """Found, then safe (or safe, then sent home), anywhere after it in the message; in a message of any length."""
    assert found_safe("找到了 老人在公园长椅上坐着呢 人没事 就是冻着了 正往回送")
    assert found_safe("老人找到哒 身体冇得事 已经送回屋哒")
    assert not found_safe("人没事 就是还没找到")  # safe said before found: still searching
    assert not found_safe("找到了 是米粉店后面那个液化气罐的减压阀松了")  # the cause found, nobody safe
    assert found_safe("找到了" * 100_000 + " 人没事") and not found_safe("找到了" * 100_000)


def test_the_all_clear_after_an_evacuation_closes_the_gas_leak(chat: Chat) -> None:
    """fl-d1: "燃气公司把1102的灶前阀换了 楼道通风了 测了没浓度了 没事了 大家可以回家了" ended a gas leak for which a
    stairwell had left home; the act model read it as progress, so the leak stayed 处理中. The all-clear
    ("大家可以回家了", "可以回屋了") ends the matter; "还不能回家" does not."""
    chat.say("刘凤霞", "5号楼2单元楼道里一股煤汽味 贼冲 是不是哪家漏气了 吓人呢")
    chat.say(FIRE, "收到 马上到 楼里的别开关灯别打火 把楼道窗户打开 人先下楼", after=2)
    chat.say(FIRE, "燃气公司把1102的灶前阀换了 楼道通风了 测了没浓度了 没事了 大家可以回家了", after=40)
    assert chat.ticket(1).status == "resolved"
    assert not ends("阀门还在换 大家还不能回家 先在楼下等着")


def test_the_all_clear_to_go_back_up_closes_the_gas_leak(chat: Chat) -> None:
    """fw-d1: "查到了 三楼302厨房煤气罐的减压阀没拧紧 阀已经关了 窗打开散了 没事了 大家可以上去了 明天叫他换个新的
    减压阀" ended a gas leak the stairwell had left for; the act model read it as progress (明天), so the
    leak stayed 处理中 all night. Going back up ("可以上去了", "可以上楼了", "可以进屋了") is the all-clear too."""
    chat.say("刘凤霞", "5号楼2单元楼道里一股煤汽味 贼冲 是不是哪家漏气了 吓人呢")
    chat.say(FIRE, "收到 马上到 楼里的别开关灯别打火 把楼道窗户打开 人先下楼", after=2)
    chat.say(FIRE, "查到了 三楼302厨房煤气罐的减压阀没拧紧 阀已经关了 窗打开散了 没事了 大家可以上去了 明天叫他换个新的减压阀",
             after=40)
    assert chat.ticket(1).status == "resolved"
    assert ends("燃气公司测过了 2单元的可以上楼了") and not ends("还不能上楼 等燃气公司测完")


def test_heating_to_be_felt_and_money_arrived_end_the_matter() -> None:
    """fx-d1's "热力的师傅给7号楼2单元放了气 @李桂芝 @刘翠花 你们摸摸片子热了没有" and fw-d1's "许伯 养老金已经到账了
    你查一下" close their tickets (the act model read them as progress and a question). Asking before anything is
    done ("你摸摸热不热") and money not yet there are no ending."""
    assert ends("热力的师傅给7号楼2单元放了气 你们摸摸片子热了没有")
    assert ends("5号楼高区排完气了 大家摸摸暖气片热没热")
    assert not ends("是上水管还是暖气管 凤霞姐你摸摸热不热")
    assert ends("许伯 养老金已经到账了 你查一下") and ends("吴奶奶 养老金12号就到账了 带卡来就能取")
    assert not ends("养老金还没到账 月底才发") and not ends("问一下养老金已经到账了吗")


def test_a_pension_answered_as_arrived_closes_the_question(chat: Chat) -> None:
    chat.say("许伯", f"@{BANK} 问一下 这个月的养老金发了没有 我去小卖部刷卡说没有钱")
    chat.say(BANK, "许伯 我查一下 稍等", after=3)
    chat.say(BANK, "许伯 养老金已经到账了 你查一下", after=30)
    assert chat.ticket(1).status == "resolved"


def test_an_answer_still_to_come_leaves_the_question_open(chat: Chat) -> None:
    """dv-d1, fd-d1, fi-d1: "县里明年的标准还没下来 … 一下来我就在群里发" and "我明朝问下教育办 … 再答你" tell what is known
    and promise the rest. The act model read them as the answer and resolved the questions, which stayed
    open all day. The answer to come is no answer; telling when something will happen ("到时候群里通知") is."""
    for text in ("我问下村里再回你", "具体要带哪些材料我周一问清楚了回您", "教育局还没发 我盯着 一有消息就转群里",
                 "空气能补贴镇上还没下文件 下来了我头一个在群里发"):
        assert defers(text), text
    for text in ("取暖补贴不用申请 民政直接打到一卡通上 一般十二月底 到时候我群里通知", "养老金已经到账了 你查一下"):
        assert not defers(text), text
    chat.say("刘建国", f"@{GRIDMAN} 问一下 明年的医保啥时候交 一个人交多少")
    chat.say(GRIDMAN, "建国叔 县里明年的标准还没下来 往年都是十二月底以前交 一下来我就在群里发", after=20)
    assert chat.ticket(1).status not in ("resolved", "closed")


def test_taking_it_up_is_no_answer_though_it_shares_the_questions_words(chat: Chat) -> None:
    """gc-d1: "有人在地下车库吗 移动一点信号都没有" was taken up, quoting the bot's ping, "收到 车库之前测过 要加室分 要物业
    同意进场布线 我今天跟物业对接". With the quote it shares 地下车库 and 信号 with the question, so it was read as the
    answer and the ticket resolved; the signal stayed poor all day. A reply that opens with 收到 takes the ticket up."""
    assert not answers(read_worker("好的 收到 车库之前测过 要加室分 要物业同意进场布线 我今天跟物业对接"))
    chat.say("8-1802", "有人在地下车库吗 移动一点信号都没有 叫车叫不了 走到坡道上才有一格")
    chat.say("周周爸爸", "车库一直这样 B2更差 我也是移动的 出口付停车费都付不了", after=2)
    chat.say(MOBILE, "「网格小助手：@移动小陈 移动工单 #1：地下车库移动信号差」\n- - - - - - - - - - - - - - -\n"
             "收到 车库之前测过 要加室分 要物业同意进场布线 我今天跟物业对接", after=9)  # quoting the bot's ping
    assert chat.ticket(1).status == "accepted"


def test_whether_the_bank_is_open_asked_with_bu_is_answered_by_its_hours(chat: Chat) -> None:
    """ga-d1, fs-d1: "今天农信社开门不 我要取点钱" asks whether the bank is open, with 不 at the end as northern speech
    does; the worker's hours ("开 周六上午九点到十一点半 …") answer it and end the matter."""
    assert asks("咱村那个取款点晌午开门不 俺想取两千块") and asks("今天信用社开着不")
    assert not asks("药店还开门 不用急")
    chat.say("孙福全", f"@{BANK} 今天农信社开门不 我要取点钱 儿子打过来的 今天是周六")
    chat.say(BANK, "开 周六上午九点到十一点半 带上身份证和存折就行 下午不办业务", after=3)
    assert chat.ticket(1).status == "resolved"


def test_work_at_it_that_takes_a_while_is_no_answer(chat: Chat) -> None:
    """ge-d1: "3号楼门口在刨了 冰太厚 得一会 大家先绕着走" resolved the icy slope, an hour before it was done. 刨 (chipping
    the ice) is work still going on, and 得一会 says it takes a while. The slope's report asked "能不能给撒点炉灰啥的": a call
    for someone to come and act, which no words settle, not a question for the answer path."""
    assert not asks("3号楼门口那个坡全是冰 贼滑 能不能给撒点炉灰啥的") and not asks("网格员能不能叫人撒点炉渣")
    assert not asks("巷子中间那个下水道口又堵死了 能不能喊排水的来通一下")
    assert asks("老伴那个老人卡一个月扣三十八 能不能换个便宜的套餐") and asks("社保卡能不能在手机上激活")
    chat.say("老张头", f"3号楼门口那个坡全是冰 贼滑 我刚才差点没摔个跟头 能不能给撒点炉灰啥的 @{GRIDMAN}")
    chat.say(GRIDMAN, "3号楼门口的坡收到了 一会我找公益岗的俩人去刨冰 撒炉灰", after=40)
    chat.say(GRIDMAN, "3号楼门口在刨了 冰太厚 得一会 大家先绕着走", after=100)
    assert chat.ticket(1).status == "accepted"
    chat.say(GRIDMAN, "3号楼门口冰刨完了 #办结 炉灰也撒上了 大家走道还是慢点", after=57)
    assert chat.ticket(1).status == "resolved"


def test_an_outage_reported_as_a_question_is_ended_by_the_power_not_a_time(chat: Chat) -> None:
    """ga-d1: "停电了?灯一下灭了 电暖气也不转了" read as a question, so the power worker's "十点半左右 断线接上清完树枝就送"
    answered it at 08:48, and his "#办结 3 二队三队送电了" at 10:26 was refused as a step that did not apply. All 33
    residents' request lines of the labelled days that report an outage as a question are outages."""
    assert not asks("停电了?灯一下灭了 电暖气也不转了") and not asks("12幢怎么没水了？刷牙刷一半水龙头一滴都没有")
    assert not asks("我妈打电话给我说屋里冇电 是整个村都停电了吗")
    assert asks("明天停电吗？") and asks("明天还停不停水")
    chat.say("张桂兰", "停电了?灯一下灭了 电暖气也不转了")
    chat.say("明浩妈妈", "我家也没电了 三队", after=1)
    chat.say(POWER, "收到 正在查 二队三队是一条线出来的 我们这就上车", after=8)
    chat.say(POWER, "十点半左右 断线接上清完树枝就送 跟二队三队一块", after=84)
    assert chat.ticket(1).status == "accepted"
    out = chat.say(POWER, "#办结 1 二队三队送电了 大家看看有没有电", after=98)
    assert chat.ticket(1).status == "resolved" and "不适用" not in "\n".join(o.text for o in out)


def test_a_look_promised_for_later_is_no_answer(chat: Chat) -> None:
    """fk-d1: "晚饭时候用水高峰 二次供水加压泵可能有一台冇启动 明天清洗水箱的时候一起看下" answered "2栋水好小 … 是不是又要停水了"
    and closed it, though the weak water was to be looked at the next day. A look promised for later ("我下午两点过来看",
    "明天…一起看下") is no answer: 26 of the 28 labelled worker lines promising one are no fix."""
    chat.say("黄贵芳", f"@{WATER} 2栋水好小 洗菜的水像筷子那么细 是不是又要停水了")
    chat.say(WATER, "2栋是几楼 低楼层还是高楼层", after=3)
    chat.say("黄贵芳", "我屋九楼", after=3)
    chat.say(WATER, "晚饭时候用水高峰 二次供水加压泵可能有一台冇启动 明天清洗水箱的时候一起看下", after=5)
    assert chat.ticket(1).status not in ("resolved", "closed")


def test_a_meeting_set_for_later_is_no_fix(chat: Chat) -> None:
    """gk-d1: the mediator's "到后街了 跟林强说了 大车装完货就挪走 明天头晌两家都来村委坐坐 把停车的事说开" was read as a fix
    and closed the quarrel over a truck parked across a gate. A meeting set for later, with nothing settled yet
    (已处理, 说好了, 答应, #办结), is progress: all 44 labelled worker lines saying so are progress or taking it up."""
    assert meets_later("下周一约物业经理和业主代表到社区坐下来谈 大家推两三个代表出来")
    assert not meets_later("两家说好了 猪圈往里头挪半米 那条沟明天两家一起挖通 这个事情调解好了")
    chat.say("林宝山", f"@{MEDIATOR} 后街林强家的大货车又横在我家大门口 我三轮车出不去 跟他说了好几回了 一点用没有")
    chat.say(MEDIATOR, "收到 我过去看看", after=4)
    chat.say(MEDIATOR, "到后街了 跟林强说了 大车装完货就挪走 明天头晌两家都来村委坐坐 把停车的事说开", after=15)
    assert chat.ticket(1).status == "accepted"


def test_passing_it_on_is_no_answer(chat: Chat) -> None:
    """gj-d1: "好的 西门弄堂路灯 我报给路灯所" answered "西门那条弄堂的路灯不亮了 … 小叶能不能报一下" and closed it. Passing
    it on to whoever does it (我报给, 我报到) is no answer yet: none of the 39 labelled worker lines saying so is a fix."""
    chat.say("林德福", f"西门那条弄堂的路灯不亮了 昨天夜里开始的 好几盏 晚上老人买菜回来看不见 @{GRIDMAN} 能不能报一下")
    chat.say(GRIDMAN, "好的 西门弄堂路灯 我报给路灯所", after=2)
    assert chat.ticket(1).status == "accepted"


def test_nothing_wrong_any_more_ends_the_matter(chat: Chat) -> None:
    """gg-d1: "二巷凉茶铺门口嗰条低压线已经重新绑好 吊高咗 冇事了" was read as progress and the hanging line stayed open all day.
    Nothing wrong any more (冇事了, 没问题了) ends it, when nothing is left to do or hand on: 25 of the 26 labelled worker
    lines saying so close their ticket."""
    assert fine_now("燃气公司把1102的灶前阀换了 楼道通风了 没事了")
    assert not fine_now("那没事了") and not fine_now("现场没事了 没人受伤 两个人情绪还有点激动 先交给林阿姨调解")
    chat.say("阿伯", f"@{POWER} 二巷凉茶铺门口嗰条电线吊得好低 差啲刮到人个头")
    chat.say(POWER, "收到 我而家过去睇下", after=3)
    chat.say(POWER, "二巷凉茶铺门口嗰条低压线已经重新绑好 吊高咗 冇事了", after=40)
    assert chat.ticket(1).status == "resolved"


def test_an_answer_to_be_found_out_and_posted_is_not_given_yet(chat: Chat) -> None:
    """yo-d1: "…有了居住证六十五岁以上可以申请敬老卡 具体要带哪些材料我周一到社区服务中心问清楚了发群里" closed the question about
    an elderly card for grandparents from elsewhere, though what to bring was still to be found out and posted."""
    assert defers("好 问清楚了发到群里 估计好多屋里都冇换")
    chat.say("毛毛外公", f"{GRIDMAN}我问一下 我们外地来带孙子的老头 在合肥能不能办那个老年卡 坐公交不要钱的那个")
    chat.say(GRIDMAN, "外地户口的要先在合肥办居住证 有了居住证六十五岁以上可以申请敬老卡 "
                      "具体要带哪些材料我周一到社区服务中心问清楚了发群里", after=8)
    assert chat.ticket(1).status not in ("resolved", "closed")


def test_when_it_will_be_told_to_the_group_answers_when(chat: Chat) -> None:
    """fv-d1: "桂兰姨 今年的名单还在镇上公示 九月中旬发 到时候群里通知" answered when the allowance comes, and fo-d1's "取暖补贴不用
    申请 … 一般十二月底 到时候我群里通知" too; 到时候 was taken for a promise still to keep, and both questions stayed open."""
    chat.say("桂兰姨", f"{GRIDMAN} 问一下 今年的高龄补贴啥时候发 去年这会都发了")
    chat.say(GRIDMAN, "桂兰姨 今年的名单还在镇上公示 九月中旬发 到时候群里通知", after=6)
    assert chat.ticket(1).status == "resolved"


def test_a_look_promised_for_later_is_no_fix_either(chat: Chat) -> None:
    """fw-d1: "后街五号老板讲这礼拜赶货 我跟他讲好了晚上十点前必须停 明天晚上我再去看一下有没有做到" was read as a fix and closed
    the complaint of a workshop's night noise. A look promised for later is no fix, as it is no answer."""
    assert looks_later("明天晚上我再去看一下有没有做到")
    chat.say("陈阿婆", f"@{MEDIATOR} 后街五号那个作坊 机器响到半夜 吵得睡不着 讲了好几回了")
    chat.say(MEDIATOR, "收到 我晚上过去跟老板讲", after=10)
    chat.say(MEDIATOR, "后街五号老板讲这礼拜赶货 我跟他讲好了晚上十点前必须停 明天晚上我再去看一下有没有做到", after=90)
    assert chat.ticket(1).status == "accepted"
