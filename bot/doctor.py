"""`gridbot doctor`: one line per check, each ok or what is wrong and how to mend it (CONTRACT.md)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Callable

from bot.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    line: str


def _database(settings: Settings) -> Check:
    from sqlalchemy import text

    from bot.db import make_engine

    try:
        engine = make_engine(settings.database_url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # the settings check gives a Chinese line; anything else, its type
        return Check("数据库", False, f"连不上：{str(exc).splitlines()[0][:160]}。请检查 GRIDBOT_DATABASE_URL")
    return Check("数据库", True, "可以连接")


def _schema(settings: Settings) -> Check:
    try:
        from bot import migrate
    except ImportError:
        return Check("数据库版本", True, "（本版本没有迁移）")
    try:
        current, head = migrate.current(settings.database_url), migrate.head()
    except Exception as exc:
        return Check("数据库版本", False, f"读不出：{type(exc).__name__}。请运行 gridbot db upgrade")
    if current != head:
        return Check("数据库版本", False, f"是 {current or '无'}，应为 {head}。请运行 gridbot db upgrade")
    return Check("数据库版本", True, f"{head}（最新）")


def _model(settings: Settings) -> Check:
    from bot.classifier.training import ARTEFACT, is_stale, saved_meta
    from bot.corrections import stored_corrections

    meta = saved_meta(settings.model_dir)
    if meta is None or not (settings.model_dir / ARTEFACT).is_file():
        return Check("分类模型", False, f"{settings.model_dir} 里没有模型。请运行 gridbot train")
    if is_stale(settings, stored_corrections(settings.database_url)):
        return Check("分类模型", False, "比训练数据旧（照旧可用）。请运行 gridbot train")
    return Check("分类模型", True, f"{meta.get('version')}，{meta.get('n_train')} 条训练数据")


UNRESOLVED_LIMIT = 10  # roster names without a contact id shown before "等 N 人"


def _roster(settings: Settings) -> Check:
    from sqlmodel import Session, select

    from bot.db import make_engine
    from models import Grid, Member

    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            grids = list(session.exec(select(Grid).order_by(Grid.id)))
            members = list(session.exec(select(Member).order_by(Member.id)))
    finally:
        engine.dispose()
    if not grids:
        return Check("花名册", False, "没有任何网格。请运行 gridbot roster import 花名册.csv")
    problems = []
    unresolved: list[str] = []  # "网格（群「…」）：张三、李四" per grid with names lacking a contact id
    total = 0
    for grid in grids:
        roles = {m.role for m in members if m.grid_id == grid.id}
        if "comprehensive" not in roles:
            problems.append(f"{grid.name} 没有综合网格员")
        names = list(dict.fromkeys(m.name for m in members if m.grid_id == grid.id and not m.contact_id))
        shown = max(0, UNRESOLVED_LIMIT - total)
        if names and shown:
            unresolved.append(f"{grid.name}（群「{grid.room}」）：{'、'.join(names[:shown])}")
        total += len(names)
    sentences = []
    if problems:
        sentences.append("；".join(problems[:5]) + "。请补全花名册后重新导入")
    if total:
        more = f" 等 {total} 人" if total > UNRESOLVED_LIMIT else f"，共 {total} 人"
        sentences.append(f"还没有微信 id（contact_id）：{'；'.join(unresolved)}{more}。"
                         "接上微信后启动机器人（gridbot run），它会按群昵称和微信名在群里找到这些人；"
                         "找不到或重名的，请在花名册里填上 contact_id 后重新导入（gridbot roster import）")
    if sentences:
        return Check("花名册", False, "。".join(sentences))
    return Check("花名册", True, f"{len(grids)} 个网格，{len(members)} 人")


def _gateway(settings: Settings) -> Check | None:
    if not settings.uses_wechaty:
        return None
    host, _, port = settings.wechaty_endpoint.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=3):
            pass
    except (OSError, ValueError) as exc:
        return Check("微信网关", False, f"{settings.wechaty_endpoint} 连不上（{type(exc).__name__}）。"
                                   "请先启动网关：make gateway 或 systemctl start gridbot-gateway")
    return Check("微信网关", True, f"{settings.wechaty_endpoint} 可以连接（登录状态看网关日志）")


def _accounts(settings: Settings) -> Check | None:
    """Bot accounts on this database: who is alive, and roster rooms no live account serves."""
    from datetime import datetime, timedelta, timezone

    from sqlmodel import Session, select

    from bot import attendance, delivery
    from bot.db import make_engine
    from models import Account, AccountRoom, Grid

    engine = make_engine(settings.database_url)
    try:
        now = datetime.now(timezone.utc)
        live = delivery.accounts(engine, now, timedelta(seconds=settings.account_live_seconds))
        with Session(engine) as session:
            accounts = list(session.exec(select(Account).order_by(Account.id)))
            rooms = list(session.exec(select(Grid.room).order_by(Grid.id)))
            attended = set(session.exec(select(AccountRoom.room)))
            gone = attendance.unattended(session, now, timedelta(seconds=settings.account_live_seconds))
    finally:
        engine.dispose()
    if not accounts:
        if not settings.uses_wechaty:
            return None
        return Check("微信账号", False, "还没有账号登录过。请启动 gridbot run（systemctl start gridbot）并用机器人的微信扫码登录")
    names = "、".join(name or aid for aid, name, _ in live) or "无"
    sentences = []
    if gone:
        shown = "；".join(f"群「{room}」从 {at.astimezone(settings.tz):%m-%d %H:%M} 起" for room, at in
                         sorted(gone.items())[:UNRESOLVED_LIMIT])
        sentences.append(f"{len(gone)} 个群没有在线账号：{shown}。请检查在这些群里的账号的网关和 bot 进程"
                         "（journalctl -u gridbot），必要时扫码重新登录")
    never = [room for room in rooms if room not in attended]
    if never:
        sentences.append(f"{len(never)} 个花名册里的群没有任何机器人账号在群里：{'、'.join(never[:UNRESOLVED_LIMIT])}"
                         f"{' 等' if len(never) > UNRESOLVED_LIMIT else ''}。请把一个机器人账号拉进这些群")
    if sentences:
        return Check("微信账号", False, f"在线 {len(live)}/{len(accounts)} 个（{names}）。" + "。".join(sentences))
    return Check("微信账号", True, f"在线 {len(live)}/{len(accounts)} 个（{names}），{len(rooms)} 个群都有人服务")


CHECKS: tuple[Callable[[Settings], Check | None], ...] = (_database, _schema, _model, _roster, _gateway, _accounts)


def run_checks(settings: Settings) -> list[Check]:
    """Every check; a check that cannot run (the database is down) says so instead of failing the rest."""
    out = []
    for check in CHECKS:
        try:
            result = check(settings)
        except Exception as exc:
            result = Check(check.__name__.strip("_"), False, f"检查失败：{type(exc).__name__}")
        if result is not None:
            out.append(result)
    return out
