//! [`InlineBackend`]: runs the computation in the caller.

use super::{ComputationBackend, LaunchError};
use crate::job::Job;

/// Runs each computation right away in the launching thread; the handle is
/// finished when the launch returns. For tests, debugging, and work too small
/// to be worth a thread.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
///
/// let c = Computation::new("neg", Runner::new(|x: i32| -x))
///     .store(Arc::new(MemoryStore::new()))
///     .backend(Arc::new(InlineBackend));
/// let handle = c.launch::<i32>(&4);
/// assert!(handle.is_ready());
/// assert_eq!(handle.try_join().unwrap(), -4);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct InlineBackend;

impl ComputationBackend for InlineBackend {
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        job.run();
        Ok(())
    }
}
