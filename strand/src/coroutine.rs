//! The `coroutine` target: tasks that are futures, run on tokio.
//!
//! A [`CoroutineTaskrunner`] call spawns the task on the tokio runtime the
//! caller runs in, or, outside any runtime, on a small multi-threaded
//! runtime that strand starts on first use. So the task starts at once,
//! whether or not anything polls its handle. The handle is the same
//! [`TaskHandle`] as for every target: async code `.await`s it, blocking
//! code [`join`](TaskHandle::join)s it.
//!
//! - An `async fn` body runs on the runtime's workers, and
//!   [`TaskHandle::cancel`] stops it at its next `.await` (the future is
//!   dropped); the body can also check
//!   [`current_task().is_cancelled()`](crate::current_task) between steps.
//! - A plain `fn` body ([`CoroutineTaskrunner::blocking`]) runs where
//!   blocking is allowed (tokio's blocking pool), never on a worker.
//! - `on_iter` delivers the items one by one and, unless turned off with
//!   [`yield_on_iter(false)`](CoroutineTaskrunner::yield_on_iter), yields to
//!   the scheduler between items, as Python strand's `yield_on_iter` does.
//! - A function that returns an async [`Stream`] (`impl Stream<Item = T>`,
//!   `Pin<Box<dyn Stream<Item = T> + Send>>`, ...) has its items delivered
//!   as they arrive, while the stream is still producing
//!   ([`CoroutineTaskrunner::on_stream`]; `#[as_task(coroutine, on_iter = f)]`
//!   picks it when the written return type names `Stream`). Cancellation
//!   is checked between items, and `yield_on_iter` applies too.
//!
//! Blocking on a coroutine task from inside a runtime would stall the
//! workers it may need: [`join`](TaskHandle::join) (and the other blocking
//! waits) on a coroutine task inside a multi-threaded runtime moves the
//! worker's other tasks away first (`block_in_place`), and inside a
//! current-thread runtime it panics with a message saying to `.await` the
//! handle instead, never a deadlock.
//!
//! # Examples
//!
//! ```
//! use strand::as_task;
//!
//! #[as_task(coroutine)]
//! async fn fetch_len(url: String) -> usize {
//!     tokio::task::yield_now().await; // stands in for real I/O
//!     url.len()
//! }
//!
//! // Outside a runtime: runs on strand's own, and `join` blocks for it.
//! assert_eq!(fetch_len("https://example.org".into()).join().unwrap(), 19);
//!
//! // Inside one: spawned there, and awaited.
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let n = rt.block_on(async { fetch_len("abc".into()).await.unwrap() });
//! assert_eq!(n, 3);
//! ```

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};

use tokio::runtime::{Handle, Runtime};
use tokio::task::AbortHandle;

/// The trait of the async streams that [`CoroutineTaskrunner::on_stream`]
/// (and `on_iter` on a `coroutine` task returning a stream) delivers item
/// by item: `futures_core::Stream`, re-exported.
pub use futures_core::Stream;

use crate::check::Fallible;
use crate::context;
use crate::error::JoinError;
use crate::handle::{Shared, TaskHandle};
use crate::runner::Callable;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a call of a runner runs: the task's future, made from the call's
/// arguments.
trait MakeFuture<Args, T, E>: Send + Sync {
    /// The future, boxed, for a builder step to wrap.
    fn future(&self, args: Args) -> BoxFuture<Result<T, E>>;
    /// Spawns the future, unboxed, as a task that stores its outcome in
    /// `shared`; on the current runtime, or on strand's own outside one.
    fn spawn(&self, args: Args, shared: Arc<Shared<T, E>>) -> AbortHandle;
}

/// A [`MakeFuture`] from a closure.
struct FnBody<F>(F);

impl<Args, T, E, F, Fut> MakeFuture<Args, T, E> for FnBody<F>
where
    F: Fn(Args) -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    fn future(&self, args: Args) -> BoxFuture<Result<T, E>> {
        Box::pin((self.0)(args))
    }

    fn spawn(&self, args: Args, shared: Arc<Shared<T, E>>) -> AbortHandle {
        let task = TaskFuture {
            shared,
            started: false,
            body: (self.0)(args),
        };
        // `Handle::spawn` is what `tokio::spawn` does inside a runtime.
        let task = match Handle::try_current() {
            Ok(runtime) => runtime.spawn(task),
            Err(_) => RUNTIME.spawn(task),
        };
        task.abort_handle()
    }
}

