//! Exact k-nearest-neighbour search within one class: the engine every sampler uses.
//!
//! Low dimensions use kiddo's immutable KD-tree (`tree`), with the runtime dimension
//! dispatched to a compile-time `K`; higher dimensions, and small classes in medium
//! dimensions, use a blocked brute force whose inner products come from a cache-tiled
//! GEMM (`brute`). Values shared by many rows are answered before either (`twins`).
//! Either way the query point itself is excluded by index, so an exact duplicate
//! (distance 0) is a valid neighbour while the sample itself never is.

pub mod approx;
mod brute;
mod join;
mod nearest;
#[cfg(test)]
pub(crate) mod testing;
mod tree;
mod twins;
mod vote;

use ndarray::{Array2, ArrayView2, ArrayViewMut1, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

pub use approx::{approximate_kneighbors_among, ApproxParams};
pub use brute::kneighbors_by;
pub use join::join_part;
pub(crate) use nearest::{least_of_16, Collect, Nearest, Within};
use twins::{search_without_surplus_twins, surplus_twins, RowHashes};
pub use vote::{clearances, own_class_holds, Clearances};

/// Largest dimension the KD-tree is ever used for.
pub const MAX_TREE_DIM: usize = 13;

/// Fewest class rows from which the KD-tree beats the brute force, by dimension
/// (index `d`; `usize::MAX`: never by size alone). Measured on one thread with standard
/// Gaussian classes and k = 5 (the hard case for trees, so the tree is only chosen where
/// it wins even there), on a 2-core AMD EPYC with AVX-512 (2026-12-07, after the brute
/// force's fused kernel made it about 1.45x faster). The brute force's time over the
/// tree's, in float64 (then float32 where two figures are given): at d = 6, 0.82x at 10 000 rows, 0.92-0.98x at
/// 15 000 and 1.15x at 20 000; at d = 7, 0.57x at 10 000, 0.83-0.86x at 35 000 and
/// 1.03x at 50 000; at d = 8, 0.76x at 100 000, 0.94-0.98x at 120 000 and 1.14x at
/// 150 000; at d = 9, 0.66x at 200 000 and 0.88x at 300 000 (400 000 is extrapolated
/// from those two); from d = 10 on the tree is slower at every measured size: on
/// Gaussian data its query cost grows about as fast as the brute force's. Up to 5
/// features the tree wins from the smallest classes measured (d = 5: 0.73x the brute
/// force's time at 10 000 rows on two threads).
#[rustfmt::skip]
const TREE_MIN_ROWS: [usize; MAX_TREE_DIM + 1] = [
    0, 0, 0, 0, 0, 0,                               // d = 0..=5
    20_000,                                         // d = 6
    50_000,                                         // d = 7
    150_000,                                        // d = 8
    400_000,                                        // d = 9
    usize::MAX, usize::MAX, usize::MAX, usize::MAX, // d = 10..=13: heavy duplication only
];

/// Candidates beyond `k` each engine's fast pass keeps per query, to be re-ranked by
/// canonical distance. One is enough to prove most queries of data without ties (the
/// first reference past the k-th only has to lie beyond the fast key's rounding), and
/// every extra one slows the fast pass (measured: 4 cost the tree 45-60 % and the
/// float32 brute force 45 %).
pub(crate) const SPARE_CANDIDATES: usize = 1;

/// The `k` nearest neighbours of every row `rows[i]` of `x` among the other rows of
/// `rows`, as positions into `rows`: row `i` of the result lists them nearest first.
///
/// Runs on the current Rayon pool, until `stop` is requested.
pub fn kneighbors<F: Float>(
    x: ArrayView2<F>,
    rows: &[usize],
    k: usize,
    stop: &Stop,
) -> Result<Array2<u32>> {
    kneighbors_among(x, rows, rows, k, stop)
}

/// The `k` nearest neighbours of every row `queries[i]` of `x` among the rows
/// `references` of `x`, as positions into `references`, nearest first. A query that is
/// itself one of the references never lists itself (it is excluded by row, so its
/// exact twins remain valid neighbours).
///
/// Runs on the current Rayon pool, until `stop` is requested.
pub fn kneighbors_among<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    stop: &Stop,
) -> Result<Array2<u32>> {
    search_scaled(x, queries, references, k, None, None, stop)
}

/// The neighbours `kneighbors_among` finds for each query, as far as they lie within
/// its bound: row `i` lists those of the first `k` whose canonical distance (scaled by
/// `scale`) is at most `bounds[i]`, nearest first, then `NOT_A_REFERENCE`. The bounds
/// spare the brute force every reference beyond them, the ones a search needs least.
pub(crate) fn kneighbors_within<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    bounds: &[f64],
    scale: F,
    stop: &Stop,
) -> Result<Array2<u32>> {
    let mut table = search_scaled(x, queries, references, k, Some(scale), Some(bounds), stop)?;
    // The other engines, and the brute force's shortcuts, list the first k whatever
    // their distance: what lies beyond a bound goes here.
    (table.axis_iter_mut(Axis(0)).into_par_iter())
        .zip(queries.par_iter().zip(bounds))
        .for_each(|(mut row, (&q, &bound))| {
            for slot in row.iter_mut().filter(|slot| **slot != NOT_A_REFERENCE) {
                let r = references[*slot as usize];
                if scaled_distance(x, scale, q, r) > bound {
                    *slot = NOT_A_REFERENCE;
                }
            }
        });
    Ok(table)
}

