"""The report in words: the warnings, what to try instead, and the text table."""

from __future__ import annotations

import textwrap
from dataclasses import asdict
from typing import Any

from .._format import aligned_rows
from ._findings import (
    CONCENTRATION_LIMIT,
    FAR_LIMIT,
    FAR_QUANTILE,
    NEAR_DUPLICATE_FRACTION,
    NEAR_DUPLICATE_LIMIT,
    OTHER_CLASS_LIMIT,
    OVERSAMPLING_LIMIT,
    TEXT_WIDTH,
    ClassDiagnostics,
    DistanceSummary,
    Report,
    percent,
)


def _plain_dict(diagnostics: ClassDiagnostics) -> dict[str, Any]:
    record = asdict(diagnostics)
    if diagnostics.top_bases is not None:
        record["top_bases"] = [list(pair) for pair in diagnostics.top_bases]
    return record


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


def _text(report: Report) -> str:
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
    lines = [f"fast-smote diagnostics of {report.sampler or 'a resampling'} ({report.n_features} features)"]
    lines += aligned_rows([[title, *cells] for title, cells in [header, *rows]])
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
