//! Whether a row's nearest rows hold enough of its own class: the vote of LeeSMOTE's
//! rejection, answered without ranking every nearest row.

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::{
    canonical_distance, check_search, kneighbors_within, overflow_safe_scale, search_scaled,
    Search, NOT_A_REFERENCE,
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
pub fn own_class_holds<F: Float>(
    x: ArrayView2<F>,
    queries: &[usize],
    own: &[usize],
    others: &[usize],
    n_neighbors: usize,
    own_needed: usize,
    stop: &Stop,
) -> Result<Vec<bool>> {
    let is_own = own_rows(x.nrows(), own, others)?;
    let mut voters: Vec<usize> = own.iter().chain(others).copied().collect();
    voters.sort_unstable();
    check_search(x.nrows(), x.ncols(), queries, &voters, n_neighbors)?;
    if own_needed == 0 || own_needed > n_neighbors {
        return Ok(vec![own_needed == 0; queries.len()]);
    }
    // The scale of the search among all the voters, so that every distance below is
    // the one that search ranks by.
    let scale = overflow_safe_scale(x, &[queries, &voters], stop);
    let others_allowed = n_neighbors - own_needed;
    if own.len() <= own_needed || others.len() <= others_allowed + 1 {
        // Too few rows on one side to search it alone: rank the nearest of all.
        let table = search_scaled(x, queries, &voters, n_neighbors, Some(scale), None, stop)?;
        return Ok((table.outer_iter())
            .map(|row| row.iter().filter(|&&p| is_own[voters[p as usize]]).count() >= own_needed)
            .collect());
    }
    let nearest_own = search_scaled(x, queries, own, own_needed, Some(scale), None, stop)?;
    let search = Search {
        x,
        queries,
        references: own,
        own: &[],
        k: own_needed,
        scale,
        bounds: None,
        stop,
    };
    let distance = |q: usize, r: usize| canonical_distance(search.row(q).zip(search.row(r)));
    // The last of the own rows needed: (its distance, its row).
    let needed: Vec<(f64, usize)> = (queries.par_iter().zip(nearest_own.outer_iter()))
        .map(|(&q, row)| {
            let r = own[row[own_needed - 1] as usize];
            (distance(q, r), r)
        })
        .collect();
    let bounds: Vec<f64> = needed.iter().map(|&(d, _)| d).collect();
    let nearest_others =
        kneighbors_within(x, queries, others, others_allowed + 1, &bounds, scale, stop)?;
    Ok((queries
        .par_iter()
        .zip(nearest_others.outer_iter())
        .zip(&needed))
    .map(|((&q, row), &needed)| {
        let before = (row.iter().filter(|&&p| p != NOT_A_REFERENCE))
            .filter(|&&p| {
                let r = others[p as usize];
                (distance(q, r), r) < needed
            })
            .count();
        before <= others_allowed
    })
    .collect())
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
                Stop::never(),
            )
            .unwrap();
            let want: Vec<bool> = (table.outer_iter())
                .map(|row| row.iter().filter(|&&p| p < 3).count() >= own_needed)
                .collect();
            assert_eq!(holds, want);
        }
    }

    #[test]
    fn own_class_holds_refuses_rows_out_of_order_or_on_both_sides() {
        let x = Array2::<f64>::zeros((10, 2));
        let queries = [9];
        let unsorted = own_class_holds(x.view(), &queries, &[2, 1], &[3, 4], 1, 1, Stop::never());
        assert!(unsorted
            .unwrap_err()
            .to_string()
            .contains("own rows must be in increasing order, got 2 then 1"));
        let both = own_class_holds(x.view(), &queries, &[1, 2], &[2, 4], 1, 1, Stop::never());
        assert!(both
            .unwrap_err()
            .to_string()
            .contains("row 2 is among both"));
        let outside = own_class_holds(x.view(), &queries, &[1, 2], &[3, 40], 1, 1, Stop::never());
        assert!(matches!(
            outside,
            Err(Error::IndexOutOfRange { index: 40, .. })
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
