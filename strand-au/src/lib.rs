//! Persisted asynchronous computations: call a function, get a handle at
//! once, read its status and result later, from anywhere that can reach the
//! store (another thread, another process, a web handler knowing only the key).
//!
//! The Rust counterpart of Python strand's `au` module. The pieces:
//!
//! | piece | what | provided |
//! |---|---|---|
//! | [`ComputationStore`] | where records live, with TTL and leases | [`FileSystemStore`] (default), [`MemoryStore`], [`TempStore`] |
//! | [`ComputationBackend`] | where bodies run | [`ThreadBackend`] (default), [`PoolBackend`], [`InlineBackend`] |
//! | [`Middleware`] | hooks around each computation | [`LoggingMiddleware`], [`MetricsMiddleware`], [`RateLimitMiddleware`] |
//! | [`ComputationHandle`] | status, join, cancel, progress, metadata | |
//! | [`Computation`] | a function with all of the above | |
//!
//! A record moves `Pending → Running → Completed | Failed | Cancelled`, only
//! forward, and the first terminal status wins (see [`Record`]).
//!
//! # One vocabulary, one task model
//!
//! A [`ComputationHandle<T, E>`] is joined with the words of strand's
//! [`TaskHandle`](strand::TaskHandle) (`join`, `try_join`, `join_timeout`,
//! `join_deadline`, `.await`), and its [`ComputationError<E>`] answers what a
//! [`JoinError`](strand::JoinError) answers (`is_failed`, `is_panic`,
//! `is_cancelled`, `failure`, `panic_message`). `E` is what a returned
//! error is read back as: typed when the function's error type is
//! `Serialize + DeserializeOwned` (the record keeps the error), its message
//! otherwise; the default, `String`, reads every message. The methods borrow
//! the handle, because the outcome lives in the store, not in the handle.
//!
//! A computation's body runs as a strand task: `strand::current_task()`
//! inside it is named after the computation and reports its cancel, as
//! [`current_computation()`](current_computation) does, so code that only
//! knows strand (and strand's own `on_iter` delivery) stops too. What
//! strand-au adds to that task is what only a stored computation has: its
//! key, progress, metadata, and a cancel that can come from the record
//! (written by any process), which the lease renewer and in-process
//! `cancel()` feed into the task.
//!
//! # Leases
//!
//! A worker claims a computation by writing it `Running` with a lease: its
//! owner tag (`pid-<pid>-<random>`) and an expiry, 30 s by default
//! ([`Computation::lease`]). The claim is lazy: a body that ends within
//! [`CLAIM_AFTER`] (10 ms) is never written `Running`, so it costs two
//! record writes instead of three (see there for what that means to
//! `cancel()` and to a worker that dies in that window). While the body
//! runs, the renewer thread of its store extends the lease of every
//! computation that has run for a third of its lease, once per third of the
//! lease (short computations cost no renewal write at all); progress
//! reports extend it too. If the process
//! dies, renewals stop, the lease lapses, and the next reader
//! ([`ComputationStore::get`], a handle's wait or status, cleanup) fails the
//! record with [`ErrorKind::WorkerLost`] ("worker lost ...") and writes that
//! back atomically. The renewer also notices a `Cancelled` written by another
//! process and tells the body through [`CurrentComputation::is_cancelled`].
//!
//! Every record also names its owner from its first write (the launching
//! process, then the worker that claims it), and each process that owns
//! records in a store keeps a [`Heartbeat`] there: a computation still
//! `Pending` (queued in a backend, or in the first [`CLAIM_AFTER`] of its
//! body) when its process dies fails "worker lost" once that heartbeat
//! lapses, within a lease.
//!
//! # The store is the queue
//!
//! A function declared `#[strand::as_task(store = ...)]` (or a
//! [`StoreTaskWriter`], its runner form) does not run where it is called: a
//! call writes a task (the registered name, the encoded arguments, a due
//! time, the attempts) into a queue of the store and returns strand's
//! [`TaskHandle`](strand::TaskHandle) at once. [`StoreTaskReader`] workers,
//! in any process that shares the store, claim tasks atomically (exactly
//! one worker gets each), run the function their binary registered under
//! that name, and write the outcome into the task's record, which completes
//! the handle. A task whose worker dies goes back to its queue and runs
//! again, up to its maximum attempts: tasks run at least once, so task
//! functions should be idempotent.
//!
//! ```
//! use std::sync::{Arc, LazyLock};
//! use std::time::Duration;
//! use strand_au::{ComputationStore, MemoryStore, StoreTaskReader};
//!
//! static STORE: LazyLock<Arc<dyn ComputationStore>> =
//!     LazyLock::new(|| Arc::new(MemoryStore::new()));
//!
//! /// A thumbnail's size; any worker of the `images` queue computes it.
//! #[strand::as_task(store = STORE.clone(), queue = "images")]
//! fn thumbnail(width: u32, height: u32) -> (u32, u32) {
//!     (width / 10, height / 10)
//! }
//!
//! let handle = thumbnail(1920, 1080); // written into the queue, not run
//! let key = handle.key().expect("a store task has a key").to_owned();
//!
//! // A worker: usually a binary of its own (`StoreTaskReader::run`, which
//! // stops on SIGTERM), on as many processes as the store reaches.
//! let worker = StoreTaskReader::new(STORE.clone()).queues(["images"]).listen()?;
//! assert_eq!(handle.join_timeout(Duration::from_secs(30))?, (192, 108));
//!
//! // Anyone who knows the key rebuilds a handle, in this process or another.
//! assert_eq!(thumbnail::handle(&key).join()?, (192, 108));
//! worker.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `#[async_compute(backend = queue)]` sends a computation's job through
//! the queue the same way, and its [`ComputationHandle`] is unchanged.
//!
//! # Without the macro
//!
//! Everything `#[async_compute]` generates can be written by hand:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use strand_au::{
//!     Computation, ComputationHandle, ComputationStore, MetricsMiddleware, PoolBackend, Runner,
//!     Status, TempStore,
//! };
//!
//! let temp = TempStore::new().unwrap().configure(|s| s.ttl(Duration::from_secs(3600)));
//! let store: Arc<dyn ComputationStore> = temp.shared();
//! let metrics = MetricsMiddleware::new();
//!
//! let expensive = Computation::new("app::expensive", Runner::new(|n: u64| (1..=n).product::<u64>()))
//!     .store(store.clone())
//!     .backend(Arc::new(PoolBackend::new(2)))
//!     .middleware(Arc::new(metrics.clone()));
//!
//! let handle: ComputationHandle<u64> = expensive.launch(&20); // returns at once
//! assert_eq!(handle.join_timeout(Duration::from_secs(30)).unwrap(), 2_432_902_008_176_640_000);
//!
//! // A web handler that only knows the id:
//! let id = handle.key().to_string();
//! let seen = ComputationHandle::<u64>::from_key(id.parse().unwrap(), store.clone());
//! assert_eq!(seen.status().unwrap(), Status::Completed);
//! assert_eq!(metrics.stats().completed, 1);
//!
//! // Failures say what happened:
//! let checked = Computation::new("app::checked", Runner::fallible(|x: i64| {
//!     if x < 0 { Err(format!("{x} must be positive")) } else { Ok(x * x) }
//! }))
//! .store(store.clone());
//! let err = checked.launch::<i64>(&-5).join().unwrap_err();
//! assert!(err.is_failed());
//! assert_eq!(err.to_string(), "computation failed: -5 must be positive");
//! ```
#![warn(missing_docs, unreachable_pub, rust_2018_idioms)]

