"""The SMOTE family, the categorical and cleaning samplers and sparse X: data and side-by-side tasks."""

from __future__ import annotations

import functools
import hashlib
import importlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_classification
from sklearn.svm import SVC

import fast_smote

from ._cases import BINARY, CLASS_SHIFT, DATA_SEED, SAMPLER_SEED, Case, _short_count, make_data
from ._measure import Effort, best_of, timed
from ._results import SideBySide
from ._samplers import _measure_sampler

#: Columns of the family's data.
FAMILY_FEATURES = 20


#: Rows of the family's data in the full and the quick run.
FAMILY_ROWS = 100_000


QUICK_FAMILY_ROWS = 10_000


#: ``make_classification`` settings of the family's data: a 10 % minority (a little
#: more after ``flip_y``), two Gaussian clusters per class, overlapping enough that
#: about a fifth of the minority rows are in danger (half or more of their 10 nearest
#: neighbours from the majority) and a few percent are noise, as the border-based
#: variants need.
FAMILY_DATA: dict[str, Any] = {
    "n_informative": 10,
    "n_redundant": 4,
    "n_clusters_per_class": 2,
    "weights": [0.9],
    "class_sep": 1.0,
    "flip_y": 0.01,
}


#: KMeansSMOTE's clustering (``MiniBatchKMeans(n_clusters=...)``) and threshold for both
#: libraries: with the default 8 clusters and ``'auto'`` threshold (0.5 for a binary
#: target) no cluster of this data qualifies. With these, 5 or more clusters do.
KMEANS_CLUSTERS = 20


KMEANS_BALANCE_THRESHOLD = 0.1


