//! Distance summaries of a set of rows.

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::neighbors::power_of_two_scale;
use crate::sampling::{check_rows, gather, PREFETCH_DRAWS_AHEAD};
use crate::simd::{prefetch_row, widest_vectors};
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

/// The rows `rows` of `x` in f64, row-major.
pub(crate) fn rows_in_f64<F: Float>(x: ArrayView2<F>, rows: &[usize]) -> Vec<f64> {
    gather(x, rows.par_iter().copied())
        .into_iter()
        .map(|v| v.to_f64().expect("a float"))
        .collect()
}

/// `rows_in_f64`, scaled by a power of two (exactly) that keeps every square of a
/// value and of a difference finite and above the subnormals, with that scale: the
/// distances computed from them are the true ones times the scale.
pub(crate) fn scaled_rows<F: Float>(x: ArrayView2<F>, rows: &[usize]) -> (Vec<f64>, f64) {
    let mut block = rows_in_f64(x, rows);
    let largest = block.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    let scale = power_of_two_scale(largest, f64::SAFE_EXPONENT);
    if scale != 1.0 {
        block.iter_mut().for_each(|v| *v *= scale);
    }
    (block, scale)
}

/// `scaled_rows` of `rows`, which must be valid rows of `x` and at least two (the
/// distances between rows need a pair).
fn scaled_pairs<F: Float>(
    x: ArrayView2<F>,
    rows: &[usize],
    what: &'static str,
) -> Result<(Vec<f64>, f64)> {
    check_rows(what, rows, x.nrows())?;
    if rows.len() < 2 {
        return Err(Error::TooFewSamples {
            class: 0,
            n_samples: rows.len(),
            k: 1,
        });
    }
    Ok(scaled_rows(x, rows))
}

