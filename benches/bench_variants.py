"""The literature's SMOTE variants: fast-smote's implementations (``fast_smote.VARIANT_METHODS``)
timed side by side with the reference implementations of smote-variants 1.0.1, and
against fast-smote's own ``SMOTE`` on the same data.

Data: ``make_classification(n_samples=N, n_features=20, n_informative=10,
weights=[0.9], random_state=0)``, float64 (a 9:1 binary problem), at N = 1e4 and 1e5.
smote-variants runs ``Class(random_state=0).sample(X, y)`` (proportion 1.0: the classes
balanced; SMOBD with ``max_eps=inf``, fast-smote's default, see
``SMOTE_VARIANTS_PARAMS``), fast-smote ``Class(random_state=0).fit_resample(X, y)`` (the default
``sampling_strategy``: the same number of rows); both with ``n_jobs=2`` where the class
takes it, and BLAS/OpenMP on 2 threads (``THREADS``, set in each process's environment).

Each (library, method, size) runs in a fresh spawned process, which makes the data,
warms the sampler up on ``WARMUP_ROWS`` rows, and then times ``--repeats`` calls on the
data (the median is reported); a call over ``LONG_CALL_SECONDS`` is not repeated. Every
call has ``--timeout`` seconds (the set-up before, ``SETUP_TIMEOUT``): a smote-variants
call that runs out is reported as ``> timeout`` and its speed-up as a lower bound
(``>=``), never extrapolated.

fast-smote's first call on the data is untimed (its warm-up at full size) and measures
its memory, from the process's resident size since the Rust core allocates outside
Python's allocator: the peak resident memory above the level before the call, over the
output's size (``X_res.nbytes + y_res.nbytes``). The peak is the kernel's high-water
mark, reset just before the call (``ru_maxrss`` cannot be reset, and making the data
leaves it about one output above the resident size at 1e5 rows, which would hide the
call's own peak); the C heap's free pages are released first (``malloc_trim``), so that
memory the call reuses counts too.

For a method that fits a model (``MODEL_PARTS``), the model's share of fast-smote's time
is reported too: for SMOTEIPF, its time less that of the ``SMOTE`` it starts with is the
iterative-partitioning filter (decision trees fitted on parts of the data, and their
votes).

Targets, per method and size:

- speed: smote-variants time / fast-smote time >= 10 (``SPEEDUP_TARGET``), or, where
  smote-variants is already vectorised NumPy, fast-smote time <= 2x fast-smote
  ``SMOTE``'s (``SMOTE_TARGET``); the ``target met`` column names those met;
- memory: fast-smote's peak extra memory <= 2x its output (``MEMORY_TARGET``).

Usage (smote-variants is installed with ``pip install --no-deps smote-variants==1.0.1``;
what it imports is in the ``test`` extra)::

    python benches/bench_variants.py                      # 1e4 and 1e5 rows, timeout 600 s
    python benches/bench_variants.py --quick              # 2e3 and 1e4 rows, timeout 60 s
    python benches/bench_variants.py --methods g-smote lee-smote --sizes 1e4
    python benches/bench_variants.py --timeout 1200 --repeats 5 --json benches/results/variants.json

A smote-variants call that runs out of time costs the whole timeout, once per method
and size (a call over ``LONG_CALL_SECONDS`` is not repeated): the slow methods at 1e5
rows take most of the full run.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import inspect
import json
import logging
import multiprocessing
import os
import platform
import statistics
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable

import numpy as np
import sklearn
from sklearn.datasets import make_classification

import fast_smote
from fast_smote._bench._measure import BackgroundLoad, PeakMemory, cpu_description

N_FEATURES = 20
N_INFORMATIVE = 10
MINORITY_WEIGHTS = [0.9]
DATA_SEED = 0
SAMPLER_SEED = 0
THREADS = 2
#: Set to ``THREADS`` in the environment each process starts with, before NumPy's BLAS
#: and scikit-learn's OpenMP are loaded (smote-variants loads some of its libraries late).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
#: Rows of the data each process warms its sampler up on (untimed).
WARMUP_ROWS = 1_000
#: Seconds a process may take to import, make the data and warm up, before any call.
SETUP_TIMEOUT = 120.0
#: A call longer than this is not repeated.
LONG_CALL_SECONDS = 30.0
FULL_SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000, 10_000)
FULL_TIMEOUT = 600.0
QUICK_TIMEOUT = 60.0
DEFAULT_REPEATS = 3
SPEEDUP_TARGET = 10.0
SMOTE_TARGET = 2.0
MEMORY_TARGET = 2.0

FAST_SMOTE = "fast-smote"
SMOTE_VARIANTS = "smote-variants"
#: fast-smote's plain SMOTE, the reference of the "within 2x of SMOTE" target.
REFERENCE = "smote"

#: The smote-variants class implementing each of fast-smote's variants (fast-smote's
#: PolynomFitSMOTE defaults to the star topology).
SMOTE_VARIANTS_CLASSES = {
    "polynom-fit-smote": "polynom_fit_SMOTE_star",
    "prowsyn": "ProWSyn",
    "smote-ipf": "SMOTE_IPF",
    "lee-smote": "Lee",
    "g-smote": "G_SMOTE",
    "smobd": "SMOBD",
    "ccr": "CCR",
    "lvq-smote": "LVQ_SMOTE",
    "assembled-smote": "Assembled_SMOTE",
}

#: smote-variants' parameters where its defaults would not run the method fast-smote runs:
#: its SMOBD's OPTICS radius of 1.0 reaches no neighbour on this data at 20 features (it
#: returns the data unchanged); fast-smote's default, OPTICS's own, is infinite.
SMOTE_VARIANTS_PARAMS: dict[str, dict[str, Any]] = {"smobd": {"max_eps": float("inf")}}

Resample = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


# --------------------------------------------------------------------------- data and samplers


def make_data(n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's binary data: ``n_rows`` float64 rows, about 10 % of them minority."""
    X, y = make_classification(
        n_samples=n_rows,
        n_features=N_FEATURES,
        n_informative=N_INFORMATIVE,
        weights=MINORITY_WEIGHTS,
        random_state=DATA_SEED,
    )
    return np.ascontiguousarray(X, dtype=np.float64), y


