//! Approximate k-nearest-neighbour search: cells from k-means, each query scanned
//! exactly against the rows of the few cells nearest to it, then (when the queries are
//! the references, as in every sampler) refined by its neighbours' neighbours.
//!
//! The rows are centred, scaled and copied once in float32, sorted by cell and stored
//! feature-major within each cell, so that a query's distances to a cell are one
//! vectorised pass (`scan_cell`). Queries are handled in the order of their cells, so
//! the cells a block of queries probes stay in cache. Every step is a function of the
//! data and the seed alone: any number of threads gives the same table.

use std::ops::Range;

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use super::twins::{search_without_surplus_twins, surplus_twins, RowHashes};
use super::{
    check_search, group_by_key, kneighbors_among, least_of_16, overflow_safe_scale, own_positions,
    ranked, scaled_distance, Nearest, NOT_A_REFERENCE,
};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::{chunk_seed, Rng};
use crate::stop::Stop;

/// Rows per cell the k-means aims at.
pub const ROWS_PER_CELL: usize = 512;
/// Cells each query scans at effort 1, and rounds of neighbour-of-neighbour refinement
/// after the scan (all-kNN only). On 1e6 × 10 Gaussian float32 rows (k = 5), recall@5
/// was 0.81 with 6 probes alone, 0.93 with 12, 0.97 with 18; 6 probes and one round
/// gave 0.94, 9 probes and one round 0.97 for less work than 18 probes.
pub const PROBES_AT_EFFORT_ONE: f64 = 8.0;
const REFINE_ROUNDS: usize = 1;
// A split search (`finish_part`) refines each part's rows once, from the whole scan.
const _: () = assert!(REFINE_ROUNDS == 1);
/// Classes this small are searched exactly: the exact search takes milliseconds there.
pub const EXACT_BELOW_ROWS: usize = 16 * ROWS_PER_CELL;
/// Lloyd iterations of the k-means, on a sample of `SAMPLE_PER_CELL` rows per cell.
const KMEANS_ITERATIONS: usize = 6;
const SAMPLE_PER_CELL: usize = 24;
/// Candidates kept per query beyond `k`: they feed the refinement and the exact re-rank.
const SPARE: usize = 4;
/// Queries per parallel task (a fixed size, so the split never depends on the threads).
const QUERY_BLOCK: usize = 256;
/// Rows per parallel task of the k-means and the cell assignment.
const ROW_BLOCK: usize = 512;

/// The settings of one approximate search.
#[derive(Clone, Copy, Debug)]
pub struct ApproxParams {
    /// Scales the number of cells each query scans (1 is the default).
    pub effort: f64,
    /// Seeds the k-means.
    pub seed: u64,
    /// Rows per cell the k-means aims at (`ROWS_PER_CELL` by default).
    pub cell_rows: usize,
    /// Classes with fewer references are searched exactly (`EXACT_BELOW_ROWS` by
    /// default). With smaller cells, 0 lets small data show how the approximate search
    /// behaves on large data (the quality benchmark does this).
    pub exact_below: usize,
}

impl ApproxParams {
    /// The defaults for `effort` and `seed`.
    pub fn new(effort: f64, seed: u64) -> Self {
        ApproxParams {
            effort,
            seed,
            cell_rows: ROWS_PER_CELL,
            exact_below: EXACT_BELOW_ROWS,
        }
    }

    fn probes(&self, cells: usize) -> usize {
        ((PROBES_AT_EFFORT_ONE * self.effort).ceil() as usize).clamp(1, cells)
    }
}

/// The (approximately) `k` nearest neighbours of every row `queries[i]` of `x` among the
/// rows `references`, as positions into `references`, nearest first, each query itself
/// excluded. The `k` found are ordered by their exact distance, then position. Queries
/// that are not the references themselves get no refinement (it walks the references'
/// own table), so they scan twice as many cells instead.
pub fn approximate_kneighbors_among<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    params: ApproxParams,
    stop: &Stop,
) -> Result<Array2<u32>> {
    check_params(params)?;
    if references.len() < params.exact_below {
        return kneighbors_among(x, queries, references, k, stop);
    }
    check_search(x.nrows(), x.ncols(), queries, references, k)?;
    // Values shared by many rows are answered as the exact search answers them: a cell
    // of thousands of identical rows would otherwise be scanned by each of them.
    let hashes = RowHashes::new(x, references, stop);
    stop.check()?;
    let rest = |queries: &[usize], references: &[usize]| {
        approximate_kneighbors_among(x, queries, references, k, params, stop)
    };
    if let Some(table) = search_without_surplus_twins(x, queries, references, k, &hashes, rest)? {
        return Ok(table);
    }
    let all_knn = std::ptr::eq(queries, references) || queries == references;
    let own = own_positions(x.nrows(), queries, references);
    // Most of the references as queries (a cleaner's search among all rows): their
    // rows of the refined all-kNN table are better and cost about the same.
    if !all_knn
        && queries.len() * 5 >= references.len() * 4
        && own.iter().all(|&o| o != NOT_A_REFERENCE)
    {
        let all = approximate_kneighbors_among(x, references, references, k, params, stop)?;
        let rows: Vec<usize> = own.iter().map(|&o| o as usize).collect();
        return Ok(all.select(Axis(0), &rows));
    }
    let index = CellIndex::new(x, references, k, params, stop)?;
    let keep = (k + SPARE).min(references.len() - 1);
    let probes = params.probes(index.n_cells());
    let (candidates, order) = if all_knn {
        let mut table = index.scan_own_rows(keep, probes, 0..index.n_cells(), stop);
        for _ in 0..REFINE_ROUNDS {
            stop.check()?;
            table = index.refine(&table, keep, 0..index.n_rows(), stop);
        }
        (index.to_positions(&table), index.position.clone())
    } else {
        let probes = (2 * probes).min(index.n_cells());
        let table = index.scan_queries(x, queries, &own, keep, probes, stop);
        (table, (0..queries.len() as u32).collect())
    };
    stop.check()?;
    Ok(rerank_exactly(
        x,
        queries,
        references,
        &candidates,
        &order,
        k,
        stop,
    ))
}

/// The effort and the cell size of `params`, checked.
fn check_params(params: ApproxParams) -> Result<()> {
    if !(params.effort.is_finite() && params.effort > 0.0) {
        return Err(Error::InvalidParameter {
            name: "effort",
            value: params.effort.to_string(),
        });
    }
    if params.cell_rows == 0 {
        return Err(Error::InvalidParameter {
            name: "cell_rows",
            value: "0".into(),
        });
    }
    Ok(())
}

// The search of every row of `x` among all of them (`approximate_kneighbors_among(x,
// all, all, k, params)`), split into parts that can run apart (on the workers of a
// cluster) and give that table row for row: `split_plan` once; then `cells_part` for
// each part (its block of rows' nearest cells, concatenated in part order); then
// `scan_part` for each part (the scan lists of the rows of its share of the cells,
// concatenated in part order); then `finish_part` for each part (those rows refined
// and ranked exactly, with their positions). Every step computes exactly what the
// whole search computes for those rows.

/// The cells of the split search of every row of `x`, or None when the whole search
/// does not use cells (fewer rows than `params.exact_below`, or a value shared by more
/// than `k + 1` rows): that search then runs whole.
pub fn split_plan<F: Float>(
    x: ArrayView2<F>,
    k: usize,
    params: ApproxParams,
    stop: &Stop,
) -> Result<Option<CellPlan>> {
    check_params(params)?;
    let all: Vec<usize> = (0..x.nrows()).collect();
    if all.len() < params.exact_below {
        return Ok(None);
    }
    check_search(x.nrows(), x.ncols(), &all, &all, k)?;
    let hashes = RowHashes::new(x, &all, stop);
    stop.check()?;
    if surplus_twins(x, &all, k, &hashes).is_some() {
        return Ok(None);
    }
    Ok(Some(CellPlan::new(x, &all, params, stop)?.0))
}