/// The mean Euclidean distance between two different rows of `rows` (KMeans-SMOTE's
/// cluster density), summed exactly over all pairs in f64.
pub fn mean_pairwise_distance<F: Float>(
    x: ArrayView2<F>,
    rows: &[usize],
    stop: &Stop,
) -> Result<f64> {
    // Magnitudes whose squares overflow (or vanish) in f64 are scaled, and the mean
    // scaled back.
    let (block, scale) = scaled_pairs(x, rows, "class rows")?;
    let (m, d) = (rows.len(), x.ncols());
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

/// OPTICS over the rows `rows` of `x` (Ankerst et al., 1999, as scikit-learn's `OPTICS`
/// runs it with the Euclidean metric): each row's core distance (to its
/// `min_samples - 1`-th nearest other row, infinite beyond `max_eps`) and reachability
/// (infinite for the first row of each cluster), as positions in `rows`.
///
/// The ordering is a Prim-like walk: the next row is the unprocessed one of least
/// reachability (the first among equals, as scikit-learn takes it), and a row with a
/// finite core distance lowers its unprocessed neighbours within `max_eps` to
/// `max(core, distance)`. Quadratic in the rows, linear in memory; each step's update is
/// parallel, and its result the same for any number of threads.
pub fn optics<F: Float>(
    x: ArrayView2<F>,
    rows: &[usize],
    min_samples: usize,
    max_eps: f64,
    stop: &Stop,
) -> Result<(Vec<f64>, Vec<f64>)> {
    check_rows("class rows", rows, x.nrows())?;
    let m = rows.len();
    if min_samples == 0 || min_samples > m {
        return Err(Error::TooFewSamples {
            class: 0,
            n_samples: m,
            k: min_samples,
        });
    }
    let d = x.ncols();
    // Distances are compared in the scaled space and scaled back at the end. Each is the
    // root of its squares summed feature by feature in order, computed a tile of rows
    // at a time in vector instructions (`feature_major_sums`).
    let (block, scale) = scaled_rows(x, rows);
    let reach_limit = max_eps * scale;
    let row = |i: usize| &block[i * d..(i + 1) * d];
    let tiles = feature_major_tiles(m, d, ROWS_BETWEEN_CHECKS, |j, f| block[j * d + f]);
    let squares = |centre: &[f64], tile: &[f64], sums: &mut [f64]| {
        sums.fill(0.0);
        feature_major_sums(centre, tile, sums, |v, o| (v - o) * (v - o));
    };
    let mut core = vec![0.0; m];
    core.par_iter_mut().enumerate().for_each_init(
        || vec![0.0; m],
        |all, (i, slot)| {
            if stop.requested() {
                return;
            }
            for (tile, sums) in tiles.iter().zip(all.chunks_mut(ROWS_BETWEEN_CHECKS)) {
                squares(row(i), tile, sums);
            }
            let kth = kth_least(all, min_samples).sqrt();
            *slot = if kth <= reach_limit {
                kth
            } else {
                f64::INFINITY
            };
        },
    );
    stop.check()?;
    let mut reach = vec![f64::INFINITY; m];
    let mut processed = vec![false; m];
    let mut next = Some(0);
    while let Some(p) = next {
        stop.check()?;
        processed[p] = true;
        let (core_p, lowers) = (core[p], core[p].is_finite());
        // The update of p's neighbours and the next row: the least (reachability, row)
        // among the unprocessed, reduced in row order.
        next = reach
            .par_chunks_mut(ROWS_BETWEEN_CHECKS)
            .zip(processed.par_chunks(ROWS_BETWEEN_CHECKS))
            .zip(tiles.par_iter())
            .enumerate()
            .filter_map(|(chunk, ((reach, done), tile))| {
                let first = chunk * ROWS_BETWEEN_CHECKS;
                let mut sums = vec![0.0; reach.len()];
                if lowers {
                    squares(row(p), tile, &mut sums);
                }
                let mut best: Option<(f64, usize)> = None;
                for (offset, (r, &done)) in reach.iter_mut().zip(done).enumerate() {
                    if done {
                        continue;
                    }
                    let q = first + offset;
                    if lowers {
                        let distance = sums[offset].sqrt();
                        if distance <= reach_limit {
                            *r = r.min(distance.max(core_p));
                        }
                    }
                    if best.is_none_or(|(least, _)| *r < least) {
                        best = Some((*r, q));
                    }
                }
                best
            })
            .reduce_with(|a, b| {
                if b.0 < a.0 || (b.0 == a.0 && b.1 < a.1) {
                    b
                } else {
                    a
                }
            })
            .map(|(_, q)| q);
    }
    let unscale = |v: &mut f64| *v /= scale;
    core.iter_mut().for_each(unscale);
    reach.iter_mut().for_each(unscale);
    Ok((core, reach))
}

/// The `k`-th least of `values` (1-based; `values` is reordered). A few least ones are
/// kept sorted while reading, so that most values cost one comparison; a large `k` is
/// selected.
fn kth_least(values: &mut [f64], k: usize) -> f64 {
    const KEPT_AT_MOST: usize = 32;
    if k > KEPT_AT_MOST {
        return *values.select_nth_unstable_by(k - 1, f64::total_cmp).1;
    }
    let mut least: Vec<f64> = Vec::with_capacity(k + 1);
    for &v in values.iter() {
        if least.len() == k && v >= least[k - 1] {
            continue;
        }
        let at = least.partition_point(|&w| w <= v);
        least.insert(at, v);
        least.truncate(k);
    }
    least[k - 1]
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
            for (at, ((slot, &i), &j)) in out.iter_mut().zip(a).zip(b).enumerate() {
                // The rows a few pairs on are asked for now: pairs of rows drawn at random
                // from a class larger than the caches each miss twice.
                if let (Some(&i), Some(&j)) = (
                    a.get(at + PREFETCH_DRAWS_AHEAD),
                    b.get(at + PREFETCH_DRAWS_AHEAD),
                ) {
                    prefetch_row(x, i);
                    prefetch_row(x, j);
                }
                *slot = distance(x.row(i).iter(), x.row(j).iter());
            }
        });
    stop.check()?;
    Ok(out)
}

/// The `m` rows whose feature `f` of row `j` is `value(j, f)` (`d` features), cut into
/// tiles of `tile_rows` rows, each tile stored feature by feature (its feature `f` is
/// `tile[f * len..(f + 1) * len]`), for `feature_major_sums`.
pub(crate) fn feature_major_tiles(
    m: usize,
    d: usize,
    tile_rows: usize,
    value: impl Fn(usize, usize) -> f64,
) -> Vec<Vec<f64>> {
    (0..m)
        .step_by(tile_rows)
        .map(|start| {
            let len = tile_rows.min(m - start);
            let mut tile = vec![0.0; len * d];
            for f in 0..d {
                for (slot, j) in tile[f * len..(f + 1) * len].iter_mut().zip(start..) {
                    *slot = value(j, f);
                }
            }
            tile
        })
        .collect()
}

