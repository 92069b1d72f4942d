"""The hybrid request detector: keyword evidence + TF-IDF features into calibrated linear heads."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
from scipy import sparse

from bot.classifier.base import Prediction
from bot.classifier.decision import read_one
from bot.classifier.extract import ADVERT, FICTION, FORWARDED, extract_location, extract_provider, normalize
from bot.classifier.features import Featurizer

MODEL_VERSION = "hybrid-12"
LONG_CHARS = 200  # longer than any training message: read by clauses as well
_CLAUSE = re.compile(r"[。！？!?；;，,、…~～\s]+")
_REPEAT = re.compile(r"(.{2,20}?)\1+")  # filler said over and over is a clause of its own
_PIECE_CHARS = 60
_MAX_PIECES = 200
DANGER_MIN = 0.3  # P(request) from which safety words make chatter a request ("晚霞像着火" stays chatter)
# P(request) from which the urgency head alone makes an unsure request ping as urgent (None: never).
# Chosen by nested 5-fold CV (bench/urgent_nested.py): urgent recall 0.869 -> 0.928 at precision
# 0.757, false alarms 1.89% -> 2.08%; 0.3 found a little more danger for more false alarms.
URGENT_HEAD_ESCALATES: float | None = 0.5
HEAD_CHARS, TAIL_CHARS = 1500, 500  # what of a very long message is read: bounded work whatever its size


def bounded(text: str) -> str:
    """A very long message is read by its beginning and its end (a request is said first or last)."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def pieces(clean: str) -> list[str]:
    """The distinct clauses of a long message (windows of a clause that is still long).

    Filler said over and over becomes one clause of its own; where it starts is ambiguous
    ("停水了真的急死了真的急死了": "了真的急死" or "真的急死了"), so every phase is tried."""
    first = _REPEAT.search(clean)
    texts = [clean]
    if first is not None:
        unit, head, tail = first.group(1), clean[:first.start()], clean[first.end():]
        texts = [f"{head}{unit[:k]} {unit[k:]}{unit[:k]} {tail}" for k in range(len(unit))]
    out: list[str] = []
    for text in texts:
        for clause in _CLAUSE.split(_REPEAT.sub(lambda m: f" {m.group(1)} ", text)):
            if len(clause) <= _PIECE_CHARS:
                out.append(clause)
            else:
                step = _PIECE_CHARS // 2
                out += [clause[i:i + _PIECE_CHARS] for i in range(0, len(clause) - step, step)]
    return list(dict.fromkeys(p for p in out if len(p) >= 2))[:_MAX_PIECES]


@dataclass
class LinearHead:
    """A fitted linear model reduced to arrays: softmax(temperature-scaled W·x + b)."""

    classes: tuple[str, ...]
    coef_t: np.ndarray  # (n_features, n_classes), so one message gathers rows
    intercept: np.ndarray
    temperature: float = 1.0

    @classmethod
    def from_estimator(cls, est, temperature: float = 1.0) -> "LinearHead":
        coef = np.asarray(est.coef_, dtype=np.float64)
        intercept = np.asarray(est.intercept_, dtype=np.float64)
        classes = tuple(str(c) for c in est.classes_)
        if coef.shape[0] == 1:  # binary: make it two-column so softmax gives P(class 1)
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        return cls(classes, np.ascontiguousarray(coef.T), intercept, temperature)

    def decision_many(self, X: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef_t) + self.intercept

    def proba_from_decision(self, d: np.ndarray) -> np.ndarray:
        z = d / self.temperature
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def proba_row(self, d: Sequence[float]) -> list[float]:
        """`proba_from_decision` of one message's decision values, in plain floats (numpy's per-call
        cost is most of the work for a handful of classes)."""
        t = self.temperature
        z = [v / t for v in d]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return [v / total for v in e]


@dataclass
class HybridModel:
    """Everything prediction needs; this object is the saved artefact's payload."""

    featurizer: Featurizer
    category: LinearHead
    provider: LinearHead | None = None
    urgent: LinearHead | None = None
    gate: LinearHead | None = None  # request vs none; its P(request) is what the thresholds apply to
    thresholds: dict[str, float] = field(default_factory=dict)
    margin: float = 0.0  # the abstain margin chosen with the thresholds
    version: str = MODEL_VERSION
    data_hash: str = ""
    meta: dict = field(default_factory=dict)


