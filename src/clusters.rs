//! Assembled-SMOTE's clustering of a class's borderline rows: single linkage whose merges
//! between two clusters of at least `pop` rows each need their principal directions to
//! agree.

use std::cmp::Ordering;

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::distances::scaled_rows;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::neighbors::power_of_two_scale;
use crate::sampling::check_rows;
use crate::stop::{Stop, ROWS_BETWEEN_CHECKS};

/// Power-iteration steps for a cluster's principal direction.
const POWER_STEPS: usize = 200;

/// Clusters of the rows `rows` of `x`, as a label per row (0, 1, ... in the order of
/// each cluster's first row).
///
/// Single linkage, one merge at a time: the two clusters nearest each other (the least
/// distance between their rows; among equal ones the pair of lowest positions) merge if
/// either has fewer than `pop` rows, or if their principal directions (the leading
/// eigenvectors of their covariances, in either sense) have `|cos| > thres`; otherwise
/// the pair is set aside until one of the two changes. It ends when every remaining
/// pair is set aside. A cluster whose rows do not spread has no direction and merges.
/// Distances are compared as squared sums in float64. Holds each pair's once, as a
/// 4-byte `key` (`rows.len()² / 2` keys: 2 bytes a pair of rows).
pub fn assembled_clusters<F: Float>(
    x: ArrayView2<F>,
    rows: &[usize],
    pop: usize,
    thres: f64,
    stop: &Stop,
) -> Result<Vec<u32>> {
    check_rows("border rows", rows, x.nrows())?;
    if !(0.0..=1.0).contains(&thres) {
        return Err(Error::InvalidParameter {
            name: "thres",
            value: thres.to_string(),
        });
    }
    let (b, d) = (rows.len(), x.ncols());
    // Scaled: distances are only compared, directions do not change.
    let (points, _) = scaled_rows(x, rows);
    let keys = Keys::over(&points);
    let pairs = Pairs::new(b);
    let mut dist = vec![0u32; pairs.len()];
    let mut rest = dist.as_mut_slice();
    let mut rows_after: Vec<(usize, &mut [u32])> = Vec::with_capacity(b);
    for i in 0..b {
        let (row, tail) = rest.split_at_mut(b - 1 - i);
        rows_after.push((i, row));
        rest = tail;
    }
    let point = |i: usize| &points[i * d..(i + 1) * d];
    rows_after.into_par_iter().for_each(|(i, row)| {
        if stop.requested() {
            return;
        }
        for (slot, j) in row.iter_mut().zip(i + 1..b) {
            *slot = keys.key(squared_distance(point(i), point(j)));
        }
    });
    stop.check()?;
    let mut state = Linkage {
        b,
        pairs,
        dist,
        points: &points,
        d,
        active: vec![true; b],
        members: (0..b as u32).map(|i| vec![i]).collect(),
        direction: vec![None; b],
        set_aside: vec![Vec::new(); b],
        best: vec![(NO_KEY, 0); b],
        seen: vec![false; b],
    };
    for i in 0..b {
        state.refresh(i);
    }
    let mut steps = 0usize;
    while let Some((a, c)) = state.nearest_pair() {
        steps += 1;
        if steps.is_multiple_of(ROWS_BETWEEN_CHECKS) {
            stop.check()?;
        }
        let merges = state.members[a].len() < pop
            || state.members[c].len() < pop
            || state.agreement(a, c) > thres;
        if merges {
            state.merge(a, c);
        } else {
            state.set_aside[a].push(c as u32);
            state.set_aside[c].push(a as u32);
            state.refresh(a);
            state.refresh(c);
        }
    }
    // Labels in the order of each cluster's first row.
    let mut cluster_of = vec![0usize; b];
    for (c, members) in state.members.iter().enumerate() {
        if state.active[c] {
            members.iter().for_each(|&m| cluster_of[m as usize] = c);
        }
    }
    let mut label = vec![u32::MAX; b];
    let mut next = 0;
    Ok(cluster_of
        .iter()
        .map(|&c| {
            if label[c] == u32::MAX {
                label[c] = next;
                next += 1;
            }
            label[c]
        })
        .collect())
}

