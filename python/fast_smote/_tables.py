"""CSV and Parquet files for the command line, read and written through polars or pyarrow.

Both libraries are optional (``pip install 'fast-smote[cli]'`` installs polars); polars
is used when both are installed. Each column crosses over as a NumPy array, numeric
columns (integers, floats, booleans) in their own dtype and every other column as an
object array of Python values, together with the library's dtype so that a column can
be written back with the type it was read with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

#: File extension -> format.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

#: Cells per chunk when writing CSV: a large file is written, and reported, chunk by chunk.
CSV_CHUNK_CELLS = 2_000_000

#: A text cell that reads as a number (surrounding spaces stripped first): both libraries
#: match it with this one regular expression, so they agree on which cells are not numbers.
NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?i:nan|inf|infinity)$"


class CommandError(Exception):
    """A problem with the user's input, reported in one line (exit code 2, no traceback)."""


@dataclass(frozen=True)
class Column:
    """One column of a table, as NumPy sees it.

    Attributes
    ----------
    name : str
    values : ndarray of shape (n_rows,)
        Numeric columns in their NumPy dtype (nulls, if any, as NaN); others as an
        object array of Python values (nulls as None).
    dtype : object
        The column's polars or pyarrow data type.
    numeric : bool
        Whether the column holds integers, floats or booleans.
    null_count : int
    """

    name: str
    values: np.ndarray
    dtype: Any
    numeric: bool
    null_count: int


class Backend(Protocol):
    """What the command line needs of polars or pyarrow."""

    name: str
    #: The library's own exceptions for a file it cannot read or write.
    errors: tuple[type[Exception], ...]

    def read(self, path: Path, fmt: str) -> Any:
        """The table in the file, ``fmt`` being ``'csv'`` or ``'parquet'``."""
        ...

    def columns(self, table: Any) -> list[Column]:
        """Every column of ``table``, in order."""
        ...

    def n_rows(self, table: Any) -> int: ...

    def not_numbers(self, column: Column) -> np.ndarray | None:
        """For a text column, the rows whose cell is neither empty nor a number (see
        :data:`NUMBER`); None for a column of another type."""
        ...

    def build(self, columns: Sequence[tuple[str, np.ndarray, Any]]) -> Any:
        """A table of ``(name, values, dtype)`` columns; a None dtype is inferred."""
        ...

    def write(self, table: Any, path: Path, fmt: str, progress: Callable[[int], None]) -> None:
        """Write ``table``, calling ``progress(rows written)`` after each chunk."""
        ...


def table_format(path: Path) -> str:
    """``'csv'`` or ``'parquet'``, from the file's extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(FORMATS)
        raise CommandError(f"unknown extension {path.suffix or '(none)'!r} of {path}: use one of {known}")
    return fmt


def _object_array(values: list[Any]) -> np.ndarray:
    """A 1-d object array, even of values that are sequences themselves."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _listed(values: np.ndarray) -> np.ndarray | list[Any]:
    """Numeric arrays as they are, object arrays as lists (both libraries convert
    Python values to any of their types, but not object arrays)."""
    return values.tolist() if values.dtype == object else values


