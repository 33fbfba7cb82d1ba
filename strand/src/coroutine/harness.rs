//! [`TaskFuture`]: the future a coroutine task spawns, which runs the
//! body as the current task and turns a panic into a `JoinError`.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::context;
use crate::error::JoinError;
use crate::task::core::{Meta, NameOf};

pin_project_lite::pin_project! {
    /// The spawned future: runs the body as the current task (entered for
    /// each poll) and turns a panic into a `JoinError`. Its output is the
    /// handle's outcome, kept in the tokio task itself.
    pub(super) struct TaskFuture<N, F> {
        pub(super) meta: Meta<N>,
        #[pin]
        pub(super) body: F,
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
