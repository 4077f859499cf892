"""The literature's variants (``fast_smote.VARIANT_METHODS``) against their definitions:
each method's own decision checked by brute force on small data, multiclass class by
class, and every parameter out of range refused with its name. (The shared contract,
counts, segments, seeds, containers and estimator checks, runs for them in the tests
every sampler goes through; test_variants_parity compares them with smote-variants.)"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from scipy.stats import kstest
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.neighbors import NearestNeighbors

import fast_smote
from conftest import make_imbalanced
from fast_smote import _core
from fast_smote.over_sampling._base import apportion


def _brute_knn(X: np.ndarray, queries: np.ndarray, references: np.ndarray, k: int) -> np.ndarray:
    """Positions into ``references`` of each query's k nearest (itself excluded)."""
    d = ((X[queries][:, None, :] - X[references][None, :, :]) ** 2).sum(axis=2)
    d[queries[:, None] == references[None, :]] = np.inf
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def test_variant_methods_are_registered_by_name():
    assert list(fast_smote.VARIANT_METHODS) == [
        "polynom-fit-smote",
        "prowsyn",
        "smote-ipf",
        "lee-smote",
        "smobd",
        "g-smote",
        "ccr",
        "lvq-smote",
        "assembled-smote",
    ]
    X, y = make_imbalanced([120, 30])
    for name, cls in fast_smote.VARIANT_METHODS.items():
        X_res, _y_res = fast_smote.resample(X, y, method=name, random_state=3)
        want = cls(random_state=3).fit_resample(X, y)
        np.testing.assert_array_equal(X_res, want[0])


def test_apportion_is_exact_and_proportional():
    counts = apportion(10, np.array([1.0, 1.0, 2.0]))
    assert counts.tolist() == [2, 3, 5] or counts.tolist() == [3, 2, 5]
    assert apportion(7, np.array([0.0, 1.0])).tolist() == [0, 7]
    weights = np.random.default_rng(0).random(50)
    counts = apportion(1001, weights)
    assert counts.sum() == 1001
    assert np.all(np.abs(counts - 1001 * weights / weights.sum()) < 1)


# ProWSyn


def _levels_by_definition(X, y, label, k, levels):
    """The paper's proximity levels, sample by sample."""
    rows = np.flatnonzero(y == label)
    others = np.flatnonzero(y != label)
    level = np.full(len(rows), levels)
    remaining = list(range(len(rows)))
    for current in range(1, levels):
        if not remaining:
            break
        claimed = set()
        for o in others:
            d = [((X[o] - X[rows[r]]) ** 2).sum() for r in remaining]
            claimed |= {remaining[i] for i in np.argsort(d, kind="stable")[:k]}
        for r in claimed:
            level[r] = current
        remaining = [r for r in remaining if r not in claimed]
    return level


@pytest.mark.parametrize(("k", "levels"), [(5, 5), (2, 3), (1, 6), (3, 1)])
def test_prowsyn_levels_weights_and_partners_follow_the_paper(k, levels):
    X, y = make_imbalanced([90, 40, 25], n_features=3, seed=4, spread=1.5)
    sampler = fast_smote.ProWSyn(n_neighbors=k, levels=levels, theta=0.7, random_state=0)
    _X_res, y_res = sampler.fit_resample(X, y)
    provenance = sampler.provenance_
    for label in (1, 2):
        level = _levels_by_definition(X, y, label, k, levels)
        np.testing.assert_array_equal(sampler.proximity_levels_[label], level)
        rows = np.flatnonzero(y == label)
        made = y_res[len(y) :] == label
        bases = np.searchsorted(rows, provenance.base_index[made])
        partners = np.searchsorted(rows, provenance.neighbor_index[made])
        # Each sample makes its weight's share, exactly.
        want = apportion(int(made.sum()), np.exp(-0.7 * (level - 1.0)))
        np.testing.assert_array_equal(np.bincount(bases, minlength=len(rows)), want)
        # Partners: another sample of the same level (the whole class for a level of one).
        assert np.all(bases != partners)
        alone = np.bincount(level)[level[bases]] == 1
        assert np.all((level[bases] == level[partners]) | alone)


def test_prowsyn_weighs_the_levels_near_other_classes_more():
    X, y = make_classification(2000, 5, weights=[0.85], class_sep=0.8, random_state=1)
    sampler = fast_smote.ProWSyn(random_state=0).fit(X, y)
    sampler.fit_resample(X, y)
    level = sampler.proximity_levels_[1]
    rows = np.flatnonzero(y == 1)
    per_sample = np.bincount(np.searchsorted(rows, sampler.provenance_.base_index), minlength=len(rows))
    means = [per_sample[level == at].mean() for at in np.unique(level)]
    assert means == sorted(means, reverse=True) and means[0] > 2 * means[-1]


