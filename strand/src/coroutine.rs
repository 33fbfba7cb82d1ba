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
//!   [`TaskHandle::cancel`] stops it at its next `.await`: tokio drops the
//!   future there, as `JoinHandle::abort` does, so the body never runs on
//!   to observe a cancellation (`current_task().is_cancelled()` stays false
//!   in it). The handle reports the task cancelled at once.
//! - A plain `fn` body ([`CoroutineTaskrunner::blocking`]) runs where
//!   blocking is allowed (tokio's blocking pool), never on a worker. It
//!   cannot be stopped from outside; it sees a cancel through
//!   [`current_task().is_cancelled()`](crate::current_task).
//! - A task costs what `tokio::spawn` costs: the handle holds tokio's join
//!   handle, and the task's outcome waits in the tokio task itself, so
//!   there is no allocation besides tokio's.
//! - `on_iter` delivers the items one by one and, unless turned off with
//!   [`yield_on_iter(false)`](CoroutineTaskrunner::yield_on_iter), yields to
//!   the scheduler between items, as Python strand's `yield_on_iter` does.
//! - A function that returns an async [`Stream`] (`impl Stream<Item = T>`,
//!   `Pin<Box<dyn Stream<Item = T> + Send>>`, ...) has its items delivered
//!   as they arrive, while the stream is still producing
//!   ([`CoroutineTaskrunner::on_stream`]; `#[as_task(coroutine, on_iter = f)]`
//!   picks it when the written return type names `Stream`). A cancel
//!   stops it at the stream's next `.await`, and `yield_on_iter` applies
//!   too.
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
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::runtime::{Handle, Runtime};
use tokio::task::JoinHandle;

/// The trait of the async streams that [`CoroutineTaskrunner::on_stream`]
/// (and `on_iter` on a `coroutine` task returning a stream) delivers item
/// by item: `futures_core::Stream`, re-exported.
pub use futures_core::Stream;

use crate::CancelOutcome;
use crate::check::Fallible;
use crate::context;
use crate::error::JoinError;
use crate::handle::{
    Cancellation, Canceller, Meta, NameOf, TaskCore, TaskHandle, TaskId, TaskInfo, wait_for,
};
use crate::runner::Callable;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a call of a runner runs: the task's future, made from the call's
/// arguments.
trait MakeFuture<Args, T, E>: Send + Sync {
    /// The future, boxed, for a builder step to wrap.
    fn future(&self, args: Args) -> BoxFuture<Result<T, E>>;
    /// Spawns the future, unboxed, as the task `id` named `name`; on the
    /// current runtime, or on strand's own outside one.
    fn spawn(
        &self,
        args: Args,
        id: TaskId,
        name: &Option<Cow<'static, str>>,
    ) -> JoinHandle<Result<T, JoinError<E>>>;
}

/// A name known from a type: what `#[as_task(coroutine)]` gives an
/// `async fn`'s runner, so that its tasks carry their name for free.
#[doc(hidden)]
pub trait StaticName: 'static {
    /// The name.
    const NAME: &'static str;
}

/// The [`StaticName`] of a runner built without one.
struct NoStaticName;

impl StaticName for NoStaticName {
    const NAME: &'static str = "";
}

/// A [`MakeFuture`] from a closure. `S` names its tasks without a word of
/// memory when the runner's name is `S::NAME`.
struct FnBody<F, S = NoStaticName>(F, PhantomData<fn() -> S>);

impl<Args, T, E, F, Fut, S> MakeFuture<Args, T, E> for FnBody<F, S>
where
    F: Fn(Args) -> Fut + Send + Sync,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
    S: StaticName,
{
    fn future(&self, args: Args) -> BoxFuture<Result<T, E>> {
        Box::pin((self.0)(args))
    }

    fn spawn(
        &self,
        args: Args,
        id: TaskId,
        name: &Option<Cow<'static, str>>,
    ) -> JoinHandle<Result<T, JoinError<E>>> {
        let body = (self.0)(args);
        // The future's size decides the size class of tokio's allocation
        // for the task: a name from the type takes no room in it.
        match name {
            Some(name) if !S::NAME.is_empty() && **name == *S::NAME => spawn(TaskFuture {
                meta: Meta {
                    id,
                    name: Static::<S>(PhantomData),
                },
                body,
            }),
            _ => spawn(TaskFuture {
                meta: Meta {
                    id,
                    name: name.clone(),
                },
                body,
            }),
        }
    }
}

