//! What the fuzz targets share: decoding libFuzzer's bytes into the core's inputs
//! (matrices of any magnitude and layout, row lists, k, seeds, thread counts), and the
//! brute-force k-NN check. The calls into the core are in `core`.

pub mod core;

use std::fmt::Debug;
use std::ops::Range;

use arbitrary::Unstructured;
use fast_smote::float::Float;
use ndarray::{s, Array2, ArrayView2};

/// A fuzz target running `$run::<F>(&mut u)` for `F` f32 or f64, as the input picks.
#[macro_export]
macro_rules! fuzz_each_float {
    ($run:ident) => {
        ::libfuzzer_sys::fuzz_target!(|data: &[u8]| {
            let mut u = ::arbitrary::Unstructured::new(data);
            if $crate::flag(&mut u) {
                $run::<f32>(&mut u);
            } else {
                $run::<f64>(&mut u);
            }
        });
    };
}

/// A fuzz target running `$run::<F, I>(&mut u)` for each float type `F` and index
/// type `I` (i32, i64), as the input picks.
#[macro_export]
macro_rules! fuzz_each_float_and_index {
    ($run:ident) => {
        ::libfuzzer_sys::fuzz_target!(|data: &[u8]| {
            let mut u = ::arbitrary::Unstructured::new(data);
            match $crate::int(&mut u, 0, 3) {
                0 => $run::<f32, i32>(&mut u),
                1 => $run::<f32, i64>(&mut u),
                2 => $run::<f64, i32>(&mut u),
                _ => $run::<f64, i64>(&mut u),
            }
        });
    };
}

/// A window `first..end` of a job's `n_chunks` chunks, drawn to be invalid at times,
/// and what `make` returns for it; `None` once an invalid window is checked refused.
pub fn window_of<T, E: Debug>(
    u: &mut Unstructured<'_>,
    n_chunks: usize,
    make: impl FnOnce(Range<usize>) -> Result<T, E>,
) -> Option<(usize, usize, T)> {
    let first = int(u, 0, n_chunks + 1);
    let end = int(u, 0, n_chunks + 1);
    let got = make(first..end);
    if first > end || end > n_chunks {
        assert!(
            got.is_err(),
            "window {first}..{end} of {n_chunks} chunks accepted"
        );
        return None;
    }
    Some((first, end, got.expect("a window of a valid job")))
}

/// A draw in `lo..=hi` (`lo` once the input has run out).
pub fn int(u: &mut Unstructured<'_>, lo: usize, hi: usize) -> usize {
    u.int_in_range(lo..=hi).unwrap_or(lo)
}

pub fn flag(u: &mut Unstructured<'_>) -> bool {
    u.arbitrary().unwrap_or(false)
}

/// True about once in `n` draws (never once the input has run out).
pub fn one_in(u: &mut Unstructured<'_>, n: u8) -> bool {
    !u.is_empty() && u.arbitrary::<u8>().unwrap_or(1) % n == 0
}

pub fn seed(u: &mut Unstructured<'_>) -> u64 {
    u.arbitrary().unwrap_or(0)
}

/// A thread count for `core::threads`.
pub fn threads(u: &mut Unstructured<'_>) -> usize {
    int(u, 1, 3)
}

/// A column count: mostly the KD-tree's range (1..=13), else up to 20 (brute force).
pub fn cols(u: &mut Unstructured<'_>) -> usize {
    if one_in(u, 3) {
        int(u, 14, 20)
    } else {
        int(u, 1, 13)
    }
}

/// A row count up to `max`, mostly small.
pub fn row_count(u: &mut Unstructured<'_>, max: usize) -> usize {
    match int(u, 0, 3) {
        0 => int(u, 0, 8.min(max)),
        1 => int(u, 0, 40.min(max)),
        _ => int(u, 0, max),
    }
}

/// A `k`: small, or at the edges of what `n` candidates allow.
pub fn k_for(u: &mut Unstructured<'_>, n: usize) -> usize {
    match int(u, 0, 7) {
        0 => 0,
        1 => n.saturating_sub(1),
        2 => n,
        3 => n + 1,
        4 => int(u, 1, 30),
        _ => int(u, 1, 6),
    }
}

