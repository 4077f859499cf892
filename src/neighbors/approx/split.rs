//! The approximate all-kNN search of one class split over the workers of a cluster,
//! each row moved to the few workers that need it, with the whole search's table row
//! for row.
//!
//! The whole search sorts the rows by nearest cell, then position (a row's *sorted
//! index*), scans each row's nearest cells, refines each list by its neighbours' lists
//! and ranks the candidates exactly. Split over `P` parts:
//!
//! 1. `split_plan` once (the centring, the k-means centroids, the exact ranking's scale);
//! 2. `block_cells` for each block of rows (`part_rows`): each row's nearest cells;
//! 3. the caller numbers the rows from every block's count of rows per cell, gives each
//!    part a run of consecutive cells (its *own* rows are those of its cells, a run of
//!    sorted indices) and sends each row to the parts that own one of its cells;
//! 4. `scan_part` for each part: every row it holds scanned against its own rows;
//! 5. `merge_scans` where each row is owned: its lists from the parts it visited;
//! 6. `finish_part` for each part, given the lists of its own rows' neighbours and of
//!    the rows that list them, and the rows on those lists: its own rows refined and
//!    ranked exactly.
//!
//! Ties are broken by sorted index (the scan and the refinement) and by position (the
//! ranking) as in the whole search, and a part numbers the rows it holds in the same
//! order, so every step computes for its rows what the whole search computes.

use std::ops::Range;

use ndarray::{Array2, ArrayView2};

use super::super::twins::{surplus_twins, RowHashes};
use super::super::{check_search, check_search_size, overflow_safe_scale, Nearest};
use super::{
    check_params, nearest_centroids, rerank_exactly, ApproxParams, CellIndex, CellPlan, ROW_BLOCK,
    SPARE,
};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::stop::Stop;

/// What every step of a split search shares.
#[derive(Clone, Debug)]
pub struct SplitPlan {
    pub cells: CellPlan,
    /// The exact ranking's power-of-two scale, from the whole class (as its search's).
    pub exact_scale: f64,
    /// The class's rows.
    pub n_rows: usize,
}

impl SplitPlan {
    /// The candidates the scan keeps for each row, as the whole search keeps them.
    pub fn keep(&self, k: usize) -> usize {
        (k + SPARE).min(self.n_rows - 1)
    }

    /// The cells each row keeps (and scans).
    pub fn probes(&self, params: ApproxParams) -> usize {
        params.probes(self.cells.n_cells())
    }
}

/// The plan of the split search of every row of `x`, or None when the whole search does
/// not use cells (fewer rows than `params.exact_below`, or a value shared by more than
/// `k + 1` rows): that search then runs whole.
pub fn split_plan<F: Float>(
    x: ArrayView2<F>,
    k: usize,
    params: ApproxParams,
    stop: &Stop,
) -> Result<Option<SplitPlan>> {
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
    let exact_scale = overflow_safe_scale(x, &[&all, &all], stop)
        .to_f64()
        .unwrap_or(1.0);
    Ok(Some(SplitPlan {
        cells: CellPlan::new(x, &all, params, stop)?.0,
        exact_scale,
        n_rows: x.nrows(),
    }))
}

/// The rows of block `part` of `n_parts` of a class of `n` rows: whole runs of
/// `ROW_BLOCK` rows, so that a block's cells come from the whole search's arithmetic.
pub fn part_rows(n: usize, part: usize, n_parts: usize) -> Range<usize> {
    let blocks = n.div_ceil(ROW_BLOCK);
    let block = |p: usize| (blocks * p / n_parts.max(1) * ROW_BLOCK).min(n);
    block(part)..block(part + 1)
}

/// The nearest cells of the rows `x_block` of the class, which start at its row
/// `first_row` (a multiple of `ROW_BLOCK`, as `part_rows` gives): nearest first, the
/// effort's number a row.
pub fn block_cells<F: Float>(
    x_block: ArrayView2<F>,
    first_row: usize,
    plan: &SplitPlan,
    params: ApproxParams,
    stop: &Stop,
) -> Result<Vec<u32>> {
    check_features(plan, x_block.ncols())?;
    if x_block.nrows() == 0 {
        return Ok(Vec::new());
    }
    if !first_row.is_multiple_of(ROW_BLOCK) || first_row + x_block.nrows() > plan.n_rows {
        return Err(Error::SplitMismatch(format!(
            "a block of {} rows from row {first_row} is not a block of the class's {} rows",
            x_block.nrows(),
            plan.n_rows
        )));
    }
    let rows: Vec<usize> = (0..x_block.nrows()).collect();
    let points = plan.cells.points(x_block, &rows);
    let cells = nearest_centroids(
        &points,
        plan.cells.d,
        &plan.cells.centroids,
        plan.probes(params),
        stop,
    );
    stop.check()?;
    Ok(cells)
}

