"""Every sampler in ``fast_smote.METHODS`` works wherever imbalanced-learn's does: a
scikit-learn estimator that imbalanced-learn's ``Pipeline`` accepts, with
imbalanced-learn's parameters (plus ``n_jobs``), exception types and helper methods."""

from __future__ import annotations

import inspect
from typing import ClassVar

import imblearn.over_sampling
import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from threadpoolctl import threadpool_limits

import fast_smote
from conftest import make_imbalanced

pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")

#: A non-default value for every parameter the samplers take.
OTHER_VALUES = {
    "sampling_strategy": {1: 70},
    "random_state": 7,
    "n_jobs": 2,
    "k_neighbors": 3,
    "m_neighbors": 6,
    "n_neighbors": 4,
    "kind": "borderline-2",
    "svm_estimator": LogisticRegression(C=0.5),
    "out_step": 0.25,
    "kmeans_estimator": 3,
    "cluster_balance_threshold": 0.2,
    "density_exponent": 1.5,
    "shrinkage": {1: 0.3},
}


@pytest.fixture(autouse=True)
def _serial_native_threads():
    # scikit-learn's OpenMP and BLAS thread teams (k-means, SVC, logistic regression) only
    # spin on data this small, for seconds on a busy machine. The Rust core uses neither.
    with threadpool_limits(limits=1):
        yield


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_parameters_are_imblearns_plus_n_jobs(method):
    cls = fast_smote.METHODS[method]
    theirs = getattr(imblearn.over_sampling, cls.__name__)()
    ours = cls()
    assert set(ours.get_params()) == set(theirs.get_params()) | {"n_jobs"}
    for name, value in theirs.get_params().items():
        if name != "n_jobs":
            assert ours.get_params()[name] == value, name
    assert ours.get_params()["n_jobs"] is None
    # Keyword-only: a positional argument is refused.
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(cls).parameters.values())
    with pytest.raises(TypeError):
        cls("auto")


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_get_set_params_and_clone(method):
    cls = fast_smote.METHODS[method]
    params = {name: OTHER_VALUES[name] for name in cls().get_params()}
    sampler = cls(**params)
    assert sampler.get_params(deep=False) == params
    twin = clone(sampler)
    assert type(twin) is cls and twin is not sampler
    assert twin.get_params(deep=False).keys() == params.keys()
    for name, value in twin.get_params(deep=False).items():
        if hasattr(value, "get_params"):
            # Estimator parameters are cloned too: equal parameters, another object.
            assert value is not params[name] and value.get_params() == params[name].get_params()
        else:
            assert value == params[name]
    twin.set_params(random_state=11)
    assert twin.random_state == 11 and sampler.random_state == 7
    assert f"{cls.__name__}(" in repr(sampler)


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_clone_of_a_fitted_sampler_is_unfitted_and_gives_the_same_result(method):
    X, y = make_imbalanced([120, 40], spread=1.5)
    sampler = fast_smote.METHODS[method](random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    twin = clone(sampler)
    assert not hasattr(twin, "sampling_strategy_")
    np.testing.assert_array_equal(twin.fit_resample(X, y)[0], X_res)


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_fit_resolves_the_strategy_without_resampling(method):
    X, y = make_imbalanced([120, 40], spread=1.5)
    sampler = fast_smote.METHODS[method](random_state=0).fit(X, y)
    assert sampler.sampling_strategy_ == {1: 80}
    assert sampler.n_features_in_ == 4
    assert not hasattr(sampler, "provenance_") and not hasattr(sampler, "sample_indices_")


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_pipeline_resamples_training_folds_only(method):
    X, y = make_imbalanced([300, 40], n_features=5, spread=1.5)
    calls = []

    class Counting(fast_smote.METHODS[method]):
        seen: ClassVar[list[int]] = calls

        def fit_resample(self, X, y):
            Counting.seen.append(len(y))
            return super().fit_resample(X, y)

    Counting.__name__ = fast_smote.METHODS[method].__name__
    pipe = Pipeline([("sampler", Counting(random_state=0)), ("model", LogisticRegression())])
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(3), scoring="balanced_accuracy")
    assert len(scores) == 3 and np.all(scores > 0.6)
    # Fitted on the 2/3 training folds only; prediction never resamples.
    assert calls == [226, 227, 227]
    # The fitted pipeline's classifier is the one trained on the resampled data.
    pipe.fit(X, y)
    X_res, y_res = fast_smote.METHODS[method](random_state=0).fit_resample(X, y)
    alone = LogisticRegression().fit(X_res, y_res)
    np.testing.assert_array_equal(pipe.named_steps["model"].coef_, alone.coef_)


