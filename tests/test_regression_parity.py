"""SMOTER's and SMOGN's relevance and rows against the ``smogn`` package (0.1.2, GPL-3, a
test dependency only): the same rows marked rare, the same number of new rows, and new
rows distributed alike, feature by feature and on y (two-sample KS, 1 % with
Bonferroni's correction), on three datasets.

smogn runs as ``fast_smote._bench._smogn`` adapts it: on NumPy 2, and with its target
weights mended (see there). Where smogn departs from the paper otherwise (see
``SMOGN``'s notes), the data is chosen so that the departure does not show: positive
features (it clips features with a positive value at 0) and y scaled down inside smogn
(it measures distances with y among the features).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.datasets import load_diabetes

from fast_smote._bench._smogn import load_smogn, smogn_new_rows
from fast_smote.regression import SMOGN

if not os.environ.get("CI"):  # CI installs the test extra, which has it: it must run there
    pytest.importorskip("smogn")
pd = pytest.importorskip("pandas")
smogn = load_smogn()

#: smogn's distances see y multiplied by this: the features decide its neighbours.
Y_SCALE = 1e-6


def _lognormal():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 4))
    return X, np.exp(0.9 * X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=700)), {"extremes": "both"}


def _two_tailed():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(900, 3))
    return X, 2 * X[:, 0] + X[:, 1] + rng.standard_t(3, size=900), {"extremes": "both"}


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    # Its target has no value beyond the usual whiskers: shorter ones mark the high tail.
    return X, y, {"extremes": "high", "coef": 0.5}


DATASETS = {"lognormal": _lognormal, "two-tailed": _two_tailed, "diabetes": _diabetes}


@pytest.mark.parametrize("name", DATASETS)
def test_the_same_rows_are_rare(name):
    X, y, params = DATASETS[name]()
    for extremes in ("both", "high", "low"):
        sorted_y = np.sort(y)
        control = smogn.phi_ctrl_pts(
            y=pd.Series(sorted_y), method="auto", xtrm_type=extremes, coef=params.get("coef", 1.5)
        )
        theirs = np.asarray(smogn.phi(y=pd.Series(sorted_y), ctrl_pts=control))
        sampler = SMOGN(extremes=extremes, coef=params.get("coef", 1.5))
        try:
            sampler.fit(X, y)
        except ValueError as error:  # a tail without extreme values: nothing is rare
            assert "no target is rare" in str(error)
            assert (theirs < 0.5).all()
            continue
        np.testing.assert_array_equal(sampler.relevance_(sorted_y) >= 0.5, theirs >= 0.5)
        # Where the box plots agree (Tukey's hinges and smogn's quartiles can differ), so
        # does the whole function.
        if np.array_equal(np.reshape(control["ctrl_pts"], (-1, 3)), sampler.control_points_):
            np.testing.assert_allclose(sampler.relevance_(sorted_y), theirs, atol=1e-12)


@pytest.mark.parametrize("name", DATASETS)
def test_new_rows_are_distributed_as_smogns(name):
    X, y, params = DATASETS[name]()
    X = X - X.min(axis=0) + 1.0
    their_X, their_y = smogn_new_rows(
        X,
        y,
        seed=0,
        target_scale=Y_SCALE,
        k=5,
        pert=0.02,
        samp_method="balance",
        rel_xtrm_type=params["extremes"],
        rel_coef=params.get("coef", 1.5),
    )
    sampler = SMOGN(random_state=0, **params)
    X_res, y_res = sampler.fit_resample(X, y)
    ours_X, ours_y = X_res[len(y) :], y_res[len(y) :]
    # Both grow each rare bump to round(n / n_bumps) rows, smogn rounding each part down.
    share = round(len(y) / len(sampler.bumps_))
    grown = [bump.n_samples for bump in sampler.bumps_ if bump.rare and bump.n_samples < share]
    assert len(ours_y) == sum(share - m for m in grown)
    growth = [share / m - 1 for m in grown]
    assert len(their_y) == sum(int(g) * m + int(m * (g - int(g))) for g, m in zip(growth, grown))
    tests = X.shape[1] + 1
    for j in range(X.shape[1]):
        assert ks_2samp(ours_X[:, j], their_X[:, j]).pvalue > 0.01 / tests, f"feature {j}"
    assert ks_2samp(ours_y, their_y).pvalue > 0.01 / tests, "y"
