"""Feature extraction shared by training and prediction: char n-grams, jieba words, keyword evidence.

The same code builds the training matrix and the vector of one message, so the two can never
disagree; one-message prediction avoids scikit-learn's per-call overhead (it only needs a few
dictionary look-ups and one small dot product).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from operator import add
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import jieba
import numpy as np
from scipy import sparse

from bot.classifier import segment
from bot.classifier.extract import ADVERT, FORWARDED, SOLVED, is_urgent

_DIGITS = re.compile(r"[0-9]+")

jieba.setLogLevel(logging.WARNING)  # its start-up chatter is not ours to print


def _pair(a: str, b: str) -> str:
    """A word bigram's feature name."""
    return f"{a}_{b}"


def feature_text(clean: str) -> str:
    """What the n-grams see: lower case, every digit run folded to one '0' (room numbers are noise)."""
    return _DIGITS.sub("0", clean.lower())


def cut(clean: str) -> list[str]:
    """jieba tokens of a normalised message (user dictionary loaded by the caller)."""
    # Dictionary words only (the HMM guesser costs a third of the cut), by jieba's rule in one pass.
    return segment.lcut(clean)


@dataclass
class FeatureConfig:
    """How messages become features; stored in the artefact."""

    # Grouped 5-fold CV on the training files (54,123 messages), macro-F1 / misses at 1.5% false
    # alarms: chars 1-2 with word bigrams 0.9412 / 7.55%, chars 1-3 without 0.9365 / 8.33% (the
    # previous choice), chars 1-3 with 0.9410 / 7.12% (2.4 times the char n-grams), chars 1-2 without
    # 0.9335 / 9.17%; chars 1-2 with bigrams at min_df 2 0.9418 / 7.11% (1.5 times the features).
    char_min: int = 1
    char_max: int = 2
    words: bool = True
    word_bigrams: bool = True
    min_df: int = 3
    # Run time cuts with a part of jieba's dictionary (`segment.Lexicon`): the training messages'
    # words and every word at least this frequent (None: jieba's whole dictionary). The CV cuts its
    # held-out folds that way too: 0.9412 at 100, 0.9413 at 30, 0.9412 with the whole dictionary.
    lexicon_min_freq: int | None = 100
    max_df: float = 1.0
    keyword_weight: float = 0.6
    rule_weight: float = 0.6
    binary: bool = True  # presence, not counts: a message repeating itself says no more
    word_weight: float = 1.0  # the word block's weight beside the char block's (each L2-normalised)


@dataclass
class _Block:
    vocab: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0))
    offset: int = 0


