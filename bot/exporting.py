"""Tickets as the export objects of CONTRACT.md, and a ticket's history for `tickets show`."""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from datetime import datetime
from typing import IO, Iterable
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import repo
from bot.texts import COLOR_NAMES, EVENT_NAMES, STATUS_NAMES, category_label

SATISFACTION_NAMES = {"satisfied": "满意", "unsatisfied": "不满意"}
from models import Grid, Ticket

EXPORT_FIELDS = ["id", "grid", "room", "category", "provider", "urgent", "status", "created_at", "reporter",
                 "reports", "assignees", "accepted_at", "resolved_at", "closed_at", "satisfaction"]


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def ticket_object(session: Session, ticket: Ticket, grid: Grid, tz: ZoneInfo) -> dict:
    reports = repo.reports_of(session, ticket_id=ticket.id)
    return {
        "id": ticket.id, "grid": grid.name, "room": grid.room, "category": ticket.category,
        "provider": ticket.provider, "urgent": ticket.urgent, "status": ticket.status,
        "created_at": _iso(ticket.created_at, tz), "reporter": ticket.reporter,
        "reports": [{"ts": _iso(r.ts, tz), "sender": r.sender, "text": r.text, "msg_id": r.msg_id} for r in reports],
        "assignees": repo.assignee_names(session, ticket_id=ticket.id), "accepted_at": _iso(ticket.accepted_at, tz),
        "resolved_at": _iso(ticket.resolved_at, tz), "closed_at": _iso(ticket.closed_at, tz),
        "satisfaction": ticket.satisfaction,
        "color": ticket.color, "location": ticket.location, "households": ticket.report_count,
        "overdue": ticket.overdue, "owner_role": ticket.owner_role,
    }


def export(session: Session, out: IO[str], tz: ZoneInfo, fmt: str = "jsonl") -> int:
    """Write every ticket to `out`; returns how many were written.

    A reader that goes away early (`gridbot tickets export | head -1`) ends the export quietly: what it
    did not read is dropped, and `out` is pointed at the null device so that closing it at exit does not
    fail again.
    """
    grids = {g.id: g for g in repo.grids(session)}
    objects = (ticket_object(session, t, grids[t.grid_id], tz) for t in repo.all_tickets(session))
    count = 0
    try:
        if fmt == "jsonl":
            for obj in objects:
                out.write(json.dumps(obj, ensure_ascii=False) + "\n")
                count += 1
        else:
            count = _write_csv(objects, out)
        out.flush()
    except BrokenPipeError:
        discard_broken_pipe(out)
    return count


def discard_broken_pipe(out: IO[str]) -> None:
    """After a broken pipe: point `out` at the null device, so that what is still buffered (and the flush
    at exit) goes nowhere instead of failing again. Usable for any command writing to sys.stdout."""
    try:
        fd = out.fileno()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


# A cell starting with one of these is run as a formula by Excel and other spreadsheets (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a leading formula character gets a quote before it."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# The CSV is for people with Excel: Chinese headers and values, one column per field, no JSON in a cell.
CSV_COLUMNS = ["工单号", "网格", "群", "类别", "紧急", "状态", "超期", "上报时间", "首报人", "反映户数", "反映记录",
               "负责人", "接单时间", "办结时间", "关闭时间", "满意度", "地点"]


def _local(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""


def _csv_row(obj: dict) -> list[object]:
    reports = "\n".join(f"{_local(r['ts'])[11:]} {r['sender']}：{r['text']}" for r in obj["reports"])
    return [obj["id"], obj["grid"], obj["room"], category_label(obj["category"], obj["provider"]),
            "是" if obj["urgent"] else "否", STATUS_NAMES.get(obj["status"], obj["status"]),
            "是" if obj["overdue"] else "否", _local(obj["created_at"]), obj["reporter"], obj["households"], reports,
            "、".join(obj["assignees"]), _local(obj["accepted_at"]), _local(obj["resolved_at"]),
            _local(obj["closed_at"]), SATISFACTION_NAMES.get(obj["satisfaction"] or "", ""), obj["location"] or ""]


def _write_csv(objects: Iterable[dict], out: IO[str]) -> int:
    """UTF-8 with a BOM (Excel on Chinese Windows then reads it right), CRLF rows, formulas defused."""
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for obj in objects:
        writer.writerow([_cell(v) for v in _csv_row(obj)])
        count += 1
    return count


def one_line(value: object) -> str:
    """Text for a one-line display: control characters (newlines, tabs, escapes) become spaces."""
    text = "" if value is None else str(value)
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)


def list_line(ticket: Ticket, grid: Grid, tz: ZoneInfo, assignees: list[str]) -> str:
    created = ticket.created_at.astimezone(tz).strftime("%m-%d %H:%M")
    flag = " 超期" if ticket.overdue else ""
    return (f"#{ticket.id:<5} {created}  {one_line(grid.name)}  {category_label(ticket.category, ticket.provider)}  "
            f"{STATUS_NAMES.get(ticket.status, ticket.status)}{flag}  {ticket.report_count}户  "
            f"{one_line('、'.join(assignees)) or '-'}")


def history(session: Session, ticket: Ticket, grid: Grid, tz: ZoneInfo) -> str:
    """The whole life of a ticket (办理全程可查、可追溯)."""
    buf = io.StringIO()
    buf.write(list_line(ticket, grid, tz, repo.assignee_names(session, ticket_id=ticket.id)) + "\n")
    buf.write(f"颜色 {COLOR_NAMES.get(ticket.color, ticket.color)}  地点 {one_line(ticket.location) or '-'}  "
              f"满意度 {SATISFACTION_NAMES.get(ticket.satisfaction, '-')}\n")
    buf.write("反映记录:\n")
    for r in repo.reports_of(session, ticket_id=ticket.id):
        buf.write(f"  {r.ts.astimezone(tz):%m-%d %H:%M}  {one_line(r.sender)}: {one_line(r.text[:80])}\n")
    buf.write("办理过程:\n")
    for e in repo.events_of(session, ticket_id=ticket.id):
        detail = f"  {one_line(e.detail)}" if e.detail else ""
        action = EVENT_NAMES.get(e.action, e.action)
        buf.write(f"  {e.ts.astimezone(tz):%m-%d %H:%M}  {one_line(e.actor)}  {action}{detail}\n")
    return buf.getvalue()
