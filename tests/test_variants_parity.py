"""The literature's variants against smote-variants 1.0.1 (Kovacs's reference
implementations, a test dependency installed without its deep-learning dependencies:
``pip install --no-deps smote-variants==1.0.1``).

smote-variants draws each SMOTE step as a normalised pair of uniform draws
(``u / (u + v)``), where SMOTE and the papers draw one uniform step; on features with
few distinct values that alone makes its rows distinguishable from imbalanced-learn's
SMOTE (a two-sample KS test tells them apart on yeast1 and ecoli1). The comparisons
below therefore give smote-variants uniform steps (``uniform_steps``), and G-SMOTE the
covariance's leading eigenvector as a column (smote-variants takes a row of the
eigenvector matrix): the paper's definitions, which fast-smote follows. Everything else
is smote-variants' own code.
"""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.preprocessing import StandardScaler

import fast_smote

# CI installs smote-variants (.ci/run): there a missing one fails rather than skips.
if os.environ.get("CI"):
    import smote_variants as sv
else:
    sv = pytest.importorskip("smote_variants")
import smote_variants.base._simplexsampling as simplex

logging.getLogger("smote_variants").setLevel(logging.WARNING)


def _datasets() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Real binary data shipped with scikit-learn, standardised; the minority is 1."""
    cancer = load_breast_cancer(return_X_y=True)
    wine, iris = load_wine(return_X_y=True), load_iris(return_X_y=True)
    return [
        ("breast_cancer", StandardScaler().fit_transform(cancer[0]), 1 - cancer[1]),
        ("wine", StandardScaler().fit_transform(wine[0]), (wine[1] == 2).astype(int)),
        ("iris", StandardScaler().fit_transform(iris[0]), (iris[1] == 1).astype(int)),
    ]


DATASETS = _datasets()


@pytest.fixture
def paper_steps(monkeypatch):
    """smote-variants with uniform steps on segments, and G-SMOTE's principal direction
    as the eigenvector it is."""
    original = simplex.random_samples_from_simplices

    def uniform_steps(X, simplices, X_vertices=None, vertex_weights=None, random_state=None):
        if simplices.shape[1] != 2 or X_vertices is not None or vertex_weights is not None:
            return original(X, simplices, X_vertices, vertex_weights, random_state)
        step = random_state.random_sample(len(simplices))[:, None]
        return X[simplices[:, 0]] + step * (X[simplices[:, 1]] - X[simplices[:, 0]])

    def column_direction(self, X_min):
        return np.linalg.eigh(np.cov(X_min, rowvar=False))[1][:, -1]

    monkeypatch.setattr(simplex, "random_samples_from_simplices", uniform_steps)
    monkeypatch.setattr(sv.G_SMOTE, "determine_H", column_direction)


def _reference(sampler, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sampler.sample(X, y)


def _assert_alike(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    """Each feature of two sets of new rows drawn from one distribution: a two-sample
    KS test at 1 % over all features (Bonferroni); a feature constant in both must hold
    the same value (up to rounding)."""
    p_values = []
    for j in range(ours.shape[1]):
        a, b = ours[:, j], theirs[:, j]
        if np.ptp(b) <= 1e-12 * max(1.0, np.abs(b).max()):
            np.testing.assert_allclose(a, b[0], rtol=1e-9, atol=1e-12, err_msg=f"{what}: feature {j}")
            continue
        p_values.append(ks_2samp(a, b).pvalue)
    assert min(p_values) > 0.01 / len(p_values), f"{what}: KS p-values {np.round(p_values, 4)}"


def _made(X: np.ndarray, X_res: np.ndarray) -> np.ndarray:
    return X_res[len(X) :]


# Methods that make random rows like SMOTE: the same count for the same proportion, and
# rows from one distribution.
ALIKE = {
    "ProWSyn": (fast_smote.ProWSyn, sv.ProWSyn),
    "GSMOTE": (fast_smote.GSMOTE, sv.G_SMOTE),
    "LeeSMOTE": (fast_smote.LeeSMOTE, sv.Lee),
    "PolynomFitSMOTE-polynomial": (
        lambda **kw: fast_smote.PolynomFitSMOTE(topology="polynomial", **kw),
        sv.polynom_fit_SMOTE_poly,
    ),
    "PolynomFitSMOTE-mesh": (
        lambda **kw: fast_smote.PolynomFitSMOTE(topology="mesh", **kw),
        sv.polynom_fit_SMOTE_mesh,
    ),
    "LVQSMOTE": (fast_smote.LVQSMOTE, sv.LVQ_SMOTE),
    "AssembledSMOTE": (fast_smote.AssembledSMOTE, sv.Assembled_SMOTE),
}


@pytest.mark.usefixtures("paper_steps")
@pytest.mark.parametrize("name", ALIKE)
@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_new_rows_are_distributed_as_smote_variants_makes_them(name, data):
    _, X, y = data
    ours_cls, theirs_cls = ALIKE[name]
    X_ours, y_ours = ours_cls(random_state=0).fit_resample(X, y)
    X_theirs, y_theirs = _reference(theirs_cls(random_state=0), X, y)
    assert len(y_ours) == len(y_theirs), "the same count for proportion 1.0"
    assert np.all(y_ours[len(y) :] == 1)
    _assert_alike(_made(X, X_ours), _made(X, X_theirs), name)


@pytest.mark.parametrize("topology", ["star", "bus"])
@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_star_and_bus_make_smote_variants_rows_when_every_link_gets_the_same_count(topology, data):
    # smote-variants rounds the count per link; with twice as many rows as links both
    # put two rows at 1/3 and 2/3 of every link: the same rows.
    _, X, y = data
    n_min, n_maj = np.bincount(y)[1], np.bincount(y)[0]
    links = n_min if topology == "star" else n_min - 1
    proportion = 2 * n_min / (n_maj - n_min)
    reference = getattr(sv, f"polynom_fit_SMOTE_{topology}")(proportion=proportion, random_state=0)
    X_theirs, _ = _reference(reference, X, y)
    theirs = _made(X, X_theirs)
    assert len(theirs) == 2 * links
    ours = fast_smote.PolynomFitSMOTE(
        topology=topology, sampling_strategy={1: n_min + 2 * links}, random_state=0
    ).fit_resample(X, y)[0]
    ours = _made(X, ours)

    def in_order(rows: np.ndarray) -> np.ndarray:
        # Sorted by values rounded past the two implementations' rounding differences.
        return rows[np.lexsort(np.round(rows, 9).T)]

    np.testing.assert_allclose(in_order(ours), in_order(theirs), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_prowsyn_finds_smote_variants_proximity_levels(data):
    # smote-variants runs `levels` rounds and puts the rest in the last level too; the
    # paper (and fast-smote) runs levels - 1 rounds: the first levels - 1 are the same.
    _, X, y = data
    reference = sv.ProWSyn(random_state=0)
    reference.class_label_statistics(y)
    partitions, _ = reference.determine_clusters_proximity_levels(X, y)
    sampler = fast_smote.ProWSyn(random_state=0)
    sampler.fit_resample(X, y)
    levels = sampler.proximity_levels_[1]
    rows = np.flatnonzero(y == 1)
    for level, members in enumerate(partitions[:4], start=1):
        np.testing.assert_array_equal(
            np.sort(rows[levels == level]), np.sort(members), err_msg=f"level {level}"
        )


@pytest.mark.usefixtures("paper_steps")
@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_gsmote_keeps_the_neighbour_smote_variants_keeps(data):
    _, X, y = data
    reference = sv.G_SMOTE(random_state=0)
    X_min = X[y == 1]
    table = fast_smote.NearestNeighbors(n_neighbors=6).fit(X_min).kneighbors(X_min, return_distance=False)
    direction = reference.determine_H(X_min)
    theirs, _ = reference.update_indices_by_angles(X_min, table, direction, X_min)
    sampler = fast_smote.GSMOTE(random_state=0)
    sampler.fit_resample(X, y)
    provenance = sampler.provenance_
    rows = np.flatnonzero(y == 1)
    kept = dict(zip(provenance.base_index.tolist(), provenance.neighbor_index.tolist()))
    assert abs(float(direction @ sampler.principal_directions_[1])) == pytest.approx(1.0)
    for base, neighbor in kept.items():
        position = np.searchsorted(rows, base)
        assert rows[theirs[position, 0]] == neighbor, base


@pytest.mark.parametrize("max_eps", [2.0, 3.0, 5.0])
@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_smobd_weighs_samples_as_smote_variants_does(data, max_eps):
    # smote-variants then draws one step per feature (its rows leave the segments), so
    # the rows are compared through the weights that place them. (At its default
    # max_eps of 1.0, standardised samples have no neighbours within reach and it
    # returns the data unchanged.)
    _, X, y = data
    reference = sv.SMOBD(max_eps=max_eps, random_state=0)
    reference.class_label_statistics(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, density = reference.determine_indices_and_density(X[y == 1], {})
    sampler = fast_smote.SMOBD(max_eps=max_eps, random_state=0)
    sampler.fit_resample(X, y)
    np.testing.assert_allclose(sampler.densities_[1], density, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_ccr_grows_smote_variants_spheres_where_they_hold_at_most_one_other_sample(data):
    # smote-variants' radius lags behind the paper's once a sphere holds two samples of
    # the other class (it subtracts the farthest distance at the first step); with the
    # largest energy at which none does, both give the paper's radii.
    _, X, y = data
    minority, majority = X[y == 1], X[y == 0]
    distances = np.abs(minority[:, None, :] - majority[None, :, :]).sum(axis=2)
    fitting = []
    for energy in np.geomspace(0.01, 40.0, 60):
        sampler = fast_smote.CCR(energy=energy, random_state=0)
        _, y_res = sampler.fit_resample(X, y)
        inside = (distances < sampler.radii_[1][:, None]).sum(axis=1)
        if inside.max() == 1:  # the case this test is about: a sphere holds one sample
            fitting.append((energy, sampler.radii_[1], len(y_res)))
    energy, radii, n_out = fitting[-1]
    reference = sv.CCR(energy=energy, random_state=0)
    reference.class_label_statistics(y)
    theirs, _ = reference.determine_radii_translations(minority, majority)
    np.testing.assert_allclose(radii, theirs, rtol=1e-9)
    # smote-variants rounds each sample's count (at most 1/2 off each); fast-smote
    # makes exactly the count asked.
    n_min, n_maj = np.bincount(y)[1], np.bincount(y)[0]
    assert n_out == 2 * n_maj
    assert abs(len(_reference(sv.CCR(energy=energy, random_state=0), X, y)[1]) - n_out) <= n_min / 2


@pytest.mark.parametrize(("pop", "thres"), [(2, 0.3), (4, 0.3), (2, 0.9), (4, 0.99)])
@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_assembled_smote_finds_smote_variants_border_and_clusters(data, pop, thres):
    # smote-variants sets a pair of clusters aside for good once either merges with a
    # third (fast-smote reconsiders the changed pair): the clusters differ where that
    # happens (breast cancer at pop 2 and 4 with thres 0.6; test_variants checks those
    # against the definition), and are the same here.
    _, X, y = data
    reference = sv.Assembled_SMOTE(pop=pop, thres=thres, random_state=0)
    reference.class_label_statistics(y)
    X_border, _ = reference.determine_border_non_border(X, y, X[y == 1], {})
    theirs = sorted(sorted(cluster.tolist()) for cluster in reference.do_the_clustering(X_border, {}))
    sampler = fast_smote.AssembledSMOTE(pop=pop, thres=thres, random_state=0)
    sampler.fit_resample(X, y)
    cluster = sampler.clusters_[1]
    np.testing.assert_array_equal(X[y == 1][cluster >= 0], X_border)
    ours = sorted(
        sorted(np.flatnonzero(cluster[cluster >= 0] == c).tolist()) for c in range(cluster.max() + 1)
    )
    assert ours == theirs


@pytest.mark.parametrize("data", DATASETS, ids=[d[0] for d in DATASETS])
def test_smote_ipf_oversamples_as_smote_variants_before_filtering(data):
    _, X, y = data
    sampler = fast_smote.SMOTEIPF(random_state=0)
    sampler.fit_resample(X, y)
    reference = sv.SMOTE(random_state=0)
    reference.class_label_statistics(y)
    assert len(sampler.smote_.provenance_) == reference.det_n_to_sample(1.0)