/// Rows of the class that a part holds: their values (X's), and each one's position in
/// the class, sorted index and nearest cells (`block_cells`).
pub struct Held<'a, F> {
    pub values: ArrayView2<'a, F>,
    pub positions: &'a [u32],
    pub sorted: &'a [u32],
    pub cells: &'a [u32],
}

impl<F: Float> Held<'_, F> {
    fn len(&self) -> usize {
        self.values.nrows()
    }

    fn check(&self, plan: &SplitPlan, params: ApproxParams) -> Result<usize> {
        check_features(plan, self.values.ncols())?;
        let n = self.len();
        let probes = plan.probes(params);
        let n_cells = plan.cells.n_cells();
        if self.positions.len() != n || self.sorted.len() != n || self.cells.len() != n * probes {
            return Err(Error::SplitMismatch(format!(
                "{n} rows come with {} positions, {} sorted indices and {} cells ({probes} a row)",
                self.positions.len(),
                self.sorted.len(),
                self.cells.len()
            )));
        }
        let beyond = |values: &[u32], end: usize| values.iter().any(|&v| v as usize >= end);
        if beyond(self.positions, plan.n_rows)
            || beyond(self.sorted, plan.n_rows)
            || beyond(self.cells, n_cells)
        {
            return Err(Error::SplitMismatch(format!(
                "a row's position or sorted index is not one of the class's {} rows, or its \
                 cells not among the plan's {n_cells}",
                plan.n_rows
            )));
        }
        Ok(probes)
    }

    /// The held rows as a cell index, numbered in sorted order, and each of its sorted
    /// rows' sorted index in the class (increasing, or the numbering is not the class's).
    fn index(&self, plan: &SplitPlan, probes: usize) -> Result<(CellIndex, Vec<u32>)> {
        let rows: Vec<usize> = (0..self.len()).collect();
        let points = plan.cells.points(self.values, &rows);
        let index = CellIndex::from_cells(plan.cells.clone(), points, self.cells, probes);
        let in_class: Vec<u32> = index
            .position
            .iter()
            .map(|&i| self.sorted[i as usize])
            .collect();
        if in_class.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::SplitMismatch(
                "the rows' sorted indices do not follow their cells and positions".into(),
            ));
        }
        Ok((index, in_class))
    }
}

fn check_features(plan: &SplitPlan, d: usize) -> Result<()> {
    if plan.cells.d != d {
        return Err(Error::SplitMismatch(format!(
            "the plan has {} features, the data {d}",
            plan.cells.d
        )));
    }
    Ok(())
}

/// The held rows of the sorted indices `own` as a run of the index's sorted rows, or
/// an error if any of them is not held.
fn own_run(in_class: &[u32], own: &Range<u32>) -> Result<Range<usize>> {
    let start = in_class.partition_point(|&s| s < own.start);
    let end = in_class.partition_point(|&s| s < own.end);
    if end - start != own.len() {
        return Err(Error::SplitMismatch(format!(
            "the part holds {} of its {} own rows",
            end - start,
            own.len()
        )));
    }
    Ok(start..end)
}

