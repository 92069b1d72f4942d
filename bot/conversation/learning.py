"""The "same incident" matcher's data from labelled days of group chat (data/dialogue/train), and
its artefact (made when missing or stale, loaded otherwise).

The days are replayed against their own labels: each resident message that could join an open
incident is paired with every incident open at that moment; the pair is positive when the
labels put the message in that incident. The model, the joining threshold and the gate are chosen
by cross-validation grouped by writer (`bot.conversation.matcher_cv`); dev and test days are never read.
The days are read with the request detector's held-out readings (`bot.conversation.held_out`), as a
new day would be read; the report model (`bot.conversation.report_model`) and its gate are learned
the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from bot.conversation.incidents import (
    FEATURES, GATE_ONLY, Candidate, Matcher, bare_metoo, could_join, evidence, is_unsure, may_hold, pair_matrix,
    rule_matcher,
)
from bot.conversation.held_out import held_out_predictions, reading_code, residents
from bot.conversation.report_learning import report_examples
from bot.conversation.forest import Forest
from bot.conversation.report_model import ReportModel
from bot.paths import DATA
from bot.settings import SPEC

if TYPE_CHECKING:
    from bot.classifier.base import Classifier, Prediction
    from bot.settings import Settings

log = logging.getLogger(__name__)

DIALOGUE = DATA / "dialogue"
ARTEFACT = "matcher.json"
VERSION = "matcher-7"
WINDOW = timedelta(hours=10)  # incidents older than this (since their last report) are not candidates
# an unsure request opens an unconfirmed ticket from this P(request): the setting's default
OPENS_MIN = float(SPEC["GRIDBOT_UNSURE_ROUTE_MIN"][2])
FOLDS = 4  # day-grouped folds: the matcher's CV and the held-out readings of the days


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
    worked_at: datetime | None = None  # a worker's latest act on it (taken up, progress, fixed)
    urgent: bool = False  # one of its reports is labelled urgent

    def resolved(self, ts: datetime) -> bool:
        """Resolved as the bot sees it at `ts`: a worker said it was fixed after its last report (a later
        "还是没水" reopens it), not only once the day's last closure is past."""
        return self.resolved_at is not None and self.resolved_at >= self.last_ts and self.resolved_at < ts


def opens_ticket(pred: "Prediction") -> bool:
    """Would the message open a ticket of its own if it joined nothing (a request, or an unsure one that
    is probably a request)?"""
    return pred.category != "none" and (not pred.abstained or (pred.p_request or 0.0) >= OPENS_MIN)


def pairs_of_day(events: Sequence[dict], classifier: "Classifier", readings: Sequence["Prediction"] | None = None,
                 ) -> Iterable[tuple[np.ndarray, list[bool], np.ndarray, bool, str, bool, np.ndarray, bool, bool]]:
    """(feature rows, labels, possible joins, unsure, text, in some incident, bare me-too, opens a ticket,
    the opening gate may hold it: `may_hold` and not urgent) for each resident message of the day that has
    open incidents to compare with. The rows' p_report is neutral until
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
            if act.get("kind") in ("accept", "progress", "resolve") and act.get("incident") in open_:
                open_[act["incident"]].worked_at = ts
            continue
        x = e.get("expect") or {}
        gold = x.get("incident")
        pred = preds[id(e)]
        cands = [c for c in open_.values() if ts - c.last_ts <= WINDOW]
        if cands and could_join(e["text"], pred):
            view = [Candidate(c.key, c.category, c.provider, tuple(c.texts), frozenset(c.reporters), c.first_ts,
                              c.last_ts, resolved=c.resolved(ts),
                              keywords=frozenset(c.keywords), said=tuple(c.said), worked_ts=c.worked_at,
                              urgent=c.urgent)
                    for c in cands]
            rows = pair_matrix(e["text"], pred, e["sender"], ts, view)
            yield rows, [c.key == gold for c in cands], evidence(rows, view), is_unsure(pred, e["text"]), \
                e["text"], gold is not None, bare_metoo(rows), opens_ticket(pred), may_hold(e["text"]) and not pred.urgent
        if gold:
            inc = open_.get(gold)
            if inc is None:
                inc = open_[gold] = _Incident(gold, x["category"], x.get("provider"), [], set(), ts, ts, set())
            inc.texts.append(e["text"])
            inc.said.append((e["sender"], ts))
            inc.reporters.add(e["sender"])
            inc.last_ts = ts
            inc.keywords |= set(pred.keywords)
            inc.urgent = inc.urgent or bool(x.get("urgent"))


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


def data_hash(classifier_hash: str, paths: Sequence[Path]) -> str:
    """The days, the classifier they are read with (its data and its code), and this code (features, cost, grids),
    with acts.py, whose `is_question` is a feature of the pairs (a change there changes what the matcher learned
    from)."""
    h = hashlib.sha256((VERSION + "|" + ",".join(FEATURES + GATE_ONLY) + "|" + classifier_hash).encode())
    for source in (Path(__file__), *(Path(__file__).with_name(name) for name in (
            "incidents.py", "likeness.py", "report_model.py", "held_out.py", "report_learning.py", "matcher_cv.py", "forest.py",
            "acts.py", "dialect.py"))):
        h.update(source.read_bytes())
    h.update(reading_code())  # the held-out readings it learns from change with the detector's code
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
           "report_gate": matcher.report_gate, "open_gate": matcher.open_gate,
           "report": matcher.report.to_json() if matcher.report is not None else None,
           "forest": matcher.forest.to_json() if matcher.forest is not None else None}
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
            forest = Forest.from_json(obj["forest"], len(FEATURES)) if obj.get("forest") else None
            return Matcher(np.asarray(obj["coef"]), float(obj["intercept"]), float(obj["threshold"]), obj["meta"],
                           float(obj["unsure_threshold"]), report, float(obj.get("report_gate", 0.0)), forest,
                           float(obj.get("open_gate", 0.0)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # unreadable or hand-edited: made again
        pass
    log.info("incident matcher missing or stale: training on %d days", len(paths))
    from bot.conversation.matcher_cv import train_matcher

    readings = held_out_predictions(settings, str(classifier_hash), paths, FOLDS)
    matcher = train_matcher(classifier, paths, FOLDS, readings)
    save(matcher, settings.model_dir, digest)
    return matcher
