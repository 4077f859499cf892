"""SMOTER and SMOGN for a continuous target (``fast_smote.regression``): their speed
against the ``smogn`` package, and what they do to a regressor's error on the rare
targets.

**Speed.** Data: ``N`` rows of 10 standard normal features (shifted to be positive,
since smogn clips features that have a positive value at 0) and a log-normal target
``exp(x0 + 0.5 x1 + 0.3 e)``, whose high tail is rare. fast-smote ``SMOGN(n_jobs=2,
random_state=0)`` and ``smogn.smoter(k=5, pert=0.02, samp_method="balance",
under_samp=False)`` (the same rows: the rare bump grown to ``round(N / 2)``), each in a
fresh process after a warm-up on 500 rows; fast-smote's median of 3 calls, smogn's one
call. A smogn call that runs out of ``--timeout`` is reported as ``> timeout`` and its
speed-up as a lower bound (``>=``), never extrapolated. Target: >= 20x at 1e5 rows.

**Error on the rare targets.** On the diabetes data that ships with scikit-learn (its
target has no value beyond the usual whiskers, so the relevance takes shorter ones:
``extremes="high", coef=0.5``) and on Friedman's first function with a skewed target
(``exp(y / 6)`` of ``make_friedman1(2000, noise=1)``, the usual whiskers), a regressor
is fitted on each training fold as it is, and after SMOTER, SMOGN and smogn, and scored
on the test fold: the RMSE on the test rows whose target is in the top 10 % of the
training targets ("rare"), and on all test rows. 5-fold cross-validation repeated 4
times (the same folds for every sampler); mean and standard deviation over the 20
folds.

Usage (smogn is in the ``test`` extra)::

    python benches/bench_regression.py                    # 1e3, 1e4, 1e5 rows; timeout 600 s
    python benches/bench_regression.py --sizes 1e3 1e4 --timeout 120 --skip-quality
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import RepeatedKFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fast_smote._bench._report import format_table, machine_info
from fast_smote._bench._smogn import smogn_new_rows
from fast_smote.regression import SMOGN, SMOTER

THREADS = 2
N_FEATURES = 10
DATA_SEED = 0
WARMUP_ROWS = 500
REPEATS = 3
SPEEDUP_TARGET = 20.0
DEFAULT_SIZES = (1_000, 10_000, 100_000)
DEFAULT_TIMEOUT = 600.0
#: smogn's settings, the papers' defaults (fast-smote's are the same).
SMOGN_PARAMS: dict[str, Any] = {"k": 5, "pert": 0.02, "samp_method": "balance"}
#: The test rows scored as rare: targets above this quantile of the training targets.
RARE_QUANTILE = 0.9
FOLDS, CV_REPEATS = 5, 4


def make_data(n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The speed benchmark's data: positive features and a log-normal target."""
    rng = np.random.default_rng(DATA_SEED)
    X = rng.normal(size=(n_rows, N_FEATURES))
    y = np.exp(X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=n_rows))
    return X - X.min(axis=0) + 1.0, y


def fast_smote_call(X: np.ndarray, y: np.ndarray) -> int:
    return len(SMOGN(n_jobs=THREADS, random_state=0).fit_resample(X, y)[1])


def smogn_call(X: np.ndarray, y: np.ndarray) -> int:
    return len(smogn_new_rows(X, y, seed=0, **SMOGN_PARAMS)[1]) + len(y)


CALLS: dict[str, Callable[[np.ndarray, np.ndarray], int]] = {
    "fast-smote": fast_smote_call,
    "smogn": smogn_call,
}


def timed_in_child(library: str, n_rows: int, repeats: int, results: Any) -> None:
    """Runs in a fresh process: warm up, then time ``repeats`` calls on ``n_rows`` rows."""
    call = CALLS[library]
    call(*make_data(WARMUP_ROWS))
    X, y = make_data(n_rows)
    times, rows = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        rows = call(X, y)
        times.append(time.perf_counter() - start)
    results.put((statistics.median(times), rows))