# G-SMOTE


def test_gsmote_interpolates_toward_the_neighbour_most_aligned_with_the_principal_axis():
    X, y = make_imbalanced([150, 60], n_features=4, seed=2)
    X[y == 1] *= [4.0, 1.0, 0.5, 0.2]  # a clear principal axis
    sampler = fast_smote.GSMOTE(k_neighbors=4, random_state=0)
    sampler.fit_resample(X, y)
    rows = np.flatnonzero(y == 1)
    direction = sampler.principal_directions_[1]
    leading = np.linalg.eigh(np.cov(X[rows], rowvar=False))[1][:, -1]
    assert abs(direction @ leading) == pytest.approx(1.0)
    table = _brute_knn(X, rows, rows, 4)
    differences = X[rows[table]] - X[rows][:, None, :]
    cosine = np.abs(differences @ leading) / np.linalg.norm(differences, axis=2)
    aligned = rows[table[np.arange(len(rows)), cosine.argmax(axis=1)]]
    provenance = sampler.provenance_
    np.testing.assert_array_equal(
        provenance.neighbor_index, aligned[np.searchsorted(rows, provenance.base_index)]
    )


# Lee


def test_lee_keeps_only_rows_whose_neighbours_are_mostly_of_their_class():
    X, y = make_imbalanced([300, 80, 60], n_features=2, seed=5, spread=1.0)
    sampler = fast_smote.LeeSMOTE(n_neighbors=5, rejection_level=0.4, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    made, labels = X_res[len(y) :], y_res[len(y) :]
    nearest = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(made, return_distance=False)
    share = (y[nearest] != labels[:, None]).mean(axis=1)
    for label in (1, 2):
        assert sampler.rejection_levels_[label] == 0.4
        assert np.all(share[labels == label] < 0.4)
    # Plain SMOTE with the same seed lands some rows among other classes: some were rejected.
    X_smote, y_smote = fast_smote.SMOTE(random_state=0).fit_resample(X, y)
    nearest = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X_smote[len(y) :], return_distance=False)
    assert (y[nearest] != y_smote[len(y) :, None]).mean(axis=1).max() >= 0.4


