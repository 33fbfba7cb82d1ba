//! Cancellation: what a cancel could do ([`CancelOutcome`]), and a task's
//! cancellation as its body sees it ([`Cancellation`]: a flag, and the
//! [`Canceller`] that stops the body from outside).

use std::sync::atomic::Ordering;

use crate::sync::{AtomicBool, Mutex};

/// What [`TaskHandle::cancel`](crate::TaskHandle::cancel) could do.
///
/// # Examples
///
/// ```
/// use strand::CancelOutcome;
///
/// let handle = strand::SyncTaskrunner::new(|| 1).call(());
/// assert_eq!(handle.cancel(), CancelOutcome::AlreadyFinished);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CancelOutcome {
    /// The task had not started: it will never run, and the handle reports
    /// it cancelled.
    NotStarted,
    /// The task was running: cancellation was requested. The handle reports
    /// it cancelled at once; the body stops when it next checks
    /// [`current_task().is_cancelled()`](crate::CurrentTask::is_cancelled)
    /// (threads cannot be stopped from outside in Rust), and its value, if it
    /// still produces one, is dropped and no callback runs for it.
    Requested,
    /// The task was running in a child process (the `process` target): the
    /// child and its process group were killed (SIGKILL), and the child
    /// was reaped before `cancel` returned. The handle reports the task
    /// cancelled.
    Killed,
    /// The task had already finished (or was already cancelled): nothing changed.
    AlreadyFinished,
}

/// Stops a running task from outside, and returns once it has stopped (a
/// `process` task's canceller kills the child and waits until it is
/// reaped); see [`TaskCore::start_cancellable`](crate::task::core::TaskCore::start_cancellable).
pub(crate) type Canceller = Box<dyn FnOnce() + Send>;

/// A task's cancellation as its body sees it: a flag the body checks, and
/// what stops the body from outside (a `process` task's child is killed).
#[derive(Default)]
pub(crate) struct Cancellation {
    cancelled: AtomicBool,
    /// The canceller, once the body started something to stop. The flag is
    /// set under this lock, so a body that starts a child under it either
    /// sees the flag (and starts nothing) or leaves its canceller here for
    /// `cancel` to run.
    canceller: Mutex<Option<Canceller>>,
}

impl Cancellation {
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// See [`TaskCore::start_cancellable`](crate::task::core::TaskCore::start_cancellable).
    #[cfg_attr(not(all(unix, feature = "process")), allow(dead_code))]
    pub(crate) fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
        let mut slot = self.canceller.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_cancelled() {
            return false;
        }
        *slot = start();
        true
    }

    /// Sets the flag, then runs the canceller if the body installed one, and
    /// returns once it has run: whether a canceller stopped the body.
    pub(crate) fn cancel(&self) -> bool {
        let canceller = {
            let mut slot = self.canceller.lock().unwrap_or_else(|p| p.into_inner());
            self.cancelled.store(true, Ordering::Release);
            slot.take()
        };
        match canceller {
            Some(canceller) => {
                canceller();
                true
            }
            None => false,
        }
    }
}
