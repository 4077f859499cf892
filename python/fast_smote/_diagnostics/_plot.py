"""``Report.plot``: the resampled data in 2-D and the distance histograms.

Imported only when a plot is asked for: matplotlib is the optional ``plot`` extra.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._findings import Report, percent, sample_rows

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


#: Segments drawn per class when the provenance is known and none are asked for.
DEFAULT_SEGMENTS = 20
#: Originals the PCA projection is fitted on, at most (a uniform sample beyond).
PCA_ROWS = 50_000
HISTOGRAM_BINS = 40


def plot_report(
    report: Report,
    path: str | Path | None,
    *,
    segments: int | None,
    max_points: int,
    random_state: int,
) -> Figure:
    try:
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure
    except ModuleNotFoundError:
        raise ImportError("Report.plot() needs matplotlib: pip install 'fast-smote[plot]'") from None
    for name, value, least in (("max_points", max_points, 1), ("segments", segments, 0)):
        if value is not None and (not isinstance(value, numbers.Integral) or value < least):
            raise ValueError(f"{name} must be an int >= {least}, got {value!r}")
    found = report._points
    if segments and found.neighbor is None:
        raise ValueError(
            "provenance segments need each new row's base and neighbour: pass the fitted fast-smote "
            "sampler that interpolated the rows to diagnose (copies have no segment)"
        )
    if segments is None:
        segments = DEFAULT_SEGMENTS if found.neighbor is not None else 0
    rng = np.random.default_rng(random_state)
    n = found.n_original
    grown = [(code, d) for code, d in enumerate(report.classes) if d.grown]

    figure = Figure(figsize=(11.0 if grown else 6.4, max(4.8, 2.6 * len(grown))), layout="constrained")
    grid = figure.add_gridspec(max(1, len(grown)), 2 if grown else 1, width_ratios=[3, 2] if grown else [1])
    scatter = figure.add_subplot(grid[:, 0])
    drawn, links = [], []
    for code, diagnostics in enumerate(report.classes):
        originals = sample_rows(np.flatnonzero(found.codes[:n] == code), max_points, rng)
        new = n + np.flatnonzero(found.codes[n:] == code)
        linked = sample_rows(new, segments, rng) if segments and diagnostics.grown else new[:0]
        new = np.union1d(sample_rows(new, max_points, rng), linked)
        drawn.append((code, diagnostics.label, originals, new))
        if len(linked):
            assert found.base is not None and found.neighbor is not None
            made = linked - n
            links.append((code, diagnostics.label, found.base[made], found.neighbor[made]))
    project, axis_names = _projection(found, n, rng)
    colors = _colors(len(report.classes))
    for code, label, originals, new in drawn:
        xy = project(found.points[originals])
        # Originals on top of the new rows, which would hide them where dense.
        scatter.scatter(
            xy[:, 0],
            xy[:, 1],
            s=14,
            alpha=0.8,
            color=colors[code],
            edgecolors="white",
            linewidths=0.4,
            zorder=3,
            label=f"{label}: original",
        )
        if len(new):
            xy = project(found.points[new])
            scatter.scatter(
                xy[:, 0],
                xy[:, 1],
                s=14,
                marker="x",
                linewidths=0.8,
                alpha=0.55,
                color=colors[code],
                zorder=2,
                label=f"{label}: new",
            )
    for code, label, bases, neighbors in links:
        starts, ends = project(found.points[bases]), project(found.points[neighbors])
        # A darker shade of the class's colour: visible over the class's own points.
        shade = tuple(0.45 * channel for channel in colors[code][:3])
        lines = LineCollection(
            list(np.stack([starts, ends], axis=1)),
            colors=[shade],
            linewidths=1.1,
            zorder=4,
            label=f"{label}: base to neighbour",
        )
        scatter.add_collection(lines)
    scatter.set_xlabel(axis_names[0])
    scatter.set_ylabel(axis_names[1])
    scatter.set_title(f"{report.sampler or 'resampled data'}: originals (o) and new rows (x)", fontsize=10)
    scatter.legend(fontsize=8, markerscale=1.5, loc="best")
    for row, (code, diagnostics) in enumerate(grown):
        _histogram(figure.add_subplot(grid[row, 1]), report, code, diagnostics.label, colors[code])
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def _colors(n_classes: int) -> list[Any]:
    from matplotlib import colormaps

    palette = colormaps["tab10" if n_classes <= 10 else "tab20"]
    return [palette(i % palette.N) for i in range(n_classes)]


def _projection(found: Any, n: int, rng: np.random.Generator) -> tuple[Any, tuple[str, str]]:
    """A linear map from rows to 2-D points (so new rows stay on their segments), and
    the axes' names: the features themselves for two, a line for one, beyond two the
    PCA of the originals with each feature standardised (so that one feature on a wide
    scale, such as an amount in cents, does not make the whole view)."""
    d = found.points.shape[1]
    names = found.feature_names or [f"feature {j}" for j in range(d)]
    if d == 2:
        return (lambda rows: np.asarray(rows, dtype=np.float64)), (names[0], names[1])
    if d == 1:
        return (lambda rows: np.column_stack([rows[:, 0], np.zeros(len(rows))])), (names[0], "")
    from sklearn.decomposition import PCA

    sample = np.asarray(found.points[sample_rows(np.arange(n), PCA_ROWS, rng)], dtype=np.float64)
    mean, spread = sample.mean(axis=0), sample.std(axis=0)
    spread[spread == 0] = 1.0  # a constant feature stays as it is

    def standardised(rows: np.ndarray) -> np.ndarray:
        scaled: np.ndarray = (np.asarray(rows, dtype=np.float64) - mean) / spread
        return scaled

    pca = PCA(n_components=2, random_state=0).fit(standardised(sample))
    share = pca.explained_variance_ratio_
    return (lambda rows: pca.transform(standardised(rows))), (
        f"PC1 of standardised features ({share[0]:.0%} of variance)",
        f"PC2 ({share[1]:.0%} of variance)",
    )


def _histogram(axes: Axes, report: Report, code: int, label: Any, color: Any) -> None:
    """The class's originals' nearest-neighbour distances against its new rows'
    distances to the nearest original, as densities on shared bins."""
    sample = report._samples[code]
    both = np.concatenate([sample.original_distances, sample.synthetic_distances])
    bins = np.histogram_bin_edges(both, bins=HISTOGRAM_BINS).tolist() if len(both) else HISTOGRAM_BINS
    if len(sample.original_distances):
        axes.hist(
            sample.original_distances,
            bins=bins,
            density=True,
            color=color,
            alpha=0.35,
            label="originals: to the nearest original",
        )
    axes.hist(
        sample.synthetic_distances,
        bins=bins,
        density=True,
        histtype="step",
        linewidth=1.5,
        color="black",
        label="new rows: to the nearest original",
    )
    title = f"class {label!r}: distance to the class"
    share = report.classes[code].other_class_share
    if share is not None:
        title += f"\n{percent(share)} of its new rows in other-class territory"
    axes.set_title(title, fontsize=10)
    axes.set_xlabel("Euclidean distance")
    axes.set_ylabel("density")
    axes.legend(fontsize=7)
