//! The blocked brute force: GEMM tiles of queries against references, whose float32
//! candidates are re-ranked by canonical distance and proven, and a symmetric scan
//! when the queries are the references.

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use super::{
    check_search_size, verdict, write_ranked, CanonicalError, Collect, Nearest, PartLists, Search,
    Verdict, Within, NOT_A_REFERENCE, SPARE_CANDIDATES,
};
use crate::error::Result;
use crate::float::Float;
use crate::simd::{prefetch, prefetch_row, widest_vectors};
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

/// Queries and reference rows per GEMM tile of the brute force (tuned on the
/// benchmark's cases: 256 × 256 beat 32..128 query rows by 10-30 %).
const BRUTE_QUERY_BLOCK: usize = 256;
const REFERENCE_BLOCK: usize = 256;
/// Scans of at most this many query blocks make each reference tile as they reach it
/// instead of laying out every reference first: the layout (for the fused kernel,
/// `height` values a row) cost more time than it saved below about 4 blocks (float32
/// queries among 3e5 rows of 20 features: 300 and 600 queries 80-107 ms on demand
/// against 124-129 ms, 1200 queries 176 against 149-157 ms), and it held a copy of
/// every reference: the float64 pass over BorderlineSMOTE's 550 near-tied queries
/// among 3e5 rows laid out 60 MB, 1.4 times the float32 output.
const FEW_QUERY_BLOCKS: usize = 4;
/// Queries handled together by one parallel task of `kneighbors_by`.
const BY_DISTANCE_QUERY_BLOCK: usize = 64;

/// Blocked brute force, in passes that each answer what they can prove:
///
/// 1. A float32 pass (float64 where float32 would under- or overflow) keeps
///    `k + SPARE_CANDIDATES` candidates per query by the GEMM's key, re-ranks them by
///    canonical distance, and proves them with the key's rounding-error bound.
/// 2. Queries float32 could not vouch for (near-ties at the k-th neighbour) take the
///    same pass in float64, whose bound is 2⁻²⁹ times tighter.
/// 3. The rest, whose candidates ran out inside a tie at the k-th canonical distance,
///    collect every reference within the k-th's reach, which holds their answer.
pub(super) fn brute_kneighbors<F: Float>(search: &Search<'_, F>, out: ArrayViewMut2<u32>) {
    let frame = Frame::new(search);
    answer_the_rest(search, &frame, out, |out| {
        if frame.scans_in_f32() {
            candidate_pass::<F, f32>(search, &frame, out)
        } else {
            candidate_pass::<F, f64>(search, &frame, out)
        }
    });
}

/// Runs the first pass (`first_pass(out)`, which returns the queries it leaves
/// unproven), then the passes 2 and 3 of `brute_kneighbors` on what is left.
fn answer_the_rest<F: Float>(
    search: &Search<'_, F>,
    frame: &Frame<F>,
    mut out: ArrayViewMut2<u32>,
    first_pass: impl FnOnce(ArrayViewMut2<u32>) -> Vec<Unproven>,
) {
    let unproven = first_pass(out.view_mut());
    let unproven = if frame.scans_in_f32() {
        let (tied, near): (Vec<Unproven>, Vec<Unproven>) =
            unproven.into_iter().partition(|u| u.tied);
        let mut unproven = on_subset(search, &near, out.view_mut(), |sub, _, sub_out| {
            candidate_pass::<F, f64>(sub, frame, sub_out)
        });
        unproven.extend(tied);
        unproven
    } else {
        unproven
    };
    on_subset(search, &unproven, out, |sub, unproven, sub_out| {
        collect_pass(sub, frame, unproven, sub_out);
        Vec::new()
    });
}

/// One of `n_parts` shares of a search of the references among themselves (the
/// queries are the references), for workers that split it: the symmetric scan of the
/// part's row blocks (about `1 / n_parts` of the tiles) and of every block's own tile,
/// as every reference's candidate list from those tiles: keys (as f64) and positions,
/// padded with `(∞, NOT_A_REFERENCE)`. `answer_from_parts` merges the parts' lists,
/// each pair once, into the lists one whole scan keeps, so that its table is the
/// whole search's.
pub(super) fn symmetric_part<F: Float>(
    search: &Search<'_, F>,
    part: usize,
    n_parts: usize,
) -> PartLists {
    let frame = Frame::new(search);
    let keep = search.k + SPARE_CANDIDATES;
    let n = search.references.len();
    let row_blocks = part_row_blocks(n.div_ceil(BRUTE_QUERY_BLOCK), part, n_parts);
    if frame.scans_in_f32() {
        let tiles = Tiles::<f32>::new(search, &frame, true);
        lists_as_arrays(&scan_symmetric(&tiles, keep, &row_blocks), keep)
    } else {
        let tiles = Tiles::<f64>::new(search, &frame, true);
        lists_as_arrays(&scan_symmetric(&tiles, keep, &row_blocks), keep)
    }
}

/// The row blocks of part `part` of `n_parts`, dealt out in snake order (0, 1, ..., n_parts − 1,
/// n_parts − 1, ..., 0, 0, 1, ...): about equal work (row block `i` of `blocks` scans
/// `blocks − i` tiles), and blocks from every height of the triangle of tiles in each
/// part. Consecutive blocks were uneven: at 2e5 rows the first part's, at the top, cost
/// 8 % more a tile.
pub(super) fn part_row_blocks(blocks: usize, part: usize, n_parts: usize) -> Vec<usize> {
    (0..blocks)
        .filter(|&i| {
            let (round, place) = (i / n_parts, i % n_parts);
            let dealt_to = if round % 2 == 0 {
                place
            } else {
                n_parts - 1 - place
            };
            dealt_to == part
        })
        .collect()
}

/// Candidate lists as arrays of keys (in f64, which holds every f32 exactly) and
/// positions, `keep` per row, padded with `(∞, NOT_A_REFERENCE)`.
fn lists_as_arrays<C: Float>(lists: &[Nearest<C>], keep: usize) -> PartLists {
    let mut keys = Array2::from_elem((lists.len(), keep), f64::INFINITY);
    let mut index = Array2::from_elem((lists.len(), keep), NOT_A_REFERENCE);
    for ((list, mut keys), mut index) in lists.iter().zip(keys.rows_mut()).zip(index.rows_mut()) {
        for (j, (&key, &position)) in list.dist.iter().zip(&list.index).enumerate() {
            keys[j] = to_f64(key);
            index[j] = position;
        }
    }
    (keys, index)
}

/// The answer of the queries of `search` (some of the references, all of which are
/// searched) from the parts' lists (`symmetric_part`'s, the queries' rows of them):
/// the lists merged are those one whole symmetric scan keeps, and the same proof and
/// passes follow, so every row is the whole search's.
pub(super) fn answer_from_parts<F: Float>(
    search: &Search<'_, F>,
    parts: &[(ArrayView2<f64>, ArrayView2<u32>)],
    out: ArrayViewMut2<u32>,
) {
    let frame = Frame::new(search);
    let keep = search.k + SPARE_CANDIDATES;
    let d = search.x.ncols();
    let bound = if frame.scans_in_f32() {
        KeyBound::of::<f32>(d, true)
    } else {
        KeyBound::of::<f64>(d, true)
    };
    answer_the_rest(search, &frame, out, |out| {
        by_query_blocks(out, search.stop, |first, chunk| {
            let lists: Vec<Nearest<f64>> = (first..first + chunk.nrows())
                .map(|query| {
                    let mut list = Nearest::new(keep);
                    for (keys, index) in parts {
                        for (&key, &position) in keys.row(query).iter().zip(index.row(query)) {
                            // Every part offers the pairs within a block (see
                            // `scan_symmetric`): the same key, taken once.
                            if position != NOT_A_REFERENCE && !list.index.contains(&position) {
                                list.offer(key, position);
                            }
                        }
                    }
                    list
                })
                .collect();
            prove_lists(search, &frame, bound, first, chunk, &lists)
        })
    });
}

/// Runs `answer(first query, its rows of out)` on the blocks of `BRUTE_QUERY_BLOCK`
/// queries in parallel and gathers the queries each block leaves unproven. A stopped
/// search answers nothing more (its lists would be unfinished: nothing to redo).
fn by_query_blocks(
    mut out: ArrayViewMut2<u32>,
    stop: &Stop,
    answer: impl Fn(usize, ArrayViewMut2<u32>) -> Vec<Unproven> + Sync,
) -> Vec<Unproven> {
    out.axis_chunks_iter_mut(Axis(0), BRUTE_QUERY_BLOCK)
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(block, chunk)| {
            if stop.requested() {
                return Vec::new();
            }
            answer(block * BRUTE_QUERY_BLOCK, chunk)
        })
        .collect()
}

/// A query a pass could not answer, by index into its search's queries, with its
/// candidates' verdict (see `Verdict::Unproven`).
#[derive(Clone, Copy, Debug)]
struct Unproven {
    query: usize,
    kth: f64,
    tied: bool,
}

