"""Training the "same incident" matcher on labelled days of group chat (data/dialogue/train).

The days are replayed against their own labels: each resident message that could join an open
incident is paired with every incident open at that moment; the pair is positive when the
labels put the message in that incident. The logistic model's C and the joining threshold are
chosen by cross-validation grouped by day (a day is never split); dev and test days are never read.
The days are read with the request detector's held-out readings (`bot.conversation.held_out`), as a
new day would be read; the report model (`bot.conversation.report_model`) and its gate are learned
the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from bot.conversation.incidents import (
    FEATURES, GATE_ONLY, LEARNED, Candidate, Matcher, bare_metoo, could_join, evidence, is_talk, is_unsure,
    pair_matrix, rule_matcher, tied_by_words,
)
from bot.conversation.held_out import held_out_predictions, residents
from bot.conversation.report_learning import report_examples, with_reports
from bot.conversation.report_model import ReportModel
from bot.paths import DATA

if TYPE_CHECKING:
    from bot.classifier.base import Classifier, Prediction
    from bot.settings import Settings

log = logging.getLogger(__name__)

DIALOGUE = DATA / "dialogue"
ARTEFACT = "matcher.json"
VERSION = "matcher-5"
WINDOW = timedelta(hours=10)  # incidents older than this (since their last report) are not candidates
C_GRID = (0.1, 1.0, 10.0)
THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(4, 19))
FOLDS = 4  # day-grouped folds: the matcher's CV and the held-out readings of the days
GATE_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)  # P(report) under which a join is talk (0: no gate)
# What each outcome of the joining decision costs, as the replay would score it. A message the matcher
# does not join opens a ticket of its own when the detector reads it as a request (`opens`).
WRONG_JOIN_COST = 3.0  # a household's problem joined to another ticket: it is hidden from its worker
NOISE_OPEN_COST = 2.0  # chatter not joined opens a ticket and pings a worker for nothing
NOISE_JOIN_COST = 1.0  # chatter joined to a ticket: one more false household on it
DUPLICATE_COST = 1.0  # a report of an open incident opens a second ticket for it
UNHEARD_COST = 0.5  # a report of an open incident neither joins nor opens: its household is not counted
OPENS_MIN = 0.9  # an unsure request opens an unconfirmed ticket from this P(request) (GRIDBOT_UNSURE_ROUTE_MIN)


def day_files(split: str) -> list[Path]:
    """The labelled days of a split (train, dev, test) that have their incidents file."""
    return [p for p in sorted((DIALOGUE / split).glob("*.jsonl")) if incidents_file(p).is_file()]


def incidents_file(day: Path) -> Path:
    return day.with_name(day.name[:-len(".jsonl")] + ".incidents.json")


def read_day(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class _Incident:
    key: str
    category: str
    provider: str | None
    texts: list[str]
    reporters: set[str]
    first_ts: datetime
    last_ts: datetime
    keywords: set[str]
    said: list[tuple[str, datetime]] = field(default_factory=list)  # (reporter, when), in order
    resolved_at: datetime | None = None  # a worker's latest "fixed" for it

    def resolved(self, ts: datetime) -> bool:
        """Resolved as the bot sees it at `ts`: a worker said it was fixed after its last report (a later
        "还是没水" reopens it), not only once the day's last closure is past."""
        return self.resolved_at is not None and self.resolved_at >= self.last_ts and self.resolved_at < ts


def opens_ticket(pred: "Prediction") -> bool:
    """Would the message open a ticket of its own if it joined nothing (a request, or an unsure one that
    is probably a request)?"""
    return pred.category != "none" and (not pred.abstained or (pred.p_request or 0.0) >= OPENS_MIN)