/// Spawns `task` on the current runtime, or on strand's own outside one.
fn spawn<F>(task: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // `Handle::spawn` is what `tokio::spawn` does inside a runtime.
    match Handle::try_current() {
        Ok(runtime) => runtime.spawn(task),
        Err(_) => RUNTIME.spawn(task),
    }
}

pin_project_lite::pin_project! {
    /// `fut`'s output in `Ok`: what `async move { Ok(fut.await) }` does,
    /// without the async block's second copy of `fut`.
    struct OkFuture<F> {
        #[pin]
        fut: F,
    }
}

pin_project_lite::pin_project! {
    /// `fut`'s fallible output split into the task's `Result`, without
    /// boxing `fut` (what the `fallible` builder step does for a body
    /// that is already type-erased).
    struct SplitFuture<F> {
        #[pin]
        fut: F,
    }
}

impl<F> Future for SplitFuture<F>
where
    F: Future,
    F::Output: Fallible,
{
    type Output = Result<<F::Output as Fallible>::Ok, <F::Output as Fallible>::Err>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().fut.poll(cx).map(Fallible::into_result)
    }
}

impl<F: Future> Future for OkFuture<F> {
    type Output = Result<F::Output, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().fut.poll(cx).map(Ok)
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
        Self::named::<F, Fut, NoStaticName>(f)
    }

    fn named<F, Fut, S>(f: F) -> Self
    where
        Args: 'static,
        F: Fn(Args) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
        S: StaticName,
    {
        let body = FnBody::<F, S>(f, PhantomData);
        if size_of::<F>() == 0 && !std::mem::needs_drop::<F>() {
            // A zero-sized box allocates nothing, and leaking it loses no
            // resource (it has no `Drop`).
            Body::Static(Box::into_raw(Box::new(body)))
        } else {
            Body::Shared(Arc::new(body))
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

/// Waits `duration` under any executor, without a thread: the timer runs
/// on strand's own runtime, which has one even when the caller's runtime
/// was built without `enable_time`. Dropping the future cancels the timer.
/// For library code that cannot know how its caller's runtime was built.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// // A current-thread runtime without a timer of its own.
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let start = Instant::now();
/// rt.block_on(strand::coroutine::sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// ```
pub fn sleep(duration: std::time::Duration) -> Sleep {
    Sleep {
        // Made inside the task: tokio binds a timer to the runtime it is
        // created in, and the caller's may have none.
        timer: RUNTIME.spawn(async move { tokio::time::sleep(duration).await }),
    }
}

/// The future of [`sleep`].
#[derive(Debug)]
pub struct Sleep {
    timer: JoinHandle<()>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The timer task only ends by finishing, or by this future's drop.
        Pin::new(&mut self.timer).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.timer.abort();
    }
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

/// The task a blocking body (see [`CoroutineTaskrunner::blocking`]) runs
/// as, on the blocking pool: the coroutine task's id and name, and a
/// cancellation flag, set when the coroutine task is dropped (cancelled)
/// before the blocking call returns.
struct BlockingCore {
    info: TaskInfo,
    cancellation: Cancellation,
}

impl TaskCore for BlockingCore {
    fn id(&self) -> TaskId {
        self.info.id
    }
    fn name(&self) -> Option<&str> {
        self.info.name.as_deref()
    }
    fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
        self.cancellation.start_cancellable(start)
    }
    fn info(&self) -> TaskInfo {
        self.info.clone()
    }
}

/// Marks a blocking body cancelled when the coroutine task waiting for it
/// is dropped first (by [`TaskHandle::cancel`], or a runtime shutting
/// down); disarmed once the body returned.
struct CancelOnDrop(Option<Arc<BlockingCore>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(core) = self.0.take() {
            let _ = core.cancellation.cancel();
        }
    }
}

/// The name `S::NAME`, in no memory.
struct Static<S>(PhantomData<fn() -> S>);

impl<S: StaticName> NameOf for Static<S> {
    fn get(&self) -> Option<&str> {
        Some(S::NAME)
    }
    fn to_cow(&self) -> Option<Cow<'static, str>> {
        Some(Cow::Borrowed(S::NAME))
    }
}

pin_project_lite::pin_project! {
    /// The spawned future: runs the body as the current task (entered for
    /// each poll) and turns a panic into a `JoinError`. Its output is the
    /// handle's outcome, kept in the tokio task itself.
    struct TaskFuture<N, F> {
        meta: Meta<N>,
        #[pin]
        body: F,
    }
}

