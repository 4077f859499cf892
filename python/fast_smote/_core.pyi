"""The compiled Rust core (``src/python.rs``). Internal: use the public API instead."""

from typing import Optional, Union

import numpy as np
import numpy.typing as npt

FloatMatrix = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]

#: Synthetic rows per seeded chunk (fixed: changing it changes every result).
CHUNK_ROWS: int
#: Highest dimension searched with the KD-tree; above it a blocked brute force.
MAX_TREE_DIM: int

def smote(
    x: FloatMatrix,
    codes: npt.NDArray[np.int64],
    classes: list[int],
    n_new: list[int],
    neighbors: Union[int, list[npt.NDArray[np.int64]]],
    random_state: int,
    n_threads: Optional[int],
) -> tuple[FloatMatrix, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """SMOTE for the classes ``classes`` (codes into ``codes``), ``n_new[i]`` rows each.

    ``neighbors`` is ``k`` for the core's exact search, or one table per class giving
    each class sample's neighbours as positions into that class's rows.
    Returns ``(X_res, base_index, neighbor_index, step)``.
    """

def kneighbors(x: FloatMatrix, k: int, n_threads: Optional[int] = None) -> npt.NDArray[np.int64]:
    """The ``k`` nearest other rows of each row of ``x``, nearest first."""

def find_non_finite(x: FloatMatrix) -> Optional[tuple[int, int]]:
    """``(row, column)`` of the first NaN or infinity in ``x``, or None."""
