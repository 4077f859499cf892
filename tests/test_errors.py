"""Every documented error: bad input gets a ValueError or TypeError whose message names
the problem, raised before anything is returned and leaving X untouched. First the
input checks every sampler shares (through ``fast_smote.resample``), then the
parameters every method shares, then each method's own errors."""

from __future__ import annotations

import inspect
import re

import imblearn.over_sampling
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

import fast_smote
from conftest import make_imbalanced

pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")

#: Every neighbour parameter of every sampler, with its default.
NEIGHBOR_PARAMETERS = [
    (method, name, parameter.default)
    for method, cls in fast_smote.METHODS.items()
    for name, parameter in inspect.signature(cls).parameters.items()
    if name.endswith("_neighbors")
]


@pytest.fixture(autouse=True)
def _serial_native_threads():
    # scikit-learn's OpenMP and BLAS thread teams (k-means, SVC, logistic regression) only
    # spin on data this small, for seconds on a busy machine. The Rust core uses neither.
    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def data():
    return make_imbalanced([50, 12], spread=1.5)


def _raises(exc, match, X, y, *, imblearn_too=False, **params):
    """``resample`` raises ``exc`` matching ``match`` and leaves X alone; with ``imblearn_too``,
    imbalanced-learn's sampler raises the same type on the same data."""
    X_before = np.array(X, copy=True) if isinstance(X, np.ndarray) else None
    with pytest.raises(exc, match=match):
        fast_smote.resample(X, y, random_state=params.pop("random_state", 0), **params)
    if X_before is not None:
        np.testing.assert_array_equal(X, X_before)
    if imblearn_too:
        method = params.pop("method")
        reference = getattr(imblearn.over_sampling, fast_smote.METHODS[method].__name__)
        with pytest.raises(exc):
            reference(random_state=0, **params).fit_resample(X, y)


# -- the input checks every sampler shares ---------------------------------------------------


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_non_finite_values(data, bad, what, dtype):
    X, y = data
    X = X.astype(dtype)
    X[7, 2] = bad
    _raises(ValueError, f"X contains {what} at row 7, column 2", X, y)


def test_nullable_frame_with_missing_values(data):
    X, y = data
    frame = pd.DataFrame({"a": pd.array([1, None] + [3] * 60, dtype="Int64"), "b": X[:, 0]})
    _raises(ValueError, "NaN at row 1, column 0", frame, y)


@pytest.mark.parametrize("shape", [(62,), (62, 2, 2)])
def test_x_not_2d(data, shape):
    _, y = data
    _raises(
        ValueError,
        re.escape(f"X must be a 2-D array of shape (n_samples, n_features), got an array of shape {shape}"),
        np.zeros(shape),
        y,
    )


def test_empty_x():
    _raises(ValueError, "X is empty", np.zeros((0, 3)), np.zeros(0))


def test_no_features(data):
    _, y = data
    _raises(ValueError, r"X has 0 feature\(s\)", np.zeros((62, 0)), y)


def test_non_numeric_columns(data):
    X, y = data
    frame = pd.DataFrame({"ok": X[:, 0], "city": ["a"] * 62, "kind": pd.Categorical(["u"] * 62)})
    _raises(TypeError, r"non-numeric columns: 'city' \(.*\), 'kind' \(category\)", frame, y)


def test_string_array(data):
    _, y = data
    _raises(TypeError, "dtype <U1, which is not numeric", np.full((62, 2), "a"), y)
    _raises(TypeError, "non-numeric values", np.array([["a", 1.0]] * 62, dtype=object), y)


def test_length_mismatch(data):
    X, y = data
    _raises(ValueError, "X has 62, y has 61", X, y[:-1])


def test_y_not_1d(data):
    X, _ = data
    _raises(ValueError, "y must be 1-D", X, np.full((62, 2), 3.5))
    _raises(ValueError, "y must be 1-D", X, np.zeros((62, 2, 1)))


def test_y_that_is_an_indicator_matrix_without_one_label_per_row(data):
    X, _ = data
    _raises(ValueError, "multilabel targets cannot be resampled", X, np.zeros((62, 2), dtype=int))
    _raises(ValueError, "multilabel targets cannot be resampled", X, np.ones((62, 3), dtype=int))


def test_one_class(data):
    X, _ = data
    _raises(ValueError, "y has a single class", X, np.ones(62))


