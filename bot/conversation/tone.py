"""The tone of a resident's message: a short quip with a laughing emoji is a joke, and a notice passed
on with nothing of the sender's own is a forward; neither is a request.

"移动联通打起来了[偷笑]", "停电了正好不写作业 [偷笑]", "那晚上烤全羊也不行吗[偷笑]": the words name a service
or a quarrel, the emoji says it is banter. Of the messages in both labelled corpora (the message corpus
and the labelled days) with a laughing emoji and at most JOKE_CHARS characters of words, 637 are
chatter and none is a request; longer ones often are ("…开心[呲牙] 另外我家网从中午开始时断时续"), so
only the short ones are read as jokes. 哈哈 is no such sign: the message corpus's writers put it in
96 requests ("楼上那个音响 从早上八点响到现在 我都会唱了 哈哈 能不能找个人去说说").
"""

from __future__ import annotations

import re

from bot.conversation.acts import clean

_LAUGH = re.compile(r"\[(?:偷笑|呲牙|坏笑|奸笑|憨笑|笑哭|破涕为笑|调皮|机智|旺柴)\]")  # WeChat's codes for them
JOKE_CHARS = 20  # characters of words: the text without punctuation, spaces and emoji (`acts.clean`)


def jokes(text: str) -> bool:
    """A short message with a laughing emoji: banter about a problem, not a report of one."""
    return bool(_LAUGH.search(text)) and len(clean(text)) <= JOKE_CHARS


# "转发：【停电通知】…", "[转发]【长沙气象】…", "（转发）【反诈提醒】…", "【吉林市气象台】寒潮…": a notice passed on.
# A resident's own words after it ("…——请问幸福路的幸福里小区包括在内吗") make it a request: in both labelled
# corpora 12 forwards are requests, each with the sender's words after "——", and the 302 without are chatter.
_FORWARD = re.compile(r"^\s*(?:[（(\[]?转发[)）\]]?\s*[:：]?\s*|转发[^，,。\s]{0,8}[:：]\s*)"
                      r"|^\s*【(?![^】]*(?:求助|求救|报修|反映|投诉))[^】]{2,12}】")
_OWN_WORDS = re.compile(r"—{1,2}|-{2,}")


def forwards(text: str) -> bool:
    """A notice passed on (转发, or a 【header】 first) with nothing of the sender's own after it."""
    return bool(_FORWARD.search(text)) and not _OWN_WORDS.search(text)
