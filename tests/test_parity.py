"""Statistical parity with imbalanced-learn's SMOTE on the same data."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE as ImbSMOTE
from scipy.stats import ks_2samp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.neighbors import NearestNeighbors

import fast_smote
from conftest import make_imbalanced


def _synthetic(sampler, X, y, label):
    X_res, y_res = sampler.fit_resample(X, y)
    return X_res[len(X) :][y_res[len(y) :] == label]


@pytest.mark.parametrize("n_features", [3, 24])
def test_synthetic_rows_have_imblearns_distribution(n_features):
    # Given X, every synthetic row is an independent draw from the same mixture in both
    # implementations, so their samples can be compared directly. A skewed minority
    # makes the comparison informative.
    rng = np.random.default_rng(0)
    majority = rng.normal(size=(3000, n_features))
    minority = rng.gamma(2.0, size=(300, n_features)) + 2
    X = np.concatenate([majority, minority])
    y = np.array([0] * 3000 + [1] * 300)
    strategy = {1: 20_300}
    ours = _synthetic(fast_smote.SMOTE(random_state=1, sampling_strategy=strategy), X, y, 1)
    theirs = _synthetic(ImbSMOTE(random_state=1, sampling_strategy=strategy), X, y, 1)
    assert ours.shape == theirs.shape == (20_000, n_features)
    # Both draw from the same neighbour tables ...
    table = fast_smote._core.kneighbors(minority, 5)
    reference = NearestNeighbors(n_neighbors=6).fit(minority).kneighbors(minority, return_distance=False)
    np.testing.assert_array_equal(np.sort(table, axis=1), np.sort(reference[:, 1:], axis=1))
    # ... so both must match the mixture's exact moments: for x = a + s (b - a) with
    # s ~ U[0, 1), E[x] = (a + b) / 2 and E[x^2] = a^2 + a (b - a) + (b - a)^2 / 3,
    # averaged over every (sample, neighbour) pair.
    a, b = minority[:, None, :], minority[table]
    mean = ((a + b) / 2).mean(axis=(0, 1))
    var = (a**2 + a * (b - a) + (b - a) ** 2 / 3).mean(axis=(0, 1)) - mean**2
    for sample in (ours, theirs):
        centred = sample - mean
        assert np.all(np.abs(sample.mean(0) - mean) < 5 * np.sqrt(var / len(sample)))
        var_se = np.sqrt((centred**2).var(0) / len(sample))
        assert np.all(np.abs(sample.var(0) - var) < 5 * var_se)
    # Whole marginal distributions: two-sample Kolmogorov-Smirnov per feature.
    for j in range(n_features):
        assert ks_2samp(ours[:, j], theirs[:, j]).pvalue > 1e-4 / n_features
    # Both stay inside the minority's bounding box.
    assert ours.min() >= minority.min() and ours.max() <= minority.max()


def test_step_and_base_usage_match_the_algorithm_imblearn_runs():
    X, y = make_imbalanced([1000, 100], n_features=4)
    sampler = fast_smote.SMOTE(random_state=0, sampling_strategy={1: 20100})
    sampler.fit_resample(X, y)
    step = sampler.provenance_.step
    # U[0, 1): mean 1/2, variance 1/12.
    assert abs(step.mean() - 0.5) < 0.01 and abs(step.var() - 1 / 12) < 0.003
    # Base samples uniform over the class: 20_000 draws over 100 samples.
    counts = np.bincount(sampler.provenance_.base_index, minlength=1100)[y == 1]
    assert counts.min() > 120 and counts.max() < 290


def test_downstream_classifier_scores_match():
    X_all, y_all = make_imbalanced([4000, 240], n_features=6, spread=1.0, seed=4)
    X, y, X_test, y_test = X_all[::2], y_all[::2], X_all[1::2], y_all[1::2]
    scores = {}
    for name, sampler in {
        "fast": fast_smote.SMOTE(random_state=0),
        "imblearn": ImbSMOTE(random_state=0),
    }.items():
        X_res, y_res = sampler.fit_resample(X, y)
        model = LogisticRegression(max_iter=1000).fit(X_res, y_res)
        scores[name] = balanced_accuracy_score(y_test, model.predict(X_test))
    assert abs(scores["fast"] - scores["imblearn"]) < 0.03, scores
