"""Wechaty transport figures against the mock gateway: process start -> ready, and room message
arriving at the gateway -> the bot's @-mention leaving it (median over N messages).

    make bench-wechaty            (or: .venv/bin/python bench/wechaty_latency.py [--messages 20])

The per-room rate limit is raised for the run so it measures the bot, not the limiter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.wechaty_harness import (RESIDENT, BotProcess, MockGateway, free_port, install_gateway,  # noqa: E402
                                   node_missing_reason)

REPORTS = ["我家停水了", "3号楼停水了，什么时候来水", "5栋水压很低，洗澡都不行", "水管爆了，路上全是水",
           "自来水发黄，能喝吗", "楼下水表漏水了"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    reason = node_missing_reason() or install_gateway()
    if reason:
        print(f"wechaty_latency: cannot run: {reason}", file=sys.stderr)
        return 1
    port = free_port()
    gateway = MockGateway(port)
    with tempfile.TemporaryDirectory() as tmp:
        bot = BotProcess(Path(tmp), port, extra_env={"GRIDBOT_RATE_PER_ROOM_PER_MINUTE": "1000",
                                                     "GRIDBOT_RATE_TOTAL_PER_MINUTE": "10000"})
        try:
            ready = bot.wait_for("wechaty: ready as", timeout=180)
            latencies = []
            for i in range(args.messages):
                since = time.monotonic()
                gateway.say(RESIDENT, f"{REPORTS[i % len(REPORTS)]}（{i + 1}）")
                reply = gateway.expect("bot", timeout=30, where=lambda e: e["at"] >= since and e["mentionIds"])
                latencies.append(reply["at"] - since)
                time.sleep(0.3)  # let the other replies of this message leave before the next one
        finally:
            bot.stop()
            gateway.stop()
    result = {
        "start_to_ready_s": round(ready, 2),
        "message_to_mention_median_ms": round(statistics.median(latencies) * 1000, 1),
        "message_to_mention_p90_ms": round(sorted(latencies)[int(0.9 * (len(latencies) - 1))] * 1000, 1),
        "first_message_ms": round(latencies[0] * 1000, 1),
        "messages": len(latencies),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