def test_lee_raises_its_level_when_no_row_can_pass():
    # A level of 0 keeps nothing (a share is never below 0): the level rises to 0.1, and
    # only rows among their own class alone pass.
    X, y = make_imbalanced([100, 30], n_features=2, seed=1, spread=4.0)
    sampler = fast_smote.LeeSMOTE(rejection_level=0.0, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.rejection_levels_[1] == pytest.approx(0.1)
    assert np.bincount(y_res).tolist() == [100, 100]
    one_thread = fast_smote.LeeSMOTE(rejection_level=0.0, random_state=0, n_jobs=1).fit_resample(X, y)
    np.testing.assert_array_equal(one_thread[0], X_res)


@pytest.mark.parametrize("n_features", [3, 20])
def test_lee_vote_counts_own_rows_among_the_nearest_with_exact_ties(n_features):
    # Integer rows tie everywhere; ties go to the lowest row, as in a stable brute force.
    # 20 features take the brute force (with its bounded search among the others), 3
    # the tree.
    rng = np.random.default_rng(n_features)
    voters = rng.integers(0, 3, size=(600, n_features)).astype(float)
    codes = rng.integers(0, 3, size=600)
    new_rows = (voters[rng.integers(0, 600, 1500)] + voters[rng.integers(0, 600, 1500)]) / 2
    X = np.vstack([voters, new_rows])
    queries = np.arange(600, len(X))
    for n_neighbors in (1, 5):
        nearest = _brute_knn(X, queries, np.arange(600), n_neighbors)
        for code in range(3):
            own_counts = np.count_nonzero(codes[nearest] == code, axis=1)
            own, others = np.flatnonzero(codes == code), np.flatnonzero(codes != code)
            for own_needed in range(n_neighbors + 2):
                holds = _core.own_class_holds(X, queries, own, others, n_neighbors, own_needed)
                np.testing.assert_array_equal(holds, own_counts >= own_needed)


@pytest.mark.parametrize("n_features", [3, 20])
def test_lee_vote_of_new_rows_near_their_anchors(n_features):
    # New rows between two rows of a class, anchored at them: the rows far from every
    # other class (by their clearances) skip the search among those, and no vote changes.
    rng = np.random.default_rng(n_features)
    voters = rng.integers(0, 4, size=(600, n_features)).astype(float)
    codes = rng.integers(0, 3, size=600)
    for code in range(3):
        own, others = np.flatnonzero(codes == code), np.flatnonzero(codes != code)
        anchors = own[rng.integers(0, len(own), size=(1500, 2))]
        steps = rng.integers(0, 5, size=(1500, 1)) / 4
        bases, partners = voters[anchors[:, 0]], voters[anchors[:, 1]]
        X = np.vstack([voters, bases + steps * (partners - bases)])
        queries = np.arange(600, len(X))
        # Unbounded, then bounded at the nearest other row's distance or below it.
        clearances = _core.clearances(X, own, others, np.full(len(own), np.inf))
        nearest = _brute_knn(X, queries, np.arange(600), 5)
        own_counts = np.count_nonzero(codes[nearest] == code, axis=1)
        direct = ((X[own][:, None, :] - X[others][None, :, :]) ** 2).sum(axis=2).min(axis=1)
        # At 3 features the others are searched with a tree: the vote then ranks all rows
        # at once, and no clearance is searched (0 spares nothing).
        expected = direct if n_features > 3 else np.zeros(len(own))
        np.testing.assert_array_equal(clearances, expected)
        within = direct * rng.choice([1.0, 0.5], len(own))
        bounded = _core.clearances(X, own, others, within)
        np.testing.assert_array_equal(bounded, np.minimum(within, expected))
        for own_needed in range(7):
            for cleared in (clearances, within):
                holds = _core.own_class_holds(
                    X, queries, own, others, 5, own_needed, anchors=anchors, clearances=cleared
                )
                np.testing.assert_array_equal(holds, own_counts >= own_needed)


def test_lee_vote_refuses_rows_out_of_order_or_on_both_sides():
    X = np.zeros((10, 2))
    queries = np.array([9])
    with pytest.raises(ValueError, match="own rows must be in increasing order, got 2 then 1"):
        _core.own_class_holds(X, queries, np.array([2, 1]), np.array([3, 4]), 1, 1)
    with pytest.raises(ValueError, match="row 2 is among both the own rows and the other rows"):
        _core.own_class_holds(X, queries, np.array([1, 2]), np.array([2, 4]), 1, 1)
    own, others = np.array([1, 2]), np.array([3, 4, 5])
    with pytest.raises(ValueError, match="anchors and clearances go together"):
        _core.own_class_holds(X, queries, own, others, 1, 1, anchors=np.array([[1, 2]]))
    with pytest.raises(ValueError, match="anchor 4 is not among the own rows"):
        _core.own_class_holds(
            X, queries, own, others, 1, 1, anchors=np.array([[1, 4]]), clearances=np.ones(2)
        )


# PolynomFitSMOTE


def test_polynom_fit_star_bus_and_mesh_lie_on_their_links():
    X, y = make_imbalanced([100, 12], n_features=3, seed=7)
    rows = np.flatnonzero(y == 1)
    star = fast_smote.PolynomFitSMOTE(topology="star", random_state=0)
    made = star.fit_resample(X, y)[0][len(y) :]
    assert star.provenance_ is None and len(made) == 88
    centroid = X[rows].mean(axis=0)
    # Each row is c + s (x - c) for a sample x, at s in {1 - j / (c + 1)}: 88 over 12
    # links is 7 or 8 a link.
    fits = []
    for row in made:
        scale = (row - centroid) @ (X[rows] - centroid).T / ((X[rows] - centroid) ** 2).sum(axis=1)
        on_link = np.abs(centroid + scale[:, None] * (X[rows] - centroid) - row).max(axis=1) < 1e-9
        fits.append(on_link.any() and 0 < scale[on_link].max() < 1)
    assert all(fits)
    bus = fast_smote.PolynomFitSMOTE(topology="bus", random_state=0)
    bus.fit_resample(X, y)
    position = np.searchsorted(rows, bus.provenance_.base_index)
    np.testing.assert_array_equal(bus.provenance_.neighbor_index, rows[position + 1])
    counts = np.bincount(position, minlength=len(rows) - 1)
    assert set(counts.tolist()) == {8}  # 88 rows over 11 links
    assert set(np.round(bus.provenance_.step * 9, 9).tolist()) == set(range(1, 9))
    mesh = fast_smote.PolynomFitSMOTE(topology="mesh", random_state=0)
    mesh.fit_resample(X, y)
    assert np.all(mesh.provenance_.base_index != mesh.provenance_.neighbor_index)
    assert np.all(y[mesh.provenance_.neighbor_index] == 1)


def test_polynom_fit_curve_holds_points_on_a_polynomial_class():
    # The class lies on a parabola, in the order of its mean feature value (which grows
    # with t here): the new rows lie on it too.
    t = np.linspace(0.0, 1.0, 40)
    minority = np.column_stack([t, t**2 + 2.0])
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(5.0, 1.0, (200, 2)), minority])
    y = np.repeat([0, 1], [200, 40])
    made = fast_smote.PolynomFitSMOTE(topology="polynomial", random_state=0).fit_resample(X, y)[0][240:]
    np.testing.assert_allclose(made[:, 1], made[:, 0] ** 2 + 2.0, atol=1e-9)
    assert made[:, 0].min() < 0.1 and made[:, 0].max() > 0.9  # spread along the curve


