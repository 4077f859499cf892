"""Inputs of every shape and type come back as the caller would expect, untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from samplers import every_sampler

import fast_smote
from conftest import make_imbalanced


@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.float64, np.float64),
        (np.float32, np.float32),
        (np.float16, np.float32),
        (np.int64, np.float64),
        (np.int32, np.float64),
        (np.uint8, np.float64),
        (bool, np.float64),
    ],
)
def test_dtypes(dtype, expected):
    X, y = make_imbalanced([80, 20])
    X = (X * 10).astype(dtype)
    X_res, _ = fast_smote.resample(X, y, random_state=0)
    assert X_res.dtype == expected
    np.testing.assert_array_equal(X_res[:100], X.astype(expected))


def test_integer_features_are_not_truncated():
    X, y = make_imbalanced([80, 20])
    X = (X * 3).astype(np.int64)
    X_res, _ = fast_smote.resample(X, y, random_state=0)
    assert np.any(X_res[100:] != np.round(X_res[100:])), "synthetic rows were rounded"


def test_lists_come_back_as_lists_with_the_arrays_values():
    X, y = make_imbalanced([30, 10])
    X_res, y_res = fast_smote.resample(X.tolist(), y.tolist(), random_state=0)
    # imbalanced-learn's convention: a list in gives a list out.
    assert isinstance(X_res, list) and isinstance(y_res, list)
    X_arr, y_arr = fast_smote.resample(X, y, random_state=0)
    assert X_res == X_arr.tolist() and y_res == y_arr.tolist()
    cleaner = fast_smote.TomekLinks()
    kept, labels = cleaner.fit_resample(X.tolist(), y.tolist())
    assert kept == X[cleaner.sample_indices_].tolist() and labels == y[cleaner.sample_indices_].tolist()


def test_one_hot_y_gives_the_same_rows_and_comes_back_one_hot():
    X, y = make_imbalanced([40, 15, 10])
    one_hot = np.eye(3, dtype=np.int32)[y]
    X_res, y_res = fast_smote.resample(X, y, random_state=0)
    X_ova, y_ova = fast_smote.resample(X, one_hot, random_state=0)
    np.testing.assert_array_equal(X_ova, X_res)
    assert y_ova.dtype == np.int32 and y_ova.shape == (len(y_res), 3)
    np.testing.assert_array_equal(y_ova, np.eye(3, dtype=np.int32)[y_res])


def test_multilabel_y_is_refused():
    X, _ = make_imbalanced([40, 10])
    two_labels = np.zeros((50, 3), dtype=int)
    two_labels[:, 0] = 1
    two_labels[0, 1] = 1
    with pytest.raises(ValueError, match="multilabel targets cannot be resampled"):
        fast_smote.resample(X, two_labels)


@pytest.mark.parametrize("layout", ["fortran", "strided", "readonly"])
@pytest.mark.parametrize(
    "method, params",
    [("smote", {}), ("random", {}), ("random", {"shrinkage": 0.5})],
    ids=["smote", "copies", "smoothed"],
)
def test_memory_layouts_give_the_same_result(layout, method, params):
    X, y = make_imbalanced([120, 30])
    reference = fast_smote.resample(X, y, method=method, random_state=3, **params)[0]
    if layout == "fortran":
        X_in = np.asfortranarray(X)
    elif layout == "strided":
        wide = np.zeros((X.shape[0], 2 * X.shape[1]))
        wide[:, ::2] = X
        X_in = wide[:, ::2]
    else:
        X_in = X.copy()
        X_in.setflags(write=False)
    resampled = fast_smote.resample(X_in, y, method=method, random_state=3, **params)[0]
    np.testing.assert_array_equal(resampled, reference)


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["cat", "dog"]),
        np.array([True, False]),
        np.array([-3, 7]),
        np.array([3, 250], dtype=np.uint8),
        np.array([-(10**15), 10**15]),
        np.array([0.0, 1.0]),
        np.array(["no", "yes"], dtype=object),
    ],
    ids=["str", "bool", "int", "uint8", "wide-int", "float", "object"],
)
def test_label_types_round_trip(labels):
    X, codes = make_imbalanced([50, 15])
    y = labels[codes]
    _X_res, y_res = fast_smote.resample(X, y, random_state=0)
    assert y_res.dtype == y.dtype
    assert (y_res == labels[1]).sum() == 50 and (y_res == labels[0]).sum() == 50
    np.testing.assert_array_equal(y_res[:65], y)


def test_dataframe_round_trip_keeps_columns_and_dtypes():
    X, y = make_imbalanced([60, 20], n_features=3)
    frame = pd.DataFrame(
        {
            "f64": X[:, 0],
            "f32": X[:, 1].astype(np.float32),
            "count": (X[:, 2] * 10).astype(np.int64),
        },
        index=np.arange(100, 180),
    )
    target = pd.Series(np.where(y == 1, "fraud", "ok"), name="label", index=frame.index)
    before = frame.copy(), target.copy()
    X_res, y_res = fast_smote.resample(frame, target, random_state=0)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == ["f64", "f32", "count"]
    assert X_res.dtypes.tolist() == [np.float64, np.float32, np.float64]
    assert X_res.index.equals(pd.RangeIndex(120))
    assert y_res.name == "label" and y_res.value_counts().to_dict() == {"ok": 60, "fraud": 60}
    np.testing.assert_array_equal(X_res["f32"].to_numpy()[:80], frame["f32"].to_numpy())
    pd.testing.assert_frame_equal(frame, before[0])
    pd.testing.assert_series_equal(target, before[1])


def test_float32_frame_stays_float32_and_categorical_y_keeps_its_categories():
    X, y = make_imbalanced([40, 10], n_features=2, dtype=np.float32)
    frame = pd.DataFrame(X, columns=["a", "b"])
    target = pd.Series(pd.Categorical(np.where(y == 1, "yes", "no"), categories=["no", "yes", "maybe"]))
    X_res, y_res = fast_smote.resample(frame, target, random_state=0)
    assert X_res.dtypes.tolist() == [np.float32, np.float32]
    assert isinstance(y_res.dtype, pd.CategoricalDtype)
    assert list(y_res.cat.categories) == ["no", "yes", "maybe"]
    assert (y_res == "yes").sum() == 40


def test_feature_names_are_recorded():
    X, y = make_imbalanced([40, 10], n_features=2)
    sampler = fast_smote.SMOTE().fit(pd.DataFrame(X, columns=["a", "b"]), y)
    assert sampler.n_features_in_ == 2
    assert sampler.feature_names_in_.tolist() == ["a", "b"]
    sampler.fit(X, y)
    assert not hasattr(sampler, "feature_names_in_")


def test_inputs_are_never_modified():
    X, y = make_imbalanced([90, 10])
    X_copy, y_copy = X.copy(), y.copy()
    X_res, _ = fast_smote.resample(X, y, random_state=0)
    X_res[:] = 0  # the result does not alias the input either
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_column_vector_y_is_flattened_with_a_warning():
    X, y = make_imbalanced([40, 10])
    with pytest.warns(Warning, match="column vector"):
        _, y_res = fast_smote.resample(X, y.reshape(-1, 1), random_state=0)
    assert y_res.shape == (80,)


@pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")
@pytest.mark.parametrize("sampler", every_sampler(), ids=lambda s: type(s).__name__)
def test_one_column_frame_y_and_feature_names_out(sampler):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    X["a"] = rng.integers(0, 3, size=200).astype(float)  # a categorical column for SMOTENC/SMOTEN
    y = pd.DataFrame({"label": np.r_[np.zeros(150, int), np.ones(50, int)]})
    X_res, y_res = sampler.fit_resample(X, y)
    # A one-column DataFrame y comes back as one (imbalanced-learn does the same).
    assert isinstance(y_res, pd.DataFrame) and list(y_res.columns) == ["label"]
    assert len(y_res) == len(X_res) and y_res["label"].dtype == y["label"].dtype
    assert list(sampler.get_feature_names_out()) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        sampler.get_feature_names_out(["x", "y", "z"])
    sampler.fit_resample(X.to_numpy(), y["label"].to_numpy())
    assert list(sampler.get_feature_names_out()) == ["x0", "x1", "x2"]


@pytest.mark.parametrize("kind", ["int array", "frame", "list", "sparse int"])
def test_random_over_sampler_copies_keep_the_callers_dtypes(kind):
    X, y = make_imbalanced([40, 10])
    X_int = np.round(X * 10).astype(np.int32)
    given = {
        "int array": X_int,
        "frame": pd.DataFrame({"a": X_int[:, 0], "b": X[:, 1].astype(np.float32), "c": X_int[:, 2] > 0}),
        "list": X_int.tolist(),
        "sparse int": sp.csr_array(X_int),
    }[kind]
    sampler = fast_smote.RandomOverSampler(random_state=0)
    X_res, _ = sampler.fit_resample(given, y)
    rows = sampler.sample_indices_
    if kind == "frame":
        pd.testing.assert_frame_equal(X_res, given.iloc[rows].reset_index(drop=True))
    elif kind == "list":
        assert X_res == [given[i] for i in rows]
    else:
        assert type(X_res) is type(given) and X_res.dtype == given.dtype
        np.testing.assert_array_equal(sp.csr_array(X_res).toarray(), X_int[rows])
    # The rows drawn do not depend on the container.
    with_floats = fast_smote.RandomOverSampler(random_state=0)
    with_floats.fit_resample(X, y)
    np.testing.assert_array_equal(with_floats.sample_indices_, rows)


def test_random_over_sampler_copies_any_values_without_shrinkage():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    words = np.array(["ant", "bee", "cat"])[rng.integers(0, 3, 40)]
    numbers = rng.normal(size=40)
    numbers[[3, 35]] = [np.nan, np.inf]
    frame = pd.DataFrame({"word": pd.array(words, dtype="string"), "number": numbers})
    sampler = fast_smote.RandomOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(frame, y)
    pd.testing.assert_frame_equal(X_res, frame.iloc[sampler.sample_indices_].reset_index(drop=True))
    assert np.bincount(y_res).tolist() == [30, 30]
    # The rows are those drawn for the numeric columns alone: the values do not matter.
    numeric_only = fast_smote.RandomOverSampler(random_state=0)
    numeric_only.fit_resample(np.nan_to_num(numbers).reshape(-1, 1), y)
    np.testing.assert_array_equal(numeric_only.sample_indices_, sampler.sample_indices_)
    X_words, _ = fast_smote.RandomOverSampler(random_state=0).fit_resample(words.reshape(-1, 1), y)
    assert X_words.dtype == words.dtype
    np.testing.assert_array_equal(X_words[:, 0], words[sampler.sample_indices_])
    X_nan, _ = fast_smote.RandomOverSampler(random_state=0).fit_resample(numbers.reshape(-1, 1), y)
    np.testing.assert_array_equal(X_nan[:, 0], numbers[sampler.sample_indices_])
    # The smoothed bootstrap adds noise: it needs finite numbers.
    with pytest.raises(TypeError, match=r"non-numeric columns: 'word'"):
        fast_smote.RandomOverSampler(shrinkage=1.0).fit_resample(frame, y)
    with pytest.raises(ValueError, match="X contains NaN at row 3, column 0"):
        fast_smote.RandomOverSampler(shrinkage=1.0).fit_resample(numbers.reshape(-1, 1), y)
