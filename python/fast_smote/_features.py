"""Dense and sparse X checked for the numeric samplers: X as a contiguous float32 or
float64 array (or canonical CSR), with the layout of the container it came in.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _core
from ._checks import (
    NOT_NUMERIC,
    NUMERIC_KINDS,
    check_shape,
    float_dtype_for,
    non_finite_error,
    reject_complex,
)
from ._containers import FrameLayout, PolarsLayout, XLayout, is_pandas_frame, is_polars_frame, x_layout_of
from ._errors import NonNumericError
from ._sparse import check_sparse_X, is_sparse


def _numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype behind a pandas column dtype (a sparse column's subtype)."""
    if isinstance(dtype, np.dtype):
        return dtype
    return np.dtype(getattr(dtype, "subtype", None) or getattr(dtype, "numpy_dtype", None) or object)


def _core_dtype_of_columns(dtypes: list[np.dtype]) -> np.dtype:
    """float32 when every column is float32 (or narrower floats), float64 otherwise."""
    if dtypes and all(d.kind == "f" and d.itemsize <= 4 for d in dtypes):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _refuse_non_numeric(described: list[str]) -> None:
    if described:
        raise NonNumericError(
            "X has non-numeric columns: "
            + ", ".join(described)
            + ". This sampler needs numeric features: encode these columns as numbers, "
            "or use SMOTENC (categorical_features) or SMOTEN for categorical features."
        )


def _check_pandas_frame(X: Any) -> tuple[np.ndarray, FrameLayout]:
    _refuse_non_numeric(
        [
            f"{col!r} ({dtype})"
            for col, dtype in zip(X.columns, X.dtypes)
            if not (isinstance(dtype, np.dtype) and dtype.kind in NUMERIC_KINDS)
            and not getattr(dtype, "_is_numeric", False)
        ]
    )
    dtypes = [_numpy_dtype(d) for d in X.dtypes]
    float32_columns = [c for c, d in zip(X.columns, dtypes) if d == np.float32]
    sparse_fill = {c: d.fill_value for c, d in zip(X.columns, X.dtypes) if hasattr(d, "fill_value")}
    # Nullable columns turn their missing values into NaN, which the finiteness check reports.
    values = X.to_numpy(dtype=_core_dtype_of_columns(dtypes), na_value=np.nan)
    return values, FrameLayout(X.columns, float32_columns, sparse_fill)


def _check_polars_frame(X: Any) -> tuple[np.ndarray, PolarsLayout]:
    import polars as pl

    _refuse_non_numeric(
        [
            f"{name!r} ({dtype})"
            for name, dtype in X.schema.items()
            if not (dtype.is_numeric() or dtype == pl.Boolean)
        ]
    )
    float32 = all(dtype in (pl.Float32, pl.Float16) for dtype in X.schema.dtypes()) if X.width else False
    # Nulls become NaN, which the finiteness check reports.
    values = X.cast(pl.Float32 if float32 else pl.Float64).to_numpy(order="c")
    return values, PolarsLayout(X.schema)


def check_X(
    X: Any,
    columns: np.ndarray | None = None,
    *,
    any_values: bool = False,
    first_row: int = 0,
    name: str = "X",
) -> tuple[np.ndarray, XLayout | None]:
    """X as a C-contiguous float32/float64 array, plus its layout unless it is a NumPy array.

    ``columns`` gives the caller's column position of each column of ``X`` when ``X``
    is a selection of the caller's columns, and ``first_row`` the caller's row of X's
    first row when ``X`` is a partition of the caller's rows, and ``name`` what the
    caller calls X, for messages. Sparse X is
    checked by :func:`fast_smote._sparse.check_sparse_X` (a canonical CSR matrix instead
    of an array).
    With ``any_values`` (for samplers that only copy rows), missing and infinite values
    pass, and non-numeric X comes back as an object array.
    """
    if is_sparse(X):
        return check_sparse_X(X)
    try:
        values, container = numeric_values(X)
    except TypeError:
        if not any_values:
            raise
        values, container = _object_values(X)
    check_shape(values.shape)
    if values.dtype == object:
        return np.ascontiguousarray(values), container
    values = np.ascontiguousarray(values, dtype=float_dtype_for(values.dtype))
    if any_values:
        return values, container
    bad = _core.find_non_finite(values)
    if bad is not None:
        row, column = bad
        caller_column = column if columns is None else int(columns[column])
        raise non_finite_error(values[row, column], first_row + row, caller_column, name)
    return values, container


def numeric_values(X: Any) -> tuple[np.ndarray, XLayout | None]:
    """A dense X's values as a numeric array, and its layout; a TypeError names what is
    not numeric."""
    if is_pandas_frame(X):
        return _check_pandas_frame(X)
    if is_polars_frame(X):
        return _check_polars_frame(X)
    values = np.asarray(X)
    if values.dtype.kind == "O":
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise NonNumericError(f"X contains non-numeric values ({exc}); {NOT_NUMERIC}") from None
    reject_complex(values)
    if values.dtype.kind not in NUMERIC_KINDS:
        raise NonNumericError(f"X has dtype {values.dtype}, which is not numeric; {NOT_NUMERIC}")
    return values, x_layout_of(X)


def _object_values(X: Any) -> tuple[np.ndarray, XLayout | None]:
    """A dense X with non-numeric values as an object array, and its layout."""
    if is_pandas_frame(X):
        return X.to_numpy(dtype=object), FrameLayout(X.columns, [], {})
    if is_polars_frame(X):
        return np.asarray(X.to_numpy(), dtype=object), PolarsLayout(X.schema)
    return np.asarray(X, dtype=object), x_layout_of(X)
