"""The workers' act model: a worker's words read by a classifier learned from the labelled days,
with the rules' reading (`bot.conversation.acts`) as features. Trained by `bot.conversation.learning`."""

from __future__ import annotations

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


class ActModel:
    """A worker's act learned from labelled days: character n-grams and words of the message, plus the
    rules' reading. Explicit commands stay with the rules; the model reads everything said in words.

    Words beside characters: day-grouped CV accuracy on the 65 training days 0.825 -> 0.832 (the
    `cv_accuracy` that `gridbot train` prints).
    """

    def __init__(self, vectorizers, classifier) -> None:
        self.vectorizers = vectorizers  # (characters, words)
        self.classifier = classifier
        self.meta: dict = {}

    @staticmethod
    def _rows(vectorizers, acts: "list[WorkerAct]"):
        import numpy as np
        from scipy.sparse import csr_matrix, hstack

        texts = [clean(a.body) for a in acts]
        rule = np.array([_rule_row(a) for a in acts], float)
        return hstack([v.transform(texts) for v in vectorizers] + [csr_matrix(rule * 3.0)]).tocsr()

    @classmethod
    def fit(cls, acts: "list[WorkerAct]", kinds: list[str], C: float) -> "ActModel":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = [clean(a.body) for a in acts]
        vectorizers = (TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True).fit(texts),
                       TfidfVectorizer(analyzer=_word_grams, min_df=2, sublinear_tf=True).fit(texts))
        model = LogisticRegression(C=C, max_iter=3000)
        model.fit(cls._rows(vectorizers, acts), kinds)
        return cls(vectorizers, model)

    def _predict_one(self, act: WorkerAct) -> str:
        """The classifier's answer for one act, without stacking a sparse matrix (the same scores)."""
        import numpy as np

        if getattr(self, "_split", None) is None:
            coef, at, blocks = self.classifier.coef_, 0, []
            # per n-gram or word: its idf and its column of weights, so one message needs no sparse matrix
            for v in self.vectorizers:
                n = len(v.vocabulary_)
                blocks.append((np.ascontiguousarray(coef[:, at:at + n].T), v.build_analyzer(), v.vocabulary_, v.idf_))
                at += n
            self._split = (blocks, coef[:, at:].T * 3.0, self.classifier.intercept_)
        blocks, rule_coef, intercept = self._split
        text = clean(act.body)
        scores = intercept + np.array(_rule_row(act), float) @ rule_coef
        for words_coef, analyze, vocabulary, idf in blocks:
            counts: dict[int, int] = {}
            for gram in analyze(text):
                j = vocabulary.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if counts:  # TfidfVectorizer's own weighting: sublinear tf times idf, then unit length
                cols = np.fromiter(counts, dtype=np.intp, count=len(counts))
                weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * idf[cols]
                scores = scores + (weights / np.sqrt(weights @ weights)) @ words_coef[cols]
        classes = self.classifier.classes_
        return str(classes[int(scores[0] > 0)] if len(classes) == 2 else classes[int(np.argmax(scores))])

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
