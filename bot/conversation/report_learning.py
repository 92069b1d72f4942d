"""Learning the report model (see `report_model`) from the labelled training days.

The examples are the residents' messages that could join an incident (`could_join`, with the
detector's held-out reading), labelled by whether the day's labels put them in some incident.
Scored out of fold (a day's messages by a model that never saw that day's fold), they give the
matcher's rows their p_report, from which the join gate is chosen (`learning.train_matcher`).

Not done: an opening gate (a sure request that reads as talk opens nothing and waits for review).
On the training days' out-of-fold figures it held 26 of 130 chatter tickets and lost no first report
under 0.3, but the first report lost comes at 0.35, and a stray dog chasing children ("小区里有条流浪狗
老追着小孩咬 谁管管") reads 0.21: a resident's first report lost is worse than a chatter ticket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from bot.conversation.incidents import FEATURES, GATE_ONLY, could_join
from bot.conversation.report_model import ReportModel

if TYPE_CHECKING:
    from bot.classifier.base import Prediction

REPORT_C = 1.0


def report_examples(residents: Sequence[dict], readings: Sequence["Prediction"]) -> list[tuple[str, bool]]:
    """(text, in some incident) for each resident message that could join an incident."""
    return [(e["text"], (e.get("expect") or {}).get("incident") is not None)
            for e, pred in zip(residents, readings) if could_join(e["text"], pred)]


def with_reports(days: list[list[tuple]], examples: list[list[tuple[str, bool]]], folds: int,
                 fold_of: Sequence[int] | None = None) -> ReportModel:
    """Fill in the pair rows' p_report out of fold (day i in fold `fold_of[i]`, by default i % folds);
    the report model fitted on every day, with its out-of-fold accuracy on the examples."""
    col = (FEATURES + GATE_ONLY).index("p_report")
    fold_of = list(fold_of) if fold_of is not None else [i % folds for i in range(len(days))]
    right = total = 0
    for f in range(folds):
        fit_on = [x for i, d in enumerate(examples) if fold_of[i] != f for x in d]
        if len({label for _, label in fit_on}) < 2:
            continue
        model = ReportModel.fit([t for t, _ in fit_on], [label for _, label in fit_on], REPORT_C)
        for i in [j for j, k in enumerate(fold_of) if k == f]:
            for m in days[i]:
                m[0][:, col] = model.p(m[4])
            right += sum((model.p(t) >= 0.5) == label for t, label in examples[i])
            total += len(examples[i])
    everything = [x for d in examples for x in d]
    final = ReportModel.fit([t for t, _ in everything], [label for _, label in everything], REPORT_C)
    final.meta["cv_accuracy"] = round(right / total, 3) if total else None
    return final
