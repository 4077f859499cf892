//! Categorical features, on integer codes: SMOTE-NC's distance (continuous features
//! plus scaled one-hot categories), SMOTE-N's Value Difference Metric, and the
//! majority vote that sets a synthetic row's categories from its neighbours.

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::neighbors::kneighbors_by;
use std::ops::Range;

use crate::rng::{chunk_seed, stream, window_rows, Rng, CHUNK_ROWS};
use crate::sampling::check_rows;
use crate::stop::Stop;

/// Checks that every code of feature `f` is in `0..cardinalities[f]`.
fn check_codes(codes: ArrayView2<i32>, cardinalities: &[usize]) -> Result<()> {
    if codes.ncols() != cardinalities.len() {
        return Err(Error::ShapeMismatch {
            what: "the category counts",
            got: cardinalities.len(),
            expected: codes.ncols(),
        });
    }
    for (f, (column, &cardinality)) in codes.columns().into_iter().zip(cardinalities).enumerate() {
        if let Some(&bad) = column
            .iter()
            .find(|&&c| usize::try_from(c).map_or(true, |c| c >= cardinality))
        {
            return Err(Error::CodeOutOfRange {
                feature: f,
                code: i64::from(bad),
                cardinality,
            });
        }
    }
    Ok(())
}

/// Where each feature's block of `cardinalities[f]` rows or columns starts, the first
/// at `first`.
/// `Σ cardinalities`, the width of the one-hot blocks, refused when it overflows.
fn total_categories(cardinalities: &[usize]) -> Result<usize> {
    cardinalities
        .iter()
        .try_fold(0usize, |sum, &c| sum.checked_add(c))
        .ok_or(Error::TooLarge("the total number of categories"))
}

/// A `rows × width` matrix of zeros, refused when its size overflows or its memory
/// cannot be had (instead of aborting on a failed allocation).
fn zeros<F: Float>(rows: usize, width: usize) -> Result<Array2<F>> {
    let too_large = || Error::TooLarge("the embedded class");
    let limit = isize::MAX as usize / std::mem::size_of::<F>();
    let n = rows
        .checked_mul(width)
        .filter(|&n| n <= limit && width <= limit);
    let n = n.ok_or_else(too_large)?;
    let mut values = Vec::new();
    values.try_reserve_exact(n).map_err(|_| too_large())?;
    values.resize(n, F::zero());
    Array2::from_shape_vec((rows, width), values).map_err(|_| too_large())
}

fn block_starts(cardinalities: &[usize], first: usize) -> Vec<usize> {
    cardinalities
        .iter()
        .scan(first, |start, &c| {
            let at = *start;
            *start += c;
            Some(at)
        })
        .collect()
}

/// SMOTE-NC's search space for the class `rows`: each row's continuous features, then
/// for each categorical feature a one-hot block holding `scale` at the row's category.
/// Euclidean distances there are the continuous distance plus `2 scale²` per
/// categorical feature that differs.
pub fn embed_mixed<F: Float>(
    continuous: ArrayView2<F>,
    codes: ArrayView2<i32>,
    cardinalities: &[usize],
    rows: &[usize],
    scale: F,
) -> Result<Array2<F>> {
    if codes.nrows() != continuous.nrows() {
        return Err(Error::ShapeMismatch {
            what: "the categorical codes",
            got: codes.nrows(),
            expected: continuous.nrows(),
        });
    }
    check_rows("class rows", rows, continuous.nrows())?;
    check_codes(codes, cardinalities)?;
    let p = continuous.ncols();
    let width = total_categories(cardinalities)?
        .checked_add(p)
        .ok_or(Error::TooLarge("the total number of features"))?;
    if width == 0 {
        return Err(Error::NoFeatures);
    }
    let offsets = block_starts(cardinalities, p);
    let mut out = zeros::<F>(rows.len(), width)?;
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(rows.par_iter())
        .for_each(|(mut dst, &r)| {
            for (d, &v) in dst.iter_mut().zip(continuous.row(r)) {
                *d = v;
            }
            for (&offset, &code) in offsets.iter().zip(codes.row(r)) {
                dst[offset + code as usize] = scale;
            }
        });
    Ok(out)
}

