//! Tasks whose body runs where strand cannot see it: a worker that took the
//! task from a store's queue, on this machine or another. The crate that
//! runs them (strand-au, for `#[as_task(store)]`) makes the task with
//! [`Remote::start`] and gets two ends: the [`TaskHandle`] the caller
//! holds, the same type every target returns, and a [`Completer`] that
//! delivers the outcome when it learns it.
//!
//! What the handle does for such a task:
//!
//! * `join` and its variants, `is_finished` and `.await` wait for the
//!   completer, as they wait for a thread.
//! * [`TaskHandle::key`] is the task's durable name (the key of its record
//!   in the store), from which another process can make a handle of its own.
//! * [`TaskHandle::cancel`] runs the canceller given to
//!   [`Remote::on_cancel`] (which cancels the task where it lives) and
//!   returns what it says; when it says the task is cancelled, the handle
//!   reports it cancelled at once.
//! * Dropping the handle leaves the task where it runs; the completer sees
//!   that through [`Completer::is_detached`].
//!
//! # Examples
//!
//! ```
//! use strand::CancelOutcome;
//! use strand::remote::{Outcome, Remote};
//!
//! let (handle, completer) = Remote::new()
//!     .name("jobs::resize")
//!     .key("0b5a7c")
//!     .on_cancel(|| CancelOutcome::NotStarted)
//!     .start::<u32, String>();
//! assert_eq!(handle.key(), Some("0b5a7c"));
//! assert!(!handle.is_finished());
//!
//! // Elsewhere, when the worker's outcome is known:
//! std::thread::spawn(move || completer.complete(Outcome::Value(42)));
//! assert_eq!(handle.join().unwrap(), 42);
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::error::JoinError;
use crate::task::cancel::CancelOutcome;
use crate::task::join::TaskHandle;
use crate::task::slot::Shared;

/// What a task that ran elsewhere ended with, as its [`Completer`]
/// delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<T, E> {
    /// Its function returned this value.
    Value(T),
    /// Its function returned this error ([`JoinError::failure`]).
    Failed(E),
    /// Its function panicked with this message ([`JoinError::panic_message`]).
    Panicked(String),
    /// It was cancelled ([`JoinError::is_cancelled`]).
    Cancelled,
    /// It ended without a value for another reason: its worker was lost,
    /// it could not be run or decoded there ([`JoinError::elsewhere`]).
    Error(String),
}

impl<T, E> Outcome<T, E> {
    fn into_result(self, id: crate::TaskId) -> Result<T, JoinError<E>> {
        match self {
            Outcome::Value(value) => Ok(value),
            Outcome::Failed(error) => Err(JoinError::failed(Some(id), error)),
            Outcome::Panicked(message) => Err(JoinError::panicked_with_message(Some(id), message)),
            Outcome::Cancelled => Err(JoinError::cancelled(Some(id))),
            Outcome::Error(message) => Err(JoinError::failed_elsewhere(Some(id), message)),
        }
    }
}

type CancelFn = Box<dyn Fn() -> CancelOutcome + Send + Sync>;

/// How to make a task that runs elsewhere: its name, its durable key, and
/// how to cancel it there. See the [module](self).
#[derive(Default)]
#[must_use = "a Remote does nothing until `start` makes the task"]
pub struct Remote {
    name: Option<Cow<'static, str>>,
    key: Option<Box<str>>,
    cancel: Option<CancelFn>,
}

impl Remote {
    /// A task without name, key or canceller.
    pub fn new() -> Remote {
        Remote::default()
    }

    /// The task's name ([`TaskHandle::name`]).
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Remote {
        self.name = Some(name.into());
        self
    }

    /// The task's durable name where it lives ([`TaskHandle::key`]).
    pub fn key(mut self, key: impl Into<Box<str>>) -> Remote {
        self.key = Some(key.into());
        self
    }

    /// What [`TaskHandle::cancel`] runs, in the caller's thread: it cancels
    /// the task where it lives and says what that did. `NotStarted`,
    /// `Requested` and `Killed` settle the handle as cancelled;
    /// `AlreadyFinished` leaves it waiting for the completer's outcome.
    /// Without one, `cancel` settles the handle as cancelled and answers
    /// `Requested` (the task goes on where it runs; its outcome is dropped).
    pub fn on_cancel(
        mut self,
        cancel: impl Fn() -> CancelOutcome + Send + Sync + 'static,
    ) -> Remote {
        self.cancel = Some(Box::new(cancel));
        self
    }

