"""The approximate neighbour search of one class split over a cluster's worker threads,
each row sent only to the parts that need it, with the single-process table row for row.

The core's approximate search sorts the class's rows by nearest k-means cell, then
position (a row's *sorted index*), scans each row's few nearest cells, refines each
list by its neighbours' lists and ranks the candidates exactly. Here each part owns a
run of consecutive cells (its *own* rows, a run of sorted indices, about ``1 / parts``
of the class) and:

1. finds the nearest cells of one block of the class's rows (the block is sent to it
   once); the blocks' counts of rows per cell number every row as the whole search does;
2. receives every row that probes one of its cells (a row goes to the parts of its few
   nearest cells only), scans its own rows against them, then the others, each only
   up to the last key its own part found for it (most of a visit's candidates would
   not make its list, and a loose bar costs more than the scan);
3. merges each own row's lists from the parts it visited;
4. exchanges lists: each part sends a row's list to the parts that own a row on it,
   and the lists of its rows that the others may hold on theirs;
5. asks the other parts for the rows on those lists that it does not hold;
6. refines and ranks its own rows exactly.

Every step computes for its rows what the whole search computes (the core checks that
the rows it is given number and hold what the step needs), so the table is the same
for any number of parts. This module only builds lazy tasks: ``fast_smote.dask``
computes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask
import numpy as np
from dask.sizeof import sizeof

from . import _core
from ._dask_join import ArrivesAligned, aligned
from ._dask_placement import by_thread, where_held
from ._neighbors import ApproximateSearch, NeighborSearch

#: No row: the core's filler in a list.
NONE = np.iinfo(np.uint32).max


@dataclass(frozen=True)
class Held(ArrivesAligned):
    """Rows of the class that a part holds: X's rows, and each one's position in the
    class, sorted index and nearest cells (one row each), and its list (sorted indices,
    ``NONE`` for none; no columns while the lists are not known)."""

    X: np.ndarray
    positions: np.ndarray
    sorted: np.ndarray
    cells: np.ndarray
    lists: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def take(self, chosen: np.ndarray) -> Held:
        return Held(
            self.X[chosen],
            self.positions[chosen],
            self.sorted[chosen],
            self.cells[chosen],
            self.lists[chosen],
        )

    def with_lists(self, lists: np.ndarray) -> Held:
        return Held(self.X, self.positions, self.sorted, self.cells, lists)

    def core_args(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.X, self.positions, self.sorted, self.cells


def _sizeof_held(held: Held) -> int:
    return sum(int(a.nbytes) for a in (held.X, held.positions, held.sorted, held.cells, held.lists))


# What the workers' memory accounting and the scheduler's transfer costs see of it.
sizeof.register(Held, _sizeof_held)


def _joined(pieces: list[Held]) -> Held:
    """The pieces' rows, in order of position (each row once: with its list where a piece
    has it)."""
    keep = max(piece.lists.shape[1] for piece in pieces)
    pieces = [
        p if p.lists.shape[1] == keep else p.with_lists(np.full((len(p), keep), NONE, np.uint32))
        for p in pieces
    ]
    rows = Held(*(np.concatenate([getattr(p, name) for p in pieces]) for name in Held.__dataclass_fields__))
    without_list = rows.lists[:, 0] == NONE if keep else np.ones(len(rows), dtype=bool)
    order = np.lexsort((without_list, rows.positions))
    first = np.ones(len(order), dtype=bool)
    first[1:] = rows.positions[order[1:]] != rows.positions[order[:-1]]
    return rows.take(order[first])


@dataclass(frozen=True)
class Layout:
    """Where a split search's rows belong: each cell's part, each part's first own sorted
    index (and the class's size last), and each block's first sorted index in each cell."""

    owner: np.ndarray
    first_sorted: np.ndarray
    offsets: np.ndarray

    def own(self, part: int) -> tuple[int, int]:
        return int(self.first_sorted[part]), int(self.first_sorted[part + 1])


def split_approximate_search(rows: Any, search: NeighborSearch, n_parts: int, n_threads: int | None) -> Any:
    """The class's approximate neighbour table (lazy, positions into its rows) split into
    ``n_parts`` parts placed on the worker threads in turn, or None where the search
    does not use cells (below ``exact_below`` rows, or a value shared by more than
    ``k + 1`` rows: it then runs whole). ``rows`` is the class gathered on one worker
    (``X`` and ``rows``); the plan (the centring and the k-means centroids, a few
    hundred KB at 1e7 rows) is made there first."""
    approximate = search.approximate
    assert approximate is not None
    k = search.searched_k
    plan = dask.compute(dask.delayed(_plan, pure=True)(rows, k, approximate, n_threads))[0]
    if plan is None:
        return None
    effort = approximate.effort
    blocks = _core.approximate_blocks(plan[4], n_parts)
    task = {
        f.__name__.lstrip("_"): dask.delayed(f, pure=True)
        for f in (
            _block,
            _located,
            _cell_counts,
            _layout,
            _numbered,
            _visitors,
            _scanned_own,
            _bars_for,
            _scanned_others,
            _found_for,
            _merged,
            _lists_for,
            _wanted,
            _rows_wanted,
            _head,
            _finished,
        )
    }
    parts = range(n_parts)
    # The slices are cut where the class is; each goes once to its part's worker.
    with where_held(rows):
        sliced = [task["block"](rows, blocks[p], blocks[p + 1]) for p in parts]
    located = by_thread(lambda p: task["located"](sliced[p], blocks[p], plan, effort, n_threads), n_parts)
    counts = by_thread(lambda p: task["cell_counts"](located[p], len(plan[2])), n_parts)
    layout = task["layout"](counts)
    numbered = by_thread(lambda p: task["numbered"](located[p], layout, p), n_parts)
    visitors = by_thread(lambda p: [task["visitors"](numbered[p], layout, q) for q in parts], n_parts)
    visiting = by_thread(
        lambda q: task["scanned_own"](
            layout, q, k, plan, effort, n_threads, *(visitors[p][q] for p in parts)
        ),
        n_parts,
    )
    bars = by_thread(lambda r: [task["bars_for"](visiting[r], layout, q) for q in parts], n_parts)
    scanned = by_thread(
        lambda q: task["scanned_others"](
            visiting[q], k, plan, effort, n_threads, *(bars[r][q] for r in parts)
        ),
        n_parts,
    )
    found_for = by_thread(lambda q: [task["found_for"](scanned[q], layout, r) for r in parts], n_parts)
    merged = by_thread(
        lambda r: task["merged"](visiting[r], layout, r, *(found_for[q][r] for q in parts)), n_parts
    )
    pushed = by_thread(
        lambda q: [task["lists_for"](merged[q], found_for[q][r], layout, q, r) for r in parts], n_parts
    )
    wanted = by_thread(lambda r: task["wanted"](plan[4], merged[r], *(pushed[q][r] for q in parts)), n_parts)
    sent = by_thread(lambda q: [task["rows_wanted"](merged[q], wanted[r]) for r in parts], n_parts)
    # The class's first 2k + 1 rows: the ranking's fill for a row short of candidates.
    heads = by_thread(lambda p: task["head"](numbered[p], 2 * k + 1), n_parts)
    finished = by_thread(
        lambda r: task["finished"](
            merged[r],
            [pushed[q][r] for q in parts],
            [sent[q][r] for q in parts],
            heads,
            layout,
            r,
            k,
            plan,
            effort,
            n_threads,
        ),
        n_parts,
    )
    return dask.delayed(_table, pure=True)(finished, k)


def _plan(rows: Any, k: int, approximate: ApproximateSearch, n_threads: int | None) -> Any:
    return _core.approximate_split_plan(rows.X, k, approximate.effort, approximate.seed, n_threads)


def _core_plan(plan: Any) -> Any:
    """The plan as the core reads it (its arrays aligned after a transfer)."""
    mean, scale, centroids, exact_scale, n_rows = plan
    return (*aligned(mean), scale, *aligned(centroids), exact_scale, n_rows)


def _block(rows: Any, first: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """The class's rows ``first`` to ``end``: X's and their positions."""
    return rows.X[first:end], np.arange(first, end, dtype=np.uint32)


def _located(
    block: tuple[np.ndarray, np.ndarray], first: int, plan: Any, effort: float, n_threads: int | None
) -> Held:
    X, positions = aligned(*block)
    cells = _core.approximate_block_cells(X, first, _core_plan(plan), effort, n_threads)
    empty = np.empty((len(X), 0), dtype=np.uint32)
    return Held(X, positions, np.empty(len(X), dtype=np.uint32), cells, empty)


def _cell_counts(located: Held, n_cells: int) -> np.ndarray:
    return np.bincount(located.cells[:, 0], minlength=n_cells)


def _layout(counts: list[np.ndarray]) -> Layout:
    """Each part owns a run of cells holding about an equal share of the rows; a row's
    sorted index counts the rows of earlier cells, then those of its cell in earlier
    blocks and before it in its own."""
    by_block = np.asarray(counts, dtype=np.int64)
    per_cell = by_block.sum(axis=0)
    starts = np.concatenate([[0], np.cumsum(per_cell)])
    n, n_parts = int(starts[-1]), len(counts)
    bounds = np.searchsorted(starts, [n * p // n_parts for p in range(n_parts)])
    bounds = np.minimum(np.append(bounds, len(per_cell)), len(per_cell))
    owner = np.searchsorted(bounds, np.arange(len(per_cell)), side="right") - 1
    offsets = starts[:-1] + np.cumsum(by_block, axis=0) - by_block
    return Layout(owner, starts[bounds], offsets)


def _numbered(located: Held, layout: Layout, block: int) -> Held:
    home = located.cells[:, 0]
    order = np.argsort(home, kind="stable")
    in_order = home[order]
    rank = np.arange(len(order)) - np.searchsorted(in_order, in_order)
    sorted_indices = np.empty(len(order), dtype=np.uint32)
    sorted_indices[order] = layout.offsets[block][in_order] + rank
    return Held(located.X, located.positions, sorted_indices, located.cells, located.lists)


def _visitors(numbered: Held, layout: Layout, part: int) -> Held:
    """The block's rows that probe a cell of ``part``."""
    return numbered.take(np.flatnonzero((layout.owner[numbered.cells] == part).any(axis=1)))


@dataclass(frozen=True)
class Scanned(ArrivesAligned):
    """Rows a part scanned, and each one's nearest among its own rows (keys, sorted indices)."""

    held: Held
    keys: np.ndarray
    lists: np.ndarray

    def take(self, chosen: np.ndarray) -> Scanned:
        return Scanned(self.held.take(chosen), self.keys[chosen], self.lists[chosen])


@dataclass(frozen=True)
class Visiting:
    """What a part received: its own rows scanned, and the rows of other parts' cells."""

    own: Scanned
    others: Held
    own_sorted: tuple[int, int]


def _scanned_own(
    layout: Layout, part: int, k: int, plan: Any, effort: float, n_threads: int | None, *visitors: Held
) -> Visiting:
    held = _joined(list(visitors))
    start, end = layout.own(part)
    is_own = (held.sorted >= start) & (held.sorted < end)
    own = held.take(np.flatnonzero(is_own))
    no_bars = np.full(len(own), np.inf, dtype=np.float32)
    keys, lists = _core.approximate_scan_part(
        own.core_args(), own.core_args(), no_bars, start, end, k, _core_plan(plan), effort, n_threads
    )
    return Visiting(Scanned(own, keys, lists), held.take(np.flatnonzero(~is_own)), (start, end))


def _bars_for(visiting: Visiting, layout: Layout, part: int) -> tuple[np.ndarray, np.ndarray]:
    """The own rows that probe a cell of ``part`` (another part), and their bars there:
    the last key of their lists here."""
    own = visiting.own
    if visiting.own_sorted == layout.own(part):
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.float32)
    chosen = np.flatnonzero((layout.owner[own.held.cells] == part).any(axis=1))
    return own.held.sorted[chosen], own.keys[chosen, -1]


