//! Random over-sampling (`bootstrap::bootstrap`, `bootstrap_window`): exact copies or
//! a smoothed bootstrap with any finite noise scales, invalid rows and shapes. On
//! success: the originals first and unchanged, each new row a copy of a row of its
//! class (plus bounded, finite noise), the same on any number of threads, and every
//! window equal to the whole run's rows.
#![no_main]

use arbitrary::Unstructured;
use fast_smote::bootstrap::{BootstrapJob, Bootstrapped};
use fast_smote::rng::CHUNK_ROWS;
use fast_smote_fuzz::{
    cols, core, finite, flag, fuzz_each_float, int, layout, one_in, row_count, rows, seed, threads,
    values, window_of, FuzzFloat, Mat,
};
use ndarray::ArrayView2;

fuzz_each_float!(run);

fn decode_job(u: &mut Unstructured<'_>, n: usize, d: usize) -> BootstrapJob {
    let rows = rows(u, n, 300);
    let n_new = match int(u, 0, 3) {
        0 => int(u, 0, 3),
        1 => int(u, 0, 3 * CHUNK_ROWS),
        _ => int(u, 0, 300),
    };
    let noise = flag(u).then(|| {
        let len = match int(u, 0, 15) {
            0 => d + 1,
            1 => d.saturating_sub(1),
            _ => d,
        };
        let kind = int(u, 0, 3);
        (0..len)
            .map(|_| match kind {
                0 => 0.0,
                1 => finite::<f64>(u),
                _ => int(u, 0, 1000) as f64 / 100.0,
            })
            .collect()
    });
    BootstrapJob {
        class: int(u, 0, 3),
        rows,
        n_new,
        noise,
    }
}

fn invalid(job: &BootstrapJob, n: usize, d: usize) -> bool {
    d == 0
        || job.rows.iter().any(|&r| r >= n)
        || (job.n_new > 0 && job.rows.is_empty())
        || job.noise.as_ref().is_some_and(|noise| noise.len() != d)
}

fn run<F: FuzzFloat>(u: &mut Unstructured<'_>) {
    let d = if one_in(u, 16) { 0 } else { cols(u) };
    let n = row_count(u, 300);
    let m = Mat::new(values::<F>(u, n, d, true), layout(u));
    let x = m.view();
    let jobs: Vec<BootstrapJob> = (0..int(u, 0, 3)).map(|_| decode_job(u, n, d)).collect();
    let random_state = seed(u);
    let (t1, t2) = (threads(u), threads(u));
    let bad = d == 0 || jobs.iter().any(|job| invalid(job, n, d));
    let made = match core::threads(t1, || core::bootstrap(x, &jobs, random_state)) {
        Err(e) => {
            assert!(bad, "unexpected {e:?}");
            return;
        }
        Ok(made) => {
            assert!(!bad, "no error for an invalid job");
            made
        }
    };
    let total: usize = jobs.iter().map(|job| job.n_new).sum();
    assert_eq!(made.x.dim(), (n + total, d), "output shape");
    assert_eq!(made.sample_indices.len(), n + total);
    for i in 0..n {
        assert_eq!(
            made.sample_indices[i], i as i64,
            "sample index of original {i}"
        );
        for j in 0..d {
            assert_eq!(
                made.x[[i, j]].bits(),
                m.a[[i, j]].bits(),
                "original [{i}, {j}] changed"
            );
        }
    }
    let mut start = n;
    for job in &jobs {
        let rows = start..start + job.n_new;
        start = rows.end;
        for r in rows.clone() {
            let s = made.sample_indices[r];
            assert!(
                s >= 0 && job.rows.contains(&(s as usize)),
                "new row {r} copies row {s}, not one of its class"
            );
            check_copy(m.a.row(s as usize), made.x.row(r), job.noise.as_deref(), r);
        }
        window(u, x, job, random_state, &made, rows, t2);
    }
    if t2 != t1 {
        let again = core::threads(t2, || core::bootstrap(x, &jobs, random_state))
            .expect("the same jobs again");
        assert_same(&made, &again, "the result depends on the thread count");
    }
}

/// An exact copy, or (smoothed) a finite row within a few noise scales of the source.
fn check_copy<F: FuzzFloat>(
    source: ndarray::ArrayView1<F>,
    row: ndarray::ArrayView1<F>,
    noise: Option<&[f64]>,
    r: usize,
) {
    for (j, (&want, &got)) in source.iter().zip(&row).enumerate() {
        assert!(got.is_finite(), "new row {r}, column {j}: {got:?}");
        let scale = noise.map_or(0.0, |noise| noise[j]);
        if scale == 0.0 {
            assert!(
                got == want,
                "new row {r}, column {j}: {got:?}, a copy of {want:?}"
            );
            continue;
        }
        let largest = F::max_value().to64();
        let (got, want) = (got.to64(), want.to64());
        // Normal draws beyond 64 standard deviations have probability ~1e-890.
        let reach = 64.0 * scale.abs() + 4.0 * F::EPS * want.abs() + F::MIN_POSITIVE;
        assert!(
            got.abs() == largest || (got - want).abs() <= reach,
            "new row {r}, column {j}: {got} is {} noise scales ({scale}) from {want}",
            (got - want).abs() / scale.abs()
        );
    }
}

/// A window of the job's chunks equals the whole run's rows there.
fn window<F: FuzzFloat>(
    u: &mut Unstructured<'_>,
    x: ArrayView2<F>,
    job: &BootstrapJob,
    random_state: u64,
    made: &Bootstrapped<F>,
    rows: std::ops::Range<usize>,
    t: usize,
) {
    if !flag(u) {
        return;
    }
    let n_chunks = job.n_new.div_ceil(CHUNK_ROWS);
    let Some((first, end, window)) = window_of(u, n_chunks, |chunks| {
        core::threads(t, || core::bootstrap_window(x, job, random_state, chunks))
    }) else {
        return;
    };
    let lo = rows.start + (first * CHUNK_ROWS).min(job.n_new);
    let hi = rows.start + (end * CHUNK_ROWS).min(job.n_new);
    assert_eq!(
        window.x.nrows(),
        hi - lo,
        "window {first}..{end}: row count"
    );
    assert_eq!(
        window.sample_indices,
        made.sample_indices[lo..hi],
        "window {first}..{end}"
    );
    for (w, r) in (lo..hi).enumerate() {
        for j in 0..x.ncols() {
            assert_eq!(
                window.x[[w, j]].bits(),
                made.x[[r, j]].bits(),
                "window {first}..{end}: row {w} differs from the whole run's row {r}"
            );
        }
    }
}

fn assert_same<F: FuzzFloat>(a: &Bootstrapped<F>, b: &Bootstrapped<F>, what: &str) {
    assert_eq!(a.x.dim(), b.x.dim(), "{what}");
    assert_eq!(a.sample_indices, b.sample_indices, "{what}");
    let bits = |m: &ndarray::Array2<F>| m.iter().map(|v| v.bits()).collect::<Vec<_>>();
    assert!(bits(&a.x) == bits(&b.x), "{what}: rows differ");
}