    /// Makes the task: the handle for the caller, the completer for
    /// whoever learns the outcome.
    pub fn start<T, E>(self) -> (TaskHandle<T, E>, Completer<T, E>) {
        let shared = Shared::new(self.name);
        let remote = Arc::new(RemoteInfo {
            key: self.key,
            cancel: self.cancel,
        });
        (
            TaskHandle::from_remote(shared.clone(), remote),
            Completer {
                shared: Some(shared),
            },
        )
    }
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("name", &self.name)
            .field("key", &self.key)
            .field("on_cancel", &self.cancel.is_some())
            .finish()
    }
}

/// What a handle of a remote task keeps besides its slot.
pub(crate) struct RemoteInfo {
    key: Option<Box<str>>,
    cancel: Option<CancelFn>,
}

impl RemoteInfo {
    pub(crate) fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Cancels the task where it runs, then settles the slot.
    pub(crate) fn cancel<T, E>(&self, shared: &Shared<T, E>) -> CancelOutcome {
        if shared.is_finished() {
            return CancelOutcome::AlreadyFinished;
        }
        let outcome = match &self.cancel {
            Some(cancel) => cancel(),
            None => CancelOutcome::Requested,
        };
        match outcome {
            CancelOutcome::AlreadyFinished => outcome,
            _ if shared.settle_cancelled() => outcome,
            // The completer delivered the cancellation first (the
            // canceller's own write, seen where the outcome is watched).
            _ if shared.is_cancelled() => outcome,
            _ => CancelOutcome::AlreadyFinished,
        }
    }
}

/// Delivers the outcome of a task that runs elsewhere to its handle (see
/// [`Remote::start`]). Dropping it without an outcome settles the handle
/// with an error saying so, so that no joiner waits for ever.
pub struct Completer<T, E> {
    shared: Option<Arc<Shared<T, E>>>,
}

impl<T, E> Completer<T, E> {
    /// Delivers `outcome`; false when the handle had already settled (it
    /// was cancelled) and the outcome was dropped.
    pub fn complete(mut self, outcome: Outcome<T, E>) -> bool {
        let Some(shared) = self.shared.take() else {
            return false;
        };
        if shared.is_finished() {
            return false;
        }
        let id = shared.id_of();
        if matches!(outcome, Outcome::Cancelled) {
            shared.mark_cancelled();
        }
        let before = shared.is_finished();
        shared.complete(outcome.into_result(id));
        !before
    }

    /// Delivers `outcome` as [`complete`](Self::complete) does, after
    /// showing it to `before` as the handle will see it (to run callbacks
    /// such as `on_end` and `on_error` before a joiner wakes, as the other
    /// targets do). `before` is not called when the handle had already
    /// settled (it was cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::remote::{Outcome, Remote};
    ///
    /// let (handle, completer) = Remote::new().start::<u32, String>();
    /// completer.complete_with(Outcome::Failed("no".into()), |outcome| {
    ///     assert_eq!(outcome.as_ref().unwrap_err().failure().unwrap(), "no");
    /// });
    /// assert!(handle.join().unwrap_err().is_failed());
    /// ```
    pub fn complete_with(
        mut self,
        outcome: Outcome<T, E>,
        before: impl FnOnce(&Result<T, JoinError<E>>),
    ) -> bool {
        let Some(shared) = self.shared.take() else {
            return false;
        };
        if shared.is_finished() {
            return false;
        }
        if matches!(outcome, Outcome::Cancelled) {
            shared.mark_cancelled();
        }
        let result = outcome.into_result(shared.id_of());
        before(&result);
        let before = shared.is_finished();
        shared.complete(result);
        !before
    }

    /// Whether the handle has settled already (it was cancelled): an
    /// outcome delivered now would be dropped, and callbacks for it should
    /// not run.
    pub fn is_finished(&self) -> bool {
        self.shared.as_ref().is_none_or(|s| s.is_finished())
    }

    /// Whether no handle of the task is left (it was dropped): the outcome
    /// is of interest only to callbacks.
    pub fn is_detached(&self) -> bool {
        self.shared
            .as_ref()
            .is_none_or(|s| Arc::strong_count(s) == 1)
    }

    /// The task's id ([`TaskHandle::id`]).
    pub fn id(&self) -> Option<crate::TaskId> {
        self.shared.as_ref().map(|s| s.id_of())
    }
}

