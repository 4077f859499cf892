"""Property-based tests of every registered sampler (``samplers.CASES``): over random
shapes, dtypes, label types, duplicate-heavy data, constant columns, extreme
magnitudes, every ``sampling_strategy`` form, neighbour counts and ``n_jobs``, a call
either raises a ``ValueError``/``TypeError`` (or ``MemoryError``) for one of the
documented reasons (plausible data only for what its values make impossible) or
returns an output that satisfies the sampler's invariants, and never modifies its inputs.

The number of examples comes from the hypothesis profile (``HYPOTHESIS_PROFILE``, see
conftest.py): a modest count in CI, many more in ``make check``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from samplers import CASES, SamplerCase, public_sampler_classes
from sklearn.base import clone

FLOAT_DTYPES = (np.float32, np.float64)
OTHER_DTYPES = (np.int8, np.int32, np.int64, np.uint8, np.bool_)


@dataclass
class Data:
    X: np.ndarray
    y: np.ndarray
    description: str
    #: Drawn to be resampled (every class with enough rows, labels and strategies the
    #: sampler takes): half of the examples, so that the invariants of the output get
    #: checked often, and only refusals for what the values make impossible pass.
    plausible: bool


@st.composite
def datasets(draw: Any) -> Data:
    """X and y built from a drawn seed and shape: random shapes, dtypes, labels, duplicate
    rows, constant columns and magnitudes from 1e-300 to 1e300 of mixed signs."""
    plausible = draw(st.booleans())
    least = 40 if plausible else 1
    n_rows = draw(st.one_of(st.integers(least, 200), st.integers(least, 5000)))
    n_features = draw(st.one_of(st.integers(1, 6), st.integers(1, 64)))
    dtype = draw(st.sampled_from(FLOAT_DTYPES + OTHER_DTYPES))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    layout = draw(st.sampled_from(["gaussian", "duplicates", "constant-columns", "grid"]))
    if layout == "duplicates":
        distinct = rng.normal(size=(draw(st.integers(1, 8)), n_features))
        values = distinct[rng.integers(len(distinct), size=n_rows)]
    elif layout == "grid":
        values = rng.integers(-2, 3, size=(n_rows, n_features)).astype(np.float64)
    else:
        values = rng.normal(size=(n_rows, n_features))
        if layout == "constant-columns":
            constant = rng.random(n_features) < 0.5
            values[:, constant] = rng.normal(size=int(constant.sum()))
    if np.issubdtype(dtype, np.floating):
        finfo = np.finfo(dtype)
        # Up to 1e±300 in float64 and 1e±30 in float32, per column or for all of X.
        reach = int(np.log10(finfo.max)) - 8
        exponents = draw(st.sampled_from(["one", "per-column"]))
        exponent = draw(st.integers(-reach, reach))
        scale = (
            10.0 ** rng.integers(-reach, reach + 1, size=n_features).astype(np.float64)
            if exponents == "per-column"
            else 10.0**exponent
        )
        signs = rng.choice([-1.0, 1.0], size=n_features) if draw(st.booleans()) else 1.0
        X = (values * scale * signs).astype(dtype)
    elif dtype == np.bool_:
        X = values > 0
    else:
        info = np.iinfo(dtype)
        X = np.clip(np.round(values * 3), info.min, info.max).astype(dtype)
    n_classes = draw(st.integers(2 if plausible else 1, 4))
    weights = rng.dirichlet(np.ones(n_classes) * (3.0 if plausible else 0.7))
    codes = rng.choice(n_classes, size=n_rows, p=weights)
    if plausible:  # every drawn class present, with more rows than any default k + 1
        codes[: 7 * n_classes] = np.repeat(np.arange(n_classes), 7)
        rng.shuffle(codes)
    # Fractional floats and objects that are not strings are not class labels (to
    # scikit-learn and imbalanced-learn alike): only the implausible half draws them.
    valid_labels = ["int", "str", "float", "bool"]
    label_kind = draw(
        st.sampled_from(valid_labels if plausible else [*valid_labels, "fraction", "object-int"])
    )
    if label_kind == "bool" and n_classes <= 2:
        y = codes.astype(bool)
    elif label_kind == "str":
        y = np.array(["neg", "pos", "rare", "tiny"])[codes]
    elif label_kind == "float":
        y = codes.astype(np.float64) * 7 - 3
    elif label_kind == "fraction":
        y = codes.astype(np.float64) * 0.5 - 1.0
    elif label_kind == "object-int":
        y = codes.astype(object)
    else:
        y = codes * 7 - 3
    description = f"{layout} {n_rows}x{n_features} {np.dtype(dtype).name}, y {label_kind} {n_classes} classes"
    return Data(X, y, description, plausible)


@st.composite
def sampling_strategies(draw: Any, y: np.ndarray, kind: str, plausible: bool) -> Any:
    """Every form ``sampling_strategy`` takes, valid or not for this y; for plausible
    data only the names and forms the sampler's kind takes."""
    labels, counts = np.unique(y, return_counts=True)
    names = ["auto", "minority", "not minority", "not majority", "all", "majority"]
    forms = ["name", "float", "dict", "callable", "list"]
    if plausible:
        names.remove("minority" if kind == "cleaning" else "majority")
        forms = ["name", "list"] if kind == "cleaning" else ["name", "dict", "callable"]
    form = draw(st.sampled_from(forms))
    if form == "name":
        return draw(st.sampled_from(names))
    if form == "float":
        return draw(st.floats(0.01, 1.5))
    if form == "list":
        return list(labels[: draw(st.integers(0, len(labels)))])
    targets = {}
    for label, count in zip(labels.tolist(), counts.tolist()):
        if draw(st.booleans()):
            change = draw(st.integers(0 if plausible else -2, 3 * max(count, 1)))
            targets[label] = max(count + change, 0) if kind != "cleaning" else max(count - change, 0)
    if form == "dict":
        return targets
    return lambda y_seen: dict(targets)


