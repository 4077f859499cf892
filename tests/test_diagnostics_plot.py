"""DiagnosticReport.plot: the files it writes and the artists it draws for each class."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import fast_smote
from conftest import make_imbalanced
from fast_smote._diagnostics._plot import DEFAULT_SEGMENTS, HISTOGRAM_BINS

pytest.importorskip("matplotlib")
from matplotlib.collections import LineCollection, PathCollection


def report_of(X, y, sampler, with_sampler=True):
    X_res, y_res = sampler.fit_resample(X, y)
    return fast_smote.diagnose(X, y, X_res, y_res, sampler if with_sampler else None, warn=False)


def collections_by_label(axes):
    return {c.get_label(): c for c in axes.collections}


def distance_to_segment(points, starts, ends):
    """Each point's distance to the nearest of the segments."""
    direction = ends - starts
    t = np.clip(
        ((points[:, None] - starts[None]) * direction[None]).sum(-1) / (direction**2).sum(-1)[None], 0, 1
    )
    closest = starts[None] + t[..., None] * direction[None]
    return np.linalg.norm(points[:, None] - closest, axis=-1).min(axis=1)


@pytest.mark.parametrize("n_features", [2, 5])
def test_each_class_gets_its_originals_new_rows_segments_and_histogram(tmp_path, n_features):
    X, y = make_imbalanced([300, 40, 25], n_features=n_features, seed=1)
    report = report_of(X, y, fast_smote.SMOTE(random_state=0))
    path = tmp_path / "report.png"
    figure = report.plot(path, segments=7)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    scatter, *histograms = figure.axes
    drawn = collections_by_label(scatter)
    assert set(drawn) == {
        "0: original",
        "1: original",
        "2: original",
        "1: new",
        "2: new",
        "1: base to neighbour",
        "2: base to neighbour",
    }
    for label, n in ((0, 300), (1, 40), (2, 25)):
        assert isinstance(drawn[f"{label}: original"], PathCollection)
        assert len(drawn[f"{label}: original"].get_offsets()) == n
    for label in (1, 2):
        new = drawn[f"{label}: new"].get_offsets()
        assert len(new) == report[label].n_synthetic
        lines = drawn[f"{label}: base to neighbour"]
        assert isinstance(lines, LineCollection) and len(lines.get_segments()) == 7
        segments = np.array(lines.get_segments())
        # Each drawn segment carries one of the class's new rows (the projection is linear).
        on_segment = distance_to_segment(np.asarray(new), segments[:, 0], segments[:, 1]) < 1e-9
        assert on_segment.sum() >= 7
    assert len(histograms) == 2
    for axes, label in zip(histograms, (1, 2)):
        share = f"{100 * report[label].other_class_share:.1f} % of its new rows in other-class territory"
        assert axes.get_title() == f"class {label!r}: distance to the class\n{share}"
        # One bar per bin for the originals, one outline for the new rows.
        assert len(axes.patches) == HISTOGRAM_BINS + 1
    if n_features > 2:
        assert scatter.get_xlabel().startswith("PC1 of standardised features (")
        assert scatter.get_ylabel().startswith("PC2 (")
    else:
        assert (scatter.get_xlabel(), scatter.get_ylabel()) == ("feature 0", "feature 1")


def test_svg_and_the_defaults(tmp_path):
    X, y = make_imbalanced([200, 30], n_features=3)
    report = report_of(X, y, fast_smote.SMOTE(random_state=0))
    path = tmp_path / "report.svg"
    figure = report.plot(path)
    assert path.read_text().lstrip().startswith(("<?xml", "<svg"))
    lines = collections_by_label(figure.axes[0])["1: base to neighbour"]
    assert len(lines.get_segments()) == DEFAULT_SEGMENTS
    assert "1: base to neighbour" not in collections_by_label(report.plot(segments=0).axes[0])