/// `kneighbors_among` with every coordinate multiplied by `scale` (None: the
/// `overflow_safe_scale` of the queries and references), so that a search among some of
/// the data's rows ranks by the canonical distances of a search among all of them.
/// `bounds` (see `Search::bounds`) reach the brute force's scan of other queries only;
/// `kneighbors_within` drops what the other paths list beyond them.
fn search_scaled<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    scale: Option<F>,
    bounds: Option<&[f64]>,
    stop: &Stop,
) -> Result<Array2<u32>> {
    check_search(x.nrows(), x.ncols(), queries, references, k)?;
    let hashes = RowHashes::new(x, references, stop);
    stop.check()?;
    let rest = |queries: &[usize], references: &[usize]| {
        search_scaled(x, queries, references, k, scale, None, stop)
    };
    if let Some(table) = search_without_surplus_twins(x, queries, references, k, &hashes, rest)? {
        return Ok(table);
    }
    let own = own_positions(x.nrows(), queries, references);
    let engine = Engine::choose(x.ncols(), references.len(), k, || hashes.distinct());
    let scale = match scale {
        Some(scale) => scale,
        None if std::ptr::eq(queries, references) => overflow_safe_scale(x, &[references], stop),
        None => overflow_safe_scale(x, &[queries, references], stop),
    };
    // Most of the references searched among all of them: the brute force's symmetric
    // scan of all of them computes each pair once (measured 1.3x faster than scanning
    // all queries), so from 80 % on it answers every reference and keeps the queries.
    if engine == Engine::Brute
        && queries.len() * 5 >= references.len() * 4
        && queries != references
        && own.iter().all(|&o| o != NOT_A_REFERENCE)
    {
        let all = search_scaled(x, references, references, k, Some(scale), None, stop)?;
        let rows: Vec<usize> = own.iter().map(|&o| o as usize).collect();
        return Ok(all.select(Axis(0), &rows));
    }
    let search = Search {
        x,
        queries,
        references,
        own: &own,
        k,
        scale,
        bounds,
        stop,
    };
    // A bounded row may list fewer than k.
    let mut out = Array2::from_elem((queries.len(), k), NOT_A_REFERENCE);
    match engine {
        Engine::Tree => tree::tree_kneighbors(&search, out.view_mut())?,
        Engine::Brute => brute::brute_kneighbors(&search, out.view_mut()),
    }
    // A stopped search leaves its table unfinished: it is never handed back.
    stop.check()?;
    Ok(out)
}

/// Whether the search of every row of `x` among the others (`kneighbors` of all rows)
/// splits by tiles: into `kneighbors_part`s that separate workers compute, each about
/// `1 / n_parts` of the pairs, and `kneighbors_from_parts`, which answers any block of
/// rows from them, row for row as the whole search does. It does when the search is
/// the brute force's symmetric scan; a tree search, or one of values shared by more
/// than `k + 1` rows, splits by blocks of queries instead (`kneighbors_among` of a
/// block: with canonical ties, the blocking changes no row).
fn splits_by_tiles<F: Float>(x: ArrayView2<F>, k: usize, stop: &Stop) -> Result<bool> {
    let rows: Vec<usize> = (0..x.nrows()).collect();
    check_search(x.nrows(), x.ncols(), &rows, &rows, k)?;
    let hashes = RowHashes::new(x, &rows, stop);
    stop.check()?;
    Ok(surplus_twins(x, &rows, k, &hashes).is_none()
        && Engine::choose(x.ncols(), rows.len(), k, || hashes.distinct()) == Engine::Brute)
}

/// Candidate lists of every row of a search split by tiles: keys (of the scan's type,
/// in f64) and positions, `k + SPARE_CANDIDATES` per row, padded with
/// `(∞, NOT_A_REFERENCE)`.
pub type PartLists = (Array2<f64>, Array2<u32>);

/// Part `part` of `n_parts` of the search of every row of `x` among the others, or
/// None where that search does not split by tiles (see `splits_by_tiles`) and its
/// blocks of queries are searched instead. Each part decides it from the data, so that
/// a cluster's parts need not wait for a decision made beforehand.
pub fn kneighbors_part<F: Float>(
    x: ArrayView2<F>,
    k: usize,
    part: usize,
    n_parts: usize,
    stop: &Stop,
) -> Result<Option<PartLists>> {
    if part >= n_parts {
        return Err(Error::SplitMismatch(format!(
            "part must be below n_parts = {n_parts}, got {part}"
        )));
    }
    if !splits_by_tiles(x, k, stop)? {
        return Ok(None);
    }
    let rows: Vec<usize> = (0..x.nrows()).collect();
    let search = Search {
        x,
        queries: &rows,
        references: &rows,
        own: &own_positions(x.nrows(), &rows, &rows),
        k,
        scale: overflow_safe_scale(x, &[&rows], stop),
        bounds: None,
        stop,
    };
    let lists = brute::symmetric_part(&search, part, n_parts);
    stop.check()?;
    Ok(Some(lists))
}