/// Runs `pass(sub, unproven, sub_out)` on the `unproven` queries of `search` alone (in
/// `sub`, renumbered from 0 in `unproven`), writes their rows of `out`, and returns the
/// queries the pass leaves unproven, numbered as in `search`.
fn on_subset<F: Float>(
    search: &Search<'_, F>,
    unproven: &[Unproven],
    mut out: ArrayViewMut2<u32>,
    pass: impl FnOnce(&Search<'_, F>, &[Unproven], ArrayViewMut2<u32>) -> Vec<Unproven>,
) -> Vec<Unproven> {
    if unproven.is_empty() {
        return Vec::new();
    }
    let queries: Vec<usize> = unproven.iter().map(|u| search.queries[u.query]).collect();
    let own: Vec<u32> = unproven.iter().map(|u| search.own[u.query]).collect();
    let bounds: Option<Vec<f64>> =
        (search.bounds).map(|bounds| unproven.iter().map(|u| bounds[u.query]).collect());
    let renumbered: Vec<Unproven> = (unproven.iter().enumerate())
        .map(|(query, u)| Unproven { query, ..*u })
        .collect();
    let sub = Search {
        queries: &queries,
        own: &own,
        bounds: bounds.as_deref(),
        ..*search
    };
    let mut sub_out = Array2::<u32>::zeros((queries.len(), search.k));
    let left = pass(&sub, &renumbered, sub_out.view_mut());
    for (u, row) in unproven.iter().zip(sub_out.rows()) {
        out.row_mut(u.query).assign(&row);
    }
    left.into_iter()
        .map(|u| Unproven {
            query: unproven[u.query].query,
            ..u
        })
        .collect()
}

/// What every pass of one brute-force search shares: the references' mean, which every
/// row is centred on, and the references' largest distance from it.
struct Frame<F> {
    mean: Vec<F>,
    radius: f64,
}

impl<F: Float> Frame<F> {
    fn new(search: &Search<'_, F>) -> Self {
        let mut frame = Frame {
            mean: reference_mean(search),
            radius: 0.0,
        };
        frame.radius = (search.references.par_iter())
            .map(|&r| frame.centred_norm(search, r))
            .reduce(|| 0.0, f64::max);
        frame
    }

    /// The distance of row `r` from the mean, in f64.
    fn centred_norm(&self, search: &Search<'_, F>, r: usize) -> f64 {
        norm(centred(search, &self.mean, r))
    }

    /// Whether the first pass scans in float32: where the rows' spread leaves float32
    /// neither under- nor overflow.
    fn scans_in_f32(&self) -> bool {
        (1e-15..1e15).contains(&self.radius)
    }

    /// How far the key a scan with `bound` computes for query row `q` may lie from the
    /// exact `|r|² − 2 q·r`: rounding the centred inputs to the scan's type and a
    /// depth-long dot product move it by at most `(depth + 3) u (2 |q| |r| + |r|²)`, `u`
    /// the type's unit roundoff; the symmetric scan's shift by two rounded norms adds
    /// at most `11 u |r|²`. Twice that, with `|q|²` added to cover the f64 query norm the
    /// key is compared with.
    fn margin(&self, bound: KeyBound, q_norm: f64) -> f64 {
        let shift_error = if bound.symmetric { 11.0 } else { 0.0 };
        (bound.depth as f64 + 3.0 + shift_error) * bound.epsilon * (q_norm + self.radius).powi(2)
    }
}

/// What the rounding of a scan's keys depends on (see `Frame::margin`).
#[derive(Clone, Copy)]
struct KeyBound {
    depth: usize,
    symmetric: bool,
    epsilon: f64,
}

impl KeyBound {
    /// The bound of a scan in `C` over `d` features (`symmetric`: the references
    /// searched among themselves by `scan_symmetric`).
    fn of<C: Float>(d: usize, symmetric: bool) -> Self {
        KeyBound {
            depth: tile_depth::<C>(d),
            symmetric,
            epsilon: to_f64(C::epsilon()),
        }
    }
}

#[inline]
fn to_f64<F: Float>(v: F) -> f64 {
    v.to_f64().expect("a float")
}

/// Scans in `C` keeping `k + SPARE_CANDIDATES` candidates per query, re-ranks them by
/// canonical distance and writes the rows it proves; returns the others.
fn candidate_pass<F: Float, C: Float>(
    search: &Search<'_, F>,
    frame: &Frame<F>,
    out: ArrayViewMut2<u32>,
) -> Vec<Unproven> {
    let tiles = Tiles::<C>::new(search, frame, true);
    let bound = KeyBound::of::<C>(search.x.ncols(), tiles.symmetric);
    let keep = search.k + SPARE_CANDIDATES;
    scan_blocks(&tiles, search.own, keep, out, |first, chunk, lists| {
        prove_lists(search, frame, bound, first, chunk, lists)
    })
}

/// Re-ranks the candidate lists of the queries from `first` on by canonical distance
/// and writes the rows the keys' `bound` proves; returns the others.
fn prove_lists<F: Float, C: Float>(
    search: &Search<'_, F>,
    frame: &Frame<F>,
    bound: KeyBound,
    first: usize,
    mut chunk: ArrayViewMut2<u32>,
    lists: &[Nearest<C>],
) -> Vec<Unproven> {
    let k = search.k;
    let keep = k + SPARE_CANDIDATES;
    let error = CanonicalError::over(search.x.ncols());
    let n_references = search.references.len();
    let mut unproven = Vec::new();
    for (qi, (row, nearest)) in chunk.rows_mut().into_iter().zip(lists).enumerate() {
        let query = first + qi;
        let q = search.queries[query];
        let answer = search.ranked_references(q, nearest.index.iter().copied());
        let available = n_references - usize::from(search.own[query] != NOT_A_REFERENCE);
        let others_at_least = if nearest.index.len() == available {
            f64::INFINITY
        } else if nearest.index.len() == keep || to_f64(nearest.worst()).is_finite() {
            // Every other reference scored at least the bar: the worst candidate, or
            // the list's cap.
            let q_norm = frame.centred_norm(search, q);
            to_f64(nearest.worst()) - frame.margin(bound, q_norm) + q_norm * q_norm
        } else {
            f64::NEG_INFINITY // a stopped scan
        };
        match bounded_verdict(&answer, k, search.bound(query), others_at_least, error) {
            (Verdict::Proven, listed) => write_ranked(&answer[..listed], row),
            (Verdict::Unproven { kth, tied }, _) => unproven.push(Unproven { query, kth, tied }),
        }
    }
    unproven
}

/// `verdict` of a query's candidates `ranked` within its `bound` (see `Search::bounds`;
/// None: no bound), and how many of them its row lists. With fewer than `k` candidates
/// within the bound, they are the answer once no other reference can reach the bound.
fn bounded_verdict(
    ranked: &[(f64, u32)],
    k: usize,
    bound: Option<f64>,
    others_at_least: f64,
    error: CanonicalError,
) -> (Verdict, usize) {
    let within = bound.map_or(ranked.len(), |bound| {
        ranked.partition_point(|&(distance, _)| distance <= bound)
    });
    match bound {
        Some(bound) if within < k => {
            let verdict = if error.least_canonical(others_at_least) > bound {
                Verdict::Proven
            } else {
                Verdict::Unproven {
                    kth: bound,
                    tied: false,
                }
            };
            (verdict, within)
        }
        _ => (verdict(ranked, k, others_at_least, error), within.min(k)),
    }
}

/// Scans in float64 collecting, for each query, every reference whose exact distance
/// may be within reach of its `unproven` k-th canonical distance, and writes the first
/// `k` of them by canonical distance: proven, since no other reference can rank there.
fn collect_pass<F: Float>(
    search: &Search<'_, F>,
    frame: &Frame<F>,
    unproven: &[Unproven],
    out: ArrayViewMut2<u32>,
) {
    let tiles = Tiles::<f64>::new(search, frame, false);
    let bound = KeyBound::of::<f64>(search.x.ncols(), false);
    let error = CanonicalError::over(search.x.ncols());
    by_query_blocks(out, search.stop, |first, mut chunk| {
        let queries = first..first + chunk.nrows();
        let mut lists: Vec<Within<f64>> = (unproven[queries.clone()].iter())
            .map(|u| {
                let q_norm = frame.centred_norm(search, search.queries[u.query]);
                let reach = error.largest_exact(u.kth) - q_norm * q_norm;
                Within::new(reach + frame.margin(bound, q_norm))
            })
            .collect();
        scan_block(&tiles, search.own, first, &mut lists);
        for ((row, list), query) in chunk.rows_mut().into_iter().zip(lists).zip(queries) {
            let q = search.queries[query];
            let mut answer = search.ranked_references(q, list.index);
            if let Some(bound) = search.bound(query) {
                answer.retain(|&(distance, _)| distance <= bound);
            }
            write_ranked(&answer, row);
        }
        Vec::new() // every query answered
    });
}

/// The centred, augmented rows in the scan type `C`. Augmented rows make the GEMM
/// produce `|r|² − 2 q·r` directly, which orders the references of a query like their
/// distance (the query's own norm is common to all): queries are `[q, 1]`, references
/// `[−2 r, |r|²]`, both centred on the references' mean (in f64) so that the expansion
/// loses as little precision as possible. Wide rows are padded with zeros to whole
/// cache lines, which the GEMM packs faster.
struct Tiles<'s, C> {
    queries: Vec<C>,
    references: ReferenceRows<'s, C>,
    n_references: usize,
    depth: usize,
    /// Where a reference row holds its squared norm: after the `d` coordinates.
    dim: usize,
    /// The queries are the references themselves (see `scan_symmetric`).
    symmetric: bool,
    /// In a symmetric or fused rows scan, the reference each row of the tiles is (by
    /// position in the search's references), in `spatial_order`; otherwise empty, the
    /// rows in the search's order.
    order: Vec<u32>,
    /// What the fused scan of other queries reads beside the references
    /// (`scan_fused_rows`).
    rows_scan: Option<RowsScan<C>>,
    /// Each query's cap (`Tiles::list`), in the search's order; empty without bounds.
    caps: Vec<C>,
    stop: &'s Stop,
}

/// The queries of `scan_fused_rows`: their order, and what their partial keys are
/// tested against.
struct RowsScan<C> {
    /// The queries (by position in the search's queries) in `spatial_order`, so that
    /// the rows of one step of `offer_fused_rows` are near each other.
    order: Vec<u32>,
    /// For each query, in the search's order, one value for each of the layout's
    /// `checks` (`offer_fused_rows`): the query's squared norm outside the features
    /// read so far, plus twice the margin of its keys.
    offsets: Vec<C>,
    /// For each query, in the search's order, its squared norm plus twice the margin
    /// of its keys: a reference whose squared distance exceeds the query's bar plus
    /// this is ruled out. Measured between the values the scan multiplies (each the
    /// centred value rounded once to `C`) the distance moves by at most
    /// `2 u (|q| + |r|)²`, less than the second margin: the reference is then as far as
    /// one that `check_offsets`' tests rule out.
    slacks: Vec<f64>,
}

/// The augmented reference rows of a scan.
enum ReferenceRows<'s, C> {
    /// All of them, augmented once for the many query blocks that read every tile.
    Packed(Vec<C>),
    /// Augmented a tile at a time (`augment(rows, room)`) as the scan reaches it, for
    /// scans of up to `FEW_QUERY_BLOCKS` query blocks (the float64 passes over a few
    /// queries): each block reads each tile once, where packing them all first took
    /// 16.8 MB for 1e5 rows of 20 features.
    OnDemand(AugmentTile<'s, C>),
    /// All of them, feature by feature, for the fused kernels (up to `FUSED_MAX_DIM`
    /// features): `offer_fused_tile` of a symmetric scan, `offer_fused_rows` of a scan
    /// of other queries.
    FeatureMajor(FeatureMajor<C>),
}

/// Writes the augmented reference rows `rows` to a tile's room.
type AugmentTile<'s, C> = Box<dyn Fn(Range<usize>, &mut [C]) + Sync + 's>;

/// Writes row `r` of `search`, centred on `mean` and augmented, to `dst` (its `d + 1`
/// first values): `[q, 1]` as a query, `[−2 r, |r|²]` as a `reference`.
fn augment_row<F: Float, C: Float>(
    search: &Search<'_, F>,
    mean: &[F],
    r: usize,
    reference: bool,
    dst: &mut [C],
) {
    let d = mean.len();
    let mut norm = 0.0;
    for (t, c) in dst.iter_mut().zip(centred(search, mean, r)) {
        *t = cast(if reference { -2.0 * c } else { c });
        norm += c * c;
    }
    dst[d] = if reference { cast(norm) } else { C::one() };
}