impl<N: NameOf, T, E, F: Future<Output = Result<T, E>>> Future for TaskFuture<N, F> {
    type Output = Result<T, JoinError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _current = context::enter_snapshot(this.meta);
        let id = Some(this.meta.id);
        match catch_unwind(AssertUnwindSafe(|| this.body.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => Poll::Ready(outcome.map_err(|e| JoinError::failed(id, e))),
            Err(payload) => Poll::Ready(Err(JoinError::panicked(id, payload))),
        }
    }
}

/// What `on_error` does with an async body's outcome: calls `g` with a
/// returned error or a panic (unless the task was cancelled), then passes
/// the outcome on unchanged. A panic goes on unwinding: it is the user's
/// own panic, and the task's future catches it (see [`TaskFuture`]); no
/// error of strand's ever travels this way.
fn report_error<T, E>(
    outcome: std::thread::Result<Result<T, E>>,
    g: &dyn Fn(&JoinError<E>),
) -> Result<T, E> {
    let id = context::current_task().id();
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            let err = JoinError::failed(id, error);
            if !context::is_cancelled() {
                g(&err);
            }
            match err.into_failure() {
                Ok(error) => Err(error),
                Err(_) => unreachable!("a failed JoinError holds its error"),
            }
        }
        Err(payload) => {
            if !context::is_cancelled() {
                let err = JoinError::<E>::panicked(id, payload);
                g(&err);
                resume_unwind(err.into_panic())
            }
            resume_unwind(payload)
        }
    }
}

/// A `coroutine` task as its [`TaskHandle`] holds it: tokio's own join
/// handle, whose task keeps the outcome (so a task costs tokio's one
/// allocation and nothing more), with the task's id and name.
pub(crate) struct TokioTask<T, E> {
    join: JoinHandle<Result<T, JoinError<E>>>,
    info: TaskInfo,
    /// Set by `cancel`: from then on the handle reports the task cancelled.
    cancelled: AtomicBool,
}

impl<T, E> TokioTask<T, E> {
    pub(crate) fn id(&self) -> TaskId {
        self.info.id
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.info.name.as_deref()
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.cancelled.load(Ordering::Acquire) || self.join.is_finished()
    }

    /// Aborts the task: tokio drops its future at its next `.await` (or
    /// never polls it, if it had not started). Whether it had started is
    /// tokio's to know, so a task that has not finished reports
    /// [`CancelOutcome::Requested`].
    pub(crate) fn cancel(&self) -> CancelOutcome {
        if self.join.is_finished() || self.cancelled.swap(true, Ordering::AcqRel) {
            return CancelOutcome::AlreadyFinished;
        }
        self.join.abort();
        CancelOutcome::Requested
    }

