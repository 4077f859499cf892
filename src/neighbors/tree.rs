//! The KD-tree engine: kiddo's immutable tree over the references, for low dimensions.

use std::any::Any;
use std::num::NonZeroUsize;

use kiddo::stem_strategy::Eytzinger;
use kiddo::{ImmutableKdTree, QueryScratch, SquaredEuclidean};
use ndarray::{ArrayView1, ArrayViewMut1, ArrayViewMut2};
use rayon::prelude::*;

use super::{
    group_by_key, sort_ranked, verdict, write_ranked, CanonicalError, Search, Verdict,
    NOT_A_REFERENCE, SPARE_CANDIDATES,
};
use crate::error::{Error, Result};
use crate::float::Float;

/// Queries handled together by one parallel task of the tree search.
const TREE_QUERY_BLOCK: usize = 64;

/// kiddo's tree over points of one element type. kiddo's query traits are implemented
/// per concrete type, which a generic `F: Float` cannot name: the tree holds the one
/// it was built in, and the points it is given are matched to it by type (an `F` that
/// is neither `f32` nor `f64` has no tree).
enum Tree<const K: usize> {
    F32(ImmutableKdTree<f32, K>),
    F64(ImmutableKdTree<f64, K>),
}

/// kiddo's reusable query memory, for a tree of the same element type: one per block of
/// queries instead of one per query.
enum Scratch<const K: usize> {
    F32(Box<QueryScratch<Eytzinger, f32, K>>),
    F64(Box<QueryScratch<Eytzinger, f64, K>>),
}

/// `value` as the concrete type `T`, which it is.
fn as_concrete<T: 'static>(value: &dyn Any) -> &T {
    value
        .downcast_ref::<T>()
        .expect("the tree's element type is the points'")
}

impl<const K: usize> Tree<K> {
    fn new<F: Float>(points: Vec<[F; K]>) -> Result<Self> {
        let too_large = |_| Error::ClassTooLarge {
            class: 0,
            n_samples: points.len(),
            max: u32::MAX as usize,
        };
        let points: &dyn Any = &points;
        if let Some(points) = points.downcast_ref::<Vec<[f32; K]>>() {
            return Ok(Tree::F32(
                ImmutableKdTree::new_from_slice(points).map_err(too_large)?,
            ));
        }
        let points: &Vec<[f64; K]> = as_concrete(points);
        Ok(Tree::F64(
            ImmutableKdTree::new_from_slice(points).map_err(too_large)?,
        ))
    }

    /// Query memory for `nearest_n`.
    fn scratch(&self) -> Scratch<K> {
        match self {
            Tree::F32(tree) => {
                Scratch::F32(Box::new(tree.create_scratch::<SquaredEuclidean<f32>>()))
            }
            Tree::F64(tree) => {
                Scratch::F64(Box::new(tree.create_scratch::<SquaredEuclidean<f64>>()))
            }
        }
    }

    /// Whether kiddo's distances are the canonical ones: in float64 each point's squared
    /// distance is summed feature by feature, in index order, from the first term, as
    /// `canonical_distance` sums it (tested), so the candidates need no re-ranking.
    fn distances_are_canonical(&self) -> bool {
        matches!(self, Tree::F64(_))
    }

    /// The `n` points nearest to `point` by kiddo's distance, in any order, as (that
    /// distance, position) in `found` (cleared first, so that one buffer serves a block).
    fn nearest_n<F: Float>(
        &self,
        point: &[F; K],
        n: NonZeroUsize,
        scratch: &mut Scratch<K>,
        found: &mut Vec<(f64, u32)>,
    ) {
        found.clear();
        match (self, scratch) {
            (Tree::F32(tree), Scratch::F32(scratch)) => found.extend(
                (tree.query(as_concrete(point)))
                    .nearest_n::<SquaredEuclidean<f32>>(n)
                    .unsorted()
                    .with_scratch(scratch)
                    .execute()
                    .iter()
                    .map(|nearest| (f64::from(nearest.distance), nearest.item)),
            ),
            (Tree::F64(tree), Scratch::F64(scratch)) => found.extend(
                (tree.query(as_concrete(point)))
                    .nearest_n::<SquaredEuclidean<f64>>(n)
                    .unsorted()
                    .with_scratch(scratch)
                    .execute()
                    .iter()
                    .map(|nearest| (nearest.distance, nearest.item)),
            ),
            _ => unreachable!("a tree's scratch has its element type"),
        }
    }

