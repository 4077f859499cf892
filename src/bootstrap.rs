//! Random over-sampling: copies of randomly drawn rows of a class, or a smoothed
//! bootstrap that adds Gaussian noise scaled per feature to each copy.

use std::mem::MaybeUninit;
use std::ops::Range;

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::{chunk_seed, stream, window_rows, Rng, CHUNK_ROWS};
use crate::sampling::{check_rows, copy_row, copy_rows, PREFETCH_DRAWS_AHEAD};
use crate::simd::prefetch_row;
use crate::stop::Stop;

/// The new rows of one class.
pub struct BootstrapJob {
    /// The class's code: part of every seed.
    pub class: usize,
    /// Rows of X in the class, drawn from uniformly with replacement.
    pub rows: Vec<usize>,
    pub n_new: usize,
    /// Standard deviation of the noise added to each feature (smoothed bootstrap), or
    /// `None` for exact copies.
    pub noise: Option<Vec<f64>>,
}

/// The resampled X and the row of X each of its rows was copied from.
#[derive(Debug)]
pub struct Bootstrapped<F> {
    /// Original rows first, then the new rows job by job.
    pub x: Array2<F>,
    /// `0..n` for the originals, then the drawn row of each new row.
    pub sample_indices: Vec<i64>,
}

/// Runs every job (in output order) on the current Rayon pool, until `stop` is
/// requested. Chunk `c` of a class's
/// rows draws from `chunk_seed(random_state, stream(class, 0), c)`: the source row of
/// each of its rows, then (smoothed bootstrap) the noise row by row, feature by feature.
pub fn bootstrap<F: Float>(
    x: ArrayView2<F>,
    jobs: &[BootstrapJob],
    random_state: u64,
    stop: &Stop,
) -> Result<Bootstrapped<F>> {
    let (n, d) = x.dim();
    check_jobs(x, jobs)?;
    let total_new: usize = jobs.iter().map(|job| job.n_new).sum();
    // Not zeroed: the originals and every job's rows are written below.
    let mut out = Array2::<F>::uninit((n + total_new, d));
    copy_rows(x, out.slice_mut(s![..n, ..]));
    let mut sample_indices = vec![0_i64; n + total_new];
    sample_indices[..n]
        .par_iter_mut()
        .enumerate()
        .for_each(|(i, s)| *s = i as i64);
    let mut start = n;
    for job in jobs {
        let end = start + job.n_new;
        let rows_out = out.slice_mut(s![start..end, ..]);
        write_rows(
            x,
            job,
            random_state,
            0,
            rows_out,
            &mut sample_indices[start..end],
            stop,
        );
        start = end;
    }
    // A stopped run has rows left unwritten: it is dropped uninitialised.
    stop.check()?;
    // SAFETY: rows 0..n hold the copy of X and the jobs' consecutive ranges, which end
    // at n + total_new, hold the drawn rows: every element has been written.
    let out = unsafe { out.assume_init() };
    Ok(Bootstrapped {
        x: out,
        sample_indices,
    })
}

/// The new rows of one job's chunks `chunks` (its last chunk may be short), exactly as
/// `bootstrap` makes them there, and the drawn row of each: a window of the job, which
/// can be made on its own (`x` holds the window's rows only).
pub fn bootstrap_window<F: Float>(
    x: ArrayView2<F>,
    job: &BootstrapJob,
    random_state: u64,
    chunks: Range<usize>,
    stop: &Stop,
) -> Result<Bootstrapped<F>> {
    check_jobs(x, std::slice::from_ref(job))?;
    let rows = window_rows(job.n_new, chunks.clone())?;
    let mut out = Array2::<F>::uninit((rows.len(), x.ncols()));
    let mut sample_indices = vec![0_i64; rows.len()];
    write_rows(
        x,
        job,
        random_state,
        chunks.start,
        out.view_mut(),
        &mut sample_indices,
        stop,
    );
    stop.check()?;
    // SAFETY: `write_rows` wrote every row of the window.
    let out = unsafe { out.assume_init() };
    Ok(Bootstrapped {
        x: out,
        sample_indices,
    })
}

