"""Choosing and fitting the "same incident" matcher on the labelled training days.

Every model family (logistic with each C, boosted trees in `bot.conversation.forest`), joining
threshold and report gate is scored by cross-validation grouped by writer (`writer_folds`) with the cost of what the
replay would count against each decision (`decision_cost`); the cheapest is fitted on every day.
Dev and test days are never read.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from bot.conversation.forest import Forest
from bot.conversation.incidents import LEARNED, Matcher, holds, is_talk, rule_matcher, tied_by_words
from bot.conversation.learning import day_files, day_pairs
from bot.conversation.report_learning import with_reports

if TYPE_CHECKING:
    from bot.classifier.base import Classifier, Prediction

C_GRID = (0.1, 1.0, 10.0)
FOREST = {"depth": 4, "trees": 100, "learning_rate": 0.1}  # CV cost on 73 days: depth 2 / 3 / 4 / 15 leaves
# 999 / 995 / 979 / 981, against 1,064 for the best logistic model
THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(4, 19))
GATE_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)  # P(report) under which a join is talk (0: no gate)
OPEN_GATE_GRID = (0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)  # ... an opening is talk (`holds`; 0: none)
# What each outcome of the joining decision costs, as the replay would score it. A message the matcher
# does not join opens a ticket of its own when the detector reads it as a request (`opens`).
WRONG_JOIN_COST = 3.0  # a household's problem joined to another ticket: it is hidden from its worker
NOISE_OPEN_COST = 2.0  # chatter not joined opens a ticket and pings a worker for nothing
NOISE_JOIN_COST = 1.0  # chatter joined to a ticket: one more false household on it
DUPLICATE_COST = 1.0  # a report of an open incident opens a second ticket for it
UNHEARD_COST = 0.5  # a report of an open incident neither joins nor opens: its household is not counted
MISSED_FIRST_COST = 4.0  # a new problem's first report taken for talk: nobody hears of it (recall, ping, state)

def _training_rows(days) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    X = np.vstack([m[0][:, :LEARNED] for day in days for m in day])
    y = np.array([label for day in days for m in day for label in m[1]])
    return X, y


def fit_logistic(days, C: float) -> tuple[np.ndarray, float]:  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    model.fit(*_training_rows(days))
    return np.asarray(model.coef_[0]), float(model.intercept_[0])


Fitted = tuple[np.ndarray, float, "Forest | None"]  # a Matcher's learned part: weights, or trees


def families() -> dict[str, Callable[[list], Fitted]]:
    """Each model the CV may choose, as a function from training days to the Matcher's learned part."""
    out: dict[str, Callable[[list], Fitted]] = {
        f"logistic C={C}": (lambda C: lambda days: (*fit_logistic(days, C), None))(C) for C in C_GRID}
    out["forest"] = lambda days: (np.zeros(LEARNED), 0.0, Forest.fit(*_training_rows(days), **FOREST))
    return out


def scored(days, probability: Callable[[np.ndarray], np.ndarray]) -> list[list[tuple]]:  # type: ignore[no-untyped-def]
    """The days' pairs with the learned probabilities they get (a Matcher's `probabilities`), worked out
    once for every threshold."""
    return [[(probability(m[0]), *m) for m in day] for day in days]


def _learned(fitted: Fitted) -> Matcher:
    """A matcher holding only the learned part: its `probabilities` are the ones `Matcher.best` uses."""
    coef, intercept, forest = fitted
    return Matcher(coef, intercept, 0.0, forest=forest)


def decision_cost(days, threshold: float, unsure_threshold: float,
                  report_gate: float = 0.0, open_gate: float = 0.0) -> tuple[float, int, int, int]:
    """(cost, right joins, wrong joins, missed joins) of the matcher's decision as `Matcher.best` and the
    request handler make it, over `scored` days: the best candidate (a bare "me too" always clears the
    bar) above the threshold (the unsure threshold for a message the detector was not sure is a request)
    joins, unless the message reads as talk or is unsure with nothing of the candidate's own. What is
    not joined opens a ticket when the detector reads it as a request, unless the opening gate holds it
    (`holds`). Each outcome costs what the replay would count against it (the *_COST constants)."""
    right = wrong = missed = 0
    cost = 0.0
    for day in days:
        for learned, rows, labels, possible, unsure, _, in_incident, metoo, opens, holdable in day:
            p = np.maximum(learned, np.where(metoo, 1.0, 0.0)) * possible
            i = int(np.argmax(p))
            joined = talk = False
            if p[i] >= (unsure_threshold if unsure else threshold):
                talk = bool(is_talk(rows[i:i + 1], metoo[i:i + 1], report_gate)[0]) \
                    or (unsure and not tied_by_words(rows[i:i + 1])[0])
                joined = not talk
            elif opens and holdable:
                talk = holds(rows, open_gate)
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
            elif opens and talk and in_incident:
                cost += MISSED_FIRST_COST
    return cost, right, wrong, missed


