"""``python -m fast_smote demo``: oversample a generated imbalanced dataset and show it."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np


def demo(n_samples: int, n_features: int, seed: int) -> None:
    from sklearn.datasets import make_classification

    import fast_smote

    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=min(n_features, 5),
        weights=[0.9, 0.1],
        random_state=seed,
    )
    X = X.astype(np.float32)
    print(f"fast-smote {fast_smote.__version__}: SMOTE demo on {n_samples} x {n_features} float32")
    print(f"class counts before: {dict(sorted(Counter(y.tolist()).items()))}")
    start = time.perf_counter()
    sampler = fast_smote.SMOTE(random_state=seed)
    X_res, y_res = sampler.fit_resample(X, y)
    elapsed = time.perf_counter() - start
    print(f"class counts after:  {dict(sorted(Counter(y_res.tolist()).items()))}")
    print(
        f"generated {len(sampler.provenance_)} synthetic rows in {elapsed:.3f} s; "
        f"X_res is {X_res.shape[0]} x {X_res.shape[1]} {X_res.dtype}"
    )
    first = len(y)
    p = sampler.provenance_
    print(
        f"row {first} = X[{p.base_index[0]}] + {p.step[0]:.3f} * "
        f"(X[{p.neighbor_index[0]}] - X[{p.base_index[0]}])"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fast-smote", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="oversample a generated imbalanced dataset")
    demo_parser.add_argument("--n-samples", type=int, default=100_000)
    demo_parser.add_argument("--n-features", type=int, default=10)
    demo_parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    demo(args.n_samples, args.n_features, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
