"""CCR: combined cleaning and resampling with spheres of fixed energy."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._checks import check_real
from .._validation import Dataset, StrategyDict, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, apportion, class_rng, made_by_plan, row_blocks, with_room_for


def in_l1_balls(
    X: np.ndarray, centres: np.ndarray, radii: np.ndarray, rng: np.random.Generator, out: np.ndarray
) -> None:
    """Fills ``out`` (its float type) with one point drawn uniformly from the L1 ball of
    radius ``radii[i]`` around each row ``X[centres[i]]``, block by block: the first ``d``
    of ``d + 1`` exponential draws over their sum are uniform on the simplex's interior,
    and random signs spread them over the ball (in float64, saturating at ``out``'s
    limit)."""
    n, d = len(centres), X.shape[1]
    limit = np.finfo(out.dtype).max
    for block in row_blocks(n):
        draws = rng.exponential(size=(block.stop - block.start, d + 1))
        offsets = draws[:, :d] / draws.sum(axis=1, keepdims=True)
        offsets *= rng.choice(np.array([-1.0, 1.0]), size=offsets.shape)
        offsets *= radii[block, None]
        with np.errstate(over="ignore"):
            offsets += X[centres[block]]
        np.clip(offsets, -limit, limit, out=offsets)
        out[block] = offsets


def _push_out(X: np.ndarray, originals: np.ndarray, pushes: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Writes to ``originals`` the rows of X that the classes' spheres move, each moved by
    the sum of its classes' moves (in class order; saturating at the type's limit). A
    row is moved where some class's move for it is not zero."""
    if not pushes:
        return
    rows = np.concatenate([moved for moved, _ in pushes])
    translations = np.concatenate([translation for _, translation in pushes])
    moved, position = np.unique(rows, return_inverse=True)
    moves = np.zeros((len(moved), X.shape[1]))
    np.add.at(moves, position, translations)
    counted = np.zeros(len(moved), dtype=bool)
    counted[position[translations.any(axis=1)]] = True
    moved, moves = moved[counted], moves[counted]
    limit = np.finfo(X.dtype).max
    with np.errstate(over="ignore"):
        pushed = X[moved].astype(np.float64) + moves
    originals[moved] = np.clip(pushed, -limit, limit)


class CCR(BaseSMOTE):
    """Combined Cleaning and Resampling (Koziarski and Wozniak, "CCR: a combined cleaning
    and resampling algorithm for imbalanced data classification", International Journal
    of Applied Mathematics and Computer Science 27, 2017), seventh of the 85
    oversamplers ranked by Kovacs (2019).

    Around each sample of a class to oversample grows an L1 sphere with a fixed
    ``energy`` (times ``d ** scaling`` for ``d`` features): growing it by ``dr`` costs
    ``(k + 1) * dr`` while ``k`` samples of other classes are inside, so spheres stay
    small where other classes crowd. Cleaning: the samples of the classes not
    oversampled that end inside a sphere are pushed out to its surface, along the line
    from its centre (their moves add up over the spheres). Resampling: the class's new
    samples are spread over its samples in proportion to the inverse of their radius
    (exactly: the floor of each share, one more for the largest remainders), each
    drawn uniformly inside its sample's sphere.

    The output's original rows are therefore not all unchanged: the rows of the classes
    that are not oversampled may have moved (``X_resampled[:n] - X``); the oversampled
    classes' rows are unchanged. Multiclass data are handled class by class, every
    other class's samples making a sphere dearer, and only the classes not oversampled
    pushed.

    smote-variants' ``CCR`` differs in three places, where this class follows the
    paper: its radius lags by the nearest other sample's distance (an off-by-one in the
    distances it subtracts), it returns the other classes' samples unmoved (it computes
    the moves, then drops them), and its points in a sphere are not uniform (each
    coordinate's range shrinks with the previous one's draw).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the draws in the spheres. The same seed gives byte-identical output
        whatever ``n_jobs`` is.
    energy : float, default=1.0
        Each sphere's energy, in the features' L1 units (above 0).
    scaling : float, default=0.0
        The energy is ``energy * n_features ** scaling`` (at least 0).
    n_jobs : int or None, default=None
        Threads for the spheres: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    radii_ : dict
        Class label -> the sphere radius of each of the class's samples, in the order
        they come in X.
    provenance_ : None
        The new samples are drawn in spheres, not on segments.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import CCR
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = CCR(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    >>> bool(np.array_equal(X_res[:500][y == 1], X[y == 1]))  # the minority stays
    True
    """

    _densify_sparse = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        energy: float = 1.0,
        scaling: float = 0.0,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.energy = energy
        self.scaling = scaling
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        energy = check_real("energy", self.energy, 0.0, above=True)
        budget = energy * data.X.shape[1] ** check_real("scaling", self.scaling, 0.0)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        plan = list(zip(*data.plan(strategy)))
        X = data.X
        grown = np.isin(data.codes, [code for code, _ in plan])
        X_res, new_rows = with_room_for(data, plan)
        # Each class's pushes: the rows moved and their moves (most rows are in no sphere).
        pushes: list[tuple[np.ndarray, np.ndarray]] = []
        self.radii_: dict[Any, np.ndarray] = {}
        for (code, n), out in zip(plan, new_rows):
            rows = data.rows_of(code)
            others = np.flatnonzero(data.codes != code)
            radii, moved, translations = _core.ccr_spheres(X, rows, others, ~grown[others], budget, n_threads)
            pushes.append((moved, translations))
            self.radii_[data.label(code)] = radii
            bases = np.repeat(np.arange(len(rows)), apportion(n, 1.0 / radii))
            in_l1_balls(X, rows[bases], radii[bases], class_rng(seed, code), out)
        _push_out(X, X_res[: data.n_samples], pushes)
        self.provenance_ = None
        return made_by_plan(X_res, plan)