def test_polynom_fit_float32_stays_float32_and_extremes_stay_finite():
    X, y = make_imbalanced([100, 20], n_features=3, seed=3, dtype=np.float32)
    for topology in ("star", "bus", "mesh", "polynomial"):
        X_res, _ = fast_smote.PolynomFitSMOTE(topology=topology, random_state=0).fit_resample(X, y)
        assert X_res.dtype == np.float32
    huge = X.astype(np.float64) * 1e306
    for topology in ("star", "bus", "polynomial"):
        X_res, _ = fast_smote.PolynomFitSMOTE(topology=topology, random_state=0).fit_resample(huge, y)
        assert np.all(np.isfinite(X_res))


# SMOBD


def _optics_by_definition(points, min_samples, max_eps):
    """OPTICS one row at a time (scikit-learn's definition)."""
    m = len(points)
    distance = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    core = np.sort(distance, axis=1)[:, min_samples - 1]
    core[core > max_eps] = np.inf
    reach, done = np.full(m, np.inf), np.zeros(m, dtype=bool)
    for _ in range(m):
        waiting = np.flatnonzero(~done)
        p = waiting[np.argmin(reach[waiting])]
        done[p] = True
        if np.isfinite(core[p]):
            near = ~done & (distance[p] <= max_eps)
            reach[near] = np.minimum(reach[near], np.maximum(distance[p, near], core[p]))
    return core, reach


@pytest.mark.parametrize(("min_samples", "max_eps"), [(5, 1.0), (3, np.inf), (4, 0.5)])
def test_smobd_weighs_by_optics_density_and_leaves_noise_out(min_samples, max_eps):
    X, y = make_imbalanced([200, 60], n_features=2, seed=8, spread=2.0)
    X[np.flatnonzero(y == 1)[:3]] += 6.0  # three far samples: noise
    sampler = fast_smote.SMOBD(min_samples=min_samples, max_eps=max_eps, random_state=0)
    sampler.fit_resample(X, y)
    rows = np.flatnonzero(y == 1)
    core, reach = _optics_by_definition(X[rows], min_samples, max_eps)
    np.testing.assert_allclose(
        fast_smote._core.optics(X, rows, min_samples, max_eps), (core, reach), rtol=1e-12
    )
    noise = (core > core.mean() * 1.8) & (reach > reach.mean() * 1.8)
    finite = np.where(np.isfinite(core), core, 1.1 * core[np.isfinite(core)].max())
    within = (np.sqrt(((X[rows][:, None] - X[rows][None]) ** 2).sum(axis=2)) <= max_eps).sum(axis=1)
    density = 0.5 * finite / finite.max() + 0.5 * within / within.max()
    density[noise] = 0
    np.testing.assert_allclose(sampler.densities_[1], density / density.sum(), rtol=1e-12)
    bases = np.searchsorted(rows, sampler.provenance_.base_index)
    np.testing.assert_array_equal(
        np.bincount(bases, minlength=len(rows)), apportion(140, density / density.sum())
    )
    # Each interpolates toward one of its min_samples nearest in the class.
    table = _brute_knn(X, rows, rows, min_samples)
    partners = np.searchsorted(rows, sampler.provenance_.neighbor_index)
    assert all(p in table[b] for b, p in zip(bases, partners))


def test_smobd_needs_neighbours_within_max_eps():
    X, y = make_imbalanced([100, 30], n_features=3, seed=1)
    with pytest.raises(
        fast_smote.UnsuitableDataError, match=r"no sample of class 1 has 5 neighbours within max_eps=0.001"
    ):
        fast_smote.SMOBD(max_eps=0.001).fit_resample(X, y)


# LVQ-SMOTE


