"""End-to-end replay throughput: a generated day of events across many rooms, through the whole bot into SQLite.

Side by side in one run (medians of --runs): the full pipeline, the classifier alone on the same texts
(an upper bound), and a bare SQLite insert with one commit per event (the floor cost of durability).

    .venv/bin/python bench/replay.py [--events 20000] [--rooms 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import App  # noqa: E402
from bot.classifier import load_classifier  # noqa: E402
from bot.roster import parse_roster  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.transports.replay import Replayer  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
CHATTER = ["大家早上好", "今天天气不错啊", "晚上一起跳广场舞吗", "谁家孩子的书包落在小区门口了", "菜场的白菜好便宜",
           "收到收到", "[强][强]", "哈哈哈", "明天降温注意保暖", "这个电视剧真好看", "谢谢网格员", "楼下的快递谁的",
           "今天社区有义诊", "晚饭吃啥", "老年大学开课了吗", "[玫瑰]早安", "周末去爬山吗", "水果店打折了"]
REQUESTS = ["我家停水了", "{b}栋停电了，整栋楼都黑了", "水龙头一滴水都没有", "家里宽带断网了，移动的",
            "电信的网好慢啊一直断", "楼上邻居半夜吵得睡不着", "楼道里有人飞线充电", "社保卡怎么激活",
            "{b}号楼门口的路灯坏了", "小区垃圾好几天没人收了", "自来水发黄", "联通手机没信号",
            "有线电视没信号了，机顶盒一直闪", "{b}栋2单元电压不稳灯一直闪", "银行卡丢了怎么挂失"]
WORKER_WORDS = ["收到", "马上到", "已修好", "处理好了"]


def roster(rooms: int) -> str:
    lines = ["grid,room,role,name,contact_id"]
    roles = ["comprehensive", "water", "power", "mobile", "telecom", "unicom", "broadcast", "fire", "bank",
             "mediator", "police"]
    for g in range(rooms):
        for role in roles:
            lines.append(f"网格{g},群{g},{role},{role}{g},{role}{g}")
    return "\n".join(lines) + "\n"


def generate(n: int, rooms: int, seed: int = 7) -> list[str]:
    """A day of group traffic: 78% chatter, 14% residents' reports, 8% workers' answers.

    Reports cluster the way they do in a real group: each room has a few incidents that day
    (three problems, drawn from REQUESTS) that several households report, and they arrive
    from 06:00 to 22:00.
    """
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, 6, 0, tzinfo=TZ)
    step = (16 * 3600) / n
    incidents = {g: [t.format(b=rng.randrange(1, 30)) for t in rng.sample(REQUESTS, 3)] for g in range(rooms)}
    events = []
    for i in range(n):
        g = rng.randrange(rooms)
        r = rng.random()
        if r < 0.78:
            sender, text = f"居民{g}_{rng.randrange(200)}", rng.choice(CHATTER)
        elif r < 0.92:
            sender, text = f"居民{g}_{rng.randrange(200)}", rng.choice(incidents[g])
        else:
            sender = rng.choice(["water", "power", "mobile", "telecom", "fire", "bank"]) + str(g)
            text = rng.choice(WORKER_WORDS)
        ts = start + timedelta(seconds=i * step)
        events.append(json.dumps({"ts": ts.isoformat(), "room": f"群{g}", "sender": sender, "text": text,
                                  "msg_id": f"b{i}"}, ensure_ascii=False))
    return events


def run_pipeline(events: list[str], rooms: int, classifier) -> tuple[float, float]:
    """(events per wall-clock second, events per CPU second of this process)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(Path(tmp) / "absent.env", environ={},
                                 database_url=f"sqlite:///{tmp}/bench.db")
        app = App.create(settings, classifier=classifier, roster=parse_roster(roster(rooms)))
        t0, c0 = time.perf_counter(), time.process_time()
        result = Replayer(app, None).feed(events)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        app.close()
        assert result.events == len(events) and result.bad_lines == 0
    return len(events) / elapsed, len(events) / cpu


def run_classifier_only(texts: list[str], classifier) -> float:
    t0 = time.perf_counter()
    for text in texts:
        classifier.predict(text)
    return len(texts) / (time.perf_counter() - t0)


def run_bare_sqlite(events: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(f"{tmp}/bare.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, msg_id TEXT UNIQUE, body TEXT)")
        t0 = time.perf_counter()
        for i, line in enumerate(events):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO m (msg_id, body) VALUES (?, ?)", (f"b{i}", line))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - t0
        conn.close()
    return len(events) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    events = generate(args.events, args.rooms)
    texts = [json.loads(e)["text"] for e in events]
    t0 = time.perf_counter()
    classifier = load_classifier(load_settings(Path("/nonexistent.env"), environ={}))
    load_s = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    full, full_cpu, clf, bare = [], [], [], []
    for _ in range(args.runs):
        wall, cpu = run_pipeline(events, args.rooms, classifier)
        full.append(wall)
        full_cpu.append(cpu)
        clf.append(run_classifier_only(texts, classifier))
        bare.append(run_bare_sqlite(events))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    m_full, m_clf, m_bare = (statistics.median(x) for x in (full, clf, bare))
    print(f"replay bench: {args.events} events, {args.rooms} rooms, {args.runs} runs (medians), "
          f"classifier {type(classifier).__name__} loaded in {load_s:.2f}s")
    print(f"{'what':<38}{'events/s':>12}{'ratio to full':>16}")
    print(f"{'full pipeline into SQLite':<38}{m_full:>12,.0f}{1.0:>16.2f}")
    print(f"{'classifier alone (same texts)':<38}{m_clf:>12,.0f}{m_clf / m_full:>16.2f}")
    print(f"{'bare SQLite insert, commit per event':<38}{m_bare:>12,.0f}{m_bare / m_full:>16.2f}")
    print(f"{'full pipeline, per CPU-second':<38}{statistics.median(full_cpu):>12,.0f}"
          f"{statistics.median(full_cpu) / m_full:>16.2f}")
    print(f"runs (full, wall): {', '.join(f'{x:,.0f}' for x in full)}")
    print(f"peak RSS: {rss_after / 1024:.0f} MiB (before the replay runs: {rss_before / 1024:.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
