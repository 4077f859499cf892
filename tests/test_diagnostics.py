"""fast_smote.diagnose: the report's numbers against brute force and known answers, its
text, dict and frame, its warnings, the plots, and every error path."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from samplers import CASES
from scipy.spatial.distance import cdist

import fast_smote
from conftest import make_imbalanced, packages_imported_by
from fast_smote import DiagnosticReport, SamplingQualityWarning, diagnose
from fast_smote._diagnostics._findings import FAR_QUANTILE, NEAR_DUPLICATE_FRACTION


def separated(n_majority=300, n_minority=30, seed=0, n_features=2):
    """Two classes 100 standard deviations apart."""
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0, 1, (n_majority, n_features)), rng.normal(100, 1, (n_minority, n_features))])
    return X, np.repeat([0, 1], [n_majority, n_minority])


def overlapping(n_majority=600, n_minority=60, seed=0, n_features=2):
    """Two classes drawn from the same distribution."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n_majority + n_minority, n_features))
    return X, np.repeat([0, 1], [n_majority, n_minority])


def quiet_diagnose(*args, **kwargs):
    return diagnose(*args, warn=False, **kwargs)


def nearest_brute(points, queries, references):
    """Each query's nearest reference (itself excluded) and the distance, by cdist."""
    distances = cdist(points[queries], points[references])
    distances[queries[:, None] == references[None, :]] = np.inf
    best = distances.argmin(axis=1)
    return references[best], distances[np.arange(len(queries)), best]


def test_well_separated_classes_have_no_new_row_in_other_class_territory():
    X, y = separated()
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingQualityWarning)
        report = diagnose(X, y, X_res, y_res, sampler)
    minority = report[1]
    assert (minority.n_before, minority.n_after, minority.n_synthetic, minority.n_removed) == (
        30,
        300,
        270,
        0,
    )
    assert (report[0].n_before, report[0].n_after, report[0].n_synthetic) == (300, 300, 0)
    assert minority.other_class_share == 0.0
    assert minority.original_other_class_share == 0.0
    assert report.warnings == []
    assert report[0].other_class_share is None and report[0].n_examined == 0


def test_overlapping_classes_give_a_high_share_and_a_warning_naming_the_remedies():
    X, y = overlapping()
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    with pytest.warns(SamplingQualityWarning, match="other-class territory") as caught:
        report = diagnose(X, y, X_res, y_res, sampler)
    share = report[1].other_class_share
    # With 10 majority rows per minority row around, most nearest originals are majority.
    assert share > 0.5
    assert report[1].original_other_class_share > 0.8
    (territory,) = [w for w in report.warnings if "other-class territory" in w]
    assert f"{100 * share:.1f} %" in territory
    for remedy in ("BorderlineSMOTE", "SMOTEENN", "SMOTETomek"):
        assert remedy in territory
    assert [str(w.message) for w in caught if "territory" in str(w.message)] == [territory]
    assert "Warnings:" in str(report) and "other-class territory" in str(report)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_number_matches_a_brute_force_computation(dtype):
    X, y = make_imbalanced([300, 60, 25], n_features=3, seed=3, dtype=dtype, spread=1.5)
    sampler = fast_smote.SMOTE(random_state=1)
    X_res, y_res = sampler.fit_resample(X, y)
    report = quiet_diagnose(X, y, X_res, y_res, sampler, max_rows=None)
    points, n = X_res.astype(np.float64), len(y)
    provenance = sampler.provenance_
    for label in (1, 2):
        d = report[label]
        originals = np.flatnonzero(y == label)
        new = n + np.flatnonzero(y_res[n:] == label)
        assert d.n_examined == d.n_synthetic == len(new)
        nearest, _ = nearest_brute(points, new, np.arange(n))
        assert d.other_class_share == np.mean(y[nearest] != label)
        nearest, _ = nearest_brute(points, originals, np.arange(n))
        assert d.original_other_class_share == np.mean(y[nearest] != label)
        _, to_class = nearest_brute(points, new, originals)
        _, spacing = nearest_brute(points, originals, originals)
        tolerance = 1e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(report._samples[label].synthetic_distances, to_class, rtol=tolerance)
        np.testing.assert_allclose(report._samples[label].original_distances, spacing, rtol=tolerance)
        assert d.synthetic_distances.q50 == pytest.approx(np.median(to_class), rel=tolerance)
        assert d.original_distances.q95 == pytest.approx(np.quantile(spacing, 0.95), rel=tolerance)
        assert d.original_distances.count == len(originals)
        assert d.far_share == np.mean(to_class > np.quantile(spacing, FAR_QUANTILE))
        _, closest = nearest_brute(points, new, np.concatenate([originals, new]))
        assert d.near_duplicate_share == np.mean(closest <= NEAR_DUPLICATE_FRACTION * np.median(spacing))
        bases = provenance.base_index[new - n]
        used = np.bincount(bases, minlength=n)
        assert d.n_bases_used == len(np.unique(bases))
        decile = int(np.ceil(0.1 * len(originals)))
        assert d.top_decile_share == np.sort(used)[::-1][:decile].sum() / len(new)
        assert [count for _, count in d.top_bases] == sorted(used[used > 0], reverse=True)[:5]
        assert all(used[row] == count and y[row] == label for row, count in d.top_bases)


