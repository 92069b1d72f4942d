"""Quality of the request detector on the held-out test files, beside the keyword-only detector.

    .venv/bin/python bench/classify_quality.py [--file FILE ...]

Uses the saved model (train it first: `gridbot train`), trained on every train*.jsonl, dev.jsonl
and the labelled training days; thresholds and the abstain margin come from grouped 5-fold
out-of-fold predictions on those (printed first). test.jsonl and test2.jsonl (each by a writer who
never saw the training files) are only read here. Also prints urgent recall / precision and the
carrier accuracy of routed telecom requests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.classifier import load_classifier  # noqa: E402
from bot.classifier.keyword_model import KeywordClassifier  # noqa: E402
from bot.classifier.metrics import evaluate  # noqa: E402
from bot.classifier.corpus import read_jsonl  # noqa: E402
from bot.labels import CATEGORIES  # noqa: E402
from bot.paths import DATA  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", nargs="+", default=[str(DATA / "corpus" / "test2.jsonl"),
                                                       str(DATA / "corpus" / "test.jsonl")])
    args = parser.parse_args()
    settings = load_settings()
    hybrid = load_classifier(settings)
    meta = hybrid.model.meta
    cv = meta.get("cv", {})
    print(f"cross-validation ({meta.get('folds')}-fold grouped, out-of-fold) on {', '.join(meta.get('files', []))}: "
          f"n {cv.get('n')}, macro-F1 {cv.get('macro_f1', 0):.4f}, false alarms {cv.get('false_alarm_rate', 0):.2%}, "
          f"misses {cv.get('miss_rate', 0):.2%} (target false alarms <= {meta.get('false_alarm_target', 0):.1%})")
    rows = [("keyword-only", KeywordClassifier()), ("hybrid", hybrid)]
    for file in args.file:
        examples = read_jsonl(Path(file))
        gold = [e.category for e in examples]
        texts = [e.text for e in examples]
        print(f"\n{file}: {len(examples)} messages, {sum(g == 'none' for g in gold)} non-requests, "
              f"{sum(e.urgent for e in examples)} urgent")
        print(f"{'detector':14s} {'macro-F1':>9s} {'false alarms':>13s} {'misses':>8s} {'abstained':>10s} "
              f"{'urgent R':>9s} {'urgent P':>9s} {'carrier':>8s} {'unheard':>8s} {'bothered':>9s}")
        for name, clf in rows:
            r = evaluate(gold, clf.predict_many(texts), CATEGORIES, [e.urgent for e in examples],
                         [e.provider for e in examples], route_min=settings.unsure_route_min)
            print(f"{name:14s} {r['macro_f1']:9.4f} {r['false_alarm_rate']:12.2%} {r['miss_rate']:8.2%} "
                  f"{r['abstained']:10d} {r['urgent_recall']:9.3f} {r['urgent_precision']:9.3f} "
                  f"{r['provider_accuracy']:8.3f} {r['unheard_rate']:8.2%} {r['bothered_rate']:9.2%}")
    print("\naims: macro-F1 >= 0.94, false alarms <= 2%, misses <= 4%, urgent recall >= 0.9 at precision >= 0.7, "
          "carrier accuracy >= 0.95")
    print(f"unheard: requests that reach nobody (none, or unsure below P(request) {settings.unsure_route_min}); "
          "bothered: non-requests that reach someone (pinged, or routed unconfirmed to the comprehensive worker)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
