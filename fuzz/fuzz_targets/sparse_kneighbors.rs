//! Sparse X: `sparse::Csr::new` on arbitrary (often malformed) CSR arrays must accept
//! exactly the well-formed ones and never panic; `sparse::kneighbors_among` on what it
//! accepts is checked against brute force; `sparse::generate` with a given neighbour
//! table makes the rows (densified) and provenance of the dense `sampling::generate`.
#![no_main]

use arbitrary::Unstructured;
use fast_smote::error::Error;
use fast_smote::sampling::{Draws, Index, Job, NeighborTable, Resampled};
use fast_smote::sparse::{CsrArrays, CsrMatrix, SparseResampled};
use fast_smote_fuzz::{
    check_knn, core, flag, fuzz_each_float_and_index, int, k_for, one_in, row_count, rows, seed,
    squared, threads, unit_scale, values, FuzzFloat, Mix,
};
use ndarray::Array2;

fuzz_each_float_and_index!(run);

/// CSR arrays as decoded (maybe malformed).
struct Arrays<F, S> {
    n_cols: usize,
    indptr: Vec<S>,
    indices: Vec<S>,
    data: Vec<F>,
}

/// Index values as SciPy could hand them, including negative ones.
trait Signed: Index {
    fn signed(v: i64) -> Self;
}

impl Signed for i32 {
    fn signed(v: i64) -> Self {
        v as i32
    }
}

impl Signed for i64 {
    fn signed(v: i64) -> Self {
        v
    }
}

fn decode<F: FuzzFloat, S: Signed>(u: &mut Unstructured<'_>) -> Arrays<F, S> {
    let n_cols = match int(u, 0, 15) {
        0 => 0,
        1 => int(u, 21, 1 << 16),
        // Not wider: the search's column index takes a word per column, and more
        // than libFuzzer's 4 GiB malloc limit is reported as out-of-memory.
        2 if one_in(u, 4) => 1 << 20,
        _ => int(u, 1, 20),
    };
    let n = row_count(u, 300);
    // Non-zeros at `density` eighths of the entries, in columns spread over the width.
    let width = n_cols.min(20);
    let dense = values::<F>(u, n, width, true);
    let density = int(u, 0, 8) as u64;
    let mut mix = Mix(seed(u));
    let stride = if n_cols > 20 { (n_cols / 20).max(1) } else { 1 };
    let mut a = Arrays {
        n_cols,
        indptr: vec![S::from_usize(0)],
        indices: Vec::new(),
        data: Vec::new(),
    };
    for row in dense.rows() {
        for (j, &v) in row.iter().enumerate() {
            // Explicit zeros are valid CSR too.
            if mix.next() % 8 < density && (v != F::zero() || mix.next() % 4 == 0) {
                a.indices.push(S::from_usize(j * stride));
                a.data.push(v);
            }
        }
        a.indptr.push(S::from_usize(a.data.len()));
    }
    if one_in(u, 3) {
        corrupt(u, &mut a, &mut mix);
    }
    a
}

/// One malformation of the kind `Csr::new` must refuse (or a harmless change).
fn corrupt<F: FuzzFloat, S: Signed>(u: &mut Unstructured<'_>, a: &mut Arrays<F, S>, mix: &mut Mix) {
    let value = |u: &mut Unstructured<'_>| match int(u, 0, 3) {
        0 => -1,
        1 => i64::from(u.arbitrary::<i32>().unwrap_or(0)),
        2 => u.arbitrary::<i64>().unwrap_or(0),
        _ => int(u, 0, 40) as i64,
    };
    match int(u, 0, 6) {
        0 => a.indptr.clear(),
        1 => {
            if flag(u) {
                a.data.push(F::zero());
            } else {
                a.indices.pop();
            }
        }
        2 if !a.indptr.is_empty() => {
            let at = mix.below(a.indptr.len());
            a.indptr[at] = S::signed(value(u));
        }
        3 if !a.indices.is_empty() => {
            let at = mix.below(a.indices.len());
            a.indices[at] = S::signed(value(u));
        }
        4 if a.indices.len() >= 2 => {
            let at = mix.below(a.indices.len() - 1);
            a.indices.swap(at, at + 1);
        }
        5 => a.n_cols = a.n_cols.saturating_sub(int(u, 1, 3)),
        _ => {
            // Remove a row pointer: rows shift and may end past the data.
            if a.indptr.len() > 1 {
                let at = mix.below(a.indptr.len());
                a.indptr.remove(at);
            }
        }
    }
}

