//! [`TaskHandle`], the typed handle every target returns, and its shared state.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crossbeam_utils::Backoff;

use crate::context;
use crate::error::{JoinError, JoinTimeoutError, TryJoinError};

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

/// What [`TaskHandle::cancel`] could do.
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
    /// The task had already finished (or was already cancelled): nothing changed.
    AlreadyFinished,
}

/// Identity and cancellation state of a running task, without its value type.
pub(crate) trait TaskCore {
    fn id(&self) -> TaskId;
    fn name(&self) -> Option<&str>;
    fn is_cancelled(&self) -> bool;
    /// Installs what `cancel()` runs to stop the task from outside (a
    /// `process` task kills its child); runs it now if already cancelled.
    fn set_canceller(&self, canceller: Canceller);
}

/// Stops a running task from outside; see [`TaskCore::set_canceller`].
pub(crate) type Canceller = Box<dyn FnOnce() + Send>;

enum State<T, E> {
    /// Created, body not started.
    Pending,
    /// Body running.
    Running,
    /// Finished (or cancelled); the outcome waits to be taken.
    Done(Result<T, JoinError<E>>),
    /// The outcome was taken by `join` or `poll`.
    Taken,
}

struct Slot<T, E> {
    state: State<T, E>,
    /// Threads blocked in `join*`; when zero, completion skips the condvar.
    sleepers: usize,
    waker: Option<Waker>,
}

/// The state a task shares with its handle.
pub(crate) struct Shared<T, E> {
    id: TaskId,
    name: Option<Cow<'static, str>>,
    cancelled: AtomicBool,
    /// A `coroutine` task: blocking waits must not stall its runtime.
    coroutine: AtomicBool,
    /// Set (under the lock) once the outcome is stored, so waiters can spin
    /// on it briefly before sleeping.
    done: AtomicBool,
    slot: Mutex<Slot<T, E>>,
    cond: Condvar,
    canceller: Mutex<Option<Canceller>>,
    /// A `coroutine` task's tokio task, aborted by `cancel`: set once, right
    /// after the spawn, without the boxed canceller and its lock.
    #[cfg(feature = "tokio")]
    abort: std::sync::OnceLock<tokio::task::AbortHandle>,
}

impl<T, E> TaskCore for Shared<T, E> {
    fn id(&self) -> TaskId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }
    fn set_canceller(&self, canceller: Canceller) {
        let mut slot = self.canceller.lock().unwrap_or_else(|p| p.into_inner());
        // `cancel` sets the flag before it takes the canceller under this
        // lock, so one of the two always runs it.
        if self.is_cancelled() {
            drop(slot);
            canceller();
        } else {
            *slot = Some(canceller);
        }
    }
}

