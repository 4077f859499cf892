"""The sampler base class: the ``fit_resample`` contract every fast-smote sampler shares."""

from __future__ import annotations

import os
import sys
import warnings
from abc import abstractmethod
from dataclasses import dataclass, field, fields, replace
from types import FrameType
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils import InputTags, Tags

from ._containers import dask_backend, is_dask_collection
from ._memory import check_output_fits
from ._sparse import is_sparse, sparse_like
from ._validation import Dataset, StrategyDict, check_X_y, resolve_sampling_strategy


@dataclass(frozen=True)
class Generated:
    """What a sampler made: the resampled X (originals first, then the new rows class
    by class) and how many new rows each class got, in output order."""

    X: np.ndarray
    codes: list[int]
    n_new: list[int]
    #: The categorical codes of the new rows, for samplers with categorical features.
    categorical: np.ndarray | None = None
    #: For output rows that are copies of X's rows (RandomOverSampler without
    #: shrinkage): which rows. The output then keeps X's own dtypes (integers stay
    #: integers), as imbalanced-learn's does.
    rows: np.ndarray | None = None

    def keeps_dtypes_of(self, X: Any) -> bool:
        """Whether ``X`` (the caller's) is exactly what the core resampled: same type and dtype."""
        return type(X) is type(self.X) and getattr(X, "dtype", None) == self.X.dtype


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside fast_smote."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def warn_count(sampler: str, label: Any, asked: int, made: int, why: str) -> None:
    """Tells the user a class got a different number of new samples than its strategy asked."""
    if made != asked:
        warnings.warn(
            f"{sampler} generated {made} samples for class {label!r} instead of the "
            f"{asked} that sampling_strategy asks for: {why}",
            UserWarning,
            stacklevel=_caller_stacklevel(),
        )


@dataclass
class SamplerTags:
    """What imbalanced-learn's checks read of a sampler."""

    #: Whether ``fit_resample`` records the rows it returns as ``sample_indices_``.
    sample_indices: bool = False


@dataclass
class SamplerInputTags(InputTags):
    """scikit-learn's input tags, plus imbalanced-learn's ``dataframe``."""

    dataframe: bool = True


@dataclass
class SamplerEstimatorTags(Tags):
    """scikit-learn's estimator tags, plus imbalanced-learn's ``sampler_tags``: the
    tags imbalanced-learn's estimator checks and pipelines expect of a sampler."""

    sampler_tags: SamplerTags = field(default_factory=SamplerTags)


def is_dask_input(X: Any, y: Any) -> bool:
    return is_dask_collection(X) or is_dask_collection(y)


def dask_fit_resample(sampler: BaseSampler, X: Any, y: Any) -> tuple[Any, Any]:
    """``fit_resample`` of Dask collections: lazy Dask results (see ``fast_smote.dask``)."""
    return dask_backend().fit_resample(sampler, X, y)


class BaseSampler(OneToOneFeatureMixin, BaseEstimator):
    """What every sampler shares: one validation path and ``sampling_strategy_``, and
    ``get_feature_names_out`` (a sampler keeps its features, as in imbalanced-learn).

    Subclasses store their parameters in a keyword-only ``__init__`` and implement
    ``fit_resample`` on top of :meth:`_check`; ``_sampling_type`` says how
    ``sampling_strategy`` reads (``"over-sampling"`` or ``"clean-sampling"``).
    """

    _sampling_type = "over-sampling"
    #: Whether sparse X is densified and the result made sparse again (see
    #: ``_densifies``) rather than resampled as it is.
    _densify_sparse = False
    #: Whether ``fit_resample`` records ``sample_indices_`` (an imbalanced-learn tag).
    _records_sample_indices = False

    def __sklearn_tags__(self) -> SamplerEstimatorTags:
        tags = super().__sklearn_tags__()
        parent = {f.name: getattr(tags, f.name) for f in fields(tags)}
        parent["input_tags"] = SamplerInputTags(
            **{f.name: getattr(tags.input_tags, f.name) for f in fields(tags.input_tags)}
        )
        parent["input_tags"].sparse = True  # every sampler takes SciPy sparse X
        parent["target_tags"] = replace(tags.target_tags, required=True)
        parent["estimator_type"] = "sampler"
        return SamplerEstimatorTags(**parent, sampler_tags=SamplerTags(self._records_sample_indices))

    def fit(self, X: Any, y: Any) -> BaseSampler:
        """Check the data and resolve ``sampling_strategy_``, without resampling.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or Series of shape (n_samples,)

        Returns
        -------
        self
        """
        if is_dask_input(X, y):
            dask_backend().fit(self, X, y)
            return self
        self._check(X, y)
        return self

    def _check_X_y(self, X: Any, y: Any) -> Dataset:
        """The validated data; samplers that take categorical features override this."""
        return check_X_y(X, y)

    def _densifies(self, X: Any) -> bool:
        """Whether X is sparse and resampled densified (``_densify_sparse``): for the
        samplers whose method reads every feature of a row (categories, k-means, noise
        on every feature). The result goes back in X's sparse format."""
        return self._densify_sparse and is_sparse(X)

    def _check(self, X: Any, y: Any) -> Dataset:
        if self._densifies(X):  # fit only: fit_resample densifies X before
            X = X.toarray()
        data = self._check_X_y(X, y)
        self.sampling_strategy_ = resolve_sampling_strategy(self.sampling_strategy, data, self._sampling_type)
        columns = data.x_container.columns if data.x_container is not None else None
        names = np.asarray(columns, dtype=object) if columns is not None else None
        self._record_features(data.n_features, names)
        return data

    def _record_features(self, n_features: int, names: np.ndarray | None) -> None:
        """Sets ``n_features_in_``, and ``feature_names_in_`` when every name is a string
        (scikit-learn's convention; a stale one from an earlier fit is removed)."""
        self.n_features_in_ = n_features
        if names is not None and all(isinstance(c, str) for c in names):
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_