/// The rows of part `part` of `n_parts` of a split search of `n` rows: whole blocks of
/// `ROW_BLOCK` rows, so that its cells are found in the blocks the whole search uses.
pub fn part_rows(n: usize, part: usize, n_parts: usize) -> Range<usize> {
    let blocks = n.div_ceil(ROW_BLOCK);
    let block = |p: usize| (blocks * p / n_parts.max(1) * ROW_BLOCK).min(n);
    block(part)..block(part + 1)
}

/// Each row of part `part`'s rows (`part_rows`) with its nearest cells, nearest first
/// (row-major, the effort's number of cells a row).
pub fn cells_part<F: Float>(
    x: ArrayView2<F>,
    plan: &CellPlan,
    params: ApproxParams,
    part: usize,
    n_parts: usize,
    stop: &Stop,
) -> Result<Vec<u32>> {
    check_part(plan, x.ncols(), part, n_parts)?;
    let rows: Vec<usize> = part_rows(x.nrows(), part, n_parts).collect();
    let points = plan.points(x, &rows);
    let probes_kept = params.probes(plan.n_cells());
    let cells = nearest_centroids(&points, plan.d, &plan.centroids, probes_kept, stop);
    stop.check()?;
    Ok(cells)
}

/// The scan lists (sorted indices, `k + SPARE` a row) of the sorted rows of part
/// `part`'s share of the cells, given every row's cells (`cells_part`, concatenated).
#[allow(clippy::too_many_arguments)]
pub fn scan_part<F: Float>(
    x: ArrayView2<F>,
    k: usize,
    plan: &CellPlan,
    params: ApproxParams,
    cells: &[u32],
    part: usize,
    n_parts: usize,
    stop: &Stop,
) -> Result<Vec<u32>> {
    let (index, keep) = part_index(x, k, plan, params, cells, part, n_parts)?;
    let probes = params.probes(index.n_cells());
    let lists = index.scan_own_rows(keep, probes, index.part_cells(part, n_parts), stop);
    stop.check()?;
    Ok(lists)
}

/// Part `part`'s rows of the split search's table: their positions, and their `k`
/// neighbours (nearest first), from the whole scan (`scan_part`, concatenated).
#[allow(clippy::too_many_arguments)]
pub fn finish_part<F: Float>(
    x: ArrayView2<F>,
    k: usize,
    plan: &CellPlan,
    params: ApproxParams,
    cells: &[u32],
    scanned: &[u32],
    part: usize,
    n_parts: usize,
    stop: &Stop,
) -> Result<(Vec<usize>, Array2<u32>)> {
    let (index, keep) = part_index(x, k, plan, params, cells, part, n_parts)?;
    if scanned.len() != index.n_rows() * keep {
        return Err(Error::SplitMismatch(format!(
            "the scan lists hold {} values, not {keep} for each of {} rows",
            scanned.len(),
            index.n_rows()
        )));
    }
    let part_cells = index.part_cells(part, n_parts);
    let rows = index.starts[part_cells.start]..index.starts[part_cells.end];
    let refined = index.refine(scanned, keep, rows.clone(), stop);
    stop.check()?;
    let queries: Vec<usize> = rows.map(|s| index.position[s] as usize).collect();
    let candidates: Vec<u32> = refined
        .iter()
        .map(|&v| {
            if v == u32::MAX {
                v
            } else {
                index.position[v as usize]
            }
        })
        .collect();
    let all: Vec<usize> = (0..x.nrows()).collect();
    let order: Vec<u32> = (0..queries.len() as u32).collect();
    let table = rerank_exactly(x, &queries, &all, &candidates, &order, k, stop);
    stop.check()?;
    Ok((queries, table))
}

fn check_part(plan: &CellPlan, d: usize, part: usize, n_parts: usize) -> Result<()> {
    if plan.d != d {
        return Err(Error::SplitMismatch(format!(
            "the plan has {} features, the data {d}",
            plan.d
        )));
    }
    if part >= n_parts {
        return Err(Error::SplitMismatch(format!(
            "there is no part {part} of {n_parts}"
        )));
    }
    Ok(())
}

/// The cell index of every row of `x` for a part of a split search, from the plan and
/// every row's cells, and the scan lists' width.
fn part_index<F: Float>(
    x: ArrayView2<F>,
    k: usize,
    plan: &CellPlan,
    params: ApproxParams,
    cells: &[u32],
    part: usize,
    n_parts: usize,
) -> Result<(CellIndex, usize)> {
    check_part(plan, x.ncols(), part, n_parts)?;
    let all: Vec<usize> = (0..x.nrows()).collect();
    check_search(x.nrows(), x.ncols(), &all, &all, k)?;
    let probes_kept = params.probes(plan.n_cells());
    if cells.len() != all.len() * probes_kept || cells.iter().any(|&c| c as usize >= plan.n_cells())
    {
        return Err(Error::SplitMismatch(format!(
            "the rows' cells are not {probes_kept} of the plan's {} cells for each of {} rows",
            plan.n_cells(),
            all.len()
        )));
    }
    let points = plan.points(x, &all);
    let keep = (k + SPARE).min(all.len() - 1);
    Ok((
        CellIndex::from_cells(plan.clone(), points, cells, probes_kept),
        keep,
    ))
}

/// Orders each query's candidates (positions into `references`, `u32::MAX` for none) by
/// canonical distance, then position, as the exact engines rank, and keeps the first
/// `k`, handling the queries in `order`. A query with fewer than `k` candidates gets the first other references by
/// position to fill its row, which only happens for degenerate cells (fewer rows than
/// `k` within reach).
fn rerank_exactly<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    candidates: &[u32],
    order: &[u32],
    k: usize,
    stop: &Stop,
) -> Array2<u32> {
    let own = own_positions(x.nrows(), queries, references);
    let keep = candidates.len() / queries.len().max(1);
    let scale = overflow_safe_scale(x, &[queries, references], stop);
    // The distances of every candidate are a good part of the search's time.
    let distance = |a: usize, b: usize| scaled_distance(x, scale, a, b);
    // Queries in `order` (the cells' order for an all-kNN search): consecutive queries
    // then share most candidates, whose rows stay in cache.
    let mut in_order = vec![0u32; queries.len() * k];
    in_order
        .par_chunks_mut(k)
        .zip(order.par_iter())
        .for_each(|(row, &i)| {
            let i = i as usize;
            let found = &candidates[i * keep..(i + 1) * keep];
            let mut positions: Vec<u32> =
                found.iter().copied().filter(|&p| p != u32::MAX).collect();
            let mut filler = (0..references.len() as u32).filter(|&p| p != own[i]);
            while positions.len() < k {
                let p = filler.next().expect("the references outnumber k");
                if !positions.contains(&p) {
                    positions.push(p);
                }
            }
            let q = queries[i];
            let ranked = ranked(positions, |p| distance(q, references[p as usize]));
            for (slot, &(_, p)) in row.iter_mut().zip(&ranked) {
                *slot = p;
            }
        });
    let mut out = Array2::<u32>::zeros((queries.len(), k));
    for (row, &i) in in_order.chunks(k).zip(order) {
        out.row_mut(i as usize)
            .as_slice_mut()
            .expect("a new array's rows are contiguous")
            .copy_from_slice(row);
    }
    out
}

