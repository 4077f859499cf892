//! Test data and checks shared by the engines' tests.

use ndarray::Array2;

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
pub(super) fn duplicated(n: usize, d: usize, seed: u64) -> Array2<f64> {
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
    let own = own_positions(x.nrows(), queries, references);
    let search = Search {
        x: x.view(),
        queries,
        references,
        own: &own,
        k,
        scale: overflow_safe_scale(x.view(), &[queries, references], Stop::never()),
        stop: Stop::never(),
    };
    let mut out = Array2::<u32>::zeros((queries.len(), k));
    match engine {
        Engine::Tree => tree_kneighbors(&search, out.view_mut()).unwrap(),
        Engine::Brute => brute_kneighbors(&search, out.view_mut()),
    }
    out
}
