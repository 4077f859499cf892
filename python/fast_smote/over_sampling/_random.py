"""Random over-sampling: copies of randomly drawn samples, or a smoothed bootstrap."""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

from .. import _core
from .._sparse import is_sparse
from .._validation import Dataset, StrategyDict, check_n_jobs, check_X_y, plain, seed_from
from ..base import BaseOverSampler, Generated, SamplerEstimatorTags


class RandomOverSampler(BaseOverSampler):
    """Random over-sampling: each new sample copies a sample of its class drawn
    uniformly with replacement; with ``shrinkage``, Gaussian noise smooths the copies.

    A drop-in for ``imblearn.over_sampling.RandomOverSampler``. With ``shrinkage``,
    each copy gets, on feature ``j``, normal noise of standard deviation
    ``shrinkage * h * std_j``, where ``std_j`` is the class's standard deviation of
    the feature and ``h = (4 / ((n_features + 2) * n_samples)) ** (1 / (n_features + 4))``
    (a smoothed bootstrap, as in imbalanced-learn).

    Without shrinkage the output is ``X[sample_indices_]`` in X's own container and
    dtypes (integer features stay integers), and X may hold any values (strings,
    missing values), since rows are only copied; with it, X's float type as for SMOTE,
    from finite numbers.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the draws. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    shrinkage : None, float or dict, default=None
        None for exact copies; a float >= 0 for every class, or a dict giving one for
        each class to oversample.
    n_jobs : int or None, default=None
        Threads for the copies: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
    sample_indices_ : ndarray of int64, shape (n_samples_new,)
        The row of X each output row copies (``0..n-1`` for the originals).
    shrinkage_ : dict or None
        Class label -> shrinkage used.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import RandomOverSampler
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = np.array([0] * 8 + [1] * 2)
    >>> sampler = RandomOverSampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res)
    array([8, 8])
    >>> bool((X_res == X[sampler.sample_indices_]).all())
    True
    """

    _records_sample_indices = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        shrinkage: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.shrinkage = shrinkage
        self.n_jobs = n_jobs

    def _shrinkage(self, strategy: StrategyDict) -> dict[Any, float] | None:
        shrinkage = self.shrinkage
        if shrinkage is None:
            return None
        if isinstance(shrinkage, numbers.Real) and not isinstance(shrinkage, (bool, np.bool_)):
            by_class = {label: float(shrinkage) for label in strategy}
        elif isinstance(shrinkage, dict):
            missing = [plain(label) for label in strategy if label not in shrinkage]
            if missing:
                raise ValueError(
                    f"shrinkage has no factor for the classes to oversample {missing!r}; "
                    "give one for each of them"
                )
            by_class = dict(shrinkage)
        else:
            raise TypeError(f"shrinkage must be None, a float or a dict, got {shrinkage!r}")
        for label, factor in by_class.items():
            if isinstance(factor, (bool, np.bool_)) or not isinstance(factor, numbers.Real):
                raise TypeError(f"shrinkage[{plain(label)!r}] must be a float, got {factor!r}")
            if not factor >= 0:
                raise ValueError(f"shrinkage must be >= 0, got {factor} for class {plain(label)!r}")
            if not math.isfinite(factor):
                raise ValueError(f"shrinkage must be finite, got {factor} for class {plain(label)!r}")
        return by_class

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        self.shrinkage_ = self._shrinkage(strategy)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        codes, n_new = data.plan(strategy)
        if is_sparse(data.X) or data.X.dtype == object:
            return self._copy_drawn_rows(data, codes, n_new, seed, n_threads)
        bandwidth = smoothing_bandwidth(*data.X.shape)
        jobs = []
        for code, n in zip(codes, n_new):
            rows = data.rows_of(code)
            noise = None
            if self.shrinkage_ is not None:
                spread = class_spread(data.X[rows])
                noise = (self.shrinkage_[data.classes[code]] * bandwidth * spread).tolist()
            jobs.append(BootstrapJob(code, rows, n, noise))
        X_res, self.sample_indices_ = _core.bootstrap(data.X, jobs, seed, n_threads)
        copies = self.sample_indices_ if self.shrinkage_ is None else None
        return Generated(X_res, codes, n_new, rows=copies)

    def _densifies(self, X: Any) -> bool:
        # The smoothed bootstrap adds noise to every feature: its new rows are dense.
        return self.shrinkage is not None and is_sparse(X)

    def _check_X_y(self, X: Any, y: Any) -> Dataset:
        # Exact copies need no arithmetic: any values, missing ones too, are copied as they are.
        return check_X_y(X, y, any_values=self.shrinkage is None)

    def __sklearn_tags__(self) -> SamplerEstimatorTags:
        tags = super().__sklearn_tags__()
        # Exact copies take any values; the smoothed bootstrap adds noise to numbers.
        tags.input_tags.string = tags.input_tags.allow_nan = self.shrinkage is None
        return tags

    def _copy_drawn_rows(
        self, data: Dataset, codes: list[int], n_new: list[int], seed: int, n_threads: int | None
    ) -> Generated:
        """Exact copies of rows the core cannot copy itself (sparse rows, or values that
        are not numbers): the rows the dense path draws for the same seed (each chunk of
        a class's draws from its own seed), gathered here."""
        drawn = [
            data.rows_of(code)[_core.draw_positions(seed, code, int(data.counts[code]), n, n_threads)]
            for code, n in zip(codes, n_new)
        ]
        self.sample_indices_ = np.concatenate([np.arange(data.n_samples), *drawn]).astype(np.int64)
        return Generated(data.X[self.sample_indices_], codes, n_new, rows=self.sample_indices_)


class BootstrapJob(NamedTuple):
    """One class of random over-sampling, as the core takes it (by field name)."""

    code: int
    #: Rows of X the copies are drawn from, uniformly.
    rows: np.ndarray
    n_new: int
    #: The smoothed bootstrap's noise scale per feature; None for exact copies.
    noise: list[float] | None


def smoothing_bandwidth(n_samples: int, n_features: int) -> float:
    """The smoothed bootstrap's bandwidth factor for X of this shape (all of X, every
    class): ``(4 / ((d + 2) n)) ** (1 / (d + 4))``."""
    return float((4 / ((n_features + 2) * n_samples)) ** (1 / (n_features + 4)))


def class_spread(values: np.ndarray) -> np.ndarray:
    """Each column's standard deviation in float64 (the smoothed bootstrap's noise is
    ``shrinkage * bandwidth * spread``); for magnitudes whose squares overflow (beyond
    about 1e154), computed on the column divided by its largest magnitude."""
    with np.errstate(over="ignore", invalid="ignore"):
        spread: np.ndarray = np.std(values, axis=0, dtype=np.float64)
    if np.all(np.isfinite(spread)):
        return spread
    peak = np.max(np.abs(values), axis=0).astype(np.float64)
    peak[peak == 0] = 1.0
    scaled: np.ndarray = np.std(values / peak, axis=0, dtype=np.float64) * peak
    return scaled
