//! The Python bindings: the only file that knows about PyO3 and NumPy.
//!
//! Every function has one shape: borrow the arrays read-only, release the GIL for the
//! core's work (on the pool `n_threads` asks for), and hand the new arrays to NumPy
//! without copying them. Core errors become `ValueError`s; a panic, which would be a
//! bug, becomes a `RuntimeError` instead of reaching the user as a crash.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use ndarray::{Array2, ArrayView2};
use numpy::{Element, IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{
    PyKeyboardInterrupt, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;

use crate::bootstrap::{
    bootstrap as core_bootstrap, bootstrap_window as core_bootstrap_window, BootstrapJob,
};
use crate::categorical::{
    draw_positions as core_draw_positions, embed_mixed as core_embed_mixed, vote as core_vote,
    ValueDifference,
};
use crate::clusters::assembled_clusters as core_assembled_clusters;
use crate::distances::{
    mean_pairwise_distance as core_mean_pairwise_distance,
    median_distances as core_median_distances, optics as core_optics, paired_distances,
};
use crate::error::Error;
use crate::float::{first_non_finite, Float};
use crate::neighbors::approx::{
    cells_part as core_cells_part, finish_part as core_finish_part, scan_part as core_scan_part,
    split_plan as core_split_plan, CellPlan, EXACT_BELOW_ROWS, PROBES_AT_EFFORT_ONE, ROWS_PER_CELL,
};
use crate::neighbors::{
    approximate_kneighbors_among, clearances as core_clearances, join_part as core_join_part,
    kneighbors_among, kneighbors_from_parts as core_kneighbors_from_parts,
    kneighbors_part as core_kneighbors_part, own_class_holds as core_own_class_holds, ApproxParams,
    Clearances, Engine, MAX_TREE_DIM, NOT_A_REFERENCE,
};
use crate::parallel::{
    forget_pools, lock_pools_for_fork, run_with_threads, unlock_pools_after_fork,
};
use crate::rng::{all_chunks, split_fraction as core_split_fraction, CHUNK_ROWS};
use crate::sampling::{
    generate as core_generate, generate_window as core_generate_window, Draws, Index, Job,
    NeighborTable,
};
use crate::sparse::{
    generate as core_generate_sparse, kneighbors_among as sparse_kneighbors_among, Csr, CsrArrays,
    CsrMatrix,
};
use crate::spheres::ccr_spheres as core_ccr_spheres;
use crate::stop::Stop;

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err {
            Error::ThreadPool { .. } => PyRuntimeError::new_err(err.to_string()),
            Error::Interrupted => PyKeyboardInterrupt::new_err(err.to_string()),
            Error::TooLarge(_) => PyMemoryError::new_err(err.to_string()),
            _ => PyValueError::new_err(err.to_string()),
        }
    }
}

/// How often a call waiting for the core checks for signals: Ctrl-C is answered
/// within this plus the time the core takes to reach its next check.
const SIGNAL_POLL: Duration = Duration::from_millis(20);

/// Calls whose inputs and outputs hold at most this many values (or, for the searches
/// among a class's pairs, this many pairs) run without a waiting thread: they end in
/// about a millisecond or less, before a Ctrl-C could be polled, and the thread would
/// cost more than the work (about 60 us against 4 us for 10 x 3 rows).
const IN_PLACE_VALUES: usize = 1 << 14;

/// What a call's work returns, through the thread pool and `catch_unwind`.
type Outcome<T> = std::thread::Result<Result<Result<T, Error>, Error>>;

/// Runs `work` without the GIL on `n_threads` threads, turning a panic into an error.
///
/// Work of more than `IN_PLACE_VALUES` `values` runs on a thread of its own while the
/// caller waits for it, checking for signals: when a signal handler raises
/// (`KeyboardInterrupt` on Ctrl-C), the work's `Stop` is requested, the caller waits
/// for the work to end at its next check, and the handler's exception is raised.
/// Nothing keeps running after the call returns.
fn run_detached<T: Send>(
    py: Python<'_>,
    n_threads: Option<usize>,
    values: usize,
    work: impl FnOnce(&Stop) -> Result<T, Error> + Send,
) -> PyResult<T> {
    let stop = Stop::new();
    let run = |stop: &Stop| {
        catch_unwind(AssertUnwindSafe(|| {
            run_with_threads(n_threads, || work(stop))
        }))
    };
    if values <= IN_PLACE_VALUES {
        return into_py_result(py.detach(|| run(&stop)));
    }
    let finished = (Mutex::new(false), Condvar::new());
    let (stop, finished) = (&stop, &finished);
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            let outcome = run(stop);
            *finished.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
            finished.1.notify_one();
            outcome
        });
        let wait = || {
            let done = finished.0.lock().unwrap_or_else(PoisonError::into_inner);
            let (done, _) = finished
                .1
                .wait_timeout_while(done, SIGNAL_POLL, |done| !*done)
                .unwrap_or_else(PoisonError::into_inner);
            *done
        };
        let mut signal = None;
        while !py.detach(wait) {
            if let Err(raised) = py.check_signals() {
                stop.request();
                signal = Some(raised);
                break;
            }
        }
        let outcome = py.detach(|| worker.join()).unwrap_or_else(Err);
        match signal {
            Some(raised) => Err(raised),
            None => into_py_result(outcome),
        }
    })
}

/// A call's outcome as Python sees it: a panic as a RuntimeError that asks for a
/// report, the core's errors as their exceptions.
fn into_py_result<T>(outcome: Outcome<T>) -> PyResult<T> {
    outcome
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            PyRuntimeError::new_err(format!(
                "internal error in the fast_smote core (please report it): {what}"
            ))
        })?
        .map_err(PyErr::from)?
        .map_err(PyErr::from)
}

/// `$body` with `$x` bound to X's array in X's own float type (`F` inferred from
/// it): the one place the float32/float64 dispatch is written.
macro_rules! in_float_type {
    ($matrix:expr, $x:ident => $body:expr) => {
        match $matrix {
            FloatMatrix::F64($x) => $body,
            FloatMatrix::F32($x) => $body,
        }
    };
}

/// X as float32 or float64; each keeps its own type through the core.
#[derive(FromPyObject)]
enum FloatMatrix<'py> {
    F64(PyReadonlyArray2<'py, f64>),
    F32(PyReadonlyArray2<'py, f32>),
}

/// Row indices from Python (intp) as rows the core can trust to be non-negative.
fn to_rows(what: &'static str, rows: &PyReadonlyArray1<'_, i64>) -> Result<Vec<usize>, Error> {
    non_negative(what, rows.as_array().iter())
}

/// `to_rows` of a matrix of row indices, row after row, and its width.
fn to_row_matrix(
    what: &'static str,
    rows: &PyReadonlyArray2<'_, i64>,
) -> Result<(Vec<usize>, usize), Error> {
    let rows = rows.as_array();
    Ok((non_negative(what, rows.iter())?, rows.ncols()))
}

fn non_negative<'a>(
    what: &'static str,
    rows: impl Iterator<Item = &'a i64>,
) -> Result<Vec<usize>, Error> {
    rows.map(|&r| {
        usize::try_from(r).map_err(|_| Error::IndexOutOfRange {
            what,
            index: r.unsigned_abs() as usize,
            len: 0,
        })
    })
    .collect()
}

