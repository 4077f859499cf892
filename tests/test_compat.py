"""fast_smote.SMOTE works wherever imbalanced-learn's SMOTE does."""

from __future__ import annotations

from typing import ClassVar

import imblearn.over_sampling
import numpy as np
import pandas as pd
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