def test_a_sample_of_rows_estimates_the_exact_shares_reproducibly():
    X, y = overlapping(n_majority=6000, n_minority=3000, n_features=3)
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    exact = quiet_diagnose(X, y, X_res, y_res, sampler, max_rows=None)[1]
    sampled = quiet_diagnose(X, y, X_res, y_res, sampler, max_rows=500)[1]
    assert (exact.n_examined, sampled.n_examined) == (3000, 500)
    assert sampled.original_distances.count == 500
    error = 4 * np.sqrt(0.25 / 500)  # four standard errors of a share from 500 rows
    for share in ("other_class_share", "original_other_class_share", "far_share", "near_duplicate_share"):
        assert abs(getattr(sampled, share) - getattr(exact, share)) < error, share
    again = quiet_diagnose(X, y, X_res, y_res, sampler, max_rows=500)[1]
    assert again == sampled
    other_seed = quiet_diagnose(X, y, X_res, y_res, sampler, max_rows=500, random_state=1)[1]
    assert other_seed.other_class_share != sampled.other_class_share


def test_the_threads_do_not_change_the_report():
    X, y = make_imbalanced([2000, 300], n_features=12, seed=1)
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    one = quiet_diagnose(X, y, X_res, y_res, sampler, n_jobs=1)
    two = quiet_diagnose(X, y, X_res, y_res, sampler, n_jobs=2)
    assert one.to_dict() == two.to_dict()


def test_without_the_sampler_the_same_numbers_but_no_bases():
    X, y = make_imbalanced([400, 50, 30], seed=2, spread=0.7)
    sampler = fast_smote.BorderlineSMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    known = quiet_diagnose(X, y, X_res, y_res, sampler).to_dict()
    unknown = quiet_diagnose(X, y, X_res, y_res).to_dict()
    assert known["provenance"] and not unknown["provenance"]
    base_keys = ("n_bases_used", "top_decile_share", "top_bases")
    for with_bases, without in zip(known["classes"], unknown["classes"]):
        assert all(without[key] is None for key in base_keys)
        assert {k: v for k, v in with_bases.items() if k not in base_keys} == {
            k: v for k, v in without.items() if k not in base_keys
        }
    assert "bases used" in str(quiet_diagnose(X, y, X_res, y_res, sampler))
    assert "bases used" not in str(quiet_diagnose(X, y, X_res, y_res))


def test_random_oversampling_copies_are_near_duplicates_with_their_bases():
    X, y = separated()
    sampler = fast_smote.RandomOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    report = quiet_diagnose(X, y, X_res, y_res, sampler)
    d = report[1]
    assert d.n_synthetic == 270 and d.near_duplicate_share == 1.0
    assert d.synthetic_distances.max == 0.0
    used = np.bincount(sampler.sample_indices_[len(y) :], minlength=len(y))
    assert d.top_bases[0] == (int(used.argmax()), int(used.max()))
    assert any("nearly duplicate" in w and "shrinkage" in w for w in report.warnings)
    # Smoothed copies are new rows too, drawn from the recorded bases.
    smoothed = fast_smote.RandomOverSampler(random_state=0, shrinkage=1.0)
    X_res, y_res = smoothed.fit_resample(X, y)
    d = quiet_diagnose(X, y, X_res, y_res, smoothed)[1]
    assert d.n_synthetic == 270 and d.near_duplicate_share < 0.1 and d.n_bases_used <= 30


