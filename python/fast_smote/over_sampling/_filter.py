"""Over-samplers that pick their base samples near the class border: Borderline-SMOTE
and SVM-SMOTE."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import clone

from .. import _core
from .._errors import NotASupportVectorMachineError, UnsuitableDataError
from .._neighbors import NeighborSearch, danger_and_noise
from .._validation import Dataset, StrategyDict, check_n_jobs, estimator_random_state, seed_from
from ..base import Generated, warn_count
from ._base import BaseSMOTE, Job

_COMMON_PARAMETERS = """
    sampling_strategy : float, str, dict or callable, default='auto'
        How many samples to reach per class, as for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed of the generation. The same seed gives byte-identical output whatever
        ``n_jobs`` is.
    k_neighbors : int or estimator, default=5
        Nearest neighbours to interpolate toward (the sample itself excluded), or an
        estimator with ``kneighbors`` whose lists include the sample itself.
    m_neighbors : int or estimator, default=10
        Nearest neighbours among all samples (the sample itself excluded) that decide
        whether a sample is in danger (at least half, but not all, from other
        classes) or noise (all from other classes); or such an estimator."""


class BorderlineSMOTE(BaseSMOTE):
    __doc__ = f"""Borderline-SMOTE: SMOTE from the minority samples in danger only.

    A drop-in for ``imblearn.over_sampling.BorderlineSMOTE``. A sample of a class to
    oversample is *in danger* when at least half, but not all, of its ``m_neighbors``
    nearest neighbours among all samples belong to other classes. New samples start
    from danger samples only: ``'borderline-1'`` interpolates toward one of the
    sample's ``k_neighbors`` nearest neighbours of its own class; ``'borderline-2'``
    toward one of its ``k_neighbors`` nearest neighbours of any class, with the step
    toward a neighbour of another class further scaled by a uniform draw in
    ``[0, 0.5)`` so that the new sample stays nearer its own class. A class without
    any danger sample gets no new samples (with a warning).

    Parameters
    ----------{_COMMON_PARAMETERS}
    kind : {{'borderline-1', 'borderline-2'}}, default='borderline-1'
    n_jobs : int or None, default=None
        Threads for the searches and the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label -> number of samples asked for, ordered by class label.
    nn_k_, nn_m_ : estimator
        The neighbour estimators (fitted clones for estimator parameters; unfitted
        ``NearestNeighbors`` describing the core's search for ints).
    in_danger_indices : dict
        Class label -> rows of X found in danger (the base samples), for each class
        that has any.
    provenance_ : Provenance
        Base, neighbour, step (and, for 'borderline-2', the neighbour's class) of
        every synthetic row.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import BorderlineSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = BorderlineSMOTE(random_state=0).fit_resample(X, y)
    >>> (y_res == 0).sum() == (y_res == 1).sum()
    np.True_
    """

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 5,
        m_neighbors: Any = 10,
        kind: str = "borderline-1",
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.kind = kind
        self.n_jobs = n_jobs

    def _check_kind(self) -> None:
        if self.kind not in ("borderline-1", "borderline-2"):
            raise ValueError(f"kind must be 'borderline-1' or 'borderline-2', got {self.kind!r}")

    @staticmethod
    def _in_danger(label: Any, other: np.ndarray, m: int, n: int) -> np.ndarray:
        """Which samples of class ``label`` are in danger, by their other-class
        neighbour counts ``other`` among ``m`` (also on Dask); a warning when none is."""
        danger: np.ndarray = danger_and_noise(other, m)[0]
        if not danger.any():
            warn_count(
                "BorderlineSMOTE", label, n, 0,
                f"none of its {len(other)} samples is in danger (at least half but "
                f"not all of its {m} nearest neighbours from other classes)",
            )  # fmt: skip
        return danger

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        self._check_kind()
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        m_search = NeighborSearch("m_neighbors", self.m_neighbors, seed)
        self.nn_k_, self.nn_m_ = k_search.estimator, m_search.estimator
        codes, n_new = data.plan(strategy)
        rows = [data.rows_of(code) for code in codes]
        others, m = m_search.other_class_counts(data, rows, n_threads)
        everyone = np.arange(data.n_samples)
        self.in_danger_indices: dict[Any, np.ndarray] = {}
        jobs = []
        for code, n, class_rows, other in zip(codes, n_new, rows, others):
            label = data.classes[code]
            danger = class_rows[self._in_danger(data.label(code), other, m, n)]
            if len(danger) == 0:
                continue
            self.in_danger_indices[label] = danger
            if self.kind == "borderline-1":
                k_search.check_size(len(class_rows), f"class {data.label(code)!r}")
                neighbors = k_search.for_job(data.X, danger, class_rows)
                jobs.append(Job(code, 0, danger, class_rows, neighbors, n))
            else:
                k_search.check_size(data.n_samples, "X")
                neighbors = k_search.for_job(data.X, danger, everyone)
                jobs.append(Job(code, 0, danger, everyone, neighbors, n, 1.0, data.codes != code))
        return self._interpolate(data, jobs, seed, n_threads, any_class_neighbors=self.kind == "borderline-2")


class SVMSMOTE(BaseSMOTE):
    __doc__ = f"""SVM-SMOTE: SMOTE from the support vectors of an SVM.

    A drop-in for ``imblearn.over_sampling.SVMSMOTE``. An SVM (``SVC`` by default) is
    fitted on all the data; the support vectors of a class to oversample are its base
    samples. Support vectors whose ``m_neighbors`` nearest neighbours all belong to
    other classes are noise and dropped; those in danger (at least half from other
    classes) interpolate toward one of their ``k_neighbors`` nearest neighbours of
    their class; the safe ones extrapolate away from it, by a step of up to
    ``out_step``. A Beta(10, 10) draw splits each class's new samples between the two.
    When a class has no support vector in danger, or none safe, only the other part
    is made, so the class gets fewer samples than asked (with a warning).

    Parameters
    ----------{_COMMON_PARAMETERS}
    svm_estimator : estimator or None, default=None
        A classifier exposing ``support_`` after fitting; default
        ``SVC(gamma='scale', random_state=random_state)``. It is cloned.
    out_step : float, default=0.5
        Largest extrapolation step, in ``[0, 1]``.
    n_jobs : int or None, default=None
        Threads for the searches and the generation: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
    nn_k_, nn_m_ : estimator
    svm_estimator_ : estimator
        The fitted SVM.
    provenance_ : Provenance
        Base, neighbour and step of every synthetic row (negative steps extrapolate).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from fast_smote import SVMSMOTE
    >>> X, y = make_classification(n_samples=500, weights=[0.9], random_state=0)
    >>> X_res, y_res = SVMSMOTE(random_state=0).fit_resample(X, y)
    >>> int((y_res == 0).sum()) == 450 and len(y_res) > 500
    True
    """

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 5,
        m_neighbors: Any = 10,
        svm_estimator: Any = None,
        out_step: float = 0.5,
        n_jobs: int | None = None,
    ) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.svm_estimator = svm_estimator
        self.out_step = out_step
        self.n_jobs = n_jobs

    def _fitted_svm(self, data: Dataset) -> Any:
        if self.svm_estimator is None:
            from sklearn.svm import SVC

            svm = SVC(gamma="scale", random_state=estimator_random_state(self.random_state))
        elif hasattr(self.svm_estimator, "fit"):
            svm = clone(self.svm_estimator)
        else:
            raise TypeError(
                f"svm_estimator must be None or a classifier with fit, got {self.svm_estimator!r}"
            )
        try:
            with np.errstate(over="ignore"):  # X's variance past float64: the fit's error says it
                svm.fit(data.X, data.y)
        except ValueError as exc:  # such as scikit-learn's SVC on values near float64's limits
            raise UnsuitableDataError(
                f"the SVM could not be fitted to X ({exc}); SVMSMOTE needs features the SVM can "
                "solve for: scale them first (for example with sklearn.preprocessing.StandardScaler)"
            ) from exc
        if not hasattr(svm, "support_"):
            raise NotASupportVectorMachineError(
                f"svm_estimator {type(svm).__name__} has no support_ attribute after fitting; "
                "SVMSMOTE needs a support vector machine (such as sklearn.svm.SVC)"
            )
        return svm

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        out_step = self.out_step
        if isinstance(out_step, (bool, np.bool_)) or not isinstance(out_step, numbers.Real):
            raise TypeError(f"out_step must be a float in [0, 1], got {out_step!r}")
        if not 0.0 <= out_step <= 1.0:
            raise ValueError(f"out_step must be in [0, 1], got {out_step}")
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        m_search = NeighborSearch("m_neighbors", self.m_neighbors, seed)
        self.nn_k_, self.nn_m_ = k_search.estimator, m_search.estimator
        codes, n_new = data.plan(strategy)
        self.svm_estimator_ = self._fitted_svm(data)
        support = np.asarray(self.svm_estimator_.support_, dtype=np.int64)
        vectors = [support[data.codes[support] == code] for code in codes]
        others, m = m_search.other_class_counts(data, vectors, n_threads)
        jobs = []
        for code, n, sv, other in zip(codes, n_new, vectors, others):
            label = data.label(code)
            class_rows = data.rows_of(code)
            if len(sv) == 0:
                raise ValueError(
                    f"the SVM has no support vector in class {label!r}, so SVMSMOTE has no "
                    "sample to start from: try another SMOTE variant"
                )
            danger, noise = danger_and_noise(other, m)
            if noise.all():
                raise ValueError(
                    f"all {len(sv)} support vectors of class {label!r} are noise (all of their "
                    f"{m} nearest neighbours belong to other classes); SVMSMOTE cannot "
                    "oversample it: try another SMOTE variant"
                )
            k_search.check_size(len(class_rows), f"class {label!r}")
            in_danger, safe = sv[danger], sv[~danger & ~noise]
            n_interpolated = int(_core.split_fraction(seed, code) * (n + 1))
            parts = [(in_danger, n_interpolated, 1.0), (safe, n - n_interpolated, -float(out_step))]
            for part, (bases, count, scale) in enumerate(parts):
                if len(bases):
                    jobs.append(
                        Job(
                            code,
                            part,
                            bases,
                            class_rows,
                            k_search.for_job(data.X, bases, class_rows),
                            count,
                            scale,
                        )
                    )
            missing = [what for what, bases in (("in danger", in_danger), ("safe", safe)) if len(bases) == 0]
            if missing:
                made = n_interpolated if len(in_danger) else n - n_interpolated
                warn_count(
                    "SVMSMOTE", label, n, made,
                    f"none of its support vectors is {missing[0]}, so only the "
                    f"{'interpolated' if len(in_danger) else 'extrapolated'} share was made",
                )  # fmt: skip
        return self._interpolate(data, jobs, seed, n_threads)
