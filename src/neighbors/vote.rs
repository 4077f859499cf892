//! Whether a row's nearest rows hold enough of its own class: the vote of LeeSMOTE's
//! rejection, answered without ranking every nearest row.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use super::{
    check_search, kneighbors_within, largest_magnitude, overflow_safe_scale, power_of_two_scale,
    scaled_distance, search_scaled, CanonicalError, Engine, NOT_A_REFERENCE,
};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::stop::Stop;

/// For each row `queries[i]` of `x`: whether at least `own_needed` of its `n_neighbors`
/// nearest rows among `own ∪ others` (by canonical distance, ties to the lowest row of
/// `x`, the query itself excluded) are rows of `own`. `own` and `others` list rows of
/// `x` in increasing order, none in both.
///
/// That holds exactly when the `own_needed`-th nearest row of `own` ranks before the
/// `(n_neighbors − own_needed + 1)`-th nearest of `others`. So the search among `own`
/// finds its `own_needed` nearest, and the search among `others` is bounded by the
/// distance of the last of them: on data where a class's new rows lie inside it, most
/// queries have no row of `others` that near, and the brute force rules out nearly
/// every reference at once, where a search among all rows ranked the nearest
/// `n_neighbors` of them (measured on LeeSMOTE's candidates among 1e5 rows of 20
/// features: in 81 %, nothing of `others` within the bound).
///
/// With `near`, a query near enough to one of its anchors, an own row far from every
/// row of others, skips that search: by the triangle inequality every row of others
/// lies beyond the bound, so none ranks before the own rows needed.
#[allow(clippy::too_many_arguments)]
pub fn own_class_holds<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    own: &[usize],
    others: &[usize],
    n_neighbors: usize,
    own_needed: usize,
    near: Option<&Clearances<'_>>,
    stop: &Stop,
) -> Result<Vec<bool>> {
    let is_own = own_rows(x.nrows(), own, others)?;
    let voters = merged(own, others);
    check_search(x.nrows(), x.ncols(), queries, &voters, n_neighbors)?;
    if let Some(near) = near {
        near.check(queries.len(), own, &is_own)?;
    }
    if own_needed == 0 || own_needed > n_neighbors {
        return Ok(vec![own_needed == 0; queries.len()]);
    }
    // The scale of the search among all the voters, so that every distance below is
    // the one that search ranks by; the clearances hold at the voters' own scale.
    let largest_voter = largest_magnitude(x, &voters, stop);
    let largest = largest_voter.max(largest_magnitude(x, queries, stop));
    let scale = power_of_two_scale(largest, F::SAFE_EXPONENT);
    let near = near.filter(|_| power_of_two_scale(largest_voter, F::SAFE_EXPONENT) == scale);
    let others_allowed = n_neighbors - own_needed;
    if own.len() <= own_needed
        || others.len() <= others_allowed + 1
        || !bounds_pay(x, others, others_allowed + 1, stop)
    {
        // Too few rows on one side to search it alone, or a tree's search: rank the
        // nearest of all at once.
        let table = search_scaled(x, queries, &voters, n_neighbors, Some(scale), None, stop)?;
        return Ok((table.outer_iter())
            .map(|row| row.iter().filter(|&&p| is_own[voters[p as usize]]).count() >= own_needed)
            .collect());
    }
    let nearest_own = search_scaled(x, queries, own, own_needed, Some(scale), None, stop)?;
    let distance = |q: usize, r: usize| scaled_distance(x, scale, q, r);
    // The last of the own rows needed: (its distance, its row).
    let needed: Vec<(f64, usize)> = (queries.par_iter().zip(nearest_own.outer_iter()))
        .map(|(&q, row)| {
            let r = own[row[own_needed - 1] as usize];
            (distance(q, r), r)
        })
        .collect();
    // The queries that some row of others may reach within the bound.
    let error = CanonicalError::over(x.ncols());
    let reached: Vec<usize> = match near {
        None => (0..queries.len()).collect(),
        Some(near) => (0..queries.len())
            .into_par_iter()
            .filter(|&i| {
                let q = queries[i];
                let cleared = |&anchor: &usize| {
                    let clearance = near.of(own, anchor);
                    // The least exact distance from q to any row of others.
                    let apart = lower_sqrt(error.least_exact(clearance))
                        - upper_sqrt(error.largest_exact(distance(q, anchor)));
                    apart > 0.0 && error.least_canonical(lower_square(apart)) > needed[i].0
                };
                !near.anchors_of(i).iter().any(cleared)
            })
            .collect(),
    };
    let reached_queries: Vec<usize> = reached.iter().map(|&i| queries[i]).collect();
    let bounds: Vec<f64> = reached.iter().map(|&i| needed[i].0).collect();
    let nearest_others = kneighbors_within(
        x,
        &reached_queries,
        others,
        others_allowed + 1,
        &bounds,
        scale,
        stop,
    )?;
    // A query out of reach has no row of others before its own rows needed.
    let mut holds = vec![true; queries.len()];
    for (&i, row) in reached.iter().zip(nearest_others.outer_iter()) {
        let q = queries[i];
        let before = (row.iter().filter(|&&p| p != NOT_A_REFERENCE))
            .filter(|&&p| {
                let r = others[p as usize];
                (distance(q, r), r) < needed[i]
            })
            .count();
        holds[i] = before <= others_allowed;
    }
    Ok(holds)
}

