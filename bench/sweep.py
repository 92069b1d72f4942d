"""The sweep over many open tickets: the steady state (nothing due) and a busy minute (1% due).

Beside it, in the same run: a plain `SELECT count(*)` over the open tickets (the cost of merely
looking at all of them once). Medians of --runs.

    .venv/bin/python bench/sweep.py [--tickets 100000] [--due 0.01] [--runs 5] [--db URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bot.db import make_engine, unit_of_work  # noqa: E402
from bot.roster import import_roster, parse_roster  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.sweep import sweep  # noqa: E402
from models import OPEN_STATUSES, Grid, Member, Report, Ticket  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
ROLES = ["comprehensive", "water", "power", "mobile", "telecom", "unicom", "broadcast", "fire", "bank",
         "mediator", "police"]


def roster(grids: int) -> str:
    rows = ["grid,room,role,name,contact_id"]
    rows += [f"网格{g},群{g},{r},{r}{g},{r}{g}" for g in range(grids) for r in ROLES]
    return "\n".join(rows) + "\n"


def populate(url: str, n: int, due: float, seed: int = 3) -> None:
    """n open tickets in 200 grids; a `due` share of them past their acceptance deadline."""
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        import_roster(session, parse_roster(roster(200)))
    with Session(engine) as session:
        grids = {g.id: g for g in session.exec(select(Grid))}
        water = {m.grid_id: m for m in session.exec(select(Member).where(Member.role == "water"))}
    rng = random.Random(seed)
    grid_ids = sorted(grids)
    rows, reports = [], []
    for i in range(n):
        gid = rng.choice(grid_ids)
        is_due = rng.random() < due
        created = NOW - (timedelta(minutes=40) if is_due else timedelta(minutes=rng.randrange(1, 25)))
        status = "reported" if is_due else rng.choice(["reported", "accepted", "accepted", "resolved"])
        rows.append({"id": i + 1, "grid_id": gid, "category": "water", "urgent": False, "color": "yellow",
                     "status": status, "reporter": f"r{i}", "reporter_id": f"r{i}", "keywords": [],
                     "assignees": [water[gid].name], "assignee_ids": [water[gid].contact_id],
                     "report_count": 1, "created_at": created, "updated_at": created,
                     "accept_due": created + timedelta(minutes=30), "solve_due": created + timedelta(hours=24),
                     "resolved_at": created if status == "resolved" else None, "escalation": 0,
                     "overdue": False})
        reports.append({"ticket_id": i + 1, "msg_id": f"m{i}", "sender": f"r{i}", "sender_id": f"r{i}",
                        "text": "我家停水了", "ts": created})
    with engine.begin() as conn:
        for k in range(0, n, 5000):
            conn.execute(insert(Ticket), rows[k:k + 5000])
            conn.execute(insert(Report), reports[k:k + 5000])
    engine.dispose()


def timed_sweep(url: str, now: datetime) -> tuple[float, int]:
    engine = make_engine(url)
    settings = load_settings(Path("/nonexistent.env"), environ={})
    t0 = time.perf_counter()
    with unit_of_work(engine) as session:
        out = sweep(session, settings=settings, now=now)
        session.rollback()  # keep the database as it was for the next run
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed, len(out)


def timed_count(url: str) -> float:
    engine = make_engine(url)
    t0 = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES))).scalar()
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", default=None, help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{tmp}/sweep.db"
        t0 = time.perf_counter()
        populate(url, args.tickets, args.due)
        print(f"sweep bench: {args.tickets:,} open tickets ({args.due:.0%} past their acceptance deadline), "
              f"{url.split(':')[0]}, populated in {time.perf_counter() - t0:.1f}s, {args.runs} runs (medians)")
        idle = [timed_sweep(url, NOW - timedelta(minutes=15))[0] for _ in range(args.runs)]
        busy_runs = [timed_sweep(url, NOW) for _ in range(args.runs)]
        busy = [t for t, _ in busy_runs]
        count = [timed_count(url) for _ in range(args.runs)]
    m_idle, m_busy, m_count = (statistics.median(x) for x in (idle, busy, count))
    print(f"{'what':<48}{'seconds':>10}{'ratio to count':>16}")
    print(f"{'count(*) of open tickets (baseline)':<48}{m_count:>10.4f}{1.0:>16.2f}")
    print(f"{'sweep, nothing due (every minute, steady state)':<48}{m_idle:>10.4f}{m_idle / m_count:>16.2f}")
    print(f"{f'sweep, {busy_runs[0][1]:,} reminders due':<48}{m_busy:>10.4f}{m_busy / m_count:>16.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
