"""SMOTENC and SMOTEN: neighbours and votes against brute force, values only from the
class, continuous parts on segments, the column selections, container and dtype round
trips, parity with imbalanced-learn, reproducibility, and every documented error."""

from __future__ import annotations

from collections import Counter

import imblearn.over_sampling
import numpy as np
import pandas as pd
import pytest
from imblearn.metrics.pairwise import ValueDifferenceMetric
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

import fast_smote


def mixed_frame(n=600, seed=0, minority=0.2):
    """Two continuous, three categorical columns (category, string, int); the classes
    differ in both, and the categorical frequencies depend on the class."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < minority).astype(np.int64)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40 + 10 * y, 8),
            "city": pd.Categorical(
                np.where(rng.random(n) < 0.3 + 0.4 * y, "paris", rng.choice(["rome", "oslo"], n))
            ),
            "income": rng.normal(3 + y, 1.0).astype(np.float32),
            "plan": pd.Series(
                np.where(rng.random(n) < 0.5, "basic", np.where(y == 1, "gold", "silver")), dtype="string"
            ),
            "visits": rng.integers(0, 3 + 2 * y),
        }
    )
    return frame, y


CATEGORICAL = ["city", "plan", "visits"]


def codes_of(frame, columns):
    return np.column_stack([pd.Categorical(frame[c]).codes for c in columns])


def brute_smotenc_neighbors(continuous, codes, rows, k):
    """The k nearest rows (positions in ``rows``) of each row of one class under SMOTE-NC's
    distance, computed directly: squared continuous distance plus median² per mismatch."""
    part = continuous[rows].astype(np.float64)
    median = np.median(continuous[rows].std(axis=0))
    d = ((part[:, None, :] - part[None, :, :]) ** 2).sum(axis=2)
    d += median**2 * (codes[rows][:, None, :] != codes[rows][None, :, :]).sum(axis=2)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k], median


def first_mode(values):
    counts = Counter(values)
    top = max(counts.values())
    return next(v for v in values if counts[v] == top)


def test_smotenc_rows_are_segments_and_votes_of_the_exact_neighbours():
    frame, y = mixed_frame()
    sampler = fast_smote.SMOTENC(categorical_features=CATEGORICAL, random_state=0, k_neighbors=4)
    X_res, y_res = sampler.fit_resample(frame, y)
    rows = np.flatnonzero(y == 1)
    continuous = frame[["age", "income"]].to_numpy(np.float64)
    codes = codes_of(frame, CATEGORICAL)
    table, median = brute_smotenc_neighbors(continuous, codes, rows, 4)
    assert sampler.median_std_[1] == pytest.approx(median)
    prov = sampler.provenance_
    n = len(y)
    assert np.bincount(y_res).tolist() == [np.sum(y == 0)] * 2 and len(prov) == len(y_res) - n
    position = np.searchsorted(rows, prov.base_index)
    assert np.array_equal(rows[position], prov.base_index)
    neighbours = rows[table[position]]
    assert (neighbours == prov.neighbor_index[:, None]).any(axis=1).all()
    expected = frame[["age", "income"]].to_numpy(np.float64)[prov.base_index] + prov.step[:, None] * (
        continuous[prov.neighbor_index] - continuous[prov.base_index]
    )
    np.testing.assert_allclose(X_res[["age", "income"]].to_numpy(np.float64)[n:], expected, rtol=1e-6)
    for column in CATEGORICAL:
        values = frame[column].to_numpy()
        votes = [first_mode(list(values[nb])) for nb in neighbours]
        assert list(X_res[column].to_numpy()[n:]) == votes
    # The originals come back unchanged, first.
    pd.testing.assert_frame_equal(X_res.iloc[:n], frame)


def test_smotenc_dtypes_and_categories_round_trip():
    frame, y = mixed_frame()
    frame["note"] = pd.Series(np.where(y == 1, "a", "b"), dtype=object)
    frame.loc[[3, 7], "city"] = np.nan
    before = frame.copy()
    X_res, y_res = fast_smote.SMOTENC(categorical_features="auto", random_state=1).fit_resample(
        frame, pd.Series(y, name="target")
    )
    pd.testing.assert_frame_equal(frame, before)
    assert list(X_res.columns) == list(frame.columns)
    # 'auto' takes the category, string and object columns; the int column is continuous.
    assert X_res.dtypes["visits"] == np.float64
    for column in ["age", "city", "income", "plan", "note"]:
        assert X_res[column].dtype == frame[column].dtype, column
    assert list(X_res["city"].cat.categories) == list(frame["city"].cat.categories)
    for column in ["city", "plan", "note"]:
        # Values of the class only (missing values are a category of their own).
        minority_values = set(frame[column][y == 1].astype(object).fillna("<missing>"))
        assert set(X_res[column][len(y) :].astype(object).fillna("<missing>")) <= minority_values
    assert isinstance(y_res, pd.Series) and y_res.name == "target"


@pytest.mark.parametrize(
    "selection",
    [
        [1, 3, 4],
        [-4, -2, -1],
        [False, True, False, True, True],
        ["city", "plan", "visits"],
        np.array([4, 1, 3, 3]),
    ],
    ids=["indices", "negative", "mask", "names", "unsorted-repeated"],
)
def test_smotenc_column_selections_agree(selection):
    frame, y = mixed_frame()
    reference = fast_smote.SMOTENC(categorical_features=[1, 3, 4], random_state=2)
    X_ref, _ = reference.fit_resample(frame, y)
    sampler = fast_smote.SMOTENC(categorical_features=selection, random_state=2)
    X_res, _ = sampler.fit_resample(frame, y)
    pd.testing.assert_frame_equal(X_res, X_ref)
    assert sampler.categorical_features_.tolist() == [1, 3, 4]
    assert sampler.continuous_features_.tolist() == [0, 2]


def test_smotenc_numpy_inputs():
    frame, y = mixed_frame()
    X_obj = frame.astype(object).to_numpy()
    X_res, _ = fast_smote.SMOTENC(categorical_features=[1, 3, 4], random_state=0).fit_resample(X_obj, y)
    assert X_res.dtype == object and X_res.shape == (2 * np.sum(y == 0), 5)
    assert {type(v) for v in X_res[len(y) :, 1]} == {str}
    # Numeric arrays with categories coded as numbers keep the float type.
    X_num = np.column_stack([frame["age"], codes_of(frame, ["city"]), frame["income"]]).astype(np.float32)
    sampler = fast_smote.SMOTENC(categorical_features=[1], random_state=0)
    X_res32, _ = sampler.fit_resample(X_num, y)
    assert X_res32.dtype == np.float32 and sampler.provenance_.step.dtype == np.float32
    assert set(X_res32[len(y) :, 1]) <= set(X_num[y == 1, 1])
    # A single name or index selects one column.
    X_one, _ = fast_smote.SMOTENC(categorical_features=1, random_state=0).fit_resample(X_num, y)
    np.testing.assert_array_equal(X_one, X_res32)


def test_smotenc_statistics_match_imblearn():
    frame, y = mixed_frame(n=4000, seed=5)
    frame["city"] = frame["city"].astype(object)
    ours, _ = fast_smote.SMOTENC(categorical_features=[1, 3, 4], random_state=0).fit_resample(frame, y)
    theirs_sampler = imblearn.over_sampling.SMOTENC(categorical_features=[1, 3, 4], random_state=0)
    theirs, _ = theirs_sampler.fit_resample(frame, y)
    n = len(y)
    sampler = fast_smote.SMOTENC(categorical_features=[1, 3, 4], random_state=0).fit(frame, y)
    assert sampler.sampling_strategy_ == dict(theirs_sampler.sampling_strategy_)
    for column in ["city", "plan", "visits"]:
        a = pd.Series(ours[column][n:].astype(str)).value_counts(normalize=True)
        b = pd.Series(theirs[column][n:].astype(str)).value_counts(normalize=True)
        assert set(a.index) == set(b.index), column
        assert (a - b).abs().max() < 0.05, (column, a, b)
    for column in ["age", "income"]:
        a, b = ours[column][n:].astype(float), theirs[column][n:].astype(float)
        assert abs(a.mean() - b.mean()) < 0.1 * b.std() and abs(a.std() / b.std() - 1) < 0.1
    theirs_median = theirs_sampler.median_std_[1]
    assert sampler.fit_resample(frame, y) and sampler.median_std_[1] == pytest.approx(theirs_median, rel=1e-5)


def test_smotenc_estimator_neighbours_match_the_core():
    frame, y = mixed_frame()
    by_int = fast_smote.SMOTENC(categorical_features=CATEGORICAL, k_neighbors=3, random_state=4)
    by_estimator = fast_smote.SMOTENC(
        categorical_features=CATEGORICAL, k_neighbors=NearestNeighbors(n_neighbors=4), random_state=4
    )
    pd.testing.assert_frame_equal(by_int.fit_resample(frame, y)[0], by_estimator.fit_resample(frame, y)[0])


@pytest.mark.parametrize("sampler_cls", ["SMOTENC", "SMOTEN"])
def test_same_bytes_for_any_n_jobs(sampler_cls):
    frame, y = mixed_frame(n=5000)
    params = {"categorical_features": CATEGORICAL} if sampler_cls == "SMOTENC" else {}
    data = frame if sampler_cls == "SMOTENC" else frame[CATEGORICAL]
    results = [
        getattr(fast_smote, sampler_cls)(random_state=9, n_jobs=n, **params).fit_resample(data, y)[0]
        for n in (1, 2, None)
    ]
    for other in results[1:]:
        pd.testing.assert_frame_equal(results[0], other)
    different = getattr(fast_smote, sampler_cls)(random_state=10, **params).fit_resample(data, y)[0]
    assert not results[0].equals(different)


def test_smotenc_encoder_is_fitted_and_checked():
    frame, y = mixed_frame()
    sampler = fast_smote.SMOTENC(categorical_features=CATEGORICAL, random_state=0).fit(frame, y)
    sampler.fit_resample(frame, y)
    categories = sampler.categorical_encoder_.categories_
    assert [list(c) for c in categories] == [
        ["oslo", "paris", "rome"],
        ["basic", "gold", "silver"],
        [0, 1, 2, 3, 4],
    ]
    given = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    with_given = fast_smote.SMOTENC(
        categorical_features=CATEGORICAL, categorical_encoder=given, random_state=0
    )
    pd.testing.assert_frame_equal(with_given.fit_resample(frame, y)[0], sampler.fit_resample(frame, y)[0])
    assert with_given.categorical_encoder_ is not given and not hasattr(given, "categories_")
    with pytest.raises(
        ValueError, match="one column per category, but categorical_encoder makes 8 columns for 11"
    ):
        fast_smote.SMOTENC(
            categorical_features=CATEGORICAL, categorical_encoder=OneHotEncoder(drop="first")
        ).fit_resample(frame, y)
    fixed = OneHotEncoder(
        categories=[["paris", "rome", "oslo"], ["basic", "gold", "silver"], [0, 1, 2, 3]],
        handle_unknown="ignore",
    )
    with pytest.raises(ValueError, match="does not know every category"):
        fast_smote.SMOTENC(categorical_features=CATEGORICAL, categorical_encoder=fixed).fit_resample(frame, y)


@pytest.mark.parametrize(
    ("selection", "data", "error", "match"),
    [
        ([0, 1, 2, 3, 4], "frame", ValueError, r"every column is categorical \(n_features=5\); use SMOTEN"),
        ([], "frame", ValueError, "categorical_features selects none; use SMOTE"),
        ("auto", "array", ValueError, "categorical_features='auto' .* must be a pandas or polars DataFrame"),
        ([True, False], "frame", ValueError, "boolean mask of length 2, but X has 5 columns"),
        ([1, 5], "frame", ValueError, "has index 5, out of range for 5 columns"),
        (["city", "town"], "frame", ValueError, r"names columns that are not in X: \['town'\]"),
        (["city"], "array", ValueError, "column names needs X to be a pandas or polars DataFrame"),
        ([1.5], "frame", TypeError, "categorical_features must be 'auto', or a list"),
        ([[1, 2]], "frame", TypeError, "categorical_features must be 'auto', or a 1-D list"),
        ([1], "frame", TypeError, r"non-numeric columns: 'plan' \(string\)"),
    ],
)
def test_smotenc_selection_errors(selection, data, error, match):
    frame, y = mixed_frame()
    X = frame if data == "frame" else frame.to_numpy()
    with pytest.raises(error, match=match):
        fast_smote.SMOTENC(categorical_features=selection).fit_resample(X, y)


def test_smotenc_data_errors():
    frame, y = mixed_frame()
    bad = frame.copy()
    bad.loc[4, "income"] = np.inf
    with pytest.raises(ValueError, match="infinity at row 4, column 2"):
        fast_smote.SMOTENC(categorical_features=CATEGORICAL).fit_resample(bad, y)
    with pytest.raises(ValueError, match="class 1 has 3 samples, but k_neighbors=5 needs at least 6"):
        fast_smote.SMOTENC(categorical_features=CATEGORICAL).fit_resample(
            frame.iloc[:103], np.r_[np.zeros(100, int), np.ones(3, int)]
        )
    with pytest.raises(ValueError, match="single class"):
        fast_smote.SMOTENC(categorical_features=CATEGORICAL).fit_resample(frame, np.zeros(len(y)))
    # Sparse X is densified first: its errors are the dense X's.
    import scipy.sparse

    X = scipy.sparse.csr_matrix(np.c_[np.arange(13) % 3, np.eye(13)[:, :4]])
    with pytest.raises(ValueError, match="class 1 has 3 samples, but k_neighbors=5 needs at least 6"):
        fast_smote.SMOTENC(categorical_features=[0]).fit_resample(
            X, np.r_[np.zeros(10, int), np.ones(3, int)]
        )


def vdm_neighbors(codes, y, rows, k):
    """imbalanced-learn's Value Difference Metric, then the k nearest other rows (stable)."""
    vdm = ValueDifferenceMetric(n_categories=codes.max(axis=0) + 1).fit(codes, y)
    d = vdm.pairwise(codes[rows])
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k], d