def pairs_of_day(events: Sequence[dict], classifier: "Classifier", readings: Sequence["Prediction"] | None = None,
                 ) -> Iterable[tuple[np.ndarray, list[bool], np.ndarray, bool, str, bool, np.ndarray, bool]]:
    """(feature rows, labels, possible joins, unsure, text, in some incident, bare me-too, opens a ticket)
    for each resident message of the day that has open incidents to compare with. The rows' p_report is neutral until
    `with_reports` sets it (bare_metoo does not read it). `readings`: the detector's reading of the
    residents' messages (held out, see `bot.conversation.held_out`); by default `classifier`'s."""
    said = residents(events)
    if readings is None:
        readings = classifier.predict_many([e["text"] for e in said])
    preds = dict(zip((id(e) for e in said), readings))
    open_: dict[str, _Incident] = {}
    for e in events:
        ts = datetime.fromisoformat(e["ts"])
        if id(e) not in preds:  # a worker: their "fixed" resolves the incident's ticket from then on
            act = e.get("act") or {}
            if act.get("kind") == "resolve" and act.get("incident") in open_:
                open_[act["incident"]].resolved_at = ts
            continue
        x = e.get("expect") or {}
        gold = x.get("incident")
        pred = preds[id(e)]
        cands = [c for c in open_.values() if ts - c.last_ts <= WINDOW]
        if cands and could_join(e["text"], pred):
            view = [Candidate(c.key, c.category, c.provider, tuple(c.texts), frozenset(c.reporters), c.first_ts,
                              c.last_ts, resolved=c.resolved(ts),
                              keywords=frozenset(c.keywords), said=tuple(c.said)) for c in cands]
            rows = pair_matrix(e["text"], pred, e["sender"], ts, view)
            yield rows, [c.key == gold for c in cands], evidence(rows, view), is_unsure(pred, e["text"]), \
                e["text"], gold is not None, bare_metoo(rows), opens_ticket(pred)
        if gold:
            inc = open_.get(gold)
            if inc is None:
                inc = open_[gold] = _Incident(gold, x["category"], x.get("provider"), [], set(), ts, ts, set())
            inc.texts.append(e["text"])
            inc.said.append((e["sender"], ts))
            inc.reporters.add(e["sender"])
            inc.last_ts = ts
            inc.keywords |= set(pred.keywords)


def day_pairs(paths: Sequence[Path], classifier: "Classifier",
              readings: Sequence[Sequence["Prediction"]] | None = None) -> tuple[list[list[tuple]], list[list[tuple]]]:
    """Per day, the matcher's pairs and the report model's examples (`report_examples`)."""
    days, examples = [], []
    for i, path in enumerate(paths):
        events = read_day(path)
        said = residents(events)
        reading = readings[i] if readings is not None else classifier.predict_many([e["text"] for e in said])
        days.append(list(pairs_of_day(events, classifier, reading)))
        examples.append(report_examples(said, reading))
    return days, examples


def _fit(days: Sequence[Sequence[tuple[np.ndarray, list[bool]]]], C: float):
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([m[0][:, :LEARNED] for day in days for m in day])
    y = np.array([label for day in days for m in day for label in m[1]])
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    model.fit(X, y)
    return model.coef_[0], float(model.intercept_[0])


def decision_cost(days, coef, intercept, threshold: float, unsure_threshold: float,
                  report_gate: float = 0.0) -> tuple[float, int, int, int]:
    """(cost, right joins, wrong joins, missed joins) of the matcher's decision as `Matcher.best` and the
    request handler make it: the best candidate (a bare "me too" always clears the bar) above the
    threshold (the unsure threshold for a message the detector was not sure is a request) joins, unless
    the message reads as talk or is unsure with nothing of the candidate's own. What is not joined opens
    a ticket when the detector reads it as a request. Each outcome costs what the replay would count
    against it (the *_COST constants): a wrong join, a ticket opened by chatter, chatter joined, a
    duplicate ticket, a household not counted."""
    right = wrong = missed = 0
    cost = 0.0
    for day in days:
        for rows, labels, possible, unsure, _, in_incident, metoo, opens in day:
            p = np.maximum(1 / (1 + np.exp(-(rows[:, :LEARNED] @ coef + intercept))), np.where(metoo, 1.0, 0.0))
            p = p * possible
            i = int(np.argmax(p))
            joined = talk = False
            if p[i] >= (unsure_threshold if unsure else threshold):
                talk = bool(is_talk(rows[i:i + 1], metoo[i:i + 1], report_gate)[0]) \
                    or (unsure and not tied_by_words(rows[i:i + 1])[0])
                joined = not talk
            if joined and labels[i]:
                right += 1
            elif joined:
                wrong += 1
                missed += any(labels)
                cost += WRONG_JOIN_COST if in_incident else NOISE_JOIN_COST
            elif any(labels):
                missed += 1
                cost += DUPLICATE_COST if opens and not talk else UNHEARD_COST
            elif opens and not talk and not in_incident:
                cost += NOISE_OPEN_COST
    return cost, right, wrong, missed


