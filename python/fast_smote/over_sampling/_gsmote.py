"""G-SMOTE: each sample interpolates toward its neighbour most aligned with the class's
principal direction."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, Job


def principal_direction(points: np.ndarray) -> np.ndarray:
    """The unit eigenvector of the largest eigenvalue of the covariance of ``points``
    (rows), in float64; any unit vector when the points do not spread."""
    centred = points.astype(np.float64) - points.mean(axis=0, dtype=np.float64)
    # Scaled to at most 1 first (the direction does not change): no square overflows.
    largest = np.abs(centred).max() if centred.size else 0.0
    if largest > 0:
        centred /= largest
    _, vectors = np.linalg.eigh(centred.T @ centred)
    direction: np.ndarray = vectors[:, -1]
    return direction


#: Rows per block of ``most_aligned``: its difference vectors take ``k * d`` values a row.
_ALIGN_BLOCK = 8192


def most_aligned(points: np.ndarray, table: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """For each row ``i`` of ``points``, the column of ``table[i]`` (positions into
    ``points``) whose difference vector makes the least angle with the line of
    ``direction`` (a unit vector; either sense): the largest ``|cos|``, the first column
    among equal ones. A neighbour at the sample's own place has no direction and is
    taken last."""
    projection = points @ direction.astype(points.dtype)
    best = np.empty(len(points), dtype=np.int64)
    for start in range(0, len(points), _ALIGN_BLOCK):
        block = slice(start, start + _ALIGN_BLOCK)
        neighbors = table[block]
        along = np.abs(projection[neighbors] - projection[block, None])
        lengths = np.linalg.norm(points[neighbors] - points[block, None, :], axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            cosine = np.where(lengths > 0, along / lengths, -1.0)
        best[block] = np.argmax(cosine, axis=1)
    return best


class GSMOTE(BaseSMOTE):
    """Geometric-structure SMOTE, as smote-variants implements ``G_SMOTE`` (Sandhan and
    Choi, ICPR 2014, "Handling imbalanced datasets by partially guided hybrid sampling
    for pattern recognition").

    Each sample of a class to oversample keeps, of its ``k_neighbors`` nearest
    neighbours within the class, the one whose direction from the sample makes the
    least angle with the class's principal direction (the leading eigenvector of its
    covariance, in either sense): new samples interpolate from a sample drawn uniformly
    toward that neighbour, with a uniform step in ``[0, 1)``, so that they follow the
    class's main axis of variation.

    Two places where smote-variants departs from the paper, and this class follows the
    paper: smote-variants takes a row of the eigenvector matrix for the principal
    direction, where the eigenvector is a column; and its steps are a normalised pair
    of uniform draws rather than a uniform step. Only the paper's linear form is
    offered: the kernel form builds a samples-by-samples kernel matrix per neighbour.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    k_neighbors : int or estimator, default=5
        The nearest neighbours within the class (the sample itself excluded) among
        which the most aligned is kept, or an estimator with ``kneighbors`` as for
        :class:`SMOTE`.
    n_jobs : int or None, default=None
        Threads for the search and the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    principal_directions_ : dict
        Class label -> the unit principal direction of the class (float64).
    nn_k_ : estimator
        The neighbour estimator, as for :class:`SMOTE`.
    provenance_ : Provenance
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import GSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = GSMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    """

    _densify_sparse = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 5,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        self.nn_k_ = k_search.estimator
        self.principal_directions_: dict[Any, np.ndarray] = {}
        jobs = []
        for code, n in zip(*data.plan(strategy)):
            rows = data.rows_of(code)
            k_search.check_size(len(rows), f"class {data.label(code)!r}")
            table = k_search.table(data.X, rows, rows, n_threads)
            points = data.X[rows]
            direction = principal_direction(points)
            self.principal_directions_[data.label(code)] = direction
            aligned = table[np.arange(len(rows)), most_aligned(points, table, direction)]
            jobs.append(Job(code, 0, rows, None, aligned[:, None], n))
        return self._interpolate(data, jobs, seed, n_threads)
