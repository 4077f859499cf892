"""``python -m fast_smote demo``: oversample a generated imbalanced dataset and show it."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ._resample import METHODS


def demo(n_samples: int, n_features: int, seed: int, method: str) -> None:
    from sklearn.datasets import make_classification

    import fast_smote

    n_informative = min(n_features, 5)
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=min(2, n_features - n_informative),
        weights=[0.9, 0.1],
        flip_y=0.02,
        random_state=seed,
    )
    X = X.astype(np.float32)
    sampler = METHODS[method](random_state=seed)
    name = type(sampler).__name__
    print(f"fast-smote {fast_smote.__version__}: {name} demo on {n_samples} x {n_features} float32")
    print(f"class counts before: {dict(sorted(Counter(y.tolist()).items()))}")
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    elapsed = time.perf_counter() - start
    print(f"class counts after:  {dict(sorted(Counter(y_res.tolist()).items()))}")
    print(
        f"generated {len(y_res) - len(y)} rows in {elapsed:.3f} s; "
        f"X_res is {X_res.shape[0]} x {X_res.shape[1]} {X_res.dtype}"
    )
    first = len(y)
    provenance = getattr(sampler, "provenance_", None)
    if provenance is not None:
        base, neighbor = provenance.base_index[0], provenance.neighbor_index[0]
        print(f"row {first} = X[{base}] + {provenance.step[0]:.3f} * (X[{neighbor}] - X[{base}])")
    else:
        print(f"row {first} is a copy of X[{sampler.sample_indices_[first]}]")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fast-smote", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="oversample a generated imbalanced dataset")
    demo_parser.add_argument("--n-samples", type=int, default=100_000)
    demo_parser.add_argument("--n-features", type=int, default=10)
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.add_argument(
        "--method", default="smote", choices=sorted(METHODS), help="the sampler (default: smote)"
    )
    args = parser.parse_args(argv)
    demo(args.n_samples, args.n_features, args.seed, args.method)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
