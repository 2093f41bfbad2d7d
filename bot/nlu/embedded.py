"""The embedded intent classifier: character and word n-grams with a linear model, trained at start-up.

The features are three TF-IDF views of the normalised text (bot/nlu/features.py). The model is a linear
SVM, one-vs-rest, whose scores become confidences by Platt scaling: one sigmoid per intent, fitted on held-out
scores (of one fold of five) so that the confidences mean something on messages the model has not seen. The
dialog compares the best confidence with its threshold and asks instead of guessing below it.

Training needs scikit-learn and SciPy (about 120 MiB once imported); predicting needs only NumPy and the
fitted numbers. So the bot trains in a short-lived child process (`train_in_process`) that sends back
the classifier, which is plain data and NumPy arrays: vocabularies, IDF weights, the coefficient matrix,
intercepts, Platt parameters, the gazetteer and the node index. The bot process never imports scikit-learn
or SciPy.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pickle
import re
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.languages import detect_language
from bot.nlu.compose import NOT_QUESTIONS, QUESTION_WORD, example_key, intent_training, segments, stable_hash
from bot.nlu.data import Example
from bot.nlu.features import FeatureSpace
from bot.nlu.fitting import fit_folds
from bot.nlu.types import Entity, NluResult
from bot.textnorm import normalize

MAX_CHARS = 1000  # longer messages are classified on their start; the transcript keeps everything
OUT_OF_SCOPE = "out_of_scope"
# Prior weight of out_of_scope against the content intents (1.3 until 2026-12-04 bought out_of_scope recall).
# 1.0: the weight lifted out_of_scope over the threshold where it was mostly wrong (cross-validated, right in
# 25% of the out_of_scope answers at 0.50-0.55); unsure, the bot asks instead (bench/README.md, NLU).
OUT_OF_SCOPE_PRIOR = 1.0
CALIBRATION_FOLDS = 5
# The Platt fits read the held-out scores of this many of the CALIBRATION_FOLDS folds: 1 (a fit on 80% scoring the
# rest) trains in ~55% of the CPU of all 5, macro-F1 0 to -0.002 (bench/README.md, Start-up and parse latency).
CALIBRATION_HELD_OUT = 1
# From this many rows in every class on, the calibration rows are chosen by hashing (hashed_split); below it a
# fifth can be empty or one row, and a stratified fold keeps the tiny models of the tests sound.
HASHED_MIN_ROWS = 20
SVM_TOLERANCE = 1e-3  # liblinear's stopping tolerance: 1e-4 trained ~25% longer for the same figures
# Settings of the multi-part handling (bot/nlu/compose.py); switches so bench runs can compare.
AUGMENT = True
SEGMENT = True
SEGMENT_CONFIDENCE = 0.5  # a part counts as a question of its own from this confidence on
TIE_MARGIN = 0.1  # the whole message's two best topics closer than this: its parts decide (0: never)
# A specific question is answered with its node from this cosine to the node's centroid (of its language)
# on; the centroids (normalised mean of a node's examples) beat the nearest single example (bench/README).
NODE_SIMILARITY = 0.10
NODE_START_MARGIN = 0.03  # a specific node must beat the general questions ("start") by this much
NODE_CENTROIDS = True
# A short message after an answer ("hoeveel kost dat", "and how long does it take?") is read against the nodes
# of the topic just answered: it must be this near a node (how far above the general questions: bot.dialog).
FOLLOWUP_SIMILARITY = 0.10
GIBBERISH_COVERAGE = 0.4  # below this share of known character 3-5-grams, with no known word: gibberish
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the `bot` package


def sigmoid(x: Any) -> Any:
    """The logistic function, as scipy.special.expit computes it (1 / (1 + exp(-x)))."""
    return 1.0 / (1.0 + np.exp(-x))


class CalibratedLinearModel:
    """One-vs-rest linear SVM with a Platt sigmoid per class; confidences are normalised to sum to 1."""

    def __init__(self, classes: Sequence[str], weights: Any, bias: Any, slope: Any, offset: Any, prior: Any) -> None:
        self.classes = list(classes)
        self._weights = weights  # (features, classes)
        self._bias = bias
        self._slope = slope
        self._offset = offset
        self._prior = prior

    @classmethod
    def fit(
        cls,
        features: Any,
        labels: Sequence[str],
        priors: dict[str, float],
        processes: int = 1,
        keys: Sequence[str] | None = None,
    ) -> CalibratedLinearModel:
        """Fit on a feature matrix; `processes` > 1 runs the SVM fits side by side (bot/nlu/fitting.py). `keys`
        (one per row): the calibration rows are chosen by hashing them, so an added row moves no other row."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import LinearSVC
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        y = np.asarray(labels)
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2 or counts.min() < 2:
            raise ValueError("training needs at least two intents with at least two examples each")
        # A fixed seed: liblinear's order of visiting the examples, so a model trains the same every time.
        # dual=True: what "auto" picks with more features than texts (always here), also on the merged columns.
        svm = LinearSVC(C=1.0, class_weight="balanced", dual=True, max_iter=5000, tol=SVM_TOLERANCE, random_state=0)
        if keys is None or counts.min() < HASHED_MIN_ROWS:
            folds = StratifiedKFold(n_splits=min(CALIBRATION_FOLDS, int(counts.min())), shuffle=True, random_state=0)
            splits = list(folds.split(features, y))[:CALIBRATION_HELD_OUT]
        else:
            splits = [hashed_split(keys, y)]
        scored = np.sort(np.concatenate([test for _, test in splits]))
        # The sigmoids' L2 penalty as on all rows (C=1 on all, 5 on a fifth): else fewer rows give flatter sigmoids.
        weight = len(y) / len(scored)
        # One BLAS thread: the Platt fits are tiny, and more threads only wait on each other (4x the CPU, same numbers).
        with (
            threadpool_limits(limits=1),
            contextlib.closing(fit_folds(svm, features, y, splits, processes)) as fits,
        ):
            held_out = _two_columns(next(fits))[scored]
            slope, offset = np.zeros(len(classes)), np.zeros(len(classes))
            for k, name in enumerate(classes):  # while the final fit may still run
                platt = LogisticRegression(C=weight).fit(held_out[:, k : k + 1], y[scored] == name)
                slope[k], offset[k] = platt.coef_[0, 0], platt.intercept_[0]
            coef, bias = next(fits)
        if len(classes) == 2:
            coef, bias = np.vstack([-coef[0], coef[0]]), np.array([-bias[0], bias[0]])
        prior = np.array([priors.get(str(c), 1.0) for c in classes])
        return cls([str(c) for c in classes], np.ascontiguousarray(coef.T), bias, slope, offset, prior)

    def probabilities(self, scores: Any) -> Any:
        """Confidences (rows sum to 1) from SVM scores, shape (messages, classes)."""
        p = sigmoid(scores * self._slope + self._offset) * self._prior
        return p / p.sum(axis=1, keepdims=True)

    def vector_scores(self, indices: Any, values: Any) -> Any:
        """SVM scores of one sparse feature vector, shape (1, classes)."""
        return (values @ self._weights[indices] + self._bias)[np.newaxis, :]


