"""TomekLinks and EditedNearestNeighbours: their decisions against brute force and
against imbalanced-learn (the same removed rows on data without distance ties), the
strategy forms of cleaning samplers, containers, and every documented error."""

from __future__ import annotations

import imblearn.under_sampling
import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

import fast_smote
from conftest import make_imbalanced

CLEANERS = {"tomek": fast_smote.TomekLinks, "enn": fast_smote.EditedNearestNeighbours}


def overlapping(counts=(300, 120, 60), n_features=3, seed=0):
    """Overlapping classes (many links and edits), no two distances equal."""
    return make_imbalanced(list(counts), n_features=n_features, seed=seed, spread=1.0)


def brute_neighbors(X, k):
    """Each row's k nearest other rows by exact pairwise distances."""
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def brute_tomek(X, y, targeted):
    nearest = brute_neighbors(X, 1)[:, 0]
    removed = [
        i for i in range(len(y)) if y[nearest[i]] != y[i] and nearest[nearest[i]] == i and y[i] in targeted
    ]
    return np.setdiff1d(np.arange(len(y)), removed)


def brute_enn(X, y, targeted, k, kind):
    table = brute_neighbors(X, k)
    kept = []
    for label in np.unique(y):
        for i in np.flatnonzero(y == label):
            votes = y[table[i]]
            if label not in targeted:
                keep = True
            elif kind == "all":
                keep = bool((votes == label).all())
            else:
                values, counts = np.unique(votes, return_counts=True)
                keep = values[np.argmax(counts)] == label
            if keep:
                kept.append(i)
    return np.array(kept)


STRATEGIES = ["auto", "all", "majority", "not majority", "not minority", [0, 2], [1]]


@pytest.mark.parametrize("strategy", STRATEGIES, ids=str)
def test_tomek_links_match_brute_force_and_imblearn(strategy):
    X, y = overlapping()
    ours = fast_smote.TomekLinks(sampling_strategy=strategy)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imblearn.under_sampling.TomekLinks(sampling_strategy=strategy)
    X_ref, y_ref = theirs.fit_resample(X, y)
    targeted = set(ours.sampling_strategy_)
    np.testing.assert_array_equal(ours.sample_indices_, brute_tomek(X, y, targeted))
    np.testing.assert_array_equal(ours.sample_indices_, theirs.sample_indices_)
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(y_res, y_ref)
    assert ours.sampling_strategy_ == dict(theirs.sampling_strategy_)
    assert len(y_res) < len(y)  # the data has links to remove


@pytest.mark.parametrize("kind", ["all", "mode"])
@pytest.mark.parametrize("strategy", STRATEGIES, ids=str)
def test_edited_nearest_neighbours_match_brute_force_and_imblearn(strategy, kind):
    X, y = overlapping()
    ours = fast_smote.EditedNearestNeighbours(sampling_strategy=strategy, kind_sel=kind)
    X_res, y_res = ours.fit_resample(X, y)
    theirs = imblearn.under_sampling.EditedNearestNeighbours(sampling_strategy=strategy, kind_sel=kind)
    X_ref, y_ref = theirs.fit_resample(X, y)
    np.testing.assert_array_equal(
        ours.sample_indices_, brute_enn(X, y, set(ours.sampling_strategy_), 3, kind)
    )
    np.testing.assert_array_equal(ours.sample_indices_, theirs.sample_indices_)
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(y_res, y_ref)
    assert len(y_res) < len(y)


@pytest.mark.parametrize("k", [1, 4, 7])
def test_enn_neighbour_counts_and_estimators_agree(k):
    X, y = overlapping(seed=3)
    by_int = fast_smote.EditedNearestNeighbours(n_neighbors=k, kind_sel="mode").fit_resample(X, y)
    estimator = NearestNeighbors(n_neighbors=k + 1)
    sampler = fast_smote.EditedNearestNeighbours(n_neighbors=estimator, kind_sel="mode")
    by_estimator = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(by_int[0], by_estimator[0])
    np.testing.assert_array_equal(sampler.sample_indices_, brute_enn(X, y, {0, 1}, k, "mode"))
    assert sampler.nn_ is not estimator and not hasattr(estimator, "n_samples_fit_")


