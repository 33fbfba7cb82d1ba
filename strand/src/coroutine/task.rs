//! [`TokioTask`]: a `coroutine` task as its handle holds it, tokio's join
//! handle with the task's id and name. It imports nothing from the handle
//! (`task::join` names this type, not the other way round).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::task::JoinHandle;

use super::runtime::blocking_wait;
use crate::error::JoinError;
use crate::task::cancel::CancelOutcome;
use crate::task::core::TaskInfo;
use crate::task::id::TaskId;
use crate::task::wait::wait_for;

/// A `coroutine` task as its [`TaskHandle`](crate::TaskHandle) holds it: tokio's own join
/// handle, whose task keeps the outcome (so a task costs tokio's one
/// allocation and nothing more), with the task's id and name.
pub(crate) struct TokioTask<T, E> {
    pub(super) join: JoinHandle<Result<T, JoinError<E>>>,
    pub(super) info: TaskInfo,
    /// Set by `cancel`: from then on the handle reports the task cancelled.
    pub(super) cancelled: AtomicBool,
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
                true,
                self,
                |task| task.is_finished(),
                |task, waker| task.poll_unconstrained(waker),
            )
        })
    }
}
