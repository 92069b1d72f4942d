#!/usr/bin/env python3
"""Check labelled days of group chat (data/dialogue/*/NAME.jsonl with NAME.roster.csv and NAME.incidents.json).

usage: python3 data/dialogue/check.py FILE.jsonl [...]   (prints one line per problem; exit 1 if any)
"""
import csv, json, re, sys
from datetime import datetime

CATS = {"water", "power", "telecom", "dispute", "fire", "bank", "other", "none"}
PROVS = {None, "mobile", "telecom", "unicom", "broadcast"}
ROLES = {"comprehensive", "water", "power", "mobile", "telecom", "unicom", "broadcast", "fire", "bank",
         "mediator", "police"}
ACTS = {"accept", "progress", "resolve", "relay", "notice", "ask", "none"}


def check(path):
    errs = []
    base = path[:-len(".jsonl")]
    try:
        rows = list(csv.reader(open(base + ".roster.csv", encoding="utf-8")))
    except OSError as e:
        return [f"{path}: no roster ({e})"]
    if rows[0] != ["grid", "room", "role", "name", "contact_id"]:
        errs.append(f"{base}.roster.csv: bad header")
    roster = {}
    for r in rows[1:]:
        if len(r) != 5 or r[2] not in ROLES or r[3] != r[4]:
            errs.append(f"{base}.roster.csv: bad row {r}")
        else:
            roster[r[3]] = r[2]
    if "comprehensive" not in roster.values():
        errs.append(f"{base}.roster.csv: no comprehensive worker")
    rooms = {r[1] for r in rows[1:] if len(r) == 5}
    try:
        incs = json.load(open(base + ".incidents.json", encoding="utf-8"))
    except (OSError, ValueError) as e:
        return errs + [f"{path}: incidents file ({e})"]
    seen, last, n = set(), None, 0
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        where = f"{path}:{i}"
        try:
            e = json.loads(line)
        except ValueError as ex:
            errs.append(f"{where}: not JSON ({ex})"); continue
        n += 1
        ts = datetime.fromisoformat(e["ts"])
        if ts.utcoffset() is None: errs.append(f"{where}: ts without offset")
        if last and ts < last: errs.append(f"{where}: time goes backwards")
        last = ts
        if e.get("room") not in rooms: errs.append(f"{where}: room not in roster")
        if not e.get("text"): errs.append(f"{where}: empty text")
        role = e.get("sender_role")
        if role == "resident":
            if e["sender"] in roster: errs.append(f"{where}: resident {e['sender']} is on the roster")
            x = e.get("expect") or {}
            if x.get("category") not in CATS: errs.append(f"{where}: bad category")
            if x.get("provider") not in PROVS: errs.append(f"{where}: bad provider")
            if x.get("category") == "none":
                if x.get("incident"): errs.append(f"{where}: none with an incident")
            else:
                if not re.fullmatch(r"I\d+", str(x.get("incident"))): errs.append(f"{where}: request without incident")
                else: seen.add(x["incident"])
            if not isinstance(x.get("urgent", False), bool): errs.append(f"{where}: urgent not bool")
        else:
            if roster.get(e.get("sender")) is None: errs.append(f"{where}: worker {e.get('sender')} not on roster")
            elif role != roster[e["sender"]] + "_worker": errs.append(f"{where}: sender_role should be {roster[e['sender']]}_worker")
            a = e.get("act") or {}
            if a.get("kind") not in ACTS: errs.append(f"{where}: bad act kind")
            if a.get("incident") is not None and not re.fullmatch(r"I\d+", str(a["incident"])):
                errs.append(f"{where}: bad act incident")
    if set(incs) != seen:
        errs.append(f"{path}: incidents file {sorted(set(incs) ^ seen)} differ from the day's incidents")
    for k, v in incs.items():
        if v.get("closed") is not None and not re.fullmatch(r"\d\d:\d\d:\d\d", v["closed"]):
            errs.append(f"{path}: {k} closed must be HH:MM:SS or null")
    if not 200 <= n <= 450: errs.append(f"{path}: {n} messages (want 250-400)")
    return errs


if __name__ == "__main__":
    bad = [e for p in sys.argv[1:] for e in check(p)]
    print("\n".join(bad) if bad else f"ok: {len(sys.argv) - 1} file(s)")
    sys.exit(1 if bad else 0)
