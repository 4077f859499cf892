"""``fast_smote.resample``: any sampler in one call, chosen by name."""

from __future__ import annotations

from typing import Any

from ._registry import MORE_SAMPLERS, OVER_SAMPLERS, REGRESSION, VARIANTS, load
from .base import BaseOverSampler, BaseSampler

#: The over-samplers for numeric data, by the name ``resample(method=...)`` takes.
METHODS: dict[str, type[BaseOverSampler]] = {name: load(name) for name in OVER_SAMPLERS}

#: The other samplers ``resample`` takes by name: categorical data, and over-sampling
#: followed by cleaning.
MORE_METHODS: dict[str, type[BaseSampler]] = {name: load(name) for name in MORE_SAMPLERS}

#: The literature's top-ranked over-samplers beyond imbalanced-learn's, by name.
VARIANT_METHODS: dict[str, type[BaseSampler]] = {name: load(name) for name in VARIANTS}

#: Every sampler of class labels by name: ``METHODS``, ``MORE_METHODS`` and ``VARIANT_METHODS``.
SAMPLERS: dict[str, type[BaseSampler]] = {**METHODS, **MORE_METHODS, **VARIANT_METHODS}

#: The over-samplers for a continuous target (``fast_smote.regression``), by name.
REGRESSION_METHODS: dict[str, type[BaseSampler]] = {name: load(name) for name in REGRESSION}


def resample(
    X: Any,
    y: Any,
    *,
    method: str = "smote",
    sampling_strategy: Any = "auto",
    random_state: Any = None,
    n_jobs: int | None = None,
    **params: Any,
) -> tuple[Any, Any]:
    """Oversample ``X, y`` in one call.

    Same result as ``Sampler(sampling_strategy=..., random_state=..., n_jobs=...,
    **params).fit_resample(X, y)`` for the sampler named by ``method``.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    y : array-like or Series of shape (n_samples,)
    method : str, default='smote'
        ``'smote'`` (:class:`SMOTE`), ``'borderline-smote'`` (:class:`BorderlineSMOTE`),
        ``'svm-smote'`` (:class:`SVMSMOTE`), ``'adasyn'`` (:class:`ADASYN`),
        ``'kmeans-smote'`` (:class:`KMeansSMOTE`), ``'random'``
        (:class:`RandomOverSampler`), ``'smotenc'`` (:class:`SMOTENC`, which needs
        ``categorical_features=...``), ``'smoten'`` (:class:`SMOTEN`),
        ``'smote-tomek'`` (:class:`SMOTETomek`), ``'smote-enn'`` (:class:`SMOTEENN`),
        or one of the literature's variants: ``'polynom-fit-smote'``
        (:class:`PolynomFitSMOTE`), ``'prowsyn'`` (:class:`ProWSyn`), ``'smote-ipf'``
        (:class:`SMOTEIPF`), ``'lee-smote'`` (:class:`LeeSMOTE`), ``'smobd'``
        (:class:`SMOBD`), ``'g-smote'`` (:class:`GSMOTE`), ``'ccr'`` (:class:`CCR`),
        ``'lvq-smote'`` (:class:`LVQSMOTE`), ``'assembled-smote'`` (:class:`AssembledSMOTE`);
        for a continuous y, ``'smoter'`` (:class:`fast_smote.regression.SMOTER`) or
        ``'smogn'`` (:class:`fast_smote.regression.SMOGN`).
    sampling_strategy, random_state, n_jobs
        As for every sampler (``'auto'`` is ``'balance'`` for the regression samplers).
    **params
        The chosen sampler's other parameters, such as ``k_neighbors=5`` or
        ``kind='borderline-2'``.

    Returns
    -------
    X_resampled, y_resampled
        As returned by the sampler's ``fit_resample``.

    Examples
    --------
    >>> import numpy as np
    >>> import fast_smote
    >>> X = np.random.default_rng(0).normal(size=(60, 2))
    >>> y = np.array(["a"] * 50 + ["b"] * 10)
    >>> X_res, y_res = fast_smote.resample(X, y, sampling_strategy={"b": 30}, random_state=0)
    >>> X_res.shape, (y_res == "b").sum()
    ((80, 2), np.int64(30))
    >>> X_res, y_res = fast_smote.resample(X, y, method="random", random_state=0)
    >>> X_res.shape
    (100, 2)
    """
    known = {**SAMPLERS, **REGRESSION_METHODS}
    if method not in known:
        raise ValueError(f"method={method!r} is not known; use one of {', '.join(map(repr, known))}")
    sampler = known[method](
        sampling_strategy=sampling_strategy, random_state=random_state, n_jobs=n_jobs, **params
    )
    X_res, y_res = sampler.fit_resample(X, y)
    return X_res, y_res
