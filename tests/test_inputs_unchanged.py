"""Nothing a caller hands a sampler is changed by it: X and y in every layout and
container (values, dtype, memory layout and flags, index, columns, name) after ``fit``
and ``fit_resample``, and the estimators and other mutable objects given as parameters
(scikit-learn's convention: parameters are stored as given, fitting works on clones)."""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
from samplers import CASES
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import fast_smote
from conftest import make_imbalanced

pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")

X_KINDS = ("C float64", "F float32", "strided view", "read-only", "int32", "list of lists", "DataFrame")
Y_KINDS = ("ndarray", "list", "Series")
LABELS = np.array(["common", "rare", "rarest"])


@pytest.fixture(autouse=True)
def _serial_native_threads():
    # scikit-learn's OpenMP and BLAS thread teams (k-means, SVC) only spin on data this small.
    with threadpool_limits(limits=1):
        yield


# -- taking and comparing snapshots --------------------------------------------------------


def _array_state(a: np.ndarray) -> dict[str, Any]:
    """What a caller can observe of an array: values, type, layout, flags, memory."""
    return {
        "values": a.copy(order="K"),
        "dtype": a.dtype,
        "shape": a.shape,
        "strides": a.strides,
        "data": a.__array_interface__["data"][0],
        "flags": {flag: a.flags[flag] for flag in ("C_CONTIGUOUS", "F_CONTIGUOUS", "WRITEABLE", "OWNDATA")},
        "base": a.base,
    }


