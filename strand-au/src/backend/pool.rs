//! [`PoolBackend`]: a bounded pool of worker threads.

use strand::Pool;

use super::{ComputationBackend, LaunchError};
use crate::job::Job;

/// Runs computations on a [`strand::Pool`]: a fixed number of workers fed by
/// a bounded queue. **Backpressure:** when the queue is full, launching
/// blocks until a slot frees, so memory never grows without bound. A
/// computation launched from one of the pool's own workers runs inline on
/// that worker (so nested launches cannot deadlock the pool).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, MemoryStore, PoolBackend, Runner};
///
/// let backend = Arc::new(PoolBackend::new(2));
/// let c = Computation::new("cube", Runner::new(|x: u64| x * x * x))
///     .store(Arc::new(MemoryStore::new()))
///     .backend(backend);
/// let total: u64 = (0..10u64).map(|i| c.launch::<u64>(&i)).map(|h| h.join().unwrap()).sum();
/// assert_eq!(total, 2025);
/// ```
#[derive(Debug, Clone)]
pub struct PoolBackend {
    pool: Pool,
}

impl Default for PoolBackend {
    fn default() -> Self {
        PoolBackend::global()
    }
}

impl PoolBackend {
    /// A new pool of `size` workers (queue: 256 jobs per worker).
    ///
    /// # Panics
    ///
    /// If `size` is 0 or the threads cannot be started.
    pub fn new(size: usize) -> PoolBackend {
        PoolBackend {
            pool: Pool::new(size),
        }
    }

    /// strand's shared global pool (one worker per core).
    pub fn global() -> PoolBackend {
        PoolBackend {
            pool: Pool::global().clone(),
        }
    }

    /// Runs on `pool` (choose size and queue capacity with [`Pool::builder`]).
    pub fn from_pool(pool: Pool) -> PoolBackend {
        PoolBackend { pool }
    }

    /// The pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

impl ComputationBackend for PoolBackend {
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        // Detached: the record, not the task handle, carries the result.
        drop(self.pool.spawn(move || job.run()));
        Ok(())
    }
}
