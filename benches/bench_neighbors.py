"""Benchmark approximate all-kNN: ``fast_smote.neighbors.ApproximateNearestNeighbors``
against pynndescent, hnswlib and faiss-cpu, with fast-smote's exact engine for reference.

Every method computes the all-kNN table of every row with k = 6 counting the row
itself (5 neighbours besides it, as SMOTE's ``k_neighbors=5`` needs) on 2 threads, and
is timed from the raw array to that table (index build plus the query of every row).
fast-smote's estimators use scikit-learn's semantics, where ``kneighbors()`` without X
excludes each row itself, so they are asked for ``n_neighbors=5``: the same table.

Data (float32, C-contiguous, rows in random order):

- ``gaussian``: standard Gaussian rows, the worst case for every index (no structure to
  exploit, intrinsic dimension = 10).
- ``clustered``: a low-intrinsic-dimension case. ``CLUSTERS`` clusters, each on its own
  random 3-D linear subspace of R^10 (an orthonormal basis from the QR of a Gaussian
  matrix) through a centre drawn from N(0, ``CENTRE_SCALE``^2 I); a row of cluster c is
  ``centre_c + basis_c @ z * scale_c`` with z ~ N(0, I_3) and ``scale_c`` uniform in
  [0.5, 2], plus isotropic N(0, ``NOISE``^2) noise in all 10 dimensions (smaller than the
  typical 5th-neighbour distance at 1e6 rows, about 0.07, so the neighbourhoods stay
  3-dimensional). Cluster sizes are multinomial with Dirichlet(2, ..., 2) shares.

Recall@5 is measured on a fixed random sample of ``SAMPLE_ROWS`` rows: the exact 5th
nearest distance of each (the row itself excluded by index) is found by a blocked NumPy
GEMM brute force in float64 over all rows, its best candidates re-measured as plain
differences. A method's 5 neighbours of a sampled row (itself dropped by index where
listed; a method that misses it keeps its first 5) count as correct when their float64
distance is at most that 5th distance (up to a relative ``TIE_RTOL`` on the squared
distance, the float64 re-measure's rounding): a tied neighbour is as good as the one
listed, so the recall does not depend on how ties are broken. Missing (-1) or repeated
neighbours count as wrong. Every method computes in float32, whose rounding of the
squared distance (relative ~1e-3 on the clustered rows, far from the origin) is not
forgiven: an exact float32 search scores about 0.9998 there, which bounds every method.

Each method runs in a fresh spawned process (clean heap, no library loaded by another
method) that makes the data from its seed, warms the method up on ``WARMUP_ROWS`` rows
(numba's compilation, thread pools), then measures. Settings that share one index
(hnswlib's ``ef``, faiss's ``nprobe``) are queried from one build, and each such row's
total is that build plus its own query; pynndescent's two graphs are built one after
the other in one process (numba compiles once, about 40 s). Peak memory is the kernel's high-water mark
above the resident size once the data exists, over the build and all of that process's
queries. ``bg load`` is the CPU time other processes used meanwhile, in cores: a
number well above 0 means the time was measured with competition. fast-smote's exact
engine searches every row up to ``EXACT_MAX_ROWS`` rows; above that its time is
estimated from the all-kNN of a random ``EXACT_MAX_ROWS``-row subset times the squared
size ratio (a brute force at 10 features; marked ``est.``, without a recall).

Usage (``pip install 'fast-smote[bench]'``; pynndescent, hnswlib and faiss-cpu are in
that extra; a missing one is skipped with a note)::

    python benches/bench_neighbors.py                  # 1e6 Gaussian, 1e6 clustered, 1e5 Gaussian
    python benches/bench_neighbors.py --quick          # 2e4 rows of each kind
    python benches/bench_neighbors.py --cases gaussian-1e5 --methods hnswlib faiss
    python benches/bench_neighbors.py --rows 1e5 --json benches/results/neighbors.json

On 2 cores the full run takes about 36 min with another process using ~1.4 cores
throughout (each 1e6 case ~15 min: hnswlib's build and faiss's 16-probe search take
most; the float64 ground truth ~70 s), the quick run about 2 min (mostly numba
compiling pynndescent, once per case) and a 1e5 case about 3 min.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib.metadata
import json
import math
import multiprocessing
import sys
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from threadpoolctl import threadpool_limits

from fast_smote._bench._measure import BackgroundLoad, PeakMemory
from fast_smote._bench._report import format_table, machine_info

#: Neighbours per row counting the row itself, and the ones besides it (what is scored).
K_WITH_SELF = 6
K = K_WITH_SELF - 1
N_FEATURES = 10
DATA_SEED = 20240601
SAMPLE_SEED = 7
#: Rows whose neighbours are scored (fewer if the data has fewer).
SAMPLE_ROWS = 10_000
#: Relative tolerance on the squared 5th distance below which a neighbour counts as tied
#: (the float64 re-measure's rounding only).
TIE_RTOL = 1e-9
#: The recall fast-smote's approximate setting must reach to be the ratios' reference.
REFERENCE_RECALL = 0.95
#: Rows of the small problem each method solves first, untimed.
WARMUP_ROWS = 3_000
#: fast-smote's exact engine searches every row up to this size; above it, the sample.
EXACT_MAX_ROWS = 100_000
THREADS = 2
QUICK_ROWS = 20_000

CLUSTERS = 20
INTRINSIC_DIM = 3
CENTRE_SCALE = 3.0
NOISE = 0.01

#: fast-smote's approximate index: the effort values measured.
EFFORTS = (0.5, 1.0, 2.0)
#: hnswlib: graph degree, build beam, and the query beams measured on one build.
HNSW_M = 12
HNSW_EF_CONSTRUCTION = 100
HNSW_EFS = (32, 64)
#: faiss IndexIVFFlat: inverted lists (fewer on small data: at least 100 rows a list),
#: training rows per list (a sample), and the probes measured on one build.
IVF_LISTS = 1_000
IVF_TRAIN_PER_LIST = 100
IVF_NPROBES = (4, 16)
#: pynndescent: the graph widths built (the default k, and a heavier graph whose first 6
#: are kept: NN-descent's recall grows with the width it refines).
NNDESCENT_WIDTHS = (K_WITH_SELF, 12)

#: Distribution name of each peer (its version is printed).
PEER_PACKAGES = {"pynndescent": "pynndescent", "hnswlib": "hnswlib", "faiss": "faiss-cpu"}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Case:
    """One dataset: ``kind`` (``gaussian`` or ``clustered``) with ``n_rows`` float32 rows."""

    kind: str
    n_rows: int

    @property
    def id(self) -> str:
        """``gaussian-1e6x10``: matched by ``--cases``."""
        return f"{self.kind}-{_short_count(self.n_rows)}x{N_FEATURES}"


def _short_count(n: int) -> str:
    exponent = math.floor(math.log10(n))
    return f"{n / 10**exponent:g}e{exponent}"


def make_data(case: Case) -> np.ndarray:
    """The case's rows: C-contiguous float32, the same for the same case in any process."""
    rng = np.random.default_rng([DATA_SEED, case.n_rows])
    if case.kind == "gaussian":
        return rng.standard_normal((case.n_rows, N_FEATURES), dtype=np.float32)
    if case.kind != "clustered":
        raise ValueError(f"unknown data kind {case.kind!r}")
    sizes = rng.multinomial(case.n_rows, rng.dirichlet(np.full(CLUSTERS, 2.0)))
    centres = rng.normal(0.0, CENTRE_SCALE, (CLUSTERS, N_FEATURES))
    bases = np.linalg.qr(rng.standard_normal((CLUSTERS, N_FEATURES, INTRINSIC_DIM)))[0]
    scales = rng.uniform(0.5, 2.0, CLUSTERS)
    X = np.empty((case.n_rows, N_FEATURES), dtype=np.float64)
    start = 0
    for c, size in enumerate(sizes):
        z = rng.standard_normal((size, INTRINSIC_DIM)) * scales[c]
        X[start : start + size] = centres[c] + z @ bases[c].T
        start += size
    X += rng.normal(0.0, NOISE, X.shape)
    return np.ascontiguousarray(X[rng.permutation(case.n_rows)], dtype=np.float32)