def csv_chunk_rows(n_columns: int) -> int:
    """Rows per chunk of a CSV file with ``n_columns`` columns."""
    return max(1, CSV_CHUNK_CELLS // max(1, n_columns))


class PolarsBackend:
    """Tables as polars DataFrames."""

    name = "polars"

    def __init__(self) -> None:
        import polars

        self.pl = polars
        self.errors: tuple[type[Exception], ...] = (polars.exceptions.PolarsError,)

    def read(self, path: Path, fmt: str) -> Any:
        if fmt == "parquet":
            return self.pl.read_parquet(path)
        try:
            return self.pl.read_csv(path)
        except self.pl.exceptions.ComputeError:
            # The types come from the first rows, which is 4x faster than from the whole
            # file, but fails where later values don't fit (integers, then a fraction).
            return self.pl.read_csv(path, infer_schema_length=None)

    def columns(self, table: Any) -> list[Column]:
        columns = []
        for series in table.iter_columns():
            dtype = series.dtype
            numeric = dtype.is_integer() or dtype.is_float() or dtype == self.pl.Boolean
            values = series.to_numpy() if numeric else _object_array(series.to_list())
            columns.append(Column(series.name, values, dtype, numeric, series.null_count()))
        return columns

    def n_rows(self, table: Any) -> int:
        return int(table.height)

    def not_numbers(self, column: Column) -> np.ndarray | None:
        if column.dtype != self.pl.String:
            return None
        series = self.pl.Series(column.values.tolist(), dtype=self.pl.String)
        number = series.str.strip_chars().str.contains(NUMBER)
        return np.flatnonzero((series.is_not_null() & ~number).to_numpy())

    def build(self, columns: Sequence[tuple[str, np.ndarray, Any]]) -> Any:
        return self.pl.DataFrame(
            [self.pl.Series(name, _listed(values), dtype=dtype) for name, values, dtype in columns]
        )

    def write(self, table: Any, path: Path, fmt: str, progress: Callable[[int], None]) -> None:
        if fmt == "parquet":
            table.write_parquet(path)
            progress(table.height)
            return
        chunk = csv_chunk_rows(table.width)
        with open(path, "wb") as out:
            for start in range(0, table.height, chunk):
                table.slice(start, chunk).write_csv(out, include_header=start == 0)
                progress(min(start + chunk, table.height))


class ArrowBackend:
    """Tables as pyarrow Tables."""

    name = "pyarrow"

    def __init__(self) -> None:
        import pyarrow
        import pyarrow.csv
        import pyarrow.parquet

        self.pa = pyarrow
        self.errors: tuple[type[Exception], ...] = (pyarrow.ArrowException,)

    def read(self, path: Path, fmt: str) -> Any:
        if fmt == "csv":
            return self.pa.csv.read_csv(path)
        return self.pa.parquet.read_table(path)

    def columns(self, table: Any) -> list[Column]:
        types = self.pa.types
        columns = []
        for name, column in zip(table.column_names, table.columns):
            dtype = column.type
            numeric = types.is_integer(dtype) or types.is_floating(dtype) or types.is_boolean(dtype)
            values = column.to_numpy() if numeric else _object_array(column.to_pylist())
            columns.append(Column(name, values, dtype, numeric, column.null_count))
        return columns

    def n_rows(self, table: Any) -> int:
        return int(table.num_rows)

    def not_numbers(self, column: Column) -> np.ndarray | None:
        import pyarrow.compute as pc

        if not (self.pa.types.is_string(column.dtype) or self.pa.types.is_large_string(column.dtype)):
            return None
        cells = self.pa.array(column.values.tolist(), type=self.pa.string())
        number = pc.match_substring_regex(pc.utf8_trim_whitespace(cells), NUMBER)
        return np.flatnonzero(pc.and_(cells.is_valid(), pc.invert(number)).to_numpy(zero_copy_only=False))

    def build(self, columns: Sequence[tuple[str, np.ndarray, Any]]) -> Any:
        arrays = [self.pa.array(_listed(values), type=dtype) for _, values, dtype in columns]
        return self.pa.table(arrays, names=[name for name, _, _ in columns])

    def write(self, table: Any, path: Path, fmt: str, progress: Callable[[int], None]) -> None:
        if fmt == "parquet":
            self.pa.parquet.write_table(table, path)
            progress(table.num_rows)
            return
        chunk = csv_chunk_rows(table.num_columns)
        with self.pa.csv.CSVWriter(path, table.schema) as writer:
            for start in range(0, table.num_rows, chunk):
                writer.write_table(table.slice(start, chunk))
                progress(min(start + chunk, table.num_rows))


#: The libraries tried, in order of preference.
BACKENDS: tuple[Callable[[], Backend], ...] = (PolarsBackend, ArrowBackend)


def load_backend() -> Backend:
    """The first of :data:`BACKENDS` that imports."""
    for backend in BACKENDS:
        try:
            return backend()
        except ImportError:
            continue
    raise CommandError(
        "reading and writing CSV or Parquet needs polars or pyarrow: pip install 'fast-smote[cli]'"
    )