    /// Every position, in the order of the tree's leaves: neighbouring positions are near
    /// in space.
    fn leaf_order(&self) -> Vec<u32> {
        match self {
            Tree::F32(tree) => tree.iter().map(|(item, _)| item).collect(),
            Tree::F64(tree) => tree.iter().map(|(item, _)| item).collect(),
        }
    }

    /// The positions of every point within kiddo's distance `radius` of `point`.
    fn within<F: Float>(&self, point: &[F; K], radius: f64) -> Vec<u32> {
        match self {
            Tree::F32(tree) => tree
                .query(as_concrete(point))
                .within::<SquaredEuclidean<f32>>(radius as f32)
                .unsorted()
                .execute()
                .iter()
                .map(|found| found.item)
                .collect(),
            Tree::F64(tree) => tree
                .query(as_concrete(point))
                .within::<SquaredEuclidean<f64>>(radius)
                .unsorted()
                .execute()
                .iter()
                .map(|found| found.item)
                .collect(),
        }
    }
}

/// How far kiddo's squared distance in `F` over `k` features may lie from the exact
/// one: each difference, square and sum rounds once, so within `(k + 2) u` relative;
/// doubled, and doubled again for the bounds it prunes by (accumulated the same way),
/// plus what underflow loses.
#[derive(Clone, Copy)]
struct TreeError {
    relative: f64,
    absolute: f64,
}

impl TreeError {
    fn new<F: Float>(k: usize) -> Self {
        let epsilon = F::epsilon().to_f64().expect("a float");
        let smallest = F::min_positive_value().to_f64().expect("a float");
        TreeError {
            relative: 2.0 * (k as f64 + 2.0) * epsilon,
            absolute: 4.0 * k as f64 * smallest,
        }
    }

    /// The least exact distance of a point kiddo puts at `distance` or beyond.
    fn exact_at_least(self, distance: f64) -> f64 {
        (distance - self.absolute) / (1.0 + self.relative)
    }

    /// The largest distance kiddo gives a point within exact distance `exact`.
    fn distance_at_most(self, exact: f64) -> f64 {
        exact * (1.0 + 2.0 * self.relative) + self.absolute
    }
}

/// Calls `f::<D>(args)` with the runtime dimension `d` as the const `D` (1..=13).
macro_rules! with_const_dim {
    ($d:expr, $f:ident, $args:tt) => {
        with_const_dim!(@ $d, $f, $args, 1 2 3 4 5 6 7 8 9 10 11 12 13)
    };
    (@ $d:expr, $f:ident, $args:tt, $($dim:literal)*) => {
        match $d {
            $($dim => $f::<F, $dim> $args,)*
            d => unreachable!("no tree search for dimension {d}"),
        }
    };
}

/// The KD-tree search: `out` row `i` gets the `k` nearest references of query `i`.
pub(super) fn tree_kneighbors<F: Float>(
    search: &Search<'_, F>,
    out: ArrayViewMut2<u32>,
) -> Result<()> {
    with_const_dim!(search.x.ncols(), run, (search, out))
}

