"""County scale on PostgreSQL: a generated county day through 1 and 2 bot processes, and the sweep over 1M open tickets.

One run, one throw-away PostgreSQL server (tests/pg.py; it runs with fsync=off unless --fsync):

* the bot: a generated day (bench/county_gen.py: --rooms groups, --events messages, in timestamp
  order) handled by 1 process (config A), then by 2 processes each owning half of the rooms
  (config B, started together behind a barrier); each a separate OS process (spawn) with its own App
  and classifier on a fresh copy of the same database (the roster imported). Reported: events/s in
  total and per process, the message-to-outbox latency (one `App.handle` call: the outbox rows are
  written in the message's transaction) p50/p99, the CPU seconds of the bot processes and of the
  PostgreSQL server, and B/A;
* beside it, a bare PostgreSQL insert (psycopg2, one row and one commit per event) from 1 and from
  2 processes: the floor cost of a durable message on this server, and how far this machine lets
  two writers scale at all;
* the sweep: --tickets open tickets (COPY) in realistic states and deadlines, a --due share of them
  due now (reminders, escalations, overdue marks, auto-closes, carrier time-outs), then `App.tick`
  as of now (median of --sweep-runs, each on a fresh copy of the database), the next minute's tick
  and an immediate repeat with nothing due; beside it `SELECT count(*)` of the open tickets;
* what one machine of this size would serve at a stated message rate (--msgs-per-group-day,
  --peak-share), and which resource runs out first.

    .venv/bin/python bench/county.py                                  # 2,000 rooms, 200,000 events, 1,000,000 tickets
    .venv/bin/python bench/county.py --rooms 200 --events 20000 --tickets 100000   # about a minute
    .venv/bin/python bench/county.py --runs 3 --no-sweep              # medians of 3 runs of the bot part
    .venv/bin/python bench/county.py --fsync                          # the server with fsync on (durable commits)

Output: a table on stdout and, last, one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import time
import traceback
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from county_gen import REQUESTS, ROLES, DAY, county_day, roster_csv, room_name, worker  # noqa: E402

NOW = DAY + timedelta(hours=12)  # the sweep's "now": noon of the generated day
NO_ENV = Path("/nonexistent.env")
CATEGORY_ROLE = {"water": "water", "power": "power", "dispute": "mediator", "fire": "fire", "bank": "bank",
                 "other": "comprehensive"}
CATEGORY_WEIGHTS = {"water": 25, "power": 20, "telecom": 20, "dispute": 8, "fire": 2, "bank": 5, "other": 20}
CATEGORY_COLOR = {"water": "yellow", "power": "yellow", "dispute": "yellow", "fire": "yellow", "telecom": "green",
                  "bank": "green", "other": "green"}
STATUS_WEIGHTS = {"awaiting_provider": 0.2, "reported": 12, "accepted": 55, "resolved": 28, "reopened": 4.8}
DUE_KINDS = ("remind", "escalate", "overdue", "autoclose", "carrier")


# -- small helpers ---------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def dsn(url: str) -> dict:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return {"host": u.host, "port": u.port, "user": u.username, "dbname": u.database}


def admin(server, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(**dsn(server.url))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def clone(server, template: str, name: str) -> str:
    """A copy of a database (file copy: seconds even for a large one)."""
    admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    admin(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY = FILE_COPY')
    return server.url.rsplit("/", 1)[0] + f"/{name}"


def query(url: str, sql: str, params=None) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(**dsn(url))
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    conn.close()
    return rows


def restart_with_fsync(server) -> None:
    """tests/pg.py starts the server with fsync=off; restart it with fsync (and synchronous commit) on."""
    from tests.pg import _bin

    root = os.path.dirname(server.datadir)
    port = dsn(server.url)["port"]
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} -c fsync=on"
    subprocess.run(server._run + [_bin("pg_ctl"), "-D", server.datadir, "-o", opts, "-l", os.path.join(root, "log"),
                                  "-w", "restart"], check=True, capture_output=True, timeout=120)


# -- CPU accounting (this machine, and the PostgreSQL server's processes) ----------------------------
TICK = os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as fh:
        parts = [int(x) for x in fh.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts) - idle) / TICK, sum(parts) / TICK


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rpartition(")")[2].split()


def server_cpu(server) -> float:
    """CPU seconds used by the PostgreSQL server: the postmaster, its exited children, its live ones."""
    with open(os.path.join(server.datadir, "postmaster.pid")) as fh:
        master = int(fh.readline())
    f = _stat(master)
    total = sum(int(x) for x in f[11:15])
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                f = _stat(int(entry))
            except OSError:
                continue
            if int(f[1]) == master:
                total += int(f[11]) + int(f[12])
    return total / TICK


# -- worker processes ------------------------------------------------------------------------------
def _timed_worker(prepare, barrier, queue, index: int) -> None:
    """Prepare (untimed), start with the other processes, then time each item through the step.

    `prepare()` returns (items, step, close, load seconds); `step(item)` returns how many messages it made."""
    try:
        items, step, close, load_s = prepare()
    except BaseException:
        barrier.abort()
        queue.put({"index": index, "error": traceback.format_exc()})
        return
    barrier.wait()
    try:
        lat: list[float] = []
        outs = 0
        c0, t0 = time.process_time(), time.monotonic()
        for item in items:
            s = time.perf_counter()
            outs += step(item)
            lat.append(time.perf_counter() - s)
        t1, c1 = time.monotonic(), time.process_time()
        close()
        queue.put({"index": index, "events": len(items), "start": t0, "end": t1, "cpu": c1 - c0, "out": outs,
                   "lat": lat, "load_s": load_s})
    except BaseException:
        queue.put({"index": index, "error": traceback.format_exc()})


def _bot_worker(url: str, events: list[tuple], barrier, queue, index: int) -> None:
    """One bot process: its own App (and classifier) on the shared database, its rooms' events in order."""
    def prepare():  # noqa: ANN202
        from bot.app import App
        from bot.messages import Incoming
        from bot.settings import load_settings

        t_load = time.perf_counter()
        app = App.create(load_settings(NO_ENV, environ={}, database_url=url), roster=[])
        load_s = time.perf_counter() - t_load
        msgs = [Incoming(msg_id=m, room=r, sender=s, sender_id=sid, text=t, ts=ts) for m, r, s, sid, t, ts in events]
        return msgs, lambda msg: len(app.handle(msg)), app.close, load_s

    _timed_worker(prepare, barrier, queue, index)