def test_smoten_vote_of_the_sample_and_its_vdm_neighbours():
    frame, y = mixed_frame(n=800)
    data = frame[CATEGORICAL]
    sampler = fast_smote.SMOTEN(random_state=0, k_neighbors=3)
    X_res, y_res = sampler.fit_resample(data, y)
    n = len(y)
    codes = codes_of(data, CATEGORICAL).astype(np.int32)
    rows = np.flatnonzero(y == 1)
    table, d = vdm_neighbors(codes, y, rows, 3)
    # Each synthetic row is the vote of some minority sample and its 3 nearest: find one.
    voted = np.array(
        [[first_mode(list(codes[np.r_[r, rows[table[i]]], j])) for j in range(3)] for i, r in enumerate(rows)]
    )
    new_codes = np.column_stack(
        [pd.Categorical(X_res[c], categories=pd.Categorical(data[c]).categories).codes for c in CATEGORICAL]
    )[n:]
    possible = {tuple(v) for v in voted}
    assert {tuple(v) for v in new_codes} <= possible
    assert np.bincount(y_res).tolist() == [np.sum(y == 0)] * 2
    assert (X_res.dtypes == data.dtypes).all()
    # The core's neighbours have exactly the brute-force distances (ties may reorder).
    core = fast_smote._core.value_difference_kneighbors(
        codes, [3, 3, 5], _shares(codes, y), rows.astype(np.int64), 3
    )
    np.testing.assert_allclose(np.take_along_axis(d, core, axis=1), np.take_along_axis(d, table, axis=1))


