"""The containers X and y arrive in, and handing results back in the same kind.

NumPy arrays come back as NumPy arrays; lists as lists; pandas and polars frames and
series as the same library's frames and series, with the same names and dtypes; a
one-hot label matrix as a one-hot matrix. pandas and polars are imported only when the
caller passed their objects, so neither is needed at run time.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np


def _library(obj: Any) -> str:
    """The top-level package an object's class comes from (``'pandas'``, ``'polars'``...)."""
    return type(obj).__module__.partition(".")[0]


def is_dask_collection(obj: Any) -> bool:
    """Whether ``obj`` is a Dask array, DataFrame or Series (which go to ``fast_smote.dask``)."""
    return _library(obj) == "dask" and hasattr(obj, "__dask_graph__")


class DaskBackend(Protocol):
    """What the samplers ask of ``fast_smote.dask`` for Dask collections."""

    def fit(self, sampler: Any, X: Any, y: Any) -> Any: ...

    def fit_resample(self, sampler: Any, X: Any, y: Any) -> tuple[Any, Any]: ...


#: Loads ``fast_smote.dask``. That module imports the samplers, so their base cannot
#: import it: the package root, a layer above both, registers this loader.
_dask_loader: Callable[[], DaskBackend] | None = None


def register_dask_backend(loader: Callable[[], DaskBackend]) -> None:
    """Set the loader of the Dask backend (called once, by the package root)."""
    global _dask_loader
    _dask_loader = loader


def dask_backend() -> DaskBackend:
    """``fast_smote.dask``, imported on first use through the registered loader."""
    if _dask_loader is None:  # fast_smote/__init__.py registers it on import
        raise RuntimeError("fast_smote.dask is not registered: import fast_smote first")
    return _dask_loader()


def is_pandas_frame(obj: Any) -> bool:
    return _library(obj) == "pandas" and hasattr(obj, "columns") and hasattr(obj, "iloc")


def is_pandas_series(obj: Any) -> bool:
    return _library(obj) == "pandas" and hasattr(obj, "iloc") and len(getattr(obj, "shape", ())) == 1


def is_polars_frame(obj: Any) -> bool:
    return _library(obj) == "polars" and hasattr(obj, "schema")


def is_polars_series(obj: Any) -> bool:
    return _library(obj) == "polars" and hasattr(obj, "dtype") and len(getattr(obj, "shape", ())) == 1


class XLayout(Protocol):
    """How X came (other than as a NumPy array), to hand resampled rows back alike."""

    @property
    def columns(self) -> Any:
        """X's column names, or None."""

    def wrap(self, values: np.ndarray) -> Any:
        """The resampled float matrix ``values`` in X's container."""

    def take(self, X: Any, rows: np.ndarray) -> Any:
        """The rows ``rows`` of the caller's ``X``, in its container and dtypes."""


@dataclass(frozen=True)
class FrameLayout:
    """A pandas DataFrame X."""

    columns: Any
    #: Names of the float32 columns, which stay float32 in float64 results.
    float32_columns: list[Any]
    #: Sparse columns (pandas ``SparseDtype``) with their fill values: they come back sparse.
    sparse_fill: dict[Any, Any]

    def wrap(self, values: np.ndarray) -> Any:
        import pandas as pd

        frame = pd.DataFrame(values, columns=self.columns, copy=False)
        dtypes: dict[Any, Any] = {}
        if values.dtype != np.float32:
            dtypes.update((column, np.dtype(np.float32)) for column in self.float32_columns)
        for column, fill in self.sparse_fill.items():
            dtypes[column] = pd.SparseDtype(dtypes.get(column, values.dtype), fill)
        return frame.astype(dtypes) if dtypes else frame

    def take(self, X: Any, rows: np.ndarray) -> Any:
        """With a new 0..n-1 index."""
        return X.iloc[rows].reset_index(drop=True)


@dataclass(frozen=True)
class PolarsLayout:
    """A polars DataFrame X: its schema."""

    schema: Any

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names())

    def wrap(self, values: np.ndarray) -> Any:
        """Float32 columns stay float32; the others hold ``values``' float type."""
        import polars as pl

        frame = pl.from_numpy(values, schema=self.columns, orient="row")
        float32 = [name for name, dtype in self.schema.items() if dtype == pl.Float32]
        if float32 and values.dtype != np.float32:
            frame = frame.with_columns(pl.col(float32).cast(pl.Float32))
        return frame

    def take(self, X: Any, rows: np.ndarray) -> Any:
        return X[rows]

    def wrap_mixed(self, values: np.ndarray, continuous: np.ndarray) -> Any:
        """An object matrix as a polars DataFrame: the ``continuous`` columns
        (interpolated) as float64, or float32 where X's were; the others in X's dtype."""
        import polars as pl

        series = []
        for position, (name, dtype) in enumerate(self.schema.items()):
            column = pl.Series(name, values[:, position].tolist())
            if position in continuous:
                dtype = pl.Float32 if dtype == pl.Float32 else pl.Float64
            series.append(column.cast(dtype))
        return pl.DataFrame(series)