/// SMOTE-N's Value Difference Metric between the rows of one class.
///
/// `probabilities` stacks, feature by feature, one row per category holding the share
/// of each class among the samples with that category (`cardinalities[f]` rows for
/// feature `f`, one column per class). The distance between two rows is
/// `Σ_f (Σ_c |P_f[a_f, c] − P_f[b_f, c]|)²`.
pub struct ValueDifference {
    /// Each row's class-share vectors, feature after feature: `n × (q · classes)`.
    embedded: Array2<f64>,
    classes: usize,
}

impl ValueDifference {
    pub fn new(
        codes: ArrayView2<i32>,
        cardinalities: &[usize],
        probabilities: ArrayView2<f64>,
        rows: &[usize],
    ) -> Result<Self> {
        check_rows("class rows", rows, codes.nrows())?;
        check_codes(codes, cardinalities)?;
        let expected = total_categories(cardinalities)?;
        if probabilities.nrows() != expected {
            return Err(Error::ShapeMismatch {
                what: "the class shares per category",
                got: probabilities.nrows(),
                expected,
            });
        }
        let (q, classes) = (codes.ncols(), probabilities.ncols());
        if q == 0 || classes == 0 {
            return Err(Error::NoFeatures);
        }
        let offsets = block_starts(cardinalities, 0);
        let width = q
            .checked_mul(classes)
            .ok_or(Error::TooLarge("the embedded class"))?;
        let mut embedded = zeros::<f64>(rows.len(), width)?;
        embedded
            .axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(rows.par_iter())
            .for_each(|(mut dst, &r)| {
                for (f, (&offset, &code)) in offsets.iter().zip(codes.row(r)).enumerate() {
                    let shares = probabilities.row(offset + code as usize);
                    for (d, &s) in dst.iter_mut().skip(f * classes).zip(shares) {
                        *d = s;
                    }
                }
            });
        Ok(ValueDifference { embedded, classes })
    }

    /// The distance between rows `i` and `j` (positions in the class), stopping once
    /// it reaches `bar`.
    #[inline]
    fn distance(&self, i: usize, j: usize, bar: f64) -> f64 {
        let a = self.embedded.row(i);
        let b = self.embedded.row(j);
        let (a, b) = (
            a.as_slice().expect("owned rows"),
            b.as_slice().expect("owned rows"),
        );
        let mut total = 0.0;
        for (fa, fb) in a
            .chunks_exact(self.classes)
            .zip(b.chunks_exact(self.classes))
        {
            let l1: f64 = fa.iter().zip(fb).map(|(x, y)| (x - y).abs()).sum();
            total += l1 * l1;
            if total >= bar {
                break;
            }
        }
        total
    }

    /// The `k` nearest rows of each row of the class, itself excluded, as positions.
    pub fn kneighbors(&self, k: usize, stop: &Stop) -> Result<Array2<u32>> {
        kneighbors_by(
            self.embedded.nrows(),
            k,
            |i, j, bar| self.distance(i, j, bar),
            stop,
        )
    }

    /// Every pairwise distance (for a user's estimator with a precomputed metric).
    pub fn pairwise(&self, stop: &Stop) -> Result<Array2<f64>> {
        let n = self.embedded.nrows();
        let mut out = Array2::<f64>::zeros((n, n));
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(i, mut row)| {
                if stop.requested() {
                    return;
                }
                for (j, d) in row.iter_mut().enumerate() {
                    *d = self.distance(i, j, f64::INFINITY);
                }
            });
        stop.check()?;
        Ok(out)
    }
}

