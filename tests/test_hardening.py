"""What fuzzing the entry points found (fuzz/python/fuzz_entry_points.py), each pinned
down: the input, and the clear error or the valid result it must give."""

from __future__ import annotations

import os
import threading

import numpy as np
import pandas as pd
import pytest

import fast_smote
from conftest import make_imbalanced

X = np.random.default_rng(0).normal(size=(30, 2))
y = np.array([0] * 20 + [1] * 10)


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
@pytest.mark.parametrize("n_jobs", [10**6, 2**63, 2**64, 10**30])
def test_a_huge_n_jobs_starts_no_more_threads_than_cpus(n_jobs):
    expected = fast_smote.SMOTE(random_state=0, n_jobs=1).fit_resample(X, y)[0]
    fast_smote.SMOTE(random_state=0, n_jobs=2).fit_resample(X, y)
    before, python_threads = _os_threads(), threading.active_count()
    got = fast_smote.SMOTE(random_state=0, n_jobs=n_jobs).fit_resample(X, y)[0]
    np.testing.assert_array_equal(got, expected)
    cpus = len(os.sched_getaffinity(0))
    # At most one new pool, of one thread per CPU (none if it was built already).
    assert _os_threads() - before <= cpus
    for sampler in (fast_smote.TomekLinks(n_jobs=n_jobs), fast_smote.SMOTEN(n_jobs=n_jobs, random_state=0)):
        sampler.fit_resample(np.round(X), y)
    assert threading.active_count() == python_threads


def test_smotenc_without_categorical_features_names_the_parameter():
    with pytest.raises(ValueError, match="SMOTENC needs categorical_features"):
        fast_smote.SMOTENC(categorical_features=None).fit_resample(
            np.column_stack([X[:, 0], np.arange(30) % 3]), y
        )


def test_float16_frame_columns_are_categories_too():
    frame = pd.DataFrame(np.column_stack([X[:, 0], np.arange(30) % 3]).astype(np.float16))
    X_res, _ = fast_smote.SMOTENC(categorical_features=[1], random_state=0).fit_resample(frame, y)
    assert X_res.dtypes[1] == np.float16
    assert set(X_res[1].tolist()) <= {0.0, 1.0, 2.0}
    codes = pd.DataFrame({"b": (np.arange(30) % 3).astype(np.float16)})
    X_res, _ = fast_smote.SMOTEN(random_state=0).fit_resample(codes, y)
    assert X_res.dtypes["b"] == np.float16 and set(X_res["b"].tolist()) <= {0.0, 1.0, 2.0}


@pytest.mark.parametrize(
    ("make", "fitted"),
    [
        (
            lambda rng: fast_smote.KMeansSMOTE(random_state=rng, cluster_balance_threshold=0.1),
            "kmeans_estimator_",
        ),
        (lambda rng: fast_smote.SVMSMOTE(random_state=rng), "svm_estimator_"),
    ],
)
@pytest.mark.filterwarnings("ignore:KMeansSMOTE generated")  # its clusters' rounding, on some seeds
def test_a_generator_random_state_reaches_the_sklearn_estimators(make, fitted):
    # The estimator gets an int drawn from the generator: the same generator seed gives
    # the same int and output, another seed another int (SVC's fit would not show it:
    # without probability estimates it draws nothing).
    X_blobs, y_blobs = make_imbalanced([200, 60])
    seeds, outputs = [], []
    for generator_seed in (5, 5, 6):
        sampler = make(np.random.default_rng(generator_seed))
        outputs.append(sampler.fit_resample(X_blobs, y_blobs)[0])
        seeds.append(getattr(sampler, fitted).random_state)
    assert all(isinstance(seed, int) for seed in seeds)
    assert seeds[0] == seeds[1] != seeds[2]
    assert len(outputs[0]) > len(X_blobs)
    np.testing.assert_array_equal(outputs[0], outputs[1])


@pytest.mark.parametrize("shrinkage", [float("inf"), {0: 1.0, 1: float("inf")}])
def test_an_infinite_shrinkage_is_refused(shrinkage):
    with pytest.raises(ValueError, match="shrinkage must be finite, got inf"):
        fast_smote.RandomOverSampler(shrinkage=shrinkage, random_state=0).fit_resample(X, y)


@pytest.mark.parametrize("exponent", [float("inf"), float("-inf"), float("nan")])
def test_a_non_finite_density_exponent_is_refused(exponent):
    with pytest.raises(ValueError, match="density_exponent must be 'auto' or a finite float"):
        fast_smote.KMeansSMOTE(density_exponent=exponent, kmeans_estimator=1, random_state=0).fit_resample(
            X, y
        )


def test_huge_shrinkage_and_huge_values_stay_finite():
    far = np.repeat([[1.7e308], [-1.7e308], [1.0e308]], [10, 10, 10], axis=0)
    X_res, _ = fast_smote.RandomOverSampler(shrinkage=1e6, random_state=0).fit_resample(far, y)
    assert np.all(np.isfinite(X_res))
