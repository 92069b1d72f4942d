"""Speed of the request detector beside plain jieba.lcut over the same messages, and model load time.

    .venv/bin/python bench/classify_speed.py [--file data/corpus/test.jsonl] [--repeat 3]
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
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    if is_stale(settings):
        train(settings)
    texts = [e.text for e in read_jsonl(Path(args.file))] * args.repeat

    jieba.initialize()  # jieba's own dictionary load is timed separately below, not in the load figure
    start = time.perf_counter()
    from bot.classifier import load_classifier
    from bot.classifier.extract import normalize

    clf = load_classifier(settings)
    normalize("預熱")  # OpenCC's dictionaries load on first use: part of getting ready
    load_s = time.perf_counter() - start

    clf.predict_many(texts[:50])  # warm caches
    start = time.perf_counter()
    clf.predict_many(texts)
    batch_s = time.perf_counter() - start
    one = _per_call(clf.predict, texts)
    start = time.perf_counter()
    for t in texts:
        jieba.lcut(t)
    jieba_s = time.perf_counter() - start
    cut = _per_call(jieba.lcut, texts)

    n = len(texts)
    print(f"{n} messages ({args.file} x{args.repeat}), mean {statistics.mean(len(t) for t in texts):.0f} chars")
    print(f"{'what':32s} {'msg/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s}")
    print(f"{'classify batch (predict_many)':32s} {n / batch_s:9.0f} {'':>8s} {'':>8s}")
    print(f"{'classify one at a time':32s} {n / sum(one):9.0f} {_pct(one, .5) * 1e3:8.3f} {_pct(one, .99) * 1e3:8.3f}")
    print(f"{'jieba.lcut (same messages)':32s} {n / jieba_s:9.0f} {_pct(cut, .5) * 1e3:8.3f} {_pct(cut, .99) * 1e3:8.3f}")
    print(f"one-at-a-time / jieba speed: {(n / sum(one)) / (n / jieba_s):.2f} (aim >= 0.5)")
    print(f"model load: {load_s:.3f} s (aim < 1.5 s; artefact {settings.model_dir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