/// For each row of `voters` (rows of `codes`, nearest first), the most frequent code
/// of each feature among those rows; a tie goes to the code listed first.
pub fn vote(codes: ArrayView2<i32>, voters: ArrayView2<i64>) -> Result<Array2<i32>> {
    let n = codes.nrows();
    if let Some(&bad) = voters
        .iter()
        .find(|&&r| usize::try_from(r).map_or(true, |r| r >= n))
    {
        return Err(Error::IndexOutOfRange {
            what: "voting rows",
            index: bad.unsigned_abs() as usize,
            len: n,
        });
    }
    if voters.ncols() == 0 && voters.nrows() > 0 {
        return Err(Error::NoVoters);
    }
    let q = codes.ncols();
    let mut out = Array2::<i32>::zeros((voters.nrows(), q));
    out.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(voters.axis_chunks_iter(Axis(0), CHUNK_ROWS))
        .for_each(|(mut out, voters)| {
            let mut ballot = vec![0_i32; voters.ncols()];
            for (mut dst, rows) in out.rows_mut().into_iter().zip(voters.rows()) {
                for (f, slot) in dst.iter_mut().enumerate() {
                    for (b, &r) in ballot.iter_mut().zip(rows) {
                        *b = codes[[r as usize, f]];
                    }
                    *slot = most_frequent(&ballot);
                }
            }
        });
    Ok(out)
}

/// The most frequent value; among equally frequent ones, the first listed.
fn most_frequent(ballot: &[i32]) -> i32 {
    let mut best = (0, ballot[0]);
    for (i, &v) in ballot.iter().enumerate() {
        // A value's first appearance counts it fully; later ones were counted already.
        if ballot[..i].contains(&v) {
            continue;
        }
        let count = ballot[i..].iter().filter(|&&w| w == v).count();
        if count > best.0 {
            best = (count, v);
        }
    }
    best.1
}

