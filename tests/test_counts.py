"""Every sampler in ``fast_smote.METHODS`` lands on imbalanced-learn's class counts for every
``sampling_strategy`` form, and warns exactly when a class gets a different number of new
samples than its strategy asks (ADASYN's rounding, KMeans-SMOTE's ceilings, a class
Borderline-SMOTE skips). Last, how each form resolves (``sampling_strategy_``, the
same for every method, with imbalanced-learn's ``check_sampling_strategy``)."""

from __future__ import annotations

import re
import warnings
from collections import Counter

import imblearn.over_sampling
import numpy as np
import pytest
from imblearn.utils import check_sampling_strategy
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

import fast_smote
from conftest import make_imbalanced

#: imbalanced-learn's sampler of the same name, for every registered sampler.
IMBLEARN = {name: getattr(imblearn.over_sampling, cls.__name__) for name, cls in fast_smote.METHODS.items()}

#: Samplers whose counts are rounded shares of the asked ones.
ROUNDING = {"adasyn", "kmeans-smote"}

BINARY_STRATEGIES = [
    "auto",
    "minority",
    "not majority",
    "all",
    0.5,
    0.8,
    {1: 120},
    {0: 230, 1: 100},
    pytest.param(lambda y: {1: int(np.sum(y == 1)) * 3}, id="callable"),
]
MULTICLASS_STRATEGIES = [
    "minority",
    "not majority",
    "not minority",
    "all",
    {1: 100, 3: 45},
    {0: 190, 2: 70},
    pytest.param(lambda y: {label: int(np.sum(y == label)) * 2 for label in np.unique(y)}, id="callable"),
]


@pytest.fixture(autouse=True)
def _serial_native_threads():
    # scikit-learn's OpenMP and BLAS thread teams (k-means, SVC, logistic regression) only
    # spin on data this small, for seconds on a busy machine. The Rust core uses neither.
    with threadpool_limits(limits=1):
        yield


_WARNING = re.compile(r"(\w+) generated (\d+) samples for class (.+) instead of the (\d+) that")


def _overlapping(counts):
    # Overlapping blobs: every class has samples near other classes, so every sampler
    # has borderline, hard and support-vector samples to start from.
    return make_imbalanced(counts, spread=1.5)


def _shown(label):
    """A label as the warnings show it: the repr of the plain Python value."""
    return repr(label.item() if isinstance(label, np.generic) else label)