/// A runner's body. `#[as_task]` builds a runner per call, so a body
/// without state (a function item, or a closure that captures only one) is
/// kept without an allocation.
enum Body<Args, T, E> {
    /// Leaked, zero-sized, never freed: valid for the rest of the program.
    /// (A raw pointer because `&'static dyn` would need `'static` type
    /// parameters on the runner.)
    Static(*const dyn MakeFuture<Args, T, E>),
    Shared(Arc<dyn MakeFuture<Args, T, E>>),
}

// SAFETY: both variants point at a `MakeFuture`, which is `Send + Sync`;
// the `Static` one is never freed, so sharing or sending it is as safe as
// sharing or sending the `Arc` of the other variant.
unsafe impl<Args, T, E> Send for Body<Args, T, E> {}
// SAFETY: as above.
unsafe impl<Args, T, E> Sync for Body<Args, T, E> {}

impl<Args, T, E> Body<Args, T, E> {
    fn new<F, Fut>(f: F) -> Self
    where
        Args: 'static,
        F: Fn(Args) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        if size_of::<F>() == 0 && !std::mem::needs_drop::<F>() {
            // A zero-sized box allocates nothing, and leaking it loses no
            // resource (it has no `Drop`).
            Body::Static(Box::into_raw(Box::new(FnBody(f))))
        } else {
            Body::Shared(Arc::new(FnBody(f)))
        }
    }
}

impl<Args, T, E> Clone for Body<Args, T, E> {
    fn clone(&self) -> Self {
        match self {
            Body::Static(body) => Body::Static(*body),
            Body::Shared(body) => Body::Shared(body.clone()),
        }
    }
}

impl<Args, T, E> std::ops::Deref for Body<Args, T, E> {
    type Target = dyn MakeFuture<Args, T, E>;

    fn deref(&self) -> &Self::Target {
        match self {
            // SAFETY: a `Static` body is leaked, so always valid.
            Body::Static(body) => unsafe { &**body },
            Body::Shared(body) => &**body,
        }
    }
}

/// strand's own runtime, for tasks started outside any runtime.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("strand-coroutine")
        .enable_time()
        .build()
        .expect("cannot start strand's coroutine runtime")
});

/// The runtime a coroutine task started here would run on: the caller's,
/// or strand's own.
///
/// # Examples
///
/// ```
/// let handle = strand::coroutine::runtime();
/// assert_eq!(handle.block_on(async { 2 + 2 }), 4);
/// ```
pub fn runtime() -> Handle {
    Handle::try_current().unwrap_or_else(|_| RUNTIME.handle().clone())
}

/// Runs `future` to completion on strand's runtime, blocking the caller
/// (Python's `asyncio.run`). For code outside any runtime, such as a
/// backend thread running an `async fn` computation.
///
/// # Panics
///
/// When called from inside a tokio runtime (tokio forbids blocking there).
///
/// # Examples
///
/// ```
/// assert_eq!(strand::coroutine::block_on(async { 6 * 7 }), 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.handle().block_on(future)
}

/// Whether a blocking wait on a coroutine task may proceed here, moving
/// this worker's other tasks away first when it is a runtime worker.
pub(crate) fn blocking_wait<R>(wait: impl FnOnce() -> R) -> R {
    match Handle::try_current() {
        Err(_) => wait(),
        Ok(handle) => match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::CurrentThread => panic!(
                "cannot block on a coroutine task inside a current-thread tokio runtime: the task may need this very thread; `.await` the handle instead of calling `join`"
            ),
            _ => tokio::task::block_in_place(wait),
        },
    }
}

/// The running coroutine task's state, handed to the blocking pool so that
/// a blocking body sees its task as current.
struct SendCore(Arc<dyn crate::handle::TaskCore>);

