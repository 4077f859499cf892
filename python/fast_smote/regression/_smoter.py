"""SMOTER and SMOGN: SMOTE for a continuous target, interpolating within each bump of
rare targets (and, for SMOGN, adding Gaussian noise where a neighbour is far)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from .. import _core
from .._checks import check_real
from .._memory import check_output_fits
from .._neighbors import NeighborSearch
from .._sparse import sparse_like
from .._validation import Dataset, check_n_jobs, seed_from
from ..base import is_dask_input
from ..over_sampling._base import Job, Provenance, class_rng, row_blocks
from ._base import BaseRegressionSampler


@dataclass(frozen=True)
class RegressionProvenance(Provenance):
    """Where each synthetic row came from, as :class:`~fast_smote.over_sampling.Provenance`
    says, plus the rows SMOGN made by noise.

    ``n_original`` is the number of original rows kept (all of them unless
    ``undersample``), which come first in the output; indices are rows of the ``X``
    given to ``fit_resample``.

    Attributes
    ----------
    noise : ndarray of bool or None
        SMOGN: True for the rows made by Gaussian noise around their base (their
        neighbour was farther than the base's safe distance); such a row does not lie
        between base and neighbour (the neighbour drawn, and its step, are still
        recorded). None for SMOTER, whose rows all interpolate.
    """

    noise: np.ndarray | None = None


def interpolated_targets(
    y: np.ndarray, base: np.ndarray, neighbor: np.ndarray, step: np.ndarray, distance: np.ndarray
) -> np.ndarray:
    """The papers' target of a row interpolated from a base toward a neighbour: the
    parents' targets weighted by the new row's distance to the other parent,
    ``(d2 * y[base] + d1 * y[neighbor]) / (d1 + d2)``. For a row ``step`` of the way
    along the segment, ``d1 = step * D`` and ``d2 = (1 - step) * D``, so this is the
    targets interpolated with the same step; parents at one place (``D = 0``) give their
    mean. Kept between the two parents' targets (float64)."""
    at_base, at_neighbor = y[base].astype(np.float64), y[neighbor].astype(np.float64)
    weight = step.astype(np.float64)
    target = np.where(distance > 0, at_base + weight * (at_neighbor - at_base), 0.5 * (at_base + at_neighbor))
    result: np.ndarray = np.clip(target, np.minimum(at_base, at_neighbor), np.maximum(at_base, at_neighbor))
    return result


def draws_per_row(n_rows: int, n_new: int, rng: np.random.Generator) -> np.ndarray:
    """The papers' split of ``n_new`` new rows over a bump's ``n_rows`` rows: each makes
    ``n_new // n_rows``, and a uniformly drawn set of ``n_new % n_rows`` distinct rows
    one more."""
    draws = np.full(n_rows, n_new // n_rows, dtype=np.int64)
    draws[rng.choice(n_rows, n_new % n_rows, replace=False)] += 1
    return draws


class _BaseSMOTER(BaseRegressionSampler):
    """SMOTER's interpolation within the rare bumps; SMOGN overrides :meth:`_perturb`."""

    provenance_: RegressionProvenance

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Resample the dataset.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric training features; float32 stays float32, other numeric types
            become float64. SciPy sparse X is resampled densified and returned in its
            format.
        y : array-like or Series of shape (n_samples,)
            The continuous target; float32 stays float32, other numbers become float64.

        Returns
        -------
        X_resampled : ndarray or DataFrame of shape (n_samples_new, n_features)
            The original rows kept (``X[sample_indices_]``: every row unless
            ``undersample``), in order, then the new rows bump by bump, low targets
            first.
        y_resampled : ndarray or Series of shape (n_samples_new,)
        """
        if is_dask_input(X, y):
            self._check(X, y)  # refuses them, with the reason
        if self._densifies(X):
            X_res, y_res = self.fit_resample(X.toarray(), y)
            return sparse_like(X, X_res), y_res
        data = self._check(X, y)
        if not isinstance(self.undersample, (bool, np.bool_)):
            raise TypeError(f"undersample must be True or False, got {self.undersample!r}")
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        self.nn_k_ = k_search.estimator
        grown = [bump.n_target - bump.n_samples for bump in self.bumps_ if bump.rare]
        check_output_fits(type(self).__name__, data, sum(max(n, 0) for n in grown))
        jobs, rngs, kept = [], {}, []
        for code, bump in enumerate(self.bumps_):
            rows = data.rows_of(code)
            rng = class_rng(seed, code)
            if bump.rare and bump.n_target > bump.n_samples:
                k_search.check_size(len(rows), f"the rare bump of y in [{bump.low:g}, {bump.high:g}]")
                draws = draws_per_row(len(rows), bump.n_target - bump.n_samples, rng)
                jobs.append(Job(code, 0, rows, None, k_search.for_job(data.X, rows, rows), draws))
                rngs[code] = rng
            elif self.undersample and not bump.rare and bump.n_target < bump.n_samples:
                rows = np.sort(rng.choice(rows, bump.n_target, replace=False))
            kept.append(rows)
        self.sample_indices_ = np.sort(np.concatenate(kept))
        X_all, base, neighbor, step = _core.generate(data.X, jobs, seed, n_threads)
        distance = _core.row_distances(data.X, base.astype(np.int64), neighbor.astype(np.int64), n_threads)
        y_new = interpolated_targets(data.y, base, neighbor, step, distance)
        new_rows = X_all[data.n_samples :]
        noise = self._perturb(data, jobs, rngs, new_rows, y_new, base, distance, n_threads)
        n_kept = len(self.sample_indices_)
        self.provenance_ = RegressionProvenance(n_kept, base, neighbor, step, noise=noise)
        if n_kept < data.n_samples:
            X_all = np.concatenate([data.X[self.sample_indices_], new_rows])
        y_res = np.concatenate([data.y[self.sample_indices_], y_new.astype(data.y.dtype)])
        return data.wrap_X(X_all), data.wrap_y(y_res)

    def _perturb(
        self,
        data: Dataset,
        jobs: list[Job],
        rngs: dict[int, np.random.Generator],
        new_rows: np.ndarray,
        y_new: np.ndarray,
        base: np.ndarray,
        distance: np.ndarray,
        n_threads: int | None,
    ) -> np.ndarray | None:
        """Rewrites the new rows (and their targets) that the method does not
        interpolate; returns which, or None when every row interpolates."""
        return None


_SHARED_PARAMETERS = """sampling_strategy : {'auto', 'balance', 'extreme'} or sequence, default='auto'
        How many rows each bump of y should have. ``'balance'`` (and ``'auto'``): every
        bump ``round(n_samples / n_bumps)``; ``'extreme'``: shares in inverse proportion
        to the bumps' sizes (the total kept), so the rarest grow most; a sequence: one
        factor per bump, low targets first (see ``bumps_`` after ``fit``), at least 1 for
        a rare bump and at most 1 for a common one. Rare bumps are oversampled to their
        count; common bumps are undersampled to theirs only with ``undersample``.
    relevance : 'auto', array-like of shape (m, 2) or (m, 3), or callable, default='auto'
        The relevance of each target, in [0, 1]. ``'auto'``: the cubic Hermite
        interpolation (slopes made monotone by Fritsch and Carlson's test) through the
        control points of the box plot of y (Ribeiro 2011): relevance 1 at each whisker
        end beyond which y has values (on the tails ``extremes`` names), 0 at the median
        (and at the minimum or maximum of a tail without extreme values); slopes 0.
        Control points: rows of ``(y, relevance)`` or ``(y, relevance, slope)`` in
        strictly increasing ``y``, interpolated the same way (slopes 0 where not given),
        constant beyond the first and last. A callable takes the array of targets and
        returns their relevance.
    relevance_threshold : float, default=0.5
        Targets whose relevance is at least this, in [0, 1], are rare.
    extremes : {'both', 'high', 'low'}, default='both'
        With ``relevance='auto'``: which tails of y can be rare.
    coef : float, default=1.5
        With ``relevance='auto'``: the box plot's whisker length, in inter-hinge ranges.
    undersample : bool, default=False
        Whether common bumps are undersampled to their count (uniformly, without
        replacement), as in the papers. Off, every original row is kept.
    k_neighbors : int or estimator, default=5
        The nearest neighbours within the bump (the row itself excluded) a new row's
        neighbour is drawn from, searched by the core; or a neighbour estimator, as for
        :class:`fast_smote.SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        The same seed gives byte-identical output whatever ``n_jobs`` is.
    n_jobs : int or None, default=None
        Threads for the search and the generation: None or -1 for every core."""

_SHARED_ATTRIBUTES = """bumps_ : list of Bump
        The bumps of y, low targets first: each one's target range, whether it is rare,
        its rows and the rows asked of it.
    relevance_ : callable
        The relevance function (a :class:`~fast_smote.regression.Relevance` unless
        ``relevance`` was a callable).
    control_points_ : ndarray of shape (m, 3) or None
        Its control points ``(y, relevance, slope)``; None for a callable.
    sample_indices_ : ndarray of int64
        The original rows kept, in output order.
    provenance_ : RegressionProvenance
        Each new row's base, neighbour and step (and, for SMOGN, whether noise made it).
    nn_k_ : estimator
        The neighbour estimator, as for :class:`fast_smote.SMOTE`.
    n_features_in_ : int
    feature_names_in_ : ndarray of str"""


class SMOTER(_BaseSMOTER):
    __doc__ = f"""SMOTE for regression (Torgo, Ribeiro, Pfahringer and Branco, EPIA 2013,
    "SMOTE for regression").

    The relevance function splits y into bumps: runs of sorted targets that are all
    rare (relevance at least ``relevance_threshold``) or all common. Each rare bump
    grows to the count ``sampling_strategy`` asks: each of its rows makes the same
    number of new rows (a uniformly drawn set of them one more), each from the row
    toward one of its ``k_neighbors`` nearest neighbours within the bump, drawn
    uniformly, with a uniform step in ``[0, 1)``. A new row's target is the parents'
    targets weighted by its distance to the other parent (which for a point on the
    segment is the targets interpolated with the same step; parents at one place give
    their mean), so it stays between the two, inside its bump's range.

    Parameters
    ----------
    {_SHARED_PARAMETERS}

    Attributes
    ----------
    {_SHARED_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote.regression import SMOTER
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3))
    >>> y = np.exp(X[:, 0] + 0.3 * rng.normal(size=1000))
    >>> sampler = SMOTER(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> [(bump.rare, bump.n_samples, bump.n_target) for bump in sampler.bumps_]
    [(False, 817, 500), (True, 183, 500)]
    >>> len(y_res), int((y_res >= sampler.bumps_[1].low).sum())
    (1317, 500)
    """

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        relevance: Any = "auto",
        relevance_threshold: float = 0.5,
        extremes: str = "both",
        coef: float = 1.5,
        undersample: bool = False,
        k_neighbors: Any = 5,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.relevance = relevance
        self.relevance_threshold = relevance_threshold
        self.extremes = extremes
        self.coef = coef
        self.undersample = undersample
        self.k_neighbors = k_neighbors
        self.random_state = random_state
        self.n_jobs = n_jobs


class SMOGN(_BaseSMOTER):
    __doc__ = f"""SMOTER with Gaussian noise (Branco, Torgo and Ribeiro, LIDTA 2017, "SMOGN:
    a pre-processing approach for imbalanced regression").

    As :class:`SMOTER`, except where a row's drawn neighbour is far: each row of a
    rare bump has a safe distance, half the median of its distances to the bump's
    other rows. A new row whose neighbour is nearer than that is interpolated as
    SMOTER does; otherwise it is the base row plus Gaussian noise, of standard
    deviation ``min(safe distance, perturbation)`` times each feature's standard
    deviation within the bump, and its target is the base's plus such noise (with the
    target's standard deviation in the bump), drawn from the normal distribution
    truncated to the bump's range so that it never leaves it.

    Parameters
    ----------
    {_SHARED_PARAMETERS}
    perturbation : float, default=0.02
        The noise's scale, in (0, 1]: the papers' ``pert``.

    Attributes
    ----------
    {_SHARED_ATTRIBUTES}

    Notes
    -----
    Where the ``smogn`` package departs from the paper, this class follows the paper:
    its distances include the target among the features (the papers' are over the
    features), its box plot takes quartiles where R's takes Tukey's hinges, its
    undersampling keeps every row but the drawn ones, its noise may take targets out
    of their bump, and it clips features that have a positive value at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote.regression import SMOGN
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3))
    >>> y = np.exp(X[:, 0] + 0.3 * rng.normal(size=1000))
    >>> sampler = SMOGN(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> len(y_res), int(sampler.provenance_.noise.sum())
    (1317, 1)
    """

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        relevance: Any = "auto",
        relevance_threshold: float = 0.5,
        extremes: str = "both",
        coef: float = 1.5,
        undersample: bool = False,
        k_neighbors: Any = 5,
        perturbation: float = 0.02,
        random_state: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.relevance = relevance
        self.relevance_threshold = relevance_threshold
        self.extremes = extremes
        self.coef = coef
        self.undersample = undersample
        self.k_neighbors = k_neighbors
        self.perturbation = perturbation
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check(self, X: Any, y: Any) -> Dataset:
        check_real("perturbation", self.perturbation, 0.0, 1.0, above=True)
        return super()._check(X, y)

    def _perturb(
        self,
        data: Dataset,
        jobs: list[Job],
        rngs: dict[int, np.random.Generator],
        new_rows: np.ndarray,
        y_new: np.ndarray,
        base: np.ndarray,
        distance: np.ndarray,
        n_threads: int | None,
    ) -> np.ndarray:
        perturbation = float(self.perturbation)
        noise = np.zeros(len(base), dtype=bool)
        position = np.empty(data.n_samples, dtype=np.int64)
        start = 0
        for job in jobs:
            rows = job.bases
            stop = start + job.n_new
            position[rows] = np.arange(len(rows))
            safe = 0.5 * _core.median_distances(data.X, rows, n_threads)
            bases = base[start:stop]
            far = np.flatnonzero(distance[start:stop] >= safe[position[bases]]) + start
            noise[far] = True
            scale = np.minimum(safe[position[base[far]]], perturbation)
            points = data.X[rows].astype(np.float64)
            feature_sd = points.std(axis=0, ddof=1)
            targets = data.y[rows].astype(np.float64)
            low, high = targets.min(), targets.max()
            target_sd = targets.std(ddof=1)
            rng = rngs[job.code]
            for block in row_blocks(len(far)):
                at, sigma = far[block], scale[block]
                parents = base[at]
                shift = rng.standard_normal((len(at), data.X.shape[1])) * feature_sd * sigma[:, None]
                new_rows[at] = (data.X[parents] + shift).astype(new_rows.dtype)
                y_new[at] = truncated_normal(
                    data.y[parents].astype(np.float64), target_sd * sigma, low, high, rng
                )
            start = stop
        return noise


def truncated_normal(
    centre: np.ndarray, sd: np.ndarray, low: float, high: float, rng: np.random.Generator
) -> np.ndarray:
    """One draw per centre from the normal distribution of standard deviation ``sd``
    around it, truncated to ``[low, high]`` (which holds every centre), by inverting the
    distribution function between the bounds; the centre itself where ``sd`` is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = ndtr((low - centre) / sd)
        upper = ndtr((high - centre) / sd)
        drawn = centre + sd * ndtri(lower + (upper - lower) * rng.random(len(centre)))
    result: np.ndarray = np.clip(np.where(sd > 0, drawn, centre), low, high)
    return result
