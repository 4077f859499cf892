//! Synthetic-row generation (`sampling::generate`, `generate_window`) with arbitrary
//! jobs: searched or given neighbour tables, pairs or per-base draws, any step scale,
//! damped references, invalid rows and shapes. On success: the originals first and
//! unchanged, every synthetic row `base + step · (neighbour − base)` for a base of
//! its job and one of that base's neighbours, finite, the same on any number of
//! threads, and every window equal to the whole run's rows.
#![no_main]

use arbitrary::Unstructured;
use fast_smote::rng::CHUNK_ROWS;
use fast_smote::sampling::{Draws, Index, Job, NeighborTable, Resampled};
use fast_smote_fuzz::{
    cols, core, flag, fuzz_each_float_and_index, int, k_for, layout, one_in, row_count, rows, seed,
    threads, values, window_of, FuzzFloat, Mat, Mix,
};
use ndarray::{Array2, ArrayView2};

fuzz_each_float_and_index!(run);

/// A job as decoded, owning what `Job` borrows.
struct Spec {
    class: usize,
    part: usize,
    bases: Vec<usize>,
    references: Vec<usize>,
    search: Option<usize>,
    table: Array2<u32>,
    per_base: Option<Vec<usize>>,
    pairs: usize,
    step_scale: f64,
    damped: Option<Vec<bool>>,
}

impl Spec {
    fn decode(u: &mut Unstructured<'_>, n: usize) -> Spec {
        let bases = rows(u, n, 300);
        let references = if flag(u) {
            bases.clone()
        } else {
            rows(u, n, 300)
        };
        let search = flag(u).then(|| k_for(u, references.len()));
        let table = {
            let mut mix = Mix(seed(u));
            let height = match int(u, 0, 15) {
                0 => bases.len() + 1,
                1 => bases.len().saturating_sub(1),
                _ => bases.len(),
            };
            let width = if one_in(u, 16) { 0 } else { int(u, 1, 6) };
            let over = if one_in(u, 16) { 2 } else { 0 };
            Array2::from_shape_simple_fn((height, width), || {
                mix.below(references.len() + over) as u32
            })
        };
        let many = |u: &mut Unstructured<'_>| match int(u, 0, 3) {
            0 => int(u, 0, 3),
            1 => int(u, 0, 3 * CHUNK_ROWS),
            _ => int(u, 0, 300),
        };
        let per_base = flag(u).then(|| {
            let len = match int(u, 0, 15) {
                0 => bases.len() + 1,
                1 => bases.len().saturating_sub(1),
                _ => bases.len(),
            };
            let most = int(u, 0, 12);
            (0..len).map(|_| int(u, 0, most)).collect()
        });
        let pairs = many(u);
        let step_scale = match int(u, 0, 9) {
            0 => -1.0,
            1 => 0.0,
            2 => 0.5,
            3 => (int(u, 0, 4000) as f64 - 2000.0) / 1000.0,
            4 => f64::from_bits(u.arbitrary::<u64>().unwrap_or(0) & !(1 << 62)),
            _ => 1.0,
        };
        let damped = flag(u).then(|| {
            let len = if one_in(u, 16) {
                references.len() + 1
            } else {
                references.len()
            };
            let mut mix = Mix(seed(u));
            (0..len).map(|_| mix.next() % 3 == 0).collect()
        });
        Spec {
            class: int(u, 0, 3),
            part: int(u, 0, 2),
            bases,
            references,
            search,
            table,
            per_base,
            pairs,
            step_scale,
            damped,
        }
    }

    fn job(&self) -> Job<'_> {
        Job {
            class: self.class,
            part: self.part,
            bases: self.bases.clone(),
            references: self.references.clone(),
            neighbors: match self.search {
                Some(k) => NeighborTable::Search(k),
                None => NeighborTable::Given(self.table.view()),
            },
            draws: match &self.per_base {
                Some(counts) => Draws::PerBase(counts.clone()),
                None => Draws::Pairs(self.pairs),
            },
            step_scale: self.step_scale,
            damped: self.damped.clone(),
        }
    }

    fn total(&self) -> usize {
        self.per_base
            .as_ref()
            .map_or(self.pairs, |c| c.iter().sum())
    }

    /// Whether the core must refuse this job for an `n`-row X.
    fn invalid(&self, n: usize) -> bool {
        let total = self.total();
        let bad_rows = self.bases.iter().chain(&self.references).any(|&r| r >= n);
        let bad_counts = self
            .per_base
            .as_ref()
            .is_some_and(|c| c.len() != self.bases.len());
        let no_bases = total > 0 && self.bases.is_empty();
        let bad_mask = self
            .damped
            .as_ref()
            .is_some_and(|m| m.len() != self.references.len());
        let bad_table = self.search.is_none()
            && (self.table.nrows() != self.bases.len()
                || self.table.ncols() == 0
                || self
                    .table
                    .iter()
                    .any(|&p| p as usize >= self.references.len()));
        let bad_search = self
            .search
            .is_some_and(|k| total > 0 && (k == 0 || self.references.len() < k + 1));
        bad_rows || bad_counts || no_bases || bad_mask || bad_table || bad_search
    }
}

