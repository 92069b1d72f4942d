"""Training: the data hash, staleness, determinism, stored corrections, the tipdm pipeline."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from bot.classifier.hybrid import HybridClassifier
from bot.classifier.keyword_model import load_keywords
from bot.classifier.corpus import TRAIN_FILE, Example, data_hash, read_jsonl
from bot.classifier.training import build_model, current_hash, is_stale, load_model, train
from bot.corrections import stored_corrections
from bot.settings import Settings, load_settings

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "tipdm2020"


def _settings(folder: Path) -> Settings:
    return load_settings(folder / "absent.env", environ={}, database_url=f"sqlite:///{folder / 'gridbot.db'}",
                         model_dir=folder / "model")


def _store_correction(url: str, text: str, category: str, provider: str | None = None) -> None:
    models = pytest.importorskip("models")
    from sqlmodel import Session, SQLModel, create_engine

    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(models.Correction(text=text, category=category, provider=provider,
                                      created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
        session.commit()
    engine.dispose()


def test_no_database_means_no_corrections(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent.db'}"
    assert stored_corrections(url) == []
    assert not (tmp_path / "absent.db").exists()  # looking must not create it


def test_correction_makes_model_stale_and_is_trained_on(tmp_path: Path, capsys) -> None:
    settings = _settings(tmp_path)
    assert is_stale(settings)
    train(settings)
    assert not is_stale(settings)
    before = current_hash()
    text = "小区那个快递柜的屏幕又黑屏了 取不了件"
    _store_correction(settings.database_url, text, "other")
    corrections = stored_corrections(settings.database_url)
    after = current_hash(corrections)
    assert after != before and [c.text for c in corrections] == [text]
    assert is_stale(settings, corrections)
    stale = load_model(settings, corrections)  # used as it is, saying so: run time never trains silently
    assert stale.meta["n_corrections"] == 0 and "gridbot train" in capsys.readouterr().err
    model = train(settings, corrections)
    assert model.meta["n_corrections"] == 1 and model.data_hash == after
    assert not is_stale(settings, corrections)
    assert HybridClassifier(model).predict(text).category == "other"


def test_a_missing_model_is_trained_with_a_progress_line(tmp_path: Path, capsys) -> None:
    settings = _settings(tmp_path)
    load_model(settings)
    assert "训练" in capsys.readouterr().err and not is_stale(settings)


def test_training_is_deterministic() -> None:
    sample = read_jsonl(TRAIN_FILE)[::4]
    a = build_model(sample, load_keywords())
    b = build_model(sample, load_keywords())
    assert np.array_equal(a.category.coef_t, b.category.coef_t)
    assert a.thresholds == b.thresholds and a.category.temperature == b.category.temperature


def test_keyword_file_change_changes_hash(tmp_path: Path) -> None:
    folder = tmp_path / "kw"
    folder.mkdir()
    (folder / "water.txt").write_text("停水\n", encoding="utf-8")
    first = data_hash([TRAIN_FILE], folder, [])
    (folder / "water.txt").write_text("停水\n没水\n", encoding="utf-8")
    assert data_hash([TRAIN_FILE], folder, []) != first


@pytest.mark.skipif(not (SHARED / "train.csv").is_file(), reason="../shared tipdm2020 benchmark absent")
def test_same_pipeline_learns_another_taxonomy() -> None:
    import csv

    with open(SHARED / "train.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [Example(text[:200], label) for label, text in csv.reader(fh)][::3]
    model = build_model(rows[:-60], {}, with_heads=False)
    clf = HybridClassifier(model, 0.0, 0.0)
    predicted = [p.category for p in clf.predict_many([e.text for e in rows[-60:]])]
    accuracy = np.mean([p == e.category for p, e in zip(predicted, rows[-60:])])
    assert set(model.category.classes) == {e.category for e in rows[:-60]}
    assert accuracy > 0.6


def test_loading_a_saved_model_teaches_jieba_its_keywords(tmp_path: Path) -> None:
    import jieba

    settings = _settings(tmp_path)
    model = train(settings)
    loaded = load_model(settings, retrain=False)
    assert set(loaded.featurizer.keyword_index) == set(model.featurizer.keyword_index)
    assert "水压低" in jieba.lcut("我家水压低得很")