/// The rows `first..first + n_rows` of the table of `kneighbors` of every row of `x`,
/// from every part's lists of those rows (rows `first..first + n_rows` of
/// `kneighbors_part` for each part of any `n_parts`): a block's answer needs no other
/// rows of the parts' lists, so that a worker fetches only its block's.
pub fn kneighbors_from_parts<F: Float>(
    x: ArrayView2<F>,
    k: usize,
    first: usize,
    n_rows: usize,
    parts: &[(ArrayView2<f64>, ArrayView2<u32>)],
    stop: &Stop,
) -> Result<Array2<u32>> {
    let rows = whole_search_by_tiles(x, k, stop)?;
    let keep = k + SPARE_CANDIDATES;
    if first + n_rows > rows.len() {
        return Err(Error::SplitMismatch(format!(
            "rows {first}..{} are not all among the {} rows of x",
            first + n_rows,
            rows.len()
        )));
    }
    if let Some((keys, positions)) = (parts.iter())
        .find(|(keys, positions)| keys.dim() != (n_rows, keep) || positions.dim() != keys.dim())
    {
        return Err(Error::SplitMismatch(format!(
            "a part's lists must be {n_rows} x {keep} (the block's rows, k + {SPARE_CANDIDATES}), got {:?} and {:?}",
            keys.dim(),
            positions.dim()
        )));
    }
    let block = &rows[first..first + n_rows];
    let search = Search {
        x,
        queries: block,
        references: &rows,
        own: &own_positions(x.nrows(), block, &rows),
        k,
        scale: overflow_safe_scale(x, &[&rows], stop),
        bounds: None,
        stop,
    };
    let mut out = Array2::<u32>::zeros((n_rows, k));
    brute::answer_from_parts(&search, parts, out.view_mut());
    stop.check()?;
    Ok(out)
}

/// Every row of `x`, after checking that their search splits by tiles.
fn whole_search_by_tiles<F: Float>(x: ArrayView2<F>, k: usize, stop: &Stop) -> Result<Vec<usize>> {
    if !splits_by_tiles(x, k, stop)? {
        return Err(Error::SplitMismatch(
            "this search does not split by tiles (see splits_by_tiles): split its queries instead"
                .to_string(),
        ));
    }
    Ok((0..x.nrows()).collect())
}

/// What every search among the rows of an `n_rows` × `n_cols` matrix checks: the size
/// (below), the rows, and that there are features.
pub(crate) fn check_search(
    n_rows: usize,
    n_cols: usize,
    queries: &[usize],
    references: &[usize],
    k: usize,
) -> Result<()> {
    check_search_size(references.len(), k)?;
    for (what, rows) in [("reference rows", references), ("query rows", queries)] {
        if let Some(&bad) = rows.iter().find(|&&r| r >= n_rows) {
            return Err(Error::IndexOutOfRange {
                what,
                index: bad,
                len: n_rows,
            });
        }
    }
    if n_cols == 0 {
        return Err(Error::NoFeatures);
    }
    Ok(())
}

/// A search among `n` rows must find `k >= 1` neighbours besides each row itself, with
/// positions that fit `u32`.
fn check_search_size(n: usize, k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidK(k));
    }
    if n > u32::MAX as usize {
        return Err(Error::ClassTooLarge {
            class: 0,
            n_samples: n,
            max: u32::MAX as usize,
        });
    }
    if n <= k {
        return Err(Error::TooFewSamples {
            class: 0,
            n_samples: n,
            k,
        });
    }
    Ok(())
}

/// One search: the rows of `x` to answer for, the rows to search among, and for each
/// query its own position among the references (`NOT_A_REFERENCE` if absent).
pub struct Search<'a, F> {
    x: ArrayView2<'a, F>,
    queries: &'a [usize],
    references: &'a [usize],
    own: &'a [u32],
    k: usize,
    /// What every coordinate is multiplied by before distances are taken (see
    /// `overflow_safe_scale`).
    scale: F,
    /// For each query, the canonical distance beyond which no reference is wanted
    /// (`kneighbors_within`): the brute force's lists start with their bars there, and
    /// its rows list only what lies within. None: every reference may rank.
    bounds: Option<&'a [f64]>,
    /// Checked between blocks of queries and tiles of references.
    stop: &'a Stop,
}

impl<'a, F: Float> Search<'a, F> {
    /// Coordinate `j` of row `r`, scaled.
    #[inline]
    fn value(&self, r: usize, j: usize) -> F {
        self.x[[r, j]] * self.scale
    }

    /// The references at `positions` by (canonical distance from query row `q`,
    /// position), nearest first, as `ranked` gives them. The sums of all positions run
    /// feature by feature side by side, not one dependent chain after another (each in
    /// its own fixed order, so the same numbers as `canonical`): several times faster
    /// on wide rows.
    fn ranked_references(
        &self,
        q: usize,
        positions: impl IntoIterator<Item = u32>,
    ) -> Vec<(f64, u32)> {
        let mut ranked = Vec::new();
        self.rank_references_into(q, positions, &mut ranked);
        ranked
    }

    /// `ranked_references` into `ranked` (cleared first), so that one buffer serves
    /// many queries.
    fn rank_references_into(
        &self,
        q: usize,
        positions: impl IntoIterator<Item = u32>,
        ranked: &mut Vec<(f64, u32)>,
    ) {
        ranked.clear();
        ranked.extend(positions.into_iter().map(|p| (0.0, p)));
        for (j, a) in self.row(q).enumerate() {
            let a = a.to_f64().expect("a float");
            for (sum, p) in ranked.iter_mut() {
                let b = self.value(self.references[*p as usize], j);
                let difference = a - b.to_f64().expect("a float");
                *sum += difference * difference;
            }
        }
        sort_ranked(ranked);
    }

    /// Query `query`'s bound, if the search has bounds.
    #[inline]
    fn bound(&self, query: usize) -> Option<f64> {
        self.bounds.map(|bounds| bounds[query])
    }

