//! The KD-tree engine: kiddo's immutable tree over the references, for low dimensions.

use std::num::NonZeroUsize;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use ndarray::{ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

use super::Search;
use crate::error::{Error, Result};

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

/// The KD-tree search, implemented for each element type (kiddo's traits are
/// per concrete type, so a macro instantiates the body for `f32` and `f64`).
pub trait TreeSearch: Sized {
    fn tree_kneighbors(search: &Search<'_, Self>, out: ArrayViewMut2<u32>) -> Result<()>;
}

/// Calls `f::<D>(args)` with the runtime dimension `d` as the const `D` (1..=13).
macro_rules! with_const_dim {
    ($d:expr, $f:ident, $args:tt) => {
        with_const_dim!(@ $d, $f, $args, 1 2 3 4 5 6 7 8 9 10 11 12 13)
    };
    (@ $d:expr, $f:ident, $args:tt, $($dim:literal)*) => {
        match $d {
            $($dim => $f::<$dim> $args,)*
            d => unreachable!("no tree search for dimension {d}"),
        }
    };
}

macro_rules! impl_tree_search {
    ($t:ty) => {
        impl TreeSearch for $t {
            fn tree_kneighbors(search: &Search<'_, $t>, out: ArrayViewMut2<u32>) -> Result<()> {
                fn run<const K: usize>(
                    search: &Search<'_, $t>,
                    mut out: ArrayViewMut2<u32>,
                ) -> Result<()> {
                    let point =
                        |r: usize| -> [$t; K] { std::array::from_fn(|j| search.value(r, j)) };
                    let points: Vec<[$t; K]> =
                        search.references.par_iter().map(|&r| point(r)).collect();
                    let tree = ImmutableKdTree::<$t, K>::new_from_slice(&points).map_err(|_| {
                        Error::ClassTooLarge {
                            class: 0,
                            n_samples: points.len(),
                            max: u32::MAX as usize,
                        }
                    })?;
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
                                let found = tree
                                    .query(&point(search.queries[query]))
                                    .nearest_n::<SquaredEuclidean<$t>>(wanted)
                                    .execute();
                                write_excluding_self(
                                    found.iter().map(|f| f.item),
                                    search.own[query],
                                    row,
                                );
                            }
                        });
                    Ok(())
                }

                with_const_dim!(search.x.ncols(), run, (search, out))
            }
        }
    };
}

impl_tree_search!(f32);
impl_tree_search!(f64);
