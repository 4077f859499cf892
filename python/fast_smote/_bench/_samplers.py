"""Timing fast-smote's and imbalanced-learn's SMOTE on a case, and fast-smote's phases."""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from imblearn.over_sampling import SMOTE as ImblearnSMOTE

import fast_smote
from fast_smote import _core
from fast_smote._validation import check_n_jobs, check_X_y, resolve_sampling_strategy
from fast_smote.over_sampling._base import Job

from ._cases import K_NEIGHBORS, SAMPLER_SEED, WARMUP_ROWS, Case, make_data
from ._measure import Effort, PeakMemory, best_of, timed


def _nbytes(X: Any) -> int:
    """Size of the data of ``X``: an array, a DataFrame (its columns, not its index) or a
    sparse matrix (its stored values and index arrays)."""
    if isinstance(X, pd.DataFrame):
        return int(X.memory_usage(index=False).sum())
    if sp.issparse(X):
        return int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes)
    return int(X.nbytes)


def _measure_sampler(
    sampler: Any,
    X: np.ndarray | pd.DataFrame,
    y: np.ndarray,
    effort: Effort,
    phases: Callable[[np.ndarray, np.ndarray], dict[str, float]] | None = None,
) -> tuple[dict[str, Any], dict[str, float]]:
    """Times ``sampler.fit_resample(X, y)``, with memory on the first run.

    ``phases(X, y)``, if given, runs after each ``fit_resample`` and returns more
    timings. Returns the sampler's result (with ``rows_out`` and ``bytes_out``, the
    resampled row count and X size) and the best of each phase timing.
    """
    head = X.iloc[:WARMUP_ROWS] if isinstance(X, pd.DataFrame) else X[:WARMUP_ROWS]
    sampler.fit_resample(head, y[:WARMUP_ROWS])
    memory = PeakMemory()
    outputs: list[tuple[int, int]] = []

    def resample() -> None:
        X_out, y_out = sampler.fit_resample(X, y)
        outputs.append((len(y_out), _nbytes(X_out)))

    def measure(first: bool) -> dict[str, float]:
        total = timed(resample, memory if first else None)
        return {"total": total, **(phases(X, y) if phases is not None else {})}

    best, runs = best_of(measure, effort)
    result = {
        "seconds": best.pop("total"),
        "runs": runs,
        "peak_extra_bytes": memory.extra_bytes,
        "rows_out": outputs[0][0],
        "bytes_out": outputs[0][1],
    }
    return result, best


def imblearn_task(case: Case, effort: Effort) -> dict[str, Any]:
    """imbalanced-learn's SMOTE with its default settings."""
    sampler = ImblearnSMOTE(k_neighbors=K_NEIGHBORS, random_state=SAMPLER_SEED)
    result, _ = _measure_sampler(sampler, *make_data(case), effort)
    return result


def fast_smote_phases(X: np.ndarray, y: np.ndarray, n_jobs: int | None) -> dict[str, float]:
    """Seconds of fast-smote's phases, each run on its own.

    ``validation`` is ``check_X_y`` plus the strategy; ``knn`` is ``_core.kneighbors``
    on each grown class's rows (gathered C-contiguous outside the timing); ``core`` is
    the ``_core.generate`` call ``fit_resample`` makes, search included; ``generation`` is
    ``_core.generate`` given the neighbour tables ``knn`` found, so it does no search.
    """
    n_threads = check_n_jobs(n_jobs)
    start = time.perf_counter()
    data = check_X_y(X, y)
    strategy = resolve_sampling_strategy("auto", data)
    validation = time.perf_counter() - start
    codes, n_new = data.plan(strategy)
    class_rows = [data.rows_of(code) for code in codes]
    knn, tables = 0.0, []
    for rows in class_rows:
        points = np.ascontiguousarray(data.X[rows])
        start = time.perf_counter()
        tables.append(_core.kneighbors(points, K_NEIGHBORS, n_threads=n_threads))
        knn += time.perf_counter() - start

    def core(neighbors: list[Any]) -> float:
        jobs = [
            Job(code, 0, rows, None, table, n)
            for code, rows, table, n in zip(codes, class_rows, neighbors, n_new)
        ]
        return timed(lambda: _core.generate(data.X, jobs, SAMPLER_SEED, n_threads))

    return {
        "validation": validation,
        "knn": knn,
        "core": core([K_NEIGHBORS] * len(codes)),
        "generation": core(tables),
    }


def fast_smote_task(case: Case, effort: Effort, n_jobs: int | None) -> dict[str, Any]:
    """fast-smote's ``SMOTE.fit_resample`` plus its phase breakdown."""
    sampler = fast_smote.SMOTE(k_neighbors=K_NEIGHBORS, random_state=SAMPLER_SEED, n_jobs=n_jobs)
    result, best = _measure_sampler(
        sampler, *make_data(case), effort, functools.partial(fast_smote_phases, n_jobs=n_jobs)
    )
    result["phases"] = {
        "validation": best["validation"],
        "knn": best["knn"],
        "generation": best["generation"],
        "core": best["core"],
        "wrapping": result["seconds"] - best["validation"] - best["core"],
    }
    return result
