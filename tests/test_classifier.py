"""The request detector, as tables: labels, traps, implied problems, provider, urgency, abstention."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.model_cli import classify_lines
from bot.classifier.extract import extract_location, extract_provider, is_urgent, normalize
from bot.classifier.hybrid import HybridClassifier
from bot.classifier.training import load_model, train
from bot.settings import Settings, load_settings


def _settings(folder: Path, **overrides) -> Settings:
    overrides.setdefault("database_url", f"sqlite:///{folder / 'gridbot.db'}")
    overrides.setdefault("model_dir", folder / "model")
    return load_settings(folder / "absent.env", environ={}, **overrides)


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One model trained for the whole run, into a temporary model_dir (no corrections)."""
    settings = _settings(tmp_path_factory.mktemp("clf"))
    train(settings)
    return settings


@pytest.fixture(scope="session")
def clf(model_settings: Settings) -> HybridClassifier:
    return HybridClassifier(load_model(model_settings, retrain=False),
                            model_settings.abstain_min_confidence, model_settings.abstain_min_margin)


TYPICAL = [
    ("water", "3栋停水了，什么时候来水？"),
    ("water", "自来水发黄 还有一股味道 能喝吗"),
    ("water", "我们这水压太小了 楼上根本没水用"),
    ("power", "5号楼停电了 到现在还没来电"),
    ("power", "家里老是跳闸 电压也不稳 灯一闪一闪的"),
    ("telecom", "宽带断网一上午了 麻烦联系一下师傅"),
    ("telecom", "家里手机没信号 打电话都打不出去"),
    ("dispute", "楼上天天半夜装修 吵得老人睡不着 说了也不听"),
    ("dispute", "物业拖欠保安工资三个月了 找谁反映"),
    ("fire", "楼道里好多电动车在充电 太危险了"),
    ("fire", "有人从三楼拉电线下来飞线充电"),
    ("bank", "社保卡怎么激活 要去哪个银行"),
    ("bank", "银行卡丢了 怎么挂失"),
    ("other", "小区门口的路灯坏了好几天了"),
    ("other", "垃圾好几天没人清运了 臭得很"),
    ("none", "大家早上好"),
    ("none", "谢谢网格员 辛苦了"),
    ("none", "明天下午三点在村委会开会 请各户派一人参加"),
]

TRAPS = [
    ("none", "昨晚那个电视剧大结局了 好好看"),
    ("none", "今天超市水果打折 西瓜才一块五一斤"),
    ("none", "转发：某市昨日大面积停电 供电公司正在抢修"),
    ("none", "来水了谢谢"),
    ("none", "电来了 谢谢师傅"),
]

IMPLIED = [
    ("water", "水龙头一滴都没有 从早上等到现在"),
    ("power", "整栋楼都黑了 啥也看不见"),
    ("telecom", "手机就一格信号 视频都打不开"),
]

TRADITIONAL = [
    ("water", "我們這裡停水了 什麼時候來水"),
    ("power", "樓裡停電了 冰箱都不動了"),
    ("telecom", "寬帶斷網了 聯繫一下師傅"),
]


@pytest.mark.parametrize("label,text", TYPICAL + TRAPS + IMPLIED + TRADITIONAL)
def test_category(clf: HybridClassifier, label: str, text: str) -> None:
    assert clf.predict(text).category == label


@pytest.mark.parametrize("label,text", TRAPS)
def test_traps_never_ping(clf: HybridClassifier, label: str, text: str) -> None:
    assert not clf.predict(text).is_request


@pytest.mark.parametrize("label,text", TYPICAL[:15] + IMPLIED)
def test_clear_requests_ping(clf: HybridClassifier, label: str, text: str) -> None:
    assert clf.predict(text).is_request


@pytest.mark.parametrize("text,provider", [
    ("移动的手机在家一点信号都没有", "mobile"),
    ("电信宽带断了 一直连不上", "telecom"),
    ("联通的网从昨天就很慢", "unicom"),
    ("有线电视没信号了 机顶盒一直红灯", "broadcast"),
    ("家里宽带断网了", None),
])
def test_provider(clf: HybridClassifier, text: str, provider: str | None) -> None:
    prediction = clf.predict(text)
    assert prediction.category == "telecom"
    assert prediction.provider == provider


