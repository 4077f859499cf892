//! Dense exact k-NN (`neighbors::kneighbors`, `kneighbors_among`) on f32 and f64
//! matrices of any magnitude and layout, checked against brute force in f64; the
//! engine choice (`Engine::for_class`); `float::first_non_finite` on matrices with
//! NaN and infinities; `distances::mean_pairwise_distance`.
#![no_main]

use arbitrary::Unstructured;
use fast_smote::error::Error;
use fast_smote::float::Float;
use fast_smote::neighbors::{Engine, MAX_TREE_DIM};
use fast_smote_fuzz::{
    check_knn, cols, core, flag, fuzz_each_float, int, k_for, largest, layout, one_in, row_count,
    rows, scaled_points, squared, threads, unit_scale, values, FuzzFloat, Mat,
};

fuzz_each_float!(run);

fn run<F: FuzzFloat>(u: &mut Unstructured<'_>) {
    non_finite::<F>(u);
    let d = cols(u);
    let n = row_count(u, 300);
    let m = Mat::new(values::<F>(u, n, d, true), layout(u));
    let x = m.view();
    let references = rows(u, n, 300);
    let mode = int(u, 0, 2);
    let queries = match mode {
        0 | 1 => references.clone(),
        _ => rows(u, n, 300),
    };
    let k = k_for(u, references.len());
    let (t1, t2) = (threads(u), threads(u));
    let search = |t| {
        core::threads(t, || match mode {
            0 => core::kneighbors(x, &references, k),
            _ => core::kneighbors_among(x, &queries, &references, k),
        })
    };
    let found = search(t1);
    let out_of_range = |rows: &[usize]| rows.iter().any(|&r| r >= n);
    let invalid =
        k == 0 || references.len() < k + 1 || out_of_range(&references) || out_of_range(&queries);
    match &found {
        Err(e) => {
            assert!(invalid, "unexpected {e:?} (n={n}, d={d}, k={k})");
            assert!(
                matches!(
                    e,
                    Error::InvalidK(_)
                        | Error::TooFewSamples { .. }
                        | Error::IndexOutOfRange { .. }
                ),
                "unexpected kind of error {e:?}"
            );
        }
        Ok(table) => {
            assert!(
                !invalid,
                "no error for k={k} among {} references",
                references.len()
            );
            check_dense(&m.a, &queries, &references, k, table);
        }
    }
    // The same table (bit for bit) on any number of threads.
    if t2 != t1 {
        assert_eq!(search(t2), found, "the result depends on the thread count");
    }
    if !out_of_range(&references) && !references.is_empty() {
        engine(u, x, &references, k, t1, t2);
    }
    if one_in(u, 4) {
        mean_pairwise::<F>(u, &m, t1);
    }
}

/// `check_knn` with the rounding the dense engines may make: the brute force's
/// expansion `|r|² − 2 q·r` (centred on the references' mean) errs by about
/// `(d + 3) u (|q − m| + R)²`, R the references' largest distance from their mean;
/// values the core's scaling pushes below the normal range add an absolute error.
fn check_dense<F: FuzzFloat>(
    a: &ndarray::Array2<F>,
    queries: &[usize],
    references: &[usize],
    k: usize,
    table: &ndarray::Array2<u32>,
) {
    let d = a.ncols();
    let largest = largest(a, &[queries, references]);
    let scale = unit_scale(largest);
    let points = scaled_points(a, scale);
    let mut mean = vec![0.0; d];
    for &r in references {
        for (m, v) in mean.iter_mut().zip(&points[r]) {
            *m += v / references.len() as f64;
        }
    }
    let radius = references
        .iter()
        .map(|&r| squared(&points[r], &mean).sqrt())
        .fold(0.0, f64::max);
    let ratio = scale / core_scale::<F>(largest);
    let absolute = 16.0 * (d as f64 + 3.0) * F::MIN_POSITIVE * ratio * ratio;
    let tolerance = |i: usize, _kth: f64| {
        let spread = squared(&points[queries[i]], &mean).sqrt() + radius;
        16.0 * (d as f64 + 3.0) * F::EPS * spread * spread + absolute
    };
    check_knn(&points, queries, references, k, table.view(), tolerance);
}