def test_lvq_smote_carries_a_codebook_neighbourhood_to_a_similar_pair():
    X, y = make_imbalanced([300, 80], n_features=3, seed=9)
    sampler = fast_smote.LVQSMOTE(n_clusters=6, n_neighbors=4, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    codebook = sampler.codebooks_[1]
    assert codebook.shape == (6, 3)
    points = X[y == 1]
    near = np.argsort(((codebook[:, None] - points[None]) ** 2).sum(axis=2), axis=1)[:, :4]
    # Every new row is c_a + x - c_o with x among the 4 samples nearest c_o, and (o, and
    # the other of its pair) the pair whose difference is nearest c_a - c_b for some b.
    differences = codebook[:, None] - codebook[None]
    for row in X_res[len(y) :]:
        found = False
        for a in range(6):
            for o in range(6):
                if o == a:
                    continue
                x = row - codebook[a] + codebook[o]
                if not np.any(np.abs(points[near[o]] - x).max(axis=1) < 1e-9):
                    continue
                for b in set(range(6)) - {a, o}:
                    gaps = np.linalg.norm(differences - differences[a, b], axis=2)
                    gaps[[a, b], :] = np.inf
                    gaps[:, [a, b]] = np.inf
                    i, j = np.unravel_index(np.argmin(gaps), gaps.shape)
                    found |= o in (i, j)
        assert found


# CCR


def _spheres_by_definition(X, rows, others, energy):
    """The paper's radii: every distance sorted, the energy spent sample by sample."""
    radii = []
    for r in rows:
        distances = np.sort(np.abs(X[others] - X[r]).sum(axis=1))
        radius, left, inside = 0.0, energy, 0
        for distance in distances:
            step = left / (inside + 1)
            if distance >= radius + step:
                break
            left -= (distance - radius) * (inside + 1)
            radius, inside = distance, inside + 1
        radii.append(radius + left / (inside + 1))
    return np.array(radii)


@pytest.mark.parametrize(("energy", "scaling"), [(1.0, 0.0), (0.25, 1.0), (5.0, 0.5)])
def test_ccr_grows_spheres_pushes_the_majority_out_and_samples_inside(energy, scaling):
    X, y = make_imbalanced([200, 40], n_features=3, seed=11, spread=1.0)
    sampler = fast_smote.CCR(energy=energy, scaling=scaling, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    rows, others = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    radii = _spheres_by_definition(X, rows, others, energy * 3**scaling)
    np.testing.assert_allclose(sampler.radii_[1], radii, rtol=1e-12)
    # The minority stays; each majority row is moved by the sum of its pushes.
    np.testing.assert_array_equal(X_res[:240][rows], X[rows])
    moves = np.zeros_like(X)
    for r, radius in zip(rows, radii):
        distance = np.abs(X - X[r]).sum(axis=1)
        inside = (y == 0) & (distance < radius) & (distance > 0)
        moves[inside] += ((radius - distance[inside]) / distance[inside])[:, None] * (X[inside] - X[r])
    np.testing.assert_allclose(X_res[:240], X + moves, rtol=1e-9, atol=1e-12)
    # New rows: exact counts by inverse radius, each inside its sample's sphere.
    made = X_res[240:]
    assert len(made) == 160 and np.all(y_res[240:] == 1)
    reach = np.abs(made[:, None, :] - X[rows][None, :, :]).sum(axis=2) / radii[None, :]
    assert np.all(reach.min(axis=1) <= 1 + 1e-12)


def test_ccr_draws_uniformly_inside_the_l1_ball():
    # One minority sample far from the majority: all its new rows in one sphere, spread
    # uniformly over it (the L1 norm of a uniform point in a d-ball has CDF t^d).
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (300, 2)), [[50.0, 50.0], [80.0, 80.0]]])
    y = np.repeat([0, 1], [300, 2])
    sampler = fast_smote.CCR(energy=2.0, random_state=0, sampling_strategy={1: 4002})
    X_res, _ = sampler.fit_resample(X, y)
    made = X_res[302:]
    radius = sampler.radii_[1][0]
    assert radius == pytest.approx(2.0)  # no other class within reach: the whole energy
    norms = np.abs(made - X[300]).sum(axis=1)
    near = norms <= radius
    assert near.sum() == 2000  # the two samples' spheres are alike: half each
    assert kstest((norms[near] / radius) ** 2, "uniform").pvalue > 0.001
    assert np.mean(made[near, 0] > 50.0) == pytest.approx(0.5, abs=0.05)
    assert np.mean(np.abs(made[near, 0] - 50.0) > np.abs(made[near, 1] - 50.0)) == pytest.approx(
        0.5, abs=0.05
    )


def test_ccr_moves_only_the_classes_it_does_not_grow():
    X, y = make_imbalanced([150, 50, 30], n_features=2, seed=3, spread=1.0)
    X_res, _ = fast_smote.CCR(random_state=0).fit_resample(X, y)
    grown = y > 0
    np.testing.assert_array_equal(X_res[: len(y)][grown], X[grown])
    assert not np.array_equal(X_res[: len(y)][~grown], X[~grown])


# Assembled-SMOTE


