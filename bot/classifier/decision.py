"""The decision rule, once: from category probabilities and the request gate to ping / abstain.

Training chooses its thresholds on out-of-fold probabilities (`choose_decision`) and prediction
applies the very same function to one message (`HybridClassifier`), with the deployer's floors.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

# The decision rule's objective on out-of-fold predictions: false alarms (a `none` message that
# would ping) at most this share of non-requests; under it, fewest misses, then fewest misrouted pings.
FALSE_ALARM_TARGET = 0.015
THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(1, 10)) + tuple(round(0.5 + 0.01 * i, 2) for i in range(50))
# One shared threshold: per-class thresholds gained ~0.5 pp of misses on the out-of-fold rows they
# were chosen on but let false alarms through on the folds they were not (see bench/classify_quality.py --cv).
PER_CLASS = False
MARGIN_GRID = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30)


def rule(score, need, conf, floor, gap, margin, top_none, runner_none):
    """The decision rule itself, elementwise: (would ping, abstains).

    One expression reads numpy arrays (training's grid search, batches) and plain floats (one
    message) alike. A message pings when its best-guess category is a request (`need` <= 1), the
    request gate's P(request) (`score`) reaches that category's threshold `need`, the category's
    probability `conf` reaches `floor` and leads the runner-up by `margin`. A request that does
    not ping abstains (kept for review); so does chatter whose runner-up is a request within `margin`.
    (`x ^ True` is "not x" for a bool and for a numpy bool array alike.)"""
    short = (score < need) | (conf < floor) | (gap < margin)
    abstain = (top_none & (runner_none ^ True) & (gap < margin)) | ((top_none ^ True) & short)
    return short ^ True, abstain


def _need(category: str, thresholds: dict[str, float]) -> float:
    """The gate's P(request) a category needs to ping; above 1 (never) for chatter."""
    return thresholds.get(category, 1.1) if category != "none" else 1.1


