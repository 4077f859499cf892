"""Reading the diagnostics' inputs: X before and after as dense arrays (continuous
features, and the categorical ones as codes for SMOTENC-style data)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._containers import is_dask_collection
from .._features import check_X
from .._sparse import is_sparse
from .._validation import check_y, unique_labels
from ._findings import _Mixed, _Points
from ._origin import _new_rows


def _dense(X: Any, name: str) -> tuple[np.ndarray, Any]:
    _refuse_distributed(X, name)
    try:
        return check_X(X, name=name)
    except TypeError as exc:
        raise TypeError(
            f"{name}: {exc}; diagnose needs numeric features, or categorical_features= (or the "
            "fitted SMOTENC) for mixed data"
        ) from None


def _refuse_distributed(X: Any, name: str) -> None:
    if is_sparse(X) or is_dask_collection(X):
        raise TypeError(
            f"diagnose takes dense in-memory {name}; got {type(X).__name__} "
            "(densify a sample of rows, e.g. X[:100_000].toarray() or .compute())"
        )


@dataclass(frozen=True, eq=False)
class _MixedData:
    """Mixed X and X_res read apart: the continuous features, and the categorical ones
    as codes (X_res's in X's categories)."""

    values: np.ndarray
    resampled: np.ndarray
    layout: Any
    codes: np.ndarray
    codes_res: np.ndarray
    cardinalities: list[int]
    continuous_columns: np.ndarray


def _mixed(X: Any, X_res: Any, spec: Any) -> _MixedData:
    from .._category_codes import check_mixed_X, column_positions

    _refuse_distributed(X, "X")
    _refuse_distributed(X_res, "X_res")
    shape = X.shape if hasattr(X, "shape") else np.shape(X)
    n_features = shape[1] if len(shape) == 2 else 0
    if n_features and len(column_positions(spec, X, n_features)) == n_features:
        raise TypeError(
            "categorical_features selects every column: diagnose measures distances with "
            "continuous features, and categorical-only data (SMOTEN's) is not diagnosed"
        )
    values, layout, features = check_mixed_X(X, spec)
    resampled, _, resampled_features = check_mixed_X(X_res, features.columns)
    codes_res = np.empty_like(resampled_features.codes)
    for j, (known, found) in enumerate(zip(features.categories, resampled_features.categories)):
        known_values, found_values = list(np.asarray(known, dtype=object)), np.asarray(found, dtype=object)
        position = {_category_key(v): i for i, v in enumerate(known_values)}
        unknown = [v for v in found_values if _category_key(v) not in position]
        if unknown:
            column = int(features.columns[j])
            raise ValueError(f"X_res has categories that X's column {column} does not: {unknown[:5]}")
        mapping = np.array([position[_category_key(v)] for v in found_values], dtype=np.int32)
        codes_res[:, j] = mapping[resampled_features.codes[:, j]] if len(mapping) else 0
    return _MixedData(
        values,
        resampled,
        layout,
        features.codes,
        codes_res,
        features.cardinalities,
        features.continuous_columns,
    )


def _category_key(value: Any) -> Any:
    """A category as a dictionary key (every missing value is one category)."""
    return "\0missing" if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _points(
    X: Any, y: Any, X_res: Any, y_res: Any, sampler: Any, categorical_features: Any
) -> tuple[_Points, np.ndarray, np.ndarray]:
    """X's rows and the new rows of ``X_res`` as one matrix, with codes and provenance;
    the classes of y (sorted) and the class code of each row of the output."""
    if categorical_features is None:
        categorical_features = getattr(getattr(sampler, "smote_", sampler), "categorical_features_", None)
    mixed, parts = None, None
    if categorical_features is None:
        values, layout = _dense(X, "X")
        resampled, _ = _dense(X_res, "X_res")
        n_features = int(values.shape[1])
    else:
        parts = _mixed(X, X_res, categorical_features)
        values, resampled, layout = parts.values, parts.resampled, parts.layout
        n_features = int(values.shape[1]) + parts.codes.shape[1]
    labels, _ = check_y(y, values.shape[0])
    labels_res, _ = check_y(y_res, resampled.shape[0])
    if resampled.shape[1] != values.shape[1]:
        raise ValueError(
            f"X_res has {resampled.shape[1]} features but X has {values.shape[1]}: "
            "diagnose compares a resampling with the data it came from"
        )
    try:
        classes, codes = unique_labels(np.concatenate([labels, labels_res]))[:2]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"y and y_res hold labels that cannot be compared: {exc}") from None
    n = len(labels)
    stray = np.setdiff1d(np.unique(codes[n:]), np.unique(codes[:n]))
    if len(stray):
        raise ValueError(f"y_res has classes that y does not: {classes[stray].tolist()}")
    if values.dtype != resampled.dtype:
        values, resampled = values.astype(np.float64), resampled.astype(np.float64)
    codes_x, codes_res = codes[:n], codes[n:]
    if parts is None:
        new, base, neighbor = _new_rows(values, codes_x, resampled, codes_res, sampler)
    else:
        # Rows compared whole: the continuous values and the categories.
        whole_x = np.hstack([values, parts.codes.astype(values.dtype)])
        whole_res = np.hstack([resampled, parts.codes_res.astype(values.dtype)])
        new, base, neighbor = _new_rows(whole_x, codes_x, whole_res, codes_res, sampler)
        category_codes = np.concatenate([parts.codes, parts.codes_res[new]])
        mixed = _Mixed(np.ascontiguousarray(category_codes), parts.cardinalities)
    if len(new) == len(resampled) - n and np.array_equal(new, np.arange(n, len(resampled))):
        matrix = resampled  # X, then the new rows: the output as it is
    else:
        matrix = np.concatenate([values, resampled[new]])
    names = layout.columns if layout is not None else None
    if names is not None and parts is not None:
        names = [names[j] for j in parts.continuous_columns]
    found = _Points(
        points=matrix,
        codes=np.concatenate([codes_x, codes_res[new]]),
        n_original=n,
        base=base,
        neighbor=neighbor,
        feature_names=None if names is None else [str(c) for c in names],
        n_features=n_features,
        mixed=mixed,
    )
    return found, classes, codes_res