widest_vectors! {
    /// Adds to `sums[j]` the sum over the features of `term(centre[f], row_j[f])`, where
    /// row `j` is in `tile` (stored feature by feature, `sums.len()` rows), feature after
    /// feature: each row's sum in the plain order, the rows in the widest vector
    /// instructions the CPU has (the same sums on every machine: no instruction fuses or
    /// reorders them).
    #[inline(always)]
    pub(crate) fn feature_major_sums(
        centre: &[f64],
        tile: &[f64],
        sums: &mut [f64],
        term: impl Fn(f64, f64) -> f64 + Copy,
    ) {
        let len = sums.len();
        for (f, &v) in centre.iter().enumerate() {
            for (sum, &o) in sums.iter_mut().zip(&tile[f * len..(f + 1) * len]) {
                *sum += term(v, o);
            }
        }
    }
}

/// Rows of all the others per tile of `median_distances` (at 20 features, 80 KB: in cache).
const MEDIAN_TILE: usize = 512;
/// Distances a task of `median_distances` holds at once (a block of rows times all rows).
const MEDIAN_BLOCK_VALUES: usize = 1 << 20;

/// The median Euclidean distance from each row of `rows` to the other rows of `rows`
/// (the mean of the two middle distances for an even number of others), in f64:
/// SMOGN's safe distance is half of it. Quadratic in the rows, linear in memory; each
/// row's distances are summed feature by feature in order, so any number of threads
/// gives the same values.
pub fn median_distances<F: Float>(
    x: ArrayView2<F>,
    rows: &[usize],
    stop: &Stop,
) -> Result<Vec<f64>> {
    let (block, scale) = scaled_pairs(x, rows, "rows")?;
    let (m, d) = (rows.len(), x.ncols());
    let tiles = feature_major_tiles(m, d, MEDIAN_TILE, |j, f| block[j * d + f]);
    let others = m - 1;
    let (low, high) = ((others - 1) / 2, others / 2);
    let rows_per_task = (MEDIAN_BLOCK_VALUES / m).clamp(1, ROWS_BETWEEN_CHECKS);
    let mut out = vec![0.0; m];
    out.par_chunks_mut(rows_per_task)
        .enumerate()
        .for_each(|(task, out)| {
            if stop.requested() {
                return;
            }
            let first = task * rows_per_task;
            let mut table = vec![0.0; out.len() * m];
            for (t, tile) in tiles.iter().enumerate() {
                let start = t * MEDIAN_TILE;
                let len = tile.len() / d.max(1);
                for (slot, i) in (first..first + out.len()).enumerate() {
                    let sums = &mut table[slot * m + start..slot * m + start + len];
                    feature_major_sums(&block[i * d..(i + 1) * d], tile, sums, |v, o| {
                        (v - o) * (v - o)
                    });
                }
            }
            for ((slot, i), median) in (first..).enumerate().zip(out.iter_mut()) {
                let squares = &mut table[slot * m..(slot + 1) * m];
                // The row itself out: the last value takes its place.
                squares.swap(i, m - 1);
                let squares = &mut squares[..others];
                let (below, &mut upper, _) = squares.select_nth_unstable_by(high, f64::total_cmp);
                let lower = if low == high {
                    upper
                } else {
                    below.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                };
                *median = (lower.sqrt() + upper.sqrt()) / 2.0 / scale;
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
    use crate::simd::testing::at_each_level;
    use crate::stop::Stop;

    /// OPTICS by its definition, one row at a time, without the parallel reduction.
    fn optics_by_definition(
        x: &[[f64; 2]],
        min_samples: usize,
        max_eps: f64,
    ) -> (Vec<f64>, Vec<f64>) {
        let m = x.len();
        let dist =
            |i: usize, j: usize| ((x[i][0] - x[j][0]).powi(2) + (x[i][1] - x[j][1]).powi(2)).sqrt();
        let core: Vec<f64> = (0..m)
            .map(|i| {
                let mut all: Vec<f64> = (0..m).map(|j| dist(i, j)).collect();
                all.sort_by(f64::total_cmp);
                if all[min_samples - 1] <= max_eps {
                    all[min_samples - 1]
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let mut reach = vec![f64::INFINITY; m];
        let mut done = vec![false; m];
        for _ in 0..m {
            let p = (0..m)
                .filter(|&q| !done[q])
                .min_by(|&a, &b| reach[a].total_cmp(&reach[b]).then(a.cmp(&b)))
                .unwrap();
            done[p] = true;
            if core[p].is_finite() {
                for q in (0..m).filter(|&q| !done[q]) {
                    if dist(p, q) <= max_eps {
                        reach[q] = reach[q].min(dist(p, q).max(core[p]));
                    }
                }
            }
        }
        (core, reach)
    }

    #[test]
    fn optics_follows_its_definition_for_any_thread_count() {
        let mut rng = crate::rng::Rng::new(3);
        // Two blobs and scattered rows, with exact ties (a grid) among them.
        let x: Vec<[f64; 2]> = (0..3000)
            .map(|i| match i % 3 {
                0 => [
                    f64::unit_from_bits(rng.next_u64()),
                    f64::unit_from_bits(rng.next_u64()),
                ],
                1 => [5.0 + f64::unit_from_bits(rng.next_u64()), 5.0],
                _ => [(i % 7) as f64, (i % 11) as f64],
            })
            .collect();
        let array = ndarray::Array2::from_shape_fn((x.len(), 2), |(i, j)| x[i][j]);
        let rows: Vec<usize> = (0..x.len())
            .step_by(3)
            .chain((1..x.len()).step_by(3))
            .collect();
        let picked: Vec<[f64; 2]> = rows.iter().map(|&r| x[r]).collect();
        for (min_samples, max_eps) in [(5, 0.3), (3, f64::INFINITY), (1, 0.05)] {
            let want = optics_by_definition(&picked, min_samples, max_eps);
            for threads in [1, 2, 3] {
                // On every instruction set the CPU has, the narrower ones too.
                for got in at_each_level(|| {
                    crate::parallel::run_with_threads(Some(threads), || {
                        optics(array.view(), &rows, min_samples, max_eps, Stop::never())
                    })
                    .unwrap()
                    .unwrap()
                }) {
                    assert_eq!(got, want, "{min_samples} {max_eps} {threads}");
                }
            }
        }
        assert!(optics(array.view(), &rows[..3], 4, 1.0, Stop::never()).is_err());
        let far = array.mapv(|v| v * 2f64.powi(1000));
        let (core, reach) =
            optics(far.view(), &rows[..100], 3, f64::INFINITY, Stop::never()).unwrap();
        assert!(core.iter().chain(&reach[1..]).all(|v| v.is_finite()));
    }

    #[test]
    fn median_distances_follow_their_definition_for_any_thread_count() {
        let mut rng = crate::rng::Rng::new(5);
        // More rows than a tile, with an exact duplicate and a grid of ties.
        let x = ndarray::Array2::from_shape_fn((1300, 3), |(i, j)| match (i % 4, j) {
            (0, _) => ((i / 4) % 5 + j) as f64,
            _ => f64::unit_from_bits(rng.next_u64()),
        });
        let mut x = x;
        let copy = x.row(10).to_owned();
        x.row_mut(11).assign(&copy);
        for rows in [
            (0..1300).collect::<Vec<_>>(),
            (0..1300).rev().step_by(2).collect(),
        ] {
            let want: Vec<f64> = rows
                .iter()
                .map(|&i| {
                    let mut others: Vec<f64> = rows
                        .iter()
                        .filter(|&&j| j != i)
                        .map(|&j| distance(x.row(i).iter(), x.row(j).iter()))
                        .collect();
                    others.sort_by(f64::total_cmp);
                    let n = others.len();
                    (others[(n - 1) / 2] + others[n / 2]) / 2.0
                })
                .collect();
            for threads in [1, 2, 3] {
                let at_each = at_each_level(|| {
                    crate::parallel::run_with_threads(Some(threads), || {
                        median_distances(x.view(), &rows, Stop::never())
                    })
                    .unwrap()
                    .unwrap()
                });
                for got in &at_each {
                    for (g, w) in got.iter().zip(&want) {
                        assert!((g - w).abs() <= 1e-12 * w.max(1.0), "{g} {w} {threads}");
                    }
                    assert_eq!(*got, at_each[0], "{threads} threads");
                }
            }
        }
        assert!(median_distances(x.view(), &[3], Stop::never()).is_err());
        let far = x.mapv(|v| v * 2f64.powi(600));
        let medians = median_distances(far.view(), &[0, 1, 2, 3], Stop::never()).unwrap();
        assert!(medians.iter().all(|v| v.is_finite() && *v > 0.0));
    }

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
