"""The one-pass dictionary cut gives jieba's own tokens; the decision rule reads one row as it reads many."""

from __future__ import annotations

import json

import jieba
import numpy as np
import pytest

from bot.classifier import segment
from bot.classifier.decision import read, read_one
from bot.classifier.extract import normalize
from bot.classifier.keyword_model import load_keywords, register_user_dict
from bot.paths import DATA


def _texts() -> list[str]:
    out = []
    for path in sorted((DATA / "corpus").glob("*.jsonl")) + sorted((DATA / "dialogue").glob("*/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                text = json.loads(line).get("text")
            except (ValueError, AttributeError):
                continue
            if isinstance(text, str):
                out.append(text)
    return out


EDGES = ["", " ", "abc 12 x9y  def\r\nok", "ＡＢＣ１２ 停水", "e-bike 电瓶 100% #办结", "3号楼2单元501停水了!!!",
         "停水了" * 50, "ok好的OK", "\t\n", "我家WiFi连不上 10086打不通", "一一一一一", "🔥着火了🔥"]


def test_every_corpus_message_is_cut_as_jieba_cuts_it() -> None:
    register_user_dict(load_keywords())
    texts = _texts()
    assert len(texts) > 10_000
    for text in texts + EDGES:
        for t in (text, normalize(text)):
            assert segment.lcut(t) == jieba.lcut(t, HMM=False), t


def test_a_word_added_later_is_used() -> None:
    text = "我们这里的网格小助手真好用"
    total = jieba.dt.total
    segment.lcut(text)
    jieba.add_word("网格小助手真好用", freq=5)  # changes jieba's total: every cached logarithm is stale
    try:
        assert segment.lcut(text) == jieba.lcut(text, HMM=False)
        assert "网格小助手真好用" in segment.lcut(text)
        jieba.del_word("网格小助手真好用")  # frequency 0: a prefix only, never a word
        assert segment.lcut(text) == jieba.lcut(text, HMM=False)
        assert "网格小助手真好用" not in segment.lcut(text)
    finally:
        jieba.dt.total = total  # other tests cut with the dictionary they started with


@pytest.mark.parametrize("margin,floor", [(0.0, 0.0), (0.1, 0.0), (0.2, 0.45), (0.3, 0.6)])
def test_one_row_is_read_as_the_batch_reads_it(margin: float, floor: float) -> None:
    classes = ("dispute", "none", "other", "power", "telecom", "water")
    thresholds = {"dispute": 0.5, "other": 0.6, "power": 0.55, "telecom": 0.7, "water": 0.52}
    rng = np.random.default_rng(7)
    probs = rng.dirichlet(np.full(len(classes), 0.7), size=2000)
    probs[:50] = np.round(probs[:50], 1)  # ties, resolved to the lower index by both
    probs[:50] /= probs[:50].sum(axis=1, keepdims=True)
    gate = rng.random(2000)
    top, ping, abstain = read(probs, gate, classes, thresholds, margin, floor)
    for i in range(len(probs)):
        assert read_one(probs[i].tolist(), float(gate[i]), classes, thresholds, margin, floor) == \
            (int(top[i]), bool(ping[i]), bool(abstain[i]))
    top, ping, abstain = read(probs, None, classes, thresholds, margin, floor)  # no gate: the category's own P
    for i in range(0, len(probs), 7):
        assert read_one(probs[i].tolist(), None, classes, thresholds, margin, floor) == \
            (int(top[i]), bool(ping[i]), bool(abstain[i]))


def test_a_lexicon_cuts_the_messages_its_words_came_from_as_jieba_does() -> None:
    """A model's lexicon (its training messages' words, the common words, every single character)
    cuts those messages exactly as jieba's whole dictionary does; a rare word no message contained
    is cut into smaller words, and nothing of the text is lost."""
    register_user_dict(load_keywords())
    texts = [normalize(t) for t in _texts()[::5]]
    cuts = [jieba.lcut(t, HMM=False) for t in texts]
    lexicon = segment.Lexicon({w for c in cuts for w in c}, 100)
    assert len(lexicon.freq) < len(jieba.dt.FREQ) / 4
    for text, expected in zip(texts + EDGES, cuts + [jieba.lcut(e, HMM=False) for e in EDGES]):
        if text in EDGES:
            assert "".join(segment.lcut(text, lexicon)) == text
        else:
            assert segment.lcut(text, lexicon) == expected, text
    known = {w for c in cuts for w in c}
    rare = next(w for w in ("调压阀", "铜锈", "上班族", "砍断") if w not in known and 0 < jieba.dt.FREQ.get(w, 0) < 100)
    text = f"是不是{rare}坏了"
    assert rare in jieba.lcut(text, HMM=False)
    assert rare not in segment.lcut(text, lexicon)
    assert "".join(segment.lcut(text, lexicon)) == text