/// The cells of a search, chosen once from the references: their centring (what a row
/// becomes in the index's float32 space) and the k-means centroids in space order.
#[derive(Clone, Debug)]
pub struct CellPlan {
    d: usize,
    /// What a row of `x` becomes: `(v − mean) · scale`, per feature.
    pub mean: Vec<f64>,
    pub scale: f64,
    /// The cells' centroids, row-major (cells × d).
    pub centroids: Vec<f32>,
}

impl CellPlan {
    /// The plan of `references`, and their rows in the index's space.
    fn new<F: Float>(
        x: ArrayView2<F>,
        references: &[usize],
        params: ApproxParams,
        stop: &Stop,
    ) -> Result<(Self, Vec<f32>)> {
        let d = x.ncols();
        let (mean, scale) = centring(x, references);
        let mut plan = CellPlan {
            d,
            mean,
            scale,
            centroids: Vec::new(),
        };
        let points = plan.points(x, references);
        stop.check()?;
        let n_cells = references.len().div_ceil(params.cell_rows).max(1);
        plan.centroids = in_space_order(kmeans(&points, d, n_cells, params.seed, stop)?, d);
        Ok((plan, points))
    }

    /// A plan from its parts (as `mean`, `scale` and `centroids` give them).
    pub fn from_parts(mean: Vec<f64>, scale: f64, centroids: Vec<f32>) -> Result<Self> {
        let d = mean.len();
        if d == 0 || centroids.is_empty() || !centroids.len().is_multiple_of(d) {
            return Err(Error::SplitMismatch(format!(
                "{} centroid values are not whole rows of the plan's {d} features",
                centroids.len()
            )));
        }
        Ok(CellPlan {
            d,
            mean,
            scale,
            centroids,
        })
    }

    fn n_cells(&self) -> usize {
        self.centroids.len() / self.d.max(1)
    }

    /// The rows `rows` of `x` in the index's space (float32, row-major).
    fn points<F: Float>(&self, x: ArrayView2<F>, rows: &[usize]) -> Vec<f32> {
        let d = self.d;
        let mut points = vec![0f32; rows.len() * d];
        points
            .par_chunks_mut(d.max(1))
            .zip(rows.par_iter())
            .for_each(|(dst, &r)| {
                for (j, v) in dst.iter_mut().enumerate() {
                    *v = ((x[[r, j]].to_f64().unwrap_or(0.0) - self.mean[j]) * self.scale) as f32;
                }
            });
        points
    }
}

/// The references in float32, centred and scaled, grouped by k-means cell.
struct CellIndex {
    d: usize,
    plan: CellPlan,
    /// Cell `c` holds the sorted rows `starts[c]..starts[c + 1]`.
    starts: Vec<usize>,
    /// The sorted rows' positions among the references.
    position: Vec<u32>,
    /// Row-major copy of the sorted rows (for the refinement's random access).
    rows: Vec<f32>,
    /// The same rows feature-major within each cell: cell `c`'s feature `j` is the run
    /// `cols[starts[c] * d + j * len_c ..][..len_c]`.
    cols: Vec<f32>,
    norms: Vec<f32>,
    /// Each sorted row's cells, nearest first (`probes_kept` per row).
    probed: Vec<u32>,
    probes_kept: usize,
}

impl CellIndex {
    fn new<F: Float>(
        x: ArrayView2<F>,
        references: &[usize],
        k: usize,
        params: ApproxParams,
        stop: &Stop,
    ) -> Result<Self> {
        check_search(x.nrows(), x.ncols(), references, references, k)?;
        let (plan, points) = CellPlan::new(x, references, params, stop)?;
        let probes_kept = params.probes(plan.n_cells());
        let nearest_cells = nearest_centroids(&points, plan.d, &plan.centroids, probes_kept, stop);
        Ok(CellIndex::from_cells(
            plan,
            points,
            &nearest_cells,
            probes_kept,
        ))
    }

    /// The index of the rows whose float32 copies are `points` (as `plan` makes them),
    /// given each row's `probes_kept` nearest cells.
    fn from_cells(
        plan: CellPlan,
        points: Vec<f32>,
        nearest_cells: &[u32],
        probes_kept: usize,
    ) -> Self {
        let d = plan.d;
        let n = points.len() / d.max(1);
        let n_cells = plan.n_cells();
        // Sort rows by their nearest cell (stable: by position within a cell).
        let home = nearest_cells.chunks(probes_kept).map(|c| c[0]);
        let (starts, position) = group_by_key(home.zip(0..n as u32), n_cells);
        let mut rows = vec![0f32; n * d];
        let mut probed = vec![0u32; n * probes_kept];
        rows.par_chunks_mut(d)
            .zip(probed.par_chunks_mut(probes_kept))
            .zip(position.par_iter())
            .for_each(|((row, cells), &p)| {
                let p = p as usize;
                row.copy_from_slice(&points[p * d..(p + 1) * d]);
                cells.copy_from_slice(&nearest_cells[p * probes_kept..(p + 1) * probes_kept]);
            });
        drop(points);
        let norms: Vec<f32> = rows
            .par_chunks(d)
            .map(|r| r.iter().map(|v| v * v).sum())
            .collect();
        let mut cols = vec![0f32; n * d];
        {
            // Each cell's block of `cols` is its rows transposed.
            let mut blocks: Vec<&mut [f32]> = Vec::with_capacity(n_cells);
            let mut rest = cols.as_mut_slice();
            for c in 0..n_cells {
                let (block, tail) = rest.split_at_mut((starts[c + 1] - starts[c]) * d);
                blocks.push(block);
                rest = tail;
            }
            blocks.into_par_iter().enumerate().for_each(|(c, block)| {
                let len = starts[c + 1] - starts[c];
                for i in 0..len {
                    for j in 0..d {
                        block[j * len + i] = rows[(starts[c] + i) * d + j];
                    }
                }
            });
        }
        CellIndex {
            d,
            plan,
            starts,
            position,
            rows,
            cols,
            norms,
            probed,
            probes_kept,
        }
    }

    fn n_cells(&self) -> usize {
        self.starts.len() - 1
    }

    fn n_rows(&self) -> usize {
        self.position.len()
    }

    /// The cells of part `part` of `n_parts` of a split search: consecutive cells
    /// holding about `1 / n_parts` of the rows each.
    fn part_cells(&self, part: usize, n_parts: usize) -> Range<usize> {
        let (n, n_cells) = (self.n_rows(), self.n_cells());
        let boundary = |p: usize| {
            if p >= n_parts {
                n_cells
            } else {
                let target = n * p / n_parts;
                self.starts
                    .partition_point(|&start| start < target)
                    .min(n_cells)
            }
        };
        boundary(part)..boundary(part + 1)
    }

    /// Offers every row of cell `c` (except the sorted row `skip`) to `nearest` for the
    /// query whose row times −2 is `minus_two_q`.
    fn scan(&self, c: usize, minus_two_q: &[f32], skip: usize, nearest: &mut Nearest<f32>) {
        let (start, end) = (self.starts[c], self.starts[c + 1]);
        let cols = &self.cols[start * self.d..end * self.d];
        let norms = &self.norms[start..end];
        let skip = skip.wrapping_sub(start);
        scan_cell(minus_two_q, cols, norms, start as u32, skip, nearest);
    }

