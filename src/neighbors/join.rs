//! A k-NN join over partitioned data: queries searched among each partition of the
//! references apart (on the workers that hold them), the partitions' lists merged by
//! (canonical distance, row). With canonical ties and one scale for every partition,
//! the merged lists are `kneighbors_among` of the whole data, row for row.

use ndarray::{concatenate, Array2, ArrayView2, Axis};
use rayon::prelude::*;

use super::{
    power_of_two_scale, ranked, scaled_distance, search_scaled, PartLists, NOT_A_REFERENCE,
};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::stop::Stop;

/// One partition's share of the search of `queries` among every row of the data: for
/// query `i` (row `query_rows[i]` of the data), the `k` rows of `partition` (rows
/// `first_row..` of the data) first by (canonical distance, row), itself excluded, as
/// `(keys, positions)`: canonical distances in f64 and positions into `partition`,
/// padded with `(∞, NOT_A_REFERENCE)` where the partition has fewer rows.
///
/// `largest` is the largest magnitude of the data's values: every partition scales by
/// the same power of two (the whole search's), so that keys compare across partitions.
pub fn join_part<F: Float>(
    partition: ArrayView2<F>,
    first_row: usize,
    queries: ArrayView2<F>,
    query_rows: &[usize],
    k: usize,
    largest: F,
    stop: &Stop,
) -> Result<PartLists> {
    check_join(partition, queries, query_rows, k)?;
    let n_rows = partition.nrows();
    let scale = power_of_two_scale(largest, F::SAFE_EXPONENT);
    // The partition's rows, then the queries that are not among them: a query inside
    // the partition is searched as its own row there, so that it excludes itself.
    let inside = |row: usize| row.checked_sub(first_row).filter(|&r| r < n_rows);
    let outside: Vec<usize> = (0..query_rows.len())
        .filter(|&i| inside(query_rows[i]).is_none())
        .collect();
    let joined = concatenate(
        Axis(0),
        &[partition, queries.select(Axis(0), &outside).view()],
    )
    .expect("rows of the same width");
    let mut next_outside = n_rows..;
    let searched: Vec<usize> = (query_rows.iter())
        .map(|&row| inside(row).unwrap_or_else(|| next_outside.next().expect("unbounded")))
        .collect();
    let references: Vec<usize> = (0..n_rows).collect();
    let distance = |q: usize, p: u32| scaled_distance(joined.view(), scale, q, p as usize);
    let mut keys = Array2::from_elem((query_rows.len(), k), f64::INFINITY);
    let mut positions = Array2::from_elem((query_rows.len(), k), NOT_A_REFERENCE);
    if n_rows > k {
        let table = search_scaled(
            joined.view(),
            &searched,
            &references,
            k,
            Some(scale),
            None,
            stop,
        )?;
        positions.assign(&table);
        (keys.axis_iter_mut(Axis(0)).into_par_iter())
            .zip(table.axis_iter(Axis(0)).into_par_iter())
            .zip(&searched)
            .for_each(|((mut keys, found), &q)| {
                for (key, &p) in keys.iter_mut().zip(found) {
                    *key = distance(q, p);
                }
            });
    } else {
        // Too few rows for a search: every one of them, ranked.
        (keys.axis_iter_mut(Axis(0)).into_par_iter())
            .zip(positions.axis_iter_mut(Axis(0)).into_par_iter())
            .zip(&searched)
            .for_each(|((mut keys, mut positions), &q)| {
                let others = (0..n_rows as u32).filter(|&p| p as usize != q);
                for (slot, (key, p)) in (keys.iter_mut().zip(positions.iter_mut()))
                    .zip(ranked(others, |p| distance(q, p)))
                {
                    (*slot.0, *slot.1) = (key, p);
                }
            });
    }
    stop.check()?;
    Ok((keys, positions))
}

