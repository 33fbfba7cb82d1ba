//! The task a thread is running: [`current_task`].

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use crate::handle::{Canceller, TaskCore, TaskId};

thread_local! {
    static CURRENT: RefCell<Option<Arc<dyn TaskCore>>> = const { RefCell::new(None) };
}

/// Restores the previous current task when dropped.
pub(crate) struct Entered {
    previous: Option<Arc<dyn TaskCore>>,
}

/// Makes `task` the current task of this thread until the guard drops.
pub(crate) fn enter(task: Arc<dyn TaskCore>) -> Entered {
    let previous = CURRENT.with(|c| c.replace(Some(task)));
    Entered { previous }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Whether the task running on this thread, if any, was cancelled.
pub(crate) fn is_cancelled() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().is_some_and(|t| t.is_cancelled()))
}

/// The current task's state, to enter it on another thread.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
pub(crate) fn current_core() -> Option<Arc<dyn TaskCore>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Installs what cancelling the current task runs (see
/// [`TaskCore::set_canceller`]); nothing outside a task.
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) fn set_canceller(canceller: Canceller) {
    CURRENT.with(|c| {
        if let Some(task) = c.borrow().as_ref() {
            task.set_canceller(canceller);
        }
    });
}

/// The task that the calling code runs in, as seen from inside its body.
///
/// Outside any task (for instance in `main`) the returned value has no id
/// and is never cancelled, so library code can check it unconditionally.
///
/// # Examples
///
/// A body that stops early when its handle is cancelled:
///
/// ```
/// use std::time::Duration;
///
/// #[strand::as_task(thread)]
/// fn count_until_cancelled() -> u64 {
///     let mut n = 0;
///     while !strand::current_task().is_cancelled() {
///         n += 1;
///         std::thread::sleep(Duration::from_millis(1));
///     }
///     n
/// }
///
/// let handle = count_until_cancelled();
/// std::thread::sleep(Duration::from_millis(5));
/// handle.cancel();
/// assert!(handle.join().unwrap_err().is_cancelled());
/// assert!(!strand::current_task().is_cancelled());
/// ```
pub fn current_task() -> CurrentTask {
    CurrentTask {
        task: CURRENT.with(|c| c.borrow().clone()),
    }
}

/// A view of the running task, returned by [`current_task`].
///
/// It stays valid after the body returns (it keeps the task's state alive),
/// but it is bound to the thread it was taken on.
#[derive(Clone)]
pub struct CurrentTask {
    task: Option<Arc<dyn TaskCore>>,
}

impl CurrentTask {
    /// The running task's id, or `None` outside a task.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(strand::current_task().id(), None);
    /// ```
    pub fn id(&self) -> Option<TaskId> {
        self.task.as_ref().map(|t| t.id())
    }

    /// The running task's name, or `None` outside a task or for an unnamed one.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| strand::current_task().name().map(String::from))
    ///     .name("report")
    ///     .call(());
    /// assert_eq!(handle.join().unwrap().as_deref(), Some("report"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.task.as_ref().and_then(|t| t.name())
    }

    /// Whether the running task's handle asked it to stop. A long body should
    /// check this between steps and return early when it is true; its value
    /// is dropped anyway. Always false outside a task.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!strand::current_task().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.task.as_ref().is_some_and(|t| t.is_cancelled())
    }

    /// Whether the caller runs inside a strand task at all.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!strand::current_task().is_task());
    /// let inside = strand::ThreadTaskrunner::new(|| strand::current_task().is_task()).call(());
    /// assert!(inside.join().unwrap());
    /// ```
    pub fn is_task(&self) -> bool {
        self.task.is_some()
    }
}

impl fmt::Debug for CurrentTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentTask")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}