/// Each of the rows `queries` (every one probes a cell of this part) with its `keep`
/// nearest among the part's own rows `own` (all of the sorted indices `own_sorted`):
/// keys and sorted indices, `keep` per query in order (`∞` and `u32::MAX` for none),
/// only keys up to the query's bar in `bars` (ties included; `∞` for none). Merged
/// over the parts a row visited (`merge_scans`), they are its list of the whole
/// search's scan. A part scans its own rows first, without bars: its lists' last keys
/// are then the bars of those rows' visits to other parts, where most of their
/// candidates would not make the merged list.
#[allow(clippy::too_many_arguments)]
pub fn scan_part<F: Float>(
    own: &Held<F>,
    own_sorted: Range<u32>,
    queries: &Held<F>,
    bars: &[f32],
    k: usize,
    plan: &SplitPlan,
    params: ApproxParams,
    stop: &Stop,
) -> Result<(Vec<f32>, Vec<u32>)> {
    check_params(params)?;
    let probes = own.check(plan, params)?;
    queries.check(plan, params)?;
    check_search_size(plan.n_rows, k)?;
    if bars.len() != queries.len() {
        return Err(Error::SplitMismatch(format!(
            "{} queries come with {} bars",
            queries.len(),
            bars.len()
        )));
    }
    let keep = plan.keep(k);
    // The index of the own rows alone: the other cells are empty, so a query scans only
    // the cells of this part.
    let (index, in_class) = own.index(plan, probes)?;
    if own_run(&in_class, &own_sorted)? != (0..index.n_rows()) {
        return Err(Error::SplitMismatch(
            "the part's rows are not its own cells' rows".into(),
        ));
    }
    stop.check()?;
    // The queries in sorted order, as the whole search scans them: a group of queries
    // of one cell then reads its rows from one stretch of memory (a third faster).
    let mut in_order: Vec<usize> = (0..queries.len()).collect();
    in_order.sort_unstable_by_key(|&i| queries.sorted[i]);
    let points = plan.cells.points(queries.values, &in_order);
    let cells: Vec<u32> = in_order
        .iter()
        .flat_map(|&i| queries.cells[i * probes..(i + 1) * probes].iter().copied())
        .collect();
    let skip: Vec<usize> = in_order
        .iter()
        .map(|&i| match queries.sorted[i] {
            s if own_sorted.contains(&s) => (s - own_sorted.start) as usize,
            _ => usize::MAX,
        })
        .collect();
    let bars: Vec<f32> = in_order.iter().map(|&i| bars[i]).collect();
    let scanned = index.scan_cells(
        &points,
        &cells,
        probes,
        probes,
        &skip,
        keep,
        Some(&bars),
        true,
        stop,
    );
    stop.check()?;
    let mut keys = vec![f32::INFINITY; queries.len() * keep];
    let mut lists = vec![u32::MAX; queries.len() * keep];
    for ((&i, found), found_keys) in scanned
        .members
        .iter()
        .zip(scanned.lists.chunks(keep))
        .zip(scanned.keys.chunks(keep))
    {
        let i = in_order[i as usize];
        for ((slot, key), (&v, &found_key)) in lists[i * keep..(i + 1) * keep]
            .iter_mut()
            .zip(&mut keys[i * keep..(i + 1) * keep])
            .zip(found.iter().zip(found_keys))
        {
            if v != u32::MAX {
                *slot = v + own_sorted.start;
                *key = found_key;
            }
        }
    }
    Ok((keys, lists))
}

/// The scan lists of the rows of sorted indices `rows`, in that order, from the lists
/// the parts they visited found for them (`scan_part`): list `i` (`keys` and `lists`,
/// `keep` each) is row `sorted[i]`'s. Every row of `rows` must have one at least.
pub fn merge_scans(
    rows: Range<u32>,
    sorted: &[u32],
    keys: &[f32],
    lists: &[u32],
) -> Result<Vec<u32>> {
    if sorted.is_empty() && lists.is_empty() && keys.is_empty() && rows.is_empty() {
        return Ok(Vec::new());
    }
    let keep = lists.len() / sorted.len().max(1);
    if keys.len() != lists.len() || lists.len() != sorted.len() * keep || keep == 0 {
        return Err(Error::SplitMismatch(format!(
            "{} scanned rows come with {} keys and {} neighbours",
            sorted.len(),
            keys.len(),
            lists.len()
        )));
    }
    let mut nearest: Vec<Option<Nearest<f32>>> = vec![None; rows.len()];
    for ((&s, row_keys), row) in sorted.iter().zip(keys.chunks(keep)).zip(lists.chunks(keep)) {
        if !rows.contains(&s) {
            return Err(Error::SplitMismatch(format!(
                "a list of row {s} came to the part of rows {rows:?}"
            )));
        }
        let merged = nearest[(s - rows.start) as usize].get_or_insert_with(|| Nearest::new(keep));
        for (&key, &v) in row_keys.iter().zip(row) {
            if v != u32::MAX {
                merged.offer(key, v);
            }
        }
    }
    let mut merged = vec![u32::MAX; rows.len() * keep];
    for (s, (out, found)) in merged.chunks_mut(keep).zip(&nearest).enumerate() {
        let found = found.as_ref().ok_or_else(|| {
            Error::SplitMismatch(format!("row {} has no scan list", rows.start as usize + s))
        })?;
        out[..found.index.len()].copy_from_slice(&found.index);
    }
    Ok(merged)
}