/// How a job's neighbours are found: `k` for the core's search, or a table (from a
/// user's estimator) as positions into the job's references.
#[derive(FromPyObject)]
enum NeighborArg<'py> {
    Search(usize),
    Table(PyReadonlyArray2<'py, i64>),
    /// `"others"`: each base's partner drawn from the other bases.
    Named(String),
}

/// How many rows a job makes: a total, or a count per base.
#[derive(FromPyObject)]
enum DrawsArg<'py> {
    Pairs(usize),
    PerBase(PyReadonlyArray1<'py, i64>),
}

/// One job as Python passes it, read by attribute name (`over_sampling._base.Job`, a
/// NamedTuple); see `_core.pyi`.
#[derive(FromPyObject)]
struct JobArg<'py> {
    code: usize,
    part: usize,
    bases: PyReadonlyArray1<'py, i64>,
    /// None for the bases themselves.
    references: Option<PyReadonlyArray1<'py, i64>>,
    neighbors: NeighborArg<'py>,
    draws: DrawsArg<'py>,
    step_scale: f64,
    damped: Option<PyReadonlyArray1<'py, bool>>,
}

/// A neighbour table from Python (intp) as positions the core can trust.
fn to_table(table: &PyReadonlyArray2<'_, i64>) -> Result<Array2<u32>, Error> {
    let view = table.as_array();
    let mut out = Array2::<u32>::zeros(view.dim());
    for (dst, &src) in out.iter_mut().zip(view.iter()) {
        *dst = u32::try_from(src).map_err(|_| Error::IndexOutOfRange {
            what: "a neighbour table",
            index: src.unsigned_abs() as usize,
            len: view.nrows(),
        })?;
    }
    Ok(out)
}

/// Each job's given neighbour table, converted (`None` where the core searches).
fn given_tables(jobs: &[JobArg<'_>]) -> Result<Vec<Option<Array2<u32>>>, Error> {
    jobs.iter()
        .map(|job| match &job.neighbors {
            NeighborArg::Search(_) | NeighborArg::Named(_) => Ok(None),
            NeighborArg::Table(table) => to_table(table).map(Some),
        })
        .collect()
}

/// The core's jobs, borrowing the converted `tables` (from `given_tables`).
fn core_jobs<'t>(
    jobs: &[JobArg<'_>],
    tables: &'t [Option<Array2<u32>>],
) -> Result<Vec<Job<'t>>, Error> {
    let mut core_jobs = Vec::with_capacity(jobs.len());
    for (job, table) in jobs.iter().zip(tables) {
        let bases = to_rows("base rows", &job.bases)?;
        let references = match &job.references {
            Some(rows) => to_rows("reference rows", rows)?,
            None => bases.clone(),
        };
        core_jobs.push(Job {
            class: job.code,
            part: job.part,
            bases,
            references,
            neighbors: match (&job.neighbors, table) {
                (NeighborArg::Search(k), _) => NeighborTable::Search(*k),
                (NeighborArg::Table(_), Some(table)) => NeighborTable::Given(table.view()),
                (NeighborArg::Table(_), None) => unreachable!("converted by given_tables"),
                (NeighborArg::Named(name), _) if name == "others" => NeighborTable::Others,
                (NeighborArg::Named(name), _) => {
                    return Err(Error::InvalidJob(format!(
                        "neighbors is {name:?}, not a count, a table or \"others\""
                    )))
                }
            },
            draws: match &job.draws {
                DrawsArg::Pairs(n) => Draws::Pairs(*n),
                DrawsArg::PerBase(counts) => Draws::PerBase(to_rows("per-base counts", counts)?),
            },
            step_scale: job.step_scale,
            damped: job.damped.as_ref().map(|mask| mask.as_array().to_vec()),
        });
    }
    Ok(core_jobs)
}

type GenerateOutput<'py> = (
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
);

/// What a dense generation makes: every job's rows after X's, or the rows of one
/// job's chunks (a window).
enum Extent<'a, J> {
    All(&'a [J]),
    Window(&'a J, Range<usize>),
}

impl<'a, J: RowsMade> Extent<'a, J> {
    /// `jobs[0]`'s chunks `first_chunk..first_chunk + n_chunks`.
    fn window(jobs: &'a [J], first_chunk: usize, n_chunks: usize) -> Self {
        Extent::Window(&jobs[0], first_chunk..first_chunk.saturating_add(n_chunks))
    }

    /// The rows the generation makes (a window's chunks: at most `CHUNK_ROWS` each).
    fn rows_made(&self) -> usize {
        match self {
            Extent::All(jobs) => jobs.iter().map(RowsMade::rows_made).sum(),
            Extent::Window(job, chunks) => {
                job.rows_made().min(chunks.len().saturating_mul(CHUNK_ROWS))
            }
        }
    }
}

/// A job's number of new rows.
trait RowsMade {
    fn rows_made(&self) -> usize;
}

impl RowsMade for Job<'_> {
    fn rows_made(&self) -> usize {
        self.draws.total()
    }
}

impl RowsMade for BootstrapJob {
    fn rows_made(&self) -> usize {
        self.n_new
    }
}

fn generate_typed<'py, F: Float + Element, I: Index + Element>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, F>,
    generation: &Extent<'_, Job<'_>>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<GenerateOutput<'py>> {
    let x = x.as_array();
    let values = x.len() + generation.rows_made() * x.ncols();
    let result = run_detached(py, n_threads, values, |stop| match generation {
        Extent::All(jobs) => core_generate::<F, I>(x, jobs, random_state, stop),
        Extent::Window(job, chunks) => {
            core_generate_window::<F, I>(x, job, random_state, chunks.clone(), stop)
        }
    })?;
    Ok((
        PyArray2::from_owned_array(py, result.x).into_any(),
        result.base.into_pyarray(py).into_any(),
        result.neighbor.into_pyarray(py).into_any(),
        result.step.into_pyarray(py).into_any(),
    ))
}

/// Runs a generation in X's float type, with int32 provenance while X's rows fit it.
fn generate_any<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    generation: &Extent<'_, Job<'_>>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<GenerateOutput<'py>> {
    let narrow = n_rows(&x) <= <i32 as Index>::MAX;
    in_float_type!(x, x => if narrow {
        generate_typed::<_, i32>(py, x, generation, random_state, n_threads)
    } else {
        generate_typed::<_, i64>(py, x, generation, random_state, n_threads)
    })
}

