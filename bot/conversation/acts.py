"""What a worker's message does: pure reading of one message, no database.

A worker's message is never a resident's report. It is a command (`#办结` anywhere in it), or an
act in their own words (accept, progress, resolve), a relay (the comprehensive worker @-mentioning
another worker), a notice to everybody, a question to a resident, or nothing for the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A WeChat quote arrives as 「name：quoted」, a dashed line, then the reply.
_QUOTE = re.compile(r"^「(?P<quoted>.*?)」\s*(?:-\s*){3,}(?P<reply>.*)$", re.S)
_QUOTED_SENDER = re.compile(r"^(?P<name>[^：:\n]{1,24})[：:](?P<text>.*)$", re.S)
COMMAND = re.compile(r"#\s*(接单|办结|改派|待查看|查看|日报|帮助)")
_VERBS = {"接单": "accept", "办结": "resolve", "改派": "reassign", "查看": "show", "日报": "digest",
          "帮助": "help", "待查看": "review"}
# A ticket number stands alone: "#办结 12", "#12", "工单12", "工单号 12", "12号工单". A number followed
# by a unit or a place word (3网格, 3号楼, 2号变压器) is never a ticket number.
_END = r"(?=$|[\s,，。.!！?？;；、:：)）\]】#@]|号工单)"
# "工单9办结", "12号工单办结": a numbered closing said without the "#" (read as "#办结 9")
_NUMBERED_CLOSE = re.compile(r"工单号?\s*#?\s*(\d{1,9})\s*(?:已)?办结|(\d{1,9})\s*号工单\s*(?:已)?办结")
_AFTER_COMMAND = re.compile(r"#\s*(?:接单|办结|改派|查看)\s*#?\s*(\d{1,9})" + _END)
_NUMBER = re.compile(r"(?:^|[^\d#])#(\d{1,9})" + _END + r"|工单号?\s*#?\s*(\d{1,9})|(\d{1,9})\s*号工单")
_QUOTED_NUMBER = re.compile(r"工单\s*#\s*(\d{1,9})|工单号\s*(\d{1,9})|#(\d{1,9})" + _END)
_MENTION_START = "@"
_NOISE = re.compile(r"\[[^\]]{1,6}\]|[\s,，.。!！~～、…:：;；?？\"“”'‘’()（）\[\]【】]|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")

# Natural words. Resolving is checked first, then progress, then accepting.
_RESOLVE = re.compile(
    r"(?:已经?|都)?(?:修好|修复|恢复|处理好|处理完|处理了|弄好|搞定|解决|办好|办完|办妥|办结|完工|完成|疏通|通了|"
    r"接好|换好|装好|装上|换上|接上|清理干净|清理好|清走|拉走|运走|清运|收走|抓走|抓到|带走|挪走|搬走|移走|"
    r"调解好|和解|说通|谈好|谈妥|协商好|讲好|签了|赔了|道歉了|找到了|找着了|平安|送回|安全了|扑灭|灭了|"
    r"没有复燃|排除|关闭了|关好|拆除|拆掉|拆了|加固|复电|送电了|来电了|来水了|通水|恢复供水|恢复供电|"
    r"送上电|上电了|通电了|已经?送电|送好电|可以用了|能用了|可以开了|电来了|水来了|正常了|正常使用|好了|已答复|答复了|回复了|"
    r"(?:换|修|装|接|清|拉|挪|拆|搬|补|焊|熔接)(?:完了|了)|不漏了|不堵了|不响了|水清了|亮了|有信号了|有水了|有电了|出水了)"
    r"|已经?(?:处理|解决|修|换|清理|清除|办理|办|完成|恢复|拆|装|接通|疏通|更换|维修|落实|协调|调解|送达|劝离|制止)"
    r"|(?:大家|各位|你|您)(?:再)?(?:试一?下|试试|看看有没有)|开一下(?:水龙头|电视)?试试"
    r"|(?:看看|摸摸|试试)[^，,。.!！]{0,4}(?:亮不亮|有没有|来了没|通不通|热不热|好了没|行不行)|(?:摸摸|试试)(?:看|暖气)")
_NOT_DONE = re.compile(r"(?:还没|没有|没能|未能|不能|还不|修不|弄不|搞不|没)(?:有)?(?:修|处理|弄|搞|解决|恢复|来|好|通)|"
                       r"(?:明天|明早|后天|下午|晚上|中午|等会|一会|待会|马上|估计|预计|争取|尽快|尽量|大概|应该|才能|就能|(?<!智)能|会|要|"  # not 智能卡, a smart card
                       r"(?<![楼号门屋房边面表])前)"  # "十点前"; "前楼" (the front building) and "表前阀" (before the meter) are places
                       r"[^，,。.!！]{0,6}(?:修好|恢复|来水|来电|通|好|处理|弄好|搞定|解决|收走|拉走|清走|换|装|修|办)|"
                       r"(?:修好|恢复|来水|来电|处理好|弄好)(?:了)?(?:没有|吗|没)|就有|才有|就来|正在|"
                       r"(?:现在|马上|这就|立刻|正)(?:赶)?过去|(?:现在|马上|这就)(?:去|到)|"
                       # on a condition or at an estimated time ("来电就恢复", "吹干了才敢送电", "估计十一点左右")
                       r"(?:就|(?<!刚)才)(?:能|会|敢|可以)?(?:恢复|送电|来电|来水|供水|通电|通水)|(?<!刚)才(?:能|会)?(?:好|有)|"
                       r"(?:估计|预计)[^，,。.!！]{0,8}(?:点|钟|分钟|小时|天|前|左右)|"
                       r"(?:前|左右|之前)(?:能|会|就|可以)?(?:送电|供电|来电|来水|供水|通水|通电|恢复)|故障点?(?:找到|查到|查出)|"
                       # almost done ("快了 保险换好了 合闸前再检查一遍": 9 of 9 such lines on the labelled days are progress)
                       r"快(?:好)?了(?=$|[\s，,。！!])|马上就好|(?:合闸|送电|通电|通水|供水)前")
# "送电了 大家看看来电没": asking everyone to check whether it is back says nothing is still to do (7 of 7
# such lines of the labelled days, read as progress before, are resolutions)
_CHECK = re.compile(r"(?:看看|看下|看一下|看一哈|瞧瞧|瞧一下|瞅瞅|试下|试试|试一下)[^，,。.!！?？\s]{0,6}?"
                    r"(?:来电|来水|恢复|来|好|通)(?:了)?(?:没有|没得|没|冇|吗|没来|不来)")
# A plain statement that it is done ("已处理", "处理好了") outweighs a promise or a warning elsewhere in
# the message ("再中午施工就停他的装修证 已处理"); a negated or questioned one is not a statement.
# An agreement reached ("跟楼上老李讲好了 … 明天请师傅修管子", "两家说好了 … 调解好了") and a danger gone ("冇得危险了")
# are done too, whatever is left for tomorrow (6 of 7 such lines of the labelled days read as progress are resolutions)
_DONE_MARK = re.compile(r"(?<![没未不能会要])(?:已经?(?:处理|解决|办结|办好|修好|完成)|(?:处理|解决)(?:好|完)?了|搞定了|"
                        r"(?:讲|谈|说|商量|调解|协调)好了|(?:都|已经|两家|双方)同意了|(?:没|冇|莫)(?:得|有)?危险了)(?![吗没么?？])")
_PROGRESS = re.compile(r"在路上|路上了|出发|到现场|到了|已到|到位|正在|抢修|排查|检查|查看|在修|在弄|在处理|在换|"
                       r"预计|估计|大概|明天|后天|下午|上午|中午|晚上|等会|一会|待会|稍等|等一下|联系了|联系过|"
                       r"打了电话|通知了|安排了|派了|师傅|配件|材料|申请|报上去|上报了|反映上去|跟进|远程|重启|"
                       r"换根|换个|个钟头|分钟|小时|我催|催一下|等通知|回头")
_ACCEPT = re.compile(r"收到|马上|这就|立刻|立即|我去|我来|我过去|过去看|去看看|我看看|看一下|瞧瞧|我瞅|好的|好嘞|"
                     r"知道了|晓得了|明白|了解|接单|安排|派人|来处理|来解决|稍等|等我|联系你|打你电话|私聊|加你")
_NOTICE = re.compile(r"通知|公告|温馨提示|提醒大家|请大家|各位居民|各位村民|各位业主|接到上级|计划停|计划检修|"
                     r"将于|防诈|反诈|注意安全|注意防范|疫苗|开会|缴费通知|停水通知|停电通知|广而告之")
# the worker asks which one, where, when ("几户" asked; "就是下院子那几户", "这几户要停个把钟头" tell them)
_ASK = re.compile(r"(?:哪|(?<![那这])几|什么|啥)(?:栋|号|楼|单元|层|户|组|家|里|位置|地方|时候|情况)|具体|发个定位|拍个照|"
                  r"电话多少|叫什么|户号|[?？]$")

_CLAUSES = re.compile(r"[，,。.!！?？;；\s]+")
_QUESTION = re.compile(r"(?:吗|呢|没有|没|么)$")
SHORT_ANSWER = 24  # a longer message needs a stronger reason to be read as a word answer


@dataclass(frozen=True)
class WorkerAct:
    """The reading of one worker message.

    `kind`: accept, progress, resolve, relay, notice, ask, none, or a command verb
    (show, reassign, review, digest, help; an explicit #接单/#办结 gives accept/resolve).
    """

    kind: str
    number: int | None = None  # an explicit ticket number
    explicit: bool = False  # a #command
    argument: str = ""  # what follows #改派 N
    quoted_sender: str | None = None
    quoted_text: str | None = None
    body: str = ""  # the reply without quote, @-mentions and the command
    mentions: tuple[str, ...] = ()


def split_quote(text: str) -> tuple[str | None, str]:
    """(quoted part or None, the reply)."""
    match = _QUOTE.match(text.strip())
    return (match.group("quoted"), match.group("reply").strip()) if match else (None, text.strip())


def find_mentions(text: str, names: "set[str] | frozenset[str]") -> tuple[list[str], str]:
    """The known names @-mentioned in the text (longest name first), and the text without them.

    Unknown @-words (@网格员, @所有人) are dropped from the text too.
    """
    found: list[str] = []
    out: list[str] = []
    i = 0
    ordered = sorted(names, key=len, reverse=True)
    while i < len(text):
        if text[i] in "@＠":
            rest = text[i + 1:]
            name = next((n for n in ordered if n and rest.startswith(n)), None)
            if name is not None:
                found.append(name)
                i += 1 + len(name)
            else:
                match = re.match(r"\S{1,16}?(?=[\s\u2005]|$)", rest)
                i += 1 + (len(match.group(0)) if match else 0)
            continue
        out.append(text[i])
        i += 1
    return found, "".join(out).replace("\u2005", " ").strip()


def clean(text: str) -> str:
    """Without punctuation, spaces and WeChat emoji codes."""
    return _NOISE.sub("", text)


def quoted_number(quoted: str | None) -> int | None:
    """A ticket number in a quoted bot message ("…工单 #3：…", "工单号 3")."""
    if not quoted:
        return None
    match = _QUOTED_NUMBER.search(quoted)
    return int(next(g for g in match.groups() if g)) if match else None


def ticket_number(text: str) -> int | None:
    """An explicit ticket number ("#12", "工单12", "12号工单"); other numbers are not ticket numbers."""
    match = _AFTER_COMMAND.search(text) or _NUMBER.search(text)
    if not match:
        return None
    return int(next(g for g in match.groups() if g))


def still_to_do(words: str) -> bool:
    """Cleaned words that leave something still to do ("明天能修好", "预计十点"); asking everyone to check
    whether it is back ("大家看看来电没") does not."""
    return bool(_NOT_DONE.search(_CHECK.sub("", words)))


# telling everybody to shut or put away something ("各家关好窗", "大家先把空调关了"): an instruction, not a
# fix (24 of the 25 such messages of the labelled days are no resolve; the 25th says "重启好了" besides)
_INSTRUCTION = re.compile(r"(?:各家|各户|家家户户|大家|各位)[^，,。.!！?？]{0,12}?(?:关好|关了|关掉|关上|收好|锁好)")


def word_act(body: str) -> str | None:
    """accept, progress or resolve from a worker's own words; None when the words say none of these."""
    body = _INSTRUCTION.sub(" ", body)
    words = clean(body)
    if not words:
        return None
    clauses = [clean(c) for c in _CLAUSES.split(body) if clean(c)]
    asked = [bool(_QUESTION.search(c)) for c in clauses]
    done = _RESOLVE.search(words)
    # done in a clause that is not a question ("修好了 大家看看来了没有"), nothing still pending
    pending = still_to_do(words) and not _DONE_MARK.search(words)
    if done and not pending and any(_RESOLVE.search(c) and not q for c, q in zip(clauses, asked)):
        return "resolve"
    if _PROGRESS.search(words) or done:
        return "progress"
    if _ACCEPT.search(words):
        return "accept"
    return None


_QUESTIONISH = re.compile(r"[?？]|吗|怎么|怎样|咋|多少|几点|什么时候|啥时候|哪里|哪儿|哪门|能不能|可不可以|要不要|是不是|如何|"
                          r"会不会|有没有|有冇|停不停|还停|在哪|么$|带(?:啥|撒|什么)|是[^，,。.!！?？]{1,15}还是|"  # 是…还是…: which of two
                          # 带啥/带撒/带什么: what to bring ("…能在你们柜台上直接取么 要带撒");
                          # the same asked in dialect: 湘 么样/么时候/么子, 西南 啷个/啥子, 粤 几多/边度/点样/乜/咩,
                          # 滇 格是 ("一方多少钱 格是真的"), 几时
                          r"请问|问个事|问下子|打听一下|么样|么时候|么子|啥子|啷个|几时|几多|边度|点样|乜|咩|(?<![价表风规资严性合])格(?:是|有|要|能|会)|"
                          # "问一下 …", "想问下 …"; 西南 好多钱 (how much), 有没得 (is there); 上哪交, 去哪办 (where to)
                          # "今天还取得到钱不", "这还能喝不": can it be done, asked with 不 at the end (北方, 西南)
                          r"(?:得|能|可以|会)[^，,。.!！?？\s不]{0,5}不(?=$|[\s，,。?？!！~～])|"
                          r"问(?:一下|下|一哈|哈)|好多钱|有没得|有莫得|[上去]哪(?:里|儿|点|个地方)?(?:交|办|开|买|领|充|缴|激活|找|报|查|取)|"
                          # asked as "A not A" of a service: 渡船开不开, 垃圾车明天来不来, 船还开不, 这个能办不 (not a door
                          # that will not open: "电梯门开不开")
                          r"(?<![门不])([开来停通办收送])不\1|(?:开|来|通|办)不[啊哦嘛呢咯哩]?(?=[\s，,。]|$)")
# the worker will do something later ("明天上午过去", "等会儿来看", "明朝一早八点我来换表", "我同柜台讲");
# "明天带身份证来柜台领" and "拿卡过去交钱就行" tell the resident what to do, and "明天不停" answers about
# tomorrow: those are answers
_LATER_DO = r"[^，,。.!！?？\s]{0,6}?(?:去|来|过去|上门|修|换|处理|弄|看|查|安排|派|找|联系|问|催|报)"
_PROMISE = re.compile(r"过去(?![^，,。.!！?？\s]{0,6}就(?:行|可以|好|得))|上门|(?:明天|明早|明朝|明日|后天|等会|一会|待会)儿?(?:" + _LATER_DO + r"|[^，,。.!！?？\s]{0,3}我)|下午去|晚上去|我去|到时候|回头|再看|"
                      r"再说|马上|正在|还没(?!到日子|到时间|开始|出|下来|发|到账)|没下来|等通知|我问问|我查查|查一下|问一下|[?？]$|吗$|"
                      # getting someone else to act ("我跟城管说 喊他们来抓", "我联系城管 看么时候能来")
                      r"我(?:联系|[跟同和][^，,。.!！?？\s]{1,6}(?:说|讲|联系)|喊|叫|让)|(?:喊|叫|让)他们|看(?:么|什么|啥)时候|"
                      r"我先|先去|报上去|上报|测一下|私发我|发给我|回你|需要[^，,。.!！?？\s]{0,6}配合")
ANSWER_MIN = 12
# the worker asks the resident something back ("包工头是哪个村的 全名叫啥"): the answer is still to come
# ("是不是欠费停机了", "您住哪里": 105 worker lines of the labelled days read as an answer before, 3 of them a resolution)
_ASKS_BACK = re.compile(r"有没有|有冇|是哪|哪个|哪家|哪栋|哪一|几号|几楼|叫啥|叫什么|[?？]|吗(?=$|[\s，,。])|"
                        r"是不是|[住在]哪(?:里|儿|点|块)?")
# an offer on a condition ("要办的话我下午过去", "需要的话上门换", "要办我上门换光猫") is part of an answer, not a promise
# and for one who cannot manage it themselves ("不会弄明天上午到社区来 我帮你弄", "不清楚的明天上午来社区找我")
_OFFER = re.compile(r"[^，,。.!！?？\s]{0,8}的话[^，,。.!！?？]*|(?<![^\s，,。])(?:要|想)办[^，,。.!！?？\s]*|(?:不清楚|不懂|不会弄|搞不清|弄不清)的?[^。.!！?？]*|"
                    r"[^，,。.!！?？\s]{0,8}(?:来|到)[^，,。.!！?？\s]{0,8}找我|有需要[^，,。.!！?？]*|免费[^，,。.!！?？\s]*|有(?:问题|事)再(?:说|讲|找我)|(?:跟|和|给)我(?:说|讲)(?:一声)?[^。.!！?？]*")


def substance(text: str) -> str:
    """What a worker's words say about the problem, without acknowledgements ("收到", "好的", "马上"):
    empty when nothing is left ("收到 我看看" says nothing about which ticket it is)."""
    rest = _ACCEPT.sub(" ", text).strip()
    return rest if len(clean(rest)) >= 4 else ""


# "这咋整啊", "咋还不来水", "怎么回事": asking for help with a problem, or complaining, not asking for information
_HELP = re.compile(r"(?:咋|怎么|怎样|么样|啷个)(?:整|弄|办|搞|还|不|没|冇|莫|就|回事)|为啥|为什么|为么子")


# "有没有人管哦", "能不能喊人来捉一下": asking for someone to come and act, which words do not settle
_ACT_WANTED = re.compile(r"(?:有没有|有冇|有无|有没得|有没)人(?:管|来|处理)|谁(?:来)?管|管一?下|管管|快来|来人|"
                         r"(?:能不能|可不可以|能否)(?:喊|叫|派|找)?人?(?:来|过来)?(?:看|修|处理|捉|抓|清|拉(?!到|通|宽带|光纤)|弄|管)")  # 能不能拉到下寨: can the line reach


# "帮我问一下", "你给问一下", "我替他问一下": asking someone to find out, or asking on another's behalf, says
# nothing of what is asked ("帮我问下供电所" about an outage is a problem)
_ASK_FOR = re.compile(r"(?:帮|给|替|喊|叫|让|麻烦你)[^，,。.!！?？\s]{0,4}?问(?:一下|下|一哈|哈)")


def is_question(text: str) -> bool:
    """A resident's request that asks something (a schedule, a price, a procedure), which a full
    answer settles; not a problem that ends in asking what to do about it, nor a call for someone to
    come and act."""
    return bool(_QUESTIONISH.search(_HELP.sub(" ", _ASK_FOR.sub(" ", text)))) and not _ACT_WANTED.search(text)


def is_answer(act: WorkerAct) -> bool:
    """Words that answer rather than promise: to a question ticket they are its resolution."""
    return len(clean(act.body)) >= ANSWER_MIN and not _PROMISE.search(_OFFER.sub("", act.body)) \
        and not _ASKS_BACK.search(act.body)


def read_worker(text: str, names: "set[str] | frozenset[str]" = frozenset(), *, comprehensive: bool = False,
                workers: "set[str] | frozenset[str] | None" = None) -> WorkerAct:
    """Read a worker's message. `names` are the people who may be @-mentioned (roster and reporters);
    `workers` those of them a relay passes a problem to (default: all of `names`). The comprehensive
    worker @-ing only residents ("@刘桂英 带身份证 户口本…") relays nothing: it answers or asks them."""
    quoted, reply = split_quote(text)
    reply = _NUMBERED_CLOSE.sub(lambda m: f"#办结 {m.group(1) or m.group(2)} ", reply)
    q_sender = q_text = None
    if quoted is not None:
        match = _QUOTED_SENDER.match(quoted)
        q_sender, q_text = (match.group("name").strip(), match.group("text").strip()) if match else (None, quoted)
    mentions, body = find_mentions(reply, names)
    number = ticket_number(reply) or quoted_number(q_text)
    common = dict(number=number, quoted_sender=q_sender, quoted_text=q_text, mentions=tuple(mentions))
    command = COMMAND.search(body)
    if command:
        verb = _VERBS[command.group(1)]
        after = body[command.end():]
        argument = re.sub(r"^\s*#?\s*\d{1,9}" + _END, "", after).strip() if verb == "reassign" else ""
        rest = (body[:command.start()] + " " + after).strip()
        return WorkerAct(verb, explicit=True, argument=argument, body=rest, **common)
    act = word_act(body)
    relays_to = [m for m in mentions if m in (names if workers is None else workers)]
    if comprehensive and relays_to and act in (None, "accept", "progress") and not _NOTICE.search(body):
        return WorkerAct("relay", body=body, **common)
    if act is None or (act != "resolve" and _NOTICE.search(body) and number is None and quoted is None):
        if _NOTICE.search(body):
            return WorkerAct("notice", body=body, **common)
        if _ASK.search(clean(body) + ("?" if body.rstrip().endswith(("?", "？")) else "")):
            return WorkerAct("ask", body=body, **common)
        return WorkerAct("none", body=body, **common)
    return WorkerAct(act, body=body, **common)
