//! Rust-level benchmarks of the core's two hot paths, without Python in the way:
//! `cargo bench --bench core`. The side-by-side comparison with imbalanced-learn is
//! `benches/bench_vs_imblearn.py`.

use divan::Bencher;
use fast_smote::bootstrap::{bootstrap, BootstrapJob};
use fast_smote::float::Float;
use fast_smote::neighbors::{kneighbors, kneighbors_among};
use fast_smote::rng::Rng;
use fast_smote::sampling::{generate, Draws, Job, NeighborTable};
use fast_smote::sparse::{self, Csr};
use fast_smote::stop::Stop;
use ndarray::Array2;

fn main() {
    divan::main();
}

fn gaussian<F: Float>(n: usize, d: usize) -> Array2<F> {
    let mut rng = Rng::new(7);
    Array2::from_shape_simple_fn((n, d), || {
        let u = f64::unit_from_bits(rng.next_u64()) + f64::EPSILON;
        let v = f64::unit_from_bits(rng.next_u64());
        F::from((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()).expect("finite")
    })
}

/// Exact 5-NN of every row of a Gaussian class: `(rows, features)` covers the
/// KD-tree (d = 5, and d = 8 at 1e5) and the brute force (d = 10, 50, 200).
#[divan::bench(args = [(10_000, 5), (100_000, 5), (100_000, 8), (10_000, 10), (10_000, 50), (10_000, 200)])]
fn knn_f64(bencher: Bencher, (n, d): (usize, usize)) {
    let x = gaussian::<f64>(n, d);
    let rows: Vec<usize> = (0..n).collect();
    bencher.bench(|| kneighbors(x.view(), &rows, 5, Stop::never()).expect("valid input"));
}

#[divan::bench(args = [(10_000, 10), (10_000, 50)])]
fn knn_f32(bencher: Bencher, (n, d): (usize, usize)) {
    let x = gaussian::<f32>(n, d);
    let rows: Vec<usize> = (0..n).collect();
    bencher.bench(|| kneighbors(x.view(), &rows, 5, Stop::never()).expect("valid input"));
}

/// Tie-heavy classes, exact 5-NN of every row: a 3-D integer grid of 100 levels (the
/// KD-tree; many rows tie at the k-th distance) and 8 one-hot blocks of 5 categories
/// (the brute force; every distance is an even integer up to 16).
#[divan::bench(args = ["grid", "one_hot"])]
fn knn_ties_f64(bencher: Bencher, kind: &str) {
    let mut rng = Rng::new(7);
    let x = if kind == "grid" {
        Array2::from_shape_simple_fn((100_000, 3), || rng.below(100) as f64)
    } else {
        let mut x = Array2::<f64>::zeros((10_000, 40));
        for mut row in x.rows_mut() {
            for block in 0..8 {
                row[block * 5 + rng.below(5)] = 1.0;
            }
        }
        x
    };
    let rows: Vec<usize> = (0..x.nrows()).collect();
    bencher.bench(|| kneighbors(x.view(), &rows, 5, Stop::never()).expect("valid input"));
}

/// Generation alone: 1e6 × d rows in, 9e5 synthetic rows out from given neighbour
/// tables (10 % minority balanced 1:1), so the search is not timed.
#[divan::bench(args = [10, 50])]
fn generate_f64(bencher: Bencher, d: usize) {
    let n = 1_000_000;
    let x = gaussian::<f64>(n, d);
    let minority: Vec<usize> = (0..n).step_by(10).collect();
    let table = Array2::from_shape_fn((minority.len(), 5), |(i, j)| {
        ((i + j + 1) % minority.len()) as u32
    });
    let job = Job {
        class: 1,
        part: 0,
        bases: minority.clone(),
        references: minority,
        neighbors: NeighborTable::Given(table.view()),
        draws: Draws::Pairs(800_000),
        step_scale: 1.0,
        damped: None,
    };
    bencher.bench(|| {
        generate::<f64, i32>(x.view(), std::slice::from_ref(&job), 0, Stop::never())
            .expect("valid input")
    });
}

/// The all-class search of Borderline-SMOTE, SVM-SMOTE and ADASYN: 10-NN of 10 % of the
/// rows among all of them, at 1e5 × d.
#[divan::bench(args = [5, 10, 20])]
fn knn_among_all_f64(bencher: Bencher, d: usize) {
    let n = 100_000;
    let x = gaussian::<f64>(n, d);
    let queries: Vec<usize> = (0..n).step_by(10).collect();
    let all: Vec<usize> = (0..n).collect();
    bencher.bench(|| {
        kneighbors_among(x.view(), &queries, &all, 10, Stop::never()).expect("valid input")
    });
}

/// Random over-sampling at 1e5 × 20: a 10 % class grown to 90 000 rows, as exact copies
/// or with Gaussian noise (the smoothed bootstrap).
#[divan::bench(args = [false, true])]
fn bootstrap_f64(bencher: Bencher, smoothed: bool) {
    let (n, d) = (100_000, 20);
    let x = gaussian::<f64>(n, d);
    let jobs = [BootstrapJob {
        class: 1,
        rows: (0..n).step_by(10).collect(),
        n_new: 80_000,
        noise: smoothed.then(|| vec![0.1; d]),
    }];
    bencher.bench(|| bootstrap(x.view(), &jobs, 0, Stop::never()).expect("valid input"));
}

/// A TF-IDF-like CSR matrix: `n` rows of `d` columns, each row about `density * d`
/// values at uniformly drawn columns, normalised to unit length.
fn tfidf_like(n: usize, d: usize, density: f64) -> (Vec<i32>, Vec<i32>, Vec<f64>) {
    let mut rng = Rng::new(11);
    let per_row = (density * d as f64).round() as usize;
    let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
    for _ in 0..n {
        let mut columns: Vec<i32> = (0..per_row).map(|_| rng.below(d) as i32).collect();
        columns.sort_unstable();
        columns.dedup();
        let values: Vec<f64> = columns
            .iter()
            .map(|_| f64::unit_from_bits(rng.next_u64()) + 0.1)
            .collect();
        let norm = values.iter().map(|v| v * v).sum::<f64>().sqrt();
        indices.extend(columns);
        data.extend(values.iter().map(|v| v / norm));
        indptr.push(indices.len() as i32);
    }
    (indptr, indices, data)
}

/// Exact sparse 5-NN at 1e5 columns, 0.1 % dense: `(rows, step)` searches every
/// `step`-th of `rows` rows among themselves (SMOTE's minority: 1e4 rows; a cleaner's
/// search: all 1e5).
#[divan::bench(args = [(10_000, 1), (100_000, 1)], sample_count = 3)]
fn knn_sparse_f64(bencher: Bencher, (n, step): (usize, usize)) {
    let d = 100_000;
    let (indptr, indices, data) = tfidf_like(n, d, 0.001);
    let x = Csr::new(d, &indptr, &indices, &data).expect("valid CSR");
    let rows: Vec<usize> = (0..n).step_by(step).collect();
    bencher.bench(|| {
        sparse::kneighbors_among(&x, &rows, &rows, 5, Stop::never()).expect("valid input")
    });
}
