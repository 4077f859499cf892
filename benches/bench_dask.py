"""Benchmark ``fast_smote.dask`` on a ``distributed.LocalCluster`` against single-process
``fast_smote.resample`` on the same data, in one run.

The data (standard Gaussian features, 10 % minority shifted by 0.5, labels shuffled so
every partition holds minority rows) is generated on the workers, chunk by chunk from
fixed seeds, and persisted there: it starts where a cluster's data lives. The
single-process run resamples the same rows computed into this process. The Dask run,
on one worker and then on ``--workers`` workers (each with ``--threads-per-worker``
threads, which every core call uses), is timed in its two stages: ``fit_resample`` (one
pass over y, the gather, the class's neighbour search split over the workers, and the
replication to every worker) and the generation of every synthetic partition
(``persist``: the result stays on the cluster). It then checks that every run made the
same rows, byte for byte, and reports the bytes the workers sent each other, the
workers' peak memory and the speed-up of the workers over one. The two clusters run
``--repeats`` times in turn (one worker, then the workers, and again), and the
speed-up is that of their median runs: on a shared machine a run's time varies by a
tenth from minute to minute. Usage (``pip install 'fast-smote[dask]'``)::

    python benches/bench_dask.py --repeats 1           # 1e7 x 10 float64, 1 then 2 workers
    python benches/bench_dask.py --rows 2e6 --json benches/results/dask.json
    python benches/bench_dask.py --method tomek --rows 2e5 --features 20

``--method`` picks the sampler: SMOTE, or one whose search runs among all rows as a k-NN
join of the partitions (BorderlineSMOTE, ADASYN, TomekLinks, EditedNearestNeighbours).
``--approximate`` gives SMOTE ``ApproximateNearestNeighbors(n_neighbors=6)`` (its
search split over the workers by cells), in the single-process run and on Dask alike.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np
from dask.utils import key_split
from distributed import Client, LocalCluster, wait

import fast_smote
import fast_smote.dask
from fast_smote._bench._measure import cpu_description
from fast_smote.neighbors import ApproximateNearestNeighbors

SEED = 0
MINORITY = 0.1
SHIFT = 0.5
ROWS_PER_CHUNK = 500_000
#: The samplers ``--method`` names.
METHODS = {
    "smote": fast_smote.SMOTE,
    "borderline-smote": fast_smote.BorderlineSMOTE,
    "adasyn": fast_smote.ADASYN,
    "tomek": fast_smote.TomekLinks,
    "enn": fast_smote.EditedNearestNeighbours,
}


def make_sampler(args: argparse.Namespace) -> Any:
    """The sampler ``--method`` names, seeded where it draws, on the worker's threads."""
    sampler = METHODS[args.method](n_jobs=args.threads_per_worker)
    if "random_state" in sampler.get_params():
        sampler.set_params(random_state=SEED)
    if args.approximate:
        sampler.set_params(k_neighbors=ApproximateNearestNeighbors(n_neighbors=6, random_state=SEED))
    return sampler


