"""SMOTE followed by a cleaning step that removes the noisy samples it left or made."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import get_tags

from .._validation import Dataset, seed_from
from ..base import (
    BaseCleaningSampler,
    BaseOverSampler,
    BaseSampler,
    SamplerEstimatorTags,
    compact_rows,
    dask_fit_resample,
    is_dask_input,
)
from ..over_sampling import SMOTE
from ..under_sampling import EditedNearestNeighbours, IterativePartitioningFilter, TomekLinks


def _owned_array(X_over: Any, X: Any) -> bool:
    """Whether the over-sampler's output ``X_over`` is a plain array of its own, which
    nothing else (the caller's ``X`` above all) can see."""
    return (
        type(X_over) is np.ndarray
        and X_over.flags.writeable
        and not (isinstance(X, np.ndarray) and np.may_share_memory(X, X_over))
    )


class _OverThenClean(BaseSampler):
    """Runs an over-sampler (``smote``), then a cleaning sampler on its output."""

    #: The cleaning parameter's name (its fitted clone is stored as ``<name>_``) and class.
    _cleaner_param: str
    _cleaner_type: type[BaseCleaningSampler]

    def __sklearn_tags__(self) -> SamplerEstimatorTags:
        tags = super().__sklearn_tags__()
        # Sparse X is for the over-sampler to take (any estimator): every cleaner takes it.
        tags.input_tags.sparse = self.smote is None or get_tags(self.smote).input_tags.sparse
        return tags

    def _parts(self) -> tuple[BaseOverSampler, BaseCleaningSampler]:
        smote = self.smote
        if smote is None:
            over: BaseOverSampler = SMOTE(
                sampling_strategy=self.sampling_strategy, random_state=self.random_state, n_jobs=self.n_jobs
            )
        elif isinstance(smote, BaseOverSampler):
            over = clone(smote)
        else:
            raise TypeError(
                f"smote must be None or a fast-smote over-sampler (such as SMOTE()), got {smote!r}"
            )
        cleaner = getattr(self, self._cleaner_param)
        if cleaner is None:
            clean = self._default_cleaner()
        elif isinstance(cleaner, self._cleaner_type):
            clean = clone(cleaner)
        else:
            raise TypeError(
                f"{self._cleaner_param} must be None or a fast-smote "
                f"{self._cleaner_type.__name__}, got {cleaner!r}"
            )
        self._seed_approximate_search(clean)
        self.smote_ = over
        setattr(self, f"{self._cleaner_param}_", clean)
        return over, clean

    def _default_cleaner(self) -> BaseCleaningSampler:
        return self._cleaner_type(sampling_strategy="all", n_jobs=self.n_jobs)

    def _validate_estimator(self) -> None:
        """Checks ``smote`` and the cleaner, and sets their clones ``smote_`` and
        ``<cleaner>_`` (imbalanced-learn's method, which code written for it calls)."""
        self._parts()

    def _seed_approximate_search(self, clean: BaseCleaningSampler) -> None:
        """A cleaner has no ``random_state``: an ``ApproximateNearestNeighbors`` in it
        without one takes the combination's (when it has one), so that a fixed
        ``random_state`` makes the whole run reproducible."""
        from ..neighbors import ApproximateNearestNeighbors

        search = getattr(clean, "n_neighbors", None)
        if (
            self.random_state is not None
            and isinstance(search, ApproximateNearestNeighbors)
            and search.random_state is None
        ):
            clean.set_params(n_neighbors=clone(search).set_params(random_state=seed_from(self.random_state)))

    def _record(self, over: BaseOverSampler) -> None:
        self.sampling_strategy_ = self.sampling_strategy
        self._record_features(over.n_features_in_, getattr(over, "feature_names_in_", None))

    def _check(self, X: Any, y: Any) -> Dataset:
        """What ``fit`` runs: the parameters, and the data as the over-sampler checks it."""
        over, _ = self._parts()
        data = over._check(X, y)
        self._record(over)
        return data

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Over-sample, then clean the result.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like or Series of shape (n_samples,)

        Returns
        -------
        X_resampled : ndarray or DataFrame
            The over-sampler's output (originals first, then the new rows) with the
            cleaned samples removed; ``<cleaner>_.sample_indices_`` gives the rows of
            that output that were kept.
        y_resampled : ndarray or Series
        """
        if is_dask_input(X, y):
            return dask_fit_resample(self, X, y)
        over, clean = self._parts()
        X_over, y_over = over.fit_resample(X, y)
        self._record(over)
        if not _owned_array(X_over, X):
            return clean.fit_resample(X_over, y_over)
        # The over-sampler's array is this call's alone: the kept rows move up inside it
        # instead of into a copy beside it, which would double the peak memory.
        data = clean._fit_kept(X_over, y_over)
        kept = clean.sample_indices_
        return compact_rows(X_over, kept), data.wrap_y(data.y[kept])


class SMOTETomek(_OverThenClean):
    """SMOTE, then removal of the Tomek links in the result.

    A drop-in for ``imblearn.combine.SMOTETomek``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        The default SMOTE's ``sampling_strategy`` (ignored when ``smote`` is given).
    random_state : None, int, RandomState or Generator, default=None
        The default SMOTE's seed (ignored when ``smote`` is given), and the seed of an
        ``ApproximateNearestNeighbors`` without ``random_state`` in ``enn``.
    smote : fast-smote over-sampler or None, default=None
        Any fast-smote over-sampler (``SMOTE``, ``BorderlineSMOTE``, ``ADASYN``,
        ``SMOTENC`` ...), cloned; None for ``SMOTE(sampling_strategy=sampling_strategy,
        random_state=random_state, n_jobs=n_jobs)``.
    tomek : TomekLinks or None, default=None
        The cleaning step, cloned; None for ``TomekLinks(sampling_strategy='all',
        n_jobs=n_jobs)``.
    n_jobs : int or None, default=None
        Threads for the default SMOTE and TomekLinks.

    Attributes
    ----------
    smote_ : over-sampler
        The fitted over-sampler (with its ``provenance_``).
    tomek_ : TomekLinks
        The fitted cleaner; its ``sample_indices_`` are rows of the over-sampled data.
    sampling_strategy_ : as given
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import SMOTETomek
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = np.array([0] * 180 + [1] * 20)
    >>> X_res, y_res = SMOTETomek(random_state=0).fit_resample(X, y)
    >>> bool((np.bincount(y_res) <= 180).all())
    True
    """

    _cleaner_param = "tomek"
    _cleaner_type = TomekLinks

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        smote: Any = None,
        tomek: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.smote = smote
        self.tomek = tomek
        self.n_jobs = n_jobs


class SMOTEENN(_OverThenClean):
    """SMOTE, then cleaning of the result with edited nearest neighbours.

    A drop-in for ``imblearn.combine.SMOTEENN``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        The default SMOTE's ``sampling_strategy`` (ignored when ``smote`` is given).
    random_state : None, int, RandomState or Generator, default=None
        The default SMOTE's seed (ignored when ``smote`` is given), and the seed of an
        ``ApproximateNearestNeighbors`` without ``random_state`` in ``enn``.
    smote : fast-smote over-sampler or None, default=None
        Any fast-smote over-sampler, cloned; None for
        ``SMOTE(sampling_strategy=sampling_strategy, random_state=random_state, n_jobs=n_jobs)``.
    enn : EditedNearestNeighbours or None, default=None
        The cleaning step, cloned; None for
        ``EditedNearestNeighbours(sampling_strategy='all', n_jobs=n_jobs)``.
    n_jobs : int or None, default=None
        Threads for the default SMOTE and EditedNearestNeighbours.

    Attributes
    ----------
    smote_ : over-sampler
        The fitted over-sampler (with its ``provenance_``).
    enn_ : EditedNearestNeighbours
        The fitted cleaner; its ``sample_indices_`` are rows of the over-sampled data.
    sampling_strategy_ : as given
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import SMOTEENN
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = np.array([0] * 180 + [1] * 20)
    >>> X_res, y_res = SMOTEENN(random_state=0).fit_resample(X, y)
    >>> len(y_res) < 360
    True
    """

    _cleaner_param = "enn"
    _cleaner_type = EditedNearestNeighbours

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        smote: Any = None,
        enn: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.smote = smote
        self.enn = enn
        self.n_jobs = n_jobs


class SMOTEIPF(_OverThenClean):
    """SMOTE, then the iterative-partitioning filter on the result (Saez, Luengo,
    Stefanowski and Herrera, "SMOTE-IPF: addressing the noisy and borderline examples
    problem in imbalanced classification by a re-sampling method with filtering",
    Information Sciences 291, 2015), third of the 85 oversamplers ranked by Kovacs
    (2019).

    The filter (:class:`IterativePartitioningFilter`) removes, from every class, the
    samples (original or new) that most decision trees, each trained on one of
    ``n_partitions`` parts of the data, misclassify, round after round until
    ``n_rounds`` rounds in a row remove fewer than ``p`` of the samples.

    smote-variants trains each tree on all parts but one (a cross-validation); this
    class trains each on one part, as the paper's filter does, which also makes each
    tree about ``n_partitions - 1`` times cheaper.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        The default SMOTE's ``sampling_strategy`` (ignored when ``smote`` is given).
    random_state : None, int, RandomState or Generator, default=None
        The seed of the default SMOTE and of the default filter.
    smote : fast-smote over-sampler or None, default=None
        Any fast-smote over-sampler, cloned; None for ``SMOTE(sampling_strategy=
        sampling_strategy, random_state=random_state, n_jobs=n_jobs)``.
    ipf : IterativePartitioningFilter or None, default=None
        The filter, cloned; None for ``IterativePartitioningFilter(sampling_strategy=
        'all', random_state=random_state, n_jobs=n_jobs)`` (9 parts, majority vote,
        3 quiet rounds under 1 %, decision trees: the paper's settings).
    n_jobs : int or None, default=None
        Threads for the default SMOTE and filter.

    Attributes
    ----------
    smote_ : over-sampler
        The fitted over-sampler (with its ``provenance_``).
    ipf_ : IterativePartitioningFilter
        The fitted filter; its ``sample_indices_`` are rows of the over-sampled data.
    sampling_strategy_ : as given
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import SMOTEIPF
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> y = np.array([0] * 270 + [1] * 30)
    >>> X_res, y_res = SMOTEIPF(random_state=0).fit_resample(X, y)
    >>> bool((np.bincount(y_res) <= 270).all())
    True
    """

    _cleaner_param = "ipf"
    _cleaner_type = IterativePartitioningFilter

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        smote: Any = None,
        ipf: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.smote = smote
        self.ipf = ipf
        self.n_jobs = n_jobs

    def _default_cleaner(self) -> BaseCleaningSampler:
        return IterativePartitioningFilter(
            sampling_strategy="all", random_state=self.random_state, n_jobs=self.n_jobs
        )
