"""Assembled-SMOTE: SMOTE within clusters of the borderline rows that share a direction."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from .._checks import check_int, check_real
from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs, seed_from
from ..base import Generated
from ._base import BaseSMOTE, Job, apportion


class AssembledSMOTE(BaseSMOTE):
    """Assembled-SMOTE (Zhou, Yang, Guo and Hu, "A quasi-linear SVM combined with
    assembled SMOTE for imbalanced data classification", IJCNN 2013), as smote-variants
    implements ``Assembled_SMOTE``, ninth of the 85 oversamplers ranked by Kovacs (2019).

    The samples of a class to oversample that have a sample of another class among their
    ``n_neighbors`` nearest (among all samples) are its border. The border is clustered
    by single linkage, except that two clusters of at least ``pop`` samples each merge
    only if their principal directions agree (``|cos| > thres``), so that each cluster
    follows one stretch of the class boundary; the other samples of the class form one
    more cluster. The class's new samples are spread over the clusters in proportion to
    their sizes (exactly), and each is SMOTE within its cluster: a sample of the cluster
    drawn uniformly, one of its ``n_neighbors`` nearest in the cluster, a uniform step
    (a cluster of one sample makes copies of it).

    smote-variants sets a pair of clusters that may not merge aside for good once one of
    them merges with a third (its distance matrix keeps the pair's infinite distance); here
    a pair set aside is reconsidered once either cluster has changed, as single linkage
    over the changed clusters defines. Its steps are a normalised pair of uniform draws;
    here they are uniform, as in SMOTE. The clustering holds a 4-byte key of the distance
    of each pair of border rows (``2 * n_border**2`` bytes).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    n_neighbors : int, default=5
        Neighbours for the border test (among all samples) and for SMOTE within a
        cluster (at most the cluster's samples minus 1 are used).
    pop : int, default=2
        Clusters smaller than this merge without the direction test (at least 1).
    thres : float, default=0.3
        The least ``|cos|`` between two clusters' principal directions for them to merge
        (in [0, 1]).
    n_jobs : int or None, default=None
        Threads for the searches, the distances and the generation: None or -1 for every
        core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    clusters_ : dict
        Class label -> the cluster of each of the class's samples (in the order they
        come in X): 0, 1, ... for the border's clusters, -1 for the other samples.
    provenance_ : Provenance
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import AssembledSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = AssembledSMOTE(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([450, 450])
    """

    _densify_sparse = True
    #: The parameters that take a neighbour estimator (``--approximate`` sets them):
    #: none, its ``n_neighbors`` is a count.
    _neighbor_searches: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        n_neighbors: int = 5,
        pop: int = 2,
        thres: float = 0.3,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.pop = pop
        self.thres = thres
        self.n_jobs = n_jobs

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        k = check_int("n_neighbors", self.n_neighbors, 1)
        pop = check_int("pop", self.pop, 1)
        thres = check_real("thres", self.thres, 0.0, 1.0)
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        codes, n_new = data.plan(strategy)
        if not codes:
            return self._interpolate(data, [], seed, n_threads)
        search = NeighborSearch("n_neighbors", k)
        rows = [data.rows_of(code) for code in codes]
        others, _ = search.other_class_counts(data, rows, n_threads)
        self.clusters_: dict[Any, np.ndarray] = {}
        jobs = []
        for code, n, class_rows, other in zip(codes, n_new, rows, others):
            border = other > 0
            cluster = np.full(len(class_rows), -1, dtype=np.int64)
            cluster[border] = _core.assembled_clusters(data.X, class_rows[border], pop, thres, n_threads)
            self.clusters_[data.label(code)] = cluster
            groups = [class_rows[cluster == c] for c in range(int(cluster.max()) + 1)]
            if not border.all():
                groups.append(class_rows[~border])
            counts = apportion(n, np.array([len(g) for g in groups], dtype=np.float64))
            for part, (members, count) in enumerate(zip(groups, counts)):
                if count == 0:
                    continue
                if len(members) == 1:  # a cluster of one sample: copies of it
                    jobs.append(Job(code, part, members, None, np.zeros((1, 1), dtype=np.int64), int(count)))
                else:
                    within = min(k, len(members) - 1)
                    jobs.append(Job(code, part, members, None, within, int(count)))
        return self._interpolate(data, jobs, seed, n_threads)
