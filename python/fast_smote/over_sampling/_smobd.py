"""SMOBD: SMOTE weighted by each sample's density, noise left out."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import pairwise_distances_chunked

from .. import _core
from .._checks import check_int, check_real
from .._errors import UnsuitableDataError
from .._validation import Dataset, StrategyDict, check_class_sizes, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, Job, apportion


def _counts_within(points: np.ndarray, radius: float, n_threads: int | None) -> np.ndarray:
    """How many of ``points`` (itself included) lie within ``radius`` of each, in blocks
    of rows (never the whole distance matrix at once)."""

    if radius == np.inf:
        return np.full(len(points), len(points))

    def count(block: np.ndarray, start: int) -> np.ndarray:
        counts: np.ndarray = np.count_nonzero(block <= radius, axis=1)
        return counts

    blocks = pairwise_distances_chunked(points, reduce_func=count, n_jobs=n_threads)
    return np.concatenate(list(blocks))


class SMOBD(BaseSMOTE):
    """Oversampling based on data density (Cao and Wang, ICIII 2011, "Applying
    over-sampling technique based on data density and cost-sensitive SVM to imbalanced
    learning"), as smote-variants implements ``SMOBD``.

    OPTICS (in the core, as scikit-learn's ``OPTICS`` defines it) runs over each class to
    oversample (``min_samples``, ``max_eps``). A sample
    whose core distance and reachability both exceed ``t`` times their class means is
    noise and makes no new sample; every other sample weighs ``eta1 * f1 + (1 - eta1) *
    f2``, where ``f1`` is its core distance and ``f2`` the number of the class's samples
    within ``max_eps`` of it, each divided by its largest value in the class (an infinite
    core distance counts as 1.1 times the largest finite one). The class's new samples
    are spread over its samples in proportion to weight (exactly: the floor of each
    share, and one more for the largest remainders), each interpolating toward one of
    the sample's ``min_samples`` nearest neighbours in its class, drawn uniformly, at a
    uniform step.

    smote-variants draws the bases at random by weight (here each sample makes its
    share), and one step per feature (its new samples leave the segment; here one step
    per sample, as in SMOTE).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    eta1 : float, default=0.5
        The weight of the core distance against the neighbour count (in [0, 1]).
    t : float, default=1.8
        The noise threshold, as a multiple of the class's mean core distance and
        reachability (at least 0).
    min_samples : int, default=5
        OPTICS's ``min_samples`` (at most the class's samples minus 1 are used), and the
        neighbours each sample interpolates toward.
    max_eps : float, default=inf
        OPTICS's ``max_eps``, and the radius of the neighbour count (above 0). The
        default is OPTICS's own: every sample's core distance counts, and the count
        weighs every sample alike. smote-variants' default of 1.0 leaves standardised
        data of more than a few features without neighbours within reach (it then
        returns the data unchanged; here that is an error naming ``max_eps``).
    n_jobs : int or None, default=None
        Threads for the searches and the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    densities_ : dict
        Class label -> each of the class's samples' weight (0 for noise), in the order
        they come in X, summing to 1.
    provenance_ : Provenance
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import SMOBD
    >>> X, y = make_classification(n_samples=500, n_features=4, weights=[0.9], random_state=0)
    >>> X_res, y_res = SMOBD(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    """

    _densify_sparse = True

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        eta1: float = 0.5,
        t: float = 1.8,
        min_samples: int = 5,
        max_eps: float = np.inf,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.eta1 = eta1
        self.t = t
        self.min_samples = min_samples
        self.max_eps = max_eps
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        eta1 = check_real("eta1", self.eta1, 0.0, 1.0)
        t = check_real("t", self.t, 0.0)
        min_samples = check_int("min_samples", self.min_samples, 1)
        max_eps = check_real("max_eps", self.max_eps, 0.0, above=True, infinite=True)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        self.densities_: dict[Any, np.ndarray] = {}
        codes, n_new = data.plan(strategy)
        check_class_sizes(data, codes, 3, "SMOBD's OPTICS")
        jobs = []
        for code, n in zip(codes, n_new):
            label = data.label(code)
            rows = data.rows_of(code)
            k = min(min_samples, len(rows) - 1)
            density = self._density(data.X, rows, label, (eta1, t, k, max_eps), n_threads)
            self.densities_[label] = density
            jobs.append(Job(code, 0, rows, None, k, apportion(n, density)))
        return self._interpolate(data, jobs, seed, n_threads)

    @staticmethod
    def _density(
        X: np.ndarray,
        rows: np.ndarray,
        label: Any,
        settings: tuple[float, float, int, float],
        n_threads: int | None,
    ) -> np.ndarray:
        """Each of the class's samples' weight (summing to 1; 0 for noise)."""
        eta1, t, k, max_eps = settings
        core, reach = _core.optics(X, rows, k, max_eps, n_threads)
        noise = (core > np.mean(core) * t) & (reach > np.mean(reach) * t)
        finite = np.isfinite(core)
        if not finite.any():
            raise UnsuitableDataError(
                f"no sample of class {label!r} has {k} neighbours within max_eps={max_eps:g}, "
                "so SMOBD has no density to weigh by; raise max_eps (infinity by default)"
            )
        core = np.where(finite, core, 1.1 * core[finite].max())
        within = _counts_within(X[rows], max_eps, n_threads).astype(np.float64)
        density = eta1 * core / max(core.max(), 1e-8) + (1 - eta1) * within / max(within.max(), 1e-8)
        density[noise] = 0.0
        if density.sum() == 0:
            density[:] = 1.0
        weights: np.ndarray = density / density.sum()
        return weights
