"""SMOTETomek and SMOTEENN: exactly the over-sampler followed by the cleaner, with any
fast-smote over-sampler, imbalanced-learn's parameters, and clear errors."""

from __future__ import annotations

import tracemalloc

import imblearn.combine
import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

import fast_smote
from conftest import make_imbalanced
from fast_smote.base import compact_rows
from fast_smote.combine._combine import _owned_array

pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")

COMBINED = {
    "tomek": (fast_smote.SMOTETomek, fast_smote.TomekLinks),
    "enn": (fast_smote.SMOTEENN, fast_smote.EditedNearestNeighbours),
}


def data():
    return make_imbalanced([300, 60, 40], n_features=4, spread=1.2)


@pytest.mark.parametrize("name", COMBINED)
def test_default_is_smote_then_the_cleaner_on_all_classes(name):
    combined_cls, cleaner_cls = COMBINED[name]
    X, y = data()
    combined = combined_cls(sampling_strategy={1: 200, 2: 150}, random_state=3)
    X_res, y_res = combined.fit_resample(X, y)
    X_over, y_over = fast_smote.SMOTE(sampling_strategy={1: 200, 2: 150}, random_state=3).fit_resample(X, y)
    cleaner = cleaner_cls(sampling_strategy="all")
    X_ref, y_ref = cleaner.fit_resample(X_over, y_over)
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(y_res, y_ref)
    fitted_cleaner = getattr(combined, f"{name}_")
    np.testing.assert_array_equal(fitted_cleaner.sample_indices_, cleaner.sample_indices_)
    assert fitted_cleaner.sampling_strategy == "all"
    assert combined.smote_.sampling_strategy_ == {1: 140, 2: 110}
    assert combined.sampling_strategy_ == {1: 200, 2: 150}
    assert len(y_res) < len(y_over)  # the overlapping classes leave samples to clean


@pytest.mark.parametrize("name", COMBINED)
def test_the_kept_rows_move_up_inside_the_over_samplers_array(name):
    combined_cls, _ = COMBINED[name]
    X, y = make_imbalanced([20000, 4000], n_features=8, spread=1.0)
    X_over, _ = fast_smote.SMOTE(random_state=0).fit_resample(X, y)
    tracemalloc.start()
    try:
        X_res, _ = combined_cls(random_state=0).fit_resample(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Not copied out beside the over-sampler's array (NumPy's allocations are traced,
    # the core's are not): the call's NumPy peak stays well under the result's size.
    assert 0.9 * len(X_over) < len(X_res) < len(X_over)
    assert peak < 0.9 * X_res.nbytes
    assert not X_res.flags.owndata and len(X_res.base) == len(X_over)


def test_compact_rows_gives_the_rows_as_a_view_or_a_copy_when_most_are_dropped():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30_000, 3))
    for share, in_place in ((0.8, True), (0.7, False), (0.0, False), (1.0, True)):
        rows = np.sort(rng.choice(len(X), int(share * len(X)), replace=False))
        work = X.copy()
        kept = compact_rows(work, rows)
        np.testing.assert_array_equal(kept, X[rows])
        assert np.shares_memory(kept, work) == in_place


def test_only_an_own_writeable_array_is_compacted():
    X = np.zeros((10, 2))
    assert _owned_array(X.copy(), X) and _owned_array(X, X.tolist())
    assert not _owned_array(X, X) and not _owned_array(X[2:], X)
    read_only = X.copy()
    read_only.flags.writeable = False
    assert not _owned_array(read_only, X)
    assert not _owned_array(pd.DataFrame(X), X)


@pytest.mark.parametrize("name", COMBINED)
@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_any_fast_smote_over_sampler_can_be_the_first_step(name, method):
    combined_cls, cleaner_cls = COMBINED[name]
    X, y = data()
    over = fast_smote.METHODS[method](random_state=1)
    cleaner = cleaner_cls(sampling_strategy="not minority")
    combined = combined_cls(smote=over, **{name: cleaner}, sampling_strategy=0.1, random_state=99)
    X_res, _ = combined.fit_resample(X, y)
    # The given samplers are cloned: their own parameters win, the originals stay unfitted.
    X_ref, _ = clone(cleaner).fit_resample(*clone(over).fit_resample(X, y))
    np.testing.assert_array_equal(X_res, X_ref)
    assert type(combined.smote_) is type(over) and combined.smote_ is not over
    assert not hasattr(over, "sampling_strategy_") and not hasattr(cleaner, "sample_indices_")