/// SplitMix64: cheap pseudo-random bulk from a few input bytes.
pub struct Mix(pub u64);

impl Mix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Roughly standard normal (a sum of four uniforms).
    pub fn normal(&mut self) -> f64 {
        (0..4)
            .map(|_| (self.next() >> 11) as f64 / (1u64 << 53) as f64)
            .sum::<f64>()
            * 1.732
            - 3.464
    }
}

/// f32 or f64 as the fuzz targets make them.
pub trait FuzzFloat: Float {
    /// Half the distance from 1 to the next value: the unit roundoff.
    const EPS: f64;
    /// The smallest positive normal value.
    const MIN_POSITIVE: f64;
    /// The exponent range of normal values and the mantissa width, as in `f64::MIN_EXP`.
    const MIN_EXP: i32;
    const MAX_EXP: i32;
    const MANTISSA_DIGITS: u32;
    /// The value of any bit pattern (NaN, infinities, subnormals included).
    fn raw(bits: u64) -> Self;
    /// The same bit pattern with the top exponent bit cleared: always finite.
    fn finite_raw(bits: u64) -> Self;
    fn of(v: f64) -> Self;
    fn to64(self) -> f64;
    /// The bit pattern, as `raw` reads it (f32's in the low half).
    fn bits(self) -> u64;
}

impl FuzzFloat for f32 {
    const EPS: f64 = f32::EPSILON as f64 / 2.0;
    const MIN_POSITIVE: f64 = f32::MIN_POSITIVE as f64;
    const MIN_EXP: i32 = f32::MIN_EXP;
    const MAX_EXP: i32 = f32::MAX_EXP;
    const MANTISSA_DIGITS: u32 = f32::MANTISSA_DIGITS;
    fn raw(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
    fn finite_raw(bits: u64) -> Self {
        f32::from_bits(bits as u32 & !0x4000_0000)
    }
    fn of(v: f64) -> Self {
        v as f32
    }
    fn to64(self) -> f64 {
        f64::from(self)
    }
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

impl FuzzFloat for f64 {
    const EPS: f64 = f64::EPSILON / 2.0;
    const MIN_POSITIVE: f64 = f64::MIN_POSITIVE;
    const MIN_EXP: i32 = f64::MIN_EXP;
    const MAX_EXP: i32 = f64::MAX_EXP;
    const MANTISSA_DIGITS: u32 = f64::MANTISSA_DIGITS;
    fn raw(bits: u64) -> Self {
        f64::from_bits(bits)
    }
    fn finite_raw(bits: u64) -> Self {
        f64::from_bits(bits & !0x4000_0000_0000_0000)
    }
    fn of(v: f64) -> Self {
        v
    }
    fn to64(self) -> f64 {
        self
    }
    fn bits(self) -> u64 {
        self.to_bits()
    }
}

/// A value from the next input bytes, any bit pattern.
pub fn raw<F: FuzzFloat>(u: &mut Unstructured<'_>) -> F {
    F::raw(u.arbitrary().unwrap_or(0))
}

/// A finite value from the next input bytes.
pub fn finite<F: FuzzFloat>(u: &mut Unstructured<'_>) -> F {
    F::finite_raw(u.arbitrary().unwrap_or(0))
}

/// An `n` × `d` matrix: raw bit patterns, a few repeated values, Gaussian clouds at any
/// power of two (with an offset), small integers, or columns at different scales;
/// then some rows copied from earlier ones. `finite` replaces every non-finite value.
pub fn values<F: FuzzFloat>(
    u: &mut Unstructured<'_>,
    n: usize,
    d: usize,
    finite: bool,
) -> Array2<F> {
    let mut mix = Mix(seed(u));
    let exponent = |u: &mut Unstructured<'_>| {
        let (lo, hi) = (F::MIN_EXP - F::MANTISSA_DIGITS as i32 - 4, F::MAX_EXP);
        u.int_in_range(lo..=hi).unwrap_or(0)
    };
    let mut a = match int(u, 0, 4) {
        0 => {
            // The first values from the input, the rest random bit patterns: the input
            // stays short, and later decisions still get their bytes.
            let mut from_input = 32;
            Array2::from_shape_simple_fn((n, d), || {
                if from_input > 0 {
                    from_input -= 1;
                    raw::<F>(u)
                } else {
                    F::raw(mix.next())
                }
            })
        }
        1 => {
            let palette: Vec<F> = (0..int(u, 1, 8)).map(|_| raw::<F>(u)).collect();
            Array2::from_shape_simple_fn((n, d), || palette[mix.below(palette.len())])
        }
        2 => {
            let scale = 2f64.powi(exponent(u));
            let offset = if flag(u) { raw::<F>(u).to64() } else { 0.0 };
            Array2::from_shape_simple_fn((n, d), || F::of(offset + scale * mix.normal()))
        }
        3 => {
            let spread = int(u, 1, 3) as u64;
            Array2::from_shape_simple_fn((n, d), || {
                F::of((mix.next() % (2 * spread + 1)) as f64 - spread as f64)
            })
        }
        _ => {
            let scales: Vec<f64> = (0..d).map(|_| 2f64.powi(exponent(u))).collect();
            Array2::from_shape_fn((n, d), |(_, j)| F::of(scales[j] * mix.normal()))
        }
    };
    let copies = int(u, 0, 4) as u64;
    for i in 1..n {
        if mix.next() % 8 < copies {
            let from = mix.below(i);
            let row = a.row(from).to_owned();
            a.row_mut(i).assign(&row);
        }
    }
    if finite {
        a.mapv_inplace(|v| {
            if v.is_finite() {
                v
            } else {
                F::finite_raw(v.bits())
            }
        });
    }
    a
}

/// How a matrix is laid out in memory (the core takes any `ArrayView2`).
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    C,
    Fortran,
    /// Every other column of a matrix twice as wide.
    Strided,
    /// Rows stored bottom-up (a negative row stride).
    Reversed,
}