fn n_rows(x: &FloatMatrix<'_>) -> usize {
    in_float_type!(x, x => x.as_array().nrows())
}

/// Interpolating samplers: `(X_res, base_index, neighbor_index, step)`; see
/// `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (x, jobs, random_state, n_threads))]
fn generate<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    jobs: Vec<JobArg<'py>>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<GenerateOutput<'py>> {
    let tables = given_tables(&jobs)?;
    let core_jobs = core_jobs(&jobs, &tables)?;
    generate_any(py, x, &Extent::All(&core_jobs), random_state, n_threads)
}

/// One job's synthetic rows in its chunks `first_chunk..first_chunk + n_chunks`:
/// `(rows, base_index, neighbor_index, step)`; see `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (x, job, random_state, first_chunk, n_chunks, n_threads))]
fn generate_window<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    job: JobArg<'py>,
    random_state: u64,
    first_chunk: usize,
    n_chunks: usize,
    n_threads: Option<usize>,
) -> PyResult<GenerateOutput<'py>> {
    let jobs = [job];
    let tables = given_tables(&jobs)?;
    let core_jobs = core_jobs(&jobs, &tables)?;
    let window = Extent::window(&core_jobs, first_chunk, n_chunks);
    generate_any(py, x, &window, random_state, n_threads)
}

/// A sparse matrix's stored values.
#[derive(FromPyObject)]
enum FloatVector<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    F32(PyReadonlyArray1<'py, f32>),
}

/// SciPy's `indices` or `indptr`: int32 or int64, used as they are (never copied).
#[derive(FromPyObject)]
enum IndexVector<'py> {
    I32(PyReadonlyArray1<'py, i32>),
    I64(PyReadonlyArray1<'py, i64>),
}

/// A CSR matrix as Python passes it: `(data, indices, indptr, n_cols)`.
#[derive(FromPyObject)]
struct CsrArg<'py>(FloatVector<'py>, IndexVector<'py>, IndexVector<'py>, usize);

/// Evaluates `$body` with `$data`, `$indices` and `$indptr` bound to the slices of a
/// `CsrArg`, once for each element type and index type (the body is generic code).
macro_rules! with_csr_slices {
    ($x:expr, |$data:ident, $indices:ident, $indptr:ident| $body:expr) => {
        match $x {
            CsrArg(FloatVector::F64(d), IndexVector::I32(i), IndexVector::I32(p), _) => {
                with_csr_slices!(@ d, i, p, $data, $indices, $indptr, $body)
            }
            CsrArg(FloatVector::F64(d), IndexVector::I64(i), IndexVector::I64(p), _) => {
                with_csr_slices!(@ d, i, p, $data, $indices, $indptr, $body)
            }
            CsrArg(FloatVector::F32(d), IndexVector::I32(i), IndexVector::I32(p), _) => {
                with_csr_slices!(@ d, i, p, $data, $indices, $indptr, $body)
            }
            CsrArg(FloatVector::F32(d), IndexVector::I64(i), IndexVector::I64(p), _) => {
                with_csr_slices!(@ d, i, p, $data, $indices, $indptr, $body)
            }
            _ => Err(PyTypeError::new_err(
                "a sparse matrix's indices and indptr must have the same integer type",
            )),
        }
    };
    (@ $d:ident, $i:ident, $p:ident, $data:ident, $indices:ident, $indptr:ident, $body:expr) => {{
        let ($data, $indices, $indptr) = ($d.as_slice()?, $i.as_slice()?, $p.as_slice()?);
        $body
    }};
}

type SparseGenerateOutput<'py> = (
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
);

#[allow(clippy::too_many_arguments)]
fn generate_sparse_typed<'py, F: Float + Element, I: Index + Element, S: Index>(
    py: Python<'py>,
    n_cols: usize,
    indptr: &[S],
    indices: &[S],
    data: &[F],
    jobs: &[Job<'_>],
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<SparseGenerateOutput<'py>> {
    let values = data.len() + Extent::All(jobs).rows_made().saturating_mul(n_cols);
    let result = run_detached(py, n_threads, values, |stop| {
        let x = Csr::new(n_cols, indptr, indices, data)?;
        core_generate_sparse::<F, I, S>(&x, jobs, random_state, stop)
    })?;
    let (data, indices, indptr) = match result.x {
        CsrMatrix::Narrow(m) => csr_into_numpy(py, m),
        CsrMatrix::Wide(m) => csr_into_numpy(py, m),
    };
    Ok((
        data,
        indices,
        indptr,
        result.base.into_pyarray(py).into_any(),
        result.neighbor.into_pyarray(py).into_any(),
        result.step.into_pyarray(py).into_any(),
    ))
}

/// A CSR matrix's arrays handed to NumPy without copies: `(data, indices, indptr)`.
fn csr_into_numpy<'py, F: Element, J: Element>(
    py: Python<'py>,
    m: CsrArrays<F, J>,
) -> (Bound<'py, PyAny>, Bound<'py, PyAny>, Bound<'py, PyAny>) {
    (
        m.data.into_pyarray(py).into_any(),
        m.indices.into_pyarray(py).into_any(),
        m.indptr.into_pyarray(py).into_any(),
    )
}

/// `generate` for a CSR matrix `x = (data, indices, indptr, n_cols)`: `(data, indices,
/// indptr, base_index, neighbor_index, step)`; see `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (x, jobs, random_state, n_threads))]
fn generate_sparse<'py>(
    py: Python<'py>,
    x: CsrArg<'py>,
    jobs: Vec<JobArg<'py>>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<SparseGenerateOutput<'py>> {
    let tables = given_tables(&jobs)?;
    let jobs = core_jobs(&jobs, &tables)?;
    let n_cols = x.3;
    with_csr_slices!(x, |data, indices, indptr| {
        if indptr.len().saturating_sub(1) <= <i32 as Index>::MAX {
            generate_sparse_typed::<_, i32, _>(
                py,
                n_cols,
                indptr,
                indices,
                data,
                &jobs,
                random_state,
                n_threads,
            )
        } else {
            generate_sparse_typed::<_, i64, _>(
                py,
                n_cols,
                indptr,
                indices,
                data,
                &jobs,
                random_state,
                n_threads,
            )
        }
    })
}

/// A search's query and reference rows (None: every row), checked and converted.
type SearchRows = (Option<Vec<usize>>, Option<Vec<usize>>);

fn search_rows(
    queries: Option<PyReadonlyArray1<'_, i64>>,
    references: Option<PyReadonlyArray1<'_, i64>>,
) -> Result<SearchRows, Error> {
    let queries = queries
        .map(|rows| to_rows("query rows", &rows))
        .transpose()?;
    let references = references
        .map(|rows| to_rows("reference rows", &rows))
        .transpose()?;
    Ok((queries, references))
}