fn check_join<F: Float>(
    partition: ArrayView2<F>,
    queries: ArrayView2<F>,
    query_rows: &[usize],
    k: usize,
) -> Result<()> {
    if k == 0 {
        return Err(Error::InvalidK(k));
    }
    if partition.ncols() != queries.ncols() {
        return Err(Error::SplitMismatch(format!(
            "the partition has {} features and the queries {}",
            partition.ncols(),
            queries.ncols()
        )));
    }
    if query_rows.len() != queries.nrows() {
        return Err(Error::SplitMismatch(format!(
            "{} query rows are given for {} queries",
            query_rows.len(),
            queries.nrows()
        )));
    }
    if partition.ncols() == 0 {
        return Err(Error::NoFeatures);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{kneighbors_among, overflow_safe_scale};
    use super::*;
    use crate::rng::Rng;

    /// The join's answer: every partition's lists, merged by (key, row of the data).
    fn joined_search<F: Float>(
        x: &Array2<F>,
        bounds: &[usize],
        queries: &[usize],
        k: usize,
    ) -> Array2<u32> {
        let all: Vec<usize> = (0..x.nrows()).collect();
        let largest = x.iter().fold(F::zero(), |m, &v| m.max(v.abs()));
        let query_values = x.select(Axis(0), queries);
        let mut lists: Vec<Vec<(f64, u32)>> = vec![Vec::new(); queries.len()];
        for pair in bounds.windows(2) {
            let partition = x.slice(ndarray::s![pair[0]..pair[1], ..]);
            let (keys, positions) = join_part(
                partition,
                pair[0],
                query_values.view(),
                queries,
                k,
                largest,
                Stop::never(),
            )
            .unwrap();
            for (i, list) in lists.iter_mut().enumerate() {
                for (&key, &p) in keys.row(i).iter().zip(positions.row(i)) {
                    if p != NOT_A_REFERENCE {
                        list.push((key, pair[0] as u32 + p));
                    }
                }
            }
        }
        assert_eq!(
            overflow_safe_scale(x.view(), &[&all], Stop::never()),
            power_of_two_scale(largest, F::SAFE_EXPONENT)
        );
        let mut table = Array2::<u32>::zeros((queries.len(), k));
        for (mut row, mut list) in table.rows_mut().into_iter().zip(lists) {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (slot, &(_, r)) in row.iter_mut().zip(&list) {
                *slot = r;
            }
        }
        table
    }

    /// Cuts `0..n` into partitions of random sizes (some empty, some smaller than k).
    fn random_bounds(n: usize, rng: &mut Rng) -> Vec<usize> {
        let mut bounds = vec![0];
        while *bounds.last().unwrap() < n {
            let size = [0, 1, 2, 7, 40, 150][rng.below(6)];
            bounds.push((bounds.last().unwrap() + size).min(n));
        }
        bounds
    }

    #[test]
    fn merged_partition_lists_are_the_whole_search() {
        let mut rng = Rng::new(5);
        for seed in 0..60 {
            let n = 30 + rng.below(400);
            let d = 1 + rng.below(24);
            let k = 1 + rng.below(6);
            // Spread beyond float32's safe range, every partition takes the data's scale.
            let x = varied(seed, n, d);
            let x32 = x.mapv(|v| v as f32);
            let all: Vec<usize> = (0..x.nrows()).collect();
            let queries: Vec<usize> = all.iter().copied().filter(|_| rng.below(3) == 0).collect();
            let bounds = random_bounds(n, &mut rng);
            let case = format!(
                "seed {seed}: n = {n}, d = {}, k = {k}, {bounds:?}",
                x.ncols()
            );
            let want = kneighbors_among(x.view(), &queries, &all, k, Stop::never()).unwrap();
            assert_eq!(joined_search(&x, &bounds, &queries, k), want, "{case}");
            let want32 = kneighbors_among(x32.view(), &queries, &all, k, Stop::never()).unwrap();
            assert_eq!(
                joined_search(&x32, &bounds, &queries, k),
                want32,
                "{case} f32"
            );
        }
    }

    #[test]
    fn a_join_refuses_what_does_not_fit() {
        let x = random(50, 4, 1);
        let queries = x.slice(ndarray::s![..5, ..]);
        let other = random(5, 3, 2);
        let errors = [
            join_part(
                x.view(),
                0,
                queries,
                &[0, 1, 2, 3, 4],
                0,
                1.0,
                Stop::never(),
            ),
            join_part(
                x.view(),
                0,
                other.view(),
                &[0, 1, 2, 3, 4],
                2,
                1.0,
                Stop::never(),
            ),
            join_part(x.view(), 0, queries, &[0, 1], 2, 1.0, Stop::never()),
        ]
        .map(Result::unwrap_err);
        assert!(matches!(errors[0], Error::InvalidK(0)));
        assert!(
            errors[1].to_string().contains("4 features"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].to_string().contains("2 query rows"),
            "{}",
            errors[2]
        );
    }
}