pub fn layout(u: &mut Unstructured<'_>) -> Layout {
    match int(u, 0, 7) {
        0 => Layout::Fortran,
        1 => Layout::Strided,
        2 => Layout::Reversed,
        _ => Layout::C,
    }
}

/// A matrix `a` (standard layout, for the checks) and the same values in `layout`.
pub struct Mat<F> {
    pub a: Array2<F>,
    storage: Array2<F>,
    layout: Layout,
}

impl<F: FuzzFloat> Mat<F> {
    pub fn new(a: Array2<F>, layout: Layout) -> Self {
        let (n, d) = a.dim();
        let storage = match layout {
            Layout::C => a.clone(),
            Layout::Fortran => a.t().to_owned(),
            Layout::Strided => {
                let mut wide = Array2::from_elem((n, 2 * d), F::of(-7.0));
                wide.slice_mut(s![.., ..;2]).assign(&a);
                wide
            }
            Layout::Reversed => a.slice(s![..;-1, ..]).to_owned(),
        };
        Mat { a, storage, layout }
    }

    /// The matrix as the core sees it: equal to `a`, laid out as asked.
    pub fn view(&self) -> ArrayView2<'_, F> {
        match self.layout {
            Layout::C => self.storage.view(),
            Layout::Fortran => self.storage.t(),
            Layout::Strided => self.storage.slice(s![.., ..;2]),
            Layout::Reversed => self.storage.slice(s![..;-1, ..]),
        }
    }
}

/// A list of rows of an `n`-row matrix: all of them in order, a distinct subset (in
/// order or shuffled), a list with repeats, or (rarely) one with an index out of range.
pub fn rows(u: &mut Unstructured<'_>, n: usize, max_len: usize) -> Vec<usize> {
    let mut mix = Mix(seed(u));
    let mode = int(u, 0, 15);
    let len = int(u, 0, n.min(max_len));
    let mut rows: Vec<usize> = match mode {
        0..=4 => (0..n.min(max_len)).collect(),
        5..=11 => {
            let mut all: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                all.swap(i, mix.below(i + 1));
            }
            all.truncate(len);
            if mode <= 8 {
                all.sort_unstable();
            }
            all
        }
        _ if n == 0 => Vec::new(),
        _ => (0..len).map(|_| mix.below(n)).collect(),
    };
    if mode == 15 || one_in(u, 32) {
        let bad = match int(u, 0, 2) {
            0 => n,
            1 => n + int(u, 1, 1000),
            _ => usize::MAX,
        };
        let at = int(u, 0, rows.len());
        rows.insert(at, bad);
    }
    rows
}

