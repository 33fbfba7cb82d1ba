//! [`ThreadBackend`]: a thread per computation.

use super::{ComputationBackend, LaunchError};
use crate::job::Job;

/// Runs each computation on a new thread: good for I/O-bound work, no limit
/// on how many run at once (use [`PoolBackend`](crate::PoolBackend) for that).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, MemoryStore, Runner, ThreadBackend};
///
/// let fetch = Computation::new("fetch", Runner::new(|id: u32| format!("item {id}")))
///     .store(Arc::new(MemoryStore::new()))
///     .backend(Arc::new(ThreadBackend::new()));
/// let handles: Vec<_> = (0..3u32).map(|i| fetch.launch::<String>(&i)).collect();
/// assert_eq!(handles[2].join().unwrap(), "item 2");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ThreadBackend {
    stack_size: Option<usize>,
}

impl ThreadBackend {
    /// Threads with the standard library's default stack size.
    pub fn new() -> ThreadBackend {
        ThreadBackend::default()
    }

    /// Threads with `bytes` of stack.
    pub fn stack_size(mut self, bytes: usize) -> ThreadBackend {
        self.stack_size = Some(bytes);
        self
    }
}

impl ComputationBackend for ThreadBackend {
    /// Runs the job as a strand `thread` task (so `strand::current_task()`
    /// is the computation's task in its body), detached: the record, not
    /// the task handle, carries the outcome. A thread the system refuses
    /// fails the launch.
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        let mut runner = strand::ThreadTaskrunner::new(move |job: Job| job.run()).name("strand-au");
        if let Some(bytes) = self.stack_size {
            runner = runner.stack_size(bytes);
        }
        let task = runner.call((job,));
        match task.try_join() {
            Err(strand::TryJoinError::Join(err)) if err.is_spawn_error() => {
                Err(LaunchError::new(format!("cannot start a thread: {err}")))
            }
            _ => Ok(()),
        }
    }
}
