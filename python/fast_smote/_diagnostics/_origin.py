"""Where the new rows came from: from the fitted sampler's record (``provenance_``,
``sample_indices_``) when given, else told from the originals by value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def _new_rows(
    X: np.ndarray, codes: np.ndarray, X_res: np.ndarray, codes_res: np.ndarray, sampler: Any
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The positions of the new rows in the output, with their base and neighbour rows
    of X when the sampler recorded them; every other output row must be one of X's."""
    record = _recorded_origin(sampler, len(X), len(X_res))
    if record is None:
        return _new_rows_by_value(X, codes, X_res, codes_res), None, None
    origin = record.origin
    kept = origin >= 0
    if not (
        np.array_equal(X_res[kept], X[origin[kept]]) and np.array_equal(codes_res[kept], codes[origin[kept]])
    ):
        raise ValueError(
            f"X_res and y_res do not match what the sampler {type(sampler).__name__} recorded: pass "
            "the sampler that made them, fitted on X and y"
        )
    new = np.flatnonzero(~kept)
    return new, record.base[new], None if record.neighbor is None else record.neighbor[new]


@dataclass(frozen=True, eq=False)
class _Record:
    """What a fitted sampler recorded of its output, row by row."""

    #: The row of X each output row is, or -1 for a new row.
    origin: np.ndarray
    #: The row of X each new row was made from (-1 for the originals).
    base: np.ndarray
    #: The row of X each new row was made toward (-1 for the originals), if recorded.
    neighbor: np.ndarray | None

    def __getitem__(self, rows: np.ndarray) -> _Record:
        neighbor = None if self.neighbor is None else self.neighbor[rows]
        return _Record(self.origin[rows], self.base[rows], neighbor)


def _recorded_origin(sampler: Any, n: int, n_out: int) -> _Record | None:
    """The record of the ``n_out`` output rows a fitted sampler made from X's ``n``
    rows; None when it recorded nothing (or recorded another output)."""
    if sampler is None:
        return None
    over = getattr(sampler, "smote_", None)
    if over is None:
        record = _record_of(sampler, n)
        return record if record is not None and len(record.origin) == n_out else None
    # A combination: the over-sampler's output, of which the cleaner kept some rows.
    cleaners = (v for k, v in vars(sampler).items() if k.endswith("_") and v is not over)
    cleaner = next((v for v in cleaners if hasattr(v, "sample_indices_")), None)
    record = _record_of(over, n)
    if record is None or cleaner is None:
        return None
    kept = np.asarray(cleaner.sample_indices_, dtype=np.int64)
    if len(kept) != n_out or (len(kept) and kept.max() >= len(record.origin)):
        return None
    return record[kept]


def _record_of(sampler: Any, n: int) -> _Record | None:
    """An over-sampler's record: its ``provenance_`` (interpolation) or its
    ``sample_indices_`` (copies, and a cleaner's kept rows)."""
    provenance = getattr(sampler, "provenance_", None)
    if provenance is not None and provenance.n_original == n:
        originals = np.full(n, -1, dtype=np.int64)
        return _Record(
            origin=np.concatenate([np.arange(n), np.full(len(provenance), -1)]),
            base=np.concatenate([originals, np.asarray(provenance.base_index, dtype=np.int64)]),
            neighbor=np.concatenate([originals, np.asarray(provenance.neighbor_index, dtype=np.int64)]),
        )
    indices = getattr(sampler, "sample_indices_", None)
    if indices is None:
        return None
    indices = np.asarray(indices, dtype=np.int64)
    # A row's first appearance is the original; later ones are new rows drawn from it.
    first = np.zeros(len(indices), dtype=bool)
    first[np.unique(indices, return_index=True)[1]] = True
    return _Record(origin=np.where(first, indices, -1), base=np.where(first, -1, indices), neighbor=None)


def _new_rows_by_value(
    X: np.ndarray, codes: np.ndarray, X_res: np.ndarray, codes_res: np.ndarray
) -> np.ndarray:
    """The output rows that are not X's rows, with their labels, counted with
    multiplicity (a copy beyond the number of X's equal rows is new)."""
    n = len(X)
    if len(X_res) >= n and np.array_equal(X_res[:n], X) and np.array_equal(codes_res[:n], codes):
        return np.arange(n, len(X_res))
    # Rows with their class as one value each (-0.0 and 0.0 are the same point).
    keyed = np.concatenate(
        [np.concatenate([X, X_res]) + 0.0, np.concatenate([codes, codes_res])[:, None].astype(X.dtype)],
        axis=1,
    )
    value = np.unique(keyed, axis=0, return_inverse=True)[1].ravel()
    value_x, value_res = value[:n], value[n:]
    available = np.bincount(value_x, minlength=value.max() + 1)
    order = np.argsort(value_res, kind="stable")
    sorted_values = value_res[order]
    starts = np.searchsorted(sorted_values, sorted_values, side="left")
    occurrence = np.empty(len(value_res), dtype=np.int64)
    occurrence[order] = np.arange(len(value_res)) - starts
    return np.flatnonzero(occurrence >= available[value_res])
