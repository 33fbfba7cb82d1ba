//! Turn an ordinary function into a non-blocking task with one attribute.
//!
//! ```
//! use strand::as_task;
//!
//! /// Adds up a range, slowly.
//! #[as_task(thread)]
//! fn sum_to(n: u64) -> u64 {
//!     (1..=n).sum()
//! }
//!
//! let handle = sum_to(100); // returns at once; the body runs on a new thread
//! assert_eq!(handle.join().unwrap(), 5050);
//! ```
//!
//! `#[as_task(target)]` rewrites the function so that a call runs its body on
//! `target` and returns a [`TaskHandle`]:
//!
//! | target | where the body runs |
//! |---|---|
//! | `thread` (default) | a new thread per call |
//! | `pool` | a bounded [`Pool`] of worker threads ([`Pool::global`] unless `pool = expr`) |
//! | `sync` | right away in the caller; the handle is already finished |
//! | `process` (Unix; feature `process`, on by default) | a fresh child process per call, a copy of this program that finds the function by its registered name; arguments and value are serde types (`serialization = json \| binary`); `cancel()` kills the child (see [`process`]) |
//! | `coroutine` (feature `tokio`) | a tokio task on the caller's runtime, or on strand's own outside one; the handle can be `.await`ed |
//! | `store`, `store = expr` (needs the `strand-au` crate) | a worker process that takes the task from a queue of a store (`queue = "name"`) and finds the function by its registered name, at least once; the task outlives the calling process, and `f::handle(key)` rebuilds its handle elsewhere (see strand-au's `StoreTaskReader`) |
//!
//! Every target returns the same handle type, so switching targets never
//! breaks a call site. The handle joins (blocking, non-blocking, with a
//! timeout or deadline), cancels, and is a [`Future`]
//! too. Callbacks (`on_iter`, `on_end`, `on_error`) run in the task's context
//! (for `process`, in the parent, on the decoded value).
//!
//! # Errors are values
//!
//! A task's outcome travels from its body to its handle as a value,
//! `Result<T, JoinError<E>>`: a returned error, a child process that crashed
//! or replied garbage, a value that did not decode, a cancel. strand never
//! unwinds to carry an error; the only unwinding it catches is a panic in
//! your own body. A program built with `panic = "abort"` therefore keeps
//! every promise but the catching of panics.
//!
//! Everything the attribute does is available without it, through the
//! runners [`ThreadTaskrunner`], [`PoolTaskrunner`] and [`SyncTaskrunner`]:
//!
//! ```
//! use strand::ThreadTaskrunner;
//!
//! let runner = ThreadTaskrunner::new(|a: u32, b: u32| a + b).on_end(|sum: &u32| println!("{sum}"));
//! assert_eq!(runner.call((2, 3)).join().unwrap(), 5);
//! ```
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]

#[cfg(all(feature = "process", not(unix)))]
compile_error!(
    "strand's `process` feature runs functions in child processes and needs a Unix system (only Linux is verified); build with `default-features = false, features = [\"macros\", \"tokio\"]` (without `process`) on this platform"
);

pub mod batch;
mod callable;
mod check;
mod context;
#[cfg(feature = "tokio")]
pub mod coroutine;
mod dispatch;
mod error;
#[cfg(all(test, strand_loom))]
mod loom_tests;
mod pool;
#[cfg(all(unix, feature = "process"))]
pub mod process;
pub mod remote;
#[cfg(all(unix, feature = "process"))]
pub mod run_process;
pub mod runner;
mod sync;
mod task;

pub use batch::{as_completed, join_all, join_all_async};
#[cfg(feature = "process")]
pub use check::CrossProcess;
pub use check::{Fallible, Iterable, SendToTask};
pub use context::{CurrentTask, current_task};
pub use dispatch::{Counts, DispatchId, DispatchStatus, IdMap, Launch, TaskDispatcher, Unfinished};
pub use error::{JoinError, TrySubmitError};
pub use pool::{Pool, PoolBuilder};
#[cfg(all(unix, feature = "process"))]
pub use run_process::{ProcessGuard, RunProcess, RunProcessError};
pub use runner::{PoolTaskrunner, SyncTaskrunner, Taskrunner, ThreadTaskrunner};
pub use task::cancel::CancelOutcome;
pub use task::id::TaskId;
pub use task::join::{JoinTimeoutError, TaskHandle, TryJoinError};

