//! The blocked brute force: GEMM tiles of queries against references, a float32 pass
//! re-ranked exactly for float64 data, and a symmetric scan when the queries are the
//! references.

use std::sync::{Mutex, PoisonError};

use ndarray::{Array2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use super::{check_search_size, Nearest, Search, NOT_A_REFERENCE};
use crate::error::Result;
use crate::float::Float;
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

/// Queries and reference rows per GEMM tile of the brute force (tuned on the
/// benchmark's cases: 256 × 256 beat 32..128 query rows by 10-30 %).
const BRUTE_QUERY_BLOCK: usize = 256;
const REFERENCE_BLOCK: usize = 256;
/// Queries handled together by one parallel task of `kneighbors_by`.
const BY_DISTANCE_QUERY_BLOCK: usize = 64;

/// Blocked brute force. In float32, one exact pass. In float64, a float32 pass first
/// (twice the GEMM and scan throughput) keeps `k + SPARE_CANDIDATES` candidates per
/// query, which are re-ranked by exact float64 distances; a rounding-error bound then
/// proves the result exact, and the few queries it cannot vouch for (near-ties at the
/// k-th neighbour, extreme magnitudes) are searched again in float64.
pub(super) fn brute_kneighbors<F: Float>(search: &Search<'_, F>, out: ArrayViewMut2<u32>) {
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
    out.axis_chunks_iter_mut(Axis(0), BY_DISTANCE_QUERY_BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each(|(block, mut chunk)| {
            if stop.requested() {
                return;
            }
            for (offset, mut row) in chunk.rows_mut().into_iter().enumerate() {
                let query = block * BY_DISTANCE_QUERY_BLOCK + offset;
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
    use super::super::testing::*;
    use super::super::{kneighbors, kneighbors_among, Engine, MAX_TREE_DIM};
    use crate::float::Float;
    use crate::stop::Stop;
    use ndarray::{Array2, Axis};

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
}
