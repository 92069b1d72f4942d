"""Request detection: which service a message asks for, if any."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.classifier.base import Classifier, Prediction

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["Classifier", "Prediction", "load_classifier"]


def load_classifier(settings: "Settings") -> Classifier:
    """The detector the bot uses (interim: keywords only, until the trained model lands)."""
    from bot.classifier.keyword_model import KeywordClassifier

    return KeywordClassifier()