def writer_folds(paths: Sequence[Path], folds: int) -> list[int]:
    """A fold for each day, all days of one writer in one fold (the writer is the name's prefix: nh-d1 …
    nh-d4): the CV then scores the model on writers it never saw, as a new group's day is. Folds by day
    let a writer's other days teach their wording, which rewards memorising a writer's style."""
    writers: dict[str, list[int]] = {}
    for i, path in enumerate(paths):
        writers.setdefault(path.name.split("-")[0], []).append(i)
    load, fold_of = [0] * folds, [0] * len(paths)
    for writer in sorted(writers, key=lambda w: (-len(writers[w]), w)):  # the largest first, to the lightest fold
        f = min(range(folds), key=lambda k: (load[k], k))
        for i in writers[writer]:
            fold_of[i] = f
        load[f] += len(writers[writer])
    return fold_of


def train_matcher(classifier: "Classifier", paths: Sequence[Path] | None = None, folds: int = 4,
                  readings: Sequence[Sequence["Prediction"]] | None = None) -> Matcher:
    """Choose the model, the threshold and the gate by writer-grouped cross-validation, then fit on every
    training day. `readings`: the detector's held-out reading of each day (`bot.conversation.held_out`:
    its detectors' folds are by day, i % folds, not by writer)."""
    started = time.perf_counter()
    paths = list(paths if paths is not None else day_files("train"))
    days, examples = day_pairs(paths, classifier, readings)
    if len([d for d in days if d]) < 2:
        return rule_matcher()
    fold_of = writer_folds(paths, folds)
    report = with_reports(days, examples, folds, fold_of)
    candidates = families()
    best, oof_of, family_cost = None, {}, {}
    for name, fit in candidates.items():
        oof = oof_of[name] = []
        for f in range(folds):
            test = [d for d, k in zip(days, fold_of) if k == f]
            if test:
                oof.extend(scored(test, _learned(fit([d for d, k in zip(days, fold_of) if k != f])).probabilities))
        for th in THRESHOLD_GRID:
            for unsure_th in (t for t in THRESHOLD_GRID if t >= th):
                cost = decision_cost(oof, th, unsure_th)[0]
                family_cost[name] = min(cost, family_cost.get(name, cost))
                if best is None or cost < best[0]:
                    best = (cost, name, th, unsure_th)
    assert best is not None
    _, name, th, unsure_th = best
    gate_cost = {g: decision_cost(oof_of[name], th, unsure_th, g)[0] for g in GATE_GRID}
    gate = min(GATE_GRID, key=lambda g: (gate_cost[g], g))
    open_cost = {g: decision_cost(oof_of[name], th, unsure_th, gate, g)[0] for g in OPEN_GATE_GRID}
    open_gate = min(OPEN_GATE_GRID, key=lambda g: (open_cost[g], g))
    coef, intercept, forest = candidates[name](days)
    meta = {"source": "learned", "model": name, "threshold": th, "unsure_threshold": unsure_th, "report_gate": gate,
            "family_cv_cost": {k: round(v, 1) for k, v in family_cost.items()},
            "gate_cv_cost": {str(g): round(c, 1) for g, c in gate_cost.items()}, "open_gate": open_gate,
            "open_gate_cv_cost": {str(g): round(c, 1) for g, c in open_cost.items()}, "days": len(days),
            "pairs": sum(len(m[1]) for d in days for m in d), "cv_cost": round(best[0], 1),
            "report": report.meta, "seconds": round(time.perf_counter() - started, 2)}
    return Matcher(coef, intercept, th, meta, unsure_th, report, gate, forest, open_gate)
