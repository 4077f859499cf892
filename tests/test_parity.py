"""Parity with imbalanced-learn: exactly equal where its algorithm is deterministic (which
samples are in danger, which support vectors are used and how, how many samples each
sample or cluster makes), the same distribution of synthetic rows where it is random
(SMOTE's against the exact moments of its mixture too)."""

from __future__ import annotations

import imblearn.over_sampling as imb
import numpy as np
import pytest
from scipy.stats import beta, ks_2samp, kstest
from sklearn.cluster import KMeans
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

import fast_smote
from conftest import make_imbalanced

pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")


@pytest.fixture(autouse=True)
def _serial_native_threads():
    # scikit-learn's OpenMP and BLAS thread teams (k-means, SVC, logistic regression) only
    # spin on data this small, for seconds on a busy machine. The Rust core uses neither.
    with threadpool_limits(limits=1):
        yield


def _classification(n_classes=2, weights=(0.85,), seed=0, **kwargs):
    # Continuous features: no distance ties, so "the m nearest" is well defined.
    params = dict(n_samples=400, n_features=5, n_informative=3, n_redundant=0, n_clusters_per_class=1)
    params.update(kwargs)
    return make_classification(n_classes=n_classes, weights=list(weights), random_state=seed, **params)


def _assert_same_distribution(ours, theirs, n_sigma=5.0):
    """Per feature: equal means and variances within ``n_sigma`` standard errors of the
    difference (each sample's errors estimated from itself), and equal marginals by KS."""
    assert len(ours) > 500 and len(theirs) > 500
    mean_se = np.sqrt(ours.var(0) / len(ours) + theirs.var(0) / len(theirs))
    assert np.all(np.abs(ours.mean(0) - theirs.mean(0)) < n_sigma * mean_se)
    var_se = [((s - s.mean(0)) ** 2).var(0) / len(s) for s in (ours, theirs)]
    assert np.all(np.abs(ours.var(0) - theirs.var(0)) < n_sigma * np.sqrt(var_se[0] + var_se[1]))
    for j in range(ours.shape[1]):
        assert ks_2samp(ours[:, j], theirs[:, j]).pvalue > 1e-5 / ours.shape[1]


def _assert_uniform_steps(step, high=1.0):
    """Steps uniform on [0, high): mean high/2 and variance high^2/12 within 5 standard errors."""
    n = len(step)
    assert abs(step.mean() - high / 2) < 5 * high / np.sqrt(12 * n)
    # Var(S^2) for S ~ U[0, high) is high^4 / 180 (= E[S^4] - E[S^2]^2 about the mean).
    assert abs(step.var() - high**2 / 12) < 5 * high**2 / np.sqrt(180 * n)
    assert kstest(step / high, "uniform").pvalue > 1e-5


