"""Words that end a matter, or do not yet, where the act model's reading needs a rule beside it: a
worker's answer to a question that is no answer yet (a promise to come, work still going on), and a
fix said in words the model reads as progress (a hedged fix, someone found and safe, the all-clear, the heating
to be felt, money arrived).

Pure readings of a worker's words, kept out of `bot.conversation.acts`: that module is also a feature
of the learned act model and the matcher, so a change there makes both learn again.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.conversation.acts import _LATER_DO, _OFFER, WorkerAct, clean, is_answer, is_question

# Words that are no answer yet, beside `acts.is_answer` (which the act model also reads): the worker will come
# in a moment ("我等下去水池看", not "你等一下再打过来"), to the resident's home ("明天早上八点第一个到你屋里",
# "我弄完6号楼上你家看看") or when done with another ("我这边汪爹爹办完就去看"), or is still at it ("进水管冻实了
# 在拿火烤"). Of the labelled days' worker lines that `is_answer` accepts, 202 match: 153 progress, 31 accept,
# 5 resolutions.
#
# A look later ("明天清洗水箱的时候一起看下", "我下午两点过来看"): 26 of the 28 such worker lines of the labelled days are no fix
_LOOK_LATER = re.compile(r"(?:明天|明日|明早|听日|明儿|明朝|下午|晚点|回头)[^，,。!！?？]{0,10}(?:过来|过去|来|去|再|一起)"
                         r"(?:看|瞧|睇|查)")
_NOT_YET = re.compile(r"(?<![你您])等一?下儿?(?:" + _LATER_DO + r"|[^，,。.!！?？\s]{0,3}我)|"
                      r"(?:来|到|上|去)(?:你|您|恁)(?:屋|家|那|度)|(?:第一|头一)个(?:到|去|来|上)|完就(?:去|来|过)|"
                      r"(?<![现存住放实正都还也])在(?:拿|弄|修|挖|换|烤|装|查|处理|接|抢修|联系|找|赶|路上|谈|商量|排查|刨|铲|扫)|"
                      # it will take a while ("3号楼门口在刨了 冰太厚 得一会"): 8 worker lines of the labelled days, none a fix
                      r"[得要]一会|"
                      # passed on to whoever does it ("好的 西门弄堂路灯 我报给路灯所"): 39 worker lines, none a fix
                      r"我[^，,。.!！?？\s]{0,4}报(?:给|到)|"
                      # a look later (`_LOOK_LATER`)
                      + _LOOK_LATER.pattern)


# A visit to come ("明天下午我上门给您设置", "我明日拎份政策文件过嚟", "下午两点多我过来帮你看"), not offered ("要办的话我明天上门")
# and not the resident's ("您明天上午拿过来"), with nothing said done: of the 375 labelled days' worker lines saying so (held
# days aside), 193 are progress, 153 take a ticket up, 3 resolve one. The act model read gn-d1's and gg-d1's as fixes.
_VISIT_LATER = re.compile(r"(?:明天|明日|明早|听日|明儿|明朝|后天|下午|下半[日天]|过晌|后晌|晚上|晚点|回头|等下|一会|待会)"
                          r"[^，,。!！?？你您恁侬]{0,8}(?:上门|过来|过去|过嚟)")
_IF = re.compile(r"的话|要办|要装|要是|不方便|不会|如果|需要|想办|想装")  # in or just before the visit: it is offered
IF_BEFORE = 10  # characters
_YOURS = re.compile(r"(?:你|您|恁|侬)们?\s*$")  # "您明天上午拿过来": the resident comes
# Something said settled (`meets_later`), or done
_SETTLED = re.compile(r"已处理|处理完|处理好|调解好|[说讲]好了|[说讲]开了|答应|办结|写了保证|互不追究")
_DONE_NOW = re.compile(_SETTLED.pattern + r"|办好|登记好|改好|弄好|修好|换好|谈好了|结了|没事|冇事|无事|签了|"
                       r"(?:没|冇|无|莫)(?:有|得)?危险|恢复|来电了|来水了|通了")  # "冇得危险了", not "上杆危险"


# At the door ("到3栋了 刘大爷开下门", "我到你家门口了 开开门"): the worker has come, nothing is done yet. 22 worker lines
# of the labelled days (held days aside) say so, none a fix: 17 progress, 3 take a ticket up. The act model read
# dv-d1's, fg-d1's, gj-d1's and yt-d1's as fixes.
_AT_DOOR = re.compile(r"开(?:下|一下|开|个)门|到(?:你|您|恁|侬)?(?:家|屋)?(?:门口|楼下)了")


def looks_later(text: str) -> bool:
    """A look promised for later ("明天晚上我再去看一下有没有做到"), whatever else is said (fw-d1's was read as a fix and
    closed a noise complaint), the worker at the door, or a visit to come with nothing said done: no fix yet."""
    if _LOOK_LATER.search(text) or _AT_DOOR.search(text):
        return True
    return any(_visit(text, m) for m in _VISIT_LATER.finditer(text)) and not _DONE_NOW.search(text)


def _visit(text: str, found: re.Match) -> bool:
    """The worker's own visit: not offered, not the resident's (a few characters before it, in bounded time)."""
    return not _IF.search(text[max(0, found.start() - IF_BEFORE):found.end()]) \
        and not _YOURS.search(text[max(0, found.start() - 3):found.start()])


# The answer itself still to come: the worker will find out and tell ("我问下村里再回你", "问清楚了回您", "晚点回复你"),
# or pass it on when the word comes down ("文件还没下来 一下来我就在群里发", "一有消息就转群里"). Of the labelled days'
# worker lines saying so, 17 of 18 are no resolution (12 progress, 3 accept); the other ("…有消息我第一时间发群里")
# adds the promise to a full answer. The act model read fd-d1's, fi-d1's and dv-d1's as resolutions. Not the
# promise to tell when something happens ("九月中旬发 到时候群里通知"): that answers when, and ends a question.
_DEFERS = re.compile(r"问[^，,。.!！?？\s]{0,12}(?:再|了|着了|到了)[^，,。.!！?？\s]{0,2}(?:答|回|回复|告诉|跟)(?:你|您|侬|恁|大家)|"
                     r"再(?:答|回|回复)(?:你|您|侬|恁|大家)|(?:晚点|回头)回复|"
                     # "…要带哪些材料我周一到社区服务中心问清楚了发群里" (yo-d1): 3 worker lines, none a resolution
                     r"问(?:清楚|明白|好|到)了?[^，,。.!！?？\s]{0,2}(?:发到?群|在?群里|发给)|"
                     r"(?:下来|有消息|有通知|有结果|问着|问到|定了)了?我?(?:就|第一时间|头一个|马上|立马)"
                     r"[^，,。.!！?？\s]{0,3}(?:发|转|说|讲|告诉|通知)|一有(?:消息|通知|结果)")


def defers(text: str) -> bool:
    """The answer is still to come: the worker will find out, or pass on the word when it comes."""
    return bool(_DEFERS.search(text))


# A meeting set for later ("明天头晌两家都来村委坐坐 把停车的事说开", "下周一约物业经理和业主代表到社区坐下来谈"), with no word that
# anything is settled already (已处理, 说好了, 答应, #办结): all 44 worker lines of the labelled days (held days aside) saying
# so are progress or taking it up; the act model read gk-d1's as a fix, and gl-d1's answered a question.
_MEETS_LATER = re.compile(r"(?:明天|明早|明儿|明日|下周|下礼拜|后天|周[一二三四五六日末]|礼拜[一二三四五六天])[^，,。]{0,14}"
                          r"(?:坐坐|坐下来|谈|商量|说开|讲开|调解|协商|当面)")


def meets_later(text: str) -> bool:
    """A meeting is set for later to settle the matter, and nothing is settled yet."""
    return bool(_MEETS_LATER.search(text)) and not _SETTLED.search(text)


# Taking it up ("收到 车库之前测过 要加室分 … 我今天跟物业对接"): of the labelled days' worker lines that open with 收到
# and read as an answer by the rules above, 471 of 472 are no resolution (386 accept, 36 progress). Only 收到: the
# wider openings of `answered._TAKES_UP` (好的, 嗯, 马上) stop only the guess that the first words answer a question
# just asked; "好的 周六上午九点到十一点半开门 带身份证和存折就行" still answers.
_TAKEN_UP = re.compile(r"^\W*(?:好的?)?\W*收到")


# The promise to tell the group when it happens ("今年的名单还在镇上公示 九月中旬发 到时候群里通知"), after the answer to when or
# how: no answer still to come (`acts.is_answer` took 到时候 for a promise). Of the 10 labelled worker lines saying so, 4
# close a question (fo-d1, fv-d1, yp-d1, yi-d1), 3 are progress, 2 notices and 1 takes a ticket up; only what answers a
# question asked is read here, and the rest of the words must answer it ("九点左右 到时候群里讲" is too short).
_TOLD_THEN = re.compile(r"到时候[^，,。.!！?？\s]{0,4}(?:群里|通知)[^，,。.!！?？\s]{0,4}")


def answers(act: WorkerAct) -> bool:
    """Words that answer a question now: `acts.is_answer`, with no visit or work still to come, the
    answer not put off till the worker has found out, not a ticket taken up, nor a meeting set for later."""
    act = replace(act, body=_TOLD_THEN.sub(" ", act.body))  # "九月中旬发 到时候群里通知": when, and it will be told then
    return is_answer(act) and not _NOT_YET.search(_OFFER.sub("", act.body)) and not defers(act.body) \
        and not _TAKEN_UP.match(act.body) and not meets_later(act.body) and not looks_later(act.body)


# Whether a place is open, asked with 不 at the end (北方 speech): "今天农信社开门不 我要取点钱", "晌午开门不".
# `acts.is_question` reads "能…不" and "开不开" but not these; it is a feature of the learned matcher, so the
# answer path reads them here. 3 first reports of the labelled days ask so (fs-d1, ga-d1, yy-d1), all of a bank.
_OPEN_NOT = re.compile(r"(?:开门|开着|上班|营业|办公)不(?=$|[\s，,。~～?？!！])")


# Asking for someone to come and do something ("能不能找人给撒点炉灰啥的", "能不能叫人撒点炉渣", "能不能喊排水的来通一下"),
# which no words settle, beside the calls `acts.is_question` already leaves out ("能不能管管"). Of the 59 labelled
# residents' lines asking so, 58 report a problem (a dog, ice, a blocked drain, a quarrel); the other also asks how
# ("…能不能给拉个临时电 咋办手续"). Not "能不能换个便宜的套餐", which a worker's words answer.
_CALL = re.compile(r"(?:能不能|可不可以|能否|可以不可以)(?:给|帮)?(?:找|叫|喊|派)?(?:个?人|[^，,。.!！?？\s]{1,3}的)?(?:来|过来)?"
                   r"(?:给|帮)?(?:撒|铲|扫|刨|挪|填|通|收|清|修|弄|管|处理|抓|捉|看看|来看|拉(?!到|通|宽带|光纤))")


# An outage reported as a question ("停电了?灯一下灭了", "12幢怎么没水了？", "是整个村都停电了吗"): the service coming back
# ends it, not words ("十点半左右 断线接上清完树枝就送" answered ga-d1's "停电了?"). All 33 residents' request lines of the
# labelled days asking so report the outage (not "明天停电吗", "还停不停水": a cut ahead, a question words answer).
_OUT_ASKED = re.compile(r"(?<![明后今]天)(?<![还会要又])(?:停|断|没|冇|无)(?:电|水|网|信号)了?(?:吗|嘛|么|啊|呀|哦)?\s*[?？]|"
                        r"(?<![还会要])(?:停|断|没|冇)(?:电|水|网)了吗")


# How a thing is done ("咋弄激活", "要怎么办理啊"): `acts.is_question` reads "咋弄" and "怎么办" as asking what to do about
# a problem, so it missed these two; all 83 residents' lines of the labelled days (held days aside) asking how to
# activate, open, apply for, pay, top up, report the loss of or bind something are first reports of a question.
_HOW_DONE = re.compile(r"(?:咋|怎么|怎样|么样|啷个|哪门|咋个)(?:弄|办|搞|整)?(?:激活|开通|办理|交费|缴费|充值|申请|认证|挂失|补办|绑定)")


def asks(text: str) -> bool:
    """A resident's question, for the answer path: `acts.is_question`, whether a place is open asked with 不, or how a
    thing is done; not a call for someone to come and do something, nor an outage reported as a question."""
    return (is_question(text) or bool(_OPEN_NOT.search(text) or _HOW_DONE.search(text))) and not _CALL.search(text) \
        and not _OUT_ASKED.search(text)


# A fix said with a hedge ("基站恢复供电了 这一片信号应该好了 大家看下"): done, the residents are asked to check.
# 26 of the 29 such worker messages of the labelled days (the corpus's and the fresh dev days') close their
# ticket; not when part is still to come ("4到6号楼要等来电了再看") or the hedge is about later ("中午那轮应该清了",
# "预计三点以后应该有水了": a forecast)
_HEDGED_FIX = re.compile(r"应该(?:是)?(?:都)?(?:好了|恢复了|通了|有了|没问题了|可以了|正常了|清了|有信号了|来了|有水了|有电了|"
                         r"亮了|热了|行了)")
_STILL_TO_COME = re.compile(r"要等|还要|还没|还冇|再看|明天|还得|等.{0,6}再|"
                            r"(?:中午|下午|晚上|待会|等会|一会|预计|估计|大概|点)[^，,。]{0,8}应该|"
                            r"应该[^ ，,。]{0,6}(?:吧|吗|[？?])")  # "应该有水了吧？" asks
# Someone found and safe ("阿婆搵到了 喺澜石桥底 人冇事 已经送返屋企", "找到了 老人在…长椅上坐着呢 人没事 …正往回送"):
# the search is over; so is someone freed and safe ("人放出来了 老人家没得事 在楼下坐起歇气 这台电梯先停用", which the act
# model read as progress in fu-d1). 23 worker lines of the labelled days (held days aside) say so, 21 of them a
# resolution; the act model read the 3 of the fresh dev days fa-d1, fb-d1, fd-d1 as progress. Each pair is "the
# first, then the second somewhere after it", searched as two patterns: one pattern with ".*" between them takes
# time quadratic in a long message (1.5 s for 32,000 characters of "找到了").
_FOUND = re.compile(r"(?:找|搵|寻)(?:到|着)(?:了|咗|啦|嘞|哒)|(?:放|救)出来了")  # found, or freed ("人放出来了" from a lift)
_SAFE = re.compile(r"没事|冇事|冇得事|没得事|莫得事|无事|好好的|平安")
_SAFE_SENT = (re.compile(r"没事|冇事|冇得事|好好的"), re.compile(r"送(?:回|返|到)|到家"))


def found_safe(text: str) -> bool:
    """Someone was found (or freed) and is safe, or is safe and sent home."""
    return any(first is not None and then.search(text, first.end()) is not None
               for first, then in ((_FOUND.search(text), _SAFE), (_SAFE_SENT[0].search(text), _SAFE_SENT[1])))


# The all-clear after an evacuation ("测了没浓度了 没事了 大家可以回家了", "大家可以上楼了 #办结", "没事了 大家可以上去了"):
# 32 of the 33 worker lines of the labelled days that say so are resolutions (the other, "…大家可以回屋了 2单元的先莫开火
# 等燃气师傅换好", is the all-clear for one entrance); the act model read fl-d1's and fw-d1's as progress.
_ALL_CLEAR = re.compile(r"(?<![不没])(?:可以|能)(?:回(?:家|屋|去)|上(?:去|楼)|进(?:去|屋))")
# The heating asked to be felt ("放了气 你们摸摸片子热了没有"): 5 of the 5 such worker lines close their ticket
# ("你摸摸热不热" asks before anything is done, and is not one of them)
_FEEL_HEAT = re.compile(r"(?:摸摸|摸一下|摸下|摸一摸|看看|看下)[^，,。.!！?？\s]{0,6}?热(?:没热|了没有?|了冇|了吗)")
# Money arrived ("许伯 养老金已经到账了 你查一下"): 15 of the 16 worker lines saying so answer the question (the
# other goes on "等路通了我上门帮她把卡激活")
_PAID = re.compile(r"(?<![没未不还])(?:已经?|已|昨天|今天|今儿|前天|号)就?到[账帐]了(?![没吗么?？])")


# Nothing wrong any more ("…已经重新绑好 吊高咗 冇事了", "楼道通了风 没事了 #办结"), with nothing left to do or hand on (还有,
# 交给) and more said than that: 25 of the 26 worker lines of the labelled days (held days aside) saying so close their
# ticket (the other, "双方都写了保证 今晚没事了 …", ends a quarrel for the night); the act model read gg-d1's as progress.
_FINE_NOW = re.compile(r"(?<![还也])(?:冇|没|无)得?(?:事|问题)(?:了|啦|喇|咯|哒)")
_LEFT_OVER = re.compile(r"还有|交给")
FINE_NOW_CHARS = 8  # "那没事了" is talk
# The thing can be used again ("ATM加好钞了 可以取了", "换了个新的 现在能看了", "插座换掉了 可以用了"), not once the resident has
# done something ("重置一下密码就能取了"): 55 of the 56 worker lines of the labelled days (held days aside) saying so close their
# ticket, and all 54 with nothing still to come (not "5栋2单元3单元电梯可以用了 1单元的还要等下"); the act model read ja-d1's
# and jf-d1's as nothing.
_USABLE = re.compile(r"(?<![就不没])(?:可以|能)(?:去|来)?(?:取|用|打|上网|洗|烧|走|通行|充|看)了")
# The resident asked to try it, last ("紧上了 大姐你再看看", "重新搜了一遍台 出来了 …阿姨您看看"), not to a worker (@), not the
# worker's own look (给你看看, 上你家看看), with nothing still to come before it: 173 of the 176 worker lines of the labelled
# days (held days aside) saying so close their ticket; the act model read gv-d1's and jh-d1's as progress.
_TRY_IT = re.compile(r"(?<![给帮替上来到去])(?:你|您|恁|侬|大家|姐|姨|叔|伯|爷|奶|婆|嬢)[^，,。.!！?？\s给帮]{0,2}再?"
                     r"(?:看看|试试|试一下|看一下|试下|看下)\W*$")


def asks_to_try(text: str) -> bool:
    """The worker's last words ask the resident to try it, with nothing still to come before them."""
    found = _TRY_IT.search(text)
    return found is not None and "@" not in text and "＠" not in text and not _STILL_TO_COME.search(text[:found.start()])