def hashed_split(keys: Sequence[str], labels: Any) -> tuple[Any, Any]:
    """(training rows, calibration rows): a row is held out when its key hashes into CALIBRATION_HELD_OUT of
    CALIBRATION_FOLDS buckets; every class keeps at least one row on each side."""
    hashes = np.asarray([stable_hash(key) for key in keys], dtype=np.uint64)
    held = hashes % np.uint64(CALIBRATION_FOLDS) < np.uint64(CALIBRATION_HELD_OUT)
    for name in np.unique(labels):
        rows = np.flatnonzero(labels == name)
        if not held[rows].any():
            held[rows[np.argmin(hashes[rows])]] = True
        if held[rows].all():
            held[rows[np.argmax(hashes[rows])]] = False
    return np.flatnonzero(~held), np.flatnonzero(held)


def _two_columns(scores: Any) -> Any:
    """Binary problems give one score column; make it one per class like the multi-class case."""
    return scores if scores.ndim == 2 else np.column_stack([-scores, scores])


# Clitics that may be attached to an entity word (after normalisation): Arabic conjunctions,
# prepositions and the article in front, feminine/plural/possessive endings behind; Tigrinya
# prepositions in front and possessive/conjunction endings behind; Dutch and English plurals.
_AFFIXES = {
    "arabic": (r"(?:[وف]?(?:[بكل]|عال|ال|بال|لل|كال)?)", r"(?:ه|ات|ين|ون|ي|ك|نا|هم|كم|ها|تي)?"),
    "ethiopic": (r"(?:ን|ብ|ከም|ና|ካብ|ኣብ)?", r"(?:ይ|ና|ካ|ኪ|ኩም|ን|ውን|ዶ|ከ)?"),
    "latin": ("", r"(?:s|n|e|en|es)?"),
}


