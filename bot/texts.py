"""Everything the bot says, in one place (Simplified Chinese)."""

from __future__ import annotations

from typing import Sequence

CATEGORY_NAMES: dict[str, str] = {
    "water": "供水",
    "power": "供电",
    "telecom": "通信",
    "dispute": "矛盾纠纷",
    "fire": "消防安全",
    "bank": "金融服务",
    "other": "其他事项",
    "none": "无诉求",
}
PROVIDER_NAMES: dict[str, str] = {
    "mobile": "移动",
    "telecom": "电信",
    "unicom": "联通",
    "broadcast": "广电",
}
COLOR_NAMES: dict[str, str] = {"red": "红色（紧急）", "yellow": "黄色", "green": "绿色"}
EVENT_NAMES: dict[str, str] = {
    "reported": "上报", "assigned": "派单", "merged": "同一事件又有居民反映", "carrier": "确认运营商",
    "accepted": "接单", "resolved": "办结", "closed": "关闭", "reopened": "不满意，重新办理",
    "reassigned": "改派", "reminded": "超时提醒", "escalated": "督办", "overdue": "超期",
    "carrier-timeout": "未说明运营商，转综合网格员", "auto-closed": "居民未评价，自动关闭",
    "progress": "进展", "carrier-asked": "询问运营商", "urgent": "居民反映险情，转为紧急",
}
STATUS_NAMES: dict[str, str] = {
    "awaiting_provider": "待确认运营商",
    "reported": "待接单",
    "accepted": "处理中",
    "resolved": "待居民确认",
    "reopened": "重新办理",
    "closed": "已办结",
}

# Names residents and workers use for categories and carriers in #改派.
CATEGORY_ALIASES: dict[str, tuple[str, str | None]] = {
    "供水": ("water", None), "水": ("water", None), "水务": ("water", None), "水厂": ("water", None),
    "供电": ("power", None), "电": ("power", None), "电力": ("power", None), "供电所": ("power", None),
    "移动": ("telecom", "mobile"), "电信": ("telecom", "telecom"), "联通": ("telecom", "unicom"),
    "广电": ("telecom", "broadcast"), "有线电视": ("telecom", "broadcast"), "通信": ("telecom", None),
    "纠纷": ("dispute", None), "矛盾纠纷": ("dispute", None), "调解": ("dispute", None),
    "消防": ("fire", None), "消防安全": ("fire", None),
    "银行": ("bank", None), "金融": ("bank", None),
    "其他": ("other", None), "综合": ("other", None),
}


def category_label(category: str, provider: str | None = None) -> str:
    """供水 / 通信（移动）"""
    name = CATEGORY_NAMES.get(category, category)
    return f"{name}（{PROVIDER_NAMES[provider]}）" if provider in PROVIDER_NAMES else name


def ticket_ping(ticket_id: int, category: str, provider: str | None, reporter: str, text: str,
                location: str | None, urgent: bool) -> str:
    head = "【紧急】" if urgent else ""
    where = f"（{location}）" if location else ""
    return (f"{head}{category_label(category, provider)}工单 #{ticket_id}：{reporter}{where}反映「{text}」。"
            "请回复“收到”接单，处理好后回复“已修好”。")


def recorded(ticket_id: int, urgent: bool) -> str:
    if urgent:
        return f"已紧急通知相关人员，工单号 {ticket_id}。请注意安全，必要时拨打119/110。"
    return f"您反映的问题已记录，工单号 {ticket_id}，已通知负责的师傅。"


def nobody_holds(roles: list[str]) -> str:
    return f"（本网格花名册里没有{'、'.join(roles)}的负责人，先由综合网格员处理）"


def recorded_unconfirmed(ticket_id: int) -> str:
    return f"收到，已转给网格员看一下（工单号 {ticket_id}），需要的话会派给负责的师傅。"


def unconfirmed_ping(ticket_id: int, category: str, provider: str | None, reporter: str, text: str) -> str:
    return (f"待确认工单 #{ticket_id}：{reporter}说「{text}」，可能是{category_label(category, provider)}问题。"
            f"请看一下：要办就回“收到”，派给别人用“#改派 {ticket_id} 类别”。")


def merged(ticket_id: int, households: int) -> str:
    return f"收到，这件事已有{households}户反映（工单号 {ticket_id}），师傅在处理，请稍等。"


def ask_carrier() -> str:
    return "请问您家用的是哪家的网络或电视？回复“移动”“电信”“联通”或“广电”就行。"


def accepted(worker: str, ticket_id: int) -> str:
    return f"{worker}已接单（工单号 {ticket_id}），正在处理。"


def resolved_ask_confirm(worker: str, ticket_id: int, together: Sequence[int] = ()) -> str:
    also = f"（{'、'.join(f'#{i}' for i in together)} 是同一件事，一并办结）" if together else ""
    return (f"{worker}说工单 #{ticket_id} 已经处理好了{also}。麻烦确认一下：好了请回“满意”，"
            "还有问题请回“不满意”。")


def closed_satisfied(ticket_id: int) -> str:
    return f"谢谢您的确认，工单 #{ticket_id} 已办结。"


def reopened(ticket_id: int) -> str:
    return f"抱歉问题还没解决，工单 #{ticket_id} 已重新办理，综合网格员会跟进。"


def reopened_to_comprehensive(ticket_id: int, reporter: str, text: str) -> str:
    return f"工单 #{ticket_id} 居民{reporter}不满意：「{text}」。按规定由综合网格员领办，请跟进。"


