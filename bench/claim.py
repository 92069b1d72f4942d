"""Delivery claims at county size: one account's claim among many accounts' waiting messages, on PostgreSQL.

    .venv/bin/python bench/claim.py ROOMS UNSENT      e.g. bench/claim.py 14000 50000

20 accounts share ROOMS rooms (each room in one account) and 2,000 contacts; UNSENT rows wait in the
outbox beside 100,000 sent ones. Prints three claims of 50 rows by one account (each released again),
beside a bare SELECT ... FOR UPDATE SKIP LOCKED of the oldest 50 unsent rows. Every bot process claims
about once a second, so this is its steady database cost.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from tests import pg  # noqa: E402

ACCOUNTS = 20


def main(rooms_n: int, unsent: int) -> None:
    from bot import delivery
    from bot.db import make_engine
    from models import Outbox

    reason = pg.unavailable_reason()
    if reason:
        print(f"skipped: {reason}")
        return
    server = pg.start()
    try:
        engine = make_engine(pg.fresh_database(server, "claim"))
        now = datetime.now(timezone.utc)
        rooms = [f"R{i}" for i in range(rooms_n)]
        for a in range(ACCOUNTS):
            delivery.register(engine, f"a{a:02d}", "x", now)
            delivery.set_reach(engine, f"a{a:02d}", set(rooms[a::ACCOUNTS]), {f"c{j}" for j in range(a, 2000, ACCOUNTS)}, now)
        with engine.begin() as conn:
            conn.execute(Outbox.__table__.insert(), [dict(room=rooms[i % rooms_n], text="x", mentions=[], created_at=now)
                                                     for i in range(unsent)])
            conn.execute(Outbox.__table__.insert(), [dict(room=rooms[i % rooms_n], text="x", mentions=[], created_at=now,
                                                          sent_at=now) for i in range(100_000)])
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        bare = []
        for _ in range(3):  # baseline: the oldest 50 unsent rows, no account, no claim
            with engine.begin() as conn:
                start = time.perf_counter()
                conn.execute(sa.text("SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 50 "
                                     "FOR UPDATE SKIP LOCKED")).all()
                bare.append(time.perf_counter() - start)
        print(f"baseline: bare SELECT of 50 unsent rows, median {statistics.median(bare) * 1000:.1f} ms")
        for _ in range(3):
            start = time.perf_counter()
            got = delivery.claim(engine, "a03", now, live=timedelta(seconds=60), limit=50)
            print(f"claim {len(got)} rows in {(time.perf_counter() - start) * 1000:.1f} ms")
            delivery.release(engine, "a03")
        engine.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 14_000, int(sys.argv[2]) if len(sys.argv) > 2 else 50_000)
