"""Cleaning samplers: remove the samples that sit among another class's samples.

Both search the nearest neighbours over all classes in the Rust core, with each
sample excluded by index (imbalanced-learn drops the first column of the list instead;
the two agree unless a sample has an exact twin).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs
from ..base import BaseCleaningSampler


def targeted_classes(data: Dataset, strategy: StrategyDict) -> np.ndarray:
    """Whether each class (by code) is one the strategy cleans."""
    targeted = np.zeros(len(data.classes), dtype=bool)
    targeted[[data.code_of[label] for label in strategy]] = True
    return targeted


class TomekLinks(BaseCleaningSampler):
    """Remove Tomek links: pairs of samples of different classes that are each other's
    nearest neighbour.

    A drop-in for ``imblearn.under_sampling.TomekLinks``. A sample in a link is removed
    when its class is one ``sampling_strategy`` targets.

    Parameters
    ----------
    sampling_strategy : str or list, default='auto'
        The classes to clean: ``'auto'`` (= ``'not minority'``), ``'majority'``,
        ``'not majority'``, ``'all'``, or a list of class labels.
    n_neighbors : int or estimator, default=1
        The nearest-neighbour search, fast-smote's addition to imbalanced-learn's
        parameters: a link joins each sample to its one nearest neighbour, so an int must
        be 1, and an estimator (whose lists include the sample itself) must have
        ``n_neighbors=2``, such as
        ``fast_smote.neighbors.ApproximateNearestNeighbors(n_neighbors=2)`` for large data.
    n_jobs : int or None, default=None
        Threads for the neighbour search: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        The targeted classes, each mapped to the minority class's size (as in
        imbalanced-learn).
    nn_ : estimator
        The neighbour estimator: the fitted clone for an estimator ``n_neighbors``; for
        the int, an unfitted ``NearestNeighbors(n_neighbors=2)`` describing the search
        the core ran.
    sample_indices_ : ndarray of int64
        The rows of X kept, in order.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import TomekLinks
    >>> X = np.array([[0.0], [1.0], [1.2], [3.0], [5.0]])
    >>> y = np.array([0, 0, 1, 1, 1])
    >>> TomekLinks(sampling_strategy="all").fit_resample(X, y)[1]
    array([0, 1, 1])
    """

    def __init__(
        self, *, sampling_strategy: Any = "auto", n_neighbors: Any = 1, n_jobs: int | None = None
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.n_neighbors = n_neighbors
        self.n_jobs = n_jobs

    def _search(self) -> NeighborSearch:
        """The checked ``n_neighbors`` (also on Dask); sets ``nn_``."""
        search = NeighborSearch("n_neighbors", self.n_neighbors)
        if search.k != 1:
            raise ValueError(
                "a Tomek link joins a sample to its one nearest neighbour: n_neighbors must "
                f"be 1 or an estimator with n_neighbors=2, got {self.n_neighbors!r}"
            )
        self.nn_ = search.estimator
        return search

    @staticmethod
    def is_tomek(y: Any, nn_index: Any, class_type: Any) -> np.ndarray:
        """Whether each sample is in a Tomek link with a sample of another class, and
        is of one of the classes ``class_type`` (imbalanced-learn's static method).

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            The class of each sample.
        nn_index : array-like of int of shape (n_samples,)
            The row of each sample's nearest neighbour (the sample itself excluded).
        class_type : list
            The classes whose samples may be marked.

        Returns
        -------
        is_tomek : ndarray of bool of shape (n_samples,)
        """
        y, nearest = np.asarray(y), np.asarray(nn_index, dtype=np.int64).ravel()
        linked = (y[nearest] != y) & (nearest[nearest] == np.arange(len(y)))
        return np.asarray(linked & np.isin(y, list(class_type)))

    def _keep(self, data: Dataset, strategy: StrategyDict) -> np.ndarray:
        search = self._search()
        n_threads = check_n_jobs(self.n_jobs)
        search.check_size(data.n_samples, "X")
        nearest = search.table(data.X, np.arange(data.n_samples), None, n_threads)[:, 0]
        targeted = np.flatnonzero(targeted_classes(data, strategy))
        return np.flatnonzero(~self.is_tomek(data.codes, nearest, targeted))


class EditedNearestNeighbours(BaseCleaningSampler):
    """Remove the samples whose nearest neighbours mostly (or at all) belong to other classes.

    A drop-in for ``imblearn.under_sampling.EditedNearestNeighbours``: for each sample of
    a targeted class, its ``n_neighbors`` nearest neighbours among all samples (itself
    excluded) vote; the sample stays if all of them (``kind_sel='all'``) or their most
    common class (``kind_sel='mode'``, ties to the smallest label) is its own class.

    Parameters
    ----------
    sampling_strategy : str or list, default='auto'
        The classes to clean: ``'auto'`` (= ``'not minority'``), ``'majority'``,
        ``'not majority'``, ``'all'``, or a list of class labels.
    n_neighbors : int or estimator, default=3
        Neighbours each sample is judged by, or an estimator with ``kneighbors`` whose
        lists include the sample itself (such as ``NearestNeighbors(n_neighbors=4)``).
    kind_sel : {'all', 'mode'}, default='all'
        ``'all'`` removes a sample when any neighbour is of another class; ``'mode'``
        when the most common class among them is another.
    n_jobs : int or None, default=None
        Threads for the neighbour search: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        The targeted classes, each mapped to the minority class's size.
    nn_ : estimator
        The neighbour estimator: the fitted clone for an estimator ``n_neighbors``; for
        an int, an unfitted ``NearestNeighbors(n_neighbors=n_neighbors + 1)`` describing
        the search the core ran.
    sample_indices_ : ndarray of int64
        The rows of X kept, class by class in label order (as in imbalanced-learn).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import EditedNearestNeighbours
    >>> X = np.array([[0.0], [0.1], [0.2], [0.15], [5.0], [5.1], [5.2]])
    >>> y = np.array([0, 0, 0, 1, 1, 1, 1])
    >>> EditedNearestNeighbours(n_neighbors=2).fit_resample(X, y)[1]
    array([0, 0, 0, 1, 1, 1])
    """

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        n_neighbors: Any = 3,
        kind_sel: str = "all",
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.n_neighbors = n_neighbors
        self.kind_sel = kind_sel
        self.n_jobs = n_jobs

    def _search(self) -> NeighborSearch:
        """The checked ``n_neighbors`` and ``kind_sel`` (also on Dask); sets ``nn_``."""
        if self.kind_sel not in ("all", "mode"):
            raise ValueError(f"kind_sel must be 'all' or 'mode', got {self.kind_sel!r}")
        search = NeighborSearch("n_neighbors", self.n_neighbors)
        self.nn_ = search.estimator
        return search

    def _kept(self, codes: np.ndarray, votes: np.ndarray) -> np.ndarray:
        """Whether each sample of class ``codes[i]`` stays, by its neighbours' classes ``votes[i]``."""
        if self.kind_sel == "all":
            return np.asarray((votes == codes[:, None]).all(axis=1))
        return np.asarray(_mode(votes) == codes)

    def _keep(self, data: Dataset, strategy: StrategyDict) -> np.ndarray:
        search = self._search()
        n_threads = check_n_jobs(self.n_jobs)
        search.check_size(data.n_samples, "X")
        codes = data.codes
        queries = np.flatnonzero(targeted_classes(data, strategy)[codes])
        keep = np.ones(data.n_samples, dtype=bool)
        if len(queries):
            votes = codes[search.table(data.X, queries, None, n_threads)]
            keep[queries] = self._kept(codes[queries], votes)
        by_class = np.argsort(codes, kind="stable")
        return by_class[keep[by_class]]


def _mode(votes: np.ndarray) -> np.ndarray:
    """The most common value of each row; among equally common ones, the smallest."""
    counts = (votes[:, :, None] == votes[:, None, :]).sum(axis=2)
    tops = counts == counts.max(axis=1, keepdims=True)
    mode: np.ndarray = np.where(tops, votes, np.iinfo(votes.dtype).max).min(axis=1)
    return mode