def _shares(codes, y):
    blocks = []
    for j, cardinality in enumerate([3, 3, 5]):
        counts = np.array(
            [[np.sum((codes[:, j] == v) & (y == c)) for c in (0, 1)] for v in range(cardinality)], float
        )
        blocks.append(counts / np.maximum(counts.sum(axis=1, keepdims=True), 1))
    return np.concatenate(blocks)


def test_smoten_estimator_gets_precomputed_distances():
    frame, y = mixed_frame(n=800)
    data = frame[CATEGORICAL]
    estimator = NearestNeighbors(n_neighbors=4)
    sampler = fast_smote.SMOTEN(k_neighbors=estimator, random_state=0)
    X_res, _ = sampler.fit_resample(data, y)
    assert sampler.nn_k_.metric == "precomputed" and estimator.metric == "minkowski"
    assert len(X_res) == 2 * np.sum(y == 0)
    default = fast_smote.SMOTEN(random_state=0)
    default.fit_resample(data, y)
    assert default.nn_k_.metric == "precomputed" and default.nn_k_.n_neighbors == 6


def test_smoten_statistics_match_imblearn_and_arrays_keep_their_dtype():
    frame, y = mixed_frame(n=3000, seed=2)
    X = frame[CATEGORICAL].astype(str).to_numpy().astype(str)
    ours, _ = fast_smote.SMOTEN(random_state=0).fit_resample(X, y)
    theirs, _ = imblearn.over_sampling.SMOTEN(random_state=0).fit_resample(X, y)
    assert ours.dtype == X.dtype
    n = len(y)
    for j in range(3):
        # Each feature's values among the synthetic rows follow the class's own shares at
        # least as closely as imbalanced-learn's do (ties are broken differently: toward
        # the sample's value here, toward the smallest category there).
        shares = pd.Series(X[y == 1, j]).value_counts(normalize=True)
        ours_off = pd.Series(ours[n:, j]).value_counts(normalize=True).sub(shares, fill_value=0).abs().max()
        theirs_off = (
            pd.Series(theirs[n:, j]).value_counts(normalize=True).sub(shares, fill_value=0).abs().max()
        )
        assert ours_off <= theirs_off + 0.01 and ours_off < 0.05, (j, ours_off, theirs_off)
    encoder = OrdinalEncoder()
    sampler = fast_smote.SMOTEN(categorical_encoder=encoder, random_state=0)
    np.testing.assert_array_equal(sampler.fit_resample(X, y)[0], ours)
    assert sampler.categorical_encoder_ is not encoder and len(sampler.categorical_encoder_.categories_) == 3


