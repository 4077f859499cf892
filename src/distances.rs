//! Distance summaries of a set of rows.

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::neighbors::power_of_two_scale;
use crate::sampling::{check_rows, gather};
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

/// The mean Euclidean distance between two different rows of `rows` (KMeans-SMOTE's
/// cluster density), summed exactly over all pairs in f64.
pub fn mean_pairwise_distance<F: Float>(
    x: ArrayView2<F>,
    rows: &[usize],
    stop: &Stop,
) -> Result<f64> {
    check_rows("class rows", rows, x.nrows())?;
    let m = rows.len();
    if m < 2 {
        return Err(Error::TooFewSamples {
            class: 0,
            n_samples: m,
            k: 1,
        });
    }
    let d = x.ncols();
    let mut block: Vec<f64> = gather(x, rows.par_iter().copied())
        .into_iter()
        .map(|v| v.to_f64().expect("a float"))
        .collect();
    // Magnitudes whose squares overflow (or vanish) in f64 are scaled by a power of
    // two, exactly, and the mean scaled back.
    let largest = block.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    let scale = power_of_two_scale(largest, f64::SAFE_EXPONENT);
    if scale != 1.0 {
        block.iter_mut().for_each(|v| *v *= scale);
    }
    let row = |i: usize| &block[i * d..(i + 1) * d];
    let total: f64 = (0..m)
        .into_par_iter()
        .map(|i| {
            if stop.requested() {
                return 0.0;
            }
            let a = row(i);
            (i + 1..m)
                .map(|j| {
                    a.iter()
                        .zip(row(j))
                        .map(|(p, q)| (p - q) * (p - q))
                        .sum::<f64>()
                        .sqrt()
                })
                .sum::<f64>()
        })
        .sum();
    stop.check()?;
    Ok(2.0 * total / (m * (m - 1)) as f64 / scale)
}

/// The Euclidean distance between rows `a[i]` and `b[i]` of `x`, for every `i`, in f64.
/// Each pair is computed as a scaled hypotenuse (by a power of two, exactly), so that
/// no square overflows or vanishes whatever the magnitudes.
pub fn paired_distances<F: Float>(
    x: ArrayView2<F>,
    a: &[usize],
    b: &[usize],
    stop: &Stop,
) -> Result<Vec<f64>> {
    check_rows("first rows", a, x.nrows())?;
    check_rows("second rows", b, x.nrows())?;
    if a.len() != b.len() {
        return Err(Error::ShapeMismatch {
            what: "second rows",
            got: b.len(),
            expected: a.len(),
        });
    }
    let mut out = vec![0.0; a.len()];
    out.par_chunks_mut(ROWS_BETWEEN_CHECKS)
        .zip(a.par_chunks(ROWS_BETWEEN_CHECKS))
        .zip(b.par_chunks(ROWS_BETWEEN_CHECKS))
        .for_each(|((out, a), b)| {
            if stop.requested() {
                return;
            }
            for ((slot, &i), &j) in out.iter_mut().zip(a).zip(b) {
                *slot = distance(x.row(i).iter(), x.row(j).iter());
            }
        });
    stop.check()?;
    Ok(out)
}

/// The distance between two rows given as value iterators.
fn distance<'a, F: Float + 'a>(
    p: impl Iterator<Item = &'a F> + Clone,
    q: impl Iterator<Item = &'a F> + Clone,
) -> f64 {
    let as_f64 = |v: &F| v.to_f64().expect("a float");
    // Halving both sides first keeps a difference of values near f64::MAX finite.
    let halve = p
        .clone()
        .zip(q.clone())
        .any(|(u, v)| (as_f64(u) - as_f64(v)).is_infinite());
    let factor = if halve { 2.0 } else { 1.0 };
    let differences = p
        .zip(q)
        .map(move |(u, v)| as_f64(u) / factor - as_f64(v) / factor);
    let largest = differences.clone().fold(0.0, |m: f64, d| m.max(d.abs()));
    let scale = power_of_two_scale(largest, f64::SAFE_EXPONENT);
    let squares: f64 = differences.map(|d| (d * scale) * (d * scale)).sum();
    squares.sqrt() / scale * factor
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stop::Stop;

    #[test]
    fn matches_the_direct_definition() {
        // Three points: distances 3, 4 and 5.
        let x = ndarray::array![[0.0, 0.0], [3.0, 0.0], [0.0, 4.0], [100.0, 100.0]];
        assert_eq!(
            mean_pairwise_distance(x.view(), &[0, 1, 2], Stop::never()).unwrap(),
            4.0
        );
        let x32 = x.mapv(|v| v as f32);
        assert_eq!(
            mean_pairwise_distance(x32.view(), &[0, 1, 2], Stop::never()).unwrap(),
            4.0
        );
        // Squares of 1e300 overflow in f64: the mean comes out scaled, not infinite.
        let far = x.mapv(|v| v * 2f64.powi(1000));
        let mean = mean_pairwise_distance(far.view(), &[0, 1, 2], Stop::never()).unwrap();
        assert_eq!(mean, 4.0 * 2f64.powi(1000));
        assert!(mean_pairwise_distance(x.view(), &[0], Stop::never()).is_err());
        assert!(mean_pairwise_distance(x.view(), &[0, 4], Stop::never()).is_err());
    }

    #[test]
    fn paired_distances_are_exact_at_every_magnitude() {
        let x = ndarray::array![[0.0, 0.0], [3.0, 4.0], [-3.0, -4.0], [1.0, 1.0]];
        let got = paired_distances(x.view(), &[0, 1, 3], &[1, 2, 3], Stop::never()).unwrap();
        assert_eq!(got, vec![5.0, 10.0, 0.0]);
        let x32 = x.mapv(|v| v as f32);
        let got = paired_distances(x32.view(), &[0, 1], &[1, 2], Stop::never()).unwrap();
        assert_eq!(got, vec![5.0, 10.0]);
        // Squares overflow or vanish in f64 at 2^±1000; differences near f64::MAX overflow.
        for power in [1000, -1000] {
            let scaled = x.mapv(|v| v * 2f64.powi(power));
            let got = paired_distances(scaled.view(), &[0, 1], &[1, 2], Stop::never()).unwrap();
            assert_eq!(got, vec![5.0 * 2f64.powi(power), 10.0 * 2f64.powi(power)]);
        }
        let extreme = ndarray::array![[f64::MAX, 0.0], [-f64::MAX, 0.0]];
        let got = paired_distances(extreme.view(), &[0], &[1], Stop::never()).unwrap();
        assert!(got[0].is_infinite(), "2 * f64::MAX is beyond f64: {got:?}");
        let near = ndarray::array![[f64::MAX / 2.0, 0.0], [-f64::MAX / 2.0, 0.0]];
        let got = paired_distances(near.view(), &[0], &[1], Stop::never()).unwrap();
        assert_eq!(got, vec![f64::MAX]);
        assert!(paired_distances(x.view(), &[0, 1], &[1], Stop::never()).is_err());
        assert!(paired_distances(x.view(), &[4], &[1], Stop::never()).is_err());
    }
}
