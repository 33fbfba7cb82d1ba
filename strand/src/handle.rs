//! [`TaskHandle`], the typed handle every target returns, and its shared state.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crossbeam_utils::Backoff;

use crate::context;
use crate::error::{JoinError, JoinTimeoutError, TryJoinError};
use crate::sync::{AtomicBool, AtomicU8, AtomicWaker, Mutex, UnsafeCell};

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
    /// The task was running in a child process (the `process` target): the
    /// child and its process group were killed (SIGKILL), and the child
    /// was reaped before `cancel` returned. The handle reports the task
    /// cancelled.
    Killed,
    /// The task had already finished (or was already cancelled): nothing changed.
    AlreadyFinished,
}

/// Identity and cancellation state of a running task, without its value type.
pub(crate) trait TaskCore {
    fn id(&self) -> TaskId;
    fn name(&self) -> Option<&str>;
    fn is_cancelled(&self) -> bool;
    /// Starts what `cancel()` must stop from outside (a `process` task's
    /// child), unless the task is already cancelled: `start` runs under the
    /// cancellation's lock and returns the canceller to install, so a
    /// `cancel` either finds the canceller or happened before `start`, which
    /// then never runs. False when the task was already cancelled.
    #[cfg_attr(not(all(unix, feature = "process")), allow(dead_code))]
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool;
    /// The task's id and name, owned, to describe it elsewhere.
    fn info(&self) -> TaskInfo {
        TaskInfo {
            id: self.id(),
            name: self.name().map(|n| Cow::Owned(n.to_owned())),
        }
    }
}

/// Where a task description finds its name: held as a `Cow` (a name given
/// at run time), or known from a type (see `coroutine::Static`, free).
pub(crate) trait NameOf: Send + Sync + 'static {
    fn get(&self) -> Option<&str>;
    fn to_cow(&self) -> Option<Cow<'static, str>>;
}

impl NameOf for Option<Cow<'static, str>> {
    fn get(&self) -> Option<&str> {
        self.as_deref()
    }
    fn to_cow(&self) -> Option<Cow<'static, str>> {
        self.clone()
    }
}

/// A task's id and name: all a `coroutine` task's async body can ask of
/// its task (it is cancelled by being dropped at an `.await`, so it never
/// runs on to see a cancellation).
#[derive(Clone, Debug)]
pub(crate) struct Meta<N> {
    pub(crate) id: TaskId,
    pub(crate) name: N,
}

/// A task's id and name, owned.
pub(crate) type TaskInfo = Meta<Option<Cow<'static, str>>>;

impl<N: NameOf> TaskCore for Meta<N> {
    fn id(&self) -> TaskId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.get()
    }
    fn is_cancelled(&self) -> bool {
        false
    }
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
        // Never cancelled while it runs, so nothing would ever run the
        // canceller.
        drop(start());
        true
    }
    fn info(&self) -> TaskInfo {
        Meta {
            id: self.id,
            name: self.name.to_cow(),
        }
    }
}

/// Stops a running task from outside, and returns once it has stopped (a
/// `process` task's canceller kills the child and waits until it is
/// reaped); see [`TaskCore::start_cancellable`].
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

    /// See [`TaskCore::start_cancellable`].
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

// The life of a task's outcome slot, in `Shared::state`. Only moves
// forward: PENDING → RUNNING → WRITING → DONE → TAKEN, where PENDING may
// skip RUNNING (a cancel before the start). Whoever moves the state to
// WRITING (the body finishing, or `cancel`) is the only writer of the
// outcome; the handle's owner is the only reader, after it sees DONE.
/// Created, body not started.
const PENDING: u8 = 0;
/// Body running.
const RUNNING: u8 = 1;
/// The outcome is being stored.
const WRITING: u8 = 2;
/// The outcome is stored and waits to be taken.
const DONE: u8 = 3;
/// The outcome was taken by `join` or `poll`.
const TAKEN: u8 = 4;

/// The state a task shares with its handle.
///
/// Lock-free, as tokio's `JoinHandle` is: starting, finishing and polling
/// a task are a few atomic operations on `state` and `waker`, never a lock
/// that a task's worker and its awaiting caller would contend for.
pub(crate) struct Shared<T, E> {
    id: TaskId,
    name: Option<Cow<'static, str>>,
    /// PENDING, RUNNING, WRITING, DONE or TAKEN.
    state: AtomicU8,
    cancellation: Cancellation,
    /// Written once, by whoever moved `state` to WRITING; read once, by the
    /// handle's owner after it saw DONE.
    outcome: UnsafeCell<Option<Result<T, JoinError<E>>>>,
    /// Who waits for the outcome: the awaiting task's waker, or the
    /// blocked joiner's thread (see [`thread_waker`]). A handle has one
    /// owner, so there is at most one waiter at a time.
    waker: AtomicWaker,
}