/// `kneighbors` for a CSR matrix `x = (data, indices, indptr, n_cols)`.
#[pyfunction]
#[pyo3(signature = (x, k, queries=None, references=None, n_threads=None))]
fn sparse_kneighbors<'py>(
    py: Python<'py>,
    x: CsrArg<'py>,
    k: usize,
    queries: Option<PyReadonlyArray1<'py, i64>>,
    references: Option<PyReadonlyArray1<'py, i64>>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let (queries, references) = search_rows(queries, references)?;
    let n_cols = x.3;
    let table = with_csr_slices!(x, |data, indices, indptr| {
        run_detached(py, n_threads, data.len(), |stop| {
            let x = Csr::new(n_cols, indptr, indices, data)?;
            let references = references.unwrap_or_else(|| (0..x.n_rows()).collect());
            let queries = queries.as_deref().unwrap_or(&references);
            Ok(sparse_kneighbors_among(&x, queries, &references, k, stop)?.mapv(i64::from))
        })
    })?;
    Ok(PyArray2::from_owned_array(py, table))
}

/// One class of random over-sampling, read by attribute name
/// (`over_sampling._random.BootstrapJob`, a NamedTuple); see `_core.pyi`.
#[derive(FromPyObject)]
struct BootstrapArg<'py> {
    code: usize,
    rows: PyReadonlyArray1<'py, i64>,
    n_new: usize,
    /// The noise's scale per feature; None for exact copies.
    noise: Option<Vec<f64>>,
}

fn bootstrap_typed<'py, F: Float + Element>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, F>,
    extent: &Extent<'_, BootstrapJob>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let x = x.as_array();
    let values = x.len() + extent.rows_made() * x.ncols();
    let result = run_detached(py, n_threads, values, |stop| match extent {
        Extent::All(jobs) => core_bootstrap(x, jobs, random_state, stop),
        Extent::Window(job, chunks) => {
            core_bootstrap_window(x, job, random_state, chunks.clone(), stop)
        }
    })?;
    Ok((
        PyArray2::from_owned_array(py, result.x).into_any(),
        result.sample_indices.into_pyarray(py).into_any(),
    ))
}

fn bootstrap_jobs(jobs: Vec<BootstrapArg<'_>>) -> Result<Vec<BootstrapJob>, Error> {
    jobs.into_iter()
        .map(|job| {
            Ok(BootstrapJob {
                class: job.code,
                rows: to_rows("class rows", &job.rows)?,
                n_new: job.n_new,
                noise: job.noise,
            })
        })
        .collect()
}

fn bootstrap_any<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    extent: &Extent<'_, BootstrapJob>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    in_float_type!(x, x => bootstrap_typed(py, x, extent, random_state, n_threads))
}

/// Random over-sampling: `(X_res, sample_indices)`; see `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (x, jobs, random_state, n_threads))]
fn bootstrap<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    jobs: Vec<BootstrapArg<'py>>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let jobs = bootstrap_jobs(jobs)?;
    bootstrap_any(py, x, &Extent::All(&jobs), random_state, n_threads)
}

/// One class's new rows in its chunks `first_chunk..first_chunk + n_chunks`:
/// `(rows, sample_indices)`; see `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (x, job, random_state, first_chunk, n_chunks, n_threads))]
fn bootstrap_window<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    job: BootstrapArg<'py>,
    random_state: u64,
    first_chunk: usize,
    n_chunks: usize,
    n_threads: Option<usize>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let jobs = bootstrap_jobs(vec![job])?;
    let window = Extent::window(&jobs, first_chunk, n_chunks);
    bootstrap_any(py, x, &window, random_state, n_threads)
}

/// Which k-NN search a call runs: the exact engines, or the approximate one.
#[derive(Clone, Copy)]
enum SearchKind {
    Exact,
    Approximate(ApproxParams),
}

fn kneighbors_typed<'py, F: Float + Element>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, F>,
    k: usize,
    rows: SearchRows,
    kind: SearchKind,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let x = x.as_array();
    let (queries, references) = rows;
    let table = run_detached(py, n_threads, x.len(), |stop| {
        let all = || (0..x.nrows()).collect::<Vec<_>>();
        let references = references.unwrap_or_else(all);
        let queries = queries.as_deref().unwrap_or(&references);
        let table = match kind {
            SearchKind::Exact => kneighbors_among(x, queries, &references, k, stop)?,
            SearchKind::Approximate(params) => {
                approximate_kneighbors_among(x, queries, &references, k, params, stop)?
            }
        };
        Ok(table.mapv(i64::from))
    })?;
    Ok(PyArray2::from_owned_array(py, table))
}

/// The `k` nearest neighbours of the rows `queries` of `x` (default: the references)
/// among the rows `references` (default: all), as positions into `references`, each
/// query itself excluded, nearest first.
#[pyfunction]
#[pyo3(signature = (x, k, queries=None, references=None, n_threads=None))]
fn kneighbors<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    queries: Option<PyReadonlyArray1<'py, i64>>,
    references: Option<PyReadonlyArray1<'py, i64>>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let rows = search_rows(queries, references)?;
    in_float_type!(x, x => kneighbors_typed(py, x, k, rows, SearchKind::Exact, n_threads))
}

/// Whether at least `own_needed` of the `n_neighbors` nearest rows of each row
/// `queries` of `x` among `own ∪ others` are rows of `own` (see
/// `neighbors::own_class_holds`). `anchors` (a row of own rows for each query) and
/// `clearances` (from `clearances`) spare the search among others where they can.
#[pyfunction]
#[pyo3(signature = (
    x, queries, own, others, n_neighbors, own_needed, n_threads=None, *,
    anchors=None, clearances=None
))]
#[allow(clippy::too_many_arguments)]
fn own_class_holds<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    queries: PyReadonlyArray1<'py, i64>,
    own: PyReadonlyArray1<'py, i64>,
    others: PyReadonlyArray1<'py, i64>,
    n_neighbors: usize,
    own_needed: usize,
    n_threads: Option<usize>,
    anchors: Option<PyReadonlyArray2<'py, i64>>,
    clearances: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let queries = to_rows("query rows", &queries)?;
    let own = to_rows("own rows", &own)?;
    let others = to_rows("other rows", &others)?;
    let near_parts = match (anchors, clearances) {
        (Some(anchors), Some(clearances)) => Some((
            to_row_matrix("anchor rows", &anchors)?,
            clearances.as_array().to_vec(),
        )),
        (None, None) => None,
        _ => {
            return Err(PyValueError::new_err(
                "anchors and clearances go together: give both or neither",
            ))
        }
    };
    let near = (near_parts.as_ref()).map(|((anchors, per_query), clearances)| Clearances {
        anchors,
        per_query: *per_query,
        clearances,
    });
    let holds = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, x.len(), |stop| {
            core_own_class_holds(
                x, &queries, &own, &others, n_neighbors, own_needed, near.as_ref(), stop,
            )
        })?
    });
    Ok(PyArray1::from_vec(py, holds))
}

