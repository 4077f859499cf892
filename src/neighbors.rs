//! Exact k-nearest-neighbour search within one class: the engine every sampler uses.
//!
//! Low dimensions use kiddo's immutable KD-tree, with the runtime dimension dispatched
//! to a compile-time `K`; higher dimensions, and small classes in medium dimensions,
//! use a blocked brute force whose inner products come from a cache-tiled GEMM. Either way the query point itself is
//! excluded by index, so an exact duplicate (distance 0) is a valid neighbour while
//! the sample itself never is.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use ndarray::{Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

/// Largest dimension the KD-tree is ever used for.
pub const MAX_TREE_DIM: usize = 13;

/// Fewest class rows from which the KD-tree beats the brute force, by dimension
/// (index `d`; `usize::MAX`: never by size alone). Measured on one thread with standard
/// Gaussian classes and k = 5 (the hard case for trees, so the tree is only chosen where
/// it wins even there), in float32 and float64, on a 2-core AMD EPYC without AVX-512
/// (where the brute force's GEMM is at its slowest). At d = 8 the brute force takes
/// 0.77x the tree's time at 20 000 rows and 1.17x at 50 000; at d = 9, 0.74-0.95x at
/// 50 000 and 1.02-1.16x at 100 000; from d = 10 on the tree is slower at every
/// measured size (0.60x at 200 000 rows for d = 10, 0.24x at 100 000 for d = 12): on
/// Gaussian data its query cost grows about as fast as the brute force's.
#[rustfmt::skip]
const TREE_MIN_ROWS: [usize; MAX_TREE_DIM + 1] = [
    0, 0, 0, 0, 0, 0, 0, 0,                         // d = 0..=7
    50_000,                                         // d = 8
    100_000,                                        // d = 9
    usize::MAX, usize::MAX, usize::MAX, usize::MAX, // d = 10..=13: heavy duplication only
];

/// Queries handled together by one parallel task of the tree search.
const TREE_QUERY_BLOCK: usize = 64;
/// Queries and reference rows per GEMM tile of the brute force (tuned on the
/// benchmark's cases: 256 × 256 beat 32..128 query rows by 10-30 %).
const BRUTE_QUERY_BLOCK: usize = 256;
const REFERENCE_BLOCK: usize = 256;

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
    check_search(x.nrows(), x.ncols(), queries, references, k)?;
    let hashes = RowHashes::new(x, references, stop);
    stop.check()?;
    if let Some(table) = search_without_surplus_twins(x, queries, references, k, &hashes, stop)? {
        return Ok(table);
    }
    let own = own_positions(x.nrows(), queries, references);
    let engine = Engine::choose(x.ncols(), references.len(), k, || hashes.distinct());
    let scale = if std::ptr::eq(queries, references) {
        overflow_safe_scale(x, &[references], stop)
    } else {
        overflow_safe_scale(x, &[queries, references], stop)
    };
    // Most of the references searched among all of them: the brute force's symmetric
    // scan of all of them computes each pair once (measured 1.3x faster than scanning
    // all queries), so from 80 % on it answers every reference and keeps the queries.
    if engine == Engine::Brute
        && queries.len() * 5 >= references.len() * 4
        && queries != references
        && own.iter().all(|&o| o != NOT_A_REFERENCE)
    {
        let all = kneighbors_among(x, references, references, k, stop)?;
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
        stop,
    };
    let mut out = Array2::<u32>::zeros((queries.len(), k));
    match engine {
        Engine::Tree => F::tree_kneighbors(&search, out.view_mut())?,
        Engine::Brute => brute_kneighbors(&search, out.view_mut()),
    }
    // A stopped search leaves its table unfinished: it is never handed back.
    stop.check()?;
    Ok(out)
}

/// The references grouped by exact value (`-0.0` equal to `0.0`): each reference's
/// group, and each group's positions in ascending order.
struct Twins {
    group_of: Vec<u32>,
    groups: Vec<Vec<u32>>,
    /// Group ids by the hash of their value (equal hashes are told apart by value).
    by_hash: HashMap<u64, Vec<u32>>,
}

fn row_hash<F: Float>(x: ArrayView2<F>, r: usize) -> u64 {
    x.row(r).iter().fold(0x243f_6a88_85a3_08d3_u64, |h, &v| {
        // Adding zero turns -0.0 into 0.0, which is the same point.
        let canonical = (v + F::zero()).to_f64().map_or(0, f64::to_bits);
        (h ^ canonical)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29)
    })
}

impl Twins {
    /// The groups of `references`, whose row hashes are `hashes`.
    fn new<F: Float>(x: ArrayView2<F>, references: &[usize], hashes: &[u64]) -> Self {
        let mut twins = Twins {
            group_of: Vec::with_capacity(references.len()),
            groups: Vec::new(),
            by_hash: HashMap::new(),
        };
        for (position, (&r, &hash)) in references.iter().zip(hashes).enumerate() {
            let group = match twins.find(x, references, r, hash) {
                Some(group) => group,
                None => {
                    let group = twins.groups.len() as u32;
                    twins.groups.push(Vec::new());
                    twins.by_hash.entry(hash).or_default().push(group);
                    group
                }
            };
            twins.groups[group as usize].push(position as u32);
            twins.group_of.push(group);
        }
        twins
    }

    /// The group of references whose value is row `r`'s, if any.
    fn find<F: Float>(
        &self,
        x: ArrayView2<F>,
        references: &[usize],
        r: usize,
        hash: u64,
    ) -> Option<u32> {
        let candidates = self.by_hash.get(&hash)?;
        candidates.iter().copied().find(|&group| {
            let first = references[self.groups[group as usize][0] as usize];
            x.row(first) == x.row(r)
        })
    }
}