def with_threads(cls: type, **params: Any) -> Any:
    """``cls(**params)``, with ``n_jobs=THREADS`` if ``cls`` takes ``n_jobs``."""
    if "n_jobs" in inspect.signature(cls).parameters:
        params["n_jobs"] = THREADS
    return cls(**params)


def fast_smote_class(method: str) -> type:
    """fast-smote's class for ``method``: a variant, or ``SMOTE`` for ``REFERENCE``."""
    return fast_smote.SMOTE if method == REFERENCE else fast_smote.VARIANT_METHODS[method]


def resampler(library: str, method: str) -> Resample:
    """A call resampling ``X, y`` with a new sampler of ``method`` from ``library``."""
    if library == FAST_SMOTE:
        cls = fast_smote_class(method)
        return lambda X, y: with_threads(cls, random_state=SAMPLER_SEED).fit_resample(X, y)
    import smote_variants

    logging.getLogger("smote_variants").setLevel(logging.WARNING)
    reference_cls = getattr(smote_variants, SMOTE_VARIANTS_CLASSES[method])
    params = {"random_state": SAMPLER_SEED, **SMOTE_VARIANTS_PARAMS.get(method, {})}
    return lambda X, y: with_threads(reference_cls, **params).sample(X, y)


def median_seconds(call: Callable[[], Any], repeats: int) -> float:
    """Median time of ``repeats`` calls of ``call()`` (results dropped)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def release_free_memory() -> None:
    """Collect garbage and give the C heap's free pages back to the system (glibc's
    ``malloc_trim``): memory freed earlier (the data's temporaries, the warm-up's) and
    reused by the measured call then counts in its peak instead of hiding in the heap."""
    gc.collect()
    ctypes.CDLL(None).malloc_trim(0)


# --------------------------------------------------------------------------- model parts


@dataclass(frozen=True)
class ModelPart:
    """The model a method fits, and how to time it: ``seconds(X, y, whole_seconds,
    repeats)`` gives the seconds of the model part of a fast-smote call on ``X, y`` that
    took ``whole_seconds`` (median of ``repeats`` calls)."""

    label: str
    seconds: Callable[[np.ndarray, np.ndarray, float, int], float]


def ipf_filter_seconds(X: np.ndarray, y: np.ndarray, whole_seconds: float, repeats: int) -> float:
    """SMOTEIPF's time less that of its SMOTE alone (the same ``SMOTE(random_state=0)``
    it starts with): the iterative-partitioning filter's decision trees and votes."""
    smote = with_threads(fast_smote.SMOTE, random_state=SAMPLER_SEED)
    return whole_seconds - median_seconds(lambda: smote.fit_resample(X, y), repeats)