    /// Row `r`, scaled.
    #[inline]
    fn row(&self, r: usize) -> impl Iterator<Item = F> + 'a {
        let scale = self.scale;
        self.x
            .index_axis_move(Axis(0), r)
            .into_iter()
            .map(move |&v| v * scale)
    }
}

/// `canonical_distance` of rows `a` and `b` of `x`, every value multiplied by `scale`:
/// read as slices where the rows are contiguous (as the bindings hand X over), which
/// counts where many candidates are ranked.
#[inline]
pub(crate) fn scaled_distance<F: Float>(x: ArrayView2<F>, scale: F, a: usize, b: usize) -> f64 {
    let scaled = |(&u, &v): (&F, &F)| (u * scale, v * scale);
    match (x.row(a).to_slice(), x.row(b).to_slice()) {
        (Some(a), Some(b)) => canonical_distance(a.iter().zip(b).map(scaled)),
        _ => canonical_distance(x.row(a).iter().zip(x.row(b)).map(scaled)),
    }
}

/// The squared distance every exact engine ranks by, ties going to the lowest reference
/// position: `Σ (a_j − b_j)²` over the features in index order, in f64, of the (scaled)
/// values converted to f64. One fixed order makes it one number per pair whatever the
/// engine, blocking or thread count (for float32 data each difference and square is
/// exact); a sparse pair summed over the columns either row stores gives the same
/// number, since the other columns add exact zeros.
#[inline]
pub(crate) fn canonical_distance<F: Float>(pairs: impl IntoIterator<Item = (F, F)>) -> f64 {
    pairs.into_iter().fold(0.0, |sum, (a, b)| {
        let difference = a.to_f64().expect("a float") - b.to_f64().expect("a float");
        sum + difference * difference
    })
}

/// How far `canonical_distance` over `terms` non-zero terms may lie from the exact
/// squared distance of the same values: each difference and square rounds once and the
/// sum of non-negative terms `terms − 1` times, so within `(terms + 2) u` relative
/// (doubled here), plus what underflow loses (a few smallest normals per term).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CanonicalError {
    relative: f64,
    absolute: f64,
}

impl CanonicalError {
    pub(crate) fn over(terms: usize) -> Self {
        CanonicalError {
            relative: (terms as f64 + 2.0) * f64::EPSILON,
            absolute: 4.0 * terms as f64 * f64::MIN_POSITIVE,
        }
    }

    /// The least canonical distance of a pair whose exact distance is at least `exact`.
    fn least_canonical(self, exact: f64) -> f64 {
        exact * (1.0 - self.relative) - self.absolute
    }

    /// The least exact distance of a pair whose canonical distance is at least
    /// `canonical`.
    pub(crate) fn least_exact(self, canonical: f64) -> f64 {
        (canonical - self.absolute) * (1.0 - 2.0 * self.relative)
    }

    /// The largest exact distance of a pair whose canonical distance is at most
    /// `canonical`: every reference that can rank at or before it lies within.
    pub(crate) fn largest_exact(self, canonical: f64) -> f64 {
        (canonical + self.absolute) * (1.0 + 2.0 * self.relative)
    }
}

/// Positions by (canonical distance, position), nearest first.
pub(crate) fn ranked(
    positions: impl IntoIterator<Item = u32>,
    distance: impl Fn(u32) -> f64,
) -> Vec<(f64, u32)> {
    let mut ranked: Vec<(f64, u32)> = positions.into_iter().map(|p| (distance(p), p)).collect();
    sort_ranked(&mut ranked);
    ranked
}

/// Sorts (distance, position) pairs by distance, then position.
fn sort_ranked(ranked: &mut [(f64, u32)]) {
    ranked.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
}

/// What re-ranking a query's candidates showed (see `verdict`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Verdict {
    /// The first `k` candidates are the answer.
    Proven,
    /// A reference outside the candidates may rank among the first `k`: every reference
    /// whose canonical distance is at most `kth` must be looked at. `tied`: the
    /// candidates ran out inside an exact tie with the k-th, which no precision of the
    /// fast pass can resolve.
    Unproven { kth: f64, tied: bool },
}

/// Judges a query's candidates `ranked` (by `ranked`), when every other reference lies
/// at an exact distance of at least `others_at_least`: proven when none of them can
/// reach the k-th canonical distance, not even to tie with it at a lower position.
pub(crate) fn verdict(
    ranked: &[(f64, u32)],
    k: usize,
    others_at_least: f64,
    error: CanonicalError,
) -> Verdict {
    let Some(&(kth, _)) = ranked.get(k - 1) else {
        return Verdict::Unproven {
            kth: f64::INFINITY,
            tied: false,
        };
    };
    if error.least_canonical(others_at_least) > kth {
        return Verdict::Proven;
    }
    let tied = ranked.last().is_some_and(|&(last, _)| last == kth);
    Verdict::Unproven { kth, tied }
}

/// Writes the positions of the first `row.len()` of `ranked`.
pub(crate) fn write_ranked(ranked: &[(f64, u32)], mut row: ArrayViewMut1<u32>) {
    for (slot, &(_, position)) in row.iter_mut().zip(ranked) {
        *slot = position;
    }
}

/// A power of two that brings the largest magnitude among `rows` of `x` near 1 when it
/// lies outside the safe range (float32 data of 1e30, float64 data of 1e300 or 1e-300,
/// whose squared distances would overflow to infinity or underflow to zero), else 1.
/// Scaling by a power of two is exact, so no distance changes its order; values far
/// below the largest may underflow, as they would be lost in any sum of squares anyway.
fn overflow_safe_scale<F: Float>(x: ArrayView2<F>, rows: &[&[usize]], stop: &Stop) -> F {
    let largest = rows
        .iter()
        .map(|rows| largest_magnitude(x, rows, stop))
        .fold(F::zero(), F::max);
    power_of_two_scale(largest, F::SAFE_EXPONENT)
}

