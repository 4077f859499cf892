//! SMOTE generation: neighbours are found first, then the output is allocated once,
//! the originals are copied in, and the synthetic rows are written after them chunk by
//! chunk, in parallel, each chunk with its own seed (see `rng`).

use ndarray::{s, Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::neighbors::kneighbors;
use crate::rng::{chunk_seed, Rng, CHUNK_ROWS};

/// Where the neighbours of each class come from.
pub enum Neighbors<'a> {
    /// Search the `k` nearest neighbours within each class with the core's engine.
    Search { k: usize },
    /// Given tables, one per class plan (in order), as positions into that class's
    /// rows, row `i` listing the neighbours of the class's `i`-th sample.
    Given(Vec<ArrayView2<'a, u32>>),
}

/// One class to oversample.
pub struct ClassPlan {
    /// The class's code (its position among the sorted labels); part of every seed.
    pub class: usize,
    /// Rows of X that belong to the class, in their order in X.
    pub rows: Vec<usize>,
    /// How many synthetic rows to generate.
    pub n_new: usize,
}

/// The integer type of provenance row indices: `i32` while X has fewer than 2³¹
/// rows (half the memory), `i64` beyond.
pub trait RowIndex: Copy + Default + Send + Sync + 'static {
    const MAX_ROWS: usize;
    fn from_row(row: usize) -> Self;
}

impl RowIndex for i32 {
    const MAX_ROWS: usize = i32::MAX as usize;
    #[inline]
    fn from_row(row: usize) -> Self {
        row as i32
    }
}

impl RowIndex for i64 {
    const MAX_ROWS: usize = i64::MAX as usize;
    #[inline]
    fn from_row(row: usize) -> Self {
        row as i64
    }
}

/// The resampled X and, for each synthetic row, where it came from.
#[derive(Debug)]
pub struct Resampled<F, I> {
    /// Original rows first, then the synthetic rows class by class.
    pub x: Array2<F>,
    /// Row of X of each synthetic row's base sample.
    pub base: Vec<I>,
    /// Row of X of each synthetic row's neighbour.
    pub neighbor: Vec<I>,
    /// Interpolation step of each synthetic row, in `[0, 1)`, in X's type.
    pub step: Vec<F>,
}

/// SMOTE over all `plans` (classes in output order). Runs on the current Rayon pool.
pub fn smote<F: Float, I: RowIndex>(
    x: ArrayView2<F>,
    plans: &[ClassPlan],
    neighbors: Neighbors<'_>,
    random_state: u64,
) -> Result<Resampled<F, I>> {
    if x.ncols() == 0 {
        return Err(Error::NoFeatures);
    }
    let n = x.nrows();
    if n > I::MAX_ROWS {
        return Err(Error::ClassTooLarge {
            class: 0,
            n_samples: n,
            max: I::MAX_ROWS,
        });
    }
    for plan in plans {
        if let Some(&bad) = plan.rows.iter().find(|&&r| r >= n) {
            return Err(Error::IndexOutOfRange {
                what: "class rows",
                index: bad,
                len: n,
            });
        }
    }
    // Every search finishes (and frees its tree) before the output is allocated.
    let searched: Vec<Array2<u32>>;
    let tables: Vec<ArrayView2<'_, u32>> = match neighbors {
        Neighbors::Search { k } => {
            searched = plans
                .iter()
                .map(|plan| match plan.n_new {
                    0 => Ok(Array2::zeros((0, k))),
                    _ => kneighbors(x, &plan.rows, k).map_err(|e| e.for_class(plan.class)),
                })
                .collect::<Result<_>>()?;
            searched.iter().map(|table| table.view()).collect()
        }
        Neighbors::Given(tables) => {
            if tables.len() != plans.len() {
                return Err(Error::ShapeMismatch {
                    what: "the list of neighbour tables",
                    got: tables.len(),
                    expected: plans.len(),
                });
            }
            for (table, plan) in tables.iter().zip(plans) {
                check_table(*table, plan)?;
            }
            tables
        }
    };

    let total_new: usize = plans.iter().map(|p| p.n_new).sum();
    let mut out = Array2::<F>::zeros((n + total_new, x.ncols()));
    copy_rows(x, out.slice_mut(s![..n, ..]));
    let mut base = vec![I::default(); total_new];
    let mut neighbor = vec![I::default(); total_new];
    let mut step = vec![F::zero(); total_new];
    let mut start = 0;
    for (plan, table) in plans.iter().zip(tables) {
        if plan.n_new == 0 {
            continue;
        }
        let end = start + plan.n_new;
        interpolate(
            x,
            plan,
            table,
            random_state,
            out.slice_mut(s![n + start..n + end, ..]),
            Provenance {
                base: &mut base[start..end],
                neighbor: &mut neighbor[start..end],
                step: &mut step[start..end],
            },
        );
        start = end;
    }
    Ok(Resampled {
        x: out,
        base,
        neighbor,
        step,
    })
}

