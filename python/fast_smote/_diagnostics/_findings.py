"""What the diagnostics find, as data: the thresholds of the warnings, the per-class
results, the points and distances they come from, and what the renderers need of a
report (:class:`Report`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .._category_codes import smotenc_space

#: A class whose synthetic rows lie in other-class territory beyond this share is flagged.
OTHER_CLASS_LIMIT = 0.20

#: ... likewise beyond this share of rows far from every original of their class.
FAR_LIMIT = 0.20

#: "Far": beyond this quantile of the originals' own nearest-neighbour distances.
FAR_QUANTILE = 0.95

#: ... beyond this share of near-duplicate synthetic rows.
NEAR_DUPLICATE_LIMIT = 0.10

#: Near duplicates lie closer than this fraction of the class's median spacing.
NEAR_DUPLICATE_FRACTION = 0.01

#: ... beyond this many new rows per original of the class.
OVERSAMPLING_LIMIT = 20.0

#: ... when the most used 10 % of the base samples made more than this share of the rows.
CONCENTRATION_LIMIT = 0.50

#: Base samples listed as the most used, per class.
TOP_BASES = 5

#: Width the warnings are wrapped to in the text report.
TEXT_WIDTH = 96

#: The distance quantiles the report gives.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class SamplingQualityWarning(UserWarning):
    """A diagnostic finding about resampled data (see :func:`fast_smote.diagnose`)."""


@dataclass(frozen=True)
class DistanceSummary:
    """The distribution of a set of distances: mean and quantiles (``q05`` ... ``q95``)."""

    count: int
    mean: float
    q05: float
    q25: float
    q50: float
    q75: float
    q95: float
    max: float

    @classmethod
    def of(cls, distances: np.ndarray) -> DistanceSummary | None:
        if len(distances) == 0:
            return None
        q05, q25, q50, q75, q95 = (float(q) for q in np.quantile(distances, QUANTILES))
        mean, largest = float(distances.mean()), float(distances.max())
        return cls(len(distances), mean, q05, q25, q50, q75, q95, largest)


@dataclass(frozen=True)
class ClassDiagnostics:
    """What the resampling did to one class.

    Shares are fractions in ``[0, 1]``; ``None`` where the class has no new rows or
    too few originals to tell. Synthetic-row figures come from ``n_examined`` of the
    class's new rows (all of them up to ``max_rows``).
    """

    label: Any
    n_before: int
    n_after: int
    #: New rows of the class (interpolated or copied).
    n_synthetic: int
    #: Originals of the class missing from the output (removed by a cleaning step).
    n_removed: int
    n_examined: int
    #: Share of the new rows whose nearest original row belongs to another class.
    other_class_share: float | None = None
    #: The same share for the class's original rows (their nearest other original):
    #: how much the classes overlap before resampling.
    original_other_class_share: float | None = None
    #: Each examined new row's distance to the nearest original of its class.
    synthetic_distances: DistanceSummary | None = None
    #: Each original's distance to the nearest other original of its class.
    original_distances: DistanceSummary | None = None
    #: Share of new rows farther from their class than 95 % of the originals lie from
    #: their nearest neighbour.
    far_share: float | None = None
    #: Share of new rows closer to another row of their class (original or new) than
    #: 1 % of the originals' median spacing.
    near_duplicate_share: float | None = None
    #: How many of the class's originals served as a base, when the provenance is known.
    n_bases_used: int | None = None
    #: Share of the new rows made from the most used 10 % of the class's originals.
    top_decile_share: float | None = None
    #: The most used bases: ``(row of X, new rows made from it)``, most used first.
    top_bases: list[tuple[int, int]] | None = None

    @property
    def grown(self) -> bool:
        return self.n_synthetic > 0


# Classes holding arrays compare by identity (eq=False): field-wise == would be ambiguous.
@dataclass(frozen=True, eq=False)
class _Sample:
    """The rows the plots and histograms of one class draw from."""

    synthetic_distances: np.ndarray
    original_distances: np.ndarray


@dataclass(frozen=True, eq=False)
class _Mixed:
    """The categorical features of mixed data, for SMOTE-NC's distance."""

    #: Codes of X's rows, then of the new rows: ``(n_points, n_categorical)`` int32.
    codes: np.ndarray
    cardinalities: list[int]


@dataclass(frozen=True, eq=False)
class _Points:
    """X's rows, then the new rows (``points``: the continuous features), their class
    codes and provenance."""

    points: np.ndarray
    codes: np.ndarray
    n_original: int
    #: Rows of X each new row was made from and toward (-1: unknown), when known.
    base: np.ndarray | None
    neighbor: np.ndarray | None
    feature_names: list[str] | None
    n_features: int
    mixed: _Mixed | None = None

    def space(self, code: int, n_threads: int | None) -> np.ndarray:
        """Where class ``code``'s distances are measured: the points themselves, or for
        mixed data SMOTE-NC's space for the class (each categorical feature one-hot at
        the class's median continuous standard deviation over √2, so that a differing
        category adds that median squared)."""
        if self.mixed is None:
            return self.points
        originals = np.flatnonzero(self.codes[: self.n_original] == code)
        every = np.arange(len(self.points), dtype=np.int64)
        space, _ = smotenc_space(
            self.points, self.mixed.codes, self.mixed.cardinalities, originals, every, n_threads
        )
        return space


class Report(Protocol):
    """What the text and the plot read of a ``DiagnosticReport`` (a frozen dataclass)."""

    @property
    def classes(self) -> list[ClassDiagnostics]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def sampler(self) -> str | None: ...
    @property
    def n_features(self) -> int: ...
    @property
    def provenance(self) -> bool: ...
    @property
    def _points(self) -> _Points: ...
    @property
    def _samples(self) -> dict[int, _Sample]: ...


def sample_rows(rows: np.ndarray, max_rows: int | None, rng: np.random.Generator) -> np.ndarray:
    """``rows``, or a uniform sample of ``max_rows`` of them in order."""
    if max_rows is None or len(rows) <= max_rows:
        return rows
    return np.sort(rng.choice(rows, size=max_rows, replace=False))


def percent(share: float) -> str:
    return f"{100 * share:.1f} %"
