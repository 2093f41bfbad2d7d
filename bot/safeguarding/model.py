"""The learned half of the safeguarding recogniser: a character n-gram naive Bayes model, trained at start-up.

The patterns (patterns.py) are precise but miss new phrasings; this model generalises from the examples
in nlu/safeguarding/ (positives) against the ordinary intents of nlu/data plus the `none` hard negatives,
and the recogniser fires on patterns OR model, recall first. Independent of the intent classifier: its own
data, features and thresholds. Naive Bayes because training is counting (~0.2 s on 6,000 examples, NumPy
only); a second naive Bayes over the six categories names the category when only the model fires.
Thresholds per detected language, on cross-validated scores of the ordinary data only (FALSE_ALARM_BUDGET)."""

from __future__ import annotations

import itertools
import logging
import platform
import re
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from bot.languages import detect_language
from bot.nlu import cache
from bot.safeguarding import data
from bot.safeguarding.lexicon import class_features
from bot.safeguarding.recognise import CATEGORIES, split

log = logging.getLogger(__name__)

CHAR_NGRAMS = (3, 4, 5)
LEXICON = True  # the word classes of lexicon.py as features
ALPHA = 0.5  # additive smoothing of the counts
FOLDS = 5
# The thresholds are the mean over the fold splits of these salts (fold_of): one split's threshold is a
# quantile of a few top scores and moved by up to 13 points with the split (en 31.5-44.7), so any edit of
# nlu/data moved the operating point by chance (bench/README.md, Safeguarding, round 16).
FOLD_SEEDS: tuple[int, ...] = (7, 8, 9, 10, 11)
# Share of ordinary messages (per detected language) the model alone may flag in cross-validation. Below
# 1% because the patterns add their own alarms: 0.5% keeps patterns OR model within 1% per language in
# the nested cross-validation of `werkhelpdesk nlu evaluate` (0.6% did not for nl after round 8;
# bench/README.md, Safeguarding).
FALSE_ALARM_BUDGET = 0.005
# The middle band: a message the model scores above the threshold of this (larger) budget but below the
# alarm threshold gets one gentle question, "Are you safe right now?" with two buttons (respond.py).
# 5%: the smallest budget whose cross-validated recall, counting the asked messages, is >= 0.95 in every
# language (4%: 0.94-0.96).
ASK_BUDGET = 0.05
# Messages shorter than this (in words) are never asked about: "hallo 16" or an answer to a form carries too
# little to judge, and a short disclosure is the patterns' and the alarm's business.
MIN_ASK_WORDS = 3
# A long question ("my contract ends in two weeks, what happens with my benefits and ...?") that only the
# model flags is asked about ("Are you safe right now?") instead of alarmed: long ordinary questions were
# the model's most common false alarm (a long text's score adds up), and the question still reaches a
# person who is not safe. 10 words: 6-8 no fewer false alarms, 12 more; question words as well as marks
# cost alarms for one fewer false alarm (bench/README.md, Safeguarding). 0 turns this off.
LONG_QUESTION_WORDS = 10
_QUESTION_MARKS = ("?", "؟", "፧")
UNDETECTED = ""  # the threshold key of messages whose language detect_language cannot tell
MIN_GROUP = 100  # a language with fewer ordinary examples than this uses the strictest threshold

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def features(sentence: str) -> set[str]:
    """The binary features of one normalised sentence."""
    padded = f" {sentence} "
    found = {padded[i : i + k] for k in CHAR_NGRAMS for i in range(len(padded) - k + 1)}
    words = sentence.split()
    found.update("w:" + w for w in words)
    found.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    if LEXICON:
        found.update(class_features(sentence))
    return found


# The model also reads each clause alone: a disclosure after a comma or an "also" in a long question
# is then not drowned by the ordinary words around it. (The patterns keep their sentences.)
_CLAUSES = re.compile(r",\s*|\s+(?:also|and also|ook|en ook|وكمان|كمان|وايضا|ايضا|ከምኡውን)\s+")
MIN_CLAUSE = 8  # characters; shorter fragments carry too little to judge alone


def parts(text: str) -> tuple[list[str], int]:
    """The texts the model scores for a message: its sentences, their clauses, windows of words of long
    clauses, and the whole message (whose index is returned; -1 for an empty message)."""
    found, index = split(text)
    if index < 0:
        return found, index
    clauses = [c.strip() for s in found for c in _CLAUSES.split(s)]
    clauses += [w for c in clauses for w in _windows(c)]
    extra = [c for c in dict.fromkeys(clauses) if len(c) >= MIN_CLAUSE and c not in found]
    return found + extra, index


