"""Start a throw-away PostgreSQL server for tests, when its binaries are installed."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass
class PgServer:
    url: str
    datadir: str
    _run: list[str]

    def stop(self) -> None:
        subprocess.run(self._run + [_bin("pg_ctl"), "-D", self.datadir, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(os.path.dirname(self.datadir), ignore_errors=True)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or ([shutil.which(name)] if shutil.which(name) else [])
    if not found:
        raise FileNotFoundError(name)
    return found[-1]


def unavailable_reason() -> str | None:
    try:
        _bin("initdb")
        _bin("pg_ctl")
    except FileNotFoundError:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "psycopg2 is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> PgServer:
    """initdb into a temp folder and start a server on a free loopback port (trust auth)."""
    root = tempfile.mkdtemp(prefix="gridbot-pg-")
    datadir = os.path.join(root, "data")
    run: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        run = ["runuser", "-u", "postgres", "--"]
    subprocess.run(run + [_bin("initdb"), "-D", datadir, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True, timeout=120)
    port = _free_port()
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} -c fsync=off"
    subprocess.run(run + [_bin("pg_ctl"), "-D", datadir, "-o", opts, "-l", os.path.join(root, "log"), "-w",
                          "start"], check=True, capture_output=True, timeout=120)
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 30
    import psycopg2

    while True:
        try:
            psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres").close()
            break
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return PgServer(url=url, datadir=datadir, _run=run)


def fresh_database(server: PgServer, name: str) -> str:
    """A new empty database on the server; its URL."""
    import psycopg2

    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return server.url.rsplit("/", 1)[0] + f"/{name}"
