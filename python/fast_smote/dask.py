"""Resampling Dask collections on a Dask cluster (``pip install 'fast-smote[dask]'``).

``fast_smote.dask.resample(X, y, ...)``, and ``fit_resample`` of SMOTE,
BorderlineSMOTE, ADASYN, RandomOverSampler, TomekLinks,
EditedNearestNeighbours, SMOTETomek and SMOTEENN given Dask collections, take a
``dask.array`` (chunked by rows) or a ``dask.dataframe`` X with a Dask y partitioned
alike, and return lazy Dask collections of the same kind. ``compute()`` of the result
equals the single-process run on the computed X and y with the same seed, row for row,
whatever the number of workers and the input chunking.

How the over-samplers work (docs/dask.md has the whole design, its
limits and how it scales):

1. One pass over y counts each partition's classes; X is not read.
2. The rows of the classes to oversample, once checked to fit ``memory_budget``, are
   gathered class by class on a worker, and every partition holding such rows is checked
   as a single-process run checks X. The rows stay on the cluster, copied once to every
   worker. Each class gets its exact k-nearest-neighbour table within the class (the
   core's search, on the class's rows in their original order), split over the
   cluster's threads (``_split_search``), row for row the single-process table.
   BorderlineSMOTE and ADASYN first count each class row's neighbours of other classes
   among all rows by a k-NN join (``_dask_join``): every partition is checked and
   searched where it lives, with the class's rows as queries, and the partitions' lists
   merge exactly; the majority's rows never move (borderline-2 then brings each danger
   row's k nearest rows of any class to the class's rows, and only those).
3. The synthetic rows are made lazily, window by window: a window is a run of the core's
   output chunks of ``CHUNK_ROWS`` rows, and chunk ``c`` of class ``k`` draws from the seed
   of ``(random_state, k, c)``, exactly as in a single-process run. The windows spread over
   the workers; rows of classes that are not oversampled are never read or moved.

The cleaners search every targeted row among all rows by the same join, each partition
the queries of every other (two partitions per task): the verdicts come back as the rows
removed, and X's partitions are returned without them (class by class for
EditedNearestNeighbours, as in memory). The combinations run their over-sampler on Dask,
then their cleaner on its lazy output.
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    import dask
    import dask.array as da
    from dask.base import get_scheduler
    from dask.sizeof import sizeof
    from dask.utils import parse_bytes
except ImportError:  # pragma: no cover - the dask extra is a test dependency
    raise ImportError(
        "fast_smote.dask needs Dask's arrays and DataFrames: pip install 'fast-smote[dask]'"
    ) from None

from . import _core
from ._checks import (
    check_2d,
    check_features,
    check_lengths,
    check_samples,
    check_y_shape,
    float_dtype_for,
    require_y,
)
from ._containers import FrameLayout, is_dask_collection, labels_of
from ._dask_join import (
    ArrivesAligned,
    Lists,
    Rows,
    aligned,
    checked_partition,
    concatenated,
    join,
    largest_magnitude,
    partition_labels,
)
from ._features import check_X, numeric_values
from ._format import format_bytes
from ._memory import MemoryBudgetError
from ._neighbors import ApproximateSearch, NeighborSearch
from ._resample import SAMPLERS
from ._validation import (
    ClassCounts,
    StrategyDict,
    check_n_jobs,
    check_no_missing_labels,
    check_several_classes,
    encode_labels,
    resolve_sampling_strategy,
    seed_from,
    unique_labels,
)
from .base import BaseSampler
from .combine._combine import _OverThenClean
from .over_sampling import ADASYN, SMOTE, BorderlineSMOTE, Provenance, RandomOverSampler
from .over_sampling._base import Job
from .over_sampling._random import BootstrapJob, class_spread, smoothing_bandwidth
from .under_sampling import EditedNearestNeighbours, TomekLinks

__all__ = ["MemoryBudgetError", "fit", "fit_resample", "resample"]

#: The dask.config key of the default ``memory_budget``.
MEMORY_BUDGET_KEY = "fast_smote.memory_budget"


def resample(
    X: Any,
    y: Any,
    *,
    method: str = "smote",
    sampling_strategy: Any = "auto",
    k_neighbors: Any = 5,
    random_state: Any = None,
    memory_budget: int | str | None = None,
    n_jobs: int | None = None,
    **params: Any,
) -> tuple[Any, Any]:
    """Oversample Dask ``X, y`` on the current Dask scheduler (a ``distributed`` client if
    one is active); the same rows as ``fast_smote.resample`` of the computed data.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features), or dask.dataframe.DataFrame
        Chunked by rows (column chunks are merged first).
    y : dask.array.Array of shape (n_samples,), or dask.dataframe.Series
        Partitioned like X: the same number of partitions, of the same lengths (take
        X and y from one DataFrame, ``ddf.drop(columns=target)`` and ``ddf[target]``).
    method : {'smote', 'borderline-smote', 'adasyn', 'random', 'smote-tomek', 'smote-enn'}, default='smote'
        The sampler, as for ``fast_smote.resample``.
    sampling_strategy, random_state, n_jobs
        As for every sampler; a callable ``sampling_strategy`` is called with the Dask
        y. ``n_jobs`` is the threads each task's core call uses (None: every core of
        the worker's machine).
    k_neighbors : int or estimator, default=5
        For ``'smote'`` and ``'borderline-smote'``.
    memory_budget : int, str or None, default=None
        Bytes a worker may hold for the gathered rows of the classes to oversample
        (with their neighbour tables and the search's working memory): an int or a
        string such as ``"4GiB"``. None takes dask.config's ``fast_smote.memory_budget``,
        else half the smallest worker's memory limit (half this machine's memory
        without a distributed client).
    **params
        The sampler's other parameters (``shrinkage`` for ``'random'``).

    Returns
    -------
    X_resampled : dask.array.Array or dask.dataframe.DataFrame
        Lazy: X's partitions, then the synthetic rows class by class.
    y_resampled : dask.array.Array or dask.dataframe.Series

    Raises
    ------
    MemoryBudgetError
        When the gathered rows would not fit ``memory_budget``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> import fast_smote.dask
    >>> X = da.from_array(np.random.default_rng(0).normal(size=(1000, 3)), chunks=250)
    >>> y = da.from_array(np.array([0] * 900 + [1] * 100), chunks=250)
    >>> X_res, y_res = fast_smote.dask.resample(X, y, random_state=0)
    >>> X_res.shape, int((y_res == 1).sum().compute())
    ((1800, 3), 900)
    """
    if method not in DASK_METHODS:
        raise ValueError(
            f"method={method!r} is not available on Dask; use one of "
            f"{', '.join(map(repr, DASK_METHODS))} (other samplers: compute X and y first)"
        )
    sampler_class = SAMPLERS[method]
    if "k_neighbors" in inspect.signature(sampler_class).parameters:
        params["k_neighbors"] = k_neighbors
    elif k_neighbors != 5:
        raise ValueError(f"method={method!r} takes no k_neighbors")
    sampler = sampler_class(
        sampling_strategy=sampling_strategy, random_state=random_state, n_jobs=n_jobs, **params
    )
    return fit_resample(sampler, X, y, memory_budget=memory_budget)


def fit_resample(
    sampler: BaseSampler, X: Any, y: Any, *, memory_budget: int | str | None = None
) -> tuple[Any, Any]:
    """``sampler.fit_resample(X, y)`` for Dask collections (what the samplers call when
    given them): sets the sampler's fitted attributes and returns lazy collections.
    See :func:`resample` for the parameters."""
    if type(sampler) in _CLEANERS:
        return _clean(sampler, X, y, memory_budget)
    if isinstance(sampler, _OverThenClean):
        over, clean = sampler._parts()
        X_over, y_over = fit_resample(over, X, y, memory_budget=memory_budget)
        sampler._record(over)
        return fit_resample(clean, X_over, y_over, memory_budget=memory_budget)
    data, counts, partitions, plan = _fit(sampler, X, y)
    window_rows = _window_rows(plan.window_row_bytes())
    budget = _budget(memory_budget)
    _check_budget(plan, counts, window_rows, budget)
    plan.check_partitions([len(part) for part in partitions], budget)
    gathered = _gather(data, counts, plan.codes, partitions, raw=plan.raw)
    # The classes are gathered (and awaited) before the search is submitted: as one
    # graph with it, the scheduler put every selection on one worker and moved whole
    # partitions of X there.
    rows = _share(gathered)
    plan.select(sampler, data, counts, partitions, rows)
    prepared = _share({code: plan.prepare(code, rows[code]) for code in plan.codes})
    shared = {code: (rows[code], prepared.get(code)) for code in plan.codes}
    n_samples = plan.n_samples
    first_rows = np.cumsum([n_samples, *plan.n_new]).tolist()
    spread = _search_parts()
    made: list[list[_Window]] = []
    for code, n_new, first_row in zip(plan.codes, plan.n_new, first_rows):
        # Each class's windows start on the thread after the previous class's last.
        after = sum(map(len, made))
        made.append(_class_windows(plan, code, n_new, first_row, shared[code], window_rows, spread, after))
    plan.record(sampler, made)
    windows = [window for class_windows in made for window in class_windows]
    labels = [counts.classes[code] for code, class_windows in zip(plan.codes, made) for _ in class_windows]
    return data.output_X(plan.out_dtype, windows), data.output_y(labels, windows)


def fit(sampler: BaseSampler, X: Any, y: Any) -> BaseSampler:
    """``sampler.fit(X, y)`` for Dask collections: one pass over y counts the classes,
    and ``sampling_strategy_`` and the parameters are checked, without resampling."""
    if type(sampler) in _CLEANERS:
        _fit_data(sampler, X, y, False, "clean-sampling")
        sampler._search()
    elif isinstance(sampler, _OverThenClean):
        over, clean = sampler._parts()
        fit(over, X, y)
        sampler._record(over)
        clean._search()
    else:
        _fit(sampler, X, y)
    return sampler


def _fit(sampler: BaseSampler, X: Any, y: Any) -> tuple[_Collections, ClassCounts, list[_Counts], _Plan]:
    """Checks the data and the parameters (counting y's classes), and sets what ``fit`` sets."""
    plan_class = _PLANS_BY_SAMPLER.get(type(sampler))
    if plan_class is None:
        raise TypeError(
            f"{type(sampler).__name__} does not take Dask collections: fast_smote.dask runs "
            f"{', '.join(cls.__name__ for cls in [*_PLANS_BY_SAMPLER, *_CLEANERS])} and their "
            "combinations. Compute X and y "
            "first (X.compute(), y.compute()) to resample them in memory"
        )
    data, counts, partitions = _fit_data(sampler, X, y, plan_class.any_values(sampler), "over-sampling")
    n_samples = sum(len(part) for part in partitions)
    return data, counts, partitions, plan_class(sampler, data, counts, sampler.sampling_strategy_, n_samples)


def _fit_data(
    sampler: BaseSampler, X: Any, y: Any, any_values: bool, sampling_type: str
) -> tuple[_Collections, ClassCounts, list[_Counts]]:
    """The collections and their class counts; sets the sampler's ``sampling_strategy_``
    (read as ``sampling_type``) and feature attributes, as ``fit`` does in memory."""
    data = _collections(X, y, any_values=any_values)
    counts, partitions = _count_classes(data)
    sampler.sampling_strategy_ = resolve_sampling_strategy(sampler.sampling_strategy, counts, sampling_type)
    names = None if data.frame is None else np.asarray(data.frame.columns, dtype=object)
    sampler._record_features(data.n_features, names)
    return data, counts, partitions


# ---------------------------------------------------------------------------------------
# The input: X and y as aligned partitions


@dataclass(frozen=True)
class _Collections:
    """X and y as aligned partitions, and how to build the output alike."""

    X: Any
    y: Any
    x_parts: list[Any]
    y_parts: list[Any]
    n_features: int
    #: The core's float type for X (float32 stays float32, other numbers become float64).
    dtype: np.dtype
    #: X's columns and dtypes when it is a DataFrame.
    frame: FrameLayout | None

    def output_X(self, dtype: np.dtype | None, windows: list[_Window]) -> Any:
        """X's partitions (in the output's dtypes: ``dtype``, or X's own for None), then
        the windows' rows."""
        if self.frame is None:
            dtype = self.X.dtype if dtype is None else dtype
            originals = self.X if self.X.dtype == dtype else self.X.astype(dtype)
            made = [da.from_delayed(w.rows, shape=(w.n_rows, self.n_features), dtype=dtype) for w in windows]
            return da.concatenate([originals, *made], axis=0) if made else originals
        import dask.dataframe as dd

        meta = self.X._meta if dtype is None else self.frame.wrap(np.empty((0, self.n_features), dtype=dtype))
        originals = self.X
        if dict(originals.dtypes) != dict(meta.dtypes):
            originals = originals.astype(dict(meta.dtypes))
        if not windows:
            return originals
        return dd.concat(
            [originals, dd.from_delayed([w.rows for w in windows], meta=meta, verify_meta=False)]
        )

    def output_y(self, labels: list[Any], windows: list[_Window]) -> Any:
        """y's partitions, then ``labels[i]`` for each row of window ``i``."""
        if not windows:
            return self.y
        if _is_array(self.y):
            parts = [
                da.full((w.n_rows,), label, dtype=self.y.dtype, chunks=w.n_rows)
                for label, w in zip(labels, windows)
            ]
            return da.concatenate([self.y, *parts])
        import dask.dataframe as dd

        meta = self.y._meta
        series = [
            dask.delayed(_label_series)(label, w.n_rows, w.first_row, meta)
            for label, w in zip(labels, windows)
        ]
        return dd.concat([self.y, dd.from_delayed(series, meta=meta, verify_meta=False)])


def _collections(X: Any, y: Any, *, any_values: bool) -> _Collections:
    """Checks what can be checked without computing (kinds, shapes, dtypes, partitions)."""
    if not is_dask_collection(X):
        raise TypeError(f"fast_smote.dask takes X as a dask.array or dask.dataframe, got {type(X).__name__}")
    require_y(y)
    frame = None
    if _is_array(X):
        check_2d(X.shape)
        if not any_values:
            numeric_values(X._meta)
        dtype = float_dtype_for(X.dtype) if X.dtype.kind in "biuf" else np.dtype(object)
        # Rows only: each partition holds whole rows.
        X = X.rechunk({1: -1}) if X.numblocks[1] > 1 else X
        n_features, x_parts = int(X.shape[1]), list(X.to_delayed()[:, 0])
    else:
        if X.ndim != 2:
            raise TypeError(f"X must be 2-D: a dask DataFrame or array, got a {type(X).__name__}")
        n_features, x_parts = len(X.columns), list(X.to_delayed())
        if any_values:
            dtype, frame = np.dtype(object), FrameLayout(X.columns, [], {})
        else:
            values, layout = numeric_values(X._meta)  # names the non-numeric columns
            assert isinstance(layout, FrameLayout)
            dtype, frame = values.dtype, layout
    check_features(n_features, (math.nan, n_features))
    y = _aligned_y(X, y, len(x_parts))
    y_parts = list(y.to_delayed().ravel()) if _is_array(y) else list(y.to_delayed())
    return _Collections(X, y, x_parts, y_parts, n_features, dtype, frame)


def _is_array(obj: Any) -> bool:
    """Whether a Dask collection is an array (else a DataFrame or Series)."""
    return hasattr(obj, "chunks")


def _aligned_y(X: Any, y: Any, n_parts: int) -> Any:
    """y as a 1-D Dask array or Series with X's partitions."""
    if not is_dask_collection(y):
        if not _is_array(X) or any(math.isnan(c) for c in X.chunks[0]):
            raise TypeError(
                "y must be a Dask Series or array partitioned like X (an in-memory y goes "
                "only with a dask.array X of known chunks)"
            )
        labels = labels_of(y)[0]
        y = da.from_array(labels, chunks=(X.chunks[0], *labels.shape[1:]))
    if not _is_array(y) and y.ndim == 2:
        if len(y.columns) != 1:
            raise ValueError(f"y must be 1-D: a Series or one column, got {len(y.columns)} columns")
        y = y[y.columns[0]]
    if _is_array(y):
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        check_y_shape(y.shape)
        known = _is_array(X) and not any(math.isnan(c) for c in X.chunks[0] + y.chunks[0])
        if known:
            check_lengths(X.shape[0], y.shape[0])
        if known and y.chunks[0] != X.chunks[0]:
            y = y.rechunk({0: X.chunks[0]})
        n_y_parts = y.numblocks[0]
    else:
        n_y_parts = y.npartitions
    if n_y_parts != n_parts:
        raise ValueError(
            f"X and y must be partitioned alike: X has {n_parts} partitions, y has {n_y_parts}; "
            "take both from one DataFrame (X = ddf.drop(columns=target), y = ddf[target])"
        )
    return y


def _label_series(label: Any, n_rows: int, first_row: int, meta: Any) -> Any:
    import pandas as pd

    index = pd.RangeIndex(first_row, first_row + n_rows)
    return pd.Series(label, index=index, name=meta.name, dtype=meta.dtype)


# ---------------------------------------------------------------------------------------
# Pass 1: the classes of each partition


@dataclass(frozen=True)
class _Counts:
    """One partition of y: its sorted classes and how many rows each has."""

    classes: np.ndarray
    counts: np.ndarray

    def __len__(self) -> int:
        return int(self.counts.sum())


def _partition_classes(y_part: Any, partition: int) -> _Counts:
    labels, _ = labels_of(y_part)
    check_no_missing_labels(labels, partition)
    if labels.size == 0:
        return _Counts(labels, np.zeros(0, dtype=np.int64))
    classes, _, counts = encode_labels(labels)
    return _Counts(classes, counts)


def _count_classes(data: _Collections) -> tuple[ClassCounts, list[_Counts]]:
    """The classes and their counts over all of y, and each partition's."""
    partitions = list(
        dask.compute(*[dask.delayed(_partition_classes)(part, i) for i, part in enumerate(data.y_parts)])
    )
    if _is_array(data.X):
        for i, (want, part) in enumerate(zip(data.X.chunks[0], partitions)):
            if not math.isnan(want) and want != len(part):
                raise ValueError(
                    f"X and y have different numbers of rows in partition {i}: {want} and {len(part)}"
                )
    check_samples(sum(len(part) for part in partitions), (0, data.n_features))
    classes, where, _ = unique_labels(np.concatenate([part.classes for part in partitions]))
    counts = np.zeros(len(classes), dtype=np.int64)
    np.add.at(counts, where, np.concatenate([part.counts for part in partitions]))
    check_several_classes(classes)
    return ClassCounts(data.y, classes, counts), partitions


# ---------------------------------------------------------------------------------------
# Pass 2: the rows of the classes to oversample, gathered class by class


@dataclass(frozen=True)
class _ClassRows(ArrivesAligned):
    """One class's rows, in their original order, and their rows in the caller's X."""

    X: Any
    rows: np.ndarray


def _sizeof_class_rows(rows: _ClassRows) -> int:
    return int(sizeof(rows.X)) + rows.rows.nbytes


# What the workers' memory accounting and the scheduler's transfer costs see of a class.
sizeof.register(_ClassRows, _sizeof_class_rows)


def _select(
    x_part: Any, y_part: Any, targets: np.ndarray, first_row: int, raw: bool
) -> tuple[Any, np.ndarray, np.ndarray]:
    """The rows of one partition in the classes ``targets``: their values (X's own with
    ``raw``; else checked and in the core's type, as single-process X is), labels and rows."""
    labels = partition_labels(x_part, y_part, first_row)
    chosen = np.flatnonzero(np.isin(labels, targets))
    if raw:
        values = x_part.iloc[chosen] if hasattr(x_part, "iloc") else np.asarray(x_part)[chosen]
    else:
        values = check_X(x_part, first_row=first_row)[0][chosen]
    return values, labels[chosen], chosen + first_row


def _class_rows(label: Any, *selections: tuple[Any, np.ndarray, np.ndarray]) -> _ClassRows:
    """One class's rows from every partition's selection."""
    picked = [(values, rows, labels == label) for values, labels, rows in selections]
    rows = np.concatenate([rows[mask] for _, rows, mask in picked])
    parts = [values[mask] for values, _, mask in picked]
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return _ClassRows(pd.concat(parts), rows)
    return _ClassRows(np.ascontiguousarray(np.concatenate(parts)), rows)


def _gather(
    data: _Collections, counts: ClassCounts, codes: list[int], partitions: list[_Counts], *, raw: bool
) -> dict[int, Any]:
    """Each class's rows (lazily): one selection from each partition that holds any of
    them (the other partitions are not read)."""
    if not codes:
        return {}
    targets = counts.classes[codes]
    starts = np.cumsum([0, *map(len, partitions)]).tolist()
    selections = [
        dask.delayed(_select, pure=True)(x_part, y_part, targets, start, raw)
        for x_part, y_part, start, part in zip(data.x_parts, data.y_parts, starts, partitions)
        if np.isin(part.classes, targets).any()
    ]
    return {code: dask.delayed(_class_rows, pure=True)(counts.classes[code], *selections) for code in codes}


def _share(objects: dict[int, Any]) -> dict[int, Any]:
    """Computes each class's lazy object (None: nothing) once, and makes it available
    to every task: on the workers of a distributed client (as a future, which each
    worker fetches once, for the first of its tasks placed there by ``_by_thread``;
    copied to every worker beforehand, it was dropped again by the scheduler's memory
    manager before those tasks came), else held here."""
    codes = [code for code, obj in objects.items() if obj is not None]
    if not codes:
        return {}
    return dict(zip(codes, _held([objects[code] for code in codes])))


def _held(objects: list[Any]) -> list[Any]:
    """Computes lazy objects once, for tasks to come: on a distributed client, futures
    kept where they were computed; else values held here. A data error is raised now,
    as a single-process run raises it."""
    client = _client()
    if client is None:
        token = uuid.uuid4().hex
        values = dask.compute(*objects)
        return [dask.delayed(value, name=f"fast-smote-{token}-{i}") for i, value in enumerate(values)]
    from distributed import wait

    held = client.compute(objects)
    wait(held)
    for future in held:
        if future.status == "error":
            future.result()
    return list(held)


def _worker_threads() -> list[str]:
    """Every thread of the distributed client's workers, as its worker's address
    (workers in address order), or none without a client."""
    client = _client()
    if client is None:
        return []
    workers = sorted(client.scheduler_info()["workers"].items())
    return [address for address, worker in workers for _ in range(int(worker.get("nthreads", 1)))]


def _search_parts() -> int:
    """How many parts a class's neighbour search is split into: the threads of every
    worker of a distributed client (1 without one: the core's threads share it then)."""
    return max(1, len(_worker_threads()))


def _by_thread(make: Callable[[int], Any], n_tasks: int, first_thread: int = 0) -> list[Any]:
    """``make(i)`` for each of ``n_tasks`` tasks (or groups of tasks), task ``i`` placed
    on the ``first_thread + i``-th worker thread, round the threads of every worker in turn. The
    tasks then run side by side from the start instead of where their inputs were
    first held until the scheduler steals them, and a worker keeps the inputs its
    waiting tasks read (the scheduler drops a copy no waiting task needs)."""
    threads = _worker_threads()
    if not threads:
        return [make(i) for i in range(n_tasks)]
    made = []
    for i in range(n_tasks):
        with dask.annotate(workers=[threads[(first_thread + i) % len(threads)]], allow_other_workers=True):
            made.append(make(i))
    return made


def _client() -> Any:
    """The ``distributed`` client Dask computes with now (the current or default client,
    unless dask.config's ``scheduler`` names another), or None."""
    try:
        from distributed import Client
    except ImportError:
        return None
    client = getattr(get_scheduler(), "__self__", None)
    return client if isinstance(client, Client) else None


# ---------------------------------------------------------------------------------------
# The memory budget


def _budget(memory_budget: int | str | None) -> int:
    """The budget in bytes: the parameter, dask.config's, or half the smallest worker's
    memory limit (half this machine's memory without a client)."""
    if memory_budget is None:
        memory_budget = dask.config.get(MEMORY_BUDGET_KEY, None)
    if memory_budget is not None:
        if isinstance(memory_budget, (bool, np.bool_)) or not isinstance(
            memory_budget, (numbers.Integral, str)
        ):
            raise TypeError(
                f"memory_budget must be a number of bytes or a string such as '4GiB', got {memory_budget!r}"
            )
        try:
            budget = int(parse_bytes(memory_budget)) if isinstance(memory_budget, str) else int(memory_budget)
        except ValueError:
            raise ValueError(f"memory_budget={memory_budget!r} is not a size such as '4GiB'") from None
        if budget <= 0:
            raise ValueError(f"memory_budget must be positive, got {memory_budget!r}")
        return budget
    client = _client()
    limits = []
    if client is not None:
        limits = [w.get("memory_limit") or 0 for w in client.scheduler_info()["workers"].values()]
    known = [limit for limit in limits if limit > 0]
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(min(known) if known else machine) // 2


def _check_budget(plan: _Plan, counts: ClassCounts, window_rows: int, budget: int) -> None:
    rows = [int(counts.counts[code]) for code in plan.codes]
    needed = plan.memory(rows) + min(window_rows, max(plan.n_new, default=0)) * plan.window_row_bytes()
    if needed > budget:
        sizes = ", ".join(f"class {counts.label(code)!r}: {n:,} rows" for code, n in zip(plan.codes, rows))
        raise MemoryBudgetError(
            f"the classes to oversample ({sizes}) need about {format_bytes(int(needed))} on every worker "
            f"(their rows gathered, {plan.held_what}), more than memory_budget={format_bytes(int(budget))}. "
            f"Give workers more memory and raise memory_budget (a parameter, or dask.config "
            f"'{MEMORY_BUDGET_KEY}'), or oversample fewer rows"
        )


# ---------------------------------------------------------------------------------------
# The synthetic rows, window by window


@dataclass(frozen=True)
class _Window:
    """One synthetic partition: its rows (Delayed), its place among the output's rows,
    and the Delayed arrays the sampler records of it."""

    rows: Any
    n_rows: int
    first_row: int
    recorded: tuple[Any, ...]


@dataclass(frozen=True)
class _Draws:
    """What every window task of a run takes besides its class's data (small: it is
    pickled with each task)."""

    seed: int
    n_threads: int | None
    #: X's layout when it is a DataFrame: the windows are then DataFrames.
    frame: FrameLayout | None

    def output(self, values: Any, first_row: int) -> Any:
        """A window's rows as an output partition: for a DataFrame X, a DataFrame (with
        the output's columns and dtypes) indexed by output row."""
        if self.frame is None:
            return values
        import pandas as pd

        frame = values if hasattr(values, "iloc") else self.frame.wrap(values)
        frame.index = pd.RangeIndex(first_row, first_row + len(frame))
        return frame


def _window_rows(row_bytes: int) -> int:
    """The most rows a synthetic partition holds: whole output chunks, about dask.config's
    ``array.chunk-size`` (the rows made do not depend on it)."""
    target = int(parse_bytes(dask.config.get("array.chunk-size")))
    return _core.CHUNK_ROWS * max(1, target // (_core.CHUNK_ROWS * max(row_bytes, 1)))


class _Plan(ABC):
    """What a sampler does on Dask: the classes it grows, how their rows are gathered,
    what each class prepares once, and the task that makes a window of its rows."""

    #: Outputs of the window task: the rows, then what ``record`` takes.
    n_outputs = 2
    #: What the gathered classes hold besides their rows, for the budget's message.
    held_what = "their row numbers"

    def __init__(
        self,
        sampler: Any,
        data: _Collections,
        counts: ClassCounts,
        strategy: StrategyDict,
        n_samples: int,
    ) -> None:
        self.n_features = data.n_features
        self.n_samples = n_samples
        self.codes, self.n_new = counts.plan(strategy)
        self.draws = _Draws(seed_from(sampler.random_state), check_n_jobs(sampler.n_jobs), data.frame)
        #: Whether the rows are gathered as X holds them (to be copied), not as core floats.
        self.raw = False
        #: X's float type in the core, and the output's dtype (None: X's own dtypes).
        self.dtype = data.dtype
        self.out_dtype: np.dtype | None = data.dtype
        self.itemsize = data.dtype.itemsize if data.dtype.kind == "f" else 8
        self.check(sampler, counts, strategy)

    @abstractmethod
    def check(self, sampler: Any, counts: ClassCounts, strategy: StrategyDict) -> None:
        """Checks the sampler's own parameters and sets what ``fit`` sets of them."""

    @staticmethod
    def any_values(sampler: Any) -> bool:
        """Whether X may hold any values (the rows are only copied)."""
        return False

    @property
    def row_bytes(self) -> int:
        return self.n_features * self.itemsize

    def memory(self, rows: list[int]) -> int:
        """Bytes every worker holds for gathered classes of ``rows`` rows."""
        return sum(rows) * (self.row_bytes + 8)

    def window_row_bytes(self) -> int:
        """Bytes per row of a window being made: the row and what is recorded of it."""
        return self.row_bytes + 8

    def select(
        self,
        sampler: Any,
        data: _Collections,
        counts: ClassCounts,
        partitions: list[_Counts],
        rows: dict[int, Any],
    ) -> None:
        """Decides what the classes' rows make before any is made (the search among all
        rows of BorderlineSMOTE and ADASYN), updating ``n_new``. SMOTE and random
        over-sampling make ``n_new`` rows of every class asked for."""
        return None

    def check_partitions(self, sizes: list[int], budget: int) -> None:
        """Checks, before anything is gathered, what the partitions' sizes decide (the
        join's size and budget for the samplers that search among all rows)."""
        return None

    def prepare(self, code: int, rows: Any) -> Any:
        """What every window of class ``code`` needs besides its rows (made once), or None."""
        return None

    @abstractmethod
    def window_task(self, code: int, shared: tuple[Any, Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        """The window function and its leading arguments; it then takes
        ``(n_new, first_chunk, n_chunks, first_row)``."""

    @abstractmethod
    def record(self, sampler: Any, made: list[list[_Window]]) -> None:
        """Sets the sampler's fitted attributes that describe the new rows."""


def _class_windows(
    plan: _Plan,
    code: int,
    n_new: int,
    first_row: int,
    shared: tuple[Any, Any],
    window_rows: int,
    spread: int,
    first_thread: int,
) -> list[_Window]:
    """The windows of one class's ``n_new`` rows, the first at output row ``first_row``:
    at most ``window_rows`` rows each, of even sizes in whole chunks, as many as a
    multiple of ``spread`` (the worker threads) where the class has that many chunks,
    each placed on a thread in turn from ``first_thread``, so that every worker thread
    makes a like share."""
    function, leading = plan.window_task(code, shared)
    make = dask.delayed(function, pure=True, nout=plan.n_outputs)
    all_chunks = -(-n_new // _core.CHUNK_ROWS)
    # A multiple of the threads, so that the last round keeps every thread busy.
    n_windows = min(-(-n_new // (window_rows * spread)) * spread, all_chunks)

    def window(i: int) -> _Window:
        first_chunk = all_chunks * i // n_windows
        n_chunks = all_chunks * (i + 1) // n_windows - first_chunk
        start = first_chunk * _core.CHUNK_ROWS
        n_rows = min(n_chunks * _core.CHUNK_ROWS, n_new - start)
        made = make(*leading, n_new, first_chunk, n_chunks, first_row + start)
        return _Window(made[0], n_rows, first_row + start, tuple(made[o] for o in range(1, plan.n_outputs)))

    return _by_thread(window, n_windows, first_thread)


def _concatenated(made: list[list[_Window]], which: int, dtype: Any) -> Any:
    """Recorded array ``which`` of every window, in output order."""
    parts = [da.from_delayed(w.recorded[which], shape=(w.n_rows,), dtype=dtype) for ws in made for w in ws]
    return da.concatenate(parts) if parts else da.zeros(0, dtype=dtype)


class _SmotePlan(_Plan):
    n_outputs = 4
    held_what = "their row numbers, neighbour tables and the search's working memory"

    def check(self, sampler: SMOTE, counts: ClassCounts, strategy: StrategyDict) -> None:
        self.n_parts = _search_parts()
        self.k_search = NeighborSearch("k_neighbors", sampler.k_neighbors, self.draws.seed)
        for code in self.codes:
            self.k_search.check_size(int(counts.counts[code]), f"class {counts.label(code)!r}")
        sampler.nn_k_ = self.k_search.estimator

    def memory(self, rows: list[int]) -> int:
        k = self.k_search.k or 5
        # int64 tables beside the rows; the largest search's copy of its class and
        # candidate lists, and for a split search a part's lists of every row and a
        # block's rows of every part's lists, which its task merges (12 bytes a
        # candidate, k + 1 a row).
        held = sum(rows) * (self.row_bytes + 8 + 8 * k)
        largest = max(rows, default=0)
        if self.n_parts == 1:
            parts = 0
        elif self.k_search.approximate is not None:
            # Every part's cell index (float32 rows twice, norms, positions, cells),
            # and the whole search's cells and scan lists it reads.
            effort = self.k_search.approximate.effort
            cells = math.ceil(_core.APPROXIMATE_PROBES_AT_EFFORT_ONE * effort)
            parts = largest * (8 * self.n_features + 12 * cells + 4 * (k + 8)) * self.n_parts
        else:
            parts = largest * (k + 1) * 12 * 2
        return held + largest * (8 * (self.n_features + 2) + 16 * (k + 4)) + parts

    def window_row_bytes(self) -> int:
        return self.row_bytes + 16 + self.itemsize

    def prepare(self, code: int, rows: Any) -> Any:
        n_threads, n_parts, search = self.draws.n_threads, self.n_parts, self.k_search
        if not search.in_core or n_parts == 1:
            return dask.delayed(_smote_table, pure=True)(rows, search, n_threads)
        if search.approximate is not None:
            return _split_approximate_search(rows, search, n_parts, n_threads)
        return _split_search(rows, search.searched_k, n_parts, n_threads)

    def window_task(self, code: int, shared: tuple[Any, Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return _smote_window, (*shared, self.draws, code, *self.bases_and_draws(code))

    def bases_and_draws(self, code: int) -> tuple[Any, Any]:
        """Class ``code``'s base rows (positions into its rows; None: all of them) and
        the new rows each makes (None: ``n_new`` drawn over them uniformly)."""
        return None, None

    def record(self, sampler: Any, made: list[list[_Window]]) -> None:
        base, neighbor, step = (
            _concatenated(made, i, t) for i, t in enumerate((np.int64, np.int64, self.dtype))
        )
        sampler.provenance_ = Provenance(self.n_samples, base, neighbor, step)


@dataclass(frozen=True)
class _ClassNeighbours:
    """What the search among all rows found of a class to oversample: how many of each
    of its rows' ``m`` nearest neighbours are of other classes (``other``)."""

    code: int
    label: Any
    #: The rows asked for, and the class's rows in X.
    n_new: int
    rows: np.ndarray
    other: np.ndarray
    m: int


class _FilteredPlan(_SmotePlan, ABC):
    """BorderlineSMOTE and ADASYN: SMOTE from base rows chosen or weighted by how many
    of their nearest neighbours among all rows (a k-NN join of X's partitions, the
    class's rows the queries) belong to other classes."""

    held_what = (
        "their row numbers, neighbour tables, their search among all rows and the search's working memory"
    )

    def check(self, sampler: Any, counts: ClassCounts, strategy: StrategyDict) -> None:
        self.n_parts = _search_parts()
        self.k_search, self.m_search = self.searches(sampler)
        _refuse_outside_core(self.m_search, type(sampler).__name__)
        #: Per class: the base rows (positions into its rows) and the rows each makes.
        self.bases: dict[int, Any] = {}
        self.per_base: dict[int, Any] = {}

    @abstractmethod
    def searches(self, sampler: Any) -> tuple[NeighborSearch, NeighborSearch]:
        """The search within the class and the one among all rows; sets the sampler's
        attributes that describe them."""

    @abstractmethod
    def choose_bases(self, sampler: Any, found: _ClassNeighbours) -> int:
        """Sets a class's bases or draws from what the search among all rows found;
        returns how many rows it makes."""

    def memory(self, rows: list[int]) -> int:
        # Each class's candidate lists among all rows (24 bytes a candidate), two of
        # them and their merge at a time.
        return super().memory(rows) + max(rows, default=0) * 3 * 24 * (self.m_search.k or 10)

    def select(
        self,
        sampler: Any,
        data: _Collections,
        counts: ClassCounts,
        partitions: list[_Counts],
        rows: dict[int, Any],
    ) -> None:
        m = self.m_search.searched_k
        self.classes = counts.classes
        self.checked = checked = _checked_partitions(data, counts, partitions)
        found = []
        for code in self.codes:
            queries = dask.delayed(_class_queries)(rows[code], code)
            lists = checked.join(queries, m, self.draws.n_threads)
            found.append(dask.delayed(_other_class_count)(queries, lists))
        for i, (code, (other, class_rows)) in enumerate(zip(self.codes, dask.compute(*found))):
            neighbours = _ClassNeighbours(code, counts.label(code), self.n_new[i], class_rows, other, m)
            self.n_new[i] = self.choose_bases(sampler, neighbours)

    def check_partitions(self, sizes: list[int], budget: int) -> None:
        _check_join(sizes, self.m_search, self.row_bytes, budget)

    def bases_and_draws(self, code: int) -> tuple[Any, Any]:
        return self.bases.get(code), self.per_base.get(code)


class _AdasynPlan(_FilteredPlan):
    def searches(self, sampler: ADASYN) -> tuple[NeighborSearch, NeighborSearch]:
        search = NeighborSearch("n_neighbors", sampler.n_neighbors, self.draws.seed)
        sampler.nn_ = search.estimator
        return search, search

    def choose_bases(self, sampler: ADASYN, found: _ClassNeighbours) -> int:
        per_base = sampler._per_sample_counts(found.label, found.other / found.m, found.n_new)
        self.k_search.check_size(len(found.rows), f"class {found.label!r}")
        self.per_base[found.code] = dask.delayed(per_base)
        return int(per_base.sum())


class _BorderlinePlan(_FilteredPlan):
    """Borderline-1 interpolates toward the danger rows' neighbours in their class;
    borderline-2 toward their neighbours of every class, found by a second join and
    brought to the class's rows (only those rows move), with a damped step toward
    another class's."""

    def searches(self, sampler: BorderlineSMOTE) -> tuple[NeighborSearch, NeighborSearch]:
        sampler._check_kind()
        self.any_class = sampler.kind == "borderline-2"
        if self.any_class:
            self.n_outputs = 5
        k_search = NeighborSearch("k_neighbors", sampler.k_neighbors, self.draws.seed)
        m_search = NeighborSearch("m_neighbors", sampler.m_neighbors, self.draws.seed)
        sampler.nn_k_, sampler.nn_m_ = k_search.estimator, m_search.estimator
        if self.any_class:
            _refuse_outside_core(k_search, "BorderlineSMOTE(kind='borderline-2')")
        sampler.in_danger_indices = {}
        return k_search, m_search

    def choose_bases(self, sampler: BorderlineSMOTE, found: _ClassNeighbours) -> int:
        danger = np.flatnonzero(sampler._in_danger(found.label, found.other, found.m, found.n_new))
        if len(danger) == 0:
            return 0
        sampler.in_danger_indices[self.classes[found.code]] = found.rows[danger]
        if self.any_class:
            self.k_search.check_size(self.n_samples, "X")
        else:
            self.k_search.check_size(len(found.rows), f"class {found.label!r}")
        self.bases[found.code] = dask.delayed(danger)
        return found.n_new

    def prepare(self, code: int, rows: Any) -> Any:
        if code not in self.bases:
            return None
        if not self.any_class:
            return dask.delayed(_danger_table, pure=True)(
                rows, self.k_search, self.bases[code], self.draws.n_threads
            )
        queries = dask.delayed(_class_queries)(rows, code, self.bases[code])
        lists = self.checked.join(queries, self.k_search.searched_k, self.draws.n_threads)
        wanted = dask.delayed(np.unique)(lists.rows)
        found = [dask.delayed(_rows_among)(part, wanted) for part in self.checked.parts]
        return dask.delayed(_neighborhood, pure=True)(rows, code, lists, *found)

    def window_task(self, code: int, shared: tuple[Any, Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        if not self.any_class:
            return super().window_task(code, shared)
        return _borderline2_window, (*shared, self.draws, code, self.bases[code])

    def record(self, sampler: Any, made: list[list[_Window]]) -> None:
        if not self.any_class:
            return super().record(sampler, made)
        base, neighbor, step, codes = (
            _concatenated(made, i, t) for i, t in enumerate((np.int64, np.int64, self.dtype, np.int64))
        )
        neighbor_class = codes.map_blocks(_labels_of, self.classes, dtype=self.classes.dtype)
        sampler.provenance_ = Provenance(self.n_samples, base, neighbor, step, neighbor_class)
        return None


def _labels_of(codes: np.ndarray, classes: np.ndarray) -> np.ndarray:
    labels: np.ndarray = classes[codes]
    return labels


def _rows_among(part: Rows, wanted: np.ndarray) -> Rows:
    """The partition's rows among the rows ``wanted`` of X (sorted)."""
    return part.where(np.isin(part.rows, wanted, assume_unique=True))


@dataclass(frozen=True)
class _Neighborhood(ArrivesAligned):
    """A class's rows, then its danger rows' neighbours of every class: their values and
    rows of X (``rows``), and classes; the neighbours' positions in them
    (``references``) and the danger rows' table, as positions into ``references``."""

    rows: _ClassRows
    codes: np.ndarray
    references: np.ndarray
    table: np.ndarray


sizeof.register(
    _Neighborhood,
    lambda hood: (
        _sizeof_class_rows(hood.rows) + hood.codes.nbytes + hood.references.nbytes + hood.table.nbytes
    ),
)


def _neighborhood(rows: _ClassRows, code: int, lists: Lists, *found: Rows) -> _Neighborhood:
    """Borderline-2's data for a class: its rows and its danger rows' neighbours (the
    partitions' ``found`` rows, in X's order)."""
    neighbours = Rows(*(np.concatenate([getattr(f, name) for f in found]) for name in ("X", "rows", "codes")))
    n = len(rows.rows)
    local = _ClassRows(np.concatenate([rows.X, neighbours.X]), np.concatenate([rows.rows, neighbours.rows]))
    codes = np.concatenate([np.full(n, code, dtype=np.int64), neighbours.codes])
    table = np.searchsorted(neighbours.rows, lists.rows)
    return _Neighborhood(local, codes, n + np.arange(len(neighbours.rows)), table)


def _borderline2_window(
    rows: _ClassRows,
    hood: _Neighborhood,
    draws: _Draws,
    code: int,
    danger: np.ndarray,
    n_new: int,
    first_chunk: int,
    n_chunks: int,
    first_row: int,
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Borderline-2's rows of class ``code`` in its chunks from ``first_chunk``, their
    provenance and their neighbours' classes."""
    damped = hood.codes[hood.references] != code
    (danger,) = aligned(danger)
    job = Job(code, 0, danger, hood.references, hood.table, n_new, 1.0, damped)
    values, base, neighbor, step = _core.generate_window(
        hood.rows.X, job, draws.seed, first_chunk, n_chunks, draws.n_threads
    )
    found = hood.rows.rows
    return draws.output(values, first_row), found[base], found[neighbor], step, hood.codes[neighbor]


def _danger_table(
    rows: _ClassRows, k_search: NeighborSearch, danger: np.ndarray, n_threads: int | None
) -> np.ndarray:
    """The danger rows' neighbours among the class's rows, as a single-process run finds them."""
    (danger,) = aligned(danger)
    return k_search.table(rows.X, danger, np.arange(len(rows.rows)), n_threads)


@dataclass(frozen=True)
class _Checked:
    """Every partition of X checked as in memory (``checked_partition``) and held where
    it was checked, the largest magnitude of X's values, the partitions grouped by the
    worker thread that holds them, and the worker of each thread that holds none."""

    parts: list[Any]
    largest: float
    groups: list[list[int]]
    idle: list[str]

    def join(self, queries: Any, k: int, n_threads: int | None) -> Any:
        """The lazy lists of the queries' ``k`` nearest rows of X (see ``join``). With
        threads that hold no partition (fewer partitions than threads), the queries are
        cut into blocks, the first searched where the partitions are and each other on
        idle threads (its groups' partitions sent there), so that every thread scans."""
        n_blocks = 1 + len(self.idle) // max(1, len(self.groups))
        if n_blocks == 1:
            return join(self.parts, queries, k, self.largest, n_threads, self.groups)
        block = dask.delayed(_block_of_queries, pure=True)
        found = []
        for b in range(n_blocks):
            places = None if b == 0 else self.idle[(b - 1) * len(self.groups) : b * len(self.groups)]
            rows = block(queries, b, n_blocks)
            found.append(join(self.parts, rows, k, self.largest, n_threads, self.groups, places))
        return dask.delayed(concatenated, pure=True)(*found)


def _block_of_queries(queries: Rows, block: int, n_blocks: int) -> Rows:
    """Block ``block`` of ``n_blocks`` consecutive blocks of the queries, of about equal size."""
    first, end = _row_block(len(queries), block, n_blocks)
    return Rows(queries.X[first:end], queries.rows[first:end], queries.codes[first:end])


def _checked_partitions(data: _Collections, counts: ClassCounts, partitions: list[_Counts]) -> _Checked:
    starts = np.cumsum([0, *map(len, partitions)]).tolist()
    checked = _held(
        [
            dask.delayed(checked_partition, pure=True)(x_part, y_part, counts.classes, start)
            for x_part, y_part, start in zip(data.x_parts, data.y_parts, starts)
        ]
    )
    largest = max(dask.compute(*[dask.delayed(largest_magnitude)(part) for part in checked]))
    return _Checked(checked, largest, *_groups_by_thread(checked))


def _groups_by_thread(held: list[Any]) -> tuple[list[list[int]], list[str]]:
    """Positions of the held partitions by the worker that holds them, each worker's cut
    into one run per thread: one join task per run searches its partitions where they
    are (without a client: one run); and the worker of each thread left without a run."""
    client = _client()
    if client is None:
        return [list(range(len(held)))], []
    holders = client.who_has(held)
    threads = client.nthreads()
    by_worker: dict[str, list[int]] = {}
    for i, part in enumerate(held):
        worker = min(holders[part.key])  # the first of several holders, by address
        by_worker.setdefault(worker, []).append(i)
    runs: list[list[int]] = []
    idle: list[str] = []
    for worker in sorted(threads.keys() | by_worker.keys()):
        positions, n_threads = by_worker.get(worker, []), threads.get(worker, 1)
        n_runs = min(len(positions), n_threads)
        if n_runs:
            runs.extend(run.tolist() for run in np.array_split(np.asarray(positions), n_runs))
        idle.extend([worker] * (n_threads - n_runs))
    return runs, idle


def _class_queries(rows: _ClassRows, code: int, positions: np.ndarray | None = None) -> Rows:
    """A class's rows (those at ``positions`` among them; None: all) as a join's queries."""
    queries = Rows(rows.X, rows.rows, np.full(len(rows.rows), code, dtype=np.int64))
    return queries if positions is None else queries.where(positions)


def _other_class_count(queries: Rows, lists: Lists) -> tuple[np.ndarray, np.ndarray]:
    """How many of each query's neighbours are of another class, and the queries' rows."""
    return np.count_nonzero(lists.codes != queries.codes[:, None], axis=1), queries.rows


def _smote_table(rows: _ClassRows, k_search: NeighborSearch, n_threads: int | None) -> np.ndarray:
    """The class's neighbour table (positions into its rows), as a single-process run finds it."""
    if k_search.in_core and k_search.approximate is None:
        return _core.kneighbors(rows.X, k_search.searched_k, None, None, n_threads)
    positions = np.arange(len(rows.rows))
    return k_search.table(rows.X, positions, positions, n_threads)


def _split_search(rows: Any, k: int, n_parts: int, n_threads: int | None) -> Any:
    """The class's exact neighbour table (lazy) as ``n_parts`` tasks that each search
    about ``1 / n_parts`` of it, then ``n_parts`` tasks that answer a block of rows
    each: by tiles of the pairs when the core's search is its brute force's symmetric
    scan (each pair computed once, in one part; every block merges every part's
    candidate lists of its own rows), else by blocks of queries (the parts find that
    from the data and return nothing; each block's task searches its rows). Either way
    the table is the single-process one, row for row, for any number of parts."""
    search_part = dask.delayed(_search_part, pure=True, nout=n_parts)
    answer_block = dask.delayed(_answer_block, pure=True)

    def blocks_of_part(p: int) -> list[Any]:
        # Each block's rows taken from the part's lists where the part ran, so that
        # a block's task fetches those rows only.
        part = search_part(rows, k, p, n_parts, n_threads)
        return [part[b] for b in range(n_parts)]

    parts = _by_thread(blocks_of_part, n_parts)
    answered = _by_thread(
        lambda b: answer_block(rows, k, b, n_parts, [part[b] for part in parts], n_threads), n_parts
    )
    return dask.delayed(np.concatenate, pure=True)(answered)


def _split_approximate_search(rows: Any, search: NeighborSearch, n_parts: int, n_threads: int | None) -> Any:
    """The class's approximate neighbour table (lazy) in ``n_parts`` parts per step: the
    cells are chosen once (``_approximate_plan``, small: the centring and the k-means
    centroids), then each part finds its block of rows' nearest cells, scans the rows
    of its share of the cells, and refines and ranks them from the whole scan. Every
    part computes exactly what the single-process search computes for its rows, so the
    table is that search's, row for row, for any number of parts. A class the search
    does not split by cells (below ``exact_below`` rows, or a value shared by more than
    ``k + 1`` rows) has no plan, and the first part searches it whole.

    Each part's worker holds the class's rows from the start (``_rows_here``), so that
    they travel there while the plan is made, not after it."""
    approximate = search.approximate
    assert approximate is not None
    k = search.searched_k
    plan = dask.delayed(_approximate_plan, pure=True)(rows, k, approximate, n_threads)
    here, cells_part, scan_part, finish_part = (
        dask.delayed(f, pure=True)
        for f in (_rows_here, _approximate_cells_part, _approximate_scan_part, _approximate_finish_part)
    )
    effort = approximate.effort
    joined = dask.delayed(np.concatenate, pure=True)
    local = _by_thread(lambda p: here(rows, p), n_parts)
    cells = joined(_by_thread(lambda p: cells_part(local[p], plan, effort, p, n_parts, n_threads), n_parts))
    scanned = joined(
        _by_thread(lambda p: scan_part(local[p], k, plan, effort, cells, p, n_parts, n_threads), n_parts)
    )
    finished = _by_thread(
        lambda p: finish_part(local[p], search, plan, cells, scanned, p, n_parts, n_threads), n_parts
    )
    return dask.delayed(_assembled_table, pure=True)(finished, k)


def _rows_here(rows: _ClassRows, part: int) -> _ClassRows:
    """The class's rows, on the worker that runs part ``part`` of its search."""
    return rows


def _approximate_plan(rows: _ClassRows, k: int, approximate: ApproximateSearch, n_threads: int | None) -> Any:
    return _core.approximate_split_plan(rows.X, k, approximate.effort, approximate.seed, n_threads)


def _approximate_cells_part(
    rows: _ClassRows, plan: Any, effort: float, part: int, n_parts: int, n_threads: int | None
) -> np.ndarray:
    if plan is None:
        return np.empty(0, dtype=np.uint32)
    return _core.approximate_cells_part(rows.X, aligned(*plan), effort, part, n_parts, n_threads)


def _approximate_scan_part(
    rows: _ClassRows,
    k: int,
    plan: Any,
    effort: float,
    cells: np.ndarray,
    part: int,
    n_parts: int,
    n_threads: int | None,
) -> np.ndarray:
    if plan is None:
        return np.empty(0, dtype=np.uint32)
    (cells,) = aligned(cells)
    return _core.approximate_scan_part(rows.X, k, aligned(*plan), effort, cells, part, n_parts, n_threads)


def _approximate_finish_part(
    rows: _ClassRows,
    search: NeighborSearch,
    plan: Any,
    cells: np.ndarray,
    scanned: np.ndarray,
    part: int,
    n_parts: int,
    n_threads: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Part ``part``'s rows (positions) and their neighbours; without a plan, every row
    for the first part (the whole search) and none for the others."""
    k = search.searched_k
    if plan is None:
        if part == 0:
            return np.arange(len(rows.rows)), _smote_table(rows, search, n_threads)
        return np.empty(0, dtype=np.int64), np.empty((0, k), dtype=np.int64)
    assert search.approximate is not None
    cells, scanned = aligned(cells, scanned)
    return _core.approximate_finish_part(
        rows.X, k, aligned(*plan), search.approximate.effort, cells, scanned, part, n_parts, n_threads
    )


def _assembled_table(finished: list[tuple[np.ndarray, np.ndarray]], k: int) -> np.ndarray:
    """The table from every part's rows (positions and their lists)."""
    table = np.empty((sum(len(rows) for rows, _ in finished), k), dtype=np.int64)
    for rows, lists in finished:
        table[rows] = lists
    return table


def _row_block(n_rows: int, block: int, n_blocks: int) -> tuple[int, int]:
    """Block ``block`` of ``n_blocks`` consecutive blocks of ``n_rows`` rows, of about
    equal size: its first row and the row after its last."""
    first, end = np.linspace(0, n_rows, n_blocks + 1).astype(np.int64)[block : block + 2]
    return int(first), int(end)


def _search_part(
    rows: _ClassRows, k: int, part: int, n_parts: int, n_threads: int | None
) -> list[tuple[np.ndarray, np.ndarray]] | list[None]:
    """Part ``part``'s candidate lists of every row, cut in the ``n_parts`` blocks that
    ``_answer_block`` answers: each block's task fetches only its rows' lists. None for
    each block where the search splits by blocks of queries instead."""
    lists = _core.kneighbors_part(rows.X, k, part, n_parts, n_threads)
    if lists is None:
        return [None] * n_parts
    keys, positions = lists
    blocks = [_row_block(len(rows.rows), block, n_parts) for block in range(n_parts)]
    return [(keys[first:end], positions[first:end]) for first, end in blocks]


def _answer_block(
    rows: _ClassRows,
    k: int,
    block: int,
    n_parts: int,
    parts: list[tuple[np.ndarray, np.ndarray]] | list[None],
    n_threads: int | None,
) -> np.ndarray:
    """Block ``block``'s rows of the table, from every part's lists of them, or searched
    as queries where the parts have none."""
    first, end = _row_block(len(rows.rows), block, n_parts)
    lists = [aligned(*part) for part in parts if part is not None]
    if not lists:
        return _core.kneighbors(rows.X, k, np.arange(first, end), None, n_threads)
    return _core.kneighbors_from_parts(rows.X, k, first, end - first, lists, n_threads)


def _smote_window(
    rows: _ClassRows,
    table: np.ndarray,
    draws: _Draws,
    code: int,
    bases: np.ndarray | None,
    per_base: np.ndarray | None,
    n_new: int,
    first_chunk: int,
    n_chunks: int,
    first_row: int,
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """SMOTE's rows of class ``code`` in its chunks from ``first_chunk``, and their
    provenance: from ``bases`` (positions into the class's rows; None: all), each making
    ``per_base`` rows (None: ``n_new`` drawn uniformly)."""
    everyone = np.arange(len(rows.rows))
    draws_of = n_new if per_base is None else per_base
    # Without bases, the class's rows are the bases and the references both.
    references = None if bases is None else everyone
    (table,) = aligned(table)
    job = Job(code, 0, everyone if bases is None else bases, references, table, draws_of)
    values, base, neighbor, step = _core.generate_window(
        rows.X, job, draws.seed, first_chunk, n_chunks, draws.n_threads
    )
    return draws.output(values, first_row), rows.rows[base], rows.rows[neighbor], step


class _RandomPlan(_Plan):
    def check(self, sampler: RandomOverSampler, counts: ClassCounts, strategy: StrategyDict) -> None:
        sampler.shrinkage_ = self.shrinkage = sampler._shrinkage(strategy)
        self.raw = self.shrinkage is None
        if self.raw:
            self.out_dtype = None
        self.classes = counts.classes
        #: The smoothed bootstrap's bandwidth factor, from all of X's shape as in memory.
        self.bandwidth = smoothing_bandwidth(self.n_samples, self.n_features)

    @staticmethod
    def any_values(sampler: Any) -> bool:
        return sampler.shrinkage is None

    def prepare(self, code: int, rows: Any) -> Any:
        return None if self.raw else dask.delayed(_class_spread, pure=True)(rows)

    def window_task(self, code: int, shared: tuple[Any, Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        noise = None if self.shrinkage is None else self.shrinkage[self.classes[code]] * self.bandwidth
        return _random_window, (*shared, self.draws, code, noise)

    def record(self, sampler: Any, made: list[list[_Window]]) -> None:
        originals = da.arange(self.n_samples, dtype=np.int64, chunks=max(self.n_samples, 1))
        sampler.sample_indices_ = da.concatenate([originals, _concatenated(made, 0, np.int64)])


def _class_spread(rows: _ClassRows) -> np.ndarray:
    """The class's standard deviation per feature, as a single-process run computes it."""
    return class_spread(np.asarray(rows.X))


def _random_window(
    rows: _ClassRows,
    spread: np.ndarray | None,
    draws: _Draws,
    code: int,
    noise: float | None,
    n_new: int,
    first_chunk: int,
    n_chunks: int,
    first_row: int,
) -> tuple[Any, np.ndarray]:
    """Random over-sampling's rows of class ``code`` in its chunks from ``first_chunk``
    (copies, or with noise ``noise * spread``), and the row each copies."""
    if noise is None or spread is None:
        positions = _core.draw_positions(
            draws.seed, code, len(rows.rows), n_new, draws.n_threads, first_chunk, n_chunks
        )
        values = rows.X.iloc[positions] if hasattr(rows.X, "iloc") else rows.X[positions]
        return draws.output(values, first_row), rows.rows[positions]
    job = BootstrapJob(code, np.arange(len(rows.rows)), n_new, (noise * spread).tolist())
    values, drawn = _core.bootstrap_window(rows.X, job, draws.seed, first_chunk, n_chunks, draws.n_threads)
    return draws.output(values, first_row), rows.rows[drawn]


# ---------------------------------------------------------------------------------------
# The cleaning samplers: a search among all rows, as a k-NN join of the partitions


def _clean(sampler: Any, X: Any, y: Any, memory_budget: int | str | None) -> tuple[Any, Any]:
    """``fit_resample`` of TomekLinks and EditedNearestNeighbours: every targeted row's
    neighbours among all rows by a join of the partitions (each partition searched where
    it lives, with every other partition's queries), the verdicts gathered as the rows
    removed, and X's partitions without them."""
    data, counts, partitions = _fit_data(sampler, X, y, False, "clean-sampling")
    search = sampler._search()
    _refuse_outside_core(search, type(sampler).__name__)
    n_threads = check_n_jobs(sampler.n_jobs)
    row_bytes = data.n_features * data.dtype.itemsize
    _check_join([len(part) for part in partitions], search, row_bytes, _budget(memory_budget))
    checked = _checked_partitions(data, counts, partitions)
    targeted = np.array(sorted(counts.code_of[label] for label in sampler.sampling_strategy_), dtype=np.int64)
    k = search.searched_k
    if isinstance(sampler, TomekLinks):
        verdicts = [
            dask.delayed(_cross_class_pairs)(part, checked.join(part, k, n_threads)) for part in checked.parts
        ]
        removed = _tomek_removed(dask.compute(*verdicts), targeted)
    else:
        verdicts = []
        for part in checked.parts:
            queries = dask.delayed(_targeted_rows)(part, targeted)
            lists = checked.join(queries, k, n_threads)
            verdicts.append(dask.delayed(_edited_removed)(sampler, queries, lists))
        removed = np.concatenate(dask.compute(*verdicts), axis=1)
    removed = removed[:, np.argsort(removed[0])]
    by_class = isinstance(sampler, EditedNearestNeighbours)
    return _without_rows(sampler, data, counts, partitions, removed, by_class=by_class)


def _refuse_outside_core(search: NeighborSearch, sampler: str) -> None:
    if not search.in_core or search.approximate is not None:
        raise TypeError(
            f"{sampler} on Dask searches with the core's exact engines: {search.name} must be an "
            "int or a fast_smote.neighbors.NearestNeighbors (other estimators, and approximate "
            "search, need X in memory: compute X and y first)"
        )


def _check_join(sizes: list[int], search: NeighborSearch, row_bytes: int, budget: int) -> None:
    """Checks a search among all rows (of partitions of ``sizes`` rows) before anything
    is gathered: its size, and its memory against ``budget``. A join task holds two
    partitions, their rows joined in one array, and two partitions' candidate lists (24
    bytes a candidate) besides their merge."""
    search.check_size(sum(sizes), "X")
    largest = max(sizes)
    needed = largest * (4 * row_bytes + 3 * 24 * search.searched_k)
    if needed > budget:
        raise MemoryBudgetError(
            f"the search among all rows joins X's partitions two by two; partitions of up to "
            f"{largest:,} rows need about {format_bytes(int(needed))} on a worker, more than "
            f"memory_budget={format_bytes(int(budget))}. Split X into smaller partitions (X.rechunk or "
            f"ddf.repartition), or give workers more memory and raise memory_budget"
        )


def _cross_class_pairs(part: Rows, lists: Lists) -> np.ndarray:
    """``(row, its nearest row, the row's class)`` of each row whose nearest row is of
    another class: the only rows that can be in a Tomek link."""
    nearest, other = lists.rows[:, 0], lists.codes[:, 0]
    cross = other != part.codes
    return np.stack([part.rows[cross], nearest[cross], part.codes[cross]])


def _tomek_removed(pairs_by_part: tuple[np.ndarray, ...], targeted: np.ndarray) -> np.ndarray:
    """The rows of the targeted classes in a Tomek link: each is its nearest row's
    nearest row, so both pairs are among the cross-class ones."""
    rows, nearest, codes = np.concatenate(pairs_by_part, axis=1)
    n = max(int(rows.max(initial=0)), int(nearest.max(initial=0))) + 1
    linked = np.isin(nearest * n + rows, rows * n + nearest)
    removed = linked & np.isin(codes, targeted)
    return np.stack([rows[removed], codes[removed]])


def _targeted_rows(part: Rows, targeted: np.ndarray) -> Rows:
    return part.where(np.isin(part.codes, targeted))


def _edited_removed(sampler: EditedNearestNeighbours, queries: Rows, lists: Lists) -> np.ndarray:
    """The rows (and classes) of the queries their neighbours vote out."""
    removed = ~sampler._kept(queries.codes, lists.codes)
    return np.stack([queries.rows[removed], queries.codes[removed]])


def _without_rows(
    sampler: Any,
    data: _Collections,
    counts: ClassCounts,
    partitions: list[_Counts],
    removed: np.ndarray,
    *,
    by_class: bool,
) -> tuple[Any, Any]:
    """X and y without the rows ``removed`` (rows and class codes, sorted by row), in
    X's order or class by class (each class's rows in X's order), and
    ``sample_indices_``: lazy, with known sizes."""
    starts = np.cumsum([0, *map(len, partitions)])
    bounds = np.searchsorted(removed[0], starts)
    pieces: list[tuple[int, int | None, int]] = []  # (partition, class code or None, rows kept)
    for code in range(len(counts.classes)) if by_class else [None]:
        for i, part in enumerate(partitions):
            removed_codes = removed[1, bounds[i] : bounds[i + 1]]
            if code is None:
                pieces.append((i, code, len(part) - len(removed_codes)))
                continue
            held = part.counts[part.classes == counts.classes[code]]
            if held.size:
                pieces.append((i, code, int(held[0]) - int(np.count_nonzero(removed_codes == code))))
    take = dask.delayed(_kept_piece, pure=True, nout=3)
    sizes = [n for _, _, n in pieces]
    made = [
        take(data.x_parts[i], data.y_parts[i], counts.classes, code, int(starts[i]),
             removed[0, bounds[i]:bounds[i + 1]] - starts[i], first)
        for (i, code, _), first in zip(pieces, np.cumsum([0, *sizes]).tolist())
    ]  # fmt: skip
    sampler.sample_indices_ = _pieces_array(made, 2, sizes, np.dtype(np.int64))
    if data.frame is None:
        X_out = da.concatenate(
            [
                da.from_delayed(m[0], shape=(n, data.n_features), dtype=data.X.dtype)
                for m, n in zip(made, sizes)
            ]
        )
    else:
        import dask.dataframe as dd

        X_out = dd.from_delayed([m[0] for m in made], meta=data.X._meta, verify_meta=False)
    if _is_array(data.y):
        return X_out, _pieces_array(made, 1, sizes, data.y.dtype)
    import dask.dataframe as dd

    return X_out, dd.from_delayed([m[1] for m in made], meta=data.y._meta, verify_meta=False)


def _kept_piece(
    x_part: Any,
    y_part: Any,
    classes: np.ndarray,
    code: int | None,
    start: int,
    removed: np.ndarray,
    first: int,
) -> tuple[Any, Any, np.ndarray]:
    """One partition's kept rows (of class ``code`` only, unless None): X's, y's and
    their rows in X; a DataFrame's and Series' index runs on from ``first``."""
    labels = labels_of(y_part)[0]
    keep = np.ones(len(labels), dtype=bool)
    keep[removed] = False
    if code is not None:
        keep &= labels == classes[code]
    kept = np.flatnonzero(keep)
    return _rows_of(x_part, kept, first), _rows_of(y_part, kept, first), kept + start


def _rows_of(part: Any, kept: np.ndarray, first: int) -> Any:
    """Rows ``kept`` of a partition; a pandas one's index runs on from ``first``."""
    if not hasattr(part, "iloc"):
        return np.asarray(part)[kept]
    import pandas as pd

    return part.iloc[kept].set_axis(pd.RangeIndex(first, first + len(kept)))


def _pieces_array(made: list[Any], which: int, sizes: list[int], dtype: np.dtype) -> Any:
    parts = [da.from_delayed(m[which], shape=(n,), dtype=dtype) for m, n in zip(made, sizes)]
    return da.concatenate(parts) if parts else da.zeros(0, dtype=dtype)


_CLEANERS = (TomekLinks, EditedNearestNeighbours)

_PLANS_BY_SAMPLER: dict[type, type[_Plan]] = {
    SMOTE: _SmotePlan,
    RandomOverSampler: _RandomPlan,
    BorderlineSMOTE: _BorderlinePlan,
    ADASYN: _AdasynPlan,
}
#: The ``method`` names of ``resample`` that run on Dask.
DASK_METHODS = [
    name
    for name, sampler in SAMPLERS.items()
    if sampler in _PLANS_BY_SAMPLER or issubclass(sampler, _OverThenClean)
]
