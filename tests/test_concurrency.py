"""fast-smote called concurrently: from several Python threads at once, in
``multiprocessing`` children (forked after the parent has used the core's thread pools,
and spawned), and under joblib, every call gives exactly what the same call gives alone,
in order (X, y, and ``provenance_`` / ``sample_indices_``)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import joblib
import numpy as np
import pytest
from imblearn.pipeline import make_pipeline
from samplers import CASES
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from threadpoolctl import threadpool_limits

import fast_smote
from conftest import make_imbalanced

pytestmark = [
    pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning"),
    # Python 3.12+ warns about fork() in a process with threads (the core's pools):
    # exactly the case the fork test is about.
    pytest.mark.filterwarnings(r"ignore:This process .* is multi-threaded:DeprecationWarning"),
]

#: The ``n_jobs`` each concurrent call takes, in turn.
N_JOBS = (1, 2, None, -1)
N_THREADS = 8

#: How long a child may take to answer. Forked children start at once and resample
#: small data in well under a second; spawned ones import NumPy, scikit-learn and
#: fast_smote first.
CHILD_TIMEOUT = {"fork": 10.0, "spawn": 60.0}


@pytest.fixture(autouse=True)
def _serial_native_threads():
    # scikit-learn's OpenMP and BLAS thread teams (k-means, SVC, logistic regression)
    # only spin on data this small; joblib's workers get one thread each likewise. The
    # Rust core uses neither.
    with threadpool_limits(limits=1):
        yield


def _data(sampler: Any, seed: int, counts=(150, 50, 25)) -> tuple[np.ndarray, np.ndarray]:
    """Data every sampler takes: column 0 holds whole numbers (SMOTENC's categorical
    column); for SMOTEN every column is integer-coded."""
    X, y = make_imbalanced(list(counts), n_features=4, seed=seed, spread=1.0)
    if isinstance(sampler, fast_smote.SMOTEN):
        return np.clip(np.round(X), -4, 4).astype(np.int64), y
    X[:, 0] = np.round(X[:, 0])
    return X, y


def _configured(sampler: Any, seed: int, n_jobs: int | None) -> Any:
    """A clone of ``sampler`` with its own seed (if it takes one) and ``n_jobs``."""
    params: dict[str, Any] = {"n_jobs": n_jobs}
    if "random_state" in sampler.get_params():
        params["random_state"] = seed
    return clone(sampler).set_params(**params)


def _outcome(sampler: Any, X_res: Any, y_res: Any) -> dict[str, np.ndarray]:
    """Everything a call produced: X, y, and the provenance and kept rows of the sampler
    (and of a combined sampler's parts)."""
    arrays = {"X": np.asarray(X_res), "y": np.asarray(y_res)}
    parts = {"": sampler}
    parts.update(
        {
            f"{name}.": getattr(sampler, name)
            for name in ("smote_", "tomek_", "enn_")
            if hasattr(sampler, name)
        }
    )
    for prefix, part in parts.items():
        provenance = getattr(part, "provenance_", None)
        if provenance is not None:
            for field in ("base_index", "neighbor_index", "step", "neighbor_class"):
                value = getattr(provenance, field)
                if value is not None:
                    arrays[f"{prefix}provenance_.{field}"] = np.asarray(value)
        if hasattr(part, "sample_indices_"):
            arrays[f"{prefix}sample_indices_"] = np.asarray(part.sample_indices_)
    return arrays


def fit_resample_outcome(sampler: Any, X: Any, y: Any) -> dict[str, np.ndarray]:
    """``sampler.fit_resample(X, y)`` and what it produced (module level: a child process
    imports it)."""
    X_res, y_res = sampler.fit_resample(X, y)
    return _outcome(sampler, X_res, y_res)


def fit_resample_outcomes(calls: list[tuple[Any, Any, Any]]) -> list[dict[str, np.ndarray]]:
    """Several calls, one after the other, in one child."""
    return [fit_resample_outcome(sampler, X, y) for sampler, X, y in calls]


def _assert_same(got: dict[str, np.ndarray], expected: dict[str, np.ndarray], what: str) -> None:
    assert got.keys() == expected.keys(), what
    for key, value in expected.items():
        assert got[key].dtype == value.dtype, f"{what}: {key} has dtype {got[key].dtype}, not {value.dtype}"
        assert np.array_equal(got[key], value), f"{what}: {key} differs from the sequential call's"


def _concurrently(calls: list[tuple[Any, Any, Any]]) -> list[dict[str, np.ndarray]]:
    """Every call on a thread of its own, all released at once by a barrier."""
    barrier = threading.Barrier(len(calls), timeout=60)

    def run(call: tuple[Any, Any, Any]) -> dict[str, np.ndarray]:
        barrier.wait()
        return fit_resample_outcome(*call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


# -- threads -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_calls_from_many_threads_at_once_give_the_sequential_results(case):
    sampler = case.make(4, random_state=0)
    # Each thread its own data, seed and n_jobs: a result mixed up with another
    # thread's, or corrupted by it, differs from the sequential one.
    calls = [
        (_configured(sampler, seed, N_JOBS[i % len(N_JOBS)]), *_data(sampler, seed))
        for i, seed in enumerate(range(100, 100 + N_THREADS))
    ]
    expected = [fit_resample_outcome(clone(s), X, y) for s, X, y in calls]
    for i, got in enumerate(_concurrently(calls)):
        _assert_same(got, expected[i], f"thread {i} (n_jobs={calls[i][0].n_jobs})")


def test_every_sampler_at_once_gives_the_sequential_results():
    samplers = [case.make(4, random_state=0) for case in CASES.values()]
    calls = [
        (_configured(sampler, 7 + i, N_JOBS[i % len(N_JOBS)]), *_data(sampler, 7 + i))
        for i, sampler in enumerate(samplers)
    ]
    expected = [fit_resample_outcome(clone(s), X, y) for s, X, y in calls]
    for name, got, want in zip(CASES, _concurrently(calls), expected):
        _assert_same(got, want, name)


def test_smote_on_large_data_from_many_threads_at_once():
    # Each call takes about 0.1 s in the core (neighbour search and generation), so the
    # threads' work on the shared pools overlaps for real. They all read the same X.
    X, y = make_imbalanced([40_000, 10_000], n_features=8)
    X32 = X.astype(np.float32)
    calls = [
        (
            fast_smote.SMOTE(random_state=seed, n_jobs=N_JOBS[seed % len(N_JOBS)]),
            X32 if seed % 3 == 0 else X,
            y,
        )
        for seed in range(N_THREADS)
    ]
    expected = [fit_resample_outcome(clone(s), X_in, y_in) for s, X_in, y_in in calls]
    for seed, got in enumerate(_concurrently(calls)):
        _assert_same(got, expected[seed], f"seed {seed}")
    # Different seeds made different rows: the comparison above had something to tell.
    assert not np.array_equal(expected[1]["X"], expected[2]["X"])


# -- processes -----------------------------------------------------------------------------


def _in_children(method: str, tasks: dict[str, tuple[Any, tuple[Any, ...]]]) -> list[Any]:
    """Runs each ``name: (function, args)`` in a fresh child process of its own, all at
    once, and returns their results; a child that does not answer in time fails the test
    (and is killed) instead of blocking it."""
    context = multiprocessing.get_context(method)
    pools = [context.Pool(1) for _ in tasks]
    try:
        pending = [pool.apply_async(function, args) for pool, (function, args) in zip(pools, tasks.values())]
        deadline = time.monotonic() + CHILD_TIMEOUT[method]
        results, hung = [], []
        for name, answer in zip(tasks, pending):
            try:
                results.append(answer.get(timeout=max(0.1, deadline - time.monotonic())))
            except multiprocessing.TimeoutError:
                hung.append(name)
                results.append(None)
        assert not hung, (
            f"{len(hung)} of {len(tasks)} {method} children gave no result within "
            f"{CHILD_TIMEOUT[method]:.0f} s (deadlocked?): {', '.join(hung)}"
        )
        return results
    finally:
        for pool in pools:
            pool.terminate()
        for pool in pools:
            pool.join()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_children_give_the_parents_results(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    X, y = _data(None, 3)
    # The parent has used every kind of pool first: forking after the core's threads
    # started is the dangerous case (the child has the pools' state but not their threads).
    smote_calls = [(fast_smote.SMOTE(random_state=11, n_jobs=n_jobs), X, y) for n_jobs in (1, 2, None)]
    smote_expected = [fit_resample_outcome(clone(s), X_in, y_in) for s, X_in, y_in in smote_calls]
    every_call = [
        (_configured(sampler, 5, None), *_data(sampler, 5))
        for sampler in (case.make(4, random_state=0) for case in CASES.values())
    ]
    every_expected = [fit_resample_outcome(clone(s), X_in, y_in) for s, X_in, y_in in every_call]
    # Each n_jobs in a child of its own, so that one child's pools do not hide another's.
    tasks = {f"SMOTE(n_jobs={call[0].n_jobs})": (fit_resample_outcome, call) for call in smote_calls}
    tasks["every sampler"] = (fit_resample_outcomes, (every_call,))
    *smote_got, every_got = _in_children(method, tasks)
    for (sampler, _, _), got, want in zip(smote_calls, smote_got, smote_expected):
        _assert_same(got, want, f"SMOTE(n_jobs={sampler.n_jobs}) in a {method} child")
    for name, got, want in zip(CASES, every_got, every_expected):
        _assert_same(got, want, f"{name} in a {method} child")
    # And the parent still works afterwards.
    _assert_same(fit_resample_outcome(clone(smote_calls[1][0]), X, y), smote_expected[1], "parent")


# -- joblib --------------------------------------------------------------------------------


def _pipeline_data() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_imbalanced([300, 60], n_features=4, spread=1.0)
    X[:, 0] = np.round(X[:, 0])  # a categorical-like column for SMOTENC
    return X, y


def test_cross_val_score_in_joblib_workers_equals_the_serial_scores():
    X, y = _pipeline_data()
    pipe = make_pipeline(fast_smote.SMOTE(random_state=0), LogisticRegression())
    serial = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc", n_jobs=1)
    parallel = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc", n_jobs=2)
    np.testing.assert_array_equal(parallel, serial)


@pytest.mark.parametrize("backend", ["loky", "threading"])
@pytest.mark.parametrize("name", ["ADASYN", "SMOTENC", "SMOTEENN"])
def test_cross_val_score_under_a_joblib_backend_equals_the_serial_scores(name, backend):
    X, y = _pipeline_data()
    pipe = make_pipeline(CASES[name].make(4, random_state=0), LogisticRegression())
    serial = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc", n_jobs=1)
    with joblib.parallel_backend(backend, n_jobs=2):
        parallel = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    np.testing.assert_array_equal(parallel, serial)


def test_every_sampler_in_loky_workers_gives_the_in_process_results():
    calls = [
        (_configured(sampler, 21, N_JOBS[i % len(N_JOBS)]), *_data(sampler, 21))
        for i, sampler in enumerate(case.make(4, random_state=0) for case in CASES.values())
    ]
    expected = [fit_resample_outcome(clone(s), X, y) for s, X, y in calls]
    got = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(fit_resample_outcome)(*call) for call in calls
    )
    for name, outcome, want in zip(CASES, got, expected):
        _assert_same(outcome, want, name)


def test_grid_search_in_joblib_workers_equals_the_serial_search():
    X, y = _pipeline_data()
    pipe = make_pipeline(fast_smote.SMOTE(random_state=0), LogisticRegression())
    grid = {"smote__k_neighbors": [1, 3, 5]}
    searches = [
        GridSearchCV(pipe, grid, cv=3, scoring="roc_auc", n_jobs=n_jobs).fit(X, y) for n_jobs in (1, 2)
    ]
    serial, parallel = (search.cv_results_ for search in searches)
    for key in ("mean_test_score", *(f"split{i}_test_score" for i in range(3))):
        np.testing.assert_array_equal(parallel[key], serial[key], err_msg=key)
    # The scores tell the neighbour counts apart: the search compared something.
    assert len(set(serial["mean_test_score"])) > 1
    assert searches[1].best_params_ == searches[0].best_params_
    np.testing.assert_array_equal(searches[1].decision_function(X), searches[0].decision_function(X))
