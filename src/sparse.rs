//! Sparse X: the k-NN search and the generation over CSR rows, never densifying X.
//!
//! The search builds an inverted index of the references (for each column, the
//! references that store a value in it) and, per query, accumulates in f64 the dot
//! products with the references that share a column with it. Every other reference is
//! orthogonal to the query, so its squared distance is the sum of the two squared
//! norms: those are visited in ascending norm order, only while they can still beat
//! the current candidates. Memory: O(nnz + threads × references), whatever the width.
//!
//! The generation draws its rows with the dense path's `JobDraws` (the same seed gives
//! the same rows and provenance) and writes each synthetic row as a merge of two
//! sparse rows, in two passes: count each row's stored values, then allocate the
//! output once and fill it, rows in parallel.

use ndarray::{Array2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::{interpolate, Float};
use crate::neighbors::{
    canonical_distance, check_search, own_positions, power_of_two_scale, ranked, verdict,
    write_ranked, CanonicalError, Collect, Nearest, Verdict, Within, NOT_A_REFERENCE,
    SPARE_CANDIDATES,
};
use crate::rng::CHUNK_ROWS;
use crate::sampling::{
    job_draws, search_tables, total_rows, Index, Job, Provenance, PREFETCH_DRAWS_AHEAD,
};
use crate::simd::prefetch;
use crate::stop::Stop;

/// A CSR matrix borrowed from SciPy: row `r` stores the values
/// `data[indptr[r]..indptr[r + 1]]` in the columns `indices[indptr[r]..indptr[r + 1]]`,
/// which increase strictly. `S` is SciPy's index type (`i32` or `i64`), used as it is.
#[derive(Clone, Copy, Debug)]
pub struct Csr<'a, F, S> {
    n_cols: usize,
    indptr: &'a [S],
    indices: &'a [S],
    data: &'a [F],
}

/// One sparse row: its column indices (increasing) and its values.
type Row<'a, F, S> = (&'a [S], &'a [F]);

impl<'a, F: Float, S: Index> Csr<'a, F, S> {
    /// Checks the structure once (the search and the generation then trust it), in
    /// O(nnz): row pointers from 0 to the number of values, never decreasing, and
    /// in every row strictly increasing column indices below `n_cols`.
    pub fn new(n_cols: usize, indptr: &'a [S], indices: &'a [S], data: &'a [F]) -> Result<Self> {
        let (Some(first), Some(last)) = (indptr.first(), indptr.last()) else {
            return Err(Error::MalformedSparse("indptr is empty"));
        };
        if indices.len() != data.len() {
            return Err(Error::MalformedSparse(
                "indices and data have different lengths",
            ));
        }
        if first.to_usize() != 0 || last.to_usize() != data.len() {
            return Err(Error::MalformedSparse(
                "indptr must run from 0 to the number of stored values",
            ));
        }
        if indptr.windows(2).any(|w| w[0].to_usize() > w[1].to_usize()) {
            return Err(Error::MalformedSparse("indptr decreases"));
        }
        let csr = Csr {
            n_cols,
            indptr,
            indices,
            data,
        };
        let bad_row = (0..csr.n_rows()).into_par_iter().any(|r| {
            let columns = csr.row(r).0;
            columns
                .windows(2)
                .any(|w| w[0].to_usize() >= w[1].to_usize())
                || columns.last().is_some_and(|c| c.to_usize() >= n_cols)
        });
        if bad_row {
            return Err(Error::MalformedSparse(
                "column indices must increase within each row and stay below the number of columns",
            ));
        }
        Ok(csr)
    }

    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Stored values.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    #[inline]
    fn row(&self, r: usize) -> Row<'a, F, S> {
        let range = self.indptr[r].to_usize()..self.indptr[r + 1].to_usize();
        (&self.indices[range.clone()], &self.data[range])
    }

    /// Asks for row `r`'s stored values ahead of their use (see `simd::prefetch`).
    fn prefetch_row(&self, r: usize) {
        let (indices, data) = self.row(r);
        prefetch(indices);
        prefetch(data);
    }
}

/// Every column either row stores, in column order, with the two rows' values there
/// (zero where a row stores none), as `(column, a, c)`.
struct Merged<'a, F, S> {
    a: Row<'a, F, S>,
    c: Row<'a, F, S>,
    i: usize,
    j: usize,
}

#[inline]
fn merged<'a, F, S>(a: Row<'a, F, S>, c: Row<'a, F, S>) -> Merged<'a, F, S> {
    Merged { a, c, i: 0, j: 0 }
}

