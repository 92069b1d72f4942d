"""Training the hybrid model (featurizer, heads, decision rule) and its saved artefact.

The stored corrections (#改派) are passed in by the caller: the classifier never reads the database.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from bot.classifier.extract import is_urgent
from bot.classifier.corpus import TRAIN_FILE, CorpusError, Example, corpus_files, data_hash, read_corpus
from bot.classifier.crossval import C_CATEGORY, C_GATE, FOLDS, _is_request, cross_validate, fit_linear, prepare
from bot.classifier.decision import FALSE_ALARM_TARGET, choose_decision, decide, decision_figures
from bot.classifier.features import FeatureConfig, Featurizer
from bot.classifier.hybrid import MODEL_VERSION, HybridModel, LinearHead
from bot.classifier.keyword_model import load_keywords, register_user_dict
from bot.labels import REQUEST_CATEGORIES
from bot.paths import KEYWORDS

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

ARTEFACT = "classifier.joblib"
META = "classifier.json"


def build_model(train: Sequence[Example], keywords: dict[str, frozenset[str]], config: FeatureConfig | None = None,
                C: float = C_CATEGORY, min_confidence: float = 0.0, min_margin: float = 0.0,
                with_heads: bool = True, folds: int = FOLDS, target: float = FALSE_ALARM_TARGET,
                C_gate: float | None = C_GATE) -> HybridModel:
    """Fit featurizer, category head and request gate (each calibrated on out-of-fold decisions),
    choose the decision rule on the out-of-fold probabilities, fit the provider/urgency heads.
    Deterministic: same data, same model."""
    register_user_dict(keywords)
    config = config or FeatureConfig()
    index = {w: c for c in sorted(keywords) for w in sorted(keywords[c])}
    docs = prepare([e.text for e in train])
    cv = cross_validate(train, keywords, config, C, folds, docs, C_gate=C_gate)
    categories = cv.classes
    featurizer = Featurizer(config, index, REQUEST_CATEGORIES)
    featurizer.fit(docs)
    X = featurizer.transform(docs)
    y = [e.category for e in train]
    weights = [e.weight for e in train]
    head = _reorder(LinearHead.from_estimator(fit_linear(X, y, weights, C), cv.temperature), categories)
    model = HybridModel(featurizer, head, meta={"n_train": len(train), "categories": categories, "C": C,
                                                 "C_gate": C_gate, "temperature": cv.temperature,
                                                 "folds": int(cv.folds.max()) + 1})
    if cv.gate is not None:
        gate = LinearHead.from_estimator(fit_linear(X, _is_request(y), weights, C_gate, class_weight=None),
                                         cv.gate_temperature)
        model.gate = _reorder(gate, ["none", "request"])
    if "none" in categories:
        model.thresholds, model.margin = choose_decision(cv.probs, cv.gate, categories, y, None, min_confidence,
                                                         min_margin, target)
        top, ping = decide(cv.probs, cv.gate, categories, model.thresholds, model.margin, None, min_confidence)
        model.meta["thresholds_from"] = "out-of-fold"
        model.meta["false_alarm_target"] = target
        model.meta["cv"] = {k: round(v, 4) if isinstance(v, float) else v
                            for k, v in decision_figures(y, categories, top, ping).items()}
    if with_heads:
        model.provider = _provider_head(X, train)
        model.urgent = _urgent_head(X, train)
        if model.urgent is not None:
            model.meta["urgent_min"], model.meta["urgent_cv"] = _urgent_threshold(X, train, docs, cv.folds)
    return model


def _reorder(head: LinearHead, classes: Sequence[str]) -> LinearHead:
    pos = [head.classes.index(c) for c in classes]
    return LinearHead(tuple(classes), np.ascontiguousarray(head.coef_t[:, pos]), head.intercept[pos], head.temperature)


def _provider_head(X, train: Sequence[Example]) -> LinearHead | None:
    rows = [i for i, e in enumerate(train) if e.category == "telecom"]
    labels = [train[i].provider or "null" for i in rows]
    if len(set(labels)) < 2:
        return None
    return LinearHead.from_estimator(fit_linear(X[rows], labels, None, 0.5))


URGENT_PRECISION = 0.75  # the urgency head's threshold: the most urgent requests found at this precision
URGENT_GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))


def _urgent_threshold(X, train: Sequence[Example], docs, folds: np.ndarray) -> tuple[float, dict]:
    """P(urgent) threshold chosen on out-of-fold decisions of the requests (the rule flags count too):
    the highest recall whose precision reaches URGENT_PRECISION."""
    rows = np.array([i for i, e in enumerate(train) if e.category != "none"])
    gold = np.array([train[i].urgent for i in rows])
    rule = np.array([is_urgent(docs[i][0]) for i in rows])
    p = np.zeros(len(rows))
    for k in sorted(set(folds[rows].tolist())):
        tr, te = folds[rows] != k, folds[rows] == k
        if len(set(gold[tr].tolist())) < 2 or not te.any():
            continue
        head = LinearHead.from_estimator(fit_linear(X[rows[tr]], [str(g) for g in gold[tr]], None, 0.5))
        p[te] = head.proba_from_decision(head.decision_many(X[rows[te]]))[:, head.classes.index("True")]
    best = (0.5, {})
    for t in URGENT_GRID:
        flagged = rule | (p >= t)
        hits = int(np.sum(flagged & gold))
        precision, recall = hits / max(1, int(flagged.sum())), hits / max(1, int(gold.sum()))
        if precision >= URGENT_PRECISION and recall > best[1].get("recall", -1):
            best = (t, {"recall": round(recall, 4), "precision": round(precision, 4)})
    return best


def _urgent_head(X, train: Sequence[Example]) -> LinearHead | None:
    rows = [i for i, e in enumerate(train) if e.category != "none"]
    labels = [str(train[i].urgent) for i in rows]
    if len(set(labels)) < 2:
        return None
    return LinearHead.from_estimator(fit_linear(X[rows], labels, None, 0.5))


# --- the artefact ----------------------------------------------------------------------------

def current_hash(corrections: Sequence[Example] = ()) -> str:
    """The data hash the saved model must carry: the corpus, the keyword files and the corrections."""
    return data_hash(corpus_files(), KEYWORDS, corrections)


def saved_meta(model_dir: Path) -> dict | None:
    """The saved artefact's version and hash, without loading it."""
    try:
        return json.loads((model_dir / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_stale(settings: "Settings", corrections: Sequence[Example] = ()) -> bool:
    """True when the artefact is missing, of another version, or trained on other data."""
    meta = saved_meta(settings.model_dir)
    if meta is None or not (settings.model_dir / ARTEFACT).is_file():
        return True
    expected = current_hash(corrections)
    return meta.get("version") != MODEL_VERSION or meta.get("data_hash") != expected


def train(settings: "Settings", corrections: Sequence[Example] = ()) -> HybridModel:
    """Train on every train*.jsonl, dev.jsonl, the training days and the corrections; save under model_dir."""
    import joblib

    if not TRAIN_FILE.is_file():
        raise CorpusError(f"{TRAIN_FILE}: training corpus missing")
    started = time.perf_counter()
    corrections = list(corrections)
    digest = current_hash(corrections)
    files = corpus_files()
    train_set = read_corpus(files) + corrections
    model = build_model(train_set, load_keywords(), min_confidence=settings.abstain_min_confidence,
                        min_margin=settings.abstain_min_margin)
    model.data_hash = digest
    model.meta.update(n_corrections=len(corrections), files=[p.name for p in files],
                      seconds=round(time.perf_counter() - started, 2))
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.model_dir / (ARTEFACT + ".tmp")
    joblib.dump(model, tmp, compress=0)
    tmp.replace(settings.model_dir / ARTEFACT)
    meta = {"version": model.version, "data_hash": digest, **model.meta}
    (settings.model_dir / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return model


def load_model(settings: "Settings", corrections: Sequence[Example] = (), retrain: bool = True) -> HybridModel:
    """The saved model from settings.model_dir; trained first (with a progress line) only when missing.

    A stale model (training data or corrections changed) is used as it is, with one line saying so
    and how to retrain: run time never trains silently (`make run` / `make test` retrain first).
    """
    import joblib

    meta = saved_meta(settings.model_dir)
    if meta is None or not (settings.model_dir / ARTEFACT).is_file() or meta.get("version") != MODEL_VERSION:
        if not retrain:
            raise CorpusError(f"{settings.model_dir}: no classifier model; run `gridbot train`")
        print(f"gridbot: {settings.model_dir} 里还没有分类模型，现在训练（约两三分钟）…", file=sys.stderr, flush=True)
        return train(settings, corrections)
    if retrain and is_stale(settings, corrections):
        print(f"gridbot: {settings.model_dir} 里的分类模型比训练数据旧，先照旧使用；重新训练请运行 gridbot train",
              file=sys.stderr, flush=True)
    model = joblib.load(settings.model_dir / ARTEFACT)
    register_user_dict(list(model.featurizer.keyword_index))  # the words, not their categories
    return model
