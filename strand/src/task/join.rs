//! [`TaskHandle`], the typed handle every target returns, and the errors
//! that hand it back ([`TryJoinError`], [`JoinTimeoutError`]).
//!
//! The outcome waits in strand's own slot ([`Shared`]) for every target
//! but `coroutine`, whose outcome waits in the tokio task itself. So this
//! file names the coroutine's [`TokioTask`] (with the `tokio` feature):
//! the one edge from the task module into the coroutine module. It runs
//! one way: `coroutine::task` imports nothing from here (the coroutine
//! runner, which makes the handles, does). The tokio task sits in the
//! handle's enum, not behind a trait object, so that a coroutine task
//! costs tokio's one allocation and no more.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

#[cfg(feature = "tokio")]
use crate::coroutine::task::TokioTask;
use crate::error::JoinError;
use crate::remote::RemoteInfo;
use crate::task::cancel::CancelOutcome;
use crate::task::id::TaskId;
use crate::task::slot::Shared;

/// An owned permission to join on a task (one call of a task function).
///
/// Every target returns this same handle: `thread`, `pool`, `sync`, and the
/// targets that later run elsewhere, so switching the target of a function
/// never breaks its call sites. `T` is the task's value and `E` the error
/// type of a fallible task function
/// ([`Infallible`](core::convert::Infallible) when it cannot fail).
///
/// A `TaskHandle` *detaches* the task when dropped: the task keeps running
/// and its outcome is dropped when it finishes. The handle is `Send` and
/// `Sync` when `T` and `E` are `Send`.
///
/// Besides the blocking [`join`](Self::join) family, the handle is a
/// [`Future`] with the same output as `join`, so async code can `.await` a
/// task of any target without blocking its executor.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let runner = strand::ThreadTaskrunner::new(|a: u64, b: u64| a * b);
/// let handle = runner.call((6, 7));
/// assert_eq!(handle.join_timeout(Duration::from_secs(10)).unwrap(), 42);
/// ```
pub struct TaskHandle<T, E = core::convert::Infallible> {
    inner: Inner<T, E>,
}

/// Where a task's outcome waits.
enum Inner<T, E> {
    /// In strand's own slot: every target but `coroutine`.
    Shared(Arc<Shared<T, E>>),
    /// In the tokio task itself: a `coroutine` task. One allocation per
    /// task, as for `tokio::spawn`.
    #[cfg(feature = "tokio")]
    Tokio(TokioTask<T, E>),
    /// In strand's slot, filled by a [`Completer`](crate::remote::Completer):
    /// a task whose body runs elsewhere (see [`crate::remote`]).
    Remote(Arc<Shared<T, E>>, Arc<RemoteInfo>),
}

// Not `#[must_use]`, like tokio's `JoinHandle`: with `on_iter`, `on_end` and
// `on_error` callbacks, calling a task function and dropping its handle is the
// ordinary fire-and-forget use (Python strand's main example), not a mistake.
impl<T, E> TaskHandle<T, E> {
    pub(crate) fn from_shared(shared: Arc<Shared<T, E>>) -> Self {
        TaskHandle {
            inner: Inner::Shared(shared),
        }
    }

    pub(crate) fn from_remote(shared: Arc<Shared<T, E>>, remote: Arc<RemoteInfo>) -> Self {
        TaskHandle {
            inner: Inner::Remote(shared, remote),
        }
    }

    #[cfg(feature = "tokio")]
    pub(crate) fn from_tokio(task: TokioTask<T, E>) -> Self {
        TaskHandle {
            inner: Inner::Tokio(task),
        }
    }

    /// The outcome if it is there, without blocking.
    fn take(&mut self) -> Option<Result<T, JoinError<E>>> {
        match &mut self.inner {
            // SAFETY: `self` is the handle, borrowed exclusively.
            Inner::Shared(shared) | Inner::Remote(shared, _) => unsafe { shared.take() },
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.take(),
        }
    }