/// Each query asks the tree for `k + 1 + SPARE_CANDIDATES` points by kiddo's distance
/// (itself among them, maybe), re-ranks them by canonical distance and proves them with
/// kiddo's rounding bound; a query it cannot vouch for (ties at the k-th neighbour)
/// takes every point within the k-th's reach instead, which holds its answer.
fn run<F: Float, const K: usize>(
    search: &Search<'_, F>,
    mut out: ArrayViewMut2<u32>,
) -> Result<()> {
    let point = |r: usize| -> [F; K] { std::array::from_fn(|j| search.value(r, j)) };
    let points: Vec<[F; K]> = search.references.par_iter().map(|&r| point(r)).collect();
    let tree = Tree::new(points)?;
    let n_references = search.references.len();
    let wanted = NonZeroUsize::new((search.k + 1 + SPARE_CANDIDATES).min(n_references))
        .expect("a search has references");
    let (tree_error, canonical_error) = (TreeError::new::<F>(K), CanonicalError::over(K));
    let canonical = tree.distances_are_canonical();
    // Queries that are references go in the tree's leaf order, so that consecutive
    // queries walk the same leaves while they are in cache (measured at 1e5 Gaussian
    // rows: 1.5x faster at d = 5 and 8); the others after them, in their own order.
    // A counting sort by leaf rank (the others ranked last): a comparison sort of the
    // queries cost 2 % of a search at 1e4 rows.
    let mut leaf_rank = vec![0; n_references];
    for (rank, p) in tree.leaf_order().into_iter().enumerate() {
        leaf_rank[p as usize] = rank as u32;
    }
    let rank_of = |own: u32| match own {
        NOT_A_REFERENCE => n_references as u32,
        own => leaf_rank[own as usize],
    };
    let ranked_queries = search.own.iter().map(|&own| rank_of(own));
    let (_, order) = group_by_key(ranked_queries.zip(0..), n_references + 1);
    let mut answers = vec![0u32; order.len() * search.k];
    answers
        .par_chunks_mut(TREE_QUERY_BLOCK * search.k)
        .zip(order.par_chunks(TREE_QUERY_BLOCK))
        .for_each(|(rows, queries)| {
            if search.stop.requested() {
                return;
            }
            let mut found = Vec::with_capacity(wanted.get());
            let mut answer = Vec::with_capacity(wanted.get());
            let mut scratch = tree.scratch();
            for (row, &query) in rows.chunks_mut(search.k).zip(queries) {
                let query = query as usize;
                let (q, own) = (search.queries[query], search.own[query]);
                let at = point(q);
                tree.nearest_n(&at, wanted, &mut scratch, &mut found);
                if canonical {
                    answer.clear();
                    answer.extend(found.iter().copied().filter(|&(_, p)| p != own));
                    sort_ranked(&mut answer);
                } else {
                    let candidates = found.iter().map(|&(_, p)| p).filter(|&p| p != own);
                    search.rank_references_into(q, candidates, &mut answer);
                }
                let others_at_least = if found.len() == n_references {
                    f64::INFINITY
                } else {
                    let farthest = found.iter().fold(0.0, |m: f64, &(d, _)| m.max(d));
                    tree_error.exact_at_least(farthest)
                };
                if let Verdict::Unproven { kth, .. } =
                    verdict(&answer, search.k, others_at_least, canonical_error)
                {
                    let radius = tree_error.distance_at_most(canonical_error.largest_exact(kth));
                    let reached = tree.within(&at, radius);
                    let candidates = reached.into_iter().filter(|&p| p != own);
                    search.rank_references_into(q, candidates, &mut answer);
                }
                write_ranked(&answer, ArrayViewMut1::from(row));
            }
        });
    for (&query, row) in order.iter().zip(answers.chunks(search.k)) {
        out.row_mut(query as usize).assign(&ArrayView1::from(row));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::canonical_distance;
    use super::*;
    use crate::rng::Rng;

    /// kiddo's float64 distances are `canonical_distance`'s, bit for bit, so the tree's
    /// float64 candidates are ranked as every other engine ranks them.
    fn float64_distances_are_canonical<const K: usize>(seed: u64) {
        let mut rng = Rng::new(seed);
        let mut value =
            || (rng.below(2001) as f64 - 1000.0) / 7.0 * 1.1f64.powi(rng.below(40) as i32);
        let points: Vec<[f64; K]> = (0..500).map(|_| std::array::from_fn(|_| value())).collect();
        let tree = Tree::new(points.clone()).unwrap();
        assert!(tree.distances_are_canonical());
        let mut scratch = tree.scratch();
        let mut found = Vec::new();
        for query in points.iter().take(50) {
            tree.nearest_n(
                query,
                NonZeroUsize::new(20).unwrap(),
                &mut scratch,
                &mut found,
            );
            assert_eq!(found.len(), 20);
            for &(distance, p) in &found {
                let exact = canonical_distance(query.iter().copied().zip(points[p as usize]));
                assert_eq!(distance.to_bits(), exact.to_bits(), "K = {K}, point {p}");
            }
        }
    }

    #[test]
    fn the_float64_trees_distances_are_canonical() {
        float64_distances_are_canonical::<1>(1);
        float64_distances_are_canonical::<2>(2);
        float64_distances_are_canonical::<5>(5);
        float64_distances_are_canonical::<8>(8);
        float64_distances_are_canonical::<13>(13);
    }
}
