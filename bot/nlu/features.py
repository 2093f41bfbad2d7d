"""Text features of the embedded classifier: three TF-IDF views of the normalised text.

- character n-grams inside word boundaries (2-5): robust to typos, Arabic clitics and code-mixing;
- words and word pairs: the key terms (IDW, bijstand, ስራሕ, سيرة ذاتية);
- for Ethiopic script, the consonant skeleton of each word (every syllable reduced to its consonant),
  so that Tigrinya spellings that differ in the vowel order (ክፈልጦ / ክፈልጥ) share features.

Training uses scikit-learn's vectorisers. One message at a time goes through `FeatureSpace.vector`, which
computes the same TF-IDF values from the fitted vocabularies in plain Python: scikit-learn's per-call
validation costs more than the arithmetic for a single short text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

_ETHIOPIC_WORD = re.compile(r"[\u1200-\u137f]+")
_ETHIOPIC_SYLLABLE = re.compile(r"[\u1200-\u135a]")


def ethiopic_skeleton(text: str) -> str:
    """The Ethiopic words of `text`, each syllable replaced by its sixth-order form (the bare consonant).

    The Ethiopic block is laid out in rows of eight: one consonant in its seven vowel orders (and a
    labialised form). Clearing the low three bits finds the row; +5 is the vowel-less order.
    """
    words = _ETHIOPIC_WORD.findall(text)
    return " ".join(_ETHIOPIC_SYLLABLE.sub(lambda m: chr((ord(m.group()) & ~7) + 5), w) for w in words)


def _vectorizers() -> list[TfidfVectorizer]:
    return [
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, preprocessor=ethiopic_skeleton),
    ]


class _View:
    """One fitted vectoriser, reduced to what computing a vector needs."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int) -> None:
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
        self.idf: list[float] = [float(v) for v in vectorizer.idf_]
        self.offset = offset


class FeatureSpace:
    """The fitted views, side by side in one feature space."""

    def __init__(self, vectorizers: Sequence[TfidfVectorizer]) -> None:
        self._vectorizers = list(vectorizers)
        self._views: list[_View] = []
        offset = 0
        for vectorizer in self._vectorizers:
            self._views.append(_View(vectorizer, offset))
            offset += len(vectorizer.vocabulary_)
        self.size = offset

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[FeatureSpace, Any]:
        """Fit the views on normalised `texts`; the space and the texts' feature matrix (CSR)."""
        vectorizers, blocks = [], []
        for vectorizer in _vectorizers():
            try:
                blocks.append(vectorizer.fit_transform(texts))
            except ValueError:  # empty vocabulary: e.g. no Ethiopic text at all
                continue
            vectorizers.append(vectorizer)
        if not vectorizers:
            raise ValueError("no features in the training texts")
        return cls(vectorizers), sp.hstack(blocks, format="csr")

    def matrix(self, texts: Sequence[str]) -> Any:
        """Feature matrix (CSR, one row per normalised text), for batches."""
        return sp.hstack([v.transform(texts) for v in self._vectorizers], format="csr")

    def vector(self, text: str) -> tuple[Any, Any]:
        """(feature indices, values) of one normalised text: sublinear TF times IDF, L2-normalised per view,
        exactly as the vectorisers compute it."""
        indices: list[int] = []
        values: list[float] = []
        for view in self._views:
            counts = Counter(i for i in map(view.vocabulary.get, view.analyze(text)) if i is not None)
            weights = [(1.0 + math.log(n)) * view.idf[i] for i, n in counts.items()]
            norm = math.sqrt(sum(w * w for w in weights))
            if norm:
                indices += [view.offset + i for i in counts]
                values += [w / norm for w in weights]
        return np.array(indices, dtype=np.intp), np.array(values)