    /// The outcome, from tokio's: a task tokio cancelled (an abort, or its
    /// runtime shutting down) is a cancelled task.
    fn outcome(
        &self,
        joined: Result<Result<T, JoinError<E>>, tokio::task::JoinError>,
    ) -> Result<T, JoinError<E>> {
        let id = Some(self.info.id);
        match joined {
            Ok(outcome) => outcome,
            Err(e) => match e.try_into_panic() {
                Ok(payload) => Err(JoinError::panicked(id, payload)),
                Err(_) => Err(JoinError::cancelled(id)),
            },
        }
    }

    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError<E>>> {
        if self.cancelled.load(Ordering::Acquire) {
            return Poll::Ready(Err(JoinError::cancelled(Some(self.info.id))));
        }
        match Pin::new(&mut self.join).poll(cx) {
            Poll::Ready(joined) => Poll::Ready(self.outcome(joined)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// One poll outside tokio's cooperative budget: a blocking wait is
    /// not a task that should make way for others.
    fn poll_unconstrained(&mut self, waker: &std::task::Waker) -> Option<Result<T, JoinError<E>>> {
        let mut cx = Context::from_waker(waker);
        let mut polled = tokio::task::coop::unconstrained(std::future::poll_fn(|cx| self.poll(cx)));
        match Pin::new(&mut polled).poll(&mut cx) {
            Poll::Ready(outcome) => Some(outcome),
            Poll::Pending => None,
        }
    }

    pub(crate) fn take(&mut self) -> Option<Result<T, JoinError<E>>> {
        if !self.is_finished() {
            return None;
        }
        self.poll_unconstrained(std::task::Waker::noop())
    }

    /// Blocks until the outcome is there, or until `deadline`. Inside a
    /// tokio runtime it first hands the worker's other tasks away (or
    /// panics on a current-thread runtime, where it would deadlock).
    pub(crate) fn wait(&mut self, deadline: Option<Instant>) -> Option<Result<T, JoinError<E>>> {
        if self.is_finished() {
            return self.take();
        }
        blocking_wait(|| {
            wait_for(
                deadline,
                self,
                |task| task.is_finished(),
                |task, waker| task.poll_unconstrained(waker),
            )
        })
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

/// An iterator as a [`Stream`] that is always ready, for [`deliver`].
struct IterStream<I>(I);

// The iterator is never pinned: it is only ever moved or called by `&mut`.
impl<I> Unpin for IterStream<I> {}

impl<I: Iterator> Stream for IterStream<I> {
    type Item = I::Item;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.get_mut().0.next())
    }
}

/// Hands every item of `items` to `g`, in order, until the stream ends or
/// the task is cancelled, yielding to the scheduler after each item when
/// `yield_on_iter`; how many items were delivered. What `on_iter` and
/// `on_stream` run.
async fn deliver<S: Stream, G: Fn(S::Item)>(items: S, g: &G, yield_on_iter: bool) -> usize {
    let mut items = std::pin::pin!(items);
    let mut delivered = 0;
    while !context::is_cancelled() {
        let next = std::future::poll_fn(|cx| items.as_mut().poll_next(cx)).await;
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
    delivered
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
        Self::new_named::<F, Fut, NoStaticName>(f)
    }

    /// [`new`](Self::new), with the name `S::NAME`, which its tasks carry
    /// in no memory: what `#[as_task(coroutine)]` calls on an `async fn`.
    #[doc(hidden)]
    pub fn new_named<F, Fut, S>(f: F) -> Self
    where
        F: Callable<Args, Output = Fut> + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        S: StaticName,
    {
        Self::with_static_name::<S>(Body::named::<_, _, S>(move |args| OkFuture {
            fut: f.call_with(args),
        }))
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
                    // Runs in the task: the blocking call sees it as current,
                    // and sees it cancelled if the task is dropped first.
                    let core = context::current_info().map(|info| {
                        Arc::new(BlockingCore {
                            info,
                            cancellation: Cancellation::default(),
                        })
                    });
                    let mut cancel_on_drop = CancelOnDrop(core.clone());
                    let ran = tokio::task::spawn_blocking(move || {
                        let _current = core.as_ref().map(context::enter);
                        f.call_with(args)
                    })
                    .await;
                    cancel_on_drop.0 = None;
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
    /// A runner of `body`, named `S::NAME` (unnamed when it is empty).
    fn with_static_name<S: StaticName>(body: Body<Args, T, E>) -> Self {
        CoroutineTaskrunner {
            body,
            name: (!S::NAME.is_empty()).then_some(Cow::Borrowed(S::NAME)),
            yield_on_iter: true,
        }
    }

    /// A runner of an `async fn` that returns a `Result` (or another
    /// [`Fallible`]), its outcome split as [`fallible`](CoroutineTaskrunner::fallible)
    /// splits it, without the extra allocation per call that the builder
    /// step costs, and named `S::NAME` (see [`new_named`](CoroutineTaskrunner::new_named)):
    /// what `#[as_task(coroutine)]` calls on such a function.
    #[doc(hidden)]
    pub fn new_fallible_named<F, Fut, S>(f: F) -> Self
    where
        Args: Send,
        F: Callable<Args, Output = Fut> + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Fallible<Ok = T, Err = E>,
        S: StaticName,
    {
        Self::with_static_name::<S>(Body::named::<_, _, S>(move |args| SplitFuture {
            fut: f.call_with(args),
        }))
    }

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
    /// delivered. A cancel stops it at the yield after the current item;
    /// with [`yield_on_iter(false)`](Self::yield_on_iter) there is no
    /// `.await` between items, so the items already produced are all
    /// delivered first.
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
                    let items = IterStream(fut.await?.into_iter());
                    Ok(deliver(items, &*g, yield_on_iter).await)
                }
            }),
            name: self.name,
            yield_on_iter,
        }
    }

    /// Delivers every item of the [`Stream`] the function returns to `g` as
    /// the stream yields it, in the task; the value becomes the number of
    /// items delivered. A cancel stops it at the stream's next `.await`, and
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
                async move { Ok(deliver(fut.await?, &*g, yield_on_iter).await) }
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
                    report_error(outcome, &*g)
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
        let id = TaskId::next();
        let join = self.body.spawn(args, id, &self.name);
        let info = TaskInfo {
            id,
            name: self.name.clone(),
        };
        TaskHandle::from_tokio(TokioTask {
            join,
            info,
            cancelled: AtomicBool::new(false),
        })
    }
}