@pytest.mark.parametrize("y_kind", ["continuous", "multilabel"])
def test_y_that_is_not_class_labels(data, y_kind):
    X, _ = data
    if y_kind == "continuous":
        _raises(ValueError, "Unknown label type: y must hold class labels", X, np.linspace(0, 1, 62))
    else:
        y = np.eye(3, dtype=int)[np.arange(62) % 3]
        y[:, 0] = 1
        _raises(ValueError, "multilabel targets cannot be resampled", X, y)


def test_class_too_small_for_k(data):
    X, _ = data
    y = np.array([0] * 58 + [1] * 4)
    _raises(ValueError, r"class 1 has 4 samples, but k_neighbors=5 needs at least 6", X, y)
    X_res, _ = fast_smote.resample(X, y, k_neighbors=3, random_state=0)
    assert len(X_res) == 116
    _raises(ValueError, "class 'rare' has 4 samples", X, np.where(y == 1, "rare", "common"))


def test_class_too_small_for_the_estimator(data):
    X, _ = data
    y = np.array([0] * 58 + [1] * 4)
    _raises(
        ValueError,
        "class 1 has 4 samples, but the k_neighbors estimator with n_neighbors=6 needs at least 6",
        X,
        y,
        k_neighbors=NearestNeighbors(n_neighbors=6),
    )
    _raises(ValueError, "n_neighbors=1", X, y, k_neighbors=NearestNeighbors(n_neighbors=1))


@pytest.mark.parametrize(
    "k, exc, match",
    [
        (0, ValueError, "k_neighbors must be at least 1, got 0"),
        (-2, ValueError, "at least 1"),
        (2.5, TypeError, "k_neighbors must be an int"),
        (True, TypeError, "k_neighbors must be an int"),
        ("5", TypeError, "k_neighbors must be an int"),
        (object(), TypeError, "kneighbors_graph"),
    ],
)
def test_bad_k_neighbors(data, k, exc, match):
    _raises(exc, match, *data, k_neighbors=k)


def test_float_strategy_on_multiclass():
    X, y = make_imbalanced([50, 20, 10])
    _raises(ValueError, "only defined for binary targets", X, y, sampling_strategy=0.5)


def test_unorderable_labels(data):
    X, _ = data
    y = np.array([1, "a"] * 31, dtype=object)
    with pytest.raises((TypeError, ValueError)):
        fast_smote.resample(X, y)


def test_errors_leave_the_sampler_unfitted_of_results(data):
    X, y = data
    sampler = fast_smote.SMOTE(k_neighbors=0)
    with pytest.raises(ValueError):
        sampler.fit_resample(X, y)
    assert not hasattr(sampler, "provenance_")


# -- the parameters every method shares ----------------------------------------------------


def test_neighbor_parameters_are_found():
    assert {(method, name) for method, name, _ in NEIGHBOR_PARAMETERS} >= {
        ("smote", "k_neighbors"),
        ("borderline-smote", "k_neighbors"),
        ("borderline-smote", "m_neighbors"),
        ("svm-smote", "k_neighbors"),
        ("svm-smote", "m_neighbors"),
        ("adasyn", "n_neighbors"),
        ("kmeans-smote", "k_neighbors"),
    }


def test_unknown_method(data):
    names = ", ".join(map(repr, fast_smote.METHODS))
    _raises(
        ValueError, re.escape(f"method='smote2' is not known; use one of {names}"), *data, method="smote2"
    )


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_unknown_parameter_names_the_parameter(data, method):
    with pytest.raises(TypeError, match="kind_of_magic"):
        fast_smote.resample(*data, method=method, kind_of_magic=3)


@pytest.mark.parametrize(
    "strategy, exc, match",
    [
        ("majority", ValueError, "'majority' cannot be used with an over-sampler"),
        ("most", ValueError, "'most' is not known"),
        (0.0, ValueError, r"must be in \(0, 1\]"),
        (1.5, ValueError, r"must be in \(0, 1\]"),
        (-0.5, ValueError, r"must be in \(0, 1\]"),
        (0.1, ValueError, "nothing would be generated"),
        (12 / 50, ValueError, "nothing would be generated"),
        ({1: 5}, ValueError, "asks for 5 samples of class 1, which already has 12"),
        ({7: 100}, ValueError, r"not in y: \[7\]"),
        ({1: 20.5}, TypeError, "must be an int target count"),
        ([0, 1], ValueError, "cannot be a list"),
        (True, TypeError, "cannot be a bool"),
        (None, TypeError, "sampling_strategy must be"),
        (lambda y: [1], TypeError, "must return a dict"),
        (lambda y: {1: 3}, ValueError, "already has 12"),
    ],
    ids=str,
)
@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_bad_sampling_strategy(data, method, strategy, exc, match):
    _raises(exc, match, *data, method=method, sampling_strategy=strategy)


