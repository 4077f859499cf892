//! Thread pools for `n_jobs`: one pool per requested size, built once and reused,
//! so a call pays no thread start-up. `None` means Rayon's global pool (all cores).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::ThreadPool;

use crate::error::{Error, Result};

fn pool_with(threads: usize) -> Result<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
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

/// Runs `work` on `threads` threads (`None`: every core, through the global pool).
pub fn run_with_threads<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T> {
    match threads {
        None => Ok(work()),
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
            rayon::current_num_threads()
        );
        assert!(run_with_threads(Some(0), || ()).is_err());
    }
}