/// Whether a search of `k` neighbours among the rows `others` of `x` runs on the brute
/// force, whose scan takes bounds. The KD-tree takes none (a bounded search is then
/// its whole search, filtered): there one search of the nearest rows of all beats a
/// search among own and one among others (LeeSMOTE at 1e5 x 4: 0.18 s against 0.25 s).
fn bounds_pay<F: Float>(x: ArrayView2<F>, others: &[usize], k: usize, stop: &Stop) -> bool {
    Engine::for_class(x, others, k, stop) == Engine::Brute
}

/// What spares `own_class_holds` the search among others for queries near rows of
/// own that lie far from every row of others.
pub struct Clearances<'a> {
    /// For each query, `per_query` rows of own it lies near (a new row's base and
    /// neighbour), query after query.
    pub anchors: &'a [usize],
    pub per_query: usize,
    /// For each row of own, its canonical distance from the nearest row of others
    /// (`clearances`).
    pub clearances: &'a [f64],
}

impl Clearances<'_> {
    fn check(&self, n_queries: usize, own: &[usize], is_own: &[bool]) -> Result<()> {
        if self.anchors.len() != n_queries * self.per_query || self.clearances.len() != own.len() {
            return Err(Error::InvalidRows(format!(
                "anchors must hold {} rows for each of the {n_queries} queries and clearances \
                 one value for each of the {} own rows, got {} anchors and {} clearances",
                self.per_query,
                own.len(),
                self.anchors.len(),
                self.clearances.len()
            )));
        }
        match (self.anchors.iter()).find(|&&a| !is_own.get(a).copied().unwrap_or(false)) {
            Some(&bad) => Err(Error::InvalidRows(format!(
                "anchor {bad} is not among the own rows"
            ))),
            None => Ok(()),
        }
    }

    fn anchors_of(&self, query: usize) -> &[usize] {
        &self.anchors[query * self.per_query..(query + 1) * self.per_query]
    }

    /// The clearance of own row `row` (which `check` found among them).
    fn of(&self, own: &[usize], row: usize) -> f64 {
        self.clearances[own
            .binary_search(&row)
            .expect("an anchor among the own rows")]
    }
}

/// For each row of `own`, its canonical distance from the nearest row of `others` (at
/// the scale of a search among both), or `within[i]` where no row of others lies
/// within that (then a lower bound, which is all `Clearances::clearances` asks for:
/// a search up to where a clearance stops sparing searches is the cheaper). Where the
/// vote would not search among others alone (`bounds_pay`), 0 for every row, which
/// spares nothing and costs no search.
pub fn clearances<F: Float>(
    x: ArrayView2<F>,
    own: &[usize],
    others: &[usize],
    within: &[f64],
    stop: &Stop,
) -> Result<Vec<f64>> {
    own_rows(x.nrows(), own, others)?;
    if within.len() != own.len() {
        return Err(Error::InvalidRows(format!(
            "within must hold one value for each of the {} own rows, got {}",
            own.len(),
            within.len()
        )));
    }
    let scale = overflow_safe_scale(x, &[own, others], stop);
    // A search needs two references at least; one (or none) is its own nearest.
    let nearest = match others.len() {
        0 => return Ok(within.to_vec()),
        1 => Array2::zeros((own.len(), 1)),
        _ if !bounds_pay(x, others, 1, stop) => return Ok(vec![0.0; own.len()]),
        _ => kneighbors_within(x, own, others, 1, within, scale, stop)?,
    };
    Ok((own.par_iter().zip(nearest.outer_iter()).zip(within))
        .map(|((&r, row), &within)| match row[0] {
            NOT_A_REFERENCE => within,
            p => scaled_distance(x, scale, r, others[p as usize]).min(within),
        })
        .collect())
}

