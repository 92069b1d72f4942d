"""The workers' act model: a worker's words read by a classifier learned from the labelled days,
with the rules' reading (`bot.conversation.acts`) as features. Trained by `bot.conversation.learning`."""

from __future__ import annotations

import re

from bot.classifier.segment import lcut
from bot.conversation.acts import _DONE_MARK, _RESOLVE, WorkerAct, clean, is_answer, still_to_do

ACT_KINDS = ("accept", "progress", "resolve", "relay", "notice", "ask", "none")
_RULE_KINDS = ACT_KINDS + ("reassign", "show", "review", "digest", "help")


def _word_grams(text: str) -> list[str]:
    """Dictionary words of the cleaned text and pairs of neighbouring words ("修好", "修好|了")."""
    words = lcut(text)
    return words + [a + "|" + b for a, b in zip(words, words[1:])]


def _rule_row(act: WorkerAct) -> list[float]:
    """The rules' reading and the rule words behind it, for the learned model."""
    words = clean(act.body)
    return [float(act.kind == k) for k in _RULE_KINDS] + [
        float(act.quoted_text is not None), float(bool(act.mentions)), min(len(act.body), 200) / 50,
        float(still_to_do(words)), float(bool(_DONE_MARK.search(words))),
        float(bool(_RESOLVE.search(words))), float(is_answer(act))]


_WHITE = re.compile(r"\s\s+")


def _char_grams(text: str) -> list[str]:
    """Character 1- to 3-grams as `TfidfVectorizer(analyzer="char", ngram_range=(1, 3))` reads them:
    lowercased, each run of white space one space."""
    t = _WHITE.sub(" ", text.lower())
    return [t[i:i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)]


_ANALYZERS = {"chars": _char_grams, "words": _word_grams}


class ActModel:
    """A worker's act learned from labelled days: character n-grams and words of the message, plus the
    rules' reading. Explicit commands stay with the rules; the model reads everything said in words.

    Words beside characters: day-grouped CV accuracy on the 65 training days 0.825 -> 0.832 (the
    `cv_accuracy` that `gridbot train` prints).

    Learned with scikit-learn, kept as plain tables (each n-gram's or word's column, idf and weights): the
    bot reads workers' words with numpy alone, and a running bot never imports scikit-learn (about 65 MB).
    """

    def __init__(self, blocks, rule_coef, intercept, classes) -> None:
        self.blocks = blocks  # per analyzer: (its name, {gram: column}, idf by column, weights by column)
        self.rule_coef = rule_coef  # (rule features, scores): the rules' reading, scaled as in training
        self.intercept = intercept
        self.classes = classes
        self.meta: dict = {}

    @staticmethod
    def _rows(vectorizers, acts: "list[WorkerAct]"):
        import numpy as np
        from scipy.sparse import csr_matrix, hstack

        texts = [clean(a.body) for a in acts]
        rule = np.array([_rule_row(a) for a in acts], float)
        return hstack([v.transform(texts) for v in vectorizers] + [csr_matrix(rule * 3.0)]).tocsr()

    @classmethod
    def fit_sklearn(cls, acts: "list[WorkerAct]", kinds: list[str], C: float):
        """The vectorizers and the logistic regression, as scikit-learn learns them."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = [clean(a.body) for a in acts]
        vectorizers = (TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True).fit(texts),
                       TfidfVectorizer(analyzer=_word_grams, min_df=2, sublinear_tf=True).fit(texts))
        model = LogisticRegression(C=C, max_iter=3000)
        model.fit(cls._rows(vectorizers, acts), kinds)
        return vectorizers, model

    @classmethod
    def fit(cls, acts: "list[WorkerAct]", kinds: list[str], C: float) -> "ActModel":
        return cls.from_sklearn(*cls.fit_sklearn(acts, kinds, C))

    @classmethod
    def from_sklearn(cls, vectorizers, model) -> "ActModel":
        """Copy fitted vectorizers (characters, words) and logistic regression into plain tables."""
        import numpy as np

        coef, at, blocks = model.coef_, 0, []
        for name, v in zip(("chars", "words"), vectorizers):
            n = len(v.vocabulary_)
            blocks.append((name, {g: int(j) for g, j in v.vocabulary_.items()}, np.asarray(v.idf_, float),
                           np.ascontiguousarray(coef[:, at:at + n].T)))
            at += n
        return cls(tuple(blocks), np.ascontiguousarray(coef[:, at:].T * 3.0), np.asarray(model.intercept_, float),
                   tuple(str(c) for c in model.classes_))

    def _predict_one(self, act: WorkerAct) -> str:
        """The logistic regression's answer for one act, as scikit-learn computes it on the stacked rows."""
        import numpy as np

        text = clean(act.body)
        scores = self.intercept + np.array(_rule_row(act), float) @ self.rule_coef
        for name, vocabulary, idf, words_coef in self.blocks:
            counts: dict[int, int] = {}
            for gram in _ANALYZERS[name](text):
                j = vocabulary.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if counts:  # TfidfVectorizer's own weighting: sublinear tf times idf, then unit length
                cols = np.fromiter(counts, dtype=np.intp, count=len(counts))
                weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * idf[cols]
                scores = scores + (weights / np.sqrt(weights @ weights)) @ words_coef[cols]
        return self.classes[int(scores[0] > 0)] if len(self.classes) == 2 else self.classes[int(np.argmax(scores))]

    def kind(self, act: WorkerAct) -> str:
        if act.explicit:
            return act.kind
        kind = self._predict_one(act)
        words = clean(act.body)
        if kind == "resolve" and still_to_do(words) and not _DONE_MARK.search(words):
            return "progress"  # "尽量上午收走", "明天能修好": a promise, not a fix
        if kind == "relay" and not act.mentions:
            return "progress"  # passing it on needs someone @-mentioned
        return kind
