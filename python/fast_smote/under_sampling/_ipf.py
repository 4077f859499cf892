"""The iterative-partitioning filter: remove the samples an ensemble of classifiers,
each trained on one part of the data, mostly gets wrong."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone, is_classifier
from sklearn.tree import DecisionTreeClassifier

from .._checks import check_int, check_real
from .._errors import UnsuitableDataError
from .._sparse import is_sparse
from .._validation import Dataset, StrategyDict, check_n_jobs, seed_from
from ..base import BaseCleaningSampler
from ._cleaning import targeted_classes


def _partitions(codes: np.ndarray, n_partitions: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``codes``' positions split into ``n_partitions`` parts, each class dealt out
    evenly in a random order (a stratified split)."""
    # rng.permutation(len(codes))'s order, in the narrowest type that holds it.
    order = np.arange(len(codes), dtype=np.min_scalar_type(max(len(codes) - 1, 0)))
    rng.shuffle(order)
    codes_in_order = codes[order]
    part = np.empty(len(codes), dtype=np.min_scalar_type(n_partitions - 1))
    # Class by class, so that few temporaries of a row's size live at once (each stays
    # in the heap once freed): its rows in that order, dealt round-robin over the parts.
    for code in np.unique(codes):
        rows = order[codes_in_order == code]
        dealt = np.arange(len(rows))
        dealt %= n_partitions
        part[rows] = dealt
    return [np.flatnonzero(part == p) for p in range(n_partitions)]


def _too_large_for_float32() -> UnsuitableDataError:
    """The trees' own refusal of a value past float32's range, and what to do."""
    return UnsuitableDataError(
        "the filter's classifier could not be fitted to X (Input X contains a value too large "
        "for dtype('float32')); scale the features or give an estimator that takes them"
    )


def _sparse_float32(X: Any) -> Any:
    """The SciPy sparse matrix X in float32 as scikit-learn's trees convert it, refused
    where a value does not fit (dense X is converted part by part, by ``_TreeRows``)."""
    if X.dtype == np.float32:
        return X
    with np.errstate(over="ignore"):
        converted = X.astype(np.float32)
    if not np.isfinite(converted.data).all():
        raise _too_large_for_float32()
    return converted


#: Rows judged at once: every classifier predicts a block taken (and converted) once,
#: so that the filter never copies X whole, nor its remaining rows each round.
PREDICTION_BLOCK = 16_384
#: Rows converted to float32 at once: the float64 temporary stays small.
_CONVERSION_BLOCK = 2048


class _Rows:
    """X's rows as the classifiers are given them: as they are (a classifier of the
    user's; sparse X, converted to float32 once for the default trees)."""

    def __init__(self, X: Any) -> None:
        self.X = X

    def take(self, rows: np.ndarray) -> Any:
        return self.X[rows]


class _TreeRows(threading.local):
    """Dense X's rows in float32, as scikit-learn's trees read them, written into one
    room per thread that its parts and blocks reuse (the default trees keep no
    reference to the rows they are given). Rooms allocated per part and block were
    kept by the allocator: 0.9x the output more at 1e5 x 20."""

    def __init__(self, X: np.ndarray) -> None:
        self.X = X
        self.room = np.empty(0, np.float32)

    def take(self, rows: np.ndarray) -> np.ndarray:
        size = len(rows) * self.X.shape[1]
        if self.room.size < size:
            self.room = np.empty(size, np.float32)
        taken = self.room[:size].reshape(len(rows), self.X.shape[1])
        for start in range(0, len(rows), _CONVERSION_BLOCK):
            block = taken[start : start + _CONVERSION_BLOCK]
            with np.errstate(over="ignore"):
                block[...] = self.X[rows[start : start + _CONVERSION_BLOCK]]
            if not np.isfinite(block).all():
                raise _too_large_for_float32()
        return taken


def _fitted(estimator: Any, X: _Rows | _TreeRows, codes: np.ndarray, rows: np.ndarray) -> Any:
    """``estimator`` fitted on X's ``rows``."""
    return estimator.fit(X.take(rows), codes[rows])