#: Methods that fit a model, by name.
MODEL_PARTS = {
    "smote-ipf": ModelPart("IPF filter (decision trees)", ipf_filter_seconds),
}


# --------------------------------------------------------------------------- one process


@dataclass(frozen=True)
class Task:
    """One process: ``method`` of ``library`` on ``n_rows`` rows."""

    library: str
    method: str
    n_rows: int
    repeats: int


def run_task(task: Task, send: Callable[[tuple[Any, ...]], None]) -> None:
    """Warm up, measure fast-smote's memory, time the calls and the model part, sending
    each result as soon as it is known (the parent times each step out)."""
    resample = resampler(task.library, task.method)
    resample(*make_data(WARMUP_ROWS))
    X, y = make_data(task.n_rows)
    send(("set-up",))
    if task.library == FAST_SMOTE:
        release_free_memory()
        peak = PeakMemory()
        with peak:
            X_res, y_res = resample(X, y)
        send(("memory", {"peak_extra_bytes": peak.extra_bytes, "output_bytes": X_res.nbytes + y_res.nbytes}))
        del X_res, y_res
    times = []
    with BackgroundLoad() as load:
        for _ in range(task.repeats):
            gc.collect()
            start = time.perf_counter()
            X_res, _ = resample(X, y)
            times.append(time.perf_counter() - start)
            send(("call", times[-1], len(X_res)))
            del X_res
            if times[-1] > LONG_CALL_SECONDS:
                break
    send(("load", load.cores))
    model = MODEL_PARTS.get(task.method)
    if task.library == FAST_SMOTE and model is not None:
        send(("model", model.seconds(X, y, statistics.median(times), task.repeats)))
    send(("done",))


def child_main(task: Task, connection: Connection) -> None:
    """The spawned process's entry point: ``run_task``, an exception sent as an ``error``."""
    try:
        run_task(task, connection.send)
    except Exception as error:
        connection.send(("error", traceback.format_exception_only(type(error), error)[-1].strip()))
    finally:
        connection.close()


@dataclass
class Measured:
    """What a process reported: the timed calls' seconds and rows out, and fast-smote's
    memory and model part; ``timed_out`` if a step ran out of time."""

    library: str
    method: str
    n_rows: int
    calls: list[float]
    rows_out: int | None = None
    memory: dict[str, int] | None = None
    model_seconds: float | None = None
    background_cores: float | None = None
    timed_out: bool = False
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        return statistics.median(self.calls) if self.calls else None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": self.seconds}


