"""Neighbour parameters (``k_neighbors``, ``m_neighbors``, ``n_neighbors``): an int the
Rust core searches with, or a user's nearest-neighbours estimator, answered the same way.

fast-smote's own estimators (:mod:`fast_smote.neighbors`) are recognised and searched in
the core directly, without fitting them: ``NearestNeighbors(n_neighbors=k + 1)`` exactly
as the int ``k``, ``ApproximateNearestNeighbors`` by the approximate engine with its
``effort`` and a seed from its ``random_state`` (None: the sampler's seed). The threads
are always the sampler's ``n_jobs`` (the estimator's ``n_jobs`` is for its own use).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors

from . import _core, neighbors
from ._sparse import is_sparse, sparse_kneighbors
from ._validation import Dataset


class ApproximateSearch:
    """The approximate engine's settings for one sampler's search."""

    def __init__(self, effort: float, seed: int) -> None:
        self.effort = effort
        self.seed = seed


class NeighborSearch:
    """A validated neighbour parameter: ``k`` neighbours besides each sample itself.

    Parameters
    ----------
    name : str
        The parameter's name, for messages.
    value : int or estimator
        An int ``k >= 1`` (searched exactly by the core), a
        :class:`fast_smote.neighbors.NearestNeighbors` or
        :class:`~fast_smote.neighbors.ApproximateNearestNeighbors` (``k = n_neighbors - 1``,
        searched by the core), or another estimator with ``kneighbors`` whose lists
        include the sample itself (it is cloned, and fitted here on the rows each search
        needs).
    seed : int or None
        The sampler's seed, for an ``ApproximateNearestNeighbors`` without a
        ``random_state`` (None: a fresh seed).
    """

    def __init__(self, name: str, value: Any, seed: int | None = None) -> None:
        self.name = name
        #: The approximate engine's settings, for an ``ApproximateNearestNeighbors``.
        self.approximate: ApproximateSearch | None = None
        #: Whether the parameter was an int (``estimator`` then only describes the search).
        self.given_int = False
        if isinstance(value, (neighbors.NearestNeighbors, neighbors.ApproximateNearestNeighbors)):
            self._from_core_estimator(value, seed)
            return
        if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
            self.k: int | None = int(value)
            #: An unfitted ``NearestNeighbors`` describing the search the core runs.
            self.estimator: Any = NearestNeighbors(n_neighbors=self.k + 1)
            self.in_core = True
            self.given_int = True
            return
        if not (hasattr(value, "kneighbors") and hasattr(value, "kneighbors_graph")):
            raise TypeError(
                f"{name} must be an int >= 1 or an estimator with kneighbors and "
                f"kneighbors_graph methods (such as NearestNeighbors); got {value!r}"
            )
        width = getattr(value, "n_neighbors", None)
        if isinstance(width, numbers.Integral) and width < 2:
            raise ValueError(
                f"the {name} estimator asks for n_neighbors={width}, but its lists "
                "include the sample itself: use at least 2"
            )
        self.k = int(width) - 1 if isinstance(width, numbers.Integral) else None
        self.estimator = clone(value)
        self.in_core = False

    def _from_core_estimator(self, value: Any, seed: int | None) -> None:
        """A fast-smote estimator: searched by the core, never fitted."""
        width = neighbors.check_n_neighbors(value.n_neighbors, f"{self.name}.n_neighbors")
        if width < 2:
            raise ValueError(
                f"the {self.name} estimator asks for n_neighbors={width}, but its lists "
                "include the sample itself: use at least 2"
            )
        self.k = width - 1
        self.estimator = clone(value)
        self.in_core = True
        if isinstance(value, neighbors.ApproximateNearestNeighbors):
            effort = neighbors.check_effort(value.effort)
            random_state = self.estimator.random_state
            if random_state is None:
                search_seed = neighbors.search_seed(None) if seed is None else seed
            else:
                search_seed = neighbors.search_seed(random_state)
            self.approximate = ApproximateSearch(effort, search_seed)

    def refuse_sparse(self, X: Any, where: str) -> None:
        """The approximate search does not take sparse X (it is never densified)."""
        if self.approximate is not None and is_sparse(X):
            raise neighbors.refuse_sparse_approximate(f"{where} with {self.name}={self.estimator!r}")

    def refuse_approximate(self, where: str, why: str) -> None:
        """For searches the approximate engine cannot run (another metric)."""
        if self.approximate is not None:
            raise TypeError(
                f"{where} cannot use {self.name}={self.estimator!r}: {why}; use an int or "
                "fast_smote.neighbors.NearestNeighbors"
            )

    @property
    def searched_k(self) -> int:
        """``k`` for the core's own search (an int parameter, ``in_core``)."""
        assert self.in_core and self.k is not None
        return self.k

    @property
    def needed(self) -> str:
        """What the search needs, for messages about too few samples."""
        if self.given_int:
            return f"{self.name}={self.k}"
        return f"the {self.name} estimator with n_neighbors={self.k + 1}" if self.k is not None else ""

    def check_size(self, n_samples: int, where: str) -> None:
        """A search among ``n_samples`` rows must find ``k`` besides the sample itself."""
        if self.k is not None and n_samples < self.k + 1:
            raise ValueError(
                f"{where} has {n_samples} samples, but {self.needed} needs at least {self.k + 1}"
            )

    def for_job(self, X: np.ndarray, bases: np.ndarray, references: np.ndarray) -> int | np.ndarray:
        """What a generation job takes: ``k`` for the core's exact search, or a table."""
        if self.in_core and self.approximate is None:
            return self.searched_k
        return self.table(X, bases, references)

    def table(
        self,
        X: np.ndarray,
        queries: np.ndarray,
        references: np.ndarray | None = None,
        n_threads: int | None = None,
    ) -> np.ndarray:
        """The neighbours of the rows ``queries`` among the rows ``references`` (default:
        all of X), each query itself excluded, as positions into ``references``."""
        if self.approximate is not None:
            self.refuse_sparse(X, "the neighbour search")
            found: np.ndarray = _core.approximate_kneighbors(
                X,
                self.searched_k,
                self.approximate.effort,
                self.approximate.seed,
                queries,
                references,
                n_threads,
            )
            return found
        if self.in_core:
            return kneighbors(X, self.searched_k, queries, references, n_threads)
        fitted_on = X if references is None else X[references]
        self.estimator.fit(fitted_on)
        table = np.asarray(self.estimator.kneighbors(X[queries], return_distance=False))
        own = queries if references is None else _positions_in(references, queries)
        return _without_self(table, own)

    def precomputed_table(self, distances: np.ndarray) -> np.ndarray:
        """The estimator's neighbours of every row of a square precomputed distance
        matrix (it must use ``metric='precomputed'``), each row itself excluded."""
        self.estimator.fit(distances)
        table = np.asarray(self.estimator.kneighbors(distances, return_distance=False))
        return _without_self(table, np.arange(len(distances)))

    def other_class_counts(
        self, data: Dataset, groups: list[np.ndarray], n_threads: int | None
    ) -> tuple[list[np.ndarray], int]:
        """How many of the ``m`` nearest neighbours of each row of each group (among all
        samples) belong to another class than the row, group by group from one search,
        and ``m`` (0 without groups: nothing is searched)."""
        if not groups:
            return [], 0
        self.check_size(data.n_samples, "X")
        queries = np.concatenate(groups)
        table = self.table(data.X, queries, None, n_threads)
        other = np.count_nonzero(data.codes[table] != data.codes[queries][:, None], axis=1)
        return np.split(other, np.cumsum([len(g) for g in groups])[:-1]), table.shape[1]


