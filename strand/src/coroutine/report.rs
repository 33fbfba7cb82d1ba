//! What `on_error` runs in a coroutine task: [`CatchUnwind`] catches a
//! panic of the async body, and [`report_error`] hands the error to the
//! callback.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::context;
use crate::error::JoinError;

/// What `on_error` does with an async body's outcome: calls `g` with a
/// returned error or a panic (unless the task was cancelled), then passes
/// the outcome on unchanged. A panic goes on unwinding: it is the user's
/// own panic, and the task's future catches it (see
/// [`TaskFuture`](super::harness::TaskFuture)); no
/// error of strand's ever travels this way.
pub(super) fn report_error<T, E>(
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

pin_project_lite::pin_project! {
    /// Catches a panic in a poll of `inner`.
    pub(super) struct CatchUnwind<F> {
        #[pin]
        pub(super) inner: F,
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
