"""Keyword detector: jieba with data/keywords/<category>.txt as a user dictionary.

It is the evidence layer of the hybrid classifier and a usable detector on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import jieba

from bot.classifier.base import Prediction
from bot.classifier.extract import SOLVED as _SOLVED, extract_location, extract_provider, is_urgent, normalize
from bot.labels import REQUEST_CATEGORIES
from bot.paths import KEYWORDS



def load_keywords(folder: Path = KEYWORDS) -> dict[str, frozenset[str]]:
    """category -> keywords, from <folder>/<category>.txt (one word per line, '#' comments)."""
    table: dict[str, frozenset[str]] = {}
    for category in REQUEST_CATEGORIES:
        path = folder / f"{category}.txt"
        words = []
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                word = line.split("#", 1)[0].strip().split(" ")[0]
                if word:
                    words.append(word)
        table[category] = frozenset(words)
    return table


_REGISTERED: set[str] = set()


def register_user_dict(keywords: dict[str, frozenset[str]] | dict[str, str] | Iterable[str]) -> None:
    """Teach jieba every keyword as one token (the user dictionary).

    Once per word and process: jieba adds each call's frequency to its total, so registering a
    word twice would shift every later segmentation (and make training depend on history).
    """
    if isinstance(keywords, dict) and not all(isinstance(v, str) for v in keywords.values()):
        words = set().union(*keywords.values())  # category -> words
    else:
        words = set(keywords)  # words, or a word -> category index
    for word in sorted(words - _REGISTERED):
        jieba.add_word(word, freq=2000)
        _REGISTERED.add(word)


class KeywordClassifier:
    """Counts keyword hits per category; the most-hit category wins."""

    def __init__(self, keywords: dict[str, frozenset[str]] | None = None) -> None:
        self.keywords = keywords if keywords is not None else load_keywords()
        register_user_dict(self.keywords)
        self._index = {word: cat for cat, words in self.keywords.items() for word in words}

    def hits(self, tokens: Sequence[str]) -> dict[str, list[str]]:
        """category -> keywords found among the tokens."""
        found: dict[str, list[str]] = {}
        for token in tokens:
            category = self._index.get(token)
            if category is not None:
                found.setdefault(category, []).append(token)
        return found

    def predict(self, text: str) -> Prediction:
        clean = normalize(text)
        tokens = jieba.lcut(clean)
        found = self.hits(tokens)
        if not found or _SOLVED.search(clean):
            return Prediction("none", 1.0 if not found else 0.6, keywords=tuple(sum(found.values(), [])))
        ranked = sorted(found.items(), key=lambda kv: len(kv[1]), reverse=True)
        category, words = ranked[0]
        urgent = is_urgent(clean)
        if urgent and category in ("power", "water") and "fire" in found:
            category, words = "fire", found["fire"]
        total = sum(len(w) for w in found.values())
        provider = extract_provider(clean) if category == "telecom" else None
        return Prediction(
            category=category,
            confidence=len(words) / total,
            provider=provider,
            urgent=urgent,
            keywords=tuple(dict.fromkeys(words)),
            location=extract_location(clean),
        )

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return [self.predict(t) for t in texts]
