//! CCR's spheres (Koziarski and Wozniak, 2017): around each row of a class, an L1 sphere
//! grown by a fixed energy that each other-class row inside makes dearer to spend, and
//! the other rows inside pushed out to its surface.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::distances::{feature_major_sums, feature_major_tiles, rows_in_f64};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::neighbors::power_of_two_scale;
use crate::sampling::check_rows;
use crate::stop::Stop;

/// Class rows per parallel task: a fixed size, so the sums never depend on the threads.
const SPHERE_BLOCK: usize = 16;
/// Other rows per tile of a block's distances (at 20 features, 80 KB: in cache).
const OTHER_TILE: usize = 512;
/// Nearest other rows sorted first; doubled while a sphere grows past them all.
const FIRST_SORTED: usize = 16;

/// The spheres of one class.
#[derive(Debug, PartialEq)]
pub struct Spheres {
    /// Each class row's sphere radius (L1).
    pub radii: Vec<f64>,
    /// The rows of `x` that some sphere pushes (`pushed` other rows inside one, at a
    /// distance from its centre), increasing.
    pub moved: Vec<usize>,
    /// For each of them, the sum of the moves that put it on the surface of every
    /// sphere it is inside, in class-row order.
    pub translations: Array2<f64>,
}

/// CCR's spheres around the rows `class` of `x`, among the rows `others`: each sphere
/// starts at radius 0 with `energy` to spend; growing it by `dr` costs `(k + 1) * dr`
/// while `k` other rows are inside, and it stops where the energy runs out (an other
/// row exactly on the way is left outside). Each other row `j` inside a sphere of
/// radius `r` around `c`, at L1 distance `d > 0`, is moved by `(r - d) / d * (x_j - c)`
/// when `pushed[j]`; its moves add up, in class-row order, whatever the threads.
pub fn ccr_spheres<F: Float>(
    x: ArrayView2<F>,
    class: &[usize],
    others: &[usize],
    pushed: &[bool],
    energy: f64,
    stop: &Stop,
) -> Result<Spheres> {
    check_rows("class rows", class, x.nrows())?;
    check_rows("other rows", others, x.nrows())?;
    if pushed.len() != others.len() {
        return Err(Error::ShapeMismatch {
            what: "the pushed-row mask",
            got: pushed.len(),
            expected: others.len(),
        });
    }
    if !(energy.is_finite() && energy > 0.0) {
        return Err(Error::InvalidParameter {
            name: "energy",
            value: energy.to_string(),
        });
    }
    let d = x.ncols();
    let mut centres = rows_in_f64(x, class);
    let as_f64 = |v: F| v.to_f64().expect("a float");
    // Scaled by a power of two (exactly) so that no L1 sum overflows; radii are scaled
    // back, and a move is a ratio of distances times a difference of rows.
    let largest = (others.iter())
        .flat_map(|&r| x.row(r).into_iter().map(|&v| as_f64(v).abs()))
        .chain(centres.iter().map(|v| v.abs()))
        .fold(0.0, f64::max);
    let scale = power_of_two_scale(largest * d as f64, f64::SAFE_EXPONENT);
    if scale != 1.0 {
        centres.iter_mut().for_each(|v| *v *= scale);
    }
    let energy = energy * scale;
    let centre = |i: usize| &centres[i * d..(i + 1) * d];
    let obstacle = |j: usize| {
        x.row(others[j])
            .into_iter()
            .map(move |&v| as_f64(v) * scale)
    };
    // Per block of class rows: the radii and each pushed row's moves, in row order.
    // The block's distances are computed tile by tile of other rows, each tile stored
    // feature by feature: the sums run over a tile's rows in vector instructions, each
    // row's sum feature by feature in order (the plain sum, on any machine). Only the
    // rows nearer than the energy are kept, tile by tile, in row order.
    type Moves = Vec<(usize, Vec<f64>)>;
    let m = others.len();
    let tiles = feature_major_tiles(m, d, OTHER_TILE, |j, f| as_f64(x[[others[j], f]]) * scale);
    let blocks: Vec<(Vec<f64>, Moves)> = (0..class.len())
        .collect::<Vec<_>>()
        .par_chunks(SPHERE_BLOCK)
        .map(|block| {
            let mut radii = Vec::with_capacity(block.len());
            let mut moves: Moves = Vec::new();
            if stop.requested() {
                return (radii, moves);
            }
            // A sphere never outgrows its energy (each step costs at least its length),
            // so only the rows nearer than that can end up inside.
            let mut near: Vec<Vec<(f64, usize)>> = vec![Vec::new(); block.len()];
            let mut sums = vec![0.0; OTHER_TILE.min(m)];
            for (t, tile) in tiles.iter().enumerate() {
                let start = t * OTHER_TILE;
                let sums = &mut sums[..tile.len() / d.max(1)];
                for (slot, &i) in block.iter().enumerate() {
                    sums.fill(0.0);
                    feature_major_sums(centre(i), tile, sums, |v, o| (v - o).abs());
                    near[slot].extend(
                        (sums.iter().zip(start..))
                            .filter(|&(&v, _)| v < energy)
                            .map(|(&v, j)| (v, j)),
                    );
                }
            }
            for (by_distance, &i) in near.iter_mut().zip(block) {
                let c = centre(i);
                let (radius, inside) = grow(by_distance, energy);
                radii.push(radius);
                for &(distance, j) in &by_distance[..inside] {
                    if pushed[j] && distance > 0.0 {
                        let ratio = (radius - distance) / distance;
                        let delta = obstacle(j).zip(c).map(|(o, p)| ratio * (o - p) / scale);
                        moves.push((j, delta.collect()));
                    }
                }
            }
            (radii, moves)
        })
        .collect();
    stop.check()?;
    let mut radii = Vec::with_capacity(class.len());
    let mut moves = Vec::new();
    for (block_radii, block_moves) in blocks {
        radii.extend(block_radii.into_iter().map(|r| r / scale));
        moves.extend(block_moves);
    }
    // Only the rows pushed get a translation (most other rows are in no sphere): a
    // stable sort keeps each row's moves in class-row order, the order they add up in.
    moves.sort_by_key(|&(j, _)| j);
    let mut moved = Vec::new();
    let mut translations = Vec::new();
    for (j, delta) in moves {
        if moved.last() != Some(&others[j]) {
            moved.push(others[j]);
            translations.resize(translations.len() + d, 0.0);
        }
        let total = &mut translations[(moved.len() - 1) * d..];
        for (t, v) in total.iter_mut().zip(delta) {
            *t += v;
        }
    }
    let translations =
        Array2::from_shape_vec((moved.len(), d), translations).expect("a row per moved row");
    Ok(Spheres {
        radii,
        moved,
        translations,
    })
}