def test_points_are_sampled_beyond_max_points():
    X, y = make_imbalanced([3000, 400], n_features=2)
    report = report_of(X, y, fast_smote.SMOTE(random_state=0))
    drawn = collections_by_label(report.plot(max_points=100, segments=10).axes[0])
    assert len(drawn["0: original"].get_offsets()) == 100
    # The rows whose segments are drawn are always among the drawn new rows.
    assert 100 <= len(drawn["1: new"].get_offsets()) <= 110
    again = collections_by_label(report.plot(max_points=100, segments=10).axes[0])
    np.testing.assert_array_equal(again["1: new"].get_offsets(), drawn["1: new"].get_offsets())


def test_without_provenance_there_are_no_segments():
    X, y = make_imbalanced([200, 30], n_features=2)
    report = report_of(X, y, fast_smote.SMOTE(random_state=0), with_sampler=False)
    drawn = collections_by_label(report.plot().axes[0])
    assert set(drawn) == {"0: original", "1: original", "1: new"}
    with pytest.raises(ValueError, match="provenance segments need each new row's base and neighbour"):
        report.plot(segments=5)
    copies = report_of(X, y, fast_smote.RandomOverSampler(random_state=0))
    assert "1: base to neighbour" not in collections_by_label(copies.plot().axes[0])


def test_one_feature_and_a_frame_with_names():
    pd = pytest.importorskip("pandas")
    X, y = make_imbalanced([200, 30], n_features=1)
    one = report_of(X, y, fast_smote.SMOTE(random_state=0))
    assert one.plot().axes[0].get_xlabel() == "feature 0"
    X, y = make_imbalanced([200, 30], n_features=2)
    frame = pd.DataFrame(X, columns=["income", "age"])
    named = report_of(frame, y, fast_smote.SMOTE(random_state=0))
    axes = named.plot().axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("income", "age")


def test_a_report_without_new_rows_plots_the_originals_only():
    X, y = make_imbalanced([200, 30], n_features=2)
    report = fast_smote.diagnose(X, y, X, y, warn=False)
    figure = report.plot()
    assert len(figure.axes) == 1
    assert set(collections_by_label(figure.axes[0])) == {"0: original", "1: original"}


@pytest.mark.parametrize(("option", "value"), [("segments", -1), ("segments", 1.5), ("max_points", 0)])
def test_bad_plot_options_are_refused(option, value):
    X, y = make_imbalanced([200, 30], n_features=2)
    report = report_of(X, y, fast_smote.SMOTE(random_state=0))
    with pytest.raises(ValueError, match=f"{option} must be an int"):
        report.plot(**{option: value})


def test_without_matplotlib_the_message_names_the_extra(monkeypatch):
    X, y = make_imbalanced([200, 30], n_features=2)
    report = report_of(X, y, fast_smote.SMOTE(random_state=0))
    for name in [m for m in sys.modules if m.partition(".")[0] == "matplotlib"] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'fast-smote\[plot\]'"):
        report.plot()


def test_one_wide_feature_does_not_make_the_whole_view():
    # Features 1 and 2 move together (the data's structure); feature 0 is independent
    # noise a million times wider. Unstandardised, PC1 would be feature 0 alone.
    rng = np.random.default_rng(0)
    shared = rng.normal(size=400)
    X = np.column_stack(
        [1e6 * rng.normal(size=400), shared + 0.1 * rng.normal(size=400), shared + 0.1 * rng.normal(size=400)]
    )
    y = np.repeat([0, 1], [350, 50])
    figure = report_of(X, y, fast_smote.SMOTE(random_state=0)).plot(segments=0)
    drawn = collections_by_label(figure.axes[0])
    pc1 = np.concatenate([drawn["0: original"].get_offsets()[:, 0], drawn["1: original"].get_offsets()[:, 0]])
    shown = np.concatenate([X[y == 0, 1], X[y == 1, 1]])
    assert abs(np.corrcoef(pc1, shown)[0, 1]) > 0.9