def measure(task: Task, timeout: float) -> Measured:
    """``task`` in a fresh spawned process, killed when its set-up takes over
    ``SETUP_TIMEOUT`` s or a later step (a call) over ``timeout`` s."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=child_main, args=(task, sender))
    process.start()
    sender.close()
    result = Measured(task.library, task.method, task.n_rows, calls=[])
    set_up = False
    try:
        while True:
            if not receiver.poll(timeout if set_up else SETUP_TIMEOUT):
                if set_up:
                    result.timed_out = True
                else:
                    result.error = f"the set-up (imports, data, warm-up) took over {SETUP_TIMEOUT:g} s"
                break
            kind, *values = receiver.recv()
            if kind == "done":
                break
            if kind == "error":
                result.error = values[0]
                break
            if kind == "set-up":
                set_up = True
            elif kind == "memory":
                result.memory = values[0]
            elif kind == "call":
                result.calls.append(values[0])
                result.rows_out = values[1]
            elif kind == "load":
                result.background_cores = values[0]
            elif kind == "model":
                result.model_seconds = values[0]
    except EOFError:
        result.error = "the process died (out of memory or a crash)"
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    return result


# --------------------------------------------------------------------------- one method


@dataclass
class Comparison:
    """One method at one size: fast-smote, smote-variants (None without a reference
    class) and fast-smote's SMOTE on the same data, and the timeout they ran under."""

    method: str
    n_rows: int
    fast: Measured
    reference: Measured | None
    smote: Measured
    timeout: float

    def speedup(self) -> tuple[float | None, bool]:
        """smote-variants time / fast-smote time, and whether it is a lower bound (the
        reference timed out before any call finished)."""
        fast = self.fast.seconds
        if fast is None or self.reference is None:
            return None, False
        if self.reference.seconds is not None:
            return self.reference.seconds / fast, False
        if self.reference.timed_out:
            return self.timeout / fast, True
        return None, False

    def vs_smote(self) -> float | None:
        """fast-smote time / fast-smote SMOTE time."""
        if self.fast.seconds is None or self.smote.seconds is None:
            return None
        return self.fast.seconds / self.smote.seconds

    def memory_ratio(self) -> float | None:
        """fast-smote's peak extra memory / its output's size."""
        memory = self.fast.memory
        return None if memory is None else memory["peak_extra_bytes"] / memory["output_bytes"]

    def targets_met(self) -> list[str]:
        speedup, _ = self.speedup()
        vs_smote = self.vs_smote()
        met = []
        if speedup is not None and speedup >= SPEEDUP_TARGET:
            met.append(f">={SPEEDUP_TARGET:g}x sv")
        if vs_smote is not None and vs_smote <= SMOTE_TARGET:
            met.append(f"<={SMOTE_TARGET:g}x SMOTE")
        return met

    def as_json(self) -> dict[str, Any]:
        speedup, lower_bound = self.speedup()
        return {
            "method": self.method,
            "smote_variants_class": SMOTE_VARIANTS_CLASSES.get(self.method),
            "smote_variants_params": SMOTE_VARIANTS_PARAMS.get(self.method, {}),
            "rows": self.n_rows,
            "features": N_FEATURES,
            "fast_smote": self.fast.as_json(),
            "smote_variants": None if self.reference is None else self.reference.as_json(),
            "fast_smote_smote_seconds": self.smote.seconds,
            "speedup": speedup,
            "speedup_is_lower_bound": lower_bound,
            "fast_over_smote": self.vs_smote(),
            "memory_over_output": self.memory_ratio(),
            "targets_met": self.targets_met(),
            "memory_target_met": None
            if self.memory_ratio() is None
            else self.memory_ratio() <= MEMORY_TARGET,
        }


def progress(result: Measured, started: float) -> None:
    """One line on stderr per process."""
    outcome = result.error or ("timed out" if result.timed_out else f"median {result.seconds:.3g} s")
    print(
        f"  {result.library} {result.method} {short_count(result.n_rows)}: {outcome} "
        f"({time.perf_counter() - started:.0f} s with set-up)",
        file=sys.stderr,
        flush=True,
    )


def measured(task: Task, timeout: float) -> Measured:
    """``measure(task, timeout)``, with a progress line."""
    started = time.perf_counter()
    result = measure(task, timeout)
    progress(result, started)
    return result


def compare(method: str, n_rows: int, smote: Measured, repeats: int, timeout: float) -> Comparison:
    fast = measured(Task(FAST_SMOTE, method, n_rows, repeats), timeout)
    reference = None
    if method in SMOTE_VARIANTS_CLASSES:
        reference = measured(Task(SMOTE_VARIANTS, method, n_rows, repeats), timeout)
    return Comparison(method, n_rows, fast, reference, smote, timeout)


# --------------------------------------------------------------------------- reporting


def short_count(n: int) -> str:
    """``10000`` -> ``1e4``, ``20000`` -> ``2e4``."""
    exponent = len(str(n)) - 1
    return f"{n / 10**exponent:g}e{exponent}"


def seconds_cell(result: Measured | None, timeout: float) -> str:
    if result is None:
        return "-"
    if result.seconds is not None:
        return f"{result.seconds:.3g}"
    if result.timed_out:
        return f"> {timeout:g}"
    return "failed"