fn run<F: FuzzFloat, I: Index + PartialEq + std::fmt::Debug>(u: &mut Unstructured<'_>) {
    let d = cols(u);
    let n = row_count(u, 300);
    let m = Mat::new(values::<F>(u, n, d, true), layout(u));
    let x = m.view();
    let specs: Vec<Spec> = (0..int(u, 0, 3)).map(|_| Spec::decode(u, n)).collect();
    let jobs: Vec<Job<'_>> = specs.iter().map(Spec::job).collect();
    let random_state = seed(u);
    let (t1, t2) = (threads(u), threads(u));
    let invalid = specs.iter().any(|s| s.invalid(n));
    let made = core::threads(t1, || core::generate::<F, I>(x, &jobs, random_state));
    let made = match made {
        Err(e) => {
            assert!(invalid, "unexpected {e:?}");
            return;
        }
        Ok(made) => {
            assert!(!invalid, "no error for an invalid job");
            made
        }
    };
    let total: usize = specs.iter().map(Spec::total).sum();
    assert_eq!(made.x.dim(), (n + total, d), "output shape");
    assert_eq!(made.base.len(), total);
    assert_eq!(made.neighbor.len(), total);
    assert_eq!(made.step.len(), total);
    for i in 0..n {
        for j in 0..d {
            assert_eq!(
                made.x[[i, j]].bits(),
                m.a[[i, j]].bits(),
                "original [{i}, {j}] changed"
            );
        }
    }
    let mut start = 0;
    for (spec, job) in specs.iter().zip(&jobs) {
        let rows = start..start + spec.total();
        start = rows.end;
        if rows.is_empty() {
            continue;
        }
        let table = match spec.search {
            Some(k) => core::threads(t1, || {
                core::kneighbors_among(x, &spec.bases, &spec.references, k)
            })
            .expect("the search generate ran"),
            None => spec.table.clone(),
        };
        check_rows(&m.a, spec, table.view(), &made, rows.clone());
        window(u, x, spec, job, random_state, &made, rows, t2);
    }
    if t2 != t1 {
        let again = core::threads(t2, || core::generate::<F, I>(x, &jobs, random_state))
            .expect("the same jobs again");
        assert_same(&made, &again, "the result depends on the thread count");
    }
}

/// Synthetic rows `rows` (positions among all synthetic rows) of one job.
fn check_rows<F: FuzzFloat, I: Index>(
    a: &Array2<F>,
    spec: &Spec,
    table: ArrayView2<u32>,
    made: &Resampled<F, I>,
    rows: std::ops::Range<usize>,
) {
    let n = a.nrows();
    let scale = F::of(spec.step_scale);
    // For per-base draws, the base position of every row in job order.
    let owners: Option<Vec<usize>> = spec.per_base.as_ref().map(|counts| {
        counts
            .iter()
            .enumerate()
            .flat_map(|(b, &c)| std::iter::repeat_n(b, c))
            .collect()
    });
    for (i, r) in rows.enumerate() {
        let (base, neighbor, step) = (
            made.base[r].to_usize(),
            made.neighbor[r].to_usize(),
            made.step[r],
        );
        let candidates: Vec<usize> = match &owners {
            Some(owners) => vec![owners[i]],
            None => (0..spec.bases.len())
                .filter(|&b| spec.bases[b] == base)
                .collect(),
        };
        assert!(
            candidates.iter().any(|&b| spec.bases[b] == base
                && table
                    .row(b)
                    .iter()
                    .any(|&p| spec.references[p as usize] == neighbor)),
            "synthetic row {r}: base {base} and neighbour {neighbor} are not a pair of the job"
        );
        let within = if scale >= F::zero() {
            step >= F::zero() && step <= scale
        } else {
            step <= F::zero() && step >= scale
        };
        assert!(
            within,
            "synthetic row {r}: step {step:?} outside [0, {scale:?})"
        );
        for j in 0..a.ncols() {
            let (b, c) = (a[[base, j]], a[[neighbor, j]]);
            let v = made.x[[n + r, j]];
            assert!(
                v.is_finite(),
                "synthetic row {r}, column {j}: {v:?} from {b:?} toward {c:?}, step {step:?}"
            );
            assert_eq!(
                v.bits(),
                core::interpolate(b, c, step).bits(),
                "synthetic row {r}, column {j}: not the interpolation of {b:?} and {c:?} at {step:?}"
            );
            on_segment(b, c, step, v);
        }
    }
}