def _run(sampler, X, y):
    """fit_resample, and the (label, made, asked) every count warning reports."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X_res, y_res = sampler.fit_resample(X, y)
    reported = set()
    for warning in caught:
        match = _WARNING.match(str(warning.message))
        if match:
            assert issubclass(warning.category, UserWarning)
            assert match[1] == type(sampler).__name__
            reported.add((match[3], int(match[2]), int(match[4])))
    return X_res, y_res, reported


def _check_counts(method, strategy, X, y):
    sampler = fast_smote.METHODS[method](sampling_strategy=strategy, random_state=0)
    X_res, y_res, reported = _run(sampler, X, y)
    _, y_imb = IMBLEARN[method](sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    after = Counter(y_res.tolist())
    assert after == Counter(y_imb.tolist())
    assert len(X_res) == len(y_res)
    before = Counter(y.tolist())
    differing = set()
    for label, asked in sampler.sampling_strategy_.items():
        made = after[label] - before[label]
        if made != asked:
            differing.add((_shown(label), made, asked))
    assert reported == differing
    # Classes the strategy leaves alone keep their count.
    for label in before.keys() - set(sampler.sampling_strategy_):
        assert after[label] == before[label]
    return sampler, differing


@pytest.mark.parametrize("strategy", BINARY_STRATEGIES, ids=str)
@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_binary_counts_equal_imblearns(method, strategy):
    _check_counts(method, strategy, *_overlapping([200, 40]))


@pytest.mark.parametrize("strategy", MULTICLASS_STRATEGIES, ids=str)
@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_multiclass_counts_equal_imblearns(method, strategy):
    _check_counts(method, strategy, *_overlapping([150, 60, 30, 20]))


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_only_the_rounding_samplers_miss_the_asked_counts_here(method):
    # On this data every class has danger samples and support vectors of both kinds, so
    # only the samplers that round per-sample or per-cluster shares miss the asked counts;
    # and they must miss them, or the warning checks above test nothing.
    _, differing = _check_counts(method, "all", *_overlapping([150, 60, 30, 20]))
    assert bool(differing) == (method in ROUNDING)


@pytest.mark.parametrize("kind", ["borderline-1", "borderline-2"])
def test_borderline_skips_a_class_without_danger_like_imblearn(kind):
    # Far-apart blobs: only some classes have samples in danger.
    X, y = make_imbalanced([150, 60, 30, 20], spread=4.0, seed=1)
    sampler = fast_smote.BorderlineSMOTE(kind=kind, sampling_strategy="all", random_state=0)
    _X_res, y_res, reported = _run(sampler, X, y)
    reference = imblearn.over_sampling.BorderlineSMOTE(kind=kind, sampling_strategy="all", random_state=0)
    _, y_imb = reference.fit_resample(X, y)
    assert Counter(y_res.tolist()) == Counter(y_imb.tolist())
    skipped = {
        label
        for label, n in sampler.sampling_strategy_.items()
        if n and label not in reference.in_danger_indices
    }
    assert skipped, "the data must have a class without danger samples"
    assert {label for label, _, _ in reported} == {_shown(label) for label in skipped}
    assert all(made == 0 for _, made, _ in reported)
    assert set(sampler.in_danger_indices) == set(reference.in_danger_indices)


def test_kmeans_ceilings_equal_imblearns_with_a_given_clustering():
    X, y = _overlapping([150, 60, 30, 20])
    clustering = KMeans(n_clusters=5, n_init=1, random_state=0)
    for threshold in ["auto", 0.05]:
        params = dict(
            kmeans_estimator=clustering, cluster_balance_threshold=threshold, sampling_strategy="all"
        )
        sampler = fast_smote.KMeansSMOTE(random_state=0, **params)
        _, y_res, reported = _run(sampler, X, y)
        _, y_imb = imblearn.over_sampling.KMeansSMOTE(random_state=0, **params).fit_resample(X, y)
        assert Counter(y_res.tolist()) == Counter(y_imb.tolist())
        assert all(made > asked for _, made, asked in reported)


@pytest.mark.parametrize("method", fast_smote.METHODS)
@pytest.mark.parametrize("strategy", ["not minority", {0: 200, 1: 40}], ids=str)
def test_nothing_to_generate_returns_the_input(method, strategy):
    # Binary 'not minority' selects only the majority, which needs no new sample.
    X, y = _overlapping([200, 40])
    X_res, y_res = fast_smote.resample(X, y, method=method, sampling_strategy=strategy, random_state=0)
    X_imb, _ = IMBLEARN[method](sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)
    np.testing.assert_array_equal(X_imb, X)


# -- how sampling_strategy resolves ----------------------------------------------------------

RESOLVED_BINARY = [
    "auto",
    "minority",
    "not minority",
    "not majority",
    "all",
    0.5,
    1.0,
    0.75,
    {1: 120},
    {0: 200, 1: 200},
]


RESOLVED_MULTICLASS = [
    "auto",
    "minority",
    "not minority",
    "not majority",
    "all",
    {1: 100, 3: 25},
    {0: 150},
    lambda y: {label: int(np.sum(y == label)) * 2 for label in np.unique(y)},
]


def _check_resolution(strategy, X, y):
    X_res, y_res = fast_smote.resample(X, y, sampling_strategy=strategy, random_state=0)
    sampler = fast_smote.SMOTE(sampling_strategy=strategy, random_state=0)
    sampler.fit_resample(X, y)
    expected = check_sampling_strategy(strategy, y, "over-sampling")
    assert dict(sampler.sampling_strategy_) == dict(expected)
    assert list(sampler.sampling_strategy_) == sorted(sampler.sampling_strategy_)
    before = Counter(y.tolist())
    after = Counter(y_res.tolist())
    for label in before:
        assert after[label] == before[label] + expected.get(label, 0)
    assert len(X_res) == len(y_res) == len(y) + sum(expected.values())
    # imbalanced-learn itself lands on the same counts.
    _, y_imb = imblearn.over_sampling.SMOTE(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    assert Counter(y_imb.tolist()) == after


@pytest.mark.parametrize("strategy", RESOLVED_BINARY, ids=str)
def test_binary_strategies_resolve_as_imblearns(binary, strategy):
    _check_resolution(strategy, *binary)


@pytest.mark.parametrize("strategy", RESOLVED_MULTICLASS, ids=str)
def test_multiclass_strategies_resolve_as_imblearns(multiclass, strategy):
    _check_resolution(strategy, *multiclass)


def test_ties_pick_the_smallest_label_like_imblearn():
    # Classes 2 and 0 tie for majority, 3 and 1 for minority; the larger labels come first in y.
    y = np.array([2] * 10 + [0] * 10 + [3] * 6 + [1] * 6)
    X = np.random.default_rng(0).normal(size=(len(y), 2))
    for strategy in ["auto", "minority", "not minority", "all"]:
        sampler = fast_smote.SMOTE(sampling_strategy=strategy, random_state=0).fit(X, y)
        assert dict(sampler.sampling_strategy_) == dict(check_sampling_strategy(strategy, y, "over-sampling"))


def test_float_strategy_uses_truncation():
    X, y = make_imbalanced([101, 20])
    sampler = fast_smote.SMOTE(sampling_strategy=0.55, random_state=0).fit(X, y)
    assert sampler.sampling_strategy_ == {1: int(0.55 * 101) - 20}


def test_dict_with_current_count_generates_nothing(binary):
    X, y = binary
    X_res, y_res = fast_smote.resample(X, y, sampling_strategy={1: 40})
    np.testing.assert_array_equal(X_res, X)
    np.testing.assert_array_equal(y_res, y)


def test_fit_only_resolves_the_strategy(binary):
    X, y = binary
    sampler = fast_smote.SMOTE().fit(X, y)
    assert sampler.sampling_strategy_ == {1: 160}
    assert not hasattr(sampler, "provenance_")


@pytest.mark.parametrize("labels", ["int", "str"])
def test_hundreds_of_classes(labels):
    # More than 255 classes: the class codes no longer fit one byte.
    counts = [12 + (c % 7) for c in range(300)]
    X, y = make_imbalanced(counts, n_features=3, spread=20.0)
    if labels == "str":
        y = np.array([f"c{c:03d}" for c in range(300)])[y]
    X_res, y_res = fast_smote.resample(X, y, k_neighbors=3, random_state=0)
    _, after = np.unique(y_res, return_counts=True)
    assert np.all(after == max(counts))
    assert len(X_res) == 300 * max(counts)
