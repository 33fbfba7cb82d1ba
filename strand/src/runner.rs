//! Runners: reusable launchers of a function on a target, the non-macro side
//! of `#[as_task]`.
//!
//! A runner wraps a function of any arity; [`call`](Taskrunner::call) takes
//! its arguments as a tuple, runs it on the runner's target and returns a
//! [`TaskHandle`]. Builder methods add behaviour around the function, each
//! wrapping what came before, so call them in this order:
//! [`fallible`](Taskrunner::fallible), [`on_iter`](Taskrunner::on_iter),
//! [`on_end`](Taskrunner::on_end), [`on_error`](Taskrunner::on_error).
//! `#[as_task]` expands to exactly these calls.
//!
//! Callbacks run in the task's context (on its thread), as soon as there is
//! something to report. None runs for a task that was cancelled.
//!
//! # Partial application
//!
//! Python strand's runners take leading arguments at construction
//! (`init_args`). In Rust a closure does this:
//!
//! ```
//! use strand::ThreadTaskrunner;
//!
//! fn scale(factor: u64, x: u64) -> u64 { factor * x }
//!
//! let triple = ThreadTaskrunner::new(|x: u64| scale(3, x));
//! assert_eq!(triple.call((14,)).join().unwrap(), 42);
//! ```

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread;

// Defined apart, so that the `coroutine` runner shares it without
// depending on this file.
pub use crate::callable::Callable;

use crate::check::Fallible;
use crate::context;
use crate::error::{JoinError, TrySubmitError};
use crate::pool::{Pool, PoolJob};
use crate::task::harness::run_task;
use crate::task::join::TaskHandle;
use crate::task::slot::Shared;

/// The `thread` target: a new thread per call.
#[derive(Debug, Clone, Default)]
pub struct ThreadTarget {
    stack_size: Option<usize>,
}

/// The `pool` target: a [`Pool`], the [global](Pool::global) one by default.
#[derive(Debug, Clone, Default)]
pub struct PoolTarget {
    pool: Option<Pool>,
}

/// The `sync` target: the body runs right away in the caller, and the handle
/// is already finished when the call returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncTarget;

/// A runner's function with the steps its builder added. It returns the
/// task's outcome as a value: a returned error, or what went wrong around
/// the call (a `process` task's child crashed, say), is an `Err`; only a
/// user's panic ever unwinds, and `run_task` catches it.
pub(crate) type Body<Args, T, E> = Arc<dyn Fn(Args) -> Result<T, JoinError<E>> + Send + Sync>;

/// A reusable launcher of one function on one target.
///
/// Use it through the aliases [`ThreadTaskrunner`], [`PoolTaskrunner`] and
/// [`SyncTaskrunner`]. `Args` is the tuple of the function's arguments, `T`
/// the task's value and `E` its error type. Cloning a runner is cheap.
///
/// # Examples
///
/// Python strand's first example, `ThreadTaskrunner(long_blocking_function,
/// on_iter=handle_chunk)`:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use strand::ThreadTaskrunner;
///
/// fn long_blocking_function(total: u64, chunk: u64) -> impl Iterator<Item = std::ops::Range<u64>> {
///     let total = total.max(chunk);
///     (0..total / chunk).map(move |n| chunk * n..chunk * (n + 1))
/// }
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let runner = ThreadTaskrunner::new(long_blocking_function)
///     .on_iter(move |chunk: std::ops::Range<u64>| sink.lock().unwrap().push(chunk));
///
/// let delivered = runner.call((10, 3)).join().unwrap();
/// assert_eq!(delivered, 3);
/// assert_eq!(*seen.lock().unwrap(), vec![0..3, 3..6, 6..9]);
/// ```
pub struct Taskrunner<K, Args, T, E = Infallible> {
    pub(crate) target: K,
    pub(crate) body: Body<Args, T, E>,
    pub(crate) name: Option<Cow<'static, str>>,
}