def _apply(probs: np.ndarray, gate: np.ndarray | None, classes: Sequence[str], thresholds: dict[str, float],
           margin: float, floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = np.arange(len(probs))
    order = np.argsort(-probs, axis=1, kind="stable")
    top, runner = order[:, 0], order[:, 1]
    conf = probs[rows, top]
    none = np.array([c == "none" for c in classes])
    ping, abstain = rule(conf if gate is None else gate, np.array([_need(c, thresholds) for c in classes])[top], conf, floor,
                         conf - probs[rows, runner], margin, none[top], none[runner])
    return top, ping, abstain


def decide(probs: np.ndarray, gate: np.ndarray | None, classes: Sequence[str], thresholds: dict[str, float],
           margin: float, blocked: np.ndarray | None = None, floor: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(best-guess class index, would ping) per row, by `rule`.

    `blocked` (for experiments with veto rules) stops a ping: cross-validation found the
    solved/advert vetoes cost misses without saving false alarms, so they are features now.
    Without a gate the thresholds apply to the category's probability."""
    top, ping, _ = _apply(probs, gate, classes, thresholds, margin, floor)
    if blocked is not None:
        ping &= ~blocked
    return top, ping


def read(probs: np.ndarray, gate: np.ndarray | None, classes: Sequence[str], thresholds: dict[str, float],
         margin: float, floor: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(best guess, would ping, abstains) per row, by `rule`."""
    return _apply(probs, gate, classes, thresholds, margin, floor)


def read_one(probs: Sequence[float], gate: float | None, classes: Sequence[str], thresholds: dict[str, float],
             margin: float, floor: float = 0.0) -> tuple[int, bool, bool]:
    """`read` of one message's probabilities (a list), by the same `rule`, without numpy's per-call cost.
    Ties go to the lower index, as numpy's stable sort does."""
    top = probs.index(max(probs))  # the first of equals, as max(range, key) would
    rest = probs[:top] + probs[top + 1:]
    runner = rest.index(max(rest))
    runner += runner >= top
    conf = probs[top]
    ping, abstain = rule(conf if gate is None else gate, _need(classes[top], thresholds), conf, floor,
                         conf - probs[runner], margin, classes[top] == "none", classes[runner] == "none")
    return top, bool(ping), bool(abstain)


def decision_figures(y: Sequence[str], classes: Sequence[str], top: np.ndarray, ping: np.ndarray) -> dict:
    """False-alarm rate, miss rate, misrouted pings and macro-F1 (of the best guess), as `gridbot eval`."""
    y = np.asarray(y)
    pred = np.asarray(classes)[top]
    none = y == "none"
    labels = sorted(set(y.tolist()) | set(pred.tolist()))
    f1s = []
    for c in labels:
        tp = np.sum((pred == c) & (y == c))
        if not np.any(y == c):
            continue
        p = tp / max(1, np.sum(pred == c))
        r = tp / max(1, np.sum(y == c))
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return {
        "macro_f1": float(np.mean(f1s)),
        "false_alarm_rate": float(np.sum(ping & none) / max(1, np.sum(none))),
        "miss_rate": float(np.sum(~ping & ~none) / max(1, np.sum(~none))),
        "misrouted": int(np.sum(ping & ~none & (pred != y))),
        "n": int(len(y)),
    }


def choose_decision(probs: np.ndarray, gate: np.ndarray | None, classes: Sequence[str], y: Sequence[str],
                    blocked: np.ndarray | None = None, floor: float = 0.0, margin_floor: float = 0.0,
                    target: float = FALSE_ALARM_TARGET, per_class: bool = PER_CLASS) -> tuple[dict[str, float], float]:
    """Per-class thresholds and the abstain margin, chosen on out-of-fold probabilities.

    Objective: false alarms <= `target` of non-requests; under that, fewest misses, then fewest
    misrouted pings. Per margin: one shared threshold, the lowest that meets the target; then
    (`per_class`) each class's threshold moves down while that adds no false alarm and up while
    that loses no request, so a class's threshold departs from the shared one only where the
    out-of-fold evidence is one-sided.
    """
    y = np.asarray(y)
    none = y == "none"
    allowed = target * max(1, int(np.sum(none)))
    requests = [c for c in classes if c != "none"]
    grid = THRESHOLD_GRID
    best: tuple | None = None

    def cost(th: dict[str, float], m: float) -> tuple[int, int, int]:
        top, ping = decide(probs, gate, classes, th, m, blocked, floor)
        pred = np.asarray(classes)[top]
        return int(np.sum(ping & none)), int(np.sum(~ping & ~none)), int(np.sum(ping & ~none & (pred != y)))

    for m in [m for m in MARGIN_GRID if m >= margin_floor] or [margin_floor]:
        shared = next((i for i in range(len(grid)) if cost({c: grid[i] for c in requests}, m)[0] <= allowed), None)
        if shared is None:
            continue
        level = {c: shared for c in requests}
        th = {c: grid[shared] for c in requests}
        fa, miss, mis = cost(th, m)
        changed = per_class
        while changed:
            changed = False
            for c in requests:
                for step in (-1, 1):
                    i = level[c] + step
                    if not 0 <= i < len(grid):
                        continue
                    trial = dict(th)
                    trial[c] = grid[i]
                    f, ms, mr = cost(trial, m)
                    better = (f <= fa and (ms, mr) < (miss, mis)) if step < 0 else (f < fa and ms <= miss)
                    if better and f <= allowed:
                        level[c], th[c] = i, grid[i]
                        fa, miss, mis = f, ms, mr
                        changed = True
        key = (miss, mis, fa, m)
        if best is None or key < best[0]:
            best = (key, dict(th), m)
    if best is None:  # the target cannot be met: the strictest rule
        return {c: grid[-1] for c in requests}, MARGIN_GRID[-1]
    return {c: float(v) for c, v in best[1].items()}, float(best[2])