impl<F: Float, S: Index> Iterator for Merged<'_, F, S> {
    type Item = (S, F, F);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let ((a_columns, a_values), (c_columns, c_values)) = (self.a, self.c);
        let (i, j) = (self.i, self.j);
        let (take_a, take_c) = match (a_columns.get(i), c_columns.get(j)) {
            (None, None) => return None,
            (Some(x), Some(y)) => (x.to_usize() <= y.to_usize(), y.to_usize() <= x.to_usize()),
            (in_a, _) => (in_a.is_some(), in_a.is_none()),
        };
        self.i += usize::from(take_a);
        self.j += usize::from(take_c);
        let column = if take_a { a_columns[i] } else { c_columns[j] };
        let value = |take: bool, values: &[F], at: usize| if take { values[at] } else { F::zero() };
        Some((
            column,
            value(take_a, a_values, i),
            value(take_c, c_values, j),
        ))
    }
}

#[inline]
fn to_f64<F: Float>(v: F) -> f64 {
    v.to_f64().expect("a float")
}

/// `Σ (v scale)²` in f64, in column order.
fn squared_norm<F: Float>(values: &[F], scale: F) -> f64 {
    values.iter().fold(0.0, |sum, &v| {
        let v = to_f64(v * scale);
        sum + v * v
    })
}

/// The canonical distance of the two rows' values times `scale`, over the columns
/// either row stores: the dense search's, bit for bit.
fn squared_distance<F: Float, S: Index>(a: Row<'_, F, S>, c: Row<'_, F, S>, scale: F) -> f64 {
    canonical_distance(merged(a, c).map(|(_, a, c)| (a * scale, c * scale)))
}

/// Queries per parallel task of the search.
const QUERY_BLOCK: usize = 64;

