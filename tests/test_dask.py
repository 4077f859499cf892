"""fast_smote.dask: Dask collections resampled on a distributed LocalCluster (worker
processes on loopback), row for row as single-process fast_smote does."""

import dataclasses
import pickle
import re

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask.core import flatten
from dask.utils import key_split, parse_bytes
from distributed import Client, LocalCluster, get_task_stream, wait
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors

import fast_smote
import fast_smote.dask
from fast_smote._dask_join import Lists, Rows
from fast_smote._neighbors import NeighborSearch
from fast_smote.dask import MemoryBudgetError


def _client_of_a_cluster(n_workers):
    """A module-wide fixture: a client of a LocalCluster of ``n_workers`` processes."""

    @pytest.fixture(scope="module")
    def client():
        # No work stealing: the scheduler would otherwise move a partition on its own to
        # balance a busy machine's load (seen in 2 of ~14 full runs on 2 cores), which the
        # transfer test would count against the graph fast_smote.dask builds.
        with dask.config.set({"distributed.scheduler.work-stealing": False}):
            cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                # Any free port for the scheduler's HTTP server: the two clusters never collide.
                dashboard_address="127.0.0.1:0",
            )
        with cluster, Client(cluster, set_as_default=False) as client:
            yield client

    return client


two_workers = _client_of_a_cluster(2)
one_worker = _client_of_a_cluster(1)


@pytest.fixture
def on_two(two_workers):
    with two_workers.as_current():
        yield two_workers


def make_data(n=6_000, d=4, dtype=np.float64, weights=(0.8, 0.15, 0.05), seed=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(len(weights), size=n, p=weights)
    X = (rng.normal(size=(n, d)) + 0.7 * y[:, None]).astype(dtype)
    return X, y


def as_dask(X, y, chunks=1_000):
    return da.from_array(X, chunks=(chunks, -1)), da.from_array(y, chunks=chunks)


def assert_same_resampling(dask_sampler, memory_sampler, X_res, y_res, X_mem, y_mem):
    X_res, y_res = dask.compute(X_res, y_res)
    assert X_res.dtype == X_mem.dtype
    np.testing.assert_array_equal(X_res, X_mem)
    np.testing.assert_array_equal(y_res, y_mem)
    assert dask_sampler.sampling_strategy_ == memory_sampler.sampling_strategy_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "strategy", ["auto", "minority", "not majority", "all", {1: 2_000, 2: 900}, lambda y: {2: 1_000}]
)
def test_smote_makes_the_single_process_rows(on_two, dtype, strategy):
    X, y = make_data(dtype=dtype)
    on_dask = fast_smote.SMOTE(random_state=7, sampling_strategy=strategy)
    in_memory = fast_smote.SMOTE(random_state=7, sampling_strategy=strategy)
    X_mem, y_mem = in_memory.fit_resample(X, y)
    X_res, y_res = on_dask.fit_resample(*as_dask(X, y))
    assert isinstance(X_res, da.Array) and isinstance(y_res, da.Array)
    assert X_res.shape == X_mem.shape and X_res.dtype == dtype
    assert_same_resampling(on_dask, in_memory, X_res, y_res, X_mem, y_mem)
    for name in ("base_index", "neighbor_index", "step"):
        np.testing.assert_array_equal(
            getattr(on_dask.provenance_, name).compute(), getattr(in_memory.provenance_, name)
        )
    assert on_dask.provenance_.n_original == len(X)


def test_counts_and_every_synthetic_row_on_a_segment_to_an_exact_neighbour(on_two):
    X, y = make_data(n=4_000, d=3)
    k = 4
    sampler = fast_smote.SMOTE(k_neighbors=k, random_state=1)
    X_res, y_res = dask.compute(*sampler.fit_resample(*as_dask(X, y, chunks=700)))
    counts = np.bincount(y)
    assert np.bincount(y_res).tolist() == [counts.max()] * 3
    np.testing.assert_array_equal(X_res[: len(X)], X)
    base = sampler.provenance_.base_index.compute()
    neighbor = sampler.provenance_.neighbor_index.compute()
    step = sampler.provenance_.step.compute()
    new_labels = y_res[len(X) :]
    assert (y[base] == new_labels).all() and (y[neighbor] == new_labels).all()
    assert ((step >= 0) & (step < 1)).all()
    np.testing.assert_allclose(
        X_res[len(X) :], X[base] + step[:, None] * (X[neighbor] - X[base]), rtol=0, atol=1e-12
    )
    for label in (1, 2):
        rows = np.flatnonzero(y == label)
        distances = ((X[rows, None, :] - X[None, rows, :]) ** 2).sum(-1)
        np.fill_diagonal(distances, np.inf)
        kth = np.sort(distances, axis=1)[:, k - 1]
        position = {r: i for i, r in enumerate(rows)}
        mine = new_labels == label
        b = np.array([position[r] for r in base[mine]])
        nb = np.array([position[r] for r in neighbor[mine]])
        assert (distances[b, nb] <= kth[b]).all(), "a neighbour outside the k nearest"


def test_same_rows_for_any_workers_scheduler_and_chunking(one_worker, two_workers):
    X, y = make_data(n=5_000, dtype=np.float32)
    expected, _ = fast_smote.resample(X, y, random_state=3)
    chunkings = [500, 1_700, (4_000, 1_000), (1, 2_499, 2_500), 5_000]
    # Small output partitions: many windows per class, across chunk boundaries.
    with dask.config.set({"array.chunk-size": "16KiB"}):
        for client in (one_worker, two_workers, None):
            for chunks in chunkings:
                context = client.as_current() if client else dask.config.set(scheduler="threads")
                with context:
                    X_res, _ = fast_smote.dask.resample(*as_dask(X, y, chunks=chunks), random_state=3)
                    assert len(X_res.chunks[0]) > len(as_dask(X, y, chunks=chunks)[0].chunks[0]) + 3
                    np.testing.assert_array_equal(X_res.compute(), expected)


