//! [`JoinError`], why a task produced no value, and [`TrySubmitError`], a
//! submit that found the pool's queue full. The errors that hand a
//! [`TaskHandle`](crate::TaskHandle) back live next to it, in `task::join`.

use std::any::Any;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Mutex;

use crate::task::id::TaskId;

/// Why a task produced no value.
///
/// A `JoinError` says what happened to the task: its function returned an
/// error (`is_failed`), it panicked (`is_panic`), it was cancelled
/// (`is_cancelled`), or its thread could not be started (`is_spawn_error`).
/// The error type `E` is the `Err` type of a fallible task function, and
/// [`Infallible`](core::convert::Infallible) for the rest.
///
/// # Examples
///
/// ```
/// use strand::ThreadTaskrunner;
///
/// let runner = ThreadTaskrunner::new(|n: u32| -> Result<u32, String> {
///     if n == 0 { Err("zero".to_string()) } else { Ok(n) }
/// })
/// .fallible();
///
/// let err = runner.call((0,)).join().unwrap_err();
/// assert!(err.is_failed());
/// assert_eq!(err.failure(), Some(&"zero".to_string()));
/// assert_eq!(err.to_string(), "task failed: zero");
/// ```
pub struct JoinError<E = core::convert::Infallible> {
    // Boxed, as `std::io::Error` keeps its custom errors: errors are the
    // rare path, and a thin error keeps `Result<T, JoinError<E>>` (what
    // every task's outcome is, in its slot or in its tokio task) small.
    inner: Box<Inner<E>>,
}

struct Inner<E> {
    id: Option<TaskId>,
    repr: Repr<E>,
}

enum Repr<E> {
    Failed(E),
    // The payload is behind a mutex so that `JoinError` is `Sync` whenever `E` is,
    // although a panic payload is only `Send`.
    Panicked {
        message: String,
        payload: Mutex<Box<dyn Any + Send + 'static>>,
    },
    Cancelled,
    Spawn(std::io::Error),
    /// The task ran elsewhere (a worker of a store queue) and ended without
    /// a value for a reason of its own: the worker's message.
    Elsewhere(String),
    /// The child process of a `process` task failed (see
    /// [`ProcessError`](crate::process::ProcessError)).
    #[cfg(all(unix, feature = "process"))]
    Process(crate::process::error::ProcessError),
}

impl<E> JoinError<E> {
    fn new(id: Option<TaskId>, repr: Repr<E>) -> Self {
        JoinError {
            inner: Box::new(Inner { id, repr }),
        }
    }

    pub(crate) fn failed(id: Option<TaskId>, error: E) -> Self {
        JoinError::new(id, Repr::Failed(error))
    }

    pub(crate) fn panicked(id: Option<TaskId>, payload: Box<dyn Any + Send + 'static>) -> Self {
        JoinError::new(
            id,
            Repr::Panicked {
                message: panic_message(&*payload),
                payload: Mutex::new(payload),
            },
        )
    }

    /// A panic that happened elsewhere (in a child process, in a worker)
    /// and came back as its message, which is also the payload, as
    /// `panic!("{msg}")`'s is.
    pub(crate) fn panicked_with_message(id: Option<TaskId>, message: String) -> Self {
        JoinError::new(
            id,
            Repr::Panicked {
                payload: Mutex::new(Box::new(message.clone())),
                message,
            },
        )
    }

    /// The failure of a `process` task's child.
    #[cfg(all(unix, feature = "process"))]
    pub(crate) fn process(id: Option<TaskId>, error: crate::process::error::ProcessError) -> Self {
        JoinError::new(id, Repr::Process(error))
    }

    /// The error of a step that cannot fail on its own, as an error of a
    /// task whose function fails with `E`.
    pub(crate) fn never_failed(error: JoinError<core::convert::Infallible>) -> Self {
        error.map_failure(|never| match never {})
    }

    /// Tags the error with the task it belongs to, unless it already names one.
    pub(crate) fn or_task(mut self, id: TaskId) -> Self {
        self.inner.id.get_or_insert(id);
        self
    }

    pub(crate) fn cancelled(id: Option<TaskId>) -> Self {
        JoinError::new(id, Repr::Cancelled)
    }

    /// A task that ran elsewhere and ended without a value for a reason
    /// of its own (see [`crate::remote::Outcome::Error`]).
    pub(crate) fn failed_elsewhere(id: Option<TaskId>, message: String) -> Self {
        JoinError::new(id, Repr::Elsewhere(message))
    }

    pub(crate) fn spawn(id: Option<TaskId>, error: std::io::Error) -> Self {
        JoinError::new(id, Repr::Spawn(error))
    }

    /// The id of the task this error belongs to, when it is known.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| -> u32 { panic!("boom") }).call(());
    /// let id = handle.id();
    /// assert_eq!(handle.join().unwrap_err().id(), Some(id));
    /// ```
    pub fn id(&self) -> Option<TaskId> {
        self.inner.id
    }

