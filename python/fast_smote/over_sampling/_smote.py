"""SMOTE, the interpolating over-sampler every other variant builds on."""

from __future__ import annotations

from typing import Any

from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, Job


class SMOTE(BaseSMOTE):
    """Synthetic Minority Over-sampling Technique, with an exact, parallel Rust core.

    A drop-in for ``imblearn.over_sampling.SMOTE``: the same parameters, semantics and
    learned attributes. Each new sample of a class is
    ``x + step * (x_nn - x)`` for a sample ``x`` drawn uniformly from the class, one of
    its ``k_neighbors`` exact nearest neighbours within the class ``x_nn`` (drawn
    uniformly), and ``step`` drawn uniformly from ``[0, 1)``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class. A float ``a`` (binary targets only)
        grows the minority class to ``int(a * n_majority)``; ``'minority'``,
        ``'not minority'``, ``'not majority'`` (= ``'auto'``) and ``'all'`` grow the
        selected classes to the majority's size; a dict maps classes to target
        counts; a callable takes ``y`` and returns such a dict.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    k_neighbors : int or estimator, default=5
        Number of nearest neighbours (the sample itself excluded) to interpolate
        toward, or an estimator with ``kneighbors`` (such as
        ``NearestNeighbors(n_neighbors=6)``), whose neighbour lists include the
        sample itself; it is cloned and fitted on each class.
    n_jobs : int or None, default=None
        Threads for the neighbour search and the generation: None or -1 for every
        core, a positive number for that many threads.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples generated, ordered by class label.
    nn_k_ : estimator
        The neighbour estimator: the fitted clone for an estimator ``k_neighbors``
        (fitted on the last class oversampled); for an int, an unfitted
        ``NearestNeighbors(n_neighbors=k_neighbors + 1)`` describing the search the
        core ran.
    provenance_ : Provenance
        Base sample, neighbour and step of every synthetic row.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import SMOTE
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3))
    >>> y = np.array([0] * 90 + [1] * 10)
    >>> X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([90, 90])
    """

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
        jobs = []
        for code, n_new in zip(*data.plan(strategy)):
            rows = data.rows_of(code)
            k_search.check_size(len(rows), f"class {data.label(code)!r}")
            jobs.append(Job(code, 0, rows, None, k_search.for_job(data.X, rows, rows), n_new))
        return self._interpolate(data, jobs, seed, n_threads)
