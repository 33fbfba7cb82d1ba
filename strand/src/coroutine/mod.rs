//! The `coroutine` target: tasks that are futures, run on tokio.
//!
//! A [`CoroutineTaskrunner`] call spawns the task on the tokio runtime the
//! caller runs in, or, outside any runtime, on a small multi-threaded
//! runtime that strand starts on first use. So the task starts at once,
//! whether or not anything polls its handle. The handle is the same
//! [`TaskHandle`](crate::TaskHandle) as for every target: async code `.await`s it, blocking
//! code [`join`](crate::TaskHandle::join)s it.
//!
//! - An `async fn` body runs on the runtime's workers, and
//!   [`TaskHandle::cancel`](crate::TaskHandle::cancel) stops it at its next `.await`: tokio drops the
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
//! workers it may need: [`join`](crate::TaskHandle::join) (and the other blocking
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

// The files, low level first: `runtime` (strand's own runtime, spawning,
// blocking waits), `harness` (the spawned future: a body run as the current
// task), `body` (what a runner keeps and spawns), `task` (a task as its
// handle holds it), `blocking`, `deliver` and `report` (the blocking body,
// `on_iter`'s delivery, `on_error`'s report), and `runner`, which uses them
// all.
mod blocking;
mod body;
mod deliver;
mod harness;
mod report;
mod runner;
mod runtime;
pub(crate) mod task;

/// The trait of the async streams that [`CoroutineTaskrunner::on_stream`]
/// (and `on_iter` on a `coroutine` task returning a stream) delivers item
/// by item: `futures_core::Stream`, re-exported.
pub use futures_core::Stream;

#[doc(hidden)]
pub use body::StaticName;
pub use runner::CoroutineTaskrunner;
pub use runtime::{Sleep, block_on, runtime, sleep};
