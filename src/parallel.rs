//! Thread pools for `n_jobs`: one pool per requested size, built once and reused,
//! so a call pays no thread start-up. `None` means every core (or `RAYON_NUM_THREADS`).
//!
//! Rayon's global pool is never used: a process forked after its threads started would
//! wait for them forever. Our pools are forgotten in the child (`forget_pools`) and
//! built anew there; the table is locked across the fork (`lock_pools_for_fork`) so
//! that no other thread holds it then.

use std::cell::RefCell;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use rayon::ThreadPool;

use crate::error::{Error, Result};

type Pools = Option<HashMap<usize, Arc<ThreadPool>>>;

static POOLS: Mutex<Pools> = Mutex::new(None);

thread_local! {
    /// The table's lock, held by the forking thread from just before a fork until just
    /// after it (in the parent and in the child alike).
    static HELD_FOR_FORK: RefCell<Option<MutexGuard<'static, Pools>>> = const { RefCell::new(None) };
}

fn pool_with(threads: usize) -> Result<Arc<ThreadPool>> {
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    let pools = pools.get_or_insert_with(HashMap::new);
    if let Some(pool) = pools.get(&threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("fast-smote-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool {
            threads,
            reason: e.to_string(),
        })?;
    let pool = Arc::new(pool);
    pools.insert(threads, Arc::clone(&pool));
    Ok(pool)
}

/// The cores this process may use, read once: on Linux the standard library reads the
/// cgroup files for it, which took longer than a small call's work.
static CORES: OnceLock<usize> = OnceLock::new();

/// The threads `None` stands for: `RAYON_NUM_THREADS` if set, else every core.
pub fn every_core() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| {
            *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
        })
}

/// Before a fork: takes the table's lock, so that the child does not inherit it held
/// by a thread it will not have.
pub fn lock_pools_for_fork() {
    let guard = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    HELD_FOR_FORK.with(|held| *held.borrow_mut() = Some(guard));
}

/// After a fork, in the parent: releases the lock `lock_pools_for_fork` took.
pub fn unlock_pools_after_fork() {
    HELD_FOR_FORK.with(|held| held.borrow_mut().take());
}

/// After a fork, in the child: the pools' threads stayed in the parent, so the pools
/// are dropped from the table without being shut down (their threads cannot be
/// reached), and the next call builds new ones.
pub fn forget_pools() {
    let held = HELD_FOR_FORK.with(|held| held.borrow_mut().take());
    let mut pools = held.unwrap_or_else(|| POOLS.lock().unwrap_or_else(PoisonError::into_inner));
    if let Some(pools) = pools.take() {
        std::mem::forget(pools);
    }
}

/// Runs `work` on `threads` threads (`None`: every core).
pub fn run_with_threads<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T> {
    match threads {
        None => Ok(pool_with(every_core())?.install(work)),
        Some(0) => Err(Error::ThreadPool {
            threads: 0,
            reason: "the number of threads must be at least 1".into(),
        }),
        Some(n) => Ok(pool_with(n)?.install(work)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_the_requested_number_of_threads() {
        assert_eq!(
            run_with_threads(Some(3), rayon::current_num_threads).unwrap(),
            3
        );
        assert_eq!(
            run_with_threads(Some(1), rayon::current_num_threads).unwrap(),
            1
        );
        assert_eq!(
            run_with_threads(None, rayon::current_num_threads).unwrap(),
            every_core()
        );
        forget_pools();
        assert_eq!(
            run_with_threads(Some(3), rayon::current_num_threads).unwrap(),
            3
        );
        assert!(run_with_threads(Some(0), || ()).is_err());
    }
}
