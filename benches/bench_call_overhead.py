"""What one call costs on tiny data: the fixed price of crossing into the Rust core.

Small calls run in place (no waiting thread); larger ones on a thread of their own
that lets Ctrl-C through. This times core calls and whole samplers on 10 x 3 to
300 x 10 rows next to NumPy's and imbalanced-learn's equivalents, in one run, and
prints the ratios. Usage::

    python benches/bench_call_overhead.py
"""

from __future__ import annotations

import timeit
import warnings
from collections.abc import Callable

import numpy as np
from imblearn.over_sampling import SMOTE as ImbSMOTE

import fast_smote
from fast_smote import _core
from fast_smote._bench._report import machine_info
from fast_smote._format import aligned_rows


def per_call(work: Callable[[], object]) -> float:
    """Seconds per call: the best of 5 runs of as many calls as fill 0.2 s."""
    work()
    timer = timeit.Timer(work)
    number, _ = timer.autorange()
    return min(timer.repeat(5, number)) / number


def cases(n: int, d: int) -> list[tuple[str, Callable[[], object], Callable[[], object], str]]:
    """(name, fast-smote's call, the reference's call, the reference) on n x d rows."""
    X = np.random.default_rng(0).normal(size=(n, d))
    y = (np.arange(n) % 3 == 0).astype(np.int64)
    k = min(5, int(y.sum()) - 1)
    return [
        ("finite check", lambda: _core.find_non_finite(X), lambda: np.isfinite(X).all(), "np.isfinite"),
        (
            f"{k}-NN table",
            lambda: _core.kneighbors(X, k),
            lambda: np.argsort(((X[:, None] - X[None]) ** 2).sum(-1), axis=1)[:, 1 : k + 1],
            "NumPy brute force",
        ),
        (
            "SMOTE.fit_resample",
            lambda: fast_smote.SMOTE(k_neighbors=k, random_state=0).fit_resample(X, y),
            lambda: ImbSMOTE(k_neighbors=k, random_state=0).fit_resample(X, y),
            "imbalanced-learn",
        ),
    ]


def main() -> None:
    machine = machine_info()
    print(f"{machine['cpu']}, {machine['cores']} cores; fast-smote {fast_smote.__version__}")
    rows = [["case", "fast-smote us", "reference us", "speed-up", "reference"]]
    for n, d in ((10, 3), (100, 5), (300, 10)):
        for name, ours, theirs, reference in cases(n, d):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mine, other = per_call(ours), per_call(theirs)
            rows.append(
                [
                    f"{name} {n} x {d}",
                    f"{mine * 1e6:.1f}",
                    f"{other * 1e6:.1f}",
                    f"{other / mine:.2f}x",
                    reference,
                ]
            )
    print("\n".join(aligned_rows(rows)))


if __name__ == "__main__":
    main()