# A long clause without punctuation ("hallo ik heb een vraag over mijn cv en ... mijn baas houdt mijn paspoort")
# is also read in overlapping windows of words, so that a disclosure in it is not drowned by the rest. 12
# words: 8 caught a little more but asked about long ordinary messages up to three times as often.
WINDOW = 12
MIN_WINDOWED = 14  # words; shorter clauses are read whole


def _windows(clause: str) -> list[str]:
    words = clause.split()
    if WINDOW <= 0 or len(words) < MIN_WINDOWED:
        return []
    step = WINDOW // 2
    return [" ".join(words[i : i + WINDOW]) for i in range(0, len(words) - step, step)]


def long_question(text: str) -> bool:
    """A question of LONG_QUESTION_WORDS words or more (a question mark anywhere in it)."""
    words = len(text.split())
    return 0 < LONG_QUESTION_WORDS <= words and any(mark in text for mark in _QUESTION_MARKS)


def language_key(text: str) -> str:
    return detect_language(text) or UNDETECTED


@dataclass
class _Rows:
    """Every sentence of every text as a row of feature ids; `whole[i]` is text i's row of the whole text."""

    feature_ids: IntArray  # concatenated feature ids of all rows
    row_of: IntArray  # the row of each entry of feature_ids
    text_of_row: IntArray
    whole: IntArray
    rows: int


def _rows(texts: Sequence[str], vocabulary: dict[str, int], grow: bool) -> _Rows:
    ids: list[int] = []
    row_of: list[int] = []
    text_of_row: list[int] = []
    whole: list[int] = []
    for t, text in enumerate(texts):
        pieces, index = parts(text)
        if index < 0:  # an empty text still gets its (empty) row
            pieces, index = [*pieces, ""], len(pieces)
        whole.append(len(text_of_row) + index)
        for part in pieces:
            row = len(text_of_row)
            text_of_row.append(t)
            for feature in features(part):
                known = vocabulary.setdefault(feature, len(vocabulary)) if grow else vocabulary.get(feature)
                if known is not None:
                    ids.append(known)
                    row_of.append(row)
    return _Rows(
        np.asarray(ids, dtype=np.int64),
        np.asarray(row_of, dtype=np.int64),
        np.asarray(text_of_row, dtype=np.int64),
        np.asarray(whole, dtype=np.int64),
        len(text_of_row),
    )


def _log_ratios(counts_a: FloatArray, counts_b: FloatArray, seen: npt.NDArray[np.bool_]) -> FloatArray:
    """Naive Bayes log-count ratios of class a against b; 0 for features not seen in training."""
    a = np.log((counts_a + ALPHA) / (counts_a + ALPHA).sum())
    b = np.log((counts_b + ALPHA) / (counts_b + ALPHA).sum())
    return np.where(seen, a - b, 0.0)


def balance(training: Training, train_texts: IntArray) -> FloatArray:
    """A weight per text such that every language weighs the same among the disclosures, and among
    the negatives: the ordinary data has four times more Arabic than English, and without this the
    model would learn the language (Latin letters would look like a disclosure)."""
    weight = np.zeros(len(training.texts))
    languages = np.asarray(training.language)
    for positive in (True, False):
        chosen = train_texts[training.positive[train_texts] == positive]
        groups = [chosen[languages[chosen] == language] for language in np.unique(languages[chosen])]
        for group in groups:
            weight[group] = len(chosen) / (len(groups) * len(group))
    return weight


@dataclass(frozen=True)
class _WholeEntries:
    """The entries of the whole-text rows, the only ones a fit counts; kept once for the many fold fits."""

    feature_ids: IntArray
    text: IntArray
    training: Training

    @classmethod
    def of(cls, rows: _Rows, training: Training) -> _WholeEntries:
        entry = np.isin(rows.row_of, rows.whole)
        return cls(rows.feature_ids[entry], rows.text_of_row[rows.row_of[entry]], training)

    def fit(self, train_texts: IntArray, size: int) -> FloatArray:
        """The binary model's weights from the whole-text rows of `train_texts`."""
        chosen = np.zeros(len(self.training.texts), dtype=bool)
        chosen[train_texts] = True
        entry = chosen[self.text]
        weight = balance(self.training, train_texts)[self.text]
        pos = entry & self.training.positive[self.text]
        neg = entry & ~self.training.positive[self.text]
        pos_counts = np.bincount(self.feature_ids[pos], weight[pos], size).astype(np.float64)
        neg_counts = np.bincount(self.feature_ids[neg], weight[neg], size).astype(np.float64)
        return _log_ratios(pos_counts, neg_counts, (pos_counts + neg_counts) > 0)


