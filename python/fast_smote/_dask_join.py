"""The k-nearest-neighbour join under ``fast_smote.dask``: queries searched among every
partition of X apart (a task per partition, where the partition lives), the
partitions' lists merged by (canonical distance, row).

The core ranks every pair by its canonical distance at one scale for all of X (from the
largest magnitude of X's values), ties going to the lowest row, so the merged lists are
the single-process search's among all rows, row for row, for any partitioning. Each
list entry carries its row's class code, so that the samplers' verdicts (Tomek links,
edited neighbours, danger and difficulty) need no other partition's rows or labels.
This module only builds lazy tasks: ``fast_smote.dask`` computes them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields
from typing import Any

import dask
import numpy as np
from dask.sizeof import sizeof

from . import _core
from ._containers import labels_of
from ._features import check_X


def aligned(*values: Any) -> tuple[Any, ...]:
    """The values, each array as the core reads it: a transfer between workers can leave
    an array's data at an address its type does not align with (copied then)."""
    return tuple(np.require(v, requirements=["C", "A"]) if isinstance(v, np.ndarray) else v for v in values)


class ArrivesAligned:
    """A dataclass of arrays whose arrays are aligned when it is unpickled, as it is
    after a transfer between workers (see ``aligned``)."""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _arrived, (type(self), *(getattr(self, field.name) for field in fields(self)))  # type: ignore[arg-type]


def _arrived(cls: type, *values: Any) -> Any:
    return cls(*aligned(*values))


@dataclass(frozen=True)
class Rows(ArrivesAligned):
    """Rows of X in the core's float type, their rows in X and their class codes."""

    X: np.ndarray
    rows: np.ndarray
    codes: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def where(self, mask: np.ndarray) -> Rows:
        return Rows(self.X[mask], self.rows[mask], self.codes[mask])


def _sizeof_arrays(obj: Rows | Lists) -> int:
    return sum(int(a.nbytes) for a in vars(obj).values())


def partition_labels(x_part: Any, y_part: Any, first_row: int) -> np.ndarray:
    """The labels of a partition of y, checked to be as many as its partition of X's rows."""
    labels, _ = labels_of(y_part)
    if len(labels) != len(x_part):
        raise ValueError(
            f"X and y have different numbers of rows in the partition from row {first_row}: "
            f"{len(x_part)} and {len(labels)}"
        )
    return labels


def checked_partition(x_part: Any, y_part: Any, classes: np.ndarray, first_row: int) -> Rows:
    """One partition of X checked as a single-process run checks X (a NaN is named by
    its row and column in X), with its rows' class codes (positions in ``classes``)."""
    labels = partition_labels(x_part, y_part, first_row)
    values = check_X(x_part, first_row=first_row)[0]
    rows = np.arange(first_row, first_row + len(values), dtype=np.int64)
    return Rows(values, rows, np.searchsorted(classes, labels).astype(np.int64))


def largest_magnitude(partition: Rows) -> float:
    """The largest absolute value in the partition (0 when empty)."""
    if partition.X.size == 0:
        return 0.0
    return float(max(partition.X.max(), -partition.X.min()))


@dataclass(frozen=True)
class Lists(ArrivesAligned):
    """Each query's candidates, nearest first: canonical distances, rows of X and their
    class codes (padded with ``(inf, -1, -1)``)."""

    keys: np.ndarray
    rows: np.ndarray
    codes: np.ndarray


def part_lists(partition: Rows, queries: Rows, k: int, largest: float, n_threads: int | None) -> Lists:
    """The ``k`` rows of ``partition`` nearest each query (itself excluded)."""
    first_row = int(partition.rows[0]) if len(partition) else 0
    keys, rows = _core.join_part(partition.X, first_row, queries.X, queries.rows, k, largest, n_threads)
    found = rows >= 0
    codes = np.full(rows.shape, -1, dtype=np.int64)
    codes[found] = partition.codes[rows[found] - first_row]
    return Lists(keys, rows, codes)


def merged(first: Lists, second: Lists) -> Lists:
    """The first of both lists by (key, row): padding (an infinite key) comes last."""
    k = first.keys.shape[1]
    keys, rows, codes = (np.hstack(pair) for pair in zip(_fields(first), _fields(second)))
    order = np.lexsort((rows, keys))[:, :k]
    return Lists(*(np.take_along_axis(a, order, axis=1) for a in (keys, rows, codes)))


def concatenated(*blocks: Lists) -> Lists:
    """The lists of consecutive blocks of queries, as one."""
    return Lists(*(np.concatenate(parts) for parts in zip(*map(_fields, blocks))))


def _fields(lists: Lists) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return lists.keys, lists.rows, lists.codes


def group_lists(queries: Rows, k: int, largest: float, n_threads: int | None, *partitions: Rows) -> Lists:
    """The queries' lists among several partitions, merged as each is searched."""
    lists = part_lists(partitions[0], queries, k, largest, n_threads)
    for partition in partitions[1:]:
        lists = merged(lists, part_lists(partition, queries, k, largest, n_threads))
    return lists


def join(
    partitions: list[Any],
    queries: Any,
    k: int,
    largest: float,
    n_threads: int | None,
    groups: list[list[int]],
    places: list[str] | None = None,
) -> Any:
    """The lazy lists of the ``k`` nearest neighbours of ``queries`` (a lazy ``Rows``)
    among every row of the partitions (lazy ``Rows``, in X's order): a task per group of
    partitions (``groups``, by position: those a worker thread holds, so that only the
    queries and one list per group move; or, with ``places``, group ``i``'s task on the
    worker ``places[i]``), the groups' lists merged pairwise."""
    search = dask.delayed(group_lists, pure=True)
    lists = []
    for i, group in enumerate(groups):
        place = (
            contextlib.nullcontext()
            if places is None
            else dask.annotate(workers=[places[i]], allow_other_workers=True)
        )
        with place:
            lists.append(search(queries, k, largest, n_threads, *(partitions[j] for j in group)))
    merge = dask.delayed(merged, pure=True)
    while len(lists) > 1:
        pairs = [merge(a, b) for a, b in zip(lists[::2], lists[1::2])]
        lists = pairs + lists[len(pairs) * 2 :]
    return lists[0]


# What the workers' memory accounting and the scheduler's transfer costs see of them.
sizeof.register(Rows, _sizeof_arrays)
sizeof.register(Lists, _sizeof_arrays)