def train_matcher(classifier: "Classifier", paths: Sequence[Path] | None = None, folds: int = FOLDS,
                  readings: Sequence[Sequence["Prediction"]] | None = None) -> Matcher:
    """Choose C and the threshold by day-grouped cross-validation, then fit on every training day.
    `readings`: the detector's held-out reading of each day (day i in fold i % folds)."""
    started = time.perf_counter()
    paths = list(paths if paths is not None else day_files("train"))
    days, examples = day_pairs(paths, classifier, readings)
    if len([d for d in days if d]) < 2:
        return rule_matcher()
    report = with_reports(days, examples, folds)
    fold_of = [i % folds for i in range(len(days))]
    best = None
    oof_by_C = {}
    for C in C_GRID:
        oof = oof_by_C[C] = []
        for f in range(folds):
            train = [d for d, k in zip(days, fold_of) if k != f]
            test = [d for d, k in zip(days, fold_of) if k == f]
            if not test:
                continue
            oof.append((test, *_fit(train, C)))
        for th in THRESHOLD_GRID:
            for unsure_th in THRESHOLD_GRID:
                if unsure_th < th:
                    continue
                cost = sum(decision_cost(test, coef, b, th, unsure_th)[0] for test, coef, b in oof)
                if best is None or cost < best[0]:
                    best = (cost, C, th, unsure_th)
    assert best is not None
    _, C, th, unsure_th = best
    oof = oof_by_C[C]
    gate_cost = {g: sum(decision_cost(test, coef, b, th, unsure_th, g)[0] for test, coef, b in oof) for g in GATE_GRID}
    gate = min(GATE_GRID, key=lambda g: (gate_cost[g], g))
    coef, intercept = _fit(days, C)
    meta = {"source": "learned", "C": C, "threshold": th, "unsure_threshold": unsure_th, "report_gate": gate,
            "gate_cv_cost": {str(g): round(c, 1) for g, c in gate_cost.items()}, "days": len(days),
            "pairs": sum(len(m[1]) for d in days for m in d), "cv_cost": round(best[0], 1),
            "report": report.meta, "seconds": round(time.perf_counter() - started, 2)}
    return Matcher(np.asarray(coef), intercept, th, meta, unsure_th, report, gate)


def data_hash(classifier_hash: str, paths: Sequence[Path]) -> str:
    """The days, the classifier they are read with, and this code (features, cost, grids)."""
    h = hashlib.sha256((VERSION + "|" + ",".join(FEATURES + GATE_ONLY) + "|" + classifier_hash).encode())
    for source in (Path(__file__), Path(__file__).with_name("incidents.py"), Path(__file__).with_name("report_model.py"),
                   Path(__file__).with_name("held_out.py"), Path(__file__).with_name("report_learning.py")):
        h.update(source.read_bytes())
    for path in paths:
        for p in (path, incidents_file(path)):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:12]


def save(matcher: Matcher, model_dir: Path, digest: str) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    obj = {"version": VERSION, "data_hash": digest, "features": list(FEATURES), "coef": matcher.coef.tolist(),
           "intercept": matcher.intercept, "threshold": matcher.threshold,
           "unsure_threshold": matcher.unsure_threshold, "meta": matcher.meta,
           "report_gate": matcher.report_gate,
           "report": matcher.report.to_json() if matcher.report is not None else None}
    tmp = model_dir / (ARTEFACT + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(model_dir / ARTEFACT)


def load_matcher(settings: "Settings", classifier: "Classifier") -> Matcher:
    """The saved matcher; trained when missing or trained on other data (about a minute, and four more
    when the detector's held-out readings of the days must be made again: `bot.conversation.held_out`)."""
    paths = day_files("train")
    classifier_hash = getattr(getattr(classifier, "model", None), "data_hash", None)
    if not paths or not classifier_hash:  # no corpus, or a detector that is not the trained one
        return rule_matcher()
    digest = data_hash(str(classifier_hash), paths)
    try:
        obj = json.loads((settings.model_dir / ARTEFACT).read_text(encoding="utf-8"))
        if obj.get("data_hash") == digest and obj.get("features") == list(FEATURES):
            report = ReportModel.from_json(obj["report"]) if obj.get("report") else None
            return Matcher(np.asarray(obj["coef"]), float(obj["intercept"]), float(obj["threshold"]), obj["meta"],
                           float(obj["unsure_threshold"]), report, float(obj.get("report_gate", 0.0)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # unreadable or hand-edited: made again
        pass
    log.info("incident matcher missing or stale: training on %d days", len(paths))
    readings = held_out_predictions(settings, str(classifier_hash), paths, FOLDS)
    matcher = train_matcher(classifier, paths, FOLDS, readings)
    save(matcher, settings.model_dir, digest)
    return matcher