    /// The `keep` nearest rows (sorted indices) of the sorted rows of the cells `cells`
    /// (rows `starts[cells.start]..starts[cells.end]`, in order) among the rows of each
    /// one's `probes` nearest cells.
    fn scan_own_rows(
        &self,
        keep: usize,
        probes: usize,
        cells: Range<usize>,
        stop: &Stop,
    ) -> Vec<u32> {
        let skip: Vec<usize> = (0..self.n_rows()).collect();
        // A sorted row's group is its own cell: the members come in sorted order.
        let (_, lists) = self.scan_cells(
            &self.rows,
            &self.probed,
            self.probes_kept,
            probes,
            &skip,
            keep,
            cells,
            stop,
        );
        lists
    }

    /// The `keep` nearest rows (sorted indices) of each query (row-major `points`, as
    /// the index stores rows) among its first `probes` cells of `cells` (`stride` per
    /// query), never the sorted row `skip[i]`. Queries are grouped by their nearest cell
    /// and each group visits its cells one at a time, every query that probes a cell
    /// scanning it while it is in cache: the scan is bound by arithmetic, not memory.
    /// Only the groups `groups` are scanned: returns their members (queries, group by
    /// group, each group's in query order) and their lists, in that order. A query's
    /// list depends on the query alone.
    #[allow(clippy::too_many_arguments)]
    fn scan_cells(
        &self,
        points: &[f32],
        cells: &[u32],
        stride: usize,
        probes: usize,
        skip: &[usize],
        keep: usize,
        groups: Range<usize>,
        stop: &Stop,
    ) -> (Vec<u32>, Vec<u32>) {
        let d = self.d;
        let n_queries = skip.len();
        // Queries by nearest cell (counting sort, stable).
        let mut group_starts = vec![0usize; self.n_cells() + 1];
        for i in 0..n_queries {
            group_starts[cells[i * stride] as usize + 1] += 1;
        }
        for c in 0..self.n_cells() {
            group_starts[c + 1] += group_starts[c];
        }
        let mut order = vec![0u32; n_queries];
        let mut next = group_starts.clone();
        for i in 0..n_queries {
            let c = cells[i * stride] as usize;
            order[next[c]] = i as u32;
            next[c] += 1;
        }
        let lists: Vec<Vec<u32>> = groups
            .clone()
            .into_par_iter()
            .map(|group| {
                let members = &order[group_starts[group]..group_starts[group + 1]];
                if stop.requested() || members.is_empty() {
                    return Vec::new();
                }
                let minus_two_q: Vec<f32> = members
                    .iter()
                    .flat_map(|&i| {
                        points[i as usize * d..(i as usize + 1) * d]
                            .iter()
                            .map(|v| -2.0 * v)
                    })
                    .collect();
                // (cell, member) pairs in cell order, so each cell is loaded once per
                // group; the group's own cell first, which sets every bar early.
                let mut visits: Vec<(bool, u32, u32)> = members
                    .iter()
                    .enumerate()
                    .flat_map(|(m, &i)| {
                        let probed = &cells[i as usize * stride..][..probes];
                        probed
                            .iter()
                            .map(move |&c| (c as usize != group, c, m as u32))
                    })
                    .collect();
                visits.sort_unstable();
                let mut nearest: Vec<Nearest<f32>> =
                    members.iter().map(|_| Nearest::new(keep)).collect();
                for &(_, c, m) in &visits {
                    let m = m as usize;
                    let q = &minus_two_q[m * d..(m + 1) * d];
                    self.scan(c as usize, q, skip[members[m] as usize], &mut nearest[m]);
                }
                let mut out = vec![u32::MAX; members.len() * keep];
                for (row, found) in out.chunks_mut(keep).zip(&nearest) {
                    row[..found.index.len()].copy_from_slice(&found.index);
                }
                out
            })
            .collect();
        let members = order[group_starts[groups.start]..group_starts[groups.end]].to_vec();
        (members, lists.concat())
    }

    /// One round of neighbour-of-neighbour refinement: each row's list is offered its
    /// neighbours' lists, where its neighbours are the rows on its list and the rows
    /// whose lists hold it (read from `table`, so the round is order-free). Returns the
    /// new lists of the sorted rows `rows` (each depends on `table` alone).
    fn refine(&self, table: &[u32], keep: usize, rows: Range<usize>, stop: &Stop) -> Vec<u32> {
        let (n, d) = (self.n_rows(), self.d);
        // The rows whose lists hold each row, in row order.
        let held = table
            .chunks(keep)
            .zip(0u32..)
            .flat_map(|(row, s)| row.iter().filter(|&&v| v != u32::MAX).map(move |&v| (v, s)));
        let (starts, holders) = group_by_key(held, n);
        let mut next = table[rows.start * keep..rows.end * keep].to_vec();
        next.par_chunks_mut(QUERY_BLOCK * keep)
            .enumerate()
            .for_each(|(block, out)| {
                if stop.requested() {
                    return;
                }
                let mut around: Vec<u32> = Vec::new();
                // At most `keep` rows on the list and `keep` holding it, each with `keep` more.
                let mut seen = Seen::new(2 * keep * (keep + 1));
                for (offset, out) in out.chunks_mut(keep).enumerate() {
                    let s = rows.start + block * QUERY_BLOCK + offset;
                    let q = &self.rows[s * d..(s + 1) * d];
                    let key = |v: usize| -> f32 {
                        let r = &self.rows[v * d..(v + 1) * d];
                        self.norms[v] - 2.0 * q.iter().zip(r).map(|(a, b)| a * b).sum::<f32>()
                    };
                    let mut nearest = Nearest::new(keep);
                    seen.clear();
                    let mut offer = |v: u32, nearest: &mut Nearest<f32>| {
                        if v == u32::MAX || v as usize == s || !seen.insert(v) {
                            return;
                        }
                        let dist = key(v as usize);
                        if dist <= nearest.worst() {
                            nearest.offer(dist, v);
                        }
                    };
                    around.clear();
                    around.extend(
                        table[s * keep..(s + 1) * keep]
                            .iter()
                            .filter(|&&v| v != u32::MAX),
                    );
                    around.extend(
                        &holders[starts[s]..starts[s + 1]][..(starts[s + 1] - starts[s]).min(keep)],
                    );
                    for &u in &around {
                        offer(u, &mut nearest);
                    }
                    for &u in &around {
                        for &v in &table[u as usize * keep..(u as usize + 1) * keep] {
                            offer(v, &mut nearest);
                        }
                    }
                    out.fill(u32::MAX);
                    out[..nearest.index.len()].copy_from_slice(&nearest.index);
                }
            });
        next
    }

    /// Each reference position's sorted index (the inverse of `position`).
    fn sorted_of_positions(&self) -> Vec<u32> {
        let mut sorted_of = vec![0u32; self.n_rows()];
        for (s, &p) in self.position.iter().enumerate() {
            sorted_of[p as usize] = s as u32;
        }
        sorted_of
    }

    /// A table of sorted rows turned into one of positions among the references, in
    /// the references' order.
    fn to_positions(&self, table: &[u32]) -> Vec<u32> {
        let keep = table.len() / self.n_rows().max(1);
        let mut out = vec![u32::MAX; table.len()];
        let sorted_of = self.sorted_of_positions();
        out.par_chunks_mut(keep).enumerate().for_each(|(p, row)| {
            let s = sorted_of[p] as usize;
            for (slot, &v) in row.iter_mut().zip(&table[s * keep..(s + 1) * keep]) {
                *slot = if v == u32::MAX {
                    v
                } else {
                    self.position[v as usize]
                };
            }
        });
        out
    }