/// Row `r` of `search` less `mean`, in f64: the coordinates every scan's keys start
/// from.
fn centred<'a, 'm, F: Float>(
    search: &Search<'a, F>,
    mean: &'m [F],
    r: usize,
) -> impl Iterator<Item = f64> + use<'a, 'm, F> {
    (search.row(r).zip(mean)).map(|(v, &m)| to_f64(v) - to_f64(m))
}

/// The Euclidean norm of a row's centred `values` (`Frame::centred_norm`).
fn norm(values: impl Iterator<Item = f64>) -> f64 {
    values.map(|c| c.powi(2)).sum::<f64>().sqrt()
}

/// Rows a leaf of `spatial_order` holds at most.
const SPATIAL_LEAF: usize = 64;
/// Rows `spatial_order` reads at most to find a node's widest feature.
const SPREAD_SAMPLE: usize = 64;
/// How many rows ahead the k-d split's reads ask for theirs: one feature of each row
/// when splitting, whole rows when sampling.
const ROWS_AHEAD: usize = 16;
const SAMPLES_AHEAD: usize = 4;

/// The positions in `rows` (rows of `search.x`) in an order that keeps near rows
/// together: the leaves of a k-d split, each at the median of its widest feature, left
/// to right. A block of the symmetric scan then holds near rows, so that its own tile,
/// scanned first, gives every row a bar close to its final one at once, which spares
/// most offers; a chunk of references, or a step of queries, of the fused rows scan
/// holds near rows, whose partial keys are ruled out together. The keys and the table
/// do not depend on the order.
fn spatial_order<F: Float>(search: &Search<'_, F>, rows: &[usize]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    split_at_widest(search, rows, &mut order);
    order
}