    /// Whether the task's function returned an error.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| -> Result<(), &'static str> { Err("no") })
    ///     .fallible()
    ///     .call(());
    /// assert!(handle.join().unwrap_err().is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        matches!(self.inner.repr, Repr::Failed(_))
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| -> u32 { panic!("boom") }).call(());
    /// assert!(handle.join().unwrap_err().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.inner.repr, Repr::Panicked { .. })
    }

    /// Whether the task was cancelled through
    /// [`TaskHandle::cancel`](crate::TaskHandle::cancel).
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
    /// handle.cancel();
    /// assert!(handle.join().unwrap_err().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.repr, Repr::Cancelled)
    }

    /// Whether the task never started because its thread could not be spawned
    /// (the operating system refused a new thread).
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| 1).call(());
    /// assert!(handle.join().is_ok());
    /// ```
    pub fn is_spawn_error(&self) -> bool {
        matches!(self.inner.repr, Repr::Spawn(_))
    }

    /// What went wrong where a task that ran elsewhere (a worker of a store
    /// queue: `#[as_task(store)]`) ran, when it ended without a value for a
    /// reason that is neither its function's error, nor a panic, nor a
    /// cancel: its worker was lost, its function is unknown there, its
    /// arguments or value did not decode. The message says which.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::remote::{Outcome, Remote};
    ///
    /// let (handle, completer) = Remote::new().start::<u32, String>();
    /// completer.complete(Outcome::Error("worker lost after 3 attempts".into()));
    /// let err = handle.join().unwrap_err();
    /// assert_eq!(err.elsewhere(), Some("worker lost after 3 attempts"));
    /// assert_eq!(err.to_string(), "task failed where it ran: worker lost after 3 attempts");
    /// ```
    pub fn elsewhere(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Elsewhere(m) => Some(m),
            _ => None,
        }
    }

    /// Whether the child process of a `process` task failed: it could not be
    /// started, died before it replied, sent garbage, or could not run the
    /// function (see [`process_error`](Self::process_error)).
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| 1).call(());
    /// assert!(handle.join().is_ok());
    /// ```
    #[cfg(all(unix, feature = "process"))]
    pub fn is_process_error(&self) -> bool {
        matches!(self.inner.repr, Repr::Process(_))
    }

    /// What went wrong with the child process of a `process` task, if that
    /// is what happened.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = strand::SyncTaskrunner::new(|| -> u32 { panic!("no") }).call(()).join().unwrap_err();
    /// assert!(err.process_error().is_none());
    /// ```
    #[cfg(all(unix, feature = "process"))]
    pub fn process_error(&self) -> Option<&crate::process::error::ProcessError> {
        match &self.inner.repr {
            Repr::Process(e) => Some(e),
            _ => None,
        }
    }

    /// The error the task's function returned, if that is what happened.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| -> Result<(), u8> { Err(7) })
    ///     .fallible()
    ///     .call(());
    /// assert_eq!(handle.join().unwrap_err().failure(), Some(&7));
    /// ```
    pub fn failure(&self) -> Option<&E> {
        match &self.inner.repr {
            Repr::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Takes the error the task's function returned, or gives `self` back.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| -> Result<(), u8> { Err(7) })
    ///     .fallible()
    ///     .call(());
    /// assert_eq!(handle.join().unwrap_err().into_failure().ok(), Some(7));
    /// ```
    pub fn into_failure(self) -> Result<E, Self> {
        let Inner { id, repr } = *self.inner;
        match repr {
            Repr::Failed(e) => Ok(e),
            repr => Err(JoinError::new(id, repr)),
        }
    }

    /// The panic message, if the task panicked with a `&str` or `String`
    /// payload (as `panic!` does); `"Box<dyn Any>"` for other payloads.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| -> u32 { panic!("boom {}", 1) }).call(());
    /// assert_eq!(handle.join().unwrap_err().panic_message(), Some("boom 1"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Panicked { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Consumes the error, returning the panic payload.
    ///
    /// # Panics
    ///
    /// Panics if the task did not panic. Use [`try_into_panic`](Self::try_into_panic)
    /// to check first.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| -> u32 { std::panic::panic_any(42_i32) }).call(());
    /// let payload = handle.join().unwrap_err().into_panic();
    /// assert_eq!(payload.downcast_ref::<i32>(), Some(&42));
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(err) => panic!(
                "`JoinError::into_panic` called on an error that is not a panic ({})",
                err.kind_name()
            ),
        }
    }

    /// Consumes the error, returning the panic payload if the task panicked,
    /// or `self` otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::ThreadTaskrunner::new(|| -> u32 { panic!("boom") }).call(());
    /// let payload = handle.join().unwrap_err().try_into_panic().ok().unwrap();
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, Self> {
        let Inner { id, repr } = *self.inner;
        match repr {
            Repr::Panicked { payload, .. } => {
                Ok(payload.into_inner().unwrap_or_else(|p| p.into_inner()))
            }
            repr => Err(JoinError::new(id, repr)),
        }
    }

    fn kind_name(&self) -> &'static str {
        match self.inner.repr {
            Repr::Failed(_) => "the task failed",
            Repr::Panicked { .. } => "the task panicked",
            Repr::Cancelled => "the task was cancelled",
            Repr::Spawn(_) => "the task could not be started",
            Repr::Elsewhere(_) => "the task failed where it ran",
            #[cfg(all(unix, feature = "process"))]
            Repr::Process(_) => "the task's process failed",
        }
    }

    /// Maps the error of a failed task, keeping every other kind as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|| -> Result<(), u8> { Err(7) })
    ///     .fallible()
    ///     .call(());
    /// let err = handle.join().unwrap_err().map_failure(|e| e.to_string());
    /// assert_eq!(err.failure().map(String::as_str), Some("7"));
    /// ```
    pub fn map_failure<F, E2>(self, f: F) -> JoinError<E2>
    where
        F: FnOnce(E) -> E2,
    {
        let Inner { id, repr } = *self.inner;
        let repr = match repr {
            Repr::Failed(e) => Repr::Failed(f(e)),
            Repr::Panicked { message, payload } => Repr::Panicked { message, payload },
            Repr::Cancelled => Repr::Cancelled,
            Repr::Spawn(e) => Repr::Spawn(e),
            Repr::Elsewhere(m) => Repr::Elsewhere(m),
            #[cfg(all(unix, feature = "process"))]
            Repr::Process(e) => Repr::Process(e),
        };
        JoinError::new(id, repr)
    }
}