def _assembled_by_definition(points, pop, thres):
    """Single linkage one merge at a time, pairs of clusters of at least ``pop`` rows
    merging only if their principal directions agree, a pair set aside until either
    changes: the clusters as sets of positions."""
    distance = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    clusters = {i: [i] for i in range(len(points))}  # keyed by their lowest position
    aside = set()

    def direction(members):
        spread = np.cov(points[members], rowvar=False, bias=True)
        if not np.any(spread):
            return None
        return np.linalg.eigh(spread)[1][:, -1]

    while True:
        pairs = [
            (distance[np.ix_(clusters[a], clusters[b])].min(), a, b)
            for a in clusters
            for b in clusters
            if a < b and (a, b) not in aside
        ]
        if not pairs:
            break
        _, a, b = min(pairs)
        u, v = direction(clusters[a]), direction(clusters[b])
        agree = u is None or v is None or abs(u @ v) > thres
        if len(clusters[a]) < pop or len(clusters[b]) < pop or agree:
            clusters[a] = clusters[a] + clusters.pop(b)
            aside = {pair for pair in aside if a not in pair and b not in pair}
        else:
            aside.add((a, b))
    return sorted(sorted(members) for members in clusters.values())


@pytest.mark.parametrize(("pop", "thres"), [(2, 0.3), (2, 0.6), (4, 0.6), (3, 0.95), (1, 0.8)])
def test_assembled_smote_clusters_the_border_and_samples_within_clusters(pop, thres):
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), 1 - y
    sampler = fast_smote.AssembledSMOTE(pop=pop, thres=thres, random_state=0)
    _X_res, _y_res = sampler.fit_resample(X, y)
    rows = np.flatnonzero(y == 1)
    # The border: another class among the 5 nearest of all samples.
    table = _brute_knn(X, rows, np.arange(len(y)), 5)
    border = (y[table] != 1).any(axis=1)
    cluster = sampler.clusters_[1]
    np.testing.assert_array_equal(cluster >= 0, border)
    got = sorted(sorted(np.flatnonzero(cluster[border] == c).tolist()) for c in range(cluster.max() + 1))
    assert got == _assembled_by_definition(X[rows[border]], pop, thres)
    # Counts by cluster size, exactly; each new row within its cluster, toward one of the
    # base's 5 nearest in it.
    groups = [rows[cluster == c] for c in range(cluster.max() + 1)] + [rows[cluster == -1]]
    want = apportion(np.count_nonzero(y == 0) - len(rows), np.array([len(g) for g in groups], float))
    provenance = sampler.provenance_
    of = dict(zip(rows.tolist(), cluster.tolist()))
    made = np.bincount(
        [of[b] if of[b] >= 0 else len(groups) - 1 for b in provenance.base_index], minlength=len(groups)
    )
    np.testing.assert_array_equal(made, want)
    for group in groups:
        inside = np.isin(provenance.base_index, group)
        assert np.isin(provenance.neighbor_index[inside], group).all()
        if len(group) > 1:
            near = _brute_knn(X, group, group, min(5, len(group) - 1))
            position = {r: i for i, r in enumerate(group.tolist())}
            for b, nb in zip(provenance.base_index[inside], provenance.neighbor_index[inside]):
                assert position[nb] in near[position[b]]


# The iterative-partitioning filter and SMOTE-IPF


def test_ipf_removes_what_most_partitions_misclassify():
    X, y = make_imbalanced([200, 100], n_features=2, seed=0)
    # A classifier that always answers 0: every sample of class 1 is misclassified by
    # every partition's classifier, every sample of class 0 by none.
    constant = DummyClassifier(strategy="constant", constant=0)
    for voting in ("majority", "consensus"):
        ipf = fast_smote.IterativePartitioningFilter(
            sampling_strategy="all", estimator=constant, voting=voting, random_state=0
        )
        _X_res, y_res = ipf.fit_resample(X, y)
        assert set(y_res.tolist()) == {0} and len(y_res) == 200
        assert ipf.n_rounds_ == 1 + 3  # one round removes 100, then three quiet ones
    # A class the strategy does not target is kept whatever the votes.
    ipf = fast_smote.IterativePartitioningFilter(sampling_strategy=[0], estimator=constant, random_state=0)
    assert len(ipf.fit_resample(X, y)[1]) == 300


def test_ipf_removes_flipped_labels_and_keeps_most_clean_rows():
    X, y_clean = make_classification(1500, 4, n_informative=4, n_redundant=0, class_sep=2.0, random_state=0)
    rng = np.random.default_rng(0)
    flipped = rng.choice(len(y_clean), 75, replace=False)
    y = y_clean.copy()
    y[flipped] = 1 - y[flipped]
    ipf = fast_smote.IterativePartitioningFilter(sampling_strategy="all", random_state=0)
    ipf.fit_resample(X, y)
    removed = np.setdiff1d(np.arange(len(y)), ipf.sample_indices_)
    assert np.isin(flipped, removed).mean() > 0.8
    assert len(np.setdiff1d(removed, flipped)) < 0.1 * len(y)
    again = fast_smote.IterativePartitioningFilter(sampling_strategy="all", random_state=0, n_jobs=1)
    np.testing.assert_array_equal(again.fit_resample(X, y)[1], y[ipf.sample_indices_])