def test_enn_mode_ties_go_to_the_smallest_label():
    # Sample 0 (class 1) has neighbours of classes 0 and 2 at distances 1 and 2 and of its
    # own class at 3: with 2 neighbours, classes 0 and 2 tie and 0 wins (not its own).
    X = np.array([[0.0], [1.0], [-2.0], [3.0], [10.0], [11.0], [20.0], [21.0], [30.0]])
    y = np.array([1, 0, 2, 1, 0, 0, 2, 2, 1])
    sampler = fast_smote.EditedNearestNeighbours(sampling_strategy=[1], n_neighbors=2, kind_sel="mode")
    sampler.fit_resample(X, y)
    theirs = imblearn.under_sampling.EditedNearestNeighbours(
        sampling_strategy=[1], n_neighbors=2, kind_sel="mode"
    )
    theirs.fit_resample(X, y)
    assert 0 not in sampler.sample_indices_
    np.testing.assert_array_equal(sampler.sample_indices_, theirs.sample_indices_)


def test_exact_twins_are_each_others_neighbours():
    # Rows 0 and 1 are twins of different classes: each is the other's nearest neighbour
    # (the sample is excluded by index), so they form a Tomek link.
    X = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0], [9.0, 9.0], [9.5, 9.0]])
    y = np.array([0, 1, 0, 1, 1])
    sampler = fast_smote.TomekLinks(sampling_strategy="all")
    assert sampler.fit_resample(X, y)[1].tolist() == [0, 1, 1]
    assert sampler.sample_indices_.tolist() == [2, 3, 4]


def test_a_tuple_or_array_of_classes_selects_like_a_list():
    X, y = overlapping()
    as_list = fast_smote.TomekLinks(sampling_strategy=[1, 2]).fit_resample(X, y)[0]
    for selection in [(2, 1), np.array([1, 2])]:
        np.testing.assert_array_equal(
            fast_smote.TomekLinks(sampling_strategy=selection).fit_resample(X, y)[0], as_list
        )


@pytest.mark.parametrize("name", CLEANERS)
def test_containers_and_dtypes_are_kept(name):
    X, y = overlapping()
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(
        n=np.arange(len(y)), f=lambda d: d["a"].astype(np.float32), flag=lambda d: d["n"] % 2 == 0
    )
    frame.index = frame.index + 1000
    labels = pd.Series(np.array(["x", "y", "z"])[y], name="label", dtype="category")
    before = frame.copy()
    sampler = CLEANERS[name]()
    X_res, y_res = sampler.fit_resample(frame, labels)
    pd.testing.assert_frame_equal(frame, before)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(frame.columns)
    assert (X_res.dtypes == frame.dtypes).all()
    assert X_res.index.equals(pd.RangeIndex(len(X_res)))
    pd.testing.assert_frame_equal(X_res, frame.iloc[sampler.sample_indices_].reset_index(drop=True))
    assert isinstance(y_res, pd.Series) and y_res.name == "label" and y_res.dtype == labels.dtype
    assert list(sampler.feature_names_in_) == list(frame.columns)
    # An integer array stays integer: rows are only selected.
    X_int = np.round(X * 100).astype(np.int32)
    X_res_int, _ = CLEANERS[name]().fit_resample(X_int, y)
    assert X_res_int.dtype == np.int32


@pytest.mark.parametrize("name", CLEANERS)
def test_same_result_for_any_n_jobs(name):
    X, y = overlapping(counts=(3000, 1000, 500), n_features=4)
    results = [CLEANERS[name](n_jobs=n).fit_resample(X, y)[0] for n in (1, 2, None)]
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


@pytest.mark.parametrize("name", CLEANERS)
@pytest.mark.parametrize(
    ("strategy", "error", "match"),
    [
        ("minority", ValueError, "'minority' cannot be used with a cleaning sampler"),
        ("most", ValueError, "sampling_strategy='most' is not known"),
        (0.5, ValueError, "does not take a float"),
        ({0: 10}, ValueError, "does not take a dict or a callable"),
        (lambda y: {0: 10}, ValueError, "does not take a dict or a callable"),
        ([0, 7], ValueError, r"classes that are not in y: \[7\]"),
        (None, TypeError, "got NoneType"),
    ],
)
def test_strategy_errors(name, strategy, error, match):
    X, y = overlapping()
    with pytest.raises(error, match=match):
        CLEANERS[name](sampling_strategy=strategy).fit_resample(X, y)


def test_enn_parameter_errors():
    X, y = overlapping()
    with pytest.raises(ValueError, match="kind_sel must be 'all' or 'mode', got 'most'"):
        fast_smote.EditedNearestNeighbours(kind_sel="most").fit_resample(X, y)
    with pytest.raises(ValueError, match="n_neighbors must be at least 1"):
        fast_smote.EditedNearestNeighbours(n_neighbors=0).fit_resample(X, y)
    with pytest.raises(ValueError, match="X has 480 samples, but n_neighbors=480 needs at least 481"):
        fast_smote.EditedNearestNeighbours(n_neighbors=480).fit_resample(X, y)
    with pytest.raises(TypeError, match="n_neighbors must be an int"):
        fast_smote.EditedNearestNeighbours(n_neighbors="3").fit_resample(X, y)


