"""The statistics of one class: where its new rows landed, their distances to the
class against the originals' spacing, near duplicates and the bases used."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _core
from ._findings import (
    FAR_QUANTILE,
    NEAR_DUPLICATE_FRACTION,
    TOP_BASES,
    ClassDiagnostics,
    DistanceSummary,
    _Points,
    _Sample,
    sample_rows,
)


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
