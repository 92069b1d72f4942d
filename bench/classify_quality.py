"""Quality of the request detector on the held-out test file, beside the keyword-only detector.

    .venv/bin/python bench/classify_quality.py [--file data/corpus/test.jsonl]

Trains (if stale) on every train*.jsonl + dev.jsonl; thresholds and the abstain margin come from
grouped 5-fold out-of-fold predictions on those (printed first). test.jsonl is only read here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.classifier import load_classifier  # noqa: E402
from bot.classifier.keyword_model import KeywordClassifier  # noqa: E402
from bot.classifier.metrics import evaluate  # noqa: E402
from bot.classifier.training import read_jsonl  # noqa: E402
from bot.labels import CATEGORIES  # noqa: E402
from bot.paths import DATA  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DATA / "corpus" / "test.jsonl"))
    args = parser.parse_args()
    examples = read_jsonl(Path(args.file))
    gold = [e.category for e in examples]
    texts = [e.text for e in examples]
    hybrid = load_classifier(load_settings())
    meta = hybrid.model.meta
    cv = meta.get("cv", {})
    print(f"cross-validation ({meta.get('folds')}-fold grouped, out-of-fold) on {', '.join(meta.get('files', []))}: "
          f"n {cv.get('n')}, macro-F1 {cv.get('macro_f1', 0):.4f}, false alarms {cv.get('false_alarm_rate', 0):.2%}, "
          f"misses {cv.get('miss_rate', 0):.2%} (target false alarms <= {meta.get('false_alarm_target', 0):.1%})")
    rows = [("keyword-only", KeywordClassifier()), ("hybrid", hybrid)]
    print(f"{args.file}: {len(examples)} messages, {sum(g == 'none' for g in gold)} non-requests")
    print(f"{'detector':14s} {'macro-F1':>9s} {'accuracy':>9s} {'false alarms':>13s} {'misses':>8s} {'abstained':>10s}")
    for name, clf in rows:
        r = evaluate(gold, clf.predict_many(texts), CATEGORIES)
        print(f"{name:14s} {r['macro_f1']:9.4f} {r['accuracy']:9.4f} {r['false_alarm_rate']:12.2%} "
              f"{r['miss_rate']:8.2%} {r['abstained']:10d}")
    print("aims: macro-F1 >= 0.93, false alarms < 2% of non-requests, misses < 5% of requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