/// The radius a sphere reaches with `energy` among other rows at the distances
/// `by_distance` (any order; sorted by (distance, row) as far as the sphere reaches; the
/// rows at `energy` or farther may be left out, as no sphere reaches them), and how many
/// of them end up inside.
fn grow(by_distance: &mut [(f64, usize)], energy: f64) -> (f64, usize) {
    let order = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    let mut sorted = 0;
    let mut want = FIRST_SORTED.min(by_distance.len());
    let (mut radius, mut left, mut inside) = (0.0, energy, 0);
    loop {
        if want > sorted {
            let rest = &mut by_distance[sorted..];
            let take = want - sorted;
            if take < rest.len() {
                rest.select_nth_unstable_by(take - 1, order);
            }
            rest[..take].sort_unstable_by(order);
            sorted = want;
        }
        while inside < sorted {
            let distance = by_distance[inside].0;
            let step = left / (inside + 1) as f64;
            if distance >= radius + step {
                return (radius + step, inside);
            }
            left -= (distance - radius) * (inside + 1) as f64;
            radius = distance;
            inside += 1;
        }
        if sorted == by_distance.len() {
            // Every other row inside: the rest of the energy grows the sphere freely.
            return (radius + left / (inside + 1) as f64, inside);
        }
        want = (2 * sorted).min(by_distance.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::run_with_threads;
    use crate::rng::Rng;

    /// The spheres by their definition: every distance sorted, one class row at a time.
    fn spheres_by_definition(
        x: &Array2<f64>,
        class: &[usize],
        others: &[usize],
        energy: f64,
    ) -> Spheres {
        let d = x.ncols();
        let mut radii = Vec::new();
        let mut translations = Array2::<f64>::zeros((others.len(), d));
        let mut pushed_by_definition = vec![false; others.len()];
        for &i in class {
            let mut by: Vec<(f64, usize)> = others
                .iter()
                .enumerate()
                .map(|(j, &o)| ((0..d).map(|f| (x[[i, f]] - x[[o, f]]).abs()).sum(), j))
                .collect();
            by.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let (mut r, mut e, mut k) = (0.0, energy, 0);
            let mut done = false;
            for &(dist, _) in &by {
                let step = e / (k + 1) as f64;
                if dist >= r + step {
                    r += step;
                    done = true;
                    break;
                }
                e -= (dist - r) * (k + 1) as f64;
                r = dist;
                k += 1;
            }
            if !done {
                r += e / (k + 1) as f64;
            }
            radii.push(r);
            for &(dist, j) in &by[..k] {
                if dist > 0.0 {
                    pushed_by_definition[j] = true;
                    for f in 0..d {
                        translations[[j, f]] += (r - dist) / dist * (x[[others[j], f]] - x[[i, f]]);
                    }
                }
            }
        }
        let moved: Vec<usize> = (0..others.len())
            .filter(|&j| pushed_by_definition[j])
            .collect();
        Spheres {
            radii,
            translations: translations.select(ndarray::Axis(0), &moved),
            moved: moved.into_iter().map(|j| others[j]).collect(),
        }
    }

    #[test]
    fn spheres_follow_their_definition_for_any_thread_count() {
        let mut rng = Rng::new(5);
        let x = Array2::from_shape_simple_fn((600, 3), || (rng.below(40) as f64) / 8.0);
        let class: Vec<usize> = (0..600).step_by(6).collect();
        let others: Vec<usize> = (0..600).filter(|r| r % 6 != 0).collect();
        let all = vec![true; others.len()];
        for energy in [0.05, 1.0, 40.0, 1e6] {
            let want = spheres_by_definition(&x, &class, &others, energy);
            for threads in [1, 2, 3] {
                let got = run_with_threads(Some(threads), || {
                    ccr_spheres(x.view(), &class, &others, &all, energy, Stop::never())
                })
                .unwrap()
                .unwrap();
                assert_eq!(got.radii, want.radii, "energy {energy}");
                assert_eq!(got.moved, want.moved, "energy {energy}");
                let gap = (&got.translations - &want.translations).mapv(f64::abs);
                assert!(gap.iter().all(|&g| g <= 1e-9), "energy {energy}");
            }
        }
        // Rows not pushed stay; a bad mask or energy is refused.
        let none = vec![false; others.len()];
        let got = ccr_spheres(x.view(), &class, &others, &none, 1.0, Stop::never()).unwrap();
        assert!(got.moved.is_empty() && got.translations.is_empty());
        assert!(ccr_spheres(x.view(), &class, &others, &none[1..], 1.0, Stop::never()).is_err());
        assert!(ccr_spheres(x.view(), &class, &others, &none, 0.0, Stop::never()).is_err());
    }

    #[test]
    fn a_pushed_row_lands_on_the_sphere() {
        // One class row at 0, other rows at 0.1 and 5 (L1 in 2-D): energy 1 passes the
        // first (cost 0.1), then grows by 0.9 / 2: radius 0.55, the first row moved there.
        let x = ndarray::array![[0.0, 0.0], [0.05, 0.05], [5.0, 0.0]];
        let got = ccr_spheres(x.view(), &[0], &[1, 2], &[true, true], 1.0, Stop::never()).unwrap();
        assert!((got.radii[0] - 0.55).abs() < 1e-12);
        let moved = [
            0.05 + got.translations[[0, 0]],
            0.05 + got.translations[[0, 1]],
        ];
        assert!((moved[0] + moved[1] - 0.55).abs() < 1e-12 && (moved[0] - moved[1]).abs() < 1e-12);
        assert_eq!(got.moved, vec![1]); // the row at 5 is outside
                                        // Values near f64's limit: finite radii.
        let far = x.mapv(|v| v * 1e307);
        let got = ccr_spheres(
            far.view(),
            &[0],
            &[1, 2],
            &[true, true],
            1e307,
            Stop::never(),
        )
        .unwrap();
        assert!(got.radii[0].is_finite() && got.translations.iter().all(|t| t.is_finite()));
    }
}