def test_combined_samplers_count_the_removed_originals_and_keep_the_provenance():
    X, y = overlapping(n_majority=400, n_minority=60)
    sampler = fast_smote.SMOTEENN(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    kept = sampler.enn_.sample_indices_
    report = quiet_diagnose(X, y, X_res, y_res, sampler)
    n = len(y)
    for label in (0, 1):
        d = report[label]
        assert d.n_after == np.count_nonzero(y_res == label)
        assert d.n_synthetic == np.count_nonzero((kept >= n) & (np.r_[y, np.ones(len(kept))][kept] == label))
        assert d.n_removed == np.count_nonzero(y == label) - np.count_nonzero(
            (kept < n) & (y[kept % n] == label)
        )
    assert report[0].n_removed > 0 and report.provenance
    # Told apart by value without the sampler: the same rows are new.
    unknown = quiet_diagnose(X, y, X_res, y_res)
    assert [d.n_synthetic for d in unknown.classes] == [d.n_synthetic for d in report.classes]
    assert [d.n_removed for d in unknown.classes] == [d.n_removed for d in report.classes]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_sampler_is_diagnosed_alike_with_and_without_its_record(name):
    X, y = make_imbalanced([300, 60, 30], n_features=3, seed=6, spread=1.0)
    if CASES[name].kind == "categorical":
        X = np.round(X)  # few distinct values per column, as categories have
    sampler = CASES[name].make(3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ADASYN's rounding and the like
        X_res, y_res = sampler.fit_resample(X, y)
    recorded = quiet_diagnose(X, y, X_res, y_res, sampler)
    # SMOTENC's distance from its columns (the sampler would give them).
    by_value = quiet_diagnose(
        X, y, X_res, y_res, categorical_features=getattr(sampler, "categorical_features_", None)
    )
    # SMOTEN votes every category among neighbours and records no base row; the star
    # and the curve of PolynomFitSMOTE make their rows from the whole class, LVQ-SMOTE
    # translates rows and CCR draws them in spheres.
    assert recorded.provenance == (name != "SMOTEN" and CASES[name].kind not in ("fitted", "translating"))
    for label, with_record, without in zip((0, 1, 2), recorded.classes, by_value.classes):
        assert with_record.n_before == np.count_nonzero(y == label)
        assert with_record.n_after == np.count_nonzero(y_res == label)
        assert with_record.n_after == with_record.n_before - with_record.n_removed + with_record.n_synthetic
        assert (with_record.n_synthetic, with_record.n_removed) == (without.n_synthetic, without.n_removed)
        if with_record.n_synthetic and recorded.provenance:
            assert sum(count for _, count in with_record.top_bases) <= with_record.n_synthetic
        assert with_record.other_class_share == without.other_class_share


def test_a_combination_around_random_oversampling_keeps_the_copies_bases():
    X, y = overlapping(n_majority=300, n_minority=40)
    sampler = fast_smote.SMOTETomek(smote=fast_smote.RandomOverSampler(random_state=0))
    X_res, y_res = sampler.fit_resample(X, y)
    report = quiet_diagnose(X, y, X_res, y_res, sampler)
    kept = sampler.tomek_.sample_indices_
    drawn = sampler.smote_.sample_indices_[kept]
    new = kept >= len(y)
    assert report.provenance and report[1].n_synthetic == np.count_nonzero(new)
    used = np.bincount(drawn[new], minlength=len(y))
    assert report[1].top_bases[0] == (int(used.argmax()), int(used.max()))


def test_new_rows_are_told_from_originals_by_value_with_multiplicity():
    X, y = separated(n_majority=50, n_minority=10)
    X[1] = X[0]  # two equal majority rows
    rng = np.random.default_rng(0)
    copies = np.r_[np.arange(len(y)), 0, 0, 0, 55, 55]
    order = rng.permutation(len(copies))
    X_res, y_res = X[copies][order], y[copies][order]
    report = quiet_diagnose(X, y, X_res, y_res)
    assert (report[0].n_synthetic, report[1].n_synthetic) == (3, 2)
    assert report[0].n_removed == report[1].n_removed == 0
    # A cleaned output: rows missing, none new.
    kept = np.flatnonzero(np.arange(len(y)) % 7 != 0)
    report = quiet_diagnose(X, y, X[kept], y[kept])
    assert [d.n_synthetic for d in report.classes] == [0, 0]
    assert [d.n_removed for d in report.classes] == [
        np.sum((y == c) & (np.arange(len(y)) % 7 == 0)) for c in (0, 1)
    ]
    # The same values under another label are new rows of that label.
    report = quiet_diagnose(X, y, np.vstack([X, X[:2]]), np.r_[y, 1, 1])
    # They sit on majority rows: in other-class territory, far from the class's originals.
    assert report[1].n_synthetic == 2 and report[1].other_class_share == 1.0
    assert report[1].far_share == 1.0


def test_imblearn_outputs_are_diagnosed():
    imblearn = pytest.importorskip("imblearn")
    X, y = overlapping(n_majority=300, n_minority=40, n_features=3)
    for sampler in (
        imblearn.over_sampling.SMOTE(random_state=0),
        imblearn.combine.SMOTETomek(random_state=0),
    ):
        X_res, y_res = sampler.fit_resample(X, y)
        report = quiet_diagnose(X, y, X_res, y_res, sampler)
        n_kept = sum(d.n_before - d.n_removed for d in report.classes)
        assert n_kept + sum(d.n_synthetic for d in report.classes) == len(y_res)
        assert report[1].n_synthetic > 0 and not report.provenance


def test_over_balancing_and_concentrated_bases_are_warned_about():
    X, y = separated(n_majority=1000, n_minority=20)
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    report = quiet_diagnose(X, y, X_res, y_res, sampler)
    assert any("49 new rows per original (980 from 20)" in w for w in report.warnings)
    # Every new row from two of the twenty bases: ADASYN-like concentration.
    bases = np.where(np.arange(980) % 2, 1000, 1001)
    sampler.provenance_ = fast_smote.Provenance(
        len(y), bases, np.full(980, 1002), np.full(980, 0.5, dtype=X.dtype)
    )
    X_res[len(y) :] = 0.5 * (X[bases] + X[1002])
    report = quiet_diagnose(X, y, X_res, y_res, sampler)
    d = report[1]
    assert d.n_bases_used == 2 and d.top_decile_share == 1.0
    assert sorted(d.top_bases) == [(1000, 490), (1001, 490)]
    assert any("most used 10 % of its samples" in w and "X[1000]" in w for w in report.warnings)


def test_far_new_rows_are_warned_about():
    # Two far apart clusters of one class: SMOTE with k covering both bridges the gap.
    rng = np.random.default_rng(0)
    minority = np.vstack([rng.normal(0, 0.1, (6, 2)), rng.normal(50, 0.1, (6, 2))])
    X = np.vstack([rng.normal(25, 1, (200, 2)) + np.array([0, 30]), minority])
    y = np.repeat([0, 1], [200, 12])
    sampler = fast_smote.SMOTE(k_neighbors=11, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    d = quiet_diagnose(X, y, X_res, y_res, sampler)[1]
    assert d.far_share > 0.4
    report = quiet_diagnose(X, y, X_res, y_res, sampler)
    assert any("farther from every original" in w and "KMeansSMOTE" in w for w in report.warnings)


def test_text_dict_and_frame():
    X, y = make_imbalanced([300, 40, 30], seed=4)
    labels = np.array(["common", "rare", "scarce"])[y]
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, labels)
    report = quiet_diagnose(X, labels, X_res, y_res, sampler)
    text = str(report)
    assert text.splitlines()[0] == "fast-smote diagnostics of SMOTE(random_state=0) (4 features)"
    header = text.splitlines()[1].split()
    assert header == ["class", "common", "rare", "scarce"]
    assert text.splitlines()[4].split() == ["new", "rows", "0", "260", "270"]
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert [c["label"] for c in data["classes"]] == ["common", "rare", "scarce"]
    assert data["classes"][1]["synthetic_distances"]["q50"] == report["rare"].synthetic_distances.q50
    frame = report.to_frame()
    assert list(frame.index) == ["common", "rare", "scarce"]
    assert frame.loc["scarce", "n_synthetic"] == 270
    assert frame.loc["rare", "synthetic_distance_q50"] == report["rare"].synthetic_distances.q50
    assert frame.loc["rare", "top_bases"] == report["rare"].top_bases
    with pytest.raises(KeyError, match="no class 'missing'"):
        report["missing"]
    assert isinstance(report, DiagnosticReport) and "DiagnosticReport(" in repr(report)


def test_frames_and_lists_are_read_like_arrays():
    pd = pytest.importorskip("pandas")
    X, y = make_imbalanced([200, 30], n_features=2)
    frame = pd.DataFrame(X, columns=["income", "age"])
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(frame, pd.Series(y, name="target"))
    from_frames = quiet_diagnose(frame, pd.Series(y), X_res, y_res, sampler)
    from_arrays = quiet_diagnose(X, y, X_res.to_numpy(), y_res.to_numpy(), sampler)
    assert from_frames.to_dict() == from_arrays.to_dict()
    assert from_frames._points.feature_names == ["income", "age"]
    from_lists = quiet_diagnose(X.tolist(), y.tolist(), X_res.to_numpy().tolist(), y_res.tolist(), sampler)
    assert from_lists.to_dict() == from_arrays.to_dict()


def test_the_inputs_are_left_unchanged():
    X, y = make_imbalanced([200, 30], seed=5, dtype=np.float32)
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    copies = [a.copy() for a in (X, y, X_res, y_res)]
    provenance = sampler.provenance_.base_index.copy()
    report = quiet_diagnose(X, y, X_res, y_res, sampler)
    if _has_matplotlib():
        report.plot(segments=5)
    quiet_diagnose(X, y, X_res, y_res)
    for before, after in zip(copies, (X, y, X_res, y_res)):
        assert before.dtype == after.dtype and np.array_equal(before, after)
    assert np.array_equal(provenance, sampler.provenance_.base_index)


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda X, y, Xr, yr: (X, y, Xr[:, :1], yr), ValueError, "X_res has 1 features but X has 2"),
        (
            lambda X, y, Xr, yr: (X, y, Xr, np.where(yr == 1, 7, yr)),
            ValueError,
            r"classes that y does not: \[7\]",
        ),
        (lambda X, y, Xr, yr: (X, y, np.where(Xr > 99, np.nan, Xr), yr), ValueError, "X_res contains NaN"),
        (lambda X, y, Xr, yr: (np.where(X > 99, np.inf, X), y, Xr, yr), ValueError, "X contains infinity"),
        (lambda X, y, Xr, yr: (X, y, Xr, yr[:-1]), ValueError, "different numbers of samples"),
        (lambda X, y, Xr, yr: (X.astype(str), y, Xr, yr), TypeError, "diagnose needs numeric features"),
        (lambda X, y, Xr, yr: (X, y, Xr, None), ValueError, "y to be passed"),
    ],
)
def test_bad_input_is_refused_by_name(change, error, message):
    X, y = separated()
    X_res, y_res = fast_smote.SMOTE(random_state=0).fit_resample(X, y)
    with pytest.raises(error, match=message):
        quiet_diagnose(*change(X, y, X_res, y_res))