def test_smotenc_then_cleaning_needs_numeric_output():
    X, y = data()
    frame = pd.DataFrame(X, columns=list("abcd")).assign(kind=pd.Categorical(np.where(X[:, 0] > 0, "p", "n")))
    with pytest.raises(TypeError, match=r"non-numeric columns: 'kind' \(category\)"):
        fast_smote.SMOTETomek(smote=fast_smote.SMOTENC(categorical_features=["kind"])).fit_resample(frame, y)
    # Categories coded as numbers work through the cleaner.
    numeric = frame.assign(kind=(frame["kind"] == "p").astype(np.int64))
    X_res, _ = fast_smote.SMOTEENN(
        smote=fast_smote.SMOTENC(categorical_features=["kind"], random_state=0)
    ).fit_resample(numeric, y)
    assert set(X_res["kind"]) <= {0, 1} and X_res["kind"].dtype == np.int64


@pytest.mark.parametrize("name", COMBINED)
def test_wrong_parts_are_refused(name):
    combined_cls, cleaner_cls = COMBINED[name]
    X, y = data()
    with pytest.raises(TypeError, match="smote must be None or a fast-smote over-sampler"):
        combined_cls(smote=imblearn.over_sampling.SMOTE()).fit_resample(X, y)
    with pytest.raises(TypeError, match=f"{name} must be None or a fast-smote {cleaner_cls.__name__}"):
        combined_cls(**{name: fast_smote.SMOTE()}).fit_resample(X, y)
    with pytest.raises(ValueError, match="sampling_strategy='most' is not known"):
        combined_cls(sampling_strategy="most").fit_resample(X, y)


@pytest.mark.parametrize("name", COMBINED)
def test_parameters_attributes_and_pipeline(name):
    combined_cls, _ = COMBINED[name]
    theirs = getattr(imblearn.combine, combined_cls.__name__)()
    assert combined_cls().get_params(deep=False) == theirs.get_params(deep=False)
    with pytest.raises(TypeError):
        combined_cls("auto")
    X, y = data()
    frame = pd.DataFrame(X, columns=list("abcd"))
    sampler = combined_cls(random_state=0).fit(frame, y)
    assert sampler.n_features_in_ == 4 and list(sampler.feature_names_in_) == list("abcd")
    X_res, y_res = sampler.fit_resample(frame, pd.Series(y, name="t"))
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series) and y_res.name == "t"
    sampler.fit_resample(X, y)
    assert not hasattr(sampler, "feature_names_in_")
    pipe = Pipeline([("sampler", combined_cls(random_state=0)), ("model", LogisticRegression())])
    search = GridSearchCV(pipe, {"sampler__smote": [None, fast_smote.ADASYN(random_state=0)]}, cv=2)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2


@pytest.mark.parametrize("name", COMBINED)
def test_same_result_for_any_n_jobs(name):
    combined_cls, _ = COMBINED[name]
    X, y = make_imbalanced([3000, 500], n_features=5, spread=1.0)
    results = [combined_cls(random_state=5, n_jobs=n).fit_resample(X, y)[0] for n in (1, 2, None)]
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


@pytest.mark.parametrize("name", COMBINED)
def test_counts_are_close_to_imblearns(name):
    combined_cls, _ = COMBINED[name]
    X, y = make_imbalanced([2000, 300], n_features=3, spread=0.8)
    ours = np.bincount(combined_cls(random_state=0).fit_resample(X, y)[1])
    theirs = np.bincount(
        getattr(imblearn.combine, combined_cls.__name__)(random_state=0).fit_resample(X, y)[1]
    )
    # Different random streams place different synthetic rows, so the numbers cleaned
    # differ a little; both start from 2000 per class.
    assert np.all(np.abs(ours - theirs) <= 0.05 * theirs), (ours, theirs)
    assert np.all(ours < 2000)