    /// The `keep` nearest references (positions) of rows of `x` that need not be
    /// references: each scans its `probes` nearest cells, without refinement.
    fn scan_queries<F: Float>(
        &self,
        x: ArrayView2<F>,
        queries: &[usize],
        own: &[u32],
        keep: usize,
        probes: usize,
        stop: &Stop,
    ) -> Vec<u32> {
        let d = self.d;
        let points = self.plan.points(x, queries);
        let cells = nearest_centroids(&points, d, &self.plan.centroids, probes, stop);
        // A query that is a reference (at position `own[i]`) is skipped by its sorted index.
        let sorted_of = self.sorted_of_positions();
        let skip: Vec<usize> = own
            .iter()
            .map(|&p| match p {
                NOT_A_REFERENCE => usize::MAX,
                p => sorted_of[p as usize] as usize,
            })
            .collect();
        let (members, lists) = self.scan_cells(
            &points,
            &cells,
            probes,
            probes,
            &skip,
            keep,
            0..self.n_cells(),
            stop,
        );
        let mut table = vec![u32::MAX; queries.len() * keep];
        for (&i, list) in members.iter().zip(lists.chunks(keep)) {
            let row = &mut table[i as usize * keep..(i as usize + 1) * keep];
            for (slot, &v) in row.iter_mut().zip(list) {
                *slot = if v == u32::MAX {
                    v
                } else {
                    self.position[v as usize]
                };
            }
        }
        table
    }
}

/// The mean of the references and a power of two that brings their spread near 1.
fn centring<F: Float>(x: ArrayView2<F>, references: &[usize]) -> (Vec<f64>, f64) {
    let d = x.ncols();
    let n = references.len() as f64;
    let mut mean = vec![0f64; d];
    for &r in references {
        for (m, &v) in mean.iter_mut().zip(x.row(r)) {
            *m += v.to_f64().unwrap_or(0.0);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let largest = references
        .iter()
        .flat_map(|&r| {
            x.row(r)
                .into_iter()
                .zip(&mean)
                .map(|(&v, m)| (v.to_f64().unwrap_or(0.0) - m).abs())
        })
        .fold(0f64, f64::max);
    let scale = if largest > 0.0 {
        2f64.powi(-(largest.log2().floor() as i32))
    } else {
        1.0
    };
    (mean, scale)
}

/// `cells` centroids of the row-major `points` (n × d) by Lloyd's algorithm on a seeded
/// sample: each cell's rows summed in sample order, so the threads never matter.
fn kmeans(points: &[f32], d: usize, cells: usize, seed: u64, stop: &Stop) -> Result<Vec<f32>> {
    let n = points.len() / d;
    let mut rng = Rng::new(chunk_seed(seed, u64::MAX, 0));
    let sample_size = (cells * SAMPLE_PER_CELL).min(n);
    let sample: Vec<f32> = if sample_size == n {
        points.to_vec()
    } else {
        (0..sample_size)
            .flat_map(|_| {
                let r = rng.below(n);
                points[r * d..(r + 1) * d].iter().copied()
            })
            .collect()
    };
    let m = sample.len() / d;
    let mut centroids: Vec<f32> = (0..cells)
        .flat_map(|_| {
            let r = rng.below(m);
            sample[r * d..(r + 1) * d].iter().copied()
        })
        .collect();
    for _ in 0..KMEANS_ITERATIONS {
        stop.check()?;
        let assigned = nearest_centroids(&sample, d, &centroids, 1, stop);
        // The sample's rows by cell: memory linear in the cells (per-block sums took
        // blocks × cells, 1.5 GB for a 1e7-row class).
        let (starts, by_cell) = group_by_key(assigned.iter().copied().zip(0..m as u32), cells);
        centroids
            .par_chunks_mut(d)
            .enumerate()
            .for_each(|(c, centroid)| {
                let members = &by_cell[starts[c]..starts[c + 1]];
                // An empty cell keeps its place: it may win rows in the next round.
                if members.is_empty() {
                    return;
                }
                let mut sums = vec![0f64; d];
                for &row in members {
                    let row = &sample[row as usize * d..(row as usize + 1) * d];
                    sums.iter_mut()
                        .zip(row)
                        .for_each(|(s, &v)| *s += f64::from(v));
                }
                let count = members.len() as f64;
                centroid
                    .iter_mut()
                    .zip(&sums)
                    .for_each(|(v, s)| *v = (s / count) as f32);
            });
    }
    Ok(centroids)
}

/// The centroids reordered so that cells near in space are near in number (the leaf
/// order of a median-split tree): rows sorted by cell then sit near their neighbours
/// in memory, which the refinement's reads of neighbours' rows depend on.
fn in_space_order(centroids: Vec<f32>, d: usize) -> Vec<f32> {
    fn split(ids: &mut [u32], centroids: &[f32], d: usize) {
        if ids.len() <= 2 {
            return;
        }
        let spread = |j: usize| {
            let (lo, hi) = ids
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &c| {
                    let v = centroids[c as usize * d + j];
                    (lo.min(v), hi.max(v))
                });
            hi - lo
        };
        let widest = (0..d)
            .max_by(|&a, &b| spread(a).total_cmp(&spread(b)))
            .unwrap_or(0);
        let middle = ids.len() / 2;
        ids.select_nth_unstable_by(middle, |&a, &b| {
            let key = |c: u32| centroids[c as usize * d + widest];
            key(a).total_cmp(&key(b)).then(a.cmp(&b))
        });
        let (low, high) = ids.split_at_mut(middle);
        split(low, centroids, d);
        split(high, centroids, d);
    }
    let mut ids: Vec<u32> = (0..(centroids.len() / d) as u32).collect();
    split(&mut ids, &centroids, d);
    ids.iter()
        .flat_map(|&c| {
            centroids[c as usize * d..(c as usize + 1) * d]
                .iter()
                .copied()
        })
        .collect()
}

/// The `probes` nearest centroids of each row of `points`, nearest first, through a GEMM
/// of the rows against the augmented centroids `[−2c, |c|²]`.
fn nearest_centroids(
    points: &[f32],
    d: usize,
    centroids: &[f32],
    probes: usize,
    stop: &Stop,
) -> Vec<u32> {
    let n = points.len() / d;
    let cells = centroids.len() / d;
    let depth = d + 1;
    let augmented_centroids: Vec<f32> = centroids
        .chunks(d)
        .flat_map(|c| {
            let norm: f32 = c.iter().map(|v| v * v).sum();
            c.iter().map(|v| -2.0 * v).chain(std::iter::once(norm))
        })
        .collect();
    let mut out = vec![0u32; n * probes];
    // Each task's block buffers serve all its blocks: allocated per block, the keys (MBs)
    // were mapped and faulted in afresh each time wherever malloc's trim threshold is
    // set, as Dask sets it on its workers (measured 1.6x slower there).
    out.par_chunks_mut(ROW_BLOCK * probes)
        .enumerate()
        .for_each_init(
            || (Vec::new(), Vec::new(), (Vec::new(), Vec::new())),
            |(rows, keys, room), (block, out)| {
                if stop.requested() {
                    return;
                }
                let first = block * ROW_BLOCK;
                let m = out.len() / probes;
                rows.clear();
                rows.extend(
                    points[first * d..(first + m) * d]
                        .chunks(d)
                        .flat_map(|r| r.iter().copied().chain(std::iter::once(1.0))),
                );
                keys.resize(m * cells, 0.0);
                f32::gemm_abt(m, cells, depth, rows, &augmented_centroids, keys);
                for (i, best) in out.chunks_mut(probes).enumerate() {
                    let mut nearest = Nearest::new(probes);
                    offer_row(
                        &keys[i * cells..(i + 1) * cells],
                        &mut nearest,
                        probes,
                        room,
                    );
                    best.copy_from_slice(&nearest.index);
                }
            },
        );
    out
}

/// Offers the rows of one cell (feature-major `cols`, squared norms `norms`, sorted
/// indices from `first`) to `nearest` by `|r|² − 2 q·r`, except the row at `skip`
/// (relative to the cell; out of range for none). Dispatched at run time to the widest
/// vector instructions the CPU has.
fn scan_cell(
    minus_two_q: &[f32],
    cols: &[f32],
    norms: &[f32],
    first: u32,
    skip: usize,
    nearest: &mut Nearest<f32>,
) {
    debug_assert_eq!(cols.len(), minus_two_q.len() * norms.len());
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F; the slices' lengths bound every load.
            return unsafe { simd::scan_avx512(minus_two_q, cols, norms, first, skip, nearest) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA; the slices' lengths bound every load.
            return unsafe { simd::scan_avx2(minus_two_q, cols, norms, first, skip, nearest) };
        }
    }
    scan_cell_portable(minus_two_q, cols, norms, first, skip, nearest);
}

