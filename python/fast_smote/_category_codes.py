"""Categorical features: which columns they are, their integer codes, and turning
codes back into the caller's values and containers.

Codes are per column positions into the column's categories (sorted where the values
can be ordered). The core computes distances and votes on the codes only.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from ._checks import check_shape, reject_complex
from ._containers import (
    FrameLayout,
    ListLayout,
    PolarsLayout,
    XLayout,
    is_pandas_frame,
    is_polars_frame,
    x_layout_of,
)
from ._errors import NonNumericError
from ._features import check_X

#: ``categorical_features`` value meaning every column (SMOTEN).
ALL_COLUMNS = "all"


@dataclass(frozen=True)
class CategoricalFeatures:
    """The categorical columns of X as codes, and how to decode them."""

    #: ``(n_samples, n_categorical)`` int32, C-contiguous.
    codes: np.ndarray
    #: Per categorical column, its values by code (a pandas Categorical's categories
    #: for DataFrames, an array otherwise); a DataFrame column's missing values get the
    #: last code.
    categories: list[Any]
    #: Positions in X of the categorical and the continuous columns.
    columns: np.ndarray
    continuous_columns: np.ndarray
    #: DataFrame input: each categorical column's dtype and whether its last code is
    #: "missing"; the continuous columns' layout.
    frame_dtypes: list[Any] | None
    missing_code: list[bool]
    continuous_layout: XLayout | None
    #: DataFrame input: each continuous column's dtype, to return bool and object
    #: columns as such (as imbalanced-learn does).
    continuous_dtypes: list[Any] | None
    #: NumPy input: X's dtype.
    array_dtype: np.dtype | None
    #: The caller's X (not copied), whose original rows are returned as they are.
    source: Any

    @property
    def n_features(self) -> int:
        return int(self.codes.shape[1])

    @property
    def cardinalities(self) -> list[int]:
        return [len(c) + int(m) for c, m in zip(self.categories, self.missing_code)]

    def category_table(self) -> np.ndarray:
        """Every category of each categorical column, one row per category (shorter
        columns padded with their first value; missing values as NaN): what encoders
        are fitted on. It gives the ``categories_`` fitting on every sample would, at a
        fraction of the cost; an encoder that counts frequencies sees each category once.
        """
        height = max(self.cardinalities)
        table = np.empty((height, self.n_features), dtype=object)
        for j, (categories, missing) in enumerate(zip(self.categories, self.missing_code)):
            values = np.asarray(categories, dtype=object)
            if missing:
                values = np.append(values, np.nan)
            table[: len(values), j] = values
            table[len(values) :, j] = values[0]
        return table

    def assemble(
        self,
        continuous: np.ndarray,
        new_codes: np.ndarray,
        layout: XLayout | None,
    ) -> Any:
        """X's container, in X's column order: the original rows as given, then the new
        rows, whose continuous part ``continuous`` holds after the originals' and whose
        categorical values are decoded from ``new_codes``."""
        n = len(self.codes)
        if isinstance(layout, FrameLayout):
            return self._frame(continuous, new_codes, layout)
        assert self.array_dtype is not None
        if not len(self.continuous_columns):
            dtype = self.array_dtype
        elif self.array_dtype.kind in "biuf":
            dtype = continuous.dtype
        else:
            dtype = np.dtype(object)
        out = np.empty((len(continuous), self.n_features + len(self.continuous_columns)), dtype=dtype)
        out[:, self.continuous_columns] = continuous
        for j, position in enumerate(self.columns):
            out[:n, position] = self.source[:, position]
            out[n:, position] = self.categories[j][new_codes[:, j]]
        if layout is None:
            return out
        assert isinstance(layout, (ListLayout, PolarsLayout))
        return layout.wrap_mixed(out, self.continuous_columns)

    def _frame(self, continuous: np.ndarray, new_codes: np.ndarray, layout: FrameLayout) -> Any:
        import pandas as pd

        assert self.frame_dtypes is not None
        parts: list[Any] = [None] * (self.n_features + len(self.continuous_columns))
        if self.continuous_layout is not None:
            frame = self.continuous_layout.wrap(continuous)
            given = self.continuous_dtypes or [None] * len(self.continuous_columns)
            for i, position in enumerate(self.continuous_columns):
                parts[position] = _in_given_dtype(frame.iloc[:, i], given[i])
        for j, position in enumerate(self.columns):
            column = new_codes[:, j]
            if self.missing_code[j]:
                column = np.where(column == len(self.categories[j]), -1, column)
            dtype = self.frame_dtypes[j]
            if isinstance(dtype, pd.CategoricalDtype):
                new = pd.Series(pd.Categorical.from_codes(column, dtype=dtype), copy=False)
            else:
                # Through a categorical Series, which casts to exactly ``dtype`` (an
                # object column stays object rather than being inferred as strings).
                values = pd.Categorical.from_codes(column, categories=self.categories[j])
                new = pd.Series(values, copy=False).astype(dtype)
            original = self.source.iloc[:, position].reset_index(drop=True)
            parts[position] = pd.concat([original, new], ignore_index=True)
        out = pd.concat(parts, axis=1, ignore_index=True)
        out.columns = layout.columns
        return out


def _in_given_dtype(column: Any, dtype: Any) -> Any:
    """A continuous column back in the caller's dtype where imbalanced-learn returns it
    so: a bool column's new values are True where the interpolation is not 0, an object
    column holds its numbers as objects; other columns stay as interpolated."""
    if dtype is None or not isinstance(dtype, np.dtype) or dtype.kind not in "bO":
        return column
    return column != 0 if dtype.kind == "b" else column.astype(object)


def _numbers_of_objects(frame: Any, positions: np.ndarray) -> Any:
    """The continuous columns of a DataFrame with its object columns of numbers as
    float64 (imbalanced-learn converts them too); a cell that is not a number is named."""
    import pandas as pd

    objects = [i for i, dtype in enumerate(frame.dtypes) if isinstance(dtype, np.dtype) and dtype.kind == "O"]
    if not objects:
        return frame
    frame = frame.copy(deep=False)
    for i in objects:
        column = frame.iloc[:, i]
        numbers = pd.to_numeric(column, errors="coerce")
        bad = np.flatnonzero(numbers.isna().to_numpy() & column.notna().to_numpy())
        if len(bad):
            raise NonNumericError(
                f"X's column {frame.columns[i]!r} (position {int(positions[i])}) holds "
                f"{column.iloc[bad[0]]!r} at row {int(bad[0])}, which is not a number; fix that "
                "cell, or list the column in categorical_features"
            )
        frame.isetitem(i, numbers.astype(np.float64))
    return frame


def _categorical_dtypes(X: Any) -> list[bool] | None:
    """For a pandas or polars DataFrame, which columns have a categorical, string or
    object dtype (what ``categorical_features='auto'`` selects)."""
    if is_pandas_frame(X):
        import pandas as pd

        return [
            isinstance(d, (pd.CategoricalDtype, pd.StringDtype))
            or (isinstance(d, np.dtype) and d.kind in "OUS")
            for d in X.dtypes
        ]
    if is_polars_frame(X):
        import polars as pl

        return [isinstance(d, (pl.Categorical, pl.Enum, pl.String, pl.Object)) for d in X.schema.dtypes()]
    return None


def column_positions(spec: Any, X: Any, n_features: int) -> np.ndarray:
    """The sorted positions of the columns ``categorical_features`` selects."""
    if isinstance(spec, str) and spec == ALL_COLUMNS:
        return np.arange(n_features)
    if isinstance(spec, str) and spec == "auto":
        categorical = _categorical_dtypes(X)
        if categorical is None:
            raise ValueError(
                "categorical_features='auto' finds categorical columns by their dtype, so X "
                f"must be a pandas or polars DataFrame; got {type(X).__name__}. Give the "
                "columns' indices or a boolean mask instead"
            )
        return np.flatnonzero(categorical)
    if isinstance(spec, (str, numbers.Integral)):
        spec = [spec]
    try:
        selection = np.asarray(spec)
    except Exception:
        selection = np.asarray([], dtype=object)
    if selection.ndim != 1:
        raise TypeError(
            "categorical_features must be 'auto', or a 1-D list of column indices, column "
            f"names or a boolean mask; got {spec!r}"
        )
    if selection.dtype.kind == "b":
        if len(selection) != n_features:
            raise ValueError(
                f"categorical_features is a boolean mask of length {len(selection)}, "
                f"but X has {n_features} columns"
            )
        return np.flatnonzero(selection)
    if selection.dtype.kind in "iu" or len(selection) == 0:
        positions = selection.astype(np.int64)
        out_of_range = positions[(positions < -n_features) | (positions >= n_features)]
        if len(out_of_range):
            raise ValueError(
                f"categorical_features has index {int(out_of_range[0])}, "
                f"out of range for {n_features} columns"
            )
        return np.unique(positions % n_features if n_features else positions)
    if selection.dtype.kind in "OUS" and all(isinstance(name, str) for name in selection):
        if not (is_pandas_frame(X) or is_polars_frame(X)):
            raise ValueError(
                "categorical_features given by column names needs X to be a pandas or polars DataFrame"
            )
        names = list(X.columns)
        unknown = [str(name) for name in selection if name not in names]
        if unknown:
            raise ValueError(f"categorical_features names columns that are not in X: {unknown!r}")
        return np.unique([names.index(name) for name in selection])
    raise TypeError(
        "categorical_features must be 'auto', or a list of column indices, column names or a "
        f"boolean mask; got {spec!r}"
    )


def _encode_array_column(values: np.ndarray, position: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes and categories (sorted) of one column of an array; values that NumPy cannot
    order, such as strings mixed with None or NaN, go through pandas, which puts the
    missing values in a category of their own (last)."""
    try:
        categories, codes = np.unique(values, return_inverse=True)
        return codes.ravel(), categories
    except TypeError:
        pass
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is there in the test environment
        raise TypeError(
            f"categorical column {position} mixes values that cannot be compared (such as "
            "strings and None); give it one type"
        ) from None
    try:
        codes, categories, missing = _categorical_codes(pd.Categorical(values))
    except TypeError as exc:
        raise TypeError(
            f"categorical column {position} holds a value that cannot be a category ({exc}): "
            "argument must be a string or a number"
        ) from None
    categories = np.asarray(categories, dtype=object)
    return codes, np.append(categories, np.nan) if missing else categories