def rows_cell(comparison: Comparison) -> str:
    reference = comparison.reference
    reference_rows = "-" if reference is None or reference.rows_out is None else f"{reference.rows_out}"
    fast_rows = "-" if comparison.fast.rows_out is None else f"{comparison.fast.rows_out}"
    return f"{reference_rows}/{fast_rows}"


def load_cell(comparison: Comparison) -> str:
    loads = [comparison.reference, comparison.fast]
    return "/".join(
        "-" if m is None or m.background_cores is None else f"{m.background_cores:.2f}" for m in loads
    )


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table padded to align in plain text: the first two columns
    left-aligned, the others right-aligned."""
    widths = [max(3, len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(padded) + " |"

    rule = "| " + " | ".join("-" * w if i < 2 else "-" * (w - 1) + ":" for i, w in enumerate(widths)) + " |"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def comparison_table(comparisons: Sequence[Comparison]) -> str:
    headers = [
        "method",
        "smote-variants class",
        "n x d",
        "sv s",
        "fast s",
        "SMOTE s",
        "sv/fast",
        "fast/SMOTE",
        "target met",
        "mem/out",
        "rows out sv/fast",
        "runs sv/fast",
        "bg load sv/fast",
    ]
    rows = []
    for c in comparisons:
        speedup, lower_bound = c.speedup()
        vs_smote, memory = c.vs_smote(), c.memory_ratio()
        runs = "/".join("-" if m is None else str(len(m.calls)) for m in (c.reference, c.fast))
        rows.append(
            [
                c.method,
                SMOTE_VARIANTS_CLASSES.get(c.method, "-"),
                f"{short_count(c.n_rows)} x {N_FEATURES}",
                seconds_cell(c.reference, c.timeout),
                seconds_cell(c.fast, c.timeout),
                seconds_cell(c.smote, c.timeout),
                "-" if speedup is None else f"{'>= ' if lower_bound else ''}{speedup:.1f}x",
                "-" if vs_smote is None else f"{vs_smote:.2f}x",
                ", ".join(c.targets_met()) or "none",
                "-" if memory is None else f"{memory:.2f}",
                rows_cell(c),
                runs,
                load_cell(c),
            ]
        )
    return markdown_table(headers, rows)


def model_table(comparisons: Sequence[Comparison]) -> str | None:
    """The model part of the methods in ``MODEL_PARTS`` (None if none ran)."""
    rows = [
        [
            c.method,
            MODEL_PARTS[c.method].label,
            f"{short_count(c.n_rows)} x {N_FEATURES}",
            f"{c.fast.model_seconds:.3g}",
            seconds_cell(c.fast, c.timeout),
            f"{c.fast.model_seconds / c.fast.seconds:.0%}",
        ]
        for c in comparisons
        if c.method in MODEL_PARTS and c.fast.model_seconds is not None and c.fast.seconds
    ]
    if not rows:
        return None
    return markdown_table(["method", "model", "n x d", "model s", "fast s", "model share"], rows)


def problems(smotes: Sequence[Measured], comparisons: Sequence[Comparison]) -> list[str]:
    """Failures, timeouts, missing references and row counts that differ."""
    notes = []
    for m in [*smotes, *(m for c in comparisons for m in (c.fast, c.reference) if m is not None)]:
        where = f"{m.library} {m.method} at {short_count(m.n_rows)}"
        if m.error:
            notes.append(f"{where} failed: {m.error}")
        elif m.timed_out:
            notes.append(f"{where} ran out of time ({len(m.calls)} timed calls done)")
    for c in comparisons:
        where = f"{c.method} at {short_count(c.n_rows)}"
        if c.reference is None:
            notes.append(f"{where}: no smote-variants class is named for it (SMOTE_VARIANTS_CLASSES)")
        elif None not in (c.reference.rows_out, c.fast.rows_out) and c.reference.rows_out != c.fast.rows_out:
            notes.append(
                f"{where}: rows out differ: smote-variants {c.reference.rows_out}, "
                f"fast-smote {c.fast.rows_out}"
            )
    return notes


def machine_description() -> dict[str, Any]:
    import smote_variants

    return {
        "cpu": cpu_description(),
        "cores": len(os.sched_getaffinity(0)),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "python": platform.python_version(),
        "versions": {
            "fast-smote": fast_smote.__version__,
            "smote-variants": smote_variants.__version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "load_average_at_start": os.getloadavg()[0],
    }


def header(machine: dict[str, Any], mode: str, repeats: int, timeout: float) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    return "\n".join(
        [
            f"SMOTE variants, fast-smote vs smote-variants ({mode} run, {machine['date']}): "
            f"{machine['cpu']}, {machine['cores']} cores, Python {machine['python']}; {versions}",
            "",
            f"data: make_classification(n_features={N_FEATURES}, n_informative={N_INFORMATIVE}, "
            f"weights={MINORITY_WEIGHTS}, random_state={DATA_SEED}), float64; random_state={SAMPLER_SEED}, "
            f"n_jobs={THREADS} where taken, BLAS/OpenMP on {THREADS} threads; each in a fresh process, "
            f"warmed up; median of {repeats} calls (1 if over {LONG_CALL_SECONDS:g} s), "
            f"{timeout:g} s per call",
            "",
            f"load average (1 min) at start: {machine['load_average_at_start']:.2f}; bg load = cores "
            "busy with other processes during the timed calls (0 on a quiet machine)",
        ]
    )


def legend() -> str:
    return (
        f"sv/fast = smote-variants s / fast-smote s (target >= {SPEEDUP_TARGET:g}x; '>=' where "
        f"smote-variants ran out of time); fast/SMOTE = fast-smote s / fast-smote SMOTE s (target "
        f"<= {SMOTE_TARGET:g}x where smote-variants is vectorised NumPy); mem/out = fast-smote's peak "
        f"extra RSS during fit_resample / its output's bytes (target <= {MEMORY_TARGET:g})"
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", nargs="+", type=float, metavar="N", help="rows (default 1e4 1e5; --quick: 2e3 1e4)"
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        choices=sorted(fast_smote.VARIANT_METHODS),
        metavar="NAME",
        help=f"variants to run (default all: {', '.join(fast_smote.VARIANT_METHODS)})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        help=f"seconds per call (default {FULL_TIMEOUT:g}; --quick: {QUICK_TIMEOUT:g})",
    )
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="timed calls (median)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, short timeout")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every number as JSON")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(n) for n in args.sizes] if args.sizes else list(QUICK_SIZES if args.quick else FULL_SIZES)
    timeout = args.timeout or (QUICK_TIMEOUT if args.quick else FULL_TIMEOUT)
    methods = args.methods or list(fast_smote.VARIANT_METHODS)
    mode = "quick" if args.quick else "partial" if args.sizes or args.methods else "full"
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, str(THREADS)))
    machine = machine_description()
    print(header(machine, mode, args.repeats, timeout), flush=True)
    started = time.perf_counter()
    smotes, comparisons = [], []
    for n_rows in sizes:
        smotes.append(measured(Task(FAST_SMOTE, REFERENCE, n_rows, args.repeats), timeout))
        comparisons += [compare(method, n_rows, smotes[-1], args.repeats, timeout) for method in methods]
    print("\n" + comparison_table(comparisons))
    print("\n" + legend())
    models = model_table(comparisons)
    if models is not None:
        print(
            "\nModel fitting share of fast-smote's time (model s: for smote-ipf, SMOTEIPF's time less "
            "that of its SMOTE alone: the filter's trees and votes)\n"
        )
        print(models)
    notes = problems(smotes, comparisons)
    if notes:
        print("\nNotes:\n" + "\n".join(f"- {note}" for note in notes))
    total = time.perf_counter() - started
    print(f"\ntotal benchmark time: {total:.0f} s")
    if args.json:
        report = {
            "mode": mode,
            "machine": machine,
            "settings": {
                "sizes": sizes,
                "features": N_FEATURES,
                "informative": N_INFORMATIVE,
                "weights": MINORITY_WEIGHTS,
                "threads": THREADS,
                "repeats": args.repeats,
                "timeout": timeout,
                "warmup_rows": WARMUP_ROWS,
                "long_call_seconds": LONG_CALL_SECONDS,
                "targets": {"speedup": SPEEDUP_TARGET, "vs_smote": SMOTE_TARGET, "memory": MEMORY_TARGET},
            },
            "smote": [m.as_json() for m in smotes],
            "results": [c.as_json() for c in comparisons],
            "notes": notes,
            "total_seconds": total,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
