"""What every sampler in ``fast_smote.METHODS`` makes: originals first and untouched, the
caller's containers and float types kept, each synthetic row exactly the interpolation its
``provenance_`` records (for SMOTE: on the segment to one of the exact k nearest
same-class neighbours), built from the samples its algorithm prescribes, and the same
bytes for a seed whatever ``n_jobs`` is."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_classification
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

import fast_smote
from conftest import make_imbalanced

#: Samplers that copy rows instead of interpolating: they record ``sample_indices_``,
#: not ``provenance_``. Every other sampler must set ``provenance_``.
COPYING = {"random"}
INTERPOLATING = [method for method in fast_smote.METHODS if method not in COPYING]

# The count warnings are checked in test_counts.py.
pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")


@pytest.fixture(autouse=True)
def _serial_native_threads():
    # scikit-learn's OpenMP and BLAS thread teams (k-means, SVC, logistic regression) only
    # spin on data this small, for seconds on a busy machine. The Rust core uses neither.
    with threadpool_limits(limits=1):
        yield


def _overlapping(counts=(150, 60, 30, 20), dtype=np.float64, seed=0):
    # Overlapping blobs, so every sampler has border, hard and support-vector samples.
    return make_imbalanced(list(counts), spread=1.5, dtype=dtype, seed=seed)


def _kth_distance(X, queries, references, k):
    """Brute-force distance from each query to its k-th nearest reference, itself excluded."""
    X = X.astype(np.float64)
    dist = np.linalg.norm(X[queries][:, None, :] - X[references][None, :, :], axis=2)
    dist[queries[:, None] == references[None, :]] = np.inf
    return np.sort(dist, axis=1)[:, k - 1]


def _other_class_counts(X, y, queries, m):
    """Brute force: how many of each query's m nearest samples (itself excluded) are of another class."""
    X = X.astype(np.float64)
    dist = np.linalg.norm(X[queries][:, None, :] - X[None, :, :], axis=2)
    dist[np.arange(len(queries)), queries] = np.inf
    nearest = np.argsort(dist, axis=1)[:, :m]
    return np.count_nonzero(y[nearest] != y[queries][:, None], axis=1)


def _assert_among_k_nearest(X, bases, neighbors, references, k, rtol=1e-9):
    """Each neighbour is a reference other than its base, at most as far as the base's k-th nearest."""
    assert np.all(bases != neighbors)
    assert np.isin(neighbors, references).all()
    unique, inverse = np.unique(bases, return_inverse=True)
    kth = _kth_distance(X, unique, references, k)[inverse.ravel()]
    gap = np.linalg.norm(X[bases].astype(np.float64) - X[neighbors], axis=1)
    assert np.all(gap <= kth * (1 + rtol))


def _assert_provenance(X, y, X_res, y_res, provenance):
    """The invariants every interpolating sampler's provenance_ satisfies."""
    n = len(X)
    synthetic = X_res[n:]
    base, neighbor, step = provenance.base_index, provenance.neighbor_index, provenance.step
    assert provenance.n_original == n and len(provenance) == len(synthetic) == len(y_res) - n
    assert step.dtype == X_res.dtype
    # Exactly the recorded interpolation (or extrapolation), computed in X's type.
    expected = X[base] + step[:, None] * (X[neighbor] - X[base])
    assert expected.dtype == X_res.dtype
    np.testing.assert_array_equal(synthetic, expected)
    # The base is of the new row's class, and a different sample than the neighbour.
    np.testing.assert_array_equal(y[base], y_res[n:])
    assert np.all(base != neighbor)
    assert np.all((step > -1) & (step < 1))
    if provenance.neighbor_class is None:
        np.testing.assert_array_equal(y[neighbor], y_res[n:])
    else:
        np.testing.assert_array_equal(provenance.neighbor_class, y[neighbor])