/// The squared distance between two rows, summed in feature order.
fn squared_distance(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum()
}

/// No key: above every key a finite value gets (whose float32 bits stay below NaN's).
const NO_KEY: u32 = u32::MAX;

/// A squared distance as 4 bytes that order as the distances do: its float32 rounded
/// toward zero (after a power-of-two scale that keeps the largest in float32's range),
/// shifted up one bit, with the low bit set when that lost something. Two keys that
/// differ order their distances; two equal even keys are the same distance; two equal
/// odd keys lie within one float32 step, and only the distances themselves tell them
/// apart. Half the memory of float64 distances, and exact data (integer grids, one-hot
/// rows), whose squared distances float32 holds, never needs that recomputation.
#[derive(Clone, Copy)]
struct Keys {
    scale: f64,
}

impl Keys {
    /// The keys of the squared distances between rows of `points`.
    fn over(points: &[f64]) -> Self {
        let largest = points.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
        // No squared distance exceeds d (2 largest)^2; bounded by the count of values.
        let bound = points.len() as f64 * 4.0 * largest * largest;
        Keys {
            scale: power_of_two_scale(bound, 100),
        }
    }

    fn key(self, squared: f64) -> u32 {
        let scaled = squared * self.scale;
        let mut low = scaled as f32;
        if f64::from(low) > scaled {
            low = f32::from_bits(low.to_bits() - 1);
        }
        let exact = f64::from(low) == scaled && scaled / self.scale == squared;
        (low.to_bits() << 1) | u32::from(!exact)
    }
}

/// Where the distance of each pair `i < j` of `b` items lies in a vector of the pairs,
/// row by row (`(0, 1), (0, 2), ..., (1, 2), ...`).
#[derive(Clone, Copy)]
struct Pairs {
    b: usize,
}

impl Pairs {
    fn new(b: usize) -> Self {
        Pairs { b }
    }

    fn len(self) -> usize {
        self.b * self.b.saturating_sub(1) / 2
    }

    /// The slot of the pair `{i, j}` (`i != j`, in either order).
    #[inline]
    fn at(self, i: usize, j: usize) -> usize {
        let (i, j) = if i < j { (i, j) } else { (j, i) };
        i * (2 * self.b - i - 1) / 2 + (j - i - 1)
    }
}

/// The clusters so far: cluster `c` is alive while `active[c]`, and `dist` holds the
/// key of its single-linkage distance to every other cluster (at `pairs.at(c, k)`).
struct Linkage<'a> {
    b: usize,
    pairs: Pairs,
    dist: Vec<u32>,
    /// The rows (row-major, `d` per row), for directions and for distances that keys
    /// cannot order.
    points: &'a [f64],
    d: usize,
    active: Vec<bool>,
    members: Vec<Vec<u32>>,
    /// Each cluster's principal direction, once computed (`Some(None)`: no spread).
    direction: Vec<Option<Option<Vec<f64>>>>,
    /// The clusters each cluster was set aside with.
    set_aside: Vec<Vec<u32>>,
    /// Each cluster's nearest cluster it may still merge with, the lowest-positioned of
    /// equals: (key, cluster).
    best: Vec<(u32, usize)>,
    /// Scratch marks for `refresh`.
    seen: Vec<bool>,
}

