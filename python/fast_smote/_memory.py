"""Refusing, before anything is allocated, work whose memory cannot exist on this machine.

An impossible request (say, a dict ``sampling_strategy`` asking for 10**12 rows) must
fail at once with the size it needs, instead of allocating until the operating system
kills the interpreter.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from ._format import format_bytes
from ._sparse import is_sparse
from ._validation import Dataset


class MemoryBudgetError(MemoryError):
    """A resampling needs more memory than it may use: the memory this machine (or its
    container) has available, or, for Dask collections, ``memory_budget``."""


def _meminfo_bytes(fields: tuple[str, ...]) -> int | None:
    """The sum of ``fields`` of ``/proc/meminfo`` (Linux), in bytes."""
    try:
        with open("/proc/meminfo") as meminfo:
            values = dict(line.split(":", 1) for line in meminfo if ":" in line)
        return sum(int(values[name].split()[0]) * 1024 for name in fields)
    except (OSError, KeyError, ValueError):
        return None


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_headroom() -> int | None:
    """What the process's memory cgroup still allows (v2, then v1), if it sets a limit."""
    for limit_path, usage_path in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        limit, usage = _read_int(limit_path), _read_int(usage_path)
        # cgroup v1 writes "no limit" as a huge number.
        if limit is not None and usage is not None and limit < 1 << 60:
            return max(limit - usage, 0)
    return None


def available_bytes() -> int | None:
    """Memory a new allocation can still get: on Linux the kernel's estimate of available
    memory plus free swap, within the cgroup's limit; elsewhere the physical memory.
    ``None`` when the platform tells neither."""
    if sys.platform.startswith("linux"):
        free = _meminfo_bytes(("MemAvailable", "SwapFree"))
        headroom = _cgroup_headroom()
        known = [n for n in (free, headroom) if n is not None]
        if known:
            return min(known)
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_fits(sampler: str, needed: int, what: str) -> None:
    """Raises :class:`MemoryBudgetError` when ``needed`` bytes (for ``what``) exceed what
    this machine has available."""
    available = available_bytes()
    if available is not None and needed > available:
        raise MemoryBudgetError(
            f"{sampler} would need about {format_bytes(needed)} for {what}, but only "
            f"{format_bytes(available)} of memory is available; ask for fewer new samples "
            "(sampling_strategy) or resample on a machine with more memory"
        )


def check_output_fits(sampler: str, data: Dataset, n_new: int) -> None:
    """Refuses an over-sampling whose output (``n_new`` new rows after the originals, as
    the core makes it and as it is handed back) and neighbour search cannot fit.

    The estimate: the resampled X in the core's type, a second copy when X came in a
    DataFrame (or with categorical columns), the new rows' provenance (or sample
    indices), and the search's copy of the largest class.
    """
    n_rows = data.n_samples + n_new
    itemsize = data.X.dtype.itemsize
    if is_sparse(data.X):
        stored_per_row = int(getattr(data.X, "nnz", 0)) / max(data.n_samples, 1)
        # A synthetic row stores at most the union of its two rows' values.
        row_bytes = int(np.ceil(2 * stored_per_row * (itemsize + 8))) + 8
        # The sparse search indexes every column.
        search_index = (data.X.shape[1] + 1) * 8
    else:
        row_bytes = data.n_features * itemsize
        search_index = 0
    copies = 2 if data.x_container is not None or data.categorical is not None else 1
    largest_class = int(data.counts.max(initial=0))
    needed = (
        copies * n_rows * row_bytes
        + n_new * (16 + itemsize)
        + 2 * largest_class * (data.n_features + 1) * 8
        + search_index
    )
    check_fits(
        sampler,
        needed,
        f"X_resampled ({n_rows:,} rows of {data.n_features:,} {data.X.dtype} features) and "
        "its working memory",
    )
