//! Test data and checks shared by the engines' tests.

use ndarray::{Array2, ArrayView2};

use super::brute::brute_kneighbors;
use super::tree::tree_kneighbors;
use super::{overflow_safe_scale, own_positions, Engine, Search};
use crate::float::Float;
use crate::rng::Rng;
use crate::stop::Stop;

/// Distances to every other row, computed directly in f64, sorted.
pub(super) fn sorted_distances_from(x: &Array2<f64>, query: usize) -> Vec<f64> {
    let mut all: Vec<f64> = (0..x.nrows())
        .filter(|&j| j != query)
        .map(|j| squared_distance(x, query, j))
        .collect();
    all.sort_by(f64::total_cmp);
    all
}

pub(super) fn squared_distance(x: &Array2<f64>, a: usize, b: usize) -> f64 {
    x.row(a)
        .iter()
        .zip(x.row(b))
        .map(|(p, q)| (p - q) * (p - q))
        .sum()
}

/// Checks one neighbour table against brute force: no self, no repeats, and the
/// neighbours' distances are exactly the k smallest (ties may pick either twin).
pub(super) fn assert_exact(x: &Array2<f64>, table: &Array2<u32>, k: usize) {
    for query in 0..x.nrows() {
        let row: Vec<usize> = table.row(query).iter().map(|&j| j as usize).collect();
        assert!(!row.contains(&query), "row {query} lists itself: {row:?}");
        let mut unique = row.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), k, "row {query} repeats a neighbour: {row:?}");
        let mut got: Vec<f64> = row.iter().map(|&j| squared_distance(x, query, j)).collect();
        got.sort_by(f64::total_cmp);
        let want = &sorted_distances_from(x, query)[..k];
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-9 * (1.0 + w),
                "row {query}: {got:?} vs {want:?}"
            );
        }
    }
}

pub(super) fn gaussian(rng: &mut Rng) -> f64 {
    // Box-Muller; the offset keeps the log finite.
    let u = f64::unit_from_bits(rng.next_u64()) + f64::EPSILON;
    let v = f64::unit_from_bits(rng.next_u64());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

pub(super) fn random(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_simple_fn((n, d), || gaussian(&mut rng))
}

/// Tight clusters far apart: neighbours must come from the query's own cluster.
pub(super) fn clustered(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    let centres = random(5, d, seed + 1) * 100.0;
    Array2::from_shape_fn((n, d), |(i, j)| {
        centres[[i % 5, j]] + 0.01 * gaussian(&mut rng)
    })
}

/// Only a handful of distinct rows, each repeated many times.
pub(crate) fn duplicated(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let distinct = random(7, d, seed);
    let mut rng = Rng::new(seed + 2);
    let picks: Vec<usize> = (0..n).map(|_| rng.below(7)).collect();
    Array2::from_shape_fn((n, d), |(i, j)| distinct[[picks[i], j]])
}

pub(super) fn search(x: &Array2<f64>, k: usize, engine: Engine) -> Array2<u32> {
    let rows: Vec<usize> = (0..x.nrows()).collect();
    search_among(x, &rows, &rows, k, engine)
}

pub(super) fn search_among<F: Float>(
    x: &Array2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    engine: Engine,
) -> Array2<u32> {
    with_search(x, queries, references, k, |search| {
        let mut out = Array2::<u32>::zeros((queries.len(), k));
        match engine {
            Engine::Tree => tree_kneighbors(search, out.view_mut()).unwrap(),
            Engine::Brute => brute_kneighbors(search, out.view_mut()),
        }
        out
    })
}

/// Runs `run` on the search of `queries` among `references` of `x`, with `x`'s scale
/// and own positions, as the engines get it.
pub(super) fn with_search<F: Float, T>(
    x: &Array2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    run: impl FnOnce(&Search<'_, F>) -> T,
) -> T {
    let own = own_positions(x.nrows(), queries, references);
    let search = Search {
        x: x.view(),
        queries,
        references,
        own: &own,
        k,
        scale: overflow_safe_scale(x.view(), &[queries, references], Stop::never()),
        bounds: None,
        stop: Stop::never(),
    };
    run(&search)
}

/// The plain brute force the engines must match exactly: for each query, every
/// reference but itself (by row) sorted by (squared distance summed in f64 in feature
/// order, position).
pub(crate) fn canonical_table<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
) -> Array2<u32> {
    let mut out = Array2::<u32>::zeros((queries.len(), k));
    for (i, &q) in queries.iter().enumerate() {
        let mut all: Vec<(f64, u32)> = (references.iter().enumerate())
            .filter(|&(_, &r)| r != q)
            .map(|(p, &r)| {
                let mut sum = 0.0;
                for j in 0..x.ncols() {
                    let difference = x[[q, j]].to_f64().unwrap() - x[[r, j]].to_f64().unwrap();
                    sum += difference * difference;
                }
                (sum, p as u32)
            })
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (slot, &(_, p)) in out.row_mut(i).iter_mut().zip(&all) {
            *slot = p;
        }
    }
    out
}

/// Data full of exact ties, all exactly representable in float32, of one of four kinds
/// picked by `kind`: small integer grids, one-hot blocks, duplicated rows, and a mix of
/// the three (integer and one-hot columns, rows repeated).
pub(crate) fn tie_heavy(kind: u64, n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    let levels = 2 + rng.below(4);
    let grid = |rng: &mut Rng, cols: usize| {
        Array2::from_shape_simple_fn((n, cols), || rng.below(levels) as f64)
    };
    let one_hot = |rng: &mut Rng, cols: usize| {
        let categories = 2 + rng.below(cols.clamp(2, 5) - 1);
        let mut x = Array2::<f64>::zeros((n, cols));
        for mut row in x.rows_mut() {
            for block in (0..cols).step_by(categories) {
                let width = categories.min(cols - block);
                row[block + rng.below(width)] = 1.0;
            }
        }
        x
    };
    match kind % 4 {
        0 => grid(&mut rng, d),
        1 => one_hot(&mut rng, d),
        2 => duplicated(n, d, seed).mapv(|v| (v * 4.0).round()),
        _ => {
            let split = 1 + rng.below(d - 1);
            let mut x = ndarray::concatenate![
                ndarray::Axis(1),
                grid(&mut rng, split),
                one_hot(&mut rng, d - split)
            ];
            for r in 0..n {
                if rng.below(3) == 0 {
                    let copied = x.row(rng.below(n)).to_owned();
                    x.row_mut(r).assign(&copied);
                }
            }
            x
        }
    }
}

/// Test data of one of three kinds by `seed`: Gaussian, full of exact ties
/// (`tie_heavy`), or Gaussian spread beyond float32's safe range (whose searches scale
/// or scan in float64).
pub(crate) fn varied(seed: u64, n: usize, d: usize) -> Array2<f64> {
    match seed % 3 {
        0 => random(n, d, seed),
        1 => tie_heavy(seed, n, d.max(2), seed),
        _ => random(n, d, seed).mapv(|v| v * 1e20),
    }
}