impl<T, E> Drop for Completer<T, E> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            let id = shared.id_of();
            shared.complete(Err(JoinError::failed_elsewhere(
                Some(id),
                "the task's outcome will never be known: its completer was dropped".to_owned(),
            )));
        }
    }
}

impl<T, E> fmt::Debug for Completer<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completer")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_runs_the_canceller_and_settles_the_handle() {
        let (handle, completer) = Remote::new()
            .on_cancel(|| CancelOutcome::NotStarted)
            .start::<u32, String>();
        assert_eq!(handle.cancel(), CancelOutcome::NotStarted);
        assert!(completer.is_finished());
        assert!(!completer.complete(Outcome::Value(1)));
        assert!(handle.join().unwrap_err().is_cancelled());
    }

    #[test]
    fn a_cancel_whose_outcome_arrives_first_still_reports_the_cancel() {
        // The canceller records the cancel where the task lives; whoever
        // watches there delivers the cancelled outcome before the
        // canceller returns.
        type Slot = std::sync::Mutex<Option<Completer<u32, String>>>;
        let slot: Arc<Slot> = Arc::default();
        let in_canceller = slot.clone();
        let (handle, completer) = Remote::new()
            .on_cancel(move || {
                let completer = in_canceller.lock().unwrap().take().unwrap();
                assert!(completer.complete(Outcome::Cancelled));
                CancelOutcome::NotStarted
            })
            .start::<u32, String>();
        *slot.lock().unwrap() = Some(completer);
        assert_eq!(handle.cancel(), CancelOutcome::NotStarted);
        assert!(handle.join().unwrap_err().is_cancelled());
    }

    #[test]
    fn a_value_that_arrives_before_a_cancel_is_what_the_handle_reports() {
        type Slot = std::sync::Mutex<Option<Completer<u32, String>>>;
        let slot: Arc<Slot> = Arc::default();
        let in_canceller = slot.clone();
        let (handle, completer) = Remote::new()
            .on_cancel(move || {
                let completer = in_canceller.lock().unwrap().take().unwrap();
                assert!(completer.complete(Outcome::Value(5)));
                // The canceller could not record its cancel, and said so.
                CancelOutcome::Requested
            })
            .start::<u32, String>();
        *slot.lock().unwrap() = Some(completer);
        assert_eq!(handle.cancel(), CancelOutcome::AlreadyFinished);
        assert_eq!(handle.join().unwrap(), 5);
    }

    #[test]
    fn a_canceller_that_finds_the_task_finished_leaves_the_outcome_to_come() {
        let (handle, completer) = Remote::new()
            .on_cancel(|| CancelOutcome::AlreadyFinished)
            .start::<u32, String>();
        assert_eq!(handle.cancel(), CancelOutcome::AlreadyFinished);
        assert!(completer.complete(Outcome::Value(7)));
        assert_eq!(handle.join().unwrap(), 7);
    }

    #[test]
    fn outcomes_become_join_errors_of_their_kind() {
        type Check = fn(&JoinError<String>) -> bool;
        let cases: Vec<(Outcome<u32, String>, Check)> = vec![
            (Outcome::Failed("no".into()), |e| {
                e.failure().map(String::as_str) == Some("no")
            }),
            (Outcome::Panicked("boom".into()), |e| {
                e.panic_message() == Some("boom")
            }),
            (Outcome::Cancelled, |e| e.is_cancelled()),
            (Outcome::Error("lost".into()), |e| {
                e.elsewhere() == Some("lost")
            }),
        ];
        for (outcome, check) in cases {
            let (handle, completer) = Remote::new().start::<u32, String>();
            let id = handle.id();
            completer.complete(outcome);
            let err = handle.join().unwrap_err();
            assert!(check(&err), "{err:?}");
            assert_eq!(err.id(), Some(id));
        }
    }

    #[test]
    fn a_dropped_completer_settles_the_handle_with_an_error() {
        let (handle, completer) = Remote::new().start::<u32, String>();
        assert!(!completer.is_detached());
        drop(completer);
        let err = handle.join().unwrap_err();
        assert!(err.elsewhere().unwrap().contains("completer was dropped"));
    }

    #[test]
    fn the_completer_sees_a_dropped_handle() {
        let (handle, completer) = Remote::new().start::<u32, String>();
        drop(handle);
        assert!(completer.is_detached());
        assert!(completer.complete(Outcome::Value(3)));
    }
}
