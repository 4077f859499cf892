"""What the regression samplers share: a continuous target checked, its relevance, the
bumps of rare and common values it splits y into, and how many rows each bump gets."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_lengths, check_real, check_y_shape, non_finite_error, require_y
from .._containers import OneHotLabels, SeriesLabels, YLayout, is_dask_collection, labels_of
from .._features import check_X
from .._validation import Dataset, flattened_column
from ..base import BaseSampler
from ._relevance import relevance_function, relevance_of

#: The sampling strategies by name ("auto" is "balance").
STRATEGIES = ("auto", "balance", "extreme")


@dataclass(frozen=True)
class Bump:
    """A bump: the rows whose targets form one run of sorted y on one side of the
    relevance threshold.

    Attributes
    ----------
    low, high : float
        The smallest and largest target in the bump: its synthetic targets stay in
        ``[low, high]``.
    rare : bool
        Whether its targets' relevance reaches the threshold (it is oversampled) or not
        (it may be undersampled).
    n_samples : int
        Its rows in y.
    n_target : int
        The rows the sampling strategy asks of it.
    """

    low: float
    high: float
    rare: bool
    n_samples: int
    n_target: int


def check_target(y: Any, n_samples: int) -> tuple[np.ndarray, YLayout | None]:
    """y as a 1-D float array (float32 stays float32, other numbers become float64),
    finite and not constant, plus its layout unless it is a NumPy array. The layout
    gives resampled targets back in a float type: synthetic targets are fractional."""
    require_y(y)
    values, container = labels_of(y)
    values = flattened_column(values)
    if isinstance(container, OneHotLabels):
        raise ValueError(f"y must be a 1-D continuous target, got shape {np.shape(y)}")
    check_y_shape(values.shape)
    check_lengths(n_samples, values.shape[0])
    if len(values) < 2:
        raise ValueError(f"n_samples={len(values)}: a target needs at least 2 values to have rare ones")
    if values.dtype.kind not in "iuf":
        raise TypeError(
            f"y must be a numeric target, got dtype {values.dtype} (first value {values[:1].tolist()!r}): "
            "Unknown label type for a regression sampler; the classification samplers take class labels"
        )
    target = np.ascontiguousarray(values, dtype=np.float32 if values.dtype == np.float32 else np.float64)
    bad = np.flatnonzero(~np.isfinite(target))
    if len(bad):
        raise non_finite_error(target[bad[0]], int(bad[0]), 0, "y")
    if len(target) and target.min() == target.max():
        raise ValueError(f"y is constant ({target[0].item()!r}): no value is rarer than another")
    if isinstance(container, SeriesLabels):
        container = dataclasses.replace(container, dtype=None)
    return target, container


def split_into_bumps(
    y: np.ndarray, relevance: np.ndarray, threshold: float
) -> tuple[list[np.ndarray], list[bool]]:
    """The bumps of y: runs of sorted y whose relevance is all at least ``threshold``
    (rare) or all below it, low values first; each as its rows in ascending order."""
    order = np.argsort(y, kind="stable")
    rare = relevance[order] >= threshold
    cuts = np.flatnonzero(rare[1:] != rare[:-1]) + 1
    rows = [np.sort(part) for part in np.split(order, cuts)]
    return rows, [bool(rare[start]) for start in [0, *cuts.tolist()]]


def bump_targets(strategy: Any, sizes: np.ndarray, rare: list[bool]) -> np.ndarray:
    """The rows each bump should have (int64).

    "balance" (and "auto"): every bump the same share of the rows; "extreme": shares in
    inverse proportion to the bumps' sizes, the total kept; a sequence: a factor per
    bump, low targets first (above 1 for rare bumps, at most 1 for common ones).
    """
    n, n_bumps = int(sizes.sum()), len(sizes)
    share = round(n / n_bumps)
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise ValueError(
                f"sampling_strategy must be one of {', '.join(map(repr, STRATEGIES))} or a sequence "
                f"of factors, one per bump; got {strategy!r}"
            )
        if strategy == "extreme":
            inverse = 1.0 / sizes
            extreme: np.ndarray = np.rint(n_bumps * share * inverse / inverse.sum()).astype(np.int64)
            return extreme
        return np.full(n_bumps, share, dtype=np.int64)
    if isinstance(strategy, (dict, numbers.Number)) or not hasattr(strategy, "__len__"):
        raise TypeError(
            "sampling_strategy must be 'balance', 'extreme' or a sequence of factors, one per bump; "
            f"got {strategy!r}"
        )
    if len(strategy) != n_bumps:
        raise ValueError(
            f"sampling_strategy gives {len(strategy)} factors, but y has {n_bumps} bumps "
            f"({sum(rare)} rare): give one factor per bump, low targets first"
        )
    factors = np.array(
        [check_real(f"sampling_strategy[{i}]", f, 0.0, above=True) for i, f in enumerate(strategy)]
    )
    for i, (factor, is_rare) in enumerate(zip(factors, rare)):
        if is_rare and factor < 1:
            raise ValueError(f"sampling_strategy[{i}] = {factor:g} would shrink a rare bump; use at least 1")
        if not is_rare and factor > 1:
            raise ValueError(f"sampling_strategy[{i}] = {factor:g} would grow a common bump; use at most 1")
    scaled: np.ndarray = np.rint(factors * sizes).astype(np.int64)
    return scaled


class BaseRegressionSampler(BaseSampler):
    """Base class of the samplers for a continuous target: ``fit`` finds the relevance
    and the bumps, ``fit_resample`` also resamples (see :meth:`_check`)."""

    _sampling_type = "regression"
    _densify_sparse = True
    _records_sample_indices = True

    #: Set by ``fit`` and ``fit_resample``.
    relevance_: Callable[[np.ndarray], np.ndarray]
    control_points_: np.ndarray | None
    bumps_: list[Bump]

    def fit(self, X: Any, y: Any) -> BaseRegressionSampler:
        """Check the data and find the relevance and the bumps, without resampling.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or Series of shape (n_samples,)
            The continuous target.

        Returns
        -------
        self
        """
        self._check(X, y)
        return self

    def _check(self, X: Any, y: Any) -> Dataset:
        """The validated data, its bumps as classes (``codes`` the bump of each row,
        ``classes`` the bumps' numbers); sets ``relevance_``, ``control_points_`` and
        ``bumps_``."""
        if is_dask_collection(X) or is_dask_collection(y):
            raise TypeError(
                f"{type(self).__name__} does not take Dask collections; compute X and y first "
                "(for example with .compute())"
            )
        if self._densifies(X):
            X = X.toarray()
        values, x_container = check_X(X)
        target, y_container = check_target(y, values.shape[0])
        threshold = check_real("relevance_threshold", self.relevance_threshold, 0.0, 1.0)
        coef = check_real("coef", self.coef, 0.0, above=True)
        sorted_y = np.sort(target)
        self.relevance_, self.control_points_ = relevance_function(
            self.relevance, sorted_y, self.extremes, coef
        )
        relevance = relevance_of(self.relevance_, target)
        if not (relevance >= threshold).any():
            raise ValueError(
                f"no target is rare: every relevance is below relevance_threshold={threshold:g} "
                f"(the largest is {relevance.max():.3g}); lower the threshold, or give relevance "
                "control points that mark the values of interest"
            )
        if (relevance >= threshold).all():
            raise ValueError(
                f"every target is rare (relevance at least relevance_threshold={threshold:g}): "
                "there is no common value to balance against; raise the threshold"
            )
        rows, rare = split_into_bumps(target, relevance, threshold)
        sizes = np.array([len(r) for r in rows], dtype=np.int64)
        targets = bump_targets(self.sampling_strategy, sizes, rare)
        self.bumps_ = [
            Bump(float(target[r].min()), float(target[r].max()), is_rare, int(size), int(n))
            for r, is_rare, size, n in zip(rows, rare, sizes, targets)
        ]
        codes = np.empty(len(target), dtype=np.int32)
        for code, r in enumerate(rows):
            codes[r] = code
        columns = x_container.columns if x_container is not None else None
        self._record_features(
            values.shape[1], np.asarray(columns, dtype=object) if columns is not None else None
        )
        return Dataset(
            X=values,
            y=target,
            classes=np.arange(len(rows)),
            codes=codes,
            counts=sizes,
            x_container=x_container,
            y_container=y_container,
        )