/// Runs each call on a new thread. See [`Taskrunner`].
pub type ThreadTaskrunner<Args, T, E = Infallible> = Taskrunner<ThreadTarget, Args, T, E>;
/// Runs each call on a [`Pool`]. See [`Taskrunner`].
pub type PoolTaskrunner<Args, T, E = Infallible> = Taskrunner<PoolTarget, Args, T, E>;
/// Runs each call at once in the caller. See [`Taskrunner`].
pub type SyncTaskrunner<Args, T, E = Infallible> = Taskrunner<SyncTarget, Args, T, E>;

impl<K: Clone, Args, T, E> Clone for Taskrunner<K, Args, T, E> {
    fn clone(&self) -> Self {
        Taskrunner {
            target: self.target.clone(),
            body: self.body.clone(),
            name: self.name.clone(),
        }
    }
}

impl<K: fmt::Debug, Args, T, E> fmt::Debug for Taskrunner<K, Args, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Taskrunner")
            .field("target", &self.target)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<K: Default, Args, R> Taskrunner<K, Args, R, Infallible>
where
    Args: 'static,
    R: 'static,
{
    /// A runner of `f`, a function or closure of any arity up to 12 (closure
    /// arguments need type annotations).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::PoolTaskrunner::new(|a: u32, b: u32| a.max(b));
    /// assert_eq!(runner.call((3, 8)).join().unwrap(), 8);
    /// ```
    pub fn new<F>(f: F) -> Self
    where
        F: Callable<Args, Output = R> + Send + Sync + 'static,
    {
        Taskrunner {
            target: K::default(),
            body: Arc::new(move |args| Ok(f.call_with(args))),
            name: None,
        }
    }
}

impl<K, Args, T> Taskrunner<K, Args, T, Infallible>
where
    Args: 'static,
    T: Fallible + 'static,
{
    /// Treats the function's `Result` as the task's outcome: `Ok(v)` makes
    /// `v` the value, `Err(e)` fails the task with `e` (see
    /// [`JoinError::failure`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::SyncTaskrunner::new(|s: String| s.parse::<u8>()).fallible();
    /// assert_eq!(runner.call(("7".into(),)).join().unwrap(), 7);
    /// assert!(runner.call(("x".into(),)).join().unwrap_err().is_failed());
    /// ```
    pub fn fallible(self) -> Taskrunner<K, Args, T::Ok, T::Err> {
        let body = self.body;
        Taskrunner {
            target: self.target,
            body: Arc::new(move |args| {
                body(args)
                    .map_err(JoinError::never_failed)?
                    .into_result()
                    .map_err(|error| JoinError::failed(None, error))
            }),
            name: self.name,
        }
    }
}

