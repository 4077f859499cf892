"""Benchmark ``fast_smote.diagnose`` against the resampling it reports on, in one run.

For each case (standard Gaussian features, 10 % minority shifted by 0.5, float32), it
times fast-smote's SMOTE, imbalanced-learn's SMOTE on the same data, and
``fast_smote.diagnose`` of fast-smote's result with the default sample of 5000 rows
per class and, where it finishes in reasonable time, with every row (``max_rows=None``).
It reports the ratios: how the diagnosis compares with the resampling a user runs
anyway. Usage (``pip install 'fast-smote[bench]'``)::

    python benches/bench_diagnose.py                      # 1e6 rows, 4 and 10 features
    python benches/bench_diagnose.py --rows 1e5 --features 4 --exact --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from imblearn.over_sampling import SMOTE as ImbSMOTE

import fast_smote

MINORITY = 0.1
SHIFT = 0.5


def make_data(n_rows: int, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = (rng.random(n_rows) < MINORITY).astype(np.int64)
    X = rng.standard_normal((n_rows, n_features)) + SHIFT * y[:, None]
    return X.astype(np.float32), y


def timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def run_case(n_rows: int, n_features: int, exact: bool) -> dict[str, Any]:
    X, y = make_data(n_rows, n_features)
    sampler = fast_smote.SMOTE(random_state=0)
    fast, (X_res, y_res) = timed(lambda: sampler.fit_resample(X, y))
    imblearn, _ = timed(lambda: ImbSMOTE(random_state=0).fit_resample(X, y))
    sampled, report = timed(lambda: fast_smote.diagnose(X, y, X_res, y_res, sampler, warn=False))
    result: dict[str, Any] = {
        "rows": n_rows,
        "features": n_features,
        "new_rows": int(len(y_res) - len(y)),
        "fast_smote_s": round(fast, 3),
        "imblearn_s": round(imblearn, 3),
        "diagnose_s": round(sampled, 3),
        "diagnose_vs_fast_smote": round(sampled / fast, 2),
        "diagnose_vs_imblearn": round(sampled / imblearn, 3),
        "other_class_share": report[1].other_class_share,
    }
    if exact:
        every, full = timed(
            lambda: fast_smote.diagnose(X, y, X_res, y_res, sampler, max_rows=None, warn=False)
        )
        result["diagnose_exact_s"] = round(every, 3)
        result["exact_other_class_share"] = full[1].other_class_share
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=float, default=1e6)
    parser.add_argument("--features", type=int, nargs="+", default=[4, 10])
    parser.add_argument("--exact", action="store_true", help="also diagnose every row (max_rows=None)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    results = []
    print(f"{os.cpu_count()} CPUs, fast-smote {fast_smote.__version__}")
    for n_features in args.features:
        result = run_case(int(args.rows), n_features, args.exact)
        results.append(result)
        print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