def kneighbors(
    X: Any,
    k: int,
    queries: np.ndarray | None = None,
    references: np.ndarray | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """The core's exact search (see ``_core.kneighbors``) on dense or sparse X."""
    if is_sparse(X):
        return sparse_kneighbors(X, k, queries, references, n_threads)
    return _core.kneighbors(X, k, queries, references, n_threads)


def _positions_in(references: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Position of each row among the sorted ``references``, or -1 where absent."""
    at = np.minimum(np.searchsorted(references, rows), len(references) - 1)
    return np.where(references[at] == rows, at, -1)


def _without_self(table: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Drops each query's own position ``own[i]`` from row ``i`` of an estimator's table.

    The query is excluded by index, not by position: with exact duplicates an
    estimator may list a twin first, and dropping the first column would keep the
    sample as its own neighbour. Where the sample is absent (more twins than
    columns, or a query outside the references) the farthest column goes.
    """
    n, width = table.shape
    is_self = table == own[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), width - 1)
    keep = np.ones_like(is_self)
    keep[np.arange(n), drop] = False
    return np.ascontiguousarray(table[keep].reshape(n, width - 1), dtype=np.int64)


def danger_and_noise(other: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Borderline-SMOTE's and SVM-SMOTE's labels from the count of other-class samples
    among ``m`` neighbours: in danger when at least half but not all are from other
    classes, noise when all are."""
    return (other >= m / 2) & (other < m), other == m