    /// Blocks until the outcome is there, or until `deadline`.
    fn wait(&mut self, deadline: Option<Instant>) -> Option<Result<T, JoinError<E>>> {
        match &mut self.inner {
            // SAFETY: `self` is the handle, borrowed exclusively.
            Inner::Shared(shared) => unsafe { shared.wait(deadline, true) },
            // SAFETY: as above. A remote outcome comes from another process
            // (through a store): not worth spinning for.
            Inner::Remote(shared, _) => unsafe { shared.wait(deadline, false) },
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.wait(deadline),
        }
    }

    /// The task's id, unique within this process.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| strand::current_task().id()).call(());
    /// let id = handle.id();
    /// assert_eq!(handle.join().unwrap(), Some(id));
    /// ```
    pub fn id(&self) -> TaskId {
        match &self.inner {
            Inner::Shared(shared) | Inner::Remote(shared, _) => shared.id_of(),
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.id(),
        }
    }

    /// The task's name: the function's registered name for `#[as_task]`
    /// functions, or what was given to the runner's `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| ()).name("cleanup").call(());
    /// assert_eq!(handle.name(), Some("cleanup"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        match &self.inner {
            Inner::Shared(shared) | Inner::Remote(shared, _) => shared.name_of(),
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.name(),
        }
    }

    /// The task's durable name, for a task that lives outside this process:
    /// the key of its record in a store (`#[as_task(store)]`), from which
    /// another process, or a later run of this one, makes a handle on the
    /// same task (`f::handle(key)`). `None` for the tasks of every other
    /// target, which live and die with this process; their
    /// [`id`](Self::id) names them within it.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| 3).call(());
    /// assert_eq!(handle.key(), None);
    ///
    /// let (remote, _completer) = strand::remote::Remote::new().key("7f3a").start::<u32, String>();
    /// assert_eq!(remote.key(), Some("7f3a"));
    /// ```
    pub fn key(&self) -> Option<&str> {
        match &self.inner {
            Inner::Remote(_, remote) => remote.key(),
            _ => None,
        }
    }

    /// Whether the task has finished (with a value, an error, or cancelled).
    /// Never blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| 3).call(());
    /// assert!(handle.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Shared(shared) | Inner::Remote(shared, _) => shared.is_finished(),
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.is_finished(),
        }
    }

    /// Waits for the task to finish and returns its value.
    ///
    /// # Errors
    ///
    /// A [`JoinError`] when the task's function returned an error, panicked,
    /// was cancelled, or could not be started.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|s: String| s.len()).call(("four".to_string(),));
    /// assert_eq!(handle.join().unwrap(), 4);
    /// ```
    pub fn join(mut self) -> Result<T, JoinError<E>> {
        self.wait(None)
            .expect("waiting without a deadline always ends with an outcome")
    }

    /// Returns the task's value if it has finished, without blocking;
    /// otherwise hands the handle back in [`TryJoinError::NotFinished`].
    ///
    /// # Errors
    ///
    /// [`TryJoinError::NotFinished`] while the task runs, and
    /// [`TryJoinError::Join`] when it ended without a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| 9).call(());
    /// assert_eq!(handle.try_join().unwrap(), 9);
    /// ```
    pub fn try_join(mut self) -> Result<T, TryJoinError<T, E>> {
        match self.take() {
            Some(outcome) => outcome.map_err(TryJoinError::Join),
            None => Err(TryJoinError::NotFinished(self)),
        }
    }

    /// Waits at most `timeout` for the task's value.
    ///
    /// # Errors
    ///
    /// [`JoinTimeoutError::Timeout`] (with the handle, to wait again) when the
    /// time runs out, and [`JoinTimeoutError::Join`] when the task ended
    /// without a value. A timeout does not cancel the task; call
    /// [`cancel`](Self::cancel) for that.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let handle = strand::ThreadTaskrunner::new(|| {
    ///     std::thread::sleep(Duration::from_secs(1));
    /// })
    /// .call(());
    /// let err = handle.join_timeout(Duration::from_millis(1)).unwrap_err();
    /// assert!(err.is_timeout());
    /// ```
    pub fn join_timeout(self, timeout: Duration) -> Result<T, JoinTimeoutError<T, E>> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.join_deadline(deadline),
            None => self.join().map_err(JoinTimeoutError::Join),
        }
    }

    /// Waits until `deadline` at most for the task's value.
    ///
    /// # Errors
    ///
    /// As for [`join_timeout`](Self::join_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let handle = strand::ThreadTaskrunner::new(|| 1 + 1).call(());
    /// let deadline = Instant::now() + Duration::from_secs(10);
    /// assert_eq!(handle.join_deadline(deadline).unwrap(), 2);
    /// ```
    pub fn join_deadline(mut self, deadline: Instant) -> Result<T, JoinTimeoutError<T, E>> {
        match self.wait(Some(deadline)) {
            Some(outcome) => outcome.map_err(JoinTimeoutError::Join),
            None => Err(JoinTimeoutError::Timeout(self)),
        }
    }

    /// Waits up to `timeout` for the outcome; if the time runs out, cancels
    /// the task (a `process` task's child is killed) and returns what that
    /// leaves: a cancelled error, or the outcome if the task finished in the
    /// meantime. Use it where a task must not outlive its time budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let handle = strand::ThreadTaskrunner::new(|| {
    ///     while !strand::current_task().is_cancelled() {
    ///         std::thread::sleep(Duration::from_millis(1));
    ///     }
    /// })
    /// .call(());
    /// let err = handle.join_or_cancel(Duration::from_millis(20)).unwrap_err();
    /// assert!(err.is_cancelled());
    /// ```
    pub fn join_or_cancel(self, timeout: Duration) -> Result<T, JoinError<E>> {
        match self.join_timeout(timeout) {
            Ok(value) => Ok(value),
            Err(JoinTimeoutError::Timeout(handle)) => {
                handle.cancel();
                handle.join()
            }
            Err(JoinTimeoutError::Join(err)) => Err(err),
        }
    }

    /// Cancels the task, and says what that could do.
    ///
    /// - Not started yet: it never runs ([`CancelOutcome::NotStarted`]).
    /// - Running: cancellation is *requested* ([`CancelOutcome::Requested`]);
    ///   the body sees it through
    ///   [`current_task().is_cancelled()`](crate::CurrentTask::is_cancelled)
    ///   and `on_iter` stops delivering items. In-process threads cannot be
    ///   stopped from outside, so a body that never checks runs to its end;
    ///   its value is then dropped and no callback runs for it.
    /// - Finished: nothing happens ([`CancelOutcome::AlreadyFinished`]).
    ///
    /// A `coroutine` task is aborted as tokio aborts a task: an async body
    /// is dropped at its next `.await` (or never polled, if it had not
    /// started). tokio does not tell whether it had started, so an
    /// unfinished coroutine task always reports `Requested`.
    ///
    /// After `NotStarted` or `Requested`, joining reports an error for which
    /// [`JoinError::is_cancelled`] is true.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use strand::CancelOutcome;
    ///
    /// let handle = strand::ThreadTaskrunner::new(|| {
    ///     let mut rounds = 0u64;
    ///     while !strand::current_task().is_cancelled() {
    ///         rounds += 1;
    ///         std::thread::sleep(Duration::from_millis(1));
    ///     }
    ///     rounds
    /// })
    /// .call(());
    /// let outcome = handle.cancel();
    /// assert!(matches!(outcome, CancelOutcome::NotStarted | CancelOutcome::Requested));
    /// assert!(handle.join().unwrap_err().is_cancelled());
    /// ```
    pub fn cancel(&self) -> CancelOutcome {
        match &self.inner {
            Inner::Shared(shared) => shared.cancel(),
            Inner::Remote(shared, remote) => remote.cancel(shared),
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.cancel(),
        }
    }
}