def _scanned_others(
    visiting: Visiting,
    k: int,
    plan: Any,
    effort: float,
    n_threads: int | None,
    *bars: tuple[np.ndarray, np.ndarray],
) -> Scanned:
    """The other parts' rows that probe this part's cells, scanned up to their bars."""
    rows_with_bars = np.concatenate([rows for rows, _ in bars])
    by_row = np.argsort(rows_with_bars)
    others = visiting.others
    at = by_row[np.searchsorted(rows_with_bars, others.sorted, sorter=by_row)]
    row_bars = np.concatenate([b for _, b in bars])[at]
    keys, lists = _core.approximate_scan_part(
        visiting.own.held.core_args(),
        others.core_args(),
        row_bars,
        *visiting.own_sorted,
        k,
        _core_plan(plan),
        effort,
        n_threads,
    )
    return Scanned(others, keys, lists)


def _found_for(scanned: Scanned, layout: Layout, part: int) -> Scanned:
    """What a part found for the other parts' rows that ``part`` owns."""
    return scanned.take(np.flatnonzero(layout.owner[scanned.held.cells[:, 0]] == part))


def _merged(visiting: Visiting, layout: Layout, part: int, *found: Scanned) -> Held:
    """The part's own rows, in sorted order, with their scan lists."""
    start, end = visiting.own_sorted
    scans = [visiting.own, *found]
    lists = _core.approximate_merge_scans(
        start,
        end,
        np.concatenate([f.held.sorted for f in scans]),
        np.concatenate([f.keys for f in scans]),
        np.concatenate([f.lists for f in scans]),
    )
    own = visiting.own.held
    return own.take(np.argsort(own.sorted)).with_lists(lists)