def _params(draw: Any, case: SamplerCase, data: Data) -> dict[str, Any]:
    params: dict[str, Any] = {
        "random_state": draw(st.integers(0, 2**31)),
        "sampling_strategy": draw(sampling_strategies(data.y, case.kind, data.plausible)),
    }
    if case.neighbors_param is not None:
        params[case.neighbors_param] = draw(st.integers(1, 3 if data.plausible else 8))
    if case.kind != "combined" or draw(st.booleans()):
        params["n_jobs"] = draw(st.sampled_from([None, 1, 2, -1]))
    return params


def _expected_dtype(case: SamplerCase, X: np.ndarray) -> np.dtype:
    copies = case.kind == "cleaning" or (case.kind == "copies" and "shrinkage" not in case.extra(1))
    if copies or X.dtype == np.float32:
        return X.dtype
    return np.dtype(np.float64)


def _check_interpolation(
    X: np.ndarray, y: np.ndarray, X_res: np.ndarray, y_res: np.ndarray, sampler: Any
) -> None:
    """Each synthetic row is the recorded interpolation (within a few ulps of its
    magnitude), of a base and a neighbour of its class (or of the recorded class)."""
    provenance = sampler.provenance_
    n = len(X)
    assert provenance.n_original == n and len(provenance) == len(X_res) - n
    if len(provenance) == 0:
        return
    base, neighbor, step = provenance.base_index, provenance.neighbor_index, provenance.step
    np.testing.assert_array_equal(y[base], y_res[n:])
    neighbor_class = y[neighbor] if provenance.neighbor_class is None else provenance.neighbor_class
    if provenance.neighbor_class is None:
        np.testing.assert_array_equal(neighbor_class, y_res[n:])
    Xf = X.astype(X_res.dtype)
    a, c = Xf[base].astype(np.float64), Xf[neighbor].astype(np.float64)
    s = step.astype(np.float64)[:, None]
    expected = a * (1 - s) + c * s
    magnitude = np.maximum(np.abs(a), np.abs(c))
    tolerance = 4 * np.finfo(X_res.dtype).eps * magnitude + np.finfo(X_res.dtype).tiny
    synthetic = X_res[n:].astype(np.float64)
    gap = np.abs(synthetic - expected)
    # Values at the type's limit saturate there rather than overflow.
    saturated = np.abs(synthetic) == np.finfo(X_res.dtype).max
    assert np.all((gap <= tolerance) | saturated), "a synthetic row is off its segment"
    interpolating = (step >= 0) & (step < 1)
    low, high = np.minimum(a, c), np.maximum(a, c)
    inside = (synthetic >= low - tolerance) & (synthetic <= high + tolerance)
    assert np.all(inside[interpolating]), "an interpolated row leaves the segment"


