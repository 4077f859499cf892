"""The references a case is compared with: NumPy floors and other exact k-NN libraries."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from typing import Any, Callable

import numpy as np

from fast_smote import _core

from ._cases import FLOOR_MIN_RUNS, GRAM_BLOCK_ROWS, K_NEIGHBORS, SAMPLER_SEED, Case, make_data
from ._measure import Effort, best_seconds


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