/// `2^-⌊log2 largest⌋`: brings the largest magnitude into `[1, 2)` (1 for zero; a
/// subnormal largest only up to `2^1022`, the largest power of two f64 holds).
pub fn unit_scale(largest: f64) -> f64 {
    if largest == 0.0 || !largest.is_finite() {
        return 1.0;
    }
    let e = (largest.log2().floor() as i32).max(-1022);
    2f64.powi(-e)
}

/// The squared Euclidean distance of two rows given as f64 values already scaled by
/// `unit_scale` (so that nothing overflows).
pub fn squared(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// Checks a k-NN table for `queries` among `references` against brute force.
/// `points[r]` is row `r` of X in f64, scaled by a common power of two (see
/// `unit_scale`); `tolerance(i, kth)` is how far query `i`'s `j`-th listed neighbour
/// may lie beyond the true `j`-th nearest (`kth` the true k-th squared distance).
/// Panics (a finding) on a position out of range, a repeated position, the query
/// listed as its own neighbour, or a neighbour farther than the tolerance allows.
pub fn check_knn(
    points: &[Vec<f64>],
    queries: &[usize],
    references: &[usize],
    k: usize,
    table: ArrayView2<u32>,
    tolerance: impl Fn(usize, f64) -> f64,
) {
    assert_eq!(table.dim(), (queries.len(), k), "table shape");
    for (i, &q) in queries.iter().enumerate() {
        let listed: Vec<usize> = table.row(i).iter().map(|&p| p as usize).collect();
        assert!(
            listed.iter().all(|&p| p < references.len()),
            "query {i} (row {q}): position out of range in {listed:?} ({} references)",
            references.len()
        );
        let mut unique = listed.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            k,
            "query {i} (row {q}) repeats a position: {listed:?}"
        );
        // The query's own row may sit at several positions (repeated references):
        // exactly one of them is the query itself, the others are exact twins.
        let own: Vec<usize> = (0..references.len())
            .filter(|&p| references[p] == q)
            .collect();
        let listed_own = listed.iter().filter(|p| own.contains(p)).count();
        assert!(
            own.is_empty() || listed_own < own.len(),
            "query {i} (row {q}) lists itself: {listed:?}, own positions {own:?}"
        );
        let mut want: Vec<f64> = (0..references.len())
            .filter(|&p| own.first() != Some(&p))
            .map(|p| squared(&points[q], &points[references[p]]))
            .collect();
        want.sort_by(f64::total_cmp);
        let got: Vec<f64> = listed
            .iter()
            .map(|&p| squared(&points[q], &points[references[p]]))
            .collect();
        let mut sorted = got.clone();
        sorted.sort_by(f64::total_cmp);
        let tol = tolerance(i, want[k - 1]);
        for j in 0..k {
            assert!(
                sorted[j] <= want[j] + tol,
                "query {i} (row {q}): neighbour {j} at squared distance {} but the true {j}-th \
                 nearest is at {} (tolerance {tol}); listed {listed:?} at {got:?}, nearest {:?}",
                sorted[j],
                want[j],
                &want[..k]
            );
        }
        for j in 1..k {
            assert!(
                got[j - 1] <= got[j] + tol,
                "query {i} (row {q}): not nearest first: {listed:?} at {got:?} (tolerance {tol})"
            );
        }
    }
}

/// `points` for `check_knn`: every row of `a` in f64 times `scale`.
pub fn scaled_points<F: FuzzFloat>(a: &Array2<F>, scale: f64) -> Vec<Vec<f64>> {
    a.rows()
        .into_iter()
        .map(|row| row.iter().map(|v| v.to64() * scale).collect())
        .collect()
}

/// The largest magnitude among `rows` of `a` (in range) as f64.
pub fn largest<F: FuzzFloat>(a: &Array2<F>, rows: &[&[usize]]) -> f64 {
    rows.iter()
        .flat_map(|rows| rows.iter())
        .filter(|&&r| r < a.nrows())
        .flat_map(|&r| a.row(r).to_owned())
        .fold(0.0, |m, v| m.max(v.to64().abs()))
}
