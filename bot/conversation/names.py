"""Who a message calls by name: residents as workers address them (孙姨, 周老师, 晓伟), and workers as
residents call them (孙师傅 for 供电所老孙, 小丽 for 网格员王小丽). Pure: names in, names out."""

from __future__ import annotations

import re
from functools import lru_cache


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_HONORIFIC = "阿姨|大姨|姨|大叔|叔叔|叔|大姐|姐|大哥|哥|老师|大爷|大娘|娘|奶奶|爷爷|婶|嫂|伯|师傅|老板|阿婆|阿公|嬢|孃"  # 付嬢: 川渝 aunt; 余娘: 湘 aunt
# regional words for an elder, as a worker names the household ("鲁大爹家的漏保坏了", "王婆婆在县医院")
_ELDER = "大爹|爹爹|嗲嗲|娭毑|婆婆|嬢嬢|孃孃|公公|伯伯|阿伯|老爹|大妈"


# "婶子 是停电了 全庄都没有", "二柱哥 俺一会提桶过去": opening by calling someone by a kinship term
_KIN = "|".join([t for t in _HONORIFIC.split("|") if t not in ("师傅", "老板")]  # a trade is a worker's title
                + ["婶子", "嫂子", "大妈", "妹子", "兄弟", "老弟", "娭毑", "嗲嗲",
                   # an elder of the neighbourhood ("赵婆婆 你拿社保卡到助农取款点问哈"): 69 of 69 labelled openings chatter
                   "婆婆", "大爹", "爹爹", "公公", "伯伯", "老爹", "嬢嬢", "孃孃", "阿伯"])
_KIN_VOCATIVE = re.compile(rf"^[\u4e00-\u9fff]{{0,2}}(?:{_KIN})[\s，,！!]")


def talks_to_neighbour(text: str, neighbours: tuple[str, ...], workers: "set[str] | frozenset[str]") -> bool:
    """Does the message open by calling a neighbour, by name, by @ or by a kinship term, and not a worker
    (by the name residents use, or by @ anywhere in it when it opens with @)? On the labelled days 315 such messages were chatter and 12 requests,
    7 of them quarrels (which begin by addressing the neighbour) and one a fire."""
    head = text.lstrip()
    if head.startswith(("@", "＠")):
        # "@禄丽娟 还是去卫生院拍个片 摔到尾巴骨恼火得很", "@王秀兰 你先上俺家接两桶 俺家有水": a neighbour @-mentioned, and
        # no worker. Of the labelled days' residents' lines (held days aside) opening so, 470 are chatter and 2 are
        # requests (a quarrel's household owning up, and a question for the worker on a certificate).
        return addressed_to(head, neighbours) and not any(at + name in text for name in workers for at in "@＠")
    if addresses_worker(head, workers):
        return False
    return addressed_to(head, neighbours) or bool(_KIN_VOCATIVE.match(head))


def addressed_to(text: str, names: tuple[str, ...]) -> bool:
    """Does the message begin by naming one of these people ("满仓 …", "@李满仓 …", "保国爷 …")?
    A display name is called without its flat ("甜甜1幢" is 甜甜), so "1幢一楼那个消防通道…" names nobody."""
    head = text.lstrip().lstrip("@＠")
    for shown in names:
        name = _called(shown)
        if (len(shown) >= 2 and head.startswith(shown)) or (len(name) >= 2 and head.startswith(name)) \
                or (len(name) >= 3 and head.startswith(name[-2:])):
            return True
    return False


# a building or flat in a display name: "9-602", "1幢", "3栋", "12号楼", "8-1101室"
_FLAT = re.compile(r"[-—_#(（\s]*(?:[A-Za-z]?[0-9０-９][0-9０-９\-—_#]*(?:号楼|单元|幢|栋|号|楼|室|门|组)?"
                   r"|[A-Za-z](?:栋|幢|座|区))[)）]?")


@lru_cache(maxsize=4096)
def _called(shown: str) -> str:
    """The name a neighbour is called by: the display name without the flat ("王阿姨9-602" is 王阿姨,
    "7幢周姥姥" is 周姥姥); the longest piece left when the flat sits in the middle."""
    pieces = [p for p in _FLAT.split(shown) if p.strip()]
    return max(pieces, key=len).strip() if pieces else ""