class Featurizer:
    """Char n-gram TF-IDF + word TF-IDF (each L2-normalised) + keyword-hit and rule features."""

    def __init__(self, config: FeatureConfig, keyword_index: dict[str, str], categories: Sequence[str]) -> None:
        self.config = config
        self.keyword_index = dict(keyword_index)  # word -> category
        self.extra_names: list[str] = [f"kw:{c}" for c in categories] + ["rule:solved", "rule:forwarded", "rule:urgent", "rule:short", "rule:advert"]
        self._extra_pos = {name: i for i, name in enumerate(self.extra_names)}
        self.char = _Block()
        self.word = _Block()
        self.n_features = 0
        self.lexicon: segment.Lexicon | None = None  # set by `fit` when the config asks for one

    def cut(self, clean: str) -> list[str]:
        """The tokens of a message as this featurizer's training saw them (with its lexicon, if any)."""
        return segment.lcut(clean, self.__dict__.get("lexicon"))  # older artefacts have none

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_char_lut", "_char_idf_list", "_word_idf_map")}

    # --- analysis -------------------------------------------------------------------------

    def grams(self, ftext: str) -> list[str]:
        """The char n-grams of a feature text, by length then position (each length built from the
        one before by `map(add)`: no Python-level loop)."""
        text = ftext.replace(" ", "")
        out: list[str] = []
        level: str | list[str] = text
        for k in range(1, self.config.char_max + 1):
            if k > 1:
                level = list(map(add, level, text[k - 1:]))
            if k >= self.config.char_min:
                out += level
        return out

    def char_grams(self, ftext: str) -> Counter:
        return Counter(self.grams(ftext))

    def word_grams(self, tokens: Sequence[str]) -> Counter:
        if not self.config.words:
            return Counter()
        words = self._words(tokens)
        grams = Counter(words)
        if self.config.word_bigrams:
            grams.update(map(_pair, words, words[1:]))
        return grams

    @staticmethod
    def _words(tokens: Sequence[str]) -> list[str]:
        """Punctuation and spaces dropped, a number is just "0" (str methods: this runs per message)."""
        return ["0" if t.isdigit() else t.lower() for t in tokens if t.isalnum()]

    def extras(self, clean: str, tokens: Sequence[str]) -> dict[str, float]:
        """Keyword evidence per category and a few rule flags, already weighted."""
        hits: dict[str, int] = {}
        index = self.keyword_index
        for token in tokens:
            category = index.get(token)
            if category is not None:
                hits[category] = hits.get(category, 0) + 1
        kw = self.config.keyword_weight
        out = {f"kw:{c}": kw * min(n, 3) / 3 ** 0.5 for c, n in hits.items()}
        rw = self.config.rule_weight
        if SOLVED.search(clean):
            out["rule:solved"] = rw
        if FORWARDED.search(clean):
            out["rule:forwarded"] = rw
        if is_urgent(clean):
            out["rule:urgent"] = rw
        if ADVERT.search(clean):
            out["rule:advert"] = rw
        if len(clean) <= 4:
            out["rule:short"] = rw
        return out

    # --- fitting ----------------------------------------------------------------------------

    def fit(self, docs: Sequence[tuple[str, Sequence[str]]], weights: Sequence[float] | None = None) -> "Featurizer":
        """Learn vocabularies and idf from (clean text, tokens) pairs."""
        char_counts = [self.char_grams(feature_text(c)) for c, _ in docs]
        word_counts = [self.word_grams(t) for _, t in docs]
        if self.config.lexicon_min_freq is not None:
            self.lexicon = segment.Lexicon({t for _, tokens in docs for t in tokens}, self.config.lexicon_min_freq)
        self.char = self._fit_block(char_counts, 0)
        self.word = self._fit_block(word_counts, len(self.char.vocab))
        self.n_features = len(self.char.vocab) + len(self.word.vocab) + len(self.extra_names)
        return self

    def _fit_block(self, counts: list[Counter], offset: int) -> _Block:
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(counts)
        max_df = self.config.max_df * n
        # Numbered by document frequency, most frequent first: the weights one message gathers then
        # lie together in memory (the common n-grams in a few hundred kilobytes), which saves more
        # of a one-message prediction than any arithmetic does. Ties by the term, for determinism.
        terms = sorted((t for t, d in df.items() if self.config.min_df <= d <= max_df), key=lambda t: (-df[t], t))
        vocab = {t: offset + i for i, t in enumerate(terms)}
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float64)
        return _Block(vocab, idf, offset)

    # --- transforming -----------------------------------------------------------------------

    def _block_vec(self, block: _Block, counts: Counter, idx: list[int], val: list[float]) -> None:
        vocab, idf, off = block.vocab, block.idf, block.offset
        start = len(val)
        for term, c in counts.items():
            j = vocab.get(term)
            if j is not None:
                idx.append(j)
                val.append((1.0 if self.config.binary else 1.0 + math.log(c)) * idf[j - off])
        self._normalize(val, start)

    @staticmethod
    def _normalize(val: list[float], start: int) -> None:
        norm = math.hypot(*val[start:])  # sqrt of the sum of squares, in C
        if norm > 0:
            val[start:] = [v / norm for v in val[start:]]

    def _char_vec(self, ftext: str, idx: list[int], val: list[float]) -> None:
        """The char block without building every n-gram's Counter: only known n-grams are counted."""
        lut = self._lut()
        grams = self.grams(ftext)
        idf = self._char_idf_list
        start = len(val)
        if self.config.binary:  # presence only: one C-level pass, no counting
            self._known(lut, idf, grams, idx, val)
            return
        seen: dict[int, int] = {}
        for j in map(lut.get, grams):
            if j is not None:
                seen[j] = seen.get(j, 0) + 1
        for j, c in seen.items():
            idx.append(j)
            val.append(idf[j] if c == 1 or self.config.binary else (1.0 + math.log(c)) * idf[j])
        self._normalize(val, start)

    def _known(self, vocab: dict[str, int], idf: list[float], terms: Sequence[str], idx: list[int], val: list[float]) -> None:
        """One block's binary TF-IDF: the distinct known terms, idf-weighted, L2-normalised.
        `idf` is indexed by feature index (a list for the char block, a mapping for the word block)."""
        start = len(val)
        known = dict.fromkeys(map(vocab.get, terms))
        known.pop(None, None)
        idx.extend(known)
        val.extend([idf[j] for j in known])
        self._normalize(val, start)

    def _word_idf(self) -> dict[int, float]:
        table = self.__dict__.get("_word_idf_map")
        if table is None:  # built lazily, like the char look-up table
            off = self.word.offset
            table = self.__dict__["_word_idf_map"] = {j: float(self.word.idf[j - off]) for j in self.word.vocab.values()}
        return table

    def _lut(self) -> dict[str, int]:
        lut = self.__dict__.get("_char_lut")
        if lut is None:  # built lazily, so artefacts stay small and older pickles still load
            lut = self.__dict__["_char_lut"] = self.char.vocab
            self.__dict__["_char_idf_list"] = self.char.idf.tolist()
        return lut

    def vector(self, clean: str, tokens: Sequence[str], extras: dict[str, float] | None = None) -> tuple[list[int], list[float]]:
        """Sparse feature vector of one message as (indices, values), block by block: the chars, then
        the words, then the extras (`HybridClassifier._keywords` reads the words back from the end)."""
        idx: list[int] = []
        val: list[float] = []
        self._char_vec(feature_text(clean), idx, val)
        start = len(val)
        if self.config.binary:  # presence only: no counting, as for chars
            if self.config.words:
                words = self._words(tokens)
                if self.config.word_bigrams:
                    words += list(map(_pair, words, words[1:]))
                self._known(self.word.vocab, self._word_idf(), words, idx, val)
        else:
            self._block_vec(self.word, self.word_grams(tokens), idx, val)
        if self.config.word_weight != 1.0:
            w = self.config.word_weight
            val[start:] = [v * w for v in val[start:]]
        base = len(self.char.vocab) + len(self.word.vocab)
        for name, v in (self.extras(clean, tokens) if extras is None else extras).items():
            idx.append(base + self._extra_pos[name])
            val.append(v)
        return idx, val

    def transform(self, docs: Iterable[tuple[str, Sequence[str]]]) -> sparse.csr_matrix:
        """CSR matrix of many messages."""
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for clean, tokens in docs:
            i, v = self.vector(clean, tokens)
            indices.extend(i)
            data.extend(v)
            indptr.append(len(indices))
        return sparse.csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr)),
                                 shape=(len(indptr) - 1, self.n_features))