#[cfg(feature = "macros")]
#[doc(inline)]
pub use strand_macros::as_task;

/// Not public API: `#[as_task(process)]` wraps the launch of a process task
/// (the statements and items that end the generated function, which name
/// items of strand's `process` feature) in it. With that feature they are
/// expanded unchanged (the feature builds on Unix only: see the
/// `compile_error!` at the top of this file). Without it, a feature the
/// macro cannot see, the function's body is one `compile_error!` that says
/// what is missing, and a `loop {}` that stands for any return type: nothing
/// of the feature is named, so that error is the only one, and the callers
/// of the function still type-check.
#[cfg(feature = "process")]
#[doc(hidden)]
#[macro_export]
macro_rules! __require_process_feature {
    ($($launch:tt)*) => {
        $($launch)*
    };
}

/// Not public API: see the variant for the `process` feature above.
#[cfg(all(not(feature = "process"), unix))]
#[doc(hidden)]
#[macro_export]
macro_rules! __require_process_feature {
    ($($launch:tt)*) => {
        ::core::compile_error!(
            "the `process` target needs strand's `process` feature: enable strand's `process` feature (on by default; `features = [\"process\"]` next to `default-features = false`)"
        );
        loop {}
    };
}

/// Not public API: see the variant for the `process` feature above. The
/// feature would not build here: the error says why.
#[cfg(all(not(feature = "process"), not(unix)))]
#[doc(hidden)]
#[macro_export]
macro_rules! __require_process_feature {
    ($($launch:tt)*) => {
        ::core::compile_error!(
            "the `process` target runs functions in child processes, which strand supports on Unix only; use `thread` or `pool` on this platform"
        );
        loop {}
    };
}

// Not public API: used by strand-macros, may change in any release.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "process")]
    pub use crate::check::CrossProcess;
    pub use crate::check::{Fallible, Iterable, SendToTask};
    pub use crate::context::run_nested;
    pub use crate::error::panic_message;
    pub use crate::pool::Pool;
    pub use crate::runner::{PoolTaskrunner, SyncTaskrunner, ThreadTaskrunner};
    pub use std::sync::LazyLock;

    #[cfg(feature = "tokio")]
    pub use crate::coroutine::{CoroutineTaskrunner, StaticName, block_on};

    #[cfg(all(unix, feature = "process"))]
    pub use crate::process::{
        ChildInput, PROCESS_FUNCTIONS, ProcessEntry, ProcessTaskrunner, Reply, Serialization,
        run_child,
    };
    #[cfg(all(unix, feature = "process"))]
    pub use linkme;

    /// Asserts, at the span of a task argument, that it can cross threads.
    #[inline(always)]
    pub fn assert_send_arg<T: SendToTask>(_: &T) {}

    /// Asserts, at the span of a return type, that it can cross threads.
    #[inline(always)]
    pub fn assert_send_output<T: ?Sized + SendToTask>() {}

    /// Asserts, at the span of a return type, that `on_iter` can iterate it.
    #[inline(always)]
    pub fn assert_iterable<T: Iterable>() {}

    /// Asserts, at the span of a return type, that `fallible` applies to it.
    #[inline(always)]
    pub fn assert_fallible<T: Fallible>() {}

    /// Converts the value of `pool = <expr>`.
    #[inline(always)]
    pub fn into_pool<P: IntoPool>(pool: P) -> Pool {
        pool.into_pool()
    }

    /// What `pool = <expr>` accepts: a `Pool` or a reference to one.
    #[diagnostic::on_unimplemented(
        message = "`pool = ...` expects a `strand::Pool`, found `{Self}`",
        label = "not a `strand::Pool`",
        note = "build one with `strand::Pool::new(size)` or `strand::Pool::builder()`"
    )]
    pub trait IntoPool {
        /// The pool.
        fn into_pool(self) -> Pool;
    }
    impl IntoPool for Pool {
        fn into_pool(self) -> Pool {
            self
        }
    }
    impl IntoPool for &Pool {
        fn into_pool(self) -> Pool {
            self.clone()
        }
    }
}
