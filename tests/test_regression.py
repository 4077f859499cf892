"""SMOTER and SMOGN (``fast_smote.regression``) against the papers' definitions: the
relevance function on known control points, the bumps and their counts, each new row
and target recomputed from its provenance, the safe distances and the noise by brute
force, the conventions every sampler keeps, every error path and the command line.
(test_regression_parity compares them with the smogn package.)"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

import fast_smote
from fast_smote import _core
from fast_smote.regression import SMOGN, SMOTER, Relevance
from fast_smote.regression._base import bump_targets, split_into_bumps
from fast_smote.regression._relevance import (
    automatic_control_points,
    check_control_points,
    five_numbers,
    whiskers,
)
from fast_smote.regression._smoter import truncated_normal

SAMPLERS = [SMOTER, SMOGN]


def skewed(
    n: int = 1000, d: int = 3, seed: int = 0, dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """Features and a log-normal target driven by the first feature: a long high tail."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.exp(X[:, 0] + 0.3 * rng.normal(size=n))
    return X.astype(dtype), y.astype(dtype)


def two_tailed(n: int = 1200, d: int = 4, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A heavy-tailed target with extremes on both sides."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = 2 * X[:, 0] + rng.standard_t(2, size=n)
    return X, y


def _brute_knn(points: np.ndarray, k: int) -> np.ndarray:
    distances = ((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(distances, np.inf)
    return np.argsort(distances, axis=1, kind="stable")[:, :k]


# The relevance function


def test_five_numbers_are_tukeys_hinges():
    # R: fivenum(1:10) = 1 3 5.5 8 10; fivenum(1:9) = 1 3 5 7 9; fivenum(1:4) = 1 1.5 2.5 3.5 4
    assert five_numbers(np.arange(1.0, 11.0)).tolist() == [1, 3, 5.5, 8, 10]
    assert five_numbers(np.arange(1.0, 10.0)).tolist() == [1, 3, 5, 7, 9]
    assert five_numbers(np.arange(1.0, 5.0)).tolist() == [1, 1.5, 2.5, 3.5, 4]


def test_whiskers_end_at_the_most_extreme_values_within_the_fences():
    y = np.sort(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 30, -20]))
    # Hinges 2.5 and 7.5 (Tukey), fences -5 and 15: -20 and 30 lie beyond.
    assert whiskers(y, 1.5) == (1.0, 5.0, 9.0)
    assert whiskers(y, 10.0) == (-20.0, 5.0, 30.0)


def test_automatic_control_points_follow_the_thesis():
    y = np.sort(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 30, -20]))
    np.testing.assert_array_equal(automatic_control_points(y, "both", 1.5), [[1, 1, 0], [5, 0, 0], [9, 1, 0]])
    np.testing.assert_array_equal(
        automatic_control_points(y, "high", 1.5), [[-20, 0, 0], [5, 0, 0], [9, 1, 0]]
    )
    np.testing.assert_array_equal(automatic_control_points(y, "low", 1.5), [[1, 1, 0], [5, 0, 0], [30, 0, 0]])
    # No extreme value: relevance 0 at the minimum, the median and the maximum.
    plain = np.arange(1.0, 12.0)
    np.testing.assert_array_equal(
        automatic_control_points(plain, "both", 1.5), [[1, 0, 0], [6, 0, 0], [11, 0, 0]]
    )


def test_relevance_interpolates_with_zero_slopes_between_control_points():
    relevance = Relevance(check_control_points([[0, 1], [4, 0], [8, 1]]))
    at = np.array([-5.0, 0, 1, 2, 3, 4, 6, 8, 20])
    # Between points the cubic of zero end slopes: 1 - (3 t^2 - 2 t^3) going down.
    smoothstep = lambda t: 3 * t**2 - 2 * t**3  # noqa: E731
    want = [1, 1, 1 - smoothstep(0.25), 0.5, 1 - smoothstep(0.75), 0, 0.5, 1, 1]
    np.testing.assert_allclose(relevance(at), want, atol=1e-15)