impl<T, E> Future for TaskHandle<T, E> {
    type Output = Result<T, JoinError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().inner {
            // SAFETY: polling borrows the handle exclusively.
            Inner::Shared(shared) | Inner::Remote(shared, _) => {
                match unsafe { shared.take_or_register(cx.waker()) } {
                    Some(outcome) => Poll::Ready(outcome),
                    None => Poll::Pending,
                }
            }
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.poll(cx),
        }
    }
}

impl<T, E> fmt::Debug for TaskHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

/// The error of [`TaskHandle::try_join`]: the task has not finished yet
/// (the handle is handed back), or it ended without a value.
///
/// # Examples
///
/// ```
/// use strand::TryJoinError;
///
/// use std::sync::{Arc, Barrier};
///
/// let gate = Arc::new(Barrier::new(2));
/// let task_gate = gate.clone();
/// let handle = strand::ThreadTaskrunner::new(move || { task_gate.wait(); 5 }).call(());
/// let handle = match handle.try_join() {
///     Err(TryJoinError::NotFinished(handle)) => handle,
///     other => panic!("{other:?}"),
/// };
/// gate.wait();
/// assert_eq!(handle.join().unwrap(), 5);
/// ```
pub enum TryJoinError<T, E = core::convert::Infallible> {
    /// The task is still pending or running; here is its handle back.
    NotFinished(TaskHandle<T, E>),
    /// The task ended without a value.
    Join(JoinError<E>),
}

