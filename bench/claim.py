"""Delivery claims at county size: one account's claim among many accounts' waiting messages, on PostgreSQL.

    .venv/bin/python bench/claim.py ROOMS UNSENT      e.g. bench/claim.py 14000 50000

20 accounts share ROOMS rooms (each room in one account) and 2,000 contacts; UNSENT rows wait in the
outbox beside 100,000 sent ones. Prints the time of three claims of 50 rows by one account (each
released again), beside a bare SELECT ... FOR UPDATE SKIP LOCKED of the oldest 50 unsent rows. Every
bot process claims about once a second, so this is its steady database cost.
"""
import sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests import pg
from datetime import datetime, timezone, timedelta
s = pg.start()
try:
    url = pg.fresh_database(s, "claim")
    from bot.db import make_engine
    from bot import delivery
    from models import Outbox
    e = make_engine(url)
    now = datetime.now(timezone.utc)
    rooms = [f"R{i}" for i in range(int(sys.argv[1]))]
    accts = 20
    for a in range(accts):
        delivery.register(e, f"a{a:02d}", "x", now)
        delivery.set_reach(e, f"a{a:02d}", set(rooms[a::accts]), {f"c{j}" for j in range(a, 2000, accts)}, now)
    n = int(sys.argv[2])
    with e.begin() as c:
        c.execute(Outbox.__table__.insert(), [dict(room=rooms[i % len(rooms)], text="x", mentions=[], created_at=now) for i in range(n)])
        c.execute(Outbox.__table__.insert(), [dict(room=rooms[i % len(rooms)], text="x", mentions=[], created_at=now, sent_at=now) for i in range(100000)])
    with e.begin() as c:
        c.exec_driver_sql("ANALYZE")
    import statistics

    import sqlalchemy as sa
    bare = []
    for trial in range(3):  # baseline: the oldest 50 unsent rows, no account, no claim
        with e.begin() as c:
            t = time.perf_counter()
            c.execute(sa.text("SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED")).all()
            bare.append(time.perf_counter() - t)
    print(f"baseline: bare SELECT of 50 unsent rows, median {statistics.median(bare)*1000:.1f} ms")
    for trial in range(3):
        t = time.perf_counter(); got = delivery.claim(e, "a03", now, live=timedelta(seconds=60), limit=50); d = time.perf_counter() - t
        print(f"claim {len(got)} rows in {d*1000:.1f} ms")
        delivery.release(e, "a03")
finally:
    s.stop()
