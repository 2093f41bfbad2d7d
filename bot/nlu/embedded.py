"""The embedded intent classifier: character and word n-grams with a linear model, trained at start-up."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from bot.languages import detect_language
from bot.nlu.data import Example
from bot.nlu.types import Entity, NluResult
from bot.textnorm import normalize

MAX_CHARS = 1000  # longer messages are classified on their start; the transcript keeps everything


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)),
            (
                "words",
                TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
            ),
        ]
    )
    # A linear SVM is fast to train on n-grams; sigmoid calibration turns its scores into confidences
    # that the dialog can compare with its threshold.
    model = CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced"), cv=3, method="sigmoid")
    return Pipeline([("features", features), ("model", model)])


class Gazetteer:
    """Entity values learnt from the annotated examples (e.g. 'tandarts' -> profession=dentist)."""

    def __init__(self, examples: Sequence[Example]) -> None:
        terms: dict[str, Entity] = {}
        for example in examples:
            for surface, entity in example.entities:
                key = normalize(surface)
                if len(key) >= 3:
                    terms[key] = entity
        # Longest first, so "kinderarts" wins over "arts".
        self._terms = sorted(terms.items(), key=lambda item: -len(item[0]))
        self._latin = re.compile(r"[a-z]")

    def find(self, normalized: str) -> tuple[Entity, ...]:
        found: dict[str, Entity] = {}
        for term, entity in self._terms:
            if entity.entity in found:
                continue
            if self._latin.match(term):
                hit = re.search(rf"(?<!\w){re.escape(term)}", normalized) is not None
            else:  # Arabic and Ethiopic attach prefixes and suffixes: match inside words
                hit = term in normalized
            if hit:
                found[entity.entity] = entity
        return tuple(found.values())


class EmbeddedClassifier:
    def __init__(self, pipeline: Pipeline, gazetteer: Gazetteer, ranking_size: int = 5) -> None:
        self._pipeline = pipeline
        self._gazetteer = gazetteer
        self._ranking_size = ranking_size
        self._classes: list[str] = [str(c) for c in pipeline.classes_]

    @classmethod
    def train(cls, examples: Sequence[Example]) -> EmbeddedClassifier:
        pipeline = build_pipeline()
        pipeline.fit([normalize(e.text) for e in examples], [e.intent for e in examples])
        return cls(pipeline, Gazetteer(examples))

    def predict(self, text: str) -> NluResult:
        normalized = normalize(text[:MAX_CHARS])
        if not normalized:
            return NluResult(text, None, "out_of_scope", 0.0, ())
        probabilities: Any = self._pipeline.predict_proba([normalized])[0]
        order = np.argsort(probabilities)[::-1][: self._ranking_size]
        ranking = tuple((self._classes[i], float(probabilities[i])) for i in order)
        intent, confidence = ranking[0]
        return NluResult(text, detect_language(text), intent, confidence, ranking, self._gazetteer.find(normalized))

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [str(p) for p in self._pipeline.predict([normalize(t[:MAX_CHARS]) for t in texts])]

    async def parse(self, text: str) -> NluResult:
        return self.predict(text)


async def train_in_thread(examples: Sequence[Example]) -> EmbeddedClassifier:
    return await asyncio.to_thread(EmbeddedClassifier.train, examples)
