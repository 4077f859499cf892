"""Samplers end to end with approximate neighbours against the exact search, in one run.

The cases are the issue's targets: SMOTE on 1e7 x 10 float64 rows (10 % minority, a 1e6
row class whose exact search is the quadratic wall), SMOTETomek and SMOTEENN on 1e6 x 20
(searches among all rows), and SMOTE on 1e6 x 10 (a 1e5-row class), where the
approximate search must not be slower than the exact one. The data are standard Gaussian features with the
minority shifted by 0.5. Each case times ``fit_resample`` once per setting (the cases are
long; repeat the run to see the spread). The exact search of the large cases takes
minutes to tens of minutes, so it runs only with ``--exact`` (its known times are in
docs/neighbors.md). Usage::

    python benches/bench_approx_samplers.py               # approximate only, ~2 min
    python benches/bench_approx_samplers.py --exact       # side by side, ~30 min
    python benches/bench_approx_samplers.py --quick       # the 1e6-row case only
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import fast_smote
from fast_smote._bench._report import format_table, machine_info
from fast_smote.neighbors import ApproximateNearestNeighbors

SEED = 0
MINORITY = 0.1
SHIFT = 0.5


def make_data(n_rows: int, n_features: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    y = (rng.random(n_rows) < MINORITY).astype(np.int64)
    X = rng.standard_normal((n_rows, n_features), dtype=np.float64)
    X[y == 1] += SHIFT
    return X.astype(dtype, copy=False), y


def approximate(n_neighbors: int) -> ApproximateNearestNeighbors:
    return ApproximateNearestNeighbors(n_neighbors=n_neighbors + 1, random_state=SEED)


SAMPLERS: dict[str, Callable[[bool], Any]] = {
    "SMOTE": lambda approx: fast_smote.SMOTE(k_neighbors=approximate(5) if approx else 5, random_state=SEED),
    "SMOTETomek": lambda approx: fast_smote.SMOTETomek(
        smote=fast_smote.SMOTE(k_neighbors=approximate(5) if approx else 5, random_state=SEED),
        tomek=fast_smote.TomekLinks(sampling_strategy="all", n_neighbors=approximate(1) if approx else 1),
        random_state=SEED,
    ),
    "SMOTEENN": lambda approx: fast_smote.SMOTEENN(
        smote=fast_smote.SMOTE(k_neighbors=approximate(5) if approx else 5, random_state=SEED),
        enn=fast_smote.EditedNearestNeighbours(n_neighbors=approximate(3) if approx else 3),
        random_state=SEED,
    ),
}

CASES = [
    # (sampler, rows, features, dtype, run the exact search by default)
    ("SMOTE", 1_000_000, 10, "float64", True),  # a 1e5-row class
    ("SMOTE", 10_000_000, 10, "float64", False),
    ("SMOTETomek", 1_000_000, 20, "float64", False),
    ("SMOTEENN", 1_000_000, 20, "float64", False),
]


def run_case(name: str, rows: int, features: int, dtype: str, exact: bool) -> dict[str, Any]:
    X, y = make_data(rows, features, dtype)
    result: dict[str, Any] = {"sampler": name, "rows": rows, "features": features, "dtype": dtype}
    for setting in ("approximate", "exact") if exact else ("approximate",):
        sampler = SAMPLERS[name](setting == "approximate")
        start = time.perf_counter()
        _, y_res = sampler.fit_resample(X, y)
        result[setting] = time.perf_counter() - start
        result[f"{setting}_rows"] = len(y_res)
        print(f"  {name} {rows:.0e} x {features} {setting}: {result[setting]:.1f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exact", action="store_true", help="also run the exact search on the large cases")
    parser.add_argument("--quick", action="store_true", help="only the 1e6-row case")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    machine = machine_info()
    where = f"{machine['cpu']}, {machine['cores']} cores"
    print(f"{where}; load average at start {machine['load_average_at_start']:.2f}")
    results = [
        run_case(name, rows, features, dtype, exact or args.exact)
        for name, rows, features, dtype, exact in CASES
        if not args.quick or (rows <= 1_000_000 and name == "SMOTE")
    ]
    table_rows = [
        [
            f"{r['sampler']} {r['rows']:.0e} x {r['features']} {r['dtype']}",
            f"{r['approximate']:.1f}",
            f"{r['exact']:.1f}" if "exact" in r else "-",
            f"{r['exact'] / r['approximate']:.1f}x" if "exact" in r else "-",
        ]
        for r in results
    ]
    print(
        format_table(
            f"fit_resample seconds, approximate vs exact neighbours ({where})",
            ["case", "approximate", "exact", "exact/approx"],
            table_rows,
        )
    )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": results}, indent=2))


if __name__ == "__main__":
    main()