def _rows_as_set(X: np.ndarray) -> set[bytes]:
    X = np.ascontiguousarray(X)
    return {row.tobytes() for row in X}


def _check_output(case: SamplerCase, data: Data, sampler: Any, X_res: Any, y_res: Any) -> None:
    X, y = data.X, data.y
    n = len(X)
    X_res, y_res = np.asarray(X_res), np.asarray(y_res)
    assert X_res.ndim == 2 and X_res.shape[1] == X.shape[1] and len(X_res) == len(y_res)
    if case.kind != "categorical":
        assert X_res.dtype == _expected_dtype(case, X), (X_res.dtype, X.dtype)
    if X_res.dtype.kind == "f":
        assert np.all(np.isfinite(X_res)), "non-finite values from finite input"
    labels, counts = np.unique(y, return_counts=True)
    res_labels, res_counts = np.unique(y_res, return_counts=True)
    before = dict(zip(labels.tolist(), counts.tolist()))
    after = dict(zip(res_labels.tolist(), res_counts.tolist()))
    assert set(after) <= set(before), "a label that y does not hold"
    if case.kind in ("cleaning", "combined"):
        if case.kind == "cleaning":
            keep = sampler.sample_indices_
            np.testing.assert_array_equal(X_res, X[keep])
            np.testing.assert_array_equal(y_res, y[keep])
            assert all(after.get(label, 0) <= count for label, count in before.items())
        else:
            over = clone(sampler.smote_)
            X_over, _ = over.fit_resample(X, y)
            assert _rows_as_set(X_res) <= _rows_as_set(np.asarray(X_over))
        return
    # Over-samplers: the originals first, unchanged, then the new rows class by class.
    np.testing.assert_array_equal(y_res[:n], y)
    strategy = sampler.sampling_strategy_
    if case.kind == "translating":
        # CCR moves only rows of the classes it does not grow.
        grown = np.isin(y, [label for label, count in strategy.items() if count > 0])
        np.testing.assert_array_equal(X_res[:n][grown], X[grown].astype(X_res.dtype))
    elif case.kind != "categorical":
        np.testing.assert_array_equal(X_res[:n], X.astype(X_res.dtype))
    for label, count in before.items():
        made = after.get(label, 0) - count
        asked = int(strategy.get(label, 0))
        if case.exact_counts:
            assert made == max(asked, 0), (label, made, asked)
        else:
            # ADASYN rounds a count per base; the others may make fewer than asked.
            assert 0 <= made <= max(asked, 0) + count, (label, made, asked)
    if case.kind == "interpolating":
        _check_interpolation(X, y, X_res, y_res, sampler)
    elif case.kind == "translating":
        # Each class's new rows inside the L1 sphere of one of its rows.
        for label, radii in sampler.radii_.items():
            own = X[y == label].astype(np.float64)
            made = X_res[n:][y_res[n:] == label].astype(np.float64)
            if len(made):
                reach = np.abs(made[:, None, :] - own[None, :, :]).sum(axis=2) - radii[None, :]
                assert np.all(reach.min(axis=1) <= 1e-6 * (1 + radii.max())), label
    elif case.kind == "fitted":
        # PolynomFitSMOTE's star: each new row between a row of its class and the
        # class's centroid, inside the class's range of each feature (a curve or a
        # translation can leave it).
        star = getattr(sampler, "topology", None) == "star"
        for label in np.unique(y_res[n:]) if star else []:
            own = X[y == label].astype(X_res.dtype)
            made = X_res[n:][y_res[n:] == label]
            assert np.all((made >= own.min(axis=0)) & (made <= own.max(axis=0))), label
    elif case.kind == "copies":
        if "shrinkage" in case.extra(1):
            np.testing.assert_array_equal(y[sampler.sample_indices_], y_res)
        else:
            np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    else:
        # Every new row's categories are values its class holds in X.
        categorical = [0] if case.name == "SMOTENC" else list(range(X.shape[1]))
        for column in categorical:
            for label in np.unique(y_res[n:]):
                seen = set(X[y == label, column].tolist())
                made = set(X_res[n:][y_res[n:] == label, column].tolist())
                assert made <= seen, (column, label)


