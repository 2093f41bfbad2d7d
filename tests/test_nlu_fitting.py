"""The SVM fits of a training run side by side in processes (bot/nlu/fitting.py): the same model as one by one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from bot.nlu import fitting
from bot.nlu.data import load_examples
from bot.nlu.embedded import EmbeddedClassifier, hashed_split, train_in_process
from bot.nlu.features import FeatureSpace
from bot.nlu.fitting import fit_folds, merge_identical_columns
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
    """The fits on the merged columns give the scores and weights of scikit-learn's on all columns (up to
    rounding: the same sums in another order)."""
    svm, features, labels, folds = problem
    scores, (coef, intercept) = fit_folds(svm, features, labels, folds)
    expected = cross_val_predict(svm, features, labels, cv=folds, method="decision_function")
    assert np.allclose(scores, expected, rtol=0, atol=1e-12)
    assert np.array_equal(scores.argmax(axis=1), expected.argmax(axis=1))
    full = LinearSVC(class_weight="balanced", tol=1e-3, random_state=0).fit(features, labels)
    assert coef.shape == full.coef_.shape
    assert np.allclose(coef, full.coef_, rtol=0, atol=1e-12)
    assert np.allclose(intercept, full.intercept_, rtol=0, atol=1e-12)


def test_identical_columns_are_merged_into_one_scaled_column(problem: Problem) -> None:
    _, features, _, _ = problem
    merged_features, merged, scale = merge_identical_columns(features)
    assert merged_features.shape[1] < features.shape[1] * 0.7  # the n-grams of a word come together
    assert merged_features.nnz < features.nnz * 0.9
    assert len(merged) == features.shape[1]
    # Each original column is its merged column divided by the square root of the group's size ...
    restored = merged_features[:, merged] @ sp.diags(1 / scale[merged])
    assert abs(restored - features).max() < 1e-15
    assert np.allclose(np.bincount(merged), scale**2)
    # ... so the products of the rows, all a linear SVM sees of them, stay the same.
    gram, merged_gram = (features @ features.T).toarray(), (merged_features @ merged_features.T).toarray()
    assert np.allclose(merged_gram, gram, rtol=0, atol=1e-12)


def test_columns_that_differ_in_one_value_stay_apart() -> None:
    features = sp.csr_matrix(np.array([[1.0, 1.0, 1.0, 0.0], [0.5, 0.5, 0.25, 0.0], [0.0, 0.0, 0.0, 2.0]]))
    merged_features, merged, scale = merge_identical_columns(features)
    assert merged.tolist() == [0, 0, 1, 2]
    assert scale.tolist() == [np.sqrt(2), 1.0, 1.0]
    assert np.allclose(merged_features.toarray(), [[np.sqrt(2), 1.0, 0], [np.sqrt(0.5), 0.25, 0], [0, 0, 2.0]])


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


def test_columns_with_the_same_key_but_different_values_are_not_merged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys are only a quick guess: a collision (forced here with a probe of zeros) merges nothing."""

    class Zeros:
        def standard_normal(self, size: int) -> Any:
            return np.zeros(size)

    monkeypatch.setattr(fitting.np.random, "default_rng", lambda seed: Zeros())
    features = sp.csr_matrix(np.array([[1.0, 1.0, 2.0], [0.5, 0.5, 0.5]]))
    merged_features, merged, scale = merge_identical_columns(features)
    assert merged.tolist() == [0, 1, 2]
    assert scale.tolist() == [1.0, 1.0, 1.0]
    assert np.array_equal(merged_features.toarray(), features.toarray())


def test_fits_of_some_folds_score_only_their_held_out_rows(problem: Problem) -> None:
    """Fitting one fold of five: its held-out rows get that fit's scores, every other row stays NaN."""
    svm, features, labels, folds = problem
    train, test = folds[0]
    scores, _ = fit_folds(svm, features, labels, folds[:1])
    expected = LinearSVC(class_weight="balanced", tol=1e-3, random_state=0).fit(features[train], labels[train])
    assert np.allclose(scores[test], expected.decision_function(features[test]), rtol=0, atol=1e-12)
    assert np.isnan(scores[train]).all()


def test_platt_fits_read_the_scores_of_the_held_out_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    """With CALIBRATION_HELD_OUT 1 each class's sigmoid is fitted on the held-out scores of one fold of five (a
    model on the other four) alone, its penalty weighed as on all rows (C 5: else a fifth of the rows flattens it)."""
    from sklearn.linear_model import LogisticRegression

    from bot.nlu import embedded

    monkeypatch.setattr(embedded, "CALIBRATION_HELD_OUT", 1)
    texts = [normalize(e.text) for e in EXAMPLES]
    labels = np.array([e.intent for e in EXAMPLES])
    _, features = FeatureSpace.fit(texts)
    model = embedded.CalibratedLinearModel.fit(features, list(labels), {})
    folds = StratifiedKFold(n_splits=embedded.CALIBRATION_FOLDS, shuffle=True, random_state=0)
    train, test = next(folds.split(features, labels))
    svm = LinearSVC(class_weight="balanced", max_iter=5000, tol=embedded.SVM_TOLERANCE, random_state=0)
    held_out = svm.fit(features[train], labels[train]).decision_function(features[test])
    for k, name in enumerate(model.classes):
        platt = LogisticRegression(C=len(labels) / len(test)).fit(held_out[:, k : k + 1], labels[test] == name)
        assert model._slope[k] == pytest.approx(platt.coef_[0, 0], abs=1e-6)
        assert model._offset[k] == pytest.approx(platt.intercept_[0], abs=1e-6)


def test_calibration_rows_are_chosen_by_hash_and_stay_put() -> None:
    """An added training row moves no other row between the SVM's part and the calibration part."""
    keys = [f"nl\x1fcv_help\x1fNone\x1fhoe maak ik cv {i}" for i in range(300)] + ["nl\x1fgreet\x1fNone\x1fhallo"] * 3
    labels = np.asarray(["cv_help"] * 300 + ["greet"] * 3)
    train, held = hashed_split(keys, labels)
    assert 40 < len(held) < 80  # about a fifth
    assert {"cv_help", "greet"} <= set(labels[held])
    assert {"cv_help", "greet"} <= set(labels[train])
    grown_train, grown_held = hashed_split(["nl\x1fjob\x1fNone\x1fwerk", *keys], np.asarray(["job", *labels]))
    assert list(grown_held[grown_held > 0] - 1) == list(held)
    assert list(grown_train[grown_train > 0] - 1) == list(train)