class BaseOverSampler(BaseSampler):
    """Base class of the over-samplers: they implement :meth:`_generate`; validation,
    the sampling strategy, and turning results back into the caller's containers happen
    here, once for all of them.
    """

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Resample the dataset.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric training features; float32 stays float32, other numeric types
            become float64.
        y : array-like or Series of shape (n_samples,)
            Class labels of any hashable, sortable type.

        Returns
        -------
        X_resampled : ndarray or DataFrame of shape (n_samples_new, n_features)
            The original rows first, unchanged and in order, then the new rows class
            by class in ``sampling_strategy_`` order.
        y_resampled : ndarray or Series of shape (n_samples_new,)
        """
        if is_dask_input(X, y):
            return dask_fit_resample(self, X, y)
        if self._densifies(X):
            X_res, y_res = self.fit_resample(X.toarray(), y)
            return sparse_like(X, X_res), y_res
        data = self._check(X, y)
        check_output_fits(type(self).__name__, data, sum(int(n) for n in self.sampling_strategy_.values()))
        made = self._generate(data, self.sampling_strategy_)
        y_res = data.resampled_y(made.codes, made.n_new)
        if made.rows is not None and not made.keeps_dtypes_of(X):
            return data.take_X(X, made.rows), data.wrap_y(y_res)
        return data.wrap_X(made.X, made.categorical), data.wrap_y(y_res)

    @abstractmethod
    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        """The resampled X (originals first) for validated ``data``, and the counts made."""


#: Rows moved at once by ``compact_rows``: its temporaries stay a small part of X.
_COMPACTION_BLOCK = 8192


def compact_rows(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``X[rows]`` for increasing ``rows``, made by moving those rows to the top of X,
    which the caller owns and gives up: no second X beside the first. The result is a
    view of X's top, or, where more than a quarter of X is dropped, a copy of it, so
    that it does not hold on to much more memory than its own."""
    for start in range(0, len(rows), _COMPACTION_BLOCK):
        block = rows[start : start + _COMPACTION_BLOCK]
        # rows[i] >= i: each block only overwrites rows that no later block reads.
        X[start : start + len(block)] = X[block]
    top = X[: len(rows)]
    return top.copy() if 4 * len(rows) < 3 * len(X) else top


class BaseCleaningSampler(BaseSampler):
    """Base class of the cleaning samplers: they implement :meth:`_keep`, the rows to
    keep, which ``fit_resample`` returns (in the caller's container and dtypes) and
    records as ``sample_indices_``.
    """

    _sampling_type = "clean-sampling"
    _records_sample_indices = True

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Remove the samples the method finds, from the classes ``sampling_strategy`` targets.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric training features.
        y : array-like or Series of shape (n_samples,)
            Class labels of any hashable, sortable type.

        Returns
        -------
        X_resampled : ndarray or DataFrame of shape (n_samples_kept, n_features)
            The kept rows ``X[sample_indices_]``, with X's dtypes (a DataFrame keeps its
            columns and dtypes, with a new 0..n-1 index).
        y_resampled : ndarray or Series of shape (n_samples_kept,)
        """
        if is_dask_input(X, y):
            return dask_fit_resample(self, X, y)
        data = self._fit_kept(X, y)
        return data.take_X(X, self.sample_indices_), data.wrap_y(data.y[self.sample_indices_])

    def _fit_kept(self, X: Any, y: Any) -> Dataset:
        """Checks X and y and finds the rows to keep (``sample_indices_``), without taking
        them; returns the checked data."""
        data = self._check(X, y)
        self.sample_indices_ = self._keep(data, self.sampling_strategy_)
        return data

    @abstractmethod
    def _keep(self, data: Dataset, strategy: StrategyDict) -> np.ndarray:
        """The rows of X to keep (int64), in output order."""
