"""The sampler base class: the ``fit_resample`` contract every fast-smote sampler shares."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ._validation import Dataset, StrategyDict, check_X_y, resolve_sampling_strategy


class BaseOverSampler(BaseEstimator):
    """Base class of the over-samplers.

    Subclasses store their parameters in a keyword-only ``__init__`` and implement
    :meth:`_generate`; validation, the sampling strategy, and turning results back
    into the caller's containers happen here, once for all of them.
    """

    _sampling_type = "over-sampling"

    def fit(self, X: Any, y: Any) -> BaseOverSampler:
        """Check the data and resolve ``sampling_strategy_``, without resampling.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or Series of shape (n_samples,)

        Returns
        -------
        self
        """
        self._check(X, y)
        return self

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
        data = self._check(X, y)
        X_res = self._generate(data, self.sampling_strategy_)
        y_res = data.resampled_y(*data.plan(self.sampling_strategy_))
        return data.wrap_X(X_res), data.wrap_y(y_res)

    def _check(self, X: Any, y: Any) -> Dataset:
        data = check_X_y(X, y)
        self.sampling_strategy_ = resolve_sampling_strategy(self.sampling_strategy, data)
        self.n_features_in_ = data.X.shape[1]
        columns = data.x_container[0] if data.x_container is not None else None
        if columns is not None and all(isinstance(c, str) for c in columns):
            self.feature_names_in_ = np.asarray(columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return data

    @abstractmethod
    def _generate(self, data: Dataset, strategy: StrategyDict) -> np.ndarray:
        """The resampled X (originals first) for validated ``data``."""