@dataclass(frozen=True)
class ListLayout:
    """X given as a list of rows."""

    columns: Any = None

    def wrap(self, values: np.ndarray) -> Any:
        return values.tolist()

    def take(self, X: Any, rows: np.ndarray) -> Any:
        """Copies of the rows: the result shares no row object with the caller's X,
        which changing the result would otherwise change."""
        return [copy.copy(X[row]) for row in rows.tolist()]

    def wrap_mixed(self, values: np.ndarray, continuous: np.ndarray) -> Any:
        return values.tolist()


class YLayout(Protocol):
    """How y came (other than as a 1-D NumPy array)."""

    def wrap(self, labels: np.ndarray) -> Any:
        """The resampled labels in y's container."""


@dataclass(frozen=True)
class SeriesLabels:
    """A pandas or polars Series y, or a one-column DataFrame of either (``as_frame``)."""

    library: str
    name: Any
    dtype: Any
    as_frame: bool

    def wrap(self, labels: np.ndarray) -> Any:
        if self.library == "polars":
            import polars as pl

            series = pl.Series(self.name, labels, dtype=self.dtype)
        else:
            import pandas as pd

            series = pd.Series(labels, name=self.name, dtype=self.dtype)
        return series.to_frame() if self.as_frame else series


@dataclass(frozen=True)
class ListLabels:
    """y given as a list."""

    def wrap(self, labels: np.ndarray) -> Any:
        return labels.tolist()


@dataclass(frozen=True)
class OneHotLabels:
    """A one-hot (label-indicator) matrix y: the labels are its column positions."""

    n_columns: int
    dtype: np.dtype

    def wrap(self, labels: np.ndarray) -> Any:
        one_hot = np.zeros((len(labels), self.n_columns), dtype=self.dtype)
        one_hot[np.arange(len(labels)), labels] = 1
        return one_hot


def x_layout_of(X: Any) -> ListLayout | PolarsLayout | None:
    """The layout of a list or polars X (pandas frames are checked column by column)."""
    if isinstance(X, list):
        return ListLayout()
    if is_polars_frame(X):
        return PolarsLayout(X.schema)
    return None


def labels_of(y: Any) -> tuple[np.ndarray, YLayout | None]:
    """y's labels as an array, and its layout unless it is a NumPy array.

    A one-column frame gives its column; a one-hot matrix gives the column position of
    each row's one (a row without exactly one is refused: multilabel targets cannot be
    resampled).
    """
    if is_pandas_series(y):
        return y.to_numpy(), SeriesLabels("pandas", y.name, y.dtype, as_frame=False)
    if is_pandas_frame(y) and y.shape[1] == 1:
        return y.iloc[:, 0].to_numpy(), SeriesLabels("pandas", y.columns[0], y.dtypes.iloc[0], as_frame=True)
    if is_polars_series(y):
        return y.to_numpy(), SeriesLabels("polars", y.name, y.dtype, as_frame=False)
    if is_polars_frame(y) and y.width == 1:
        column = y.to_series()
        return column.to_numpy(), SeriesLabels("polars", column.name, column.dtype, as_frame=True)
    labels = np.asarray(y)
    if isinstance(y, list) and labels.ndim == 1:
        return labels, ListLabels()
    if labels.ndim == 2 and labels.shape[1] > 1 and labels.dtype.kind in "biuf":
        ones = np.count_nonzero(labels, axis=1)
        if labels.size and labels.min() >= 0 and labels.max() <= 1 and (ones == 1).all():
            return labels.argmax(axis=1), OneHotLabels(labels.shape[1], labels.dtype)
        if labels.size and labels.min() >= 0 and labels.max() <= 1:
            raise ValueError(
                "y is a label-indicator matrix with rows that hold no label or several: "
                "multilabel targets cannot be resampled; give one class per sample "
                "(a 1-D array, or a one-hot matrix with exactly one 1 per row)"
            )
    return labels, None