/// The largest magnitude among the `rows` of `x`.
fn largest_magnitude<F: Float>(x: ArrayView2<F>, rows: &[usize], stop: &Stop) -> F {
    rows.par_chunks(ROWS_BETWEEN_CHECKS)
        .map(|chunk| {
            if stop.requested() {
                return F::zero();
            }
            chunk
                .iter()
                .flat_map(|&r| x.row(r))
                .fold(F::zero(), |m, &v| m.max(v.abs()))
        })
        .reduce(F::zero, F::max)
}

/// 1 when `largest` lies within `2^±safe_exponent`; otherwise the power of two that
/// brings it near 1 (bounded so that the scale stays a normal number of F).
pub(crate) fn power_of_two_scale<F: Float>(largest: F, safe_exponent: i32) -> F {
    let exponent = largest.to_f64().map_or(0.0, |l| l.log2().floor()) as i32;
    if largest == F::zero() || exponent.abs() < safe_exponent {
        return F::one();
    }
    let bound = F::MAX_NORMAL_EXPONENT;
    F::from(2f64.powi(-exponent.clamp(-bound, bound))).expect("a power of two F represents")
}

/// Marks a query that is not among the references (positions stay below `u32::MAX`).
pub(crate) const NOT_A_REFERENCE: u32 = u32::MAX;

/// The values of the `(key, value)` pairs grouped by key, each group in the pairs'
/// order (a stable counting sort): key `k`'s are `values[starts[k]..starts[k + 1]]`.
/// Returns `(starts, values)`.
pub(crate) fn group_by_key<I>(pairs: I, n_keys: usize) -> (Vec<usize>, Vec<u32>)
where
    I: Iterator<Item = (u32, u32)> + Clone,
{
    let mut starts = vec![0usize; n_keys + 1];
    for (key, _) in pairs.clone() {
        starts[key as usize + 1] += 1;
    }
    for k in 0..n_keys {
        starts[k + 1] += starts[k];
    }
    let mut values = vec![0u32; starts[n_keys]];
    let mut next = starts.clone();
    for (key, value) in pairs {
        values[next[key as usize]] = value;
        next[key as usize] += 1;
    }
    (starts, values)
}

/// Each query's position among the references, by row of `x`.
pub(crate) fn own_positions(n_rows: usize, queries: &[usize], references: &[usize]) -> Vec<u32> {
    if std::ptr::eq(queries, references) {
        return (0..queries.len() as u32).collect();
    }
    let mut position = vec![NOT_A_REFERENCE; n_rows];
    for (i, &r) in references.iter().enumerate() {
        position[r] = i as u32;
    }
    queries.iter().map(|&q| position[q]).collect()
}

/// The two search strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Tree,
    Brute,
}

impl Engine {
    /// The engine for a class of `n` rows in `d` dimensions, by size alone.
    fn by_size(d: usize, n: usize) -> Engine {
        match TREE_MIN_ROWS.get(d) {
            Some(&min_rows) if n >= min_rows => Engine::Tree,
            _ => Engine::Brute,
        }
    }

    /// The engine for the class `rows` of `x`, searched for `k` neighbours. Where size
    /// alone says brute force but a tree is possible, heavy duplication still picks the
    /// tree: when the rows have `k` exact twins each on average, its queries end at
    /// distance 0 almost at once, while the brute force still scans every pair.
    pub fn for_class<F: Float>(x: ArrayView2<F>, rows: &[usize], k: usize, stop: &Stop) -> Engine {
        Engine::choose(x.ncols(), rows.len(), k, || {
            RowHashes::new(x, rows, stop).distinct()
        })
    }

