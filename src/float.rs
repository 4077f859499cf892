//! The element types the core works in: `f32` and `f64`, never mixed, never up-cast.

use std::fmt::Debug;

/// A floating-point element type of X.
pub trait Float:
    num_traits::Float + std::iter::Sum + Debug + Default + Send + Sync + 'static
{
    /// Magnitudes within `2^±SAFE_EXPONENT` keep squared distances computed in this
    /// type far from overflow and underflow, over any number of features.
    const SAFE_EXPONENT: i32;

    /// The largest `e` for which both `2^e` and `2^-e` are normal numbers of this type.
    const MAX_NORMAL_EXPONENT: i32;

    /// A uniform draw from `[0, 1)` built from the top mantissa-width bits of `bits`.
    fn unit_from_bits(bits: u64) -> Self;

    /// `c = a · bᵀ` for row-major `a` (m × depth) and `b` (n × depth); `c` is m × n.
    fn gemm_abt(m: usize, n: usize, depth: usize, a: &[Self], b: &[Self], c: &mut [Self]);
}

/// `a + step * (c − a)`: the one interpolation of every generation kernel. Where that
/// is not finite though `a` and `c` are (their difference overflows, at opposite signs
/// near the type's limit, or an extrapolation leaves its range), see `interpolate_far`.
#[inline]
pub fn interpolate<F: Float>(a: F, c: F, step: F) -> F {
    let v = a + step * (c - a);
    if v.is_finite() {
        v
    } else {
        interpolate_far(a, c, step)
    }
}

/// The same point as `a (1 − step) + c step`, which cannot overflow for steps in
/// `[0, 1]`; an extrapolation beyond the largest finite value saturates there, on the
/// side the extrapolation goes.
#[cold]
fn interpolate_far<F: Float>(a: F, c: F, step: F) -> F {
    let v = a * (F::one() - step) + c * step;
    if v.is_finite() {
        return v;
    }
    let direction = a + step * (c - a);
    let side = if direction.is_nan() { a } else { direction };
    F::max_value().copysign(side)
}

macro_rules! impl_float {
    ($t:ty, $mantissa_bits:expr, $safe_exponent:expr) => {
        impl Float for $t {
            const SAFE_EXPONENT: i32 = $safe_exponent;
            const MAX_NORMAL_EXPONENT: i32 = 1 - <$t>::MIN_EXP;

            #[inline]
            fn unit_from_bits(bits: u64) -> Self {
                const SCALE: $t = 1.0 / (1u64 << $mantissa_bits) as $t;
                (bits >> (64 - $mantissa_bits)) as $t * SCALE
            }

            fn gemm_abt(m: usize, n: usize, depth: usize, a: &[Self], b: &[Self], c: &mut [Self]) {
                assert!(a.len() >= m * depth && b.len() >= n * depth && c.len() >= m * n);
                let depth_stride = depth as isize;
                // SAFETY: the assert above keeps every access of the strided matrices
                // (a: m × depth, b read as depth × n, c: m × n, all row-major) in bounds;
                // `c` is written without being read.
                unsafe {
                    gemm::gemm(
                        m,
                        n,
                        depth,
                        c.as_mut_ptr(),
                        1,
                        n as isize,
                        false,
                        a.as_ptr(),
                        1,
                        depth_stride,
                        b.as_ptr(),
                        depth_stride,
                        1,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    );
                }
            }
        }
    };
}

impl_float!(f32, 24, 32);
impl_float!(f64, 53, 256);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_stays_finite_and_on_the_segment_near_the_limits() {
        let big = f64::MAX * 0.9;
        for step in [0.0, 0.25, 0.5, 0.999] {
            let v = interpolate(-big, big, step);
            assert!(v.is_finite());
            let want = big * (2.0 * step - 1.0);
            assert!((v - want).abs() <= 1e-15 * big, "{step}: {v} vs {want}");
        }
        let big32 = f32::MAX * 0.9;
        assert_eq!(interpolate(-big32, big32, 0.5f32), 0.0);
        // Ordinary values take the plain formula, bit for bit.
        assert_eq!(interpolate(1.5, 4.0, 0.3), 1.5 + 0.3 * (4.0 - 1.5));
        // An extrapolation past the largest value saturates on its side.
        assert_eq!(interpolate(big, 0.0, -0.5), f64::MAX);
        assert_eq!(interpolate(-big, 0.0, -0.5), -f64::MAX);
    }

    #[test]
    fn unit_draws_stay_below_one() {
        assert_eq!(f64::unit_from_bits(0), 0.0);
        assert!(f64::unit_from_bits(u64::MAX) < 1.0);
        assert!(f32::unit_from_bits(u64::MAX) < 1.0);
        assert_eq!(f32::unit_from_bits(1 << 63), 0.5);
    }

    #[test]
    fn gemm_matches_naive_product() {
        let a: Vec<f64> = (0..6).map(f64::from).collect(); // 2 × 3
        let b: Vec<f64> = (0..12).map(|v| f64::from(v) * 0.5).collect(); // 4 × 3
        let mut c = vec![0.0; 8];
        f64::gemm_abt(2, 4, 3, &a, &b, &mut c);
        for i in 0..2 {
            for j in 0..4 {
                let want: f64 = (0..3).map(|p| a[i * 3 + p] * b[j * 3 + p]).sum();
                assert_eq!(c[i * 4 + j], want);
            }
        }
    }
}

/// The first non-finite entry of `x` in row-major order, if any, found in parallel.
pub fn first_non_finite<F: Float>(x: ndarray::ArrayView2<F>) -> Option<(usize, usize)> {
    use rayon::prelude::*;
    const BLOCK_ROWS: usize = 4096;
    x.axis_chunks_iter(ndarray::Axis(0), BLOCK_ROWS)
        .into_par_iter()
        .enumerate()
        .find_map_first(|(block, rows)| {
            // A contiguous block (C- or F-ordered X) is cleared by a branch-free scan;
            // only a block that fails it, or a strided one, is searched entry by entry.
            if rows.as_slice_memory_order().is_some_and(all_finite) {
                return None;
            }
            rows.indexed_iter()
                .find(|(_, v)| !v.is_finite())
                .map(|((r, c), _)| (block * BLOCK_ROWS + r, c))
        })
}

/// Whether every value is finite: no early exit, so the compiler vectorises it.
fn all_finite<F: Float>(values: &[F]) -> bool {
    values.iter().fold(true, |finite, v| finite & v.is_finite())
}

#[cfg(test)]
mod finite_tests {
    use super::*;

    #[test]
    fn finds_the_first_non_finite_entry() {
        let mut x = ndarray::Array2::<f32>::zeros((10_000, 3));
        assert_eq!(first_non_finite(x.view()), None);
        x[[9_000, 2]] = f32::NEG_INFINITY;
        x[[5_000, 1]] = f32::NAN;
        assert_eq!(first_non_finite(x.view()), Some((5_000, 1)));
        assert_eq!(first_non_finite(x.t()), Some((1, 5_000)));
    }
}
