"""KMeans-SMOTE: cluster first, then SMOTE inside the clusters where a class is dense enough."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sklearn.base import clone

from .. import _core
from .._errors import UnsuitableDataError
from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs, estimator_random_state, seed_from
from ..base import Generated, warn_count
from ._base import BaseSMOTE, Job


def _auto_or_real(name: str, value: Any) -> None:
    if value == "auto" and isinstance(value, str):
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be 'auto' or a float, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be 'auto' or a finite float, got {value!r}")


class KMeansSMOTE(BaseSMOTE):
    """KMeans-SMOTE: SMOTE within the clusters where a class is well represented,
    more of it where the class is sparse.

    A drop-in for ``imblearn.over_sampling.KMeansSMOTE``. X is clustered (with
    scikit-learn's ``MiniBatchKMeans`` by default). For each class to oversample, a
    cluster qualifies when the class's share of it reaches
    ``cluster_balance_threshold`` and it holds more than ``k_neighbors`` samples of the
    class. Each qualifying cluster gets ``ceil(n * w)`` of the class's ``n`` new
    samples, where ``w`` is its share of the total sparsity (mean distance between the
    cluster's class samples to the power ``density_exponent``, divided by their
    number); rounding up can give a few more samples than asked (with a warning). Within
    a cluster, new samples are made exactly as by :class:`SMOTE`.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation, and of the default clustering.
    k_neighbors : int or estimator, default=2
        Nearest neighbours within a cluster's class samples to interpolate toward, or
        an estimator with ``kneighbors`` whose lists include the sample itself.
    n_jobs : int or None, default=None
        Threads for the distances, searches and generation: None or -1 for every core.
    kmeans_estimator : None, int or estimator, default=None
        The clustering: None for ``MiniBatchKMeans(random_state=random_state)``, an int
        for that many clusters, or an estimator with ``fit`` and ``predict`` (cloned).
    cluster_balance_threshold : 'auto' or float, default='auto'
        Least share of a cluster the class must have. ``'auto'``: half the class's
        share of all the new samples asked for. Ignored (every cluster qualifies) with
        a single cluster.
    density_exponent : 'auto' or float, default='auto'
        Exponent of the mean distance in the sparsity; ``'auto'`` uses
        ``0.16 * log_1.6(m) ** 1.8`` for ``m`` class samples in the cluster.

    Attributes
    ----------
    sampling_strategy_ : dict
    kmeans_estimator_ : estimator
        The fitted clustering.
    nn_k_ : estimator
    cluster_balance_threshold_ : float or 'auto'
    provenance_ : Provenance
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Raises
    ------
    UnsuitableDataError
        (a ``ValueError`` and ``RuntimeError``) When no cluster qualifies for a class.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import KMeansSMOTE
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 2)), rng.normal(5, 0.5, (60, 2))])
    >>> y = np.array([0] * 300 + [1] * 60)
    >>> sampler = KMeansSMOTE(kmeans_estimator=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> int((y_res == 1).sum()) >= 300
    True
    """

    _densify_sparse = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 2,
        n_jobs: int | None = None,
        kmeans_estimator: Any = None,
        cluster_balance_threshold: Any = "auto",
        density_exponent: Any = "auto",
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.n_jobs = n_jobs
        self.kmeans_estimator = kmeans_estimator
        self.cluster_balance_threshold = cluster_balance_threshold
        self.density_exponent = density_exponent

    def _clustering(self) -> Any:
        from sklearn.cluster import MiniBatchKMeans

        estimator = self.kmeans_estimator
        if estimator is None:
            return MiniBatchKMeans(random_state=estimator_random_state(self.random_state))
        if isinstance(estimator, numbers.Integral) and not isinstance(estimator, (bool, np.bool_)):
            if estimator < 1:
                raise ValueError(
                    f"kmeans_estimator as a number of clusters must be at least 1, got {estimator}"
                )
            return MiniBatchKMeans(
                n_clusters=int(estimator), random_state=estimator_random_state(self.random_state)
            )
        if hasattr(estimator, "fit") and hasattr(estimator, "predict"):
            return clone(estimator)
        raise TypeError(
            "kmeans_estimator must be None, an int number of clusters or a clustering "
            f"estimator with fit and predict; got {estimator!r}"
        )

    def _weights(self, data: Dataset, clusters: list[np.ndarray], n_threads: int | None) -> np.ndarray:
        """Each cluster's share of a class's new samples: its sparsity (mean distance **
        exponent / count) over their sum; equal shares when no cluster has any spread."""
        sizes = np.array([len(rows) for rows in clusters], dtype=np.float64)
        exponents = np.array(
            [
                math.log(len(rows), 1.6) ** 1.8 * 0.16
                if self.density_exponent == "auto"
                else float(self.density_exponent)
                for rows in clusters
            ]
        )
        distances = np.array([_core.mean_pairwise_distance(data.X, rows, n_threads) for rows in clusters])
        with np.errstate(over="ignore", divide="ignore"):
            sparsity: np.ndarray = distances**exponents / sizes
            if np.all(np.isfinite(sparsity)):
                total = sparsity.sum()
                return sparsity / total if total > 0 else np.full(len(clusters), 1 / len(clusters))
            # Distances so large that their powers overflow: the same shares, in logs.
            logs = exponents * np.log(distances) - np.log(sizes)
        shares: np.ndarray = np.exp(logs - logs.max())
        shares /= shares.sum()
        return shares

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        _auto_or_real("cluster_balance_threshold", self.cluster_balance_threshold)
        _auto_or_real("density_exponent", self.density_exponent)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        self.nn_k_ = k_search.estimator
        self.kmeans_estimator_ = self._clustering()
        single = getattr(self.kmeans_estimator_, "n_clusters", None) == 1
        self.cluster_balance_threshold_ = -np.inf if single else self.cluster_balance_threshold
        try:
            if hasattr(self.kmeans_estimator_, "fit_predict"):
                assigned = self.kmeans_estimator_.fit_predict(data.X)
            else:
                assigned = self.kmeans_estimator_.fit(data.X).predict(data.X)
        except ValueError as exc:  # such as more clusters asked than X has samples
            raise UnsuitableDataError(
                f"the clustering could not be fitted to X of {data.n_samples} samples ({exc}); "
                "give kmeans_estimator fewer clusters"
            ) from exc
        _, cluster = np.unique(np.asarray(assigned), return_inverse=True)
        cluster = cluster.ravel()
        cluster_sizes = np.bincount(cluster)
        least_samples = k_search.k + 1 if k_search.k is not None else 2
        codes, n_new = data.plan(strategy)
        total_asked = sum(strategy.values())
        jobs = []
        for code, n in zip(codes, n_new):
            label = data.label(code)
            threshold = (
                n / total_asked / 2
                if self.cluster_balance_threshold_ == "auto"
                else float(self.cluster_balance_threshold_)
            )
            class_rows = data.rows_of(code)
            in_cluster = cluster[class_rows]
            class_counts = np.bincount(in_cluster, minlength=len(cluster_sizes))
            qualifies = (class_counts / cluster_sizes >= threshold) & (class_counts >= least_samples)
            if not qualifies.any():
                raise UnsuitableDataError(
                    f"no cluster has enough samples of class {label!r} (a share of at least "
                    f"{threshold:.3g} and more than {least_samples - 1}); lower "
                    "cluster_balance_threshold or use more clusters"
                )
            order = np.argsort(in_cluster, kind="stable")
            groups = np.split(class_rows[order], np.cumsum(class_counts)[:-1])
            chosen = [groups[c] for c in np.flatnonzero(qualifies)]
            weights = self._weights(data, chosen, n_threads)
            counts = [math.ceil(n * w) for w in weights]
            for part, (rows, count) in enumerate(zip(chosen, counts)):
                jobs.append(Job(code, part, rows, None, k_search.for_job(data.X, rows, rows), count))
            warn_count(
                "KMeansSMOTE", label, n, sum(counts),
                f"each of its {len(chosen)} qualifying clusters gets its share rounded up",
            )  # fmt: skip
        return self._interpolate(data, jobs, seed, n_threads)
