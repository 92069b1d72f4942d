"""`gridbot` (and `python -m bot`): run, replay, classify, tickets, roster, digest (CONTRACT.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Sequence

from bot.settings import Settings, SettingsError, load_settings


class UsageError(Exception):
    """Bad usage or unreadable input: exit 2 with one line on stderr."""


Handler = Callable[[argparse.Namespace, Settings], int]


def runner(fn: Handler) -> Callable[[argparse.Namespace], int]:
    """Load settings (with --db), run the command, map input mistakes to exit 2 without a traceback."""
    from bot.roster import RosterError

    def run(args: argparse.Namespace) -> int:
        try:
            overrides = {}
            if getattr(args, "db", None):
                from bot.settings import _database_url

                overrides["database_url"] = _database_url(args.db)
            settings = load_settings(args.env, **overrides)
            logging.basicConfig(level=getattr(logging, settings.log_level), stream=sys.stderr,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            return fn(args, settings)
        except (SettingsError, UsageError) as exc:
            print(f"gridbot {args.command}: {exc}", file=sys.stderr)
            return 2
        except RosterError as exc:
            print(f"gridbot {args.command}: roster {exc.source}: " + "; ".join(exc.problems), file=sys.stderr)
            return 2
        except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
            print(f"gridbot {args.command}: cannot read input: {exc}", file=sys.stderr)
            return 2
        except ValueError as exc:  # e.g. a malformed --db URL
            print(f"gridbot {args.command}: {exc}", file=sys.stderr)
            return 2
    return run


def _app(settings: Settings, roster: Path | None = None):
    from bot.app import App
    from bot.roster import read_roster

    rows = read_roster(roster) if roster is not None else None
    return App.create(settings, roster=rows)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.uses_wechaty:
        from bot.transports.wechaty_transport import run

        return run(settings)
    from bot.transports.console import Console

    app = _app(settings)
    try:
        return Console(app).run()
    finally:
        app.close()


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from bot.transports.replay import Replayer, written_outbox_ids

    events = Path(args.events)
    if not events.is_file():
        raise UsageError(f"{events}: no such file")
    until = None
    if args.until:
        try:
            until = datetime.fromisoformat(args.until)
        except ValueError:
            raise UsageError(f"--until {args.until!r} 不是 ISO-8601 时间") from None
        if until.tzinfo is None:
            raise UsageError(f"--until {args.until!r} 缺少时区（例如 +08:00）")
        if not 2000 <= until.year <= 2100:
            raise UsageError(f"--until {args.until!r} 不在 2000–2100 年之间")
    app = _app(settings, Path(args.roster))
    # A database that has seen messages means a resumed replay: its actions file is appended to
    # (never wiped), and what the outbox holds unwritten is written first. A new database starts afresh.
    resuming = app.has_history()
    written = written_outbox_ids(args.out) if args.out and resuming else set()
    out = open(args.out, "a" if resuming else "w", encoding="utf-8") if args.out else sys.stdout
    try:
        with events.open("rb") as fh:  # bytes: a bad byte spoils its own line only, and \r splits nothing
            replayer = Replayer(app, out)
            replayer.resume(written)
            result = replayer.feed(fh, str(events))
            if until is not None:
                replayer.advance(until)
            if replayer.clock is not None:
                replayer.flush_sent(replayer.clock)
    finally:
        if out is not sys.stdout:
            out.close()
        app.close()
    print(f"replayed {result.events} events, {result.bad_lines} bad lines skipped, {result.actions} actions",
          file=sys.stderr)
    return 2 if result.bad_lines else 0


def _session(settings: Settings):
    """A session for reading commands; a missing SQLite file is an input mistake, not a new database."""
    from sqlalchemy.engine import make_url
    from sqlmodel import Session

    from bot.db import make_engine

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not Path(url.database).is_file():
        raise UsageError(f"no database at {url.database} (start the bot or replay events first)")
    return Session(make_engine(settings.database_url))


def cmd_tickets(args: argparse.Namespace, settings: Settings) -> int:
    from bot import exporting, repo

    with _session(settings) as session:
        if args.action == "export":
            exporting.export(session, sys.stdout, settings.tz, args.format)
            return 0
        grids = {g.id: g for g in repo.grids(session)}
        if args.action == "list":
            for t in repo.all_tickets(session):
                if args.all or t.status != "closed":
                    print(exporting.list_line(t, grids[t.grid_id], settings.tz,
                                              repo.assignee_names(session, ticket_id=t.id)))
            return 0
        if args.number is None:
            raise UsageError("tickets show needs a ticket number")
        ticket = repo.ticket_by_id(session, ticket_id=args.number)
        if ticket is None:
            raise UsageError(f"no ticket #{args.number}")
        print(exporting.history(session, ticket, grids[ticket.grid_id], settings.tz), end="")
        return 0


def cmd_roster(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import make_engine, unit_of_work
    from bot.roster import import_roster, read_roster

    rows = read_roster(Path(args.file))
    with unit_of_work(make_engine(settings.database_url)) as session:
        counts = import_roster(session, rows)
    print(f"imported {counts['members']} roster rows in {counts['grids']} grid(s)")
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot import repo
    from bot.digest import digest_text

    try:
        day = date.fromisoformat(args.date) if args.date else datetime.now(settings.tz).date() - timedelta(days=1)
    except ValueError:
        raise UsageError(f"--date {args.date!r} is not YYYY-MM-DD") from None
    with _session(settings) as session:
        grids = repo.grids(session, name=args.grid)
        if not grids:
            raise UsageError(f"no grid named {args.grid!r}" if args.grid else "no grids: import a roster first")
        print("\n\n".join(digest_text(session, grid=g, day=day, tz=settings.tz) for g in grids))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridbot", description="网格小助手 gridbot")
    parser.add_argument("--env", default=None, help="the .env file to read (default: the project's .env)")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, help="SQLAlchemy database URL (default: GRIDBOT_DATABASE_URL)")

    def add(name: str, fn: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, parents=[common])
        p.set_defaults(handler=runner(fn))
        return p

    add("run", cmd_run, "start the bot (WeChat when a gateway is configured, else the console)")
    p = add("replay", cmd_replay, "feed chat events (JSON Lines) through the bot on a virtual clock")
    p.add_argument("events")
    p.add_argument("--roster", required=True)
    p.add_argument("--out", default=None, help="write actions here (default: stdout)")
    p.add_argument("--until", default=None, help="keep the virtual clock running to this ISO time at the end")
    p = add("tickets", cmd_tickets, "export, list or show tickets")
    p.add_argument("action", choices=["export", "list", "show"])
    p.add_argument("number", nargs="?", type=int)
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("--all", action="store_true", help="list closed tickets too")
    p = add("roster", cmd_roster, "import a roster CSV")
    p.add_argument("action", choices=["import"])
    p.add_argument("file")
    p = add("digest", cmd_digest, "print the daily digest")
    p.add_argument("--date", default=None, help="YYYY-MM-DD (default: yesterday)")
    p.add_argument("--grid", default=None)

    from bot import model_cli as classifier_cli

    before = set(sub.choices)
    classifier_cli.register(sub, runner)
    for name in set(sub.choices) - before:
        sub.choices[name].add_argument("--db", default=None, help="SQLAlchemy database URL")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        code = args.handler(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # the reader went away (`gridbot tickets list | head -1`): not an error
        from bot.exporting import discard_broken_pipe

        discard_broken_pipe(sys.stdout)
        return 0