def test_ipf_refuses_values_past_float32_for_its_trees_dense_or_sparse():
    X, y = make_imbalanced([150, 50], n_features=3, seed=0)
    X[5, 1] = 1e39
    for given in (X, scipy.sparse.csr_matrix(X)):
        with pytest.raises(fast_smote.UnsuitableDataError, match=r"value too large for dtype\('float32'\)"):
            fast_smote.IterativePartitioningFilter(random_state=0).fit_resample(given, y)
    # A classifier that takes float64 does not need the conversion.
    constant = DummyClassifier(strategy="constant", constant=0)
    assert (
        len(
            fast_smote.IterativePartitioningFilter(sampling_strategy="all", estimator=constant).fit_resample(
                X, y
            )[1]
        )
        == 150
    )


def test_smote_ipf_filters_the_smote_output():
    X, y = make_classification(1200, 4, weights=[0.85], flip_y=0.05, random_state=2)
    sampler = fast_smote.SMOTEIPF(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    X_over, y_over = fast_smote.SMOTE(random_state=0).fit_resample(X, y)
    kept = sampler.ipf_.sample_indices_
    np.testing.assert_array_equal(X_res, X_over[kept])
    np.testing.assert_array_equal(y_res, y_over[kept])
    assert len(kept) < len(y_over)


# Bad input


@pytest.mark.parametrize(
    ("cls", "params", "error", "message"),
    [
        (fast_smote.ProWSyn, {"n_neighbors": 0}, ValueError, "n_neighbors must be at least 1, got 0"),
        (fast_smote.ProWSyn, {"levels": 0}, ValueError, "levels must be at least 1, got 0"),
        (fast_smote.ProWSyn, {"levels": 2.5}, TypeError, "levels must be an int, got 2.5"),
        (
            fast_smote.ProWSyn,
            {"theta": -1.0},
            ValueError,
            "theta must be a finite number at least 0, got -1.0",
        ),
        (fast_smote.ProWSyn, {"theta": float("inf")}, ValueError, "theta must be a finite number"),
        (fast_smote.ProWSyn, {"theta": "1"}, TypeError, "theta must be a number, got '1'"),
        (fast_smote.GSMOTE, {"k_neighbors": 0}, ValueError, "k_neighbors must be at least 1, got 0"),
        (
            fast_smote.LeeSMOTE,
            {"rejection_level": 1.5},
            ValueError,
            r"rejection_level must be a finite number in \[0, 1\], got 1.5",
        ),
        (fast_smote.LeeSMOTE, {"n_neighbors": 0}, ValueError, "n_neighbors must be at least 1, got 0"),
        (fast_smote.LeeSMOTE, {"n_neighbors": True}, TypeError, "n_neighbors must be an int, got True"),
        (
            fast_smote.PolynomFitSMOTE,
            {"topology": "ring"},
            ValueError,
            "topology must be one of 'star', 'bus', 'mesh', 'polynomial'; got 'ring'",
        ),
        (
            fast_smote.PolynomFitSMOTE,
            {"topology": "polynomial", "degree": 0},
            ValueError,
            "degree must be at least 1, got 0",
        ),
        (fast_smote.SMOBD, {"eta1": 1.5}, ValueError, r"eta1 must be a finite number in \[0, 1\], got 1.5"),
        (fast_smote.SMOBD, {"t": -1}, ValueError, "t must be a finite number at least 0, got -1"),
        (fast_smote.SMOBD, {"min_samples": 0}, ValueError, "min_samples must be at least 1, got 0"),
        (fast_smote.SMOBD, {"max_eps": 0.0}, ValueError, "max_eps must be a number above 0, got 0.0"),
        (
            fast_smote.SMOBD,
            {"max_eps": float("nan")},
            ValueError,
            "max_eps must be a number above 0, got nan",
        ),
        (fast_smote.LVQSMOTE, {"n_clusters": 2}, ValueError, "n_clusters must be at least 3, got 2"),
        (fast_smote.LVQSMOTE, {"n_neighbors": 0}, ValueError, "n_neighbors must be at least 1, got 0"),
        (fast_smote.CCR, {"energy": 0.0}, ValueError, "energy must be a finite number above 0, got 0.0"),
        (fast_smote.CCR, {"energy": -1.0}, ValueError, "energy must be a finite number above 0, got -1.0"),
        (
            fast_smote.CCR,
            {"energy": float("inf")},
            ValueError,
            "energy must be a finite number above 0, got inf",
        ),
        (
            fast_smote.CCR,
            {"scaling": -0.5},
            ValueError,
            "scaling must be a finite number at least 0, got -0.5",
        ),
        (fast_smote.AssembledSMOTE, {"pop": 0}, ValueError, "pop must be at least 1, got 0"),
        (
            fast_smote.AssembledSMOTE,
            {"thres": 1.5},
            ValueError,
            r"thres must be a finite number in \[0, 1\], got 1.5",
        ),
        (fast_smote.AssembledSMOTE, {"n_neighbors": 0}, ValueError, "n_neighbors must be at least 1, got 0"),
        (
            fast_smote.IterativePartitioningFilter,
            {"n_partitions": 1},
            ValueError,
            "n_partitions must be at least 2, got 1",
        ),
        (
            fast_smote.IterativePartitioningFilter,
            {"voting": "all"},
            ValueError,
            "voting must be 'majority' or 'consensus', got 'all'",
        ),
        (
            fast_smote.IterativePartitioningFilter,
            {"p": 2.0},
            ValueError,
            r"p must be a finite number in \[0, 1\], got 2.0",
        ),
        (
            fast_smote.IterativePartitioningFilter,
            {"estimator": NearestNeighbors()},
            TypeError,
            "estimator must be a scikit-learn classifier",
        ),
        (
            fast_smote.SMOTEIPF,
            {"ipf": fast_smote.TomekLinks()},
            TypeError,
            "ipf must be None or a fast-smote IterativePartitioningFilter",
        ),
    ],
)
def test_parameters_out_of_range_are_refused_by_name(cls, params, error, message, binary):
    X, y = binary
    X_before, y_before = X.copy(), y.copy()
    with pytest.raises(error, match=message):
        cls(**params).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


@pytest.mark.parametrize(
    ("sampler", "message"),
    [
        (fast_smote.ProWSyn(), "class 1 has 1 samples, but ProWSyn's interpolation needs at least 2 samples"),
        (
            fast_smote.PolynomFitSMOTE(topology="bus"),
            "class 1 has 1 samples, but the bus topology needs at least 2",
        ),
        (
            fast_smote.PolynomFitSMOTE(topology="mesh"),
            "class 1 has 1 samples, but the mesh topology needs at least 2",
        ),
        (fast_smote.GSMOTE(), r"class 1 has 1 samples, but k_neighbors=5 needs at least 6"),
        (fast_smote.LeeSMOTE(), r"class 1 has 1 samples, but k_neighbors=5 needs at least 6"),
        (fast_smote.SMOBD(), r"class 1 has 1 samples, but SMOBD's OPTICS needs at least 3"),
        (fast_smote.LVQSMOTE(), r"class 1 has 1 samples, but LVQ-SMOTE's codebook needs at least 3"),
    ],
)
def test_a_class_too_small_for_the_method_is_named(sampler, message):
    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0] * 9 + [1])
    with pytest.raises(ValueError, match=message):
        sampler.fit_resample(X, y)