@pytest.mark.parametrize("name", CLEANERS)
def test_data_errors(name):
    X, y = overlapping()
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN at row 5, column 1"):
        CLEANERS[name]().fit_resample(bad, y)
    with pytest.raises(ValueError, match="single class"):
        CLEANERS[name]().fit_resample(X, np.zeros(len(y)))
    with pytest.raises(TypeError, match="non-numeric columns"):
        CLEANERS[name]().fit_resample(pd.DataFrame({"a": X[:, 0], "s": ["u"] * len(y)}), y)
    with pytest.raises(TypeError, match="n_jobs must be None or an int"):
        CLEANERS[name](n_jobs=1.5).fit_resample(X, y)


@pytest.mark.parametrize("name", CLEANERS)
def test_parameters_are_imblearns(name):
    cls = CLEANERS[name]
    theirs = getattr(imblearn.under_sampling, cls.__name__)()
    # TomekLinks adds the neighbour search (1, as imbalanced-learn's fixed one).
    extension = {"n_neighbors": 1} if cls is fast_smote.TomekLinks else {}
    assert cls().get_params() == theirs.get_params() | extension
    with pytest.raises(TypeError):
        cls("auto")
    fitted = cls().fit(*overlapping())
    assert fitted.n_features_in_ == 3 and not hasattr(fitted, "sample_indices_")


def test_tomek_links_take_a_neighbour_estimator_of_one_neighbour():
    from fast_smote.neighbors import ApproximateNearestNeighbors, NearestNeighbors

    X, y = overlapping()
    expected = fast_smote.TomekLinks(sampling_strategy="all").fit_resample(X, y)
    for estimator in (
        NearestNeighbors(n_neighbors=2),
        ApproximateNearestNeighbors(n_neighbors=2, random_state=0),
    ):
        tomek = fast_smote.TomekLinks(sampling_strategy="all", n_neighbors=estimator)
        X_res, y_res = tomek.fit_resample(X, y)
        np.testing.assert_array_equal(X_res, expected[0])
        np.testing.assert_array_equal(y_res, expected[1])
        assert tomek.nn_ is not estimator and tomek.nn_.get_params() == estimator.get_params()
    for bad in (2, NearestNeighbors(n_neighbors=3)):
        with pytest.raises(ValueError, match="one nearest neighbour: n_neighbors must be 1"):
            fast_smote.TomekLinks(n_neighbors=bad).fit_resample(X, y)


def test_tomek_links_with_approximate_neighbours_find_the_exact_links_on_a_large_class():
    from fast_smote.neighbors import ApproximateNearestNeighbors

    X, y = overlapping(counts=(20_000, 4_000, 1_000), n_features=4)
    exact = fast_smote.TomekLinks(sampling_strategy="all")
    exact.fit_resample(X, y)
    approximate = fast_smote.TomekLinks(
        sampling_strategy="all", n_neighbors=ApproximateNearestNeighbors(n_neighbors=2, random_state=0)
    )
    approximate.fit_resample(X, y)
    removed = set(range(len(y))) - set(exact.sample_indices_)
    removed_approx = set(range(len(y))) - set(approximate.sample_indices_)
    # Measured (seeds 0-2): the same 3618 rows removed; in 4-D the cells hold every link.
    assert len(removed) > 1000
    assert len(removed ^ removed_approx) <= 0.01 * len(removed)


def test_is_tomek_is_imblearns_static_method():
    X, y = make_imbalanced([300, 120, 60], spread=1.0, seed=4)
    labels = np.array(["a", "b", "c"])[y]
    nearest = NearestNeighbors(n_neighbors=2).fit(X).kneighbors(X, return_distance=False)[:, 1]
    for class_type in (["a"], ["b", "c"], ["a", "b", "c"], []):
        got = fast_smote.TomekLinks.is_tomek(labels, nearest, class_type)
        want = imblearn.under_sampling.TomekLinks.is_tomek(labels, nearest, class_type)
        assert got.dtype == bool
        np.testing.assert_array_equal(got, want, err_msg=str(class_type))
    # Links exist in this data, and only between rows of different classes.
    linked = fast_smote.TomekLinks.is_tomek(labels, nearest, ["a", "b", "c"])
    assert linked.sum() >= 2
    assert np.all(labels[nearest[linked]] != labels[linked])
