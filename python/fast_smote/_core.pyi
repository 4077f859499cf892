"""The compiled Rust core (``src/python.rs``). Internal: use the public API instead."""


import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float64]

#: Synthetic rows per seeded chunk (fixed: changing it changes every result).
CHUNK_ROWS: int
#: Highest dimension the KD-tree is used for (see ``search_engine``).
MAX_TREE_DIM: int

def smote(
    x: FloatMatrix,
    class_rows: list[npt.NDArray[np.int64]],
    classes: list[int],
    n_new: list[int],
    neighbors: int | list[npt.NDArray[np.int64]],
    random_state: int,
    n_threads: int | None,
) -> tuple[FloatMatrix, npt.NDArray[np.signedinteger], npt.NDArray[np.signedinteger], FloatMatrix]:
    """SMOTE: ``n_new[i]`` rows for the class with code ``classes[i]`` and rows ``class_rows[i]``.

    ``neighbors`` is ``k`` for the core's exact search, or one table per class giving
    each class sample's neighbours as positions into that class's rows.
    Returns ``(X_res, base_index, neighbor_index, step)``: indices are int32 below
    2**31 rows (int64 beyond), steps have X's type.
    """

def kneighbors(x: FloatMatrix, k: int, n_threads: int | None = None) -> npt.NDArray[np.int64]:
    """The ``k`` nearest other rows of each row of ``x``, nearest first."""

def search_engine(x: FloatMatrix, k: int) -> str:
    """``'kd-tree'`` or ``'brute-force'``: the engine ``kneighbors(x, k)`` uses."""

def find_non_finite(x: FloatMatrix) -> tuple[int, int] | None:
    """``(row, column)`` of the first NaN or infinity in ``x``, or None."""
