"""The synthetic rows: on segments between a sample and one of its exact k nearest
same-class neighbours, recorded in ``provenance_``, reproducible across ``n_jobs``."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

import fast_smote
from conftest import make_imbalanced


def _kth_distances(X_class, k):
    """Distance of each class sample to its k-th nearest other sample (brute force)."""
    dist = np.sqrt(((X_class[:, None, :] - X_class[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(dist, np.inf)
    return np.sort(dist, axis=1)[:, k - 1]


def _assert_valid_smote(X, y, X_res, y_res, provenance, k, rtol=1e-12):
    n = len(X)
    np.testing.assert_array_equal(X_res[:n], X)
    np.testing.assert_array_equal(y_res[:n], y)
    synthetic = X_res[n:]
    base, nbr, step = provenance.base_index, provenance.neighbor_index, provenance.step
    assert provenance.n_original == n and len(provenance) == len(synthetic)
    assert np.all((step >= 0) & (step < 1))
    # Base and neighbour share the synthetic row's class, and are different samples.
    np.testing.assert_array_equal(y[base], y_res[n:])
    np.testing.assert_array_equal(y[nbr], y_res[n:])
    assert np.all(base != nbr)
    # Each row is exactly the recorded interpolation, in X's dtype.
    dtype = X_res.dtype
    expected = X[base] + step[:, None].astype(dtype) * (X[nbr] - X[base])
    np.testing.assert_array_equal(synthetic, expected)
    # ... which lies on the segment between the two originals.
    low, high = np.minimum(X[base], X[nbr]), np.maximum(X[base], X[nbr])
    assert np.all((synthetic >= low) & (synthetic <= high))
    # The neighbour is one of the base's k nearest same-class samples (ties allowed).
    for label in np.unique(y_res[n:]):
        rows = np.flatnonzero(y == label)
        kth = _kth_distances(X[rows].astype(np.float64), k)
        position = {row: i for i, row in enumerate(rows)}
        mine = y_res[n:] == label
        gap = np.linalg.norm(X[base[mine]].astype(np.float64) - X[nbr[mine]], axis=1)
        limit = kth[[position[b] for b in base[mine]]]
        assert np.all(gap <= limit * (1 + rtol) + 1e-300)


@pytest.mark.parametrize("n_features", [2, 5, 16, 17, 40])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_lie_on_segments_to_true_neighbours(n_features, dtype):
    X, y = make_imbalanced([300, 60, 25], n_features=n_features, dtype=dtype)
    sampler = fast_smote.SMOTE(k_neighbors=4, random_state=1)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.dtype == dtype
    _assert_valid_smote(
        X, y, X_res, y_res, sampler.provenance_, 4, rtol=1e-5 if dtype == np.float32 else 1e-9
    )


def test_neighbours_match_sklearn_brute_force():
    rng = np.random.default_rng(3)
    for d in [3, 16, 30]:
        X = rng.normal(size=(500, d))
        ours = fast_smote._core.kneighbors(X, 6)
        dist, _ = NearestNeighbors(n_neighbors=7, algorithm="brute").fit(X).kneighbors(X)
        got = np.sort(np.linalg.norm(X[:, None, :] - X[ours], axis=2), axis=1)
        np.testing.assert_allclose(got, dist[:, 1:], rtol=1e-9)
        assert not np.any(ours == np.arange(500)[:, None])


def test_every_base_sample_and_neighbour_gets_used():
    X, y = make_imbalanced([100, 12])
    sampler = fast_smote.SMOTE(k_neighbors=3, sampling_strategy={1: 5012}, random_state=0)
    sampler.fit_resample(X, y)
    base, nbr = sampler.provenance_.base_index, sampler.provenance_.neighbor_index
    assert set(base) == set(np.flatnonzero(y == 1))
    # 12 samples x 3 neighbours = 36 pairs, each expected 5000 / 36 ~ 139 times.
    pairs, counts = np.unique(np.stack([base, nbr]), axis=1, return_counts=True)
    assert pairs.shape[1] == 36
    assert counts.min() > 80 and counts.max() < 210


def test_exact_duplicates_are_neighbours_but_a_sample_never_its_own():
    # Each minority row appears 8 times; with k=5 all neighbours are twins at distance 0.
    rng = np.random.default_rng(0)
    distinct = rng.normal(size=(5, 3))
    X = np.concatenate([rng.normal(size=(100, 3)) + 10, np.repeat(distinct, 8, axis=0)])
    y = np.array([0] * 100 + [1] * 40)
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    p = sampler.provenance_
    assert np.all(p.base_index != p.neighbor_index)
    np.testing.assert_array_equal(X[p.base_index], X[p.neighbor_index])
    np.testing.assert_array_equal(X_res[100 + 40 :], X[p.base_index])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_same_seed_same_bytes_for_any_n_jobs(dtype):
    X, y = make_imbalanced([6000, 900, 400], n_features=7, dtype=dtype)
    runs = [fast_smote.resample(X, y, random_state=42, n_jobs=n_jobs)[0] for n_jobs in (1, 2, None, -1, 3)]
    for other in runs[1:]:
        assert other.tobytes() == runs[0].tobytes()
    assert fast_smote.resample(X, y, random_state=43)[0].tobytes() != runs[0].tobytes()


def test_random_state_instances_and_none():
    X, y = make_imbalanced([200, 30])
    a = fast_smote.resample(X, y, random_state=np.random.RandomState(5))[0]
    b = fast_smote.resample(X, y, random_state=np.random.RandomState(5))[0]
    np.testing.assert_array_equal(a, b)
    np.random.seed(11)
    c = fast_smote.resample(X, y)[0]
    np.random.seed(11)
    d = fast_smote.resample(X, y)[0]
    np.testing.assert_array_equal(c, d)
    e = fast_smote.resample(X, y, random_state=np.random.default_rng(1))[0]
    assert e.shape == a.shape


def test_neighbour_estimator_is_cloned_fitted_per_class_and_used():
    X, y = make_imbalanced([200, 50, 40], n_features=3)
    estimator = NearestNeighbors(n_neighbors=4)
    sampler = fast_smote.SMOTE(k_neighbors=estimator, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert not hasattr(estimator, "n_samples_fit_"), "the caller's estimator was fitted"
    assert sampler.nn_k_ is not estimator and sampler.nn_k_.n_samples_fit_ == 40
    _assert_valid_smote(X, y, X_res, y_res, sampler.provenance_, 3)
    # Same neighbours as the built-in search with k = n_neighbors - 1 (no distance ties here).
    builtin = fast_smote.SMOTE(k_neighbors=3, random_state=0).fit_resample(X, y)[0]
    np.testing.assert_array_equal(X_res, builtin)


def test_neighbour_estimator_listing_a_twin_first_keeps_the_sample_out():
    class TwinFirst(NearestNeighbors):
        """Lists neighbours with the sample's twin before the sample itself."""

        def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
            ind = super().kneighbors(X, n_neighbors, return_distance=False)
            n = len(ind)
            twin = np.arange(n) ^ 1
            rest = [row[(row != i) & (row != twin[i])] for i, row in enumerate(ind)]
            out = np.stack(
                [np.concatenate([[twin[i], i], r[: ind.shape[1] - 2]]) for i, r in enumerate(rest)]
            )
            return out

    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(50, 2)) + 5, np.repeat(rng.normal(size=(10, 2)), 2, axis=0)])
    y = np.array([0] * 50 + [1] * 20)
    sampler = fast_smote.SMOTE(k_neighbors=TwinFirst(n_neighbors=4), random_state=0)
    sampler.fit_resample(X, y)
    assert np.all(sampler.provenance_.base_index != sampler.provenance_.neighbor_index)