def test_grid_search_over_sampler_parameters_of_every_method():
    X, y = make_imbalanced([200, 40], n_features=3, spread=4.0)
    grid = [
        {"sampler": [cls(random_state=0)], "sampler__sampling_strategy": [0.5, "auto"]}
        for cls in fast_smote.METHODS.values()
    ]
    pipe = Pipeline([("sampler", fast_smote.SMOTE()), ("model", LogisticRegression())])
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(X, y)
    assert len(search.cv_results_["params"]) == 2 * len(fast_smote.METHODS)
    assert type(search.best_estimator_.named_steps["sampler"]) in fast_smote.METHODS.values()


def test_constructor_is_keyword_only_and_stores_parameters_as_given():
    with pytest.raises(TypeError):
        fast_smote.SMOTE("auto")  # type: ignore[misc]
    weird = fast_smote.SMOTE(k_neighbors=-5, sampling_strategy="nonsense", n_jobs=0)
    assert weird.k_neighbors == -5 and weird.sampling_strategy == "nonsense"


def test_grid_search_tunes_a_samplers_neighbours_by_step_name():
    X, y = make_imbalanced([300, 40], n_features=4)
    pipe = Pipeline([("smote", fast_smote.SMOTE(random_state=0)), ("clf", LogisticRegression())])
    search = GridSearchCV(
        pipe, {"smote__k_neighbors": [3, 5], "smote__sampling_strategy": [0.5, "auto"]}, cv=3
    )
    search.fit(X, y)
    assert set(search.cv_results_["param_smote__k_neighbors"]) == {3, 5}
    assert search.best_estimator_.named_steps["smote"].k_neighbors in (3, 5)


@pytest.mark.parametrize(
    "make_y",
    [
        lambda y: np.where(np.arange(len(y)) == 7, None, y.astype(object)),
        lambda y: np.where(np.arange(len(y)) == 7, np.nan, y.astype(float)),
        lambda y: pd.Series(np.where(y == 1, "a", "b"), dtype="string").mask(np.arange(len(y)) == 7),
        lambda y: pd.Series(
            pd.Categorical(np.where(np.arange(len(y)) == 7, None, np.where(y == 1, "a", "b")))
        ),
    ],
    ids=["None", "NaN", "pandas NA", "categorical NaN"],
)
# imbalanced-learn casts the NaN label to an integer on the way to its error.
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_a_missing_label_in_y_is_named_by_its_row(make_y):

    X, y = make_imbalanced([60, 20])
    y_missing = make_y(y)
    for sampler in (fast_smote.SMOTE(), fast_smote.RandomOverSampler(), fast_smote.TomekLinks()):
        with pytest.raises(
            ValueError, match=r"y has missing labels \(None, NaN or NA\) at row 7 \(1 in all\)"
        ):
            sampler.fit_resample(X, y_missing)
    # imbalanced-learn refuses it too (a ValueError, or a TypeError from sorting None).
    with pytest.raises((ValueError, TypeError)):
        imblearn.over_sampling.SMOTE().fit_resample(X, y_missing)


def test_exception_types_are_imblearns_too():
    from sklearn.tree import DecisionTreeClassifier

    X, y = make_imbalanced([60, 20])
    frame = pd.DataFrame({"a": X[:, 0], "name": ["x", "y"] * 40})
    for library in (fast_smote, imblearn.over_sampling):
        # A smoothed bootstrap of text: imbalanced-learn raises a ValueError.
        with pytest.raises(ValueError, match=r"(non-numeric|numerical)"):
            library.RandomOverSampler(shrinkage=0.5).fit_resample(frame, y)
        # A support-vector sampler with no support vectors: a RuntimeError.
        with pytest.raises(RuntimeError, match="support_"):
            library.SVMSMOTE(svm_estimator=DecisionTreeClassifier()).fit_resample(X, y)
    # fast-smote's errors stay TypeErrors too (a wrong type of data or estimator).
    with pytest.raises(TypeError, match=r"non-numeric columns: 'name'"):
        fast_smote.SMOTE().fit_resample(frame, y)
    with pytest.raises(TypeError, match="DecisionTreeClassifier has no support_"):
        fast_smote.SVMSMOTE(svm_estimator=DecisionTreeClassifier()).fit_resample(X, y)


@pytest.mark.parametrize("name, cleaner", [("SMOTETomek", "tomek_"), ("SMOTEENN", "enn_")])
def test_combinations_validate_their_estimators_as_imblearns_do(name, cleaner):
    import imblearn.combine

    ours = getattr(fast_smote, name)(smote=fast_smote.SMOTE(k_neighbors=3), n_jobs=1)
    theirs = getattr(imblearn.combine, name)(smote=imblearn.over_sampling.SMOTE(k_neighbors=3), n_jobs=1)
    for sampler in (ours, theirs):
        sampler._validate_estimator()
        assert sampler.smote_.k_neighbors == 3 and sampler.smote_ is not sampler.smote
        assert getattr(sampler, cleaner).sampling_strategy == "all"
    assert type(ours.smote_) is fast_smote.SMOTE
    with pytest.raises(TypeError, match="smote must be None or a fast-smote over-sampler"):
        getattr(fast_smote, name)(smote="smote")._validate_estimator()