// SAFETY: a `SendCore` is only made inside the body of a
// `CoroutineTaskrunner` task, whose state is a `Shared<T, E>` with
// `T: Send + 'static` and `E: Send + 'static` (the bounds of every
// `CoroutineTaskrunner` method that builds a body), so that state is
// `Send + Sync`; the trait object merely forgets it.
unsafe impl Send for SendCore {}
// SAFETY: as above.
unsafe impl Sync for SendCore {}

pin_project_lite::pin_project! {
    /// The spawned future: runs the body as the current task, stores its
    /// outcome in the handle's slot, and turns a panic into a `JoinError`.
    struct TaskFuture<T, E, F> {
        shared: Arc<Shared<T, E>>,
        started: bool,
        #[pin]
        body: F,
    }
}

impl<T: 'static, E: 'static, F: Future<Output = Result<T, E>>> Future for TaskFuture<T, E, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if !*this.started {
            if !this.shared.start() {
                return Poll::Ready(()); // cancelled before it started
            }
            *this.started = true;
        }
        let _current = context::enter(this.shared.clone());
        let id = Some(this.shared.id_of());
        match catch_unwind(AssertUnwindSafe(|| this.body.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => {
                this.shared
                    .complete(outcome.map_err(|e| JoinError::failed(id, e)));
                Poll::Ready(())
            }
            Err(payload) => {
                this.shared.complete(Err(JoinError::panicked(id, payload)));
                Poll::Ready(())
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// Catches a panic in a poll of `inner`.
    struct CatchUnwind<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// A reusable launcher of one async function (or one blocking function)
/// on the `coroutine` target; what `#[as_task(coroutine)]` expands to.
///
/// Builder steps, in this order as for the other runners:
/// [`fallible`](Self::fallible), [`on_iter`](Self::on_iter),
/// [`on_end`](Self::on_end), [`on_error`](Self::on_error); the callbacks
/// run in the task (on a runtime worker for an async body).
///
/// # Examples
///
/// ```
/// use strand::coroutine::CoroutineTaskrunner;
///
/// async fn double(x: u64) -> u64 { x * 2 }
///
/// let runner = CoroutineTaskrunner::new(double).on_end(|v: &u64| println!("{v}"));
/// assert_eq!(runner.call((21,)).join().unwrap(), 42);
/// ```
pub struct CoroutineTaskrunner<Args, T, E = Infallible> {
    body: Body<Args, T, E>,
    name: Option<Cow<'static, str>>,
    yield_on_iter: bool,
}

impl<Args, T, E> Clone for CoroutineTaskrunner<Args, T, E> {
    fn clone(&self) -> Self {
        CoroutineTaskrunner {
            body: self.body.clone(),
            name: self.name.clone(),
            yield_on_iter: self.yield_on_iter,
        }
    }
}

impl<Args, T, E> fmt::Debug for CoroutineTaskrunner<Args, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoroutineTaskrunner")
            .field("name", &self.name)
            .field("yield_on_iter", &self.yield_on_iter)
            .finish_non_exhaustive()
    }
}

impl<Args, R> CoroutineTaskrunner<Args, R, Infallible>
where
    Args: Send + 'static,
    R: Send + 'static,
{
    /// A runner of `f`, an `async fn` (or a closure returning a future) of
    /// up to 12 arguments; the future must be `Send + 'static`.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|a: u8, b: u8| async move { a + b });
    /// assert_eq!(runner.call((2, 3)).join().unwrap(), 5);
    /// ```
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Callable<Args, Output = Fut> + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
    {
        CoroutineTaskrunner {
            body: Body::new(move |args| {
                let fut = f.call_with(args);
                async move { Ok(fut.await) }
            }),
            name: None,
            yield_on_iter: true,
        }
    }

    /// A runner of a plain (blocking) function: each call runs it on the
    /// runtime's blocking pool, never on a worker. Cancelling a running
    /// call cannot interrupt the function; it can check
    /// [`current_task().is_cancelled()`](crate::current_task).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::blocking(|path: String| path.len());
    /// assert_eq!(runner.call(("/tmp".into(),)).join().unwrap(), 4);
    /// ```
    pub fn blocking<F>(f: F) -> Self
    where
        F: Callable<Args, Output = R> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        CoroutineTaskrunner {
            body: Body::new(move |args| {
                let f = f.clone();
                async move {
                    // Runs in the task: the blocking call sees it as current.
                    let task = context::current_core().map(SendCore);
                    let ran = tokio::task::spawn_blocking(move || {
                        let _current = task.map(|t| context::enter(t.0));
                        f.call_with(args)
                    })
                    .await;
                    match ran {
                        Ok(value) => Ok(value),
                        Err(e) if e.is_panic() => resume_unwind(e.into_panic()),
                        Err(e) => panic!("the blocking call was lost: {e}"),
                    }
                }
            }),
            name: None,
            yield_on_iter: true,
        }
    }
}