@pytest.mark.parametrize(
    "n_jobs, exc, match",
    [
        (0, ValueError, "n_jobs=0 leaves no thread"),
        (-1000, ValueError, "leaves no thread"),
        (1.5, TypeError, "n_jobs must be None or an int"),
        ("2", TypeError, "n_jobs"),
    ],
)
@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_bad_n_jobs(data, method, n_jobs, exc, match):
    _raises(exc, match, *data, method=method, n_jobs=n_jobs)


@pytest.mark.parametrize(
    "random_state, exc, match",
    [
        (-1, ValueError, r"random_state must be between 0 and 2\*\*32 - 1, got -1"),
        (2**32, ValueError, "between 0"),
        ("seed", TypeError, "random_state must be"),
        (1.5, TypeError, "random_state must be"),
        (True, TypeError, "cannot be a bool"),
    ],
)
@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_bad_random_state(data, method, random_state, exc, match):
    _raises(exc, match, *data, method=method, random_state=random_state)


# -- neighbour parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, exc, message",
    [
        (0, ValueError, "{name} must be at least 1, got 0"),
        (-3, ValueError, "{name} must be at least 1, got -3"),
        (2.5, TypeError, "{name} must be an int >= 1 or an estimator with kneighbors"),
        (True, TypeError, "{name} must be an int >= 1"),
        ("5", TypeError, "{name} must be an int >= 1"),
        (object(), TypeError, "kneighbors and kneighbors_graph methods"),
        (NearestNeighbors(n_neighbors=1), ValueError, "the {name} estimator asks for n_neighbors=1"),
    ],
    ids=["zero", "negative", "float", "bool", "str", "object", "estimator-of-1"],
)
@pytest.mark.parametrize("method, name, default", NEIGHBOR_PARAMETERS, ids=lambda v: str(v))
def test_bad_neighbor_parameter(data, method, name, default, value, exc, message):
    _raises(exc, re.escape(message.format(name=name)), *data, method=method, **{name: value})


@pytest.mark.parametrize("method, name, default", NEIGHBOR_PARAMETERS, ids=lambda v: str(v))
def test_neighbor_estimator_gives_the_int_result(method, name, default):
    # NearestNeighbors(n_neighbors=k + 1) lists the sample itself, then its k neighbours:
    # on tie-free data, the same search as the int k.
    X, y = make_imbalanced([150, 60, 30], spread=1.5)
    k = 3
    estimator = NearestNeighbors(n_neighbors=k + 1)
    by_int = fast_smote.METHODS[method](random_state=0, **{name: k})
    by_estimator = fast_smote.METHODS[method](random_state=0, **{name: estimator})
    X_int, _ = by_int.fit_resample(X, y)
    X_est, _ = by_estimator.fit_resample(X, y)
    assert len(X_est) > len(X)
    np.testing.assert_array_equal(X_est, X_int)
    assert not hasattr(estimator, "n_samples_fit_"), "the caller's estimator was fitted"
    fitted = getattr(by_estimator, "nn_" if name == "n_neighbors" else f"nn_{name[0]}_")
    assert fitted is not estimator and fitted.n_neighbors == k + 1
    assert getattr(by_int, "nn_" if name == "n_neighbors" else f"nn_{name[0]}_").n_neighbors == k + 1


@pytest.mark.parametrize(
    "method, params, where",
    [
        ("borderline-smote", {"m_neighbors": 62}, "X has 62 samples, but m_neighbors=62 needs at least 63"),
        ("svm-smote", {"m_neighbors": 62}, "X has 62 samples, but m_neighbors=62 needs at least 63"),
        ("adasyn", {"n_neighbors": 62}, "X has 62 samples, but n_neighbors=62 needs at least 63"),
        (
            "borderline-smote",
            {"kind": "borderline-2", "k_neighbors": 62},
            "X has 62 samples, but k_neighbors=62 needs at least 63",
        ),
        (
            "borderline-smote",
            {"m_neighbors": NearestNeighbors(n_neighbors=63)},
            "X has 62 samples, but the m_neighbors estimator with n_neighbors=63 needs at least 63",
        ),
        (
            "borderline-smote",
            {"k_neighbors": 12},
            "class 1 has 12 samples, but k_neighbors=12 needs at least 13",
        ),
        ("svm-smote", {"k_neighbors": 12}, "class 1 has 12 samples, but k_neighbors=12 needs at least 13"),
        ("adasyn", {"n_neighbors": 12}, "class 1 has 12 samples, but n_neighbors=12 needs at least 13"),
    ],
    ids=str,
)
def test_too_few_samples_for_the_neighbour_search(data, method, params, where):
    _raises(ValueError, re.escape(where), *data, method=method, imblearn_too=True, **params)