# -- every sampler -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_originals_first_inputs_untouched_and_float_type_kept(method, dtype):
    X, y = _overlapping(dtype=dtype)
    X_before, y_before = X.copy(), y.copy()
    X_res, y_res = fast_smote.resample(X, y, method=method, sampling_strategy="all", random_state=0)
    assert X_res.dtype == dtype and y_res.dtype == y.dtype
    assert len(X_res) == len(y_res) > len(X)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    # New rows come class by class, in label order.
    new_labels = y_res[len(y) :]
    assert np.all(np.diff(new_labels) >= 0) and set(new_labels) == {1, 2, 3}
    X_res[:] = 0  # the result does not alias the input
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_dataframe_and_series_round_trip(method):
    X, codes = _overlapping()
    frame = pd.DataFrame(
        {"a": X[:, 0], "b": X[:, 1].astype(np.float32), "c": X[:, 2], "d": (X[:, 3] * 10).astype(np.int64)},
        index=np.arange(1000, 1000 + len(X)),
    )
    target = pd.Series(np.array(["w", "x", "y", "z"])[codes], name="label", index=frame.index)
    frame_before, target_before = frame.copy(), target.copy()
    sampler = fast_smote.METHODS[method](random_state=0)
    X_res, y_res = sampler.fit_resample(frame, target)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == ["a", "b", "c", "d"]
    # Interpolated integers become float64; RandomOverSampler's copies keep int64.
    copies_dtype = np.int64 if method == "random" else np.float64
    assert X_res.dtypes.tolist() == [np.float64, np.float32, np.float64, copies_dtype]
    assert y_res.name == "label" and y_res.dtype == target.dtype
    np.testing.assert_array_equal(X_res.to_numpy(np.float64)[: len(X)], frame.to_numpy(np.float64))
    np.testing.assert_array_equal(y_res.to_numpy()[: len(X)], target.to_numpy())
    assert sampler.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    # The same numbers as from the plain arrays.
    X_plain, y_plain = fast_smote.METHODS[method](random_state=0).fit_resample(
        frame.to_numpy(np.float64), target.to_numpy()
    )
    np.testing.assert_array_equal(X_res.to_numpy(np.float64)[:, [0, 2, 3]], X_plain[:, [0, 2, 3]])
    np.testing.assert_array_equal(y_res.to_numpy(), y_plain)
    pd.testing.assert_frame_equal(frame, frame_before)
    pd.testing.assert_series_equal(target, target_before)


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_float32_frame_stays_float32(method):
    X, y = _overlapping([120, 40], dtype=np.float32)
    X_res, _ = fast_smote.resample(pd.DataFrame(X), pd.Series(y), method=method, random_state=0)
    assert X_res.dtypes.tolist() == [np.float32] * 4
    np.testing.assert_array_equal(X_res.to_numpy()[:160], X)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("counts", [(200, 40), (150, 60, 30, 20)], ids=["binary", "multiclass"])
@pytest.mark.parametrize("method", INTERPOLATING)
def test_every_synthetic_row_is_its_recorded_interpolation(method, counts, dtype):
    X, y = _overlapping(counts, dtype=dtype)
    sampler = fast_smote.METHODS[method](sampling_strategy="all", random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    _assert_provenance(X, y, X_res, y_res, sampler.provenance_)
    assert sampler.provenance_.base_index.dtype == np.int32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "method, params",
    [(method, {}) for method in fast_smote.METHODS] + [("random", {"shrinkage": 0.5})],
    ids=[*fast_smote.METHODS, "random-smoothed"],
)
def test_same_seed_same_bytes_for_any_n_jobs(method, params, dtype):
    X, y = _overlapping([400, 60, 40], dtype=dtype)
    strategy = {1: 2600, 2: 1500}  # several chunks of the core per class
    runs = []
    for n_jobs in (1, 2, None, -1, 3):
        sampler = fast_smote.METHODS[method](
            sampling_strategy=strategy, random_state=42, n_jobs=n_jobs, **params
        )
        runs.append((sampler, *sampler.fit_resample(X, y)))
    first, X_first, y_first = runs[0]
    assert len(X_first) > 4000
    for sampler, X_res, y_res in runs[1:]:
        assert X_res.tobytes() == X_first.tobytes()
        assert y_res.tobytes() == y_first.tobytes()
        if method in COPYING:
            np.testing.assert_array_equal(sampler.sample_indices_, first.sample_indices_)
        else:
            np.testing.assert_array_equal(sampler.provenance_.base_index, first.provenance_.base_index)
    X_other, _ = fast_smote.resample(
        X, y, method=method, sampling_strategy=strategy, random_state=43, **params
    )
    assert X_other[len(X) :].tobytes() != X_first[len(X) :].tobytes()


