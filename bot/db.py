"""Engine creation and the one session pattern: a unit of work per message or scheduled run."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

import models  # noqa: F401  (registers the tables)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only, in a private folder."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL, with the schema created; SQLite files are made private."""
    parsed = make_url(url)
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            _prepare_sqlite_file(Path(database))
        else:
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite starts transactions lazily, which breaks SAVEPOINTs: begin explicitly instead, and
        # IMMEDIATE, so that a second process waits for the write lock (busy timeout) rather than
        # failing when its read snapshot cannot be upgraded to a write.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    SQLModel.metadata.create_all(engine)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    dbapi_conn.isolation_level = None


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session that commits once at the end, or rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