/// The `k` nearest neighbours of every row `queries[i]` of `x` among the rows
/// `references`, as positions into `references`, nearest first: the contract of the
/// dense `neighbors::kneighbors_among` (each query excluded by row, so its exact twins
/// remain valid neighbours; ties go to the lowest position; the same errors).
///
/// Candidates are ranked by `|q|² + |r|² − 2 q·r` in f64, and the best
/// `k + SPARE_CANDIDATES` are re-ranked by canonical distance (the dense search's, bit
/// for bit) and proven with the expansion's rounding-error bound; a query it cannot
/// vouch for (ties at the k-th neighbour) collects every reference within the k-th's
/// reach instead, which holds its answer.
///
/// Runs on the current Rayon pool.
pub fn kneighbors_among<F: Float, S: Index>(
    x: &Csr<'_, F, S>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    stop: &Stop,
) -> Result<Array2<u32>> {
    check_search(x.n_rows(), x.n_cols(), queries, references, k)?;
    let own = own_positions(x.n_rows(), queries, references);
    // Differences are taken in F and squared in f64: magnitudes beyond F's safe range
    // are scaled by a power of two (exactly, as in the dense search) so that none
    // overflows.
    let largest = [queries, references]
        .iter()
        .flat_map(|rows| rows.iter())
        .flat_map(|&r| x.row(r).1)
        .fold(F::zero(), |m, &v| m.max(v.abs()));
    let scale = power_of_two_scale(largest, F::SAFE_EXPONENT);
    let index = InvertedIndex::new(x, references, scale)?;
    let mut out = Array2::<u32>::zeros((queries.len(), k));
    out.axis_chunks_iter_mut(Axis(0), QUERY_BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each_init(
            || Scratch::new(references.len()),
            |scratch, (block, mut chunk)| {
                if stop.requested() {
                    return;
                }
                for (offset, row) in chunk.rows_mut().into_iter().enumerate() {
                    let query = block * QUERY_BLOCK + offset;
                    let q = x.row(queries[query]);
                    let distance =
                        |p: u32| squared_distance(q, x.row(references[p as usize]), scale);
                    let answer = index.answer(q, own[query], k, scratch, distance);
                    write_ranked(&answer, row);
                }
            },
        );
    stop.check()?;
    Ok(out)
}

/// The references by column, with their squared norms.
struct InvertedIndex<F> {
    /// Column `j`'s entries are `column_start[j]..column_start[j + 1]` of `positions`
    /// (the references storing a value in it, by position) and `values`.
    column_start: Vec<usize>,
    positions: Vec<u32>,
    values: Vec<F>,
    norms: Vec<f64>,
    /// The most values one reference stores.
    longest: usize,
    /// Reference positions in ascending order of (squared norm, position).
    by_norm: Vec<u32>,
    /// What the values were multiplied by (queries' values are too).
    scale: F,
}

impl<F: Float> InvertedIndex<F> {
    fn new<S: Index>(x: &Csr<'_, F, S>, references: &[usize], scale: F) -> Result<Self> {
        // One entry per column: refused, not aborted, when X has more columns than
        // memory can index.
        let mut column_start = Vec::new();
        column_start
            .try_reserve_exact(x.n_cols() + 1)
            .map_err(|_| Error::TooLarge("the column index of X"))?;
        column_start.resize(x.n_cols() + 1, 0usize);
        for &r in references {
            for &column in x.row(r).0 {
                column_start[column.to_usize() + 1] += 1;
            }
        }
        for j in 0..x.n_cols() {
            column_start[j + 1] += column_start[j];
        }
        let stored = column_start[x.n_cols()];
        let mut next = column_start.clone();
        let mut positions = vec![0u32; stored];
        let mut values = vec![F::zero(); stored];
        for (position, &r) in references.iter().enumerate() {
            let (columns, row_values) = x.row(r);
            for (&column, &v) in columns.iter().zip(row_values) {
                let at = &mut next[column.to_usize()];
                positions[*at] = position as u32;
                values[*at] = v * scale;
                *at += 1;
            }
        }
        let norms: Vec<f64> = references
            .par_iter()
            .map(|&r| squared_norm(x.row(r).1, scale))
            .collect();
        let longest = (references.iter())
            .map(|&r| x.row(r).0.len())
            .max()
            .unwrap_or(0);
        let mut by_norm: Vec<u32> = (0..references.len() as u32).collect();
        by_norm.par_sort_unstable_by(|&a, &b| {
            norms[a as usize]
                .total_cmp(&norms[b as usize])
                .then(a.cmp(&b))
        });
        Ok(InvertedIndex {
            column_start,
            positions,
            values,
            norms,
            longest,
            by_norm,
            scale,
        })
    }

    /// The `k` nearest references to the query row `q` (reference position `own`, which
    /// is skipped), by (canonical `distance`, position).
    fn answer<S: Index>(
        &self,
        q: Row<'_, F, S>,
        own: u32,
        k: usize,
        scratch: &mut Scratch,
        distance: impl Fn(u32) -> f64,
    ) -> Vec<(f64, u32)> {
        // The key `|q|² + |r|² − 2 q·r` sums at most `terms` products in each of its
        // parts: it lies within `c (|q|² + |r|²)` of the exact distance `D`, and since
        // `|r|² <= 2 D + 2 |q|²`, within `c (3 |q|² + 2 D)`, plus what underflow loses.
        let terms = q.0.len() + self.longest;
        let c = 2.0 * (terms as f64 + 4.0) * f64::EPSILON;
        let underflow = 8.0 * terms as f64 * f64::MIN_POSITIVE;
        let q_norm = squared_norm(q.1, self.scale);
        let error = CanonicalError::over(terms);
        let mut nearest = Nearest::new(k + SPARE_CANDIDATES);
        self.candidates(q, own, &mut nearest, scratch);
        let answer = ranked(nearest.index.iter().copied(), &distance);
        let available = self.norms.len() - usize::from(own != NOT_A_REFERENCE);
        let others_at_least = if nearest.index.len() == available {
            f64::INFINITY
        } else {
            // Every other reference's key is at least the worst candidate's.
            (nearest.worst() - 3.0 * c * q_norm - underflow) / (1.0 + 2.0 * c)
        };
        match verdict(&answer, k, others_at_least, error) {
            Verdict::Proven => answer,
            Verdict::Unproven { kth, .. } => {
                let reach = error.largest_exact(kth);
                let mut within =
                    Within::new(reach * (1.0 + 2.0 * c) + 3.0 * c * q_norm + underflow);
                self.candidates(q, own, &mut within, scratch);
                ranked(within.index, distance)
            }
        }
    }

    /// Offers `list` the references for the query row `q` (reference position `own`,
    /// which is skipped) by their key `|q|² + |r|² − 2 q·r`: every one that shares a
    /// column with `q`, then the others while their key can still reach the bar.
    fn candidates<S: Index>(
        &self,
        q: Row<'_, F, S>,
        own: u32,
        list: &mut impl Collect<f64>,
        scratch: &mut Scratch,
    ) {
        let Scratch { dot, touched, seen } = scratch;
        for (&column, &qv) in q.0.iter().zip(q.1) {
            let qv = to_f64(qv * self.scale);
            let entries =
                self.column_start[column.to_usize()]..self.column_start[column.to_usize() + 1];
            for (&p, &rv) in self.positions[entries.clone()]
                .iter()
                .zip(&self.values[entries])
            {
                let at = p as usize;
                if !seen[at] {
                    seen[at] = true;
                    touched.push(p);
                    dot[at] = 0.0;
                }
                dot[at] += qv * to_f64(rv);
            }
        }
        let q_norm = squared_norm(q.1, self.scale);
        for &p in touched.iter().filter(|&&p| p != own) {
            let at = p as usize;
            let key = (q_norm + self.norms[at] - 2.0 * dot[at]).max(0.0);
            if key <= list.bar() {
                list.offer(key, p);
            }
        }
        // Every other reference shares no column with the query: its distance is the sum
        // of the squared norms, which only grows along `by_norm`.
        for &p in &self.by_norm {
            let dist = q_norm + self.norms[p as usize];
            if dist > list.bar() {
                break;
            }
            if !seen[p as usize] && p != own {
                list.offer(dist, p);
            }
        }
        for &p in touched.iter() {
            seen[p as usize] = false;
        }
        touched.clear();
    }
}

/// One thread's dense accumulator over the references, and which of them the current
/// query has touched (reset through `touched` after each query).
struct Scratch {
    dot: Vec<f64>,
    touched: Vec<u32>,
    seen: Vec<bool>,
}

impl Scratch {
    fn new(n_references: usize) -> Self {
        Scratch {
            dot: vec![0.0; n_references],
            touched: Vec::new(),
            seen: vec![false; n_references],
        }
    }
}

/// Calls `emit(column, value)` for the stored values of `a + step * (c − a)`, for the
/// base row `a` and the neighbour row `c`, in column order. Each value is computed as
/// the dense kernel computes it, so the densified row equals the dense output bit for
/// bit; exact zeros are not stored (as SciPy's arithmetic drops them).
#[inline]
fn interpolate_row<F: Float, S: Index>(
    a: Row<'_, F, S>,
    c: Row<'_, F, S>,
    step: F,
    mut emit: impl FnMut(S, F),
) {
    for (column, a, c) in merged(a, c) {
        let v = interpolate(a, c, step);
        if v != F::zero() {
            emit(column, v);
        }
    }
}

/// An owned CSR matrix's arrays.
#[derive(Debug, PartialEq)]
pub struct CsrArrays<F, J> {
    pub indptr: Vec<J>,
    pub indices: Vec<J>,
    pub data: Vec<F>,
}

/// An owned CSR matrix, with `int32` indices when they fit (SciPy's rule: the number
/// of stored values and of columns both fit), `int64` otherwise.
#[derive(Debug)]
pub enum CsrMatrix<F> {
    Narrow(CsrArrays<F, i32>),
    Wide(CsrArrays<F, i64>),
}

/// The resampled sparse X and, for each synthetic row, where it came from (as in
/// `sampling::Resampled`).
#[derive(Debug)]
pub struct SparseResampled<F, I> {
    /// Original rows first, then the synthetic rows job by job.
    pub x: CsrMatrix<F>,
    pub base: Vec<I>,
    pub neighbor: Vec<I>,
    pub step: Vec<F>,
}

/// `sampling::generate` for sparse X: the same rows (densified, bit for bit) and the
/// same provenance for the same jobs and seed, searched with the sparse engine.
///
/// Runs on the current Rayon pool.
pub fn generate<F: Float, I: Index, S: Index>(
    x: &Csr<'_, F, S>,
    jobs: &[Job<'_>],
    random_state: u64,
    stop: &Stop,
) -> Result<SparseResampled<F, I>> {
    let tables = search_tables::<I>(x.n_rows(), x.n_cols(), jobs, |job, k| {
        kneighbors_among(x, &job.bases, &job.references, k, stop)
    })?;
    let total_new = total_rows(jobs);
    let mut provenance = Provenance::new(total_new);
    // First pass: draw every row (its provenance) and count the values it stores.
    let mut stored = vec![0usize; total_new];
    for (draws, rows) in job_draws::<F>(jobs, &tables, random_state, stop) {
        draws.run(
            provenance.part(rows.clone()),
            stored[rows].par_chunks_mut(CHUNK_ROWS),
            |counts, drawn| {
                for (i, (count, draw)) in counts.iter_mut().zip(drawn).enumerate() {
                    // Rows drawn at random from a large X each miss: asked for a few
                    // draws ahead, as the dense generation does.
                    if let Some(ahead) = drawn.get(i + PREFETCH_DRAWS_AHEAD) {
                        x.prefetch_row(draws.bases[ahead.base]);
                        x.prefetch_row(draws.references[ahead.neighbor]);
                    }
                    let base = x.row(draws.bases[draw.base]);
                    let neighbor = x.row(draws.references[draw.neighbor]);
                    *count = 0;
                    interpolate_row(base, neighbor, draw.step, |_, _| *count += 1);
                }
            },
        );
    }
    stop.check()?;
    let nnz = x.nnz() + stored.iter().sum::<usize>();
    let matrix = if nnz.max(x.n_cols()) <= <i32 as Index>::MAX {
        CsrMatrix::Narrow(fill(x, &provenance, &stored))
    } else {
        CsrMatrix::Wide(fill(x, &provenance, &stored))
    };
    Ok(SparseResampled {
        x: matrix,
        base: provenance.base,
        neighbor: provenance.neighbor,
        step: provenance.step,
    })
}

/// Values copied per parallel task when X's rows are copied into the output.
const COPY_BLOCK: usize = 1 << 16;

/// The second pass: the output allocated once, X copied in, then each synthetic row
/// (`stored[i]` values) written from its provenance, chunks of rows in parallel.
fn fill<F: Float, I: Index, S: Index, J: Index>(
    x: &Csr<'_, F, S>,
    provenance: &Provenance<F, I>,
    stored: &[usize],
) -> CsrArrays<F, J> {
    let head = x.nnz();
    let mut indptr = Vec::with_capacity(x.n_rows() + stored.len() + 1);
    indptr.extend(x.indptr.iter().map(|&p| J::from_usize(p.to_usize())));
    let mut end = head;
    indptr.extend(stored.iter().map(|&count| {
        end += count;
        J::from_usize(end)
    }));
    let mut indices = vec![J::default(); end];
    let mut data = vec![F::zero(); end];
    let (head_indices, mut tail_indices) = indices.split_at_mut(head);
    let (head_data, mut tail_data) = data.split_at_mut(head);
    head_indices
        .par_chunks_mut(COPY_BLOCK)
        .zip(x.indices.par_chunks(COPY_BLOCK))
        .for_each(|(dst, src)| {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = J::from_usize(s.to_usize());
            }
        });
    head_data
        .par_chunks_mut(COPY_BLOCK)
        .zip(x.data.par_chunks(COPY_BLOCK))
        .for_each(|(dst, src)| dst.copy_from_slice(src));
    // Each chunk of synthetic rows gets its own slices of the output.
    let mut blocks = Vec::with_capacity(stored.len().div_ceil(CHUNK_ROWS));
    for (chunk, counts) in stored.chunks(CHUNK_ROWS).enumerate() {
        let len: usize = counts.iter().sum();
        let (block_indices, rest) = std::mem::take(&mut tail_indices).split_at_mut(len);
        tail_indices = rest;
        let (block_data, rest) = std::mem::take(&mut tail_data).split_at_mut(len);
        tail_data = rest;
        blocks.push((chunk * CHUNK_ROWS, counts, block_indices, block_data));
    }
    blocks
        .into_par_iter()
        .for_each(|(first, counts, indices, data)| {
            let mut at = 0;
            for row in first..first + counts.len() {
                let ahead = row + PREFETCH_DRAWS_AHEAD;
                if let (Some(base), Some(neighbor)) =
                    (provenance.base.get(ahead), provenance.neighbor.get(ahead))
                {
                    x.prefetch_row(base.to_usize());
                    x.prefetch_row(neighbor.to_usize());
                }
                let base = x.row(provenance.base[row].to_usize());
                let neighbor = x.row(provenance.neighbor[row].to_usize());
                interpolate_row(base, neighbor, provenance.step[row], |column, v| {
                    indices[at] = J::from_usize(column.to_usize());
                    data[at] = v;
                    at += 1;
                });
            }
            debug_assert_eq!(at, indices.len());
        });
    CsrArrays {
        indptr,
        indices,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighbors::testing::{canonical_table, tie_heavy};
    use crate::parallel::run_with_threads;
    use crate::rng::Rng;
    use crate::sampling::tests::job;
    use crate::sampling::{generate as dense_generate, Draws, NeighborTable};
    use crate::stop::Stop;
    use ndarray::ArrayView2;

    /// A dense matrix of which about `density` of the entries are non-zero, with rows
    /// `r % 9 == 4` left empty.
    fn sparse_data(n: usize, d: usize, density: f64, seed: u64) -> Array2<f64> {
        let mut rng = Rng::new(seed);
        Array2::from_shape_fn((n, d), |(i, _)| {
            let keep = f64::unit_from_bits(rng.next_u64()) < density;
            let v = f64::unit_from_bits(rng.next_u64()) * 4.0 - 2.0;
            if keep && i % 9 != 4 {
                v
            } else {
                0.0
            }
        })
    }

    /// Only a handful of distinct sparse rows (one of them empty), each repeated.
    fn duplicated(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let distinct = sparse_data(9, d, 0.2, seed);
        let mut rng = Rng::new(seed + 1);
        let picks: Vec<usize> = (0..n).map(|_| rng.below(9)).collect();
        Array2::from_shape_fn((n, d), |(i, j)| distinct[[picks[i], j]])
    }

    /// The CSR arrays of the non-zeros of `dense`.
    struct Owned<F, S> {
        n_cols: usize,
        indptr: Vec<S>,
        indices: Vec<S>,
        data: Vec<F>,
    }

    impl<F: Float, S: Index> Owned<F, S> {
        fn of(dense: ArrayView2<F>) -> Self {
            let mut owned = Owned {
                n_cols: dense.ncols(),
                indptr: vec![S::from_usize(0)],
                indices: Vec::new(),
                data: Vec::new(),
            };
            for row in dense.rows() {
                for (j, &v) in row.iter().enumerate() {
                    if v != F::zero() {
                        owned.indices.push(S::from_usize(j));
                        owned.data.push(v);
                    }
                }
                owned.indptr.push(S::from_usize(owned.data.len()));
            }
            owned
        }

        fn view(&self) -> Csr<'_, F, S> {
            Csr::new(self.n_cols, &self.indptr, &self.indices, &self.data).unwrap()
        }
    }

    fn densify<F: Float, J: Index>(m: &CsrArrays<F, J>, n_cols: usize) -> Array2<F> {
        let mut dense = Array2::<F>::zeros((m.indptr.len() - 1, n_cols));
        for r in 0..dense.nrows() {
            for at in m.indptr[r].to_usize()..m.indptr[r + 1].to_usize() {
                dense[[r, m.indices[at].to_usize()]] = m.data[at];
            }
        }
        dense
    }

    fn search_matches_brute_force<F: Float, S: Index>(dense: ArrayView2<F>) {
        let x = Owned::<F, S>::of(dense);
        let n = dense.nrows();
        let all: Vec<usize> = (0..n).collect();
        let some: Vec<usize> = (0..n).filter(|r| r % 3 != 1).collect();
        let others: Vec<usize> = (0..n).filter(|r| r % 4 == 1 || r % 5 == 0).collect();
        for (queries, references) in [(&all, &all), (&some, &some), (&others, &some)] {
            for k in [1, 5, 12] {
                let want = canonical_table(dense, queries, references, k);
                for threads in [1, 2, 3] {
                    let got = run_with_threads(Some(threads), || {
                        kneighbors_among(&x.view(), queries, references, k, Stop::never()).unwrap()
                    })
                    .unwrap();
                    assert_eq!(got, want, "k={k}, {threads} threads");
                }
            }
        }
    }

    #[test]
    fn search_matches_brute_force_on_every_kind_of_data() {
        for dense in [
            sparse_data(300, 40, 0.1, 1),
            sparse_data(200, 500, 0.01, 2), // mostly orthogonal rows
            duplicated(300, 40, 3),
        ] {
            search_matches_brute_force::<f64, i32>(dense.view());
            search_matches_brute_force::<f64, i64>(dense.view());
            let narrow = dense.mapv(|v| v as f32);
            search_matches_brute_force::<f32, i32>(narrow.view());
            search_matches_brute_force::<f32, i64>(narrow.view());
        }
    }

    #[test]
    fn exact_ties_give_the_dense_table() {
        for seed in 0..60 {
            let mut rng = Rng::new(2000 + seed);
            let n = 40 + rng.below(160);
            let d = 2 + rng.below(19);
            let k = 1 + rng.below(8);
            let dense = tie_heavy(seed, n, d, seed);
            let dense32 = dense.mapv(|v| v as f32);
            let (x, x32) = (
                Owned::<f64, i32>::of(dense.view()),
                Owned::<f32, i64>::of(dense32.view()),
            );
            let all: Vec<usize> = (0..n).collect();
            let references: Vec<usize> = (0..n).filter(|_| rng.below(3) != 0).collect();
            let queries: Vec<usize> = (0..n).filter(|_| rng.below(2) == 0).collect();
            if references.len() <= k || queries.is_empty() {
                continue;
            }
            let case = format!("seed {seed}: n = {n}, d = {d}, k = {k}");
            for (queries, references) in [(&all, &all), (&queries, &references)] {
                let want = canonical_table(dense.view(), queries, references, k);
                let dense_table = crate::neighbors::kneighbors_among(
                    dense.view(),
                    queries,
                    references,
                    k,
                    Stop::never(),
                );
                assert_eq!(dense_table.unwrap(), want, "{case}: dense");
                for threads in [1, 2] {
                    let (got, got32) = run_with_threads(Some(threads), || {
                        (
                            kneighbors_among(&x.view(), queries, references, k, Stop::never()),
                            kneighbors_among(&x32.view(), queries, references, k, Stop::never()),
                        )
                    })
                    .unwrap();
                    assert_eq!(got.unwrap(), want, "{case}: {threads} threads");
                    assert_eq!(got32.unwrap(), want, "{case}: float32, {threads} threads");
                }
            }
        }
    }

    #[test]
    fn search_gives_the_dense_engines_table() {
        // 40 columns: the dense engine's exact float64 brute force.
        let dense = sparse_data(500, 40, 0.2, 4);
        let x = Owned::<f64, i32>::of(dense.view());
        let rows: Vec<usize> = (0..500).collect();
        let queries: Vec<usize> = (0..500).step_by(7).collect();
        assert_eq!(
            kneighbors_among(&x.view(), &queries, &rows, 5, Stop::never()).unwrap(),
            crate::neighbors::kneighbors_among(dense.view(), &queries, &rows, 5, Stop::never())
                .unwrap()
        );
    }

    #[test]
    fn float32_values_near_the_limit_do_not_overflow_their_differences() {
        // Found by fuzzing: a float32 difference of opposite values near f32::MAX was
        // infinite. Scaled as the dense search scales, both give the same table.
        let dense = sparse_data(300, 40, 0.3, 6).mapv(|v| (v * 3.0e37) as f32);
        let x = Owned::<f32, i32>::of(dense.view());
        let rows: Vec<usize> = (0..300).collect();
        assert_eq!(
            kneighbors_among(&x.view(), &rows, &rows, 5, Stop::never()).unwrap(),
            crate::neighbors::kneighbors_among(dense.view(), &rows, &rows, 5, Stop::never())
                .unwrap()
        );
    }

    #[test]
    fn more_columns_than_memory_can_index_are_refused() {
        // Found by fuzzing: 2^43 columns asked for a 64 TiB column index and aborted.
        let (indptr, indices, data) =
            (vec![0_i64, 1, 2, 3], vec![0_i64, 5, 9], vec![1.0, 2.0, 3.0]);
        let x = Csr::new(1 << 43, &indptr, &indices, &data).unwrap();
        assert_eq!(
            kneighbors_among(&x, &[0, 1, 2], &[0, 1, 2], 1, Stop::never()),
            Err(Error::TooLarge("the column index of X"))
        );
    }

    #[test]
    fn search_rejects_what_the_dense_search_rejects() {
        let x = Owned::<f64, i32>::of(sparse_data(5, 3, 0.5, 5).view());
        let rows: Vec<usize> = (0..5).collect();
        assert_eq!(
            kneighbors_among(&x.view(), &rows, &rows, 5, Stop::never()).unwrap_err(),
            Error::TooFewSamples {
                class: 0,
                n_samples: 5,
                k: 5
            }
        );
        assert_eq!(
            kneighbors_among(&x.view(), &rows, &rows, 0, Stop::never()).unwrap_err(),
            Error::InvalidK(0)
        );
        assert!(matches!(
            kneighbors_among(&x.view(), &[0, 7], &rows, 1, Stop::never()).unwrap_err(),
            Error::IndexOutOfRange { index: 7, .. }
        ));
        let empty = Owned::<f64, i32>::of(Array2::zeros((5, 0)).view());
        assert_eq!(
            kneighbors_among(&empty.view(), &rows, &rows, 2, Stop::never()).unwrap_err(),
            Error::NoFeatures
        );
    }

    #[test]
    fn malformed_arrays_are_refused() {
        let data = [1.0, 2.0, 3.0];
        let new = |indptr: &[i32], indices: &[i32]| Csr::new(4, indptr, indices, &data).map(|_| ());
        assert!(new(&[0, 2, 3], &[0, 3, 1]).is_ok());
        for (indptr, indices) in [
            (&[][..], &[0, 3, 1][..]),
            (&[1, 2, 3], &[0, 3, 1]),
            (&[0, 2, 2], &[0, 3, 1]),
            (&[0, 3, 2, 3], &[0, 3, 1]),
            (&[0, 2, 3], &[3, 0, 1]), // unsorted
            (&[0, 2, 3], &[1, 1, 1]), // repeated
            (&[0, 2, 3], &[0, 4, 1]), // out of range
            (&[0, 2, 3], &[-1, 2, 1]),
            (&[0, 2, 3], &[0, 3]),
        ] {
            assert!(
                matches!(new(indptr, indices), Err(Error::MalformedSparse(_))),
                "{indptr:?} {indices:?}"
            );
        }
    }

    /// Every kind of job: SMOTE's, Borderline-2's (damped, references all rows),
    /// ADASYN's (per base), SVM-SMOTE's extrapolation, a given table and partners
    /// among the other bases (ProWSyn's).
    fn every_kind_of_job(n: usize, table: &Array2<u32>) -> Vec<Job<'_>> {
        let class: Vec<usize> = (0..n).filter(|r| r % 4 == 0).collect();
        let danger: Vec<usize> = (0..n).filter(|r| r % 8 == 0).collect();
        let all: Vec<usize> = (0..n).collect();
        let mut borderline = job(
            danger.clone(),
            all.clone(),
            NeighborTable::Search(5),
            Draws::Pairs(1500),
        );
        borderline.part = 1;
        borderline.damped = Some(all.iter().map(|r| r % 4 != 0).collect());
        let mut extrapolation = job(
            danger,
            class.clone(),
            NeighborTable::Search(3),
            Draws::Pairs(700),
        );
        extrapolation.part = 2;
        extrapolation.step_scale = -0.5;
        let counts = (0..class.len()).map(|i| (i * 7) % 11).collect();
        let mut given = job(
            all[..table.nrows()].to_vec(),
            all.clone(),
            NeighborTable::Given(table.view()),
            Draws::Pairs(900),
        );
        given.class = 2;
        let mut others = job(
            class.clone(),
            class.clone(),
            NeighborTable::Others,
            Draws::Pairs(600),
        );
        others.part = 3;
        vec![
            job(
                class.clone(),
                class.clone(),
                NeighborTable::Search(5),
                Draws::Pairs(2500),
            ),
            borderline,
            job(
                class.clone(),
                class,
                NeighborTable::Search(4),
                Draws::PerBase(counts),
            ),
            extrapolation,
            given,
            others,
        ]
    }

    fn generation_matches_dense<F: Float, S: Index>(dense: ArrayView2<F>) {
        let n = dense.nrows();
        let table = Array2::from_shape_fn((50, 3), |(i, j)| ((i * 3 + j * 11) % n) as u32);
        let jobs = every_kind_of_job(n, &table);
        let x = Owned::<F, S>::of(dense);
        let want = dense_generate::<F, i32>(dense, &jobs, 17, Stop::never()).unwrap();
        for threads in [1, 2, 3] {
            let got = run_with_threads(Some(threads), || {
                generate::<F, i32, S>(&x.view(), &jobs, 17, Stop::never()).unwrap()
            })
            .unwrap();
            let CsrMatrix::Narrow(matrix) = &got.x else {
                panic!("a small output has int32 indices");
            };
            assert_eq!(densify(matrix, dense.ncols()), want.x);
            assert_eq!(got.base, want.base);
            assert_eq!(got.neighbor, want.neighbor);
            assert_eq!(got.step, want.step);
            // Stored values are the non-zeros alone, in increasing columns.
            assert!(matrix.data.iter().all(|&v| v != F::zero()));
            assert_eq!(
                matrix.data.len(),
                want.x.iter().filter(|&&v| v != F::zero()).count()
            );
        }
    }

    #[test]
    fn generation_densified_equals_dense_generation() {
        let dense = sparse_data(400, 60, 0.15, 6);
        generation_matches_dense::<f64, i32>(dense.view());
        generation_matches_dense::<f64, i64>(dense.view());
        let narrow = dense.mapv(|v| v as f32);
        generation_matches_dense::<f32, i32>(narrow.view());
        generation_matches_dense::<f32, i64>(narrow.view());
        generation_matches_dense::<f64, i32>(duplicated(400, 60, 7).view());
    }

    #[test]
    fn synthetic_rows_lie_on_their_segments() {
        let dense = sparse_data(300, 30, 0.2, 8);
        let x = Owned::<f64, i64>::of(dense.view());
        let rows: Vec<usize> = (0..300).step_by(3).collect();
        let jobs = [job(
            rows.clone(),
            rows,
            NeighborTable::Search(5),
            Draws::Pairs(3000),
        )];
        let res = generate::<f64, i64, i64>(&x.view(), &jobs, 2, Stop::never()).unwrap();
        let CsrMatrix::Narrow(matrix) = &res.x else {
            panic!("a small output has int32 indices");
        };
        let out = densify(matrix, 30);
        assert_eq!(out.slice(ndarray::s![..300, ..]), dense);
        for i in 0..3000 {
            let (b, nb, t) = (res.base[i] as usize, res.neighbor[i] as usize, res.step[i]);
            assert!((0.0..1.0).contains(&t));
            for j in 0..30 {
                let (lo, hi) = (
                    dense[[b, j]].min(dense[[nb, j]]),
                    dense[[b, j]].max(dense[[nb, j]]),
                );
                assert!((lo..=hi).contains(&out[[300 + i, j]]));
            }
        }
    }

    #[test]
    fn wide_output_indices_hold_the_same_matrix() {
        let dense = sparse_data(100, 20, 0.3, 9);
        let x = Owned::<f64, i32>::of(dense.view());
        let rows: Vec<usize> = (0..100).collect();
        let jobs = [job(
            rows.clone(),
            rows,
            NeighborTable::Search(3),
            Draws::Pairs(500),
        )];
        let tables = search_tables::<i32>(100, 20, &jobs, |job, k| {
            kneighbors_among(&x.view(), &job.bases, &job.references, k, Stop::never())
        })
        .unwrap();
        let mut provenance = Provenance::<f64, i32>::new(500);
        let mut stored = vec![0usize; 500];
        for (draws, rows) in job_draws::<f64>(&jobs, &tables, 0, Stop::never()) {
            draws.run(
                provenance.part(rows.clone()),
                stored[rows].par_chunks_mut(CHUNK_ROWS),
                |counts, drawn| {
                    for (count, draw) in counts.iter_mut().zip(drawn) {
                        let (a, c) = (
                            x.view().row(draws.bases[draw.base]),
                            x.view().row(draws.references[draw.neighbor]),
                        );
                        interpolate_row(a, c, draw.step, |_, _| *count += 1);
                    }
                },
            );
        }
        let narrow: CsrArrays<f64, i32> = fill(&x.view(), &provenance, &stored);
        let wide: CsrArrays<f64, i64> = fill(&x.view(), &provenance, &stored);
        assert_eq!(densify(&narrow, 20), densify(&wide, 20));
        assert_eq!(narrow.data, wide.data);
    }
}