/// The structure `Csr::new` documents, checked independently.
fn well_formed<F, S: Index>(a: &Arrays<F, S>) -> bool {
    let p: Vec<usize> = a.indptr.iter().map(|v| v.to_usize()).collect();
    if p.is_empty()
        || a.indices.len() != a.data.len()
        || p[0] != 0
        || p[p.len() - 1] != a.data.len()
    {
        return false;
    }
    if p.windows(2).any(|w| w[0] > w[1]) {
        return false;
    }
    p.windows(2).all(|w| {
        let columns: Vec<usize> = a.indices[w[0]..w[1]].iter().map(|c| c.to_usize()).collect();
        columns.windows(2).all(|c| c[0] < c[1]) && columns.iter().all(|&c| c < a.n_cols)
    })
}

fn run<F: FuzzFloat, S: Signed>(u: &mut Unstructured<'_>) {
    let a = decode::<F, S>(u);
    let t = threads(u);
    let csr = core::threads(t, || core::csr(a.n_cols, &a.indptr, &a.indices, &a.data));
    let csr = match (csr, well_formed(&a)) {
        (Ok(csr), true) => csr,
        (Err(Error::MalformedSparse(_)), false) => return,
        (Err(e), true) => panic!("well-formed CSR refused: {e:?}"),
        (Err(e), false) => panic!("malformed CSR refused with {e:?}, not MalformedSparse"),
        (Ok(_), false) => panic!("malformed CSR accepted"),
    };
    let n = a.indptr.len() - 1;
    // Each row's stored values by column, in f64.
    let stored: Vec<Vec<(usize, f64)>> = (0..n)
        .map(|r| {
            let range = a.indptr[r].to_usize()..a.indptr[r + 1].to_usize();
            range
                .map(|i| (a.indices[i].to_usize(), a.data[i].to64()))
                .collect()
        })
        .collect();
    let references = rows(u, n, 300);
    let queries = if flag(u) {
        references.clone()
    } else {
        rows(u, n, 300)
    };
    let k = k_for(u, references.len());
    let found = core::threads(t, || {
        core::sparse_kneighbors_among(&csr, &queries, &references, k)
    });
    let out_of_range = |rows: &[usize]| rows.iter().any(|&r| r >= n);
    let invalid = k == 0
        || references.len() < k + 1
        || out_of_range(&references)
        || out_of_range(&queries)
        || a.n_cols == 0;
    match found {
        Err(e) => assert!(invalid, "unexpected {e:?}"),
        Ok(table) => {
            assert!(
                !invalid,
                "no error for k={k} among {} references",
                references.len()
            );
            check_sparse::<F>(&stored, &queries, &references, k, &table);
        }
    }
    if a.n_cols <= 64 && n > 0 && a.n_cols > 0 {
        generate::<F, S>(u, &a, &csr, &stored, t);
    }
}

/// `check_knn` with the sparse search's rounding: candidates ranked by the expansion
/// `|q|² + |r|² − 2 q·r` in f64 (not centred) may miss a reference within about
/// `(nnz + 3) u64 (|q|² + max |r|²)`; the exact re-ranking takes differences in F.
fn check_sparse<F: FuzzFloat>(
    stored: &[Vec<(usize, f64)>],
    queries: &[usize],
    references: &[usize],
    k: usize,
    table: &Array2<u32>,
) {
    // Only the columns that hold a value matter: compress to those.
    let mut columns: Vec<usize> = stored.iter().flatten().map(|&(c, _)| c).collect();
    columns.sort_unstable();
    columns.dedup();
    let largest = [queries, references]
        .iter()
        .flat_map(|rows| rows.iter())
        .flat_map(|&r| stored[r].iter())
        .fold(0.0, |m: f64, &(_, v)| m.max(v.abs()));
    let scale = unit_scale(largest);
    let points: Vec<Vec<f64>> = stored
        .iter()
        .map(|row| {
            let mut p = vec![0.0; columns.len()];
            for &(c, v) in row {
                p[columns.binary_search(&c).expect("a stored column")] = v * scale;
            }
            p
        })
        .collect();
    let zero = vec![0.0; columns.len()];
    let norm = |r: usize| squared(&points[r], &zero);
    let widest = references.iter().map(|&r| norm(r)).fold(0.0, f64::max);
    let terms = columns.len() as f64 + 3.0;
    let core_scale = {
        let e = if largest == 0.0 {
            0
        } else {
            largest.log2().floor() as i32
        };
        if e.abs() < F::SAFE_EXPONENT {
            1.0
        } else {
            2f64.powi(-e.clamp(-F::MAX_NORMAL_EXPONENT, F::MAX_NORMAL_EXPONENT))
        }
    };
    let ratio = scale / core_scale;
    let absolute = 16.0 * terms * f64::MIN_POSITIVE * ratio * ratio;
    let tolerance = |i: usize, kth: f64| {
        16.0 * terms * f64::EPSILON * (norm(queries[i]) + widest) + 8.0 * F::EPS * kth + absolute
    };
    check_knn(&points, queries, references, k, table.view(), tolerance);
}

