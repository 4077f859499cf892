"""polars in, polars out: every sampler takes polars DataFrames and Series and hands back
the same kind, with the same columns; polars is imported only when the caller uses it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from samplers import every_sampler

import fast_smote
from conftest import make_imbalanced, packages_imported_by
from fast_smote.base import BaseCleaningSampler

pl = pytest.importorskip("polars")

pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")


def numeric_frame():
    X, y = make_imbalanced([160, 40], n_features=3)
    frame = pl.DataFrame(
        {
            "wide": X[:, 0],
            "narrow": X[:, 1].astype(np.float32),
            "count": np.round(X[:, 2] * 10).astype(np.int64),
        }
    )
    return frame, pl.Series("label", y)


def numeric_samplers():
    """The samplers that return float columns (the cleaners keep X's dtypes, SMOTENC and
    SMOTEN its categorical columns: tested below)."""
    kept_dtypes = (fast_smote.SMOTENC, fast_smote.SMOTEN, BaseCleaningSampler)
    return [sampler for sampler in every_sampler() if not isinstance(sampler, kept_dtypes)]


@pytest.mark.parametrize("sampler", numeric_samplers(), ids=lambda s: type(s).__name__)
def test_numeric_samplers_give_polars_with_the_same_columns_and_numpy_values(sampler):
    X, y = numeric_frame()
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, pl.DataFrame) and isinstance(y_res, pl.Series)
    # float32 stays float32; the integer column holds interpolated values, as float64
    # (RandomOverSampler's exact copies keep it int64; its smoothed bootstrap does not).
    copies = isinstance(sampler, fast_smote.RandomOverSampler) and sampler.shrinkage is None
    count = pl.Int64 if copies else pl.Float64
    assert X_res.schema == pl.Schema({"wide": pl.Float64, "narrow": pl.Float32, "count": count})
    assert y_res.name == "label" and y_res.dtype == pl.Int64
    assert list(sampler.feature_names_in_) == ["wide", "narrow", "count"]
    X_np, y_np = sampler.fit_resample(X.to_numpy().astype(np.float64), y.to_numpy())
    np.testing.assert_allclose(X_res.to_numpy(), X_np, rtol=1e-6)  # one column went through float32
    np.testing.assert_array_equal(y_res.to_numpy(), y_np)


def test_float32_frame_stays_float32_and_matches_the_array_exactly():
    X, y = numeric_frame()
    X32 = X.select(pl.all().cast(pl.Float32))
    X_res, _ = fast_smote.SMOTE(random_state=0).fit_resample(X32, y)
    assert set(X_res.schema.dtypes()) == {pl.Float32}
    X_np, _ = fast_smote.SMOTE(random_state=0).fit_resample(X32.to_numpy(), y.to_numpy())
    np.testing.assert_array_equal(X_res.to_numpy(), X_np)


@pytest.mark.parametrize("cleaner", [fast_smote.TomekLinks(), fast_smote.EditedNearestNeighbours()])
def test_cleaners_return_the_kept_rows_with_the_exact_schema(cleaner):
    X, y = numeric_frame()
    X_res, y_res = cleaner.fit_resample(X, y.to_frame())
    assert X_res.schema == X.schema
    assert X_res.equals(X[cleaner.sample_indices_])
    assert isinstance(y_res, pl.DataFrame) and y_res.columns == ["label"]
    assert len(y_res) < len(y)


def mixed_frame():
    rng = np.random.default_rng(0)
    X, y = numeric_frame()
    X = X.with_columns(
        pl.Series("city", rng.choice(["Oslo", "Lima", "Pune"], len(X))).cast(pl.Categorical),
        pl.Series("plan", rng.choice(["basic", "pro"], len(X))),
        pl.Series("tier", rng.choice(["a", "b", "c"], len(X))).cast(pl.Enum(["c", "b", "a"])),
    )
    return X, y.cast(pl.String)


def test_smotenc_keeps_categorical_dtypes_and_matches_pandas():
    X, y = mixed_frame()
    sampler = fast_smote.SMOTENC(categorical_features="auto", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, pl.DataFrame)
    assert X_res.columns == X.columns
    assert X_res.schema["city"] == pl.Categorical and X_res.schema["plan"] == pl.String
    assert X_res.schema["tier"] == pl.Enum(["c", "b", "a"]) and X_res.schema["narrow"] == pl.Float32
    assert X_res.head(len(X)).select("city", "plan", "tier").equals(X.select("city", "plan", "tier"))
    assert y_res.dtype == pl.String and y_res.value_counts()["count"].to_list() == [160, 160]
    frame = X.to_pandas()
    X_pd, _ = fast_smote.SMOTENC(categorical_features="auto", random_state=0).fit_resample(
        frame, y.to_pandas()
    )
    for column in ("city", "plan", "tier"):
        np.testing.assert_array_equal(X_res[column].cast(pl.String).to_numpy(), X_pd[column].astype(str))
    for column in ("wide", "narrow", "count"):
        np.testing.assert_allclose(X_res[column].to_numpy(), X_pd[column].to_numpy(), rtol=1e-6)


def test_smotenc_selects_polars_columns_by_name():
    X, y = mixed_frame()
    X_res, _ = fast_smote.SMOTENC(categorical_features=["city", "plan", "tier"], random_state=0).fit_resample(
        X, y
    )
    X_auto, _ = fast_smote.SMOTENC(categorical_features="auto", random_state=0).fit_resample(X, y)
    assert X_res.equals(X_auto)


def test_smoten_on_polars_strings():
    X, y = mixed_frame()
    X_res, y_res = fast_smote.SMOTEN(random_state=0).fit_resample(X.select("city", "plan"), y)
    assert X_res.schema == X.select("city", "plan").schema
    assert set(X_res["plan"].unique()) <= {"basic", "pro"} and len(X_res) == len(y_res) == 320


def test_nulls_and_non_numeric_columns_are_refused_by_name():
    X, y = numeric_frame()
    with_null = X.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("wide")).alias("wide")
    )
    with pytest.raises(ValueError, match="NaN at row 3, column 0"):
        fast_smote.SMOTE().fit_resample(with_null, y)
    X, y = mixed_frame()
    with pytest.raises(TypeError, match=r"non-numeric columns: 'city' \(Categorical\).*SMOTENC"):
        fast_smote.SMOTE().fit_resample(X, y)


def test_inputs_are_not_modified():
    X, y = mixed_frame()
    X_before, y_before = X.clone(), y.clone()
    fast_smote.SMOTENC(categorical_features="auto", random_state=0).fit_resample(X, y)
    assert X.equals(X_before) and y.equals(y_before)


def test_polars_is_not_imported_for_numpy_data():
    code = (
        "import numpy as np, fast_smote\n"
        "X = np.random.default_rng(0).normal(size=(60, 3)); y = np.r_[np.zeros(50), np.ones(10)]\n"
        "fast_smote.SMOTE(random_state=0).fit_resample(X, y)\n"
        "fast_smote.TomekLinks().fit_resample(X, y)\n"
    )
    assert "polars" not in packages_imported_by(code)


def test_pandas_and_polars_frames_give_the_same_rows():
    X, y = numeric_frame()
    X_pl, _ = fast_smote.ADASYN(random_state=0).fit_resample(X, y)
    X_pd, _ = fast_smote.ADASYN(random_state=0).fit_resample(X.to_pandas(), y.to_pandas())
    assert isinstance(X_pd, pd.DataFrame)
    np.testing.assert_array_equal(X_pl.to_numpy(), X_pd.to_numpy())


def test_random_over_sampler_copies_polars_rows_of_any_type():
    X, y = mixed_frame()
    sampler = fast_smote.RandomOverSampler(random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert X_res.equals(X[sampler.sample_indices_])