# -- deterministic parts: exactly imblearn's ------------------------------------------------


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
@pytest.mark.parametrize(
    "m_neighbors", [4, 10, NearestNeighbors(n_neighbors=8)], ids=["m4", "m10", "estimator"]
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_borderline_danger_samples_are_imblearns(kind, m_neighbors, n_classes):
    weights = (0.85,) if n_classes == 2 else (0.6, 0.25)
    X, y = _classification(n_classes, weights, class_sep=1.0)
    params = dict(kind=kind, m_neighbors=m_neighbors, sampling_strategy="all", random_state=0)
    ours = fast_smote.BorderlineSMOTE(**params)
    ours.fit_resample(X, y)
    theirs = imb.BorderlineSMOTE(**params)
    theirs.fit_resample(X, y)
    assert theirs.in_danger_indices, "the data must have danger samples"
    assert set(ours.in_danger_indices) == set(theirs.in_danger_indices)
    for label, danger in theirs.in_danger_indices.items():
        np.testing.assert_array_equal(ours.in_danger_indices[label], danger)


@pytest.mark.parametrize("m_neighbors", [6, 10])
def test_svm_smote_uses_imblearns_support_vectors_classified_as_imblearn_does(m_neighbors):
    X, y = _classification(n_samples=300, n_features=4, flip_y=0.05, class_sep=0.8, seed=1)
    ours = fast_smote.SVMSMOTE(m_neighbors=m_neighbors, sampling_strategy={1: 3000}, random_state=0)
    ours.fit_resample(X, y)
    theirs = imb.SVMSMOTE(m_neighbors=m_neighbors, random_state=0)
    theirs._validate_estimator()
    svm = theirs.svm_estimator_.fit(X, y)
    np.testing.assert_array_equal(ours.svm_estimator_.support_, svm.support_)
    vectors = svm.support_[y[svm.support_] == 1]
    theirs.nn_m_.fit(X)
    noise = theirs._in_danger_noise(theirs.nn_m_, X[vectors], 1, y, kind="noise")
    kept = vectors[~noise]
    danger = theirs._in_danger_noise(theirs.nn_m_, X[kept], 1, y, kind="danger")
    assert noise.any() and danger.any() and not danger.all()
    p = ours.provenance_
    # ~3000 draws over ~40 support vectors: every usable one is used.
    assert set(p.base_index[p.step > 0]) == set(kept[danger])
    assert set(p.base_index[p.step < 0]) == set(kept[~danger])
    assert not np.isin(p.base_index, vectors[noise]).any()


@pytest.mark.parametrize(
    "n_neighbors", [3, 5, NearestNeighbors(n_neighbors=7)], ids=["n3", "n5", "estimator"]
)
def test_adasyn_per_sample_counts_are_imblearns(n_neighbors):
    X, y = make_imbalanced([150, 60, 30, 20], spread=1.5)
    ours = fast_smote.ADASYN(n_neighbors=n_neighbors, sampling_strategy="all", random_state=0)
    _, y_res = ours.fit_resample(X, y)
    theirs = imb.ADASYN(n_neighbors=n_neighbors, sampling_strategy="all", random_state=0)
    _, y_imb = theirs.fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), np.bincount(y_imb))
    # imblearn's definition, with its own neighbour estimator.
    nn = theirs.nn_
    k = nn.n_neighbors - 1
    base_counts = np.bincount(ours.provenance_.base_index, minlength=len(X))
    for label, n in theirs.sampling_strategy_.items():
        if n == 0:
            continue
        rows = np.flatnonzero(y == label)
        neighbors = nn.fit(X).kneighbors(X[rows], return_distance=False)[:, 1:]
        ratio = np.sum(y[neighbors] != label, axis=1) / k
        ratio /= ratio.sum()
        expected = np.rint(ratio * n).astype(int)
        np.testing.assert_array_equal(base_counts[rows], expected)


def _clusters_of_new_rows(sampler, X_res, y_res, n, label):
    """Clusters of the class's synthetic rows: a row between two samples of a k-means cell
    lies in that (convex) cell, so predicting it recovers the cluster it was made in."""
    rows = X_res[n:][y_res[n:] == label]
    return np.bincount(
        sampler.kmeans_estimator_.predict(rows), minlength=sampler.kmeans_estimator_.n_clusters
    )


@pytest.mark.parametrize(
    "kmeans_estimator",
    [None, 6, KMeans(n_clusters=5, n_init=1, random_state=0)],
    ids=["default", "int", "estimator"],
)
@pytest.mark.parametrize("threshold", ["auto", 0.1])
def test_kmeans_smote_per_cluster_counts_are_imblearns(kmeans_estimator, threshold):
    X, y = make_imbalanced([150, 60, 30, 20], spread=1.5)
    params = dict(
        kmeans_estimator=kmeans_estimator,
        cluster_balance_threshold=threshold,
        sampling_strategy="all",
        random_state=0,
    )
    ours = fast_smote.KMeansSMOTE(**params)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imb.KMeansSMOTE(**params)
    X_imb, y_imb = theirs.fit_resample(X, y)
    np.testing.assert_array_equal(ours.kmeans_estimator_.labels_, theirs.kmeans_estimator_.labels_)
    assert ours.cluster_balance_threshold_ == theirs.cluster_balance_threshold_
    np.testing.assert_array_equal(np.bincount(y_res), np.bincount(y_imb))
    labels = ours.kmeans_estimator_.labels_
    p = ours.provenance_
    for label in (1, 2, 3):
        mine = y_res[len(X) :] == label
        by_base = np.bincount(labels[p.base_index[mine]], minlength=ours.kmeans_estimator_.n_clusters)
        np.testing.assert_array_equal(_clusters_of_new_rows(ours, X_res, y_res, len(X), label), by_base)
        np.testing.assert_array_equal(_clusters_of_new_rows(theirs, X_imb, y_imb, len(X), label), by_base)


