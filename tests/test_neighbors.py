"""fast_smote.neighbors: the exact and approximate estimators on their own, and inside
the samplers (recognised and run in the core), the pipeline and the command line."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import neighbors as sk_neighbors
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks
from test_generation import _assert_valid_smote

import fast_smote
from conftest import make_imbalanced
from fast_smote.neighbors import ApproximateNearestNeighbors, NearestNeighbors

ESTIMATORS = [NearestNeighbors, ApproximateNearestNeighbors]


def _make(cls, **params):
    if cls is ApproximateNearestNeighbors:
        params.setdefault("random_state", 0)
    return cls(**params)


@pytest.fixture(scope="module")
def gaussian():
    rng = np.random.default_rng(0)
    return rng.normal(size=(400, 6)), rng.normal(size=(30, 6))


# --- the estimators against scikit-learn ---------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("new_queries", [False, True])
def test_exact_matches_sklearn(gaussian, dtype, new_queries):
    X, Q = (a.astype(dtype) for a in gaussian)
    query = Q if new_queries else None
    ours = NearestNeighbors(n_neighbors=4).fit(X)
    theirs = sk_neighbors.NearestNeighbors(n_neighbors=4, algorithm="brute").fit(X)
    distances, indices = ours.kneighbors(query)
    expected_distances, expected_indices = theirs.kneighbors(query)
    np.testing.assert_array_equal(indices, expected_indices)
    assert indices.dtype == np.int64 and distances.dtype == np.float64
    np.testing.assert_allclose(distances, expected_distances, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(ours.kneighbors(query, 2, return_distance=False), expected_indices[:, :2])
    for mode in ("connectivity", "distance"):
        graph = ours.kneighbors_graph(query, mode=mode)
        expected = theirs.kneighbors_graph(query, mode=mode)
        assert sp.isspmatrix_csr(graph) and graph.shape == expected.shape
        np.testing.assert_allclose(graph.toarray(), expected.toarray(), rtol=1e-5)


def test_exact_sparse_matches_sklearn():
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(300, 20))
    dense[rng.random(dense.shape) < 0.5] = 0.0
    X = sp.csr_matrix(dense)
    ours = NearestNeighbors(n_neighbors=3).fit(X)
    theirs = sk_neighbors.NearestNeighbors(n_neighbors=3).fit(dense)
    for query in (None, X[:25], dense[:25]):
        distances, indices = ours.kneighbors(query)
        expected_distances, expected_indices = theirs.kneighbors(None if query is None else dense[:25])
        np.testing.assert_array_equal(indices, expected_indices)
        # scikit-learn's expanded formula leaves ~1e-8 where a query meets itself; ours is 0.
        np.testing.assert_allclose(distances, expected_distances, rtol=1e-12, atol=1e-7)


def test_approximate_equals_exact_on_small_data(gaussian):
    # A few hundred rows: every cell is scanned, so the search is exact.
    X, Q = gaussian
    exact = NearestNeighbors(n_neighbors=5).fit(X)
    approximate = ApproximateNearestNeighbors(n_neighbors=5, effort=100, random_state=0).fit(X)
    for query in (None, Q):
        np.testing.assert_array_equal(approximate.kneighbors(query)[1], exact.kneighbors(query)[1])


@pytest.fixture(scope="module")
def large_gaussian():
    X = np.random.default_rng(0).normal(size=(20_000, 10))
    exact = NearestNeighbors(n_neighbors=5).fit(X).kneighbors()[0]
    return X, exact[:, -1]


def _recall(X, kth, indices):
    distances = np.linalg.norm(X[indices] - X[:, None, :], axis=2)
    # Within rounding: the two sides are computed by different float operations.
    return float(np.mean(distances <= kth[:, None] * (1 + 1e-12)))


# Measured on this data: 0.838 at effort 0.25, 0.995 at 1, 1.0 at 4 (seeds 0-2).
@pytest.mark.parametrize(("effort", "threshold"), [(0.25, 0.8), (1.0, 0.98), (4.0, 0.995)])
def test_approximate_recall(large_gaussian, effort, threshold):
    X, kth = large_gaussian
    ann = ApproximateNearestNeighbors(n_neighbors=5, effort=effort, random_state=0).fit(X)
    distances, indices = ann.kneighbors()
    assert _recall(X, kth, indices) >= threshold
    assert not (indices == np.arange(len(X))[:, None]).any()
    # Exact distances, ordered nearest first.
    np.testing.assert_allclose(distances, np.linalg.norm(X[indices] - X[:, None, :], axis=2), rtol=1e-12)
    assert (np.diff(distances, axis=1) >= 0).all()


def test_approximate_deterministic_for_n_jobs_and_random_state(large_gaussian):
    X, _ = large_gaussian
    X = X[:12_000]  # above the class size that is searched exactly
    tables = [
        ApproximateNearestNeighbors(random_state=7, n_jobs=n_jobs, effort=0.3).fit(X).kneighbors()[1]
        for n_jobs in (1, 2, 1)
    ]
    np.testing.assert_array_equal(tables[0], tables[1])
    np.testing.assert_array_equal(tables[0], tables[2])
    ann = ApproximateNearestNeighbors(random_state=7, effort=0.3).fit(X)
    np.testing.assert_array_equal(ann.kneighbors()[1], ann.kneighbors()[1])
    others = [
        ApproximateNearestNeighbors(random_state=s, effort=0.3).fit(X).kneighbors()[1] for s in range(8, 12)
    ]
    assert any((other != tables[0]).any() for other in others)
    generator = ApproximateNearestNeighbors(random_state=np.random.default_rng(3), effort=0.3)
    first = clone(generator).fit(X).kneighbors()[1]
    np.testing.assert_array_equal(first, clone(generator).fit(X).kneighbors()[1])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_never_lists_the_query_itself_and_duplicates_are_neighbours(cls):
    X = np.repeat(np.arange(40.0).reshape(-1, 2), 3, axis=0)  # every row three times
    indices = _make(cls, n_neighbors=2).fit(X).kneighbors(return_distance=False)
    rows = np.arange(len(X))
    assert not (indices == rows[:, None]).any()
    np.testing.assert_array_equal(indices // 3, np.repeat(rows // 3, 2).reshape(-1, 2))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_float32_kept_and_consistent(cls, gaussian):
    X, Q = gaussian
    X32 = X.astype(np.float32)
    est = _make(cls, n_neighbors=3).fit(X32)
    assert est._fit_X is X32  # no copy of a float32 C-contiguous array
    distances, indices = est.kneighbors(Q.astype(np.float32))
    np.testing.assert_allclose(
        distances, np.linalg.norm(X32[indices].astype(np.float64) - Q.astype(np.float32)[:, None, :], axis=2)
    )
    np.testing.assert_array_equal(indices, _make(cls, n_neighbors=3).fit(X).kneighbors(Q)[1])


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"n_neighbors": 0}, ValueError, r"n_neighbors must be at least 1, got 0"),
        ({"n_neighbors": 2.5}, TypeError, r"n_neighbors must be an int >= 1, got 2\.5"),
        ({"n_neighbors": True}, TypeError, r"n_neighbors must be an int >= 1, got True"),
        ({"n_jobs": 1.5}, TypeError, r"n_jobs must be None or an int, got 1\.5"),
    ],
)
def test_bad_parameters(cls, params, error, match, gaussian):
    with pytest.raises(error, match=match):
        _make(cls, **params).fit(gaussian[0])


@pytest.mark.parametrize(
    ("effort", "error", "match"),
    [
        (0, ValueError, r"effort must be a finite number in \(0, 100\], got 0"),
        (-1.0, ValueError, r"got -1\.0"),
        (100.5, ValueError, r"got 100\.5"),
        (float("nan"), ValueError, r"got nan"),
        (float("inf"), ValueError, r"got inf"),
        (True, TypeError, r"effort must be a real number in \(0, 100\], got True"),
        ("high", TypeError, r"got 'high'"),
    ],
)
def test_bad_effort(effort, error, match, gaussian):
    with pytest.raises(error, match=match):
        ApproximateNearestNeighbors(effort=effort).fit(gaussian[0])
    ApproximateNearestNeighbors(effort=100).fit(gaussian[0])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_bad_queries(cls, gaussian):
    X, Q = gaussian
    est = _make(cls)
    with pytest.raises(NotFittedError):
        est.kneighbors()
    with pytest.raises(NotFittedError):
        est.kneighbors_graph()
    est.fit(X[:10])
    np.testing.assert_array_equal(
        est.kneighbors(Q, n_neighbors=10)[1], sk_neighbors.NearestNeighbors().fit(X[:10]).kneighbors(Q, 10)[1]
    )
    with pytest.raises(
        ValueError, match=r"n_neighbors < n_samples_fit, but n_neighbors = 10, n_samples_fit = 10"
    ):
        est.kneighbors(n_neighbors=10)
    with pytest.raises(
        ValueError, match=r"n_neighbors <= n_samples_fit, but n_neighbors = 11, n_samples_fit = 10"
    ):
        est.kneighbors(Q, n_neighbors=11)
    with pytest.raises(ValueError, match=r"n_neighbors must be at least 1, got 0"):
        est.kneighbors(n_neighbors=0)
    with pytest.raises(ValueError, match=r"X has 5 features, but \w+ is expecting 6 features as input"):
        est.kneighbors(Q[:, :5])
    bad = Q.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN at row 3, column 2"):
        est.kneighbors(bad)
    with pytest.raises(ValueError, match=r"mode must be 'connectivity' or 'distance', got 'weights'"):
        est.kneighbors_graph(mode="weights")


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_non_finite_training_rows_named(cls, gaussian):
    X = gaussian[0].copy()
    X[7, 1] = np.inf
    with pytest.raises(ValueError, match=r"X contains infinity at row 7, column 1"):
        _make(cls).fit(X)


def test_approximate_refuses_sparse():
    X = sp.random(50, 5, density=0.5, format="csr", random_state=0)
    with pytest.raises(TypeError, match=r"ApproximateNearestNeighbors does not take sparse X"):
        ApproximateNearestNeighbors().fit(X)
    ann = ApproximateNearestNeighbors().fit(X.toarray())
    with pytest.raises(TypeError, match=r"does not take sparse X"):
        ann.kneighbors(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_caller_arrays_unchanged(cls, gaussian):
    X, Q = (np.asfortranarray(a) for a in gaussian)
    before = X.copy(), Q.copy()
    est = _make(cls, n_neighbors=3).fit(X)
    est.kneighbors()
    est.kneighbors(Q)
    est.kneighbors_graph(Q, mode="distance")
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(Q, before[1])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_clone_get_set_params(cls):
    est = _make(cls, n_neighbors=7, n_jobs=2)
    copy = clone(est)
    assert copy.get_params() == est.get_params() and copy is not est
    copy.set_params(n_neighbors=3)
    assert copy.n_neighbors == 3 and est.n_neighbors == 7
    if cls is ApproximateNearestNeighbors:
        assert set(est.get_params()) == {"n_neighbors", "effort", "n_jobs", "random_state"}


@parametrize_with_checks([NearestNeighbors(), ApproximateNearestNeighbors(random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --- inside the samplers -----------------------------------------------------------------


def _same_output(make_sampler, X, y, int_value, estimator):
    expected = make_sampler(int_value).fit_resample(X, y)
    sampler = make_sampler(estimator)
    got = sampler.fit_resample(X, y)
    if sp.issparse(got[0]):
        assert (got[0] != expected[0]).nnz == 0
    else:
        np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    return sampler


@pytest.fixture(scope="module")
def data():
    return make_imbalanced([300, 60, 40], n_features=5, spread=1.0)


SAMPLERS_BY_PARAM = {
    "SMOTE": lambda v: fast_smote.SMOTE(k_neighbors=v, random_state=1),
    "BorderlineSMOTE-k": lambda v: fast_smote.BorderlineSMOTE(k_neighbors=v, random_state=1),
    "BorderlineSMOTE-m": lambda v: fast_smote.BorderlineSMOTE(m_neighbors=v, random_state=1),
    "SVMSMOTE": lambda v: fast_smote.SVMSMOTE(k_neighbors=v, m_neighbors=v, random_state=1),
    "ADASYN": lambda v: fast_smote.ADASYN(n_neighbors=v, random_state=1),
    "ENN": lambda v: fast_smote.EditedNearestNeighbours(n_neighbors=v),
    "SMOTETomek": lambda v: fast_smote.SMOTETomek(smote=fast_smote.SMOTE(k_neighbors=v, random_state=1)),
    "SMOTEENN": lambda v: fast_smote.SMOTEENN(
        smote=fast_smote.SMOTE(k_neighbors=v, random_state=1),
        enn=fast_smote.EditedNearestNeighbours(n_neighbors=v),
    ),
}


@pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")
@pytest.mark.parametrize("name", list(SAMPLERS_BY_PARAM))
def test_exact_estimator_gives_the_ints_output(name, data):
    _same_output(SAMPLERS_BY_PARAM[name], *data, 4, NearestNeighbors(n_neighbors=5, n_jobs=1))


def test_exact_estimator_in_categorical_samplers():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 3, 200), rng.normal(size=(200, 2))])
    y = np.repeat([0, 1], [170, 30])
    _same_output(
        lambda v: fast_smote.SMOTENC(categorical_features=[0], k_neighbors=v, random_state=2),
        X,
        y,
        3,
        NearestNeighbors(n_neighbors=4),
    )
    sampler = _same_output(
        lambda v: fast_smote.SMOTEN(k_neighbors=v, random_state=2),
        X[:, :1],
        y,
        3,
        NearestNeighbors(n_neighbors=4),
    )
    assert isinstance(sampler.nn_k_, NearestNeighbors)
    with pytest.raises(TypeError, match=r"SMOTEN cannot use k_neighbors=ApproximateNearestNeighbors"):
        fast_smote.SMOTEN(k_neighbors=ApproximateNearestNeighbors()).fit_resample(X[:, :1], y)


def test_exact_estimator_on_sparse(data):
    X, y = data
    _same_output(
        lambda v: fast_smote.SMOTE(k_neighbors=v, random_state=1),
        sp.csr_matrix(X),
        y,
        4,
        NearestNeighbors(n_neighbors=5),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: fast_smote.SMOTE(k_neighbors=ApproximateNearestNeighbors()),
        lambda: fast_smote.EditedNearestNeighbours(n_neighbors=ApproximateNearestNeighbors()),
        lambda: fast_smote.ADASYN(n_neighbors=ApproximateNearestNeighbors()),
    ],
)
def test_approximate_refused_on_sparse_data(make, data):
    X, y = data
    with pytest.raises(
        TypeError, match=r"ApproximateNearestNeighbors does not take sparse X .*never densifies X"
    ):
        make().fit_resample(sp.csr_matrix(X), y)


def _approximate_samplers(n_jobs):
    def ann(n):
        return ApproximateNearestNeighbors(n_neighbors=n, effort=0.5)

    return {
        "SMOTE": fast_smote.SMOTE(k_neighbors=ann(6), random_state=3, n_jobs=n_jobs),
        "BorderlineSMOTE": fast_smote.BorderlineSMOTE(
            k_neighbors=ann(6), m_neighbors=ann(11), random_state=3, n_jobs=n_jobs
        ),
        "SVMSMOTE": fast_smote.SVMSMOTE(
            k_neighbors=ann(6), m_neighbors=ann(11), random_state=3, n_jobs=n_jobs
        ),
        "ADASYN": fast_smote.ADASYN(n_neighbors=ann(6), random_state=3, n_jobs=n_jobs),
        "KMeansSMOTE": fast_smote.KMeansSMOTE(
            k_neighbors=ann(3),
            kmeans_estimator=3,
            cluster_balance_threshold=0.01,
            random_state=3,
            n_jobs=n_jobs,
        ),
        "SMOTENC": fast_smote.SMOTENC(
            categorical_features=[0], k_neighbors=ann(6), random_state=3, n_jobs=n_jobs
        ),
        "SMOTEENN": fast_smote.SMOTEENN(
            smote=fast_smote.SMOTE(k_neighbors=ann(6), random_state=3, n_jobs=n_jobs),
            enn=fast_smote.EditedNearestNeighbours(n_neighbors=ann(4), n_jobs=n_jobs),
            random_state=3,
        ),
        "SMOTETomek": fast_smote.SMOTETomek(
            smote=fast_smote.SMOTE(k_neighbors=ann(6), random_state=3, n_jobs=n_jobs), n_jobs=n_jobs
        ),
    }


@pytest.fixture(scope="module")
def big():
    return make_imbalanced([3000, 600, 300], n_features=8, spread=1.0)


@pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")
@pytest.mark.parametrize("name", list(_approximate_samplers(1)))
def test_approximate_in_samplers_reproducible_across_n_jobs(name, big):
    X, y = big
    one, two = (_approximate_samplers(n)[name] for n in (1, 2))
    first = one.fit_resample(X, y)
    second = two.fit_resample(X, y)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    again = clone(one).fit_resample(X, y)
    np.testing.assert_array_equal(first[0], again[0])


def test_approximate_smote_rows_on_segments_and_counts(big):
    X, y = big
    sampler = fast_smote.SMOTE(k_neighbors=ApproximateNearestNeighbors(n_neighbors=6), random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [3000, 3000, 3000])
    # Neighbours come from the approximate search: allow them beyond the exact 5th.
    _assert_valid_smote(X, y, X_res, y_res, sampler.provenance_, k=40)
    assert isinstance(sampler.nn_k_, ApproximateNearestNeighbors) and sampler.nn_k_ is not sampler.k_neighbors
    with pytest.raises(NotFittedError):
        sampler.nn_k_.kneighbors()  # recognised: run in the core, not fitted


def test_approximate_search_k_is_n_neighbors_minus_one(big):
    X, y = big
    # With effort 100 every cell is scanned: the approximate search finds the exact table.
    exact = fast_smote.SMOTE(k_neighbors=5, random_state=0).fit_resample(X, y)
    approx = fast_smote.SMOTE(
        k_neighbors=ApproximateNearestNeighbors(n_neighbors=6, effort=100), random_state=0
    ).fit_resample(X, y)
    np.testing.assert_array_equal(exact[0], approx[0])
    with pytest.raises(ValueError, match=r"asks for n_neighbors=1, but its lists include the sample itself"):
        fast_smote.SMOTE(k_neighbors=ApproximateNearestNeighbors(n_neighbors=1)).fit_resample(X, y)
    with pytest.raises(ValueError, match=r"effort must be a finite number in \(0, 100\], got -2"):
        fast_smote.SMOTE(k_neighbors=ApproximateNearestNeighbors(effort=-2)).fit_resample(X, y)


def test_approximate_seed_from_the_sampler_or_its_own(big):
    X, y = big

    def run(sampler_seed, search_seed):
        ann = ApproximateNearestNeighbors(n_neighbors=6, effort=0.1, random_state=search_seed)
        sampler = fast_smote.SMOTE(k_neighbors=ann, random_state=sampler_seed)
        return sampler.fit_resample(X, y)[0]

    np.testing.assert_array_equal(run(5, None), run(5, None))
    np.testing.assert_array_equal(run(5, 9), run(5, 9))
    np.testing.assert_array_equal(run(5, np.random.RandomState(2)), run(5, np.random.RandomState(2)))


def test_combination_seeds_the_cleaners_approximate_search(big):
    X, y = big
    sampler = fast_smote.SMOTEENN(
        enn=fast_smote.EditedNearestNeighbours(n_neighbors=ApproximateNearestNeighbors()), random_state=4
    )
    first = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(first[0], clone(sampler).fit_resample(X, y)[0])
    assert sampler.enn_.n_neighbors.random_state == 4
    assert sampler.enn.n_neighbors.random_state is None


def test_pipeline_and_grid_search_over_effort(big):
    from imblearn.pipeline import Pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X, y = big
    smote = fast_smote.SMOTE(k_neighbors=ApproximateNearestNeighbors(n_neighbors=6), random_state=0)
    params = smote.get_params(deep=True)
    assert params["k_neighbors__effort"] == 1.0 and params["k_neighbors__n_neighbors"] == 6
    pipeline = Pipeline([("smote", smote), ("model", LogisticRegression(max_iter=200))])
    search = GridSearchCV(pipeline, {"smote__k_neighbors__effort": [0.5, 2.0]}, cv=2, n_jobs=1)
    search.fit(X, y)
    assert search.best_params_["smote__k_neighbors__effort"] in (0.5, 2.0)
    assert clone(pipeline).get_params()["smote__k_neighbors__effort"] == 1.0


def test_dask_uses_the_approximate_search_like_a_single_process(big):
    pytest.importorskip("dask.array")
    import dask.array as da

    X, y = big
    sampler = fast_smote.SMOTE(
        k_neighbors=ApproximateNearestNeighbors(n_neighbors=6, effort=0.5), random_state=2
    )
    expected = clone(sampler).fit_resample(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X_res, y_res = sampler.fit_resample(da.from_array(X, chunks=1000), da.from_array(y, chunks=1000))
        X_res, y_res = X_res.compute(scheduler="synchronous"), y_res.compute(scheduler="synchronous")
    np.testing.assert_array_equal(X_res, expected[0])
    np.testing.assert_array_equal(y_res, expected[1])


# --- the command line -------------------------------------------------------------------


@pytest.fixture
def table(tmp_path):
    import csv

    X, y = make_imbalanced([400, 60], n_features=3)
    path = tmp_path / "data.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "c", "label"])
        writer.writerows([*row, label] for row, label in zip(X.tolist(), y.tolist()))
    return path


@pytest.mark.parametrize(
    "method",
    ["smote", "borderline-smote", "adasyn", "smote-enn", "smote-tomek", "lee-smote", "g-smote", "smote-ipf"],
)
def test_cli_approximate(method, table, tmp_path, capsys):
    pytest.importorskip("polars")
    from fast_smote._cli import main

    out = tmp_path / "out.csv"
    args = ["resample", str(table), "-t", "label", "-o", str(out), "-m", method, "--seed", "0", "-q"]
    assert main([*args, "--approximate", "--effort", "2"]) == 0
    labels = np.loadtxt(out, delimiter=",", skiprows=1, usecols=3)
    if method in ("smote", "borderline-smote"):
        np.testing.assert_array_equal(np.bincount(labels.astype(int)), [400, 400])
    else:
        assert (labels == 1).sum() > 60
    first = out.read_text()
    assert main([*args, "--approximate", "--effort", "2", "-j", "1"]) == 0
    assert out.read_text() == first


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["-m", "random", "--approximate"],
            r"--approximate does not apply to --method random: "
            r"RandomOverSampler takes no neighbour search to make approximate",
        ),
        (
            ["-m", "prowsyn", "--approximate"],
            r"--approximate does not apply to --method prowsyn: ProWSyn takes no neighbour search",
        ),
        (["-m", "smoten", "--approximate"], r"--approximate does not apply to --method smoten"),
        (["--effort", "2"], r"--effort sets the approximate search's effort: add --approximate"),
        (
            ["--approximate", "--effort", "0"],
            r"--effort: effort must be a finite number in \(0, 100\], got 0\.0",
        ),
    ],
)
def test_cli_approximate_refused(extra, message, table, tmp_path, capsys):
    pytest.importorskip("polars")
    from fast_smote._cli import main

    assert main(["resample", str(table), "-t", "label", "-o", str(tmp_path / "o.csv"), *extra]) == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)


def test_cli_help_documents_approximate(capsys):
    from fast_smote._cli import main

    with pytest.raises(SystemExit):
        main(["resample", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--approximate" in text and "ApproximateNearestNeighbors" in text and "--effort FLOAT" in text


def test_public_names():
    assert fast_smote.NearestNeighbors is NearestNeighbors
    assert {"NearestNeighbors", "ApproximateNearestNeighbors"} <= set(fast_smote.__all__)
