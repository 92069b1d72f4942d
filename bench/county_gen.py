"""A generated county for bench/county.py: a roster of many grids and one day of their group traffic.

Deterministic for a seed. Each grid has its own comprehensive worker; the service workers (water,
power, the carriers, fire, bank, mediator, police) each cover a town of TOWN grids, as in a real
county where one water-plant fitter answers for several villages.

A room's day (about 100 messages for the default 200,000 events over 2,000 rooms): mostly chatter,
a few incidents each reported by several households, the responsible worker's "收到" and "修好了",
and the first reporter's "好了谢谢" afterwards. Times follow a morning and an evening peak.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 20, tzinfo=TZ)
TOWN = 10  # grids per town; a town's grids share their service workers

ROLES = ("comprehensive", "water", "power", "mobile", "telecom", "unicom", "broadcast", "fire", "bank",
         "mediator", "police")
ROLE_NAMES = {"water": "水厂师傅", "power": "供电所电工", "mobile": "移动小哥", "telecom": "电信小哥",
              "unicom": "联通小哥", "broadcast": "广电师傅", "fire": "消防队长", "bank": "信用社柜员",
              "mediator": "调解员", "police": "派出所民警"}

CHATTER = ["大家早上好", "今天天气不错啊", "晚上一起跳广场舞吗", "谁家孩子的书包落在小区门口了", "菜场的白菜好便宜",
           "收到收到", "[强][强]", "哈哈哈", "明天降温注意保暖", "这个电视剧真好看", "谢谢网格员", "楼下的快递谁的",
           "今天社区有义诊", "晚饭吃啥", "老年大学开课了吗", "[玫瑰]早安", "周末去爬山吗", "水果店打折了",
           "好的", "知道了", "[抱拳]", "村口的桂花开了", "下午三点在村部开会", "谁有多余的纸箱子", "明天赶集吗",
           "孙子考上大学了，请大家吃喜糖", "流感季节大家多注意", "今晚有雨记得收衣服"]
# (text, role of the worker who answers); {b} is a building number
REQUESTS = [("我家停水了", "water"), ("{b}栋停电了，整栋楼都黑了", "power"), ("水龙头一滴水都没有", "water"),
            ("家里宽带断网了，移动的", "mobile"), ("电信的网好慢啊一直断", "telecom"),
            ("楼上邻居半夜吵得睡不着", "mediator"), ("楼道里有人飞线充电", "fire"), ("社保卡怎么激活", "comprehensive"),
            ("{b}号楼门口的路灯坏了", "comprehensive"), ("小区垃圾好几天没人收了", "comprehensive"),
            ("自来水发黄", "water"), ("联通手机没信号", "unicom"), ("有线电视没信号了，机顶盒一直闪", "broadcast"),
            ("{b}栋2单元电压不稳灯一直闪", "power"), ("银行卡丢了怎么挂失", "bank"), ("{b}栋也没水了", "water"),
            ("我家也是，一直没来电", "power")]
ACCEPT_WORDS = ["收到", "马上到", "收到，马上过去看看", "好的，这就过去"]
FIX_WORDS = ["修好了", "已修好，大家试一下", "处理好了", "已经弄好了"]
THANKS = ["好了谢谢", "满意", "来了来了，谢谢师傅", "好了，辛苦了"]
# share of each hour (06:00 to 21:00) in a group's day: a morning and an evening peak
HOURS = {6: 2, 7: 6, 8: 9, 9: 8, 10: 7, 11: 6, 12: 5, 13: 4, 14: 5, 15: 5, 16: 5, 17: 6, 18: 7, 19: 9, 20: 9, 21: 7}


@dataclass(frozen=True)
class Event:
    msg_id: str
    room: str
    sender: str
    sender_id: str
    text: str
    ts: datetime
    kind: str  # chatter | request | accept | fix | thanks (for the report, not for the bot)


def room_name(g: int) -> str:
    return f"{g // TOWN}镇{g % TOWN}网格群"


def worker(role: str, g: int) -> tuple[str, str]:
    """(name, contact id) of the grid's worker in this role."""
    if role == "comprehensive":
        return f"网格员{g}", f"wxid_grid{g}"
    town = g // TOWN
    return f"{ROLE_NAMES[role]}{town}", f"wxid_{role}{town}"