/// A given neighbour table must have one row per class sample, at least one column,
/// and only positions inside the class.
fn check_table(table: ArrayView2<u32>, plan: &ClassPlan) -> Result<()> {
    if table.nrows() != plan.rows.len() {
        return Err(Error::ShapeMismatch {
            what: "a neighbour table",
            got: table.nrows(),
            expected: plan.rows.len(),
        });
    }
    if table.ncols() == 0 {
        return Err(Error::InvalidK(0));
    }
    match table.iter().find(|&&j| j as usize >= plan.rows.len()) {
        Some(&bad) => Err(Error::IndexOutOfRange {
            what: "a neighbour table",
            index: bad as usize,
            len: plan.rows.len(),
        }),
        None => Ok(()),
    }
}

/// Copies X into the top of the output, in parallel row blocks.
fn copy_rows<F: Float>(x: ArrayView2<F>, mut dst: ArrayViewMut2<F>) {
    dst.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(x.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
        .for_each(|(mut dst, src)| dst.assign(&src));
}

/// Provenance slices of one class's synthetic rows.
struct Provenance<'a, F, I> {
    base: &'a mut [I],
    neighbor: &'a mut [I],
    step: &'a mut [F],
}

/// Writes `plan.n_new` synthetic rows of one class into `out`.
///
/// Row by row, one draw picks the (base sample, neighbour column) pair uniformly
/// among the class's `n × k` pairs, a second gives the step in `[0, 1)`; the row is
/// `x_base + step * (x_neighbour - x_base)`. Chunk `c` of `CHUNK_ROWS` rows draws from
/// its own generator seeded with `chunk_seed(random_state, plan.class, c)`.
fn interpolate<F: Float, I: RowIndex>(
    x: ArrayView2<F>,
    plan: &ClassPlan,
    table: ArrayView2<u32>,
    random_state: u64,
    mut out: ArrayViewMut2<F>,
    provenance: Provenance<'_, F, I>,
) {
    let k = table.ncols();
    let d = x.ncols();
    let pairs = plan.rows.len() * k;
    // The class's rows gathered into one block: the random reads stay in cache, and
    // as slices the inner loop compiles to vector instructions.
    let mut class_rows = vec![F::zero(); plan.rows.len() * d];
    class_rows
        .par_chunks_mut(d)
        .zip(plan.rows.par_iter())
        .for_each(|(dst, &r)| ArrayViewMut1::from(dst).assign(&x.row(r)));
    let row_of = |local: usize| &class_rows[local * d..(local + 1) * d];
    out.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(provenance.base.par_chunks_mut(CHUNK_ROWS))
        .zip(provenance.neighbor.par_chunks_mut(CHUNK_ROWS))
        .zip(provenance.step.par_chunks_mut(CHUNK_ROWS))
        .enumerate()
        .for_each(|(chunk, (((mut rows_out, bases), neighbors), steps))| {
            let mut rng = Rng::new(chunk_seed(random_state, plan.class as u64, chunk as u64));
            let rows_out = rows_out
                .as_slice_mut()
                .expect("the output is in standard layout");
            for (i, row) in rows_out.chunks_exact_mut(d).enumerate() {
                let pair = rng.below(pairs);
                let step = F::unit_from_bits(rng.next_u64());
                let (base_local, neighbor_local) = (pair / k, table[[pair / k, pair % k]] as usize);
                let base = row_of(base_local);
                let neighbor = row_of(neighbor_local);
                let (base_row, neighbor_row) = (plan.rows[base_local], plan.rows[neighbor_local]);
                for ((o, &a), &b) in row.iter_mut().zip(base).zip(neighbor) {
                    *o = a + step * (b - a);
                }
                bases[i] = I::from_row(base_row);
                neighbors[i] = I::from_row(neighbor_row);
                steps[i] = step;
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::run_with_threads;
    use crate::rng::Rng;

    fn data(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = Rng::new(seed);
        Array2::from_shape_simple_fn((n, d), || f64::unit_from_bits(rng.next_u64()) * 10.0 - 5.0)
    }

    /// Three classes: codes 0 (majority), 1 and 2.
    fn plans(n: usize) -> Vec<ClassPlan> {
        let codes: Vec<i64> = (0..n)
            .map(|i| {
                if i % 10 == 0 {
                    1
                } else if i % 10 == 1 {
                    2
                } else {
                    0
                }
            })
            .collect();
        let rows_of = |class: i64| (0..n).filter(|&i| codes[i] == class).collect::<Vec<_>>();
        vec![
            ClassPlan {
                class: 1,
                rows: rows_of(1),
                n_new: 3000,
            },
            ClassPlan {
                class: 2,
                rows: rows_of(2),
                n_new: 2500,
            },
        ]
    }

    #[test]
    fn originals_come_first_and_each_synthetic_row_lies_on_its_segment() {
        for d in [3, 20] {
            let x = data(1000, d, 1);
            let plans = plans(1000);
            let k = 5;
            let res = smote::<_, i64>(x.view(), &plans, Neighbors::Search { k }, 7).unwrap();
            assert_eq!(res.x.dim(), (1000 + 5500, d));
            assert_eq!(res.x.slice(s![..1000, ..]), x);
            let mut start = 1000;
            for plan in &plans {
                let table = kneighbors(x.view(), &plan.rows, k).unwrap();
                for i in 0..plan.n_new {
                    let (b, nb, t) = (
                        res.base[start - 1000 + i],
                        res.neighbor[start - 1000 + i],
                        res.step[start - 1000 + i],
                    );
                    let (b, nb) = (b as usize, nb as usize);
                    assert!((0.0..1.0).contains(&t));
                    assert!(plan.rows.contains(&b) && plan.rows.contains(&nb));
                    let local = plan.rows.iter().position(|&r| r == b).unwrap();
                    let local_nb = plan.rows.iter().position(|&r| r == nb).unwrap() as u32;
                    assert!(
                        table.row(local).iter().any(|&j| j == local_nb),
                        "neighbour not among the k nearest"
                    );
                    for j in 0..d {
                        let want = x[[b, j]] + t * (x[[nb, j]] - x[[b, j]]);
                        assert_eq!(res.x[[start + i, j]], want);
                        let (lo, hi) = (x[[b, j]].min(x[[nb, j]]), x[[b, j]].max(x[[nb, j]]));
                        assert!(lo <= want && want <= hi);
                    }
                }
                start += plan.n_new;
            }
        }
    }

    #[test]
    fn output_is_identical_for_any_number_of_threads() {
        let x = data(5000, 6, 2);
        let plans = plans(5000);
        let run = |threads| {
            run_with_threads(threads, || {
                smote::<_, i64>(x.view(), &plans, Neighbors::Search { k: 5 }, 123).unwrap()
            })
            .unwrap()
        };
        let one = run(Some(1));
        for threads in [Some(2), Some(3), None] {
            let other = run(threads);
            assert_eq!(one.x, other.x);
            assert_eq!(one.base, other.base);
            assert_eq!(one.step, other.step);
        }
        let reseeded = run(Some(1));
        assert_eq!(one.x, reseeded.x);
        let different_seed = run_with_threads(Some(1), || {
            smote::<_, i64>(x.view(), &plans, Neighbors::Search { k: 5 }, 124).unwrap()
        })
        .unwrap();
        assert_ne!(one.x, different_seed.x);
    }

    #[test]
    fn draws_cover_every_base_and_neighbour_uniformly() {
        // 4 samples on a line, k = 3: 12 (base, neighbour) pairs, each drawn ~1/12 of the time.
        let x = ndarray::array![[0.0], [1.0], [3.0], [7.0], [100.0]];
        let plan = ClassPlan {
            class: 0,
            rows: vec![0, 1, 2, 3],
            n_new: 120_000,
        };
        let res = smote::<_, i64>(x.view(), &[plan], Neighbors::Search { k: 3 }, 5).unwrap();
        let mut counts = [[0usize; 4]; 4];
        for (&b, &nb) in res.base.iter().zip(&res.neighbor) {
            counts[b as usize][nb as usize] += 1;
        }
        for (b, row) in counts.iter().enumerate() {
            for (nb, &c) in row.iter().enumerate() {
                if b == nb {
                    assert_eq!(c, 0);
                } else {
                    // Expect 10_000, 5 sigma is about 480.
                    assert!((9_500..10_500).contains(&c), "{counts:?}");
                }
            }
        }
        let mean_step = res.step.iter().sum::<f64>() / res.step.len() as f64;
        assert!((mean_step - 0.5).abs() < 0.005, "{mean_step}");
    }

    #[test]
    fn given_tables_are_used_and_checked() {
        let x = data(50, 2, 3);
        let rows: Vec<usize> = (0..10).collect();
        // Every sample's only neighbour is sample 0 of the class (row 0).
        let table = Array2::<u32>::zeros((10, 1));
        let plan = ClassPlan {
            class: 0,
            rows: rows.clone(),
            n_new: 200,
        };
        let res = smote::<_, i64>(
            x.view(),
            std::slice::from_ref(&plan),
            Neighbors::Given(vec![table.view()]),
            1,
        )
        .unwrap();
        assert!(res.neighbor.iter().all(|&nb| nb == 0));

        let short = Array2::<u32>::zeros((9, 1));
        assert!(matches!(
            smote::<_, i64>(
                x.view(),
                std::slice::from_ref(&plan),
                Neighbors::Given(vec![short.view()]),
                1
            ),
            Err(Error::ShapeMismatch { .. })
        ));
        let outside = Array2::<u32>::from_elem((10, 1), 10);
        assert!(matches!(
            smote::<_, i64>(
                x.view(),
                std::slice::from_ref(&plan),
                Neighbors::Given(vec![outside.view()]),
                1
            ),
            Err(Error::IndexOutOfRange { index: 10, .. })
        ));
        assert!(matches!(
            smote::<_, i64>(
                x.view(),
                std::slice::from_ref(&plan),
                Neighbors::Given(vec![]),
                1
            ),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn a_small_class_names_itself_in_the_error() {
        let x = data(20, 2, 4);
        let plan = ClassPlan {
            class: 3,
            rows: vec![0, 1, 2],
            n_new: 5,
        };
        assert_eq!(
            smote::<_, i64>(x.view(), &[plan], Neighbors::Search { k: 5 }, 0).unwrap_err(),
            Error::TooFewSamples {
                class: 3,
                n_samples: 3,
                k: 5
            }
        );
    }

    #[test]
    fn float32_stays_float32_on_the_segment() {
        let x = data(300, 4, 5).mapv(|v| v as f32);
        let plan = ClassPlan {
            class: 0,
            rows: (0..300).collect(),
            n_new: 500,
        };
        let res = smote::<_, i64>(x.view(), &[plan], Neighbors::Search { k: 4 }, 9).unwrap();
        for i in 0..500 {
            let (b, nb, t) = (res.base[i] as usize, res.neighbor[i] as usize, res.step[i]);
            for j in 0..4 {
                assert_eq!(
                    res.x[[300 + i, j]],
                    x[[b, j]] + t * (x[[nb, j]] - x[[b, j]])
                );
            }
        }
    }

    #[test]
    fn narrow_and_wide_indices_agree_and_rows_are_checked() {
        let x = data(100, 3, 6);
        let plan = ClassPlan {
            class: 0,
            rows: (0..40).collect(),
            n_new: 300,
        };
        let narrow = smote::<_, i32>(
            x.view(),
            std::slice::from_ref(&plan),
            Neighbors::Search { k: 3 },
            2,
        )
        .unwrap();
        let wide = smote::<_, i64>(
            x.view(),
            std::slice::from_ref(&plan),
            Neighbors::Search { k: 3 },
            2,
        )
        .unwrap();
        assert_eq!(narrow.x, wide.x);
        assert!(narrow
            .base
            .iter()
            .zip(&wide.base)
            .all(|(&a, &b)| i64::from(a) == b));
        let outside = ClassPlan {
            class: 0,
            rows: vec![0, 1, 100],
            n_new: 1,
        };
        assert!(matches!(
            smote::<_, i32>(x.view(), &[outside], Neighbors::Search { k: 1 }, 0),
            Err(Error::IndexOutOfRange { index: 100, .. })
        ));
    }

    #[test]
    fn any_memory_layout_gives_the_same_rows() {
        let x = data(200, 4, 8);
        let fortran = x.t().as_standard_layout().into_owned().reversed_axes();
        assert!(!fortran.is_standard_layout());
        let plan = ClassPlan {
            class: 0,
            rows: (0..50).collect(),
            n_new: 100,
        };
        let run = |x: ArrayView2<f64>| {
            smote::<_, i32>(
                x,
                std::slice::from_ref(&plan),
                Neighbors::Search { k: 3 },
                4,
            )
            .unwrap()
        };
        assert_eq!(run(x.view()).x, run(fortran.view()).x);
    }
}