/// The power of two the core multiplies X by before it takes distances (mirrors
/// `neighbors::power_of_two_scale`; only the tolerance depends on it).
fn core_scale<F: FuzzFloat>(largest: f64) -> f64 {
    if largest == 0.0 {
        return 1.0;
    }
    let e = largest.log2().floor() as i32;
    if e.abs() < F::SAFE_EXPONENT {
        return 1.0;
    }
    2f64.powi(-e.clamp(-F::MAX_NORMAL_EXPONENT, F::MAX_NORMAL_EXPONENT))
}

/// The engine is the brute force above the KD-tree's dimensions, does not depend on
/// the thread count or the order of the rows.
fn engine<F: Float>(
    u: &mut Unstructured<'_>,
    x: ndarray::ArrayView2<F>,
    rows: &[usize],
    k: usize,
    t1: usize,
    t2: usize,
) {
    // A k the search itself would refuse still names an engine (`search_engine`),
    // even one where `k + 1` overflows.
    let k = match int(u, 0, 15) {
        0 => usize::MAX - int(u, 0, 2),
        1 => int(u, 0, 1 << 20),
        _ => k,
    };
    let picked = core::threads(t1, || core::engine_for_class(x, rows, k));
    if x.ncols() > MAX_TREE_DIM {
        assert_eq!(picked, Engine::Brute, "a tree in {} dimensions", x.ncols());
    }
    let reversed: Vec<usize> = rows.iter().rev().copied().collect();
    let again = core::threads(t2, || core::engine_for_class(x, &reversed, k));
    assert_eq!(
        picked, again,
        "the engine depends on the row order or thread count"
    );
}

/// `first_non_finite` finds the first NaN or infinity in row-major order, whatever
/// the layout.
fn non_finite<F: FuzzFloat>(u: &mut Unstructured<'_>) {
    let (n, d) = (row_count(u, 64), int(u, 0, 6));
    let mut a = values::<F>(u, n, d, false);
    if n * d > 0 && flag(u) {
        // Plant a few non-finite values among otherwise finite ones.
        a.mapv_inplace(|v| if v.is_finite() { v } else { F::zero() });
        for _ in 0..int(u, 0, 3) {
            let (i, j) = (int(u, 0, n - 1), int(u, 0, d - 1));
            a[[i, j]] = [F::nan(), F::infinity(), F::neg_infinity()][int(u, 0, 2)];
        }
    }
    let want = a
        .indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(at, _)| at);
    let m = Mat::new(a, layout(u));
    let t = threads(u);
    let got = core::threads(t, || core::first_non_finite(m.view()));
    assert_eq!(got, want, "first_non_finite");
}

/// `mean_pairwise_distance` is the mean Euclidean distance over pairs of the listed
/// rows (repeats included), as a direct f64 sum computes it.
fn mean_pairwise<F: FuzzFloat>(u: &mut Unstructured<'_>, m: &Mat<F>, t: usize) {
    let n = m.a.nrows();
    let listed = rows(u, n, 60);
    let got = core::threads(t, || core::mean_pairwise_distance(m.view(), &listed));
    let valid = listed.len() >= 2 && listed.iter().all(|&r| r < n);
    let got = match got {
        Err(e) => {
            assert!(!valid, "unexpected {e:?}");
            return;
        }
        Ok(got) => {
            assert!(valid, "no error for rows {listed:?} of {n}");
            got
        }
    };
    // In units of the largest magnitude, where no square overflows.
    let scale = unit_scale(largest(&m.a, &[&listed]));
    let points = scaled_points(&m.a, scale);
    let pairs = listed.len() * (listed.len() - 1) / 2;
    let mut total = 0.0;
    for (i, &a) in listed.iter().enumerate() {
        for &b in &listed[i + 1..] {
            total += squared(&points[a], &points[b]).sqrt();
        }
    }
    let want = total / pairs as f64 / scale;
    if want.is_finite() {
        assert!(
            got.is_finite(),
            "mean_pairwise_distance is {got} where the mean distance is {want} (rows {listed:?})"
        );
        // The core squares in f64 unscaled: differences below √(f64::MIN_POSITIVE) vanish.
        let tol = 1e-9 * want + 64.0 * f64::MIN_POSITIVE.sqrt() * (m.a.ncols() as f64).sqrt();
        assert!(
            (got - want).abs() <= tol,
            "mean_pairwise_distance {got}, want {want} (rows {listed:?})"
        );
    }
}
