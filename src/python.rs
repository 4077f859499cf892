//! The Python bindings: the only file that knows about PyO3 and NumPy.
//!
//! Every function has one shape: borrow the arrays read-only, release the GIL for the
//! core's work (on the pool `n_threads` asks for), and hand the new arrays to NumPy
//! without copying them. Core errors become `ValueError`s; a panic, which would be a
//! bug, becomes a `RuntimeError` instead of reaching the user as a crash.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ndarray::Array2;
use numpy::{Element, IntoPyArray, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::error::Error;
use crate::float::{first_non_finite, Float};
use crate::neighbors::{kneighbors as core_kneighbors, Engine, MAX_TREE_DIM};
use crate::parallel::run_with_threads;
use crate::rng::CHUNK_ROWS;
use crate::sampling::{smote as core_smote, ClassPlan, Neighbors, RowIndex};

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err {
            Error::ThreadPool { .. } => PyRuntimeError::new_err(err.to_string()),
            _ => PyValueError::new_err(err.to_string()),
        }
    }
}

/// Runs `work` without the GIL on `n_threads` threads, turning a panic into an error.
fn run_detached<T: Send>(
    py: Python<'_>,
    n_threads: Option<usize>,
    work: impl FnOnce() -> Result<T, Error> + Send,
) -> PyResult<T> {
    py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| run_with_threads(n_threads, work)))
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
    })
}

/// X as float32 or float64; each keeps its own type through the core.
#[derive(FromPyObject)]
enum FloatMatrix<'py> {
    F64(PyReadonlyArray2<'py, f64>),
    F32(PyReadonlyArray2<'py, f32>),
}

/// How the caller wants neighbours found: `k` for the core's search, or one table per
/// class (from a user's estimator), as positions into that class's rows.
#[derive(FromPyObject)]
enum NeighborArg<'py> {
    Search(usize),
    Tables(Vec<PyReadonlyArray2<'py, i64>>),
}

/// Neighbour tables from Python (intp) as class positions the core can trust.
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

type SmoteOutput<'py> = (
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
);

fn smote_typed<'py, F: Float + Element, I: RowIndex + Element>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, F>,
    plans: &[ClassPlan],
    neighbors: Neighbors<'_>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<SmoteOutput<'py>> {
    let x = x.as_array();
    let result = run_detached(py, n_threads, || {
        core_smote::<F, I>(x, plans, neighbors, random_state)
    })?;
    Ok((
        PyArray2::from_owned_array(py, result.x).into_any(),
        result.base.into_pyarray(py).into_any(),
        result.neighbor.into_pyarray(py).into_any(),
        result.step.into_pyarray(py).into_any(),
    ))
}