impl<T, E> Shared<T, E> {
    pub(crate) fn new(name: Option<Cow<'static, str>>) -> Arc<Self> {
        Arc::new(Shared {
            id: TaskId::next(),
            name,
            cancelled: AtomicBool::new(false),
            coroutine: AtomicBool::new(false),
            done: AtomicBool::new(false),
            slot: Mutex::new(Slot {
                state: State::Pending,
                sleepers: 0,
                waker: None,
            }),
            cond: Condvar::new(),
            canceller: Mutex::new(None),
            #[cfg(feature = "tokio")]
            abort: std::sync::OnceLock::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Slot<T, E>> {
        // No user code runs while the lock is held, so poisoning cannot leave
        // the slot half-updated; carry on with it.
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks a `coroutine` task (see [`Self::wait`]).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn mark_coroutine(&self) {
        self.coroutine.store(true, Ordering::Relaxed);
    }

    /// Installs what `cancel` aborts: the coroutine task's tokio task. Set
    /// by `CoroutineTaskrunner::call` before it hands out the handle, so no
    /// `cancel` can come first; if one somehow did, the task is aborted now.
    #[cfg(feature = "tokio")]
    pub(crate) fn set_abort(&self, abort: tokio::task::AbortHandle) {
        let abort = self.abort.get_or_init(|| abort);
        if self.is_cancelled() {
            abort.abort();
        }
    }

    pub(crate) fn id_of(&self) -> TaskId {
        self.id
    }

    /// Pending → Running. False when the task was cancelled before it started.
    pub(crate) fn start(&self) -> bool {
        let mut slot = self.lock();
        match slot.state {
            State::Pending => {
                slot.state = State::Running;
                true
            }
            _ => false,
        }
    }

    /// Stores the outcome unless a cancellation already settled the task.
    pub(crate) fn complete(&self, outcome: Result<T, JoinError<E>>) {
        let mut slot = self.lock();
        if matches!(slot.state, State::Pending | State::Running) {
            slot.state = State::Done(outcome);
            self.done.store(true, Ordering::Release);
            Self::wake(&self.cond, slot);
        }
    }

    fn wake(cond: &Condvar, mut slot: MutexGuard<'_, Slot<T, E>>) {
        let waker = slot.waker.take();
        let sleepers = slot.sleepers;
        drop(slot);
        if sleepers > 0 {
            cond.notify_all();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn cancel(&self) -> CancelOutcome {
        let mut slot = self.lock();
        let outcome = match slot.state {
            State::Pending => CancelOutcome::NotStarted,
            State::Running => CancelOutcome::Requested,
            State::Done(_) | State::Taken => return CancelOutcome::AlreadyFinished,
        };
        self.cancelled.store(true, Ordering::Release);
        slot.state = State::Done(Err(JoinError::cancelled(Some(self.id))));
        self.done.store(true, Ordering::Release);
        Self::wake(&self.cond, slot);
        let canceller = self
            .canceller
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(canceller) = canceller {
            canceller();
        }
        #[cfg(feature = "tokio")]
        if let Some(abort) = self.abort.get() {
            abort.abort();
        }
        outcome
    }

    fn is_finished(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    fn take(slot: &mut Slot<T, E>) -> Option<Result<T, JoinError<E>>> {
        match std::mem::replace(&mut slot.state, State::Taken) {
            State::Done(outcome) => Some(outcome),
            State::Taken => panic!("task outcome taken twice (handle polled after completion)"),
            other => {
                slot.state = other;
                None
            }
        }
    }

    /// Waits until the outcome is there or the deadline passes. A
    /// coroutine task's wait inside a tokio runtime first hands the
    /// worker's other tasks away (or panics on a current-thread runtime).
    fn wait(&self, deadline: Option<Instant>) -> Option<Result<T, JoinError<E>>> {
        #[cfg(feature = "tokio")]
        if self.coroutine.load(Ordering::Relaxed) && !self.done.load(Ordering::Acquire) {
            return crate::coroutine::blocking_wait(|| self.wait_here(deadline));
        }
        self.wait_here(deadline)
    }

    fn wait_here(&self, deadline: Option<Instant>) -> Option<Result<T, JoinError<E>>> {
        // Short tasks often finish within microseconds: spin and yield a
        // little first (as crossbeam's channels do), which saves the sleeping
        // waiter a futex wake-up and a reschedule on the round trip.
        let backoff = Backoff::new();
        while !self.done.load(Ordering::Acquire) && !backoff.is_completed() {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            backoff.snooze();
        }
        let mut slot = self.lock();
        loop {
            if let Some(outcome) = Self::take(&mut slot) {
                return Some(outcome);
            }
            slot.sleepers += 1;
            slot = match deadline {
                None => self.cond.wait(slot).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        slot.sleepers -= 1;
                        return None;
                    }
                    self.cond
                        .wait_timeout(slot, deadline - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            slot.sleepers -= 1;
        }
    }
}

/// Runs a task body in the calling thread and stores its outcome: marks the
/// task running (or skips it if it was cancelled first), makes it the
/// [`current_task`](crate::current_task) meanwhile, and turns a panic into a
/// [`JoinError`].
pub(crate) fn run_task<T, E, F>(shared: &Arc<Shared<T, E>>, body: F)
where
    T: 'static,
    E: 'static,
    F: FnOnce() -> Result<T, E>,
{
    if !shared.start() {
        return;
    }
    let outcome = {
        let _current = context::enter(shared.clone());
        catch_unwind(AssertUnwindSafe(body))
    };
    let id = Some(shared.id);
    shared.complete(match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(JoinError::failed(id, error)),
        Err(payload) => Err(JoinError::panicked(id, payload)),
    });
}

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
    shared: Arc<Shared<T, E>>,
}

// Not `#[must_use]`, like tokio's `JoinHandle`: with `on_iter`, `on_end` and
// `on_error` callbacks, calling a task function and dropping its handle is the
// ordinary fire-and-forget use (Python strand's main example), not a mistake.
impl<T, E> TaskHandle<T, E> {
    pub(crate) fn from_shared(shared: Arc<Shared<T, E>>) -> Self {
        TaskHandle { shared }
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
        self.shared.id
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
        self.shared.name.as_deref()
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
        self.shared.is_finished()
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
    pub fn join(self) -> Result<T, JoinError<E>> {
        self.shared
            .wait(None)
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
    pub fn try_join(self) -> Result<T, TryJoinError<T, E>> {
        let taken = Shared::take(&mut self.shared.lock());
        match taken {
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
    pub fn join_deadline(self, deadline: Instant) -> Result<T, JoinTimeoutError<T, E>> {
        match self.shared.wait(Some(deadline)) {
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
        self.shared.cancel()
    }
}

impl<T, E> Future for TaskHandle<T, E> {
    type Output = Result<T, JoinError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.shared.lock();
        if let Some(outcome) = Shared::take(&mut slot) {
            return Poll::Ready(outcome);
        }
        match &slot.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T, E> fmt::Debug for TaskHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.shared.id)
            .field("name", &self.shared.name)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
