//! What a coroutine runner keeps and spawns: its [`Body`] (a
//! [`MakeFuture`], kept without an allocation when it has no state), the
//! [`StaticName`] that names its tasks for free, and the futures that shape
//! a body's output into the task's `Result`.

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::task::JoinHandle;

use super::harness::TaskFuture;
use super::runtime::spawn;
use crate::check::Fallible;
use crate::error::JoinError;
use crate::task::core::{Meta, NameOf};
use crate::task::id::TaskId;

pub(super) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a call of a runner runs: the task's future, made from the call's
/// arguments.
pub(super) trait MakeFuture<Args, T, E>: Send + Sync {
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
pub(super) struct NoStaticName;

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

pin_project_lite::pin_project! {
    /// `fut`'s output in `Ok`: what `async move { Ok(fut.await) }` does,
    /// without the async block's second copy of `fut`.
    pub(super) struct OkFuture<F> {
        #[pin]
        pub(super) fut: F,
    }
}

pin_project_lite::pin_project! {
    /// `fut`'s fallible output split into the task's `Result`, without
    /// boxing `fut` (what the `fallible` builder step does for a body
    /// that is already type-erased).
    pub(super) struct SplitFuture<F> {
        #[pin]
        pub(super) fut: F,
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
pub(super) enum Body<Args, T, E> {
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
    pub(super) fn new<F, Fut>(f: F) -> Self
    where
        Args: 'static,
        F: Fn(Args) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        Self::named::<F, Fut, NoStaticName>(f)
    }

    pub(super) fn named<F, Fut, S>(f: F) -> Self
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