def sample_rows(n_rows: int) -> np.ndarray:
    """The sorted rows whose neighbours are scored."""
    rng = np.random.default_rng(SAMPLE_SEED)
    return np.sort(rng.choice(n_rows, size=min(SAMPLE_ROWS, n_rows), replace=False))


# --------------------------------------------------------------------------- ground truth

#: Query and reference rows per block of the brute force (a 128 MiB float64 block).
TRUTH_QUERY_BLOCK = 1_024
TRUTH_ROW_BLOCK = 16_384
TRUTH_FIRST_BLOCK = 2_048
#: Candidates kept per query beyond the row itself and its K neighbours, so that the
#: GEMM's rounding cannot push the true 5th out before the exact re-measure.
TRUTH_MARGIN = 3


def _squared_distances(X: np.ndarray, queries: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``|X[queries[i]] - X[rows[i, j]]|^2`` in float64 as plain differences (rows may be -1)."""
    diff = X[np.maximum(rows, 0)].astype(np.float64) - X[queries].astype(np.float64)[:, None, :]
    return np.einsum("ijk,ijk->ij", diff, diff)


def exact_kth_distance(X: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Squared float64 distance from each row ``X[queries[i]]`` to its K-th nearest other
    row (itself excluded by index; twins at distance 0 count), by blocked GEMM."""
    X64 = X.astype(np.float64)
    # One GEMM gives |x|^2 - 2 q.x, the squared distance less the query's own |q|^2
    # (the same along a query's row, so it does not change the order).
    rows_aug = np.hstack([X64, np.einsum("ij,ij->i", X64, X64)[:, None]])
    width = K_WITH_SELF + TRUTH_MARGIN
    n = len(X64)
    buffer = np.empty((TRUTH_QUERY_BLOCK, min(TRUTH_ROW_BLOCK, n)))
    mask = np.empty(buffer.shape, dtype=bool)
    candidates = np.empty((len(queries), width), dtype=np.int64)
    for q0 in range(0, len(queries), TRUTH_QUERY_BLOCK):
        block_queries = queries[q0 : q0 + TRUTH_QUERY_BLOCK]
        Q = np.hstack([-2.0 * X64[block_queries], np.ones((len(block_queries), 1))])
        nq = len(Q)
        best_d = np.full((nq, width), np.inf)
        best_i = np.full((nq, width), -1, dtype=np.int64)
        # A first, small block sets each query's threshold (its width-th best so far);
        # later blocks pass on only the rows under it, merged in by a sort.
        starts = [
            0,
            min(TRUTH_FIRST_BLOCK, n),
            *range(TRUTH_FIRST_BLOCK + TRUTH_ROW_BLOCK, n, TRUTH_ROW_BLOCK),
        ]
        for r0, r1 in zip(starts, [*starts[1:], n]):
            if r0 >= r1:
                continue
            d = buffer[:nq, : r1 - r0]
            np.matmul(Q, rows_aug[r0:r1].T, out=d)
            if r0 == 0:
                take = min(width, r1)
                part = np.argpartition(d, take - 1, axis=1)[:, :take]
                best_d[:, :take] = np.take_along_axis(d, part, axis=1)
                best_i[:, :take] = part
                order = np.argsort(best_d, axis=1)
                best_d = np.take_along_axis(best_d, order, axis=1)
                best_i = np.take_along_axis(best_i, order, axis=1)
                continue
            np.less_equal(d, best_d[:, -1:], out=mask[:nq, : r1 - r0])
            rows, cols = np.divmod(np.flatnonzero(mask[:nq, : r1 - r0]), r1 - r0)
            if len(rows) == 0:
                continue
            all_rows = np.concatenate([np.repeat(np.arange(nq), width), rows])
            all_d = np.concatenate([best_d.ravel(), d[rows, cols]])
            all_i = np.concatenate([best_i.ravel(), cols + r0])
            order = np.lexsort((all_d, all_rows))
            counts = np.bincount(all_rows, minlength=nq)
            rank = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
            keep = order[rank < width]  # every query has >= width entries: its old best
            best_d = all_d[keep].reshape(nq, width)
            best_i = all_i[keep].reshape(nq, width)
        candidates[q0 : q0 + nq] = best_i
    exact = _squared_distances(X64, queries, candidates)
    exact[(candidates == queries[:, None]) | (candidates < 0)] = np.inf
    return np.sort(exact, axis=1)[:, K - 1]


def without_self(table: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """The first K neighbours of each row of ``table`` other than the query itself (by
    index); a query listed where no more columns remain is replaced by -1 (wrong)."""
    table = np.asarray(table, dtype=np.int64)
    is_self = table == queries[:, None]
    order = np.argsort(is_self, axis=1, kind="stable")  # itself last, the rest in order
    kept = np.take_along_axis(table, order, axis=1)[:, :K]
    return np.where(np.take_along_axis(is_self, order, axis=1)[:, :K], -1, kept)


def recall_at_k(X: np.ndarray, queries: np.ndarray, kth: np.ndarray, neighbours: np.ndarray) -> float:
    """Share of the K listed neighbours of each query within its exact K-th distance
    (tie-robust, see the module docstring); missing or repeated ones are wrong."""
    listed = np.sort(neighbours, axis=1)
    repeated = np.zeros(listed.shape, dtype=bool)
    repeated[:, 1:] = listed[:, 1:] == listed[:, :-1]
    d = _squared_distances(X, queries, listed)
    within = d <= kth[:, None] * (1 + TIE_RTOL)
    correct = (listed >= 0) & (listed != queries[:, None]) & ~repeated & within
    return float(correct.sum() / neighbours.size)


# --------------------------------------------------------------------------- methods


@dataclass(frozen=True)
class Setting:
    """One row of the tables: query-time parameters on a run's index."""

    label: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Run:
    """One process: ``library``'s index built with ``build``, queried at each setting."""

    library: str
    name: str
    build: dict[str, Any]
    settings: tuple[Setting, ...]


@dataclass
class Measured:
    """One setting's times (a build shared by several settings counts in each), the
    sampled rows' K neighbours, and whether the query time is an estimate."""

    build_s: float
    query_s: float
    neighbours: np.ndarray | None
    estimated: bool = False


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def run_fast_smote_approximate(X: np.ndarray, run: Run, queries: np.ndarray, threads: int) -> list[Measured]:
    from fast_smote.neighbors import ApproximateNearestNeighbors

    index = ApproximateNearestNeighbors(
        n_neighbors=K, effort=run.build["effort"], n_jobs=threads, random_state=0
    )
    build, _ = _timed(lambda: index.fit(X))
    query, table = _timed(lambda: index.kneighbors(return_distance=False))
    return [Measured(build, query, without_self(np.asarray(table)[queries], queries))]


def run_fast_smote_exact(X: np.ndarray, run: Run, queries: np.ndarray, threads: int) -> list[Measured]:
    """fast-smote's exact all-kNN: ``fast_smote.neighbors.NearestNeighbors`` where it
    exists, else the core's ``kneighbors`` (the engine the samplers run today).

    Above ``EXACT_MAX_ROWS`` rows it searches a random subset of that many rows and
    scales the search time by the square of the size ratio (the fit's by the ratio): at
    10 features the engine is a brute force, quadratic in the rows (no table, so no
    recall, for that row).
    """
    try:
        from fast_smote.neighbors import NearestNeighbors
    except ImportError:
        NearestNeighbors = None
    from fast_smote import _core

    every_row = len(X) <= EXACT_MAX_ROWS
    points = X
    if not every_row:
        rng = np.random.default_rng(SAMPLE_SEED)
        points = np.ascontiguousarray(X[np.sort(rng.choice(len(X), EXACT_MAX_ROWS, replace=False))])
    if NearestNeighbors is not None:
        index = NearestNeighbors(n_neighbors=K, n_jobs=threads)
        build, _ = _timed(lambda: index.fit(points))
        query, table = _timed(lambda: index.kneighbors(return_distance=False))
    else:
        build = 0.0
        query, table = _timed(lambda: _core.kneighbors(points, K, None, None, threads))
    if not every_row:
        ratio = len(X) / len(points)
        return [Measured(build * ratio, query * ratio**2, None, estimated=True)]
    return [Measured(build, query, without_self(np.asarray(table)[queries], queries))]


def run_pynndescent(X: np.ndarray, run: Run, queries: np.ndarray, threads: int) -> list[Measured]:
    from pynndescent import NNDescent

    results = []
    for setting in run.settings:  # one graph each, in one process: numba compiles once
        width = setting.params["n_neighbors"]
        build, index = _timed(
            functools.partial(NNDescent, X, n_neighbors=width, n_jobs=threads, random_state=0)
        )
        # The graph is the all-kNN table (each row itself first): no query step.
        table = index.neighbor_graph[0][queries, :K_WITH_SELF]
        results.append(Measured(build, 0.0, without_self(table, queries)))
        del index
        gc.collect()
    return results


def run_hnswlib(X: np.ndarray, run: Run, queries: np.ndarray, threads: int) -> list[Measured]:
    import hnswlib

    def build_index() -> Any:
        index = hnswlib.Index(space="l2", dim=X.shape[1])
        index.init_index(
            max_elements=len(X), M=run.build["M"], ef_construction=run.build["ef_construction"], random_seed=0
        )
        index.set_num_threads(threads)
        index.add_items(X, np.arange(len(X)), num_threads=threads)
        return index

    build, index = _timed(build_index)
    results = []
    for setting in run.settings:
        index.set_ef(setting.params["ef"])
        query, (labels, _) = _timed(lambda: index.knn_query(X, k=K_WITH_SELF, num_threads=threads))
        results.append(Measured(build, query, without_self(labels[queries], queries)))
        del labels
    return results


def ivf_lists(n_rows: int) -> int:
    """faiss's list count: ``IVF_LISTS``, fewer on small data (at least 100 rows a list)."""
    return max(1, min(IVF_LISTS, n_rows // 100))


def run_faiss(X: np.ndarray, run: Run, queries: np.ndarray, threads: int) -> list[Measured]:
    import faiss

    faiss.omp_set_num_threads(threads)
    lists = min(run.build["lists"], ivf_lists(len(X)))

    def build_index() -> Any:
        quantizer = faiss.IndexFlatL2(X.shape[1])
        index = faiss.IndexIVFFlat(quantizer, X.shape[1], lists)
        rng = np.random.default_rng(0)
        n_train = min(len(X), lists * IVF_TRAIN_PER_LIST)
        index.train(X[np.sort(rng.choice(len(X), n_train, replace=False))])
        index.add(X)
        return index, quantizer

    build, (index, _quantizer) = _timed(build_index)
    results = []
    for setting in run.settings:
        index.nprobe = setting.params["nprobe"]
        query, (_, labels) = _timed(lambda: index.search(X, K_WITH_SELF))
        results.append(Measured(build, query, without_self(labels[queries], queries)))
        del labels
    return results


RUNNERS: dict[str, Callable[[np.ndarray, Run, np.ndarray, int], list[Measured]]] = {
    "fast-smote approx": run_fast_smote_approximate,
    "fast-smote exact": run_fast_smote_exact,
    "pynndescent": run_pynndescent,
    "hnswlib": run_hnswlib,
    "faiss": run_faiss,
}
#: Module each runner imports: missing -> the runner is skipped with a note.
RUNNER_MODULES = {
    "fast-smote approx": "fast_smote.neighbors",
    "pynndescent": "pynndescent",
    "hnswlib": "hnswlib",
    "faiss": "faiss",
}


def runs_for(case: Case) -> list[Run]:
    """Every process measured on ``case``, in order."""
    runs = [
        Run("fast-smote approx", f"effort={e:g}", {"effort": e}, (Setting(f"effort={e:g}"),)) for e in EFFORTS
    ]
    exact_label = (
        "all rows"
        if case.n_rows <= EXACT_MAX_ROWS
        else f"est.: {_short_count(EXACT_MAX_ROWS)} rows x {(case.n_rows / EXACT_MAX_ROWS) ** 2:g}"
    )
    runs.append(Run("fast-smote exact", "exact", {}, (Setting(exact_label),)))
    runs.append(
        Run(
            "pynndescent",
            "NNDescent",
            {},
            tuple(Setting(f"n_neighbors={w}, defaults", {"n_neighbors": w}) for w in NNDESCENT_WIDTHS),
        )
    )
    hnsw = f"M={HNSW_M}, ef_c={HNSW_EF_CONSTRUCTION}"
    runs.append(
        Run(
            "hnswlib",
            hnsw,
            {"M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION},
            tuple(Setting(f"{hnsw}, ef={ef}", {"ef": ef}) for ef in HNSW_EFS),
        )
    )
    lists = ivf_lists(case.n_rows)
    runs.append(
        Run(
            "faiss",
            f"IVFFlat {lists}",
            {"lists": lists},
            tuple(Setting(f"IVFFlat {lists} lists, nprobe={p}", {"nprobe": p}) for p in IVF_NPROBES),
        )
    )
    return runs


def _status_kib(field_name: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def measure_task(case: Case, run: Run, queries: np.ndarray, threads: int) -> dict[str, Any]:
    """In a fresh process: make the data, warm the method up, measure it."""
    X = make_data(case)
    runner = RUNNERS[run.library]
    with threadpool_limits(threads):
        warm = X[:WARMUP_ROWS]
        runner(warm, run, np.arange(min(len(warm), 100)), threads)
        memory, load = PeakMemory(), BackgroundLoad()
        with memory, load:
            settings = runner(X, run, queries, threads)
    return {
        "settings": settings,
        "peak_extra_bytes": memory.extra_bytes,
        "peak_rss_bytes": _status_kib("VmHWM") * 1024,
        "background_cores": load.cores,
    }


def measure_fresh(case: Case, run: Run, queries: np.ndarray, threads: int) -> dict[str, Any]:
    """``measure_task`` in its own spawned process; failures become an ``error`` entry."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(measure_task, case, run, queries, threads).result()
        except BrokenProcessPool:
            return {"error": "the process died (out of memory or a crash)"}
        except Exception as error:
            last = traceback.format_exception_only(type(error), error)[-1].strip()
            return {"error": last}


# --------------------------------------------------------------------------- one case


class GroundTruth:
    """The sampled rows' exact K-th distances, computed when first needed (in this
    process, between two measured ones), and the seconds that took."""

    def __init__(self, case: Case, X: np.ndarray, queries: np.ndarray) -> None:
        self.case, self.X, self.queries = case, X, queries
        self.seconds: float | None = None
        self._kth: np.ndarray | None = None

    @property
    def kth(self) -> np.ndarray:
        if self._kth is None:
            self.seconds, self._kth = _timed(lambda: exact_kth_distance(self.X, self.queries))
            print(
                f"  ground truth of {len(self.queries)} rows: {self.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        return self._kth


def run_case(case: Case, methods: Sequence[str] | None, threads: int) -> dict[str, Any]:
    """Ground truth, then every selected run of ``case``; rows with recall and ratios."""
    X = make_data(case)
    queries = sample_rows(case.n_rows)
    truth = GroundTruth(case, X, queries)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for run in runs_for(case):
        if methods and not any(m in f"{run.library} {run.name}" for m in methods):
            continue
        module = RUNNER_MODULES.get(run.library)
        if module is not None and not _importable(module):
            note = f"{run.library} skipped: {module} is not importable"
            if note not in notes:
                notes.append(note)
            continue
        start = time.perf_counter()
        result = measure_fresh(case, run, queries, threads)
        print(
            f"  {run.library} {run.name}: {time.perf_counter() - start:.1f} s"
            + (f" ({result['error']})" if "error" in result else ""),
            file=sys.stderr,
            flush=True,
        )
        if "error" in result:
            rows.append({"method": run.library, "settings": run.name, "error": result["error"]})
            continue
        for setting, measured in zip(run.settings, result["settings"]):
            rows.append(
                {
                    "method": run.library,
                    "settings": setting.label,
                    "build_s": measured.build_s,
                    "query_s": measured.query_s,
                    "total_s": measured.build_s + measured.query_s,
                    "estimated": measured.estimated,
                    "recall": None
                    if measured.neighbours is None
                    else recall_at_k(X, queries, truth.kth, measured.neighbours),
                    "peak_extra_bytes": result["peak_extra_bytes"],
                    "peak_rss_bytes": result["peak_rss_bytes"],
                    "background_cores": result["background_cores"],
                }
            )
    reference = reference_row(rows)
    for row in rows:
        row["vs_reference"] = (
            row["total_s"] / reference["total_s"] if reference and "total_s" in row else None
        )
    return {
        "case": case.id,
        "kind": case.kind,
        "rows": case.n_rows,
        "features": N_FEATURES,
        "sampled_queries": len(queries),
        "truth_s": truth.seconds,
        "reference": None if reference is None else reference["settings"],
        "results": rows,
        "notes": notes,
    }


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def reference_row(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """fast-smote's fastest approximate setting with recall >= ``REFERENCE_RECALL``."""
    eligible = [
        r
        for r in rows
        if r["method"] == "fast-smote approx"
        and r.get("recall") is not None
        and r["recall"] >= REFERENCE_RECALL
    ]
    return min(eligible, key=lambda r: r["total_s"], default=None)


# --------------------------------------------------------------------------- reporting


def case_table(result: dict[str, Any], threads: int) -> str:
    reference = result["reference"]
    ratio_note = (
        f"x fast = total / fast-smote approx {reference}'s, its fastest setting with recall >= "
        f"{REFERENCE_RECALL}"
        if reference
        else f"x fast: no fast-smote approximate setting reached recall {REFERENCE_RECALL} (or none ran)"
    )
    truth = "" if result["truth_s"] is None else f" (float64 brute force: {result['truth_s']:.1f} s)"
    title = (
        f"all-kNN, {result['case']} float32 ({result['kind']}), k = {K_WITH_SELF} with the row itself, "
        f"{threads} threads; recall@{K} on {result['sampled_queries']} sampled rows"
        f"{truth}; {ratio_note}"
    )
    headers = [
        "method",
        "settings",
        "build s",
        "query s",
        "total s",
        "recall@5",
        "x fast",
        "peak MiB",
        "bg load",
    ]
    rows = []
    for r in result["results"]:
        if "error" in r:
            rows.append([r["method"], r["settings"], "-", "-", "-", "-", "-", "-", f"failed: {r['error']}"])
            continue
        est = " est." if r["estimated"] else ""
        rows.append(
            [
                r["method"],
                r["settings"],
                f"{r['build_s']:.2f}",
                f"{r['query_s']:.2f}{est}",
                f"{r['total_s']:.2f}{est}",
                "-" if r["recall"] is None else f"{r['recall']:.4f}",
                "-" if r["vs_reference"] is None else f"{r['vs_reference']:.2f}",
                f"{r['peak_extra_bytes'] / 2**20:.0f}",
                f"{r['background_cores']:.2f}",
            ]
        )
    table = format_table(title, headers, rows)
    return "\n".join([table, *(f"note: {n}" for n in result["notes"])])


def peer_versions() -> dict[str, str]:
    versions = {}
    for name in [*PEER_PACKAGES.values(), "numba"]:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def header(machine: dict[str, Any], mode: str, threads: int) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    return "\n".join(
        [
            f"approximate all-kNN ({mode} run): {machine['cpu']}, {machine['cores']} cores "
            f"(all methods on {threads} threads), Python {machine['python']}; {versions}",
            f"load average (1 min) at start: {machine['load_average_at_start']:.2f} "
            "(anything else running on the machine skews the times; see bg load)",
            "total = build + query of every row; each method in a fresh process after a warm-up; "
            "peak MiB = resident high-water mark above the data, build and queries",
        ]
    )


# --------------------------------------------------------------------------- main


def select_cases(args: argparse.Namespace) -> list[Case]:
    if args.quick:
        cases = [Case("gaussian", QUICK_ROWS), Case("clustered", QUICK_ROWS)]
    elif args.rows is not None:
        cases = [Case("gaussian", int(args.rows)), Case("clustered", int(args.rows))]
    else:
        cases = [Case("gaussian", 1_000_000), Case("clustered", 1_000_000), Case("gaussian", 100_000)]
    if args.cases:
        cases = [c for c in cases if any(p in c.id for p in args.cases)]
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS} rows of each kind")
    parser.add_argument("--rows", type=float, help="rows of a Gaussian and a clustered case instead")
    parser.add_argument(
        "--cases", nargs="+", metavar="TEXT", help="only cases whose id contains one of these"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        metavar="TEXT",
        help="only runs whose 'library settings' contains one of these (e.g. hnswlib, faiss, approx)",
    )
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    cases = select_cases(args)
    if not cases:
        print("no case matches --cases", file=sys.stderr)
        return 2
    machine = machine_info()
    machine["versions"].update(peer_versions())
    machine.pop("knn_peers", None)
    machine.pop("knn_peers_missing", None)
    mode = "quick" if args.quick else "full"
    print(header(machine, mode, args.threads), flush=True)
    report: dict[str, Any] = {
        "mode": mode,
        "machine": machine,
        "threads": args.threads,
        "settings": {
            "k_with_self": K_WITH_SELF,
            "tie_rtol": TIE_RTOL,
            "clustered": {
                "clusters": CLUSTERS,
                "intrinsic_dim": INTRINSIC_DIM,
                "centre_scale": CENTRE_SCALE,
                "noise": NOISE,
            },
            "runs": {c.id: [asdict(r) for r in runs_for(c)] for c in cases},
        },
        "cases": [],
    }
    start = time.perf_counter()
    tables = []
    for case in cases:
        result = run_case(case, args.methods, args.threads)
        report["cases"].append(result)
        tables.append(case_table(result, args.threads))
        print("\n" + tables[-1], flush=True)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=2) + "\n")
    total = time.perf_counter() - start
    print(f"\ntotal benchmark time: {total:.0f} s")
    if args.json:
        report["total_seconds"] = total
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
