"""What every interpolating over-sampler shares: generation jobs run by the Rust core,
and the provenance of each synthetic row."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import _core
from .._sparse import generate_sparse, is_sparse
from .._validation import Dataset
from ..base import BaseOverSampler, Generated


@dataclass(frozen=True)
class Provenance:
    """Where each synthetic row came from.

    Synthetic row ``i`` is ``X_resampled[n_original + i]`` and equals
    ``X[base_index[i]] + step[i] * (X[neighbor_index[i]] - X[base_index[i]])``
    (computed in X's float type), where indices are rows of the ``X`` given to
    ``fit_resample``.

    Attributes
    ----------
    n_original : int
        Number of original rows, which come first in the output.
    base_index : ndarray of int32 (int64 from 2**31 rows on), shape (n_synthetic,)
    neighbor_index : ndarray of int32 (int64 from 2**31 rows on), shape (n_synthetic,)
    step : ndarray of X's float type, shape (n_synthetic,)
        The steps: in ``[0, 1)`` for interpolation; in ``(-out_step, 0]`` for
        SVMSMOTE's extrapolation away from the neighbour; in ``[0, 0.5)`` for
        BorderlineSMOTE-2's steps toward a neighbour of another class.
    neighbor_class : ndarray or None
        The class label of each neighbour, for samplers whose neighbours can belong to
        another class than the base (``BorderlineSMOTE(kind="borderline-2")``);
        ``None`` when every neighbour is of the base's class.
    """

    n_original: int
    base_index: np.ndarray
    neighbor_index: np.ndarray
    step: np.ndarray
    neighbor_class: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.step)

    @classmethod
    def joined(
        cls,
        n_original: int,
        n_rows: int,
        dtype: np.dtype,
        bases: Sequence[np.ndarray],
        neighbors: Sequence[np.ndarray],
        steps: Sequence[np.ndarray],
    ) -> Provenance:
        """The record of parts made apart (each class's, each round's), in order, with
        the index type of an output of ``n_rows`` rows and steps of X's type ``dtype``."""
        index = np.int32 if n_rows < 2**31 else np.int64
        return cls(
            n_original,
            np.concatenate([np.empty(0, index), *bases]).astype(index),
            np.concatenate([np.empty(0, index), *neighbors]).astype(index),
            np.concatenate([np.empty(0, dtype), *steps]).astype(dtype),
        )


class Job(NamedTuple):
    """One stream of synthetic rows of one class, as the core takes it."""

    code: int
    #: Which of the class's streams this is: part of the seed.
    part: int
    #: Rows of X the new rows start from.
    bases: np.ndarray
    #: Rows of X the neighbours come from; None for the bases themselves.
    references: np.ndarray | None
    #: ``k`` for the core's search, a table of positions into the references, or
    #: ``"others"``: each base's partner drawn from the other bases (references None).
    neighbors: int | np.ndarray | str
    #: How many rows: a total over uniformly drawn (base, neighbour) pairs, or a count per base.
    draws: int | np.ndarray
    #: Steps are ``step_scale * u`` with ``u`` uniform in ``[0, 1)``.
    step_scale: float = 1.0
    #: References whose steps are further scaled by a uniform draw in ``[0, 0.5)``.
    damped: np.ndarray | None = None

    @property
    def n_new(self) -> int:
        return int(self.draws) if isinstance(self.draws, (int, np.integer)) else int(self.draws.sum())


def class_rng(seed: int, code: int) -> np.random.Generator:
    """The NumPy generator of the draws one class's rows take in Python (the methods whose
    rows are not the core's jobs): from the seed and the class, the same for any
    ``n_jobs``."""
    return np.random.default_rng([seed, code])


#: New rows made per block where rows are made in Python: the temporaries stay a few
#: blocks of rows, not a few outputs.
ROW_BLOCK = 16384


def row_blocks(n: int) -> Iterator[slice]:
    """Consecutive slices of at most ``ROW_BLOCK`` of ``n`` rows."""
    return (slice(start, min(start + ROW_BLOCK, n)) for start in range(0, n, ROW_BLOCK))


def with_room_for(data: Dataset, plan: Sequence[tuple[int, int]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """X's rows, then room for each planned ``(class, count)``'s new rows, in X's float
    type: the output and a view of each class's rows, in plan order."""
    X_res = np.empty((data.n_samples + sum(n for _, n in plan), data.X.shape[1]), dtype=data.X.dtype)
    X_res[: data.n_samples] = data.X
    bounds = np.cumsum([data.n_samples, *(n for _, n in plan)])
    return X_res, [X_res[start:end] for start, end in zip(bounds[:-1], bounds[1:])]


def made_by_plan(X_res: np.ndarray, plan: Sequence[tuple[int, int]]) -> Generated:
    """What a sampler that filled ``with_room_for``'s output made."""
    return Generated(X_res, [code for code, _ in plan], [n for _, n in plan])


def apportion(n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` split into integer counts in proportion to ``weights`` (non-negative, not
    all zero), exactly: each gets the floor of its share, and the ones with the largest
    remainders (the first among equal ones) one more."""
    shares = n * (weights / weights.sum())
    counts: np.ndarray = np.floor(shares).astype(np.int64)
    short = n - int(counts.sum())
    if short > 0:
        counts[np.argsort(counts - shares, kind="stable")[:short]] += 1
    return counts


class BaseSMOTE(BaseOverSampler):
    """Base class of the over-samplers that interpolate between samples."""

    #: Where each new row came from; None for a method whose rows do not lie between
    #: two samples (PolynomFitSMOTE's star and curve).
    provenance_: Provenance | None

    def _interpolate(
        self,
        data: Dataset,
        jobs: list[Job],
        seed: int,
        n_threads: int | None,
        *,
        any_class_neighbors: bool = False,
    ) -> Generated:
        """Runs ``jobs`` (grouped by class, in output order) and records ``provenance_``."""
        generate = generate_sparse if is_sparse(data.X) else _core.generate
        X_res, base, neighbor, step = generate(data.X, jobs, seed, n_threads)
        neighbor_class = data.classes[data.codes[neighbor]] if any_class_neighbors else None
        self.provenance_ = Provenance(data.n_samples, base, neighbor, step, neighbor_class)
        made: dict[int, int] = {}
        for job in jobs:
            made[job.code] = made.get(job.code, 0) + job.n_new
        return Generated(X_res, list(made), list(made.values()))
