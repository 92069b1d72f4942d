"""Speed of the request detector beside plain jieba.lcut over the same messages, and model load time.

    .venv/bin/python bench/classify_speed.py [--file data/corpus/test.jsonl] [--rounds 5]

Each round times the detector one message at a time, in a batch, and plain `jieba.lcut` on the
same messages, one after the other; the figures are the medians over the rounds (the machine is
shared and noisy), and the ratio is the median of each round's own ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jieba  # noqa: E402

from bot.classifier.corpus import read_jsonl  # noqa: E402
from bot.classifier.training import is_stale, train  # noqa: E402
from bot.paths import DATA  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def _per_call(fn, texts: list[str]) -> list[float]:
    out = []
    for t in texts:
        start = time.perf_counter()
        fn(t)
        out.append(time.perf_counter() - start)
    return out


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DATA / "corpus" / "test.jsonl"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings()
    if is_stale(settings):
        train(settings)
    texts = [e.text for e in read_jsonl(Path(args.file))]

    jieba.initialize()  # jieba's own dictionary load is timed separately below, not in the load figure
    start = time.perf_counter()
    from bot.classifier import load_classifier
    from bot.classifier.extract import normalize

    clf = load_classifier(settings)
    normalize("預熱")  # OpenCC's dictionaries load on first use: part of getting ready
    load_s = time.perf_counter() - start

    clf.predict_many(texts[:50])  # warm caches
    n = len(texts)
    rounds = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        clf.predict_many(texts)
        batch = n / (time.perf_counter() - start)
        one = _per_call(clf.predict, texts)
        cut = _per_call(jieba.lcut, texts)
        start = time.perf_counter()
        for t in texts:
            jieba.lcut(t)
        plain = n / (time.perf_counter() - start)
        rounds.append({"batch": batch, "one": n / sum(one), "one_p50": _pct(one, .5), "one_p99": _pct(one, .99),
                       "jieba": plain, "cut_p50": _pct(cut, .5), "cut_p99": _pct(cut, .99),
                       "ratio": (n / sum(one)) / plain})

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    print(f"{n} messages ({args.file}), mean {statistics.mean(len(t) for t in texts):.0f} chars, "
          f"medians of {args.rounds} rounds")
    print(f"{'what':32s} {'msg/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s}")
    print(f"{'classify batch (predict_many)':32s} {med('batch'):9.0f} {'':>8s} {'':>8s}")
    print(f"{'classify one at a time':32s} {med('one'):9.0f} {med('one_p50') * 1e3:8.3f} {med('one_p99') * 1e3:8.3f}")
    print(f"{'jieba.lcut (same messages)':32s} {med('jieba'):9.0f} {med('cut_p50') * 1e3:8.3f} {med('cut_p99') * 1e3:8.3f}")
    ratios = " / ".join(f"{r['ratio']:.2f}" for r in rounds)
    print(f"one-at-a-time / jieba speed: {med('ratio'):.2f} (rounds {ratios}; aim >= 0.5)")
    print(f"model load: {load_s:.3f} s (aim < 1.5 s; artefact {settings.model_dir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