# -- random parts: imblearn's distribution ---------------------------------------------------


@pytest.mark.parametrize(
    "method, params",
    [
        ("borderline-smote", {"kind": "borderline-1"}),
        ("borderline-smote", {"kind": "borderline-2"}),
        ("adasyn", {}),
        ("kmeans-smote", {"kmeans_estimator": KMeans(n_clusters=4, n_init=1, random_state=0)}),
        ("random", {}),
        ("random", {"shrinkage": 1.5}),
    ],
    ids=str,
)
def test_synthetic_rows_have_imblearns_distribution(method, params):
    # A skewed minority makes the comparison informative; its overlap with the majority
    # gives danger and hard samples.
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(600, 3)), rng.gamma(2.0, size=(100, 3)) * 0.8 + 0.5])
    y = np.array([0] * 600 + [1] * 100)
    strategy = {1: 4100}
    ours = fast_smote.METHODS[method](sampling_strategy=strategy, random_state=1, **params)
    X_res, _ = ours.fit_resample(X, y)
    theirs = getattr(imb, type(ours).__name__)(sampling_strategy=strategy, random_state=1, **params)
    X_imb, _ = theirs.fit_resample(X, y)
    assert len(X_res) == len(X_imb)
    _assert_same_distribution(X_res[len(X) :], X_imb[len(X) :])
    if hasattr(ours, "provenance_"):
        step = ours.provenance_.step
        if method == "borderline-smote" and params["kind"] == "borderline-2":
            step = step[ours.provenance_.neighbor_class == 1]
        _assert_uniform_steps(step)


def test_svm_smote_rows_have_imblearns_distribution_on_each_side():
    X, y = _classification(n_samples=300, n_features=4, flip_y=0.05, class_sep=0.8, seed=1)
    n, asked = len(X), 4000
    ours = fast_smote.SVMSMOTE(sampling_strategy={1: asked + 47}, random_state=0)
    X_res, _ = ours.fit_resample(X, y)
    X_imb, _ = imb.SVMSMOTE(sampling_strategy={1: asked + 47}, random_state=0).fit_resample(X, y)
    # imblearn draws its Beta(10, 10) split first from RandomState(random_state), then
    # writes the interpolated rows, then the extrapolated ones.
    n_interpolated = int(np.random.RandomState(0).beta(10, 10) * (asked + 1))
    step = ours.provenance_.step
    ours_new, theirs_new = X_res[n:], X_imb[n:]
    _assert_same_distribution(ours_new[step > 0], theirs_new[:n_interpolated])
    _assert_same_distribution(ours_new[step < 0], theirs_new[n_interpolated:])
    _assert_uniform_steps(step[step > 0])
    _assert_uniform_steps(-step[step < 0], high=0.5)


def test_svm_smote_split_is_a_beta_10_10_draw():
    # imblearn splits each class's rows by random_state.beta(10, 10); ours draws the
    # fraction from the seed and class. Over seeds it must have the same law.
    fractions = np.array([fast_smote._core.split_fraction(seed, 1) for seed in range(3000)])
    assert kstest(fractions, beta(10, 10).cdf).pvalue > 1e-5
    assert len(set(fractions)) == len(fractions)
    other_class = np.array([fast_smote._core.split_fraction(seed, 2) for seed in range(3000)])
    assert abs(np.corrcoef(fractions, other_class)[0, 1]) < 5 / np.sqrt(3000)


def test_borderline_2_damped_steps_have_the_product_distribution():
    X, y = _classification(class_sep=0.8)
    sampler = fast_smote.BorderlineSMOTE(kind="borderline-2", sampling_strategy={1: 8000}, random_state=0)
    sampler.fit_resample(X, y)
    p = sampler.provenance_
    damped = p.step[p.neighbor_class != 1]
    n = len(damped)
    assert n > 1000
    # s = u * v with u ~ U[0, 1), v ~ U[0, 0.5): E[s] = 1/8, E[s^2] = 1/3 * 1/12 = 1/36.
    mean, second = 1 / 8, 1 / 36
    var = second - mean**2
    assert abs(damped.mean() - mean) < 5 * np.sqrt(var / n)
    # E[s^4] = 1/5 * 1/80 = 1/400 gives the standard error of the mean of s^2.
    assert abs((damped**2).mean() - second) < 5 * np.sqrt((1 / 400 - second**2) / n)
    # P(s <= t) = 2t (1 - ln 2t) for t in (0, 0.5].
    assert (
        kstest(damped, lambda t: np.clip(2 * t * (1 - np.log(np.maximum(2 * t, 1e-300))), 0, 1)).pvalue > 1e-5
    )


