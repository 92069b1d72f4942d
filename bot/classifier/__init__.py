"""Request detection: which service a message asks for, if any."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.classifier.base import Classifier, Prediction

if TYPE_CHECKING:
    from typing import Sequence

    from bot.classifier.corpus import Example
    from bot.settings import Settings

__all__ = ["Classifier", "Prediction", "load_classifier"]


def load_classifier(settings: "Settings", corrections: "Sequence[Example]" = ()) -> Classifier:
    """The hybrid detector saved under settings.model_dir: trained first (saying so) when missing,
    used as it is (saying so) when stale.

    Falls back to the keyword detector only when there is no training corpus at all. `corrections`
    (the #改派 examples, from `bot.corrections`) count in whether the saved model is stale.
    """
    from bot.classifier.hybrid import HybridClassifier
    from bot.classifier.corpus import TRAIN_FILE
    from bot.classifier.training import load_model

    if not TRAIN_FILE.is_file() and not (settings.model_dir / "classifier.joblib").is_file():
        from bot.classifier.keyword_model import KeywordClassifier

        return KeywordClassifier()
    model = load_model(settings, corrections, retrain=TRAIN_FILE.is_file())
    return HybridClassifier(model, settings.abstain_min_confidence, settings.abstain_min_margin)