def _chunk(seed: int, n_rows: int, n_features: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([SEED, seed])
    y = (rng.random(n_rows) < MINORITY).astype(np.int64)
    X = rng.standard_normal((n_rows, n_features), dtype=np.float64) + SHIFT * y[:, None]
    return X.astype(dtype), y


def _chunk_sizes(n_rows: int, rows_per_chunk: int = ROWS_PER_CHUNK) -> list[int]:
    return [min(rows_per_chunk, n_rows - start) for start in range(0, n_rows, rows_per_chunk)]


def make_data(n_rows: int, n_features: int, dtype: str, rows_per_chunk: int) -> tuple[da.Array, da.Array]:
    """X and y as Dask arrays of ``rows_per_chunk``-row chunks, each from its own seed."""
    sizes = _chunk_sizes(n_rows, rows_per_chunk)
    parts = [dask.delayed(_chunk, nout=2)(i, n, n_features, dtype) for i, n in enumerate(sizes)]
    X = da.concatenate([da.from_delayed(p[0], (n, n_features), dtype=dtype) for p, n in zip(parts, sizes)])
    y = da.concatenate([da.from_delayed(p[1], (n,), dtype=np.int64) for p, n in zip(parts, sizes)])
    return X, y


def local_data(
    n_rows: int, n_features: int, dtype: str, rows_per_chunk: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``make_data``, made in this process."""
    sizes = _chunk_sizes(n_rows, rows_per_chunk)
    chunks = [_chunk(i, n, n_features, dtype) for i, n in enumerate(sizes)]
    return np.concatenate([X for X, _ in chunks]), np.concatenate([y for _, y in chunks])


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _sent(dask_worker: Any) -> dict[str, int]:
    """Bytes this worker sent to other workers (not to the client), by the name of the
    tasks whose results they were."""
    sent: dict[str, int] = {}
    for transfer in dask_worker.transfer_outgoing_log:
        if transfer["who"] is None:
            continue
        for key, n_bytes in transfer["keys"].items():
            name = key_split(key)
            sent[name] = sent.get(name, 0) + int(n_bytes)
    return sent


def _sent_by_task(client: Client) -> dict[str, int]:
    total: dict[str, int] = {}
    for sent in client.run(_sent).values():
        for name, n_bytes in sent.items():
            total[name] = total.get(name, 0) + n_bytes
    return total


def run_on_cluster(
    n_workers: int, args: argparse.Namespace, X_np: np.ndarray, expected: tuple[np.ndarray, np.ndarray]
) -> dict[str, Any]:
    """``fast_smote.dask.resample`` on a LocalCluster of ``n_workers`` processes (each
    task's core call on the worker's threads), timed, checked against the
    single-process rows, with the bytes the workers sent each other."""
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=args.threads_per_worker,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit=None,
    )
    client = Client(cluster)
    n_rows = int(args.rows)
    X, y = make_data(n_rows, args.features, args.dtype, int(args.rows_per_chunk))
    X, y = client.persist([X, y])
    wait([X, y])
    sent_before = _sent_by_task(client)
    start = time.perf_counter()
    X_res, y_res = fast_smote.dask.fit_resample(make_sampler(args), X, y)
    fitted = time.perf_counter() - start
    X_res, y_res = client.persist([X_res, y_res])
    wait([X_res, y_res])
    total = time.perf_counter() - start
    workers = f"{n_workers} worker(s) x {args.threads_per_worker} thread"
    print(f"fast_smote.dask on {workers}: fit_resample {fitted:.2f} s, generation {total - fitted:.2f} s")
    sent = {name: n - sent_before.get(name, 0) for name, n in _sent_by_task(client).items()}
    sent = {name: n for name, n in sent.items() if n}
    peaks = client.run(_peak_rss)
    X_single, y_single = expected
    same = bool(np.array_equal(X_res.compute(), X_single) and np.array_equal(y_res.compute(), y_single))
    client.close()
    cluster.close()
    return {
        "workers": n_workers,
        "fit_resample_s": fitted,
        "generation_s": total - fitted,
        "total_s": total,
        "bytes_sent_between_workers": sum(sent.values()),
        "bytes_sent_by_task": sent,
        "worker_peak_rss_bytes": sorted(peaks.values()),
        "identical": same,
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median total time (the lower middle one of an even count)."""
    return sorted(runs, key=lambda run: run["total_s"])[(len(runs) - 1) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="smote", choices=sorted(METHODS))
    parser.add_argument("--rows", type=float, default=1e7)
    parser.add_argument("--rows-per-chunk", type=float, default=ROWS_PER_CHUNK)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--approximate", action="store_true", help="smote: approximate neighbours")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each cluster, alternating; medians reported"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.approximate and args.method != "smote":
        parser.error("--approximate applies to --method smote")
    n_rows = int(args.rows)
    X_np, y_np = local_data(n_rows, args.features, args.dtype, int(args.rows_per_chunk))
    search = "approximate" if args.approximate else "exact"
    print(f"{args.method} ({search}): {n_rows:.0e} x {args.features} {args.dtype}, {cpu_description()}")

    start = time.perf_counter()
    expected = make_sampler(args).fit_resample(X_np, y_np)
    single = time.perf_counter() - start
    print(f"single process on {args.threads_per_worker} thread(s): {single:.2f} s")
    # One worker and the workers in turn, so that both see the machine's same moments.
    one_runs, many_runs = [], []
    for _ in range(args.repeats):
        one_runs.append(run_on_cluster(1, args, X_np, expected))
        many_runs.append(run_on_cluster(args.workers, args, X_np, expected))
    one, many = _median_run(one_runs), _median_run(many_runs)
    minority = int((y_np == 1).sum())
    result = {
        "method": args.method,
        "search": search,
        "rows": n_rows,
        "rows_per_chunk": int(args.rows_per_chunk),
        "features": args.features,
        "dtype": args.dtype,
        "threads_per_worker": args.threads_per_worker,
        "cpu": cpu_description(),
        "cpus": os.cpu_count(),
        "single_process_s": single,
        "repeats": args.repeats,
        "one_worker": one,
        "workers": many,
        "one_worker_total_s": [run["total_s"] for run in one_runs],
        "workers_total_s": [run["total_s"] for run in many_runs],
        f"speedup_{args.workers}_workers_over_1": one["total_s"] / many["total_s"],
        "speedup_by_repeat": [a["total_s"] / b["total_s"] for a, b in zip(one_runs, many_runs)],
        "minority_rows": minority,
        "output_rows": len(expected[0]),
        "gathered_block_bytes": minority * (args.features * X_np.itemsize + 8 + 8 * 5),
        "output_bytes": int(expected[0].nbytes),
        "identical": all(run["identical"] for run in [*one_runs, *many_runs]),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
