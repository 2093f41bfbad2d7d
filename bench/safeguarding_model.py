"""Would a character n-gram model add to the safeguarding patterns? (bench/README.md, Safeguarding)

Trains a binary TF-IDF char_wb(2-5) + logistic regression "disclosure or not" per fold on the
development data (positives: the six categories; negatives: `none` and nlu/data), and reports, for
the patterns alone, the model alone and patterns OR model: recall on the held-out set and 5-fold
cross-validated false alarms on the ordinary intents. Run: .venv/bin/python bench/safeguarding_model.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.nlu.data import load_examples
from bot.safeguarding import data
from bot.safeguarding.recognise import normalize, recognise, sentences

ROOT = Path(__file__).resolve().parents[1] / "nlu"


def main() -> None:
    dev = data.load(ROOT / "safeguarding")
    held = data.load(ROOT / "safeguarding" / "heldout")
    ordinary = [e.text for e in load_examples(ROOT / "data")]
    texts = [e.text for e in dev] + ordinary
    labels = np.array([e.category != data.NONE for e in dev] + [False] * len(ordinary))
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), preprocessor=normalize, sublinear_tf=True)

    def fit(idx: np.ndarray) -> tuple[TfidfVectorizer, LogisticRegression]:
        v = TfidfVectorizer(**vectorizer.get_params())
        model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000)
        model.fit(v.fit_transform([texts[i] for i in idx]), labels[idx])
        return v, model

    def model_says(v: TfidfVectorizer, model: LogisticRegression, text: str, threshold: float) -> bool:
        parts = sentences(text)  # the max over sentences, as the recogniser does
        return bool(model.predict_proba(v.transform(parts))[:, 1].max() >= threshold)

    folds = StratifiedKFold(5, shuffle=True, random_state=7)
    for threshold in (0.5, 0.7, 0.9):
        alarms = {"patterns": 0, "model": 0, "either": 0}
        n_ordinary = 0
        for train, test in folds.split(np.zeros(len(texts)), labels):
            v, model = fit(train)
            for i in test:
                if i < len(dev):
                    continue  # false alarms are counted on the ordinary intents only
                n_ordinary += 1
                p, m = recognise(texts[i]) is not None, model_says(v, model, texts[i], threshold)
                alarms["patterns"] += p
                alarms["model"] += m
                alarms["either"] += p or m
        v, model = fit(np.arange(len(texts)))
        caught = {"patterns": 0, "model": 0, "either": 0}
        positives = [e for e in held if e.category != data.NONE]
        for e in positives:
            p, m = recognise(e.text) is not None, model_says(v, model, e.text, threshold)
            caught["patterns"] += p
            caught["model"] += m
            caught["either"] += p or m
        print(f"threshold {threshold}:")
        for name in caught:
            print(
                f"  {name:<9} held-out recall {caught[name] / len(positives):.3f}"
                f"  ordinary false alarms (5-fold) {alarms[name] / n_ordinary:.2%}"
            )


if __name__ == "__main__":
    main()
