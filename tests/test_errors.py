"""Bad input gets a clear ValueError/TypeError that names the problem, and changes nothing."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

import fast_smote
from conftest import make_imbalanced


@pytest.fixture
def data():
    return make_imbalanced([50, 12])


def _raises(exc, match, X, y, **params):
    X_before = np.array(X, copy=True) if isinstance(X, np.ndarray) else None
    with pytest.raises(exc, match=match):
        fast_smote.resample(X, y, **params)
    if X_before is not None:
        np.testing.assert_array_equal(X, X_before)


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
def test_bad_sampling_strategy(data, strategy, exc, match):
    _raises(exc, match, *data, sampling_strategy=strategy)


def test_float_strategy_on_multiclass():
    X, y = make_imbalanced([50, 20, 10])
    _raises(ValueError, "only defined for binary targets", X, y, sampling_strategy=0.5)


@pytest.mark.parametrize(
    "n_jobs, exc, match",
    [
        (0, ValueError, "n_jobs=0 leaves no thread"),
        (-1000, ValueError, "leaves no thread"),
        (1.5, TypeError, "n_jobs must be None or an int"),
        ("2", TypeError, "n_jobs"),
    ],
)
def test_bad_n_jobs(data, n_jobs, exc, match):
    _raises(exc, match, *data, n_jobs=n_jobs)


@pytest.mark.parametrize(
    "random_state, exc, match",
    [
        (-1, ValueError, "between 0 and 2\\*\\*32 - 1"),
        (2**32, ValueError, "between 0"),
        ("seed", TypeError, "random_state must be"),
        (1.5, TypeError, "random_state must be"),
        (True, TypeError, "cannot be a bool"),
    ],
)
def test_bad_random_state(data, random_state, exc, match):
    _raises(exc, match, *data, random_state=random_state)


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