/// For each row `own` of `x`, its canonical distance from the nearest row `others`, or
/// `within` where none lies within that: `own_class_holds`' clearances.
#[pyfunction]
#[pyo3(signature = (x, own, others, within, n_threads=None))]
fn clearances<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    own: PyReadonlyArray1<'py, i64>,
    others: PyReadonlyArray1<'py, i64>,
    within: PyReadonlyArray1<'py, f64>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let own = to_rows("own rows", &own)?;
    let others = to_rows("other rows", &others)?;
    let within = within.as_array().to_vec();
    let cleared = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, x.len(), |stop| {
            core_clearances(x, &own, &others, &within, stop)
        })?
    });
    Ok(PyArray1::from_vec(py, cleared))
}

/// `kneighbors` by the approximate engine: `effort` scales the cells each query scans,
/// `seed` seeds the cells' k-means; `cell_rows` and `exact_below` (None: the core's
/// defaults) override the cell size and the class size searched exactly. The `k` found are ordered by exact distance.
#[pyfunction]
#[pyo3(signature = (
    x, k, effort, seed, queries=None, references=None, n_threads=None, *,
    cell_rows=None, exact_below=None
))]
#[allow(clippy::too_many_arguments)]
fn approximate_kneighbors<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    effort: f64,
    seed: u64,
    queries: Option<PyReadonlyArray1<'py, i64>>,
    references: Option<PyReadonlyArray1<'py, i64>>,
    n_threads: Option<usize>,
    cell_rows: Option<usize>,
    exact_below: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let rows = search_rows(queries, references)?;
    let kind = SearchKind::Approximate(ApproxParams {
        effort,
        seed,
        cell_rows: cell_rows.unwrap_or(ROWS_PER_CELL),
        exact_below: exact_below.unwrap_or(EXACT_BELOW_ROWS),
    });
    in_float_type!(x, x => kneighbors_typed(py, x, k, rows, kind, n_threads))
}

fn nearest_typed<'py, F: Float + Element>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, F>,
    queries: Vec<usize>,
    references: Vec<usize>,
    n_threads: Option<usize>,
) -> PyResult<NearestResult<'py>> {
    let x = x.as_array();
    let (positions, distances) = run_detached(py, n_threads, x.len(), |stop| {
        let table = kneighbors_among(x, &queries, &references, 1, stop)?;
        let nearest: Vec<usize> = table.iter().map(|&p| references[p as usize]).collect();
        let distances = paired_distances(x, &queries, &nearest, stop)?;
        Ok((
            table.iter().map(|&p| i64::from(p)).collect::<Vec<_>>(),
            distances,
        ))
    })?;
    Ok((positions.into_pyarray(py), distances.into_pyarray(py)))
}

/// The cells of a split approximate search as Python holds them: `(mean, scale, centroids)`.
type PyCellPlan<'py> = (Bound<'py, PyArray1<f64>>, f64, Bound<'py, PyArray2<f32>>);
type CellPlanArg<'py> = (PyReadonlyArray1<'py, f64>, f64, PyReadonlyArray2<'py, f32>);

fn cell_plan(plan: &CellPlanArg<'_>) -> Result<CellPlan, Error> {
    let (mean, scale, centroids) = plan;
    CellPlan::from_parts(
        mean.as_array().to_vec(),
        *scale,
        centroids.as_array().iter().copied().collect(),
    )
}

/// A contiguous 1-D array of cells or lists from Python.
fn contiguous<'a>(
    what: &'static str,
    values: &'a PyReadonlyArray1<'_, u32>,
) -> Result<&'a [u32], Error> {
    values
        .as_slice()
        .map_err(|_| Error::SplitMismatch(format!("{what} must be a contiguous, aligned array")))
}

/// The cells of the approximate search of every row of `x` split into parts, or None
/// when that search does not use cells (it then runs whole).
#[pyfunction]
#[pyo3(signature = (x, k, effort, seed, n_threads=None, *, cell_rows=None, exact_below=None))]
#[allow(clippy::too_many_arguments)]
fn approximate_split_plan<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    effort: f64,
    seed: u64,
    n_threads: Option<usize>,
    cell_rows: Option<usize>,
    exact_below: Option<usize>,
) -> PyResult<Option<PyCellPlan<'py>>> {
    let params = ApproxParams {
        effort,
        seed,
        cell_rows: cell_rows.unwrap_or(ROWS_PER_CELL),
        exact_below: exact_below.unwrap_or(EXACT_BELOW_ROWS),
    };
    let plan = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, x.len(), |stop| core_split_plan(x, k, params, stop))
    })?;
    let Some(plan) = plan else { return Ok(None) };
    let d = plan.mean.len();
    let n_cells = plan.centroids.len() / d.max(1);
    let centroids =
        Array2::from_shape_vec((n_cells, d), plan.centroids).map_err(|_| Error::ShapeMismatch {
            what: "the plan's centroids",
            got: n_cells,
            expected: d,
        })?;
    Ok(Some((
        plan.mean.into_pyarray(py),
        plan.scale,
        centroids.into_pyarray(py),
    )))
}

/// Each row of part `part`'s block of rows with its nearest cells (flat, row by row).
#[pyfunction]
#[pyo3(signature = (x, plan, effort, part, n_parts, n_threads=None))]
fn approximate_cells_part<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    plan: CellPlanArg<'py>,
    effort: f64,
    part: usize,
    n_parts: usize,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let plan = cell_plan(&plan)?;
    let params = ApproxParams::new(effort, 0);
    let cells = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, x.len(), |stop| core_cells_part(x, &plan, params, part, n_parts, stop))
    })?;
    Ok(cells.into_pyarray(py))
}

/// The scan lists of the rows of part `part`'s share of the cells, from every row's cells.
#[pyfunction]
#[pyo3(signature = (x, k, plan, effort, cells, part, n_parts, n_threads=None))]
#[allow(clippy::too_many_arguments)]
fn approximate_scan_part<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    plan: CellPlanArg<'py>,
    effort: f64,
    cells: PyReadonlyArray1<'py, u32>,
    part: usize,
    n_parts: usize,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let plan = cell_plan(&plan)?;
    let params = ApproxParams::new(effort, 0);
    let cells = contiguous("cells", &cells)?;
    let lists = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, x.len(), |stop| {
            core_scan_part(x, k, &plan, params, cells, part, n_parts, stop)
        })
    })?;
    Ok(lists.into_pyarray(py))
}

type PyTablePart<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray2<i64>>);

