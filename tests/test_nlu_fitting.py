"""The SVM fits of a training run side by side in processes (bot/nlu/fitting.py): the same model as one by one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from bot.nlu import fitting
from bot.nlu.data import load_examples
from bot.nlu.embedded import EmbeddedClassifier, train_in_process
from bot.nlu.features import FeatureSpace
from bot.nlu.fitting import fit_folds
from bot.textnorm import normalize

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = load_examples(ROOT / "nlu" / "data")[::6]  # every language and intent, a quick training


Problem = tuple[LinearSVC, Any, Any, list[Any]]


@pytest.fixture(scope="module")
def problem() -> Problem:
    """An SVM, the features and labels of EXAMPLES, and five stratified folds."""
    texts = [normalize(e.text) for e in EXAMPLES]
    labels = np.array([e.intent for e in EXAMPLES])
    _, features = FeatureSpace.fit(texts)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(features, labels))
    return LinearSVC(class_weight="balanced", tol=1e-3, random_state=0), features, labels, folds


def test_folds_and_final_fit_equal_cross_val_predict_and_fit(problem: Problem) -> None:
    svm, features, labels, folds = problem
    scores, (coef, intercept) = fit_folds(svm, features, labels, folds)
    assert np.array_equal(scores, cross_val_predict(svm, features, labels, cv=folds, method="decision_function"))
    full = LinearSVC(class_weight="balanced", tol=1e-3, random_state=0).fit(features, labels)
    assert np.array_equal(coef, full.coef_)
    assert np.array_equal(intercept, full.intercept_)


def test_without_a_process_pool_the_fits_run_one_after_the_other(
    problem: Problem, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_semaphores(*args: object, **kwargs: object) -> None:
        raise OSError(38, "Function not implemented")

    svm, features, labels, folds = problem
    expected, (expected_coef, _) = fit_folds(svm, features, labels, folds)
    monkeypatch.setattr(fitting, "ProcessPoolExecutor", no_semaphores)
    scores, (coef, _) = fit_folds(svm, features, labels, folds, processes=2)
    assert np.array_equal(scores, expected)
    assert np.array_equal(coef, expected_coef)
    assert "NLU fits in one process (OSError)" in caplog.text


async def test_training_in_processes_gives_the_model_of_one_process() -> None:
    """The training process fits side by side (one process per core); the confidences are exactly those of
    a training in this process, one fit after the other, and of a second training (a fixed seed)."""
    child = await train_in_process(EXAMPLES)
    here = EmbeddedClassifier.train(EXAMPLES, processes=1)
    again = EmbeddedClassifier.train(EXAMPLES, processes=1)
    texts = [normalize(e.text) for e in load_examples(ROOT / "nlu" / "data")[1::7]]
    assert np.array_equal(child.probabilities(texts), here.probabilities(texts))
    assert np.array_equal(again.probabilities(texts), here.probabilities(texts))