def test_smoten_missing_values_form_a_category_and_errors():
    frame, y = mixed_frame()
    data = frame[CATEGORICAL].astype(object).to_numpy()
    data[::7, 0] = None
    data[1::7, 0] = np.nan
    X_res, _ = fast_smote.SMOTEN(random_state=0).fit_resample(data, y)
    # The originals come back as given (None stays None); new rows take class values.
    assert all(a is b for a, b in zip(X_res[: len(y), 0], data[:, 0]))
    assert set(map(str, X_res[len(y) :, 0])) <= {"paris", "rome", "oslo", "nan"}
    # Where the class's values are mostly missing, "missing" (as NaN) wins votes.
    data[np.flatnonzero(y == 1)[::2], 0] = None
    X_res, _ = fast_smote.SMOTEN(random_state=0).fit_resample(data, y)
    assert pd.isna(pd.Series(X_res[len(y) :, 0])).mean() > 0.3
    with pytest.raises(ValueError, match="class 1 has 2 samples, but k_neighbors=5 needs at least 6"):
        fast_smote.SMOTEN().fit_resample(data[:102], np.r_[np.zeros(100, int), np.ones(2, int)])
    with pytest.raises(ValueError, match=r"X has 0 feature\(s\)"):
        fast_smote.SMOTEN().fit_resample(np.empty((10, 0)), np.r_[np.zeros(5), np.ones(5)])