/// Part `part`'s rows of the split search's table, and their positions, from the whole scan.
#[pyfunction]
#[pyo3(signature = (x, k, plan, effort, cells, scanned, part, n_parts, n_threads=None))]
#[allow(clippy::too_many_arguments)]
fn approximate_finish_part<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    plan: CellPlanArg<'py>,
    effort: f64,
    cells: PyReadonlyArray1<'py, u32>,
    scanned: PyReadonlyArray1<'py, u32>,
    part: usize,
    n_parts: usize,
    n_threads: Option<usize>,
) -> PyResult<PyTablePart<'py>> {
    let plan = cell_plan(&plan)?;
    let params = ApproxParams::new(effort, 0);
    let (cells, scanned) = (
        contiguous("cells", &cells)?,
        contiguous("scanned", &scanned)?,
    );
    let (rows, table) = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, x.len(), |stop| {
            let (rows, table) = core_finish_part(x, k, &plan, params, cells, scanned, part, n_parts, stop)?;
            Ok((rows.into_iter().map(|r| r as i64).collect::<Vec<_>>(), table.mapv(i64::from)))
        })
    })?;
    Ok((rows.into_pyarray(py), PyArray2::from_owned_array(py, table)))
}

type NearestResult<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

/// The nearest of the rows `references` of `x` to each row `queries[i]` (the query
/// itself excluded), as a position into `references`, and its exact Euclidean distance.
#[pyfunction]
#[pyo3(signature = (x, queries, references, n_threads=None))]
fn nearest<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    queries: PyReadonlyArray1<'py, i64>,
    references: PyReadonlyArray1<'py, i64>,
    n_threads: Option<usize>,
) -> PyResult<NearestResult<'py>> {
    let (queries, references) = (
        to_rows("query rows", &queries)?,
        to_rows("reference rows", &references)?,
    );
    in_float_type!(x, x => nearest_typed(py, x, queries, references, n_threads))
}

/// The mean Euclidean distance between two different rows among `rows` of `x`.
#[pyfunction]
#[pyo3(signature = (x, rows, n_threads=None))]
fn mean_pairwise_distance(
    py: Python<'_>,
    x: FloatMatrix<'_>,
    rows: PyReadonlyArray1<'_, i64>,
    n_threads: Option<usize>,
) -> PyResult<f64> {
    let rows = to_rows("class rows", &rows)?;
    let pairs = rows.len().saturating_mul(rows.len());
    in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, pairs, |stop| {
            core_mean_pairwise_distance(x, &rows, stop)
        })
    })
}

/// The median Euclidean distance from each row of `rows` of `x` to the other rows.
#[pyfunction]
#[pyo3(signature = (x, rows, n_threads=None))]
fn median_distances<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    rows: PyReadonlyArray1<'py, i64>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let rows = to_rows("rows", &rows)?;
    let pairs = rows.len().saturating_mul(rows.len());
    let medians = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, pairs, |stop| core_median_distances(x, &rows, stop))
    })?;
    Ok(medians.into_pyarray(py))
}

/// The Euclidean distance between rows `first[i]` and `second[i]` of `x`, for every `i`.
#[pyfunction]
#[pyo3(signature = (x, first, second, n_threads=None))]
fn row_distances<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    first: PyReadonlyArray1<'py, i64>,
    second: PyReadonlyArray1<'py, i64>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (first, second) = (
        to_rows("first rows", &first)?,
        to_rows("second rows", &second)?,
    );
    let work = first.len();
    let distances = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, work, |stop| paired_distances(x, &first, &second, stop))
    })?;
    Ok(distances.into_pyarray(py))
}

type OpticsResult<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// OPTICS over the rows `rows` of `x`: each row's core distance and reachability.
#[pyfunction]
#[pyo3(signature = (x, rows, min_samples, max_eps, n_threads=None))]
fn optics<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    rows: PyReadonlyArray1<'py, i64>,
    min_samples: usize,
    max_eps: f64,
    n_threads: Option<usize>,
) -> PyResult<OpticsResult<'py>> {
    let rows = to_rows("class rows", &rows)?;
    let pairs = rows.len().saturating_mul(rows.len());
    let (core, reach) = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, pairs, |stop| core_optics(x, &rows, min_samples, max_eps, stop))
    })?;
    Ok((core.into_pyarray(py), reach.into_pyarray(py)))
}

type SpheresResult<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray2<f64>>,
);

/// CCR's spheres around the rows `class` among the rows `others`: each sphere's radius,
/// the rows some sphere pushes (of those `pushed`), and each one's total move.
#[pyfunction]
#[pyo3(signature = (x, class_rows, other_rows, pushed, energy, n_threads=None))]
fn ccr_spheres<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    class_rows: PyReadonlyArray1<'py, i64>,
    other_rows: PyReadonlyArray1<'py, i64>,
    pushed: PyReadonlyArray1<'py, bool>,
    energy: f64,
    n_threads: Option<usize>,
) -> PyResult<SpheresResult<'py>> {
    let class = to_rows("class rows", &class_rows)?;
    let others = to_rows("other rows", &other_rows)?;
    let pushed = pushed.as_array().to_vec();
    let pairs = class.len().saturating_mul(others.len());
    let spheres = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, pairs, |stop| {
            core_ccr_spheres(x, &class, &others, &pushed, energy, stop)
        })
    })?;
    let moved: Vec<i64> = spheres.moved.into_iter().map(|r| r as i64).collect();
    Ok((
        spheres.radii.into_pyarray(py),
        moved.into_pyarray(py),
        spheres.translations.into_pyarray(py),
    ))
}

/// Assembled-SMOTE's clusters of the rows `rows`: a label per row.
#[pyfunction]
#[pyo3(signature = (x, rows, pop, thres, n_threads=None))]
fn assembled_clusters<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    rows: PyReadonlyArray1<'py, i64>,
    pop: usize,
    thres: f64,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let rows = to_rows("border rows", &rows)?;
    let pairs = rows.len().saturating_mul(rows.len());
    let labels = in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, n_threads, pairs, |stop| core_assembled_clusters(x, &rows, pop, thres, stop))
    })?;
    Ok(labels
        .into_iter()
        .map(i64::from)
        .collect::<Vec<_>>()
        .into_pyarray(py))
}

/// SVM-SMOTE's Beta(10, 10) split of class `class_code`'s rows, from the seed.
#[pyfunction]
fn split_fraction(random_state: u64, class_code: usize) -> f64 {
    core_split_fraction(random_state, class_code)
}

/// Before a fork (registered with `os.register_at_fork`): no other thread may hold
/// the thread pools' table while the process forks.
#[pyfunction]
fn lock_thread_pools() {
    lock_pools_for_fork();
}

/// After a fork, in the parent: the table is released.
#[pyfunction]
fn unlock_thread_pools() {
    unlock_pools_after_fork();
}

/// After a fork, in the child: the thread pools' threads stayed in the parent, so the
/// next call builds new pools.
#[pyfunction]
fn forget_thread_pools() {
    forget_pools();
}

/// A part's candidate lists as NumPy arrays: keys and positions.
type PyPartLists<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<u32>>);