def _bare_worker(url: str, events: list[tuple], barrier, queue, index: int) -> None:
    """The floor: one INSERT and one COMMIT per event, nothing else."""
    def prepare():  # noqa: ANN202
        import psycopg2

        conn = psycopg2.connect(**dsn(url))
        cur = conn.cursor()

        def step(event: tuple) -> int:
            m, r, s, sid, t, ts = event
            cur.execute("INSERT INTO bare (msg_id, room, sender_id, body, ts) VALUES (%s, %s, %s, %s, %s)",
                        (m, r, sid, t, ts))
            conn.commit()
            return 0

        return events, step, conn.close, 0.0

    _timed_worker(prepare, barrier, queue, index)


def run_processes(server, target, url: str, parts: list[list[tuple]]) -> dict:
    """Start one process per part, release them together, collect their figures."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(parts) + 1)
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, part, barrier, queue, i)) for i, part in enumerate(parts)]
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=900)
    except Exception:
        pass  # a worker failed to start: its error is in the queue
    m0, s0 = machine_cpu(), server_cpu(server)
    results = [queue.get(timeout=7200) for _ in procs]
    m1, s1 = machine_cpu(), server_cpu(server)
    for p in procs:
        p.join(timeout=120)
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        raise RuntimeError("a worker process failed:\n" + "\n".join(errors))
    results.sort(key=lambda r: r["index"])
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    events = sum(r["events"] for r in results)
    lat = [x for r in results for x in r["lat"]]
    busy, total = m1[0] - m0[0], m1[1] - m0[1]
    return {
        "processes": len(parts), "events": events, "wall_s": wall, "eps_total": events / wall,
        "eps_per_process": [r["events"] / (r["end"] - r["start"]) for r in results],
        "p50_ms": pct(lat, 0.50) * 1000, "p99_ms": pct(lat, 0.99) * 1000, "max_ms": max(lat) * 1000,
        "client_cpu_s": sum(r["cpu"] for r in results), "server_cpu_s": s1 - s0,
        "machine_busy": busy / total if total else float("nan"), "outgoing": sum(r["out"] for r in results),
        # CPU seconds the machine spent on anything else meanwhile (other programs on a shared machine)
        "other_cpu_s": max(0.0, busy - sum(r["cpu"] for r in results) - (s1 - s0)),
        "load_s": max(r["load_s"] for r in results),
    }


# -- the bot part ------------------------------------------------------------------------------------
def as_tuples(events) -> list[tuple]:
    return [(e.msg_id, e.room, e.sender, e.sender_id, e.text, e.ts) for e in events]


def split_by_rooms(events: list[tuple], rooms: int, parts: int) -> list[list[tuple]]:
    """Contiguous blocks of rooms (whole towns, so no worker is shared across processes)."""
    owner = {room_name(g): g * parts // rooms for g in range(rooms)}
    out: list[list[tuple]] = [[] for _ in range(parts)]
    for e in events:
        out[owner[e[1]]].append(e)
    return out


def database_check(url: str) -> dict:
    """What the run left in the database: every message recorded once, none failed."""
    outcomes = dict(query(url, "SELECT split_part(outcome, ':', 1) AS o, count(*) FROM inboundmessage GROUP BY o"))
    return {
        "recorded": sum(outcomes.values()), "outcomes": outcomes,
        "outbox": query(url, "SELECT count(*) FROM outbox")[0][0],
        "tickets": query(url, "SELECT count(*) FROM ticket")[0][0],
        "failed_reviews": query(url, "SELECT count(*) FROM review WHERE reason <> 'abstained'")[0][0],
        "db_bytes": query(url, "SELECT pg_database_size(current_database())")[0][0],
    }


def bot_config(server, base: str, name: str, parts: list[list[tuple]], empty_bytes: int) -> dict:
    url = clone(server, base, name)
    result = run_processes(server, _bot_worker, url, parts)
    check = database_check(url)
    result.update(check)
    result["bytes_per_event"] = (check["db_bytes"] - empty_bytes) / result["events"]
    admin(server, f'DROP DATABASE "{name}"')
    return result


def bare_config(server, name: str, parts: list[list[tuple]]) -> dict:
    import psycopg2

    admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    admin(server, f'CREATE DATABASE "{name}"')
    url = server.url.rsplit("/", 1)[0] + f"/{name}"
    conn = psycopg2.connect(**dsn(url))
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE bare (id bigserial PRIMARY KEY, msg_id text UNIQUE NOT NULL, room text, "
                    "sender_id text, body text, ts timestamptz)")
    conn.commit()
    conn.close()
    result = run_processes(server, _bare_worker, url, parts)
    admin(server, f'DROP DATABASE "{name}"')
    return result


# -- the sweep part ----------------------------------------------------------------------------------
def _utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)


def _sql_ts(dt: datetime | None) -> str:
    return "\\N" if dt is None else _utc(dt).replace(tzinfo=None).isoformat(sep=" ")


def _ticket(rng: random.Random, settings, tid: int, status: str, color: str, due: str | None) -> tuple[dict, list]:
    """The ticket's state as if every sweep so far had run (or, with `due`, one step of it pending);
    and the one-off claims those sweeps recorded (ticket events with a key)."""
    A, S = (timedelta(minutes=m) for m in settings.deadlines(color))
    carrier = timedelta(minutes=settings.carrier_wait_minutes)
    confirm = timedelta(hours=settings.confirm_wait_hours)
    late = timedelta(seconds=rng.uniform(1, 120))  # how long a pending step has been due
    age = timedelta(minutes=min(rng.expovariate(1 / (3 * 1440)), 30 * 1440))
    t = {"escalation": 0, "escalate_at": None, "overdue": False, "owner_role": None, "accepted_at": None,
         "resolved_at": None, "satisfaction": None}
    claims: list[tuple[str, str]] = []
    if due == "remind":
        status, start = "reported", NOW - A - late
    elif due == "escalate":
        status, start = "reported", NOW - 2 * A - late
    elif due == "overdue":
        status, start = "accepted", NOW - S - late
    elif due == "autoclose":
        status, start = "resolved", None
    elif due == "carrier":
        status, start = "awaiting_provider", NOW - carrier - late
    elif status == "awaiting_provider":
        start = NOW - timedelta(seconds=rng.uniform(0, carrier.total_seconds()))
    elif status == "resolved":
        start = None
    else:
        start = NOW - age
    if status == "resolved":
        resolved = NOW - (confirm + late if due == "autoclose" else timedelta(seconds=rng.uniform(0, confirm.total_seconds())))
        start = resolved - age
        t.update(resolved_at=resolved, accepted_at=start + min(A, age) * rng.random(), overdue=resolved > start + S)
    t.update(status=status, created_at=start, accept_due=start + A, solve_due=start + S)
    if status == "reopened":
        t.update(created_at=start - timedelta(hours=rng.uniform(1, 72)), satisfaction="unsatisfied",
                 owner_role="comprehensive")
    waited = NOW - start
    if status in ("reported", "reopened"):
        cycle = f"{status}:{_utc(start + A).isoformat()}"
        if due == "escalate" or (due is None and A <= waited < 2 * A):
            t.update(escalation=1, escalate_at=start + 2 * A)
            claims.append(("reminded", f"{tid}:remind:{cycle}"))
        elif due is None and waited >= 2 * A:
            t.update(escalation=2, owner_role="comprehensive")
            claims += [("reminded", f"{tid}:remind:{cycle}"), ("escalated", f"{tid}:escalate:{cycle}")]
    if status == "accepted":
        t["accepted_at"] = start + min(A, waited) * rng.random()
    if status in ("reported", "reopened", "accepted") and due is None and start + S <= NOW:
        t.update(overdue=True, owner_role="comprehensive")
        claims.append(("overdue", f"{tid}:overdue:{_utc(start + S).isoformat()}"))
    t["updated_at"] = max(x for x in (start, t["accepted_at"], t["resolved_at"]) if x is not None)
    return t, claims


TICKET_COLS = ("id", "grid_id", "category", "provider", "urgent", "color", "status", "reporter", "reporter_id",
               "location", "keywords", "owner_role", "report_count", "created_at", "updated_at", "accept_due",
               "solve_due", "accepted_at", "resolved_at", "closed_at", "satisfaction", "escalation", "escalate_at",
               "overdue")


def populate_tickets(url: str, n: int, due_share: float, rooms: int, settings, seed: int = 11) -> dict:
    """n open tickets over the county's grids, each with its assignment, first report and history, by COPY."""
    import psycopg2

    grid_of = dict(query(url, "SELECT room, id FROM grid"))
    grid_ids = [grid_of[room_name(g)] for g in range(rooms)]
    rng = random.Random(seed)
    cats, cat_w = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    stats, st_w = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    texts = [t.format(b=7) for t, _ in REQUESTS]
    providers = ("mobile", "telecom", "unicom", "broadcast")
    counts = {"due": 0, "claims": 0}
    conn = psycopg2.connect(**dsn(url))
    cur = conn.cursor()
    ev_id = 0
    chunk = 50_000
    for lo in range(1, n + 1, chunk):
        tk, asg, rep, evs = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
        for tid in range(lo, min(n, lo + chunk - 1) + 1):
            g = rng.randrange(rooms)
            category = rng.choices(cats, cat_w)[0]
            provider = rng.choice(providers) if category == "telecom" else None
            urgent = category == "fire" or rng.random() < 0.01
            color = "red" if urgent else CATEGORY_COLOR[category]
            due = rng.choice(DUE_KINDS) if rng.random() < due_share else None
            status = rng.choices(stats, st_w)[0]
            if status == "awaiting_provider" or due == "carrier":
                category, provider, urgent, color = "telecom", None, False, "green"
            t, claims = _ticket(rng, settings, tid, status, color, due)
            counts["due"] += due is not None
            r = rng.randrange(200)
            reporter, reporter_id = f"居民{g}_{r}", f"wxid_{g}_{r}"
            role = provider or CATEGORY_ROLE.get(category, "comprehensive")
            name, contact = worker(role if t["status"] != "awaiting_provider" else "comprehensive", g)
            values = (tid, grid_ids[g], category, provider or "\\N", "t" if urgent else "f", color, t["status"],
                      reporter, reporter_id, "\\N", "[]", t["owner_role"] or "\\N", 1, _sql_ts(t["created_at"]),
                      _sql_ts(t["updated_at"]), _sql_ts(t["accept_due"]), _sql_ts(t["solve_due"]),
                      _sql_ts(t["accepted_at"]), _sql_ts(t["resolved_at"]), "\\N", t["satisfaction"] or "\\N",
                      t["escalation"], _sql_ts(t["escalate_at"]), "t" if t["overdue"] else "f")
            tk.write("\t".join(map(str, values)) + "\n")
            created = _sql_ts(t["created_at"])
            asg.write(f"{tid}\t{tid}\t{role}\t{name}\t{contact}\tt\t{created}\n")
            rep.write(f"{tid}\t{tid}\tt{tid}\t{reporter}\t{reporter_id}\t{rng.choice(texts)}\t{created}\n")
            ev_id += 1
            evs.write(f"{ev_id}\t{tid}\t{created}\tgridbot\tassigned\t{name}\t\\N\n")
            for action, key in claims:
                ev_id += 1
                evs.write(f"{ev_id}\t{tid}\t{created}\tgridbot\t{action}\t\t{key}\n")
                counts["claims"] += 1
        for table, cols, buf in (("ticket", ",".join(TICKET_COLS), tk),
                                 ("assignment", "id,ticket_id,role,name,contact_id,active,assigned_at", asg),
                                 ("report", "id,ticket_id,msg_id,sender,sender_id,text,ts", rep),
                                 ("ticketevent", "id,ticket_id,ts,actor,action,detail,key", evs)):
            buf.seek(0)
            cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)
        conn.commit()
    for table in ("ticket", "assignment", "report", "ticketevent"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE")
    conn.close()
    counts["events"] = ev_id
    return counts


def sweep_part(server, base: str, args, classifier) -> dict:
    from bot.app import App
    from bot.settings import load_settings
    from models import OPEN_STATUSES

    url = clone(server, base, "county_sweep")
    settings = load_settings(NO_ENV, environ={}, database_url=url)
    t0 = time.perf_counter()
    counts = populate_tickets(url, args.tickets, args.due, args.rooms, settings)
    load_s = time.perf_counter() - t0
    statuses = dict(query(url, "SELECT status, count(*) FROM ticket GROUP BY status"))
    db_bytes = query(url, "SELECT pg_database_size(current_database())")[0][0]
    busy, nxt, idle, outs, nxt_outs, count_s = [], [], [], [], [], []
    placeholders = ",".join(["%s"] * len(OPEN_STATUSES))
    for i in range(args.sweep_runs):
        run_url = clone(server, "county_sweep", f"county_sweep_{i}")
        import psycopg2

        conn = psycopg2.connect(**dsn(run_url))
        with conn.cursor() as cur:
            a = time.perf_counter()
            cur.execute(f"SELECT count(*) FROM ticket WHERE status IN ({placeholders})", OPEN_STATUSES)
            open_count = cur.fetchone()[0]
            count_s.append(time.perf_counter() - a)
        conn.close()
        app = App.create(load_settings(NO_ENV, environ={}, database_url=run_url), classifier=classifier, roster=[])
        a = time.perf_counter()
        out = app.tick(NOW)
        busy.append(time.perf_counter() - a)
        outs.append(len(out))
        a = time.perf_counter()
        out = app.tick(NOW + timedelta(minutes=1))
        nxt.append(time.perf_counter() - a)
        nxt_outs.append(len(out))
        a = time.perf_counter()
        app.tick(NOW + timedelta(minutes=1))
        idle.append(time.perf_counter() - a)
        app.close()
        admin(server, f'DROP DATABASE "county_sweep_{i}"')
    admin(server, 'DROP DATABASE "county_sweep"')
    return {"tickets": args.tickets, "open": open_count, "due": counts["due"], "claims_loaded": counts["claims"],
            "history_events": counts["events"], "statuses": statuses, "load_s": load_s, "db_bytes": db_bytes,
            "tick_s": statistics.median(busy), "tick_runs_s": busy, "tick_out": statistics.median(outs),
            "next_minute_s": statistics.median(nxt), "next_minute_out": statistics.median(nxt_outs),
            "idle_s": statistics.median(idle), "count_s": statistics.median(count_s)}


# -- report ---------------------------------------------------------------------------------------------
def median_of(runs: list[dict]) -> dict:
    """Per figure, the median over runs (per-process lists element-wise)."""
    out = dict(runs[-1])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = statistics.median(r[key] for r in runs)
        elif isinstance(value, list) and value and isinstance(value[0], (int, float)):
            out[key] = [statistics.median(r[key][i] for r in runs) for i in range(len(value))]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=2000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.001, help="share of the tickets due at the sweep's now")
    parser.add_argument("--runs", type=int, default=1, help="runs of the bot and baseline part (medians)")
    parser.add_argument("--sweep-runs", type=int, default=3)
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-bot", action="store_true")
    parser.add_argument("--fsync", action="store_true", help="run the server with fsync on (tests/pg.py turns it off)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--msgs-per-group-day", type=float, default=60.0)
    parser.add_argument("--peak-share", type=float, default=0.15, help="share of a day's messages in its peak hour")
    parser.add_argument("--county-groups", type=int, default=14_000, help="groups of the county to size for (常德)")
    args = parser.parse_args()
    if args.rooms % 2 or args.rooms < 2:
        parser.error("--rooms must be an even number >= 2")

    from tests import pg

    reason = pg.unavailable_reason()
    if reason:
        print(f"county bench skipped: {reason}")
        return 0
    cpus = os.cpu_count() or 1
    t_all = time.perf_counter()
    server = pg.start()
    try:
        if args.fsync:
            restart_with_fsync(server)
        fsync = query(server.url, "SHOW fsync")[0][0]
        version = query(server.url, "SHOW server_version")[0][0]
        shared = query(server.url, "SHOW shared_buffers")[0][0]

        from bot.db import make_engine, unit_of_work
        from bot.roster import import_roster, parse_roster

        base_url = pg.fresh_database(server, "county_base")
        t0 = time.perf_counter()
        engine = make_engine(base_url)
        with unit_of_work(engine) as session:
            import_roster(session, parse_roster(roster_csv(args.rooms)), require_comprehensive=True)
        engine.dispose()
        roster_s = time.perf_counter() - t0
        empty_bytes = query(base_url, "SELECT pg_database_size(current_database())")[0][0]

        t0 = time.perf_counter()
        day = county_day(args.events, args.rooms, args.seed)
        gen_s = time.perf_counter() - t0
        kinds: dict[str, int] = {}
        for e in day:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        events = as_tuples(day)
        halves = split_by_rooms(events, args.rooms, 2)
        print(f"county bench: {args.rooms:,} rooms ({args.rooms * len(ROLES):,} roster rows, imported in {roster_s:.1f}s), "
              f"{args.events:,} events generated in {gen_s:.1f}s "
              f"({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))}); "
              f"PostgreSQL {version}, fsync={fsync}, shared_buffers={shared}; {cpus} CPUs; runs={args.runs}")
        print(f"  halves for config B: {len(halves[0]):,} + {len(halves[1]):,} events")

        figures: dict = {"rooms": args.rooms, "events": args.events, "cpus": cpus, "fsync": fsync,
                         "postgres": version, "runs": args.runs, "kinds": kinds}
        if not args.no_bot:
            A, B, bare1, bare2 = [], [], [], []
            for run in range(args.runs):
                A.append(bot_config(server, "county_base", "county_a", [events], empty_bytes))
                B.append(bot_config(server, "county_base", "county_b", halves, empty_bytes))
                bare1.append(bare_config(server, "county_bare", [events]))
                bare2.append(bare_config(server, "county_bare", halves))
                print(f"  run {run + 1}: A {A[-1]['eps_total']:,.0f} ev/s, B {B[-1]['eps_total']:,.0f} ev/s, "
                      f"bare 1p {bare1[-1]['eps_total']:,.0f}, bare 2p {bare2[-1]['eps_total']:,.0f}", flush=True)
            a, b, b1, b2 = (median_of(x) for x in (A, B, bare1, bare2))
            print()
            print(f"{'config':<44}{'events/s':>10}{'per process':>18}{'p50 ms':>9}{'p99 ms':>9}"
                  f"{'bot CPU s':>11}{'PG CPU s':>10}{'other CPU s':>13}{'machine busy':>14}")
            for label, r in (("A: bot, 1 process, all rooms", a), ("B: bot, 2 processes, half the rooms each", b),
                             ("bare PG insert+commit, 1 process", b1), ("bare PG insert+commit, 2 processes", b2)):
                per = " / ".join(f"{x:,.0f}" for x in r["eps_per_process"])
                print(f"{label:<44}{r['eps_total']:>10,.0f}{per:>18}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
                      f"{r['client_cpu_s']:>11.1f}{r['server_cpu_s']:>10.1f}{r['other_cpu_s']:>13.1f}{r['machine_busy']:>13.0%}")
            ratio, bare_ratio = b["eps_total"] / a["eps_total"], b2["eps_total"] / b1["eps_total"]
            cpu_per_event = (a["client_cpu_s"] + a["server_cpu_s"]) / a["events"]
            ceiling = cpus / (cpu_per_event * a["eps_total"])
            print(f"B/A total throughput: {ratio:.2f}x (bare insert 2p/1p on this machine: {bare_ratio:.2f}x; "
                  f"CPU ceiling: A keeps {cpu_per_event * a['eps_total']:.2f} CPUs busy, so {cpus} CPUs allow "
                  f"at most {ceiling:.2f}x)")
            print(f"per event (A): {a['client_cpu_s'] / a['events'] * 1000:.2f} ms bot CPU + "
                  f"{a['server_cpu_s'] / a['events'] * 1000:.2f} ms PostgreSQL CPU; "
                  f"{a['outgoing'] / a['events']:.3f} outgoing messages; {a['bytes_per_event']:,.0f} bytes of database; "
                  f"max latency {a['max_ms']:.0f} ms (A), {b['max_ms']:.0f} ms (B); "
                  f"classifier+App load per process {b['load_s']:.1f}s (not timed)")
            for label, r in (("A", a), ("B", b)):
                print(f"database after {label}: {r['recorded']:,} messages recorded "
                      f"({', '.join(f'{k or chr(45)} {v:,}' for k, v in sorted(r['outcomes'].items(), key=lambda kv: -kv[1]))}), "
                      f"{r['tickets']:,} tickets, {r['outbox']:,} outbox rows, {r['failed_reviews']} failed")
            aims = {"per_process_eps>=1000": a["eps_total"] >= 1000, "B/A>=1.6": ratio >= 1.6}
            figures.update(A=_strip(a), B=_strip(b), bare_1p=_strip(b1), bare_2p=_strip(b2), ratio_B_A=ratio,
                           ratio_bare=bare_ratio, cpu_ms_per_event=cpu_per_event * 1000, cpu_ceiling_ratio=ceiling)
            capacity(args, figures, a, b, cpus)
        else:
            aims = {}
        if not args.no_sweep:
            from bot.classifier import load_classifier
            from bot.settings import load_settings

            classifier = load_classifier(load_settings(NO_ENV, environ={}))
            s = sweep_part(server, "county_base", args, classifier)
            print()
            print(f"sweep: {s['open']:,} open tickets over {args.rooms:,} grids "
                  f"({', '.join(f'{k} {v:,}' for k, v in sorted(s['statuses'].items(), key=lambda kv: -kv[1]))}), "
                  f"{s['due']:,} due now ({args.due:.1%}), {s['history_events']:,} history rows; "
                  f"loaded by COPY + VACUUM ANALYZE in {s['load_s']:.1f}s, database {s['db_bytes'] / 2**20:,.0f} MiB; "
                  f"{args.sweep_runs} runs, each on a fresh copy (medians)")
            print(f"{'what':<58}{'seconds':>10}{'outgoing':>10}{'ratio to count':>16}")
            print(f"{'SELECT count(*) of open tickets (baseline)':<58}{s['count_s']:>10.3f}{'':>10}{1.0:>16.2f}")
            print(f"{'App.tick(now): the due backlog':<58}{s['tick_s']:>10.3f}{s['tick_out']:>10,.0f}"
                  f"{s['tick_s'] / s['count_s']:>16.2f}")
            print(f"{'App.tick(now + 1 min): what fell due in that minute':<58}{s['next_minute_s']:>10.3f}"
                  f"{s['next_minute_out']:>10,.0f}{s['next_minute_s'] / s['count_s']:>16.2f}")
            print(f"{'App.tick again at once: nothing due':<58}{s['idle_s']:>10.3f}{0:>10}"
                  f"{s['idle_s'] / s['count_s']:>16.2f}")
            print(f"tick runs (s): {', '.join(f'{x:.3f}' for x in s['tick_runs_s'])}")
            aims["sweep<1s"] = s["tick_s"] < 1.0
            figures["sweep"] = s
        print()
        print("aims: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in aims.items()))
        figures["aims"] = aims
        figures["total_s"] = time.perf_counter() - t_all
        print(f"total time {figures['total_s']:.0f}s")
        print(json.dumps(figures, ensure_ascii=False, default=str))
    finally:
        server.stop()
    return 0


def _strip(r: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items() if k != "lat"}


def capacity(args, figures: dict, a: dict, b: dict, cpus: int) -> None:
    """What one machine like this serves at the stated message rate, and what runs out first."""
    rate = args.msgs_per_group_day * args.peak_share / 3600  # messages per second per group in the peak hour
    machine_eps = max(a["eps_total"], b["eps_total"])
    groups = machine_eps / rate
    county_eps = args.county_groups * rate
    out_ratio = a["outgoing"] / a["events"]
    from bot.settings import load_settings

    limit = load_settings(NO_ENV, environ={}).rate_total_per_minute
    out_per_group_min = rate * 60 * out_ratio
    groups_per_account = limit / out_per_group_min if out_per_group_min else float("inf")
    day_bytes = args.county_groups * args.msgs_per_group_day * a["bytes_per_event"]
    bot_share = a["client_cpu_s"] / (a["client_cpu_s"] + a["server_cpu_s"])
    print()
    print(f"capacity (assumed, not measured: {args.msgs_per_group_day:.0f} messages per group per day, "
          f"{args.peak_share:.0%} of them in the peak hour = {rate * 3600:.1f} messages per group in that hour):")
    print(f"  this machine ({cpus} CPUs) handles {machine_eps:,.0f} events/s "
          f"(best of A and B) -> {groups:,.0f} groups at peak")
    print(f"  常德-sized county ({args.county_groups:,} groups, about 2.6 million people): "
          f"{county_eps:.1f} events/s at peak = {county_eps / machine_eps:.1%} of this machine; "
          f"database growth {day_bytes / 2**20:,.0f} MiB per day")
    print(f"  limiting resource on the machine: CPU ({bot_share:.0%} of it in the bot's Python, the rest in PostgreSQL; "
          f"machine busy {b['machine_busy']:.0%} in B)")
    print(f"  before the machine: the WeChat sending account - {out_ratio:.3f} outgoing messages per event and "
          f"GRIDBOT_RATE_TOTAL_PER_MINUTE={limit} allow {groups_per_account:,.0f} groups per account at peak, "
          f"so a {args.county_groups:,}-group county needs at least "
          f"{max(1, -(-args.county_groups // max(1, int(groups_per_account)))):,} sending accounts")
    figures["capacity"] = {"assumed_msgs_per_group_day": args.msgs_per_group_day, "assumed_peak_share": args.peak_share,
                           "peak_eps_per_group": rate, "machine_eps": machine_eps, "groups_per_machine": groups,
                           "county_groups": args.county_groups, "county_peak_eps": county_eps,
                           "county_share_of_machine": county_eps / machine_eps, "outgoing_per_event": out_ratio,
                           "rate_total_per_minute": limit, "groups_per_account": groups_per_account,
                           "county_db_mib_per_day": day_bytes / 2**20, "bot_cpu_share": bot_share}


if __name__ == "__main__":
    raise SystemExit(main())