impl<K, Args, T, E> Taskrunner<K, Args, T, E>
where
    Args: 'static,
    T: 'static,
    E: 'static,
{
    /// Delivers every item of the iterable the function returns to `g`, in
    /// order, as the items are produced, in the task's context. The task's
    /// value becomes the number of items delivered. Delivery stops early if
    /// the task is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::ThreadTaskrunner::new(|n: u32| 0..n)
    ///     .on_iter(|i: u32| println!("item {i}"));
    /// assert_eq!(runner.call((4,)).join().unwrap(), 4);
    /// ```
    pub fn on_iter<G>(self, g: G) -> Taskrunner<K, Args, usize, E>
    where
        T: IntoIterator,
        G: Fn(T::Item) + Send + Sync + 'static,
    {
        let body = self.body;
        Taskrunner {
            target: self.target,
            body: Arc::new(move |args| {
                body(args).map(|items| {
                    let mut delivered = 0;
                    for item in items {
                        if context::is_cancelled() {
                            break;
                        }
                        g(item);
                        delivered += 1;
                    }
                    delivered
                })
            }),
            name: self.name,
        }
    }

    /// Calls `g` with a reference to the task's value when the function
    /// succeeds; joining still returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::ThreadTaskrunner::new(|| 21 * 2)
    ///     .on_end(|v: &i32| println!("finished with {v}"));
    /// assert_eq!(runner.call(()).join().unwrap(), 42);
    /// ```
    pub fn on_end<G>(self, g: G) -> Self
    where
        G: Fn(&T) + Send + Sync + 'static,
    {
        let body = self.body;
        Taskrunner {
            target: self.target,
            body: Arc::new(move |args| {
                let outcome = body(args);
                if let Ok(value) = &outcome {
                    if !context::is_cancelled() {
                        g(value);
                    }
                }
                outcome
            }),
            name: self.name,
        }
    }

    /// Calls `g` with the error when the task fails: the function returns
    /// `Err` (after [`fallible`](Self::fallible)) or panics, or (on the
    /// `process` target) its child process fails. Joining still returns
    /// that error.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::JoinError;
    ///
    /// let runner = strand::ThreadTaskrunner::new(|| -> u32 { panic!("bad input") })
    ///     .on_error(|e: &JoinError| eprintln!("task failed: {e}"));
    /// let err = runner.call(()).join().unwrap_err();
    /// assert_eq!(err.panic_message(), Some("bad input"));
    /// ```
    pub fn on_error<G>(self, g: G) -> Self
    where
        G: Fn(&JoinError<E>) + Send + Sync + 'static,
    {
        let body = self.body;
        Taskrunner {
            target: self.target,
            body: Arc::new(move |args| {
                // The only unwinding is a user's panic: caught here to be
                // reported, then returned as a value like any other error.
                let err = match catch_unwind(AssertUnwindSafe(|| body(args))) {
                    Ok(Ok(value)) => return Ok(value),
                    Ok(Err(err)) => err,
                    Err(payload) => JoinError::panicked(None, payload),
                };
                let err = match context::current_task().id() {
                    Some(id) => err.or_task(id),
                    None => err,
                };
                if !context::is_cancelled() {
                    g(&err);
                }
                Err(err)
            }),
            name: self.name,
        }
    }
}

/// Starts `body(args)` as a new task on a new thread named `name`, with
/// `stack_size` when given (the `thread` target, and the parent side of the
/// `process` target); a refused thread fails the handle.
pub(crate) fn spawn_thread<Args, T, E>(
    name: Option<&Cow<'static, str>>,
    stack_size: Option<usize>,
    body: Body<Args, T, E>,
    args: Args,
) -> TaskHandle<T, E>
where
    Args: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let shared = Shared::new(name.cloned());
    let mut builder = thread::Builder::new();
    if let Some(name) = name {
        builder = builder.name(name.to_string());
    }
    if let Some(bytes) = stack_size {
        builder = builder.stack_size(bytes);
    }
    let task = shared.clone();
    if let Err(err) = builder.spawn(move || run_task(&task, move || body(args))) {
        shared.complete(Err(JoinError::spawn(Some(shared.id_of()), err)));
    }
    TaskHandle::from_shared(shared)
}

impl<K, Args, T, E> Taskrunner<K, Args, T, E> {
    /// Names the tasks this runner starts (see [`TaskHandle::name`]); thread
    /// targets also name their threads with it.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::ThreadTaskrunner::new(|| std::thread::current().name().map(String::from))
    ///     .name("indexer");
    /// assert_eq!(runner.call(()).join().unwrap().as_deref(), Some("indexer"));
    /// ```
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The name given with [`name`](Self::name).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::SyncTaskrunner::new(|| ()).name("n");
    /// assert_eq!(runner.task_name(), Some("n"));
    /// ```
    pub fn task_name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl<Args, T, E> Taskrunner<ThreadTarget, Args, T, E>
where
    Args: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Stack size of the threads this runner starts, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::ThreadTaskrunner::new(|| 1).stack_size(1 << 20);
    /// assert_eq!(runner.call(()).join().unwrap(), 1);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.target.stack_size = Some(bytes);
        self
    }

    /// Starts the function on a new thread with `args` and returns at once.
    ///
    /// If the operating system refuses the thread, the handle reports it
    /// ([`JoinError::is_spawn_error`]) instead of panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::ThreadTaskrunner::new(|a: String, b: String| a + &b);
    /// let handle = runner.call(("ab".into(), "cd".into()));
    /// assert_eq!(handle.join().unwrap(), "abcd");
    /// ```
    pub fn call(&self, args: Args) -> TaskHandle<T, E> {
        spawn_thread(
            self.name.as_ref(),
            self.target.stack_size,
            self.body.clone(),
            args,
        )
    }
}