/// The error of [`TaskHandle::join_timeout`] and [`TaskHandle::join_deadline`]:
/// the time ran out (the handle is handed back), or the task ended without a value.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// use std::sync::{Arc, Barrier};
///
/// let gate = Arc::new(Barrier::new(2));
/// let task_gate = gate.clone();
/// let handle = strand::ThreadTaskrunner::new(move || { task_gate.wait(); 5 }).call(());
/// let err = handle.join_timeout(Duration::from_millis(10)).unwrap_err();
/// assert!(err.is_timeout());
/// assert_eq!(err.to_string(), "timed out waiting for task");
/// gate.wait();
/// assert_eq!(err.into_handle().unwrap().join().unwrap(), 5);
/// ```
pub enum JoinTimeoutError<T, E = core::convert::Infallible> {
    /// The time ran out before the task finished; here is its handle back.
    Timeout(TaskHandle<T, E>),
    /// The task ended without a value.
    Join(JoinError<E>),
}

macro_rules! handle_back_error {
    ($name:ident, $variant:ident, $pred:ident, $msg:literal) => {
        impl<T, E> $name<T, E> {
            #[doc = concat!("Whether this is the `", stringify!($variant), "` case (the handle is inside).")]
            pub fn $pred(&self) -> bool {
                matches!(self, $name::$variant(_))
            }

            /// Gives the handle back when the task had not finished, so it can be waited on again.
            pub fn into_handle(self) -> Option<TaskHandle<T, E>> {
                match self {
                    $name::$variant(handle) => Some(handle),
                    $name::Join(_) => None,
                }
            }

            /// The error the task ended with, if it ended.
            pub fn join_error(&self) -> Option<&JoinError<E>> {
                match self {
                    $name::$variant(_) => None,
                    $name::Join(err) => Some(err),
                }
            }

            /// Takes the error the task ended with, if it ended.
            pub fn into_join_error(self) -> Option<JoinError<E>> {
                match self {
                    $name::$variant(_) => None,
                    $name::Join(err) => Some(err),
                }
            }
        }

        impl<T, E> fmt::Debug for $name<T, E>
        where
            E: fmt::Debug,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $name::$variant(handle) => f.debug_tuple(stringify!($variant)).field(handle).finish(),
                    $name::Join(err) => f.debug_tuple("Join").field(err).finish(),
                }
            }
        }

        impl<T, E> fmt::Display for $name<T, E>
        where
            E: fmt::Display,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $name::$variant(_) => f.write_str($msg),
                    $name::Join(err) => fmt::Display::fmt(err, f),
                }
            }
        }

        // `Display` prints the task's error itself, so no `source()` (see
        // `JoinError`).
        impl<T, E> StdError for $name<T, E> where E: fmt::Debug + fmt::Display {}

        impl<T, E> From<JoinError<E>> for $name<T, E> {
            fn from(err: JoinError<E>) -> Self {
                $name::Join(err)
            }
        }
    };
}

handle_back_error!(
    TryJoinError,
    NotFinished,
    is_not_finished,
    "task has not finished yet"
);
handle_back_error!(
    JoinTimeoutError,
    Timeout,
    is_timeout,
    "timed out waiting for task"
);