fn check_jobs<F: Float>(x: ArrayView2<F>, jobs: &[BootstrapJob]) -> Result<()> {
    let (n, d) = x.dim();
    if d == 0 {
        return Err(Error::NoFeatures);
    }
    for job in jobs {
        check_rows("class rows", &job.rows, n)?;
        if job.n_new > 0 && job.rows.is_empty() {
            return Err(Error::TooFewSamples {
                class: job.class,
                n_samples: 0,
                k: 0,
            });
        }
        if let Some(noise) = &job.noise {
            if noise.len() != d {
                return Err(Error::ShapeMismatch {
                    what: "the noise scales",
                    got: noise.len(),
                    expected: d,
                });
            }
        }
    }
    Ok(())
}

/// Writes a job's rows from chunk `first_chunk` on into `rows_out` (not yet written),
/// and the drawn row of each into `drawn`, chunks in parallel; a chunk that finds
/// `stop` requested is left unwritten.
fn write_rows<F: Float>(
    x: ArrayView2<F>,
    job: &BootstrapJob,
    random_state: u64,
    first_chunk: usize,
    mut rows_out: ArrayViewMut2<MaybeUninit<F>>,
    drawn: &mut [i64],
    stop: &Stop,
) {
    let d = x.ncols();
    rows_out
        .axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(drawn.par_chunks_mut(CHUNK_ROWS))
        .enumerate()
        .for_each(|(chunk, (mut rows_out, drawn))| {
            if stop.requested() {
                return;
            }
            let seed = chunk_seed(
                random_state,
                stream(job.class, 0),
                (first_chunk + chunk) as u64,
            );
            let mut rng = Rng::new(seed);
            let rows_out = rows_out
                .as_slice_mut()
                .expect("a new standard-layout array");
            // The chunk's rows are drawn first, so that each copy can ask for the row
            // a few copies on: on a class larger than the caches, each read is a miss.
            for index in drawn.iter_mut() {
                *index = job.rows[rng.below(job.rows.len())] as i64;
            }
            for (i, (row, &r)) in rows_out.chunks_exact_mut(d).zip(drawn.iter()).enumerate() {
                if let Some(&ahead) = drawn.get(i + PREFETCH_DRAWS_AHEAD) {
                    prefetch_row(x, ahead as usize);
                }
                copy_row(x, r as usize, row);
            }
            // The noise goes on once the chunk's rows are in: its long chain of
            // draws then runs over rows in cache instead of waiting on random reads.
            if let Some(noise) = &job.noise {
                // SAFETY: the loop above has written every row of the chunk.
                let rows_out = unsafe { &mut *(rows_out as *mut [MaybeUninit<F>] as *mut [F]) };
                for row in rows_out.chunks_exact_mut(d) {
                    add_noise(&mut rng, row, noise);
                }
            }
        });
}