def fine_now(text: str) -> bool:
    return bool(_FINE_NOW.search(text)) and not _STILL_TO_COME.search(text) and not _LEFT_OVER.search(text) \
        and len(clean(text)) >= FINE_NOW_CHARS


# The day's matters summed up ("今天汇总一下：7栋水、2栋水表、10栋电…都处理好了；…5栋后头路灯明天修"): all 6 worker lines of the
# labelled days (held days aside) opening a summary so are notices; the act model read gj-d1's and jg-d1's as the fix of
# one ticket. Not "我汇总一下给热力公司", which gathers reports.
_DAY_SUMMED = re.compile(r"汇总(?:一下)?\s*[：:]|(?:情况|事情?)汇总")


def sums_up(text: str) -> bool:
    """A summary of the day's matters: a notice, not the fix of any one ticket."""
    return bool(_DAY_SUMMED.search(text))


def ends(text: str) -> bool:
    """Words that end the matter though the act model may read them as progress: a hedged fix with nothing
    still to come, someone found and safe, the all-clear, the heating asked to be felt, money arrived, nothing
    wrong any more, the thing usable again with nothing still to come, or the resident asked to try it."""
    return bool((_HEDGED_FIX.search(text) or _USABLE.search(text)) and not _STILL_TO_COME.search(text)) \
        or found_safe(text) or fine_now(text) or asks_to_try(text) \
        or bool(_ALL_CLEAR.search(text) or _FEEL_HEAT.search(text) or _PAID.search(text))