def _wrong_votes(
    estimators: list[Any], X: _Rows | _TreeRows, codes: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """For each of X's ``rows``, how many of ``estimators`` predict another class code."""
    block, truth = X.take(rows), codes[rows]
    wrong = np.zeros(len(rows), dtype=np.min_scalar_type(len(estimators)))
    for estimator in estimators:
        wrong += estimator.predict(block) != truth
    return wrong


class IterativePartitioningFilter(BaseCleaningSampler):
    """Remove the samples that classifiers trained on parts of the data misclassify
    (Khoshgoftaar and Rebours, 2007; the filter of SMOTE-IPF).

    Round after round, the remaining samples are split at random into ``n_partitions``
    parts (each class spread evenly), one classifier is trained on each part alone, and
    every remaining sample of a targeted class is removed when most of the classifiers
    (``voting='majority'``) or all of them (``'consensus'``) predict another class.
    The rounds stop once ``n_rounds`` rounds in a row remove fewer than ``p`` times the
    original number of samples.

    Parameters
    ----------
    sampling_strategy : str or list, default='auto'
        The classes to clean: ``'auto'`` (= ``'not minority'``), ``'majority'``,
        ``'not majority'``, ``'all'``, or a list of class labels.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the partitions and of the classifiers (each gets its own seed from it).
    n_partitions : int, default=9
        Parts per round, and classifiers in each vote (at least 2).
    voting : {'majority', 'consensus'}, default='majority'
        How many classifiers must err on a sample to remove it: more than half, or all.
    n_rounds : int, default=3
        Rounds in a row that must remove few samples before the filter stops.
    p : float, default=0.01
        What "few" is: fewer than ``p`` times the number of samples given (in [0, 1]).
    estimator : classifier or None, default=None
        The classifier cloned for each part; None for a ``DecisionTreeClassifier`` (the
        paper's C4.5 is a decision tree too). Its ``random_state``, if it has one, is
        set from ``random_state``.
    n_jobs : int or None, default=None
        Classifiers trained at once (threads): None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        The targeted classes, each mapped to the minority class's size.
    n_rounds_ : int
        The rounds run.
    sample_indices_ : ndarray of int64
        The rows of X kept, in their order in X.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import IterativePartitioningFilter
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (200, 2)), rng.normal(3, 1, (200, 2))])
    >>> y = np.repeat([0, 1], 200)
    >>> X_res, y_res = IterativePartitioningFilter(sampling_strategy="all", random_state=0).fit_resample(X, y)
    >>> bool(len(y_res) < len(y))
    True
    """

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        n_partitions: int = 9,
        voting: str = "majority",
        n_rounds: int = 3,
        p: float = 0.01,
        estimator: Any = None,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_partitions = n_partitions
        self.voting = voting
        self.n_rounds = n_rounds
        self.p = p
        self.estimator = estimator
        self.n_jobs = n_jobs

    def _check_params(self) -> Any:
        """The checked parameters; returns the classifier to clone."""
        check_int("n_partitions", self.n_partitions, 2)
        check_int("n_rounds", self.n_rounds, 1)
        if self.voting not in ("majority", "consensus"):
            raise ValueError(f"voting must be 'majority' or 'consensus', got {self.voting!r}")
        check_real("p", self.p, 0.0, 1.0)
        if self.estimator is None:
            return DecisionTreeClassifier()
        if not is_classifier(self.estimator):
            raise TypeError(f"estimator must be a scikit-learn classifier, got {self.estimator!r}")
        return self.estimator

    def _keep(self, data: Dataset, strategy: StrategyDict) -> np.ndarray:
        template = self._check_params()
        n_threads = check_n_jobs(self.n_jobs)
        rng = np.random.default_rng(seed_from(self.random_state))
        cleaned = targeted_classes(data, strategy)[data.codes]
        codes = data.codes
        X: _Rows | _TreeRows = _Rows(data.X)
        if type(template) is DecisionTreeClassifier:
            # Trees read float32: converted once per part and block rather than by every tree.
            X = _Rows(_sparse_float32(data.X)) if is_sparse(data.X) else _TreeRows(data.X)
        kept = np.arange(data.n_samples)
        few = self.p * data.n_samples
        quiet, rounds = 0, 0
        with Parallel(n_jobs=n_threads or -1, prefer="threads") as parallel:
            while quiet < self.n_rounds and len(kept):
                parts = _partitions(codes[kept], self.n_partitions, rng)
                seeds = rng.integers(2**31, size=len(parts))
                estimators = [self._seeded(template, int(seed)) for seed in seeds]
                blocks = [
                    kept[start : start + PREDICTION_BLOCK] for start in range(0, len(kept), PREDICTION_BLOCK)
                ]
                try:
                    fitted = parallel(
                        delayed(_fitted)(estimator, X, codes, kept[part])
                        for estimator, part in zip(estimators, parts)
                        if len(part)
                    )
                    wrong = np.concatenate(
                        parallel(delayed(_wrong_votes)(fitted, X, codes, block) for block in blocks)
                    )
                except UnsuitableDataError:
                    raise
                except ValueError as exc:  # such as a tree's float32 copy of values past its range
                    raise UnsuitableDataError(
                        f"the filter's classifier could not be fitted to X ({exc}); scale the features "
                        "or give an estimator that takes them"
                    ) from exc
                bad = wrong > len(fitted) / 2 if self.voting == "majority" else wrong == len(fitted)
                bad &= cleaned[kept]
                kept = kept[~bad]
                rounds += 1
                quiet = quiet + 1 if np.count_nonzero(bad) < few else 0
        self.n_rounds_ = rounds
        return kept

    @staticmethod
    def _seeded(template: Any, seed: int) -> Any:
        estimator = clone(template)
        if "random_state" in estimator.get_params():
            estimator.set_params(random_state=seed)
        return estimator
