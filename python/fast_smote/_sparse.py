"""Sparse X: SciPy CSR and CSC matrices and arrays, validated once and handed back alike.

The core works on canonical CSR (sorted, unique column indices) in float32 or float64
and never densifies it. CSC comes in through an O(nnz) conversion and goes back out
through another; other sparse formats come in as CSR and go back as CSR. SciPy is
imported only once X is sparse (it comes with scikit-learn anyway).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _core
from ._checks import NOT_NUMERIC, check_shape, float_dtype_for, non_finite_error, reject_complex


def is_sparse(X: Any) -> bool:
    """Whether X is a SciPy sparse matrix or array (without importing SciPy: if it is not
    loaded, X cannot be one)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and bool(sparse.issparse(X))


@dataclass(frozen=True)
class SparseLayout:
    """A sparse X: its format (``'csr'`` or ``'csc'``) and whether it was a sparse array
    (``csr_array``) rather than a matrix (``csr_matrix``)."""

    format: str
    array: bool
    columns: Any = None

    def wrap(self, values: Any) -> Any:
        """The resampled CSR matrix ``values`` in X's format and class."""
        from scipy import sparse

        kind = {
            ("csr", False): sparse.csr_matrix,
            ("csc", False): sparse.csc_matrix,
            ("csr", True): sparse.csr_array,
            ("csc", True): sparse.csc_array,
        }[self.format, self.array]
        return kind(values.asformat(self.format), copy=False)

    def take(self, X: Any, rows: np.ndarray) -> Any:
        """The rows ``rows`` of the caller's X, in its format, class and dtype."""
        return (X if X.format == self.format else X.asformat(self.format))[rows]


def sparse_like(X: Any, values: np.ndarray) -> Any:
    """Dense ``values`` as a sparse matrix or array of the format and class of sparse X
    (CSR for formats other than CSR and CSC)."""
    from scipy import sparse

    layout = SparseLayout(X.format if X.format in ("csr", "csc") else "csr", isinstance(X, sparse.sparray))
    return layout.wrap(sparse.csr_matrix(values))


def check_sparse_X(X: Any) -> tuple[Any, SparseLayout]:
    """X as a canonical ``csr_matrix`` of float32 (float32 and narrower floats) or float64
    (any other numeric type), and its layout.

    Whatever has to change (format, dtype, order of the column indices, duplicates) is
    changed in a new matrix: the caller's is never modified. NaN or infinity among the
    stored values is refused like in dense X, by row and column.
    """
    from scipy import sparse

    check_shape(X.shape)
    reject_complex(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X has dtype {X.dtype}, which is not numeric; {NOT_NUMERIC}")
    layout = SparseLayout(X.format if X.format in ("csr", "csc") else "csr", isinstance(X, sparse.sparray))
    csr = sparse.csr_matrix(X, dtype=float_dtype_for(X.dtype))
    if not csr.has_canonical_format:
        csr = csr.copy()  # it may share its arrays with the caller's X
        csr.sum_duplicates()
    bad = _core.find_non_finite(csr.data.reshape(1, -1))
    if bad is not None:
        position = bad[1]
        row = int(np.searchsorted(csr.indptr, position, side="right")) - 1
        raise non_finite_error(csr.data[position], row, int(csr.indices[position]))
    return csr, layout


def _core_csr(X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """A validated CSR X as the core takes it."""
    return X.data, X.indices, X.indptr, X.shape[1]


def sparse_kneighbors(
    X: Any,
    k: int,
    queries: np.ndarray | None,
    references: np.ndarray | None,
    n_threads: int | None,
) -> np.ndarray:
    """``_core.kneighbors`` for a validated CSR X."""
    return _core.sparse_kneighbors(_core_csr(X), k, queries, references, n_threads)


def generate_sparse(
    X: Any, jobs: Sequence[_core.Job], seed: int, n_threads: int | None
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """``_core.generate`` for a validated CSR X: the resampled X as a ``csr_matrix``, and
    the provenance."""
    from scipy import sparse

    data, indices, indptr, base, neighbor, step = _core.generate_sparse(_core_csr(X), jobs, seed, n_threads)
    X_res = sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, X.shape[1]), copy=False)
    return X_res, base, neighbor, step
