"""SMOTE for categorical features: SMOTENC (mixed continuous and categorical) and
SMOTEN (categorical only). Distances and votes run in the Rust core on integer codes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from .. import _core
from .._category_codes import ALL_COLUMNS, CategoricalFeatures, smotenc_space
from .._neighbors import NeighborSearch
from .._validation import Dataset, StrategyDict, check_n_jobs, check_X_y, seed_from
from ..base import BaseOverSampler, Generated, SamplerEstimatorTags
from ._base import BaseSMOTE, Job


def _encoder(categorical_encoder: Any, default: Any, table: np.ndarray) -> Any:
    """The fitted ``categorical_encoder_``: a clone of the user's encoder, or ``default``,
    fitted on the category table."""
    return (default if categorical_encoder is None else clone(categorical_encoder)).fit(table)


class SMOTENC(BaseSMOTE):
    """SMOTE for data with continuous and categorical features (SMOTE-NC).

    A drop-in for ``imblearn.over_sampling.SMOTENC``. Each new sample of a class starts
    from a sample ``x`` drawn uniformly from the class and one of its ``k_neighbors``
    nearest neighbours ``x_nn`` within the class: its continuous features are
    ``x + step * (x_nn - x)`` with ``step`` uniform in ``[0, 1)``, and each categorical
    feature takes the most frequent value among the ``k_neighbors`` neighbours of ``x``
    (a tie goes to the value of the nearest of the tied neighbours). The distance adds
    to the squared Euclidean distance of the continuous features the square of the
    median of the class's continuous standard deviations for every categorical feature
    that differs (one-hot columns scaled by that median over √2, as in the paper and
    imbalanced-learn).

    Parameters
    ----------
    categorical_features : 'auto' or array-like
        The categorical columns: indices, a boolean mask, or column names (DataFrame);
        ``'auto'`` takes a DataFrame's ``category``, ``object`` and ``string`` columns.
        There must be both categorical and continuous columns.
    categorical_encoder : estimator or None, default=None
        A one-hot encoder with one column per category, cloned and fitted on each
        column's categories; None for ``OneHotEncoder(handle_unknown='ignore')``. It
        only decides which values are valid: distances and votes use the categories.
    sampling_strategy : float, str, dict or callable, default='auto'
        As for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed; the same seed gives byte-identical output whatever ``n_jobs`` is.
    k_neighbors : int or estimator, default=5
        Nearest neighbours per sample (itself excluded), or an estimator with
        ``kneighbors`` whose lists include the sample itself, fitted on the one-hot
        scaled rows of each class.
    n_jobs : int or None, default=None
        Threads: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
    categorical_features_ : ndarray of int
        Positions of the categorical columns.
    continuous_features_ : ndarray of int
        Positions of the continuous columns.
    categorical_encoder_ : estimator
        The fitted encoder.
    median_std_ : dict
        Class label -> median of the class's continuous standard deviations.
    nn_k_ : estimator
    provenance_ : Provenance
        Base, neighbour and step of the continuous part of every synthetic row.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Notes
    -----
    Continuous columns are returned as float (float32 stays float32, other numeric
    types become float64); categorical columns keep their values and dtypes (a
    ``category`` column keeps its categories). In a DataFrame, missing values of a
    categorical column form their own category.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import SMOTENC
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([rng.normal(size=100), rng.integers(0, 3, size=100)])
    >>> y = np.array([0] * 80 + [1] * 20)
    >>> X_res, y_res = SMOTENC(categorical_features=[1], random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res), set(X_res[:, 1]) <= {0.0, 1.0, 2.0}
    (array([80, 80]), True)
    """

    _densify_sparse = True

    def __init__(
        self,
        categorical_features: Any,
        *,
        categorical_encoder: Any = None,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 5,
        n_jobs: int | None = None,
    ) -> None:
        self.categorical_features = categorical_features
        self.categorical_encoder = categorical_encoder
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.n_jobs = n_jobs

    def _check_X_y(self, X: Any, y: Any) -> Dataset:
        if self.categorical_features is None:
            raise ValueError(
                "SMOTENC needs categorical_features: column indices, names, a boolean mask or "
                "'auto' (a DataFrame's category, object and string columns); got None"
            )
        return check_X_y(X, y, categorical_features=self.categorical_features)

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        features = data.categorical
        assert features is not None
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        self.categorical_features_ = features.columns
        self.continuous_features_ = features.continuous_columns
        default = OneHotEncoder(handle_unknown="ignore", dtype=data.X.dtype)
        categories = features.category_table()
        self.categorical_encoder_ = _encoder(self.categorical_encoder, default, categories)
        self._check_one_hot(categories)
        self.nn_k_ = k_search.estimator
        self.median_std_: dict[Any, float] = {}
        jobs = []
        for code, n_new in zip(*data.plan(strategy)):
            rows = data.rows_of(code)
            k_search.check_size(len(rows), f"class {data.label(code)!r}")
            space, self.median_std_[data.classes[code]] = smotenc_space(
                data.X, features.codes, features.cardinalities, rows, rows, n_threads
            )
            table = k_search.table(space, np.arange(len(rows)), None, n_threads)
            jobs.append(Job(code, 0, rows, None, table, n_new))
        made = self._interpolate(data, jobs, seed, n_threads)
        provenance = self.provenance_
        assert provenance is not None  # recorded by _interpolate
        # Each synthetic row's categories: the vote of its base sample's k neighbours.
        bases = np.split(provenance.base_index, np.cumsum([job.n_new for job in jobs])[:-1])
        voters = [
            # Every job here carries the table searched above (an array).
            job.bases[cast(np.ndarray, job.neighbors)[np.searchsorted(job.bases, base)]]
            for job, base in zip(jobs, bases)
        ]
        new_codes = _core.vote(
            features.codes, np.concatenate(voters) if voters else np.empty((0, 1), np.int64), n_threads
        )
        return replace(made, categorical=new_codes)

    def _check_one_hot(self, table: np.ndarray) -> None:
        """The encoder must make one column per category and know every category."""
        encoder = self.categorical_encoder_
        n_categories = sum(len(c) for c in encoder.categories_)
        encoded = encoder.transform(table)
        if encoded.shape[1] != n_categories:
            raise ValueError(
                f"SMOTENC needs a one-hot encoding with one column per category, but "
                f"categorical_encoder makes {encoded.shape[1]} columns for {n_categories} categories "
                "(does it drop a category or merge infrequent ones?); use an encoder that "
                "keeps every category, such as OneHotEncoder(handle_unknown='ignore')"
            )
        if not (np.asarray(encoded.sum(axis=1)).ravel() == table.shape[1]).all():
            raise ValueError(
                "categorical_encoder does not know every category of the categorical columns "
                "(was it given fixed categories?); it must encode every value of X"
            )


class SMOTEN(BaseOverSampler):
    """SMOTE for categorical features only (SMOTE-N).

    A drop-in for ``imblearn.over_sampling.SMOTEN``. Each new sample of a class comes
    from a sample ``x`` drawn uniformly from the class: each feature takes the most
    frequent value among ``x`` and its ``k_neighbors`` nearest neighbours within the
    class (a tie goes to ``x``'s value if tied, else to the nearest tied neighbour's).
    Distances are the Value Difference Metric over all classes:
    ``d(a, b) = Σ_f (Σ_c |P(c | a_f) - P(c | b_f)|)²``, with ``P(c | v)`` the share of
    class ``c`` among the samples whose feature ``f`` is ``v``.

    Parameters
    ----------
    categorical_encoder : estimator or None, default=None
        An ordinal encoder, cloned and fitted on each column's categories; None for
        ``OrdinalEncoder(dtype=np.int32)``. It only decides which values are valid.
    sampling_strategy : float, str, dict or callable, default='auto'
        As for :class:`SMOTE`.
    random_state : None, int, RandomState or Generator, default=None
        Seed; the same seed gives byte-identical output whatever ``n_jobs`` is.
    k_neighbors : int or estimator, default=5
        Nearest neighbours per sample (itself excluded), or an estimator with
        ``kneighbors`` whose lists include the sample itself; an estimator is given
        the class's precomputed distances (``metric='precomputed'``).
    n_jobs : int or None, default=None
        Threads: None or -1 for every core.

    Attributes
    ----------
    sampling_strategy_ : dict
    categorical_encoder_ : estimator
        The fitted encoder.
    nn_k_ : estimator
        The neighbour estimator, with ``metric='precomputed'``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

    Notes
    -----
    Every column keeps its values and dtype (arrays and DataFrames alike). In a
    DataFrame, missing values of a column form their own category.

    Examples
    --------
    >>> import numpy as np
    >>> from fast_smote import SMOTEN
    >>> X = np.array([["a", "x"]] * 30 + [["b", "y"]] * 10 + [["a", "y"]] * 5, dtype=object)
    >>> y = np.array([0] * 30 + [1] * 15)
    >>> X_res, y_res = SMOTEN(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res)
    array([30, 30])
    """

    _densify_sparse = True

    def __init__(
        self,
        categorical_encoder: Any = None,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        k_neighbors: Any = 5,
        n_jobs: int | None = None,
    ) -> None:
        self.categorical_encoder = categorical_encoder
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> SamplerEstimatorTags:
        tags = super().__sklearn_tags__()
        # Every feature is a category: strings are values, a missing value a category.
        tags.input_tags.string = tags.input_tags.categorical = tags.input_tags.allow_nan = True
        return tags

    def _check_X_y(self, X: Any, y: Any) -> Dataset:
        return check_X_y(X, y, categorical_features=ALL_COLUMNS)

    def _generate(self, data: Dataset, strategy: StrategyDict) -> Generated:
        features = data.categorical
        assert features is not None
        n_threads = check_n_jobs(self.n_jobs)
        seed = seed_from(self.random_state)
        k_search = NeighborSearch("k_neighbors", self.k_neighbors, seed)
        k_search.refuse_approximate("SMOTEN", "the Value Difference Metric has no approximate search")
        self.categorical_encoder_ = _encoder(
            self.categorical_encoder,
            OrdinalEncoder(dtype=np.int32, encoded_missing_value=-1),
            features.category_table(),
        )
        if k_search.given_int or not k_search.in_core:
            # fast-smote's NearestNeighbors is run by the core's own metric search instead.
            k_search.estimator.set_params(metric="precomputed")
        self.nn_k_ = k_search.estimator
        shares = _class_shares(features, data)
        codes, n_made = data.plan(strategy)
        new_codes = []
        for code, n_new in zip(codes, n_made):
            rows = data.rows_of(code)
            k_search.check_size(len(rows), f"class {data.label(code)!r}")
            metric = (features.codes, features.cardinalities, shares, rows)
            if k_search.in_core:
                table = _core.value_difference_kneighbors(*metric, k_search.searched_k, n_threads)
            else:
                table = k_search.precomputed_table(_core.value_difference_pairwise(*metric, n_threads))
            drawn = _core.draw_positions(seed, code, len(rows), n_new, n_threads)
            # The sample itself votes first, then its neighbours, nearest first.
            voters = np.column_stack([rows[drawn], rows[table[drawn]]])
            new_codes.append(_core.vote(features.codes, voters, n_threads))
        categorical = np.concatenate(new_codes) if new_codes else np.empty((0, features.n_features), np.int32)
        return Generated(np.empty((data.n_samples + len(categorical), 0)), codes, n_made, categorical)


def _class_shares(features: CategoricalFeatures, data: Dataset) -> np.ndarray:
    """For each category of each feature (stacked feature after feature), the share of
    each class among the samples with that category."""
    n_classes = len(data.classes)
    blocks = []
    for j, cardinality in enumerate(features.cardinalities):
        pairs = features.codes[:, j].astype(np.int64) * n_classes + data.codes
        counts = np.bincount(pairs, minlength=cardinality * n_classes).reshape(cardinality, n_classes)
        totals = counts.sum(axis=1, keepdims=True)
        blocks.append(np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0))
    return np.ascontiguousarray(np.concatenate(blocks))
