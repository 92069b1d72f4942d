"""Nested cross-validation of the detector as a whole, to choose how unsure requests the urgency head
calls dangerous are treated (`bot.classifier.hybrid.URGENT_HEAD_ESCALATES`).

    .venv/bin/python bench/urgent_nested.py [--floors none 0.3 0.5 0.7]

Outer 5 grouped folds over the training corpus; on each, the whole model is built from the other
folds (with its own inner cross-validation for the decision rule) and reads the held-out fold.
Prints macro-F1, false alarms, misses and urgent recall / precision per floor, off first (baseline).
No held-out test file is read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.classifier.hybrid as hybrid  # noqa: E402
from bot.classifier.corpus import corpus_files, read_corpus  # noqa: E402
from bot.classifier.crossval import grouped_folds  # noqa: E402
from bot.classifier.keyword_model import load_keywords, register_user_dict  # noqa: E402
from bot.classifier.metrics import evaluate, summary_table  # noqa: E402
from bot.classifier.training import build_model  # noqa: E402
from bot.labels import CATEGORIES  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floors", nargs="+", default=["none", "0.3", "0.5", "0.7"])
    args = parser.parse_args()
    floors = [None if f == "none" else float(f) for f in args.floors]
    keywords = load_keywords()
    register_user_dict(keywords)
    data = read_corpus(corpus_files())
    y = [e.category for e in data]
    folds = grouped_folds(data, 5)
    preds = {f: [None] * len(data) for f in floors}
    saved = hybrid.URGENT_HEAD_ESCALATES
    try:
        for k in sorted(set(folds.tolist())):
            held = [i for i in range(len(data)) if folds[i] == k]
            clf = hybrid.HybridClassifier(build_model([e for e, f in zip(data, folds) if f != k], keywords))
            for floor in floors:
                hybrid.URGENT_HEAD_ESCALATES = floor
                for i, p in zip(held, clf.predict_many([data[i].text for i in held])):
                    preds[floor][i] = p
            print(f"fold {k + 1} done", file=sys.stderr, flush=True)
    finally:
        hybrid.URGENT_HEAD_ESCALATES = saved
    print(f"{len(data)} messages, nested 5-fold; floor = P(request) from which the urgency head escalates")
    print(summary_table("floor", [("off" if floor is None else str(floor),
                                   evaluate(y, preds[floor], CATEGORIES, [e.urgent for e in data],
                                            [e.provider for e in data])) for floor in floors]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