def _text_scores(rows: _Rows, weights: FloatArray, texts: int) -> FloatArray:
    """Each text's score: the highest of its rows (sentences and whole)."""
    row_scores = np.bincount(rows.row_of, weights=weights[rows.feature_ids], minlength=rows.rows)
    scores = np.full(texts, -np.inf)
    np.maximum.at(scores, rows.text_of_row, row_scores)
    return scores


def choose_thresholds(scores: FloatArray, keys: Sequence[str], budget: float = FALSE_ALARM_BUDGET) -> dict[str, float]:
    """Per language key, the lowest threshold keeping the negatives' false alarms within the budget."""
    thresholds: dict[str, float] = {}
    keys_array = np.asarray(keys)
    strictest = float(np.quantile(scores, 1 - budget, method="higher")) + 1e-9
    for key in sorted(set(keys)):
        group = scores[keys_array == key]
        if len(group) >= MIN_GROUP:
            thresholds[key] = float(np.quantile(group, 1 - budget, method="higher")) + 1e-9
    for key in ("ar", "en", "nl", "ti", UNDETECTED):
        thresholds.setdefault(key, max([strictest, *thresholds.values()]))
    return thresholds


@dataclass(frozen=True)
class SafeguardingModel:
    vocabulary: dict[str, int]
    weights: FloatArray  # binary: log-count ratio per feature
    category_weights: FloatArray  # (features, categories): log-likelihoods among the disclosures
    thresholds: dict[str, float]  # per language key
    ask_thresholds: dict[str, float]  # per language key: the middle band starts here (ASK_BUDGET)

    def score(self, text: str) -> float:
        """The highest score over the sentences of `text`."""
        best = -np.inf
        for part in parts(text)[0]:
            ids = [i for f in features(part) if (i := self.vocabulary.get(f)) is not None]
            best = max(best, float(self.weights[ids].sum()))
        return best

    def fires(self, text: str) -> bool:
        return self.band(text) == "alarm"

    def band(self, text: str) -> Literal["alarm", "ask"] | None:
        """Above the alarm threshold "alarm" (a long question: "ask"), in the middle band "ask", below it
        None."""
        if not text.strip():
            return None
        score, key = self.score(text), language_key(text)
        if score >= self.thresholds[key]:
            return "ask" if long_question(text) else "alarm"
        return "ask" if score >= self.ask_thresholds[key] and len(text.split()) >= MIN_ASK_WORDS else None

    def category(self, text: str) -> str:
        """The most likely category of a message the model flags (the whole message decides)."""
        ids = [i for part in parts(text)[0] for f in features(part) if (i := self.vocabulary.get(f)) is not None]
        return CATEGORIES[int(self.category_weights[ids].sum(axis=0).argmax())]

    def recognise(self, text: str) -> str | None:
        return self.category(text) if text.strip() and self.fires(text) else None


@dataclass(frozen=True)
class Training:
    """What the model learns from: the disclosures and hard negatives, and the ordinary messages."""

    texts: list[str]
    positive: npt.NDArray[np.bool_]
    category: list[str]  # a category, or data.NONE
    ordinary: npt.NDArray[np.bool_]  # from nlu/data: the false-alarm population
    language: list[str]  # as the data says (not detected)

    @classmethod
    def build(cls, safeguarding: Sequence[data.Example], ordinary: Sequence[tuple[str, str]]) -> Training:
        """From the safeguarding examples and the (language, text) of the ordinary intents' examples."""
        texts = [e.text for e in safeguarding] + [text for _, text in ordinary]
        category = [e.category for e in safeguarding] + [data.NONE] * len(ordinary)
        return cls(
            texts,
            np.asarray([c != data.NONE for c in category]),
            category,
            np.asarray([False] * len(safeguarding) + [True] * len(ordinary)),
            [e.language for e in safeguarding] + [language for language, _ in ordinary],
        )

    def subset(self, indices: IntArray) -> Training:
        return Training(
            [self.texts[i] for i in indices],
            self.positive[indices],
            [self.category[i] for i in indices],
            self.ordinary[indices],
            [self.language[i] for i in indices],
        )


def fold_of(training: Training, folds: int = FOLDS, seed: int = FOLD_SEEDS[0]) -> IntArray:
    """A fold per text from a hash of the text: the same split on every start, and a line added to the data
    moves no other line to another fold (a seeded permutation reshuffled them all)."""
    return np.asarray([zlib.crc32(f"{seed}:{text}".encode()) % folds for text in training.texts], dtype=np.int64)