impl Linkage<'_> {
    /// The single-linkage squared distance between clusters `a` and `c`: the least
    /// over their rows' pairs.
    fn distance(&self, a: usize, c: usize) -> f64 {
        let row = |m: u32| &self.points[m as usize * self.d..(m as usize + 1) * self.d];
        let mut least = f64::INFINITY;
        for &i in &self.members[a] {
            for &j in &self.members[c] {
                least = least.min(squared_distance(row(i), row(j)));
            }
        }
        least
    }

    /// How the distance of clusters `pair` (keyed `key`) compares with that of `other`
    /// (keyed `other_key`): by the keys, and by the distances where the keys cannot tell.
    fn compare(
        &self,
        key: u32,
        pair: (usize, usize),
        other_key: u32,
        other: (usize, usize),
    ) -> Ordering {
        let same =
            |(a, c): (usize, usize), (p, q): (usize, usize)| (a, c) == (p, q) || (a, c) == (q, p);
        if key != other_key || key & 1 == 0 || same(pair, other) {
            return key.cmp(&other_key);
        }
        let (v, w) = (
            self.distance(pair.0, pair.1),
            self.distance(other.0, other.1),
        );
        v.total_cmp(&w)
    }

    /// Recomputes `best[c]`: the lowest-positioned of the nearest clusters `c` may merge with.
    fn refresh(&mut self, c: usize) {
        for &k in &self.set_aside[c] {
            self.seen[k as usize] = true;
        }
        let mut best = (NO_KEY, 0);
        for k in (0..self.b).filter(|&k| k != c && self.active[k] && !self.seen[k]) {
            let v = self.dist[self.pairs.at(c, k)];
            if v < best.0
                || (v == best.0
                    && v != NO_KEY
                    && self.compare(v, (c, k), best.0, (c, best.1)).is_lt())
            {
                best = (v, k);
            }
        }
        for &k in &self.set_aside[c] {
            self.seen[k as usize] = false;
        }
        self.best[c] = best;
    }

    /// The nearest pair of clusters not set aside (lowest positions among equals).
    fn nearest_pair(&self) -> Option<(usize, usize)> {
        let mut found: Option<(u32, usize)> = None;
        for (c, &(v, k)) in self.best.iter().enumerate() {
            if !self.active[c] || v == NO_KEY {
                continue;
            }
            let nearer = found.is_none_or(|(least, f)| {
                v < least
                    || (v == least && self.compare(v, (c, k), least, (f, self.best[f].1)).is_lt())
            });
            if nearer {
                found = Some((v, c));
            }
        }
        found.map(|(_, c)| {
            let k = self.best[c].1;
            (c.min(k), c.max(k))
        })
    }

    /// Cluster `c` merged into `a` (`a < c`): distances by single linkage, set-aside
    /// pairs of either forgotten (they changed), and the nearest pairs brought up to date.
    fn merge(&mut self, a: usize, c: usize) {
        let b = self.b;
        for k in 0..b {
            if self.active[k] && k != a && k != c {
                let (ak, ck) = (self.pairs.at(a, k), self.pairs.at(c, k));
                self.dist[ak] = self.dist[ak].min(self.dist[ck]);
            }
        }
        self.active[c] = false;
        let moved = std::mem::take(&mut self.members[c]);
        self.members[a].extend(moved);
        self.direction[a] = None;
        let mut freed = std::mem::take(&mut self.set_aside[a]);
        freed.append(&mut self.set_aside[c]);
        for &k in &freed {
            self.set_aside[k as usize].retain(|&o| o as usize != a && o as usize != c);
        }
        self.refresh(a);
        for k in 0..b {
            if !self.active[k] || k == a {
                continue;
            }
            let (v, nearest) = self.best[k];
            let merged = self.dist[self.pairs.at(k, a)];
            if freed.contains(&(k as u32)) {
                self.refresh(k);
            } else if nearest == a
                || nearest == c
                || match self.compare(merged, (k, a), v, (k, nearest)) {
                    Ordering::Less => true,
                    Ordering::Equal => a < nearest,
                    Ordering::Greater => false,
                }
            {
                // `best` is the lowest-positioned of the nearest: every other cluster
                // is at least `v` away and any at `v` is positioned after `nearest`, so
                // the merged cluster (at most `v` away, positioned before `c`) is it.
                self.best[k] = (merged, a);
            }
        }
    }

    /// `|cos|` between the principal directions of clusters `a` and `c` (1 when either
    /// has none).
    fn agreement(&mut self, a: usize, c: usize) -> f64 {
        for cluster in [a, c] {
            if self.direction[cluster].is_none() {
                self.direction[cluster] = Some(principal_direction(
                    &self.members[cluster],
                    self.points,
                    self.d,
                ));
            }
        }
        match (&self.direction[a], &self.direction[c]) {
            (Some(Some(u)), Some(Some(v))) => {
                u.iter().zip(v).map(|(p, q)| p * q).sum::<f64>().abs()
            }
            _ => 1.0,
        }
    }
}