/// `scan_cell` without vector instructions of its own.
fn scan_cell_portable(
    minus_two_q: &[f32],
    cols: &[f32],
    norms: &[f32],
    first: u32,
    skip: usize,
    nearest: &mut Nearest<f32>,
) {
    let len = norms.len();
    let mut keys = norms.to_vec();
    for (j, &qj) in minus_two_q.iter().enumerate() {
        for (key, &v) in keys.iter_mut().zip(&cols[j * len..(j + 1) * len]) {
            *key += qj * v;
        }
    }
    offer_keys(&keys, 0, first, skip, nearest);
}

/// Offers the keys of rows `start..` of a cell that reach the bar, except the row `skip`.
#[inline(never)]
fn offer_keys(keys: &[f32], start: usize, first: u32, skip: usize, nearest: &mut Nearest<f32>) {
    for (i, &key) in keys.iter().enumerate() {
        if key <= nearest.worst() && start + i != skip {
            nearest.offer(key, first + (start + i) as u32);
        }
    }
}

/// The cell scan in AVX-512 and AVX2: four independent accumulators per step hide the
/// multiply-add latency (a row's key is a chain of `d` of them), and a compare mask
/// against the bar skips the chunks that hold no candidate, which is almost all.
#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    use super::{offer_keys, Nearest};

    /// The kernels' main loop over whole groups of four vectors of `$w` rows: loads,
    /// broadcast, multiply-add, store and the bar test are the instruction set's own.
    /// Evaluates to the first row it left for the tail.
    macro_rules! four_vectors_at_a_time {
        ($w:expr, $q:ident, $cols:ident, $norms:ident, $first:ident, $skip:ident, $nearest:ident,
         $load:ident, $set1:ident, $fmadd:ident, $store:ident, $reaches:expr) => {{
            let len = $norms.len();
            let (c, n) = ($cols.as_ptr(), $norms.as_ptr());
            let mut start = 0;
            while start + 4 * $w <= len {
                let mut acc = [
                    $load(n.add(start)),
                    $load(n.add(start + $w)),
                    $load(n.add(start + 2 * $w)),
                    $load(n.add(start + 3 * $w)),
                ];
                for (j, &qj) in $q.iter().enumerate() {
                    let qj = $set1(qj);
                    let col = c.add(j * len + start);
                    for (a, acc) in acc.iter_mut().enumerate() {
                        *acc = $fmadd(qj, $load(col.add(a * $w)), *acc);
                    }
                }
                for (a, &acc) in acc.iter().enumerate() {
                    if $reaches(acc, $set1($nearest.worst())) {
                        let mut keys = [0f32; $w];
                        $store(keys.as_mut_ptr(), acc);
                        offer_keys(&keys, start + a * $w, $first, $skip, $nearest);
                    }
                }
                start += 4 * $w;
            }
            start
        }};
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn scan_avx512(
        q: &[f32],
        cols: &[f32],
        norms: &[f32],
        first: u32,
        skip: usize,
        nearest: &mut Nearest<f32>,
    ) {
        const W: usize = 16;
        let reaches = |acc, bar| _mm512_cmp_ps_mask::<_CMP_LE_OQ>(acc, bar) != 0;
        let mut start = four_vectors_at_a_time!(
            W,
            q,
            cols,
            norms,
            first,
            skip,
            nearest,
            _mm512_loadu_ps,
            _mm512_set1_ps,
            _mm512_fmadd_ps,
            _mm512_storeu_ps,
            reaches
        );
        let (len, c, n) = (norms.len(), cols.as_ptr(), norms.as_ptr());
        while start < len {
            let width = W.min(len - start);
            let mask: __mmask16 = if width == W { !0 } else { (1u16 << width) - 1 };
            let mut acc = _mm512_maskz_loadu_ps(mask, n.add(start));
            for (j, &qj) in q.iter().enumerate() {
                let col = _mm512_maskz_loadu_ps(mask, c.add(j * len + start));
                acc = _mm512_fmadd_ps(_mm512_set1_ps(qj), col, acc);
            }
            let mut keys = [0f32; W];
            _mm512_storeu_ps(keys.as_mut_ptr(), acc);
            offer_keys(&keys[..width], start, first, skip, nearest);
            start += width;
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn scan_avx2(
        q: &[f32],
        cols: &[f32],
        norms: &[f32],
        first: u32,
        skip: usize,
        nearest: &mut Nearest<f32>,
    ) {
        const W: usize = 8;
        let reaches = |acc, bar| _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LE_OQ>(acc, bar)) != 0;
        let start = four_vectors_at_a_time!(
            W,
            q,
            cols,
            norms,
            first,
            skip,
            nearest,
            _mm256_loadu_ps,
            _mm256_set1_ps,
            _mm256_fmadd_ps,
            _mm256_storeu_ps,
            reaches
        );
        let (len, c, n) = (norms.len(), cols.as_ptr(), norms.as_ptr());
        // The tail, fewer than 4 × 8 rows, one row at a time.
        let rest = len - start;
        let mut keys = [0f32; 4 * W];
        for (i, key) in keys[..rest].iter_mut().enumerate() {
            *key = *n.add(start + i);
            for (j, &qj) in q.iter().enumerate() {
                *key += qj * *c.add(j * len + start + i);
            }
        }
        offer_keys(&keys[..rest], start, first, skip, nearest);
    }
}

/// Offers a row of keys (indices from 0) to `nearest`. The `k`-th least of the
/// 16-key chunks' minimums bounds the `k`-th least key, so only keys up to it are
/// offered, from the chunks whose minimum reaches it: a few more than `k`, where
/// offering every key that beats the bar so far would insert about `k ln(n / k)` of
/// them, and reading every key twice cost more than the GEMM that made them. `room`
/// holds the chunks' minimums and a copy to select in (reused from row to row).
fn offer_row(keys: &[f32], nearest: &mut Nearest<f32>, k: usize, room: &mut (Vec<f32>, Vec<f32>)) {
    const LANES: usize = 16;
    let lesser = |a: f32, b: f32| if a < b { a } else { b };
    let (minimums, selected) = room;
    minimums.clear();
    let mut chunks = keys.chunks_exact(LANES);
    minimums.extend(
        chunks
            .by_ref()
            .map(|chunk| least_of_16(chunk.try_into().expect("chunks of LANES"))),
    );
    if !chunks.remainder().is_empty() {
        minimums.push(
            chunks
                .remainder()
                .iter()
                .copied()
                .fold(f32::INFINITY, lesser),
        );
    }
    let bar = if k == 1 {
        minimums.iter().copied().fold(f32::INFINITY, lesser)
    } else if k <= minimums.len() {
        selected.clear();
        selected.extend_from_slice(minimums);
        *selected.select_nth_unstable_by(k - 1, f32::total_cmp).1
    } else {
        f32::INFINITY
    };
    for (c, _) in minimums
        .iter()
        .enumerate()
        .filter(|&(_, &least)| least <= bar)
    {
        let first = c * LANES;
        for (i, &key) in keys[first..(first + LANES).min(keys.len())]
            .iter()
            .enumerate()
        {
            if key <= bar {
                nearest.offer(key, (first + i) as u32);
            }
        }
    }
}

/// The rows a refinement step has already offered to one query: an open-addressing
/// set, so that a row reached through several neighbours costs one distance.
struct Seen {
    slots: Vec<u32>,
    used: Vec<usize>,
}

impl Seen {
    const EMPTY: u32 = u32::MAX;

    /// A set for up to `most` rows, at most half full.
    fn new(most: usize) -> Self {
        Seen {
            slots: vec![Self::EMPTY; (2 * most).next_power_of_two().max(16)],
            used: Vec::with_capacity(most),
        }
    }

    fn clear(&mut self) {
        for &at in &self.used {
            self.slots[at] = Self::EMPTY;
        }
        self.used.clear();
    }

    /// Adds `v`; false if it was there already.
    #[inline]
    fn insert(&mut self, v: u32) -> bool {
        let mask = self.slots.len() - 1;
        let mut at = (v.wrapping_mul(0x9e37_79b9) as usize >> 7) & mask;
        loop {
            match self.slots[at] {
                Self::EMPTY => {
                    self.slots[at] = v;
                    self.used.push(at);
                    return true;
                }
                held if held == v => return false,
                _ => at = (at + 1) & mask,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighbors::canonical_distance;
    use crate::parallel::run_with_threads;

    fn exact_squared_distance<F: Float>(x: ArrayView2<F>, a: usize, b: usize) -> f64 {
        canonical_distance(x.row(a).iter().copied().zip(x.row(b).iter().copied()))
    }

    fn gaussian(n: usize, d: usize, seed: u64) -> Array2<f32> {
        let mut rng = Rng::new(seed);
        Array2::from_shape_fn((n, d), |_| rng.normal() as f32)
    }

    /// The share of found neighbours no farther than the exact k-th one.
    fn recall(
        x: ArrayView2<f32>,
        queries: &[usize],
        found: &Array2<u32>,
        exact: &Array2<u32>,
    ) -> f64 {
        let mut hits = 0;
        for (i, &q) in queries.iter().enumerate() {
            let kth = exact_squared_distance(x, q, exact[[i, exact.ncols() - 1]] as usize);
            hits += found
                .row(i)
                .iter()
                .filter(|&&p| exact_squared_distance(x, q, p as usize) <= kth)
                .count();
        }
        hits as f64 / found.len() as f64
    }

    const PARAMS: ApproxParams = ApproxParams {
        effort: 1.0,
        seed: 7,
        cell_rows: ROWS_PER_CELL,
        exact_below: EXACT_BELOW_ROWS,
    };

    #[test]
    fn each_row_gets_the_cells_of_its_least_keys_lowest_first_among_equals() {
        // Cell counts below, at and past whole 16-key chunks; duplicated centroids
        // and integer rows tie keys.
        let mut rng = Rng::new(3);
        let d = 3;
        let points: Vec<f32> = (0..700 * d).map(|_| rng.below(5) as f32).collect();
        for cells in [5, 16, 37] {
            let mut centroids: Vec<f32> = (0..cells * d).map(|_| rng.below(5) as f32).collect();
            centroids.copy_within(0..d, (cells - 1) * d);
            for probes in [1, 3, 8.min(cells)] {
                let got = nearest_centroids(&points, d, &centroids, probes, Stop::never());
                for (row, cells_of_row) in points.chunks(d).zip(got.chunks(probes)) {
                    let mut ranked: Vec<(f32, u32)> = centroids
                        .chunks(d)
                        .zip(0..)
                        .map(|(c, i)| {
                            let norm: f32 = c.iter().map(|v| v * v).sum();
                            let dot: f32 = row.iter().zip(c).map(|(a, b)| -2.0 * b * a).sum();
                            (norm + dot, i)
                        })
                        .collect();
                    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    let want: Vec<u32> = ranked[..probes].iter().map(|&(_, i)| i).collect();
                    assert_eq!(
                        cells_of_row,
                        want.as_slice(),
                        "{cells} cells, {probes} probes"
                    );
                }
            }
        }
    }

    #[test]
    fn finds_most_exact_neighbours_of_a_gaussian_class_and_never_the_row_itself() {
        let x = gaussian(30_000, 10, 1);
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let stop = Stop::never();
        let found = approximate_kneighbors_among(x.view(), &rows, &rows, 5, PARAMS, stop).unwrap();
        let exact = kneighbors_among(x.view(), &rows, &rows, 5, stop).unwrap();
        let r = recall(x.view(), &rows, &found, &exact);
        assert!(r >= 0.97, "recall {r}");
        for (i, row) in found.rows().into_iter().enumerate() {
            assert!(row.iter().all(|&p| p as usize != i));
            let mut distinct = row.to_vec();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), 5, "row {i} repeats a neighbour");
            let dist: Vec<f64> = row
                .iter()
                .map(|&p| exact_squared_distance(x.view(), i, p as usize))
                .collect();
            assert!(
                dist.windows(2).all(|w| w[0] <= w[1]),
                "row {i} is not nearest first"
            );
        }
    }

    #[test]
    fn a_split_search_gives_the_whole_table_for_any_number_of_parts() {
        let split = |x: ArrayView2<f64>, k: usize, params: ApproxParams, n_parts: usize| {
            let stop = Stop::never();
            let plan = split_plan(x, k, params, stop)
                .unwrap()
                .expect("a search by cells");
            let cells: Vec<u32> = (0..n_parts)
                .flat_map(|p| cells_part(x, &plan, params, p, n_parts, stop).unwrap())
                .collect();
            let scanned: Vec<u32> = (0..n_parts)
                .flat_map(|p| scan_part(x, k, &plan, params, &cells, p, n_parts, stop).unwrap())
                .collect();
            let mut table = Array2::<u32>::zeros((x.nrows(), k));
            let mut seen = 0;
            for p in 0..n_parts {
                let (rows, part) =
                    finish_part(x, k, &plan, params, &cells, &scanned, p, n_parts, stop).unwrap();
                for (&r, row) in rows.iter().zip(part.rows()) {
                    table.row_mut(r).assign(&row);
                }
                seen += rows.len();
            }
            assert_eq!(seen, x.nrows());
            table
        };
        // Gaussian rows, and rows on a coarse grid (many exact ties, few duplicates).
        let gaussian_rows = gaussian(5_000, 6, 8).mapv(f64::from);
        let grid = Array2::from_shape_fn((4_000, 3), |(i, j)| match j {
            0 => (i % 40) as f64,
            1 => (i / 40) as f64,
            _ => 0.0,
        });
        for (x, k) in [(gaussian_rows, 5), (grid, 3)] {
            let params = ApproxParams {
                cell_rows: 64,
                exact_below: 0,
                ..ApproxParams::new(1.0, 11)
            };
            let rows: Vec<usize> = (0..x.nrows()).collect();
            let whole =
                approximate_kneighbors_among(x.view(), &rows, &rows, k, params, Stop::never())
                    .unwrap();
            for n_parts in [1, 2, 3, 7] {
                assert_eq!(
                    split(x.view(), k, params, n_parts),
                    whole,
                    "{n_parts} parts"
                );
            }
        }
        // Searches that do not use cells run whole.
        let small = gaussian(100, 3, 1);
        assert!(
            split_plan(small.view(), 3, ApproxParams::new(1.0, 0), Stop::never())
                .unwrap()
                .is_none()
        );
        let twins = Array2::<f32>::zeros((20_000, 3));
        assert!(
            split_plan(twins.view(), 3, ApproxParams::new(1.0, 0), Stop::never())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_table_depends_on_the_seed_not_on_the_threads() {
        let x = gaussian(20_000, 12, 2);
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let search = |threads, seed| {
            run_with_threads(Some(threads), || {
                let params = ApproxParams::new(0.5, seed);
                approximate_kneighbors_among(x.view(), &rows, &rows, 4, params, Stop::never())
            })
            .unwrap()
            .unwrap()
        };
        let one = search(1, 3);
        assert_eq!(one, search(2, 3));
        assert_eq!(one, search(3, 3));
        assert_ne!(one, search(2, 4), "another seed makes other cells");
    }

    #[test]
    fn queries_outside_the_references_scan_more_cells_and_skip_themselves() {
        let x = gaussian(24_000, 10, 3);
        let references: Vec<usize> = (0..20_000).collect();
        // Half the queries are references (never their own neighbour), half are not.
        let queries: Vec<usize> = (19_000..21_000).collect();
        let stop = Stop::never();
        let found =
            approximate_kneighbors_among(x.view(), &queries, &references, 5, PARAMS, stop).unwrap();
        let exact = kneighbors_among(x.view(), &queries, &references, 5, stop).unwrap();
        let positions: Vec<usize> = found.iter().map(|&p| references[p as usize]).collect();
        assert!(positions
            .chunks(5)
            .zip(&queries)
            .all(|(row, q)| !row.contains(q)));
        let mut found_rows = found.clone();
        found_rows.mapv_inplace(|p| references[p as usize] as u32);
        let mut exact_rows = exact.clone();
        exact_rows.mapv_inplace(|p| references[p as usize] as u32);
        let r = recall(x.view(), &queries, &found_rows, &exact_rows);
        assert!(r >= 0.9, "recall {r}");
    }

    #[test]
    fn most_references_as_queries_get_their_rows_of_the_all_knn_table() {
        let x = gaussian(20_000, 10, 7);
        let references: Vec<usize> = (0..x.nrows()).collect();
        let queries: Vec<usize> = (0..x.nrows()).filter(|r| r % 10 != 3).collect();
        let stop = Stop::never();
        let all = approximate_kneighbors_among(x.view(), &references, &references, 5, PARAMS, stop)
            .unwrap();
        let some =
            approximate_kneighbors_among(x.view(), &queries, &references, 5, PARAMS, stop).unwrap();
        assert_eq!(some, all.select(Axis(0), &queries));
    }

    #[test]
    fn rows_shared_by_many_are_answered_by_their_twins() {
        // Half the class is one value: every such row's answer is its k lowest twins.
        let mut x = gaussian(40_000, 10, 8);
        for r in (0..x.nrows()).step_by(2) {
            x.row_mut(r).fill(0.25);
        }
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let stop = Stop::never();
        let found = approximate_kneighbors_among(x.view(), &rows, &rows, 5, PARAMS, stop).unwrap();
        assert_eq!(found.row(0).to_vec(), vec![2, 4, 6, 8, 10]);
        assert_eq!(found.row(6).to_vec(), vec![0, 2, 4, 8, 10]);
        let exact = kneighbors_among(x.view(), &rows, &rows, 5, stop).unwrap();
        assert!(recall(x.view(), &rows, &found, &exact) >= 0.97);
    }

    #[test]
    fn every_kernel_finds_the_same_rows_of_a_cell() {
        let d = 10;
        for len in [1, 15, 64, 100, 513] {
            let x = gaussian(len + 1, d, len as u64);
            let minus_two_q: Vec<f32> = x.row(len).iter().map(|v| -2.0 * v).collect();
            let cols: Vec<f32> = (0..d)
                .flat_map(|j| x.column(j).iter().take(len).copied().collect::<Vec<_>>())
                .collect();
            let norms: Vec<f32> = (0..len)
                .map(|i| x.row(i).iter().map(|v| v * v).sum())
                .collect();
            let run = |kernel: &dyn Fn(&mut Nearest<f32>)| {
                let mut nearest = Nearest::new(5);
                kernel(&mut nearest);
                nearest.index.clone()
            };
            let portable = run(&|n| scan_cell_portable(&minus_two_q, &cols, &norms, 7, 3, n));
            assert!(
                !portable.contains(&10),
                "row 3 of the cell (index 7 + 3) is skipped"
            );
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU has AVX2 and FMA.
                    let avx2 =
                        run(&|n| unsafe { simd::scan_avx2(&minus_two_q, &cols, &norms, 7, 3, n) });
                    assert_eq!(avx2, portable, "len {len}");
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F.
                    let avx512 = run(&|n| unsafe {
                        simd::scan_avx512(&minus_two_q, &cols, &norms, 7, 3, n)
                    });
                    assert_eq!(avx512, portable, "len {len}");
                }
            }
        }
    }

    #[test]
    fn queries_among_references_that_are_not_the_first_rows_skip_themselves() {
        // References are the odd rows: a query's position among them is not its row.
        let x = gaussian(40_000, 10, 9);
        let references: Vec<usize> = (1..x.nrows()).step_by(2).collect();
        let queries: Vec<usize> = (30_000..31_000).collect();
        let stop = Stop::never();
        let found =
            approximate_kneighbors_among(x.view(), &queries, &references, 5, PARAMS, stop).unwrap();
        for (row, &q) in found.rows().into_iter().zip(&queries) {
            assert!(
                row.iter().all(|&p| references[p as usize] != q),
                "query {q} lists itself"
            );
        }
    }

    #[test]
    fn small_classes_are_searched_exactly() {
        let x = gaussian(EXACT_BELOW_ROWS - 1, 10, 4);
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let stop = Stop::never();
        assert_eq!(
            approximate_kneighbors_among(x.view(), &rows, &rows, 5, PARAMS, stop).unwrap(),
            kneighbors_among(x.view(), &rows, &rows, 5, stop).unwrap()
        );
    }

    #[test]
    fn float64_rows_far_from_the_origin_are_searched_like_centred_ones() {
        let x = gaussian(20_000, 10, 5);
        let shifted = x.mapv(|v| f64::from(v) + 1e6);
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let stop = Stop::never();
        let found =
            approximate_kneighbors_among(shifted.view(), &rows, &rows, 5, PARAMS, stop).unwrap();
        let exact = kneighbors_among(x.view(), &rows, &rows, 5, stop).unwrap();
        assert!(recall(x.view(), &rows, &found, &exact) >= 0.95);
    }

    #[test]
    fn an_effort_outside_its_range_is_refused() {
        let x = gaussian(100, 3, 6);
        let rows: Vec<usize> = (0..100).collect();
        for effort in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let params = ApproxParams::new(effort, 0);
            let err =
                approximate_kneighbors_among(x.view(), &rows, &rows, 5, params, Stop::never());
            assert!(matches!(
                err,
                Err(Error::InvalidParameter { name: "effort", .. })
            ));
        }
    }
}
