"""Cross-validation: near-duplicate groups, grouped stratified folds, out-of-fold decisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bot.classifier.corpus import Example
from bot.classifier.extract import normalize
from bot.classifier.features import FeatureConfig, Featurizer, cut
from bot.classifier.hybrid import LinearHead, fit_temperature
from bot.classifier.keyword_model import register_user_dict
from bot.labels import REQUEST_CATEGORIES

SEED = 20240601
C_CATEGORY = 1.0
C_GATE = 1.0  # the request gate (request vs none), chosen by cross-validation
FOLDS = 5


def prepare(texts: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(normalised text, jieba tokens) for each message."""
    cleans = [normalize(t) for t in texts]
    return [(c, cut(c)) for c in cleans]


def fit_linear(X, y: Sequence[str], weights: Sequence[float] | None, C: float, seed: int = SEED,
               class_weight: str | None = "balanced"):
    """The linear model behind every head: a one-vs-rest linear SVM (liblinear, fixed seed);
    its decision values are calibrated afterwards by a softmax temperature."""
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=C, class_weight=class_weight, random_state=seed, max_iter=5000)
    model.fit(X, list(y), sample_weight=None if weights is None else np.asarray(weights))
    return model



_SKELETON = re.compile(r"[\W\d_]+")


def near_duplicate_groups(cleans: Sequence[str], threshold: float = 0.8) -> np.ndarray:
    """A group id per message: the same text up to digits/punctuation/emoji, or character-bigram
    cosine >= threshold, share a group (so cross-validation never scores a message on its twin)."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize as l2_rows

    n = len(cleans)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    keys = [_SKELETON.sub("", c.lower()) or c for c in cleans]
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in first:
            union(first[k], i)
        else:
            first[k] = i
    try:
        X = CountVectorizer(analyzer="char", ngram_range=(2, 2), binary=True, lowercase=False).fit_transform(keys)
    except ValueError:  # no bigram anywhere
        X = None
    if X is not None:
        X = l2_rows(X.astype(np.float64))
        XT = X.T.tocsc()
        for start in range(0, n, 1024):
            S = (X[start:start + 1024] @ XT).tocoo()
            keep = (S.data >= threshold) & (S.row + start < S.col)
            for i, j in zip(S.row[keep] + start, S.col[keep]):
                union(int(i), int(j))
    return np.array([find(i) for i in range(n)])


def fold_ids(y: Sequence[str], groups: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """Stratified, grouped fold number per example (deterministic)."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(y)
    counts = np.unique(y, return_counts=True)[1]
    folds = max(2, min(folds, int(counts.min()), len(set(groups.tolist()))))
    out = np.full(len(y), -1)
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=SEED)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class with fewer groups than folds
        for k, (_, te) in enumerate(splitter.split(np.zeros(len(y)), y, groups)):
            out[te] = k
    return out


def grouped_folds(examples: Sequence[Example], folds: int = FOLDS) -> np.ndarray:
    """Fold ids for whole-model (outer) cross-validation: stratified, near-duplicates kept together."""
    return fold_ids([e.category for e in examples],
                    near_duplicate_groups([c for c, _ in prepare([e.text for e in examples])]), folds)


def out_of_fold(docs: Sequence[tuple[str, list[str]]], y: Sequence[str], weights: Sequence[float] | None,
                new_featurizer, C: float, classes: Sequence[str], folds: np.ndarray,
                class_weight: str | None = "balanced", C_gate: float | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Out-of-fold decision values of the category head (rows x classes) and, with `C_gate`, of the
    request gate (request vs none): per fold, the featurizer (vocabulary, idf) and the heads are
    fitted on the other folds only."""
    y = np.asarray(y)
    w = None if weights is None else np.asarray(weights)
    out = np.zeros((len(y), len(classes)))
    gate = np.zeros(len(y)) if C_gate is not None else None
    for k in sorted(set(folds.tolist())):
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        fz = new_featurizer().fit([docs[i] for i in tr])
        # the held-out messages are cut as run time cuts them (with the lexicon of the training folds)
        held = (docs[i] for i in te) if fz.lexicon is None else ((docs[i][0], fz.cut(docs[i][0])) for i in te)
        Xtr, Xte = fz.transform(docs[i] for i in tr), fz.transform(held)
        head = LinearHead.from_estimator(fit_linear(Xtr, y[tr], None if w is None else w[tr], C,
                                                    class_weight=class_weight))
        d = head.decision_many(Xte)
        for j, c in enumerate(head.classes):
            out[te, classes.index(c)] = d[:, j]
        for c in classes:  # a class absent from the training folds can never win
            if c not in head.classes:
                out[te, classes.index(c)] = -1e3
        if gate is not None:
            g = fit_linear(Xtr, _is_request(y[tr]), None if w is None else w[tr], C_gate, class_weight=None)
            gate[te] = g.decision_function(Xte)
    return out, gate


def _is_request(y: Sequence[str]) -> list[str]:
    return ["request" if c != "none" else "none" for c in y]


def sigmoid(d: np.ndarray, temperature: float) -> np.ndarray:
    """P(request) from gate decision values (the binary case of the calibrated softmax)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(d) / temperature))


def softmax(d: np.ndarray, temperature: float) -> np.ndarray:
    z = d / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)



@dataclass
class CrossValidation:
    """Out-of-fold probabilities of one training configuration."""

    classes: list[str]
    y: list[str]
    probs: np.ndarray
    gate: np.ndarray | None
    folds: np.ndarray
    temperature: float
    gate_temperature: float


def cross_validate(train: Sequence[Example], keywords: dict[str, frozenset[str]], config: FeatureConfig | None = None,
                   C: float = C_CATEGORY, folds: int = FOLDS, docs: Sequence[tuple[str, list[str]]] | None = None,
                   class_weight: str | None = "balanced", C_gate: float | None = C_GATE) -> CrossValidation:
    """Grouped stratified k-fold out-of-fold probabilities (temperatures fitted on them)."""
    register_user_dict(keywords)
    config = config or FeatureConfig()
    categories = sorted({e.category for e in train})
    if "none" not in categories or len(categories) < 3:
        C_gate = None
    index = {w: c for c in sorted(keywords) for w in sorted(keywords[c])}
    docs = list(docs) if docs is not None else prepare([e.text for e in train])
    y = [e.category for e in train]
    fold = fold_ids(y, near_duplicate_groups([c for c, _ in docs]), folds)
    oof, gate = out_of_fold(docs, y, [e.weight for e in train], lambda: Featurizer(config, index, REQUEST_CATEGORIES),
                            C, categories, fold, class_weight, C_gate)
    temperature = fit_temperature(oof, np.array([categories.index(c) for c in y]))
    gate_t = 1.0
    if gate is not None:
        gate_t = fit_temperature(np.stack([-gate / 2, gate / 2], axis=1), np.array([c != "none" for c in y], dtype=int))
    return CrossValidation(categories, y, softmax(oof, temperature), None if gate is None else sigmoid(gate, gate_t),
                           fold, temperature, gate_t)