def test_a_sampler_that_did_not_make_the_output_is_refused():
    X, y = separated()
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    shifted = X_res.copy()
    shifted[:10] += 1
    with pytest.raises(ValueError, match="do not match what the sampler SMOTE recorded"):
        quiet_diagnose(X, y, shifted, y_res, sampler)


def test_sparse_and_dask_inputs_and_bad_parameters_are_refused():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = separated()
    X_res, y_res = fast_smote.SMOTE(random_state=0).fit_resample(X, y)
    with pytest.raises(TypeError, match="dense in-memory X_res"):
        quiet_diagnose(X, y, sparse.csr_matrix(X_res), y_res)
    for bad in (0, -1, 2.5, "all", True):
        with pytest.raises(ValueError, match="max_rows must be a positive int or None"):
            quiet_diagnose(X, y, X_res, y_res, max_rows=bad)
    with pytest.raises(ValueError, match="n_jobs"):
        quiet_diagnose(X, y, X_res, y_res, n_jobs=0)


def test_a_class_with_a_single_original_is_diagnosed():
    X, y = separated(n_majority=40, n_minority=1)
    sampler = fast_smote.RandomOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    d = quiet_diagnose(X, y, X_res, y_res, sampler)[1]
    assert d.n_synthetic == 39 and d.synthetic_distances.max == 0.0
    assert d.original_distances is None and d.far_share is None and d.near_duplicate_share == 1.0