/// `v` is `b + step · (c − b)` up to rounding, or the largest finite value on the
/// side the point lies when it lies beyond.
fn on_segment<F: FuzzFloat>(b: F, c: F, step: F, v: F) {
    // Halved, so that nothing overflows in f64 even for f64 data.
    let (h, s) = (0.5, step.to64());
    let (b2, c2) = (b.to64() * h, c.to64() * h);
    let want = b2 + s * (c2 - b2);
    let largest = F::max_value().to64() * h;
    let got = v.to64() * h;
    if want.abs() > largest {
        assert_eq!(
            got,
            largest.copysign(want),
            "{v:?} should saturate: {b:?} + {step:?} · ({c:?} − {b:?}) is beyond the range"
        );
        return;
    }
    let tol = 8.0 * F::EPS * (b2.abs() + c2.abs() + (s * (c2 - b2)).abs() + want.abs())
        + 4.0 * F::MIN_POSITIVE * F::EPS;
    assert!(
        (got - want).abs() <= tol,
        "{v:?} is not {b:?} + {step:?} · ({c:?} − {b:?}) (off by {})",
        (got - want).abs() / h
    );
}

/// A window of the job's chunks equals the whole run's rows there.
#[allow(clippy::too_many_arguments)]
fn window<F: FuzzFloat, I: Index + PartialEq + std::fmt::Debug>(
    u: &mut Unstructured<'_>,
    x: ArrayView2<F>,
    spec: &Spec,
    job: &Job<'_>,
    random_state: u64,
    made: &Resampled<F, I>,
    rows: std::ops::Range<usize>,
    t: usize,
) {
    if !flag(u) {
        return;
    }
    let n_chunks = spec.total().div_ceil(CHUNK_ROWS);
    let Some((first, end, window)) = window_of(u, n_chunks, |chunks| {
        core::threads(t, || {
            core::generate_window::<F, I>(x, job, random_state, chunks)
        })
    }) else {
        return;
    };
    let lo = rows.start + (first * CHUNK_ROWS).min(spec.total());
    let hi = rows.start + (end * CHUNK_ROWS).min(spec.total());
    assert_eq!(
        window.x.nrows(),
        hi - lo,
        "window {first}..{end}: row count"
    );
    let n = x.nrows();
    for (w, r) in (lo..hi).enumerate() {
        for j in 0..x.ncols() {
            assert_eq!(
                window.x[[w, j]].bits(),
                made.x[[n + r, j]].bits(),
                "window {first}..{end}: row {w} differs from the whole run's row {r}"
            );
        }
    }
    assert_eq!(window.base, made.base[lo..hi], "window provenance (base)");
    assert_eq!(
        window.neighbor,
        made.neighbor[lo..hi],
        "window provenance (neighbour)"
    );
    assert_eq!(window.step, made.step[lo..hi], "window provenance (step)");
}

/// Two runs made the same rows (bit for bit) and provenance.
fn assert_same<F: FuzzFloat, I: Index + PartialEq + std::fmt::Debug>(
    a: &Resampled<F, I>,
    b: &Resampled<F, I>,
    what: &str,
) {
    assert_eq!(a.x.dim(), b.x.dim(), "{what}");
    let bits = |m: &Array2<F>| m.iter().map(|v| v.bits()).collect::<Vec<_>>();
    assert!(bits(&a.x) == bits(&b.x), "{what}: rows differ");
    assert_eq!(a.base, b.base, "{what}");
    assert_eq!(a.neighbor, b.neighbor, "{what}");
    assert_eq!(a.step, b.step, "{what}");
}