def _script(term: str) -> str:
    if re.search(r"[\u0600-\u06ff]", term):
        return "arabic"
    if re.search(r"[\u1200-\u137f]", term):
        return "ethiopic"
    return "latin"


class Gazetteer:
    """Entity values learnt from the annotated examples (e.g. 'tandarts' -> profession=dentist).

    A term matches a whole word, give or take the clitics of its script: "للطبيب" is a doctor, but the
    "قابلة" (midwife) inside "مقابلة" (interview) is not.
    """

    def __init__(self, examples: Sequence[Example]) -> None:
        terms: dict[str, Entity] = {}
        for example in examples:
            for surface, entity in example.entities:
                key = normalize(surface)
                if len(key) >= 3:
                    terms[key] = entity
        # Longest first, so "kinderarts" wins over "arts".
        self._terms: list[tuple[str, re.Pattern[str], Entity]] = []
        for term, entity in sorted(terms.items(), key=lambda item: -len(item[0])):
            before, after = _AFFIXES[_script(term)]
            self._terms.append((term, re.compile(rf"(?<!\w){before}{re.escape(term)}{after}(?!\w)"), entity))

    def find(self, normalized: str) -> tuple[Entity, ...]:
        found: dict[str, Entity] = {}
        for term, pattern, entity in self._terms:
            # A pattern matches the term itself, so the (much cheaper) substring test goes first.
            if entity.entity not in found and term in normalized and pattern.search(normalized):
                found[entity.entity] = entity
        return tuple(found.values())


@dataclass(frozen=True)
class _Centroids:
    """One intent's centroids, stored by feature (compressed sparse columns): most are zero, since a feature
    occurs in one language's questions of a few nodes."""

    features: Any  # the global feature numbers used, ascending (int64)
    starts: Any  # per feature, where its nonzero entries begin in `rows` and `values` (one more at the end)
    rows: Any  # the centroid (label) of each nonzero entry (int32)
    values: Any  # its value (float32)
    labels: list[str]  # the node of each centroid