def _snapshot(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return _array_state(obj)
    if isinstance(obj, list):
        return copy.deepcopy(obj), [id(item) for item in obj], [type(item) for item in obj]
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        return obj.copy(deep=True), dict(obj.attrs), obj.flags.allows_duplicate_labels
    raise TypeError(type(obj))


def _assert_unchanged(obj: Any, before: Any, what: str) -> None:
    if isinstance(obj, np.ndarray):
        after = _array_state(obj)
        for key in ("dtype", "shape", "strides", "data", "flags"):
            assert after[key] == before[key], f"{what}: {key} was {before[key]}, is {after[key]}"
        assert after["base"] is before["base"], f"{what}: base changed"
        assert np.array_equal(after["values"], before["values"]), f"{what}: values changed"
    elif isinstance(obj, list):
        values, ids, types = before
        assert [id(item) for item in obj] == ids, f"{what}: items replaced"
        assert [type(item) for item in obj] == types, f"{what}: item types changed"
        assert obj == values, f"{what}: values changed"
    elif isinstance(obj, pd.DataFrame):
        frame, attrs, duplicates = before
        pd.testing.assert_frame_equal(obj, frame, check_exact=True, check_flags=True, obj=what)
        assert list(obj.dtypes) == list(frame.dtypes), what
        assert obj.attrs == attrs and obj.flags.allows_duplicate_labels == duplicates, what
    else:
        series, attrs, duplicates = before
        pd.testing.assert_series_equal(obj, series, check_exact=True, check_flags=True, obj=what)
        assert obj.name == series.name and obj.index.name == series.index.name, what
        assert obj.attrs == attrs and obj.flags.allows_duplicate_labels == duplicates, what


def _scribble_on(result: Any) -> None:
    """Overwrites what can be overwritten in place of a result: if it shared memory or
    items with the input, the input changes too."""
    if isinstance(result, np.ndarray) and result.flags.writeable:
        result[...] = result.flat[-1]
    elif isinstance(result, list):
        for row in result:
            if isinstance(row, list):
                row[:] = [None] * len(row)


# -- the inputs ----------------------------------------------------------------------------


def _values(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Numeric data every sampler takes; for SMOTEN (``kind == 'codes'``) every column
    integer-coded, otherwise column 0 whole numbers (SMOTENC's categorical column)."""
    X, codes = make_imbalanced([120, 40, 20], n_features=4, seed=1, spread=1.0)
    if kind == "codes":
        return np.clip(np.round(X), -3, 3), codes
    X[:, 0] = np.clip(np.round(X[:, 0]), -2, 2)
    return X, codes


def _frame(X: np.ndarray, kind: str, index: pd.Index) -> pd.DataFrame:
    """A DataFrame of X with named columns of several dtypes, and categories where the
    sampler takes them (column 0 for SMOTENC, one column of SMOTEN's codes)."""
    if kind == "codes":
        columns = {name: X[:, j].astype(np.int64) for j, name in enumerate("abcd")}
        columns["b"] = pd.Categorical(
            np.array(["low", "mid", "high", "x", "y", "z", "w"])[X[:, 1].astype(int) + 3]
        )
    else:
        columns = {
            "a": X[:, 0],
            "b": X[:, 1].astype(np.float32),
            "c": np.round(X[:, 2] * 10).astype(np.int64),
            "d": X[:, 3],
        }
        if kind == "mixed":
            columns["a"] = pd.Categorical(X[:, 0].astype(np.int64))
    return pd.DataFrame(columns, index=index)


def _inputs(x_kind: str, y_kind: str, data_kind: str) -> tuple[Any, Any, list[Any]]:
    """X and y of the given kinds, and every object to check afterwards (the wider array
    a strided view is taken of, too)."""
    X, codes = _values(data_kind)
    n = len(X)
    index = pd.Index([f"row{i}" for i in range(n)][::-1], name="id")
    watched: list[Any] = []
    if x_kind == "C float64":
        X_in = np.ascontiguousarray(X)
    elif x_kind == "F float32":
        X_in = np.asfortranarray(X.astype(np.float32))
    elif x_kind == "strided view":
        wide = np.arange(n * 8, dtype=np.float64).reshape(n, 8)
        wide[:, ::2] = X
        X_in = wide[:, ::2]
        watched.append(wide)
    elif x_kind == "read-only":
        X_in = X.copy()
        X_in.setflags(write=False)
    elif x_kind == "int32":
        X_in = (X if data_kind == "codes" else np.round(X * 3)).astype(np.int32)
    elif x_kind == "list of lists":
        X_in = X.tolist()
    else:
        X_in = _frame(X, data_kind, index)
    if y_kind == "ndarray":
        y_in = codes.copy()
        if x_kind == "read-only":
            y_in.setflags(write=False)
    elif y_kind == "list":
        y_in = LABELS[codes].tolist()
    else:
        y_in = pd.Series(LABELS[codes], index=index, name="label")
    return X_in, y_in, [X_in, y_in, *watched]


def _data_kind(sampler: Any) -> str:
    if isinstance(sampler, fast_smote.SMOTEN):
        return "codes"
    return "mixed" if isinstance(sampler, fast_smote.SMOTENC) else "numeric"


def _check_calls(
    calls: list[tuple[str, Callable[[Any, Any], Any]]], x_kind: str, y_kind: str, data_kind: str
):
    X, y, watched = _inputs(x_kind, y_kind, data_kind)
    before = [_snapshot(obj) for obj in watched]
    for name, call in calls:
        result = call(X, y)
        if isinstance(result, tuple):
            assert len(result[0]) == len(result[1]) > 0
            for part in result:
                _scribble_on(part)
        for i, (obj, state) in enumerate(zip(watched, before)):
            _assert_unchanged(obj, state, f"{['X', 'y', 'the array X views'][i]} after {name}")


# -- X and y -------------------------------------------------------------------------------


@pytest.mark.parametrize("y_kind", Y_KINDS)
@pytest.mark.parametrize("x_kind", X_KINDS)
@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_fit_and_fit_resample_leave_X_and_y_unchanged(case, x_kind, y_kind):
    sampler = case.make(4, random_state=0)
    calls = [
        ("fit", lambda X, y: sampler.fit(X, y)),
        ("fit_resample", lambda X, y: sampler.fit_resample(X, y)),
        ("fit_resample again", lambda X, y: sampler.fit_resample(X, y)),
    ]
    _check_calls(calls, x_kind, y_kind, _data_kind(sampler))


RESAMPLE_PARAMS = {
    "kmeans-smote": {"cluster_balance_threshold": 0.1},
    "smotenc": {"categorical_features": [0]},
}


@pytest.mark.parametrize("y_kind", Y_KINDS)
@pytest.mark.parametrize("x_kind", X_KINDS)
@pytest.mark.parametrize("method", [*fast_smote.METHODS, *fast_smote.MORE_METHODS])
def test_resample_leaves_X_and_y_unchanged(method, x_kind, y_kind):
    params = RESAMPLE_PARAMS.get(method, {})

    def call(X, y):
        return fast_smote.resample(X, y, method=method, random_state=0, **params)

    kind = {"smoten": "codes", "smotenc": "mixed"}.get(method, "numeric")
    _check_calls([("resample", call)], x_kind, y_kind, kind)


# -- parameters ----------------------------------------------------------------------------


def _nn(n_neighbors: int) -> NearestNeighbors:
    return NearestNeighbors(n_neighbors=n_neighbors)


def _prefitted(estimator: BaseEstimator, *fit_args: Any) -> BaseEstimator:
    """An estimator fitted on other data than the sampler's."""
    X, y = make_imbalanced([30, 30], n_features=4, seed=99)
    return estimator.fit(X, y) if fit_args == ("y",) else estimator.fit(X)


#: Samplers given estimators (and nested samplers) as parameters, each built afresh.
ESTIMATOR_PARAMS: dict[str, Callable[[], Any]] = {
    "SMOTE": lambda: fast_smote.SMOTE(k_neighbors=_nn(6), random_state=0),
    "SMOTE-prefitted": lambda: fast_smote.SMOTE(k_neighbors=_prefitted(_nn(6)), random_state=0),
    "BorderlineSMOTE-1": lambda: fast_smote.BorderlineSMOTE(
        k_neighbors=_nn(6), m_neighbors=_nn(11), random_state=0
    ),
    "BorderlineSMOTE-2": lambda: fast_smote.BorderlineSMOTE(
        k_neighbors=_nn(6), m_neighbors=_nn(11), kind="borderline-2", random_state=0
    ),
    "SVMSMOTE": lambda: fast_smote.SVMSMOTE(
        k_neighbors=_nn(6), m_neighbors=_nn(11), svm_estimator=SVC(), random_state=0
    ),
    "SVMSMOTE-prefitted": lambda: fast_smote.SVMSMOTE(
        svm_estimator=_prefitted(SVC(), "y"), m_neighbors=_prefitted(_nn(11)), random_state=0
    ),
    "ADASYN": lambda: fast_smote.ADASYN(n_neighbors=_nn(6), random_state=0),
    "KMeansSMOTE-KMeans": lambda: fast_smote.KMeansSMOTE(
        k_neighbors=_nn(3),
        kmeans_estimator=KMeans(n_clusters=3, n_init=2, random_state=0),
        cluster_balance_threshold=0.1,
        random_state=0,
    ),
    "KMeansSMOTE-MiniBatchKMeans": lambda: fast_smote.KMeansSMOTE(
        kmeans_estimator=_prefitted(MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0)),
        cluster_balance_threshold=0.1,
        random_state=0,
    ),
    "SMOTETomek": lambda: fast_smote.SMOTETomek(
        smote=fast_smote.SMOTE(k_neighbors=_nn(6), random_state=0),
        tomek=fast_smote.TomekLinks(sampling_strategy="all"),
    ),
    "SMOTETomek-SMOTENC": lambda: fast_smote.SMOTETomek(
        smote=fast_smote.SMOTENC(
            categorical_features=[0],
            categorical_encoder=OneHotEncoder(handle_unknown="ignore"),
            random_state=0,
        ),
    ),
    "SMOTEENN": lambda: fast_smote.SMOTEENN(
        smote=fast_smote.BorderlineSMOTE(m_neighbors=_nn(11), random_state=0),
        enn=fast_smote.EditedNearestNeighbours(n_neighbors=_nn(4)),
    ),
    "EditedNearestNeighbours": lambda: fast_smote.EditedNearestNeighbours(n_neighbors=_nn(4)),
    "EditedNearestNeighbours-prefitted": lambda: fast_smote.EditedNearestNeighbours(
        n_neighbors=_prefitted(_nn(4))
    ),
    "SMOTENC": lambda: fast_smote.SMOTENC(
        categorical_features=[0],
        categorical_encoder=OneHotEncoder(handle_unknown="ignore"),
        k_neighbors=_nn(6),
        random_state=0,
    ),
    "SMOTEN": lambda: fast_smote.SMOTEN(
        categorical_encoder=OrdinalEncoder(), k_neighbors=_nn(6), random_state=0
    ),
    "SMOTEN-prefitted": lambda: fast_smote.SMOTEN(
        categorical_encoder=_prefitted(OrdinalEncoder()),
        k_neighbors=_prefitted(NearestNeighbors(n_neighbors=6)),
        random_state=0,
    ),
}


def _estimators_in(estimator: BaseEstimator, prefix: str = "") -> dict[str, BaseEstimator]:
    """Every estimator among the parameters, nested ones too, by ``get_params`` path."""
    found = {}
    for name, value in estimator.get_params(deep=False).items():
        if isinstance(value, BaseEstimator):
            found[prefix + name] = value
            found.update(_estimators_in(value, f"{prefix}{name}__"))
    return found


def _state_copy(value: Any) -> Any:
    """A copy that sees in-place changes: containers and arrays copied deeply, other
    objects (estimators, trees) by reference, compared by identity."""
    if isinstance(value, (np.ndarray, dict, list, tuple, set)):
        return copy.deepcopy(value)
    return value


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, (BaseEstimator, np.random.RandomState, np.random.Generator)):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _estimator_state(estimator: BaseEstimator) -> tuple[dict[str, Any], dict[str, int], dict[str, Any]]:
    attributes = vars(estimator)
    return (
        {name: _state_copy(value) for name, value in attributes.items()},
        {name: id(value) for name, value in attributes.items()},
        estimator.get_params(deep=True),
    )


def _fitted_estimators(sampler: Any, depth: int = 2) -> list[tuple[str, Any]]:
    """The estimators among a sampler's fitted attributes (those of its fitted parts too)."""
    found = []
    for name, value in vars(sampler).items():
        if name.endswith("_") and isinstance(value, BaseEstimator):
            found.append((name, value))
            if depth > 1:
                found.extend((f"{name}.{sub}", v) for sub, v in _fitted_estimators(value, depth - 1))
    return found


@pytest.mark.parametrize("name", ESTIMATOR_PARAMS)
def test_estimators_given_as_parameters_are_stored_as_given_and_never_fitted(name):
    sampler = ESTIMATOR_PARAMS[name]()
    given = _estimators_in(sampler)
    assert given, "the case passes no estimator"
    params = sampler.get_params(deep=True)
    before = {path: _estimator_state(estimator) for path, estimator in given.items()}
    with_codes = any(isinstance(e, fast_smote.SMOTEN) for e in [sampler, *given.values()])
    X, y = _values("codes" if with_codes else "numeric")
    for call in ("fit", "fit_resample", "fit_resample"):
        getattr(sampler, call)(X, y)
        for path, estimator in given.items():
            values, ids, estimator_params = before[path]
            after_values, after_ids, after_params = _estimator_state(estimator)
            added = sorted(set(after_values) - set(values))
            assert not added, f"{path}: {call} added the attributes {added}"
            assert after_values.keys() == values.keys(), f"{path}: {call} removed attributes"
            for attribute, value in values.items():
                assert after_ids[attribute] == ids[attribute], f"{path}.{attribute} was replaced by {call}"
                assert _same(after_values[attribute], value), f"{path}.{attribute} was changed by {call}"
            assert after_params.keys() == estimator_params.keys(), path
            for key, value in estimator_params.items():
                assert _same(after_params[key], value), f"{path}: get_params()[{key!r}] changed"
        # The sampler's parameters are the very objects given ...
        now = sampler.get_params(deep=True)
        for path, estimator in given.items():
            assert now[path] is estimator, path
        assert now.keys() == params.keys()
        # ... and what it fitted are clones of them.
        fitted = _fitted_estimators(sampler)
        assert fitted or call == "fit"  # fit only checks the data and parameters
        for attribute, value in fitted:
            for path, estimator in given.items():
                assert value is not estimator, f"{attribute} is the {path} parameter itself, fitted in place"


def _with_mutable_params() -> dict[str, tuple[Any, list[str]]]:
    """Samplers given dicts, lists and arrays as parameters, and those parameters' names."""
    return {
        "SMOTE sampling_strategy dict": (
            fast_smote.SMOTE(sampling_strategy={1: 100, 2: 90}),
            ["sampling_strategy"],
        ),
        "RandomOverSampler shrinkage dict": (
            fast_smote.RandomOverSampler(sampling_strategy={2: 60}, shrinkage={2: 0.5}, random_state=0),
            ["sampling_strategy", "shrinkage"],
        ),
        "SMOTENC categorical_features list": (
            fast_smote.SMOTENC(categorical_features=[0], random_state=0),
            ["categorical_features"],
        ),
        "SMOTENC categorical_features mask": (
            fast_smote.SMOTENC(categorical_features=np.array([True, False, False, False]), random_state=0),
            ["categorical_features"],
        ),
        "TomekLinks sampling_strategy list": (
            fast_smote.TomekLinks(sampling_strategy=[0, 1]),
            ["sampling_strategy"],
        ),
        "EditedNearestNeighbours sampling_strategy array": (
            fast_smote.EditedNearestNeighbours(sampling_strategy=np.array([0, 2])),
            ["sampling_strategy"],
        ),
        "SMOTETomek sampling_strategy dict": (
            fast_smote.SMOTETomek(sampling_strategy={1: 80}, random_state=0),
            ["sampling_strategy"],
        ),
        "KMeansSMOTE sampling_strategy dict": (
            fast_smote.KMeansSMOTE(sampling_strategy={1: 100}, cluster_balance_threshold=0.1, random_state=0),
            ["sampling_strategy"],
        ),
    }


@pytest.mark.parametrize("name", list(_with_mutable_params()))
def test_mutable_parameters_are_stored_as_given_and_never_modified(name):
    sampler, names = _with_mutable_params()[name]
    given = {param: sampler.get_params()[param] for param in names}
    before = {param: copy.deepcopy(value) for param, value in given.items()}
    X, y = _values("numeric")
    for call in ("fit", "fit_resample", "fit_resample"):
        getattr(sampler, call)(X, y)
        for param, value in given.items():
            assert sampler.get_params()[param] is value, f"{param} replaced by {call}"
            assert _same(value, before[param]), f"{param} modified by {call}: {value!r}"
    # A clone (as in a grid search) works the same and leaves them alone too.
    clone(sampler).fit_resample(X, y)
    for param, value in given.items():
        assert _same(value, before[param]), param