/// Adds `noise[j]` times a standard normal draw to `row[j]`, computed in f64; a value
/// the noise takes beyond F's largest finite value saturates there.
fn add_noise<F: Float>(rng: &mut Rng, row: &mut [F], noise: &[f64]) {
    let largest = F::max_value().to_f64().expect("a float");
    for (v, &scale) in row.iter_mut().zip(noise) {
        let shifted = v.to_f64().expect("a float") + scale * rng.normal();
        *v = F::from(shifted.clamp(-largest, largest)).expect("a float");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::run_with_threads;
    use crate::stop::Stop;

    fn data(n: usize, d: usize) -> Array2<f64> {
        Array2::from_shape_fn((n, d), |(i, j)| (i * 10 + j) as f64)
    }

    #[test]
    fn copies_are_exact_and_match_the_indices() {
        let x = data(100, 3);
        let jobs = [
            BootstrapJob {
                class: 1,
                rows: (0..10).collect(),
                n_new: 3000,
                noise: None,
            },
            BootstrapJob {
                class: 2,
                rows: (50..60).collect(),
                n_new: 500,
                noise: None,
            },
        ];
        let res = bootstrap(x.view(), &jobs, 4, Stop::never()).unwrap();
        assert_eq!(res.x.nrows(), 3600);
        assert_eq!(res.x.slice(s![..100, ..]), x);
        assert_eq!(
            res.sample_indices[..100],
            (0..100).collect::<Vec<i64>>()[..]
        );
        for (i, &r) in res.sample_indices.iter().enumerate().skip(100) {
            assert_eq!(res.x.row(i), x.row(r as usize));
            assert!(if i < 3100 {
                r < 10
            } else {
                (50..60).contains(&r)
            });
        }
        let mut seen = [0usize; 10];
        res.sample_indices[100..3100]
            .iter()
            .for_each(|&r| seen[r as usize] += 1);
        assert!(seen.iter().all(|&c| (200..400).contains(&c)), "{seen:?}");
        let one = run_with_threads(Some(1), || bootstrap(x.view(), &jobs, 4, Stop::never()))
            .unwrap()
            .unwrap();
        assert_eq!(one.x, res.x);
    }

    #[test]
    fn smoothed_rows_scatter_around_their_copy_by_the_given_scale() {
        let x = data(20, 2).mapv(|v| v as f32);
        let jobs = [BootstrapJob {
            class: 0,
            rows: (0..20).collect(),
            n_new: 40_000,
            noise: Some(vec![0.5, 2.0]),
        }];
        let res = bootstrap(x.view(), &jobs, 1, Stop::never()).unwrap();
        for (j, want) in [0.5, 2.0].into_iter().enumerate() {
            let dev: Vec<f64> = (20..40_020)
                .map(|i| f64::from(res.x[[i, j]] - x[[res.sample_indices[i] as usize, j]]))
                .collect();
            let mean = dev.iter().sum::<f64>() / dev.len() as f64;
            let sd = (dev.iter().map(|v| v * v).sum::<f64>() / dev.len() as f64).sqrt();
            assert!(
                mean.abs() < 0.05 * want && (sd - want).abs() < 0.02 * want,
                "{mean} {sd}"
            );
        }
    }

    #[test]
    fn windows_make_exactly_the_rows_of_the_whole_job() {
        let x = data(300, 3);
        for noise in [None, Some(vec![0.5, 1.0, 2.0])] {
            let job = BootstrapJob {
                class: 2,
                rows: (100..200).collect(),
                n_new: 3 * CHUNK_ROWS + 7,
                noise,
            };
            let whole = bootstrap(x.view(), std::slice::from_ref(&job), 9, Stop::never()).unwrap();
            let windows: Vec<Bootstrapped<f64>> = [0..1, 1..3, 3..4]
                .into_iter()
                .map(|chunks| bootstrap_window(x.view(), &job, 9, chunks, Stop::never()).unwrap())
                .collect();
            let views: Vec<_> = windows.iter().map(|w| w.x.view()).collect();
            assert_eq!(
                ndarray::concatenate(Axis(0), &views).unwrap(),
                whole.x.slice(s![300.., ..])
            );
            let drawn: Vec<i64> = windows
                .iter()
                .flat_map(|w| w.sample_indices.clone())
                .collect();
            assert_eq!(drawn, whole.sample_indices[300..]);
            assert!(bootstrap_window(x.view(), &job, 9, 3..5, Stop::never()).is_err());
        }
    }

    #[test]
    fn bad_jobs_are_refused() {
        let x = data(10, 2);
        let empty = [BootstrapJob {
            class: 3,
            rows: vec![],
            n_new: 1,
            noise: None,
        }];
        assert!(matches!(
            bootstrap(x.view(), &empty, 0, Stop::never()),
            Err(Error::TooFewSamples { class: 3, .. })
        ));
        let outside = [BootstrapJob {
            class: 0,
            rows: vec![10],
            n_new: 1,
            noise: None,
        }];
        assert!(matches!(
            bootstrap(x.view(), &outside, 0, Stop::never()),
            Err(Error::IndexOutOfRange { index: 10, .. })
        ));
        let noise = [BootstrapJob {
            class: 0,
            rows: vec![1],
            n_new: 1,
            noise: Some(vec![1.0]),
        }];
        assert!(matches!(
            bootstrap(x.view(), &noise, 0, Stop::never()),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