def test_no_matplotlib_import_unless_plotting():
    code = (
        "import numpy as np, fast_smote\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.normal(size=(300, 3)); y = np.repeat([0, 1], [270, 30])\n"
        "s = fast_smote.SMOTE(random_state=0); Xr, yr = s.fit_resample(X, y)\n"
        "r = fast_smote.diagnose(X, y, Xr, yr, s, warn=False); str(r); r.to_dict()\n"
    )
    assert "matplotlib" not in packages_imported_by(code)


def mixed_frame(n_majority=300, n_minority=40, seed=0):
    """A continuous column, a category per class pair and an integer column."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "amount": np.r_[rng.normal(0, 1, n_majority), rng.normal(1, 1, n_minority)],
            "plan": np.r_[rng.choice(["a", "b", "c"], n_majority), rng.choice(["b", "c", "d"], n_minority)],
            "age": np.r_[rng.normal(0, 1, n_majority), rng.normal(1, 1, n_minority)],
        }
    )
    return frame, np.repeat([0, 1], [n_majority, n_minority])


def test_mixed_data_is_measured_with_smotencs_distance():
    X, y = mixed_frame()
    sampler = fast_smote.SMOTENC(categorical_features=["plan"], random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    report = quiet_diagnose(X, y, X_res, y_res, sampler, max_rows=None)
    assert report.n_features == 3 and report.provenance
    assert report._points.feature_names == ["amount", "age"]
    # SMOTE-NC's distance for class 1: continuous differences, plus the class's median
    # continuous standard deviation, squared, where the plan differs.
    continuous = X_res[["amount", "age"]].to_numpy()
    plans = X_res["plan"].to_numpy()
    n = len(y)
    originals = np.flatnonzero(y == 1)
    new = n + np.flatnonzero(y_res[n:] == 1)
    median_std = np.median(continuous[originals].std(axis=0))
    squared = cdist(continuous[new], continuous[originals], "sqeuclidean")
    squared += median_std**2 * (plans[new][:, None] != plans[originals][None, :])
    np.testing.assert_allclose(
        report._samples[1].synthetic_distances, np.sqrt(squared.min(axis=1)), rtol=1e-12
    )
    everyone = cdist(continuous[new], continuous[:n], "sqeuclidean")
    everyone += median_std**2 * (plans[new][:, None] != plans[:n][None, :])
    assert report[1].other_class_share == np.mean(y[everyone.argmin(axis=1)] != 1)
    # The same from the columns given, on an object array, without the sampler.
    given = quiet_diagnose(X.to_numpy(), y, X_res.to_numpy(), y_res, categorical_features=[1], max_rows=None)
    assert not given.provenance
    assert given[1].other_class_share == report[1].other_class_share
    assert given[1].synthetic_distances == report[1].synthetic_distances


def test_mixed_data_refusals():
    X, y = mixed_frame()
    X_res, y_res = fast_smote.SMOTENC(categorical_features=["plan"], random_state=0).fit_resample(X, y)
    with pytest.raises(TypeError, match=r"categorical_features= \(or the fitted SMOTENC\)"):
        quiet_diagnose(X, y, X_res, y_res)
    with pytest.raises(TypeError, match="categorical-only data"):
        quiet_diagnose(X, y, X_res, y_res, categorical_features=[0, 1, 2])
    strange = X_res.copy()
    strange.loc[len(y), "plan"] = "zzz"
    with pytest.raises(ValueError, match=r"categories that X's column 1 does not: \['zzz'\]"):
        quiet_diagnose(X, y, strange, y_res, categorical_features=["plan"])