#[cfg(not(unix))]
compile_error!(
    "strand-au needs a Unix system (only Linux is verified): its FileSystemStore locks records with flock(2) and reads the user id with getuid(2), and its process backends run functions in child processes through strand's `process` feature"
);

mod backend;
mod clock;
mod context;
mod error;
mod handle;
#[cfg(feature = "tokio")]
mod handle_async;
mod job;
mod key;
mod launch;
mod macro_support;
mod macro_support_store;
mod middleware;
mod queue;
mod record;
mod registry;
mod store;

pub use backend::inline::InlineBackend;
pub use backend::pool::PoolBackend;
#[cfg(unix)]
pub use backend::process::ProcessBackend;
#[cfg(unix)]
pub use backend::process_pool::ProcessPoolBackend;
pub use backend::thread::ThreadBackend;
pub use backend::{ComputationBackend, LaunchError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use context::{CLAIM_AFTER, CurrentComputation, current_computation};
pub use error::ComputationError;
pub use handle::ComputationHandle;
pub use job::{ComputationFailure, DEFAULT_LEASE, Job, Runner, RunnerFn};
pub use key::{Key, KeyError, MAX_KEY_LEN};
pub use launch::{Computation, DEFAULT_TTL};
pub use middleware::logging::LoggingMiddleware;
pub use middleware::metrics::{MetricsMiddleware, MetricsStats};
pub use middleware::rate_limit::RateLimitMiddleware;
pub use middleware::{ComputationContext, Middleware, MiddlewareError, Rejection};
pub use queue::{ReaderGuard, ReaderStats, StoreTaskReader, StoreTaskWriter};
pub use record::{ErrorInfo, ErrorKind, Lease, Progress, Record, Status};
pub use registry::{RegistryError, lookup, register, registered_names};
pub use store::conformance;
pub use store::fs::FileSystemStore;
pub use store::memory::MemoryStore;
#[cfg(feature = "redis")]
pub use store::redis::RedisStore;
pub use store::temp::TempStore;
pub use store::{
    ChangeSignal, Claimed, ComputationStore, Created, DEFAULT_MAX_RECORD_SIZE, DEFAULT_QUEUE,
    Heartbeat, PageCursor, QueueStats, QueueWatch, RecordPage, Serialization, StoreDescription,
    StoreError, Subscription, UpdateAction, Updated, decode_record, encode_record,
    encode_record_limited, is_owner_tag, is_queue_name,
};
pub use strand::CancelOutcome;
#[cfg(feature = "macros")]
#[doc(inline)]
pub use strand_macros::async_compute;

// Not public API: used by strand-macros, may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::{
        Computation, ComputationBackend, ComputationFailure, ComputationHandle, ComputationStore,
        ErrorInfo, ErrorKind, FileSystemStore, Middleware, PoolBackend, Runner, RunnerFn,
        Serialization, StoreTaskWriter, ThreadBackend, lookup, register,
    };
    pub use serde::Serialize;
    pub use serde::de::DeserializeOwned;
    pub use serde_json::Value;
    pub use std::sync::{Arc, LazyLock};

    pub use crate::macro_support::{
        Args, ComputationArg, ComputationValue, Decoder, ErrorType, FailureMessage, Glue, Glued,
        IntoBackend, IntoMiddleware, IntoStore, IntoTtl, ReadMessage, ReadTyped, ReturnedError,
        StoreMessage, StoreTyped, arg, default_store, encode_result, handle, into_backend,
        into_middleware, into_store, into_ttl, launch, returned, run_with,
    };
    pub use crate::{InlineBackend, Key, StoreError};
    pub use strand;

    /// Runs a registered runner in a child process (the entry that
    /// `#[async_compute]` adds to strand's process registry).
    #[cfg(unix)]
    pub fn serve_in_child(
        input: strand::process::ChildInput<'_>,
        runner: RunnerFn,
    ) -> strand::process::Reply {
        crate::backend::process::serve_in_child(input, runner)
    }
    #[cfg(unix)]
    pub use crate::{ProcessBackend, ProcessPoolBackend};
    pub use strand::Fallible;
    #[cfg(feature = "tokio")]
    pub use strand::coroutine::block_on;

    pub use crate::job::{decode_args, encode_value};
    pub use crate::macro_support_store::{
        DisplayMessage, ErrorMessage, NoMessage, StoreArg, StoreFailure, StoreValue, store_failure,
    };

    /// Asserts, at the span of `store = <expr>`, that it is a store.
    #[inline(always)]
    pub fn assert_store<S: ComputationStore>(_: &S) {}

    /// Asserts, at the span of `backend = <expr>`, that it is a backend.
    #[inline(always)]
    pub fn assert_backend<B: ComputationBackend>(_: &B) {}

    /// Asserts, at the span of a middleware expression, that it is a middleware.
    #[inline(always)]
    pub fn assert_middleware<M: Middleware>(_: &M) {}

    /// Asserts, at the span of an argument type, that it can be serialized.
    #[inline(always)]
    pub fn assert_serialize<T: Serialize>() {}

    /// Asserts, at the span of the return type, that it round-trips through serde.
    #[inline(always)]
    pub fn assert_result<T: Serialize + DeserializeOwned>() {}
}
