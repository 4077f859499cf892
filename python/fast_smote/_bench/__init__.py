"""Benchmark fast-smote against imbalanced-learn's ``SMOTE`` family on the same data.

One run times both SMOTEs on every case, measures their peak extra memory, breaks
fast-smote's time into phases, and compares those phases with NumPy floors and, where
installed, other exact k-NN libraries. A "SMOTE family" section then times both
libraries' SMOTE, BorderlineSMOTE (both kinds), SVMSMOTE, ADASYN, KMeansSMOTE and
RandomOverSampler (plain and smoothed) side by side on overlapping
``make_classification`` data, and splits SVMSMOTE's and KMeansSMOTE's time into the
scikit-learn fit that bounds it (SVC, MiniBatchKMeans) and the rest. A "categorical and
cleaning" section times both libraries' SMOTENC (a DataFrame of float and ``category``
columns), SMOTEN (``category`` columns only), SMOTETomek, SMOTEENN, TomekLinks and
EditedNearestNeighbours the same way, and checks that both cleaning samplers keep the
same rows. A "sparse" section times both libraries' SMOTE on a TF-IDF-like CSR matrix
(1e5 x 1e5, 0.1 % of the entries stored) that neither densifies. Usage (in a checkout,
``python benches/bench_vs_imblearn.py`` takes the same options; both need
``pip install 'fast-smote[bench]'``)::

    fast-smote bench                  # full run (~23 min on 2 AVX2 cores)
    fast-smote bench --quick          # CI-sized subset (~2.5 min)
    fast-smote bench --cases 1e5x10 --json benches/results/x.json
    fast-smote bench --cases family-  # the SMOTE family only
    fast-smote bench --cases categorical- clean-  # that section (~5 min)
    fast-smote bench --cases sparse-  # the sparse section

Every measurement runs in a fresh process forked from a server that has already
imported the libraries, so a case starts from a clean heap and pays no import time.
Both samplers are called with ``k_neighbors=5, random_state=0`` and are warmed up on
a small slice of the data first. Times are the best of as many runs as fit in a small
budget (a single run for the big cases); memory is measured on the first run as the
kernel's peak resident set size (``VmHWM``, reset through ``/proc/self/clear_refs``)
minus the resident size before the call, so allocations made by Rust, BLAS and
OpenMP threads are all seen. Linux only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._cases import QUICK_MAX_ROWS, Case, _short_count, all_cases
from ._family import (
    CATEGORICAL_AND_CLEANING,
    FAMILY,
    QUICK_CATEGORICAL_ROWS,
    QUICK_FAMILY_ROWS,
    SPARSE,
    TFIDF,
    FamilyCase,
    FamilyResult,
    section_of,
    side_by_side_cases,
)
from ._measure import FULL, QUICK
from ._real_data import QUICK_REAL_DATA_RUNS, REAL_DATA_RUNS, real_data_task
from ._report import (
    categorical_and_cleaning_table,
    family_phase_table,
    family_table,
    floor_table,
    header,
    machine_info,
    peer_table,
    phase_table,
    real_data_table,
    scaling_table,
    sparse_table,
    summary_table,
)
from ._results import CaseResult
from ._runner import Runner


def parse_args(argv: Sequence[str] | None, prog: str | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"CI-sized run: cases with at most {QUICK_MAX_ROWS} rows, the SMOTE family and the "
            f"cleaning samplers at {_short_count(QUICK_FAMILY_ROWS)} rows in float64, SMOTENC and "
            f"SMOTEN at {_short_count(QUICK_CATEGORICAL_ROWS)} rows, sparse SMOTE at "
            f"{_short_count(TFIDF.quick_rows)} rows, fewer repeats"
        ),
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write all results as JSON")
    parser.add_argument(
        "--cases",
        nargs="+",
        metavar="TEXT",
        help=(
            "run only cases whose id (e.g. binary-1e5x10-float32, family-adasyn-1e5x20-float64, "
            "categorical-smotenc-1e5x15-float64+category, clean-tomek-1e5x20-float32) contains one "
            "of these; the small real datasets run only along with some SMOTE case"
        ),
    )
    return parser.parse_args(argv)


def select_cases(quick: bool, patterns: Sequence[str] | None) -> tuple[list[Case], list[FamilyCase]]:
    """The SMOTE cases and the side-by-side cases (the family's, then the categorical
    and cleaning section's) to run: the quick subsets if asked, filtered by id substrings."""
    cases = all_cases()
    family = side_by_side_cases([*FAMILY, *CATEGORICAL_AND_CLEANING, *SPARSE], quick)
    if quick:
        cases = [c for c in cases if c.n_samples <= QUICK_MAX_ROWS]
    if patterns:
        cases = [c for c in cases if any(p in c.id for p in patterns)]
        family = [c for c in family if any(p in c.id for p in patterns)]
    return cases, family


def save_report(path: Path | None, report: dict[str, Any]) -> None:
    """Writes ``report`` as JSON to ``path`` (nothing if no path was given)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the benchmark with the command-line options ``argv``; ``prog`` names the
    command in its usage line. Returns the exit code."""
    args = parse_args(argv, prog)
    cases, family = select_cases(args.quick, args.cases)
    if not cases and not family:
        print("no case matches --cases", file=sys.stderr)
        return 2
    mode = "quick" if args.quick else "full"
    machine = machine_info()
    runner = Runner(QUICK if args.quick else FULL)
    print(header(machine, mode), flush=True)

    start = time.perf_counter()
    results: list[CaseResult] = []
    family_results: list[FamilyResult] = []
    report: dict[str, Any] = {
        "mode": mode,
        "machine": machine,
        "cases": [],
        "family": [],
        "categorical_and_cleaning": [],
        "sparse": [],
    }
    planned: list[Case | FamilyCase] = [*cases, *family]
    for number, case in enumerate(planned, 1):
        case_start = time.perf_counter()
        if isinstance(case, Case):
            results.append(runner.run(case))
            report["cases"].append(results[-1].to_json())
        else:
            family_results.append(runner.run_family(case))
            report[section_of(case)].append(family_results[-1].to_json())
        save_report(args.json, report)  # so that a crash keeps the cases already run
        print(
            f"[{number}/{len(planned)}] {case.id}: {time.perf_counter() - case_start:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    real_data = None
    if cases:  # plain SMOTE on small datasets: it goes with the SMOTE cases
        real_data = runner.fresh(real_data_task, QUICK_REAL_DATA_RUNS if args.quick else REAL_DATA_RUNS)
    total_seconds = time.perf_counter() - start

    tables: list[str | None] = []
    if results:
        tables += [
            summary_table(results),
            phase_table(results),
            floor_table(results),
            peer_table(results, machine["knn_peers"]),
            scaling_table(results),
        ]
    if real_data is not None:
        tables.append(real_data_table(real_data))
    family_only = [r for r in family_results if section_of(r.case) == "family"]
    if family_only:
        tables += [family_table(family_only), family_phase_table(family_only)]
    cleaning = [r for r in family_results if section_of(r.case) == "categorical_and_cleaning"]
    if cleaning:
        tables.append(categorical_and_cleaning_table(cleaning))
    sparse_results = [r for r in family_results if section_of(r.case) == "sparse"]
    if sparse_results:
        tables.append(sparse_table(sparse_results))
    print("\n\n".join(t for t in tables if t is not None))
    print(f"\ntotal benchmark time: {total_seconds:.0f} s")

    if args.json is not None:
        report.update(total_seconds=total_seconds, real_data=real_data)
        save_report(args.json, report)
        print(f"results written to {args.json}")
    return 0
