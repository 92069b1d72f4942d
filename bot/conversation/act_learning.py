"""Training the workers' act model (`bot.conversation.act_model`) on the labelled training days:
every worker message with its labelled act; C chosen by day-grouped CV accuracy."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from bot.conversation.artefacts import kept
from bot.conversation.learning import data_hash, day_files, read_day

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

ACTS_ARTEFACT = "acts.joblib"
ACTS_VERSION = "acts-3"  # plain tables, no scikit-learn objects
ACT_C_GRID = (10.0, 30.0)  # 1 and 3 were never chosen on 49 or 65 days


def worker_messages(paths: Sequence[Path]) -> list[tuple[int, object, str]]:
    """(day index, the rules' reading, the labelled act) for every worker message of the days."""
    import csv

    from bot.conversation.acts import read_worker

    out = []
    for day, path in enumerate(paths):
        with open(path.with_name(path.name[:-len(".jsonl")] + ".roster.csv"), encoding="utf-8") as fh:
            roles = {r["name"]: r["role"] for r in csv.DictReader(fh)}
        for e in read_day(path):
            if e.get("sender_role", "resident") == "resident" or not e.get("act"):
                continue
            act = read_worker(e["text"], set(roles), comprehensive=roles.get(e["sender"]) == "comprehensive")
            out.append((day, act, e["act"]["kind"]))
    return out


def train_acts(paths: Sequence[Path] | None = None, folds: int = 4):
    """The act model: C chosen by day-grouped CV accuracy on the training days, then fit on all of them."""
    from bot.classifier.keyword_model import load_keywords, register_user_dict
    from bot.conversation.act_model import ActModel

    # words as the running bot cuts them, with the keywords as jieba's user words (the classifier registers
    # them when it loads): trained alone, the model learned 8 word pairs the bot never sees
    register_user_dict(load_keywords())
    paths = list(paths if paths is not None else day_files("train"))
    rows = worker_messages(paths)
    if len({d for d, _, _ in rows}) < 2:
        return None
    best = None
    for C in ACT_C_GRID:
        right = 0
        for f in range(folds):
            train = [(a, k) for d, a, k in rows if d % folds != f]
            test = [(a, k) for d, a, k in rows if d % folds == f]
            if not test:
                continue
            model = ActModel.fit([a for a, _ in train], [k for _, k in train], C)
            right += sum(model.kind(a) == k for a, k in test)
        if best is None or right > best[0]:
            best = (right, C)
    assert best is not None
    model = ActModel.fit([a for _, a, _ in rows], [k for _, _, k in rows], best[1])
    model.meta = {"C": best[1], "cv_accuracy": round(best[0] / len(rows), 3), "messages": len(rows), "days": len(paths)}
    return model


def load_acts(settings: "Settings"):
    """The saved act model, trained (a few minutes) when missing or trained on other days or code; None without days."""
    paths = day_files("train")
    if not paths:
        return None
    import bot.conversation.act_model as model_module
    import bot.conversation.acts as acts_module  # the rules' reading is one of the model's inputs

    code = b"".join(Path(m.__file__).read_bytes() for m in (acts_module, model_module, sys.modules[__name__]))
    digest = data_hash(ACTS_VERSION + hashlib.sha256(code).hexdigest(), paths)

    def make():
        log.info("workers' act model missing or stale: training on %d days", len(paths))
        return train_acts(paths)

    return kept(settings.model_dir / ACTS_ARTEFACT, digest, make)
