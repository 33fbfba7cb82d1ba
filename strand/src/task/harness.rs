//! [`run_task`]: runs a task's body in the calling thread, as the current
//! task, and stores its outcome in the task's slot.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::context;
use crate::error::JoinError;
use crate::task::slot::Shared;

/// Runs a task body in the calling thread and stores its outcome: marks the
/// task running (or skips it if it was cancelled first), makes it the
/// [`current_task`](crate::current_task) meanwhile, and turns a panic into a
/// [`JoinError`]. The body returns every other outcome as a value.
pub(crate) fn run_task<T, E, F>(shared: &Arc<Shared<T, E>>, body: F)
where
    T: 'static,
    E: 'static,
    F: FnOnce() -> Result<T, JoinError<E>>,
{
    if !shared.start() {
        return;
    }
    let outcome = {
        let _current = context::enter(shared);
        catch_unwind(AssertUnwindSafe(body))
    };
    shared.complete(match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.or_task(shared.id_of())),
        Err(payload) => Err(JoinError::panicked(Some(shared.id_of()), payload)),
    });
}
