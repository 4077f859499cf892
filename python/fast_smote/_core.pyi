"""The compiled Rust core (``src/python.rs``). Internal: use the public API instead."""

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float64]

# PyO3 lists every function and constant the module adds.
__all__ = [
    "APPROXIMATE_PROBES_AT_EFFORT_ONE",
    "CHUNK_ROWS",
    "MAX_TREE_DIM",
    "__version__",
    "approximate_cells_part",
    "approximate_finish_part",
    "approximate_kneighbors",
    "approximate_scan_part",
    "approximate_split_plan",
    "assembled_clusters",
    "bootstrap",
    "bootstrap_window",
    "ccr_spheres",
    "clearances",
    "draw_positions",
    "embed_mixed",
    "find_non_finite",
    "forget_thread_pools",
    "generate",
    "generate_sparse",
    "generate_window",
    "join_part",
    "kneighbors",
    "kneighbors_from_parts",
    "kneighbors_part",
    "lock_thread_pools",
    "mean_pairwise_distance",
    "median_distances",
    "nearest",
    "optics",
    "own_class_holds",
    "row_distances",
    "search_engine",
    "sparse_kneighbors",
    "split_fraction",
    "unlock_thread_pools",
    "value_difference_kneighbors",
    "value_difference_pairwise",
    "vote",
]

#: Cells a row of the approximate search scans at effort 1 (times the effort, rounded up).
APPROXIMATE_PROBES_AT_EFFORT_ONE: float
#: Synthetic rows per seeded chunk (fixed: changing it changes every result).
CHUNK_ROWS: int
#: Highest dimension the KD-tree is used for (see ``search_engine``).
MAX_TREE_DIM: int
#: The crate's version (Cargo.toml), which is the package's.
__version__: str

IndexArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

def lock_thread_pools() -> None:
    """Before a fork: hold the thread pools' table, so that no other thread does."""

def unlock_thread_pools() -> None:
    """After a fork, in the parent: release the table."""

def forget_thread_pools() -> None:
    """In the child of a fork: drop the thread pools, whose threads stayed in the
    parent, so that the next call builds new ones."""

class Job(Protocol):
    """One generation job, read by attribute name (``fast_smote.over_sampling._base.Job``
    is one): rows of class ``code`` from ``bases`` toward ``references``."""

    @property
    def code(self) -> int: ...
    @property
    def part(self) -> int: ...
    @property
    def bases(self) -> IndexArray: ...
    @property
    def references(self) -> IndexArray | None: ...
    @property
    def neighbors(self) -> int | IndexArray | str: ...
    @property
    def draws(self) -> int | IndexArray: ...
    @property
    def step_scale(self) -> float: ...
    @property
    def damped(self) -> npt.NDArray[np.bool_] | None: ...

def generate(
    x: FloatMatrix,
    jobs: Sequence[Job],
    random_state: int,
    n_threads: int | None,
) -> tuple[FloatMatrix, npt.NDArray[np.signedinteger], npt.NDArray[np.signedinteger], FloatMatrix]:
    """Synthetic rows for every job, in order, after the original rows.

    A job makes rows of class ``code`` from the rows ``bases`` toward neighbours among
    the rows ``references`` (None: the bases). ``neighbors`` is ``k`` for the core's
    exact search, a table giving each base's neighbours as positions into the
    references, or ``"others"``: partners drawn uniformly from the other bases (the
    references must be the bases). ``draws`` is a total (each row from a uniformly drawn base and neighbour
    column) or a count per base (in base order, column drawn uniformly). Steps are
    ``step_scale * u``, ``u`` uniform in ``[0, 1)``, further scaled by a uniform draw in
    ``[0, 0.5)`` toward references marked in ``damped``. Chunk ``c`` of a job draws from
    the seed of ``(random_state, code + part * 2**32, c)``.

    Returns ``(X_res, base_index, neighbor_index, step)``: indices are int32 below
    2**31 rows (int64 beyond), steps have X's type.
    """

def generate_window(
    x: FloatMatrix,
    job: Job,
    random_state: int,
    first_chunk: int,
    n_chunks: int,
    n_threads: int | None,
) -> tuple[FloatMatrix, npt.NDArray[np.signedinteger], npt.NDArray[np.signedinteger], FloatMatrix]:
    """The synthetic rows of ``job`` in its chunks ``first_chunk .. first_chunk + n_chunks``
    (of ``CHUNK_ROWS`` rows; the job's last chunk may be shorter), exactly as ``generate``
    makes them there for the same seed.

    Returns ``(rows, base_index, neighbor_index, step)`` for those rows only; a window
    past the job's last chunk is a ``ValueError``.
    """

