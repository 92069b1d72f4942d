"""The request detector's reading of the training days as it reads a day it has never seen.

The detector is trained on the residents' messages of the labelled training days too, so on those
days it is right far more often than on a new day: of the 2,791 messages there it is sure are
requests, 3 are chatter; read held out, 221 of 2,905 are. The matcher learned from that reading would trust the detector's category and
P(request) more than a new day allows. So the matcher is trained on held-out readings: the days
are split into the matcher's own folds, and each fold is read by a detector trained (with the same
decision rule) on everything but that fold's days.

Training the fold detectors takes a few minutes; their readings are kept under the model directory,
keyed by the detector's data hash, the days, this code and the detector's code (`reading_code`: a change in
how it reads, such as a carrier named in more ways, changes the readings even when its data do not), so a
change of the matcher alone does not retrain them.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from bot.conversation.artefacts import kept

if TYPE_CHECKING:
    from bot.classifier.base import Prediction
    from bot.settings import Settings

log = logging.getLogger(__name__)

ARTEFACT = "matcher_held_out.joblib"


def reading_code() -> bytes:
    """The detector's code (`bot/classifier/*.py`), by which its readings are made from its data."""
    return b"".join(p.read_bytes() for p in sorted((Path(__file__).parent.parent / "classifier").glob("*.py")))


def _key(classifier_hash: str, paths: Sequence[Path], folds: int) -> str:
    h = hashlib.sha256(f"{classifier_hash}|{folds}".encode())
    h.update(Path(__file__).read_bytes())
    h.update(reading_code())
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def residents(events: Sequence[dict]) -> list[dict]:
    return [e for e in events if e.get("sender_role", "resident") == "resident"]


def held_out_predictions(settings: "Settings", classifier_hash: str, paths: Sequence[Path],
                         folds: int) -> list[list["Prediction"]]:
    """Per day (day i in fold i % folds), the held-out readings of its residents' messages in order."""
    key = _key(classifier_hash, paths, folds)
    return kept(settings.model_dir / ARTEFACT, key, lambda: _read_held_out(settings, paths, folds))


def _read_held_out(settings: "Settings", paths: Sequence[Path], folds: int) -> list[list["Prediction"]]:
    from bot.classifier.corpus import corpus_files, read_corpus
    from bot.classifier.hybrid import HybridClassifier
    from bot.classifier.keyword_model import load_keywords
    from bot.classifier.training import build_model
    from bot.conversation.learning import read_day

    texts = [[e["text"] for e in residents(read_day(p))] for p in paths]
    out: list[list] = [[] for _ in paths]
    files = corpus_files()
    for f in range(folds):
        held = {p.resolve() for i, p in enumerate(paths) if i % folds == f}
        if not held:
            continue
        log.info("matcher: detector for held-out fold %d of %d (%d days left out)", f + 1, folds, len(held))
        model = build_model(read_corpus([p for p in files if p.resolve() not in held]), load_keywords(),
                            min_confidence=settings.abstain_min_confidence, min_margin=settings.abstain_min_margin)
        detector = HybridClassifier(model, settings.abstain_min_confidence, settings.abstain_min_margin)
        for i, p in enumerate(paths):
            if p.resolve() in held:
                out[i] = detector.predict_many(texts[i])
    return out