@pytest.mark.parametrize("method", fast_smote.METHODS)
def test_random_state_instances_are_reproducible(method):
    X, y = _overlapping([120, 40])
    runs = [
        fast_smote.resample(X, y, method=method, random_state=np.random.RandomState(7))[0] for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])


# -- Borderline-SMOTE ----------------------------------------------------------------------


def _borderline_data():
    # Continuous features: no distance ties, so "the m nearest" is well defined.
    return make_classification(
        n_samples=400,
        n_features=5,
        n_informative=3,
        n_classes=3,
        n_clusters_per_class=1,
        weights=[0.6, 0.25, 0.15],
        class_sep=1.0,
        random_state=0,
    )


def _brute_force_danger(X, y, label, m):
    rows = np.flatnonzero(y == label)
    other = _other_class_counts(X, y, rows, m)
    return rows[(other >= m / 2) & (other < m)]


@pytest.mark.parametrize("m", [6, 10])
def test_borderline_1_starts_from_danger_samples_toward_class_neighbours(m):
    X, y = _borderline_data()
    sampler = fast_smote.BorderlineSMOTE(
        k_neighbors=4, m_neighbors=m, sampling_strategy="all", random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    p = sampler.provenance_
    _assert_provenance(X, y, X_res, y_res, p)
    assert p.neighbor_class is None
    assert np.all((p.step >= 0) & (p.step < 1))
    new_labels = y_res[len(y) :]
    assert set(sampler.in_danger_indices) == {1, 2}
    for label, danger in sampler.in_danger_indices.items():
        np.testing.assert_array_equal(danger, _brute_force_danger(X, y, label, m))
        mine = new_labels == label
        assert np.isin(p.base_index[mine], danger).all()
        # With ~20 draws per danger sample, every one of them is used.
        assert set(p.base_index[mine]) == set(danger)
        _assert_among_k_nearest(X, p.base_index[mine], p.neighbor_index[mine], np.flatnonzero(y == label), 4)


def test_borderline_2_damps_the_steps_toward_other_classes():
    X, y = _borderline_data()
    sampler = fast_smote.BorderlineSMOTE(
        kind="borderline-2", k_neighbors=5, sampling_strategy={1: 2000, 2: 2000}, random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    p = sampler.provenance_
    _assert_provenance(X, y, X_res, y_res, p)
    new_labels = y_res[len(y) :]
    other = p.neighbor_class != new_labels
    assert other.any() and (~other).any()
    assert np.all((p.step[other] >= 0) & (p.step[other] < 0.5))
    assert np.all((p.step[~other] >= 0) & (p.step[~other] < 1))
    assert p.step[~other].max() > 0.9  # undamped steps do reach past 0.5
    for label, danger in sampler.in_danger_indices.items():
        mine = new_labels == label
        assert np.isin(p.base_index[mine], danger).all()
        _assert_among_k_nearest(X, p.base_index[mine], p.neighbor_index[mine], np.arange(len(X)), 5)


# -- SVM-SMOTE -----------------------------------------------------------------------------


def _svm_data():
    # Label noise gives the minority noise, danger and safe support vectors (4, 21, 18).
    return make_classification(
        n_samples=300,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        weights=[0.85],
        flip_y=0.05,
        class_sep=0.8,
        random_state=1,
    )


@pytest.mark.parametrize("out_step", [0.5, 0.2])
def test_svm_smote_interpolates_from_danger_and_extrapolates_from_safe_support_vectors(out_step):
    X, y = _svm_data()
    sampler = fast_smote.SVMSMOTE(out_step=out_step, sampling_strategy={1: 3000}, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    p = sampler.provenance_
    _assert_provenance(X, y, X_res, y_res, p)
    support = sampler.svm_estimator_.support_
    vectors = support[y[support] == 1]
    other = _other_class_counts(X, y, vectors, 10)
    noise, danger = vectors[other == 10], vectors[(other >= 5) & (other < 10)]
    safe = vectors[other < 5]
    assert len(noise) and len(danger) and len(safe)
    assert np.isin(p.base_index, vectors).all()
    assert not np.isin(p.base_index, noise).any()
    forward, backward = p.step > 0, p.step < 0
    assert set(p.base_index[forward]) == set(danger)
    assert set(p.base_index[backward]) == set(safe)
    assert np.all(p.step[forward] < 1)
    assert np.all(p.step[backward] > -out_step)
    # Extrapolation reaches up to out_step times the distance to the neighbour.
    assert p.step.min() < -0.95 * out_step
    _assert_among_k_nearest(X, p.base_index, p.neighbor_index, np.flatnonzero(y == 1), 5)
    # The Beta(10, 10) split puts between 1/4 and 3/4 of the rows on each side.
    assert 0.25 < forward.mean() < 0.75


def test_svm_smote_without_danger_support_vectors_makes_only_the_extrapolated_share():
    X, y = make_imbalanced([200, 40], spread=6.0)  # far apart: every support vector is safe
    sampler = fast_smote.SVMSMOTE(random_state=3)
    with pytest.warns(UserWarning, match="none of its support vectors is in danger"):
        _X_res, y_res = sampler.fit_resample(X, y)
    asked = 160
    made = int((y_res == 1).sum()) - 40
    share = fast_smote._core.split_fraction(3, 1)
    assert made == asked - int(share * (asked + 1))
    assert 0 < made < asked
    assert np.all(sampler.provenance_.step <= 0)


def test_svm_smote_without_safe_support_vectors_makes_only_the_interpolated_share():
    # Pairs of close minority samples, each pair inside a ring of majority samples: with
    # m_neighbors=2 every minority sample has its twin and one majority sample nearest.
    rng = np.random.default_rng(0)
    centres = rng.uniform(-50, 50, size=(8, 2))
    twins = np.concatenate([centres, centres + np.array([0.05, 0.0])])
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 0.5
    majority = (centres[:, None, :] + ring[None]).reshape(-1, 2)
    X = np.concatenate([majority, twins])
    y = np.array([0] * len(majority) + [1] * len(twins))
    sampler = fast_smote.SVMSMOTE(m_neighbors=2, k_neighbors=1, random_state=0)
    with pytest.warns(UserWarning, match="none of its support vectors is safe"):
        _X_res, y_res = sampler.fit_resample(X, y)
    asked = len(majority) - len(twins)
    made = int((y_res == 1).sum()) - len(twins)
    assert made == int(fast_smote._core.split_fraction(0, 1) * (asked + 1))
    assert np.all(sampler.provenance_.step >= 0)


# -- ADASYN --------------------------------------------------------------------------------


@pytest.mark.parametrize("n_neighbors", [3, 5])
def test_adasyn_repeats_each_sample_by_its_rounded_difficulty(n_neighbors):
    X, y = _overlapping()
    sampler = fast_smote.ADASYN(n_neighbors=n_neighbors, sampling_strategy="all", random_state=0)
    with pytest.warns(UserWarning, match="ADASYN generated"):
        X_res, y_res = sampler.fit_resample(X, y)
    p = sampler.provenance_
    _assert_provenance(X, y, X_res, y_res, p)
    assert np.all((p.step >= 0) & (p.step < 1))
    expected_bases = []
    for label, n in sampler.sampling_strategy_.items():
        if n == 0:
            continue
        rows = np.flatnonzero(y == label)
        ratio = _other_class_counts(X, y, rows, n_neighbors) / n_neighbors
        counts = np.rint(ratio / ratio.sum() * n).astype(np.int64)
        expected_bases.append(np.repeat(rows, counts))
        mine = y_res[len(y) :] == label
        assert mine.sum() == counts.sum()
        _assert_among_k_nearest(X, p.base_index[mine], p.neighbor_index[mine], rows, n_neighbors)
    # Bases in class order, each repeated in place.
    np.testing.assert_array_equal(p.base_index, np.concatenate(expected_bases))


# -- KMeans-SMOTE --------------------------------------------------------------------------


@pytest.mark.parametrize("density_exponent", ["auto", 1.5])
def test_kmeans_smote_spreads_the_samples_over_qualifying_clusters_by_sparsity(density_exponent):
    X, y = _overlapping()
    sampler = fast_smote.KMeansSMOTE(
        kmeans_estimator=KMeans(n_clusters=5, n_init=1, random_state=0),
        density_exponent=density_exponent,
        sampling_strategy="all",
        random_state=0,
    )
    with pytest.warns(UserWarning, match="rounded up"):
        X_res, y_res = sampler.fit_resample(X, y)
    p = sampler.provenance_
    _assert_provenance(X, y, X_res, y_res, p)
    cluster = sampler.kmeans_estimator_.labels_
    np.testing.assert_array_equal(cluster[p.base_index], cluster[p.neighbor_index])
    assert sampler.cluster_balance_threshold_ == "auto"
    total = sum(sampler.sampling_strategy_.values())
    for label, n in sampler.sampling_strategy_.items():
        if n == 0:
            continue
        mine = y_res[len(y) :] == label
        threshold = n / total / 2
        sparsity = {}
        for c in range(5):
            rows = np.flatnonzero((cluster == c) & (y == label))
            if len(rows) / np.sum(cluster == c) < threshold or len(rows) < 3:
                continue
            dist = np.linalg.norm(X[rows][:, None] - X[rows][None], axis=2)
            mean = dist.sum() / (len(rows) ** 2 - len(rows))
            exponent = math.log(len(rows), 1.6) ** 1.8 * 0.16 if density_exponent == "auto" else 1.5
            sparsity[c] = mean**exponent / len(rows)
            in_cluster = cluster[p.base_index[mine]] == c
            _assert_among_k_nearest(
                X, p.base_index[mine][in_cluster], p.neighbor_index[mine][in_cluster], rows, 2
            )
        weight = {c: s / sum(sparsity.values()) for c, s in sparsity.items()}
        made = np.bincount(cluster[p.base_index[mine]], minlength=5)
        assert made.tolist() == [math.ceil(n * weight[c]) if c in weight else 0 for c in range(5)]


def test_kmeans_smote_with_one_cluster_ignores_the_balance_threshold():
    X, y = _overlapping([150, 40])
    sampler = fast_smote.KMeansSMOTE(kmeans_estimator=1, cluster_balance_threshold=0.99, random_state=0)
    _X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.cluster_balance_threshold_ == -np.inf
    assert np.bincount(y_res).tolist() == [150, 150]


# -- RandomOverSampler ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_random_over_sampler_copies_rows_of_the_class(dtype):
    X, y = _overlapping(dtype=dtype)
    sampler = fast_smote.RandomOverSampler(sampling_strategy={1: 2060, 3: 2020}, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    indices = sampler.sample_indices_
    assert indices.dtype == np.int64 and indices.shape == (len(X_res),)
    np.testing.assert_array_equal(indices[: len(X)], np.arange(len(X)))
    np.testing.assert_array_equal(X_res, X[indices])
    np.testing.assert_array_equal(y_res, y[indices])
    assert sampler.shrinkage_ is None
    for label in (1, 3):
        rows = np.flatnonzero(y == label)
        drawn = indices[len(X) :][y_res[len(X) :] == label]
        # 2000 uniform draws with replacement: every row is drawn, none too often.
        counts = np.bincount(drawn, minlength=len(X))[rows]
        expected = 2000 / len(rows)
        assert counts.min() > 0 and np.abs(counts - expected).max() < 6 * np.sqrt(expected)


def test_random_over_sampler_shrinkage_zero_gives_exact_copies():
    X, y = _overlapping([120, 40])
    sampler = fast_smote.RandomOverSampler(shrinkage=0.0, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    assert sampler.shrinkage_ == {1: 0.0}


def test_random_over_sampler_noise_keeps_float32():
    X, y = _overlapping([120, 40], dtype=np.float32)
    sampler = fast_smote.RandomOverSampler(shrinkage=1.0, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[:160], X)
    noise = X_res[160:] - X[sampler.sample_indices_[160:]]
    assert np.all(noise != 0)


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
