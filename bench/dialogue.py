#!/usr/bin/env python3
"""Whole days of group chat through the whole bot, scored, beside v1's behaviour in the same run.

    .venv/bin/python bench/dialogue.py [--split test|dev|train] [--baseline REV] [--json]

For each labelled day of data/dialogue/SPLIT, runs `gridbot replay` and `tickets export` through
`../shared/tools/score_day.py` (the scorer the acceptance checks use), once with this checkout and
once with the baseline revision (default: the v1 commit, merging incidents by category), checked
out into a temporary git worktree and run with the same Python. Prints per day and overall:
incident recall, purity, tickets per incident, right role pinged within 30 minutes, state right at
the end of the day, noise reports, tickets opened by noise, and the bot's room messages per incident.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared" / "tools" / "score_day.py"
V1 = "852b918"  # the last v1 commit: incidents merged by category, workers' words as reports


def score(cmd: str, day: Path, work: Path, cwd: Path, env: dict) -> dict:
    base = day.with_suffix("")
    args = [sys.executable, str(SCORER), cmd, str(work), "--events", str(day), "--roster", f"{base}.roster.csv",
            "--incidents", f"{base}.incidents.json", "--json"]
    r = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=900)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not lines:
        raise SystemExit(f"{day.name}: scorer failed: {(r.stdout + r.stderr).strip()[-400:]}")
    return json.loads(lines[-1])


def baseline_checkout(rev: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(into), rev],
                   check=True, capture_output=True)
    return into


def summary(rows: list[dict]) -> dict:
    inc = sum(r["incidents"] for r in rows)
    found = sum(r["found"] for r in rows)
    return {
        "days": len(rows), "incidents": inc,
        "recall": round(found / max(1, inc), 3),
        "purity": round(sum(r["purity"] * r["found"] for r in rows) / max(1, found), 3),
        "tickets_per_incident": round(sum(r["tickets_per_incident"] * r["found"] for r in rows) / max(1, found), 3),
        "pinged_right_30min": round(sum(r["pinged_right_role"] for r in rows) / max(1, inc), 3),
        "state_right": round(sum(r["state_right"] or 0 for r in rows) / max(1, inc), 3),
        "noise_reports_per_day": round(sum(r["noise_reports"] for r in rows) / max(1, len(rows)), 2),
        "worker_msgs_as_reports": sum(r["worker_msgs_as_reports"] for r in rows),
        "noise_opened": sum(r["noise_opened"] for r in rows),
        "bot_msgs_per_incident": round(sum(r["bot_room_messages"] for r in rows) / max(1, inc), 2),
    }


COLS = ("recall", "purity", "tickets_per_incident", "pinged_right_30min", "state_right", "noise_reports_per_day",
        "noise_opened", "bot_msgs_per_incident")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--split", default="test", choices=("train", "dev", "test"))
    ap.add_argument("--baseline", default=V1, help="git revision to compare with (default: v1)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--dir", type=Path, help="a directory of labelled days (yours) instead of a split")
    ap.add_argument("--days", default="*", help="only the days whose name matches this pattern (e.g. 'f[g-j]-*')")
    a = ap.parse_args()
    if not SCORER.is_file():
        print(f"bench/dialogue.py needs {SCORER} (the shared scorer)", file=sys.stderr)
        return 2
    where = a.dir.resolve() if a.dir else ROOT / "data" / "dialogue" / a.split
    days = [p for p in sorted(where.glob(f"{a.days}.jsonl")) if Path(f"{p.with_suffix('')}.incidents.json").is_file()]
    if not days:
        print(f"no labelled days in {where}" + (f" named {a.days}" if a.days != "*" else ""), file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="gridbot-dialogue-"))
    gridbot = str(Path(sys.executable).with_name("gridbot"))
    runs = {"current": (gridbot, ROOT, dict(os.environ))}
    if not a.no_baseline:
        wt = baseline_checkout(a.baseline, tmp / "baseline")
        env = dict(os.environ, PYTHONPATH=str(wt), GRIDBOT_MODEL_DIR=str(wt / "var" / "model"))
        subprocess.run([sys.executable, "-m", "bot", "train"], cwd=wt, env=env, check=True, capture_output=True)
        runs["baseline"] = (f"{sys.executable} -m bot", wt, env)
    results: dict[str, list[dict]] = {k: [] for k in runs}
    try:
        for day in days:
            for name, (cmd, cwd, env) in runs.items():
                row = score(cmd, day, tmp / name / day.stem, cwd, env)
                row["day"] = day.stem
                results[name].append(row)
    finally:
        if "baseline" in runs:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "baseline")],
                           capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    out = {name: {"overall": summary(rows), "days": rows} for name, rows in results.items()}
    if a.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"{len(days)} {a.dir or a.split} days: " + ", ".join(d.stem for d in days))
    print(f"{'':<10}" + "".join(f"{c[:12]:>13}" for c in COLS))
    for name in results:
        s = out[name]["overall"]
        print(f"{name:<10}" + "".join(f"{s[c]:>13}" for c in COLS))
    print("\nper day (current | baseline): recall, purity, tickets/incident, state right/incidents, noise reports")
    for i, day in enumerate(days):
        parts = []
        for name in results:
            r = results[name][i]
            parts.append(f"{r['recall']:.2f} {r['purity']:.2f} {r['tickets_per_incident']:.2f} "
                         f"{r['state_right']}/{r['incidents']} {r['noise_reports']}")
        print(f"  {day.stem:<8} " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
