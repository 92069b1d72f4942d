"""Deterministic training of the hybrid model, its data hash, and the saved artefact."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from bot.classifier.extract import is_urgent, normalize
from bot.classifier.features import FeatureConfig, Featurizer, cut
from bot.classifier.hybrid import MODEL_VERSION, HybridModel, LinearHead, fit_temperature
from bot.classifier.keyword_model import load_keywords, register_user_dict
from bot.labels import CATEGORIES, PROVIDERS, REQUEST_CATEGORIES
from bot.paths import DATA, KEYWORDS

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

TRAIN_FILE = DATA / "corpus" / "train.jsonl"
DEV_FILE = DATA / "corpus" / "dev.jsonl"
ARTEFACT = "classifier.joblib"
META = "classifier.json"
SEED = 20240601
C_CATEGORY = 1.0
CORRECTION_WEIGHT = 3.0
THRESHOLD_GRID = (0.0, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


class CorpusError(ValueError):
    """A corpus file is unreadable; the message says which file and line."""


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    category: str
    provider: str | None = None
    urgent: bool = False
    weight: float = 1.0


# --- data ------------------------------------------------------------------------------------

def read_jsonl(path: Path) -> list[Example]:
    """Labelled examples from a JSON Lines corpus file (blank lines skipped)."""
    out: list[Example] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                text, category = obj["text"], obj["category"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise CorpusError(f"{path}:{number}: not a labelled example ({exc})") from None
            if category not in CATEGORIES or not isinstance(text, str):
                raise CorpusError(f"{path}:{number}: unknown category {category!r}")
            provider = obj.get("provider")
            out.append(Example(text, category, provider if provider in PROVIDERS else None, bool(obj.get("urgent"))))
    return out


def load_corrections(database_url: str) -> list[Example]:
    """Reassignment corrections stored by the core (`models.Correction`); none when there is no table yet."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        if not Path(database_url[len("sqlite:///"):]).is_file():
            return []  # do not create the database just by looking
    try:
        from models import Correction  # the core's table
        from sqlalchemy import inspect
        from sqlmodel import Session, create_engine, select
    except ImportError:
        return []
    try:
        engine = create_engine(database_url)
        try:
            if not inspect(engine).has_table(Correction.__tablename__):
                return []
            with Session(engine) as session:
                rows = session.exec(select(Correction).order_by(Correction.id)).all()
                return [Example(r.text, r.category, r.provider if r.provider in PROVIDERS else None,
                                is_urgent(normalize(r.text)), CORRECTION_WEIGHT)
                        for r in rows if r.category in CATEGORIES and r.text]
        finally:
            engine.dispose()
    except Exception as exc:  # an unreachable database must not stop the bot from starting
        log.warning("corrections not read from %s: %s", database_url, exc)
        return []


def data_hash(train_file: Path, dev_file: Path | None, keywords_dir: Path, corrections: Sequence[Example]) -> str:
    """sha256 over the model version, training and dev files, keyword files and stored corrections."""
    h = hashlib.sha256(MODEL_VERSION.encode())
    for path in (train_file, dev_file):
        h.update(b"\0file\0")
        if path is not None and path.is_file():
            h.update(path.read_bytes())
    for path in sorted(keywords_dir.glob("*.txt")):
        h.update(b"\0kw\0" + path.name.encode() + b"\0" + path.read_bytes())
    for c in corrections:
        h.update(b"\0corr\0" + json.dumps([c.text, c.category, c.provider], ensure_ascii=False).encode())
    return h.hexdigest()


# --- fitting ---------------------------------------------------------------------------------

def prepare(texts: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(normalised text, jieba tokens) for each message."""
    cleans = [normalize(t) for t in texts]
    return [(c, cut(c)) for c in cleans]


def fit_linear(X, y: Sequence[str], weights: Sequence[float] | None, C: float, seed: int = SEED):
    """The linear model behind every head: a one-vs-rest linear SVM (liblinear, fixed seed);
    its decision values are calibrated afterwards by a softmax temperature."""
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=C, class_weight="balanced", random_state=seed, max_iter=5000)
    model.fit(X, list(y), sample_weight=None if weights is None else np.asarray(weights))
    return model


def out_of_fold(X, y: Sequence[str], weights, C: float, classes: Sequence[str], folds: int = 5) -> np.ndarray:
    """Out-of-fold decision values (rows x classes), for calibration and thresholds."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y)
    counts = np.unique(y, return_counts=True)[1]
    folds = max(2, min(folds, int(counts.min())))
    out = np.zeros((len(y), len(classes)))
    w = None if weights is None else np.asarray(weights)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y):
        est = fit_linear(X[tr], y[tr], None if w is None else w[tr], C)
        head = LinearHead.from_estimator(est)
        d = head.decision_many(X[te])
        for k, c in enumerate(head.classes):
            out[te, classes.index(c)] = d[:, k]
    return out