def test_relevance_takes_given_slopes_and_keeps_each_piece_monotone():
    gentle = Relevance(check_control_points([[0, 0, 0.5], [1, 1, 0.5]]))
    h = 1e-6
    assert (gentle(np.array([h])) - gentle(np.array([0.0])))[0] / h == pytest.approx(0.5, rel=1e-4)
    # Slopes of 5 on a unit rise would overshoot 1; Fritsch-Carlson scales them to 3/sqrt(2).
    steep = Relevance(check_control_points([[0, 0, 5], [1, 1, 5]]))
    grid = np.linspace(-0.5, 1.5, 4001)
    values = steep(grid)
    assert (np.diff(values) >= 0).all() and values.max() <= 1 and values.min() >= 0
    assert (steep(np.array([h])) - steep(np.array([0.0])))[0] / h == pytest.approx(3 / np.sqrt(2), rel=1e-4)
    # A slope against the direction of its piece is dropped.
    backwards = Relevance(check_control_points([[0, 0, -2], [1, 1, 0]]))
    assert (np.diff(backwards(np.linspace(0, 1, 1001))) >= 0).all()


@pytest.mark.parametrize(
    ("points", "error", "message"),
    [
        (
            [[0, 0], [0, 1]],
            ValueError,
            r"strictly increasing order of y; row 1 \(y = 0\) does not follow row 0",
        ),
        ([[0, 0], [2, 1], [1, 0]], ValueError, r"row 2 \(y = 1\) does not follow row 1 \(y = 2\)"),
        ([[0, 0], [1, 1.5]], ValueError, r"relevance in \[0, 1\], got 1.5"),
        ([[0, 0], [1, np.nan]], ValueError, "must be finite"),
        ([[0, 0]], ValueError, "at least 2 rows"),
        ([[0, 0, 0, 0], [1, 1, 0, 0]], ValueError, r"shape \(2, 4\)"),
        ([["a", 0], [1, 1]], TypeError, "must be numbers"),
    ],
)
def test_bad_control_points_are_refused(points, error, message):
    X, y = skewed()
    with pytest.raises(error, match=message):
        SMOTER(relevance=points).fit(X, y)


def test_the_relevance_can_be_a_callable_and_is_checked():
    X, y = skewed()
    top = SMOTER(relevance=lambda t: (t > np.quantile(t, 0.9)).astype(float)).fit(X, y)
    assert [bump.rare for bump in top.bumps_] == [False, True] and top.bumps_[1].n_samples == 100
    assert top.control_points_ is None
    with pytest.raises(ValueError, match=r"values in \[0, 1\]; it gave 2.0"):
        SMOTER(relevance=lambda t: np.full_like(t, 2.0)).fit(X, y)
    with pytest.raises(ValueError, match="returned shape"):
        SMOTER(relevance=lambda t: t[:5]).fit(X, y)


# Bumps and counts


def test_bumps_are_runs_of_sorted_y_on_one_side_of_the_threshold():
    X, y = two_tailed()
    sampler = SMOTER(relevance_threshold=0.7).fit(X, y)
    relevance = sampler.relevance_(y)
    rows, rare = split_into_bumps(y, relevance, 0.7)
    assert rare == [True, False, True] == [bump.rare for bump in sampler.bumps_]
    assert sorted(np.concatenate(rows).tolist()) == list(range(len(y)))
    for part, is_rare, bump in zip(rows, rare, sampler.bumps_):
        assert ((relevance[part] >= 0.7) == is_rare).all()
        assert (bump.low, bump.high, bump.n_samples) == (y[part].min(), y[part].max(), len(part))
    for before, after in zip(sampler.bumps_, sampler.bumps_[1:]):
        assert before.high < after.low