fn split_at_widest<F: Float>(search: &Search<'_, F>, rows: &[usize], positions: &mut [u32]) {
    if positions.len() <= SPATIAL_LEAF || search.stop.requested() {
        return;
    }
    let d = search.x.ncols();
    let (mut low, mut high) = (vec![f64::INFINITY; d], vec![f64::NEG_INFINITY; d]);
    // The widest feature of an even sample of the rows: reading every row's every
    // feature at every level took half of a search's set-up.
    let every = positions.len().div_ceil(SPREAD_SAMPLE);
    for (i, &p) in positions.iter().step_by(every).enumerate() {
        if let Some(&ahead) = positions.get((i + SAMPLES_AHEAD) * every) {
            prefetch_row(search.x, rows[ahead as usize]);
        }
        let row = search.x.row(rows[p as usize]);
        for ((low, high), &v) in low.iter_mut().zip(&mut high).zip(&row) {
            let v = to_f64(v);
            *low = low.min(v);
            *high = high.max(v);
        }
    }
    let spread = |f: usize| high[f] - low[f];
    let widest = (0..d).fold(0, |best, f| if spread(f) > spread(best) { f } else { best });
    // Below the first levels the positions are in no order: each read is a miss unless
    // asked for a few rows ahead.
    let value = |p: u32| &search.x[[rows[p as usize], widest]];
    let mut keyed: Vec<(f64, u32)> = (positions.iter().enumerate())
        .map(|(i, &p)| {
            if let Some(&ahead) = positions.get(i + ROWS_AHEAD) {
                prefetch(std::slice::from_ref(value(ahead)));
            }
            (to_f64(*value(p)), p)
        })
        .collect();
    let middle = positions.len() / 2;
    keyed.select_nth_unstable_by(middle, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (position, (_, p)) in positions.iter_mut().zip(keyed) {
        *position = p;
    }
    let (left, right) = positions.split_at_mut(middle);
    rayon::join(
        || split_at_widest(search, rows, left),
        || split_at_widest(search, rows, right),
    );
}

/// The features by decreasing spread of the references around their mean, ties by
/// index: the first ones tell rows apart the most, so that the partial keys of the
/// fused rows scan rule most references out after a few of them.
fn features_by_spread<F: Float>(search: &Search<'_, F>, mean: &[F]) -> Vec<usize> {
    let mut spread = vec![0.0; mean.len()];
    for &r in search.references {
        for (s, c) in spread.iter_mut().zip(centred(search, mean, r)) {
            *s += c.powi(2);
        }
    }
    let mut features: Vec<usize> = (0..mean.len()).collect();
    features.sort_by(|&a, &b| spread[b].total_cmp(&spread[a]).then(a.cmp(&b)));
    features
}

/// `RowsScan::offsets` and `RowsScan::slacks` of `search`'s queries, for a layout of
/// the `features` in that order tested after each count in `checks`.
///
/// For a query `q` and a reference `r`, the partial key after the first `n` features,
/// `|r_n|² − 2 q_n·r_n = |q_n − r_n|² − |q_n|²`, is at most `|q − r|² − |q_n|²`: a
/// reference whose partial key exceeds the query's bar plus `|q|² − |q_n|²` and twice
/// the margin is farther than every candidate the proof allows for (`prove_lists`:
/// beyond the bar less the margin), whatever its remaining features. One margin covers
/// the partial key's rounding (fewer terms than a key's, with smaller norms), the other
/// the offset's and the test's own rounding in `C`.
fn check_offsets<F: Float, C: Float>(
    search: &Search<'_, F>,
    frame: &Frame<F>,
    features: &[usize],
    checks: &[usize],
) -> (Vec<C>, Vec<f64>) {
    let bound = KeyBound::of::<C>(search.x.ncols(), false);
    // One room a query at least, so that every query's slack is made.
    let per_query = checks.len().max(1);
    let mut offsets = vec![C::zero(); search.queries.len() * per_query];
    let mut slacks = vec![0.0; search.queries.len()];
    offsets
        .par_chunks_mut(per_query)
        .zip(slacks.par_iter_mut())
        .zip(search.queries.par_iter())
        .for_each(|((offsets, slack), &q)| {
            let centred: Vec<f64> = centred(search, &frame.mean, q).collect();
            let q_norm = norm(centred.iter().copied());
            *slack = q_norm * q_norm + 2.0 * frame.margin(bound, q_norm);
            let mut read = 0.0;
            let mut done = 0;
            for (offset, &upto) in offsets.iter_mut().zip(checks) {
                read += (features[done..upto].iter())
                    .map(|&f| centred[f] * centred[f])
                    .sum::<f64>();
                done = upto;
                *offset = cast(*slack - read);
            }
        });
    offsets.truncate(search.queries.len() * checks.len());
    (offsets, slacks)
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

impl<'s, C: Float> Tiles<'s, C> {
    /// The tiles of `search`'s rows for a scan of `frame`. `candidates`: the scan keeps
    /// candidate lists (`scan_blocks`), so that its own kernels may serve it: where
    /// the queries are the references, the symmetric scan, which offers each pair both
    /// ways (`scan_symmetric`); up to `FUSED_MAX_DIM` features and for more than
    /// `FEW_QUERY_BLOCKS` blocks of other queries, the fused rows scan (`scan_fused_rows`).
    fn new<F: Float>(search: &'s Search<'_, F>, frame: &'s Frame<F>, candidates: bool) -> Self {
        let d = search.x.ncols();
        let mean = frame.mean.as_slice();
        let depth = tile_depth::<C>(d);
        let augmented = |rows: &[usize], reference: bool| {
            let mut out = vec![C::zero(); rows.len() * depth];
            out.par_chunks_mut(depth)
                .zip(rows.par_iter())
                .for_each(|(dst, &r)| augment_row(search, mean, r, reference, dst));
            out
        };
        let symmetric = candidates && search.queries == search.references;
        // Enough query blocks to pay for laying out every reference first.
        let laid_out = search.queries.len() > FEW_QUERY_BLOCKS * BRUTE_QUERY_BLOCK;
        let fused_rows = candidates && !symmetric && d <= FUSED_MAX_DIM && laid_out;
        let order = if symmetric || fused_rows {
            spatial_order(search, search.references)
        } else {
            Vec::new()
        };
        let scanned: Vec<usize> = order
            .iter()
            .map(|&p| search.references[p as usize])
            .collect();
        let mut rows_scan = None;
        let references = if symmetric && d <= FUSED_MAX_DIM {
            let features: Vec<usize> = (0..d).collect();
            ReferenceRows::FeatureMajor(FeatureMajor::new(
                search,
                mean,
                &scanned,
                features,
                Vec::new(),
            ))
        } else if symmetric {
            ReferenceRows::Packed(augmented(&scanned, true))
        } else if fused_rows {
            let features = features_by_spread(search, mean);
            let checks: Vec<usize> = (CHECK_EVERY..=d.saturating_sub(CHECK_EVERY))
                .step_by(CHECK_EVERY)
                .collect();
            let (offsets, slacks) = check_offsets(search, frame, &features, &checks);
            rows_scan = Some(RowsScan {
                order: spatial_order(search, search.queries),
                offsets,
                slacks,
            });
            ReferenceRows::FeatureMajor(FeatureMajor::new(search, mean, &scanned, features, checks))
        } else if laid_out {
            ReferenceRows::Packed(augmented(search.references, true))
        } else {
            ReferenceRows::OnDemand(Box::new(move |rows: Range<usize>, room: &mut [C]| {
                for (dst, &r) in room.chunks_mut(depth).zip(&search.references[rows]) {
                    augment_row(search, mean, r, true, dst);
                }
            }))
        };
        Tiles {
            queries: augmented(if symmetric { &scanned } else { search.queries }, false),
            references,
            order,
            rows_scan,
            caps: key_caps(search, frame, KeyBound::of::<C>(d, symmetric)),
            n_references: search.references.len(),
            depth,
            dim: d,
            symmetric,
            stop: search.stop,
        }
    }

    /// An empty list of `keep` candidates for query `query`, capped where the search
    /// bounds it.
    fn list(&self, keep: usize, query: usize) -> Nearest<C> {
        match self.caps.get(query) {
            Some(&cap) => Nearest::capped(keep, cap),
            None => Nearest::new(keep),
        }
    }

    /// The augmented reference rows `rows`, as packed, or written to `room` (a tile's
    /// worth of zeros, which keep the padding) when they are made on demand.
    fn reference_tile<'b>(&'b self, rows: Range<usize>, room: &'b mut [C]) -> &'b [C] {
        let span = rows.start * self.depth..rows.end * self.depth;
        match &self.references {
            ReferenceRows::Packed(all) => &all[span],
            ReferenceRows::OnDemand(augment) => {
                let tile = &mut room[..span.len()];
                augment(rows, tile);
                tile
            }
            ReferenceRows::FeatureMajor(layout) => {
                let tile = &mut room[..span.len()];
                layout.rows(rows, self.depth, tile);
                tile
            }
        }
    }

    /// A tile's worth of room for `reference_tile` (none when the rows are packed).
    fn reference_room(&self, rows: usize) -> Vec<C> {
        match self.references {
            ReferenceRows::Packed(_) => Vec::new(),
            ReferenceRows::OnDemand(_) | ReferenceRows::FeatureMajor(_) => {
                vec![C::zero(); rows * self.depth]
            }
        }
    }
}

/// Each query's cap for a scan whose keys `bound` bounds, where the search has
/// `bounds`: a key that every reference within the query's bound scores below, with
/// room for `prove_lists` to show from the cap alone that what the scan left out lies
/// beyond the bound. Empty without bounds.
fn key_caps<F: Float, C: Float>(
    search: &Search<'_, F>,
    frame: &Frame<F>,
    bound: KeyBound,
) -> Vec<C> {
    let Some(bounds) = search.bounds else {
        return Vec::new();
    };
    let error = CanonicalError::over(search.x.ncols());
    (search.queries.par_iter().zip(bounds))
        .map(|(&q, &within)| {
            let q_norm = frame.centred_norm(search, q);
            let reach = error.largest_exact(error.largest_exact(within));
            cast(reach - q_norm * q_norm + 2.0 * frame.margin(bound, q_norm))
        })
        .collect()
}

/// The length of an augmented row of `d` features in `C`: `d + 1`, padded to whole
/// cache lines from 64 features on.
fn tile_depth<C: Float>(d: usize) -> usize {
    let line = 64 / std::mem::size_of::<C>();
    if d >= 64 {
        (d + 1).div_ceil(line) * line
    } else {
        d + 1
    }
}

#[inline]
fn cast<C: Float>(v: f64) -> C {
    C::from(v).unwrap_or_else(C::infinity)
}

/// Scans all reference tiles for each block of queries (blocks in parallel), keeping
/// the `keep` best references of each query (from `scan_symmetric` when the queries are
/// the references, from `scan_fused_rows` when the tiles have a `rows_scan`), and hands each block's lists to `finish(first query, output rows,
/// lists)`, which returns the queries it leaves unproven.
fn scan_blocks<C: Float>(
    tiles: &Tiles<'_, C>,
    own: &[u32],
    keep: usize,
    out: ArrayViewMut2<u32>,
    finish: impl Fn(usize, ArrayViewMut2<u32>, &[Nearest<C>]) -> Vec<Unproven> + Sync,
) -> Vec<Unproven> {
    let lists = match (&tiles.references, &tiles.rows_scan) {
        _ if tiles.symmetric => {
            let blocks = tiles.n_references.div_ceil(BRUTE_QUERY_BLOCK);
            Some(scan_symmetric(
                tiles,
                keep,
                &(0..blocks).collect::<Vec<_>>(),
            ))
        }
        (ReferenceRows::FeatureMajor(layout), Some(rows_scan)) => {
            Some(scan_fused_rows(tiles, layout, rows_scan, own, keep))
        }
        _ => None,
    };
    by_query_blocks(out, tiles.stop, |first, chunk| {
        let m = chunk.nrows();
        match &lists {
            Some(lists) => finish(first, chunk, &lists[first..first + m]),
            None => {
                let mut best: Vec<Nearest<C>> =
                    (first..first + m).map(|q| tiles.list(keep, q)).collect();
                scan_block(tiles, own, first, &mut best);
                finish(first, chunk, &best)
            }
        }
    })
}

/// Offers the references, tile by tile, to the lists of the queries from `first` on
/// (one list per query).
fn scan_block<C: Float>(
    tiles: &Tiles<'_, C>,
    own: &[u32],
    first: usize,
    lists: &mut [impl Collect<C>],
) {
    let depth = tiles.depth;
    let n = tiles.n_references;
    let m = lists.len();
    let block_queries = &tiles.queries[first * depth..(first + m) * depth];
    let mut tile = vec![C::zero(); m * REFERENCE_BLOCK];
    let mut room = tiles.reference_room(REFERENCE_BLOCK);
    for start in (0..n).step_by(REFERENCE_BLOCK) {
        if tiles.stop.requested() {
            break;
        }
        let width = REFERENCE_BLOCK.min(n - start);
        let block_references = tiles.reference_tile(start..start + width, &mut room);
        C::gemm_abt(m, width, depth, block_queries, block_references, &mut tile);
        offer_tile_rows(&mut tile[..m * width], start, &own[first..first + m], lists);
    }
}

widest_vectors! {
    /// Offers row `a` of a tile (`lists.len()` rows of references from `start` on) to
    /// `lists[a]`, except the query's own row `own[a]`.
    fn offer_tile_rows<C: Float>(
        tile: &mut [C],
        start: usize,
        own: &[u32],
        lists: &mut [impl Collect<C>],
    ) {
        let width = tile.len() / lists.len();
        for ((list, partial), &own) in lists.iter_mut().zip(tile.chunks_exact_mut(width)).zip(own) {
            let own = own as usize;
            if (start..start + width).contains(&own) {
                // The query itself: an infinite distance is never taken.
                partial[own - start] = C::infinity();
            }
            scan_tile(partial, start, list);
        }
    }
}

widest_vectors! {
    /// Offers a tile of `scan_symmetric` both ways: its row `a` to `mine[a]`, the list of
    /// the block's row `first + a`, and that row to the lists of the tile's references
    /// (`theirs`, from `start` on, with squared norms `column_norms`; the block's rows'
    /// are `row_norms`).
    fn offer_tile_both_ways<C: Float>(
        tile: &[C],
        start: usize,
        first: usize,
        row_norms: &[C],
        column_norms: &[C],
        mine: &mut [Nearest<C>],
        theirs: &mut BlockLists<C>,
    ) {
        let width = column_norms.len();
        for (a, (nearest, row)) in mine.iter_mut().zip(tile.chunks_exact(width)).enumerate() {
            scan_tile(row, start, nearest);
            let reference = (first + a) as u32;
            let bars = &mut theirs.bars[..width];
            offer_to_columns(row, row_norms[a], column_norms, bars, &mut theirs.lists, reference);
        }
    }
}

/// Features up to which `scan_symmetric` makes its keys in its own kernel, which tests
/// them against both sides' bars while they are in registers (`offer_fused_tile`);
/// above, the GEMM's blocking over the features catches up (measured on 6e4 Gaussian
/// rows, one thread, AVX-512: the fused kernel 5 % slower at 40 features, as fast at
/// 100; faster at 64 only because the GEMM pads such rows to 80).
const FUSED_MAX_DIM: usize = 32;
/// Keys tested together by one vector comparison in every scan of this module (the
/// fused kernel's chunks of references), and the fused kernel's query rows per step
/// (each chunk of reference values loaded serves all of them).
const LANES: usize = 16;
const FUSED_ROWS: usize = 4;

/// One block's candidate lists in `scan_symmetric`, with their bars side by side
/// (`bars[c]` is `lists[c].worst()`), read a chunk at a time; padded with infinite
/// bars to whole chunks of `LANES`.
#[derive(Clone)]
struct BlockLists<C> {
    lists: Vec<Nearest<C>>,
    bars: Vec<C>,
}

impl<C: Float> BlockLists<C> {
    fn new(rows: usize, keep: usize) -> Self {
        BlockLists {
            lists: (0..rows).map(|_| Nearest::new(keep)).collect(),
            bars: vec![C::infinity(); rows.next_multiple_of(LANES)],
        }
    }

    /// Sets the bars again after offers made to the lists directly.
    fn refresh_bars(&mut self) {
        for (bar, list) in self.bars.iter_mut().zip(&self.lists) {
            *bar = list.worst();
        }
    }
}

/// The augmented reference rows of a fused scan, feature by feature, a chunk of `LANES`
/// rows at a time (in blocks of `BRUTE_QUERY_BLOCK` rows): the `−2 r[f]` of the chunk's
/// rows for each feature `f` of `features`, in that order; then, for each count `n` in
/// `checks`, the squared norms of the rows' first `n` of those features; then their
/// `|r|²`. Each of these runs is `LANES` values, so that a chunk's runs lie together,
/// the order the kernels read them in. A block's last chunk is padded with zeros and
/// NaN norms, whose keys are NaN and reach no bar.
struct FeatureMajor<C> {
    values: Vec<C>,
    features: Vec<usize>,
    checks: Vec<usize>,
    n_rows: usize,
}

impl<C: Float> FeatureMajor<C> {
    const B: usize = BRUTE_QUERY_BLOCK;

    /// The augmented reference rows `rows` of `search` (centred on `mean`), in order.
    fn new<F: Float>(
        search: &Search<'_, F>,
        mean: &[F],
        rows: &[usize],
        features: Vec<usize>,
        checks: Vec<usize>,
    ) -> Self {
        let n_rows = rows.len();
        // `offer_fused_rows` reads the features a group of `CHECK_EVERY` to each test.
        debug_assert!((checks.iter().enumerate()).all(|(i, &upto)| upto == (i + 1) * CHECK_EVERY));
        let mut layout = FeatureMajor {
            values: Vec::new(),
            features,
            checks,
            n_rows,
        };
        let mut values = vec![C::zero(); layout.offset(n_rows.div_ceil(Self::B))];
        let (dim, height) = (mean.len(), layout.height());
        // Blocks are whole chunks: the chunks in turn are the rows `LANES` at a time. Each
        // chunk is made from its rows' centred values feature by feature, so that every
        // run is written whole.
        let chunks = values
            .par_chunks_mut(height * LANES)
            .zip(rows.par_chunks(LANES))
            .enumerate();
        chunks.for_each_init(
            || vec![[0.0; LANES]; dim],
            |centred_rows, (chunk, (runs, chunk_rows))| {
                // The rows are in k-d order, at random in `x`: the next chunk's are asked
                // for while this one is made.
                for &r in rows.iter().skip((chunk + 1) * LANES).take(LANES) {
                    prefetch_row(search.x, r);
                }
                let runs = runs.as_chunks_mut::<LANES>().0;
                for (l, &r) in chunk_rows.iter().enumerate() {
                    for (column, c) in centred_rows.iter_mut().zip(centred(search, mean, r)) {
                        column[l] = c;
                    }
                }
                let (mut norms, mut checks) =
                    ([0.0; LANES], layout.checks.iter().enumerate().peekable());
                for (run, &f) in layout.features.iter().enumerate() {
                    let column = &centred_rows[f];
                    for l in 0..chunk_rows.len() {
                        runs[run][l] = cast(-2.0 * column[l]);
                        norms[l] += column[l] * column[l];
                    }
                    if let Some((i, _)) = checks.next_if(|&(_, &upto)| upto == run + 1) {
                        runs[dim + i] = std::array::from_fn(|l| cast(norms[l]));
                    }
                }
                runs[height - 1] = std::array::from_fn(|l| cast(norms[l]));
                for run in &mut runs[dim..] {
                    run[chunk_rows.len()..].fill(C::nan());
                }
            },
        );
        layout.values = values;
        layout
    }

    /// Rows of a block: its features, its partial norms, its norms.
    fn height(&self) -> usize {
        self.features.len() + self.checks.len() + 1
    }

    /// Writes the augmented rows `rows` back row by row, `depth` apart, to `room`.
    fn rows(&self, rows: Range<usize>, depth: usize, room: &mut [C]) {
        let height = self.height();
        for (r, dst) in rows.zip(room.chunks_mut(depth)) {
            let (b, c) = (r / Self::B, r % Self::B);
            let block = self.block(b);
            for (run, &f) in self.features.iter().enumerate() {
                dst[f] = block[at_in_block(height, run, c)];
            }
            dst[self.features.len()] = block[at_in_block(height, height - 1, c)];
        }
    }

    /// Where block `b` starts (every block before it is whole but the last).
    fn offset(&self, b: usize) -> usize {
        let rows = self.n_rows.min(b * Self::B);
        let whole = rows / Self::B;
        (whole * Self::B + (rows - whole * Self::B).next_multiple_of(LANES)) * self.height()
    }

    fn block(&self, b: usize) -> &[C] {
        &self.values[self.offset(b)..self.offset(b + 1)]
    }

    /// The runs of each chunk of block `b`: `height` runs of `LANES` values a chunk.
    fn chunks(&self, b: usize) -> &[[C; LANES]] {
        self.block(b).as_chunks::<LANES>().0
    }

    /// The least then the greatest value of each block's rows, feature by feature in the
    /// layout's order (the values as the scans multiply them, in f64).
    fn block_bounds(&self) -> Vec<Vec<f64>> {
        let (height, dim) = (self.height(), self.features.len());
        (0..self.n_rows.div_ceil(Self::B))
            .into_par_iter()
            .map(|b| {
                let (block, rows) = (self.block(b), Self::B.min(self.n_rows - b * Self::B));
                let mut bounds = vec![f64::INFINITY; dim];
                bounds.resize(2 * dim, f64::NEG_INFINITY);
                for c in 0..rows {
                    for run in 0..dim {
                        // The runs hold −2 r.
                        let v = -0.5 * to_f64(block[at_in_block(height, run, c)]);
                        bounds[run] = bounds[run].min(v);
                        bounds[dim + run] = bounds[dim + run].max(v);
                    }
                }
                bounds
            })
            .collect()
    }
}

/// Where row `c`'s value of run `run` lies in a block of `FeatureMajor` whose chunks
/// have `height` runs.
fn at_in_block(height: usize, run: usize, c: usize) -> usize {
    ((c / LANES) * height + run) * LANES + c % LANES
}

widest_vectors! {
    /// The fused tile of `scan_symmetric`: the keys of the block's query rows (from
    /// `first` on: their `steps`, see `fused_steps`, and squared norms `row_norms`) for
    /// one block of references (`columns`, each chunk's runs as `FeatureMajor` lays them
    /// out without tests: `dim` features, then the norms; from reference `start` on), made a
    /// chunk of `LANES` references for `FUSED_ROWS` rows at a time and tested against
    /// both sides' bars at once. Each row's keys go to its list in `mine`, except its
    /// own; each reference's, as `offer_to_columns` turns them, to `theirs` (none for
    /// the block's own diagonal tile, whose rows offer every pair to themselves).
    #[allow(clippy::too_many_arguments)]
    fn offer_fused_tile<C: Float>(
        steps: &[[C; FUSED_ROWS]],
        dim: usize,
        columns: &[[C; LANES]],
        start: usize,
        first: usize,
        row_norms: &[C],
        mine: &mut [Nearest<C>],
        theirs: Option<&mut BlockLists<C>>,
    ) {
        let m = mine.len();
        let mut theirs = theirs;
        for (step, a0) in steps.chunks_exact(dim).zip((0..m).step_by(FUSED_ROWS)) {
            for (chunk, runs) in columns.chunks_exact(dim + 1).enumerate() {
                let c0 = chunk * LANES;
                let chunk_norms = &runs[dim];
                let mut keys = [*chunk_norms; FUSED_ROWS];
                accumulate(&mut keys, &runs[..dim], step);
                for (r, keys) in keys.into_iter().enumerate() {
                    let a = a0 + r;
                    if a == m {
                        break;
                    }
                    let bar = mine[a].worst();
                    let mut reaches = keys.iter().fold(false, |any, &v| any | (v <= bar));
                    if let Some(theirs) = theirs.as_deref() {
                        let shift = row_norms[a];
                        let bars = &theirs.bars[c0..c0 + LANES];
                        reaches |= (0..LANES).fold(false, |any, l| {
                            any | ((keys[l] + shift) - chunk_norms[l] <= bars[l])
                        });
                    }
                    if reaches {
                        let base = (start + c0, first + a);
                        offer_chunk(keys, base, row_norms[a], chunk_norms, &mut mine[a], theirs.as_deref_mut(), c0);
                    }
                }
            }
        }
    }
}

/// Adds `q·v` to the keys of a chunk of `LANES` references for each row of a step
/// (`step`, one `[C; FUSED_ROWS]` per feature): `v` the chunk's runs of those features
/// (`runs`), `q` the rows' values.
#[inline(always)]
fn accumulate<C: Float>(
    keys: &mut [[C; LANES]; FUSED_ROWS],
    runs: &[[C; LANES]],
    step: &[[C; FUSED_ROWS]],
) {
    for (column, qs) in runs.iter().zip(step) {
        for (keys, &q) in keys.iter_mut().zip(qs) {
            for (key, &v) in keys.iter_mut().zip(column) {
                *key = q.mul_add(v, *key);
            }
        }
    }
}

/// The query rows `rows` (`depth` apart in `queries`) `FUSED_ROWS` at a time, feature
/// by feature in the order of `features`, as the fused kernels multiply reference
/// chunks by them: a last step of fewer rows repeats the last one, whose keys they
/// ignore.
fn fused_steps<C: Float>(
    queries: &[C],
    depth: usize,
    rows: &[usize],
    features: &[usize],
) -> Vec<[C; FUSED_ROWS]> {
    rows.chunks(FUSED_ROWS)
        .flat_map(|step| {
            let row = |r: usize| step[r.min(step.len() - 1)] * depth;
            features
                .iter()
                .map(move |&f| std::array::from_fn(|r| queries[row(r) + f]))
        })
        .collect()
}

/// The slow path of `offer_fused_tile`, for a chunk with a candidate: the keys of row
/// `base.1` for the references `base.0..`, offered to the row's list `mine` (except its
/// own) and, shifted, to the references' lists in `theirs` (from its list `c0` on).
#[inline(never)]
fn offer_chunk<C: Float>(
    keys: [C; LANES],
    (first_reference, row): (usize, usize),
    shift: C,
    chunk_norms: &[C; LANES],
    mine: &mut Nearest<C>,
    mut theirs: Option<&mut BlockLists<C>>,
    c0: usize,
) {
    for (l, key) in keys.into_iter().enumerate() {
        let reference = first_reference + l;
        if key <= mine.worst() && reference != row {
            mine.offer(key, reference as u32);
        }
        if let Some(theirs) = theirs.as_deref_mut() {
            let key = (key + shift) - chunk_norms[l];
            let c = c0 + l;
            if key <= theirs.bars[c] {
                theirs.lists[c].offer(key, row as u32);
                theirs.bars[c] = theirs.lists[c].worst();
            }
        }
    }
}

/// Features read between two tests of the partial keys in `offer_fused_rows`, and the
/// most tests a row of up to `FUSED_MAX_DIM` features takes.
const CHECK_EVERY: usize = 4;
const MAX_CHECKS: usize = FUSED_MAX_DIM / CHECK_EVERY;
/// Every how many blocks of references `scan_fused_rows` takes every test to see
/// which pay, and what a test costs, in features multiplied.
const PROBE_EVERY: usize = 8;
const TEST_COST: f64 = 2.0;
/// The blocks' bounds are tested while the probes find that they spare at least one
/// step in this many.
const BOUNDS_PAY_FROM: usize = 4;

/// What one block of queries of `scan_fused_rows` multiplies and tests each block of
/// references with: its rows' `steps` (see `fused_steps`), their `offsets`
/// (`RowsScan::offsets`, one `[C; FUSED_ROWS]` per step and test) and each row's `own`
/// reference, which it never takes (by position in the scan's order).
struct RowsBlock<C> {
    steps: Vec<[C; FUSED_ROWS]>,
    offsets: Vec<[C; FUSED_ROWS]>,
    slacks: Vec<f64>,
    own: Vec<u32>,
}

widest_vectors! {
    /// The fused tile of `scan_fused_rows`: the keys of a `block` of query rows for
    /// block `j` of the references laid out by `layout`, a chunk of `LANES` references
    /// for `FUSED_ROWS` rows at a time, offered to the rows' lists in `mine`.
    ///
    /// Where `bounds` are given (the block's, `FeatureMajor::block_bounds`), a row
    /// whose distance to them is beyond its bar takes nothing from the block, and a
    /// step whose rows all do skips it. After each count of features in the layout's
    /// `checks` that `tested` has a bit for, the chunk's partial keys are tested against
    /// the rows' bars plus their offsets: a chunk that none of the rows can take any
    /// more stops there. Adds to `stopped[i]` the chunks of a step that stopped at test
    /// `i`; returns the chunks scanned and the steps skipped.
    fn offer_fused_rows<C: Float>(
        block: &RowsBlock<C>,
        layout: &FeatureMajor<C>,
        j: usize,
        tested: u32,
        bounds: Option<&[f64]>,
        mine: &mut [Nearest<C>],
        stopped: &mut [usize; MAX_CHECKS],
    ) -> (usize, usize) {
        let m = mine.len();
        let (n_checks, dim, height) = (layout.checks.len(), layout.features.len(), layout.height());
        let (columns, start) = (layout.chunks(j), j * BRUTE_QUERY_BLOCK);
        let (mut scanned, mut skipped) = (0, 0);
        let steps = block.steps.chunks_exact(dim).zip((0..m).step_by(FUSED_ROWS));
        for (s, (step, a0)) in steps.enumerate() {
            let rows = FUSED_ROWS.min(m - a0);
            let offsets = &block.offsets[s * n_checks..(s + 1) * n_checks];
            // Each test's bars for the step's rows; a row past the last takes nothing,
            // nor a row that the bounds keep from every reference: their bars are −∞.
            let mut bars = [[C::neg_infinity(); FUSED_ROWS]; MAX_CHECKS];
            let reach = bounds.map(|bounds| distances_to_bounds(step, bounds.split_at(dim)));
            let mut takers = 0;
            for r in 0..rows {
                let bar = mine[a0 + r].worst();
                if reach.is_none_or(|reach| reach[r] <= to_f64(bar) + block.slacks[a0 + r]) {
                    set_bars(&mut bars, bar, offsets, r);
                    takers += 1;
                }
            }
            if takers == 0 {
                skipped += 1;
                continue;
            }
            scanned += 1;
            // The checks come every `CHECK_EVERY` features: each test follows a group.
            let groups = &step.as_chunks::<CHECK_EVERY>().0[..n_checks];
            'chunks: for (chunk, runs) in columns.chunks_exact(height).enumerate() {
                let (features, partial_norms) = runs[..dim + n_checks].split_at(dim);
                let feature_groups = features.as_chunks::<CHECK_EVERY>().0;
                let mut keys = [[C::zero(); LANES]; FUSED_ROWS];
                let tests = groups.iter().zip(feature_groups).zip(partial_norms);
                for (i, ((group, columns), partial_norms)) in tests.enumerate() {
                    accumulate(&mut keys, columns, group);
                    if tested & (1 << i) != 0 && !reaches_bars(&keys, partial_norms, &bars[i]) {
                        stopped[i] += 1;
                        continue 'chunks;
                    }
                }
                let done = n_checks * CHECK_EVERY;
                accumulate(&mut keys, &features[done..], &step[done..]);
                let (c0, chunk_norms) = (chunk * LANES, &runs[height - 1]);
                for (r, keys) in keys.iter_mut().enumerate().take(rows) {
                    let list = &mut mine[a0 + r];
                    let bar = list.worst();
                    *keys = std::array::from_fn(|l| keys[l] + chunk_norms[l]);
                    if keys.iter().fold(false, |any, &v| any | (v <= bar)) {
                        let base = (start + c0, block.own[a0 + r] as usize);
                        offer_chunk(*keys, base, C::zero(), chunk_norms, list, None, c0);
                        set_bars(&mut bars, list.worst(), offsets, r);
                    }
                }
            }
        }
        (scanned * (columns.len() / height), skipped)
    }
}

/// The squared distance from each row of a step (`step`, its values feature by feature)
/// to the box between `low` and `high` (the same features' least and greatest values
/// in a block of references): no reference of the block is nearer. In f64, from the
/// values the scan multiplies.
#[inline(always)]
fn distances_to_bounds<C: Float>(
    step: &[[C; FUSED_ROWS]],
    (low, high): (&[f64], &[f64]),
) -> [f64; FUSED_ROWS] {
    let mut reach = [0.0; FUSED_ROWS];
    for ((qs, &low), &high) in step.iter().zip(low).zip(high) {
        for (reach, &q) in reach.iter_mut().zip(qs) {
            let gap = gap(to_f64(q), low, high);
            *reach += gap * gap;
        }
    }
    reach
}

/// How far `q` lies outside `low..=high` (0 inside).
#[inline(always)]
fn gap(q: f64, low: f64, high: f64) -> f64 {
    // Plain comparisons, which compile to vector maxima where `f64::max`'s care for
    // NaN would not: the bounds and the values are finite.
    let (below, above) = (low - q, q - high);
    let outside = if below > above { below } else { above };
    if outside > 0.0 {
        outside
    } else {
        0.0
    }
}

/// Whether any of a chunk's partial `keys` (of `FUSED_ROWS` rows) plus the chunk's
/// `partial_norms` reaches its row's bar.
#[inline(always)]
fn reaches_bars<C: Float>(
    keys: &[[C; LANES]; FUSED_ROWS],
    partial_norms: &[C; LANES],
    bars: &[C; FUSED_ROWS],
) -> bool {
    let mut reaches = false;
    for (keys, &bar) in keys.iter().zip(bars) {
        reaches |= (0..LANES).fold(false, |any, l| any | (keys[l] + partial_norms[l] <= bar));
    }
    reaches
}

/// The tests of `offer_fused_rows` that pay, as bits: those that stopped enough of
/// the `chunks` that reached them (`stopped[i]` at test `i`, after `checks[i]` of the
/// `dim` features) to spare more multiplications than they cost. On data whose
/// features all spread alike the first features rule little out, and the tests go.
fn tests_that_pay(
    checks: &[usize],
    dim: usize,
    stopped: &[usize; MAX_CHECKS],
    chunks: usize,
) -> u32 {
    let mut reached = chunks;
    let mut tested = 0;
    for (i, (&upto, &stopped)) in checks.iter().zip(stopped).enumerate() {
        let spared = stopped as f64 * (dim - upto) as f64;
        if spared > TEST_COST * reached as f64 {
            tested |= 1 << i;
        }
        reached -= stopped;
    }
    tested
}

/// Sets the bars of row `r` of a step of `offer_fused_rows` at each test: its list's
/// `bar` plus its offsets.
#[inline(always)]
fn set_bars<C: Float>(
    bars: &mut [[C; FUSED_ROWS]; MAX_CHECKS],
    bar: C,
    offsets: &[[C; FUSED_ROWS]],
    r: usize,
) {
    for (bars, offsets) in bars.iter_mut().zip(offsets) {
        bars[r] = bar + offsets[r];
    }
}

/// `scan_blocks`'s lists for queries other than the references, up to `FUSED_MAX_DIM`
/// features (the tiles' `rows_scan`): each block of queries in their `spatial_order`
/// scans every block of references in theirs with `offer_fused_rows`, which rules out
/// most chunks of references from their first features. Returns the lists in the
/// queries' order, holding positions in the search's references, except each query's
/// `own`.
fn scan_fused_rows<C: Float>(
    tiles: &Tiles<'_, C>,
    layout: &FeatureMajor<C>,
    rows_scan: &RowsScan<C>,
    own: &[u32],
    keep: usize,
) -> Vec<Nearest<C>> {
    const B: usize = BRUTE_QUERY_BLOCK;
    let n = tiles.n_references;
    let n_checks = layout.checks.len();
    let mut scanned_at = vec![NOT_A_REFERENCE; n];
    for (at, &p) in tiles.order.iter().enumerate() {
        scanned_at[p as usize] = at as u32;
    }
    let bounds = layout.block_bounds();
    let query_blocks: Vec<Vec<Nearest<C>>> = (rows_scan.order.par_chunks(B))
        .map(|block| {
            let rows: Vec<usize> = block.iter().map(|&q| q as usize).collect();
            let block = RowsBlock {
                steps: fused_steps(&tiles.queries, tiles.depth, &rows, &layout.features),
                offsets: (rows.chunks(FUSED_ROWS))
                    .flat_map(|step| {
                        let offset = move |r: usize, i: usize| {
                            rows_scan.offsets[step[r.min(step.len() - 1)] * n_checks + i]
                        };
                        (0..n_checks).map(move |i| std::array::from_fn(|r| offset(r, i)))
                    })
                    .collect(),
                slacks: rows.iter().map(|&q| rows_scan.slacks[q]).collect(),
                own: (rows.iter())
                    .map(|&q| match own[q] {
                        NOT_A_REFERENCE => NOT_A_REFERENCE,
                        p => scanned_at[p as usize],
                    })
                    .collect(),
            };
            let mut mine: Vec<Nearest<C>> = rows.iter().map(|&q| tiles.list(keep, q)).collect();
            // The blocks of references nearest to the rows' centre first, for tight bars
            // from the start.
            let centre: Vec<f64> = (layout.features.iter())
                .map(|&f| {
                    rows.iter()
                        .map(|&q| to_f64(tiles.queries[q * tiles.depth + f]))
                        .sum::<f64>()
                        / rows.len() as f64
                })
                .collect();
            let mut near_first: Vec<(f64, usize)> = (bounds.iter().enumerate())
                .map(|(j, bounds)| {
                    let (low, high) = bounds.split_at(centre.len());
                    let reach = (centre.iter().zip(low).zip(high))
                        .map(|((&q, &low), &high)| gap(q, low, high).powi(2))
                        .sum();
                    (reach, j)
                })
                .collect();
            near_first.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // Every `PROBE_EVERY`-th block takes every test, and what they stop there
            // picks the tests of the blocks until the next.
            let (mut tested, mut bounded) = (u32::MAX, true);
            for (at, &(_, j)) in near_first.iter().enumerate() {
                if tiles.stop.requested() {
                    break;
                }
                let probe = at % PROBE_EVERY == 0;
                let mut stopped = [0; MAX_CHECKS];
                let this_block = if probe { u32::MAX } else { tested };
                let (chunks, skipped) = offer_fused_rows(
                    &block,
                    layout,
                    j,
                    this_block,
                    (probe || bounded).then_some(&bounds[j][..]),
                    &mut mine,
                    &mut stopped,
                );
                if probe {
                    if chunks > 0 {
                        tested =
                            tests_that_pay(&layout.checks, layout.features.len(), &stopped, chunks);
                    }
                    bounded = skipped * BOUNDS_PAY_FROM >= rows.len().div_ceil(FUSED_ROWS);
                }
            }
            mine
        })
        .collect();
    let mut lists: Vec<Nearest<C>> = query_blocks.into_iter().flatten().collect();
    back_in_order(&mut lists, &rows_scan.order);
    for list in &mut lists {
        list.renumber(|i| tiles.order[i as usize]);
    }
    lists
}

/// Moves `lists[at]` to `lists[order[at]]` for every `at`, in place (a second table of
/// lists cost 5.6 MB at 1e5 rows): lists made in a scan's order back to the rows'.
fn back_in_order<T>(lists: &mut [T], order: &[u32]) {
    let mut destination = order.to_vec();
    for at in 0..lists.len() {
        while destination[at] as usize != at {
            let to = destination[at] as usize;
            lists.swap(at, to);
            destination.swap(at, to);
        }
    }
}

/// `scan_blocks` for a search of the references among themselves: each pair's key is
/// computed once, in the tiles on and above the diagonal, and offered to both rows,
/// which halves the work. Tile `(i, j)` holds `|r_c|² − 2 q_a·r_c` for rows `a` of
/// block `i` and `c` of block `j`; as query `c`'s key for reference `a` it becomes
/// `|r_a|² − 2 q_c·r_a` by adding `|r_a|² − |r_c|²`. Up to `FUSED_MAX_DIM` features the
/// keys come from `offer_fused_tile`, above from the GEMM. Blocks' lists are shared
/// under locks; the order offers arrive in does not change the result (see
/// `Nearest`). Only the row blocks `row_blocks` scan their tiles (all of them for the
/// whole search; a part of a split search takes its share, see `symmetric_part`).
fn scan_symmetric<C: Float>(
    tiles: &Tiles<'_, C>,
    keep: usize,
    row_blocks: &[usize],
) -> Vec<Nearest<C>> {
    const B: usize = BRUTE_QUERY_BLOCK;
    let depth = tiles.depth;
    let n = tiles.n_references;
    let blocks = n.div_ceil(B);
    let block_len = |b: usize| B.min(n - b * B);
    let shared: Vec<Mutex<BlockLists<C>>> = (0..blocks)
        .map(|b| Mutex::new(BlockLists::new(block_len(b), keep)))
        .collect();
    let norms: Vec<C> = (0..blocks)
        .flat_map(|b| {
            let mut room = tiles.reference_room(B);
            let rows = b * B..b * B + block_len(b);
            let tile = tiles.reference_tile(rows, &mut room);
            tile.chunks(depth)
                .map(|row| row[tiles.dim])
                .collect::<Vec<C>>()
        })
        .collect();
    let fused = match &tiles.references {
        ReferenceRows::FeatureMajor(layout) => Some(layout),
        _ => None,
    };
    // `offer_fused_tile` reads the norms right after the features.
    debug_assert!(fused.is_none_or(|layout| layout.checks.is_empty()));
    let lock = |b: usize| shared[b].lock().unwrap_or_else(PoisonError::into_inner);
    // The diagonal tiles first, each block's rows among themselves: every list then
    // holds its best of a whole block of near rows before the other tiles' offers
    // arrive, and their bars spare most of those offers. A part of a split search
    // scans every block's own tile too (a small share of the pairs), for those bars;
    // the parts' lists are merged without their repeats.
    (0..blocks).into_par_iter().for_each(|i| {
        let (first, m) = (i * B, block_len(i));
        let block = &tiles.queries[first * depth..(first + m) * depth];
        let mut lists = lock(i);
        match &fused {
            Some(fused) => {
                let row_norms = &norms[first..first + m];
                let (dim, columns) = (tiles.dim, fused.chunks(i));
                let rows: Vec<usize> = (first..first + m).collect();
                let steps = fused_steps(&tiles.queries, depth, &rows, &fused.features);
                offer_fused_tile(
                    &steps,
                    dim,
                    columns,
                    first,
                    first,
                    row_norms,
                    &mut lists.lists,
                    None,
                );
            }
            None => {
                let mut room = tiles.reference_room(B);
                let block_references = tiles.reference_tile(first..first + m, &mut room);
                let mut tile = vec![C::zero(); m * m];
                C::gemm_abt(m, m, depth, block, block_references, &mut tile);
                let own: Vec<u32> = (first as u32..(first + m) as u32).collect();
                offer_tile_rows(&mut tile, first, &own, &mut lists.lists);
            }
        }
        lists.refresh_bars();
    });
    row_blocks.par_iter().for_each(|&i| {
        let (first, m) = (i * B, block_len(i));
        let block_queries = &tiles.queries[first * depth..(first + m) * depth];
        let row_norms = &norms[first..first + m];
        // Start from what this block's lists hold so far (its diagonal tile, and what
        // the blocks before it have offered): a tight bar from the first tile on.
        let mut mine: Vec<Nearest<C>> = lock(i).lists.clone();
        let (steps, mut tile) = match fused {
            Some(fused) => {
                let rows: Vec<usize> = (first..first + m).collect();
                (
                    fused_steps(&tiles.queries, depth, &rows, &fused.features),
                    Vec::new(),
                )
            }
            None => (Vec::new(), vec![C::zero(); m * B]),
        };
        let mut room = tiles.reference_room(B);
        for j in i + 1..blocks {
            if tiles.stop.requested() {
                return;
            }
            let (start, width) = (j * B, block_len(j));
            match &fused {
                Some(fused) => {
                    let (dim, columns) = (tiles.dim, fused.chunks(j));
                    let theirs = Some(&mut *lock(j));
                    offer_fused_tile(
                        &steps, dim, columns, start, first, row_norms, &mut mine, theirs,
                    );
                }
                None => {
                    let block_references = tiles.reference_tile(start..start + width, &mut room);
                    C::gemm_abt(m, width, depth, block_queries, block_references, &mut tile);
                    let column_norms = &norms[start..start + width];
                    let tile = &tile[..m * width];
                    offer_tile_both_ways(
                        tile,
                        start,
                        first,
                        row_norms,
                        column_norms,
                        &mut mine,
                        &mut lock(j),
                    );
                }
            }
        }
        // The row scan's references are the later blocks'; the others in `mine` are
        // copies of what the shared lists have already been offered.
        let mut lists = lock(i);
        for (list, found) in lists.lists.iter_mut().zip(&mine) {
            for (&dist, &index) in found.dist.iter().zip(&found.index) {
                if index as usize >= first + m {
                    list.offer(dist, index);
                }
            }
        }
        lists.refresh_bars();
    });
    // Back from the scan's order to the references': each list to its row's
    // position, holding positions.
    let mut lists: Vec<Nearest<C>> = (shared.into_iter())
        .flat_map(|lists| {
            lists
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .lists
        })
        .collect();
    back_in_order(&mut lists, &tiles.order);
    for list in &mut lists {
        list.renumber(|i| tiles.order[i as usize]);
    }
    lists
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
#[inline(always)]
fn offer_to_columns<F: Float>(
    row: &[F],
    shift: F,
    norms: &[F],
    bars: &mut [F],
    lists: &mut [Nearest<F>],
    reference: u32,
) {
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

/// Offers the references of one tile row (their `|r|² − 2 q·r`) to a query's list.
#[inline(always)]
fn scan_tile<F: Float>(partial: &[F], start: usize, list: &mut impl Collect<F>) {
    let mut chunks = partial.chunks_exact(LANES);
    for (c, lanes) in chunks.by_ref().enumerate() {
        let lanes: &[F; LANES] = lanes.try_into().expect("chunks of LANES");
        // Most chunks hold no candidate, which one branch-free, lane-parallel comparison
        // with the bar shows at once (a tie with the bar may still win on index, so
        // `Nearest::offer` decides those).
        let bar = list.bar();
        if lanes.iter().fold(false, |any, &v| any | (v <= bar)) {
            offer_below(lanes, start + c * LANES, list);
        }
    }
    let tail = chunks.remainder();
    offer_below(tail, start + partial.len() - tail.len(), list);
}

/// Offers the values of `lanes` (references `first..`, at most 32) that reach the
/// current bar: a bit mask of them first, then only those, in order.
#[inline(always)]
fn offer_below<F: Float>(lanes: &[F], first: usize, list: &mut impl Collect<F>) {
    let bar = list.bar();
    let mut below = lanes
        .iter()
        .enumerate()
        .fold(0u32, |mask, (i, &v)| mask | (u32::from(v <= bar) << i));
    while below != 0 {
        let i = below.trailing_zeros() as usize;
        below &= below - 1;
        list.offer(lanes[i], (first + i) as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{kneighbors, kneighbors_among, Engine, Search, MAX_TREE_DIM};
    use super::{
        distances_to_bounds, scan_blocks, scan_fused_rows, spatial_order, FeatureMajor, Frame,
        ReferenceRows, RowsScan, Tiles, FUSED_MAX_DIM, FUSED_ROWS, NOT_A_REFERENCE,
    };
    use super::{BRUTE_QUERY_BLOCK, FEW_QUERY_BLOCKS};
    use crate::float::Float;
    use crate::simd::testing::at_each_level;
    use crate::stop::Stop;
    use ndarray::{Array2, Axis};
    use std::sync::Mutex;

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
    fn a_single_query_block_augments_the_references_on_demand_with_the_same_table() {
        // 200 queries scan references augmented tile by tile, 450 scan them packed:
        // the 200's rows must agree, and be the canonical ones, on ties, in float32 and
        // float64, beyond float32's range, and past 64 features (padded rows).
        for (seed, d) in [(3, 5), (4, 20), (5, 9), (6, 70), (7, 66), (8, 12)] {
            let x = varied(seed, 900, d);
            let x32 = x.mapv(|v| v as f32);
            let references: Vec<usize> = (0..900).step_by(3).collect();
            let many: Vec<usize> = (0..900).rev().step_by(2).collect();
            let few: Vec<usize> = many[..200].to_vec();
            for k in [1, 4] {
                let single = streaming_brute(&x, &few, &references, k);
                assert_eq!(
                    single,
                    streaming_brute(&x, &many, &references, k).slice(ndarray::s![..200, ..])
                );
                assert_eq!(
                    single,
                    canonical_table(x.view(), &few, &references, k),
                    "seed {seed}"
                );
                if seed % 3 != 2 {
                    let single32 = streaming_brute(&x32, &few, &references, k);
                    assert_eq!(single32, canonical_table(x32.view(), &few, &references, k));
                }
            }
        }
    }

    /// Gaussian rows whose features spread unequally (over a factor of 100, widest
    /// first in no particular order), as real features do; `grid`: rounded to whole
    /// multiples of each feature's scale, which makes many equal distances.
    fn spread_rows(n: usize, d: usize, seed: u64, grid: bool) -> Array2<f64> {
        let x = random(n, d, seed);
        let scale = |j: usize| 100f64.powf(-(((j * 7) % d) as f64) / d as f64);
        Array2::from_shape_fn((n, d), |(i, j)| {
            let v = if grid { x[[i, j]].round() } else { x[[i, j]] };
            v * scale(j)
        })
    }

    #[test]
    fn scans_of_few_query_blocks_lay_out_no_reference() {
        // Up to FEW_QUERY_BLOCKS blocks of other queries make each tile as they reach
        // it; one query more lays out every reference (fused up to FUSED_MAX_DIM
        // features, packed beyond), and the rows asked both ways agree.
        let few = FEW_QUERY_BLOCKS * BRUTE_QUERY_BLOCK;
        for d in [12, FUSED_MAX_DIM + 1] {
            let x = spread_rows(few + 1 + 2000, d, 51, false);
            let references: Vec<usize> = (few + 1..x.nrows()).collect();
            let all: Vec<usize> = (0..=few).collect();
            let layout = |queries: &[usize]| {
                with_search(&x, queries, &references, 3, |search| {
                    let frame = Frame::new(search);
                    let tiles = Tiles::<f32>::new(search, &frame, true);
                    match tiles.references {
                        ReferenceRows::OnDemand(_) => "on demand",
                        ReferenceRows::Packed(_) => "packed",
                        ReferenceRows::FeatureMajor(_) => "feature major",
                    }
                })
            };
            let laid_out = if d <= FUSED_MAX_DIM {
                "feature major"
            } else {
                "packed"
            };
            assert_eq!(layout(&all[..few]), "on demand", "d = {d}");
            assert_eq!(layout(&all), laid_out, "d = {d}");
            let whole = search_among(&x, &all, &references, 3, Engine::Brute);
            let few_first = search_among(&x, &all[..few], &references, 3, Engine::Brute);
            assert_eq!(whole.slice(ndarray::s![..few, ..]), few_first, "d = {d}");
        }
    }

    #[test]
    fn the_fused_rows_scan_gives_the_gemm_scans_table() {
        // Queries among the references (their own row excluded) and outside them, more
        // than one block of them (the fused rows scan), against the same queries asked
        // a block at a time (the GEMM's tiles): the same rows, ties included.
        let (n, k_values) = (2400, [1, 6]);
        let references: Vec<usize> = (0..n).filter(|r| r % 3 != 0).collect();
        let queries: Vec<usize> = (0..n).filter(|r| r % 2 == 0).collect();
        for d in [5, 12, 20, FUSED_MAX_DIM] {
            for x in [
                spread_rows(n, d, 31, false),
                spread_rows(n, d, 32, true),
                clustered(n, d, 33),
            ] {
                let x32 = x.mapv(|v| v as f32);
                with_search(&x, &queries, &references, 1, |search| {
                    let frame = Frame::new(search);
                    let tiles = Tiles::<f32>::new(search, &frame, true);
                    assert!(
                        tiles.rows_scan.is_some(),
                        "d = {d}: not the fused rows scan"
                    );
                });
                for k in k_values {
                    let by_blocks = |x: &Array2<f64>| {
                        let mut table = Array2::<u32>::zeros((queries.len(), k));
                        for (block, mut rows) in queries
                            .chunks(200)
                            .zip(table.axis_chunks_iter_mut(Axis(0), 200))
                        {
                            rows.assign(&search_among(x, block, &references, k, Engine::Brute));
                        }
                        table
                    };
                    let want = by_blocks(&x);
                    let want32 = by_blocks(&x32.mapv(f64::from));
                    for threads in [1, 2, 3] {
                        let (fused, fused32) =
                            crate::parallel::run_with_threads(Some(threads), || {
                                (
                                    search_among(&x, &queries, &references, k, Engine::Brute),
                                    search_among(&x32, &queries, &references, k, Engine::Brute),
                                )
                            })
                            .unwrap();
                        assert_eq!(fused, want, "d = {d}, k = {k}, {threads} threads");
                        assert_eq!(fused32, want32, "d = {d}, k = {k}, {threads} threads, f32");
                    }
                    for (qi, &q) in queries.iter().enumerate().step_by(37) {
                        let mut got: Vec<f64> = (want.row(qi).iter())
                            .map(|&p| squared_distance(&x, q, references[p as usize]))
                            .collect();
                        got.sort_by(f64::total_cmp);
                        let mut all: Vec<f64> = (references.iter().filter(|&&r| r != q))
                            .map(|&r| squared_distance(&x, q, r))
                            .collect();
                        all.sort_by(f64::total_cmp);
                        assert_eq!(got, all[..k], "d = {d}, k = {k}, row {q}");
                    }
                }
            }
        }
    }

    /// Candidate lists: each query's keys and positions.
    type Lists<C> = Vec<(Vec<C>, Vec<u32>)>;

    /// Every query's candidate list, in the search's order of the queries, as the scan
    /// in `C` keeps it, `keep` a query.
    fn scanned_lists<C: Float>(
        x: &Array2<f64>,
        queries: &[usize],
        references: &[usize],
        keep: usize,
    ) -> Lists<C> {
        with_search(x, queries, references, keep, |search| {
            let frame = Frame::new(search);
            let tiles = Tiles::<C>::new(search, &frame, true);
            let found = Mutex::new(Vec::new());
            let mut out = Array2::<u32>::zeros((queries.len(), keep));
            scan_blocks(
                &tiles,
                search.own,
                keep,
                out.view_mut(),
                |first, _, lists| {
                    let mut found = found.lock().unwrap();
                    for (i, list) in lists.iter().enumerate() {
                        found.push((first + i, list.dist.clone(), list.index.clone()));
                    }
                    Vec::new()
                },
            );
            let mut found = found.into_inner().unwrap();
            found.sort_by_key(|(query, ..)| *query);
            assert_eq!(found.len(), queries.len());
            found
                .into_iter()
                .map(|(_, keys, index)| (keys, index))
                .collect()
        })
    }

    #[test]
    fn every_instruction_set_keeps_the_same_candidates() {
        // The kernels compiled for AVX-512, for AVX2 with FMA and for the baseline keep
        // the same lists, key for key, in every scan: rows among themselves (symmetric)
        // and other queries among the references, fused up to 32 features and in GEMM
        // tiles beyond, in float32 and float64. On a machine with AVX-512 this is what
        // tests the narrower two.
        let n = 1200;
        let everyone: Vec<usize> = (0..n).collect();
        let references: Vec<usize> = (0..n).filter(|r| r % 3 != 0).collect();
        let queries: Vec<usize> = (0..n).filter(|r| r % 2 == 0).collect();
        for d in [5, 12, 20, FUSED_MAX_DIM, FUSED_MAX_DIM + 8] {
            for x in [spread_rows(n, d, 51, false), spread_rows(n, d, 52, true)] {
                for (queries, references) in [(&everyone, &everyone), (&queries, &references)] {
                    let lists = at_each_level(|| {
                        (
                            scanned_lists::<f32>(&x, queries, references, 7),
                            scanned_lists::<f64>(&x, queries, references, 7),
                        )
                    });
                    assert!(lists[0].0.iter().all(|(keys, _)| keys.len() == 7));
                    for (level, narrower) in lists.iter().enumerate().skip(1) {
                        assert!(*narrower == lists[0], "d = {d}, level {level}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_fused_rows_scan_rules_out_only_references_beyond_every_candidate() {
        // The tests after 4, 8, 12 and 16 of 20 features leave every list as a scan
        // without tests makes it, keys included; with offsets of −∞ they rule out every
        // chunk at the first test (so they do run on every chunk).
        for x in [spread_rows(2400, 20, 41, false), clustered(2400, 20, 42)] {
            let (queries, references): (Vec<usize>, Vec<usize>) =
                ((0..1200).collect(), (600..2400).collect());
            with_search(&x, &queries, &references, 4, |search| {
                let frame = Frame::new(search);
                let mut tiles = Tiles::<f32>::new(search, &frame, true);
                let ReferenceRows::FeatureMajor(layout) = &tiles.references else {
                    panic!("not the fused rows scan");
                };
                assert_eq!(layout.checks, [4, 8, 12, 16]);
                let scanned: Vec<usize> = (tiles.order.iter())
                    .map(|&p| references[p as usize])
                    .collect();
                let untested = FeatureMajor::new(
                    search,
                    &frame.mean,
                    &scanned,
                    layout.features.clone(),
                    Vec::new(),
                );
                let no_tests = RowsScan {
                    order: tiles.rows_scan.as_ref().unwrap().order.clone(),
                    offsets: Vec::new(),
                    slacks: vec![f64::INFINITY; queries.len()],
                };
                let keep = 5;
                let lists = |tiles: &Tiles<'_, f32>,
                             layout: &FeatureMajor<f32>,
                             rows_scan: &RowsScan<f32>| {
                    scan_fused_rows(tiles, layout, rows_scan, search.own, keep)
                };
                let tested = lists(&tiles, layout, tiles.rows_scan.as_ref().unwrap());
                let plain = lists(&tiles, &untested, &no_tests);
                for (tested, plain) in tested.iter().zip(&plain) {
                    assert_eq!(tested.index, plain.index);
                    assert_eq!(tested.dist, plain.dist);
                    assert_eq!(tested.index.len(), keep);
                }
                let layout = FeatureMajor::new(
                    search,
                    &frame.mean,
                    &scanned,
                    layout.features.clone(),
                    layout.checks.clone(),
                );
                tiles
                    .rows_scan
                    .as_mut()
                    .unwrap()
                    .offsets
                    .fill(f32::NEG_INFINITY);
                let ruled_out = lists(&tiles, &layout, tiles.rows_scan.as_ref().unwrap());
                assert!(ruled_out.iter().all(|list| list.index.is_empty()));
                // Slacks of −∞ keep every row from every block by its bounds alone.
                let rows_scan = tiles.rows_scan.as_mut().unwrap();
                rows_scan.offsets.fill(f32::INFINITY);
                rows_scan.slacks.fill(f64::NEG_INFINITY);
                let bounded_out = lists(&tiles, &layout, tiles.rows_scan.as_ref().unwrap());
                assert!(bounded_out.iter().all(|list| list.index.is_empty()));
            });
        }
    }

    #[test]
    fn no_row_of_a_block_is_nearer_than_its_bounds() {
        let mut rng = crate::rng::Rng::new(17);
        let mut draw = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 8.0 - 4.0;
        let dim = 6;
        let block: Vec<Vec<f32>> = (0..40)
            .map(|_| (0..dim).map(|_| draw()).collect())
            .collect();
        let (mut low, mut high) = (vec![f64::INFINITY; dim], vec![f64::NEG_INFINITY; dim]);
        for row in &block {
            for (f, &v) in row.iter().enumerate() {
                low[f] = low[f].min(v as f64);
                high[f] = high[f].max(v as f64);
            }
        }
        let mut inside = 0;
        for _ in 0..200 {
            // Queries of twice the rows' spread: some inside the bounds, most outside.
            let step: Vec<[f32; FUSED_ROWS]> = (0..dim)
                .map(|_| std::array::from_fn(|_| 2.0 * draw()))
                .collect();
            let reach = distances_to_bounds(&step, (&low, &high));
            for (r, &reach) in reach.iter().enumerate() {
                let nearest = (block.iter())
                    .map(|row| {
                        (row.iter().zip(&step))
                            .map(|(&v, qs)| (v as f64 - qs[r] as f64).powi(2))
                            .sum::<f64>()
                    })
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    reach <= nearest,
                    "{reach} beyond the nearest row, {nearest}"
                );
                let within = (0..dim).all(|f| (low[f]..=high[f]).contains(&(step[f][r] as f64)));
                assert_eq!(within, reach == 0.0);
                inside += within as usize;
            }
        }
        assert!(inside > 0 && inside < 200 * FUSED_ROWS);
    }

    #[test]
    fn the_spatial_order_is_a_permutation_that_puts_near_rows_together() {
        type Make = fn(usize, usize, u64) -> Array2<f64>;
        let makers: [(Make, bool); 3] = [(random, true), (clustered, true), (duplicated, false)];
        for (make, spread) in makers {
            // Three features: 600 rows split into leaves of 64 group near rows clearly.
            let x = make(1200, 3, 9);
            // Positions into references that are not the rows in order.
            let references: Vec<usize> = (0..1200).rev().step_by(2).collect();
            let own = vec![NOT_A_REFERENCE; references.len()];
            let search = Search {
                x: x.view(),
                queries: &references,
                references: &references,
                own: &own,
                k: 3,
                scale: 1.0,
                bounds: None,
                stop: Stop::never(),
            };
            let order = spatial_order(&search, search.references);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..references.len() as u32).collect::<Vec<_>>());
            for threads in [1, 2, 3] {
                let again = crate::parallel::run_with_threads(Some(threads), || {
                    spatial_order(&search, search.references)
                });
                assert_eq!(again.unwrap(), order);
            }
            if spread {
                // Consecutive rows are far closer than in the references' own order.
                let gaps = |positions: &mut dyn Iterator<Item = usize>| {
                    let rows: Vec<usize> = positions.map(|p| references[p]).collect();
                    let pairs = rows.windows(2);
                    pairs.map(|w| squared_distance(&x, w[0], w[1])).sum::<f64>()
                };
                let ordered = gaps(&mut order.iter().map(|&p| p as usize));
                let plain = gaps(&mut (0..references.len()));
                assert!(ordered < 0.5 * plain, "{ordered} against {plain}");
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