    /// `for_class` for `n` rows in `d` dimensions, `distinct` of them different (asked
    /// only where it decides).
    fn choose(d: usize, n: usize, k: usize, distinct: impl FnOnce() -> usize) -> Engine {
        match Engine::by_size(d, n) {
            Engine::Brute
                if d <= MAX_TREE_DIM && distinct().saturating_mul(k.saturating_add(1)) <= n =>
            {
                Engine::Tree
            }
            engine => engine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::rng::Rng;
    use crate::stop::Stop;
    use ndarray::s;

    /// A random subset of `rows`, each kept with probability 1/2 (at least `least`).
    fn some_of(rows: &[usize], least: usize, rng: &mut Rng) -> Vec<usize> {
        let some: Vec<usize> = rows.iter().copied().filter(|_| rng.below(2) == 0).collect();
        if some.len() >= least {
            some
        } else {
            rows.to_vec()
        }
    }

    #[test]
    fn exact_ties_go_to_the_lowest_position_whatever_the_engine_or_blocking() {
        for seed in 0..120 {
            let mut rng = Rng::new(1000 + seed);
            let n = 40 + rng.below(200);
            let d = 2 + rng.below(19);
            let k = 1 + rng.below(8);
            let x = tie_heavy(seed, n, d, seed);
            let x32 = x.mapv(|v| v as f32);
            let all: Vec<usize> = (0..n).collect();
            let case = format!("seed {seed}: n = {n}, d = {d}, k = {k}");
            let want = canonical_table(x.view(), &all, &all, k);
            assert_eq!(
                kneighbors(x.view(), &all, k, Stop::never()).unwrap(),
                want,
                "{case}"
            );
            assert_eq!(
                kneighbors(x32.view(), &all, k, Stop::never()).unwrap(),
                want,
                "{case}"
            );
            let engines: &[Engine] = if d <= MAX_TREE_DIM {
                &[Engine::Tree, Engine::Brute]
            } else {
                &[Engine::Brute]
            };
            for &engine in engines {
                assert_eq!(
                    search_among(&x, &all, &all, k, engine),
                    want,
                    "{case} {engine:?}"
                );
                assert_eq!(
                    search_among(&x32, &all, &all, k, engine),
                    want,
                    "{case} {engine:?} f32"
                );
            }
            // The queries in two halves, and on two threads.
            let (first, second) = all.split_at(n / 2);
            let halves = [first, second]
                .map(|half| kneighbors_among(x.view(), half, &all, k, Stop::never()).unwrap());
            let joined = ndarray::concatenate![Axis(0), halves[0], halves[1]];
            assert_eq!(joined, want, "{case} in halves");
            let two_threads = crate::parallel::run_with_threads(Some(2), || {
                kneighbors(x.view(), &all, k, Stop::never()).unwrap()
            })
            .unwrap();
            assert_eq!(two_threads, want, "{case} on two threads");
            // Some queries among some references (queries outside them included).
            let references = some_of(&all, k + 1, &mut rng);
            let queries = some_of(&all, 1, &mut rng);
            let want = canonical_table(x.view(), &queries, &references, k);
            let got = kneighbors_among(x.view(), &queries, &references, k, Stop::never());
            assert_eq!(got.unwrap(), want, "{case} subset");
            for &engine in engines {
                let got = search_among(&x32, &queries, &references, k, engine);
                assert_eq!(got, want, "{case} subset {engine:?}");
            }
        }
    }

    #[test]
    fn both_engines_match_brute_force_on_every_kind_of_data() {
        type Make = fn(usize, usize, u64) -> Array2<f64>;
        let makers: [Make; 3] = [random, clustered, duplicated];
        for make in makers {
            for d in [1, 2, 3, 7, 13] {
                let x = make(300, d, d as u64);
                for k in [1, 5, 12] {
                    for engine in [Engine::Tree, Engine::Brute] {
                        let table = search(&x, k, engine);
                        assert_exact(&x, &table, k);
                    }
                }
            }
        }
    }

    #[test]
    fn a_sample_with_many_twins_gets_twins_but_never_itself() {
        // 10 identical rows and one far away: every twin's 5 neighbours are twins.
        let mut x = Array2::<f64>::zeros((11, 3));
        x.row_mut(10).fill(9.0);
        for engine in [Engine::Tree, Engine::Brute] {
            let table = search(&x, 5, engine);
            for query in 0..10 {
                for &j in table.row(query) {
                    assert!(
                        j < 10 && j as usize != query,
                        "{engine:?} row {query}: {table:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn searches_a_subset_of_rows_and_answers_in_its_positions() {
        let x = random(200, 4, 9);
        let rows: Vec<usize> = (0..200).filter(|r| r % 3 == 0).collect();
        let subset = x.select(Axis(0), &rows);
        let table = kneighbors(x.view(), &rows, 4, Stop::never()).unwrap();
        assert_exact(&subset, &table, 4);
    }

    #[test]
    fn queries_against_other_references_match_brute_force() {
        // Queries inside the references (self excluded by row) and outside them.
        for (d, x) in [
            (3, random(400, 3, 21)),
            (9, clustered(400, 9, 22)),
            (30, duplicated(400, 30, 23)),
        ] {
            let references: Vec<usize> = (0..400).filter(|r| r % 4 != 1).collect();
            let queries: Vec<usize> = (0..400).filter(|r| r % 5 == 0 || r % 4 == 1).collect();
            for engine in [Engine::Tree, Engine::Brute] {
                if engine == Engine::Tree && d > MAX_TREE_DIM {
                    continue;
                }
                let table = search_among(&x, &queries, &references, 7, engine);
                for (qi, &q) in queries.iter().enumerate() {
                    let found: Vec<usize> = table
                        .row(qi)
                        .iter()
                        .map(|&p| references[p as usize])
                        .collect();
                    assert!(!found.contains(&q), "{engine:?}: row {q} lists itself");
                    let mut got: Vec<f64> =
                        found.iter().map(|&r| squared_distance(&x, q, r)).collect();
                    got.sort_by(f64::total_cmp);
                    let mut want: Vec<f64> = references
                        .iter()
                        .filter(|&&r| r != q)
                        .map(|&r| squared_distance(&x, q, r))
                        .collect();
                    want.sort_by(f64::total_cmp);
                    for (g, w) in got.iter().zip(&want[..7]) {
                        assert!(
                            (g - w).abs() <= 1e-9 * (1.0 + w),
                            "{engine:?} row {q}: {got:?} vs {want:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn extreme_magnitudes_give_the_neighbours_of_the_same_data_near_one() {
        // Multiplying by a power of two changes no distance's order, so data of 1e30
        // in float32 and of 1e±300 in float64 (whose squared distances overflow or
        // underflow in their type) must get exactly the table of the data itself.
        let rows: Vec<usize> = (0..300).collect();
        for d in [3, 20] {
            let x = random(300, d, 5);
            let x32 = x.mapv(|v| v as f32);
            for engine in [Engine::Tree, Engine::Brute] {
                if engine == Engine::Tree && d > MAX_TREE_DIM {
                    continue;
                }
                let want = search_among(&x, &rows, &rows, 5, engine);
                for factor in [2f64.powi(1000), 2f64.powi(-1000)] {
                    let far = x.mapv(|v| v * factor);
                    let got = search_among(&far, &rows, &rows, 5, engine);
                    assert_eq!(got, want, "float64 x {factor:e}, d = {d}, {engine:?}");
                }
                let want32 = search_among(&x32, &rows, &rows, 5, engine);
                for factor in [2f32.powi(100), 2f32.powi(-100)] {
                    let far = x32.mapv(|v| v * factor);
                    let got = search_among(&far, &rows, &rows, 5, engine);
                    assert_eq!(got, want32, "float32 x {factor:e}, d = {d}, {engine:?}");
                }
            }
            // And through the public entry point, whichever engine it picks.
            let far = x.mapv(|v| v * 1e300);
            let table = kneighbors(far.view(), &rows, 5, Stop::never()).unwrap();
            assert_exact(&x, &table, 5);
        }
    }

    #[test]
    fn float32_search_is_exact_too() {
        // Its float32 keys are re-ranked by the float64 canonical distance: the same
        // table as the plain brute force, in a tree's dimension and a brute force's,
        // also for tight clusters that float32 cannot tell apart.
        let rows: Vec<usize> = (0..250).collect();
        for x in [
            random(250, 5, 11),
            random(250, 40, 12),
            clustered(250, 40, 13),
        ] {
            let x32 = x.mapv(|v| v as f32);
            let table = kneighbors(x32.view(), &rows, 5, Stop::never()).unwrap();
            assert_eq!(table, canonical_table(x32.view(), &rows, &rows, 5));
        }
    }

    #[test]
    fn rejects_what_it_cannot_answer() {
        let x = random(5, 2, 1);
        let rows: Vec<usize> = (0..5).collect();
        // Found by fuzzing: k + 1 overflowed.
        assert!(matches!(
            kneighbors(x.view(), &rows, usize::MAX, Stop::never()),
            Err(Error::TooFewSamples { .. })
        ));
        assert_eq!(
            kneighbors(x.view(), &rows, 5, Stop::never()).unwrap_err(),
            Error::TooFewSamples {
                class: 0,
                n_samples: 5,
                k: 5
            }
        );
        assert_eq!(
            kneighbors(x.view(), &rows, 0, Stop::never()).unwrap_err(),
            Error::InvalidK(0)
        );
        assert!(matches!(
            kneighbors(x.view(), &[0, 1, 7], 1, Stop::never()).unwrap_err(),
            Error::IndexOutOfRange { index: 7, .. }
        ));
        let empty = Array2::<f64>::zeros((5, 0));
        assert_eq!(
            kneighbors(empty.view(), &rows, 2, Stop::never()).unwrap_err(),
            Error::NoFeatures
        );
    }

    #[test]
    fn the_tree_takes_over_at_its_crossover_and_never_beyond_its_dimensions() {
        // The crossovers themselves are measurements (benches/bench_neighbors.py); what
        // must hold whatever they are: once the tree wins it keeps winning as the class
        // grows, a higher dimension never needs fewer rows, and no dimension beyond the
        // table (or marked never) gets the tree by size.
        assert!(TREE_MIN_ROWS.windows(2).all(|pair| pair[0] <= pair[1]));
        let sizes = [1, 10, 1_000, 49_999, 50_000, 99_999, 100_000, 10_000_000];
        for d in 0..=4 * MAX_TREE_DIM {
            let min_rows = TREE_MIN_ROWS.get(d).copied().unwrap_or(usize::MAX);
            let chosen: Vec<Engine> = sizes.iter().map(|&n| Engine::by_size(d, n)).collect();
            let first_tree = chosen.iter().position(|&e| e == Engine::Tree);
            if let Some(first) = first_tree {
                assert!(
                    chosen[first..].iter().all(|&e| e == Engine::Tree),
                    "d = {d}"
                );
                assert!(d <= MAX_TREE_DIM && sizes[first] >= min_rows);
                assert!(first == 0 || sizes[first - 1] < min_rows);
            } else {
                assert!(min_rows > 10_000_000, "d = {d}");
            }
        }
    }

    #[test]
    fn heavy_duplication_picks_the_tree() {
        let rows: Vec<usize> = (0..600).collect();
        let distinct = random(600, 10, 1);
        assert_eq!(
            RowHashes::new(distinct.view(), &rows, Stop::never()).distinct(),
            600
        );
        assert_eq!(
            Engine::for_class(distinct.view(), &rows, 5, Stop::never()),
            Engine::Brute
        );
        let twins = duplicated(600, 10, 1); // 7 distinct rows
        assert_eq!(
            RowHashes::new(twins.view(), &rows, Stop::never()).distinct(),
            7
        );
        assert_eq!(
            Engine::for_class(twins.view(), &rows, 5, Stop::never()),
            Engine::Tree
        );
        let wide = duplicated(600, 20, 1);
        assert_eq!(
            Engine::for_class(wide.view(), &rows, 5, Stop::never()),
            Engine::Brute
        );
    }

    /// The table of a search split by tiles: every part computed apart, then the rows
    /// answered block by block from them.
    fn split_search<F: Float>(
        x: &Array2<F>,
        k: usize,
        n_parts: usize,
        block: usize,
    ) -> Array2<u32> {
        let parts: Vec<PartLists> = (0..n_parts)
            .map(|part| {
                kneighbors_part(x.view(), k, part, n_parts, Stop::never())
                    .unwrap()
                    .expect("splits by tiles")
            })
            .collect();
        let views: Vec<_> = parts
            .iter()
            .map(|(keys, positions)| (keys.view(), positions.view()))
            .collect();
        let n = x.nrows();
        let mut table = Array2::<u32>::zeros((n, k));
        for first in (0..n).step_by(block) {
            let rows = block.min(n - first);
            let block_views: Vec<_> = (views.iter())
                .map(|(keys, positions)| {
                    let block_rows = s![first..first + rows, ..];
                    (keys.slice(block_rows), positions.slice(block_rows))
                })
                .collect();
            let answered =
                kneighbors_from_parts(x.view(), k, first, rows, &block_views, Stop::never())
                    .unwrap();
            table
                .slice_mut(s![first..first + rows, ..])
                .assign(&answered);
        }
        table
    }

    #[test]
    fn a_search_split_by_tiles_gives_the_whole_searchs_table() {
        let mut rng = Rng::new(77);
        let mut split = 0;
        for seed in 0..24 {
            // Up to 1500 rows: several 256-row blocks, so that the parts share them out.
            let n = 300 + rng.below(1200);
            let d = 14 + rng.below(30);
            let k = 1 + rng.below(7);
            // Spread beyond float32's safe range, the scan runs in float64.
            let x = varied(seed, n, d);
            if !splits_by_tiles(x.view(), k, Stop::never()).unwrap() {
                continue;
            }
            split += 1;
            let all: Vec<usize> = (0..n).collect();
            let x32 = x.mapv(|v| v as f32);
            let want = kneighbors(x.view(), &all, k, Stop::never()).unwrap();
            let want32 = kneighbors(x32.view(), &all, k, Stop::never()).unwrap();
            assert_eq!(
                want,
                canonical_table(x.view(), &all, &all, k),
                "seed {seed}"
            );
            for (n_parts, block) in [(1, n), (2, 256), (3, 100), (7, 333)] {
                let case = format!(
                    "seed {seed}: n = {n}, d = {d}, k = {k}, {n_parts} parts, blocks of {block}"
                );
                assert_eq!(split_search(&x, k, n_parts, block), want, "{case}");
                assert_eq!(split_search(&x32, k, n_parts, block), want32, "{case} f32");
            }
        }
        assert!(split >= 16, "only {split} of 24 searches split by tiles");
    }

    #[test]
    fn parts_share_out_every_row_block_once_by_equal_work() {
        for blocks in [1, 2, 3, 10, 97] {
            for n_parts in [1, 2, 3, 8, 200] {
                let parts: Vec<Vec<usize>> = (0..n_parts)
                    .map(|p| brute::part_row_blocks(blocks, p, n_parts))
                    .collect();
                let mut dealt: Vec<usize> = parts.concat();
                dealt.sort_unstable();
                let every: Vec<usize> = (0..blocks).collect();
                assert_eq!(dealt, every, "{blocks} blocks, {n_parts} parts");
                for part in &parts {
                    assert!(part.windows(2).all(|w| w[0] < w[1]), "in order");
                }
                let work = |part: &Vec<usize>| part.iter().map(|&i| blocks - i).sum::<usize>();
                let largest = parts.iter().map(work).max().unwrap();
                // No part holds more than its share and one block's work.
                assert!(
                    largest <= blocks * (blocks + 1) / 2 / n_parts + blocks,
                    "{blocks} blocks, {n_parts} parts"
                );
            }
        }
    }

    #[test]
    fn a_search_that_splits_by_queries_has_no_parts_by_tiles() {
        // A tree search, and many rows of one value: their blocks of queries are split.
        for x in [random(600, 3, 1), Array2::<f64>::zeros((600, 20))] {
            assert!(!splits_by_tiles(x.view(), 3, Stop::never()).unwrap());
            for part in 0..2 {
                assert!(kneighbors_part(x.view(), 3, part, 2, Stop::never())
                    .unwrap()
                    .is_none());
            }
        }
    }

    #[test]
    fn a_split_search_refuses_what_does_not_fit() {
        let x = random(600, 20, 1);
        let part = kneighbors_part(x.view(), 3, 0, 2, Stop::never())
            .unwrap()
            .expect("splits by tiles");
        let views = [(part.0.view(), part.1.view())];
        let errors = [
            kneighbors_part(x.view(), 3, 2, 2, Stop::never()).unwrap_err(),
            kneighbors_from_parts(x.view(), 3, 590, 20, &views, Stop::never()).unwrap_err(),
            // Lists of another k.
            kneighbors_from_parts(x.view(), 4, 0, 10, &views, Stop::never()).unwrap_err(),
            // Lists of every row, not of the block's 10.
            kneighbors_from_parts(x.view(), 3, 0, 10, &views, Stop::never()).unwrap_err(),
            // Lists of a search that splits by queries: a tree, and many rows of one value.
            kneighbors_from_parts(random(600, 3, 1).view(), 3, 0, 600, &[], Stop::never())
                .unwrap_err(),
            kneighbors_from_parts(
                Array2::<f64>::zeros((600, 20)).view(),
                3,
                0,
                600,
                &[],
                Stop::never(),
            )
            .unwrap_err(),
        ];
        for (error, names) in errors.iter().zip([
            "part",
            "590..610",
            "10 x 5",
            "10 x 4",
            "split its queries",
            "split its queries",
        ]) {
            assert!(matches!(error, Error::SplitMismatch(_)), "{error}");
            assert!(error.to_string().contains(names), "{error}");
        }
    }
}