IndexVector = npt.NDArray[np.int32] | npt.NDArray[np.int64]

#: A CSR matrix: ``(data, indices, indptr, n_cols)``, column indices sorted and unique
#: within each row, ``indices`` and ``indptr`` of one integer type (used as they are).
Csr = tuple[npt.NDArray[np.float32] | npt.NDArray[np.float64], IndexVector, IndexVector, int]

def generate_sparse(
    x: Csr,
    jobs: Sequence[Job],
    random_state: int,
    n_threads: int | None,
) -> tuple[
    npt.NDArray[np.float32] | npt.NDArray[np.float64],
    IndexVector,
    IndexVector,
    npt.NDArray[np.signedinteger],
    npt.NDArray[np.signedinteger],
    FloatMatrix,
]:
    """``generate`` for a CSR matrix: the same rows (densified, bit for bit) and the same
    provenance for the same jobs and seed, without densifying X.

    Returns ``(data, indices, indptr, base_index, neighbor_index, step)``: the resampled
    X as CSR arrays (int32 indices while the stored values and the columns fit, int64
    beyond), each synthetic row storing the non-zeros of its interpolation.
    """

def sparse_kneighbors(
    x: Csr,
    k: int,
    queries: IndexArray | None = None,
    references: IndexArray | None = None,
    n_threads: int | None = None,
) -> IndexArray:
    """``kneighbors`` for a CSR matrix, through an inverted index of the references
    (memory O(nnz + threads x references)); exact up to ties within float64 rounding."""

class BootstrapJob(Protocol):
    """One class of random over-sampling, read by attribute name
    (``fast_smote.over_sampling._random.BootstrapJob`` is one)."""

    @property
    def code(self) -> int: ...
    @property
    def rows(self) -> IndexArray: ...
    @property
    def n_new(self) -> int: ...
    @property
    def noise(self) -> list[float] | None: ...

def bootstrap(
    x: FloatMatrix,
    jobs: Sequence[BootstrapJob],
    random_state: int,
    n_threads: int | None,
) -> tuple[FloatMatrix, IndexArray]:
    """Random over-sampling: for each job, ``n_new`` copies
    of rows drawn uniformly from ``rows``, plus normal noise of standard deviation
    ``noise[j]`` on feature ``j`` if given. Returns ``(X_res, sample_indices)``."""

def bootstrap_window(
    x: FloatMatrix,
    job: BootstrapJob,
    random_state: int,
    first_chunk: int,
    n_chunks: int,
    n_threads: int | None,
) -> tuple[FloatMatrix, IndexArray]:
    """The new rows of ``job`` in its chunks ``first_chunk .. first_chunk + n_chunks``,
    exactly as ``bootstrap`` makes them there. Returns ``(rows, sample_indices)`` for
    those rows only."""

def kneighbors(
    x: FloatMatrix,
    k: int,
    queries: IndexArray | None = None,
    references: IndexArray | None = None,
    n_threads: int | None = None,
) -> IndexArray:
    """The ``k`` nearest neighbours of the rows ``queries`` (default: the references)
    among the rows ``references`` (default: all rows), each query itself excluded, as
    positions into ``references``, nearest first."""

def own_class_holds(
    x: FloatMatrix,
    queries: IndexArray,
    own: IndexArray,
    others: IndexArray,
    n_neighbors: int,
    own_needed: int,
    n_threads: int | None = None,
    *,
    anchors: IndexArray | None = None,
    clearances: npt.NDArray[np.float64] | None = None,
) -> BoolArray:
    """For each row ``queries[i]``: whether at least ``own_needed`` of its ``n_neighbors``
    nearest rows among ``own`` and ``others`` (rows in increasing order, none in both;
    ties to the lowest row, the query itself excluded) are rows of ``own``. The search
    among ``others`` stops at the distance of the ``own_needed``-th nearest own row, and
    is spared for a query near one of its ``anchors`` (a row of own rows for each query)
    whose ``clearances`` (``clearances(x, own, others)``) puts every other row beyond."""

def clearances(
    x: FloatMatrix,
    own: IndexArray,
    others: IndexArray,
    within: npt.NDArray[np.float64],
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]:
    """For each row ``own[i]``: its squared distance (canonical, as the searches rank) from
    the nearest row of ``others``, or ``within[i]`` where none lies within that."""

def kneighbors_part(
    x: FloatMatrix, k: int, part: int, n_parts: int, n_threads: int | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint32]] | None:
    """Part ``part`` of ``n_parts`` of the search of every row of ``x`` among the
    others: each row's candidate keys and positions from the part's share of the pairs,
    then ``kneighbors_from_parts``; None where the search splits by blocks of queries
    instead (a tree search, or values shared by many rows)."""

