"""The SVM fits of one training run (the cross-validation folds and the final fit), side by side in forked processes.

liblinear seeds its generator at the start of every fit, so a fit gives the same numbers in any process and order;
threads would not (one generator per process, drawn from in turn). Forked workers inherit the matrix and send back
only scores or coefficients; fork is used only when asked, in the thread-free training process (trainer.py).
All fits run with identical columns merged (`merge_identical_columns`): the same problem, ~28% less CPU on nlu/.
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
    """`features` (CSR) with each set of k identical columns replaced by one scaled by √k, the merged column of each
    original column, and its √k: `coef[:, merged] / scale[merged]` are the original columns' weights.
    liblinear's dual sees rows only through their products, to which k equal columns v add what one column √k·v
    does: the same optimisation. N-grams that always come together are such columns (~57% of them on nlu/)."""
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
    """Yields the held-out decision scores of `folds` (rows in the order of `features`, as `cross_val_predict`;
    NaN in rows no fold holds out), then (coefficients, intercepts) fitted on all rows. With `processes` > 1 the
    fits run forked, the final fit last: the caller does the Platt fits on the core a fold leaves free meanwhile."""
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
                    held_out = np.full((len(labels), *scores.shape[1:]), np.nan)  # rows no fold holds out: NaN
                held_out[test] = scores
            yield held_out
            coef, intercept = next(results)
            yield coef[:, merged] / scale[merged], intercept
    finally:
        _shared = None