def test_m_neighbors_of_all_other_samples_works(data):
    X, y = data
    X_res, _ = fast_smote.resample(X, y, method="borderline-smote", m_neighbors=61, random_state=0)
    assert len(X_res) >= len(X)


# -- Borderline-SMOTE ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["borderline-3", "borderline1", "", None, 1])
def test_bad_kind(data, kind):
    _raises(
        ValueError,
        re.escape(f"kind must be 'borderline-1' or 'borderline-2', got {kind!r}"),
        *data,
        method="borderline-smote",
        kind=kind,
        imblearn_too=True,
    )


# -- SVM-SMOTE -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "out_step, exc, match",
    [
        ("0.5", TypeError, "out_step must be a float in [0, 1], got '0.5'"),
        (True, TypeError, "out_step must be a float in [0, 1], got True"),
        (None, TypeError, "out_step must be a float in [0, 1], got None"),
        (-0.1, ValueError, "out_step must be in [0, 1], got -0.1"),
        (1.5, ValueError, "out_step must be in [0, 1], got 1.5"),
        (float("nan"), ValueError, "out_step must be in [0, 1], got nan"),
    ],
    ids=str,
)
def test_bad_out_step(data, out_step, exc, match):
    _raises(exc, re.escape(match), *data, method="svm-smote", out_step=out_step)


@pytest.mark.parametrize("out_step", [0, 1, 0.0, 1.0])
def test_out_step_bounds_are_accepted(data, out_step):
    sampler = fast_smote.SVMSMOTE(out_step=out_step, random_state=0)
    sampler.fit_resample(*data)
    step = sampler.provenance_.step
    assert np.all(step[step < 0] > -out_step) if out_step else np.all(step >= 0)


def test_svm_without_support_vectors_attribute(data):
    _raises(
        TypeError,
        "svm_estimator LogisticRegression has no support_ attribute after fitting; SVMSMOTE needs a "
        "support vector machine",
        *data,
        method="svm-smote",
        svm_estimator=LogisticRegression(),
    )


def test_svm_estimator_that_is_not_an_estimator(data):
    _raises(
        TypeError,
        "svm_estimator must be None or a classifier with fit, got 'svc'",
        *data,
        method="svm-smote",
        svm_estimator="svc",
    )


class _MajorityOnlySVM(ClassifierMixin, BaseEstimator):
    """An 'SVM' whose support vectors are all of the majority class."""

    def fit(self, X, y):
        self.support_ = np.flatnonzero(y == 0)[:5]
        return self


def test_svm_without_support_vector_in_the_class(data):
    _raises(
        ValueError,
        "the SVM has no support vector in class 1",
        *data,
        method="svm-smote",
        svm_estimator=_MajorityOnlySVM(),
    )


def test_all_support_vectors_noise():
    # Each minority sample alone inside a ring of majority samples: all of its
    # m_neighbors=4 nearest are of the majority, so every support vector is noise.
    rng = np.random.default_rng(0)
    centres = rng.uniform(-50, 50, size=(10, 2))
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 0.5
    X = np.concatenate([(centres[:, None, :] + ring[None]).reshape(-1, 2), centres])
    y = np.array([0] * 80 + [1] * 10)
    _raises(
        ValueError,
        r"all \d+ support vectors of class 1 are noise \(all of their 4 nearest neighbours belong to "
        "other classes\\); SVMSMOTE cannot oversample it",
        X,
        y,
        method="svm-smote",
        m_neighbors=4,
        k_neighbors=3,
        imblearn_too=True,
    )


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no overflow warning before the error
def test_an_svm_that_cannot_be_fitted_is_named():
    # Values near float64's limits: scikit-learn's SVC cannot solve for them (neither in
    # imbalanced-learn); the error says what failed and what to do.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 2)) * 1e200, np.r_[np.zeros(45, int), np.ones(15, int)]
    with pytest.raises(fast_smote.UnsuitableDataError, match="the SVM could not be fitted to X") as caught:
        fast_smote.SVMSMOTE(random_state=0).fit_resample(X, y)
    assert "StandardScaler" in str(caught.value) and isinstance(caught.value, ValueError)


