"""ADASYN: more new samples from the samples that are harder to learn."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import UnsuitableDataError
from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs, seed_from
from ..base import Generated, warn_count
from ._base import BaseSMOTE, Job


class ADASYN(BaseSMOTE):
    """Adaptive Synthetic sampling: each sample makes new samples in proportion to how
    many of its neighbours belong to other classes.

    A drop-in for ``imblearn.over_sampling.ADASYN``. For each sample of a class to
    oversample, the share of other-class samples among its ``n_neighbors`` nearest
    neighbours (among all samples) is its difficulty; the class's new samples are
    spread over its samples in proportion to difficulty (each count rounded to the
    nearest integer, so the total can differ slightly from the one asked, with a
    warning), and each interpolates toward one of its ``n_neighbors`` nearest
    neighbours of the same class, drawn uniformly, with a uniform step in ``[0, 1)``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    n_neighbors : int or estimator, default=5
        Nearest neighbours (the sample itself excluded) for both the difficulty and the
        interpolation; or an estimator with ``kneighbors`` whose lists include the
        sample itself.
    n_jobs : int or None, default=None
        Threads for the searches and the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    nn_ : estimator
        The neighbour estimator (a fitted clone for an estimator parameter; an unfitted
        ``NearestNeighbors`` describing the core's search for an int).
    provenance_ : Provenance
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Raises
    ------
    UnsuitableDataError
        (a ``ValueError`` and ``RuntimeError``) When no neighbour of any sample of a
        class belongs to another class: no sample is hard to learn, and the
        proportions are undefined (use SMOTE).
    ValueError
        When the rounded counts add up to no sample at all.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import ADASYN
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = ADASYN(random_state=0).fit_resample(X, y)
    >>> abs(int((y_res == 1).sum()) - 450) <= 10
    True
    """

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        n_neighbors: Any = 5,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        search = NeighborSearch("n_neighbors", self.n_neighbors, seed)
        self.nn_ = search.estimator
        codes, n_new = data.plan(strategy)
        if not codes:  # no class to oversample: nothing to search
            return self._interpolate(data, [], seed, n_threads)
        rows = [data.rows_of(code) for code in codes]
        others, k = search.other_class_counts(data, rows, n_threads)
        difficulties = [other / k for other in others]
        jobs = []
        for code, n, class_rows, difficulty in zip(codes, n_new, rows, difficulties):
            counts = self._per_sample_counts(data.label(code), difficulty, n)
            search.check_size(len(class_rows), f"class {data.label(code)!r}")
            jobs.append(
                Job(code, 0, class_rows, None, search.for_job(data.X, class_rows, class_rows), counts)
            )
        return self._interpolate(data, jobs, seed, n_threads)

    @staticmethod
    def _per_sample_counts(label: Any, difficulty: np.ndarray, n: int) -> np.ndarray:
        """How many of class ``label``'s ``n`` new samples each of its samples makes,
        by its difficulty (also on Dask)."""
        if not difficulty.any():
            raise UnsuitableDataError(
                f"no neighbour of any sample of class {label!r} belongs to another class, "
                "so ADASYN has no hard sample to weight (its weights would divide by zero); "
                "use SMOTE for this data"
            )
        counts: np.ndarray = np.rint(difficulty / difficulty.sum() * n).astype(np.int64)
        made = int(counts.sum())
        if made == 0:
            raise ValueError(
                f"ADASYN would generate no sample for class {label!r}: {n} samples asked, "
                "but every per-sample count rounds to 0; ask for more samples"
            )
        warn_count("ADASYN", label, n, made, "each sample's share is rounded to an integer")
        return counts
