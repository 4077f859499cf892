//! Distance summaries of a set of rows.

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::neighbors::power_of_two_scale;
use crate::sampling::{check_rows, gather};
use crate::stop::Stop;

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
}