/// SMOTE: `(X_res, base_index, neighbor_index, step)`; see `fast_smote._core.pyi`.
#[pyfunction]
#[pyo3(signature = (x, class_rows, classes, n_new, neighbors, random_state, n_threads))]
#[allow(clippy::too_many_arguments)]
fn smote<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    class_rows: Vec<PyReadonlyArray1<'py, i64>>,
    classes: Vec<usize>,
    n_new: Vec<usize>,
    neighbors: NeighborArg<'py>,
    random_state: u64,
    n_threads: Option<usize>,
) -> PyResult<SmoteOutput<'py>> {
    if classes.len() != class_rows.len() || n_new.len() != class_rows.len() {
        return Err(Error::ShapeMismatch {
            what: "classes and n_new",
            got: classes.len().min(n_new.len()),
            expected: class_rows.len(),
        }
        .into());
    }
    let n_rows = match &x {
        FloatMatrix::F64(x) => x.as_array().nrows(),
        FloatMatrix::F32(x) => x.as_array().nrows(),
    };
    let mut plans = Vec::with_capacity(class_rows.len());
    for ((rows, class), n_new) in class_rows.iter().zip(classes).zip(n_new) {
        let rows = rows
            .as_array()
            .iter()
            .map(|&r| {
                usize::try_from(r).map_err(|_| Error::IndexOutOfRange {
                    what: "class rows",
                    index: r.unsigned_abs() as usize,
                    len: n_rows,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        plans.push(ClassPlan { class, rows, n_new });
    }
    let tables = match &neighbors {
        NeighborArg::Search(_) => Vec::new(),
        NeighborArg::Tables(tables) => {
            tables.iter().map(to_table).collect::<Result<Vec<_>, _>>()?
        }
    };
    let source = match neighbors {
        NeighborArg::Search(k) => Neighbors::Search { k },
        NeighborArg::Tables(_) => Neighbors::Given(tables.iter().map(|t| t.view()).collect()),
    };
    let narrow = n_rows <= <i32 as RowIndex>::MAX_ROWS;
    match (x, narrow) {
        (FloatMatrix::F64(x), true) => {
            smote_typed::<f64, i32>(py, x, &plans, source, random_state, n_threads)
        }
        (FloatMatrix::F64(x), false) => {
            smote_typed::<f64, i64>(py, x, &plans, source, random_state, n_threads)
        }
        (FloatMatrix::F32(x), true) => {
            smote_typed::<f32, i32>(py, x, &plans, source, random_state, n_threads)
        }
        (FloatMatrix::F32(x), false) => {
            smote_typed::<f32, i64>(py, x, &plans, source, random_state, n_threads)
        }
    }
}

fn kneighbors_typed<'py, F: Float + Element>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, F>,
    k: usize,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    let x = x.as_array();
    let table = run_detached(py, n_threads, || {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        Ok(core_kneighbors(x, &rows, k)?.mapv(i64::from))
    })?;
    Ok(PyArray2::from_owned_array(py, table))
}

/// The `k` nearest other rows of every row of `x`, nearest first.
#[pyfunction]
#[pyo3(signature = (x, k, n_threads=None))]
fn kneighbors<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    k: usize,
    n_threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<i64>>> {
    match x {
        FloatMatrix::F64(x) => kneighbors_typed(py, x, k, n_threads),
        FloatMatrix::F32(x) => kneighbors_typed(py, x, k, n_threads),
    }
}

/// The engine `kneighbors(x, k)` uses: `"kd-tree"` or `"brute-force"`.
#[pyfunction]
fn search_engine(x: FloatMatrix<'_>, k: usize) -> &'static str {
    fn name<F: Float + Element>(x: PyReadonlyArray2<'_, F>, k: usize) -> &'static str {
        let x = x.as_array();
        let rows: Vec<usize> = (0..x.nrows()).collect();
        match Engine::for_class(x, &rows, k) {
            Engine::Tree => "kd-tree",
            Engine::Brute => "brute-force",
        }
    }
    match x {
        FloatMatrix::F64(x) => name(x, k),
        FloatMatrix::F32(x) => name(x, k),
    }
}

/// `(row, column)` of the first NaN or infinity in `x`, or `None`.
#[pyfunction]
fn find_non_finite(py: Python<'_>, x: FloatMatrix<'_>) -> PyResult<Option<(usize, usize)>> {
    match x {
        FloatMatrix::F64(x) => {
            let x = x.as_array();
            run_detached(py, None, || Ok(first_non_finite(x)))
        }
        FloatMatrix::F32(x) => {
            let x = x.as_array();
            run_detached(py, None, || Ok(first_non_finite(x)))
        }
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(smote, m)?)?;
    m.add_function(wrap_pyfunction!(kneighbors, m)?)?;
    m.add_function(wrap_pyfunction!(find_non_finite, m)?)?;
    m.add_function(wrap_pyfunction!(search_engine, m)?)?;
    m.add("CHUNK_ROWS", CHUNK_ROWS)?;
    m.add("MAX_TREE_DIM", MAX_TREE_DIM)?;
    Ok(())
}