def test_bump_targets_by_name_and_by_factors():
    sizes, rare = np.array([30, 900, 70]), [True, False, True]
    assert bump_targets("balance", sizes, rare).tolist() == [333, 333, 333]
    assert bump_targets("auto", sizes, rare).tolist() == [333, 333, 333]
    inverse = 1 / sizes
    assert bump_targets("extreme", sizes, rare).tolist() == np.rint(999 * inverse / inverse.sum()).tolist()
    assert bump_targets([2, 0.5, 1.5], sizes, rare).tolist() == [60, 450, 105]


@pytest.mark.parametrize("strategy", ["balance", "extreme", [3.0, 0.5, 2.0]])
@pytest.mark.parametrize("undersample", [False, True])
def test_each_bump_gets_its_count(strategy, undersample):
    X, y = two_tailed()
    sampler = SMOGN(sampling_strategy=strategy, undersample=undersample, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    for bump in sampler.bumps_:
        inside = int(np.count_nonzero((y_res >= bump.low) & (y_res <= bump.high)))
        if bump.rare:
            assert inside == max(bump.n_target, bump.n_samples)
        else:
            assert inside == (min(bump.n_target, bump.n_samples) if undersample else bump.n_samples)
    kept = sampler.sample_indices_
    n_kept = len(kept)
    assert (np.diff(kept) > 0).all() and sampler.provenance_.n_original == n_kept
    np.testing.assert_array_equal(X_res[:n_kept], X[kept])
    np.testing.assert_array_equal(y_res[:n_kept], y[kept])
    assert len(y_res) == n_kept + len(sampler.provenance_)


def test_rows_are_split_evenly_over_a_bumps_rows():
    X, y = skewed()
    sampler = SMOTER(random_state=0)
    sampler.fit_resample(X, y)
    rare = sampler.bumps_[1]
    made = np.bincount(sampler.provenance_.base_index, minlength=len(y))
    bump_rows = np.flatnonzero(y >= rare.low)
    share = (rare.n_target - rare.n_samples) // rare.n_samples
    assert set(made[bump_rows].tolist()) <= {share, share + 1}
    assert made[bump_rows].sum() == rare.n_target - rare.n_samples
    assert made[np.flatnonzero(y < rare.low)].sum() == 0


# The new rows


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_smoter_rows_interpolate_between_neighbours_of_one_bump(dtype):
    X, y = two_tailed()
    X, y = X.astype(dtype), y.astype(dtype)
    sampler = SMOTER(k_neighbors=4, random_state=5)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.dtype == dtype and y_res.dtype == dtype
    p = sampler.provenance_
    new, y_new = X_res[len(y) :], y_res[len(y) :]
    want = X[p.base_index] + p.step[:, None] * (X[p.neighbor_index] - X[p.base_index])
    np.testing.assert_array_equal(new, want)
    assert ((p.step >= 0) & (p.step < 1)).all() and p.noise is None
    for bump in sampler.bumps_:
        rows = np.flatnonzero((y >= bump.low) & (y <= bump.high))
        mine = np.isin(p.base_index, rows)
        if not bump.rare:
            assert not mine.any()
            continue
        table = _brute_knn(X[rows].astype(np.float64), 4)
        position = np.searchsorted(rows, p.base_index[mine])
        neighbours = rows[table[position]]
        assert (neighbours == p.neighbor_index[mine][:, None]).any(axis=1).all()
        assert ((y_new[mine] >= bump.low) & (y_new[mine] <= bump.high)).all()
    # The target: the parents' weighted by the distance to the other parent.
    y64 = y.astype(np.float64)
    d1 = np.linalg.norm(new.astype(np.float64) - X[p.base_index], axis=1)
    d2 = np.linalg.norm(new.astype(np.float64) - X[p.neighbor_index], axis=1)
    weighted = (d2 * y64[p.base_index] + d1 * y64[p.neighbor_index]) / (d1 + d2)
    tolerance = 1e-9 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(y_new, weighted.astype(dtype), rtol=tolerance)


def test_parents_at_one_place_give_their_mean_target():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    y = np.exp(X[:, 0])
    top = np.argsort(y)[-40:]
    X[top[1::2]] = X[top[::2]]  # the rare rows in identical pairs of features
    sampler = SMOTER(k_neighbors=1, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    p = sampler.provenance_
    twins = (X[p.base_index] == X[p.neighbor_index]).all(axis=1)
    assert twins.any()
    np.testing.assert_allclose(y_res[400:][twins], 0.5 * (y[p.base_index] + y[p.neighbor_index])[twins])


def test_median_distances_are_to_the_other_rows():
    points = np.random.default_rng(4).normal(size=(1500, 5))
    points[7] = points[3]  # a duplicate: its distance 0 counts among the others
    rows = np.random.default_rng(5).permutation(1500)[:1201]
    distances = np.linalg.norm(points[rows][:, None] - points[rows][None, :], axis=2)
    for m in (1201, 1200):  # an even and an odd number of other rows
        want = [np.median(np.delete(distances[i, :m], i)) for i in range(m)]
        for n_threads in (1, 2):
            got = _core.median_distances(points, rows[:m], n_threads)
            np.testing.assert_allclose(got, want, rtol=1e-12)
    for dtype in (np.float32, np.float64):
        np.testing.assert_allclose(
            _core.median_distances(points.astype(dtype), rows[:20]),
            [np.median(np.delete(distances[i, :20], i)) for i in range(20)],
            rtol=1e-6 if dtype == np.float32 else 1e-12,
        )
    with pytest.raises(ValueError):
        _core.median_distances(points, rows[:1])


def test_smogn_adds_noise_where_the_neighbour_is_far_and_interpolates_elsewhere():
    # In 10 dimensions nearest neighbours are nearly as far as half the median row:
    # about half are beyond the safe distance, so both kinds of rows are made.
    rng = np.random.default_rng(6)
    X = rng.normal(size=(3000, 10))
    y = np.exp(X[:, 0] + 0.3 * rng.normal(size=3000))
    sampler = SMOGN(perturbation=0.5, random_state=1)
    X_res, y_res = sampler.fit_resample(X, y)
    p = sampler.provenance_
    new, y_new = X_res[3000:], y_res[3000:]
    rare = sampler.bumps_[1]
    rows = np.flatnonzero(y >= rare.low)
    safe = 0.5 * _core.median_distances(X, rows)[np.searchsorted(rows, p.base_index)]
    distance = np.linalg.norm(X[p.neighbor_index] - X[p.base_index], axis=1)
    np.testing.assert_array_equal(p.noise, distance >= safe)
    assert 0.3 < p.noise.mean() < 0.8
    kept = ~p.noise
    want = X[p.base_index] + p.step[:, None] * (X[p.neighbor_index] - X[p.base_index])
    np.testing.assert_array_equal(new[kept], want[kept])
    # Noise rows: the base plus N(0, sd_j * min(safe, perturbation)) per feature.
    scale = np.minimum(safe[p.noise], 0.5)[:, None] * X[rows].std(axis=0, ddof=1)
    z = (new[p.noise] - X[p.base_index[p.noise]]) / scale
    assert stats.kstest(z.ravel(), "norm").pvalue > 1e-3
    assert ((y_new >= rare.low) & (y_new <= rare.high)).all()
    assert (y_new[p.noise] != y[p.base_index[p.noise]]).mean() > 0.99


def test_truncated_noise_follows_the_truncated_normal():
    rng = np.random.default_rng(0)
    draws = truncated_normal(np.zeros(20000), np.full(20000, 2.0), -1.0, 3.0, rng)
    assert draws.min() >= -1 and draws.max() <= 3
    assert stats.kstest(draws, stats.truncnorm(-0.5, 1.5, scale=2.0).cdf).pvalue > 1e-3
    np.testing.assert_array_equal(truncated_normal(np.array([0.5]), np.array([0.0]), 0, 1, rng), [0.5])


# The conventions every sampler keeps


@pytest.mark.parametrize("cls", SAMPLERS)
def test_output_is_the_same_for_any_n_jobs_and_for_a_seed(cls):
    X, y = two_tailed(n=3000)
    one = cls(random_state=7, n_jobs=1).fit_resample(X, y)
    for n_jobs in (2, None):
        other = cls(random_state=7, n_jobs=n_jobs).fit_resample(X, y)
        assert one[0].tobytes() == other[0].tobytes() and one[1].tobytes() == other[1].tobytes()
    different = cls(random_state=8).fit_resample(X, y)
    assert not np.array_equal(one[0], different[0])


@pytest.mark.parametrize("cls", SAMPLERS)
def test_the_callers_arrays_are_left_alone(cls):
    X, y = skewed()
    X_before, y_before = X.copy(), y.copy()
    cls(random_state=0, undersample=True).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


@pytest.mark.parametrize("cls", SAMPLERS)
def test_frames_and_series_come_back_as_they_came(cls):
    pd = pytest.importorskip("pandas")
    X, y = skewed(dtype=np.float32)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    target = pd.Series((y * 100).astype(np.int64), name="price")
    X_res, y_res = cls(random_state=0).fit_resample(frame, target)
    assert list(X_res.columns) == ["a", "b", "c"] and (X_res.dtypes == np.float32).all()
    assert y_res.name == "price" and y_res.dtype == np.float64
    want_X, want_y = cls(random_state=0).fit_resample(X, (y * 100).astype(np.int64))
    np.testing.assert_array_equal(X_res.to_numpy(), want_X)
    np.testing.assert_array_equal(y_res.to_numpy(), want_y)


def test_polars_frames_come_back_as_polars():
    pl = pytest.importorskip("polars")
    X, y = skewed()
    X_res, y_res = SMOGN(random_state=0).fit_resample(
        pl.DataFrame(X, schema=["a", "b", "c"]), pl.Series("price", y)
    )
    assert isinstance(X_res, pl.DataFrame) and isinstance(y_res, pl.Series) and y_res.name == "price"
    want_X, want_y = SMOGN(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res.to_numpy(), want_X)
    np.testing.assert_array_equal(y_res.to_numpy(), want_y)


def test_sparse_X_is_resampled_densified_and_returned_sparse():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = skewed()
    X_res, y_res = SMOGN(random_state=0).fit_resample(sparse.csr_matrix(X), y)
    assert sparse.issparse(X_res) and X_res.format == "csr"
    want_X, want_y = SMOGN(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res.toarray(), want_X)
    np.testing.assert_array_equal(y_res, want_y)


def test_approximate_neighbours_are_taken_and_searched_by_the_core():
    X, y = skewed(n=30000, d=6)
    approximate = fast_smote.ApproximateNearestNeighbors(n_neighbors=6, random_state=0)
    X_res, _ = SMOTER(k_neighbors=approximate, random_state=0).fit_resample(X, y)
    X_exact, _ = SMOTER(random_state=0).fit_resample(X, y)
    assert X_res.shape == X_exact.shape


def test_in_a_pipeline_before_a_regressor_and_in_a_grid_search():
    from imblearn.pipeline import Pipeline

    X, y = skewed()
    pipeline = Pipeline([("smogn", SMOGN(random_state=0)), ("ridge", Ridge())])
    pipeline.fit(X, y)
    assert pipeline.predict(X).shape == (len(y),)
    search = GridSearchCV(pipeline, {"smogn__k_neighbors": [3, 5]}, cv=3).fit(X, y)
    assert search.best_params_["smogn__k_neighbors"] in (3, 5)
    copy = clone(SMOGN(k_neighbors=3, perturbation=0.1))
    assert copy.get_params()["perturbation"] == 0.1
    fitted = pickle.loads(pickle.dumps(SMOTER(random_state=0).fit(X, y)))
    assert fitted.bumps_ == SMOTER(random_state=0).fit(X, y).bumps_


def test_resample_takes_the_regression_methods_by_name():
    X, y = skewed()
    assert list(fast_smote.REGRESSION_METHODS) == ["smoter", "smogn"]
    for name, cls in fast_smote.REGRESSION_METHODS.items():
        got = fast_smote.resample(X, y, method=name, random_state=2)
        want = cls(random_state=2).fit_resample(X, y)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


def _top_quarter(y: np.ndarray) -> np.ndarray:
    """A relevance for scikit-learn's checks, whose targets have no outliers."""
    return (y >= np.quantile(y, 0.75)).astype(float)


@parametrize_with_checks([cls(relevance=_top_quarter, k_neighbors=1, random_state=0) for cls in SAMPLERS])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# Bad input


@pytest.mark.parametrize(
    ("y", "error", "message"),
    [
        (np.full(100, 3.0), ValueError, r"y is constant \(3.0\)"),
        (np.array(["a", "b"] * 50), TypeError, "y must be a numeric target, got dtype <U1"),
        (np.array([True, False] * 50), TypeError, "y must be a numeric target, got dtype bool"),
        (np.r_[np.arange(99.0), np.nan], ValueError, "y.*NaN.*row 99"),
        (np.r_[np.arange(99.0), np.inf], ValueError, "y.*inf.*row 99"),
        (np.arange(99.0), ValueError, "100.*99|99.*100"),
    ],
)
def test_bad_targets_are_refused(y, error, message):
    X = np.random.default_rng(0).normal(size=(100, 2))
    with pytest.raises(error, match=message):
        SMOGN().fit_resample(X, y)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        (
            {"relevance_threshold": 1.5},
            ValueError,
            r"relevance_threshold must be a finite number in \[0, 1\], got 1.5",
        ),
        ({"relevance_threshold": -0.1}, ValueError, r"relevance_threshold .* got -0.1"),
        ({"relevance_threshold": "high"}, TypeError, "relevance_threshold must be a number"),
        ({"coef": 0}, ValueError, "coef must be a finite number above 0, got 0"),
        ({"extremes": "top"}, ValueError, "extremes must be one of 'both', 'high', 'low', got 'top'"),
        ({"relevance": "manual"}, ValueError, "relevance must be 'auto', control points or a callable"),
        ({"sampling_strategy": "minority"}, ValueError, "sampling_strategy must be one of 'auto', 'balance'"),
        (
            {"sampling_strategy": 0.5},
            TypeError,
            "sampling_strategy must be 'balance', 'extreme' or a sequence",
        ),
        ({"sampling_strategy": [2.0]}, ValueError, r"gives 1 factors, but y has 2 bumps \(1 rare\)"),
        (
            {"sampling_strategy": [2.0, 1.0]},
            ValueError,
            r"sampling_strategy\[0\] = 2 would grow a common bump",
        ),
        (
            {"sampling_strategy": [1.0, 0.5]},
            ValueError,
            r"sampling_strategy\[1\] = 0.5 would shrink a rare bump",
        ),
        (
            {"sampling_strategy": [1.0, 0.0]},
            ValueError,
            r"sampling_strategy\[1\] must be a finite number above 0",
        ),
        ({"perturbation": 0.0}, ValueError, r"perturbation must be a finite number in \(0, 1\], got 0.0"),
        ({"perturbation": 2}, ValueError, r"perturbation .* got 2"),
        ({"k_neighbors": 0}, ValueError, "k_neighbors must be at least 1, got 0"),
        ({"undersample": "no"}, TypeError, "undersample must be True or False, got 'no'"),
        ({"n_jobs": 0}, ValueError, "n_jobs=0"),
        ({"random_state": -1}, ValueError, "random_state must be between 0 and 2\\*\\*32 - 1"),
    ],
)
def test_bad_parameters_are_refused_with_their_name(params, error, message):
    X, y = skewed()
    with pytest.raises(error, match=message):
        SMOGN(**params).fit_resample(X, y)