// SAFETY: the outcome cell is the only field that is not already `Send`
// and `Sync`. It is written by one thread (the one that won the move to
// WRITING) and read by one thread (the handle's owner, after an Acquire
// load of DONE that pairs with the writer's Release store), so sharing
// `Shared` across threads only ever moves a `T` or an `E` between threads:
// `Send` is what they need.
unsafe impl<T: Send, E: Send> Send for Shared<T, E> {}
// SAFETY: as above.
unsafe impl<T: Send, E: Send> Sync for Shared<T, E> {}

impl<T, E> TaskCore for Shared<T, E> {
    fn id(&self) -> TaskId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
        self.cancellation.start_cancellable(start)
    }
    fn info(&self) -> TaskInfo {
        TaskInfo {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

thread_local! {
    /// This thread's waker for blocking joins: it unparks the thread.
    /// Made once per thread, so a join allocates nothing.
    static THREAD_WAKER: Waker = Waker::from(Arc::new(ThreadUnpark(std::thread::current())));
}

/// Wakes a thread blocked in `join`.
struct ThreadUnpark(std::thread::Thread);

impl std::task::Wake for ThreadUnpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl<T, E> Shared<T, E> {
    /// A new task's state.
    pub(crate) fn new(name: Option<Cow<'static, str>>) -> Arc<Self> {
        Arc::new(Shared {
            id: TaskId::next(),
            name,
            state: AtomicU8::new(PENDING),
            cancellation: Cancellation::default(),
            outcome: UnsafeCell::new(None),
            waker: AtomicWaker::new(),
        })
    }

    pub(crate) fn id_of(&self) -> TaskId {
        self.id
    }

    /// Pending → Running. False when the task was cancelled before it started.
    pub(crate) fn start(&self) -> bool {
        self.state
            .compare_exchange(PENDING, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Claims the right to store the outcome: true when the task was still
    /// pending or running, and then `from` is what it was.
    fn claim(&self) -> Option<u8> {
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current > RUNNING {
                return None;
            }
            match self.state.compare_exchange_weak(
                current,
                WRITING,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(current),
                Err(actual) => current = actual,
            }
        }
    }

    /// Stores the outcome after a successful [`Self::claim`], publishes it
    /// and wakes the waiter.
    fn publish(&self, outcome: Result<T, JoinError<E>>) {
        // SAFETY: the caller won the move to WRITING, so it is the only
        // thread touching the cell until DONE is stored below; the owner
        // reads it only after seeing DONE.
        self.outcome
            .with_mut(|cell| unsafe { *cell = Some(outcome) });
        self.state.store(DONE, Ordering::Release);
        self.waker.wake();
    }

    /// Stores the outcome unless a cancellation already settled the task.
    pub(crate) fn complete(&self, outcome: Result<T, JoinError<E>>) {
        if self.claim().is_some() {
            self.publish(outcome);
        }
    }

    /// Cancels the task. The cancellation takes effect before anyone can
    /// see it: the slot is claimed (so the body's outcome can no longer be
    /// stored), then the body's flag is set and its canceller run (a child
    /// process killed and reaped), and only then is the cancelled outcome
    /// published and the joiner woken.
    fn cancel(&self) -> CancelOutcome {
        let outcome = match self.claim() {
            Some(PENDING) => CancelOutcome::NotStarted,
            Some(_) => CancelOutcome::Requested,
            None => return CancelOutcome::AlreadyFinished,
        };
        let stopped = self.cancellation.cancel();
        self.publish(Err(JoinError::cancelled(Some(self.id))));
        if stopped {
            CancelOutcome::Killed
        } else {
            outcome
        }
    }

    fn is_finished(&self) -> bool {
        self.state.load(Ordering::Acquire) >= DONE
    }

    /// The outcome, if it is there.
    ///
    /// # Safety
    ///
    /// Only the handle's owner may call this (it takes the handle by value
    /// or by `&mut`), so no two calls ever race.
    unsafe fn take(&self) -> Option<Result<T, JoinError<E>>> {
        match self.state.load(Ordering::Acquire) {
            DONE => {
                self.state.store(TAKEN, Ordering::Relaxed);
                // SAFETY: DONE was stored (Release) after the write, and
                // nobody writes the cell after DONE; the caller is the only
                // reader.
                self.outcome.with_mut(|cell| unsafe { (*cell).take() })
            }
            TAKEN => panic!("task outcome taken twice (handle polled after completion)"),
            _ => None,
        }
    }

    /// The outcome if it is there; otherwise `waker` is registered to be
    /// woken when it is.
    ///
    /// # Safety
    ///
    /// As for [`Self::take`].
    unsafe fn take_or_register(&self, waker: &Waker) -> Option<Result<T, JoinError<E>>> {
        // SAFETY: forwarded to the caller.
        if let Some(outcome) = unsafe { self.take() } {
            return Some(outcome);
        }
        self.waker.register(waker);
        // The outcome may have been published between the check and the
        // registration, by a `wake` that found no waker yet: check again.
        // SAFETY: forwarded to the caller.
        unsafe { self.take() }
    }

    /// Waits until the outcome is there or the deadline passes.
    ///
    /// # Safety
    ///
    /// As for [`Self::take`].
    unsafe fn wait(&self, deadline: Option<Instant>) -> Option<Result<T, JoinError<E>>> {
        wait_for(
            deadline,
            &mut (),
            |()| self.is_finished(),
            |(), waker| {
                // SAFETY: forwarded to the caller.
                unsafe { self.take_or_register(waker) }
            },
        )
    }
}

/// Blocks the thread until `poll` (given a waker that unparks this
/// thread) returns the outcome, or until `deadline`. `finished` tells,
/// without side effects, whether the outcome is there; both see `state`.
pub(crate) fn wait_for<S, R>(
    deadline: Option<Instant>,
    state: &mut S,
    finished: impl Fn(&S) -> bool,
    mut poll: impl FnMut(&mut S, &Waker) -> Option<R>,
) -> Option<R> {
    // Short tasks often finish within microseconds: spin and yield a
    // little first (as crossbeam's channels do), which saves the sleeping
    // waiter a futex wake-up and a reschedule on the round trip.
    let backoff = Backoff::new();
    while !finished(state) && !backoff.is_completed() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        backoff.snooze();
    }
    THREAD_WAKER.with(|waker| {
        loop {
            if let Some(outcome) = poll(state, waker) {
                return Some(outcome);
            }
            // A stale unpark (from an earlier task this thread waited for)
            // only makes the loop check once more.
            match deadline {
                None => std::thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
        }
    })
}

/// Runs a task body in the calling thread and stores its outcome: marks the
/// task running (or skips it if it was cancelled first), makes it the
/// [`current_task`](crate::current_task) meanwhile, and turns a panic into a
/// [`JoinError`]. The body returns every other outcome as a value.
pub(crate) fn run_task<T, E, F>(shared: &Arc<Shared<T, E>>, body: F)
where
    T: 'static,
    E: 'static,
    F: FnOnce() -> Result<T, JoinError<E>>,
{
    if !shared.start() {
        return;
    }
    let outcome = {
        let _current = context::enter(shared);
        catch_unwind(AssertUnwindSafe(body))
    };
    shared.complete(match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.or_task(shared.id)),
        Err(payload) => Err(JoinError::panicked(Some(shared.id), payload)),
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
    inner: Inner<T, E>,
}

/// Where a task's outcome waits.
enum Inner<T, E> {
    /// In strand's own slot: every target but `coroutine`.
    Shared(Arc<Shared<T, E>>),
    /// In the tokio task itself: a `coroutine` task. One allocation per
    /// task, as for `tokio::spawn`.
    #[cfg(feature = "tokio")]
    Tokio(crate::coroutine::TokioTask<T, E>),
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

    #[cfg(feature = "tokio")]
    pub(crate) fn from_tokio(task: crate::coroutine::TokioTask<T, E>) -> Self {
        TaskHandle {
            inner: Inner::Tokio(task),
        }
    }

    /// The outcome if it is there, without blocking.
    fn take(&mut self) -> Option<Result<T, JoinError<E>>> {
        match &mut self.inner {
            // SAFETY: `self` is the handle, borrowed exclusively.
            Inner::Shared(shared) => unsafe { shared.take() },
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.take(),
        }
    }

    /// Blocks until the outcome is there, or until `deadline`.
    fn wait(&mut self, deadline: Option<Instant>) -> Option<Result<T, JoinError<E>>> {
        match &mut self.inner {
            // SAFETY: `self` is the handle, borrowed exclusively.
            Inner::Shared(shared) => unsafe { shared.wait(deadline) },
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
            Inner::Shared(shared) => shared.id,
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
            Inner::Shared(shared) => shared.name.as_deref(),
            #[cfg(feature = "tokio")]
            Inner::Tokio(task) => task.name(),
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
            Inner::Shared(shared) => shared.is_finished(),
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
            Inner::Shared(shared) => match unsafe { shared.take_or_register(cx.waker()) } {
                Some(outcome) => Poll::Ready(outcome),
                None => Poll::Pending,
            },
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