def _sent_between_workers(client):
    """Bytes each key's value was sent from one worker to another, so far."""

    def sent(dask_worker):
        by_key = {}
        for transfer in dask_worker.transfer_outgoing_log:
            if transfer["who"] is not None:
                for key, n_bytes in transfer["keys"].items():
                    by_key[str(key)] = by_key.get(str(key), 0) + int(n_bytes)
        return by_key

    total = {}
    for by_key in client.run(sent).values():
        for key, n_bytes in by_key.items():
            total[key] = total.get(key, 0) + n_bytes
    return total


def test_windows_spread_over_the_workers_and_majority_rows_stay_put(on_two):
    X, y = make_data(n=40_000, d=8, weights=(0.95, 0.05))
    X_d, y_d = on_two.persist(list(as_dask(X, y, chunks=5_000)))
    wait([X_d, y_d])
    before = _sent_between_workers(on_two)
    with dask.config.set({"array.chunk-size": "64KiB"}):
        X_res, _ = fast_smote.dask.resample(X_d, y_d, random_state=0)
    X_res = on_two.persist(X_res)
    on_two.wait_for_workers(2)
    wait(X_res)
    n_original = len(X_d.chunks[0])
    synthetic_keys = set(list(flatten(X_res.__dask_keys__()))[n_original:])
    assert len(synthetic_keys) > 10
    workers = {w for key, holders in on_two.who_has(X_res).items() if key in synthetic_keys for w in holders}
    assert len(workers) == 2, "every synthetic partition was made on one worker"
    after = _sent_between_workers(on_two)
    moved = {key: n - before.get(key, 0) for key, n in after.items() if n > before.get(key, 0)}
    # X is never gathered: at most a partition or two moves, where the scheduler reads
    # an X partition beside its y partition on the other worker (y's labels may move
    # for the same reason). The rest is the gathered minority class (rows, row numbers
    # and neighbour table, on both workers) and the candidate lists of its search's
    # two parts (6 a row, 12 bytes each).
    x_keys = {str(key) for key in flatten(X_d.__dask_keys__())}
    y_keys = {str(key) for key in flatten(y_d.__dask_keys__())}
    assert sum(n for key, n in moved.items() if key in x_keys) <= X.nbytes / 4
    minority = int((y == 1).sum())
    made = sum(n for key, n in moved.items() if key not in x_keys | y_keys)
    assert made < 3 * minority * (8 * 8 + 8 + 5 * 8) + 2 * minority * 6 * 12 + 100_000
    np.testing.assert_array_equal(X_res.compute(), fast_smote.resample(X, y, random_state=0)[0])


