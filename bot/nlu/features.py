"""Text features of the embedded classifier: three TF-IDF views of the normalised text.

- character n-grams inside word boundaries (2-5): robust to typos, Arabic clitics and code-mixing;
- words and word pairs: the key terms (IDW, bijstand, ስራሕ, سيرة ذاتية);
- for Ethiopic script, the consonant skeleton of each word (every syllable reduced to its consonant),
  so that Tigrinya spellings that differ in the vowel order (ክፈልጦ / ክፈልጥ) share features.

The vocabularies and the training matrix are counted here (`FeatureSpace.fit`), as scikit-learn's
TfidfVectorizer counts them but listing each word's character n-grams once, and weighted by scikit-learn's
TfidfTransformer (imported only there): the same matrix, in about half the time. One message at a time goes
through `FeatureSpace.vector`, which computes the same TF-IDF values from the vocabularies in plain Python,
with the vectorisers' analysers re-implemented here: scikit-learn's per-call validation costs more than the
arithmetic for a single short text, and a space of vocabularies and IDF weights lets the bot process serve
predictions without importing scikit-learn or SciPy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

_ETHIOPIC_WORD = re.compile(r"[\u1200-\u137f]+")
_ETHIOPIC_SYLLABLE = re.compile(r"[\u1200-\u135a]")
TOKEN_PATTERN = r"(?u)\b\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)
_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's vectorisers normalise it


def ethiopic_skeleton(text: str) -> str:
    """The Ethiopic words of `text`, each syllable replaced by its sixth-order form (the bare consonant).

    The Ethiopic block is laid out in rows of eight: one consonant in its seven vowel orders (and a
    labialised form). Clearing the low three bits finds the row; +5 is the vowel-less order.
    """
    words = _ETHIOPIC_WORD.findall(text)
    return " ".join(_ETHIOPIC_SYLLABLE.sub(lambda m: chr((ord(m.group()) & ~7) + 5), w) for w in words)


@dataclass(frozen=True)
class ViewSpec:
    """One TF-IDF view: scikit-learn's analyser name, n-gram range, and the preprocessing."""

    analyzer: Literal["char_wb", "word"]
    ngram_range: tuple[int, int]
    skeleton: bool = False  # preprocess with `ethiopic_skeleton` (then, as in scikit-learn, no lowercasing)

    def vectorizer_params(self) -> dict[str, Any]:
        """Keyword arguments of the equivalent TfidfVectorizer."""
        params: dict[str, Any] = {"analyzer": self.analyzer, "ngram_range": self.ngram_range, "sublinear_tf": True}
        if self.analyzer == "word":
            params["token_pattern"] = TOKEN_PATTERN
        if self.skeleton:
            params["preprocessor"] = ethiopic_skeleton
        return params

    def prepare(self, text: str) -> str:
        """The vectoriser's preprocessing: the Ethiopic skeleton, or else lower case."""
        return ethiopic_skeleton(text) if self.skeleton else text.lower()

    def analyze(self, text: str) -> list[str]:
        """The terms of `text`, as the fitted vectoriser's `build_analyzer()` gives them."""
        text = self.prepare(text)
        low, high = self.ngram_range
        if self.analyzer == "word":
            return _word_ngrams(_TOKEN.findall(text), low, high)
        return _char_wb_ngrams(text, low, high)


VIEWS: tuple[ViewSpec, ...] = (
    ViewSpec("char_wb", (2, 5)),
    ViewSpec("word", (1, 2)),
    ViewSpec("char_wb", (2, 4), skeleton=True),
)


def _char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's `_char_wb_ngrams`: n-grams of each word padded with one space on either side."""
    ngrams: list[str] = []
    append = ngrams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        w = " " + word + " "
        length = len(w)
        for n in range(low, high + 1):
            offset = 0
            append(w[offset : offset + n])
            while offset + n < length:
                offset += 1
                append(w[offset : offset + n])
            if offset == 0:  # a short word (no longer than n with its padding) counts once
                break
    return ngrams


def _word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    """scikit-learn's `_word_ngrams` without stop words: the tokens, then pairs, triples, ..."""
    if high == 1:
        return tokens
    ngrams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high + 1, len(tokens) + 1)):
        ngrams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return ngrams


# Words whose known character n-grams a view remembers (`_View.known_terms`); when full, it starts over.
# Words repeat a lot from one message to the next, so most of a message's n-grams come from here.
WORD_CACHE_SIZE = 20_000


