"""LVQ-SMOTE: minority samples moved between codebook vectors of similar relative position."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.cluster import KMeans

from .._checks import check_int
from .._validation import Dataset, StrategyDict, check_class_sizes, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, class_rng, made_by_plan, row_blocks, with_room_for


def most_similar_pairs(codebook: np.ndarray) -> np.ndarray:
    """For each ordered pair ``(a, b)`` of different codebook vectors, the pair ``(i, j)``
    of vectors other than ``a`` and ``b`` whose difference is nearest to ``c_a - c_b``
    (the first in row-major order among equal ones): an array of shape ``(K, K, 2)``."""
    k = len(codebook)
    differences = codebook[:, None, :] - codebook[None, :, :]  # (K, K, d): c_i - c_j
    flat = differences.reshape(k * k, -1)
    # Squared gaps between differences from their inner products: (K^2)^2 values, not
    # times the features.
    norms = (flat**2).sum(axis=1)
    gaps = np.maximum(norms[:, None] + norms[None, :] - 2 * flat @ flat.T, 0).reshape(k, k, k, k)
    index = np.arange(k)
    # Candidates (i, j) that use neither a nor b.
    uses = (index[:, None, None, None] == index[None, None, :, None]) | (
        index[:, None, None, None] == index[None, None, None, :]
    )
    uses = uses | np.swapaxes(uses, 0, 1)
    gaps = np.where(uses, np.inf, gaps)
    best = gaps.reshape(k, k, k * k).argmin(axis=2)
    return np.stack([best // k, best % k], axis=2)


class LVQSMOTE(BaseSMOTE):
    """LVQ-SMOTE (Nakamura, Kajiwara, Otsuka and Kimura, BioData Mining 2013), as
    smote-variants implements ``LVQ_SMOTE``.

    Each class to oversample is summarised by a codebook of ``n_clusters`` k-means
    centres. A new sample takes two different codebook vectors ``a`` and ``b`` at
    random, finds the pair ``(i, j)`` of other vectors whose difference ``c_i - c_j`` is
    nearest to ``c_a - c_b``, takes ``i`` or ``j`` at random (``o``), and one of the
    ``n_neighbors`` class samples nearest to ``c_o`` at random (``x``): the new sample is
    ``c_a + (x - c_o)``, the neighbourhood of ``o`` carried over to ``a``. (The paper
    learns its codebooks with LVQ over many datasets; smote-variants approximates that
    with k-means over the class, and so does this class.)

    The new samples are translations, not interpolations: they record no
    ``provenance_`` (it is None).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the k-means and the draws. The same seed gives byte-identical output
        whatever ``n_jobs`` is.
    n_neighbors : int, default=5
        The class samples nearest a codebook vector that may be carried over (at most
        the class's samples are used).
    n_clusters : int, default=10
        Codebook vectors per class (at least 3; at most the class's samples are used).
    n_jobs : int or None, default=None
        Kept for the common interface: the k-means and the draws take little time.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    codebooks_ : dict
        Class label -> its codebook (k-means centres, float64).
    provenance_ : None
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import LVQSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = LVQSMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    """

    #: The parameters that take a neighbour estimator (``--approximate`` sets them):
    #: none, its ``n_neighbors`` is a count.
    _neighbor_searches: tuple[str, ...] = ()

    _densify_sparse = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        n_neighbors: int = 5,
        n_clusters: int = 10,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.n_clusters = n_clusters
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        n_neighbors = check_int("n_neighbors", self.n_neighbors, 1)
        n_clusters = check_int("n_clusters", self.n_clusters, 3)
        check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        plan = list(zip(*data.plan(strategy)))
        check_class_sizes(data, [code for code, _ in plan], 3, "LVQ-SMOTE's codebook")
        X = data.X
        X_res, new_rows = with_room_for(data, plan)
        self.codebooks_: dict[Any, np.ndarray] = {}
        for (code, _), out in zip(plan, new_rows):
            label = data.label(code)
            points = X[data.rows_of(code)].astype(np.float64)
            rng = class_rng(seed, code)
            codebook = self._codebook(points, min(n_clusters, len(points)), int(rng.integers(2**31)))
            self.codebooks_[label] = codebook
            self._carried_over(points, codebook, n_neighbors, rng, out)
        self.provenance_ = None
        return made_by_plan(X_res, plan)

    @staticmethod
    def _codebook(points: np.ndarray, k: int, seed: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fewer distinct points than clusters
            centres: np.ndarray = (
                KMeans(n_clusters=k, n_init="auto", random_state=seed).fit(points).cluster_centers_
            )
        return centres

    @staticmethod
    def _carried_over(
        points: np.ndarray, codebook: np.ndarray, n_neighbors: int, rng: np.random.Generator, out: np.ndarray
    ) -> None:
        """Fills ``out`` with new samples ``c_a + (x - c_o)`` (see the class), block by
        block, saturating at ``out``'s type's limit."""
        k, n = len(codebook), len(out)
        near = min(n_neighbors, len(points))
        distances = ((codebook[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
        nearest = np.argsort(distances, axis=1, kind="stable")[:, :near]
        pairs = most_similar_pairs(codebook)
        a = rng.integers(k, size=n)
        b = (a + rng.integers(1, k, size=n)) % k  # another vector, uniformly
        other = pairs[a, b, rng.integers(2, size=n)]
        x = nearest[other, rng.integers(near, size=n)]
        limit = np.finfo(out.dtype).max
        for block in row_blocks(n):
            with np.errstate(over="ignore"):
                made = points[x[block]] - codebook[other[block]]
                made += codebook[a[block]]
            out[block] = np.clip(made, -limit, limit, out=made)
