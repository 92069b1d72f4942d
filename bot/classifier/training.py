"""Deterministic training of the hybrid model, its data hash, and the saved artefact."""

from __future__ import annotations

import hashlib
import json
import logging
import re
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

CORPUS = DATA / "corpus"
TRAIN_FILE = CORPUS / "train.jsonl"
DEV_FILE = CORPUS / "dev.jsonl"
DIALOGUE_TRAIN = DATA / "dialogue" / "train"
ARTEFACT = "classifier.joblib"
META = "classifier.json"
SEED = 20240601
C_CATEGORY = 1.0
C_GATE = 1.0  # the request gate (request vs none), chosen by cross-validation
CORRECTION_WEIGHT = 3.0
FOLDS = 5
# The decision rule's objective on out-of-fold predictions: false alarms (a `none` message that
# would ping) at most this share of non-requests; under it, fewest misses, then fewest misrouted pings.
FALSE_ALARM_TARGET = 0.015
THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(1, 10)) + tuple(round(0.5 + 0.01 * i, 2) for i in range(50))
# One shared threshold: per-class thresholds gained ~0.5 pp of misses on the out-of-fold rows they
# were chosen on but let false alarms through on the folds they were not (see bench/classify_quality.py --cv).
PER_CLASS = False
MARGIN_GRID = (0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30)


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
    source: str = ""  # the corpus file's stem, "correction" for stored corrections


# --- data ------------------------------------------------------------------------------------

def corpus_files(folder: Path | None = None) -> list[Path]:
    """The training corpus: every train*.jsonl (new files are picked up), then dev.jsonl.

    test.jsonl is never among them: it is read only by the quality benchmark.
    """
    folder = CORPUS if folder is None else folder
    files = sorted(folder.glob("train*.jsonl"))
    if (folder / "dev.jsonl").is_file():
        files.append(folder / "dev.jsonl")
    if folder == CORPUS:  # residents' messages of the labelled training days (never dev or test days)
        files += [p for p in sorted(DIALOGUE_TRAIN.glob("*.jsonl"))
                  if p.with_name(p.name[:-len(".jsonl")] + ".incidents.json").is_file()]
    return files


def read_corpus(files: Sequence[Path]) -> list[Example]:
    """All examples of the given files, in order."""
    return [e for path in files for e in read_jsonl(path)]


def read_jsonl(path: Path) -> list[Example]:
    """Labelled examples from a JSON Lines corpus file (blank lines skipped)."""
    out: list[Example] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if "sender_role" in obj:  # a labelled day: residents' messages carry the labels in `expect`
                    if obj["sender_role"] != "resident":
                        continue
                    obj = {"text": obj["text"], **obj["expect"]}
                text, category = obj["text"], obj["category"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise CorpusError(f"{path}:{number}: not a labelled example ({exc})") from None
            if category not in CATEGORIES or not isinstance(text, str):
                raise CorpusError(f"{path}:{number}: unknown category {category!r}")
            provider = obj.get("provider")
            out.append(Example(text, category, provider if provider in PROVIDERS else None, bool(obj.get("urgent")),
                               source=path.stem))
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
                                is_urgent(normalize(r.text)), CORRECTION_WEIGHT, "correction")
                        for r in rows if r.category in CATEGORIES and r.text]
        finally:
            engine.dispose()
    except Exception as exc:  # an unreachable database must not stop the bot from starting
        log.warning("corrections not read from %s: %s", database_url, exc)
        return []


def data_hash(files: Sequence[Path], keywords_dir: Path, corrections: Sequence[Example]) -> str:
    """sha256 over the model version, the corpus files (names and bytes), keyword files and corrections."""
    h = hashlib.sha256(MODEL_VERSION.encode())
    for path in files:
        h.update(b"\0file\0" + path.name.encode() + b"\0")
        if path.is_file():
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


def fit_linear(X, y: Sequence[str], weights: Sequence[float] | None, C: float, seed: int = SEED,
               class_weight: str | None = "balanced"):
    """The linear model behind every head: a one-vs-rest linear SVM (liblinear, fixed seed);
    its decision values are calibrated afterwards by a softmax temperature."""
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=C, class_weight=class_weight, random_state=seed, max_iter=5000)
    model.fit(X, list(y), sample_weight=None if weights is None else np.asarray(weights))
    return model


# --- cross-validation ------------------------------------------------------------------------

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
        Xtr, Xte = fz.transform(docs[i] for i in tr), fz.transform(docs[i] for i in te)
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


# --- the decision rule -----------------------------------------------------------------------