#: Every reason a sampler refuses the drawn inputs for, as a pattern of its message; the
#: first ones can refuse plausible data too (they depend on the data's values).
DATA_REFUSALS = {
    "class smaller than the neighbours": r"has \d+ samples, but [kmn]_neighbors=\d+ needs at least",
    "ADASYN rounds every count to 0": r"ADASYN would generate no sample for class",
    "ADASYN finds no hard sample": r"no neighbour of any sample of class .* belongs to another class",
    "KMeans-SMOTE finds no cluster": r"no cluster has enough samples of class",
    "KMeans-SMOTE cannot cluster": r"the clustering could not be fitted to X",
    "SVM-SMOTE finds no support vector": r"the SVM has no support vector in class",
    "SVM-SMOTE finds only noise": r"support vectors of class .* are noise",
    "SVM-SMOTE's SVM cannot be fitted": r"the SVM could not be fitted to X",
    "the filter's classifier cannot be fitted": r"the filter's classifier could not be fitted to X",
    "SMOTE-NC without continuous features": r"SMOTENC needs continuous features besides the categorical",
    "class too small for the method": r"has \d+ samples, but .* needs at least \d+ samples in every class",
    "SMOBD finds no density": r"no sample of class .* has \d+ neighbours within max_eps",
}
INPUT_REFUSALS = {
    "one class": r"y has a single class",
    "not class labels": r"Unknown label type: y must hold class labels",
    "name for the other kind": r"sampling_strategy='[\w ]+' cannot be used with an? (over-|cleaning )sampler",
    "list for an over-sampler": r"sampling_strategy cannot be a list for over-samplers",
    "dict or callable for a cleaner": r"a cleaning sampler does not take a dict or a callable",
    "float for a cleaner": r"a cleaning sampler does not take a float sampling_strategy",
    "float for many classes": r"a float sampling_strategy is only defined for binary targets",
    "float out of range": r"a float sampling_strategy must be in \(0, 1\]",
    "ratio that adds nothing": r"sampling_strategy=[\d.e-]+ asks for \d+ minority samples, but class",
    "fewer than there are": r"samples of class .* an over-sampler cannot remove samples",
}


def _documented_reason(message: str, plausible: bool) -> str | None:
    """The documented reason of a refusal, or None: plausible data may only be refused
    for what its values make impossible."""
    reasons = DATA_REFUSALS if plausible else {**DATA_REFUSALS, **INPUT_REFUSALS}
    return next((reason for reason, pattern in reasons.items() if re.search(pattern, message)), None)


def _run(case: SamplerCase, data: Data, params: dict[str, Any]) -> None:
    X_before, y_before = data.X.copy(), data.y.copy()
    sampler = case.make(data.X.shape[1], **params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X_res, y_res = sampler.fit_resample(data.X, data.y)
    except (ValueError, TypeError, MemoryError) as error:
        reason = _documented_reason(str(error), data.plausible)
        assert reason is not None, f"an undocumented refusal of {data.description}: {error!r}"
        event(f"refused: {reason}")
        outcome = None
    else:
        event("resampled")
        outcome = (X_res, y_res)
    np.testing.assert_array_equal(data.X, X_before)
    np.testing.assert_array_equal(data.y, y_before)
    assert data.X.dtype == X_before.dtype and data.y.dtype == y_before.dtype
    if outcome is not None:
        _check_output(case, data, sampler, *outcome)


PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name", list(CASES))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_input_gives_a_clear_error_or_a_valid_output(name: str, data: Any) -> None:
    case = CASES[name]
    dataset = data.draw(datasets(), label="dataset")
    params = _params(data.draw, case, dataset)
    _run(case, dataset, params)


def test_every_public_sampler_is_registered() -> None:
    assert public_sampler_classes() == {case.cls for case in CASES.values()}
