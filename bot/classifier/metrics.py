"""Quality figures of a detector on a labelled file: what `gridbot eval` prints."""

from __future__ import annotations

from typing import Sequence

from bot.classifier.base import Prediction


def evaluate(gold: Sequence[str], preds: Sequence[Prediction], labels: Sequence[str] | None = None,
             urgent: Sequence[bool] | None = None, providers: Sequence[str | None] | None = None,
             route_min: float | None = None) -> dict:
    """Per-class P/R/F1, macro-F1, confusion matrix, false-alarm and miss rates.

    A false alarm is a `none` message that would ping someone; a miss is a request that would
    not (predicted `none` or abstained). Per-class figures use the best-guess category.
    With `route_min` (the settings' unsure_route_min), also what a resident meets in the product,
    where an unsure message with P(request) >= route_min goes to the comprehensive worker as
    unconfirmed: `unheard` requests reach nobody, `bothered` non-requests reach someone.
    """
    labels = list(labels or sorted(set(gold) | {p.category for p in preds}))
    confusion = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold, preds):
        confusion.setdefault(g, {l: 0 for l in labels}).setdefault(p.category, 0)
        confusion[g][p.category] += 1
    per_class = {}
    for label in labels:
        tp = confusion[label][label]
        predicted = sum(confusion[g].get(label, 0) for g in confusion)
        actual = sum(confusion[label].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": actual}
    present = [l for l in labels if per_class[l]["support"] > 0]
    none_rows = [p for g, p in zip(gold, preds) if g == "none"]
    request_rows = [(g, p) for g, p in zip(gold, preds) if g != "none"]
    false_alarms = sum(p.is_request for p in none_rows)
    misses = sum(not p.is_request for _, p in request_rows)
    misrouted = sum(p.is_request and p.category != g for g, p in request_rows)
    extra: dict = {}
    if urgent is not None:  # an urgent request must ping, marked urgent
        hits = sum(u and p.is_request and p.urgent for u, p in zip(urgent, preds))
        flagged = sum(p.is_request and p.urgent for p in preds)
        extra.update(urgent_recall=hits / max(1, sum(urgent)), urgent_precision=hits / max(1, flagged),
                     urgent=sum(urgent))
    if providers is not None:  # of the telecom requests routed as telecom, the right carrier (or none named)
        routed = [(pv, p) for g, pv, p in zip(gold, providers, preds) if g == "telecom" and p.is_request
                  and p.category == "telecom"]
        extra.update(provider_accuracy=sum(pv == p.provider for pv, p in routed) / max(1, len(routed)),
                     provider_n=len(routed))
    if route_min is not None:
        def heard(p: Prediction) -> bool:
            return p.is_request or (p.abstained and (p.p_request or 0.0) >= route_min)
        unheard = sum(not heard(p) for _, p in request_rows)
        bothered = sum(heard(p) for p in none_rows)
        extra.update(unheard=unheard, unheard_rate=unheard / max(1, len(request_rows)),
                     bothered=bothered, bothered_rate=bothered / max(1, len(none_rows)))
    return {
        **extra,
        "n": len(gold),
        "accuracy": sum(g == p.category for g, p in zip(gold, preds)) / len(gold) if gold else 0.0,
        "macro_f1": sum(per_class[l]["f1"] for l in present) / len(present) if present else 0.0,
        "per_class": per_class,
        "labels": labels,
        "confusion": confusion,
        "false_alarm_rate": false_alarms / len(none_rows) if none_rows else 0.0,
        "false_alarms": false_alarms,
        "non_requests": len(none_rows),
        "miss_rate": misses / len(request_rows) if request_rows else 0.0,
        "misses": misses,
        "requests": len(request_rows),
        "misrouted": misrouted,
        "abstained": sum(p.abstained for p in preds),
    }


def summary_table(first: str, rows: Sequence[tuple[str, dict]]) -> str:
    """One line per (name, `evaluate` report): macro-F1, false alarms, misses, urgent recall and precision."""
    lines = [f"{first:>8s} {'macro-F1':>9s} {'false alarms':>13s} {'misses':>8s} {'urgent R':>9s} {'urgent P':>9s}"]
    lines += [f"{name:>8s} {r['macro_f1']:9.4f} {r['false_alarm_rate']:12.2%} {r['miss_rate']:8.2%} "
              f"{r['urgent_recall']:9.3f} {r['urgent_precision']:9.3f}" for name, r in rows]
    return "\n".join(lines)


def render(report: dict) -> str:
    """The human-readable report."""
    labels = report["labels"]
    lines = [f"{'label':10s} {'prec':>6s} {'recall':>6s} {'f1':>6s} {'n':>5s}"]
    for label in labels:
        m = report["per_class"][label]
        lines.append(f"{label:10s} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:5d}")
    lines.append("")
    lines.append(f"macro-F1 {report['macro_f1']:.4f}   accuracy {report['accuracy']:.4f}   n {report['n']}")
    lines.append(f"false alarms {report['false_alarms']}/{report['non_requests']} = {report['false_alarm_rate']:.2%} of non-requests")
    lines.append(f"misses {report['misses']}/{report['requests']} = {report['miss_rate']:.2%} of requests"
                 f"   (abstained {report['abstained']}, misrouted pings {report['misrouted']})")
    lines.append("")
    lines.append("confusion (rows: gold, columns: predicted)")
    short = [l[:7] for l in labels]
    lines.append(" " * 10 + "".join(f"{s:>8s}" for s in short))
    for g in labels:
        lines.append(f"{g:10s}" + "".join(f"{report['confusion'][g].get(p, 0):8d}" for p in labels))
    return "\n".join(lines)
