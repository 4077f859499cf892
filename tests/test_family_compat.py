"""Every sampler in ``fast_smote.METHODS`` is a scikit-learn estimator that imbalanced-learn's
``Pipeline`` accepts, with imbalanced-learn's parameters (plus ``n_jobs``)."""

from __future__ import annotations

import inspect
from typing import ClassVar

import imblearn.over_sampling
import numpy as np
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
