"""The benchmark's cases: shapes, class proportions and the data each one generates."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fast_smote import _core

K_NEIGHBORS = 5


SAMPLER_SEED = 0


DATA_SEED = 20240601


#: Mean of class ``c`` is ``c * CLASS_SHIFT`` in every feature.
CLASS_SHIFT = 0.5


#: Rows of each case used to warm a sampler up before it is measured.
WARMUP_ROWS = 2_000


#: Runs of each NumPy floor at least: a first touch of fresh memory can be far slower
#: (on a VM especially), and a floor should be the best case.
FLOOR_MIN_RUNS = 2


#: Rows per block of the Gram-matrix floor.
GRAM_BLOCK_ROWS = 4_096


#: Imported once by the fork server, so that no measured process pays for it (this
#: module holds the tasks those processes run).
PRELOAD = [
    "numpy",
    "pandas",
    "scipy.sparse",
    "sklearn.neighbors",
    "sklearn.datasets",
    "sklearn.svm",
    "sklearn.cluster",
    "imblearn.over_sampling",
    "imblearn.under_sampling",
    "imblearn.combine",
    "fast_smote._bench",
]


#: The quick (CI) run keeps only cases with at most this many rows.
QUICK_MAX_ROWS = 100_000


BINARY = (0.9, 0.1)


FIVE_CLASSES = (0.5, 0.2, 0.15, 0.10, 0.05)


@dataclass(frozen=True)
class Case:
    """One benchmark dataset: Gaussian classes, the majority first.

    Parameters
    ----------
    kind : str
        Short description shown in the tables (``binary``, ``5-class``, ...).
    n_samples, n_features : int
    dtype : str
        ``float32`` or ``float64``; both samplers keep it.
    proportions : tuple of float
        Share of each class; class 0 is the majority and every other class is grown
        to its size (``sampling_strategy='auto'``).
    n_distinct : int, optional
        If set, every row is a copy of one of this many distinct rows (before the
        class shift), which stresses the neighbour search with ties.
    scaling : bool
        Also time fast-smote with ``n_jobs=1`` to report its thread scaling.
    """

    kind: str
    n_samples: int
    n_features: int
    dtype: str
    proportions: tuple[float, ...] = BINARY
    n_distinct: int | None = None
    scaling: bool = False

    @property
    def shape(self) -> str:
        """``n x d`` as printed, e.g. ``1e5 x 10``."""
        return f"{_short_count(self.n_samples)} x {self.n_features}"

    @property
    def id(self) -> str:
        """Unique name, matched by ``--cases``: e.g. ``binary-1e5x10-float32``."""
        return f"{self.kind}-{_short_count(self.n_samples)}x{self.n_features}-{self.dtype}"

    @property
    def counts(self) -> np.ndarray:
        """Rows per class; rounding remainders go to the majority."""
        shares = np.asarray(self.proportions, dtype=np.float64)
        counts = np.floor(shares * self.n_samples).astype(np.int64)
        counts[0] += self.n_samples - counts.sum()
        return counts

    @property
    def n_new(self) -> np.ndarray:
        """Synthetic rows per minority class (classes 1, 2, ...)."""
        counts = self.counts
        n_new: np.ndarray = counts[0] - counts[1:]
        return n_new

    @property
    def output_bytes(self) -> int:
        """Size of the resampled X: every class at the majority's size."""
        n_out = len(self.proportions) * int(self.counts[0])
        return n_out * self.n_features * np.dtype(self.dtype).itemsize

    @property
    def low_dimensional(self) -> bool:
        """Whether a KD-tree is an option at all (``d <= MAX_TREE_DIM``)."""
        return self.n_features <= _core.MAX_TREE_DIM


def _short_count(n: int) -> str:
    """``100000`` -> ``1e5``, ``20000`` -> ``2e4``."""
    exponent = math.floor(math.log10(n))
    mantissa = n / 10**exponent
    return f"{mantissa:g}e{exponent}"


def all_cases() -> list[Case]:
    """Every case of the full run, in the order they are run and printed.

    The float64 binary cases with 10 features and at least 1e5 rows also measure
    thread scaling.
    """
    binary_shapes = [
        (10_000, 10),
        (100_000, 10),
        (1_000_000, 10),
        (100_000, 50),
        (1_000_000, 50),
        (100_000, 200),
        (20_000, 1_000),
    ]
    cases = [
        Case("binary", n, d, dtype, scaling=(d == 10 and n >= 100_000 and dtype == "float64"))
        for n, d in binary_shapes
        for dtype in ("float32", "float64")
    ]
    cases.append(Case("5-class", 100_000, 20, "float64", proportions=FIVE_CLASSES))
    cases.append(Case("duplicated", 100_000, 10, "float64", n_distinct=100))
    return cases


def make_data(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (C-contiguous, ``case.dtype``) and int64 ``y``, the classes shuffled."""
    rng = np.random.default_rng(DATA_SEED)
    dtype = np.dtype(case.dtype)
    y = rng.permutation(np.repeat(np.arange(len(case.proportions)), case.counts))
    if case.n_distinct is None:
        X = rng.standard_normal((case.n_samples, case.n_features), dtype=dtype)
    else:
        distinct = rng.standard_normal((case.n_distinct, case.n_features), dtype=dtype)
        X = distinct[rng.integers(case.n_distinct, size=case.n_samples)]
    X += (CLASS_SHIFT * y).astype(dtype)[:, None]
    return X, y
