"""``fast_smote.diagnose``: what a resampling did to the data, in numbers and plain words.

The report compares the resampled data with the original: class counts, where the new
rows landed (nearer to another class than to their own?), how far they lie from the
originals compared with the originals' own spacing, how many nearly duplicate a row,
and which originals they were made from. Every neighbour search is the core's exact
search; beyond ``max_rows`` rows per class the searches examine a uniform sample.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import check_n_jobs, plain
from ._findings import ClassDiagnostics, DistanceSummary, SamplingQualityWarning, _Points, _Sample
from ._inputs import _points
from ._render import _plain_dict, _text, _warnings_of
from ._statistics import _diagnose_class

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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


__all__ = ["ClassDiagnostics", "DiagnosticReport", "DistanceSummary", "SamplingQualityWarning", "diagnose"]
