"""Polynomial-fit SMOTE: new samples on the links of a topology drawn over a class."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_int
from .._validation import Dataset, StrategyDict, check_class_sizes, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, Job, Provenance, class_rng, made_by_plan, row_blocks, with_room_for

TOPOLOGIES = ("star", "bus", "mesh", "polynomial")


def spread_evenly(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points over ``m`` links, equally many per link (``n // m``, and one more on
    ``n % m`` links drawn at random), at equal spacings ``j / (c + 1)``, ``j = 1..c``, on a
    link that takes ``c``: each point's link and step."""
    counts = np.full(m, n // m, dtype=np.int64)
    counts[rng.choice(m, n % m, replace=False)] += 1
    link = np.repeat(np.arange(m), counts)
    first = np.cumsum(counts) - counts
    steps = (np.arange(n) - first[link] + 1) / (counts[link] + 1)
    return link, steps


def on_segments(start: np.ndarray, end: np.ndarray, steps: np.ndarray, out: np.ndarray) -> None:
    """Fills ``out`` with ``start + steps * (end - start)``, row by row, in ``out``'s type,
    written as ``(1 - step) * start + step * end``, whose terms never overflow, and kept
    between ``start`` and ``end`` (which rounding could leave by an ulp)."""
    steps = steps.astype(out.dtype)[:, None]
    np.multiply(start, 1 - steps, out=out)
    out += steps * end
    np.clip(out, np.minimum(start, end), np.maximum(start, end), out=out)


def polynomial_rows(points: np.ndarray, degree: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points on the curve of degree ``degree`` fitted by least squares through
    the class's samples (rows of ``points``) ordered by their mean feature value: per
    feature a polynomial in ``t``, the ``i``-th of the ``m`` samples at ``t = i``. Each new
    point is the curve at one uniform ``t`` in ``[0, m - 1]`` for every feature (a point
    of the curve), in float64; the caller's type saturates at its limit."""
    m = len(points)
    values = points.astype(np.float64)
    ordered = values[np.argsort(values.mean(axis=1), kind="stable")]
    # Fitted on t scaled to [-1, 1] and values scaled to at most 1: well conditioned,
    # and no square overflows for values near the float type's limit.
    span = np.abs(ordered).max(axis=0)
    span[span == 0] = 1.0
    degree = min(degree, m - 1)
    positions = np.linspace(-1.0, 1.0, m) if m > 1 else np.zeros(1)
    vander = np.polynomial.polynomial.polyvander(positions, degree)
    coefficients, *_ = np.linalg.lstsq(vander, ordered / span, rcond=None)
    t = 2.0 * rng.random(n) - 1.0
    limit = np.finfo(points.dtype).max
    with np.errstate(over="ignore"):
        curve = np.polynomial.polynomial.polyvander(t, degree) @ coefficients * span
    made: np.ndarray = np.clip(curve, -limit, limit)
    return made


class PolynomFitSMOTE(BaseSMOTE):
    """Polynomial-fit SMOTE (Gazzah and Amara, DAS 2008, "New oversampling approaches
    based on polynomial fitting for imbalanced data sets"), the first of the 85
    oversamplers ranked by Kovacs (2019).

    The samples of a class to oversample are linked by a topology and the new samples
    are drawn on its links:

    - ``'star'``: each sample linked to the class's centroid.
    - ``'bus'``: each sample linked to the next one in the order of X (the links
      depend on the order of the rows, as in the paper).
    - ``'mesh'``: every sample linked to every other; a new sample lies between a
      sample drawn uniformly and another drawn uniformly, at a uniform step.
    - ``'polynomial'``: a curve of degree ``degree`` fitted by least squares through
      the samples, ordered by their mean feature value (smote-variants' ordering); a
      new sample is the curve at a uniform position.

    On the star's and the bus's links the new samples are spread evenly: every link
    gets the same count (one more on randomly drawn links, so that the class gets
    exactly its count), at equal spacings ``j / (c + 1)`` along a link that takes
    ``c``, as in smote-variants (which rounds the count per link instead). smote-variants
    draws the polynomial's position separately for each feature, so that its new
    samples leave the curve; here each new sample is one point of the curve, as in the
    paper.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    topology : {'star', 'bus', 'mesh', 'polynomial'}, default='star'
        How the samples are linked.
    degree : int, default=2
        The polynomial's degree for ``topology='polynomial'`` (at least 1; at most
        the class's samples minus 1 are used).
    n_jobs : int or None, default=None
        Threads for the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    provenance_ : Provenance or None
        For ``'bus'`` and ``'mesh'``, the two samples and the step of every new
        sample; None for ``'star'`` and ``'polynomial'``, whose new samples do not lie
        between two samples.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import PolynomFitSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = PolynomFitSMOTE(topology="mesh", random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    """

    _densify_sparse = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        topology: str = "star",
        degree: int = 2,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.topology = topology
        self.degree = degree
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        if not isinstance(self.topology, str) or self.topology not in TOPOLOGIES:
            raise ValueError(
                f"topology must be one of {', '.join(map(repr, TOPOLOGIES))}; got {self.topology!r}"
            )
        degree = check_int("degree", self.degree, 1)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        plan = list(zip(*data.plan(strategy)))
        if self.topology in ("bus", "mesh"):
            check_class_sizes(data, [code for code, _ in plan], 2, f"the {self.topology} topology")
        if self.topology == "mesh":
            jobs = [Job(code, 0, data.rows_of(code), None, "others", n) for code, n in plan]
            return self._interpolate(data, jobs, seed, n_threads)
        return self._fit_topology(data, plan, degree, seed)

    def _fit_topology(self, data: Dataset, plan: list[tuple[int, int]], degree: int, seed: int) -> Generated:
        """The star's, the bus's and the curve's new samples, class by class after X."""
        X = data.X
        X_res, new_rows = with_room_for(data, plan)
        bases, neighbors, steps = [], [], []
        for (code, n), made in zip(plan, new_rows):
            rows = data.rows_of(code)
            rng = class_rng(seed, code)
            if self.topology == "star":
                link, step = spread_evenly(n, len(rows), rng)
                points = X[rows]
                # The mean, kept inside the class's range (which rounding can leave).
                centroid = np.clip(
                    points.mean(axis=0, dtype=np.float64), points.min(axis=0), points.max(axis=0)
                )
                centroid = centroid.astype(X.dtype)
                for block in row_blocks(n):
                    on_segments(points[link[block]], centroid, step[block], made[block])
            elif self.topology == "bus":
                link, step = spread_evenly(n, len(rows) - 1, rng)
                for block in row_blocks(n):
                    on_segments(X[rows[link[block]]], X[rows[link[block] + 1]], step[block], made[block])
                bases.append(rows[link])
                neighbors.append(rows[link + 1])
                steps.append(step.astype(X.dtype))
            else:
                made[:] = polynomial_rows(X[rows], degree, n, rng)
        self.provenance_ = (
            Provenance.joined(data.n_samples, len(X_res), X.dtype, bases, neighbors, steps)
            if self.topology == "bus"
            else None
        )
        return made_by_plan(X_res, plan)
