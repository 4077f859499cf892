"""Where ``fast_smote.dask`` places its tasks: the distributed client Dask computes with,
its workers' threads, and tasks pinned to them in turn."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import dask
from dask.base import get_scheduler


def worker_threads() -> list[str]:
    """Every thread of the distributed client's workers, as its worker's address
    (workers in address order), or none without a client."""
    client = current_client()
    if client is None:
        return []
    workers = sorted(client.scheduler_info()["workers"].items())
    return [address for address, worker in workers for _ in range(int(worker.get("nthreads", 1)))]


def by_thread(make: Callable[[int], Any], n_tasks: int, first_thread: int = 0) -> list[Any]:
    """``make(i)`` for each of ``n_tasks`` tasks (or groups of tasks), task ``i`` placed
    on the ``first_thread + i``-th worker thread, round the threads of every worker in turn. The
    tasks then run side by side from the start instead of where their inputs were
    first held until the scheduler steals them, and a worker keeps the inputs its
    waiting tasks read (the scheduler drops a copy no waiting task needs)."""
    threads = worker_threads()
    if not threads:
        return [make(i) for i in range(n_tasks)]
    made = []
    for i in range(n_tasks):
        with dask.annotate(workers=[threads[(first_thread + i) % len(threads)]], allow_other_workers=True):
            made.append(make(i))
    return made


def current_client() -> Any:
    """The ``distributed`` client Dask computes with now (the current or default client,
    unless dask.config's ``scheduler`` names another), or None."""
    try:
        from distributed import Client
    except ImportError:
        return None
    client = getattr(get_scheduler(), "__self__", None)
    return client if isinstance(client, Client) else None


def where_held(value: Any) -> contextlib.AbstractContextManager[Any]:
    """Places the tasks made within on the workers that hold ``value``, a future of the
    distributed client (no placement for other values). A task that reads only a part
    of a large value, given no placement, may run elsewhere and fetch it whole."""
    client = current_client()
    if client is None:
        return contextlib.nullcontext()
    from distributed import Future

    if not isinstance(value, Future):
        return contextlib.nullcontext()
    holders = sorted(client.who_has([value]).get(value.key, ()))
    if not holders:
        return contextlib.nullcontext()
    placed: contextlib.AbstractContextManager[Any] = dask.annotate(workers=holders, allow_other_workers=True)
    return placed