class NodeIndex:
    """Which node of a flow a question is about: the nearest node centroid per language (cosine of the
    classifier's own feature vectors) among the nodes of the recognised intent, from `NODE_SIMILARITY` on
    and `NODE_START_MARGIN` above the nearest general question ("start").

    Per intent only the features its node examples use, stored by feature, so a lookup is a search of the
    message's features and a sum over their entries. Examples of node "start" are general questions about
    the topic: the nearest one means "the topic's opening"."""

    def __init__(self, intents: dict[str, _Centroids]) -> None:
        self._intents = intents

    @classmethod
    def build(cls, space: FeatureSpace, examples: Sequence[Example], features: Any = None) -> NodeIndex:
        """`features`: the examples' feature vectors (CSR, one row each) when the training has them at hand;
        otherwise they are computed here (the same numbers, up to rounding)."""
        intents: dict[str, _Centroids] = {}
        for intent in sorted({e.intent for e in examples}):
            at = [i for i, e in enumerate(examples) if e.intent == intent]
            rows = [examples[i] for i in at]
            if features is None:
                vectors = [space.vector(normalize(e.text)) for e in rows]
            else:
                mine = features[at]
                vectors = [(mine.indices[a:b], mine.data[a:b]) for a, b in itertools.pairwise(mine.indptr)]
            used = np.unique(np.concatenate([indices for indices, _ in vectors])).astype(np.int64)
            matrix = np.zeros((len(rows), len(used)), dtype=np.float32)
            for r, (indices, values) in enumerate(vectors):
                norm = float(np.linalg.norm(values)) or 1.0
                matrix[r, np.searchsorted(used, indices)] = values / norm
            labels = [str(e.node) for e in rows]
            if NODE_CENTROIDS:  # one row per node and language: the normalised mean of its examples
                groups = sorted({(str(e.node), e.language) for e in rows})
                sums = np.vstack(
                    [matrix[[i for i, e in enumerate(rows) if (e.node, e.language) == g]].sum(axis=0) for g in groups]
                )
                matrix = (sums / np.linalg.norm(sums, axis=1, keepdims=True)).astype(np.float32)
                labels = [node for node, _ in groups]
            columns, centroid = np.nonzero(matrix.T)  # by feature, then by centroid
            starts = np.searchsorted(columns, np.arange(len(used) + 1)).astype(np.int64)
            values = matrix.T[columns, centroid].astype(np.float32)
            intents[intent] = _Centroids(used, starts, centroid.astype(np.int32), values, labels)
        return cls(intents)

    def similarities(self, intent: str, indices: Any, values: Any) -> tuple[list[str], Any] | None:
        """(the node of each centroid of `intent`, the cosine of each with the feature vector), or None
        when the vector has no feature the intent's questions use."""
        entry = self._intents.get(intent)
        if entry is None or not len(indices):
            return None
        at = np.searchsorted(entry.features, indices)
        known = at < len(entry.features)
        known[known] = entry.features[at[known]] == np.asarray(indices)[known]
        if not known.any():
            return None
        at, weights = at[known], np.asarray(values, dtype=np.float64)[known]
        begin, count = entry.starts[at], entry.starts[at + 1] - entry.starts[at]
        # The nonzero entries of the picked features, one after the other.
        entries = np.repeat(begin - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
        total = np.bincount(entry.rows[entries], np.repeat(weights, count) * entry.values[entries], len(entry.labels))
        return entry.labels, total / (float(np.linalg.norm(values)) or 1.0)

    def find(self, intent: str, indices: Any, values: Any) -> str | None:
        """The node of `intent` the feature vector is about, or None (the flow's start)."""
        node, best, start = self.nearest(intent, indices, values)
        # Chosen on cross-validation (bench/nlu_nodes_cv.py): fewer general questions answered with a node.
        if node is None or best < NODE_SIMILARITY or best - start <= NODE_START_MARGIN:
            return None
        return node

    def nearest(
        self, intent: str, indices: Any, values: Any, among: Collection[str] | None = None
    ) -> tuple[str | None, float, float]:
        """(the nearest specific node of `intent` (of those `among`), its cosine, the cosine of the nearest
        general question)."""
        found = self.similarities(intent, indices, values)
        if found is None:
            return None, -1.0, -1.0
        nodes, similarity = found
        start = max((float(s) for n, s in zip(nodes, similarity, strict=True) if n == "start"), default=-1.0)
        best, node = max(
            (
                (float(s), n)
                for n, s in zip(nodes, similarity, strict=True)
                if n != "start" and (among is None or n in among)
            ),
            default=(-1.0, ""),
        )
        return node or None, best, start


class EmbeddedClassifier:
    def __init__(
        self,
        space: FeatureSpace,
        model: CalibratedLinearModel,
        gazetteer: Gazetteer,
        ranking_size: int = 5,
        nodes: NodeIndex | None = None,
        followup_nodes: NodeIndex | None = None,
    ) -> None:
        self._space = space
        self._model = model
        self._gazetteer = gazetteer
        self._ranking_size = ranking_size
        self._nodes = nodes
        self._followup_nodes = followup_nodes or nodes

    @classmethod
    def train(cls, examples: Sequence[Example], processes: int = 1) -> EmbeddedClassifier:
        """Train on intent examples, node examples (nlu/nodes) and, shaped like real messages, copies with an
        opening in front (nlu/openers; bot/nlu/compose.py). `processes` > 1: the SVM fits run in that many
        forked processes (the same model; bot/nlu/fitting.py)."""
        followups = [e for e in examples if e.followup]
        training = intent_training(examples, AUGMENT)
        real = intent_training(examples, augmented=False)  # the first rows of `training`
        space, features = FeatureSpace.fit([normalize(e.text[:MAX_CHARS]) for e in training])
        labels = [e.intent for e in training]
        keys = [example_key(e) for e in training]
        model = CalibratedLinearModel.fit(features, labels, {OUT_OF_SCOPE: OUT_OF_SCOPE_PRIOR}, processes, keys)
        with_node = [i for i, e in enumerate(real) if e.node is not None]  # `real` are the first rows of `features`
        nodes = NodeIndex.build(space, [real[i] for i in with_node], features[with_node])
        # Follow-ups are read against the node questions and the nlu/followups lines together.
        followup_nodes = nodes
        if followups:
            import scipy.sparse as sp  # training runs in the child process, which imports SciPy anyway

            rows = [space.vector(normalize(e.text[:MAX_CHARS])) for e in followups]
            indptr = np.cumsum([0, *(len(indices) for indices, _ in rows)])
            extra = sp.csr_matrix(
                (np.concatenate([v for _, v in rows]), np.concatenate([i for i, _ in rows]), indptr),
                shape=(len(rows), features.shape[1]),
            )
            both = sp.vstack([features[with_node], extra], format="csr")
            followup_nodes = NodeIndex.build(space, [real[i] for i in with_node] + followups, both)
        return cls(space, model, Gazetteer(real), nodes=nodes, followup_nodes=followup_nodes)

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(self._model.classes)

    def followup(self, intent: str, text: str, margin: float, among: Collection[str] | None = None) -> str | None:
        """The node of `intent`'s flow (of those `among`) a follow-up question is about ("and how much does it
        cost?" after the diploma answer), or None: the nearest one, if it is `margin` nearer than the topic's
        general questions. The dialog decides when to ask, how sure it must be and which nodes are near."""
        if self._followup_nodes is None:
            return None
        vector = self._space.vector(normalize(text[:MAX_CHARS]))
        node, best, start = self._followup_nodes.nearest(intent, *vector, among)
        return node if best >= FOLLOWUP_SIMILARITY and best - start >= margin else None

    def probabilities(self, normalized: Sequence[str]) -> Any:
        """Confidences per normalised text: one row each, columns in `intents` order, rows summing to 1."""
        rows = [self._model.vector_scores(*self._space.vector(text)) for text in normalized]  # as `predict` does
        scores = np.vstack(rows) if rows else np.zeros((0, len(self._model.classes)))
        return self._model.probabilities(scores)

    def _ranked(self, normalized: str) -> tuple[tuple[tuple[str, float], ...], tuple[Any, Any]]:
        vector = self._space.vector(normalized)
        probabilities = self._model.probabilities(self._model.vector_scores(*vector))[0]
        order = np.argsort(probabilities)[::-1][: self._ranking_size]
        return tuple((self._model.classes[i], float(probabilities[i])) for i in order), vector

    def predict(self, text: str) -> NluResult:
        """The intent of the message, the node that answers it, and a second question if there is one.

        The whole message is classified, and, when it has several parts (sentences, or questions joined by
        "and"), each part: an opening (greeting, thanks, who someone is) must not decide the answer, and of
        two questions the first is answered and the next offered (bot/nlu/compose.py)."""
        normalized = normalize(text[:MAX_CHARS])
        if not normalized:
            return NluResult(text, None, OUT_OF_SCOPE, 0.0, ())
        ranking, vector = self._ranked(normalized)
        parts = segments(normalized) if SEGMENT else [normalized]
        second: str | None = None
        if len(parts) > 1:
            scored = [(*self._ranked(part), part) for part in parts]
            found = [(r, v, p) for r, v, p in scored if r[0][0] not in NOT_QUESTIONS and r[0][1] >= SEGMENT_CONFIDENCE]
            questions = [(r, v) for r, v, _ in found]
            intent, confidence = ranking[0]
            # A question outside the bot's work (a house, family reunification, a fine) is often told with work
            # words in one part: a part overrides an out-of-scope whole only when it is surer than the whole.
            overriding = [(r, v) for r, v in questions if intent != OUT_OF_SCOPE or r[0][1] > confidence]
            if overriding and (intent in NOT_QUESTIONS or confidence < SEGMENT_CONFIDENCE):
                ranking, vector = overriding[0]  # the first question, past the openings
            elif len(ranking) > 1 and confidence - ranking[1][1] < TIE_MARGIN:
                # The whole message torn between two topics ("how do I make a CV and where are the vacancies":
                # 0.50 / 0.50): the first part about one of them that asks something decides; a part that only
                # tells ("I am on bijstand") decides only when no part asks.
                tied = [(r, v, p) for r, v, p in found if r[0][0] in {intent, ranking[1][0]}]
                asking = [(r, v) for r, v, p in tied if QUESTION_WORD.search(p)] or [(r, v) for r, v, _ in tied]
                if asking:
                    ranking, vector = asking[0]
            second = next((r[0][0] for r, _ in questions if r[0][0] != ranking[0][0]), None)
        intent, confidence = ranking[0]
        node = self._nodes.find(intent, *vector) if self._nodes is not None else None
        known_words, coverage = self._space.familiarity(normalized)
        return NluResult(
            text,
            detect_language(text),
            intent,
            confidence,
            ranking,
            self._gazetteer.find(normalized),
            node=node,
            second=second,
            gibberish=known_words == 0 and coverage < GIBBERISH_COVERAGE,
        )

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [intent for intent, _ in self.predict_scored(texts)]

    def predict_scored(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(intent, confidence) per text, as `predict` gives them, computed in one batch."""
        normalized = [normalize(t[:MAX_CHARS]) for t in texts]
        scored: list[tuple[str, float]] = [(OUT_OF_SCOPE, 0.0)] * len(texts)
        several = {i for i, n in enumerate(normalized) if SEGMENT and n and len(segments(n)) > 1}
        for i in several:  # messages with several parts are decided part by part, as `predict` does
            result = self.predict(texts[i])
            scored[i] = (result.intent, result.confidence)
        present = [i for i, n in enumerate(normalized) if n and i not in several]
        if present:
            probabilities = self.probabilities([normalized[i] for i in present])
            for row, i in enumerate(present):
                k = int(probabilities[row].argmax())
                scored[i] = (self._model.classes[k], float(probabilities[row, k]))
        return scored

    async def parse(self, text: str) -> NluResult:
        return self.predict(text)


async def train_in_process(examples: Sequence[Example]) -> EmbeddedClassifier:
    """Train in a short-lived child process (`python -m bot.nlu.trainer`); return the classifier.

    The child is a fresh interpreter (never a fork of this threaded asyncio process): it reads the pickled
    examples on stdin, imports scikit-learn, trains, and writes back `(True, EmbeddedClassifier)`
    or `(False, exception)` on stdout. Its memory goes when it exits, so this process's peak memory holds no
    scikit-learn or SciPy. Training errors are raised here; the child's own messages go to our stderr.
    """
    env = dict(os.environ)  # the child imports the same `bot` package as this process
    env["PYTHONPATH"] = os.pathsep.join([_PACKAGE_ROOT, *filter(None, [env.get("PYTHONPATH")])])
    # No BLAS thread pools: the child uses its cores through processes (bot/nlu/fitting.py), and forks.
    env.update(dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.nlu.trainer",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        output, _ = await process.communicate(pickle.dumps(list(examples), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # cancelled (e.g. shutdown during start-up): the training is no longer wanted
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    if process.returncode != 0 or not output:
        raise RuntimeError(f"the NLU training process failed (exit code {process.returncode})")
    ok, payload = pickle.loads(output)
    del output
    if not ok:
        raise payload
    if not isinstance(payload, EmbeddedClassifier):
        raise RuntimeError(f"the NLU training process sent {type(payload).__name__}, not a classifier")
    return payload