# a command and its ticket number opening a worker's message ("#办结 10 …", "工单11 …", "3号工单 …"), or the
# number left where the command was read off ("10 李姨厝屋顶…")
_COMMAND_HEAD = re.compile(r"^\s*(?:(?:[#＃][^\s#＃\d]{0,4}\s*\d*|工单\s*\d+|\d+\s*号工单|\d+(?=\s))\s*)+")


# a two-character name that is a way of calling someone ("霞姐", "桂姨", "福叔"): named anywhere, as a full name is
# ("卡取出来了 已经还给霞姐了")
_CALLED_BY_KIN = frozenset("姐姨叔哥婶嫂伯娘爷奶婆公嬢孃")


def addressed(body: str, names: "set[str] | frozenset[str]") -> set[str]:
    """The names a message opens by addressing (after a command and its number: "#办结 10 李姨…"): the full name,
    or surname and an honorific (孙姨, 周老师); a full name of three or more characters anywhere ("车挪开了 汤伢子你
    可以出来了") or a two-character one that calls someone by kin ("还给霞姐了"), or its given name with 家 ("工单11 文清家
    宽带好了" for 李文清)."""
    head = _COMMAND_HEAD.sub("", body).lstrip(" @\u2005\u3000")[:8]  # "#办结 10 李姨厝屋顶…": after the command
    found = set()
    for shown in names:
        run = _HAN_RUN.match(shown)  # "张可 12-801": the name, without the flat number
        name = run.group(0)[:4] if run else ""
        if len(name) < 2:
            continue
        given = name[1:] if len(name) == 3 else ""  # "晓伟" for 丁晓伟
        if head.startswith(name) or re.match(rf"{re.escape(name[0])}(?:{_HONORIFIC}|{_ELDER})", head) \
                or (given and (head.startswith(given) or any(given + home in body for home in "家屋厝"))) \
                or (len(name) >= 3 and name in body) or (len(name) == 2 and name[1] in _CALLED_BY_KIN and name in body):
            found.add(shown)
    return found


def named_by_given(body: str, names: "set[str] | frozenset[str]") -> set[str]:
    """The three-character names whose given name the message says anywhere ("墙是往二柱那边多出去两寸" for 王二柱)."""
    return {shown for shown in names if (run := _HAN_RUN.fullmatch(shown)) and len(run.group(0)) == 3
            and shown[1:] in body}


# a title or a trade alone names nobody in particular
_GENERIC = frozenset({"师傅", "经理", "队长", "主任", "指导", "警官", "老师", "书记", "大姐", "大哥", "网格", "电工", "所长",
                      "站长", "工程", "客服"})
_TITLES = ("师傅", "经理", "队长", "主任", "指导", "警官", "老师", "书记", "大姐", "大哥", "工", "队")


@lru_cache(maxsize=1024)
def worker_handles(shown: str) -> frozenset[str]:
    """What residents call a worker listed as `shown`: 供电所老孙 -> 老孙, 孙师傅; 网格员王小丽 -> 小丽;
    农商行李经理 -> 李经理; 联通张工 -> 张工."""
    run = _HAN_RUN.search(shown)  # "赵电工(供电所)": the name before the brackets
    name = run.group(0) if run else ""
    if len(name) < 2:
        return frozenset()
    tail = name[-2:]
    handles = {tail}
    if tail[0] == "老":
        handles |= {tail[1] + t for t in ("师傅", "工", "叔")}
    for title in _TITLES:
        if name.endswith(title) and len(name) > len(title):
            handles.add(name[-len(title) - 1:])
            break
    return frozenset(h for h in handles if len(h) >= 2 and h not in _GENERIC)


def addresses_worker(text: str, names: "set[str] | frozenset[str]") -> bool:
    """Does the message open by calling one of these workers by the name residents use ("孙师傅 明儿还停不停电")?"""
    return bool(workers_addressed(text, names))


def workers_addressed(text: str, names: "set[str] | frozenset[str]") -> set[str]:
    """The workers the message opens by calling by the name residents use ("周师傅 还是不行")."""
    head = text.lstrip(" @\u2005\u3000")[:6]
    return {n for n in names if any(head.startswith(h) for h in worker_handles(n))}
