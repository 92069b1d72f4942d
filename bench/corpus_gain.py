"""Do new corpus files help the detector on the rows it already had? Decided without any test file.

    .venv/bin/python bench/corpus_gain.py data/corpus/train_x.jsonl [more files]

Outer 5 grouped folds (near-duplicates kept together) over the other training files; on each, two
whole models are built from the other folds, one without and one with the new files added, and both
read the held-out fold. The new rows are only ever trained on, so the figures say whether they carry
over to other writers' messages. Prints macro-F1, false alarms, misses and urgent recall / precision,
without first (the baseline of the same run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.classifier.corpus import CorpusError, corpus_files, read_corpus  # noqa: E402
from bot.classifier.crossval import grouped_folds  # noqa: E402
from bot.classifier.hybrid import HybridClassifier  # noqa: E402
from bot.classifier.keyword_model import load_keywords, register_user_dict  # noqa: E402
from bot.classifier.metrics import evaluate, summary_table  # noqa: E402
from bot.classifier.training import build_model  # noqa: E402
from bot.labels import CATEGORIES  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", nargs="+", type=Path, help="the new corpus files (JSON Lines)")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    missing = [str(p) for p in args.new if not p.is_file()]
    if missing:
        parser.error(f"没有这个文件 / no such file: {', '.join(missing)}")
    new_files = {p.resolve() for p in args.new}
    keywords = load_keywords()
    register_user_dict(keywords)
    try:  # the new files first: a bad line is reported before the long part starts
        extra = read_corpus(sorted(new_files))
    except CorpusError as exc:
        parser.error(f"语料文件有误 / bad corpus file: {exc}")
    base = read_corpus([p for p in corpus_files() if p.resolve() not in new_files])
    y = [e.category for e in base]
    folds = grouped_folds(base, args.folds)
    preds: dict[str, list] = {"without": [None] * len(base), "with": [None] * len(base)}
    for k in sorted(set(folds.tolist())):
        held = [i for i in range(len(base)) if folds[i] == k]
        train = [e for e, f in zip(base, folds) if f != k]
        for name, rows in (("without", train), ("with", train + extra)):
            clf = HybridClassifier(build_model(rows, keywords))
            for i, p in zip(held, clf.predict_many([base[i].text for i in held])):
                preds[name][i] = p
        print(f"fold {k + 1} done", file=sys.stderr, flush=True)
    print(f"{len(base)} messages read out of fold; {len(extra)} new messages only ever trained on")
    print(summary_table("model", [(name, evaluate(y, preds[name], CATEGORIES, [e.urgent for e in base],
                                                  [e.provider for e in base])) for name in ("without", "with")]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