/// A search where some value is shared by more than `k + 1` references. Every query with
/// at least `k` exact twins among the references (itself aside) has them as its answer:
/// the `k` of lowest position, at distance 0. The others are searched among the
/// references with only the `k + 1` lowest positions of each value kept, which holds
/// every answer a query can have (ties go to the lowest position). Without this, the
/// search of a class of many identical rows takes time quadratic in their number.
/// `None` when no value is shared that often.
fn search_without_surplus_twins<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    hashes: &RowHashes,
    stop: &Stop,
) -> Result<Option<Array2<u32>>> {
    // Most searches share no value that often: the sorted hashes tell at once.
    if hashes.longest_run() <= k + 1 {
        return Ok(None);
    }
    let twins = Twins::new(x, references, &hashes.by_position);
    if twins.groups.iter().all(|group| group.len() <= k + 1) {
        return Ok(None);
    }
    let own = own_positions(x.nrows(), queries, references);
    let mut out = Array2::<u32>::zeros((queries.len(), k));
    let mut searched = Vec::new();
    for (i, (&q, &own)) in queries.iter().zip(&own).enumerate() {
        let group = if own == NOT_A_REFERENCE {
            twins.find(x, references, q, row_hash(x, q))
        } else {
            Some(twins.group_of[own as usize])
        };
        let answered = group.is_some_and(|group| {
            let members = twins.groups[group as usize].iter().filter(|&&p| p != own);
            let mut row = out.row_mut(i);
            let mut written = 0;
            for (slot, &p) in row.iter_mut().zip(members) {
                *slot = p;
                written += 1;
            }
            written == k
        });
        if !answered {
            searched.push(i);
        }
    }
    if !searched.is_empty() {
        let kept: Vec<u32> = {
            let mut kept: Vec<u32> = twins
                .groups
                .iter()
                .flat_map(|group| group.iter().take(k + 1).copied())
                .collect();
            kept.sort_unstable();
            kept
        };
        let kept_rows: Vec<usize> = kept.iter().map(|&p| references[p as usize]).collect();
        let query_rows: Vec<usize> = searched.iter().map(|&i| queries[i]).collect();
        let table = kneighbors_among(x, &query_rows, &kept_rows, k, stop)?;
        for (&i, found) in searched.iter().zip(table.rows()) {
            for (slot, &p) in out.row_mut(i).iter_mut().zip(found) {
                *slot = kept[p as usize];
            }
        }
    }
    Ok(Some(out))
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
    /// Checked between blocks of queries and tiles of references.
    stop: &'a Stop,
}