def roster_csv(rooms: int) -> str:
    lines = ["grid,room,role,name,contact_id"]
    for g in range(rooms):
        for role in ROLES:
            name, contact = worker(role, g)
            lines.append(f"{g // TOWN}镇{g % TOWN}网格,{room_name(g)},{role},{name},{contact}")
    return "\n".join(lines) + "\n"


def _time(rng: random.Random) -> datetime:
    hour = rng.choices(list(HOURS), weights=list(HOURS.values()))[0]
    return DAY + timedelta(hours=hour, seconds=rng.random() * 3600)


def _room_day(rng: random.Random, g: int, n: int) -> list[tuple[datetime, str, str, str, str]]:
    """n messages of one room: (ts, sender, sender_id, text, kind)."""
    out: list[tuple[datetime, str, str, str, str]] = []
    n_req = round(n * 0.14)
    n_work = round(n * 0.08)
    incidents = []
    for _ in range(max(1, min(5, n_req // 5)) if n_req else 0):
        text, role = rng.choice(REQUESTS)
        incidents.append((text.format(b=rng.randrange(1, 30)), role, _time(rng)))
    first: dict[int, tuple[str, str, datetime]] = {}
    for k in range(n_req):
        i = k % len(incidents)
        text, role, start = incidents[i]
        ts = start + timedelta(minutes=min(rng.expovariate(1 / 20), 180))
        r = rng.randrange(200)
        out.append((ts, f"居民{g}_{r}", f"wxid_{g}_{r}", text, "request"))
        if i not in first or ts < first[i][2]:
            first[i] = (f"居民{g}_{r}", f"wxid_{g}_{r}", ts)
    fixed: list[tuple[int, datetime]] = []
    for k in range(n_work if incidents else 0):
        i = k % len(incidents)
        _, role, start = incidents[i]
        name, contact = worker(role, g)
        if (k // len(incidents)) % 2 == 0:
            ts, text, kind = start + timedelta(minutes=rng.uniform(5, 30)), rng.choice(ACCEPT_WORDS), "accept"
        else:
            ts, text, kind = start + timedelta(minutes=rng.uniform(60, 240)), rng.choice(FIX_WORDS), "fix"
            fixed.append((i, ts))
        out.append((ts, name, contact, text, kind))
    n_thanks = min(len(fixed), round(n * 0.02))
    for i, ts in fixed[:n_thanks]:
        name, contact, _ = first.get(i, (f"居民{g}_0", f"wxid_{g}_0", ts))
        out.append((ts + timedelta(minutes=rng.uniform(5, 60)), name, contact, rng.choice(THANKS), "thanks"))
    while len(out) < n:
        r = rng.randrange(200)
        out.append((_time(rng), f"居民{g}_{r}", f"wxid_{g}_{r}", rng.choice(CHATTER), "chatter"))
    return out


def county_day(events: int, rooms: int, seed: int = 2026) -> list[Event]:
    """A day of `events` messages over `rooms` groups, in timestamp order, each with a unique msg_id.

    Groups differ in how busy they are (a log-normal weight per room), as real ones do."""
    rng = random.Random(seed)
    weights = [rng.lognormvariate(0, 0.5) for _ in range(rooms)]
    total = sum(weights)
    counts = [int(events * w / total) for w in weights]
    for g in rng.sample(range(rooms), events - sum(counts)):  # the remainder, one each
        counts[g] += 1
    rows = []
    for g in range(rooms):
        rows += [(ts, g, sender, sid, text, kind) for ts, sender, sid, text, kind in _room_day(rng, g, counts[g])]
    rows.sort(key=lambda r: (r[0], r[1]))
    return [Event(msg_id=f"wx{seed}-{i:08d}", room=room_name(g), sender=sender, sender_id=sid, text=text, ts=ts,
                  kind=kind) for i, (ts, g, sender, sid, text, kind) in enumerate(rows)]
