"""Text normalisation and the rule-based extractions: carrier, urgency, location."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WECHAT_CODE = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,6}\]")  # [捂脸] [Smile]
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: start-up cost only when text arrives

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC, traditional to simplified, WeChat emoji codes dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _WECHAT_CODE.sub(" ", text)
    text = _t2s().convert(text)
    return _SPACES.sub(" ", text).strip()


# Carriers by name, service number or product (和家亲 and 魔百和 are China Mobile's, 天翼 China
# Telecom's, 沃家 China Unicom's; 有线 and the cable set-top box belong to the broadcast network).
# 个 is 的 in 潮汕 and 客家 speech ("手机一格信号都无 移动个"). "背岭上面移动一格信号都冇", "移动还是没信号": the 25
# labelled requests that name 移动 a few characters before the signal or the network are all China Mobile's.
_PROVIDERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("broadcast", re.compile(r"广电|有线电视|有线(?:台|费|的|个|网络|信号)|机顶盒|数字电视|闭路|华数|歌华|^有线|用的有线|是有线")),
    ("mobile", re.compile(r"中国移动|移动(?:宽带|网|信号|卡|公司|营业厅|的|个|号|套餐|光猫|流量|话费|手机)|移动$|^移动|用的移动|是移动|"
                          r"移动(?!一下)[^\s，,。！!？?]{0,4}(?:信号|信好|网络|宽带)|"
                          r"139|10086|魔百[盒和]|和家亲|和彩云|咪咕")),
    ("unicom", re.compile(r"联通|10010|沃宽|沃家|沃派|沃[^\s]{0,2}宽带")),
    ("telecom", re.compile(r"中国电信|电信|天翼|10000(?!\d)|189|翼支付|小翼管家")),
)


def extract_provider(text: str) -> str | None:
    """The carrier the message names or clearly implies, else None."""
    for provider, pattern in _PROVIDERS:
        if pattern.search(text):
            return provider
    return None


_URGENT = re.compile(
    r"(?<![不没])着火|起火|失火|火灾|烧起来|火苗|冒烟|浓烟|烟很大|煤气味|燃气味|天然气味|液化气味|臭鸡蛋味|漏气|煤气泄漏|"
    r"电线掉(?:在)?地|电线断了掉|电线落地|地上的电线|漏电(?:了)?.{0,6}(?:人|小孩)|"
    r"爆管.{0,8}(?:淹|冲)|水漫|淹了|路上全是水|"
    r"打架|打起来|动手了|打人|砍人|拿刀|流血|"
    # a call for help, black smoke: urgent requests in every corpus line that says so (123 and 28 of 29)
    r"快来人|救命|黑烟|"
    r"摔倒.{0,6}(?:起不来|没人)|晕倒|昏倒|不省人事|独居.{0,8}(?:联系不上|没开门)|"
    # a vulnerable person: not seen for days, lost, without their oxygen
    r"(?:好几天|两天|三天|几天).{0,6}没(?:见|看到|出门|开门|动静)|"
    r"(?:老人|老太|老头|奶奶|爷爷|大爷|婆婆|老爷子|老太太|老伴).{0,20}(?:走丢|走失|丢了|找不到了|不见了|没回来)|"
    r"(?:痴呆|糊涂).{0,16}(?:找不到|走丢|走失|不见了)|"
    r"制氧机|吸氧.{0,8}(?:停电|没电)|氧气机|"
    # road and building hazards
    r"井盖.{0,6}(?:没了|不见|丢了|被偷|掉了|缺了|塌)|(?:没有|没了)井盖|树.{0,6}(?:倒|断).{0,8}(?:路|车|房|人)|"
    r"(?:瓷砖|外墙|墙皮|广告牌|招牌|玻璃).{0,6}(?:掉|砸|脱落|往下落)|(?:水|积水).{0,4}(?:到膝盖|齐膝|没过膝|淹到)|"
    r"(?:电线杆|杆子).{0,6}(?:歪|斜|倒)|"
    # gas, smoke alarms, batteries
    # gas named and a smell said apart from it ("燃气灶打不着火 还有点味"): urgent in 38 of 43 corpus lines
    r"(?<!不是)(?:燃气|煤气|天然气|液化气).{0,12}(?:有点味|有股味|一股味|味道|味儿|味重|有味)|"
    r"煤气管.{0,8}(?:锈|味|漏)|燃气管.{0,8}(?:锈|味|漏)|烟感.{0,8}(?:响|叫)|烟雾报警.{0,8}(?:响|叫)|"
    r"电池.{0,6}(?:鼓包|鼓起|发烫|冒烟)|(?:电动车|电瓶车|电瓶).{0,10}(?:鼓包|冒烟|发烫)"
)


# A problem that is over is not a request, whatever words the message contains.
SOLVED = re.compile(
    r"(?:来水|来电|有电|有水|有网|网好|修好|好了|恢复|通了)了?.{0,6}(?:谢谢|感谢|辛苦|多谢)|"
    r"^(?:来水了|来电了|电来了|水来了|网好了|有网了|有信号了)|已经(?:修好|修复|恢复|来水|来电|好|解决|处理好|弄好)了?|"
    r"(?:谢谢|感谢|辛苦).{0,8}(?:修好|来水|来电|恢复|弄好|解决)了|"
    r"(?:修好|修复|处理好|弄好|解决|搞定|恢复正常|清)了.{0,8}(?:点赞|谢谢|感谢|没事|辛苦|$)|没事了|不用(?:跑|来|管)了|虚惊一场"
)

# Forwarded articles, news and notices: about a problem, but not a request from this grid.
FORWARDED = re.compile(
    r"转发|转自|转载|扩散|据.{0,6}报道|新闻|【|温馨提示|通知[:：]|公告|据悉|记者|央视|抖音|快手|"
    r"网友|热搜|某地|外地|别的(?:地方|小区|村)|隔壁(?:县|市|镇)|还好咱们|还好我们|幸好我们"
)

# Fiction, dreams and drills: danger words there are not a danger here (184 of 191 corpus lines with
# these words are chatter, and none of the other seven is urgent).
FICTION = re.compile(r"电视剧|电视里|剧里|电影|小说|梦见|做梦|演习|演练")

# Adverts and sales talk.
ADVERT = re.compile(r"优惠|促销|免费(?:送|领|看|办|装)|新用户|特价|限时|扫码|加微信|代购|团购|秒杀|报名从速|招聘|出租|出售|转让")


def is_urgent(text: str) -> bool:
    """Needs action within the hour (CONTRACT.md): fire, gas, live wire, flooding main, fight, person in danger."""
    return bool(_URGENT.search(text))


_CN_NUM = "零〇一二两三四五六七八九十百"
_LOCATION = re.compile(
    rf"(?:[\u4e00-\u9fa5]{{1,6}}(?:村|社区|小区|花园|新村|苑))?"
    rf"(?:[0-9{_CN_NUM}]{{1,4}}(?:栋|幢|号楼|座|组|队)|[\u4e00-\u9fa5]{{1,4}}(?:村|组))"
    rf"(?:[0-9{_CN_NUM}]{{1,3}}单元)?(?:[0-9]{{2,5}}(?:室|号)?)?"
)


def extract_location(text: str) -> str | None:
    """The building/unit/room or 组/村 the message names, e.g. 3栋2单元501."""
    match = _LOCATION.search(text)
    if not match:
        return None
    place = _LEAD.sub("", match.group(0))
    return place or None


# Words before a place name that are not part of it ("我们三组" is 三组).
_LEAD = re.compile(r"^(?:我们|咱们|俺们|我家|我|咱|俺|你们|他们|在|住在|是|的|这个|那个|这|那)+")