def timed(library: str, n_rows: int, repeats: int, timeout: float) -> tuple[float | None, int]:
    """Median seconds (None past ``timeout``) and the rows returned."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=timed_in_child, args=(library, n_rows, repeats, results))
    child.start()
    child.join(timeout * repeats + 60)
    if child.is_alive():
        child.kill()
        child.join()
        return None, 0
    seconds, rows = results.get()
    return seconds, rows


def speed_table(sizes: Sequence[int], timeout: float) -> str:
    rows = []
    for n_rows in sizes:
        ours, our_rows = timed("fast-smote", n_rows, REPEATS, timeout)
        theirs, their_rows = timed("smogn", n_rows, 1, timeout)
        assert ours is not None, f"fast-smote ran out of time at {n_rows} rows"
        if theirs is None:
            their_cell, speedup = f"> {timeout:g}", f">= {timeout / ours:.0f}x"
            met = timeout / ours >= SPEEDUP_TARGET
        else:
            their_cell, speedup = f"{theirs:.3g}", f"{theirs / ours:.0f}x"
            met = theirs / ours >= SPEEDUP_TARGET
        rows.append(
            [
                f"{n_rows:,}",
                f"{our_rows:,} / {their_rows:,}" if their_rows else f"{our_rows:,} / -",
                f"{ours:.3g}",
                their_cell,
                speedup,
                "yes" if met else "no",
            ]
        )
        print(f"  {n_rows:,} rows: fast-smote {ours:.3g} s, smogn {their_cell} s", flush=True)
    return format_table(
        f"SMOGN, fast-smote vs smogn (target >= {SPEEDUP_TARGET:g}x; smogn timeout {timeout:g} s)",
        ["rows", "rows out fast/smogn", "fast-smote s", "smogn s", "speed-up", "target met"],
        rows,
    )


def friedman() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_friedman1(n_samples=2000, noise=1.0, random_state=DATA_SEED)
    return X, np.exp(y / 6)


def diabetes() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_diabetes(return_X_y=True)
    return X, y


#: Data, and the relevance settings for it.
QUALITY_DATA: dict[str, tuple[Callable[[], tuple[np.ndarray, np.ndarray]], dict[str, Any]]] = {
    "diabetes": (diabetes, {"extremes": "high", "coef": 0.5}),
    "friedman1, exp(y/6)": (friedman, {"extremes": "both", "coef": 1.5}),
}

REGRESSORS = {
    "ridge": make_pipeline(StandardScaler(), Ridge(alpha=1.0)),
    "kNN (10)": make_pipeline(StandardScaler(), KNeighborsRegressor(n_neighbors=10)),
    "random forest": RandomForestRegressor(n_estimators=200, n_jobs=THREADS, random_state=0),
}

Resampler = Callable[[np.ndarray, np.ndarray, dict[str, Any], int], tuple[np.ndarray, np.ndarray]]


def with_sampler(cls: type) -> Resampler:
    return lambda X, y, relevance, seed: cls(random_state=seed, n_jobs=THREADS, **relevance).fit_resample(
        X, y
    )


def with_smogn(
    X: np.ndarray, y: np.ndarray, relevance: dict[str, Any], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    # smogn's distances take y among the features: scaled down, the features decide.
    shift = X.min(axis=0) - 1.0  # and it clips features that have a positive value at 0
    new_X, new_y = smogn_new_rows(
        X - shift,
        y,
        seed=seed,
        target_scale=1e-6,
        rel_xtrm_type=relevance["extremes"],
        rel_coef=relevance["coef"],
        **SMOGN_PARAMS,
    )
    return np.vstack([X, new_X + shift]), np.concatenate([y, new_y])


RESAMPLERS: dict[str, Resampler | None] = {
    "none": None,
    "fast-smote SMOTER": with_sampler(SMOTER),
    "fast-smote SMOGN": with_sampler(SMOGN),
    "smogn": with_smogn,
}


def rmse(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((truth - predicted) ** 2)))


def quality_table(name: str) -> str:
    load, relevance = QUALITY_DATA[name]
    X, y = load()
    scores: dict[tuple[str, str], list[tuple[float, float]]] = {}
    folds = RepeatedKFold(n_splits=FOLDS, n_repeats=CV_REPEATS, random_state=DATA_SEED)
    for fold, (train, test) in enumerate(folds.split(X)):
        rare = y[test] >= np.quantile(y[train], RARE_QUANTILE)
        for resampler_name, resample in RESAMPLERS.items():
            X_fit, y_fit = (
                (X[train], y[train]) if resample is None else resample(X[train], y[train], relevance, fold)
            )
            for model_name, model in REGRESSORS.items():
                predicted = clone(model).fit(X_fit, y_fit).predict(X[test])
                scores.setdefault((model_name, resampler_name), []).append(
                    (rmse(y[test][rare], predicted[rare]), rmse(y[test], predicted))
                )
    rows = []
    for (model_name, resampler_name), values in scores.items():
        rare_rmse, all_rmse = np.array(values).T
        rows.append(
            [
                model_name,
                resampler_name,
                f"{rare_rmse.mean():.4g} ± {rare_rmse.std():.2g}",
                f"{all_rmse.mean():.4g} ± {all_rmse.std():.2g}",
            ]
        )
    return format_table(
        f"{name} ({len(y)} rows x {X.shape[1]}; relevance {relevance}): RMSE over "
        f"{FOLDS}-fold CV x {CV_REPEATS}",
        ["regressor", "resampling", f"RMSE top {1 - RARE_QUANTILE:.0%}", "RMSE all"],
        rows,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=list(DEFAULT_SIZES))
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per smogn call")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = machine_info()
    print(
        f"fast_smote.regression vs smogn: {machine['cpu']}, {machine['cores']} cores, "
        f"Python {machine['python']}; load average at start {machine['load_average_at_start']:.2f}"
    )
    started = time.perf_counter()
    if not args.skip_speed:
        print(speed_table([int(n) for n in args.sizes], args.timeout))
    if not args.skip_quality:
        for name in QUALITY_DATA:
            print(quality_table(name))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