def test_a_class_smaller_than_a_window_is_made_in_even_windows_one_per_worker_thread(on_two):
    X, y = make_data(n=40_000, d=8, weights=(0.9, 0.1))
    X_d, y_d = as_dask(X, y, chunks=10_000)
    X_res, y_res = fast_smote.dask.resample(X_d, y_d, random_state=0)
    n_new = len(y_res) - len(y)
    assert n_new < fast_smote.dask._window_rows(8 * 8 + 16 + 8)
    synthetic = X_res.chunks[0][len(X_d.chunks[0]) :]
    # The two threads' even shares, in whole seeded chunks of rows.
    chunk_rows = fast_smote._core.CHUNK_ROWS
    all_chunks = -(-n_new // chunk_rows)
    assert synthetic == (all_chunks // 2 * chunk_rows, n_new - all_chunks // 2 * chunk_rows)
    np.testing.assert_array_equal(X_res.compute(), fast_smote.resample(X, y, random_state=0)[0])


def test_the_classes_windows_take_the_worker_threads_in_turn(on_two):
    # Two classes of one window each: one on each worker, not both on the first.
    X, y = make_data(n=3_000, weights=(0.4, 0.3, 0.3))
    X_d, y_d = as_dask(X, y, chunks=1_500)
    X_res, _ = fast_smote.dask.resample(X_d, y_d, random_state=0)
    # Where each window task is placed (the scheduler may still move a task to an idle worker).
    placed = [
        layer.annotations["workers"]
        for name, layer in X_res.dask.layers.items()
        if key_split(name) == "smote_window"
    ]
    workers = sorted(on_two.scheduler_info()["workers"])
    assert sorted(worker for on in placed for worker in on) == workers
    np.testing.assert_array_equal(X_res.compute(), fast_smote.resample(X, y, random_state=0)[0])


@pytest.mark.parametrize("shrinkage", [None, 0.5])
def test_random_over_sampler_makes_the_single_process_rows(on_two, shrinkage):
    X, y = make_data(n=3_000)
    X = np.round(X * 10).astype(np.int32)
    on_dask = fast_smote.RandomOverSampler(random_state=5, shrinkage=shrinkage)
    in_memory = fast_smote.RandomOverSampler(random_state=5, shrinkage=shrinkage)
    X_mem, y_mem = in_memory.fit_resample(X, y)
    X_res, y_res = on_dask.fit_resample(*as_dask(X, y, chunks=800))
    # Copies keep X's integers; the smoothed bootstrap interpolates in float64.
    assert X_res.dtype == (np.int32 if shrinkage is None else np.float64)
    assert_same_resampling(on_dask, in_memory, X_res, y_res, X_mem, y_mem)
    np.testing.assert_array_equal(on_dask.sample_indices_.compute(), in_memory.sample_indices_)
    assert on_dask.shrinkage_ == in_memory.shrinkage_


def test_the_smoothed_bootstrap_of_huge_values_is_the_single_process_one(on_two):
    # Squares beyond float64's range: the spread is computed as in memory (scaled), not
    # as an infinite standard deviation that would make every new row infinite.
    X, y = make_data(n=2_000)
    X = X * 1e200
    on_dask = fast_smote.RandomOverSampler(random_state=5, shrinkage=0.5)
    X_mem, _ = fast_smote.RandomOverSampler(random_state=5, shrinkage=0.5).fit_resample(X, y)
    X_res, _ = on_dask.fit_resample(*as_dask(X, y, chunks=600))
    assert np.isfinite(X_mem).all()
    np.testing.assert_array_equal(X_res.compute(), X_mem)


def frame_data(n=4_000):
    X, y = make_data(n=n, d=3)
    frame = pd.DataFrame(
        {
            "f32": X[:, 0].astype(np.float32),
            "f64": X[:, 1],
            "count": np.round(X[:, 2] * 3).astype(np.int64),
            "flag": X[:, 0] > 0,
        }
    )
    labels = pd.Series(np.array(["low", "mid", "high"])[y], name="risk")
    return frame, labels


@pytest.mark.parametrize("method", ["smote", "random"])
def test_dataframes_round_trip_columns_dtypes_and_index(on_two, method):
    frame, labels = frame_data()
    whole = frame.assign(risk=labels)
    ddf = dd.from_pandas(whole, npartitions=5)
    X_res, y_res = fast_smote.dask.resample(
        ddf.drop(columns="risk"), ddf["risk"], method=method, random_state=2
    )
    X_mem, y_mem = fast_smote.resample(frame, labels, method=method, random_state=2)
    assert isinstance(X_res, dd.DataFrame) and isinstance(y_res, dd.Series)
    assert list(X_res.columns) == list(frame.columns)
    assert X_res.dtypes.to_dict() == X_mem.dtypes.to_dict()
    X_res, y_res = dask.compute(X_res, y_res)
    assert X_res.dtypes.to_dict() == X_mem.dtypes.to_dict()
    pd.testing.assert_frame_equal(X_res.reset_index(drop=True), X_mem)
    # y keeps the Dask Series' dtype (Dask may have made it a string dtype of its own).
    assert y_res.name == "risk" and y_res.dtype == ddf["risk"].dtype
    np.testing.assert_array_equal(y_res.to_numpy(), y_mem.to_numpy())
    # The original partitions keep their index; the new rows continue it.
    np.testing.assert_array_equal(X_res.index[len(frame) :], np.arange(len(frame), len(X_mem)))


def test_a_categorical_y_and_a_one_column_frame_y(on_two):
    frame, labels = frame_data(n=2_000)
    labels = labels.astype("category")
    ddf = dd.from_pandas(frame.assign(risk=labels), npartitions=3)
    X_mem, y_mem = fast_smote.resample(frame[["f32", "f64"]], labels, random_state=0)
    for y in (ddf["risk"], ddf[["risk"]]):
        X_res, y_res = fast_smote.dask.resample(ddf[["f32", "f64"]], y, random_state=0)
        y_res = y_res.compute()
        assert y_res.dtype == labels.dtype
        np.testing.assert_array_equal(y_res.to_numpy(), y_mem.to_numpy())
        np.testing.assert_array_equal(X_res.compute().to_numpy(), X_mem.to_numpy())


def test_an_estimator_k_neighbors_and_a_dask_array_x_with_a_series_y(on_two):
    X, y = make_data(n=2_000)
    estimator = NearestNeighbors(n_neighbors=4)
    in_memory = fast_smote.SMOTE(k_neighbors=estimator, random_state=0)
    X_mem, y_mem = in_memory.fit_resample(X, y)
    on_dask = fast_smote.SMOTE(k_neighbors=estimator, random_state=0)
    y_series = dd.from_pandas(pd.Series(y), npartitions=4)
    X_d = da.from_array(X, chunks=(500, -1))
    X_res, y_res = on_dask.fit_resample(X_d, y_series)
    np.testing.assert_array_equal(X_res.compute(), X_mem)
    np.testing.assert_array_equal(y_res.compute().to_numpy(), y_mem)
    assert not hasattr(estimator, "n_samples_fit_"), "the caller's estimator was fitted"


def test_in_memory_y_with_a_dask_x_and_nothing_to_grow(on_two):
    X, y = make_data(n=1_000)
    X_res, y_res = fast_smote.dask.resample(da.from_array(X, chunks=300), y, random_state=0)
    np.testing.assert_array_equal(X_res.compute(), fast_smote.resample(X, y, random_state=0)[0])
    balanced = np.arange(1_000) % 2
    X_res, y_res = fast_smote.dask.resample(da.from_array(X, chunks=300), balanced, random_state=0)
    assert X_res.shape == X.shape
    np.testing.assert_array_equal(X_res.compute(), X)
    np.testing.assert_array_equal(y_res.compute(), balanced)


def test_fit_counts_the_classes_only(on_two):
    X, y = make_data()
    sampler = fast_smote.SMOTE(sampling_strategy="minority").fit(*as_dask(X, y))
    assert (
        sampler.sampling_strategy_
        == fast_smote.SMOTE(sampling_strategy="minority").fit(X, y).sampling_strategy_
    )
    assert sampler.n_features_in_ == 4 and not hasattr(sampler, "provenance_")


def test_the_callers_collections_and_arrays_are_untouched(on_two):
    X, y = make_data(n=2_000)
    X_copy, y_copy = X.copy(), y.copy()
    X_d, y_d = as_dask(X, y)
    keys = (X_d.__dask_keys__(), y_d.__dask_keys__())
    fast_smote.dask.resample(X_d, y_d, random_state=0)[0].compute()
    assert (X_d.__dask_keys__(), y_d.__dask_keys__()) == keys
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_a_budget_too_small_for_the_gathered_rows_fails_at_once(on_two):
    X, y = make_data(n=20_000, d=10, weights=(0.9, 0.1))
    X_d, y_d = as_dask(X, y)
    with pytest.raises(
        MemoryBudgetError, match=r"class 1: 1,\d{3} rows\) need about .* more than memory_budget=1.00 KiB"
    ):
        fast_smote.dask.resample(X_d, y_d, memory_budget=1024)
    with dask.config.set({"fast_smote.memory_budget": "2 kB"}):
        with pytest.raises(MemoryBudgetError, match=r"memory_budget=1\.95 KiB"):
            fast_smote.SMOTE().fit_resample(X_d, y_d)
    with pytest.raises(MemoryError):
        fast_smote.dask.resample(X_d, y_d, method="random", memory_budget="10kB")
    # Enough: about 2 000 rows x (80 bytes + 8 + 40 for the table) and the search's
    # 240 bytes a row, the candidate lists of the search's two parts (one per worker:
    # 6 candidates x 12 bytes a row each), plus the 16 000 new rows' 104 bytes each (one
    # window).
    fast_smote.dask.resample(X_d, y_d, memory_budget="2.7MiB")
    fast_smote.dask.resample(X_d, y_d, memory_budget=np.int64(3 << 20))
    for bad, error in [("lots", ValueError), (-5, ValueError), (True, TypeError), (1.5, TypeError)]:
        with pytest.raises(error, match="memory_budget"):
            fast_smote.dask.resample(X_d, y_d, memory_budget=bad)


def test_the_budget_counts_every_part_of_a_split_approximate_search(on_two):
    X, y = make_data(n=20_000, d=10, weights=(0.9, 0.1))
    X_d, y_d = as_dask(X, y)

    def needed(**params):
        with pytest.raises(MemoryBudgetError) as caught:
            fast_smote.dask.resample(X_d, y_d, memory_budget=1024, **params)
        return parse_bytes(re.search(r"need about ([\d.]+ \w+)", str(caught.value)).group(1))

    exact = needed()
    approximate = needed(k_neighbors=fast_smote.ApproximateNearestNeighbors(n_neighbors=6))
    # Each of the two parts' cell index: 8 bytes a feature, 12 a cell (8 at effort 1),
    # 4 for each of k + 8 lists, for the class's ~2,000 rows; less the exact parts' lists.
    rows = int((y == 1).sum())
    expected = rows * (8 * 10 + 12 * 8 + 4 * (5 + 8)) * 2 - rows * 6 * 12 * 2
    assert approximate - exact == pytest.approx(expected, rel=0.02)


def test_the_default_budget_is_half_the_smallest_workers_memory(on_two):
    limits = [w["memory_limit"] for w in on_two.scheduler_info()["workers"].values()]
    assert fast_smote.dask._budget(None) == min(limits) // 2


@pytest.mark.parametrize(
    "sampler",
    [
        fast_smote.SVMSMOTE(),
        fast_smote.KMeansSMOTE(),
        fast_smote.SMOTENC(categorical_features=[0]),
    ],
)
def test_samplers_that_do_not_run_on_dask_say_so(on_two, sampler):
    X_d, y_d = as_dask(*make_data(n=500))
    name = type(sampler).__name__
    with pytest.raises(
        TypeError,
        match=rf"{name} does not take Dask collections: .*SMOTE.*ADASYN.*TomekLinks.*and their combinations",
    ):
        sampler.fit_resample(X_d, y_d)
    with pytest.raises(TypeError, match=f"{name} does not take Dask"):
        sampler.fit(X_d, y_d)


def test_bad_data_is_refused_before_anything_is_made(on_two):
    X, y = make_data(n=3_000)
    X_d, y_d = as_dask(X, y)
    with pytest.raises(ValueError, match="method='svm-smote' is not available on Dask"):
        fast_smote.dask.resample(X_d, y_d, method="svm-smote")
    with pytest.raises(ValueError, match="method='random' takes no k_neighbors"):
        fast_smote.dask.resample(X_d, y_d, method="random", k_neighbors=3)
    with pytest.raises(ValueError, match="2-D array"):
        fast_smote.dask.resample(X_d[:, 0], y_d)
    with pytest.raises(ValueError, match="single class"):
        fast_smote.dask.resample(X_d, da.zeros(3_000, chunks=1_000))
    with pytest.raises(ValueError, match="different numbers of samples: X has 3000, y has 2999"):
        fast_smote.dask.resample(X_d, y_d[1:])
    with pytest.raises(ValueError, match="partitioned alike: X has 3 partitions, y has 2"):
        fast_smote.dask.resample(X_d, dd.from_pandas(pd.Series(y), npartitions=2))
    with pytest.raises(ValueError, match="class 2 has 3 samples, but k_neighbors=5 needs at least 6"):
        fast_smote.dask.resample(
            X_d, da.from_array(np.r_[np.zeros(2_997, dtype=int), [2, 2, 2]], chunks=1_000)
        )
    with pytest.raises(ValueError, match="fit_resample requires y"):
        fast_smote.dask.resample(X_d, None)
    with pytest.raises(TypeError, match=r"takes X as a dask\.array or dask\.dataframe"):
        fast_smote.dask.fit_resample(fast_smote.SMOTE(), X, y_d)
    with pytest.raises(ValueError, match="Unknown label type"):
        fast_smote.dask.resample(X_d, da.from_array(np.linspace(0, 1, 3_000), chunks=1_000))
    y_missing = y.astype(float)
    y_missing[2_005] = np.nan
    with pytest.raises(ValueError, match=r"missing labels \(None, NaN or NA\) at row 5 of its partition 2"):
        fast_smote.dask.resample(X_d, da.from_array(y_missing, chunks=1_000))
    frame = dd.from_pandas(pd.DataFrame({"a": X[:, 0], "name": ["x"] * 3_000}), npartitions=3)
    with pytest.raises(TypeError, match=r"non-numeric columns: 'name'"):
        fast_smote.dask.resample(frame, dd.from_pandas(pd.Series(y), npartitions=3))


def test_non_finite_rows_are_found_where_single_process_finds_them(on_two):
    X, y = make_data(n=3_000)
    X[2_345, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN at row 2345, column 1"):
        fast_smote.resample(X, y)
    with pytest.raises(ValueError, match="X contains NaN at row 2345, column 1"):
        fast_smote.dask.resample(*as_dask(X, y))
    # RandomOverSampler copies rows: missing values are copied as they are.
    X_res, _ = fast_smote.dask.resample(*as_dask(X, y), method="random", random_state=0)
    np.testing.assert_array_equal(
        X_res.compute(), fast_smote.resample(X, y, method="random", random_state=0)[0]
    )


def test_partitions_without_rows_to_oversample_are_not_read(on_two):
    X, y = make_data(n=3_000)
    y[:1_000] = 0  # the first partition: majority rows only
    X_nan = X.copy()
    X_nan[10, 0] = np.nan
    X_res, _ = fast_smote.dask.resample(*as_dask(X_nan, y), random_state=0)
    X_res = X_res.compute()
    # Its NaN, which a single-process run refuses, comes back as it was; every other
    # row is the single-process run's on the same data without it.
    expected, _ = fast_smote.resample(X, y, random_state=0)
    assert np.isnan(X_res[10, 0])
    X_res[10, 0] = X[10, 0]
    np.testing.assert_array_equal(X_res, expected)


@pytest.mark.parametrize(
    "d, kind",
    [
        (20, "gaussian"),  # the brute force: split by tiles
        (12, "grid"),  # exact ties everywhere, still by tiles
        (20, "twins"),  # many rows of one value: split by queries
        (3, "gaussian"),  # the KD-tree: split by queries
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_class_search_split_in_parts_is_the_whole_search(d, kind, dtype):
    rng = np.random.default_rng(d)
    n = 1_300
    if kind == "grid":
        X = rng.integers(0, 3, size=(n, d)).astype(dtype)
    elif kind == "twins":
        X = rng.normal(size=(n, d)).astype(dtype)
        X[::3] = X[0]
    else:
        X = rng.normal(size=(n, d)).astype(dtype)
    by_tiles = [fast_smote._core.kneighbors_part(X, 5, part, 2) is not None for part in (0, 1)]
    assert by_tiles == [kind in ("gaussian", "grid") and d > 3] * 2
    rows = dask.delayed(fast_smote.dask._ClassRows(X, np.arange(n)))
    whole = fast_smote._core.kneighbors(X, 5)
    with dask.config.set(scheduler="threads"):
        for n_parts in (2, 3, 7):
            table = fast_smote.dask._split_search(rows, 5, n_parts, 1).compute()
            np.testing.assert_array_equal(table, whole, err_msg=f"{n_parts} parts")


@pytest.mark.parametrize("d", [20, 3])
def test_smote_on_two_workers_splits_the_class_search_between_them(on_two, d):
    X, y = make_data(n=12_000, d=d, weights=(0.7, 0.3))
    X_d, y_d = on_two.persist(list(as_dask(X, y, chunks=3_000)))
    wait([X_d, y_d])
    with get_task_stream(client=on_two) as stream:
        X_res, y_res = fast_smote.dask.resample(X_d, y_d, random_state=5, n_jobs=1)
        X_res, y_res = dask.compute(X_res, y_res)
    X_mem, y_mem = fast_smote.resample(X, y, random_state=5)
    np.testing.assert_array_equal(X_res, X_mem)
    np.testing.assert_array_equal(y_res, y_mem)
    # At 3 features the parts find that the tree searches and return nothing, and the
    # blocks search their rows as queries.
    for name in ("search_part", "answer_block"):
        ran_on = {task["worker"] for task in stream.data if key_split(task["key"]) == name}
        assert len(ran_on) == 2, f"{name} ran on {ran_on}"


def test_a_split_class_search_moves_each_blocks_lists_only(on_two):
    # Each block's task fetches the other part's lists of its own rows, half of a part's
    # lists; the parts' whole lists never move.
    X = np.random.default_rng(0).normal(size=(3_000, 20))
    rows = on_two.scatter(fast_smote.dask._ClassRows(X, np.arange(len(X))), broadcast=True)
    before = _sent_between_workers(on_two)
    table = fast_smote.dask._split_search(rows, 5, 2, 1).compute()
    np.testing.assert_array_equal(table, fast_smote._core.kneighbors(X, 5))
    sent = {}
    for key, n_bytes in _sent_between_workers(on_two).items():
        name = key_split(key)
        sent[name] = sent.get(name, 0) + n_bytes - before.get(key, 0)
    lists = fast_smote._core.kneighbors_part(X, 5, 0, 2)
    assert lists is not None
    keys, positions = lists
    one_part = keys.nbytes + positions.nbytes
    assert "search_part" not in sent
    # Two halves of a part's lists, as tuples (a few bytes more); the whole lists of
    # both parts would be twice that.
    assert one_part <= sent.get("getitem", 0) < 1.1 * one_part


@pytest.mark.parametrize("kind", ["gaussian", "grid"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_approximate_class_search_split_in_parts_is_the_whole_search(kind, dtype):
    rng = np.random.default_rng(4)
    n = 9_000  # above the 8,192 rows below which the approximate engine searches exactly
    if kind == "grid":  # exact ties everywhere, no value shared by more than k + 1 rows
        X = np.column_stack([np.arange(n) % 90, np.arange(n) // 90, np.zeros(n)]).astype(dtype)
    else:
        X = rng.normal(size=(n, 8)).astype(dtype)
    estimator = fast_smote.ApproximateNearestNeighbors(n_neighbors=6, random_state=3)
    search = NeighborSearch("k_neighbors", estimator)
    rows = dask.delayed(fast_smote.dask._ClassRows(X, np.arange(n)))
    everything = np.arange(n)
    whole = search.table(X, everything, everything)
    assert whole.shape == (n, 5)
    with dask.config.set(scheduler="threads"):
        for n_parts in (2, 3, 7):
            table = fast_smote.dask._split_approximate_search(rows, search, n_parts, 1).compute()
            np.testing.assert_array_equal(table, whole, err_msg=f"{n_parts} parts")


def test_a_class_the_approximate_search_does_not_split_is_searched_whole():
    # Below exact_below rows, and a value shared by many rows: no plan, and the first
    # part searches the class whole, as in memory; the others make nothing.
    search = NeighborSearch("k_neighbors", fast_smote.ApproximateNearestNeighbors(n_neighbors=4))
    approximate = search.approximate
    for X in (np.random.default_rng(0).normal(size=(500, 4)), np.zeros((10_000, 3))):
        rows = fast_smote.dask._ClassRows(X, np.arange(len(X)))
        assert fast_smote.dask._approximate_plan(rows, search.searched_k, approximate, 1) is None
        everything = np.arange(len(X))
        whole = search.table(X, everything, everything)
        finish = fast_smote.dask._approximate_finish_part
        finished = [finish(rows, search, None, None, None, p, 3, 1) for p in range(3)]
        np.testing.assert_array_equal(finished[0][0], everything)
        assert [len(positions) for positions, _ in finished[1:]] == [0, 0]
        table = fast_smote.dask._split_approximate_search(dask.delayed(rows), search, 3, 1)
        np.testing.assert_array_equal(table.compute(scheduler="threads"), whole)


def misaligned(array):
    """A copy of ``array`` whose data starts one byte past an aligned address."""
    raw = np.empty(array.nbytes + 1, dtype=np.uint8)
    copy = raw[1:].view(array.dtype).reshape(array.shape)
    copy[...] = array
    return copy


@pytest.mark.parametrize(
    "make",
    [
        lambda X, rows: fast_smote.dask._ClassRows(X, rows),
        lambda X, rows: Rows(X, rows, rows % 2),
        lambda X, rows: Lists(X, rows, rows % 2),
    ],
)
def test_the_arrays_of_a_transferred_class_or_partition_arrive_aligned(make):
    # As a transfer between workers unpickles them: out-of-band buffers at any address.
    X, rows = np.arange(12.0).reshape(6, 2), np.arange(6)
    buffers = []
    data = pickle.dumps(make(X, rows), protocol=5, buffer_callback=buffers.append)
    shifted = [misaligned(np.frombuffer(buffer.raw(), dtype=np.uint8)) for buffer in buffers]
    # The same buffers leave plain arrays misaligned.
    plain_buffers = []
    plain = pickle.dumps((X, rows), protocol=5, buffer_callback=plain_buffers.append)
    plain_shifted = [misaligned(np.frombuffer(b.raw(), dtype=np.uint8)) for b in plain_buffers]
    assert not any(a.flags.aligned for a in pickle.loads(plain, buffers=plain_shifted))
    arrived = pickle.loads(data, buffers=shifted)
    assert type(arrived) is type(make(X, rows))
    for field in dataclasses.fields(arrived):
        value = getattr(arrived, field.name)
        assert value.flags.aligned and value.flags.c_contiguous, field.name
    np.testing.assert_array_equal(arrived.rows, rows)
    np.testing.assert_array_equal(getattr(arrived, "X", getattr(arrived, "keys", None)), X)


def test_smote_with_approximate_neighbours_on_two_workers_splits_the_search(on_two):
    X, y = make_data(n=30_000, d=8, weights=(0.6, 0.4))
    approximate = fast_smote.ApproximateNearestNeighbors(n_neighbors=6, random_state=1)
    X_d, y_d = on_two.persist(list(as_dask(X, y, chunks=5_000)))
    wait([X_d, y_d])
    before = _sent_between_workers(on_two)
    with get_task_stream(client=on_two) as stream:
        on_dask = fast_smote.SMOTE(k_neighbors=approximate, random_state=5, n_jobs=1)
        X_res, y_res = dask.compute(*on_dask.fit_resample(X_d, y_d))
    in_memory = fast_smote.SMOTE(k_neighbors=approximate, random_state=5)
    X_mem, y_mem = in_memory.fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_mem)
    np.testing.assert_array_equal(y_res, y_mem)
    for name in ("approximate_cells_part", "approximate_scan_part", "approximate_finish_part"):
        ran_on = {task["worker"] for task in stream.data if key_split(task["key"]) == name}
        assert len(ran_on) == 2, f"{name} ran on {ran_on}"
    # The class's rows go to the worker that did not gather them, for its part of the
    # search, and at most once more for its windows (where the scheduler dropped that
    # copy in between, or placed a window away from it); no other class's rows move.
    after = _sent_between_workers(on_two)
    moved = {key: n - before.get(key, 0) for key, n in after.items() if n > before.get(key, 0)}
    class_bytes = [n for key, n in moved.items() if key_split(key) == "class_rows"]
    minority = int(np.count_nonzero(y == 1)) * (8 * 8 + 8)
    assert len(class_bytes) == 1 and minority <= class_bytes[0] <= 2.05 * minority, moved


# ---------------------------------------------------------------------------------------
# Searches among all rows: the k-NN join of the partitions


def tie_heavy_data(n=4_000, d=5, dtype=np.float64, weights=(0.75, 0.2, 0.05), seed=1):
    """Overlapping classes on a coarse grid: exact ties in every neighbour list."""
    X, y = make_data(n=n, d=d, dtype=dtype, weights=weights, seed=seed)
    return np.round(X * 2).astype(dtype) / 2, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_merged_partition_lists_are_the_whole_search(dtype):
    from fast_smote._dask_join import Rows, join

    rng = np.random.default_rng(3)
    X, y = tie_heavy_data(n=1_500, d=12, dtype=dtype)
    X[:40] *= 1e30 if dtype == np.float64 else 1e15  # beyond the safe range: one scale for all
    # Partitions of uneven sizes, some empty or smaller than k.
    bounds = np.unique(np.r_[0, 0, 3, 5, 5, rng.integers(0, len(X), 8), len(X)])
    parts = [
        dask.delayed(Rows(X[a:b], np.arange(a, b), y[a:b].astype(np.int64)))
        for a, b in zip(bounds, bounds[1:])
    ]
    queries = np.sort(rng.choice(len(X), 300, replace=False))
    largest = float(np.abs(X).max())
    query_rows = dask.delayed(Rows(X[queries], queries, y[queries]))
    # Each group of partitions is searched by one task; any grouping gives the same lists.
    groups = [[0, 3, 4], [1], [2, *range(5, len(parts))]]
    for k, grouping in ((1, groups), (6, groups), (6, [[i] for i in range(len(parts))])):
        whole = fast_smote._core.kneighbors(X, k, queries, None)
        with dask.config.set(scheduler="sync"):
            lists = join(parts, query_rows, k, largest, 1, grouping).compute()
        np.testing.assert_array_equal(lists.rows, whole, err_msg=f"k = {k}")
        np.testing.assert_array_equal(lists.codes, y[whole])
        assert np.all(np.diff(lists.keys, axis=1) >= 0)


CLEANERS = [
    fast_smote.TomekLinks(),
    fast_smote.TomekLinks(sampling_strategy="all"),
    fast_smote.EditedNearestNeighbours(),
    fast_smote.EditedNearestNeighbours(kind_sel="mode", sampling_strategy="all", n_neighbors=5),
]


@pytest.mark.parametrize("sampler", CLEANERS, ids=repr)
@pytest.mark.parametrize("chunks", [4_000, 1_100, 317])
def test_cleaners_remove_the_single_process_rows(one_worker, two_workers, sampler, chunks):
    X, y = tie_heavy_data()
    in_memory = clone(sampler)
    X_mem, y_mem = in_memory.fit_resample(X, y)
    assert 0 < len(X) - len(X_mem) < len(X) / 2, "the data must have rows to remove and keep"
    for client in (one_worker, two_workers):
        with client.as_current():
            on_dask = clone(sampler)
            X_res, y_res = on_dask.fit_resample(*as_dask(X, y, chunks=chunks))
            # The sizes are known before anything is computed.
            assert X_res.shape == X_mem.shape and y_res.shape == y_mem.shape
            assert_same_resampling(on_dask, in_memory, X_res, y_res, X_mem, y_mem)
            np.testing.assert_array_equal(on_dask.sample_indices_.compute(), in_memory.sample_indices_)


@pytest.mark.parametrize("sampler", [fast_smote.TomekLinks(), fast_smote.EditedNearestNeighbours()], ids=repr)
def test_a_join_of_fewer_partitions_than_threads_spreads_its_queries(on_two, sampler):
    # One partition on one of two workers: its queries are cut in two blocks, the second
    # searched on the other worker, with the single-process rows.
    X, y = tie_heavy_data(n=6_000)
    X_d, y_d = on_two.persist(list(as_dask(X, y, chunks=6_000)))
    wait([X_d, y_d])
    with get_task_stream(client=on_two) as stream:
        X_res, y_res = dask.compute(*clone(sampler).fit_resample(X_d, y_d))
    X_mem, y_mem = clone(sampler).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_mem)
    np.testing.assert_array_equal(y_res, y_mem)
    searches = [task for task in stream.data if key_split(task["key"]) == "group_lists"]
    assert len(searches) == 2 and len({task["worker"] for task in searches}) == 2


@pytest.mark.parametrize("sampler", [fast_smote.TomekLinks(), fast_smote.EditedNearestNeighbours()], ids=repr)
def test_cleaners_take_dataframes(on_two, sampler):
    frame, labels = frame_data(n=3_000)
    ddf = dd.from_pandas(frame.assign(risk=labels), npartitions=4)
    X_mem, y_mem = clone(sampler).fit_resample(frame, labels)
    X_res, y_res = dask.compute(*clone(sampler).fit_resample(ddf.drop(columns="risk"), ddf["risk"]))
    pd.testing.assert_frame_equal(X_res, X_mem)
    np.testing.assert_array_equal(y_res.to_numpy(), y_mem.to_numpy())
    np.testing.assert_array_equal(y_res.index, np.arange(len(y_mem)))


def over_samplers():
    return [
        fast_smote.BorderlineSMOTE(random_state=4),
        fast_smote.BorderlineSMOTE(random_state=4, m_neighbors=4, sampling_strategy="not majority"),
        fast_smote.BorderlineSMOTE(random_state=4, kind="borderline-2"),
        fast_smote.ADASYN(random_state=4),
        fast_smote.SMOTETomek(random_state=4),
        fast_smote.SMOTEENN(random_state=4, smote=fast_smote.ADASYN(random_state=2)),
    ]


@pytest.mark.parametrize("sampler", over_samplers(), ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.filterwarnings("ignore:ADASYN")
def test_neighbour_based_samplers_make_the_single_process_rows(one_worker, two_workers, sampler, dtype):
    X, y = tie_heavy_data(dtype=dtype)
    in_memory = clone(sampler)
    X_mem, y_mem = in_memory.fit_resample(X, y)
    for client, chunks in ((one_worker, 1_000), (two_workers, 1_000), (two_workers, 613)):
        with client.as_current():
            on_dask = clone(sampler)
            X_res, y_res = on_dask.fit_resample(*as_dask(X, y, chunks=chunks))
            assert_same_resampling(on_dask, in_memory, X_res, y_res, X_mem, y_mem)
            provenance = getattr(on_dask, "provenance_", None)
            if provenance is not None:
                for name in ("base_index", "neighbor_index", "step", "neighbor_class"):
                    got, want = getattr(provenance, name), getattr(in_memory.provenance_, name)
                    assert (got is None) == (want is None), name
                    if want is not None:
                        np.testing.assert_array_equal(got.compute(), want)
            if isinstance(sampler, fast_smote.BorderlineSMOTE):
                assert on_dask.in_danger_indices.keys() == in_memory.in_danger_indices.keys()
                for label, rows in in_memory.in_danger_indices.items():
                    np.testing.assert_array_equal(on_dask.in_danger_indices[label], rows)


def test_a_class_without_danger_rows_gets_none_as_in_memory(on_two):
    X, y = make_data(n=3_000, weights=(0.9, 0.1))
    X[y == 1] += 50  # far from the majority: no minority row is in danger
    with pytest.warns(UserWarning, match="none of its 293 samples is in danger"):
        X_mem, _ = fast_smote.BorderlineSMOTE().fit_resample(X, y)
    with pytest.warns(UserWarning, match="none of its 293 samples is in danger"):
        X_res, _ = fast_smote.BorderlineSMOTE().fit_resample(*as_dask(X, y))
    assert X_res.shape == X_mem.shape == X.shape


def test_borderline_smote_reads_the_majority_where_it_lives(on_two):
    X, y = make_data(n=40_000, d=8, weights=(0.95, 0.05))
    X_d, y_d = on_two.persist(list(as_dask(X, y, chunks=5_000)))
    wait([X_d, y_d])
    before = _sent_between_workers(on_two)
    with get_task_stream(client=on_two) as stream:
        X_res, _ = fast_smote.BorderlineSMOTE(random_state=0).fit_resample(X_d, y_d)
        X_res = on_two.persist(X_res)
        wait(X_res)
    ran_on = {task["worker"] for task in stream.data if key_split(task["key"]) == "group_lists"}
    assert len(ran_on) == 2, "the join ran on one worker"
    after = _sent_between_workers(on_two)
    np.testing.assert_array_equal(
        X_res.compute(), fast_smote.BorderlineSMOTE(random_state=0).fit_resample(X, y)[0]
    )
    moved = {key: n - before.get(key, 0) for key, n in after.items() if n > before.get(key, 0)}
    # The partitions (and their checked copies) stay where they are; what moves is the
    # minority (2 000 rows of 64 bytes and their row numbers: gathered, copied to both
    # workers, and as the join's queries), one worker's candidate lists (24 bytes a
    # candidate, 10 a row) and small results.
    x_keys = {str(key) for key in flatten(X_d.__dask_keys__())}
    checked = sum(n for key, n in moved.items() if key_split(key) == "checked_partition")
    assert sum(n for key, n in moved.items() if key in x_keys) + checked <= X.nbytes / 4
    lists = sum(n for key, n in moved.items() if key_split(key) in ("group_lists", "merged"))
    assert lists <= 2_000 * 10 * 24 + 1_000
    assert sum(moved.values()) < 4 * 2_000 * 80 + lists + X.nbytes / 4 + 200_000


def test_cleaning_refuses_what_it_cannot_do_on_dask(on_two):
    X, y = make_data(n=3_000)
    X_d, y_d = as_dask(X, y, chunks=1_500)
    approximate = fast_smote.neighbors.ApproximateNearestNeighbors(n_neighbors=2)
    for sampler in (
        fast_smote.TomekLinks(n_neighbors=approximate),
        fast_smote.ADASYN(n_neighbors=approximate),
    ):
        with pytest.raises(TypeError, match="core's exact engines: n_neighbors must be an int"):
            sampler.fit_resample(X_d, y_d)
    with pytest.raises(ValueError, match="n_neighbors must be 1"):
        fast_smote.TomekLinks(n_neighbors=3).fit_resample(X_d, y_d)
    with pytest.raises(ValueError, match="kind_sel must be 'all' or 'mode'"):
        fast_smote.EditedNearestNeighbours(kind_sel="any").fit(X_d, y_d)
    # Each join task holds two partitions of 1 500 rows (4 x 32 bytes a row) and lists.
    with pytest.raises(
        MemoryBudgetError, match=r"partitions of up to 1,500 rows need about 2\d\d\.\d+ KiB on a worker"
    ):
        fast_smote.dask.fit_resample(fast_smote.TomekLinks(), X_d, y_d, memory_budget="100kB")
    fast_smote.dask.fit_resample(fast_smote.TomekLinks(), X_d, y_d, memory_budget="400kB")
    # BorderlineSMOTE's gathered class fits, but its join does not: refused before the gather.
    X_big, y_big = make_data(n=20_000, d=10, weights=(0.9, 0.1))
    with get_task_stream(client=on_two) as stream:
        with pytest.raises(MemoryBudgetError, match=r"partitions of up to 10,000 rows need about 9\.\d+ MiB"):
            fast_smote.dask.fit_resample(
                fast_smote.BorderlineSMOTE(), *as_dask(X_big, y_big, chunks=10_000), memory_budget="6MiB"
            )
    assert not {key_split(task["key"]) for task in stream.data} & {"_select", "_class_rows"}
    fitted = fast_smote.SMOTETomek().fit(X_d, y_d)
    assert fitted.n_features_in_ == 4
    assert fitted.smote_.sampling_strategy_ == fast_smote.SMOTE().fit(X, y).sampling_strategy_
    X_inf = X.copy()
    X_inf[2_345, 1] = np.inf
    with pytest.raises(ValueError, match="X contains infinity at row 2345, column 1"):
        fast_smote.EditedNearestNeighbours().fit_resample(*as_dask(X_inf, y))