def _lists_for(own: Held, found: Scanned, layout: Layout, part: int, to: int) -> Held:
    """The rows of ``part`` (``own``: all of them, in sorted order) with their lists that
    part ``to`` needs: those whose lists hold a row of ``to`` (for its rows' refinement
    by the rows that list them), and those ``part`` found for ``to``'s rows (a superset
    of the rows on their lists)."""
    if part == to:
        return own.take(np.empty(0, dtype=np.int64))
    to_start, to_end = layout.own(to)
    needed = np.asarray(((own.lists >= to_start) & (own.lists < to_end)).any(axis=1))
    start, end = layout.own(part)
    found_here = found.lists[(found.lists >= start) & (found.lists < end)]
    needed[found_here - start] = True
    return own.take(np.flatnonzero(needed))


def _wanted(n_rows: int, own: Held, *pushed: Held) -> np.ndarray:
    """The rows on the lists a part holds that it does not hold (sorted indices)."""
    wanted = np.zeros(n_rows + 1, dtype=bool)  # the last for NONE
    for rows in (own, *pushed):
        wanted[np.minimum(rows.lists.ravel(), n_rows)] = True
    for rows in (own, *pushed):
        wanted[rows.sorted] = False
    return np.flatnonzero(wanted[:n_rows]).astype(np.uint32)


def _rows_wanted(own: Held, wanted: np.ndarray) -> Held:
    rows = own.take(np.flatnonzero(np.isin(own.sorted, wanted)))
    return rows.with_lists(np.empty((len(rows), 0), dtype=np.uint32))


def _head(numbered: Held, n_rows: int) -> Held:
    return numbered.take(np.flatnonzero(numbered.positions < n_rows))


def _finished(
    own: Held,
    pushed: list[Held],
    sent: list[Held],
    heads: list[Held],
    layout: Layout,
    part: int,
    k: int,
    plan: Any,
    effort: float,
    n_threads: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The part's own rows (positions) and their neighbours."""
    held = _joined([own, *pushed, *sent, *heads])
    return _core.approximate_finish_part(
        held.core_args(), held.lists, *layout.own(part), k, _core_plan(plan), effort, n_threads
    )


def _table(finished: list[tuple[np.ndarray, np.ndarray]], k: int) -> np.ndarray:
    """The table from every part's rows (positions and their lists)."""
    table = np.empty((sum(len(rows) for rows, _ in finished), k), dtype=np.int64)
    for rows, lists in finished:
        table[rows] = lists
    return table
