"""How fast a long ``fast_smote.resample`` answers Ctrl-C, at every stage of its work.

For each delay, a child process starts ``resample`` on 1e7 x 10 float64 (10 % minority,
so the exact search of a 1e6-row class takes minutes), and this process sends it SIGINT
after the delay. The child reports when ``KeyboardInterrupt`` reached it (both read the
system-wide monotonic clock), how many threads it then has, and whether a later call
gives the same result as a fresh one. Usage::

    python benches/bench_interrupt.py                   # delays 0.5 .. 60 s
    python benches/bench_interrupt.py --rows 1e6 --delays 0.2 1 3
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time

CHILD = r"""
import sys, threading, time
import numpy as np
import fast_smote

n_rows, n_features = int(float(sys.argv[1])), int(sys.argv[2])
rng = np.random.default_rng(0)
X = rng.standard_normal((n_rows, n_features))
y = (rng.random(n_rows) < 0.1).astype(np.int64)
small_X, small_y = X[:20_000], y[:20_000]
expected = fast_smote.resample(small_X, small_y, random_state=1)[0]
threads_before = threading.active_count()
print("ready", flush=True)
try:
    fast_smote.resample(X, y, random_state=0)
    caught = None
except KeyboardInterrupt:
    caught = time.monotonic()
threads_after = threading.active_count()
again = fast_smote.resample(small_X, small_y, random_state=1)[0]
print(caught, threads_before, threads_after, bool(np.array_equal(again, expected)), flush=True)
"""


def measure(n_rows: int, n_features: int, delay: float) -> dict[str, object]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(n_rows), str(n_features)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        raise RuntimeError("the child did not start")
    started = time.monotonic()
    time.sleep(delay)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    caught, threads_before, threads_after, same = child.stdout.readline().split()
    child.wait()
    return {
        "delay_s": round(sent - started, 3),
        "latency_s": None if caught == "None" else round(float(caught) - sent, 3),
        "threads_before": int(threads_before),
        "threads_after": int(threads_after),
        "later_call_identical": same == "True",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--delays", type=float, nargs="+", default=[0.5, 1, 2, 5, 15, 30, 60])
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    results = []
    print(f"resample of {int(args.rows):,} x {args.features} float64, SIGINT after each delay")
    print(f"{'delay s':>8} {'latency s':>10} {'threads':>8} {'later call':>11}")
    for delay in args.delays:
        row = measure(int(args.rows), args.features, delay)
        results.append(row)
        latency = "finished" if row["latency_s"] is None else f"{row['latency_s']:.3f}"
        threads = f"{row['threads_before']}->{row['threads_after']}"
        same = "identical" if row["later_call_identical"] else "DIFFERENT"
        print(f"{row['delay_s']:>8.2f} {latency:>10} {threads:>8} {same:>11}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": int(args.rows), "features": args.features, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
