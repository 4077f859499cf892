//! The KD-tree engine: kiddo's immutable tree over the references, for low dimensions.

use std::any::Any;
use std::num::NonZeroUsize;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use ndarray::{ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

use super::Search;
use crate::error::{Error, Result};
use crate::float::Float;

/// Queries handled together by one parallel task of the tree search.
const TREE_QUERY_BLOCK: usize = 64;

/// Writes the first `k` of `found` (nearest first) that are not the query itself (at
/// reference position `own`). With more than `k` exact duplicates of the query, it may
/// be absent from `found`; then the first `k` are all at distance 0 and are the right
/// answer.
fn write_excluding_self(found: impl Iterator<Item = u32>, own: u32, mut row: ArrayViewMut1<u32>) {
    let k = row.len();
    for (slot, item) in row
        .iter_mut()
        .zip(found.filter(|&item| item != own).take(k))
    {
        *slot = item;
    }
}

/// kiddo's tree over points of one element type. kiddo's query traits are implemented
/// per concrete type, which a generic `F: Float` cannot name: the tree holds the one
/// it was built in, and the points it is given are matched to it by type (an `F` that
/// is neither `f32` nor `f64` has no tree).
enum Tree<const K: usize> {
    F32(ImmutableKdTree<f32, K>),
    F64(ImmutableKdTree<f64, K>),
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

    /// The positions of the `n` points nearest to `point`, nearest first.
    fn nearest_n<F: Float>(&self, point: &[F; K], n: NonZeroUsize) -> Vec<u32> {
        match self {
            Tree::F32(tree) => tree
                .query(as_concrete(point))
                .nearest_n::<SquaredEuclidean<f32>>(n)
                .execute()
                .iter()
                .map(|found| found.item)
                .collect(),
            Tree::F64(tree) => tree
                .query(as_concrete(point))
                .nearest_n::<SquaredEuclidean<f64>>(n)
                .execute()
                .iter()
                .map(|found| found.item)
                .collect(),
        }
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

fn run<F: Float, const K: usize>(
    search: &Search<'_, F>,
    mut out: ArrayViewMut2<u32>,
) -> Result<()> {
    let point = |r: usize| -> [F; K] { std::array::from_fn(|j| search.value(r, j)) };
    let points: Vec<[F; K]> = search.references.par_iter().map(|&r| point(r)).collect();
    let tree = Tree::new(points)?;
    // k + 1 so that dropping the query itself still leaves k.
    let wanted = NonZeroUsize::new(search.k + 1).expect("k + 1 > 0");
    out.axis_chunks_iter_mut(Axis(0), TREE_QUERY_BLOCK)
        .into_par_iter()
        .enumerate()
        .for_each(|(block, mut chunk)| {
            if search.stop.requested() {
                return;
            }
            for (offset, row) in chunk.rows_mut().into_iter().enumerate() {
                let query = block * TREE_QUERY_BLOCK + offset;
                let found = tree.nearest_n(&point(search.queries[query]), wanted);
                write_excluding_self(found.into_iter(), search.own[query], row);
            }
        });
    Ok(())
}