/// A square root, and a square, rounded to bound the exact ones from below, and a
/// square root from above (each f64 operation rounds once, far inside these factors).
fn lower_sqrt(v: f64) -> f64 {
    v.max(0.0).sqrt() * (1.0 - 4.0 * f64::EPSILON)
}

fn upper_sqrt(v: f64) -> f64 {
    v.sqrt() * (1.0 + 4.0 * f64::EPSILON)
}

fn lower_square(v: f64) -> f64 {
    v * v * (1.0 - 4.0 * f64::EPSILON)
}

/// The rows of two increasing lists, in increasing order.
fn merged(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut rows = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            rows.push(a[i]);
            i += 1;
        } else {
            rows.push(b[j]);
            j += 1;
        }
    }
    rows.extend_from_slice(&a[i..]);
    rows.extend_from_slice(&b[j..]);
    rows
}

/// Which rows of an `n_rows`-row matrix are in `own`, after checking that `own` and
/// `others` each list rows in increasing order and share none.
fn own_rows(n_rows: usize, own: &[usize], others: &[usize]) -> Result<Vec<bool>> {
    let mut is_own = vec![false; n_rows];
    for (what, rows) in [("own rows", own), ("other rows", others)] {
        if let Some(pair) = rows.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(Error::InvalidRows(format!(
                "{what} must be in increasing order, got {} then {}",
                pair[0], pair[1]
            )));
        }
        if let Some(&bad) = rows.iter().find(|&&r| r >= n_rows) {
            return Err(Error::IndexOutOfRange {
                what,
                index: bad,
                len: n_rows,
            });
        }
    }
    for &r in own {
        is_own[r] = true;
    }
    if let Some(&both) = others.iter().find(|&&r| is_own[r]) {
        return Err(Error::InvalidRows(format!(
            "row {both} is among both the own rows and the other rows"
        )));
    }
    Ok(is_own)
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::super::testing::{canonical_table, varied};
    use super::super::{canonical_distance, kneighbors_within, overflow_safe_scale};
    use super::*;
    use crate::rng::Rng;

    /// Voters (every other of the first `n_voters` rows, and the rest of them dealt
    /// to own and others at random) and queries (the rows after them, and a few voters,
    /// which must not count themselves) of an `n`-row matrix.
    fn split(n: usize, n_voters: usize, seed: u64) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
        let mut rng = Rng::new(seed);
        let (mut own, mut others) = (Vec::new(), Vec::new());
        for r in 0..n_voters {
            if rng.below(3) == 0 {
                own.push(r);
            } else {
                others.push(r);
            }
        }
        let queries: Vec<usize> = (n_voters..n).chain((0..n_voters).step_by(7)).collect();
        (queries, own, others)
    }

    /// Every engine (the tree below 14 features, the fused rows scan of other queries
    /// up to 32, the GEMM tiles above), on Gaussian data, data full of exact ties and
    /// data beyond float32's range: the vote is the count of own rows in the whole
    /// canonical table, for every number of own rows needed.
    #[test]
    fn own_class_holds_is_the_count_of_own_rows_among_the_nearest() {
        for (seed, d) in (0..9).zip([3, 20, 40].into_iter().cycle()) {
            let x = varied(seed, 2600, d);
            let (queries, own, others) = split(x.nrows(), 1300, seed);
            let mut voters: Vec<usize> = own.iter().chain(&others).copied().collect();
            voters.sort_unstable();
            for n_neighbors in [1, 5] {
                let table = canonical_table(x.view(), &queries, &voters, n_neighbors);
                let own_counts: Vec<usize> = (table.outer_iter())
                    .map(|row| {
                        row.iter()
                            .filter(|&&p| own.binary_search(&voters[p as usize]).is_ok())
                            .count()
                    })
                    .collect();
                for own_needed in 0..=n_neighbors + 1 {
                    let holds = own_class_holds(
                        x.view(),
                        &queries,
                        &own,
                        &others,
                        n_neighbors,
                        own_needed,
                        None,
                        Stop::never(),
                    )
                    .unwrap();
                    let want: Vec<bool> = own_counts.iter().map(|&c| c >= own_needed).collect();
                    assert_eq!(
                        holds, want,
                        "seed {seed}, d {d}, n {n_neighbors}, needed {own_needed}"
                    );
                }
            }
        }
    }

    /// With a side too small to search alone, the vote ranks the nearest of all.
    #[test]
    fn own_class_holds_with_few_rows_on_one_side() {
        let x = varied(0, 300, 6);
        let queries: Vec<usize> = (10..300).collect();
        let (own, others): (Vec<usize>, Vec<usize>) = ((0..3).collect(), (3..10).collect());
        let table = canonical_table(x.view(), &queries, &(0..10).collect::<Vec<_>>(), 5);
        for own_needed in 1..=4 {
            let holds = own_class_holds(
                x.view(),
                &queries,
                &own,
                &others,
                5,
                own_needed,
                None,
                Stop::never(),
            )
            .unwrap();
            let want: Vec<bool> = (table.outer_iter())
                .map(|row| row.iter().filter(|&&p| p < 3).count() >= own_needed)
                .collect();
            assert_eq!(holds, want);
        }
    }

    /// `own_class_holds` of `n` neighbours, `s` of them needed (`counts`), with the
    /// anchors (`per_query` a query) and clearances of `near`.
    fn vote_near(
        x: &Array2<f64>,
        queries: &[usize],
        (own, others): (&[usize], &[usize]),
        (n, s): (usize, usize),
        (anchors, per_query, clearances): (&[usize], usize, &[f64]),
    ) -> Result<Vec<bool>> {
        let near = Clearances {
            anchors,
            per_query,
            clearances,
        };
        own_class_holds(
            x.view(),
            queries,
            own,
            others,
            n,
            s,
            Some(&near),
            Stop::never(),
        )
    }

    /// New rows between two own rows, anchored at them and at two more (some repeated):
    /// the clearances spare searches (infinite ones would hold every query) and change
    /// no vote.
    #[test]
    fn anchored_queries_vote_as_the_whole_table_says() {
        for (seed, d) in (0..6).zip([3, 20, 40].into_iter().cycle()) {
            let voters = varied(seed, 1300, d);
            let (_, own, others) = split(1300, 1300, seed);
            let mut rng = Rng::new(seed);
            let anchors: Vec<usize> = (0..4 * 1300)
                .map(|_| own[rng.below(own.len() / 8)])
                .collect();
            let new_rows = Array2::from_shape_fn((1300, d), |(i, j)| {
                let (a, b) = (anchors[4 * i], anchors[4 * i + 1]);
                let t = (i % 7) as f64 / 6.0;
                voters[[a, j]] + t * (voters[[b, j]] - voters[[a, j]])
            });
            let x = ndarray::concatenate![ndarray::Axis(0), voters, new_rows];
            let queries: Vec<usize> = (1300..2600).collect();
            let all: Vec<usize> = (0..1300).collect();
            let table = canonical_table(x.view(), &queries, &all, 5);
            let own_counts: Vec<usize> = (table.outer_iter())
                .map(|row| {
                    row.iter()
                        .filter(|&&p| own.binary_search(&(p as usize)).is_ok())
                        .count()
                })
                .collect();
            let unbounded = vec![f64::INFINITY; own.len()];
            let cleared = clearances(x.view(), &own, &others, &unbounded, Stop::never()).unwrap();
            let vote = |clearances: &[f64]| {
                vote_near(
                    &x,
                    &queries,
                    (&own, &others),
                    (5, 3),
                    (&anchors, 4, clearances),
                )
                .unwrap()
            };
            let want: Vec<bool> = own_counts.iter().map(|&c| c >= 3).collect();
            assert_eq!(vote(&cleared), want, "seed {seed}, d {d}");
            // Infinite clearances would hold every query, where the vote searches the
            // other rows alone (a tree's search ranks all rows at once).
            let unbounded = vote(&vec![f64::INFINITY; own.len()]);
            let shortcut = unbounded.iter().all(|&h| h) && want.contains(&false);
            assert_eq!(shortcut, d >= 20, "seed {seed}, d {d}");
        }
    }

    /// The nearest other row's distance, or the bound where none lies within it.
    #[test]
    fn clearances_are_the_distances_to_the_nearest_other_row_up_to_a_bound() {
        let x = varied(3, 400, 20);
        let (own, others): (Vec<usize>, Vec<usize>) = (0..400).partition(|r| r % 3 == 0);
        let distance =
            |r: usize, o: usize| canonical_distance((0..20).map(|j| (x[[r, j]], x[[o, j]])));
        let nearest: Vec<f64> = (own.iter())
            .map(|&r| {
                others
                    .iter()
                    .map(|&o| distance(r, o))
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let unbounded = vec![f64::INFINITY; own.len()];
        assert_eq!(
            clearances(x.view(), &own, &others, &unbounded, Stop::never()).unwrap(),
            nearest
        );
        // Bounds at, above and below the nearest distance.
        let within: Vec<f64> = (nearest.iter().enumerate())
            .map(|(i, &d)| d * [1.0, 1.5, 0.5][i % 3])
            .collect();
        let want: Vec<f64> = nearest
            .iter()
            .zip(&within)
            .map(|(&d, &w)| d.min(w))
            .collect();
        assert_eq!(
            clearances(x.view(), &own, &others, &within, Stop::never()).unwrap(),
            want
        );
        let one = clearances(x.view(), &own[..3], &[5], &unbounded[..3], Stop::never()).unwrap();
        for (&r, clearance) in own.iter().zip(one) {
            assert_eq!(clearance, distance(r, 5));
        }
        let none = clearances(x.view(), &own[..3], &[], &within[..3], Stop::never()).unwrap();
        assert_eq!(none, within[..3]);
        let short = clearances(x.view(), &own, &others, &within[..3], Stop::never());
        assert!(short
            .unwrap_err()
            .to_string()
            .contains("within must hold one value for each of the 134 own rows, got 3"));
        // Where the search among others is a tree's, the vote ranks all rows at once:
        // no clearances are searched.
        let low = varied(3, 400, 5);
        let zero = clearances(low.view(), &own, &others, &unbounded, Stop::never()).unwrap();
        assert_eq!(zero, vec![0.0; own.len()]);
    }

    #[test]
    fn anchors_must_be_own_rows_one_set_per_query() {
        let x = varied(0, 30, 3);
        let (queries, own, others) = ([20, 21], [0, 1, 2], [3, 4, 5, 6]);
        let clearances = [1.0; 3];
        let vote = |anchors: &[usize]| {
            vote_near(
                &x,
                &queries,
                (&own, &others),
                (1, 1),
                (anchors, 2, &clearances),
            )
            .unwrap_err()
            .to_string()
        };
        assert!(vote(&[0, 1, 2]).contains("anchors must hold 2 rows for each of the 2 queries"));
        assert!(vote(&[0, 1, 2, 4]).contains("anchor 4 is not among the own rows"));
    }

    #[test]
    fn own_class_holds_refuses_rows_out_of_order_or_on_both_sides() {
        let x = Array2::<f64>::zeros((10, 2));
        let refused = |own: &[usize], others: &[usize]| {
            own_class_holds(x.view(), &[9], own, others, 1, 1, None, Stop::never()).unwrap_err()
        };
        let unsorted = refused(&[2, 1], &[3, 4]).to_string();
        assert!(unsorted.contains("own rows must be in increasing order, got 2 then 1"));
        assert!(refused(&[1, 2], &[2, 4])
            .to_string()
            .contains("row 2 is among both"));
        assert!(matches!(
            refused(&[1, 2], &[3, 40]),
            Error::IndexOutOfRange { index: 40, .. }
        ));
    }

    /// Bounds at a neighbour's exact distance (ties at the bound count as within),
    /// halfway to the next, and below the nearest: the canonical table cut at each.
    #[test]
    fn kneighbors_within_cuts_the_table_at_each_bound() {
        for (seed, d) in (0..9).zip([3, 20, 40].into_iter().cycle()) {
            let x = varied(seed, 2600, d);
            let (queries, own, others) = split(x.nrows(), 1300, seed);
            let references = if seed % 2 == 0 { own } else { others };
            let scale = overflow_safe_scale(x.view(), &[&queries, &references], Stop::never());
            let distance = |q: usize, r: usize| {
                canonical_distance((0..d).map(|j| (x[[q, j]] * scale, x[[r, j]] * scale)))
            };
            let k = 4;
            let whole = canonical_table(x.view(), &queries, &references, k + 1);
            let mut rng = Rng::new(seed);
            let bounds: Vec<f64> = (queries.iter().zip(whole.outer_iter()))
                .map(|(&q, row)| {
                    let at = |i: usize| distance(q, references[row[i] as usize]);
                    let i = rng.below(k);
                    match rng.below(3) {
                        0 => at(i),
                        1 => (at(i) + at(i + 1)) / 2.0,
                        _ => at(0) / 2.0,
                    }
                })
                .collect();
            let within = kneighbors_within(
                x.view(),
                &queries,
                &references,
                k,
                &bounds,
                scale,
                Stop::never(),
            )
            .unwrap();
            for (i, (&q, row)) in queries.iter().zip(whole.outer_iter()).enumerate() {
                let want: Vec<u32> = (0..k)
                    .map(|j| row[j])
                    .map(|p| {
                        if distance(q, references[p as usize]) <= bounds[i] {
                            p
                        } else {
                            NOT_A_REFERENCE
                        }
                    })
                    .collect();
                assert_eq!(within.row(i).to_vec(), want, "seed {seed}, query {q}");
            }
        }
    }
}