impl<Args, T> CoroutineTaskrunner<Args, T, Infallible>
where
    Args: 'static,
    T: Fallible + Send + 'static,
    T::Ok: Send,
    T::Err: Send,
{
    /// Treats the function's `Result` as the task's outcome (see
    /// [`Taskrunner::fallible`](crate::Taskrunner::fallible)).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|s: String| async move { s.parse::<u8>() })
    ///     .fallible();
    /// assert!(runner.call(("x".into(),)).join().unwrap_err().is_failed());
    /// ```
    pub fn fallible(self) -> CoroutineTaskrunner<Args, T::Ok, T::Err> {
        let body = self.body;
        CoroutineTaskrunner {
            body: Body::new(move |args| {
                let fut = body.future(args);
                async move {
                    match fut.await {
                        Ok(result) => result.into_result(),
                        Err(never) => match never {},
                    }
                }
            }),
            name: self.name,
            yield_on_iter: self.yield_on_iter,
        }
    }
}

impl<Args, T, E> CoroutineTaskrunner<Args, T, E>
where
    Args: 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Whether `on_iter` yields to the scheduler after each item (default
    /// true, so a long iteration does not hold a worker). Set it before
    /// [`on_iter`](Self::on_iter).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|| async { vec![1, 2] })
    ///     .yield_on_iter(false)
    ///     .on_iter(|i: i32| println!("{i}"));
    /// assert_eq!(runner.call(()).join().unwrap(), 2);
    /// ```
    pub fn yield_on_iter(mut self, yield_on_iter: bool) -> Self {
        self.yield_on_iter = yield_on_iter;
        self
    }

    /// Delivers every item of the iterable the function returns to `g`, in
    /// order, in the task; the value becomes the number of items
    /// delivered. Stops early when the task is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|n: u32| async move { 0..n })
    ///     .on_iter(|i: u32| println!("item {i}"));
    /// assert_eq!(runner.call((3,)).join().unwrap(), 3);
    /// ```
    pub fn on_iter<G>(self, g: G) -> CoroutineTaskrunner<Args, usize, E>
    where
        T: IntoIterator,
        T::IntoIter: Send,
        T::Item: Send,
        G: Fn(T::Item) + Send + Sync + 'static,
    {
        let body = self.body;
        let g = Arc::new(g);
        let yield_on_iter = self.yield_on_iter;
        CoroutineTaskrunner {
            body: Body::new(move |args| {
                let fut = body.future(args);
                let g = g.clone();
                async move {
                    let items = fut.await?;
                    let mut delivered = 0;
                    for item in items {
                        if context::is_cancelled() {
                            break;
                        }
                        g(item);
                        delivered += 1;
                        if yield_on_iter {
                            tokio::task::yield_now().await;
                        }
                    }
                    Ok(delivered)
                }
            }),
            name: self.name,
            yield_on_iter,
        }
    }

    /// Delivers every item of the [`Stream`] the function returns to `g` as
    /// the stream yields it, in the task; the value becomes the number of
    /// items delivered. Cancellation is checked between items (and a
    /// cancelled task stops at the stream's next `.await` anyway), and
    /// [`yield_on_iter`](Self::yield_on_iter) applies as for
    /// [`on_iter`](Self::on_iter). What `#[as_task(coroutine, on_iter = g)]`
    /// expands to when the written return type names a `Stream`.
    ///
    /// The stream need not be `Unpin`: it is pinned in the task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::Pin;
    /// use std::task::{Context, Poll};
    /// use strand::coroutine::{CoroutineTaskrunner, Stream};
    ///
    /// /// Counts down to zero, one item per poll.
    /// struct Countdown(u32);
    /// impl Stream for Countdown {
    ///     type Item = u32;
    ///     fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<u32>> {
    ///         let n = self.0;
    ///         self.0 = n.saturating_sub(1);
    ///         Poll::Ready((n > 0).then_some(n))
    ///     }
    /// }
    ///
    /// let runner = CoroutineTaskrunner::new(|n: u32| async move { Countdown(n) })
    ///     .on_stream(|i: u32| println!("item {i}"));
    /// assert_eq!(runner.call((3,)).join().unwrap(), 3);
    /// ```
    pub fn on_stream<G>(self, g: G) -> CoroutineTaskrunner<Args, usize, E>
    where
        T: Stream,
        T::Item: Send,
        G: Fn(T::Item) + Send + Sync + 'static,
    {
        let body = self.body;
        let g = Arc::new(g);
        let yield_on_iter = self.yield_on_iter;
        CoroutineTaskrunner {
            body: Body::new(move |args| {
                let fut = body.future(args);
                let g = g.clone();
                async move {
                    let stream = fut.await?;
                    let mut stream = std::pin::pin!(stream);
                    let mut delivered = 0;
                    while !context::is_cancelled() {
                        let next = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await;
                        let Some(item) = next else { break };
                        if context::is_cancelled() {
                            break;
                        }
                        g(item);
                        delivered += 1;
                        if yield_on_iter {
                            tokio::task::yield_now().await;
                        }
                    }
                    Ok(delivered)
                }
            }),
            name: self.name,
            yield_on_iter,
        }
    }

    /// Calls `g` with the value when the function succeeds.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|| async { 7 })
    ///     .on_end(|v: &i32| assert_eq!(*v, 7));
    /// assert_eq!(runner.call(()).join().unwrap(), 7);
    /// ```
    pub fn on_end<G>(self, g: G) -> Self
    where
        G: Fn(&T) + Send + Sync + 'static,
    {
        let body = self.body;
        let g = Arc::new(g);
        CoroutineTaskrunner {
            body: Body::new(move |args| {
                let fut = body.future(args);
                let g = g.clone();
                async move {
                    let outcome = fut.await;
                    if let Ok(value) = &outcome {
                        if !context::is_cancelled() {
                            g(value);
                        }
                    }
                    outcome
                }
            }),
            name: self.name,
            yield_on_iter: self.yield_on_iter,
        }
    }

    /// Calls `g` with the error when the function returns `Err` (after
    /// [`fallible`](Self::fallible)) or panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::JoinError;
    ///
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|| async { panic!("bad") as u8 })
    ///     .on_error(|e: &JoinError| eprintln!("{e}"));
    /// assert_eq!(runner.call(()).join().unwrap_err().panic_message(), Some("bad"));
    /// ```
    pub fn on_error<G>(self, g: G) -> Self
    where
        G: Fn(&JoinError<E>) + Send + Sync + 'static,
    {
        let body = self.body;
        let g = Arc::new(g);
        CoroutineTaskrunner {
            body: Body::new(move |args| {
                let fut = body.future(args);
                let g = g.clone();
                async move {
                    let outcome = (CatchUnwind { inner: fut }).await;
                    crate::runner::report_error(outcome, &*g)
                }
            }),
            name: self.name,
            yield_on_iter: self.yield_on_iter,
        }
    }

    /// Names the tasks this runner starts (see [`TaskHandle::name`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|| async {
    ///     strand::current_task().name().map(String::from)
    /// })
    /// .name("fetcher");
    /// assert_eq!(runner.call(()).join().unwrap().as_deref(), Some("fetcher"));
    /// ```
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Spawns the function with `args` on the current tokio runtime, or on
    /// strand's own outside one, and returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let runner = strand::coroutine::CoroutineTaskrunner::new(|s: String| async move { s + "!" });
    /// assert_eq!(runner.call(("hi".into(),)).join().unwrap(), "hi!");
    /// ```
    pub fn call(&self, args: Args) -> TaskHandle<T, E> {
        let shared = Shared::new(self.name.clone());
        shared.mark_coroutine();
        let abort = self.body.spawn(args, shared.clone());
        shared.set_abort(abort);
        TaskHandle::from_shared(shared)
    }
}