def test_a_single_sample_class_takes_the_star_and_the_curve():
    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0] * 9 + [1])
    for topology in ("star", "polynomial"):
        X_res, _y_res = fast_smote.PolynomFitSMOTE(topology=topology, random_state=0).fit_resample(X, y)
        np.testing.assert_array_equal(X_res[10:], np.repeat(X[9:], 8, axis=0))


def test_lee_needs_as_many_samples_as_its_neighbours():
    X, y = make_imbalanced([5, 4], n_features=2)
    with pytest.raises(ValueError, match="X has 9 samples, but n_neighbors=12 needs at least 12"):
        fast_smote.LeeSMOTE(k_neighbors=2, n_neighbors=12).fit_resample(X, y)


@pytest.mark.parametrize("method", list(fast_smote.VARIANT_METHODS))
def test_every_variant_runs_from_the_command_line(method, tmp_path):
    pytest.importorskip("polars")
    from fast_smote._cli import main

    X, y = make_imbalanced([300, 60], n_features=3, seed=2)
    table = tmp_path / "data.csv"
    rows = "\n".join(",".join(map(str, [*row, label])) for row, label in zip(X.tolist(), y.tolist()))
    table.write_text("a,b,c,label\n" + rows + "\n")
    out = tmp_path / "out.csv"
    args = ["resample", str(table), "-t", "label", "-o", str(out), "-m", method, "--seed", "0", "-q"]
    assert main(args) == 0
    got = np.loadtxt(out, delimiter=",", skiprows=1)
    want_X, want_y = fast_smote.resample(X, y, method=method, random_state=0)
    np.testing.assert_allclose(got[:, :3], want_X, rtol=1e-12)
    np.testing.assert_array_equal(got[:, 3], want_y)