def test_data_without_rare_or_common_targets_is_refused():
    X = np.random.default_rng(0).normal(size=(200, 2))
    with pytest.raises(
        ValueError, match=r"no target is rare: every relevance is below relevance_threshold=0.5"
    ):
        SMOTER().fit_resample(X, np.arange(200.0))
    with pytest.raises(ValueError, match="every target is rare"):
        SMOTER(relevance=lambda t: np.ones_like(t)).fit_resample(X, np.arange(200.0))


def test_a_rare_bump_too_small_for_its_neighbours_is_refused():
    X, y = skewed(n=300)
    sampler = SMOTER(k_neighbors=50)
    with pytest.raises(
        ValueError,
        match=r"rare bump of y in \[2.33.*, 17.7.*\] has 50 samples, but k_neighbors=50 needs at least 51",
    ):
        sampler.fit_resample(X, y)


def test_dask_collections_are_refused_with_the_remedy():
    da = pytest.importorskip("dask.array")
    X, y = skewed()
    with pytest.raises(TypeError, match=r"SMOGN does not take Dask collections; compute X and y first"):
        SMOGN().fit_resample(da.from_array(X), da.from_array(y))


# The command line


def test_the_command_line_resamples_a_numeric_target(tmp_path, capsys):
    pytest.importorskip("polars")
    from fast_smote._cli import main

    X, y = skewed(n=500)
    table = tmp_path / "data.csv"
    rows = "\n".join(
        ",".join(map(repr, [*row, value, i])) for i, (row, value) in enumerate(zip(X.tolist(), y.tolist()))
    )
    table.write_text("a,b,c,price,id\n" + rows + "\n")
    out = tmp_path / "out.csv"
    args = [
        "resample",
        str(table),
        "-t",
        "price",
        "-o",
        str(out),
        "-m",
        "smogn",
        "--seed",
        "0",
        "--exclude",
        "id",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "rare" in printed and "common" in printed
    got = np.genfromtxt(out, delimiter=",", skip_header=1)
    want_X, want_y = fast_smote.resample(X, y, method="smogn", random_state=0)
    np.testing.assert_allclose(got[:, :3], want_X, rtol=1e-12)
    np.testing.assert_allclose(got[:, 3], want_y, rtol=1e-12)
    np.testing.assert_array_equal(got[:500, 4], np.arange(500))
    assert np.isnan(got[500:, 4]).all()
    # A list of factors, one per bump; undersampling through --param.
    args = ["resample", str(table), "-t", "price", "-o", str(out), "-m", "smoter", "--seed", "0", "-q"]
    assert main([*args, "-s", "[0.5, 2]", "-p", "undersample=true"]) == 0
    want = SMOTER(sampling_strategy=[0.5, 2], undersample=True, random_state=0).fit_resample(X, y)
    assert len(np.genfromtxt(out, delimiter=",", skip_header=1)) == len(want[1])


def test_the_command_line_refuses_a_text_target_and_a_diagnosis(tmp_path, capsys):
    pytest.importorskip("polars")
    from fast_smote._cli import main

    table = tmp_path / "data.csv"
    table.write_text("a,price\n" + "\n".join(f"{i},{'high' if i % 7 else 'low'}" for i in range(100)) + "\n")
    out = tmp_path / "out.csv"
    assert main(["resample", str(table), "-t", "price", "-o", str(out), "-m", "smogn"]) == 2
    assert "SMOGN: y must be a numeric target, got dtype" in capsys.readouterr().err
    assert main(["diagnose", str(table), "-t", "price", "-m", "smoter"]) == 2
    assert (
        "diagnose reads class labels, and --method smoter resamples a continuous target"
        in capsys.readouterr().err
    )
