"""`gridbot` (and `python -m bot`): run, replay, classify, tickets, roster, digest (CONTRACT.md)."""

from __future__ import annotations

import argparse
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
            db = getattr(args, "db", None) or getattr(args, "db_top", None)  # before or after the command
            if db:
                from bot.settings import _database_url

                overrides["database_url"] = _database_url(db)
            settings = load_settings(args.env, **overrides)
            from bot.logsetup import configure

            configure(settings.log_level, settings.log_file,
                      console_mode=args.command == "run" and not settings.uses_wechaty)
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


def _day(value: str) -> date:
    """A --date argument, or a one-line usage error."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--date {value!r} is not YYYY-MM-DD（日期要写成 2026-11-20 这样）") from None


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
        return Console(app).start()
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
            day = _day(args.date) if args.date else None
            wanted_grid = {g.id for g in grids.values() if args.grid in (g.name, g.room)} if args.grid else None
            if args.grid and not wanted_grid:
                raise UsageError(f"没有叫 {args.grid!r} 的网格")
            for t in repo.all_tickets(session):
                if wanted_grid is not None and t.grid_id not in wanted_grid:
                    continue
                if args.status and t.status != args.status:
                    continue
                if args.overdue and not t.overdue:
                    continue
                if day is not None and t.created_at.astimezone(settings.tz).date() != day:
                    continue
                if args.all or args.status or t.status != "closed":
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
    from bot.roster import export_roster, import_roster_file, list_roster, remove_grid

    engine = make_engine(settings.database_url)
    with unit_of_work(engine) as session:
        if args.action == "import":
            if not args.target:
                raise UsageError("roster import 需要花名册文件")
            result = import_roster_file(session, Path(args.target))
            for warning in result.warnings:
                print(f"提醒：{warning}", file=sys.stderr)
            print(f"导入了 {result['members']} 人，{result['grids']} 个网格")
        elif args.action == "list":
            lines = list_roster(session, args.grid or args.target)
            print("\n".join(lines) if lines else "花名册是空的。请运行 gridbot roster import 花名册.csv")
        elif args.action == "export":
            out = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False, newline="")
            with out:
                export_roster(session, out, args.grid)
        else:
            if not args.target:
                raise UsageError("roster remove 需要网格名")
            removed = remove_grid(session, args.target, force=args.force)
            print(f"已从网格 {args.target} 移除 {removed} 人")
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot import migrate

    try:
        before, after = migrate.upgrade(settings.database_url)
    except migrate.MigrationError as exc:
        raise UsageError(str(exc)) from None
    if before == after:
        print(f"数据库已是最新版本 {after}")
    else:
        print(f"数据库已建好（{after}）" if before is None else f"数据库已从 {before} 升级到 {after}，数据都保留了")
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from bot.doctor import run_checks

    checks = run_checks(settings)
    for check in checks:
        print(f"{'✓' if check.ok else '✗'} {check.name}：{check.line}")
    return 0 if all(c.ok for c in checks) else 1


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot import repo
    from bot.digest import digest_text

    day = _day(args.date) if args.date else datetime.now(settings.tz).date() - timedelta(days=1)
    with _session(settings) as session:
        grids = repo.grids(session, name=args.grid)
        if not grids:
            raise UsageError(f"no grid named {args.grid!r}" if args.grid else "no grids: import a roster first")
        print("\n\n".join(digest_text(session, grid=g, day=day, tz=settings.tz) for g in grids))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridbot", description="网格小助手 gridbot：网格微信群的诉求助手")
    parser.add_argument("--env", default=None, help="读取哪个配置文件（默认：项目目录下的 .env）")
    parser.add_argument("--db", dest="db_top", default=None, help="数据库地址（SQLAlchemy URL），写在命令前后都可以")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, help="数据库地址（SQLAlchemy URL；默认 GRIDBOT_DATABASE_URL）")

    def add(name: str, fn: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, parents=[common])
        p.set_defaults(handler=runner(fn))
        return p

    add("run", cmd_run, "启动机器人（配置了微信网关就接微信，否则是控制台群聊）")
    p = add("replay", cmd_replay, "回放聊天记录（JSON Lines），按记录里的时间走虚拟时钟")
    p.add_argument("events", help="聊天记录文件")
    p.add_argument("--roster", required=True, help="花名册 CSV")
    p.add_argument("--out", default=None, help="机器人的动作写到这个文件（默认：屏幕）")
    p.add_argument("--until", default=None, help="最后把虚拟时钟走到这个时间（ISO 格式，带时区）")
    p = add("tickets", cmd_tickets, "导出、列出或查看工单")
    p.add_argument("action", choices=["export", "list", "show"], help="export 导出 / list 列出 / show 查看")
    p.add_argument("number", nargs="?", type=int, help="工单号（show 用）")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="导出格式")
    p.add_argument("--all", action="store_true", help="也列出已办结的工单")
    p.add_argument("--grid", default=None, help="list：只列这个网格（网格名或群名）")
    p.add_argument("--status", default=None, choices=["awaiting_provider", "reported", "accepted", "resolved",
                                                     "reopened", "closed"], help="list：只列这个状态")
    p.add_argument("--date", default=None, help="list：只列这一天新建的（YYYY-MM-DD）")
    p.add_argument("--overdue", action="store_true", help="list：只列超期的")
    p = add("roster", cmd_roster, "花名册：导入、列出、导出、删除网格")
    p.add_argument("action", choices=["import", "list", "export", "remove"],
                   help="import 导入文件 / list 列出 / export 导出 CSV / remove 删除一个网格")
    p.add_argument("target", nargs="?", default=None, help="import：花名册文件；remove：网格名；list：网格名（可不写）")
    p.add_argument("--grid", default=None, help="list / export：只看这个网格")
    p.add_argument("--force", action="store_true", help="remove：网格还有工单时，只清空它的成员")
    p = add("digest", cmd_digest, "打印日报")
    p.add_argument("--date", default=None, help="日期 YYYY-MM-DD（默认：昨天）")
    p.add_argument("--grid", default=None, help="只看这个网格")
    add("doctor", cmd_doctor, "检查数据库、数据库版本、模型、花名册和微信网关，每项一行")
    p = add("db", cmd_db, "数据库：upgrade 建表或升级到当前版本（保留所有数据）")
    p.add_argument("action", choices=["upgrade"], help="upgrade 升级")

    from bot import model_cli as classifier_cli

    before = set(sub.choices)
    classifier_cli.register(sub, runner)
    for name in set(sub.choices) - before:
        sub.choices[name].add_argument("--db", default=None, help="数据库地址（SQLAlchemy URL）")
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
