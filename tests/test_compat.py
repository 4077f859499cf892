"""fast_smote.SMOTE works wherever imbalanced-learn's SMOTE does."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from imblearn.pipeline import Pipeline, make_pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

import fast_smote
from conftest import make_imbalanced


def test_get_set_params_and_clone():
    sampler = fast_smote.SMOTE(k_neighbors=3, random_state=7, sampling_strategy=0.5, n_jobs=2)
    assert sampler.get_params() == {
        "k_neighbors": 3,
        "n_jobs": 2,
        "random_state": 7,
        "sampling_strategy": 0.5,
    }
    twin = clone(sampler)
    assert twin is not sampler and twin.get_params() == sampler.get_params()
    twin.set_params(k_neighbors=4)
    assert twin.k_neighbors == 4 and sampler.k_neighbors == 3
    assert "k_neighbors=3" in repr(sampler)


def test_constructor_is_keyword_only_and_stores_parameters_as_given():
    with pytest.raises(TypeError):
        fast_smote.SMOTE("auto")  # type: ignore[misc]
    weird = fast_smote.SMOTE(k_neighbors=-5, sampling_strategy="nonsense", n_jobs=0)
    assert weird.k_neighbors == -5 and weird.sampling_strategy == "nonsense"


def test_clone_of_a_fitted_sampler_is_unfitted():
    X, y = make_imbalanced([100, 20])
    sampler = fast_smote.SMOTE(random_state=0)
    sampler.fit_resample(X, y)
    assert not hasattr(clone(sampler), "sampling_strategy_")


def test_pipeline_resamples_training_folds_only():
    X, y = make_imbalanced([400, 40], n_features=5)

    class CountingSMOTE(fast_smote.SMOTE):
        calls: ClassVar[list[int]] = []

        def fit_resample(self, X, y):
            CountingSMOTE.calls.append(len(y))
            return super().fit_resample(X, y)

    pipe = make_pipeline(CountingSMOTE(random_state=0), LogisticRegression())
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(4), scoring="balanced_accuracy")
    assert len(scores) == 4 and np.all(scores > 0.7)
    # Fitted on the 3/4 training folds only; prediction never resamples.
    assert CountingSMOTE.calls == [330] * 4


def test_grid_search_over_sampler_parameters():
    X, y = make_imbalanced([300, 40], n_features=4)
    pipe = Pipeline([("smote", fast_smote.SMOTE(random_state=0)), ("clf", LogisticRegression())])
    search = GridSearchCV(
        pipe, {"smote__k_neighbors": [3, 5], "smote__sampling_strategy": [0.5, "auto"]}, cv=3
    )
    search.fit(X, y)
    assert set(search.cv_results_["param_smote__k_neighbors"]) == {3, 5}
    assert search.best_estimator_.named_steps["smote"].k_neighbors in (3, 5)