impl<'a, F: Float> Search<'a, F> {
    /// Coordinate `j` of row `r`, scaled.
    #[inline]
    fn value(&self, r: usize, j: usize) -> F {
        self.x[[r, j]] * self.scale
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

/// A power of two that brings the largest magnitude among `rows` of `x` near 1 when it
/// lies outside the safe range (float32 data of 1e30, float64 data of 1e300 or 1e-300,
/// whose squared distances would overflow to infinity or underflow to zero), else 1.
/// Scaling by a power of two is exact, so no distance changes its order; values far
/// below the largest may underflow, as they would be lost in any sum of squares anyway.
fn overflow_safe_scale<F: Float>(x: ArrayView2<F>, rows: &[&[usize]], stop: &Stop) -> F {
    let largest_in = |rows: &[usize]| {
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
    };
    let largest = rows
        .iter()
        .map(|rows| largest_in(rows))
        .fold(F::zero(), F::max);
    power_of_two_scale(largest, F::SAFE_EXPONENT)
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

/// The row hashes of a search's references, by position and sorted: what the twin
/// check and the engine's duplication rule both read, computed once. Different rows
/// are told apart through a 64-bit hash: a rare collision only undercounts, which is
/// harmless for choosing an engine (the twins compare values). A stopped pass is short,
/// and the search it was for is abandoned.
struct RowHashes {
    by_position: Vec<u64>,
    sorted: Vec<u64>,
}

impl RowHashes {
    fn new<F: Float>(x: ArrayView2<F>, rows: &[usize], stop: &Stop) -> Self {
        let by_position: Vec<u64> = rows
            .par_chunks(ROWS_BETWEEN_CHECKS)
            .flat_map_iter(|chunk| {
                let wanted = if stop.requested() { 0 } else { chunk.len() };
                chunk[..wanted].iter().map(|&r| row_hash(x, r))
            })
            .collect();
        let mut sorted = by_position.clone();
        sorted.par_sort_unstable();
        RowHashes {
            by_position,
            sorted,
        }
    }

    /// How many different rows there are.
    fn distinct(&self) -> usize {
        self.sorted.chunk_by(|a, b| a == b).count()
    }

    /// The most rows sharing one hash.
    fn longest_run(&self) -> usize {
        self.sorted
            .chunk_by(|a, b| a == b)
            .map(<[u64]>::len)
            .max()
            .unwrap_or(0)
    }
}

/// Writes the first `k` of `found` (nearest first) that are not the query itself (at
/// reference position `own`). With more than `k` exact duplicates of the query, it may
/// be absent from `found`; then the first `k` are all at distance 0 and are the right
/// answer.
fn write_excluding_self(found: impl Iterator<Item = u32>, own: u32, mut row: ArrayViewMut1<u32>) {
    let k = row.len();
    for (slot, item) in row
        .iter_mut()
        .zip(found.filter(|&item| item != own).take(k))
    {
        *slot = item;
    }
}

/// The KD-tree search, implemented for each element type (kiddo's traits are
/// per concrete type, so a macro instantiates the body for `f32` and `f64`).
pub trait TreeSearch: Sized {
    fn tree_kneighbors(search: &Search<'_, Self>, out: ArrayViewMut2<u32>) -> Result<()>;
}

/// Calls `f::<D>(args)` with the runtime dimension `d` as the const `D` (1..=13).
macro_rules! with_const_dim {
    ($d:expr, $f:ident, $args:tt) => {
        with_const_dim!(@ $d, $f, $args, 1 2 3 4 5 6 7 8 9 10 11 12 13)
    };
    (@ $d:expr, $f:ident, $args:tt, $($dim:literal)*) => {
        match $d {
            $($dim => $f::<$dim> $args,)*
            d => unreachable!("no tree search for dimension {d}"),
        }
    };
}

macro_rules! impl_tree_search {
    ($t:ty) => {
        impl TreeSearch for $t {
            fn tree_kneighbors(search: &Search<'_, $t>, out: ArrayViewMut2<u32>) -> Result<()> {
                fn run<const K: usize>(
                    search: &Search<'_, $t>,
                    mut out: ArrayViewMut2<u32>,
                ) -> Result<()> {
                    let point =
                        |r: usize| -> [$t; K] { std::array::from_fn(|j| search.value(r, j)) };
                    let points: Vec<[$t; K]> =
                        search.references.par_iter().map(|&r| point(r)).collect();
                    let tree = ImmutableKdTree::<$t, K>::new_from_slice(&points).map_err(|_| {
                        Error::ClassTooLarge {
                            class: 0,
                            n_samples: points.len(),
                            max: u32::MAX as usize,
                        }
                    })?;
                    // k + 1 so that dropping the query itself still leaves k.
                    let wanted = NonZeroUsize::new(search.k + 1).expect("k + 1 > 0");
                    out.axis_chunks_iter_mut(Axis(0), TREE_QUERY_BLOCK)
                        .into_par_iter()
                        .enumerate()
                        .for_each(|(block, mut chunk)| {
                            if search.stop.requested() {
                                return;
                            }
                            for (offset, row) in chunk.rows_mut().into_iter().enumerate() {
                                let query = block * TREE_QUERY_BLOCK + offset;
                                let found = tree
                                    .query(&point(search.queries[query]))
                                    .nearest_n::<SquaredEuclidean<$t>>(wanted)
                                    .execute();
                                write_excluding_self(
                                    found.iter().map(|f| f.item),
                                    search.own[query],
                                    row,
                                );
                            }
                        });
                    Ok(())
                }

                with_const_dim!(search.x.ncols(), run, (search, out))
            }
        }
    };
}

impl_tree_search!(f32);
impl_tree_search!(f64);

/// The `k` best (distance, index) pairs seen so far, kept sorted by distance, then
/// index: among equal distances the lowest index wins, and the result depends neither
/// on how the work was split nor on the order candidates arrive in.
pub(crate) struct Nearest<F> {
    dist: Vec<F>,
    pub(crate) index: Vec<u32>,
    k: usize,
    /// The k-th best distance, infinite until `k` are held: the bar a candidate must beat.
    worst: F,
}

impl<F: Float> Nearest<F> {
    pub(crate) fn new(k: usize) -> Self {
        Nearest {
            dist: Vec::with_capacity(k),
            index: Vec::with_capacity(k),
            k,
            worst: F::infinity(),
        }
    }

    #[inline]
    pub(crate) fn worst(&self) -> F {
        self.worst
    }

    /// Takes `(dist, index)` if it beats the k-th best so far in the order of
    /// distance, then index: whatever order candidates come in, the same k win.
    #[inline]
    pub(crate) fn offer(&mut self, dist: F, index: u32) {
        let full = self.dist.len() == self.k;
        let beats =
            dist < self.worst || (full && dist == self.worst && index < self.index[self.k - 1]);
        if !beats {
            return;
        }
        // Replace the worst (or append), then sift toward the front past larger ones.
        let mut at = self.dist.len();
        if at < self.k {
            self.dist.push(dist);
            self.index.push(index);
        } else {
            at -= 1;
            self.dist[at] = dist;
            self.index[at] = index;
        }
        while at > 0
            && (self.dist[at - 1] > dist
                || (self.dist[at - 1] == dist && self.index[at - 1] > index))
        {
            self.dist.swap(at - 1, at);
            self.index.swap(at - 1, at);
            at -= 1;
        }
        if self.dist.len() == self.k {
            self.worst = self.dist[self.k - 1];
        }
    }
}

/// Blocked brute force. In float32, one exact pass. In float64, a float32 pass first
/// (twice the GEMM and scan throughput) keeps `k + SPARE_CANDIDATES` candidates per
/// query, which are re-ranked by exact float64 distances; a rounding-error bound then
/// proves the result exact, and the few queries it cannot vouch for (near-ties at the
/// k-th neighbour, extreme magnitudes) are searched again in float64.
fn brute_kneighbors<F: Float>(search: &Search<'_, F>, out: ArrayViewMut2<u32>) {
    if F::SEARCH_IN_F32_FIRST {
        filtered_brute(search, out);
    } else {
        exact_brute(search, out);
    }
}

/// Candidates beyond `k` the float32 pass keeps per query.
const SPARE_CANDIDATES: usize = 4;

/// The centred, augmented rows in the scan type `C`. Augmented rows make the GEMM
/// produce `|r|² − 2 q·r` directly, which orders the references of a query like their
/// distance (the query's own norm is common to all): queries are `[q, 1]`, references
/// `[−2 r, |r|²]`, both centred on the references' mean so that the expansion loses
/// as little precision as possible. Wide rows are padded with zeros to whole cache
/// lines, which the GEMM packs faster.
struct Tiles<'a, C> {
    queries: Vec<C>,
    references: Vec<C>,
    depth: usize,
    /// Where a reference row holds its squared norm: after the `d` coordinates.
    dim: usize,
    /// The queries are the references themselves (see `scan_symmetric`).
    symmetric: bool,
    stop: &'a Stop,
}

/// The mean of the references, which every row is centred on.
fn reference_mean<F: Float>(search: &Search<'_, F>) -> Vec<F> {
    let x = search.x;
    let count = F::from(search.references.len()).expect("row count fits the float type");
    let mut mean = vec![F::zero(); x.ncols()];
    for (i, &r) in search.references.iter().enumerate() {
        if i % ROWS_BETWEEN_CHECKS == 0 && search.stop.requested() {
            break;
        }
        for (m, v) in mean.iter_mut().zip(search.row(r)) {
            *m = *m + v;
        }
    }
    mean.iter_mut().for_each(|m| *m = *m / count);
    mean
}

impl<'a, C: Float> Tiles<'a, C> {
    fn new<F: Float>(search: &Search<'a, F>, mean: &[F]) -> Self {
        let d = search.x.ncols();
        let line = 64 / std::mem::size_of::<C>();
        let depth = if d >= 64 {
            (d + 1).div_ceil(line) * line
        } else {
            d + 1
        };
        let two = F::one() + F::one();
        let augmented = |rows: &[usize], reference: bool| {
            let mut out = vec![C::zero(); rows.len() * depth];
            out.par_chunks_mut(depth)
                .zip(rows.par_iter())
                .for_each(|(dst, &r)| {
                    let mut norm = F::zero();
                    for ((t, v), &m) in dst.iter_mut().zip(search.row(r)).zip(mean) {
                        let c = v - m;
                        *t = cast(if reference { -two * c } else { c });
                        norm = norm + c * c;
                    }
                    dst[d] = if reference { cast(norm) } else { C::one() };
                });
            out
        };
        Tiles {
            queries: augmented(search.queries, false),
            references: augmented(search.references, true),
            depth,
            dim: d,
            symmetric: search.queries == search.references,
            stop: search.stop,
        }
    }
}

#[inline]
fn cast<F: Float, C: Float>(v: F) -> C {
    C::from(v).unwrap_or_else(C::infinity)
}

/// Scans all reference tiles for each block of queries (blocks in parallel), keeping
/// the `keep` best references of each query (from `scan_symmetric` when the queries are
/// the references), and hands each block's lists to `finish(first query, output rows,
/// lists)`, which returns the queries it rejects.
fn scan_blocks<C: Float>(
    tiles: &Tiles<'_, C>,
    own: &[u32],
    keep: usize,
    mut out: ArrayViewMut2<u32>,
    finish: impl Fn(usize, ArrayViewMut2<u32>, &[Nearest<C>]) -> Vec<usize> + Sync,
) -> Vec<usize> {
    let lists = tiles.symmetric.then(|| scan_symmetric(tiles, keep));
    let mut rejected: Vec<usize> = out
        .axis_chunks_iter_mut(Axis(0), BRUTE_QUERY_BLOCK)
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(block, chunk)| {
            if tiles.stop.requested() {
                // A stopped scan's lists are unfinished: nothing to finish or redo.
                return Vec::new();
            }
            let first = block * BRUTE_QUERY_BLOCK;
            let m = chunk.nrows();
            match &lists {
                Some(lists) => finish(first, chunk, &lists[first..first + m]),
                None => finish(first, chunk, &scan_block(tiles, own, keep, first, m)),
            }
        })
        .collect();
    rejected.sort_unstable();
    rejected
}

/// The `keep` best references of the `m` queries from `first` on, tile by tile.
fn scan_block<C: Float>(
    tiles: &Tiles<'_, C>,
    own: &[u32],
    keep: usize,
    first: usize,
    m: usize,
) -> Vec<Nearest<C>> {
    let depth = tiles.depth;
    let n = tiles.references.len() / depth;
    let block_queries = &tiles.queries[first * depth..(first + m) * depth];
    let mut best: Vec<Nearest<C>> = (0..m).map(|_| Nearest::new(keep)).collect();
    let mut tile = vec![C::zero(); m * REFERENCE_BLOCK];
    for start in (0..n).step_by(REFERENCE_BLOCK) {
        if tiles.stop.requested() {
            break;
        }
        let width = REFERENCE_BLOCK.min(n - start);
        let block_references = &tiles.references[start * depth..(start + width) * depth];
        C::gemm_abt(m, width, depth, block_queries, block_references, &mut tile);
        for (qi, nearest) in best.iter_mut().enumerate() {
            let own = own[first + qi] as usize;
            let partial = &mut tile[qi * width..(qi + 1) * width];
            if (start..start + width).contains(&own) {
                // The query itself: an infinite distance is never taken.
                partial[own - start] = C::infinity();
            }
            scan_tile(partial, start, nearest);
        }
    }
    best
}

/// `scan_blocks` for a search of the references among themselves: each pair's product
/// is computed once, in the tiles on and above the diagonal, and offered to both rows,
/// which halves the GEMM work. Tile `(i, j)` holds `|r_c|² − 2 q_a·r_c` for rows `a` of
/// block `i` and `c` of block `j`; as query `c`'s key for reference `a` it becomes
/// `|r_a|² − 2 q_c·r_a` by adding `|r_a|² − |r_c|²`. Blocks' lists are shared under
/// locks; the order offers arrive in does not change the result (see `Nearest`).
fn scan_symmetric<C: Float>(tiles: &Tiles<'_, C>, keep: usize) -> Vec<Nearest<C>> {
    const B: usize = BRUTE_QUERY_BLOCK;
    let depth = tiles.depth;
    let n = tiles.references.len() / depth;
    let blocks = n.div_ceil(B);
    let block_len = |b: usize| B.min(n - b * B);
    let shared: Vec<Mutex<Vec<Nearest<C>>>> = (0..blocks)
        .map(|b| Mutex::new((0..block_len(b)).map(|_| Nearest::new(keep)).collect()))
        .collect();
    let norms: Vec<C> = (0..n)
        .map(|r| tiles.references[r * depth + tiles.dim])
        .collect();
    let lock = |b: usize| shared[b].lock().unwrap_or_else(PoisonError::into_inner);
    (0..blocks).into_par_iter().for_each(|i| {
        let (first, m) = (i * B, block_len(i));
        let block_queries = &tiles.queries[first * depth..(first + m) * depth];
        let mut mine: Vec<Nearest<C>> = (0..m).map(|_| Nearest::new(keep)).collect();
        let mut tile = vec![C::zero(); m * B];
        for j in i..blocks {
            if tiles.stop.requested() {
                return;
            }
            let (start, width) = (j * B, block_len(j));
            let block_references = &tiles.references[start * depth..(start + width) * depth];
            C::gemm_abt(m, width, depth, block_queries, block_references, &mut tile);
            if j == i {
                // The diagonal tile holds each pair twice: rows only, without the row itself.
                for a in 0..m {
                    tile[a * width + a] = C::infinity();
                }
            }
            for (a, nearest) in mine.iter_mut().enumerate() {
                scan_tile(&tile[a * width..(a + 1) * width], start, nearest);
            }
            if j == i {
                continue;
            }
            let mut theirs = lock(j);
            let mut bars: Vec<C> = theirs.iter().map(Nearest::worst).collect();
            let column_norms = &norms[start..start + width];
            for a in 0..m {
                let row = &tile[a * width..(a + 1) * width];
                let reference = (first + a) as u32;
                offer_to_columns(
                    row,
                    norms[first + a],
                    column_norms,
                    &mut bars,
                    &mut theirs,
                    reference,
                );
            }
        }
        let mut lists = lock(i);
        for (list, found) in lists.iter_mut().zip(&mine) {
            for (&dist, &index) in found.dist.iter().zip(&found.index) {
                list.offer(dist, index);
            }
        }
    });
    shared
        .into_iter()
        .flat_map(|lists| lists.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect()
}

fn exact_brute<F: Float>(search: &Search<'_, F>, out: ArrayViewMut2<u32>) {
    let tiles = Tiles::<F>::new(search, &reference_mean(search));
    scan_blocks(&tiles, search.own, search.k, out, |_, mut chunk, best| {
        for (row, nearest) in chunk.rows_mut().into_iter().zip(best) {
            for (slot, &index) in row.into_iter().zip(&nearest.index) {
                *slot = index;
            }
        }
        Vec::new()
    });
}

/// The float32 pass with exact re-ranking (see `brute_kneighbors`).
fn filtered_brute<F: Float>(search: &Search<'_, F>, mut out: ArrayViewMut2<u32>) {
    let k = search.k;
    let mean = reference_mean(search);
    let centred_norm = |r: usize| -> f64 {
        search
            .row(r)
            .zip(&mean)
            .map(|(v, &m)| (v - m).to_f64().map_or(f64::INFINITY, |c| c * c))
            .sum::<f64>()
            .sqrt()
    };
    let radius = search
        .references
        .par_iter()
        .map(|&r| centred_norm(r))
        .reduce(|| 0.0, f64::max);
    // Outside this range float32 under- or overflows: search in float64 directly.
    if !(1e-15..1e15).contains(&radius) {
        return exact_brute(search, out);
    }
    let tiles = Tiles::<f32>::new(search, &mean);
    // Rounding the inputs to float32 and a depth-long float32 dot product move each
    // product `|r|² − 2 q·r` by at most (depth + 3) u (2 |q| |r| + |r|²), u = 2⁻²⁴;
    // the symmetric scan's shift by two rounded norms adds at most 11 u |r|²; twice
    // that is the margin.
    let shift_error = if tiles.symmetric { 11.0 } else { 0.0 };
    let unit = 2f64 * (tiles.depth as f64 + 3.0 + shift_error) * f64::from(f32::EPSILON) / 2.0;
    let n_references = search.references.len();
    let keep = k + SPARE_CANDIDATES;
    let exact_distance = |q: usize, r: usize| -> f64 {
        search
            .row(q)
            .zip(search.row(r))
            .map(|(a, b)| (a - b).to_f64().map_or(f64::INFINITY, |c| c * c))
            .sum()
    };
    let rejected = scan_blocks(
        &tiles,
        search.own,
        keep,
        out.view_mut(),
        |first, mut chunk, best| {
            let mut rejected = Vec::new();
            for (qi, (mut row, nearest)) in chunk.rows_mut().into_iter().zip(best).enumerate() {
                let query = first + qi;
                let q = search.queries[query];
                let mut exact: Vec<(f64, u32)> = nearest
                    .index
                    .iter()
                    .map(|&p| (exact_distance(q, search.references[p as usize]), p))
                    .collect();
                exact.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let available = n_references - usize::from(search.own[query] != NOT_A_REFERENCE);
                let proven = if nearest.index.len() == available {
                    true // every reference is a candidate
                } else if nearest.index.len() == keep {
                    // Every other reference scored at least the worst candidate in float32,
                    // so its exact `|r|² − 2 q·r` is at least that minus the margin.
                    let q_norm = centred_norm(q);
                    let margin = unit * (2.0 * q_norm * radius + radius * radius);
                    let kth = exact[k - 1].0 - q_norm * q_norm;
                    let slack = 1e-12 * (exact[k - 1].0 + q_norm * q_norm);
                    f64::from(nearest.worst()) - margin > kth + slack
                } else {
                    false
                };
                if proven {
                    for (slot, &(_, index)) in row.iter_mut().zip(&exact) {
                        *slot = index;
                    }
                } else {
                    rejected.push(query);
                }
            }
            rejected
        },
    );
    if rejected.is_empty() {
        return;
    }
    let queries: Vec<usize> = rejected.iter().map(|&i| search.queries[i]).collect();
    let own: Vec<u32> = rejected.iter().map(|&i| search.own[i]).collect();
    let mut redo = Array2::<u32>::zeros((rejected.len(), k));
    let again = Search {
        queries: &queries,
        own: &own,
        ..*search
    };
    exact_brute(&again, redo.view_mut());
    for (&query, row) in rejected.iter().zip(redo.rows()) {
        out.row_mut(query).assign(&row);
    }
}

/// The `k` nearest neighbours of each of `n` items among the others, under any
/// distance: `distance(i, j, bar)` is the distance from item `i` to item `j`, and may
/// stop early and return anything at least `bar` once it knows it reaches `bar`. Row `i`
/// lists positions nearest first; among equal distances the lowest position wins.
/// Exhaustive (n² distance calls, queries in parallel): for metrics that no tree or
/// GEMM serves, such as the Value Difference Metric.
pub fn kneighbors_by(
    n: usize,
    k: usize,
    distance: impl Fn(usize, usize, f64) -> f64 + Sync,
    stop: &Stop,
) -> Result<Array2<u32>> {
    check_search_size(n, k)?;
    let mut out = Array2::<u32>::zeros((n, k));
    out.axis_chunks_iter_mut(Axis(0), TREE_QUERY_BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each(|(block, mut chunk)| {
            if stop.requested() {
                return;
            }
            for (offset, mut row) in chunk.rows_mut().into_iter().enumerate() {
                let query = block * TREE_QUERY_BLOCK + offset;
                let mut nearest = Nearest::<f64>::new(k);
                for other in (0..n).filter(|&other| other != query) {
                    let bar = nearest.worst();
                    let dist = distance(query, other, bar);
                    nearest.offer(dist, other as u32);
                }
                for (slot, &index) in row.iter_mut().zip(&nearest.index) {
                    *slot = index;
                }
            }
        });
    stop.check()?;
    Ok(out)
}

/// Offers reference `reference` to the queries of a tile's columns: column `c` holds
/// `row[c] = |r_c|² − 2 q·r_c`, whose key as query `c`'s distance to the reference is
/// `row[c] + shift − norms[c]` (`shift` the reference's squared norm). `bars` mirrors
/// each query's current bar, so a chunk of columns is tested in one vector pass.
#[inline]
fn offer_to_columns<F: Float>(
    row: &[F],
    shift: F,
    norms: &[F],
    bars: &mut [F],
    lists: &mut [Nearest<F>],
    reference: u32,
) {
    const LANES: usize = 16;
    let mut start = 0;
    while start < row.len() {
        let end = (start + LANES).min(row.len());
        // As in `scan_tile`: most chunks hold no candidate, which one branch-free,
        // lane-parallel comparison shows at once.
        let reaches = if end - start == LANES {
            let values: &[F; LANES] = row[start..end].try_into().expect("a whole chunk");
            let column_norms: &[F; LANES] = norms[start..end].try_into().expect("a whole chunk");
            let chunk_bars: &[F; LANES] = bars[start..end].try_into().expect("a whole chunk");
            (0..LANES).fold(false, |any, i| {
                any | ((values[i] + shift) - column_norms[i] <= chunk_bars[i])
            })
        } else {
            true
        };
        if reaches {
            for c in start..end {
                let key = (row[c] + shift) - norms[c];
                if key <= bars[c] {
                    lists[c].offer(key, reference);
                    bars[c] = lists[c].worst();
                }
            }
        }
        start = end;
    }
}

/// Offers the references of one tile row (their `|r|² − 2 q·r`) to a query's `nearest`.
#[inline]
fn scan_tile<F: Float>(partial: &[F], start: usize, nearest: &mut Nearest<F>) {
    const LANES: usize = 16;
    let mut chunks = partial.chunks_exact(LANES);
    for (c, lanes) in chunks.by_ref().enumerate() {
        let lanes: &[F; LANES] = lanes.try_into().expect("chunks of LANES");
        // Most chunks hold no candidate: their least value, found branch-free with
        // lane-parallel minimums, already fails the bar (a tie with the bar may still
        // win on index, so `Nearest::offer` decides those).
        if least_of_16(lanes) <= nearest.worst() {
            offer_below(lanes, start + c * LANES, nearest);
        }
    }
    let tail = chunks.remainder();
    offer_below(tail, start + partial.len() - tail.len(), nearest);
}

/// Offers the values of `lanes` (references `first..`, at most 32) that reach the
/// current bar: a bit mask of them first, then only those, in order.
#[inline]
fn offer_below<F: Float>(lanes: &[F], first: usize, nearest: &mut Nearest<F>) {
    let worst = nearest.worst();
    let mut below = lanes
        .iter()
        .enumerate()
        .fold(0u32, |mask, (i, &v)| mask | (u32::from(v <= worst) << i));
    while below != 0 {
        let i = below.trailing_zeros() as usize;
        below &= below - 1;
        nearest.offer(lanes[i], (first + i) as u32);
    }
}

/// The least of 16 values, as a tree of pairwise minimums that compiles to a few
/// vector instructions.
#[inline]
fn least_of_16<F: Float>(v: &[F; 16]) -> F {
    let lesser = |a: F, b: F| if a < b { a } else { b };
    let m8: [F; 8] = std::array::from_fn(|j| lesser(v[j], v[j + 8]));
    let m4: [F; 4] = std::array::from_fn(|j| lesser(m8[j], m8[j + 4]));
    lesser(lesser(m4[0], m4[2]), lesser(m4[1], m4[3]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::stop::Stop;

    /// Distances to every other row, computed directly in f64, sorted.
    fn sorted_distances_from(x: &Array2<f64>, query: usize) -> Vec<f64> {
        let mut all: Vec<f64> = (0..x.nrows())
            .filter(|&j| j != query)
            .map(|j| squared_distance(x, query, j))
            .collect();
        all.sort_by(f64::total_cmp);
        all
    }

    fn squared_distance(x: &Array2<f64>, a: usize, b: usize) -> f64 {
        x.row(a)
            .iter()
            .zip(x.row(b))
            .map(|(p, q)| (p - q) * (p - q))
            .sum()
    }

    /// Checks one neighbour table against brute force: no self, no repeats, and the
    /// neighbours' distances are exactly the k smallest (ties may pick either twin).
    fn assert_exact(x: &Array2<f64>, table: &Array2<u32>, k: usize) {
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

    fn gaussian(rng: &mut Rng) -> f64 {
        // Box-Muller; the offset keeps the log finite.
        let u = f64::unit_from_bits(rng.next_u64()) + f64::EPSILON;
        let v = f64::unit_from_bits(rng.next_u64());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn random(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = Rng::new(seed);
        Array2::from_shape_simple_fn((n, d), || gaussian(&mut rng))
    }

    /// Tight clusters far apart: neighbours must come from the query's own cluster.
    fn clustered(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = Rng::new(seed);
        let centres = random(5, d, seed + 1) * 100.0;
        Array2::from_shape_fn((n, d), |(i, j)| {
            centres[[i % 5, j]] + 0.01 * gaussian(&mut rng)
        })
    }

    /// Only a handful of distinct rows, each repeated many times.
    fn duplicated(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let distinct = random(7, d, seed);
        let mut rng = Rng::new(seed + 2);
        let picks: Vec<usize> = (0..n).map(|_| rng.below(7)).collect();
        Array2::from_shape_fn((n, d), |(i, j)| distinct[[picks[i], j]])
    }

    fn search(x: &Array2<f64>, k: usize, engine: Engine) -> Array2<u32> {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        search_among(x, &rows, &rows, k, engine)
    }

    fn search_among<F: Float>(
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
            Engine::Tree => F::tree_kneighbors(&search, out.view_mut()).unwrap(),
            Engine::Brute => brute_kneighbors(&search, out.view_mut()),
        }
        out
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

    /// The brute force scanning the references query block by query block, never the
    /// symmetric scan (the queries differ from the references).
    fn streaming_brute<F: Float>(
        x: &Array2<F>,
        queries: &[usize],
        references: &[usize],
        k: usize,
    ) -> Array2<u32> {
        assert!(queries != references);
        search_among(x, queries, references, k, Engine::Brute)
    }

    #[test]
    fn most_references_as_queries_are_answered_by_the_symmetric_scan() {
        let x = random(900, MAX_TREE_DIM + 2, 8);
        let rows: Vec<usize> = (0..900).collect();
        let most: Vec<usize> = (0..900).filter(|r| r % 7 != 3).collect();
        let few: Vec<usize> = (0..900).filter(|r| r % 3 == 0).collect();
        let all = kneighbors(x.view(), &rows, 4, Stop::never()).unwrap();
        for queries in [&most, &few] {
            let table = kneighbors_among(x.view(), queries, &rows, 4, Stop::never()).unwrap();
            assert_eq!(table, all.select(Axis(0), queries));
            assert_eq!(table, streaming_brute(&x, queries, &rows, 4));
        }
    }

    #[test]
    fn the_symmetric_scan_gives_the_streaming_scans_table_for_any_thread_count() {
        // Ties included (duplicated rows): both scans keep the lowest index among equals.
        type Make = fn(usize, usize, u64) -> Array2<f64>;
        let makers: [Make; 3] = [random, clustered, duplicated];
        for make in makers {
            let x = make(700, MAX_TREE_DIM + 1, 21); // always the brute force
            let x32 = x.mapv(|v| v as f32);
            let rows: Vec<usize> = (0..700).collect();
            let reversed: Vec<usize> = rows.iter().rev().copied().collect();
            for k in [1, 3, 8] {
                let streaming = streaming_brute(&x, &reversed, &rows, k);
                let streaming32 = streaming_brute(&x32, &reversed, &rows, k);
                for threads in [1, 2, 3] {
                    let (symmetric, symmetric32) =
                        crate::parallel::run_with_threads(Some(threads), || {
                            (
                                kneighbors(x.view(), &rows, k, Stop::never()).unwrap(),
                                kneighbors(x32.view(), &rows, k, Stop::never()).unwrap(),
                            )
                        })
                        .unwrap();
                    for (query, row) in symmetric.rows().into_iter().enumerate() {
                        assert_eq!(row, streaming.row(699 - query), "f64 k={k} row {query}");
                        assert_eq!(symmetric32.row(query), streaming32.row(699 - query));
                    }
                }
            }
        }
    }

    #[test]
    fn brute_force_in_high_dimension_is_exact() {
        for d in [17, 50, 130] {
            for x in [
                random(400, d, 3),
                clustered(400, d, 4),
                duplicated(400, d, 5),
            ] {
                let rows: Vec<usize> = (0..x.nrows()).collect();
                let table = kneighbors(x.view(), &rows, 6, Stop::never()).unwrap();
                assert_exact(&x, &table, 6);
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
    fn float64_search_resolves_what_float32_cannot() {
        // Pairs of points 1e-5 apart in 20-D: the twin must be each point's nearest
        // neighbour, a difference float32 cannot see (its products are rounded at about
        // 1e-6 here), so the float32 pass must either prove it or search again.
        let centres = random(150, 20, 31);
        let jitter = random(300, 20, 32);
        let x = Array2::from_shape_fn((300, 20), |(i, j)| {
            centres[[i / 2, j]] + 1e-5 * jitter[[i, j]]
        });
        let rows: Vec<usize> = (0..300).collect();
        let table = kneighbors(x.view(), &rows, 3, Stop::never()).unwrap();
        for query in 0..300 {
            assert_eq!(table[[query, 0]] as usize, query ^ 1, "row {query}");
        }
        assert_exact(&x, &table, 3);
        // Far out of float32's range the float64 search runs alone, still exact.
        for scale in [1e-140, 1e140] {
            let scaled = x.mapv(|v| v * scale);
            let table = kneighbors(scaled.view(), &rows, 1, Stop::never()).unwrap();
            for query in 0..300 {
                assert_eq!(
                    table[[query, 0]] as usize,
                    query ^ 1,
                    "scale {scale}, row {query}"
                );
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
    fn surplus_twins_are_answered_directly_and_the_rest_searched_exactly() {
        // 30 000 identical rows: each one's neighbours are the lowest other positions.
        let same = Array2::<f64>::zeros((30_000, 1));
        let rows: Vec<usize> = (0..30_000).collect();
        let table = kneighbors(same.view(), &rows, 3, Stop::never()).unwrap();
        assert_eq!(table.row(0).to_vec(), vec![1, 2, 3]);
        assert_eq!(table.row(2).to_vec(), vec![0, 1, 3]);
        assert_eq!(table.row(29_999).to_vec(), vec![0, 1, 2]);
        // Heavy duplication mixed with distinct rows (and -0.0 next to 0.0): the table
        // of the plain brute force, which breaks every tie by position. (In 2-D the
        // rows left to search go to the KD-tree, whose ties come in any order: there the
        // distances must match.)
        for d in [2, 20] {
            let mut x = duplicated(2000, d, 3);
            x.row_mut(5).fill(-0.0);
            x.row_mut(6).fill(0.0);
            x.row_mut(7).fill(0.0);
            let all: Vec<usize> = (0..2000).collect();
            let queries: Vec<usize> = (0..2000).step_by(7).collect();
            let references: Vec<usize> = (0..2000).filter(|r| r % 7 != 3).collect();
            for k in [1, 3, 6] {
                for (queries, references) in [(&all, &all), (&queries, &references)] {
                    let got =
                        kneighbors_among(x.view(), queries, references, k, Stop::never()).unwrap();
                    let want = search_among(&x, queries, references, k, Engine::Brute);
                    if d > MAX_TREE_DIM {
                        assert_eq!(got, want, "d = {d}, k = {k}");
                        continue;
                    }
                    for (i, &q) in queries.iter().enumerate() {
                        let dist = |row: ndarray::ArrayView1<u32>| -> Vec<f64> {
                            row.iter()
                                .map(|&p| squared_distance(&x, q, references[p as usize]))
                                .collect()
                        };
                        assert_eq!(dist(got.row(i)), dist(want.row(i)), "query {q}, k = {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn float32_search_is_exact_too() {
        let x = random(250, 5, 11);
        let x32 = x.mapv(|v| v as f32);
        let x_back = x32.mapv(f64::from);
        let rows: Vec<usize> = (0..250).collect();
        assert_exact(
            &x_back,
            &kneighbors(x32.view(), &rows, 5, Stop::never()).unwrap(),
            5,
        );
        let wide = random(250, 40, 12).mapv(|v| v as f32);
        let wide_back = wide.mapv(f64::from);
        let table = kneighbors(wide.view(), &rows, 5, Stop::never()).unwrap();
        // f32 Gram products are exact to about 1e-6 relative.
        for query in 0..250 {
            let mut got: Vec<f64> = table
                .row(query)
                .iter()
                .map(|&j| squared_distance(&wide_back, query, j as usize))
                .collect();
            got.sort_by(f64::total_cmp);
            let want = &sorted_distances_from(&wide_back, query)[..5];
            for (g, w) in got.iter().zip(want) {
                assert!(
                    (g - w).abs() <= 1e-4 * w,
                    "row {query}: {got:?} vs {want:?}"
                );
            }
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
    fn engine_choice_follows_the_measured_crossover() {
        assert_eq!(Engine::by_size(2, 10), Engine::Tree);
        assert_eq!(Engine::by_size(7, 1_000_000), Engine::Tree);
        assert_eq!(Engine::by_size(8, 30_000), Engine::Brute);
        assert_eq!(Engine::by_size(8, 50_000), Engine::Tree);
        assert_eq!(Engine::by_size(9, 99_999), Engine::Brute);
        assert_eq!(Engine::by_size(9, 100_000), Engine::Tree);
        assert_eq!(Engine::by_size(10, 10_000_000), Engine::Brute);
        assert_eq!(Engine::by_size(13, 10_000_000), Engine::Brute);
        assert_eq!(Engine::by_size(14, 10_000_000), Engine::Brute);
        assert_eq!(Engine::by_size(50, 10), Engine::Brute);
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
}