/// The chunks `chunks` of `n_draws` positions drawn uniformly from `0..n_choices` for
/// class `class` (`all_chunks(n_draws)` for all of them): chunk `c` of the draws comes
/// from `chunk_seed(random_state, stream(class, 0), c)`, the seeding every generation
/// kernel uses.
pub fn draw_positions(
    random_state: u64,
    class: usize,
    n_choices: usize,
    n_draws: usize,
    chunks: Range<usize>,
) -> Result<Vec<u32>> {
    if n_draws > 0 && n_choices == 0 {
        return Err(Error::TooFewSamples {
            class,
            n_samples: 0,
            k: 0,
        });
    }
    if n_choices > u32::MAX as usize {
        return Err(Error::ClassTooLarge {
            class,
            n_samples: n_choices,
            max: u32::MAX as usize,
        });
    }
    let mut out = vec![0_u32; window_rows(n_draws, chunks.clone())?.len()];
    out.par_chunks_mut(CHUNK_ROWS)
        .enumerate()
        .for_each(|(chunk, drawn)| {
            let chunk = (chunks.start + chunk) as u64;
            let mut rng = Rng::new(chunk_seed(random_state, stream(class, 0), chunk));
            for d in drawn {
                *d = rng.below(n_choices) as u32;
            }
        });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::all_chunks;
    use crate::stop::Stop;
    use ndarray::array;

    #[test]
    fn vote_takes_the_mode_and_breaks_ties_by_order() {
        let codes = array![[0, 5], [1, 5], [1, 6], [2, 6]];
        let voters = array![[0, 1, 2], [3, 0, 1], [2, 3, 0]];
        let out = vote(codes.view(), voters.view()).unwrap();
        // Row 0: codes 0,1,1 -> 1; 5,5,6 -> 5. Row 1: 2,0,1 all once -> 2 (listed first);
        // 6,5,5 -> 5. Row 2: 1,2,0 -> 1; 6,6,5 -> 6.
        assert_eq!(out, array![[1, 5], [2, 5], [1, 6]]);
        assert!(vote(codes.view(), array![[4_i64]].view()).is_err());
        // Found by fuzzing: no voter at all, and category counts whose sum overflows.
        let nobody = Array2::<i64>::zeros((2, 0));
        assert_eq!(vote(codes.view(), nobody.view()), Err(Error::NoVoters));
        let continuous = Array2::<f64>::zeros((4, 1));
        let huge = [usize::MAX, 7];
        assert!(matches!(
            embed_mixed(continuous.view(), codes.view(), &huge, &[0, 1], 1.0),
            Err(Error::TooLarge(_))
        ));
        // No rows but a width no array can have, and a size no machine has.
        for (cardinalities, rows) in [([usize::MAX / 2, 7], &[][..]), ([1 << 40, 7], &[0, 1][..])] {
            assert!(matches!(
                embed_mixed(continuous.view(), codes.view(), &cardinalities, rows, 1.0),
                Err(Error::TooLarge(_))
            ));
        }
    }

    #[test]
    fn mixed_embedding_distances_add_the_category_penalty() {
        let continuous = array![[0.0_f64, 0.0], [3.0, 4.0], [0.0, 0.0]];
        let codes = array![[0, 2], [1, 2], [0, 0]];
        let embedded =
            embed_mixed(continuous.view(), codes.view(), &[2, 3], &[0, 1, 2], 0.5).unwrap();
        assert_eq!(embedded.ncols(), 2 + 5);
        let sq = |a: usize, b: usize| -> f64 {
            embedded
                .row(a)
                .iter()
                .zip(embedded.row(b))
                .map(|(x, y)| (x - y) * (x - y))
                .sum()
        };
        // 25 continuous + one differing category (2 × 0.25).
        assert_eq!(sq(0, 1), 25.5);
        assert_eq!(sq(0, 2), 0.5);
        assert!(embed_mixed(continuous.view(), codes.view(), &[2, 2], &[0], 1.0).is_err());
    }

    #[test]
    fn value_difference_neighbours_match_brute_force() {
        // Two features with 3 and 2 categories, shares of 2 classes per category.
        let probabilities = array![[1.0, 0.0], [0.5, 0.5], [0.2, 0.8], [0.9, 0.1], [0.3, 0.7]];
        let codes = array![[0, 0], [1, 1], [2, 0], [0, 1], [2, 1], [1, 0]];
        let rows: Vec<usize> = (0..6).collect();
        let vdm = ValueDifference::new(codes.view(), &[3, 2], probabilities.view(), &rows).unwrap();
        let d = vdm.pairwise(Stop::never()).unwrap();
        let table = vdm.kneighbors(2, Stop::never()).unwrap();
        for i in 0..6 {
            let mut others: Vec<usize> = (0..6).filter(|&j| j != i).collect();
            others.sort_by(|&a, &b| d[[i, a]].total_cmp(&d[[i, b]]).then(a.cmp(&b)));
            assert_eq!(
                table.row(i).to_vec(),
                vec![others[0] as u32, others[1] as u32]
            );
        }
        // Rows 0 and 3 differ in feature 1 only: (|0.9 - 0.3| + |0.1 - 0.7|)² = 1.44.
        assert!((d[[0, 3]] - 1.44).abs() < 1e-12);
    }

    #[test]
    fn draws_are_uniform_and_reproducible() {
        let all = all_chunks(5000);
        let a = draw_positions(7, 1, 10, 5000, all.clone()).unwrap();
        assert_eq!(a, draw_positions(7, 1, 10, 5000, all.clone()).unwrap());
        assert_ne!(a, draw_positions(8, 1, 10, 5000, all).unwrap());
        let mut counts = [0_usize; 10];
        a.iter().for_each(|&p| counts[p as usize] += 1);
        assert!(counts.iter().all(|&c| (400..600).contains(&c)));
        assert!(draw_positions(7, 1, 0, 1, 0..1).is_err());
        // A window of chunks draws what the whole run draws there.
        let window = draw_positions(7, 1, 10, 5000, 2..5).unwrap();
        assert_eq!(window, a[2 * CHUNK_ROWS..]);
        assert!(draw_positions(7, 1, 10, 5000, 2..6).is_err());
    }
}