def kneighbors_from_parts(
    x: FloatMatrix,
    k: int,
    first: int,
    n_rows: int,
    parts: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.uint32]]],
    n_threads: int | None = None,
) -> IndexArray:
    """Rows ``first`` to ``first + n_rows`` of ``kneighbors(x, k)``, from every part's
    lists of those rows (the same rows of each ``kneighbors_part``): the same rows as
    the whole search."""

def join_part(
    partition: FloatMatrix,
    first_row: int,
    queries: FloatMatrix,
    query_rows: IndexArray,
    k: int,
    largest: float,
    n_threads: int | None = None,
) -> tuple[npt.NDArray[np.float64], IndexArray]:
    """One partition's share of the search of ``queries`` (rows ``query_rows`` of the
    data) among all the data's rows: ``(keys, rows)``, the ``k`` rows of ``partition``
    (rows ``first_row`` on of the data) nearest each query, itself excluded, by canonical
    distance at the scale of data whose largest magnitude is ``largest``, padded with
    ``(inf, -1)``. Merged by (key, row) over the partitions: the whole search's lists."""

def approximate_kneighbors(
    x: FloatMatrix,
    k: int,
    effort: float,
    seed: int,
    queries: IndexArray | None = None,
    references: IndexArray | None = None,
    n_threads: int | None = None,
    *,
    cell_rows: int | None = None,
    exact_below: int | None = None,
) -> IndexArray:
    """``kneighbors`` by the approximate engine: the references are grouped into k-means
    cells of about ``cell_rows`` rows (None: 512) seeded by ``seed`` (a uint64), each
    query scans the rows of its nearest few cells (``effort`` > 0 scales how many: higher
    is slower and finds more of the true neighbours), and when the queries are the
    references each list is refined with its neighbours' neighbours. Fewer than
    ``exact_below`` references (None: 8192) are searched exactly. The ``k`` found are
    ordered by exact distance, then position; the table is the same for any
    ``n_threads``."""

#: The cells of a split approximate search: ``(mean, scale, centroids)``.
CellPlan = tuple[npt.NDArray[np.float64], float, npt.NDArray[np.float32]]
#: A flat array of cells or scan lists of a split approximate search.
CellArray = npt.NDArray[np.uint32]

def approximate_split_plan(
    x: FloatMatrix,
    k: int,
    effort: float,
    seed: int,
    n_threads: int | None = None,
    *,
    cell_rows: int | None = None,
    exact_below: int | None = None,
) -> CellPlan | None:
    """The cells of ``approximate_kneighbors(x, k, effort, seed)`` of every row of ``x``
    split into parts that run apart (``approximate_cells_part``, then
    ``approximate_scan_part``, then ``approximate_finish_part``, each for every part):
    the centring and the k-means centroids. None when that search does not use cells
    (fewer rows than ``exact_below``, or a value shared by more than ``k + 1`` rows):
    it then runs whole."""

def approximate_cells_part(
    x: FloatMatrix, plan: CellPlan, effort: float, part: int, n_parts: int, n_threads: int | None = None
) -> CellArray:
    """Each row of part ``part``'s block of rows with its nearest cells (flat, row by
    row); concatenated in part order, every row's."""

def approximate_scan_part(
    x: FloatMatrix,
    k: int,
    plan: CellPlan,
    effort: float,
    cells: CellArray,
    part: int,
    n_parts: int,
    n_threads: int | None = None,
) -> CellArray:
    """The scan lists of the rows of part ``part``'s share of the cells, from every
    row's cells; concatenated in part order, the whole scan."""