def test_provider_only_for_telecom(clf: HybridClassifier) -> None:
    prediction = clf.predict("移动营业厅旁边那栋楼停水了 一滴水都没有")
    assert prediction.category == "water" and prediction.provider is None


@pytest.mark.parametrize("text,urgent", [
    ("3栋楼道着火了 浓烟很大 快来人", True),
    ("厨房一股煤气味 不敢开灯", True),
    ("电线掉在地上了 还在冒火花 小孩在旁边", True),
    ("两家人在楼下打起来了 有人流血了", True),
    ("停水两天了", False),
    ("楼道里电动车充电 有隐患", False),
    ("今天新闻说外地着火了 大家注意安全", False),
])
def test_urgency(clf: HybridClassifier, text: str, urgent: bool) -> None:
    assert clf.predict(text).urgent is urgent


@pytest.mark.parametrize("text,location", [
    ("7栋2单元501停水了", "7栋2单元501"),
    ("5号楼停电了", "5号楼"),
    ("我们三组的路灯坏了", "三组"),
    ("停水了", None),
])
def test_location(text: str, location: str | None) -> None:
    assert extract_location(normalize(text)) == location


@pytest.mark.parametrize("raw,clean", [
    ("停電了[流淚]", "停电了"),
    ("ＡＢＣ　３棟", "ABC 3栋"),
    ("水管爆了[捂脸][捂脸]", "水管爆了"),
])
def test_normalize(raw: str, clean: str) -> None:
    assert normalize(raw) == clean


def test_rules_on_their_own() -> None:
    assert extract_provider("用的是中国移动") == "mobile"
    assert extract_provider("机顶盒坏了") == "broadcast"
    assert is_urgent("着火了")
    assert not is_urgent("停水了")


def test_abstains_when_unsure(model_settings: Settings, monkeypatch) -> None:
    import bot.classifier.hybrid as hybrid

    # the mechanics of abstaining, apart from the urgency head's own reading of the words (an unsure
    # request it calls dangerous pings at once: tested in test_detection_kinds)
    monkeypatch.setattr(hybrid, "URGENT_HEAD_ESCALATES", None)
    model = load_model(model_settings, retrain=False)
    strict = HybridClassifier(model, min_confidence=0.999, min_margin=0.0)
    prediction = strict.predict("水好像有点问题")
    assert prediction.abstained and not prediction.is_request
    assert prediction.category in {"water", "none"}  # still the best guess
    relaxed = HybridClassifier(model, min_confidence=0.0, min_margin=0.0)
    assert relaxed.predict("3栋停水了，什么时候来水？").is_request


def test_solved_problem_does_not_ping(clf: HybridClassifier) -> None:
    assert not clf.predict("早上水有点黄 放了一会就清了 没事了").is_request


def test_prediction_fields(clf: HybridClassifier) -> None:
    p = clf.predict("@网格员 7栋1单元302 停水了")
    out = p.as_json("m1")
    assert out["id"] == "m1" and out["category"] == "water" and 0 < out["confidence"] <= 1
    assert any(k.startswith("停水") for k in out["keywords"]) and "单元" not in out["keywords"]
    assert p.location == "7栋1单元302"
    assert abs(sum(p.scores.values()) - 1) < 1e-6


def test_predict_many_matches_predict(clf: HybridClassifier) -> None:
    texts = [t for _, t in TYPICAL + TRAPS]
    many = clf.predict_many(texts)
    for text, p in zip(texts, many):
        one = clf.predict(text)
        assert (one.category, one.abstained, one.urgent) == (p.category, p.abstained, p.urgent)
        assert one.confidence == pytest.approx(p.confidence)


