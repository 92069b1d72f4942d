"""Boosted trees for the "same incident" matcher, evaluated with numpy.

scikit-learn's HistGradientBoostingClassifier learns the interactions a logistic model cannot weigh
("也" right after the category's latest report, the same words long after a fix), but its own
predict costs about a millisecond per call whatever the rows: too slow for every message of a
county. The fitted trees are copied into flat arrays (one row per tree, one column per node) and
walked level by level for all trees and candidates at once: tens of microseconds, the same
probabilities, and an artefact that is plain JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Forest:
    """Flattened boosted trees. A leaf points to itself with an infinite threshold, so every walk
    takes `depth` steps; P = sigmoid(baseline + sum of the leaves' values)."""

    feature: np.ndarray  # (trees, nodes) int: the feature a node splits on
    threshold: np.ndarray  # (trees, nodes) float: go left when the value is <= this
    left: np.ndarray  # (trees, nodes) int
    right: np.ndarray  # (trees, nodes) int
    value: np.ndarray  # (trees, nodes) float: a leaf's contribution
    baseline: float
    depth: int
    _flat: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, *, depth: int = 4, trees: int = 100,
            learning_rate: float = 0.1) -> "Forest":
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(max_depth=depth, max_iter=trees, learning_rate=learning_rate,
                                               min_samples_leaf=20, early_stopping=False, random_state=0)
        model.fit(X, y)
        return cls.from_sklearn(model)

    @classmethod
    def from_sklearn(cls, model) -> "Forest":  # type: ignore[no-untyped-def]
        """Copy a fitted binary HistGradientBoostingClassifier (numerical features, no missing values)."""
        nodes = [p[0].nodes for p in model._predictors]
        width = max(len(n) for n in nodes)
        shape = (len(nodes), width)
        feature, left, right = (np.zeros(shape, dtype=np.intp) for _ in range(3))
        threshold, value = np.full(shape, np.inf), np.zeros(shape)
        depth = 0
        for t, n in enumerate(nodes):
            own = np.arange(len(n))
            leaf = n["is_leaf"].astype(bool)
            feature[t, :len(n)] = np.where(leaf, 0, n["feature_idx"])
            threshold[t, :len(n)] = np.where(leaf, np.inf, n["num_threshold"])
            left[t, :len(n)] = np.where(leaf, own, n["left"])
            right[t, :len(n)] = np.where(leaf, own, n["right"])
            value[t, :len(n)] = np.where(leaf, n["value"], 0.0)
            depth = max(depth, int(n["depth"].max()))
        return cls(feature, threshold, left, right, value, float(np.ravel(model._baseline_prediction)[0]), depth)

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The trees' summed log-odds for each row of X."""
        n = len(X)
        if self._flat is None:  # flat node arrays; a node's children side by side
            trees, width = self.feature.shape
            offset = (np.arange(trees) * width)[:, None]
            children = np.stack([(self.left + offset).ravel(), (self.right + offset).ravel()], axis=1).ravel()
            self._flat = (self.feature.ravel(), self.threshold.ravel(), children, self.value.ravel(),
                          np.arange(trees) * width)
        feature, threshold, children, value, roots = self._flat
        width = X.shape[1]
        flat_x = np.ascontiguousarray(X, dtype=float).ravel()
        at = np.tile(roots, n)  # every tree's root, for every row (row-major: row i's trees together)
        base = np.repeat(np.arange(n) * width, len(roots))
        for _ in range(self.depth):
            right = flat_x.take(base + feature.take(at)) > threshold.take(at)
            at = children.take(2 * at + right)
        return self.baseline + value.take(at).reshape(n, -1).sum(axis=1)

    def proba(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw(X)))

    def to_json(self) -> dict:
        return {"feature": self.feature.tolist(), "threshold": [[None if not np.isfinite(v) else float(v) for v in row]
                                                                for row in self.threshold],
                "left": self.left.tolist(), "right": self.right.tolist(), "value": self.value.tolist(),
                "baseline": self.baseline, "depth": self.depth}

    @classmethod
    def from_json(cls, obj: dict, n_features: int) -> "Forest":
        """Read back `to_json`; ValueError when the arrays do not make trees over `n_features` columns
        (a hand-edited or truncated artefact fails here, at load, not on a resident's message)."""
        threshold = np.array([[np.inf if v is None else v for v in row] for row in obj["threshold"]], dtype=float)
        forest = cls(np.asarray(obj["feature"], dtype=np.intp), threshold, np.asarray(obj["left"], dtype=np.intp),
                     np.asarray(obj["right"], dtype=np.intp), np.asarray(obj["value"], dtype=float),
                     float(obj["baseline"]), int(obj["depth"]))
        arrays = (forest.feature, forest.threshold, forest.left, forest.right, forest.value)
        width = forest.feature.shape[-1] if forest.feature.ndim == 2 else 0
        if forest.feature.ndim != 2 or width == 0 or any(a.shape != forest.feature.shape for a in arrays) \
                or not (0 <= forest.feature.min() and forest.feature.max() < n_features) \
                or not all(0 <= a.min() and a.max() < width for a in (forest.left, forest.right)) \
                or not 0 <= forest.depth <= width:
            raise ValueError("the matcher's trees do not fit together")
        return forest
