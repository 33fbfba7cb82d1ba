//! A task, cut as tokio cuts its own: its id ([`id`]), what cancels it
//! ([`cancel`]), what running code knows of it ([`core`]), the lock-free
//! slot its outcome waits in ([`slot`]), running a body into that slot
//! ([`harness`]), blocking until an outcome is there ([`wait`]), and the
//! handle that takes the outcome out ([`join`]).
//!
//! The low-level files know nothing of the high-level ones: `id`, then
//! `cancel`, `core`, `wait`, `slot` (which knows nothing of the current
//! task or of tokio), then `harness` (which enters the current task) and
//! `join`. The crate root re-exports the public types.

pub(crate) mod cancel;
pub(crate) mod core;
pub(crate) mod harness;
pub(crate) mod id;
pub(crate) mod join;
pub(crate) mod slot;
pub(crate) mod wait;