/// Part `part` of `n_parts` of the search of every row of `x` among the others:
/// `(keys, positions)`, each row's candidate lists from the part's share of the pairs;
/// None where the search splits by blocks of queries instead.
#[pyfunction]
#[pyo3(signature = (x, k, part, n_parts, n_threads=None))]
fn kneighbors_part<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    part: usize,
    n_parts: usize,
    n_threads: Option<usize>,
) -> PyResult<Option<PyPartLists<'py>>> {
    fn typed<'py, F: Float + Element>(
        py: Python<'py>,
        x: PyReadonlyArray2<'py, F>,
        k: usize,
        part: usize,
        n_parts: usize,
        n_threads: Option<usize>,
    ) -> PyResult<Option<PyPartLists<'py>>> {
        let x = x.as_array();
        let lists = run_detached(py, n_threads, x.len(), |stop| {
            core_kneighbors_part(x, k, part, n_parts, stop)
        })?;
        Ok(lists.map(|(keys, positions)| (keys.into_pyarray(py), positions.into_pyarray(py))))
    }
    in_float_type!(x, x => typed(py, x, k, part, n_parts, n_threads))
}

/// Rows `first..first + n_rows` of `kneighbors(x, k)` from every part's lists of those
/// rows.
#[pyfunction]
#[pyo3(signature = (x, k, first, n_rows, parts, n_threads=None))]
fn kneighbors_from_parts<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    first: usize,
    n_rows: usize,
    parts: Vec<(PyReadonlyArray2<'py, f64>, PyReadonlyArray2<'py, u32>)>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    fn typed<'py, F: Float + Element>(
        py: Python<'py>,
        x: PyReadonlyArray2<'py, F>,
        k: usize,
        rows: (usize, usize),
        parts: &[(PyReadonlyArray2<'py, f64>, PyReadonlyArray2<'py, u32>)],
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray2<i64>>> {
        let x = x.as_array();
        let parts: Vec<_> = (parts.iter())
            .map(|(keys, positions)| (keys.as_array(), positions.as_array()))
            .collect();
        let table = run_detached(py, n_threads, x.len(), |stop| {
            let table = core_kneighbors_from_parts(x, k, rows.0, rows.1, &parts, stop)?;
            Ok(table.mapv(i64::from))
        })?;
        Ok(PyArray2::from_owned_array(py, table))
    }
    in_float_type!(x, x => typed(py, x, k, (first, n_rows), &parts, n_threads))
}

/// A partition's lists in a k-NN join: canonical distances, and rows of the whole data.
type PyJoinLists<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<i64>>);

/// One partition's share of the search of `queries` (rows `query_rows` of the data)
/// among all the data's rows: the `k` rows of `partition` (rows `first_row..` of the
/// data) nearest each query, itself excluded, as `(keys, rows)`: canonical distances at
/// the scale of data whose largest magnitude is `largest`, and rows of the data (padded
/// with `(inf, -1)` where the partition has fewer rows). Merged by (key, row) over every
/// partition, they are the whole search's lists.
#[pyfunction]
#[pyo3(signature = (partition, first_row, queries, query_rows, k, largest, n_threads=None))]
#[allow(clippy::too_many_arguments)]
fn join_part<'py>(
    py: Python<'py>,
    partition: FloatMatrix<'py>,
    first_row: usize,
    queries: FloatMatrix<'py>,
    query_rows: PyReadonlyArray1<'py, i64>,
    k: usize,
    largest: f64,
    n_threads: Option<usize>,
) -> PyResult<PyJoinLists<'py>> {
    fn typed<'py, F: Float + Element>(
        py: Python<'py>,
        partition: PyReadonlyArray2<'py, F>,
        first_row: usize,
        queries: PyReadonlyArray2<'py, F>,
        query_rows: Vec<usize>,
        k: usize,
        largest: f64,
        n_threads: Option<usize>,
    ) -> PyResult<PyJoinLists<'py>> {
        let (partition, queries) = (partition.as_array(), queries.as_array());
        let largest = F::from(largest).unwrap_or_else(F::max_value);
        let values = partition.len() + queries.len();
        let (keys, rows) = run_detached(py, n_threads, values, |stop| {
            let (keys, positions) =
                core_join_part(partition, first_row, queries, &query_rows, k, largest, stop)?;
            let rows = positions.mapv(|p| match p {
                NOT_A_REFERENCE => -1,
                p => (first_row + p as usize) as i64,
            });
            Ok((keys, rows))
        })?;
        Ok((keys.into_pyarray(py), rows.into_pyarray(py)))
    }
    let query_rows = to_rows("query rows", &query_rows)?;
    match (partition, queries) {
        (FloatMatrix::F64(p), FloatMatrix::F64(q)) => {
            typed(py, p, first_row, q, query_rows, k, largest, n_threads)
        }
        (FloatMatrix::F32(p), FloatMatrix::F32(q)) => {
            typed(py, p, first_row, q, query_rows, k, largest, n_threads)
        }
        _ => Err(PyTypeError::new_err(
            "the partition and the queries must have one float type (both float32 or both float64)",
        )),
    }
}

/// The engine `kneighbors(x, k)` uses: `"kd-tree"` or `"brute-force"`.
#[pyfunction]
fn search_engine(x: FloatMatrix<'_>, k: usize) -> &'static str {
    fn name<F: Float + Element>(x: PyReadonlyArray2<'_, F>, k: usize) -> &'static str {
        let x = x.as_array();
        let rows: Vec<usize> = (0..x.nrows()).collect();
        match Engine::for_class(x, &rows, k, Stop::never()) {
            Engine::Tree => "kd-tree",
            Engine::Brute => "brute-force",
        }
    }
    in_float_type!(x, x => name(x, k))
}

/// `(row, column)` of the first NaN or infinity in `x`, or `None`.
#[pyfunction]
fn find_non_finite(py: Python<'_>, x: FloatMatrix<'_>) -> PyResult<Option<(usize, usize)>> {
    in_float_type!(x, x => {
        let x = x.as_array();
        run_detached(py, None, x.len(), |_| Ok(first_non_finite(x)))
    })
}

/// SMOTE-NC's search space for the class `rows`: continuous features, then scaled
/// one-hot categories; see `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (continuous, codes, cardinalities, rows, scale, n_threads=None))]
fn embed_mixed<'py>(
    py: Python<'py>,
    continuous: FloatMatrix<'py>,
    codes: PyReadonlyArray2<'py, i32>,
    cardinalities: Vec<usize>,
    rows: PyReadonlyArray1<'py, i64>,
    scale: f64,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    fn typed<'py, F: Float + Element>(
        py: Python<'py>,
        continuous: PyReadonlyArray2<'py, F>,
        codes: ArrayView2<'_, i32>,
        cardinalities: &[usize],
        rows: &[usize],
        scale: f64,
        n_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let continuous = continuous.as_array();
        let scale = F::from(scale).unwrap_or_else(F::infinity);
        let out = run_detached(py, n_threads, continuous.len(), |_| {
            core_embed_mixed(continuous, codes, cardinalities, rows, scale)
        })?;
        Ok(PyArray2::from_owned_array(py, out).into_any())
    }
    let rows = to_rows("class rows", &rows)?;
    let codes = codes.as_array();
    in_float_type!(continuous, x => typed(py, x, codes, &cardinalities, &rows, scale, n_threads))
}

