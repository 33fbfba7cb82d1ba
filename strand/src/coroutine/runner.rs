//! [`CoroutineTaskrunner`]: the runner of the `coroutine` target, its
//! builder steps and its `call`.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use futures_core::Stream;

use super::blocking;
use super::body::{Body, NoStaticName, OkFuture, SplitFuture, StaticName};
use super::deliver::{IterStream, deliver};
use super::report::{CatchUnwind, report_error};
use super::task::TokioTask;
use crate::callable::Callable;
use crate::check::Fallible;
use crate::context;
use crate::error::JoinError;
use crate::task::core::TaskInfo;
use crate::task::id::TaskId;
use crate::task::join::TaskHandle;

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
        CoroutineTaskrunner {
            body: blocking::body(f),
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
