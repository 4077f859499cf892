"""``fast_smote.diagnose``: what a resampling did to the data, in numbers and plain words.

The report compares the resampled data with the original: class counts, where the new
rows landed (nearer to another class than to their own?), how far they lie from the
originals compared with the originals' own spacing, how many nearly duplicate a row,
and which originals they were made from. Every neighbour search is the core's exact
search; beyond ``max_rows`` rows per class the searches examine a uniform sample.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _core
from ._containers import is_dask_collection
from ._sparse import is_sparse
from ._validation import check_n_jobs, check_X, check_y, plain, unique_labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
        median_std = float(np.median(self.points[originals].std(axis=0)))
        every = np.arange(len(self.points), dtype=np.int64)
        scale = median_std / math.sqrt(2)
        return _core.embed_mixed(
            self.points, self.mixed.codes, self.mixed.cardinalities, every, scale, n_threads
        )


@dataclass(frozen=True, eq=False)
class DiagnosticReport:
    """The result of :func:`fast_smote.diagnose`.

    ``print(report)`` shows a table and the warnings; :meth:`to_dict` and
    :meth:`to_frame` give the numbers; :meth:`plot` draws them.

    Attributes
    ----------
    classes : list of ClassDiagnostics
        One per class, in sorted label order.
    warnings : list of str
        What looks wrong, in plain words, with what to try instead.
    sampler : str or None
        The sampler's ``repr``, when it was given.
    n_features : int
    provenance : bool
        Whether the new rows' base samples are known (from the fitted sampler).
    """

    classes: list[ClassDiagnostics]
    warnings: list[str]
    sampler: str | None
    n_features: int
    provenance: bool
    _points: _Points = field(repr=False)
    _samples: dict[int, _Sample] = field(repr=False)

    def __getitem__(self, label: Any) -> ClassDiagnostics:
        """The diagnostics of class ``label``."""
        for diagnostics in self.classes:
            if diagnostics.label == label:
                return diagnostics
        raise KeyError(f"no class {label!r}; the classes are {[c.label for c in self.classes]}")

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python values (JSON-serialisable for int, float, str and bool labels)."""
        return {
            "sampler": self.sampler,
            "n_features": self.n_features,
            "provenance": self.provenance,
            "classes": [_plain_dict(c) for c in self.classes],
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> Any:
        """The per-class numbers as a pandas DataFrame indexed by class label (the
        distance summaries flattened as ``synthetic_distance_q50`` and so on)."""
        try:
            import pandas as pd
        except ModuleNotFoundError:
            raise ImportError("DiagnosticReport.to_frame() needs pandas: pip install pandas") from None
        records = []
        for diagnostics in self.classes:
            record = asdict(diagnostics)
            for name in ("synthetic", "original"):
                summary = record.pop(f"{name}_distances")
                for key in DistanceSummary.__dataclass_fields__:
                    record[f"{name}_distance_{key}"] = summary[key] if summary else None
            records.append(record)
        return pd.DataFrame.from_records(records, index="label")

    def __str__(self) -> str:
        return _text(self)

    def plot(
        self,
        path: str | Path | None = None,
        *,
        segments: int | None = None,
        max_points: int = 5000,
        random_state: int = 0,
    ) -> Figure:
        """Draw the data in 2-D (PCA beyond 2 features) and the distance histograms.

        Needs matplotlib (``pip install 'fast-smote[plot]'``), imported only here.

        Parameters
        ----------
        path : str or Path, optional
            Where to save the figure; the format comes from the suffix (``.png``,
            ``.svg``, ``.pdf`` ...).
        segments : int, optional
            Draw the provenance of this many new rows per class: the segment from
            the base sample to its neighbour, on which the new row lies. Default: 20
            when the provenance is known, else none.
        max_points : int, default=5000
            Points drawn per class and kind (original, new); a uniform sample beyond.
        random_state : int, default=0
            Seed of the samples of points and segments.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ._plot import plot_report

        return plot_report(self, path, segments=segments, max_points=max_points, random_state=random_state)


def _plain_dict(diagnostics: ClassDiagnostics) -> dict[str, Any]:
    record = asdict(diagnostics)
    if diagnostics.top_bases is not None:
        record["top_bases"] = [list(pair) for pair in diagnostics.top_bases]
    return record


def diagnose(
    X: Any,
    y: Any,
    X_res: Any,
    y_res: Any,
    sampler: Any = None,
    *,
    categorical_features: Any = None,
    max_rows: int | None = 5000,
    random_state: int = 0,
    n_jobs: int | None = None,
    warn: bool = True,
) -> DiagnosticReport:
    """Diagnose a resampling: how many rows each class got, and where they landed.

    Works on the output of any sampler that keeps the original rows, fast-smote's or
    imbalanced-learn's. With the fitted fast-smote ``sampler`` the new rows' base
    samples are known exactly (``provenance_``, ``sample_indices_``); without it, new
    rows are told from originals by value (originals first when the output starts
    with X), and the base samples are not reported.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
        The data before resampling (numeric).
    y : array-like or Series of shape (n_samples,)
    X_res : array-like or DataFrame of shape (n_samples_new, n_features)
        The resampled data.
    y_res : array-like or Series of shape (n_samples_new,)
    sampler : fitted sampler, optional
        The sampler that made ``X_res`` from ``X``.
    categorical_features : optional
        The categorical columns of mixed data, as SMOTENC takes them (indices, a mask,
        names or ``'auto'``); default: a fitted SMOTENC ``sampler``'s. Distances are
        then SMOTE-NC's: the continuous features, plus for each categorical feature
        that differs the class's median continuous standard deviation, squared.
        Categorical-only data (SMOTEN's) is not diagnosed.
    max_rows : int or None, default=5000
        New rows and originals per class each search examines; beyond, a uniform
        sample (shares then have a standard error below 0.71 percentage points).
        None examines every row: each search then takes time proportional to the
        class's new rows times the rows searched among.
    random_state : int, default=0
        Seed of those samples.
    n_jobs : int or None, default=None
        Threads of the neighbour searches (None: all cores).
    warn : bool, default=True
        Also issue each finding as a :class:`SamplingQualityWarning`.

    Returns
    -------
    DiagnosticReport

    Examples
    --------
    >>> import numpy as np, fast_smote
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (200, 2)), rng.normal(6, 1, (20, 2))])
    >>> y = np.repeat([0, 1], [200, 20])
    >>> sampler = fast_smote.SMOTE(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> report = fast_smote.diagnose(X, y, X_res, y_res, sampler)
    >>> report[1].n_synthetic, report[1].other_class_share
    (180, 0.0)
    """
    if max_rows is not None and (
        not isinstance(max_rows, (int, np.integer)) or isinstance(max_rows, bool) or max_rows < 1
    ):
        raise ValueError(f"max_rows must be a positive int or None, got {max_rows!r}")
    n_threads = check_n_jobs(n_jobs)
    found, classes, codes_res = _points(X, y, X_res, y_res, sampler, categorical_features)
    rng = np.random.default_rng(random_state)
    diagnostics, samples = [], {}
    for code, label in enumerate(classes.tolist()):
        result, sample = _diagnose_class(found, code, plain(label), codes_res, max_rows, rng, n_threads)
        diagnostics.append(result)
        if sample is not None:
            samples[code] = sample
    findings = [text for d in diagnostics for text in _warnings_of(d)]
    if warn:
        for text in findings:
            warnings.warn(text, SamplingQualityWarning, stacklevel=2)
    return DiagnosticReport(
        classes=diagnostics,
        warnings=findings,
        sampler=None if sampler is None else repr(sampler),
        n_features=found.n_features,
        provenance=found.base is not None,
        _points=found,
        _samples=samples,
    )


def _dense(X: Any, name: str) -> tuple[np.ndarray, Any]:
    _refuse_distributed(X, name)
    try:
        values, layout = check_X(X)
    except TypeError as exc:
        raise TypeError(
            f"{name}: {exc}; diagnose needs numeric features, or categorical_features= (or the "
            "fitted SMOTENC) for mixed data"
        ) from None
    except ValueError as exc:
        raise ValueError(str(exc).replace("X contains", f"{name} contains", 1)) from None
    return values, layout


def _refuse_distributed(X: Any, name: str) -> None:
    if is_sparse(X) or is_dask_collection(X):
        raise TypeError(
            f"diagnose takes dense in-memory {name}; got {type(X).__name__} "
            "(densify a sample of rows, e.g. X[:100_000].toarray() or .compute())"
        )


@dataclass(frozen=True, eq=False)
class _MixedData:
    """Mixed X and X_res read apart: the continuous features, and the categorical ones
    as codes (X_res's in X's categories)."""

    values: np.ndarray
    resampled: np.ndarray
    layout: Any
    codes: np.ndarray
    codes_res: np.ndarray
    cardinalities: list[int]
    continuous_columns: np.ndarray


def _mixed(X: Any, X_res: Any, spec: Any) -> _MixedData:
    from ._categorical import check_mixed_X, column_positions

    _refuse_distributed(X, "X")
    _refuse_distributed(X_res, "X_res")
    shape = X.shape if hasattr(X, "shape") else np.shape(X)
    n_features = shape[1] if len(shape) == 2 else 0
    if n_features and len(column_positions(spec, X, n_features)) == n_features:
        raise TypeError(
            "categorical_features selects every column: diagnose measures distances with "
            "continuous features, and categorical-only data (SMOTEN's) is not diagnosed"
        )
    values, layout, features = check_mixed_X(X, spec)
    resampled, _, resampled_features = check_mixed_X(X_res, features.columns)
    codes_res = np.empty_like(resampled_features.codes)
    for j, (known, found) in enumerate(zip(features.categories, resampled_features.categories)):
        known_values, found_values = list(np.asarray(known, dtype=object)), np.asarray(found, dtype=object)
        position = {_category_key(v): i for i, v in enumerate(known_values)}
        unknown = [v for v in found_values if _category_key(v) not in position]
        if unknown:
            column = int(features.columns[j])
            raise ValueError(f"X_res has categories that X's column {column} does not: {unknown[:5]}")
        mapping = np.array([position[_category_key(v)] for v in found_values], dtype=np.int32)
        codes_res[:, j] = mapping[resampled_features.codes[:, j]] if len(mapping) else 0
    return _MixedData(
        values,
        resampled,
        layout,
        features.codes,
        codes_res,
        features.cardinalities,
        features.continuous_columns,
    )


def _category_key(value: Any) -> Any:
    """A category as a dictionary key (every missing value is one category)."""
    return "\0missing" if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _points(
    X: Any, y: Any, X_res: Any, y_res: Any, sampler: Any, categorical_features: Any
) -> tuple[_Points, np.ndarray, np.ndarray]:
    """X's rows and the new rows of ``X_res`` as one matrix, with codes and provenance;
    the classes of y (sorted) and the class code of each row of the output."""
    if categorical_features is None:
        categorical_features = getattr(getattr(sampler, "smote_", sampler), "categorical_features_", None)
    mixed, parts = None, None
    if categorical_features is None:
        values, layout = _dense(X, "X")
        resampled, _ = _dense(X_res, "X_res")
        n_features = int(values.shape[1])
    else:
        parts = _mixed(X, X_res, categorical_features)
        values, resampled, layout = parts.values, parts.resampled, parts.layout
        n_features = int(values.shape[1]) + parts.codes.shape[1]
    labels, _ = check_y(y, values.shape[0])
    labels_res, _ = check_y(y_res, resampled.shape[0])
    if resampled.shape[1] != values.shape[1]:
        raise ValueError(
            f"X_res has {resampled.shape[1]} features but X has {values.shape[1]}: "
            "diagnose compares a resampling with the data it came from"
        )
    try:
        classes, codes = unique_labels(np.concatenate([labels, labels_res]))[:2]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"y and y_res hold labels that cannot be compared: {exc}") from None
    n = len(labels)
    stray = np.setdiff1d(np.unique(codes[n:]), np.unique(codes[:n]))
    if len(stray):
        raise ValueError(f"y_res has classes that y does not: {classes[stray].tolist()}")
    if values.dtype != resampled.dtype:
        values, resampled = values.astype(np.float64), resampled.astype(np.float64)
    codes_x, codes_res = codes[:n], codes[n:]
    if parts is None:
        new, base, neighbor = _new_rows(values, codes_x, resampled, codes_res, sampler)
    else:
        # Rows compared whole: the continuous values and the categories.
        whole_x = np.hstack([values, parts.codes.astype(values.dtype)])
        whole_res = np.hstack([resampled, parts.codes_res.astype(values.dtype)])
        new, base, neighbor = _new_rows(whole_x, codes_x, whole_res, codes_res, sampler)
        category_codes = np.concatenate([parts.codes, parts.codes_res[new]])
        mixed = _Mixed(np.ascontiguousarray(category_codes), parts.cardinalities)
    if len(new) == len(resampled) - n and np.array_equal(new, np.arange(n, len(resampled))):
        matrix = resampled  # X, then the new rows: the output as it is
    else:
        matrix = np.concatenate([values, resampled[new]])
    names = layout.columns if layout is not None else None
    if names is not None and parts is not None:
        names = [names[j] for j in parts.continuous_columns]
    found = _Points(
        points=matrix,
        codes=np.concatenate([codes_x, codes_res[new]]),
        n_original=n,
        base=base,
        neighbor=neighbor,
        feature_names=None if names is None else [str(c) for c in names],
        n_features=n_features,
        mixed=mixed,
    )
    return found, classes, codes_res


def _new_rows(
    X: np.ndarray, codes: np.ndarray, X_res: np.ndarray, codes_res: np.ndarray, sampler: Any
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The positions of the new rows in the output, with their base and neighbour rows
    of X when the sampler recorded them; every other output row must be one of X's."""
    record = _recorded_origin(sampler, len(X), len(X_res))
    if record is None:
        return _new_rows_by_value(X, codes, X_res, codes_res), None, None
    origin = record.origin
    kept = origin >= 0
    if not (
        np.array_equal(X_res[kept], X[origin[kept]]) and np.array_equal(codes_res[kept], codes[origin[kept]])
    ):
        raise ValueError(
            f"X_res and y_res do not match what the sampler {type(sampler).__name__} recorded: pass "
            "the sampler that made them, fitted on X and y"
        )
    new = np.flatnonzero(~kept)
    return new, record.base[new], None if record.neighbor is None else record.neighbor[new]


@dataclass(frozen=True, eq=False)
class _Record:
    """What a fitted sampler recorded of its output, row by row."""

    #: The row of X each output row is, or -1 for a new row.
    origin: np.ndarray
    #: The row of X each new row was made from (-1 for the originals).
    base: np.ndarray
    #: The row of X each new row was made toward (-1 for the originals), if recorded.
    neighbor: np.ndarray | None

    def __getitem__(self, rows: np.ndarray) -> _Record:
        neighbor = None if self.neighbor is None else self.neighbor[rows]
        return _Record(self.origin[rows], self.base[rows], neighbor)


def _recorded_origin(sampler: Any, n: int, n_out: int) -> _Record | None:
    """The record of the ``n_out`` output rows a fitted sampler made from X's ``n``
    rows; None when it recorded nothing (or recorded another output)."""
    if sampler is None:
        return None
    over = getattr(sampler, "smote_", None)
    if over is None:
        record = _record_of(sampler, n)
        return record if record is not None and len(record.origin) == n_out else None
    # A combination: the over-sampler's output, of which the cleaner kept some rows.
    cleaners = (v for k, v in vars(sampler).items() if k.endswith("_") and v is not over)
    cleaner = next((v for v in cleaners if hasattr(v, "sample_indices_")), None)
    record = _record_of(over, n)
    if record is None or cleaner is None:
        return None
    kept = np.asarray(cleaner.sample_indices_, dtype=np.int64)
    if len(kept) != n_out or (len(kept) and kept.max() >= len(record.origin)):
        return None
    return record[kept]


def _record_of(sampler: Any, n: int) -> _Record | None:
    """An over-sampler's record: its ``provenance_`` (interpolation) or its
    ``sample_indices_`` (copies, and a cleaner's kept rows)."""
    provenance = getattr(sampler, "provenance_", None)
    if provenance is not None and provenance.n_original == n:
        originals = np.full(n, -1, dtype=np.int64)
        return _Record(
            origin=np.concatenate([np.arange(n), np.full(len(provenance), -1)]),
            base=np.concatenate([originals, np.asarray(provenance.base_index, dtype=np.int64)]),
            neighbor=np.concatenate([originals, np.asarray(provenance.neighbor_index, dtype=np.int64)]),
        )
    indices = getattr(sampler, "sample_indices_", None)
    if indices is None:
        return None
    indices = np.asarray(indices, dtype=np.int64)
    # A row's first appearance is the original; later ones are new rows drawn from it.
    first = np.zeros(len(indices), dtype=bool)
    first[np.unique(indices, return_index=True)[1]] = True
    return _Record(origin=np.where(first, indices, -1), base=np.where(first, -1, indices), neighbor=None)


def _new_rows_by_value(
    X: np.ndarray, codes: np.ndarray, X_res: np.ndarray, codes_res: np.ndarray
) -> np.ndarray:
    """The output rows that are not X's rows, with their labels, counted with
    multiplicity (a copy beyond the number of X's equal rows is new)."""
    n = len(X)
    if len(X_res) >= n and np.array_equal(X_res[:n], X) and np.array_equal(codes_res[:n], codes):
        return np.arange(n, len(X_res))
    # Rows with their class as one value each (-0.0 and 0.0 are the same point).
    keyed = np.concatenate(
        [np.concatenate([X, X_res]) + 0.0, np.concatenate([codes, codes_res])[:, None].astype(X.dtype)],
        axis=1,
    )
    value = np.unique(keyed, axis=0, return_inverse=True)[1].ravel()
    value_x, value_res = value[:n], value[n:]
    available = np.bincount(value_x, minlength=value.max() + 1)
    order = np.argsort(value_res, kind="stable")
    sorted_values = value_res[order]
    starts = np.searchsorted(sorted_values, sorted_values, side="left")
    occurrence = np.empty(len(value_res), dtype=np.int64)
    occurrence[order] = np.arange(len(value_res)) - starts
    return np.flatnonzero(occurrence >= available[value_res])


def sample_rows(rows: np.ndarray, max_rows: int | None, rng: np.random.Generator) -> np.ndarray:
    """``rows``, or a uniform sample of ``max_rows`` of them in order."""
    if max_rows is None or len(rows) <= max_rows:
        return rows
    return np.sort(rng.choice(rows, size=max_rows, replace=False))


def _nearest(
    points: np.ndarray, queries: np.ndarray, references: np.ndarray, n_threads: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Each query's nearest reference row (itself excluded) and its distance."""
    if len(references) == 1:
        # The core searches among two rows at least; a twin reference is the same answer.
        references = np.repeat(references, 2)
    positions, distances = _core.nearest(
        points, queries.astype(np.int64), references.astype(np.int64), n_threads
    )
    return references[positions], distances


def _diagnose_class(
    found: _Points,
    code: int,
    label: Any,
    codes_res: np.ndarray,
    max_rows: int | None,
    rng: np.random.Generator,
    n_threads: int | None,
) -> tuple[ClassDiagnostics, _Sample | None]:
    n = found.n_original
    originals = np.flatnonzero(found.codes[:n] == code)
    new = n + np.flatnonzero(found.codes[n:] == code)
    n_after = int(np.count_nonzero(codes_res == code))
    counts = {
        "label": label,
        "n_before": len(originals),
        "n_after": n_after,
        "n_synthetic": len(new),
        "n_removed": len(originals) + len(new) - n_after,
    }
    if len(new) == 0:
        return ClassDiagnostics(**counts, n_examined=0), None
    examined = sample_rows(new, max_rows, rng)
    own = sample_rows(originals, max_rows, rng)
    everyone = np.arange(n)
    space = found.space(code, n_threads)
    result: dict[str, Any] = {}
    if n >= 2:
        nearest, _ = _nearest(space, np.concatenate([examined, own]), everyone, n_threads)
        elsewhere = found.codes[nearest] != code
        result["other_class_share"] = float(elsewhere[: len(examined)].mean())
        result["original_other_class_share"] = float(elsewhere[len(examined) :].mean())
    _, synthetic_distances = _nearest(space, examined, originals, n_threads)
    original_distances = np.empty(0)
    if len(originals) >= 2:
        _, original_distances = _nearest(space, own, originals, n_threads)
        far = np.quantile(original_distances, FAR_QUANTILE)
        result["far_share"] = float(np.mean(synthetic_distances > far))
    class_rows = np.concatenate([originals, new])
    if len(class_rows) >= 2:
        _, closest = _nearest(space, examined, class_rows, n_threads)
        spacing = np.median(original_distances[original_distances > 0]) if original_distances.any() else 0.0
        result["near_duplicate_share"] = float(np.mean(closest <= NEAR_DUPLICATE_FRACTION * spacing))
    if found.base is not None:
        result.update(_base_usage(found.base[new - n], n, len(originals)))
    diagnostics = ClassDiagnostics(
        **counts,
        n_examined=len(examined),
        synthetic_distances=DistanceSummary.of(synthetic_distances),
        original_distances=DistanceSummary.of(original_distances),
        **result,
    )
    return diagnostics, _Sample(synthetic_distances, original_distances)


def _base_usage(bases: np.ndarray, n: int, n_class: int) -> dict[str, Any]:
    """How the new rows of a class spread over its originals as bases."""
    used = np.bincount(bases, minlength=n)
    ranked = np.argsort(-used, kind="stable")
    decile = max(1, math.ceil(0.1 * n_class))
    return {
        "n_bases_used": int(np.count_nonzero(used)),
        "top_decile_share": float(used[ranked[:decile]].sum() / len(bases)),
        "top_bases": [(int(r), int(used[r])) for r in ranked[:TOP_BASES] if used[r] > 0],
    }


def percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def _warnings_of(d: ClassDiagnostics) -> list[str]:
    """The findings about one class, in plain words with what to try."""
    found = []
    name = f"class {d.label!r}"
    if d.other_class_share is not None and d.other_class_share > OTHER_CLASS_LIMIT:
        before = d.original_other_class_share
        baseline = "" if before is None else f" (for its original rows: {percent(before)})"
        found.append(
            f"{percent(d.other_class_share)} of the new rows of {name} lie in other-class territory: "
            f"their nearest original row belongs to another class{baseline}. The classes overlap "
            "there, and these rows teach a model to predict the class inside the others' region. "
            "BorderlineSMOTE or SVMSMOTE generate along the class border instead; SMOTEENN and "
            "SMOTETomek remove the rows that land on the wrong side."
        )
    if d.far_share is not None and d.far_share > FAR_LIMIT:
        found.append(
            f"{percent(d.far_share)} of the new rows of {name} lie farther from every original of "
            f"the class than {FAR_QUANTILE:.0%} of its originals lie from their nearest neighbour: "
            "SMOTE filled gaps between distant samples (outliers, or separate clusters of the "
            "class). KMeansSMOTE keeps to dense clusters; a smaller k_neighbors keeps to close pairs."
        )
    if d.near_duplicate_share is not None and d.near_duplicate_share > NEAR_DUPLICATE_LIMIT:
        found.append(
            f"{percent(d.near_duplicate_share)} of the new rows of {name} nearly duplicate a row of "
            f"the class (closer than {NEAR_DUPLICATE_FRACTION:.0%} of its originals' typical "
            "spacing), so they add little a model could learn from: the class has many duplicate "
            "rows, or it is oversampled far beyond its size. Ask for fewer rows (a lower "
            "sampling_strategy); RandomOverSampler's shrinkage spreads copies apart."
        )
    if d.n_before and d.n_synthetic > OVERSAMPLING_LIMIT * d.n_before:
        found.append(
            f"{name} got {d.n_synthetic / d.n_before:.0f} new rows per original ({d.n_synthetic:,} "
            f"from {d.n_before:,}): they only recombine those few samples, which invites overfitting "
            "to them. Consider a lower sampling_strategy (e.g. 0.5 of the majority) together with "
            "class weights, or collecting more samples of the class."
        )
    if d.top_decile_share is not None and d.n_before >= 10 and d.top_decile_share > CONCENTRATION_LIMIT:
        rows = ", ".join(f"X[{row}]" for row, _ in d.top_bases or [])
        found.append(
            f"{percent(d.top_decile_share)} of the new rows of {name} were made from the most used "
            f"10 % of its samples (most used: {rows}). If those samples are noise or outliers, the "
            "resampling amplifies them: check them, or clean the data first (EditedNearestNeighbours, "
            "TomekLinks)."
        )
    return found


def _text(report: DiagnosticReport) -> str:
    """The report as an aligned table, one column per class, then the warnings."""

    def share(value: float | None) -> str:
        return "-" if value is None else percent(value)

    def distance(summary: DistanceSummary | None) -> str:
        return "-" if summary is None else f"{summary.q50:.4g}"

    rows: list[tuple[str, list[str]]] = [
        ("rows before", [f"{d.n_before:,}" for d in report.classes]),
        ("rows after", [f"{d.n_after:,}" for d in report.classes]),
        ("new rows", [f"{d.n_synthetic:,}" for d in report.classes]),
    ]
    if any(d.n_removed for d in report.classes):
        rows.append(("originals removed", [f"{d.n_removed:,}" for d in report.classes]))
    grown = [d for d in report.classes if d.grown]
    if grown:
        rows += [
            ("new rows examined", [f"{d.n_examined:,}" if d.grown else "-" for d in report.classes]),
            ("in other-class territory", [share(d.other_class_share) for d in report.classes]),
            ("  originals, for comparison", [share(d.original_other_class_share) for d in report.classes]),
            ("median distance to class", [distance(d.synthetic_distances) for d in report.classes]),
            ("  originals' own spacing", [distance(d.original_distances) for d in report.classes]),
            ("far from the class", [share(d.far_share) for d in report.classes]),
            ("near duplicates", [share(d.near_duplicate_share) for d in report.classes]),
        ]
        if report.provenance:
            rows += [
                (
                    "bases used",
                    [f"{d.n_bases_used:,} of {d.n_before:,}" if d.grown else "-" for d in report.classes],
                ),
                ("made by top 10 % of bases", [share(d.top_decile_share) for d in report.classes]),
            ]
    header = ("class", [str(d.label) for d in report.classes])
    width = max(len(title) for title, _ in [header, *rows])
    widths = [max(len(cells[i]) for _, cells in [header, *rows]) for i in range(len(report.classes))]
    lines = [f"fast-smote diagnostics of {report.sampler or 'a resampling'} ({report.n_features} features)"]
    for title, cells in [header, *rows]:
        lines.append("  ".join([title.ljust(width), *(c.rjust(w) for c, w in zip(cells, widths))]).rstrip())
    for d in grown:
        if d.top_bases:
            used = ", ".join(f"X[{row}] x{count}" for row, count in d.top_bases)
            lines.append(f"most used bases of class {d.label!r}: {used}")
    if report.warnings:
        lines.append("")
        lines.append("Warnings:")
        for i, text in enumerate(report.warnings, 1):
            lines += textwrap.wrap(text, TEXT_WIDTH, initial_indent=f"{i}. ", subsequent_indent="   ")
    elif grown:
        lines.append("")
        lines.append("No warnings: the new rows stay in their classes' territory and spacing.")
    return "\n".join(lines)