/// `sparse::generate` with a given table: the dense rows and provenance.
fn generate<F: FuzzFloat, S: Index>(
    u: &mut Unstructured<'_>,
    a: &Arrays<F, S>,
    csr: &fast_smote::sparse::Csr<'_, F, S>,
    stored: &[Vec<(usize, f64)>],
    t: usize,
) {
    let n = stored.len();
    let mut dense = Array2::<F>::zeros((n, a.n_cols));
    for (r, row) in stored.iter().enumerate() {
        let range = a.indptr[r].to_usize()..a.indptr[r + 1].to_usize();
        for (i, &(c, _)) in range.zip(row) {
            dense[[r, c]] = a.data[i];
        }
    }
    let bases = rows(u, n, 300);
    let references = if flag(u) {
        bases.clone()
    } else {
        rows(u, n, 300)
    };
    if references.is_empty() || bases.iter().chain(&references).any(|&r| r >= n) {
        return;
    }
    let mut mix = Mix(seed(u));
    let table = Array2::from_shape_simple_fn((bases.len(), int(u, 1, 5)), || {
        mix.below(references.len()) as u32
    });
    let count = if bases.is_empty() { 0 } else { int(u, 0, 2500) };
    let step_scale = [1.0, -1.0, 0.5][int(u, 0, 2)];
    let job = Job {
        class: int(u, 0, 3),
        part: int(u, 0, 2),
        bases,
        references,
        neighbors: NeighborTable::Given(table.view()),
        draws: Draws::Pairs(count),
        step_scale,
        damped: None,
    };
    let jobs = [job];
    let random_state = seed(u);
    let sparse: SparseResampled<F, i64> =
        core::threads(t, || core::sparse_generate(csr, &jobs, random_state)).expect("a valid job");
    let want: Resampled<F, i64> =
        core::threads(t, || core::generate(dense.view(), &jobs, random_state))
            .expect("a valid job");
    assert_eq!(
        sparse.base, want.base,
        "sparse provenance (base) differs from dense"
    );
    assert_eq!(
        sparse.neighbor, want.neighbor,
        "sparse provenance (neighbour) differs from dense"
    );
    assert_eq!(sparse.step, want.step, "sparse steps differ from dense");
    let got = match &sparse.x {
        CsrMatrix::Narrow(m) => densify(m, a.n_cols),
        CsrMatrix::Wide(m) => densify(m, a.n_cols),
    };
    assert_eq!(got.dim(), want.x.dim(), "sparse output shape");
    for ((at, g), w) in got.indexed_iter().zip(want.x.iter()) {
        assert!(g == w, "sparse output {at:?} is {g:?}, dense {w:?}");
    }
    // The originals are X's arrays, copied as they are.
    let (indptr, indices, data) = match &sparse.x {
        CsrMatrix::Narrow(m) => head(m, n),
        CsrMatrix::Wide(m) => head(m, n),
    };
    let expect = |v: &[S]| v.iter().map(|s| s.to_usize()).collect::<Vec<_>>();
    assert_eq!(indptr, expect(&a.indptr), "copied indptr");
    assert_eq!(indices, expect(&a.indices), "copied indices");
    let bits = |v: &[F]| v.iter().map(|f| f.bits()).collect::<Vec<_>>();
    assert_eq!(bits(&data), bits(&a.data), "copied data");
}

fn densify<F: FuzzFloat, J: Index>(m: &CsrArrays<F, J>, n_cols: usize) -> Array2<F> {
    let n = m.indptr.len() - 1;
    let mut out = Array2::<F>::zeros((n, n_cols));
    for r in 0..n {
        let range = m.indptr[r].to_usize()..m.indptr[r + 1].to_usize();
        let columns: Vec<usize> = m.indices[range.clone()]
            .iter()
            .map(|c| c.to_usize())
            .collect();
        assert!(
            columns.windows(2).all(|c| c[0] < c[1]),
            "output row {r}: columns not increasing"
        );
        for (c, &v) in columns.into_iter().zip(&m.data[range]) {
            assert!(c < n_cols, "output row {r}: column {c} of {n_cols}");
            out[[r, c]] = v;
        }
    }
    out
}

/// The first `n` rows' arrays of an output matrix.
fn head<F: FuzzFloat, J: Index>(m: &CsrArrays<F, J>, n: usize) -> (Vec<usize>, Vec<usize>, Vec<F>) {
    let end = m.indptr[n].to_usize();
    (
        m.indptr[..=n].iter().map(|p| p.to_usize()).collect(),
        m.indices[..end].iter().map(|c| c.to_usize()).collect(),
        m.data[..end].to_vec(),
    )
}