def _categorical_codes(values: Any) -> tuple[np.ndarray, Any, bool]:
    """A pandas Categorical's codes and categories, missing values given the code after
    the last category, and whether there were any."""
    codes = np.asarray(values.codes)
    missing = bool((codes < 0).any())
    if missing:
        codes = np.where(codes < 0, len(values.categories), codes)
    return codes, values.categories, missing


def check_mixed_X(
    X: Any, spec: Any
) -> tuple[np.ndarray, FrameLayout | ListLayout | PolarsLayout | None, CategoricalFeatures]:
    """Continuous columns as a float matrix (as :func:`check_X` makes it), the DataFrame
    layout, and the categorical columns as codes.

    ``spec`` is SMOTENC's ``categorical_features`` or :data:`ALL_COLUMNS`; a selection
    that is neither all nor none of the columns is required otherwise.
    """
    is_frame = is_pandas_frame(X)
    layout = FrameLayout(X.columns, [], {}) if is_frame else x_layout_of(X)
    polars_frame = is_polars_frame(X)
    if not (is_frame or polars_frame):
        X = np.asarray(X)
        reject_complex(X)
    check_shape(X.shape)
    n_samples, n_features = X.shape
    columns = column_positions(spec, X, n_features)
    if polars_frame:
        # Column by column below, as for an object array; polars keeps the schema.
        X = X.to_numpy()
    continuous_columns = np.setdiff1d(np.arange(n_features), columns)
    if not (isinstance(spec, str) and spec == ALL_COLUMNS):
        if len(columns) == 0:
            raise ValueError(
                "SMOTENC needs categorical features, but categorical_features selects none; "
                "use SMOTE for numeric-only data"
            )
        if len(continuous_columns) == 0:
            raise ValueError(
                "SMOTENC needs continuous features besides the categorical ones, but every "
                f"column is categorical (n_features={n_features}); use SMOTEN for categorical-only data"
            )
    codes = np.empty((n_samples, len(columns)), dtype=np.int32)
    categories: list[Any] = []
    missing_code: list[bool] = []
    frame_dtypes = continuous_dtypes = None
    if is_frame:
        import pandas as pd

        frame_dtypes = []
        for j, position in enumerate(columns):
            column = X.iloc[:, position]
            frame_dtypes.append(column.dtype)
            if column.dtype == np.float16:
                # pandas has no float16 index for the categories; float32 holds every value.
                column = column.astype(np.float32)
            values = column.array if isinstance(column.dtype, pd.CategoricalDtype) else pd.Categorical(column)
            codes[:, j], column_categories, missing = _categorical_codes(values)
            categories.append(column_categories)
            missing_code.append(missing)
        continuous_part: Any = X.iloc[:, continuous_columns]
        continuous_dtypes = list(continuous_part.dtypes)
        continuous_part = _numbers_of_objects(continuous_part, continuous_columns)
    else:
        for j, position in enumerate(columns):
            codes[:, j], column_categories = _encode_array_column(X[:, position], int(position))
            categories.append(column_categories)
            missing_code.append(False)
        continuous_part = X[:, continuous_columns]
        if continuous_part.dtype.kind in "US":
            continuous_part = continuous_part.astype(object)
    if len(continuous_columns):
        continuous, continuous_layout = check_X(continuous_part, columns=continuous_columns)
    else:
        continuous, continuous_layout = np.empty((n_samples, 0)), None
    features = CategoricalFeatures(
        codes=codes,
        categories=categories,
        columns=columns,
        continuous_columns=continuous_columns,
        frame_dtypes=frame_dtypes,
        missing_code=missing_code,
        continuous_layout=continuous_layout,
        continuous_dtypes=continuous_dtypes,
        array_dtype=None if is_frame else X.dtype,
        source=X,
    )
    return continuous, layout, features


def smotenc_space(
    continuous: np.ndarray,
    codes: np.ndarray,
    cardinalities: list[int],
    class_rows: np.ndarray,
    rows: np.ndarray,
    n_threads: int | None,
) -> tuple[np.ndarray, float]:
    """SMOTE-NC's space for a class, where its neighbours are searched: the rows ``rows``
    with each categorical feature one-hot at the class's (``class_rows``) median
    continuous standard deviation over √2, so that a differing category adds that median
    squared; and that median."""
    median_std = float(np.median(continuous[class_rows].std(axis=0)))
    space = _core.embed_mixed(continuous, codes, cardinalities, rows, median_std / math.sqrt(2), n_threads)
    return space, median_std