/// A task queued on a pool: the runner's body, its arguments and its state.
struct PoolTask<Args, T, E> {
    body: Body<Args, T, E>,
    args: Args,
    shared: Arc<Shared<T, E>>,
}

impl<Args, T, E> PoolJob for PoolTask<Args, T, E>
where
    Args: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    fn run(self: Box<Self>) {
        let PoolTask { body, args, shared } = *self;
        run_task(&shared, move || body(args));
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

impl<Args, T, E> Taskrunner<PoolTarget, Args, T, E>
where
    Args: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Runs this runner's tasks on `pool` instead of [`Pool::global`].
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = strand::Pool::new(2);
    /// let runner = strand::PoolTaskrunner::new(|x: u8| x + 1).pool(&pool);
    /// assert_eq!(runner.call((1,)).join().unwrap(), 2);
    /// ```
    pub fn pool(mut self, pool: &Pool) -> Self {
        self.target.pool = Some(pool.clone());
        self
    }

    fn target_pool(&self) -> &Pool {
        self.target.pool.as_ref().unwrap_or_else(|| Pool::global())
    }

    fn task(&self, args: Args) -> Box<PoolTask<Args, T, E>> {
        Box::new(PoolTask {
            body: self.body.clone(),
            args,
            shared: Shared::new(self.name.clone()),
        })
    }

    /// Queues the function with `args` on the pool and returns its handle.
    /// When the pool's queue is full this call *waits* for room
    /// (backpressure); from one of the pool's own workers it runs the task
    /// inline (see [`Pool`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::PoolTaskrunner::new(|x: u64| x * x);
    /// let handles: Vec<_> = (0..4).map(|x| runner.call((x,))).collect();
    /// let squares: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    pub fn call(&self, args: Args) -> TaskHandle<T, E> {
        let task = self.task(args);
        let handle = TaskHandle::from_shared(task.shared.clone());
        self.target_pool().submit(task);
        handle
    }

    /// Like [`call`](Self::call), but never waits: when the pool's queue is
    /// full, the arguments are handed back.
    ///
    /// # Errors
    ///
    /// [`TrySubmitError`] holding `args` when the queue is full.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::PoolTaskrunner::new(|x: u64| x + 1);
    /// match runner.try_call((1,)) {
    ///     Ok(handle) => assert_eq!(handle.join().unwrap(), 2),
    ///     Err(full) => println!("queue full, kept {:?}", full.into_inner()),
    /// }
    /// ```
    pub fn try_call(&self, args: Args) -> Result<TaskHandle<T, E>, TrySubmitError<Args>> {
        let task = self.task(args);
        let handle = TaskHandle::from_shared(task.shared.clone());
        match self.target_pool().try_submit(task) {
            Ok(()) => Ok(handle),
            Err(job) => {
                let task = job
                    .into_any()
                    .downcast::<PoolTask<Args, T, E>>()
                    .expect("the pool hands back the job it was given");
                Err(TrySubmitError(task.args))
            }
        }
    }
}

impl<Args, T, E> Taskrunner<SyncTarget, Args, T, E>
where
    T: 'static,
    E: 'static,
{
    /// Runs the function right away in the caller and returns a finished
    /// handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = strand::SyncTaskrunner::new(|x: i32| -x).call((5,));
    /// assert!(handle.is_finished());
    /// assert_eq!(handle.join().unwrap(), -5);
    /// ```
    pub fn call(&self, args: Args) -> TaskHandle<T, E> {
        let shared = Shared::new(self.name.clone());
        run_task(&shared, || (self.body)(args));
        TaskHandle::from_shared(shared)
    }
}
