//! The body of a runner of a plain (blocking) function: it runs on tokio's
//! blocking pool as the coroutine task ([`BlockingCore`]), and sees a
//! cancel when the coroutine task is dropped first ([`CancelOnDrop`]).

use std::convert::Infallible;
use std::panic::resume_unwind;
use std::sync::Arc;

use super::body::Body;
use crate::callable::Callable;
use crate::context;
use crate::task::cancel::{Cancellation, Canceller};
use crate::task::core::{TaskCore, TaskInfo};
use crate::task::id::TaskId;

/// The task a blocking body (see
/// [`CoroutineTaskrunner::blocking`](super::CoroutineTaskrunner::blocking)) runs
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
/// is dropped first (by [`TaskHandle::cancel`](crate::TaskHandle::cancel), or a runtime shutting
/// down); disarmed once the body returned.
struct CancelOnDrop(Option<Arc<BlockingCore>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(core) = self.0.take() {
            let _ = core.cancellation.cancel();
        }
    }
}

/// The body of [`CoroutineTaskrunner::blocking`](super::CoroutineTaskrunner::blocking):
/// each call runs `f` on the runtime's blocking pool, never on a worker.
pub(super) fn body<Args, R, F>(f: F) -> Body<Args, R, Infallible>
where
    Args: Send + 'static,
    R: Send + 'static,
    F: Callable<Args, Output = R> + Send + Sync + 'static,
{
    let f = Arc::new(f);
    Body::new(move |args| {
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
    })
}