def decide(probs: np.ndarray, gate: np.ndarray | None, classes: Sequence[str], thresholds: dict[str, float],
           margin: float, blocked: np.ndarray | None = None, floor: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(best-guess class index, would ping) per row, exactly as `HybridClassifier` decides.

    A message pings when its best-guess category is a request, the request gate's P(request)
    reaches that category's threshold, the category's probability reaches `floor` and leads the
    runner-up by `margin` (and `blocked`, for experiments with veto rules, is False: cross-validation
    found the solved/advert vetoes cost misses without saving false alarms, so they are features now).
    Without a gate the thresholds apply to the category's probability."""
    rows = np.arange(len(probs))
    order = np.argsort(-probs, axis=1, kind="stable")
    top = order[:, 0]
    conf = probs[rows, top]
    gap = conf - probs[rows, order[:, 1]]
    need = np.array([thresholds.get(c, 1.1) if c != "none" else 1.1 for c in classes])[top]
    score = conf if gate is None else gate
    ping = (score >= need) & (conf >= floor) & (gap >= margin)
    if blocked is not None:
        ping &= ~blocked
    return top, ping


def decision_figures(y: Sequence[str], classes: Sequence[str], top: np.ndarray, ping: np.ndarray) -> dict:
    """False-alarm rate, miss rate, misrouted pings and macro-F1 (of the best guess), as `gridbot eval`."""
    y = np.asarray(y)
    pred = np.asarray(classes)[top]
    none = y == "none"
    labels = sorted(set(y.tolist()) | set(pred.tolist()))
    f1s = []
    for c in labels:
        tp = np.sum((pred == c) & (y == c))
        if not np.any(y == c):
            continue
        p = tp / max(1, np.sum(pred == c))
        r = tp / max(1, np.sum(y == c))
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return {
        "macro_f1": float(np.mean(f1s)),
        "false_alarm_rate": float(np.sum(ping & none) / max(1, np.sum(none))),
        "miss_rate": float(np.sum(~ping & ~none) / max(1, np.sum(~none))),
        "misrouted": int(np.sum(ping & ~none & (pred != y))),
        "n": int(len(y)),
    }


def choose_decision(probs: np.ndarray, gate: np.ndarray | None, classes: Sequence[str], y: Sequence[str],
                    blocked: np.ndarray | None = None, floor: float = 0.0, margin_floor: float = 0.0,
                    target: float = FALSE_ALARM_TARGET, per_class: bool = PER_CLASS) -> tuple[dict[str, float], float]:
    """Per-class thresholds and the abstain margin, chosen on out-of-fold probabilities.

    Objective: false alarms <= `target` of non-requests; under that, fewest misses, then fewest
    misrouted pings. Per margin: one shared threshold, the lowest that meets the target; then
    (`per_class`) each class's threshold moves down while that adds no false alarm and up while
    that loses no request, so a class's threshold departs from the shared one only where the
    out-of-fold evidence is one-sided.
    """
    y = np.asarray(y)
    none = y == "none"
    allowed = target * max(1, int(np.sum(none)))
    requests = [c for c in classes if c != "none"]
    grid = THRESHOLD_GRID
    best: tuple | None = None

    def cost(th: dict[str, float], m: float) -> tuple[int, int, int]:
        top, ping = decide(probs, gate, classes, th, m, blocked, floor)
        pred = np.asarray(classes)[top]
        return int(np.sum(ping & none)), int(np.sum(~ping & ~none)), int(np.sum(ping & ~none & (pred != y)))

    for m in [m for m in MARGIN_GRID if m >= margin_floor] or [margin_floor]:
        shared = next((i for i in range(len(grid)) if cost({c: grid[i] for c in requests}, m)[0] <= allowed), None)
        if shared is None:
            continue
        level = {c: shared for c in requests}
        th = {c: grid[shared] for c in requests}
        fa, miss, mis = cost(th, m)
        changed = per_class
        while changed:
            changed = False
            for c in requests:
                for step in (-1, 1):
                    i = level[c] + step
                    if not 0 <= i < len(grid):
                        continue
                    trial = dict(th)
                    trial[c] = grid[i]
                    f, ms, mr = cost(trial, m)
                    better = (f <= fa and (ms, mr) < (miss, mis)) if step < 0 else (f < fa and ms <= miss)
                    if better and f <= allowed:
                        level[c], th[c] = i, grid[i]
                        fa, miss, mis = f, ms, mr
                        changed = True
        key = (miss, mis, fa, m)
        if best is None or key < best[0]:
            best = (key, dict(th), m)
    if best is None:  # the target cannot be met: the strictest rule
        return {c: grid[-1] for c in requests}, MARGIN_GRID[-1]
    return {c: float(v) for c, v in best[1].items()}, float(best[2])


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
    return data_hash(corpus_files(), KEYWORDS, corrections), corrections


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
    """Train on every train*.jsonl, dev.jsonl and stored corrections; save under model_dir."""
    import joblib

    if not TRAIN_FILE.is_file():
        raise CorpusError(f"{TRAIN_FILE}: training corpus missing")
    started = time.perf_counter()
    digest, corrections = current_hash(settings)
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


def load_model(settings: "Settings", retrain: bool = True) -> HybridModel:
    """The saved model from settings.model_dir, retrained first when missing or stale."""
    import joblib

    if retrain and is_stale(settings):
        log.info("classifier model missing or stale: training")
        return train(settings)
    model = joblib.load(settings.model_dir / ARTEFACT)
    register_user_dict(list(model.featurizer.keyword_index))  # the words, not their categories
    return model
