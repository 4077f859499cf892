"""Every sampling_strategy form gives the class counts imbalanced-learn gives."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE as ImbSMOTE
from imblearn.utils import check_sampling_strategy

import fast_smote
from conftest import make_imbalanced

BINARY_STRATEGIES = [
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
MULTICLASS_STRATEGIES = [
    "auto",
    "minority",
    "not minority",
    "not majority",
    "all",
    {1: 100, 3: 25},
    {0: 150},
    lambda y: {label: int(np.sum(y == label)) * 2 for label in np.unique(y)},
]


def _check(strategy, X, y):
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
    _, y_imb = ImbSMOTE(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    assert Counter(y_imb.tolist()) == after


@pytest.mark.parametrize("strategy", BINARY_STRATEGIES, ids=str)
def test_binary_counts(binary, strategy):
    _check(strategy, *binary)


@pytest.mark.parametrize("strategy", MULTICLASS_STRATEGIES, ids=str)
def test_multiclass_counts(multiclass, strategy):
    _check(strategy, *multiclass)


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