def approximate_finish_part(
    x: FloatMatrix,
    k: int,
    plan: CellPlan,
    effort: float,
    cells: CellArray,
    scanned: CellArray,
    part: int,
    n_parts: int,
    n_threads: int | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Part ``part``'s rows of the table (their positions) and their ``k`` neighbours,
    from the whole scan: every part's rows together are ``approximate_kneighbors``'s
    table, row for row."""

def nearest(
    x: FloatMatrix,
    queries: IndexArray,
    references: IndexArray,
    n_threads: int | None = None,
) -> tuple[IndexArray, npt.NDArray[np.float64]]:
    """The nearest of the rows ``references`` to each row ``queries[i]`` (the query itself
    excluded), as a position into ``references``, and its exact Euclidean distance."""

def mean_pairwise_distance(x: FloatMatrix, rows: IndexArray, n_threads: int | None = None) -> float:
    """The mean Euclidean distance between two different rows among ``rows``."""

def median_distances(
    x: FloatMatrix, rows: IndexArray, n_threads: int | None = None
) -> npt.NDArray[np.float64]:
    """The median Euclidean distance from each row of ``rows`` to the other rows of
    ``rows`` (the mean of the two middle ones for an even number of others); the same
    for any ``n_threads``."""

def row_distances(
    x: FloatMatrix, first: IndexArray, second: IndexArray, n_threads: int | None = None
) -> npt.NDArray[np.float64]:
    """The Euclidean distance between rows ``first[i]`` and ``second[i]``, for every ``i``."""

def assembled_clusters(
    x: FloatMatrix, rows: IndexArray, pop: int, thres: float, n_threads: int | None = None
) -> npt.NDArray[np.int64]:
    """Assembled-SMOTE's clusters of the border ``rows``: single linkage, where two
    clusters of at least ``pop`` rows merge only if their principal directions have
    ``|cos| > thres`` (else they are set aside until one changes). A label per row, in
    the order of each cluster's first row."""

def ccr_spheres(
    x: FloatMatrix,
    class_rows: IndexArray,
    other_rows: IndexArray,
    pushed: npt.NDArray[np.bool_],
    energy: float,
    n_threads: int | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """CCR's L1 spheres around the class rows among the other rows: each sphere's radius
    (growing by ``dr`` costs ``(k + 1) dr`` with ``k`` other rows inside, until ``energy``
    is spent), the rows of x some sphere pushes (of the other rows ``pushed``; rows at a
    sphere's centre are not), increasing, and each one's total move to the surfaces of
    the spheres it is in, summed in class-row order."""

def optics(
    x: FloatMatrix, rows: IndexArray, min_samples: int, max_eps: float, n_threads: int | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """OPTICS over the class ``rows`` (scikit-learn's definition, Euclidean): each row's
    core distance (to its ``min_samples - 1``-th nearest other row; infinite beyond
    ``max_eps``) and reachability, as positions in ``rows``."""

def split_fraction(random_state: int, class_code: int) -> float:
    """SVM-SMOTE's Beta(10, 10) split of a class's new rows, drawn from the seed."""

def search_engine(x: FloatMatrix, k: int) -> str:
    """``'kd-tree'`` or ``'brute-force'``: the engine ``kneighbors(x, k)`` uses."""

def find_non_finite(x: FloatMatrix) -> tuple[int, int] | None:
    """``(row, column)`` of the first NaN or infinity in ``x``, or None."""

CodeMatrix = npt.NDArray[np.int32]

def embed_mixed(
    continuous: FloatMatrix,
    codes: CodeMatrix,
    cardinalities: list[int],
    rows: IndexArray,
    scale: float,
    n_threads: int | None = None,
) -> FloatMatrix:
    """SMOTE-NC's search space for the class ``rows``: their continuous features, then per
    categorical feature ``f`` a one-hot block of ``cardinalities[f]`` columns holding
    ``scale`` at the row's code (in the continuous features' float type)."""

def value_difference_kneighbors(
    codes: CodeMatrix,
    cardinalities: list[int],
    probabilities: npt.NDArray[np.float64],
    rows: IndexArray,
    k: int,
    n_threads: int | None = None,
) -> IndexArray:
    """The ``k`` nearest of the class ``rows`` to each of them (itself excluded), as
    positions into ``rows``, under the Value Difference Metric: ``probabilities`` stacks,
    feature after feature, a row of class shares per category."""

def value_difference_pairwise(
    codes: CodeMatrix,
    cardinalities: list[int],
    probabilities: npt.NDArray[np.float64],
    rows: IndexArray,
    n_threads: int | None = None,
) -> npt.NDArray[np.float64]:
    """Every Value Difference Metric distance between two of the class ``rows``."""

def vote(codes: CodeMatrix, voters: IndexArray, n_threads: int | None = None) -> CodeMatrix:
    """For each row of ``voters`` (rows of ``codes``, nearest first), each feature's most
    frequent code among them; a tie goes to the code listed first."""

def draw_positions(
    random_state: int,
    class_code: int,
    n_choices: int,
    n_draws: int,
    n_threads: int | None = None,
    first_chunk: int = 0,
    n_chunks: int | None = None,
) -> npt.NDArray[np.uint32]:
    """``n_draws`` positions drawn uniformly from ``range(n_choices)``; chunk ``c`` of the
    draws comes from the seed of ``(random_state, class_code, c)``. With ``first_chunk``
    and ``n_chunks``, only the draws of those chunks (None: to the last)."""