class _Memoized:
    """Mixin: ``fit`` on data seen before restores that fit instead of refitting.

    Lets the benchmark time a sampler without its scikit-learn fit (the fit each
    library would make anyway, fitted once beforehand), so that "the rest" is measured
    rather than taken as a difference of two long, noisy times. Clones (both libraries
    clone the estimator they are given) share the cache, a class attribute.
    """

    _fits: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    if TYPE_CHECKING:
        # Provided by the scikit-learn estimator this class is mixed into.
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def fit(self, X: np.ndarray, y: np.ndarray | None = None, **kwargs: Any) -> Any:
        X = np.asarray(X)
        sample = X[:: max(1, len(X) // 1000)]
        key = (type(self).__name__, X.shape, X.dtype.str, hash(sample.tobytes()), repr(self.get_params()))
        if key in self._fits:
            vars(self).update(self._fits[key])
            return self
        super().fit(X, y, **kwargs)  # type: ignore[misc]
        self._fits[key] = dict(vars(self))
        return self


class MemoizedSVC(_Memoized, SVC):
    """``SVC`` that fits each dataset once per process."""


class MemoizedMiniBatchKMeans(_Memoized, MiniBatchKMeans):
    """``MiniBatchKMeans`` that fits each dataset once per process."""


@dataclass(frozen=True)
class SklearnFit:
    """The scikit-learn fit that bounds a variant's time.

    Parameters
    ----------
    label : str
        Shown in the phase table.
    param : str
        The sampler parameter that takes the estimator.
    memoized : callable
        A memoizing estimator set up as both libraries set up their default one here.
    """

    label: str
    param: str
    memoized: Callable[[], _Memoized]


#: SVMSMOTE's default SVM and KMeansSMOTE's clustering with ``KMEANS_CLUSTERS`` clusters.
SVC_FIT = SklearnFit(
    "SVC.fit", "svm_estimator", functools.partial(MemoizedSVC, gamma="scale", random_state=SAMPLER_SEED)
)


KMEANS_FIT = SklearnFit(
    "MiniBatchKMeans.fit",
    "kmeans_estimator",
    functools.partial(MemoizedMiniBatchKMeans, n_clusters=KMEANS_CLUSTERS, random_state=SAMPLER_SEED),
)


@dataclass(frozen=True)
class Data:
    """The data of side-by-side cases: how X and y are made, and how big.

    Parameters
    ----------
    n_features : int
        Columns of X.
    n_categorical : int
        How many of them are pandas ``category`` columns (X is then a DataFrame).
    make : callable
        ``make(n_samples, dtype)`` -> ``(X, y)``: deterministic, the same rows for every
        sampler and library; ``dtype`` is that of the float columns.
    settings : dict
        How ``make`` makes the data, for the JSON.
    rows, quick_rows : int
        Rows in the full and the quick run.
    """

    n_features: int
    n_categorical: int
    make: Callable[[int, str], tuple[Any, np.ndarray]]
    settings: dict[str, Any]
    rows: int
    quick_rows: int

    def columns(self, dtype: str) -> str:
        """The column types shown for X: ``float64``, ``float64+category`` or ``category``."""
        if self.n_categorical == 0:
            return dtype
        return "category" if self.n_categorical == self.n_features else f"{dtype}+category"


def make_family_data(n_samples: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (C-contiguous, ``dtype``) and int ``y`` of the family's ``make_classification``
    (float32 is the float64 data rounded)."""
    X, y = make_classification(
        n_samples=n_samples, n_features=FAMILY_FEATURES, random_state=DATA_SEED, **FAMILY_DATA
    )
    return np.ascontiguousarray(X, dtype=dtype), y


#: The family's data, also that of the cleaning samplers.
CLASSIFICATION = Data(
    FAMILY_FEATURES,
    0,
    make_family_data,
    {"generator": "sklearn.datasets.make_classification", **FAMILY_DATA},
    FAMILY_ROWS,
    QUICK_FAMILY_ROWS,
)


#: The sampler classes of imbalanced-learn, looked up by name in this order.
IMBLEARN_MODULES = ("imblearn.over_sampling", "imblearn.under_sampling", "imblearn.combine")


def imblearn_sampler(name: str) -> type:
    """imbalanced-learn's sampler class called ``name``."""
    for module_name in IMBLEARN_MODULES:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            sampler: type = getattr(module, name)
            return sampler
    raise LookupError(f"imbalanced-learn has no sampler {name!r} in {IMBLEARN_MODULES}")


@dataclass(frozen=True)
class Variant:
    """One sampler, set up the same way in both libraries.

    Parameters
    ----------
    name : str
        Part of the case id (``<prefix>-<name>-...``).
    label : str
        Shown in the tables.
    sampler : str
        Class name, the same in imbalanced-learn (``over_sampling``, ``under_sampling``
        or ``combine``) and ``fast_smote``.
    params : dict
        Keyword arguments besides ``random_state`` (and fast-smote's ``n_jobs``).
    fit : SklearnFit or None
        The scikit-learn fit that bounds the variant's time, timed apart from the rest.
    dtypes : tuple of str
        Float types of the full run (the quick run uses the first only).
    data : Data
        What the variant runs on.
    prefix : str
        First part of the case id: ``family``, ``categorical`` or ``clean``.
    """

    name: str
    label: str
    sampler: str
    params: dict[str, Any]
    fit: SklearnFit | None = None
    dtypes: tuple[str, ...] = ("float64", "float32")
    data: Data = CLASSIFICATION
    prefix: str = "family"

    def make(self, library: str, **overrides: Any) -> Any:
        """The sampler of ``library`` (``imblearn`` or ``fast_smote``), with ``overrides``
        replacing some of ``params``, and ``random_state`` set if it takes one."""
        params = {**self.params, **overrides}
        if library == "imblearn":
            sampler = imblearn_sampler(self.sampler)(**params)
        else:
            sampler = getattr(fast_smote, self.sampler)(n_jobs=None, **params)
        if "random_state" in sampler.get_params(deep=False):
            sampler.set_params(random_state=SAMPLER_SEED)
        return sampler


#: The variants, in the order they are run and printed. SVMSMOTE runs in float64 only:
#: its time is SVC.fit's (~20 s at 1e5 rows), and SVC computes in float64 whatever X is.
FAMILY = [
    Variant("smote", "SMOTE", "SMOTE", {}),
    Variant("borderline1", "BorderlineSMOTE-1", "BorderlineSMOTE", {"kind": "borderline-1"}),
    Variant("borderline2", "BorderlineSMOTE-2", "BorderlineSMOTE", {"kind": "borderline-2"}),
    Variant("svmsmote", "SVMSMOTE", "SVMSMOTE", {}, SVC_FIT, ("float64",)),
    Variant("adasyn", "ADASYN", "ADASYN", {}),
    Variant(
        "kmeanssmote",
        "KMeansSMOTE",
        "KMeansSMOTE",
        {"kmeans_estimator": KMEANS_CLUSTERS, "cluster_balance_threshold": KMEANS_BALANCE_THRESHOLD},
        KMEANS_FIT,
    ),
    Variant("random", "RandomOverSampler", "RandomOverSampler", {}),
    Variant("random-shrinkage", "RandomOverSampler shrinkage=1", "RandomOverSampler", {"shrinkage": 1.0}),
]


@dataclass(frozen=True)
class FamilyCase:
    """One variant on its data of one size and float type (the SMOTE family's or the
    categorical and cleaning section's)."""

    variant: Variant
    n_samples: int
    dtype: str

    @property
    def shape(self) -> str:
        return f"{_short_count(self.n_samples)} x {self.variant.data.n_features}"

    @property
    def columns(self) -> str:
        """The column types of X, as shown: e.g. ``float32`` or ``float64+category``."""
        return self.variant.data.columns(self.dtype)

    @property
    def id(self) -> str:
        """Unique name, matched by ``--cases``: e.g. ``family-adasyn-1e5x20-float64``."""
        size = f"{_short_count(self.n_samples)}x{self.variant.data.n_features}"
        return f"{self.variant.prefix}-{self.variant.name}-{size}-{self.columns}"


def side_by_side_cases(variants: Sequence[Variant], quick: bool) -> list[FamilyCase]:
    """Every variant at its data's rows in each of its float types, or at its data's
    quick rows in its first float type for the quick run."""
    if quick:
        return [FamilyCase(v, v.data.quick_rows, v.dtypes[0]) for v in variants]
    return [FamilyCase(v, v.data.rows, dtype) for v in variants for dtype in v.dtypes]


def family_task(case: FamilyCase, library: str, effort: Effort) -> dict[str, Any]:
    """``library``'s sampler of the case's variant, timed like SMOTE.

    For a variant bounded by a scikit-learn fit, two more measurements in the same
    process: the fit alone (``fit_seconds``, best of runs, each from a cold cache) and
    ``fit_resample`` given that fit already made (``rest_seconds``, through a memoizing
    estimator, so with everything but the fit). For a cleaning sampler, a digest of the
    rows it kept (``kept_rows_sha256``, of its sorted ``sample_indices_``).
    """
    variant = case.variant
    X, y = variant.data.make(case.n_samples, case.dtype)
    with warnings.catch_warnings():
        # Count warnings (rounding, no danger sample): the tables show the rows made.
        warnings.simplefilter("ignore", UserWarning)
        sampler = variant.make(library)
        result, _ = _measure_sampler(sampler, X, y, effort)
        if hasattr(sampler, "sample_indices_"):
            kept = np.sort(np.asarray(sampler.sample_indices_, dtype=np.int64))
            result["kept_rows_sha256"] = hashlib.sha256(kept.tobytes()).hexdigest()
        sklearn_fit = variant.fit
        if sklearn_fit is not None:

            def fit_alone(first: bool) -> dict[str, float]:
                _Memoized._fits.clear()
                return {"fit": timed(functools.partial(sklearn_fit.memoized().fit, X, y))}

            result["fit_seconds"] = best_of(fit_alone, effort)[0]["fit"]
            sampler = variant.make(library, **{sklearn_fit.param: sklearn_fit.memoized()})
            rest, _ = _measure_sampler(sampler, X, y, effort)
            result["rest_seconds"] = rest["seconds"]
    return result


@dataclass
class FamilyResult(SideBySide):
    """Both libraries on one side-by-side case."""

    case: FamilyCase
    imblearn: dict[str, Any]
    fast_smote: dict[str, Any]

    def output_bytes(self, result: dict[str, Any]) -> int:
        # The rows made can differ between the libraries: each is measured on its own.
        return int(result["bytes_out"])

    def rest(self, sampler: str) -> float | None:
        """``sampler``'s seconds besides its scikit-learn fit (None without a fit)."""
        result: dict[str, Any] = getattr(self, sampler)
        rest_seconds: float | None = result.get("rest_seconds")
        return rest_seconds

    def same_kept_rows(self) -> bool | None:
        """Whether both libraries kept the same rows of X (None unless both samplers
        report the rows they kept, as the cleaning samplers do)."""
        imblearn_kept = self.imblearn.get("kept_rows_sha256")
        fast_kept = self.fast_smote.get("kept_rows_sha256")
        return None if imblearn_kept is None or fast_kept is None else imblearn_kept == fast_kept

    def background_cores(self) -> float:
        cores: list[float] = [self.imblearn["background_cores"], self.fast_smote["background_cores"]]
        return max(cores)

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``--json``, with the derived ratios."""
        variant = self.case.variant
        out: dict[str, Any] = {
            "case": {
                "id": self.case.id,
                "variant": variant.label,
                "sampler": variant.sampler,
                "params": variant.params,
                "n_samples": self.case.n_samples,
                "n_features": variant.data.n_features,
                "dtype": self.case.columns,
                "data": variant.data.settings,
            },
            "imblearn": self.imblearn,
            "fast_smote": self.fast_smote,
        }
        if variant.fit is not None:
            out["sklearn_fit"] = variant.fit.label
        same_kept = self.same_kept_rows()
        if same_kept is not None:
            out["same_kept_rows"] = same_kept
        return self.with_ratios(out)


def section_of(case: FamilyCase) -> str:
    """The section (table and JSON key) of a side-by-side case."""
    return {"family": "family", "sparse": "sparse"}.get(case.variant.prefix, "categorical_and_cleaning")


#: Categories of each ``category`` column of the mixed and the categorical data.
CATEGORIES = (3, 5, 7, 9, 12)


#: Float columns of the mixed data (SMOTENC's), before its ``category`` columns.
MIXED_CONTINUOUS = 10


#: Class shares of the mixed and the categorical (SMOTEN's) data.
MIXED_PROPORTIONS = (0.85, 0.15)


CATEGORICAL_PROPORTIONS = (0.75, 0.25)


#: Rows of the categorical data. imblearn's SMOTEN computes every VDM distance within a
#: class: for a class of m rows its time and memory grow as m^2 (peak extra RSS about two
#: m x m float64 matrices: 1.5 GiB and ~25 s for the 1e4-row minority here).
CATEGORICAL_ROWS = 40_000


#: Rows of the mixed and the categorical data in the quick run.
QUICK_CATEGORICAL_ROWS = 5_000


def make_mixed_data(
    n_samples: int, dtype: str, n_continuous: int, proportions: tuple[float, ...]
) -> tuple[pd.DataFrame, np.ndarray]:
    """A DataFrame and int ``y``: ``n_continuous`` float columns ``x0, x1, ...`` (the
    Gaussian classes of the SMOTE cases), then one ``category`` column ``c0, c1, ...``
    per entry of ``CATEGORIES``.

    Each class draws a column's categories with its own frequencies (from a flat
    Dirichlet), so the classes differ in every column.
    """
    X, y = make_data(Case("mixed", n_samples, n_continuous, dtype, proportions))
    rng = np.random.default_rng(DATA_SEED + 1)
    columns: dict[str, Any] = {f"x{j}": X[:, j] for j in range(n_continuous)}
    for j, n_categories in enumerate(CATEGORIES):
        codes = np.empty(n_samples, dtype=np.int8)
        for label, shares in enumerate(rng.dirichlet(np.ones(n_categories), size=len(proportions))):
            rows = np.flatnonzero(y == label)
            codes[rows] = rng.choice(n_categories, size=len(rows), p=shares)
        columns[f"c{j}"] = pd.Categorical.from_codes(codes, [f"c{j}_{v}" for v in range(n_categories)])
    return pd.DataFrame(columns), y


def _mixed(n_continuous: int, proportions: tuple[float, ...], rows: int) -> Data:
    """The data of ``make_mixed_data`` with these settings."""
    settings = {
        "generator": "make_mixed_data",
        "continuous": n_continuous,
        "class_shift": CLASS_SHIFT,
        "categories": CATEGORIES,
        "proportions": proportions,
    }
    make = functools.partial(make_mixed_data, n_continuous=n_continuous, proportions=proportions)
    n_categorical = len(CATEGORIES)
    return Data(n_continuous + n_categorical, n_categorical, make, settings, rows, QUICK_CATEGORICAL_ROWS)


#: SMOTENC's data (float and ``category`` columns) and SMOTEN's (``category`` columns only).
MIXED = _mixed(MIXED_CONTINUOUS, MIXED_PROPORTIONS, FAMILY_ROWS)


CATEGORICAL = _mixed(0, CATEGORICAL_PROPORTIONS, CATEGORICAL_ROWS)


#: The categorical and cleaning section, in the order it is run and printed: SMOTENC and
#: SMOTEN on their own data, then SMOTE with cleaning and the cleaning samplers alone on
#: the family's. Every sampler with its defaults, ``categorical_features='auto'`` (the
#: ``category`` columns) for SMOTENC. float64 only: the cleaning samplers search all
#: rows (SMOTETomek and SMOTEENN 1.8e5 of them, ~80 s each for imblearn), and
#: float32 would add about as much time again for speed-ups like float64's (measured
#: once).
CATEGORICAL_AND_CLEANING = [
    Variant(name, sampler, sampler, params, dtypes=("float64",), data=data, prefix=prefix)
    for prefix, name, sampler, params, data in [
        ("categorical", "smotenc", "SMOTENC", {"categorical_features": "auto"}, MIXED),
        ("categorical", "smoten", "SMOTEN", {}, CATEGORICAL),
        ("clean", "smotetomek", "SMOTETomek", {}, CLASSIFICATION),
        ("clean", "smoteenn", "SMOTEENN", {}, CLASSIFICATION),
        ("clean", "tomek", "TomekLinks", {}, CLASSIFICATION),
        ("clean", "enn", "EditedNearestNeighbours", {}, CLASSIFICATION),
    ]
]


#: Columns of the TF-IDF-like data, stored values per row, and the "topic" columns the
#: minority draws half of its values from (which makes its rows each other's neighbours).
TFIDF_COLUMNS = 100_000


TFIDF_VALUES_PER_ROW = 100


TFIDF_TOPIC_COLUMNS = 2_000


TFIDF_PROPORTIONS = BINARY


def make_tfidf_data(n_samples: int, dtype: str) -> tuple[sp.csr_matrix, np.ndarray]:
    """A TF-IDF-like ``csr_matrix`` (rows of unit length, ``TFIDF_VALUES_PER_ROW`` positive
    values each, 0.1 % of ``TFIDF_COLUMNS``) and int ``y`` with a 10 % minority, built
    row-wise without ever holding a dense row."""
    rng = np.random.default_rng(DATA_SEED)
    counts = Case("tfidf", n_samples, TFIDF_COLUMNS, dtype, TFIDF_PROPORTIONS).counts
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    columns = rng.integers(0, TFIDF_COLUMNS, size=(n_samples, TFIDF_VALUES_PER_ROW))
    topical = (y == 1)[:, None] & (np.arange(TFIDF_VALUES_PER_ROW) % 2 == 0)
    columns[topical] = rng.integers(0, TFIDF_TOPIC_COLUMNS, size=int(topical.sum()))
    values = rng.exponential(size=columns.shape)
    values /= np.linalg.norm(values, axis=1, keepdims=True)
    X = sp.csr_matrix(
        (values.ravel().astype(dtype), columns.ravel(), np.arange(0, columns.size + 1, TFIDF_VALUES_PER_ROW)),
        shape=(n_samples, TFIDF_COLUMNS),
    )
    X.sum_duplicates()  # a column drawn twice in a row: one value
    return X, y


#: The TF-IDF-like data: 1e5 rows in the full run, 1e4 in the quick one.
TFIDF = Data(
    TFIDF_COLUMNS,
    0,
    make_tfidf_data,
    {
        "generator": "make_tfidf_data",
        "values_per_row": TFIDF_VALUES_PER_ROW,
        "topic_columns": TFIDF_TOPIC_COLUMNS,
        "proportions": TFIDF_PROPORTIONS,
    },
    100_000,
    10_000,
)


#: Both libraries' SMOTE on sparse X: the output stays sparse in both (float64 only).
SPARSE = [Variant("smote", "SMOTE (csr)", "SMOTE", {}, dtypes=("float64",), data=TFIDF, prefix="sparse")]