def test_classify_keeps_going_after_bad_lines(clf: HybridClassifier) -> None:
    lines = io.StringIO('{"id": 1, "text": "停水了"}\nnot json\n{"id": 2}\n[1, 2]\n{"text": "大家好"}\n')
    out = io.StringIO()
    assert classify_lines(lines, out, clf) == 2  # the run goes on; exit 2 at the end says lines were bad
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 5
    assert rows[0]["id"] == 1 and rows[0]["category"] == "water"
    assert rows[1]["id"] is None and "error" in rows[1]
    assert rows[2]["id"] is None and "error" in rows[2]  # CONTRACT: {"id": null, "error": ...}
    assert rows[3]["id"] is None and "error" in rows[3]
    assert rows[4]["id"] is None and rows[4]["category"] == "none"
    assert set(rows[0]) >= {"id", "category", "confidence", "provider", "urgent", "keywords"}


def test_feature_grams_and_numbering() -> None:
    """The char n-grams are every substring of each length (spaces dropped), by length then position;
    features are numbered most frequent first (what a message gathers lies together in memory); the
    word block can weigh less than the char block."""
    from bot.classifier.features import FeatureConfig, Featurizer

    def naive(text: str, lo: int, hi: int) -> list[str]:
        t = text.replace(" ", "")
        return [t[i:i + k] for k in range(lo, hi + 1) for i in range(len(t) - k + 1)]

    for lo, hi in ((1, 1), (1, 2), (1, 3), (2, 3), (2, 4)):
        fz = Featurizer(FeatureConfig(char_min=lo, char_max=hi), {}, [])
        for text in ("", "水", "停水 了", "3栋停水了快来人", "ab c12"):
            assert fz.grams(text) == naive(text, lo, hi), (lo, hi, text)

    docs = [("停水", ["停水"]), ("又停水", ["又", "停水"]), ("停电", ["停电"]), ("水电", ["水电"]), ("水", ["水"])]
    fz = Featurizer(FeatureConfig(char_min=1, char_max=1, min_df=1), {}, []).fit(docs)
    order = sorted(fz.char.vocab, key=fz.char.vocab.get)
    assert order[:2] == ["水", "停"]  # in 4 and 3 messages, the rest in fewer (by code point 停 comes first)
    assert sorted(fz.word.vocab, key=fz.word.vocab.get)[0] == "停水"

    half = Featurizer(FeatureConfig(char_min=1, char_max=1, min_df=1, word_weight=0.5), {}, []).fit(docs)
    (i1, v1), (i2, v2) = fz.vector("又停水", ["又", "停水"]), half.vector("又停水", ["又", "停水"])
    words = range(len(fz.char.vocab), len(fz.char.vocab) + len(fz.word.vocab))
    assert i1 == i2
    assert all(b == pytest.approx(a * (0.5 if j in words else 1.0)) for j, a, b in zip(i1, v1, v2))


def test_word_bigrams_by_presence_weigh_as_counted_ones() -> None:
    """The one-message path for word bigrams (presence only, no counting) gives the word block the
    counted path gives: the same features, the same order, the same values; and a fitted featurizer
    cuts with its lexicon (a part of jieba's dictionary)."""
    from bot.classifier.features import FeatureConfig, Featurizer

    docs = [("停水了快来", ["停水", "了", "快", "来"]), ("又停水了", ["又", "停水", "了"]),
            ("停水了停水了", ["停水", "了", "停水", "了"]), ("快来", ["快", "来"])]
    fz = Featurizer(FeatureConfig(char_min=1, char_max=2, min_df=1, word_bigrams=True), {}, []).fit(docs)
    assert "停水_了" in fz.word.vocab and fz.lexicon is not None and "停水" in fz.lexicon.freq
    for clean, tokens in docs + [("今天又停水了快来", ["今天", "又", "停水", "了", "快", "来"])]:
        idx, val = fz.vector(clean, tokens, {})
        words = [k for k, j in enumerate(idx) if j >= fz.word.offset]
        counted_i: list[int] = []
        counted_v: list[float] = []
        fz._block_vec(fz.word, fz.word_grams(tokens), counted_i, counted_v)
        assert [idx[k] for k in words] == counted_i
        assert [val[k] for k in words] == pytest.approx(counted_v)
    assert "".join(fz.cut("又停水了")) == "又停水了"