/// The Value Difference Metric over the class `rows` of `codes`, built without the GIL.
fn value_difference<'py>(
    py: Python<'py>,
    codes: &PyReadonlyArray2<'py, i32>,
    cardinalities: &[usize],
    probabilities: &PyReadonlyArray2<'py, f64>,
    rows: &PyReadonlyArray1<'py, i64>,
    n_threads: Option<usize>,
) -> PyResult<ValueDifference> {
    let rows = to_rows("class rows", rows)?;
    let (codes, probabilities) = (codes.as_array(), probabilities.as_array());
    run_detached(py, n_threads, codes.len(), |_| {
        ValueDifference::new(codes, cardinalities, probabilities, &rows)
    })
}

/// SMOTE-N's `k` nearest neighbours under the Value Difference Metric, among the class
/// `rows`, as positions into `rows`; see `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (codes, cardinalities, probabilities, rows, k, n_threads=None))]
fn value_difference_kneighbors<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray2<'py, i32>,
    cardinalities: Vec<usize>,
    probabilities: PyReadonlyArray2<'py, f64>,
    rows: PyReadonlyArray1<'py, i64>,
    k: usize,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let metric = value_difference(py, &codes, &cardinalities, &probabilities, &rows, n_threads)?;
    let pairs = rows.len()?.saturating_mul(rows.len()?);
    let table = run_detached(py, n_threads, pairs, |stop| {
        Ok(metric.kneighbors(k, stop)?.mapv(i64::from))
    })?;
    Ok(PyArray2::from_owned_array(py, table))
}

/// Every Value Difference Metric distance between two of the class `rows`.
#[pyfunction]
#[pyo3(signature = (codes, cardinalities, probabilities, rows, n_threads=None))]
fn value_difference_pairwise<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray2<'py, i32>,
    cardinalities: Vec<usize>,
    probabilities: PyReadonlyArray2<'py, f64>,
    rows: PyReadonlyArray1<'py, i64>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let metric = value_difference(py, &codes, &cardinalities, &probabilities, &rows, n_threads)?;
    let pairs = rows.len()?.saturating_mul(rows.len()?);
    let distances = run_detached(py, n_threads, pairs, |stop| metric.pairwise(stop))?;
    Ok(PyArray2::from_owned_array(py, distances))
}

/// The majority vote of categorical codes over each row of `voters`; see
/// `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (codes, voters, n_threads=None))]
fn vote<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray2<'py, i32>,
    voters: PyReadonlyArray2<'py, i64>,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i32>>> {
    let (codes, voters) = (codes.as_array(), voters.as_array());
    let out = run_detached(py, n_threads, voters.len(), |_| core_vote(codes, voters))?;
    Ok(PyArray2::from_owned_array(py, out))
}

/// `n_draws` positions drawn uniformly from `0..n_choices`, seeded per chunk for `class`:
/// all of them, or those of the chunks `first_chunk..first_chunk + n_chunks`.
#[pyfunction]
#[pyo3(signature = (random_state, class_code, n_choices, n_draws, n_threads=None, first_chunk=0, n_chunks=None))]
#[allow(clippy::too_many_arguments)]
fn draw_positions<'py>(
    py: Python<'py>,
    random_state: u64,
    class_code: usize,
    n_choices: usize,
    n_draws: usize,
    n_threads: Option<usize>,
    first_chunk: usize,
    n_chunks: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let end = match n_chunks {
        Some(n) => first_chunk.saturating_add(n),
        None => all_chunks(n_draws).end.max(first_chunk),
    };
    let drawn = run_detached(py, n_threads, n_draws, |_| {
        core_draw_positions(
            random_state,
            class_code,
            n_choices,
            n_draws,
            first_chunk..end,
        )
    })?;
    Ok(drawn.into_pyarray(py))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lock_thread_pools, m)?)?;
    m.add_function(wrap_pyfunction!(unlock_thread_pools, m)?)?;
    m.add_function(wrap_pyfunction!(forget_thread_pools, m)?)?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(generate_window, m)?)?;
    m.add_function(wrap_pyfunction!(generate_sparse, m)?)?;
    m.add_function(wrap_pyfunction!(sparse_kneighbors, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap_window, m)?)?;
    m.add_function(wrap_pyfunction!(kneighbors, m)?)?;
    m.add_function(wrap_pyfunction!(own_class_holds, m)?)?;
    m.add_function(wrap_pyfunction!(clearances, m)?)?;
    m.add_function(wrap_pyfunction!(optics, m)?)?;
    m.add_function(wrap_pyfunction!(ccr_spheres, m)?)?;
    m.add_function(wrap_pyfunction!(assembled_clusters, m)?)?;
    m.add_function(wrap_pyfunction!(approximate_kneighbors, m)?)?;
    m.add_function(wrap_pyfunction!(nearest, m)?)?;
    m.add_function(wrap_pyfunction!(approximate_split_plan, m)?)?;
    m.add_function(wrap_pyfunction!(approximate_cells_part, m)?)?;
    m.add_function(wrap_pyfunction!(approximate_scan_part, m)?)?;
    m.add_function(wrap_pyfunction!(approximate_finish_part, m)?)?;
    m.add_function(wrap_pyfunction!(mean_pairwise_distance, m)?)?;
    m.add_function(wrap_pyfunction!(median_distances, m)?)?;
    m.add_function(wrap_pyfunction!(row_distances, m)?)?;
    m.add_function(wrap_pyfunction!(split_fraction, m)?)?;
    m.add_function(wrap_pyfunction!(find_non_finite, m)?)?;
    m.add_function(wrap_pyfunction!(search_engine, m)?)?;
    m.add_function(wrap_pyfunction!(kneighbors_part, m)?)?;
    m.add_function(wrap_pyfunction!(kneighbors_from_parts, m)?)?;
    m.add_function(wrap_pyfunction!(join_part, m)?)?;
    m.add_function(wrap_pyfunction!(embed_mixed, m)?)?;
    m.add_function(wrap_pyfunction!(value_difference_kneighbors, m)?)?;
    m.add_function(wrap_pyfunction!(value_difference_pairwise, m)?)?;
    m.add_function(wrap_pyfunction!(vote, m)?)?;
    m.add_function(wrap_pyfunction!(draw_positions, m)?)?;
    m.add("CHUNK_ROWS", CHUNK_ROWS)?;
    m.add("MAX_TREE_DIM", MAX_TREE_DIM)?;
    m.add("APPROXIMATE_PROBES_AT_EFFORT_ONE", PROBES_AT_EFFORT_ONE)?;
    // The one source of the version: the Python package reports the crate's.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
