"""Test and bench helpers: the mock gateway (gateway/mock-driver.js) and the real bot process."""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GATEWAY = ROOT / "gateway"
TOKEN = "gridbot-test-token"
BOT = {"id": "gridbot-self", "name": "网格小助手"}
RESIDENT = {"id": "resident-1", "name": "张阿姨"}
WATER = {"id": "worker-water", "name": "王水务"}
GRID = {"id": "worker-grid", "name": "王网格"}
ROOM = {"id": "grid-room-1@chatroom", "topic": "幸福里测试网格群"}
STRANGER_ROOM = {"id": "other-room@chatroom", "topic": "无关的群"}


def world() -> dict[str, Any]:
    """The mock WeChat: the bot, a resident and two workers in one roster room, and a room not in the roster."""
    members = [BOT["id"], RESIDENT["id"], WATER["id"], GRID["id"]]
    return {
        "bot": BOT,
        "contacts": [RESIDENT, WATER, GRID],
        "rooms": [{**ROOM, "members": members}, {**STRANGER_ROOM, "members": members}],
    }


def roster_csv() -> str:
    return (
        "grid,room,role,name,contact_id\n"
        f"测试网格,{ROOM['topic']},comprehensive,{GRID['name']},{GRID['id']}\n"
        f"测试网格,{ROOM['topic']},water,{WATER['name']},{WATER['id']}\n"
    )


def node_missing_reason() -> str | None:
    """Why the gateway cannot run here (no node/npm, or no registry and no cached install), or None."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "node/npm is not installed"
    return None


def install_gateway(timeout: float = 300) -> str | None:
    """`npm ci` into gateway/node_modules unless already installed from this lock; None or why not."""
    stamp = GATEWAY / "node_modules" / ".gridbot-lock"
    lock = (GATEWAY / "package-lock.json").read_text(encoding="utf-8")
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == lock:
        return None
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=GATEWAY, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return "npm ci failed (is the npm registry reachable?): " + " | ".join(tail)
    stamp.write_text(lock, encoding="utf-8")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MockGateway:
    """gateway/mock-driver.js as a child process: commands in, events out (JSON lines)."""

    def __init__(self, port: int, token: str = TOKEN, world_: dict[str, Any] | None = None) -> None:
        self.port = port
        env = {**os.environ, "GATEWAY_PORT": str(port), "WECHATY_PUPPET_SERVICE_TOKEN": token,
               "MOCK_WORLD": json.dumps(world_ or world(), ensure_ascii=False), "WECHATY_LOG": "warn"}
        self.proc = subprocess.Popen(["node", "mock-driver.js"], cwd=GATEWAY, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.events: "queue.Queue[dict[str, Any]]" = queue.Queue()
        self.bot_messages: list[dict[str, Any]] = []
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()  # type: ignore[arg-type]
        self.expect("ready", timeout=30)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            event["at"] = time.monotonic()
            if event["event"] == "bot":
                self.bot_messages.append(event)
            self.events.put(event)

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()

    def expect(self, kind: str, timeout: float = 20, where: Any = None) -> dict[str, Any]:
        """The next event of this kind (and matching `where`), failing after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind!r} event within {timeout} s; gateway stderr: {''.join(self.stderr)[-2000:]}")
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event["event"] == "error":
                raise AssertionError(f"mock driver error: {event['message']}")
            if event["event"] == kind and (where is None or where(event)):
                return event

    def say(self, sender: dict[str, str], text: str, room: dict[str, str] | None = ROOM,
            to: dict[str, str] | None = None) -> str:
        """Post as a contact in a room (or privately to `to`); returns the message id."""
        cmd: dict[str, Any] = {"op": "say", "from": sender["id"], "text": text}
        cmd.update({"room": room["id"]} if to is None and room else {"to": (to or BOT)["id"]})
        self.send(**cmd)
        return self.expect("said")["id"]

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class BotProcess:
    """`python -m bot run` against a gateway, with its own database and roster."""

    def __init__(self, workdir: Path, port: int, token: str = TOKEN, extra_env: dict[str, str] | None = None,
                 command: list[str] | None = None, roster_text: str | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.db = workdir / "gridbot.db"
        roster = workdir / "roster.csv"
        roster.write_text(roster_text or roster_csv(), encoding="utf-8")
        env = {**os.environ,
               "WECHATY_PUPPET_SERVICE_TOKEN": token,
               "WECHATY_PUPPET_SERVICE_ENDPOINT": f"127.0.0.1:{port}",
               "GRIDBOT_DATABASE_URL": f"sqlite:///{self.db}",
               "GRIDBOT_ROSTER": str(roster),
               "GRIDBOT_LOG_LEVEL": "INFO",
               "PYTHONUNBUFFERED": "1",
               **(extra_env or {})}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(command or [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        self.lines: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def wait_for(self, needle: str, timeout: float = 60, after: int = 0) -> float:
        """Seconds since start when a log line containing `needle` appeared (searching from line `after`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in self.lines[after:]:
                if needle in line:
                    return at - self.started
            if self.proc.poll() is not None and not any(needle in l for _, l in self.lines[after:]):
                time.sleep(0.2)
                if not any(needle in l for _, l in self.lines[after:]):
                    raise AssertionError(f"bot exited ({self.proc.returncode}) before {needle!r}:\n{self.output()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no {needle!r} within {timeout} s:\n{self.output()[-3000:]}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
