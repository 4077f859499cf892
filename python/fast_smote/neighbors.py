"""Nearest-neighbour estimators over the Rust core: the exact engines and the approximate one.

Both follow scikit-learn's ``NearestNeighbors`` (``fit``, ``kneighbors``,
``kneighbors_graph``) with Euclidean distances, and both are recognised wherever a
sampler takes a neighbour estimator (``k_neighbors``, ``m_neighbors``,
``n_neighbors``): the sampler then runs their search in the core directly, with the
sampler's ``n_jobs``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _core
from ._features import check_X
from ._sparse import is_sparse, sparse_kneighbors
from ._validation import check_n_jobs

#: The largest ``effort`` accepted: beyond it the approximate search scans about as
#: many rows as the exact one, which is then the better choice.
MAX_EFFORT = 100.0

#: Queries whose distances are computed together (bounds the temporary memory).
_DISTANCE_BLOCK = 1 << 15


def check_n_neighbors(n_neighbors: Any, name: str = "n_neighbors") -> int:
    """``n_neighbors`` as an int >= 1; a TypeError or ValueError naming the value otherwise."""
    if isinstance(n_neighbors, (bool, np.bool_)) or not isinstance(n_neighbors, numbers.Integral):
        raise TypeError(f"{name} must be an int >= 1, got {n_neighbors!r}")
    if n_neighbors < 1:
        raise ValueError(f"{name} must be at least 1, got {n_neighbors}")
    return int(n_neighbors)


def check_effort(effort: Any) -> float:
    """``effort`` as a finite float in ``(0, MAX_EFFORT]``; bools and non-numbers refused."""
    if isinstance(effort, (bool, np.bool_)) or not isinstance(effort, numbers.Real):
        raise TypeError(f"effort must be a real number in (0, {MAX_EFFORT:g}], got {effort!r}")
    value = float(effort)
    if not (math.isfinite(value) and 0.0 < value <= MAX_EFFORT):
        raise ValueError(f"effort must be a finite number in (0, {MAX_EFFORT:g}], got {effort!r}")
    return value


def search_seed(random_state: Any) -> int:
    """A 64-bit seed for the approximate search's cells from ``random_state``: None draws a
    fresh one, an int always gives the same one, a RandomState or Generator draws from
    itself (advancing it)."""
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError("random_state cannot be a bool")
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**64, dtype=np.uint64))
    return int(check_random_state(random_state).randint(0, 2**64, dtype=np.uint64))


def refuse_sparse_approximate(where: str) -> TypeError:
    """The error for the approximate search on sparse X (it is never densified)."""
    return TypeError(
        f"{where}: ApproximateNearestNeighbors does not take sparse X (its cells are built "
        "on dense rows, and densifying large sparse data could exhaust memory); use "
        "NearestNeighbors or an int, whose exact sparse search never densifies X"
    )


class _CoreNeighbors(BaseEstimator):
    """What both estimators share: validation, stacking of new queries, distances, graphs."""

    n_neighbors: int
    n_jobs: int | None
    _accepts_sparse = True

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._accepts_sparse
        tags.requires_fit = True
        return tags

    def _search(
        self, X: Any, k: int, queries: np.ndarray | None, references: np.ndarray | None
    ) -> np.ndarray:
        """The core's table (positions into ``references``) on validated X."""
        raise NotImplementedError

    def fit(self, X: Any, y: Any = None) -> Any:
        """Index the rows of X.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Finite numeric rows; float32 stays float32, other numeric types become
            float64 (the caller's array is used as it is when it already is one of
            them and C-contiguous, and is never modified).
        y : ignored

        Returns
        -------
        self
        """
        self._n_neighbors = check_n_neighbors(self.n_neighbors)
        self._n_threads = check_n_jobs(self.n_jobs)
        self._check_params()
        if not self._accepts_sparse and is_sparse(X):
            raise refuse_sparse_approximate(type(self).__name__)
        values, layout = check_X(X)
        self._fit_X = values
        self.n_samples_fit_ = int(values.shape[0])
        self.n_features_in_ = int(values.shape[1])
        columns = getattr(layout, "columns", None)
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    def _check_params(self) -> None:
        """Estimator-specific parameters, checked in ``fit``."""

    def _queries(self, X: Any) -> Any:
        """New query rows, validated and of the fitted width."""
        if not self._accepts_sparse and is_sparse(X):
            raise refuse_sparse_approximate(type(self).__name__)
        values, _ = check_X(X)
        if values.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {values.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return values

    def kneighbors(self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True) -> Any:
        """The nearest fitted rows of each query, nearest first (ties by lowest row).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_queries, n_features), default=None
            The query rows. None: the fitted rows, each one's neighbours found among the
            others (a row is not its own neighbour, but its exact duplicates are).
        n_neighbors : int, default=None
            Neighbours per query; None for the ``n_neighbors`` of the constructor.
            Below the number of fitted rows when X is None, at most that number otherwise.
        return_distance : bool, default=True
            Whether to return the distances too.

        Returns
        -------
        neigh_dist : ndarray of float64, shape (n_queries, n_neighbors)
            Exact Euclidean distances (computed in float64, also for float32 X). Only
            with ``return_distance=True``.
        neigh_ind : ndarray of int64, shape (n_queries, n_neighbors)
            Row positions in the fitted X.
        """
        check_is_fitted(self, "_fit_X")
        k = self._n_neighbors if n_neighbors is None else check_n_neighbors(n_neighbors)
        fitted = self._fit_X
        n_fit = self.n_samples_fit_
        if X is None:
            if k >= n_fit:
                raise ValueError(
                    f"Expected n_neighbors < n_samples_fit, but n_neighbors = {k}, "
                    f"n_samples_fit = {n_fit}, n_samples = {n_fit}: each fitted row's "
                    "neighbours are searched among the other rows"
                )
            table = self._search(fitted, k, None, None)
            queries = fitted
        else:
            queries = self._queries(X)
            if k > n_fit:
                raise ValueError(
                    f"Expected n_neighbors <= n_samples_fit, but n_neighbors = {k}, "
                    f"n_samples_fit = {n_fit}, n_samples = {queries.shape[0]}"
                )
            if k == n_fit:
                return _every_row(queries, fitted, return_distance)
            stacked = _stack(fitted, queries)
            table = self._search_new(stacked, k, n_fit)
        if not return_distance:
            return table
        return _distances(queries, fitted, table), table

    def _search_new(self, stacked: Any, k: int, n_fit: int) -> np.ndarray:
        """The neighbours of the stacked rows after ``n_fit`` among the first ``n_fit``."""
        return self._search(
            stacked,
            k,
            np.arange(n_fit, stacked.shape[0], dtype=np.int64),
            np.arange(n_fit, dtype=np.int64),
        )

    def kneighbors_graph(
        self, X: Any = None, n_neighbors: int | None = None, mode: str = "connectivity"
    ) -> Any:
        """The k-nearest-neighbour graph as a sparse CSR matrix, as scikit-learn builds it.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_queries, n_features), default=None
            The query rows; None for the fitted rows (none its own neighbour).
        n_neighbors : int, default=None
            Neighbours per query; None for the constructor's ``n_neighbors``.
        mode : {'connectivity', 'distance'}, default='connectivity'
            Ones on the edges, or the Euclidean distances.

        Returns
        -------
        A : sparse matrix of shape (n_queries, n_samples_fit)
            ``A[i, j]`` is the weight of the edge from query ``i`` to fitted row ``j``
            (a ``csr_matrix``, or a ``csr_array`` under scikit-learn's
            ``sparse_interface='sparray'``).
        """
        from scipy import sparse
        from sklearn import get_config

        if mode not in ("connectivity", "distance"):
            raise ValueError(f"mode must be 'connectivity' or 'distance', got {mode!r}")
        check_is_fitted(self, "_fit_X")
        if mode == "connectivity":
            table = self.kneighbors(X, n_neighbors, return_distance=False)
            data = np.ones(table.size)
        else:
            distances, table = self.kneighbors(X, n_neighbors, return_distance=True)
            data = distances.ravel()
        n_queries, k = table.shape
        indptr = np.arange(0, n_queries * k + 1, k)
        kind = sparse.csr_array if get_config().get("sparse_interface") == "sparray" else sparse.csr_matrix
        return kind((data, table.ravel(), indptr), shape=(n_queries, self.n_samples_fit_))


def _stack(fitted: Any, queries: Any) -> Any:
    """The fitted rows, then the query rows, in one matrix of their common float type."""
    dtype = np.result_type(fitted.dtype, queries.dtype)
    if is_sparse(fitted) or is_sparse(queries):
        from scipy import sparse

        stacked = sparse.vstack(
            [sparse.csr_matrix(fitted), sparse.csr_matrix(queries)], format="csr", dtype=dtype
        )
        stacked.sum_duplicates()
        return stacked
    return np.concatenate([fitted, queries]).astype(dtype, copy=False)


def _every_row(queries: Any, fitted: Any, return_distance: bool) -> Any:
    """Every fitted row for each query, by (distance, position): the core's searches
    need one reference more than they return, and this table is all distances anyway."""
    n_fit = fitted.shape[0]
    every = np.broadcast_to(np.arange(n_fit, dtype=np.int64), (queries.shape[0], n_fit))
    distances = _distances(queries, fitted, every)
    order = np.argsort(distances, axis=1, kind="stable")
    table = np.take_along_axis(every, order, axis=1)
    return (np.take_along_axis(distances, order, axis=1), table) if return_distance else table


def _distances(queries: Any, fitted: Any, table: np.ndarray) -> np.ndarray:
    """The exact Euclidean distance from each query row ``i`` to the fitted rows
    ``table[i]``, in float64, block of queries by block."""
    n, k = table.shape
    out = np.empty((n, k), dtype=np.float64)
    for start in range(0, n, _DISTANCE_BLOCK):
        block = table[start : start + _DISTANCE_BLOCK]
        rows = slice(start, start + len(block))
        if is_sparse(fitted) or is_sparse(queries):
            from scipy import sparse

            own = sparse.csr_matrix(queries[rows], dtype=np.float64)[np.repeat(np.arange(len(block)), k)]
            diff = sparse.csr_matrix(fitted, dtype=np.float64)[block.ravel()] - own
            out[rows] = np.sqrt(np.asarray(diff.multiply(diff).sum(axis=1)).reshape(len(block), k))
        else:
            diff = fitted[block].astype(np.float64) - np.asarray(queries[rows], dtype=np.float64)[:, None, :]
            out[rows] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    return out


class NearestNeighbors(_CoreNeighbors):
    """Exact Euclidean k-nearest neighbours with the core's engines (KD-tree, blocked
    brute force, sparse inverted index), parallel and deterministic.

    Neighbours are ordered by exact distance, ties by the lowest row position, so the
    table does not depend on the engine or on ``n_jobs``. Passed as a sampler's
    ``k_neighbors``, ``m_neighbors`` or ``n_neighbors``, it gives exactly what the int
    ``n_neighbors - 1`` gives (its lists include the sample itself, as for any estimator).

    Parameters
    ----------
    n_neighbors : int, default=5
        Neighbours per query in :meth:`kneighbors` and :meth:`kneighbors_graph`.
    n_jobs : int or None, default=None
        Threads for the search: None or -1 for every core, a positive number for that
        many. Inside a sampler the sampler's ``n_jobs`` is used instead.

    Attributes
    ----------
    n_samples_fit_ : int
        Number of fitted rows.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote.neighbors import NearestNeighbors
    >>> X = np.array([[0.0], [1.0], [3.0], [7.0]])
    >>> nn = NearestNeighbors(n_neighbors=2).fit(X)
    >>> distances, indices = nn.kneighbors()
    >>> indices
    array([[1, 2],
           [0, 2],
           [1, 0],
           [2, 1]])
    >>> nn.kneighbors([[2.5]], n_neighbors=1)
    (array([[0.5]]), array([[2]]))
    """

    def __init__(self, *, n_neighbors: int = 5, n_jobs: int | None = None) -> None:
        self.n_neighbors = n_neighbors
        self.n_jobs = n_jobs

    def _search(
        self, X: Any, k: int, queries: np.ndarray | None, references: np.ndarray | None
    ) -> np.ndarray:
        if is_sparse(X):
            return sparse_kneighbors(X, k, queries, references, self._n_threads)
        return _core.kneighbors(X, k, queries, references, self._n_threads)


class ApproximateNearestNeighbors(_CoreNeighbors):
    """Approximate Euclidean k-nearest neighbours: far faster than the exact search on
    large, high-dimensional data, at the cost of sometimes missing a true neighbour.

    The rows are grouped into k-means cells; each query computes exact distances to the
    rows of its nearest few cells only, and when the queries are the fitted rows
    themselves (``kneighbors()`` without X, as in every sampler) each list is then
    refined with its neighbours' neighbours. The neighbours found are ordered by exact
    distance, ties by the lowest row position. The same ``random_state`` gives the same
    table whatever ``n_jobs`` is. The index is built by each search (``fit`` validates
    and stores the rows).

    Passed as a sampler's ``k_neighbors``, ``m_neighbors`` or ``n_neighbors`` it runs in
    the core with the sampler's ``n_jobs``; the sampler searches ``n_neighbors - 1``
    neighbours besides each sample (its lists include the sample itself, as for any
    estimator). It takes dense X only: sparse X is refused (never densified).

    Parameters
    ----------
    n_neighbors : int, default=5
        Neighbours per query in :meth:`kneighbors` and :meth:`kneighbors_graph`.
    effort : float, default=1.0
        How many cells each query scans, relative to the default: a finite number in
        (0, 100]. Higher is slower and finds more of the true neighbours (higher
        recall); lower is faster and misses more. The returned neighbours are always
        real rows with exact distances; only whether they are the true nearest varies.
    n_jobs : int or None, default=None
        Threads for the search: None or -1 for every core, a positive number for that
        many. The table does not depend on it. Inside a sampler the sampler's
        ``n_jobs`` is used instead.
    random_state : None, int, RandomState or Generator, default=None
        Seeds the cells, drawn once per ``fit``: an int gives the same table at every
        fit, None a fresh one. Inside a sampler, None takes the sampler's seed (so a
        sampler with a fixed ``random_state`` is reproducible).

    Attributes
    ----------
    n_samples_fit_ : int
        Number of fitted rows.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote.neighbors import ApproximateNearestNeighbors
    >>> X = np.random.default_rng(0).normal(size=(1000, 8))
    >>> ann = ApproximateNearestNeighbors(n_neighbors=3, random_state=0).fit(X)
    >>> indices = ann.kneighbors(return_distance=False)
    >>> indices.shape
    (1000, 3)
    >>> bool((indices != np.arange(1000)[:, None]).all())  # never the row itself
    True
    """

    _accepts_sparse = False

    def __init__(
        self,
        *,
        n_neighbors: int = 5,
        effort: float = 1.0,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.effort = effort
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _check_params(self) -> None:
        self._effort = check_effort(self.effort)
        self._seed = search_seed(self.random_state)

    def _search(
        self, X: Any, k: int, queries: np.ndarray | None, references: np.ndarray | None
    ) -> np.ndarray:
        return _core.approximate_kneighbors(
            X, k, self._effort, self._seed, queries, references, self._n_threads
        )