def test_nn_k_for_an_int_describes_the_search():
    X, y = make_imbalanced([100, 20])
    sampler = fast_smote.SMOTE(k_neighbors=3)
    sampler.fit_resample(X, y)
    assert sampler.nn_k_.n_neighbors == 4


def test_only_the_needed_classes_are_searched():
    # Class 2 has 2 samples (fewer than k + 1) but is not oversampled: no error.
    X, y = make_imbalanced([50, 30, 2])
    _X_res, y_res = fast_smote.resample(X, y, sampling_strategy={1: 50}, random_state=0)
    assert np.bincount(y_res).tolist() == [50, 50, 2]


def test_provenance_is_compact():
    X, y = make_imbalanced([200, 30], dtype=np.float32)
    sampler = fast_smote.SMOTE(random_state=0)
    sampler.fit_resample(X, y)
    p = sampler.provenance_
    assert p.base_index.dtype == p.neighbor_index.dtype == np.int32
    assert p.step.dtype == np.float32


def test_search_engine_choice():
    rng = np.random.default_rng(0)
    engine = fast_smote._core.search_engine
    assert engine(rng.normal(size=(500, 5)), 5) == "kd-tree"
    assert engine(rng.normal(size=(500, 10)), 5) == "brute-force"
    assert engine(rng.normal(size=(500, 30)), 5) == "brute-force"
    # Every row with many exact twins: the tree answers at distance 0 at once.
    twins = np.repeat(rng.normal(size=(20, 10)), 25, axis=0)
    assert engine(twins, 5) == "kd-tree"
    table = fast_smote._core.kneighbors(twins, 5)
    np.testing.assert_array_equal(twins[table], np.repeat(twins[:, None, :], 5, axis=1))
    assert not np.any(table == np.arange(500)[:, None])
