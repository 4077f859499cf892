//! Cooperative cancellation. A long computation is handed a `Stop` and checks it
//! between chunks of its work: once a stop is requested (the Python bindings request
//! one on Ctrl-C), every parallel task ends at its next check and the computation
//! returns `Error::Interrupted`, with nothing half-written handed back.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// Rows a serial loop handles between two checks: a few milliseconds of work even
/// when every row is a cache miss.
pub const ROWS_BETWEEN_CHECKS: usize = 4096;

#[derive(Debug, Default)]
pub struct Stop(AtomicBool);

impl Stop {
    pub const fn new() -> Self {
        Stop(AtomicBool::new(false))
    }

    /// A stop nobody can request: for callers that run a computation to the end.
    pub fn never() -> &'static Stop {
        static NEVER: Stop = Stop::new();
        &NEVER
    }

    /// Asks the computation to end at its next check. Only the owner of the `Stop`
    /// should call this (`never()`'s is shared by every caller).
    pub fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was requested: a relaxed load, cheap enough for every chunk.
    #[inline]
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Interrupted)` once a stop was requested.
    #[inline]
    pub fn check(&self) -> Result<()> {
        if self.requested() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ndarray::Array2;

    use super::*;
    use crate::bootstrap::{bootstrap, BootstrapJob};
    use crate::neighbors::kneighbors;
    use crate::rng::Rng;
    use crate::sampling::{generate, Draws, Job, NeighborTable};
    use crate::sparse::{kneighbors_among as sparse_kneighbors, Csr};

    fn random(n: usize, d: usize) -> Array2<f64> {
        let mut rng = Rng::new(7);
        Array2::from_shape_simple_fn((n, d), || rng.normal())
    }

    fn smote_job(n: usize) -> Job<'static> {
        Job {
            class: 0,
            part: 0,
            bases: (0..n).collect(),
            references: (0..n).collect(),
            neighbors: NeighborTable::Search(5),
            draws: Draws::Pairs(10 * n),
            step_scale: 1.0,
            damped: None,
        }
    }

    #[test]
    fn a_requested_stop_ends_every_long_computation() {
        let stop = Stop::new();
        stop.request();
        let x = random(3000, 4);
        let wide = random(3000, 20);
        let rows: Vec<usize> = (0..3000).collect();
        for x in [&x, &wide] {
            assert_eq!(
                kneighbors(x.view(), &rows, 5, &stop),
                Err(Error::Interrupted)
            );
        }
        let job = smote_job(3000);
        let generated = generate::<f64, i32>(x.view(), std::slice::from_ref(&job), 0, &stop);
        assert_eq!(generated.err(), Some(Error::Interrupted));
        let copies = BootstrapJob {
            class: 0,
            rows: rows.clone(),
            n_new: 50_000,
            noise: None,
        };
        let copied = bootstrap(x.view(), &[copies], 0, &stop);
        assert_eq!(copied.err(), Some(Error::Interrupted));
        let indptr: Vec<i32> = (0..=3000).collect();
        let indices = vec![0_i32; 3000];
        let data: Vec<f64> = x.column(0).to_vec();
        let csr = Csr::new(4, &indptr, &indices, &data).unwrap();
        assert_eq!(
            sparse_kneighbors(&csr, &rows, &rows, 5, &stop),
            Err(Error::Interrupted)
        );
        // Without a request the same calls finish.
        assert!(kneighbors(x.view(), &rows, 5, Stop::never()).is_ok());
        assert!(generate::<f64, i32>(x.view(), &[job], 0, Stop::never()).is_ok());
    }

    #[test]
    fn a_stop_requested_mid_search_ends_it_early() {
        // A brute-force search of many seconds, stopped once it is under way.
        let x = random(60_000, 64);
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let stop = Stop::new();
        let found = std::thread::scope(|scope| {
            let search = scope.spawn(|| kneighbors(x.view(), &rows, 5, &stop));
            std::thread::sleep(Duration::from_millis(50));
            stop.request();
            search.join().unwrap()
        });
        assert_eq!(found, Err(Error::Interrupted));
    }
}