def fit_temperature(decisions: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature minimising log-loss of out-of-fold decisions (a one-parameter calibration)."""
    best_t, best_loss = 1.0, math.inf
    rows = np.arange(len(y))
    for t in np.exp(np.linspace(math.log(0.05), math.log(5.0), 60)):
        z = decisions / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[rows, y].mean()
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


class HybridClassifier:
    """Predicts with a `HybridModel`; abstains when unsure (see `Prediction.abstained`)."""

    def __init__(self, model: HybridModel, min_confidence: float = 0.45, min_margin: float = 0.10,
                 provider_min: float = 0.6, urgent_min: float = 0.5) -> None:
        self.model = model
        self.min_confidence = min_confidence
        self.min_margin = min_margin
        self.provider_min = provider_min
        self.urgent_min = urgent_min
        self._none = model.category.classes.index("none") if "none" in model.category.classes else -1
        fz = model.featurizer
        self._word_names = {j: w for w, j in fz.word.vocab.items()}
        self._support_by_class: dict[int, dict[int, float]] = {}
        # Every head's weights side by side: one message gathers its feature rows once for all heads.
        self._heads = [(name, h) for name, h in (("category", model.category), ("gate", model.gate),
                                                 ("urgent", model.urgent), ("provider", model.provider)) if h is not None]
        self._stacked = np.ascontiguousarray(np.hstack([h.coef_t for _, h in self._heads]))
        self._bias = np.concatenate([h.intercept for _, h in self._heads])
        bounds = np.cumsum([0] + [len(h.classes) for _, h in self._heads])
        self._slices = {name: slice(a, b) for (name, _), a, b in zip(self._heads, bounds[:-1], bounds[1:])}

    # --- one message ------------------------------------------------------------------------

    def predict(self, text: str) -> Prediction:
        """Read one message."""
        clean = normalize(bounded(text))
        prediction = self._one(clean)
        if len(clean) > LONG_CHARS and not prediction.is_request:
            return self._strongest_piece(clean, prediction)
        return prediction

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """Read many messages (one matrix product per head)."""
        cleans = [normalize(bounded(t)) for t in texts]
        out = self._many(cleans)
        for i, clean in enumerate(cleans):
            if len(clean) > LONG_CHARS and not out[i].is_request:
                out[i] = self._strongest_piece(clean, out[i])
        return out

    def _one(self, clean: str) -> Prediction:
        tokens = self.model.featurizer.cut(clean)
        extras = self.model.featurizer.extras(clean, tokens)
        idx, val = self.model.featurizer.vector(clean, tokens, extras)
        if idx:  # every head at once: the message's feature rows of the stacked weights, one product
            d = np.dot(val, self._stacked.take(idx, axis=0)) + self._bias
        else:
            d = self._bias
        return self._decide(clean, tokens, idx, val, extras, d.tolist())

    def _many(self, cleans: Sequence[str]) -> list[Prediction]:
        if not cleans:
            return []
        fz = self.model.featurizer
        toks = [fz.cut(c) for c in cleans]
        extras = [fz.extras(c, t) for c, t in zip(cleans, toks)]
        vecs = [fz.vector(c, t, e) for c, t, e in zip(cleans, toks, extras)]
        decisions = (np.asarray(_csr(vecs, fz.n_features) @ self._stacked) + self._bias).tolist()
        return [self._decide(c, t, i, v, e, d) for c, t, (i, v), e, d in zip(cleans, toks, vecs, extras, decisions)]

    def _strongest_piece(self, clean: str, whole: Prediction) -> Prediction:
        """A long message (voice-to-text run-on, a rant) read by its clauses: the strongest request
        among them, else the reading of the whole. Forwarded articles and adverts stay whole."""
        if FORWARDED.search(clean) or ADVERT.search(clean):
            return whole
        best = None
        for piece in self._many(pieces(clean)):
            strength = piece.confidence if piece.p_request is None else piece.p_request
            if piece.is_request and (best is None or strength > best[0]):
                best = (strength, piece)
        if best is None:
            return whole
        return replace(best[1], location=best[1].location or extract_location(clean))

    # --- the decision rule ------------------------------------------------------------------

    def _decide(self, clean: str, tokens: Sequence[str], idx: list[int], val: list[float],
                extras: dict[str, float], d: list[float]) -> Prediction:
        """From every head's decision values `d` (stacked) to the reading, by the one decision rule."""
        classes = self.model.category.classes
        p = self.model.category.proba_row(d[self._slices["category"]])
        gate = self.model.gate
        p_request = None if gate is None else gate.proba_row(d[self._slices["gate"]])[1]
        # the deployer's floors on top of the rule chosen in training (settings can only make it stricter)
        top, _, abstained = read_one(p, p_request, classes, self.model.thresholds,
                                     max(self.min_margin, self.model.margin), self.min_confidence)
        category, confidence = classes[top], p[top]
        danger = "rule:urgent" in extras and not ({"rule:solved", "rule:forwarded", "rule:advert"} & extras.keys()) \
            and not FICTION.search(clean)
        if URGENT_HEAD_ESCALATES is not None and abstained and not danger and category != "none" \
                and (p_request or 0.0) >= URGENT_HEAD_ESCALATES and self._urgent(d):
            danger = True  # the urgency head is sure of danger in a request the detector was unsure of
        if danger and (abstained or (category == "none" and (p_request or 0.0) >= DANGER_MIN)):
            # Safety words (smoke, gas, a person in danger, a hazard on the road) are never left to
            # tomorrow's review: the likeliest request category is pinged at once.
            top = max((k for k in range(len(p)) if classes[k] != "none"), key=p.__getitem__)
            category, confidence, abstained = classes[top], p[top], False
        provider = self._provider(clean, d) if category == "telecom" else None
        urgent = category != "none" and (danger or self._urgent(d))
        return Prediction(
            category=category,
            confidence=confidence,
            provider=provider,
            urgent=urgent,
            keywords=self._keywords(tokens, idx, val, top),
            location=extract_location(clean) if category != "none" else None,
            abstained=abstained,
            scores=dict(zip(classes, p)),
            p_request=p_request,
        )

    def _provider(self, clean: str, d: list[float]) -> str | None:
        named = extract_provider(clean)
        if named is not None or self.model.provider is None:
            return named
        head = self.model.provider
        p = head.proba_row(d[self._slices["provider"]])
        best = max(range(len(p)), key=p.__getitem__)
        label = head.classes[best]
        return label if label != "null" and p[best] >= self.provider_min else None

    def _urgent(self, d: list[float]) -> bool:
        head = self.model.urgent
        if head is None or "True" not in head.classes:
            return False
        p = head.proba_row(d[self._slices["urgent"]])
        bar = self.model.meta.get("urgent_min", self.urgent_min)  # chosen out of fold at training
        return p[head.classes.index("True")] >= bar

    def _keywords(self, tokens: Sequence[str], idx: list[int], val: list[float], cls: int) -> tuple[str, ...]:
        """Keyword-file words found, then (for requests) the words that most support the label."""
        index = self.model.featurizer.keyword_index
        found = [t for t in tokens if t in index]
        if cls != self._none and len(found) < 3:
            weights, names, first = self._support(cls), self._word_names, self.model.featurizer.word.offset
            support = []
            for j, v in zip(reversed(idx), reversed(val)):  # from the end: extras, words; then chars (`vector`)
                if j < first:
                    break
                w = weights.get(j)
                if w is not None:
                    support.append((w * v, names[j]))
            support.sort(reverse=True)
            found += [w for _, w in support[: 3 - len(found)]]
        return tuple(dict.fromkeys(found))

    def _support(self, cls: int) -> dict[int, float]:
        """The words that can name a request of class `cls`: positive weight, more than one character,
        not a trade word (built once per class, as plain floats)."""
        table = self._support_by_class.get(cls)
        if table is None:
            coef = self.model.category.coef_t[:, cls]
            table = self._support_by_class[cls] = {
                j: float(coef[j]) for j, w in self._word_names.items()
                if coef[j] > 0 and "_" not in w and len(w) > 1 and w not in _NOT_KEYWORDS}
        return table


# Frequent supporting words that say nothing about the problem.
_NOT_KEYWORDS = frozenset({"单元", "号楼", "网格员", "我们", "你们", "他们", "这个", "那个", "今天", "昨天", "现在",
                           "一下", "什么", "怎么", "还是", "已经", "没有", "可以", "师傅", "麻烦"})


def _csr(vecs: Sequence[tuple[list[int], list[float]]], n_features: int) -> sparse.csr_matrix:
    indptr = np.cumsum([0] + [len(i) for i, _ in vecs])
    indices = np.fromiter((j for i, _ in vecs for j in i), dtype=np.int64, count=int(indptr[-1]))
    data = np.fromiter((x for _, v in vecs for x in v), dtype=np.float64, count=int(indptr[-1]))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(vecs), n_features))