/// The table of the part's own rows (sorted indices `own`): their positions in sorted
/// order, and their `k` neighbours (positions, nearest first). The held rows come in
/// order of position, from the class's first `2k + 1` (the ranking's fill for a row
/// short of candidates) on, with the scan lists (`merge_scans`, sorted indices) of the
/// own rows, of the rows on those lists and of the rows whose lists hold an own row
/// (`keep` per held row in held order, `u32::MAX` for none), and every row on those
/// lists.
pub fn finish_part<F: Float>(
    held: &Held<F>,
    lists: &[u32],
    own: Range<u32>,
    k: usize,
    plan: &SplitPlan,
    params: ApproxParams,
    stop: &Stop,
) -> Result<(Vec<u32>, Array2<u32>)> {
    check_params(params)?;
    let probes = held.check(plan, params)?;
    check_search_size(plan.n_rows, k)?;
    let keep = plan.keep(k);
    let n = held.len();
    if lists.len() != n * keep {
        return Err(Error::SplitMismatch(format!(
            "{n} held rows come with {} neighbours, not {keep} each",
            lists.len()
        )));
    }
    let head = (2 * k + 1).min(plan.n_rows);
    let in_position_order = held.positions.windows(2).all(|w| w[0] < w[1]);
    if !in_position_order
        || held
            .positions
            .iter()
            .take(head)
            .ne(&(0..head as u32).collect::<Vec<_>>())
    {
        return Err(Error::SplitMismatch(format!(
            "the held rows are not in order of position from the class's first {head}"
        )));
    }
    let (index, in_class) = held.index(plan, probes)?;
    let own_rows = own_run(&in_class, &own)?;
    // The lists in the index's numbering.
    let mut index_of = vec![u32::MAX; plan.n_rows];
    for (s, &c) in in_class.iter().enumerate() {
        index_of[c as usize] = s as u32;
    }
    let mut table = vec![u32::MAX; n * keep];
    for (out, &i) in table.chunks_mut(keep).zip(&index.position) {
        let list = &lists[i as usize * keep..(i as usize + 1) * keep];
        for (slot, &v) in out.iter_mut().zip(list) {
            if v != u32::MAX {
                let held_at = index_of.get(v as usize).filter(|&&s| s != u32::MAX);
                *slot = *held_at.ok_or_else(|| {
                    Error::SplitMismatch(format!(
                        "a list names row {v}, which the part does not hold"
                    ))
                })?;
            }
        }
    }
    let refined = index.refine(&table, keep, own_rows.clone(), stop);
    stop.check()?;
    let queries: Vec<usize> = own_rows.map(|s| index.position[s] as usize).collect();
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
    let references: Vec<usize> = (0..n).collect();
    let order: Vec<u32> = (0..queries.len() as u32).collect();
    let scale = F::from(plan.exact_scale).unwrap_or_else(F::one);
    let ranked = rerank_exactly(
        held.values,
        &queries,
        &references,
        &candidates,
        &order,
        k,
        scale,
    );
    stop.check()?;
    let positions = queries.iter().map(|&i| held.positions[i]).collect();
    Ok((positions, ranked.mapv(|i| held.positions[i as usize])))
}

#[cfg(test)]
mod tests {
    use super::super::approximate_kneighbors_among;
    use super::*;
    use crate::rng::Rng;

