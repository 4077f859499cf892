"""Lee's SMOTE with rejection: new samples that land among other classes are dropped."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _core
from .._checks import check_int, check_real
from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, Job, Provenance, made_by_plan

#: Rounds in a row without an accepted sample after which the rejection level rises.
_TRIES_BEFORE_RAISING = 5
#: How much the rejection level rises then.
_LEVEL_STEP = 0.1
#: Candidates judged at once, in whole chunks of the core's generation: the room the
#: output keeps after its rows for them.
_CHUNKS_PER_BATCH = 16


class LeeSMOTE(BaseSMOTE):
    """SMOTE with rejection (Lee, Kim and Lee, "An over-sampling technique with
    rejection for imbalanced class learning", IMCOM 2015), smote-variants' ``Lee``.

    New samples are made as by :class:`SMOTE` (a sample drawn uniformly, one of its
    ``k_neighbors`` nearest neighbours within its class, a uniform step) and each is
    kept only if fewer than ``rejection_level`` of its ``n_neighbors`` nearest samples
    (among all samples of X) belong to other classes: new samples that would land
    inside another class are rejected, and more are drawn until the class has its
    count. When ``5`` rounds in a row keep none, the level rises by 0.1 (it always
    ends: from a level above 1 every sample is kept). The rounds draw from their own
    streams of the seed, so the output is the same for any ``n_jobs``.

    smote-variants draws its steps as a normalised pair of uniform draws; here they are
    uniform, as in SMOTE and the paper.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    k_neighbors : int or estimator, default=5
        Nearest neighbours within the class to interpolate toward, as for
        :class:`SMOTE`.
    n_neighbors : int, default=5
        Nearest samples of X a new sample is judged by.
    rejection_level : float, default=0.5
        A new sample is kept when the share of other classes among its
        ``n_neighbors`` nearest samples is below this (in ``[0, 1]``).
    n_jobs : int or None, default=None
        Threads for the searches and the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    rejection_levels_ : dict
        Class label -> the rejection level the class ended at (above
        ``rejection_level`` when it had to rise).
    nn_k_ : estimator
        The neighbour estimator of the interpolation, as for :class:`SMOTE`.
    provenance_ : Provenance
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import LeeSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = LeeSMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    """

    #: The parameters that take a neighbour estimator (``--approximate`` sets them):
    #: the interpolation's; ``n_neighbors`` is a count.
    _neighbor_searches: tuple[str, ...] = ("k_neighbors",)

    _densify_sparse = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 5,
        n_neighbors: int = 5,
        rejection_level: float = 0.5,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.n_neighbors = n_neighbors
        self.rejection_level = rejection_level
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        n_neighbors = check_int("n_neighbors", self.n_neighbors, 1)
        level = check_real("rejection_level", self.rejection_level, 0.0, 1.0)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        self.nn_k_ = k_search.estimator
        if data.n_samples < n_neighbors:
            raise ValueError(
                f"X has {data.n_samples} samples, but n_neighbors={n_neighbors} needs at least {n_neighbors}"
            )
        self.rejection_levels_: dict[Any, float] = {}
        plan = list(zip(*data.plan(strategy)))
        # The output, with room after its rows for one batch of candidates: each batch
        # is judged where it lies, among X's rows, without a copy of X.
        n_rows = data.n_samples + sum(n for _, n in plan)
        work = np.empty((n_rows + _CHUNKS_PER_BATCH * _core.CHUNK_ROWS, data.X.shape[1]), dtype=data.X.dtype)
        work[: data.n_samples] = data.X
        made: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        filled = data.n_samples
        for code, n in plan:
            rows = data.rows_of(code)
            k_search.check_size(len(rows), f"class {data.label(code)!r}")
            table = k_search.table(data.X, rows, rows, n_threads)
            made.append(
                self._kept_samples(
                    data, work, filled, code, rows, table, n, (n_neighbors, level), seed, n_threads
                )
            )
            filled += n
        bases, neighbors, steps = zip(*made) if made else ((), (), ())
        self.provenance_ = Provenance.joined(data.n_samples, n_rows, data.X.dtype, bases, neighbors, steps)
        # The room for candidates given back (the array owns its memory, and no view of
        # it is left: the shrink happens in place).
        work.resize((n_rows, data.X.shape[1]), refcheck=False)
        return made_by_plan(work, plan)

    def _kept_samples(
        self,
        data: Dataset,
        work: np.ndarray,
        first: int,
        code: int,
        rows: np.ndarray,
        table: np.ndarray,
        n: int,
        test: tuple[int, float],
        seed: int,
        n_threads: int | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The first ``n`` new samples of class ``code`` that pass the rejection test
        (``n_neighbors`` and the level to start from), round after round, written to
        ``work`` from row ``first`` on, and their provenance; records the level it ended
        at. Each round's candidates are judged a batch at a time in the room after the
        rows kept so far (``work`` has a batch of room after its last row)."""
        n_neighbors, level = test
        others = np.flatnonzero(data.codes != code)
        # How far each row of the class lies from the other classes: a candidate near
        # its base or neighbour, both far from them, needs no search among them.
        clearances = _core.clearances(data.X, rows, others, _useful_clearance(data.X, rows, table), n_threads)
        parts: list[tuple[np.ndarray, ...]] = []
        kept, drawn, tries, part = 0, 0, 0, 0
        while kept < n:
            missing = n - kept
            # Enough candidates for the missing ones at the rate kept so far.
            rate = kept / drawn if kept else 1.0
            wanted = min(max(math.ceil(missing / max(rate, 0.05)), missing), 8 * missing + 64)
            job = Job(code, part, rows, None, table, wanted)
            accepted_now = 0
            n_chunks = -(-wanted // _core.CHUNK_ROWS)
            for first_chunk in range(0, n_chunks, _CHUNKS_PER_BATCH):
                candidates, base, neighbor, step = _core.generate_window(
                    data.X, job, seed, first_chunk, min(_CHUNKS_PER_BATCH, n_chunks - first_chunk), n_threads
                )
                at = first + kept + accepted_now
                work[at : at + len(candidates)] = candidates
                judged = np.arange(at, at + len(candidates))
                holds = _core.own_class_holds(
                    work,
                    judged,
                    rows,
                    others,
                    n_neighbors,
                    _own_needed(n_neighbors, level),
                    n_threads,
                    anchors=np.stack([base, neighbor], axis=1).astype(np.int64, copy=False),
                    clearances=clearances,
                )
                accepted = np.flatnonzero(holds)[: missing - accepted_now]
                work[at : at + len(accepted)] = candidates[accepted]
                parts.append((base[accepted], neighbor[accepted], step[accepted]))
                accepted_now += len(accepted)
                if accepted_now == missing:
                    break
            kept += accepted_now
            drawn += wanted
            part += 1
            tries = 0 if accepted_now else tries + 1
            if tries == _TRIES_BEFORE_RAISING:
                level, tries = level + _LEVEL_STEP, 0
        self.rejection_levels_[data.label(code)] = level
        base, neighbor, step = (np.concatenate(column) for column in zip(*parts))
        return base, neighbor, step


def _own_needed(n_neighbors: int, level: float) -> int:
    """How many of a new sample's ``n_neighbors`` nearest samples must be of its class
    for the share of other classes to be below ``level``: ``n_neighbors + 1`` when no
    share is, 0 when every share is."""
    below = sum(others / n_neighbors < level for others in range(n_neighbors + 1))
    return n_neighbors + 1 - below


def _useful_clearance(X: np.ndarray, rows: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For each row of a class, the squared distance from the other classes beyond which
    its clearance spares no more searches: a new row from it lies within its farthest
    neighbour of ``table``'s, and it ranks its own rows needed within twice that
    distance, so that (three times the farthest neighbour's distance)² is ample."""
    farthest = X[rows[table[:, -1]]] - X[rows]
    squared: np.ndarray = np.einsum("ij,ij->i", farthest, farthest, dtype=np.float64)
    return 9.0 * squared