def train(training: Training, folds: int = FOLDS) -> SafeguardingModel:
    """Fit on everything; the thresholds come from cross-validated scores of the ordinary messages, averaged
    over the FOLD_SEEDS splits."""
    vocabulary: dict[str, int] = {}
    rows = _rows(training.texts, vocabulary, grow=True)
    size = len(vocabulary)
    whole = _WholeEntries.of(rows, training)
    ordinary = np.flatnonzero(training.ordinary)
    keys = [language_key(training.texts[i]) for i in ordinary]
    alarm: list[dict[str, float]] = []
    ask: list[dict[str, float]] = []
    for seed in FOLD_SEEDS:
        fold = fold_of(training, folds, seed)
        oof = np.zeros(len(training.texts))
        for k in range(folds):
            held = fold == k
            oof[held] = _text_scores(rows, whole.fit(np.flatnonzero(~held), size), len(training.texts))[held]
        alarm.append(choose_thresholds(oof[ordinary], keys))
        ask.append(choose_thresholds(oof[ordinary], keys, ASK_BUDGET))
    thresholds = {key: float(np.mean([t[key] for t in alarm])) for key in alarm[0]}
    ask_thresholds = {key: float(np.mean([t[key] for t in ask])) for key in ask[0]}
    weights = whole.fit(np.arange(len(training.texts)), size)
    per_category = np.zeros((size, len(CATEGORIES)))
    for c, category in enumerate(CATEGORIES):
        members = np.asarray([x == category for x in training.category])
        counts = np.bincount(whole.feature_ids[members[whole.text]], minlength=size).astype(np.float64)
        per_category[:, c] = np.log((counts + ALPHA) / (counts + ALPHA).sum())
    return SafeguardingModel(vocabulary, weights, per_category, thresholds, ask_thresholds)


def load_data(nlu_dir: Path) -> tuple[list[data.Example], list[tuple[str, str]]]:
    """nlu/safeguarding/*.yml and heldout/*.yml (the unseen/ set never), and nlu/data as negatives."""
    from bot.nlu.data import load_examples

    root = nlu_dir / "safeguarding"
    examples = data.load(root) + data.load(root / "heldout")
    return examples, [(e.language, e.text) for e in load_examples(nlu_dir / "data")]


def load_training(nlu_dir: Path) -> Training:
    return Training.build(*load_data(nlu_dir))


# The model in use; None until trained (the patterns alone apply until then).
_current: SafeguardingModel | None = None
_trained_from: Path | None = None
_lock = threading.Lock()


def current() -> SafeguardingModel | None:
    return _current


def install(model: SafeguardingModel | None) -> None:
    global _current
    _current = model


def cache_key(nlu_dir: Path) -> str:
    """A hash of what the model depends on: its training files, the code that reads and trains it, and
    the Python and NumPy versions (as bot/nlu/cache.py does for the intent classifier)."""
    bot = Path(__file__).resolve().parents[1]
    code = [
        *sorted((bot / "safeguarding").glob("*.py")),
        bot / "textnorm.py",
        bot / "languages.py",
        bot / "nlu" / "data.py",
    ]
    root = nlu_dir / "safeguarding"
    data_files = [*sorted(root.glob("*.yml")), *sorted((root / "heldout").glob("*.yml"))]
    data_files += sorted((nlu_dir / "data").glob("*.yml"))
    versions = [platform.python_version().encode(), cache.version_of("numpy").encode()]
    return cache.digest_of(versions, [(path.name, path) for path in [*code, *data_files]])


def _load_or_train(nlu_dir: Path, cache_dir: Path | None) -> tuple[SafeguardingModel, bool]:
    path = None
    if cache_dir is not None:
        try:
            cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = cache_dir / f"safeguarding-{cache_key(nlu_dir)}.pickle"
        except OSError as exc:
            log.warning("safeguarding model cache unusable (%s); training without it", type(exc).__name__)
    cached = cache.read_object(path, SafeguardingModel) if path is not None else None
    if cached is not None:
        return cached, True
    model = train(load_training(nlu_dir))
    if path is not None:
        cache.store(path, model)  # two replicas training at once both write whole files: no lock needed
    return model, False


def ensure_trained(nlu_dir: Path, cache_dir: Path | None = None) -> SafeguardingModel:
    """Load (from `cache_dir`, when given) or train the model for `nlu_dir` and install it, once per
    process and directory."""
    global _trained_from
    with _lock:
        model = _current
        if model is None or _trained_from != nlu_dir.resolve():
            started = time.perf_counter()
            model, cached = _load_or_train(nlu_dir, cache_dir)
            install(model)
            _trained_from = nlu_dir.resolve()
            how = "loaded from the cache" if cached else "trained"
            log.info("safeguarding model %s in %.2f s", how, time.perf_counter() - started)
        return model