def test_parameters_are_imblearns():
    for name in ["SMOTENC", "SMOTEN"]:
        args = ([1],) if name == "SMOTENC" else ()
        ours = getattr(fast_smote, name)(*args)
        theirs = getattr(imblearn.over_sampling, name)(*args)
        assert ours.get_params() == {**theirs.get_params(), "n_jobs": None}
    assert (
        fast_smote.resample(*mixed_frame(), method="smotenc", categorical_features="auto", random_state=0)[
            0
        ].shape[1]
        == 5
    )


def test_smotenc_returns_bool_and_object_number_columns_as_imblearn_does():
    from imblearn.over_sampling import SMOTENC as ImbSMOTENC

    rng = np.random.default_rng(3)
    n = 120
    frame = pd.DataFrame(
        {
            "amount": rng.normal(size=n).astype(object),  # numbers stored as objects
            "flag": rng.random(n) < 0.5,
            "city": rng.choice(["x", "y", "z"], n),
        }
    )
    y = np.array([0] * 90 + [1] * 30)
    sampler = fast_smote.SMOTENC(categorical_features=["city"], random_state=0)
    X_res, _ = sampler.fit_resample(frame, y)
    X_imb, _ = ImbSMOTENC(categorical_features=["city"], random_state=0).fit_resample(frame, y)
    assert X_res.dtypes.to_dict() == X_imb.dtypes.to_dict()
    assert X_res["flag"].dtype == bool and X_res["amount"].dtype == object
    pd.testing.assert_frame_equal(X_res.iloc[:n], frame)
    # A new row's flag is its interpolated value's truth: not 0.
    p = sampler.provenance_
    flag = frame["flag"].to_numpy(dtype=float)
    interpolated = flag[p.base_index] + p.step * (flag[p.neighbor_index] - flag[p.base_index])
    np.testing.assert_array_equal(X_res["flag"].to_numpy()[n:], interpolated != 0)
    amount = frame["amount"].to_numpy(dtype=float)
    expected = amount[p.base_index] + p.step * (amount[p.neighbor_index] - amount[p.base_index])
    np.testing.assert_allclose(X_res["amount"].to_numpy(dtype=float)[n:], expected)
    # A cell that is not a number is named, where imbalanced-learn fails on the float cast.
    frame.loc[7, "amount"] = "n/a"
    with pytest.raises(ValueError, match=r"'amount' \(position 0\) holds 'n/a' at row 7, which is not"):
        sampler.fit_resample(frame, y)