# -- ADASYN --------------------------------------------------------------------------------


def test_adasyn_without_a_hard_sample():
    X, y = make_imbalanced([50, 12], spread=20.0)  # far apart: every neighbour is of the class
    _raises(
        RuntimeError,
        "no neighbour of any sample of class 1 belongs to another class, so ADASYN has no hard sample",
        X,
        y,
        method="adasyn",
        imblearn_too=True,
    )


def test_adasyn_with_nothing_to_generate(data):
    # One new sample over 12 samples' shares: every share rounds to 0.
    _raises(
        ValueError,
        "ADASYN would generate no sample for class 1: 1 samples asked, but every per-sample count "
        "rounds to 0",
        *data,
        method="adasyn",
        sampling_strategy={1: 13},
        imblearn_too=True,
    )


# -- KMeans-SMOTE --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"cluster_balance_threshold": 1.5},
        {"kmeans_estimator": 40},  # clusters of a few samples: fewer than k_neighbors + 1 of the class
    ],
    ids=str,
)
def test_kmeans_smote_without_a_qualifying_cluster(data, params):
    _raises(
        RuntimeError,
        r"no cluster has enough samples of class 1 \(a share of at least",
        *data,
        method="kmeans-smote",
        imblearn_too=True,
        **params,
    )


def test_kmeans_smote_with_more_clusters_than_samples():
    X, y = np.random.default_rng(0).normal(size=(6, 2)), np.array([0, 0, 0, 0, 1, 1])
    _raises(
        ValueError,
        r"the clustering could not be fitted to X of 6 samples \(n_samples=6 should be >= n_clusters=8\.\); "
        "give kmeans_estimator fewer clusters",
        X,
        y,
        method="kmeans-smote",
        k_neighbors=1,
        imblearn_too=True,
    )


@pytest.mark.parametrize(
    "estimator, exc, match",
    [
        (0, ValueError, "kmeans_estimator as a number of clusters must be at least 1, got 0"),
        (-2, ValueError, "must be at least 1, got -2"),
        (
            "kmeans",
            TypeError,
            "kmeans_estimator must be None, an int number of clusters or a clustering "
            "estimator with fit and predict; got 'kmeans'",
        ),
        (True, TypeError, "kmeans_estimator must be None, an int number of clusters"),
        (2.0, TypeError, "kmeans_estimator must be None, an int number of clusters"),
        (NearestNeighbors(), TypeError, "with fit and predict; got NearestNeighbors()"),
    ],
    ids=str,
)
def test_bad_kmeans_estimator(data, estimator, exc, match):
    _raises(exc, re.escape(match), *data, method="kmeans-smote", kmeans_estimator=estimator)


@pytest.mark.parametrize("name", ["cluster_balance_threshold", "density_exponent"])
@pytest.mark.parametrize("value", ["high", None, True, [0.5]], ids=str)
def test_bad_kmeans_float_parameters(data, name, value):
    _raises(
        TypeError,
        re.escape(f"{name} must be 'auto' or a float, got {value!r}"),
        *data,
        method="kmeans-smote",
        **{name: value},
    )


# -- RandomOverSampler ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "shrinkage, exc, match",
    [
        (-1.0, ValueError, "shrinkage must be >= 0, got -1.0 for class 1"),
        ({1: -0.5}, ValueError, "shrinkage must be >= 0, got -0.5 for class 1"),
        ({1: float("nan")}, ValueError, "shrinkage must be >= 0, got nan for class 1"),
        (
            {0: 1.0},
            ValueError,
            "shrinkage has no factor for the classes to oversample [1]; give one for each",
        ),
        ("0.5", TypeError, "shrinkage must be None, a float or a dict, got '0.5'"),
        ([0.5], TypeError, "shrinkage must be None, a float or a dict, got [0.5]"),
        (True, TypeError, "shrinkage must be None, a float or a dict, got True"),
        ({1: "a"}, TypeError, "shrinkage[1] must be a float, got 'a'"),
    ],
    ids=str,
)
def test_bad_shrinkage(data, shrinkage, exc, match):
    _raises(exc, re.escape(match), *data, method="random", shrinkage=shrinkage)


def test_shrinkage_for_string_labels_names_the_class(data):
    X, y = data
    labels = np.array(["common", "rare"])[y]
    _raises(
        ValueError, re.escape("oversample ['rare']"), X, labels, method="random", shrinkage={"common": 1.0}
    )
