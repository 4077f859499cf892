"""fast-smote where imbalanced-learn is used: the same public names, and every sampler in
imbalanced-learn's Pipeline under scikit-learn's model selection tools and set_output."""

from __future__ import annotations

import imblearn.combine
import imblearn.over_sampling
import imblearn.under_sampling
import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline
from samplers import every_sampler
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import fast_smote
import fast_smote.combine
import fast_smote.over_sampling
import fast_smote.under_sampling
from conftest import make_imbalanced

pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")

#: imbalanced-learn's under-samplers fast-smote does not provide (it provides its cleaners).
NOT_PROVIDED = {
    "ClusterCentroids",
    "RandomUnderSampler",
    "InstanceHardnessThreshold",
    "NearMiss",
    "RepeatedEditedNearestNeighbours",
    "AllKNN",
    "OneSidedSelection",
    "CondensedNearestNeighbour",
    "NeighbourhoodCleaningRule",
}


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (fast_smote.over_sampling, imblearn.over_sampling),
        (fast_smote.under_sampling, imblearn.under_sampling),
        (fast_smote.combine, imblearn.combine),
    ],
    ids=lambda module: module.__name__,
)
def test_public_names_mirror_imblearns_modules(ours, theirs):
    provided = set(theirs.__all__) - NOT_PROVIDED
    assert provided <= set(ours.__all__)
    for name in provided:
        sampler = getattr(ours, name)
        assert getattr(fast_smote, name) is sampler
        assert sampler.__name__ == name


@pytest.mark.parametrize("sampler", every_sampler(), ids=lambda s: type(s).__name__)
def test_cross_validate_with_every_sampler_in_a_pipeline(sampler):
    X, y = make_imbalanced([300, 60], n_features=4)
    X[:, 0] = np.round(X[:, 0])  # a categorical-like column for SMOTENC
    pipe = make_pipeline(sampler, LogisticRegression())
    result = cross_validate(
        pipe,
        X,
        y,
        cv=StratifiedKFold(3),
        scoring=["balanced_accuracy", "roc_auc"],
        return_estimator=True,
        n_jobs=2,
    )
    assert np.all(result["test_balanced_accuracy"] > 0.7)
    # Each fold's sampler was fitted (in a joblib worker) on its training fold only.
    for estimator in result["estimator"]:
        assert estimator[0].n_features_in_ == 4


def test_grid_search_over_sampler_and_classifier_parameters_in_parallel():
    X, y = make_imbalanced([300, 40], n_features=4)
    pipe = make_pipeline(fast_smote.SMOTE(random_state=0), LogisticRegression())
    search = GridSearchCV(
        pipe,
        {"smote__k_neighbors": [2, 4], "logisticregression__C": [0.1, 1.0]},
        cv=3,
        scoring="balanced_accuracy",
        n_jobs=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["smote__k_neighbors"] in (2, 4)
    # The refitted pipeline resampled the whole training set once.
    assert search.best_estimator_.named_steps["smote"].sampling_strategy_ == {1: 260}


@pytest.mark.parametrize("transform", ["pandas", "polars"])
def test_set_output_pipelines_hand_the_sampler_frames_and_it_keeps_their_names(transform):
    if transform == "polars":
        pytest.importorskip("polars")
    X, y = make_imbalanced([300, 40], n_features=3)
    frame = pd.DataFrame(X, columns=["age", "income", "score"])
    frame["region"] = np.where(X[:, 0] > 0, "north", "south")
    encode = ColumnTransformer(
        [
            ("scale", StandardScaler(), ["age", "income", "score"]),
            ("onehot", OneHotEncoder(sparse_output=False), ["region"]),
        ]
    )
    pipe = make_pipeline(encode, fast_smote.SMOTE(random_state=0), LogisticRegression())
    pipe.set_output(transform=transform)
    pipe.fit(frame, y)
    sampler = pipe.named_steps["smote"]
    names = ["scale__age", "scale__income", "scale__score", "onehot__region_north", "onehot__region_south"]
    assert list(sampler.feature_names_in_) == names
    assert list(sampler.get_feature_names_out()) == names
    assert list(pipe[:-1].get_feature_names_out()) == names
    assert pipe.predict(frame).shape == (340,)
