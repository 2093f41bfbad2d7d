"""The SVM fits of one training run (the cross-validation folds and the final fit), side by side in processes.

Each fit is independent of the others, and liblinear seeds its random generator at the start of every fit
(`random_state` fixed), so a fit gives the same numbers in any process and in any order: running them in
forked processes changes the time, not the model. Threads would not do: liblinear's generator is one per
process, and fits running together would draw from it in turn and train differently each time.

The workers are forked, so they inherit the feature matrix instead of receiving a copy, and send back only
the held-out scores of their fold or the final coefficients. Fork is only used when asked (`processes` > 1):
the training process (bot/nlu/trainer.py) is a fresh interpreter without threads, where forking is safe.

All fits run on the matrix with its identical columns merged (`merge_identical_columns`): the same problem
for a linear SVM, with a quarter fewer non-zeros to go through (~28% less CPU on nlu/).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# What the forked workers inherit: (estimator, features, labels). Set only while a pool runs.
_shared: tuple[Any, Any, Any] | None = None


def available_processes() -> int:
    """The cores this process may run on (the training uses at most one process per core)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def merge_identical_columns(features: Any) -> tuple[Any, Any, Any]:
    """`features` (CSR) with each set of k identical columns replaced by one column scaled by √k; the merged
    column of every original column; and its √k, so that `coef[:, merged] / scale[merged]` are the weights
    of the original columns.

    liblinear's dual sees the rows only through their products, and k equal columns v add k·v_i·v_j to them
    as one column √k·v does: the same optimisation (up to rounding), and each original column's weight is
    the merged one's divided by √k. Character n-grams of a word that always come together (the 3-5-grams of
    "bijstand") are such columns: on nlu/ ~57% of the columns and ~25% of the non-zeros liblinear visits."""
    import scipy.sparse as sp

    features = sp.csr_matrix(features)
    n = features.shape[1]
    # A key per column: its product with random numbers. Equal columns get equal keys (the same products
    # summed in the same order); that columns with equal keys are equal is checked below.
    keys = features.T @ np.random.default_rng(0).standard_normal(features.shape[0])
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(first)  # the merged columns in the order of their first original column
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    first, merged, counts = first[order], rank[np.ravel(inverse)], counts[order]
    if (features != features[:, first[merged]]).nnz:  # two different columns with one key: merge nothing
        log.warning("NLU feature columns not merged (a key collision)")
        return features, np.arange(n), np.ones(n)
    scale = np.sqrt(counts)
    return (features[:, first] @ sp.diags(scale)).tocsr(), merged, scale


def _fit(job: tuple[Any, Any]) -> tuple[Any, Any]:
    """Fit a copy of the shared estimator on rows `train` (all rows if None); return the scores of rows `test`,
    or, for the final fit (`test` None), its coefficients and intercepts."""
    from sklearn.base import clone

    assert _shared is not None
    estimator, features, labels = _shared
    train, test = job
    model = clone(estimator)
    if train is None:
        model.fit(features, labels)
        return model.coef_, model.intercept_
    model.fit(features[train], labels[train])
    return model.decision_function(features[test]), None


def fit_folds(
    estimator: Any, features: Any, labels: Any, folds: Iterable[tuple[Any, Any]], processes: int = 1
) -> Generator[Any, None, None]:
    """Yields the held-out decision scores of `folds` (rows in the order of `features`, as scikit-learn's
    `cross_val_predict` gives them), then (coefficients, intercepts) of `estimator` fitted on all rows: the
    same numbers up to rounding, the coefficients per column of `features`.

    With `processes` > 1 the fits run in that many forked processes, the final fit last: the caller works on
    the held-out scores (the Platt fits) on the core the last fold leaves free while the final fit runs."""
    global _shared
    folds = list(folds)
    jobs: list[tuple[Any, Any]] = [*folds, (None, None)]
    merged_features, merged, scale = merge_identical_columns(features)
    _shared = (estimator, merged_features, labels)
    try:
        with contextlib.ExitStack() as stack:
            results: Iterator[tuple[Any, Any]] = map(_fit, jobs)
            if processes > 1 and "fork" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("fork")
                try:
                    pool = stack.enter_context(ProcessPoolExecutor(min(processes, len(jobs)), mp_context=context))
                    results = pool.map(_fit, jobs)
                except OSError as exc:  # e.g. no /dev/shm for the pool's semaphores: one fit after the other
                    log.warning("NLU fits in one process (%s)", type(exc).__name__)
            held_out: Any = None
            for _, test in folds:
                scores, _ = next(results)
                if held_out is None:
                    held_out = np.empty((len(labels), *scores.shape[1:]), dtype=scores.dtype)
                held_out[test] = scores
            yield held_out
            coef, intercept = next(results)
            yield coef[:, merged] / scale[merged], intercept
    finally:
        _shared = None