def reassigned(ticket_id: int, category: str, provider: str | None) -> str:
    return f"工单 #{ticket_id} 已改派为{category_label(category, provider)}，请接单处理。"


def refused_not_worker() -> str:
    return "这个指令只有网格员和服务人员能用哦。您有问题直接说就行，我会转给负责的师傅。"


def refused_not_assignee(ticket_id: int) -> str:
    return f"工单 #{ticket_id} 不是派给您的，如需改派请用“#改派 {ticket_id} 类别”。"


def no_such_ticket(ticket_id: int) -> str:
    return f"没有找到本网格的工单 #{ticket_id}。"


def number_unlike_words(ticket_id: int, text: str, verb: str) -> str:
    """A number whose ticket the words are not about: check it rather than act on the wrong one."""
    return f"工单 #{ticket_id} 是「{text}」，和您说的不像是一件事。请核对工单号，回复“#{verb} 工单号”就行。"


def no_open_ticket() -> str:
    return "目前没有等您处理的工单。"


def wrong_state(ticket_id: int, status: str) -> str:
    return f"工单 #{ticket_id} 当前状态是“{STATUS_NAMES.get(status, status)}”，这一步不适用。"


def bad_category() -> str:
    return "没看懂要改派到哪一类，可以写：供水、供电、移动、电信、联通、广电、纠纷、消防、银行、其他。"


def command_help() -> str:
    return ("可用指令：#接单 工单号、#办结 工单号、#改派 工单号 类别、#查看 工单号、#待查看、#日报。"
            "也可以直接回复“收到”“已修好”。")


def private_for_residents() -> str:
    return "您好，有问题请在网格群里直接说，我会转给负责的师傅。"


def ticket_summary(ticket_id: int, category: str, provider: str | None, status: str, reports: int) -> str:
    return (f"工单 #{ticket_id}：{category_label(category, provider)}，"
            f"{STATUS_NAMES.get(status, status)}，{reports}户反映。")


def reping(ticket_id: int, category: str, provider: str | None, minutes: int) -> str:
    return (f"提醒：{category_label(category, provider)}工单 #{ticket_id} 已超过{minutes}分钟没人接单，"
            "请尽快回复“收到”。")


def escalated_unaccepted(ticket_id: int, category: str, provider: str | None, assignees: str, room: str) -> str:
    return (f"【督办】{room}的{category_label(category, provider)}工单 #{ticket_id} 一直没人接单"
            f"（派给：{assignees or '无'}），请综合网格员协调。")


def escalated_overdue(ticket_id: int, category: str, provider: str | None, assignees: str, room: str) -> str:
    return (f"【超期】{room}的{category_label(category, provider)}工单 #{ticket_id} 已超过办理时限仍未解决"
            f"（负责：{assignees or '无'}），请综合网格员督办。")


CONSOLE_BANNER = """网格小助手 · 控制台群聊（本地演示，不连微信）
当前群：{room}；当前发言人：{speaker}
直接输入“名字: 内容”以某人身份发言，例如：张阿姨: 我家停水了
命令：/as 名字  切换发言人    /room 群名  切换群    /who  查看花名册
      /tick  运行一次到期检查    /digest  查看昨日日报    /help  帮助    /quit  退出"""


def console_roster_line(role: str, name: str) -> str:
    return f"  {role:<14}{name}"


ROLE_NAMES: dict[str, str] = {
    "comprehensive": "综合网格员", "water": "供水", "power": "供电", "mobile": "移动", "telecom": "电信",
    "unicom": "联通", "broadcast": "广电", "fire": "消防", "bank": "银行", "mediator": "调解员", "police": "民警",
}


def console_nothing_due() -> str:
    return "（现在没有到期的工单：不用提醒，也不用督办）"


def console_no_digest() -> str:
    return "（昨天的日报已经发过了，或者那时机器人还没开始工作）"


def console_switched(what: str, value: str) -> str:
    return f"（已切换{what}：{value}）"


def console_unknown_room(room: str) -> str:
    return f"（没有这个群：{room}。可用的群见 /who）"


def console_no_rooms() -> str:
    return "花名册里没有任何群。请先导入花名册：gridbot roster import 文件.csv"


def review_list(items: list[tuple[str, str, str, str]]) -> str:
    """items: (time, sender, text, guessed category name)."""
    if not items:
        return "没有待查看的消息。"
    lines = [f"待查看的消息 {len(items)} 条（机器人拿不准，没有派单）："]
    lines += [f"{i}. {ts} {sender}：「{text}」（可能是{guess}）" for i, (ts, sender, text, guess) in enumerate(items, 1)]
    lines.append("如需派单，请在群里 @ 相关师傅，或让居民再说一遍。")
    return "\n".join(lines)


def which_ticket(items: list[tuple[int, str]], verb: str) -> str:
    """Two tickets are equally likely: ask the worker which one, in one short line."""
    listed = "，还是".join(f"#{ticket_id}「{text}」" for ticket_id, text in items)
    return f"请问是哪一件？{listed}？回复“#{verb} 工单号”就行。"


def digest_sent_privately() -> str:
    return "日报已私信发给您。"


def comprehensive_only() -> str:
    return "这个指令只有综合网格员能用。"


def room_unattended(room: str, since_local: str) -> str:
    return (f"提醒：网格群「{room}」从 {since_local} 起没有在线的网格小助手账号，群里的新消息暂时没人登记、"
            "要发的消息也在排队。请联系技术人员检查这个微信账号（是否掉线、被限制或退出了群）。")


def room_attended_again(room: str) -> str:
    return f"网格群「{room}」的网格小助手已恢复在线，排队的消息正在按顺序发出。"