/// The unit leading eigenvector of the covariance of the rows `members` of `points`
/// (row-major, `d` per row), by power iteration from a fixed start; None when they do
/// not spread.
fn principal_direction(members: &[u32], points: &[f64], d: usize) -> Option<Vec<f64>> {
    let n = members.len() as f64;
    let row = |m: u32| &points[m as usize * d..(m as usize + 1) * d];
    let mut mean = vec![0.0; d];
    for &m in members {
        mean.iter_mut().zip(row(m)).for_each(|(s, v)| *s += v);
    }
    mean.iter_mut().for_each(|s| *s /= n);
    let mut cov = vec![0.0; d * d];
    for &m in members {
        let centred: Vec<f64> = row(m).iter().zip(&mean).map(|(v, s)| v - s).collect();
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] += centred[i] * centred[j];
            }
        }
    }
    let largest = cov.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    if largest == 0.0 {
        return None;
    }
    // Start from the column of the largest variance: never orthogonal to the leading
    // eigenvector unless that variance is not the leading one's share, which the
    // iteration then finds anyway through rounding.
    let start = (0..d)
        .max_by(|&i, &j| cov[i * d + i].total_cmp(&cov[j * d + j]))
        .expect("a feature");
    let mut v: Vec<f64> = (0..d).map(|i| cov[i * d + start] / largest).collect();
    for _ in 0..POWER_STEPS {
        let next: Vec<f64> = (0..d)
            .map(|i| (0..d).map(|j| cov[i * d + j] / largest * v[j]).sum())
            .collect();
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return None;
        }
        v = next.into_iter().map(|x| x / norm).collect();
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::run_with_threads;
    use crate::rng::Rng;

    #[test]
    fn small_clusters_merge_by_single_linkage() {
        // Two groups far apart; with pop above every size, everything merges into one.
        let x = ndarray::array![[0.0, 0.0], [0.1, 0.0], [0.2, 0.0], [9.0, 9.0], [9.1, 9.0]];
        let rows = [0, 1, 2, 3, 4];
        let all = assembled_clusters(x.view(), &rows, 10, 0.5, Stop::never()).unwrap();
        assert_eq!(all, vec![0, 0, 0, 0, 0]);
        // pop 2: once both groups hold 2 rows, merges need agreeing directions. The
        // first group lies along x, the second along x too: they merge; along y, not.
        let two = assembled_clusters(x.view(), &rows, 2, 0.5, Stop::never()).unwrap();
        assert_eq!(two, vec![0, 0, 0, 0, 0]);
        let crossed = ndarray::array![[0.0, 0.0], [0.1, 0.0], [0.2, 0.0], [9.0, 9.0], [9.0, 9.1]];
        let apart = assembled_clusters(crossed.view(), &rows, 2, 0.5, Stop::never()).unwrap();
        assert_eq!(apart, vec![0, 0, 0, 1, 1]);
    }

    #[test]
    fn the_clusters_are_the_same_for_any_thread_count() {
        let mut rng = Rng::new(9);
        let x =
            ndarray::Array2::from_shape_simple_fn((400, 3), || f64::unit_from_bits(rng.next_u64()));
        let rows: Vec<usize> = (0..400).step_by(2).collect();
        let want = assembled_clusters(x.view(), &rows, 3, 0.6, Stop::never()).unwrap();
        assert!(want.iter().max().unwrap() > &0, "several clusters");
        for threads in [1, 2, 3] {
            let got = run_with_threads(Some(threads), || {
                assembled_clusters(x.view(), &rows, 3, 0.6, Stop::never())
            })
            .unwrap()
            .unwrap();
            assert_eq!(got, want);
        }
        assert!(assembled_clusters(x.view(), &rows, 3, 1.5, Stop::never()).is_err());
    }

    /// The clustering by its definition: every step recomputes each pair of clusters'
    /// least distance between their rows, and merges the nearest pair not set aside.
    fn clusters_by_definition(
        x: &ndarray::Array2<f64>,
        rows: &[usize],
        pop: usize,
        thres: f64,
    ) -> Vec<u32> {
        let d = x.ncols();
        let (points, _) = scaled_rows(x.view(), rows);
        let distance = |i: u32, j: u32| -> f64 {
            let (p, q) = (
                &points[i as usize * d..][..d],
                &points[j as usize * d..][..d],
            );
            squared_distance(p, q)
        };
        let mut clusters: Vec<Option<Vec<u32>>> =
            (0..rows.len() as u32).map(|i| Some(vec![i])).collect();
        let mut set_aside = std::collections::HashSet::new();
        loop {
            let mut nearest: Option<(f64, usize, usize)> = None;
            for a in 0..clusters.len() {
                for c in a + 1..clusters.len() {
                    let (Some(ma), Some(mc)) = (&clusters[a], &clusters[c]) else {
                        continue;
                    };
                    if set_aside.contains(&(a, c)) {
                        continue;
                    }
                    let v = ma
                        .iter()
                        .flat_map(|&i| mc.iter().map(move |&j| (i, j)))
                        .map(|(i, j)| distance(i, j))
                        .fold(f64::INFINITY, f64::min);
                    if nearest.is_none_or(|(least, _, _)| v < least) {
                        nearest = Some((v, a, c));
                    }
                }
            }
            let Some((_, a, c)) = nearest else { break };
            let (ma, mc) = (clusters[a].clone().unwrap(), clusters[c].clone().unwrap());
            let agree = || match (
                principal_direction(&ma, &points, d),
                principal_direction(&mc, &points, d),
            ) {
                (Some(u), Some(v)) => u.iter().zip(&v).map(|(p, q)| p * q).sum::<f64>().abs(),
                _ => 1.0,
            };
            if ma.len() < pop || mc.len() < pop || agree() > thres {
                clusters[a].as_mut().unwrap().extend(mc);
                clusters[c] = None;
                set_aside.retain(|&(p, q)| p != a && q != a && p != c && q != c);
            } else {
                set_aside.insert((a, c));
            }
        }
        let mut label = vec![0u32; rows.len()];
        let mut first_of: Vec<(u32, usize)> = clusters
            .iter()
            .enumerate()
            .filter_map(|(c, m)| m.as_ref().map(|m| (*m.iter().min().unwrap(), c)))
            .collect();
        first_of.sort();
        for (next, (_, c)) in first_of.into_iter().enumerate() {
            for &m in clusters[c].as_ref().unwrap() {
                label[m as usize] = next as u32;
            }
        }
        label
    }

    #[test]
    fn the_clusters_are_those_of_the_definition() {
        let mut several = 0;
        for (seed, pop, thres) in [
            (1, 2, 0.5),
            (2, 3, 0.8),
            (3, 4, 0.95),
            (4, 1, 0.3),
            (5, 50, 0.5),
        ] {
            let mut rng = Rng::new(seed);
            let x = ndarray::Array2::from_shape_simple_fn((70, 3), || {
                f64::unit_from_bits(rng.next_u64())
            });
            let rows: Vec<usize> = (0..70).filter(|i| i % 7 != 3).collect();
            let got = assembled_clusters(x.view(), &rows, pop, thres, Stop::never()).unwrap();
            assert_eq!(
                got,
                clusters_by_definition(&x, &rows, pop, thres),
                "seed {seed}"
            );
            several += usize::from(got.iter().any(|&label| label > 0));
        }
        assert!(
            several >= 3,
            "set-aside pairs left several clusters in {several} cases"
        );
    }

    #[test]
    fn tied_distances_merge_the_pair_of_lowest_positions() {
        let cases = [(2, 0.5), (3, 0.9), (2, 0.99), (3, 0.7)];
        segments_cluster_as_defined(11, 0.0, &cases);
    }

    #[test]
    fn distances_within_one_float32_step_merge_in_their_exact_order() {
        // Offsets of 2^-26: squared distances near 1 to 40 that differ below float32's
        // resolution (equal odd keys), besides exact ties.
        let cases = [(2, 0.5), (3, 0.9), (2, 0.99), (3, 0.7), (50, 0.5)];
        segments_cluster_as_defined(13, 2f64.powi(-26), &cases);
    }

    /// For each `(pop, thres)` of `cases`, new `segments` (from `seed`, moved by
    /// `wobble`) are clustered as the definition clusters them, and in two cases or
    /// more the disagreeing segments stay apart.
    fn segments_cluster_as_defined(seed: u64, wobble: f64, cases: &[(usize, f64)]) {
        let mut rng = Rng::new(seed);
        let mut several = 0;
        for &(pop, thres) in cases {
            let x = segments(&mut rng, wobble);
            let rows: Vec<usize> = (0..x.nrows()).collect();
            let got = assembled_clusters(x.view(), &rows, pop, thres, Stop::never()).unwrap();
            several += usize::from(got.iter().any(|&label| label > 0));
            assert_eq!(
                got,
                clusters_by_definition(&x, &rows, pop, thres),
                "pop {pop}, thres {thres}"
            );
        }
        assert!(
            several >= 2,
            "disagreeing segments kept apart in {several} cases"
        );
    }

    /// Unit-spaced segments along either axis at integer places, some points twice
    /// (many pairs at each distance, and segments across each other that disagree),
    /// each coordinate then moved by `wobble` times 0, 1 or 2.
    fn segments(rng: &mut Rng, wobble: f64) -> ndarray::Array2<f64> {
        let mut points = Vec::new();
        for _ in 0..12 {
            let (ox, oy, along_x) = (rng.below(4) * 3, rng.below(4) * 3, rng.below(2) == 0);
            for t in 0..2 + rng.below(3) {
                let p = if along_x { [ox + t, oy] } else { [ox, oy + t] };
                points.push(p.map(|v| v as f64));
                if rng.below(5) == 0 {
                    points.push(p.map(|v| v as f64));
                }
            }
        }
        ndarray::Array2::from_shape_fn((points.len(), 2), |(i, j)| {
            points[i][j] + wobble * rng.below(3) as f64
        })
    }

    #[test]
    fn keys_order_as_the_distances_do() {
        let mut rng = Rng::new(5);
        let keys = Keys::over(&[0.0, 1.0]);
        let mut value = || {
            let base = [0.0, 1.0, 2.0, 1.5, 1e-30, 3e20][rng.below(6)];
            base * (1.0 + rng.below(4) as f64 * f64::EPSILON * 2f64.powi(rng.below(40) as i32))
        };
        for _ in 0..20_000 {
            let (v, w) = (value(), value());
            let (kv, kw) = (keys.key(v), keys.key(w));
            assert_ne!(kv, NO_KEY);
            if kv < kw {
                assert!(v < w, "{v} {w}");
            }
            if kv == kw && kv & 1 == 0 {
                assert_eq!(v, w);
            }
            if v < w {
                assert!(kv <= kw, "{v} {w}");
            }
        }
        // Squared distances float32 holds are exact (even keys); others are not.
        assert_eq!(keys.key(2.0) & 1, 0);
        assert_eq!(keys.key(2.0 + f64::EPSILON * 4.0) & 1, 1);
        // Values past float32's range are scaled into it, still exact.
        let wide = Keys::over(&[0.0, 1e30]);
        assert_eq!(wide.key(1e60) & 1, 1);
        assert_eq!(wide.key(2f64.powi(199)) & 1, 0);
        assert!(wide.key(2f64.powi(199)) < wide.key(2f64.powi(200)));
    }

    #[test]
    fn the_principal_direction_is_the_leading_eigenvector() {
        // Points along (1, 2, 0), each twice, 0.01 above and below along z.
        let points: Vec<f64> = (0..50)
            .flat_map(|i| {
                let t = (i / 2) as f64 / 10.0;
                [t, 2.0 * t, if i % 2 == 0 { 0.01 } else { -0.01 }]
            })
            .collect();
        let members: Vec<u32> = (0..50).collect();
        let v = principal_direction(&members, &points, 3).unwrap();
        let want = [1.0 / 5f64.sqrt(), 2.0 / 5f64.sqrt(), 0.0];
        let cos: f64 = v.iter().zip(want).map(|(a, b)| a * b).sum();
        assert!((cos.abs() - 1.0).abs() < 1e-12);
        assert!(principal_direction(&[3, 3], &points, 3).is_none());
    }
}