@pytest.mark.parametrize("shrinkage", [0.5, {1: 2.0, 2: 0.25}], ids=["float", "dict"])
def test_random_over_sampler_noise_has_the_documented_spread(shrinkage):
    # A class of 8 samples: its standard deviation with ddof=1 would be 7 % larger, which
    # 20_000 draws resolve (standard error of the sample sd: 0.5 %).
    X, y = make_imbalanced([300, 60, 8], n_features=3)
    strategy = {1: 20_060, 2: 20_008}
    ours = fast_smote.RandomOverSampler(shrinkage=shrinkage, sampling_strategy=strategy, random_state=0)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imb.RandomOverSampler(shrinkage=shrinkage, sampling_strategy=strategy, random_state=0)
    X_imb, y_imb = theirs.fit_resample(X, y)
    assert ours.shrinkage_ == theirs.shrinkage_
    n_samples, n_features = X.shape
    h = (4 / ((n_features + 2) * n_samples)) ** (1 / (n_features + 4))
    for label in (1, 2):
        factor = shrinkage if isinstance(shrinkage, float) else shrinkage[label]
        sd = factor * h * X[y == label].std(axis=0)
        for X_out, y_out, indices in (
            (X_res, y_res, ours.sample_indices_),
            (X_imb, y_imb, theirs.sample_indices_),
        ):
            new = y_out[n_samples:] == label
            noise = X_out[n_samples:][new] - X[indices[n_samples:][new]]
            count = len(noise)
            np.testing.assert_array_equal(y[indices[n_samples:][new]], label)
            # Mean 0 and standard deviation sd, each within 5 standard errors
            # (the sample sd of normal noise has standard error sd / sqrt(2 count)).
            assert np.all(np.abs(noise.mean(0)) < 5 * sd / np.sqrt(count))
            assert np.all(np.abs(noise.std(0) - sd) < 5 * sd / np.sqrt(2 * count))
            for j in range(n_features):
                assert kstest(noise[:, j] / sd[j], "norm").pvalue > 1e-5


def _synthetic(sampler, X, y, label):
    X_res, y_res = sampler.fit_resample(X, y)
    return X_res[len(X) :][y_res[len(y) :] == label]


@pytest.mark.parametrize("n_features", [3, 24])
def test_smote_rows_match_the_mixtures_moments_and_imblearns_distribution(n_features):
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
    theirs = _synthetic(imb.SMOTE(random_state=1, sampling_strategy=strategy), X, y, 1)
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


def test_smote_steps_and_base_usage_match_the_algorithm_imblearn_runs():
    X, y = make_imbalanced([1000, 100], n_features=4)
    sampler = fast_smote.SMOTE(random_state=0, sampling_strategy={1: 20100})
    sampler.fit_resample(X, y)
    step = sampler.provenance_.step
    # U[0, 1): mean 1/2, variance 1/12.
    assert abs(step.mean() - 0.5) < 0.01 and abs(step.var() - 1 / 12) < 0.003
    # Base samples uniform over the class: 20_000 draws over 100 samples.
    counts = np.bincount(sampler.provenance_.base_index, minlength=1100)[y == 1]
    assert counts.min() > 120 and counts.max() < 290


def test_smote_downstream_classifier_scores_match():
    X_all, y_all = make_imbalanced([4000, 240], n_features=6, spread=1.0, seed=4)
    X, y, X_test, y_test = X_all[::2], y_all[::2], X_all[1::2], y_all[1::2]
    scores = {}
    for name, sampler in {
        "fast": fast_smote.SMOTE(random_state=0),
        "imblearn": imb.SMOTE(random_state=0),
    }.items():
        X_res, y_res = sampler.fit_resample(X, y)
        model = LogisticRegression(max_iter=1000).fit(X_res, y_res)
        scores[name] = balanced_accuracy_score(y_test, model.predict(X_test))
    assert abs(scores["fast"] - scores["imblearn"]) < 0.03, scores