def choose_thresholds(probs: np.ndarray, classes: Sequence[str], y: Sequence[str], min_margin: float) -> dict[str, float]:
    """Per-class confidence floors: a false ping costs far more than a request sent to review."""
    y = np.asarray(y)
    order = np.argsort(-probs, axis=1, kind="stable")
    top = order[:, 0]
    conf = probs[np.arange(len(y)), top]
    margin = conf - probs[np.arange(len(y)), order[:, 1]]
    out: dict[str, float] = {}
    for k, c in enumerate(classes):
        if c == "none":
            continue
        mask = (top == k) & (margin >= min_margin)
        best_t, best_cost = 0.0, np.inf
        for t in THRESHOLD_GRID:
            ping = mask & (conf >= t)
            held = mask & (conf < t)
            cost = (4.0 * np.sum(ping & (y == "none")) + 0.5 * np.sum(ping & (y != "none") & (y != c))
                    + 1.0 * np.sum(held & (y != "none")) + 0.05 * np.sum(held & (y == "none")))
            if cost < best_cost - 1e-9:
                best_t, best_cost = t, cost
        out[c] = float(best_t)
    return out


def build_model(train: Sequence[Example], keywords: dict[str, frozenset[str]], dev: Sequence[Example] = (),
                config: FeatureConfig | None = None, C: float = C_CATEGORY, min_margin: float = 0.10,
                with_heads: bool = True) -> HybridModel:
    """Fit featurizer, category head (calibrated on out-of-fold decisions), thresholds and the
    provider/urgency heads. Deterministic: same data, same model."""
    register_user_dict(keywords)
    categories = sorted({e.category for e in train})
    index = {w: c for c in sorted(keywords) for w in sorted(keywords[c])}
    featurizer = Featurizer(config or FeatureConfig(), index, REQUEST_CATEGORIES)
    docs = prepare([e.text for e in train])
    featurizer.fit(docs)
    X = featurizer.transform(docs)
    y = [e.category for e in train]
    weights = [e.weight for e in train]
    oof = out_of_fold(X, y, weights, C, categories)
    temperature = fit_temperature(oof, np.array([categories.index(c) for c in y]))
    head = LinearHead.from_estimator(fit_linear(X, y, weights, C), temperature)
    head = _reorder(head, categories)
    model = HybridModel(featurizer, head, meta={"n_train": len(train), "categories": categories, "C": C,
                                                 "temperature": temperature})
    if "none" in categories:
        if dev:
            Xd = featurizer.transform(prepare([e.text for e in dev]))
            probs, ys = head.proba_from_decision(head.decision_many(Xd)), [e.category for e in dev]
            model.meta["thresholds_from"] = "dev"
        else:
            probs, ys = head.proba_from_decision(oof), y
            model.meta["thresholds_from"] = "out-of-fold"
        model.thresholds = choose_thresholds(probs, categories, ys, min_margin)
    if with_heads:
        model.provider = _provider_head(X, train)
        model.urgent = _urgent_head(X, train)
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


def _urgent_head(X, train: Sequence[Example]) -> LinearHead | None:
    rows = [i for i, e in enumerate(train) if e.category != "none"]
    labels = [str(train[i].urgent) for i in rows]
    if len(set(labels)) < 2:
        return None
    return LinearHead.from_estimator(fit_linear(X[rows], labels, None, 0.5))


# --- the artefact ----------------------------------------------------------------------------

def current_hash(settings: "Settings") -> tuple[str, list[Example]]:
    """The data hash the saved model must carry, and the stored corrections it covers."""
    corrections = load_corrections(settings.database_url)
    return data_hash(TRAIN_FILE, DEV_FILE, KEYWORDS, corrections), corrections


def saved_meta(model_dir: Path) -> dict | None:
    """The saved artefact's version and hash, without loading it."""
    try:
        return json.loads((model_dir / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_stale(settings: "Settings", expected: str | None = None) -> bool:
    """True when the artefact is missing, of another version, or trained on other data."""
    meta = saved_meta(settings.model_dir)
    if meta is None or not (settings.model_dir / ARTEFACT).is_file():
        return True
    expected = expected or current_hash(settings)[0]
    return meta.get("version") != MODEL_VERSION or meta.get("data_hash") != expected


def train(settings: "Settings") -> HybridModel:
    """Train on train.jsonl + stored corrections (thresholds from dev.jsonl) and save under model_dir."""
    import joblib

    if not TRAIN_FILE.is_file():
        raise CorpusError(f"{TRAIN_FILE}: training corpus missing")
    started = time.perf_counter()
    digest, corrections = current_hash(settings)
    train_set = read_jsonl(TRAIN_FILE) + corrections
    dev = read_jsonl(DEV_FILE) if DEV_FILE.is_file() else []
    model = build_model(train_set, load_keywords(), dev, min_margin=settings.abstain_min_margin)
    model.data_hash = digest
    model.meta.update(n_corrections=len(corrections), seconds=round(time.perf_counter() - started, 2))
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.model_dir / (ARTEFACT + ".tmp")
    joblib.dump(model, tmp, compress=0)
    tmp.replace(settings.model_dir / ARTEFACT)
    meta = {"version": model.version, "data_hash": digest, **model.meta}
    (settings.model_dir / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return model


def load_model(settings: "Settings", retrain: bool = True) -> HybridModel:
    """The saved model from settings.model_dir, retrained first when missing or stale."""
    import joblib

    if retrain and is_stale(settings):
        log.info("classifier model missing or stale: training")
        return train(settings)
    model = joblib.load(settings.model_dir / ARTEFACT)
    register_user_dict(list(model.featurizer.keyword_index))  # the words, not their categories
    return model
