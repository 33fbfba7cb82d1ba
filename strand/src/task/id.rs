//! [`TaskId`]: the process-wide unique id of one task.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// A process-wide unique id of one task (one call of a task function).
///
/// # Examples
///
/// ```
/// let a = strand::ThreadTaskrunner::new(|| ()).call(());
/// let b = strand::ThreadTaskrunner::new(|| ()).call(());
/// assert_ne!(a.id(), b.id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(u64);

impl TaskId {
    pub(crate) fn next() -> TaskId {
        // std's atomic even under loom, whose atomics cannot be statics.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TaskId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The id as a number, unique within this process.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| ()).call(());
    /// assert!(handle.id().as_u64() > 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({})", self.0)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
