"""Is this resident message a household's report, or talk around a live incident? A text model.

The request detector reads a message alone: "没电也不耽误吃鸡蛋 还剩六十来个" and "心疼纸箱子" look like
power and fire requests. In a group, while an incident is open, much of what residents say about it
is talk. This model is learned from the labelled days (data/dialogue/train): of the resident messages
that could join an open incident, which ones the labels put in some incident. Its probability is one
feature of the "same incident" matcher (`bot.conversation.incidents`), never a decision on its own.

Binary character 1–3-grams, L2-normalised, logistic regression; the weights are kept as a plain
{gram: weight} table so that the matcher's JSON artefact holds them and scoring needs no sklearn.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence

_AT = re.compile(r"[@＠][^\s\u2005@＠]{1,16}")  # who is addressed says nothing about what is said
_SPACE = re.compile(r"\s+")
MAX_CHARS = 200  # a long message is read by its beginning: bounded work whatever people write


def grams(text: str) -> frozenset[str]:
    """The character 1-, 2- and 3-grams of the message, without @-mentions and runs of spaces."""
    t = _SPACE.sub(" ", _AT.sub(" ", text[:MAX_CHARS])).strip().lower()
    return frozenset(t[i:i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1))


@dataclass
class ReportModel:
    weights: dict[str, float]
    bias: float
    meta: dict = field(default_factory=dict)

    def p(self, text: str) -> float:
        w = self.weights
        known = [w[x] for x in grams(text) if x in w]  # as the vectoriser saw it: known grams only
        z = self.bias + (sum(known) / math.sqrt(len(known)) if known else 0.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[bool], C: float = 1.0) -> "ReportModel":
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import normalize

        vec = CountVectorizer(analyzer=grams, binary=True, min_df=2)
        X = normalize(vec.fit_transform(texts).astype(float))
        model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        model.fit(X, list(labels))
        coef = model.coef_[0]
        weights = {g: float(coef[i]) for g, i in vec.vocabulary_.items()}
        return cls(weights, float(model.intercept_[0]), {"C": C, "messages": len(texts), "grams": len(weights)})

    def to_json(self) -> dict:
        return {"weights": {g: round(w, 4) for g, w in self.weights.items()}, "bias": self.bias, "meta": self.meta}

    @classmethod
    def from_json(cls, obj: dict) -> "ReportModel":
        return cls({g: float(w) for g, w in obj["weights"].items()}, float(obj["bias"]), obj.get("meta", {}))