/// Extracts the text of a panic payload (`&str` or `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

impl<E: fmt::Display> fmt::Display for JoinError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.repr {
            Repr::Failed(e) => write!(f, "task failed: {e}"),
            Repr::Panicked { message, .. } => write!(f, "task panicked: {message}"),
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Spawn(e) => write!(f, "task could not be started: {e}"),
            Repr::Elsewhere(m) => write!(f, "task failed where it ran: {m}"),
            #[cfg(all(unix, feature = "process"))]
            Repr::Process(e) => write!(f, "task's process failed: {e}"),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for JoinError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("JoinError");
        d.field("id", &self.inner.id);
        match &self.inner.repr {
            Repr::Failed(e) => d.field("failed", e),
            Repr::Panicked { message, .. } => d.field("panicked", message),
            Repr::Cancelled => d.field("cancelled", &true),
            Repr::Spawn(e) => d.field("spawn", e),
            Repr::Elsewhere(m) => d.field("elsewhere", m),
            #[cfg(all(unix, feature = "process"))]
            Repr::Process(e) => d.field("process", e),
        };
        d.finish()
    }
}

// `Display` already says what went wrong, the cause's message included
// (`task failed: {e}`), so `source()` returns nothing: an error reporter that
// walks the chain prints each message once, as std's guidance asks. The
// cause itself stays reachable, typed: `failure()`, `process_error()`.
impl<E> StdError for JoinError<E> where E: fmt::Debug + fmt::Display {}

/// The error of a non-blocking submit such as
/// [`PoolTaskrunner::try_call`](crate::PoolTaskrunner::try_call): the pool's
/// queue is full. The arguments are handed back untouched.
///
/// # Examples
///
/// ```
/// use strand::{Pool, PoolTaskrunner};
///
/// let pool = Pool::builder().size(1).queue_capacity(1).build();
/// let (tx, rx) = crossbeam_channel::bounded::<()>(0);
/// let (started_tx, started) = crossbeam_channel::bounded::<()>(1);
/// let runner = PoolTaskrunner::new(move |wait: bool| {
///     if wait { started_tx.send(()).unwrap(); rx.recv().unwrap(); }
/// }).pool(&pool);
/// let busy = runner.call((true,));   // occupies the only worker
/// started.recv().unwrap();
/// let queued = runner.call((false,)); // fills the queue
/// let err = runner.try_call((false,)).unwrap_err();
/// assert_eq!(err.into_inner(), (false,));
/// tx.send(()).unwrap();
/// busy.join().unwrap();
/// queued.join().unwrap();
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct TrySubmitError<A>(pub A);

impl<A> TrySubmitError<A> {
    /// Gives back the arguments that were not submitted.
    pub fn into_inner(self) -> A {
        self.0
    }
}

impl<A> fmt::Debug for TrySubmitError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrySubmitError { .. }")
    }
}

impl<A> fmt::Display for TrySubmitError<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pool queue is full")
    }
}

impl<A> StdError for TrySubmitError<A> {}
