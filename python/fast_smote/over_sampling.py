"""Over-samplers: SMOTE, each a thin class over the Rust core."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone

from . import _core
from ._validation import Dataset, StrategyDict, check_class_sizes, check_n_jobs, seed_from
from .base import BaseOverSampler

__all__ = ["SMOTE", "Provenance", "resample"]


@dataclass(frozen=True)
class Provenance:
    """Where each synthetic row came from.

    Synthetic row ``i`` is ``X_resampled[n_original + i]`` and equals
    ``X[base_index[i]] + step[i] * (X[neighbor_index[i]] - X[base_index[i]])``
    (computed in X's float type), where indices are rows of the ``X`` given to
    ``fit_resample``.

    Attributes
    ----------
    n_original : int
        Number of original rows, which come first in the output.
    base_index : ndarray of int32 (int64 from 2**31 rows on), shape (n_synthetic,)
    neighbor_index : ndarray of int32 (int64 from 2**31 rows on), shape (n_synthetic,)
    step : ndarray of X's float type, shape (n_synthetic,)
        The interpolation steps, in ``[0, 1)``.
    """

    n_original: int
    base_index: np.ndarray
    neighbor_index: np.ndarray
    step: np.ndarray

    def __len__(self) -> int:
        return len(self.step)


def _check_k_neighbors(k_neighbors: Any) -> Any:
    """An int k >= 1, or a clone of a nearest-neighbours estimator."""
    if isinstance(k_neighbors, numbers.Integral) and not isinstance(k_neighbors, (bool, np.bool_)):
        if k_neighbors < 1:
            raise ValueError(f"k_neighbors must be at least 1, got {k_neighbors}")
        return int(k_neighbors)
    if hasattr(k_neighbors, "kneighbors") and hasattr(k_neighbors, "kneighbors_graph"):
        return clone(k_neighbors)
    raise TypeError(
        "k_neighbors must be an int >= 1 or an estimator with kneighbors and "
        f"kneighbors_graph methods (such as NearestNeighbors); got {k_neighbors!r}"
    )


def _without_self(indices: np.ndarray) -> np.ndarray:
    """Drops each row's own index from an estimator's neighbour table.

    The query is excluded by index, not by position: with exact duplicates an
    estimator may list a twin first, and dropping the first column would keep the
    sample as its own neighbour. Where the sample is absent (more twins than
    columns) the farthest column goes, leaving twins at distance 0.
    """
    n, width = indices.shape
    is_self = indices == np.arange(n)[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), width - 1)
    keep = np.ones_like(is_self)
    keep[np.arange(n), drop] = False
    return np.ascontiguousarray(indices[keep].reshape(n, width - 1), dtype=np.int64)


class SMOTE(BaseOverSampler):
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

    def _generate(self, data: Dataset, strategy: StrategyDict) -> np.ndarray:
        k_neighbors = _check_k_neighbors(self.k_neighbors)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        codes, n_new = data.plan(strategy)
        if isinstance(k_neighbors, int):
            from sklearn.neighbors import NearestNeighbors

            check_class_sizes(data, codes, k_neighbors + 1, f"k_neighbors={k_neighbors}")
            neighbors: Any = k_neighbors
            self.nn_k_ = NearestNeighbors(n_neighbors=k_neighbors + 1)
        else:
            neighbors = self._estimator_neighbors(k_neighbors, data, codes)
        X_res, base, neighbor, step = _core.smote(
            data.X, [data.rows_of(code) for code in codes], codes, n_new, neighbors, seed, n_threads
        )
        self.provenance_ = Provenance(data.n_samples, base, neighbor, step)
        return X_res

    def _estimator_neighbors(self, estimator: Any, data: Dataset, codes: list[int]) -> list[np.ndarray]:
        """Neighbour tables from a user's estimator, fitted on each class to oversample."""
        width = getattr(estimator, "n_neighbors", None)
        if isinstance(width, numbers.Integral) and width < 2:
            raise ValueError(
                f"the k_neighbors estimator asks for n_neighbors={width}, but its lists "
                "include the sample itself: use at least 2"
            )
        if isinstance(width, numbers.Integral):
            check_class_sizes(data, codes, int(width), f"the k_neighbors estimator with n_neighbors={width}")
        tables = []
        for code in codes:
            X_class = data.X[data.rows_of(code)]
            estimator.fit(X_class)
            self.nn_k_ = estimator
            tables.append(_without_self(np.asarray(estimator.kneighbors(X_class, return_distance=False))))
        return tables


def resample(
    X: Any,
    y: Any,
    *,
    sampling_strategy: Any = "auto",
    k_neighbors: Any = 5,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> tuple[Any, Any]:
    """Oversample ``X, y`` with SMOTE in one call.

    Same parameters and result as ``SMOTE(...).fit_resample(X, y)``; see :class:`SMOTE`.

    Examples
    --------
    >>> import numpy as np
    >>> import fast_smote
    >>> X = np.random.default_rng(0).normal(size=(60, 2))
    >>> y = np.array(["a"] * 50 + ["b"] * 10)
    >>> X_res, y_res = fast_smote.resample(X, y, sampling_strategy={"b": 30}, random_state=0)
    >>> X_res.shape, (y_res == "b").sum()
    ((80, 2), np.int64(30))
    """
    sampler = SMOTE(
        sampling_strategy=sampling_strategy,
        k_neighbors=k_neighbors,
        random_state=random_state,
        n_jobs=n_jobs,
    )
    return sampler.fit_resample(X, y)