    /// Rows that one part of a split holds at each step, and where, as a cluster would
    /// route them: every row sent to the parts that own one of its cells, each part's
    /// own rows' scan lists merged, and for the finish the lists and rows it needs.
    struct Split<'a> {
        x: ArrayView2<'a, f64>,
        plan: SplitPlan,
        params: ApproxParams,
        k: usize,
        cells: Vec<u32>,
        sorted: Vec<u32>,
        owner: Vec<usize>,
        own: Vec<Range<u32>>,
    }

    impl<'a> Split<'a> {
        fn new(x: ArrayView2<'a, f64>, k: usize, params: ApproxParams, n_parts: usize) -> Self {
            let stop = Stop::never();
            let n = x.nrows();
            let plan = split_plan(x, k, params, stop)
                .unwrap()
                .expect("a search by cells");
            let probes = plan.probes(params);
            let cells: Vec<u32> = (0..n_parts)
                .flat_map(|p| {
                    let rows = part_rows(n, p, n_parts);
                    let block = x.slice(ndarray::s![rows.clone(), ..]);
                    block_cells(block, rows.start, &plan, params, stop).unwrap()
                })
                .collect();
            // Sorted by nearest cell, then position; parts own runs of cells.
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| (cells[i * probes], i));
            let mut sorted = vec![0u32; n];
            for (s, &i) in order.iter().enumerate() {
                sorted[i] = s as u32;
            }
            let n_cells = plan.cells.n_cells();
            let owner: Vec<usize> = (0..n_cells).map(|c| c * n_parts / n_cells).collect();
            let own = (0..n_parts)
                .map(|p| {
                    let first = order.partition_point(|&i| owner[cells[i * probes] as usize] < p);
                    let end = order.partition_point(|&i| owner[cells[i * probes] as usize] <= p);
                    first as u32..end as u32
                })
                .collect();
            Split {
                x,
                plan,
                params,
                k,
                cells,
                sorted,
                owner,
                own,
            }
        }

        fn probes(&self) -> usize {
            self.plan.probes(self.params)
        }

        /// `f` of the rows `rows` (positions, increasing) as a part holds them.
        fn held<T>(&self, rows: &[usize], f: impl FnOnce(&Held<f64>) -> T) -> T {
            let p = self.probes();
            let values = self.x.select(ndarray::Axis(0), rows);
            let positions: Vec<u32> = rows.iter().map(|&i| i as u32).collect();
            let sorted: Vec<u32> = rows.iter().map(|&i| self.sorted[i]).collect();
            let cells: Vec<u32> = rows
                .iter()
                .flat_map(|&i| self.cells[i * p..(i + 1) * p].iter().copied())
                .collect();
            f(&Held {
                values: values.view(),
                positions: &positions,
                sorted: &sorted,
                cells: &cells,
            })
        }

        /// The merged scan lists (sorted indices) and the table, with every row held
        /// for the finish or (`minimal`) only those it needs.
        fn table(&self, minimal: bool) -> (Vec<u32>, Array2<u32>) {
            let (n, p, stop) = (self.x.nrows(), self.probes(), Stop::never());
            let n_parts = self.own.len();
            let keep = self.plan.keep(self.k);
            let mut scan_lists = vec![u32::MAX; n * keep];
            let mut found: Vec<(u32, Vec<f32>, Vec<u32>)> = Vec::new();
            // Each part's own rows first, then the other rows that probe its cells with
            // the last keys of their own parts' lists as bars.
            let is_own = |i: usize, part: usize| self.own[part].contains(&self.sorted[i]);
            let mut bars = vec![f32::INFINITY; n];
            for visiting_others in [false, true] {
                for part in 0..n_parts {
                    let probes_here = |i: usize| {
                        let probed = &self.cells[i * p..(i + 1) * p];
                        probed.iter().any(|&c| self.owner[c as usize] == part)
                    };
                    let own: Vec<usize> = (0..n).filter(|&i| is_own(i, part)).collect();
                    let queries: Vec<usize> = if visiting_others {
                        (0..n)
                            .filter(|&i| !is_own(i, part) && probes_here(i))
                            .collect()
                    } else {
                        own.clone()
                    };
                    let query_bars: Vec<f32> = queries.iter().map(|&i| bars[i]).collect();
                    let (keys, lists) = self.held(&own, |own_held| {
                        self.held(&queries, |query_held| {
                            scan_part(
                                own_held,
                                self.own[part].clone(),
                                query_held,
                                &query_bars,
                                self.k,
                                &self.plan,
                                self.params,
                                stop,
                            )
                            .unwrap()
                        })
                    });
                    for (j, &i) in queries.iter().enumerate() {
                        let range = j * keep..(j + 1) * keep;
                        if !visiting_others {
                            bars[i] = keys[range.end - 1];
                        }
                        found.push((
                            self.sorted[i],
                            keys[range.clone()].to_vec(),
                            lists[range].to_vec(),
                        ));
                    }
                }
            }
            for own in &self.own {
                let mine: Vec<&(u32, Vec<f32>, Vec<u32>)> =
                    found.iter().filter(|f| own.contains(&f.0)).collect();
                let sorted: Vec<u32> = mine.iter().map(|f| f.0).collect();
                let keys: Vec<f32> = mine.iter().flat_map(|f| f.1.clone()).collect();
                let lists: Vec<u32> = mine.iter().flat_map(|f| f.2.clone()).collect();
                let merged = merge_scans(own.clone(), &sorted, &keys, &lists).unwrap();
                for (s, list) in own.clone().zip(merged.chunks(keep)) {
                    scan_lists[s as usize * keep..(s as usize + 1) * keep].copy_from_slice(list);
                }
            }
            let list_of = |s: u32| &scan_lists[s as usize * keep..(s as usize + 1) * keep];
            let mut table = Array2::<u32>::zeros((n, self.k));
            for own in &self.own {
                // With lists: the own rows, the rows on their lists and those holding them.
                let mut listed = vec![!minimal; n];
                for s in own.clone() {
                    listed[s as usize] = true;
                    list_of(s)
                        .iter()
                        .filter(|&&v| v != u32::MAX)
                        .for_each(|&v| listed[v as usize] = true);
                }
                for t in 0..n as u32 {
                    if list_of(t).iter().any(|v| own.contains(v)) {
                        listed[t as usize] = true;
                    }
                }
                let mut wanted = listed.clone();
                for (s, _) in listed.iter().enumerate().filter(|(_, &l)| l) {
                    let on_list = list_of(s as u32).iter().filter(|&&v| v != u32::MAX);
                    on_list.for_each(|&v| wanted[v as usize] = true);
                }
                let rows: Vec<usize> = (0..n)
                    .filter(|&i| i <= 2 * self.k || wanted[self.sorted[i] as usize])
                    .collect();
                let lists: Vec<u32> = rows
                    .iter()
                    .flat_map(|&i| {
                        let s = self.sorted[i];
                        if listed[s as usize] {
                            list_of(s).to_vec()
                        } else {
                            vec![u32::MAX; keep]
                        }
                    })
                    .collect();
                let (positions, part) = self.held(&rows, |held| {
                    finish_part(
                        held,
                        &lists,
                        own.clone(),
                        self.k,
                        &self.plan,
                        self.params,
                        stop,
                    )
                    .unwrap()
                });
                assert_eq!(positions.len(), own.len());
                for ((&r, row), s) in positions.iter().zip(part.rows()).zip(own.clone()) {
                    assert_eq!(self.sorted[r as usize], s, "own rows come in sorted order");
                    table.row_mut(r as usize).assign(&row);
                }
            }
            (scan_lists, table)
        }
    }

    fn gaussian(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = Rng::new(seed);
        Array2::from_shape_fn((n, d), |_| f64::from(rng.normal() as f32))
    }

    #[test]
    fn a_split_search_gives_the_whole_table_for_any_number_of_parts() {
        // Gaussian rows, and rows on a coarse grid (many exact ties, few duplicates).
        let grid = Array2::from_shape_fn((4_000, 3), |(i, j)| match j {
            0 => (i % 40) as f64,
            1 => (i / 40) as f64,
            _ => 0.0,
        });
        for (x, k) in [(gaussian(5_000, 6, 8), 5), (grid, 3)] {
            let params = ApproxParams {
                cell_rows: 64,
                exact_below: 0,
                ..ApproxParams::new(1.0, 11)
            };
            let rows: Vec<usize> = (0..x.nrows()).collect();
            let whole =
                approximate_kneighbors_among(x.view(), &rows, &rows, k, params, Stop::never())
                    .unwrap();
            let index = CellIndex::new(x.view(), &rows, k, params, Stop::never()).unwrap();
            let keep = (k + SPARE).min(rows.len() - 1);
            let probes = params.probes(index.n_cells());
            let whole_scan = index.scan_own_rows(keep, probes, Stop::never());
            for n_parts in [1, 2, 3, 7] {
                let split = Split::new(x.view(), k, params, n_parts);
                for minimal in [false, true] {
                    let (scanned, table) = split.table(minimal);
                    assert!(
                        scanned == whole_scan,
                        "{n_parts} parts: the scan lists differ"
                    );
                    assert_eq!(table, whole, "{n_parts} parts, minimal {minimal}");
                }
            }
        }
        // Searches that do not use cells run whole.
        let small = gaussian(100, 3, 1);
        assert!(
            split_plan(small.view(), 3, ApproxParams::new(1.0, 0), Stop::never())
                .unwrap()
                .is_none()
        );
        let twins = Array2::<f64>::zeros((20_000, 3));
        assert!(
            split_plan(twins.view(), 3, ApproxParams::new(1.0, 0), Stop::never())
                .unwrap()
                .is_none()
        );
    }
}