class _View:
    """One fitted vectoriser, reduced to what computing a vector needs (plain data: it pickles small;
    its word cache is not pickled)."""

    def __init__(self, spec: ViewSpec, vocabulary: dict[str, int], idf: list[float], offset: int) -> None:
        self.spec = spec
        self.vocabulary = vocabulary
        self.idf = idf
        self.offset = offset
        self._words: dict[str, tuple[int, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_words"] = {}
        return state

    def known_terms(self, text: str) -> list[int]:
        """The vocabulary indices of `spec.analyze(text)`'s terms, in order, leaving out unknown terms.

        Character n-grams never cross a word boundary, so they are looked up per word, and the words
        seen recently are remembered with their indices."""
        vocabulary = self.vocabulary
        spec = self.spec
        if spec.analyzer != "char_wb":
            return [vocabulary[t] for t in spec.analyze(text) if t in vocabulary]
        low, high = spec.ngram_range
        words = self._words
        found: list[int] = []
        for word in _WHITE_SPACES.sub(" ", spec.prepare(text)).split():
            known = words.get(word)
            if known is None:
                known = tuple(vocabulary[t] for t in _char_wb_ngrams(word, low, high) if t in vocabulary)
                if len(words) >= WORD_CACHE_SIZE:
                    words.clear()
                words[word] = known
            found += known
        return found


def _term_counts(spec: ViewSpec, texts: Sequence[str]) -> tuple[dict[str, int], Any]:
    """The vocabulary (term -> column, alphabetical) and term counts (CSR) of `texts`, exactly as scikit-learn's
    vectoriser counts them (the same columns, and within a row the same order: terms by first appearance).

    Quicker: a word's character n-grams are listed once (words repeat a lot), not once per occurrence, and
    the terms of all texts are counted in one go by SciPy (adding up the repeated entries of a row)."""
    import scipy.sparse as sp

    first_seen: dict[str, int] = {}  # term -> number in order of first appearance, as scikit-learn numbers them
    number = first_seen.setdefault
    words: dict[str, list[int]] = {}
    terms: list[int] = []  # the term numbers of all texts, one after the other
    ends: list[int] = []  # where each text's terms end
    low, high = spec.ngram_range
    for text in texts:
        if spec.analyzer == "char_wb":
            for word in _WHITE_SPACES.sub(" ", spec.prepare(text)).split():
                known = words.get(word)
                if known is None:
                    known = words[word] = [number(t, len(first_seen)) for t in _char_wb_ngrams(word, low, high)]
                terms += known
        else:
            terms += [number(t, len(first_seen)) for t in spec.analyze(text)]
        ends.append(len(terms))
    rows = np.repeat(np.arange(len(texts), dtype=np.int32), np.diff(ends, prepend=0))
    matrix = sp.csr_matrix(
        (np.ones(len(terms)), (rows, np.array(terms, dtype=np.int32))), shape=(len(texts), len(first_seen))
    )
    matrix.sum_duplicates()  # within a row: sorted by number of first appearance, repeats added up
    vocabulary = {term: column for column, term in enumerate(sorted(first_seen))}
    column = np.array([vocabulary[term] for term in first_seen], dtype=np.int32)  # by number of first appearance
    matrix.indices = column.take(matrix.indices)
    return vocabulary, matrix


class FeatureSpace:
    """The fitted views, side by side in one feature space: vocabularies and IDF weights (plain data)."""

    def __init__(self, views: Sequence[_View]) -> None:
        self._views = list(views)
        self.size = sum(len(view.vocabulary) for view in self._views)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[FeatureSpace, Any]:
        """Fit the views on normalised `texts`; the space and the texts' feature matrix (CSR), the same as
        scikit-learn's TfidfVectorizer with `ViewSpec.vectorizer_params` gives (tested)."""
        import scipy.sparse as sp
        from sklearn.feature_extraction.text import TfidfTransformer

        views: list[_View] = []
        blocks = []
        offset = 0
        for spec in VIEWS:
            vocabulary, counts = _term_counts(spec, texts)
            if not vocabulary:  # e.g. no Ethiopic text at all
                continue
            tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
            blocks.append(tfidf.transform(counts, copy=False))
            views.append(_View(spec, vocabulary, [float(v) for v in tfidf.idf_], offset))
            offset += len(vocabulary)
        if not views:
            raise ValueError("no features in the training texts")
        return cls(views), sp.hstack(blocks, format="csr")

    def familiarity(self, text: str) -> tuple[int, float]:
        """How much of a normalised text the training data knows: the number of its words in the word view's
        vocabulary, and the share of its character 3-5-grams in the character view's (keyboard mashing
        like "qwerty zxcv" has neither; a typo like "diplma" keeps most of its n-grams)."""
        words = next((v for v in self._views if v.spec.analyzer == "word"), None)
        chars = next((v for v in self._views if v.spec.analyzer == "char_wb" and not v.spec.skeleton), None)
        known = sum(1 for w in _TOKEN.findall(text.lower()) if w in words.vocabulary) if words else 0
        if known:  # the n-gram share only matters without a known word: skip the work
            return known, 1.0
        grams = _char_wb_ngrams(text.lower(), 3, 5)
        share = sum(1 for g in grams if g in chars.vocabulary) / len(grams) if chars and grams else 0.0
        return known, share

    def vector(self, text: str) -> tuple[Any, Any]:
        """(feature indices, values) of one normalised text: sublinear TF times IDF, L2-normalised per view,
        exactly as the vectorisers compute it."""
        indices: list[int] = []
        values: list[float] = []
        for view in self._views:
            idf = view.idf
            # Counting the terms (Counter's C loop) keeps the order of first occurrence.
            known = list(Counter(view.known_terms(text)).items())
            weights = [(1.0 + math.log(n)) * idf[i] for i, n in known]
            norm = math.sqrt(sum(w * w for w in weights))
            if norm:
                indices += [view.offset + i for i, _ in known]
                values += [w / norm for w in weights]
        return np.array(indices, dtype=np.intp), np.array(values)
