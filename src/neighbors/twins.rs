//! Rows that share one value: a search where some value is held by more than `k + 1`
//! references answers those rows directly and searches the rest among fewer rows.

use std::collections::HashMap;

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use super::{own_positions, NOT_A_REFERENCE};
use crate::error::Result;
use crate::float::Float;
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

/// The references grouped by exact value (`-0.0` equal to `0.0`): each reference's
/// group, and each group's positions in ascending order.
pub(super) struct Twins {
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

/// The references grouped by value when some value is shared by more than `k + 1` of
/// them (whose search `search_without_surplus_twins` answers), else None.
pub(super) fn surplus_twins<F: Float>(
    x: ArrayView2<F>,
    references: &[usize],
    k: usize,
    hashes: &RowHashes,
) -> Option<Twins> {
    // Most searches share no value that often: the sorted hashes tell at once.
    if hashes.longest_run() <= k + 1 {
        return None;
    }
    let twins = Twins::new(x, references, &hashes.by_position);
    twins
        .groups
        .iter()
        .any(|group| group.len() > k + 1)
        .then_some(twins)
}

/// A search where some value is shared by more than `k + 1` references. Every query with
/// at least `k` exact twins among the references (itself aside) has them as its answer:
/// the `k` of lowest position, at distance 0. The others are searched among the
/// references with only the `k + 1` lowest positions of each value kept, which holds
/// every answer a query can have (ties go to the lowest position). Without this, the
/// search of a class of many identical rows takes time quadratic in their number.
/// `None` when no value is shared that often. `search(queries, references)` is the
/// search the rest goes to (the exact one, or the approximate one for its own).
pub(super) fn search_without_surplus_twins<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    hashes: &RowHashes,
    search: impl Fn(&[usize], &[usize]) -> Result<Array2<u32>>,
) -> Result<Option<Array2<u32>>> {
    let Some(twins) = surplus_twins(x, references, k, hashes) else {
        return Ok(None);
    };
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
        let table = search(&query_rows, &kept_rows)?;
        for (&i, found) in searched.iter().zip(table.rows()) {
            for (slot, &p) in out.row_mut(i).iter_mut().zip(found) {
                *slot = kept[p as usize];
            }
        }
    }
    Ok(Some(out))
}

/// The row hashes of a search's references, by position and sorted: what the twin
/// check and the engine's duplication rule both read, computed once. Different rows
/// are told apart through a 64-bit hash: a rare collision only undercounts, which is
/// harmless for choosing an engine (the twins compare values). A stopped pass is short,
/// and the search it was for is abandoned.
pub(super) struct RowHashes {
    by_position: Vec<u64>,
    sorted: Vec<u64>,
}

impl RowHashes {
    pub(super) fn new<F: Float>(x: ArrayView2<F>, rows: &[usize], stop: &Stop) -> Self {
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
    pub(super) fn distinct(&self) -> usize {
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{kneighbors, kneighbors_among};
    use crate::stop::Stop;
    use ndarray::Array2;

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
        // of the plain brute force, which breaks every tie by position, whichever engine
        // searches the rows left.
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
                    let want = canonical_table(x.view(), queries, references, k);
                    assert_eq!(got, want, "d = {d}, k = {k}");
                }
            }
        }
    }
}
