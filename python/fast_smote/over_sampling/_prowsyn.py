"""ProWSyn: more new samples from the samples nearer the other classes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_int, check_real
from .._neighbors import kneighbors
from .._validation import Dataset, StrategyDict, check_class_sizes, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, Job, apportion


class ProWSyn(BaseSMOTE):
    """Proximity Weighted Synthetic oversampling (Barua, Islam and Murase, PAKDD 2013).

    The samples of a class to oversample are split into proximity levels by their
    closeness to the other classes: level 1 is every sample that is among the
    ``n_neighbors`` nearest samples of the class (among those not yet in a level) of
    some sample of another class; level 2 is found the same way among the rest, and so
    on for ``levels - 1`` rounds, the samples left forming level ``levels``. A sample of
    level ``l`` weighs ``exp(-theta * (l - 1))``: the class's new samples are spread over
    its samples in proportion to weight (exactly: each gets the floor of its share and
    the largest remainders one more), and each new sample interpolates from its sample
    toward another sample of the same level drawn uniformly, with a uniform step in
    ``[0, 1)``. A level of one sample draws its partners from the whole class.

    Multiclass data are oversampled class by class, the other classes together playing
    the majority's part. smote-variants' ``ProWSyn`` differs from the paper in three
    ways, where this class follows the paper: it runs ``levels`` rounds and puts the
    rest in level ``levels`` too, it draws levels by weight regardless of their size
    (weighting levels, not samples), and its steps are not uniform (a normalised pair
    of uniform draws).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    n_neighbors : int, default=5
        The paper's K: how many of the class's nearest samples each sample of another
        class claims for the current level.
    levels : int, default=5
        The paper's L: the number of proximity levels (at least 1; 1 weighs every
        sample alike).
    theta : float, default=1.0
        The paper's theta (at least 0): how fast the weight falls from level to level.
    n_jobs : int or None, default=None
        Threads for the searches and the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    proximity_levels_ : dict
        Class label -> the level (1 to ``levels``) of each of the class's samples, in
        the order they come in X.
    provenance_ : Provenance
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import ProWSyn
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = ProWSyn(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    """

    #: The parameters that take a neighbour estimator (``--approximate`` sets them):
    #: none, its ``n_neighbors`` is a count.
    _neighbor_searches: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        n_neighbors: int = 5,
        levels: int = 5,
        theta: float = 1.0,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.levels = levels
        self.theta = theta
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        n_neighbors = check_int("n_neighbors", self.n_neighbors, 1)
        levels = check_int("levels", self.levels, 1)
        theta = check_real("theta", self.theta, 0.0)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        self.proximity_levels_: dict[Any, np.ndarray] = {}
        codes, n_new = data.plan(strategy)
        check_class_sizes(data, codes, 2, "ProWSyn's interpolation")
        jobs = []
        for code, n in zip(codes, n_new):
            label = data.label(code)
            rows = data.rows_of(code)
            level = self._levels(data, code, rows, n_neighbors, levels, n_threads)
            self.proximity_levels_[label] = level
            counts = apportion(n, np.exp(-theta * (level - 1.0)))
            for part, at in enumerate(np.unique(level)):
                members = np.flatnonzero(level == at)
                if len(members) > 1:
                    jobs.append(Job(code, part, rows[members], None, "others", counts[members]))
                else:  # a level of one sample: partners from the whole class
                    others = np.delete(np.arange(len(rows)), members)[None, :]
                    jobs.append(Job(code, part, rows[members], rows, others, counts[members]))
        return self._interpolate(data, jobs, seed, n_threads)

    @staticmethod
    def _levels(
        data: Dataset, code: int, rows: np.ndarray, k: int, levels: int, n_threads: int | None
    ) -> np.ndarray:
        """The proximity level (1 to ``levels``) of each of the class's ``rows``."""
        level = np.full(len(rows), levels, dtype=np.int64)
        others = np.flatnonzero(data.codes != code)
        remaining = np.arange(len(rows))
        for current in range(1, levels):
            if len(remaining) == 0 or len(others) == 0:
                break
            # With k or fewer left, each is among every other-class sample's k nearest.
            if len(remaining) <= k:
                claimed = remaining
            else:
                claimed = remaining[np.unique(kneighbors(data.X, k, others, rows[remaining], n_threads))]
            level[claimed] = current
            remaining = np.setdiff1d(remaining, claimed, assume_unique=True)
        return level
