//! Every call the targets make into fast_smote's core, one thin function per call
//! site: when a core signature changes (say, a new trailing parameter), the one line
//! here that calls it is what changes. Each runs to the end (`Stop::never()`) on the
//! current Rayon pool; `threads` picks the pool.

use std::ops::Range;

use fast_smote::bootstrap::{BootstrapJob, Bootstrapped};
use fast_smote::categorical::ValueDifference;
use fast_smote::error::Result;
use fast_smote::float::Float;
use fast_smote::neighbors::Engine;
use fast_smote::sampling::{Index, Job, Resampled};
use fast_smote::sparse::{Csr, SparseResampled};
use fast_smote::stop::Stop;
use ndarray::{Array2, ArrayView2};

/// Runs `work` on a pool of `n` threads (1..=3: always a pool that can be built).
pub fn threads<T: Send>(n: usize, work: impl FnOnce() -> T + Send) -> T {
    fast_smote::parallel::run_with_threads(Some(n), work).expect("a pool of 1..=3 threads")
}

pub fn first_non_finite<F: Float>(x: ArrayView2<F>) -> Option<(usize, usize)> {
    fast_smote::float::first_non_finite(x)
}

pub fn interpolate<F: Float>(a: F, c: F, step: F) -> F {
    fast_smote::float::interpolate(a, c, step)
}

pub fn kneighbors<F: Float>(x: ArrayView2<F>, rows: &[usize], k: usize) -> Result<Array2<u32>> {
    fast_smote::neighbors::kneighbors(x, rows, k, Stop::never())
}

pub fn kneighbors_among<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
) -> Result<Array2<u32>> {
    fast_smote::neighbors::kneighbors_among(x, queries, references, k, Stop::never())
}

pub fn engine_for_class<F: Float>(x: ArrayView2<F>, rows: &[usize], k: usize) -> Engine {
    Engine::for_class(x, rows, k, Stop::never())
}

pub fn mean_pairwise_distance<F: Float>(x: ArrayView2<F>, rows: &[usize]) -> Result<f64> {
    fast_smote::distances::mean_pairwise_distance(x, rows, Stop::never())
}

pub fn csr<'a, F: Float, S: Index>(
    n_cols: usize,
    indptr: &'a [S],
    indices: &'a [S],
    data: &'a [F],
) -> Result<Csr<'a, F, S>> {
    Csr::new(n_cols, indptr, indices, data)
}

pub fn sparse_kneighbors_among<F: Float, S: Index>(
    x: &Csr<'_, F, S>,
    queries: &[usize],
    references: &[usize],
    k: usize,
) -> Result<Array2<u32>> {
    fast_smote::sparse::kneighbors_among(x, queries, references, k, Stop::never())
}

pub fn sparse_generate<F: Float, I: Index, S: Index>(
    x: &Csr<'_, F, S>,
    jobs: &[Job<'_>],
    random_state: u64,
) -> Result<SparseResampled<F, I>> {
    fast_smote::sparse::generate(x, jobs, random_state, Stop::never())
}

pub fn generate<F: Float, I: Index>(
    x: ArrayView2<F>,
    jobs: &[Job<'_>],
    random_state: u64,
) -> Result<Resampled<F, I>> {
    fast_smote::sampling::generate(x, jobs, random_state, Stop::never())
}

pub fn generate_window<F: Float, I: Index>(
    x: ArrayView2<F>,
    job: &Job<'_>,
    random_state: u64,
    chunks: Range<usize>,
) -> Result<Resampled<F, I>> {
    fast_smote::sampling::generate_window(x, job, random_state, chunks, Stop::never())
}

pub fn bootstrap<F: Float>(
    x: ArrayView2<F>,
    jobs: &[BootstrapJob],
    random_state: u64,
) -> Result<Bootstrapped<F>> {
    fast_smote::bootstrap::bootstrap(x, jobs, random_state, Stop::never())
}

pub fn bootstrap_window<F: Float>(
    x: ArrayView2<F>,
    job: &BootstrapJob,
    random_state: u64,
    chunks: Range<usize>,
) -> Result<Bootstrapped<F>> {
    fast_smote::bootstrap::bootstrap_window(x, job, random_state, chunks, Stop::never())
}

pub fn vote(codes: ArrayView2<i32>, voters: ArrayView2<i64>) -> Result<Array2<i32>> {
    fast_smote::categorical::vote(codes, voters)
}

pub fn draw_positions(
    random_state: u64,
    class: usize,
    n_choices: usize,
    n_draws: usize,
    chunks: Range<usize>,
) -> Result<Vec<u32>> {
    fast_smote::categorical::draw_positions(random_state, class, n_choices, n_draws, chunks)
}

pub fn embed_mixed<F: Float>(
    continuous: ArrayView2<F>,
    codes: ArrayView2<i32>,
    cardinalities: &[usize],
    rows: &[usize],
    scale: F,
) -> Result<Array2<F>> {
    fast_smote::categorical::embed_mixed(continuous, codes, cardinalities, rows, scale)
}

pub fn value_difference(
    codes: ArrayView2<i32>,
    cardinalities: &[usize],
    probabilities: ArrayView2<f64>,
    rows: &[usize],
) -> Result<ValueDifference> {
    ValueDifference::new(codes, cardinalities, probabilities, rows)
}

pub fn vdm_kneighbors(vdm: &ValueDifference, k: usize) -> Result<Array2<u32>> {
    vdm.kneighbors(k, Stop::never())
}

pub fn vdm_pairwise(vdm: &ValueDifference) -> Result<Array2<f64>> {
    vdm.pairwise(Stop::never())
}
