//! [`Job`] and [`Runner`]: what a backend runs, and the one function that
//! runs it on every backend.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::{self, Running};
use crate::key::Key;
use crate::middleware::{ComputationContext, Middleware};
use crate::record::{ErrorInfo, ErrorKind, Record, Status};
use crate::store::{ComputationStore, StoreError, UpdateAction};

/// The error a runner returns: a kind and a message.
pub type ComputationFailure = ErrorInfo;

/// A plain function pointer runner, as kept by the [registry](crate::register).
pub type RunnerFn = fn(serde_json::Value) -> Result<serde_json::Value, ComputationFailure>;

/// A type-erased function body: serialized arguments in, serialized result
/// (or a [`ComputationFailure`]) out. Cheap to clone.
///
/// # Examples
///
/// ```
/// use strand_au::{ErrorKind, Runner};
///
/// let add = Runner::new(|(a, b): (u32, u32)| a + b);
/// assert_eq!(add.call(serde_json::json!([2, 3])).unwrap(), serde_json::json!(5));
///
/// let bad = add.call(serde_json::json!("nope")).unwrap_err();
/// assert_eq!(bad.kind, ErrorKind::Decode);
///
/// let checked = Runner::fallible(|x: i32| if x >= 0 { Ok(x) } else { Err(format!("{x} is negative")) });
/// let err = checked.call(serde_json::json!(-1)).unwrap_err();
/// assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Returned, "-1 is negative"));
/// ```
#[derive(Clone)]
pub struct Runner(
    Arc<dyn Fn(serde_json::Value) -> Result<serde_json::Value, ComputationFailure> + Send + Sync>,
);

/// Decodes the arguments of a runner (what `Runner::new` and the macros'
/// registered runners do first).
pub fn decode_args<A: DeserializeOwned>(args: serde_json::Value) -> Result<A, ComputationFailure> {
    serde_json::from_value(args)
        .map_err(|e| ErrorInfo::new(ErrorKind::Decode, format!("cannot decode arguments: {e}")))
}

/// The failure of a function that returned `error`, kept with its encoded
/// `value` when there is one.
pub(crate) fn returned_error(
    error: &dyn fmt::Display,
    value: Option<serde_json::Value>,
) -> ComputationFailure {
    let info = ErrorInfo::new(ErrorKind::Returned, error.to_string());
    match value {
        Some(value) => info.with_value(value),
        None => info,
    }
}

/// Encodes the value of a runner.
pub fn encode_value<R: Serialize>(value: &R) -> Result<serde_json::Value, ComputationFailure> {
    serde_json::to_value(value)
        .map_err(|e| ErrorInfo::new(ErrorKind::Decode, format!("cannot encode result: {e}")))
}

impl Runner {
    /// A runner over an infallible typed function.
    pub fn new<A, R, F>(f: F) -> Runner
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> R + Send + Sync + 'static,
    {
        Runner::raw(move |args| encode_value(&f(decode_args(args)?)))
    }

    /// A runner over a function returning `Result`: `Err(e)` fails the
    /// computation with [`ErrorKind::Returned`] and `e`'s message.
    pub fn fallible<A, R, E, F>(f: F) -> Runner
    where
        A: DeserializeOwned,
        R: Serialize,
        E: fmt::Display,
        F: Fn(A) -> Result<R, E> + Send + Sync + 'static,
    {
        Runner::raw(move |args| match f(decode_args(args)?) {
            Ok(value) => encode_value(&value),
            Err(e) => Err(returned_error(&e, None)),
        })
    }

    /// A runner over a function returning `Result` whose error is a serde
    /// type: `Err(e)` fails the computation with [`ErrorKind::Returned`],
    /// `e`'s message, and `e` itself, which a handle reads back typed
    /// ([`ComputationHandle::with_error`](crate::ComputationHandle::with_error),
    /// [`ComputationError::failure`](crate::ComputationError::failure)), as
    /// `#[async_compute]` does for such a function.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{Computation, MemoryStore, Runner};
    ///
    /// let c = Computation::new("div", Runner::fallible_typed(|(a, b): (u32, u32)| {
    ///     a.checked_div(b).ok_or_else(|| format!("{a} / 0"))
    /// }))
    /// .store(Arc::new(MemoryStore::new()));
    /// let err = c.launch::<u32>(&(1, 0)).join().unwrap_err();
    /// assert_eq!(err.failure().map(String::as_str), Some("1 / 0"));
    /// ```
    pub fn fallible_typed<A, R, E, F>(f: F) -> Runner
    where
        A: DeserializeOwned,
        R: Serialize,
        E: fmt::Display + Serialize,
        F: Fn(A) -> Result<R, E> + Send + Sync + 'static,
    {
        Runner::raw(move |args| match f(decode_args(args)?) {
            Ok(value) => encode_value(&value),
            Err(e) => Err(returned_error(&e, serde_json::to_value(&e).ok())),
        })
    }

    /// A runner over an untyped function.
    pub fn raw<F>(f: F) -> Runner
    where
        F: Fn(serde_json::Value) -> Result<serde_json::Value, ComputationFailure>
            + Send
            + Sync
            + 'static,
    {
        Runner(Arc::new(f))
    }

    /// A runner over a plain function pointer, as kept by the
    /// [registry](crate::register) (an inherent method, so generated code
    /// needs no trait in scope).
    pub fn from_fn(f: RunnerFn) -> Runner {
        Runner::raw(f)
    }

    /// Runs the body (panics propagate; [`Job::run`] catches them).
    ///
    /// # Errors
    ///
    /// What the body returned.
    pub fn call(&self, args: serde_json::Value) -> Result<serde_json::Value, ComputationFailure> {
        (self.0)(args)
    }
}

impl From<RunnerFn> for Runner {
    fn from(f: RunnerFn) -> Runner {
        Runner::raw(f)
    }
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Runner(..)")
    }
}

/// One computation to run: everything a backend needs.
///
/// An in-process backend calls [`run`](Self::run). A backend that runs
/// elsewhere (another process, another machine) can ignore the runner and
/// send [`function`](Self::function) and [`args`](Self::args) instead: the
/// other side finds the function by name in its [registry](crate::lookup)
/// and runs `Job::new(...).run()` there.
#[derive(Clone)]
pub struct Job {
    key: Key,
    function: String,
    args: serde_json::Value,
    store: Arc<dyn ComputationStore>,
    middleware: Arc<[Arc<dyn Middleware>]>,
    runner: Runner,
    lease: Duration,
    claim_at_start: bool,
    /// The launcher's hold on the record, released when the last clone of
    /// the job is dropped (see `context::hold`).
    hold: Option<Arc<context::Hold>>,
    /// The record was claimed from a store's queue by a worker of this
    /// process: it is `Running` with this process's lease already.
    queued: bool,
    /// Dropped with the last clone of the job: tells a queue's worker that
    /// the job is done.
    done: Option<Arc<dyn Send + Sync>>,
}

/// The default lease of a running computation.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

impl Job {
    /// A job for the record `key` (which should exist, `Pending`, in `store`).
    pub fn new(
        key: Key,
        function: impl Into<String>,
        args: serde_json::Value,
        store: Arc<dyn ComputationStore>,
        runner: Runner,
    ) -> Job {
        Job {
            key,
            function: function.into(),
            args,
            store,
            middleware: Arc::from(Vec::new()),
            runner,
            lease: DEFAULT_LEASE,
            claim_at_start: false,
            hold: None,
            queued: false,
            done: None,
        }
    }

    /// A job for a task this process claimed from a store's queue (its
    /// record `Running` with this process's lease): it runs if the record
    /// is still so, and `done` is dropped when the job is.
    pub(crate) fn claimed_task(mut self, done: Arc<dyn Send + Sync>) -> Job {
        self.queued = true;
        self.done = Some(done);
        self
    }

    /// Keeps this process's heartbeat in the store alive until the job
    /// (every clone) is dropped.
    pub(crate) fn with_hold(mut self, hold: context::Hold) -> Job {
        self.hold = Some(Arc::new(hold));
        self
    }

    /// Sets the middleware.
    pub fn with_middleware(mut self, middleware: Arc<[Arc<dyn Middleware>]>) -> Job {
        self.middleware = middleware;
        self
    }

    /// Sets the lease (at least 30 ms).
    pub fn with_lease(mut self, lease: Duration) -> Job {
        self.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// Claims the record (`Running`, with this process's lease) as soon as
    /// the body starts, instead of after [`CLAIM_AFTER`](crate::CLAIM_AFTER):
    /// for a worker that may outlive the process that launched the job, so
    /// that the record names its owner from the start.
    pub fn claim_at_start(mut self) -> Job {
        self.claim_at_start = true;
        self
    }

    /// Replaces the runner: a backend that runs the body elsewhere (a
    /// child process, say) keeps the job's record keeping here and swaps in
    /// a runner that sends [`function`](Self::function) and the arguments
    /// there.
    pub fn with_runner(mut self, runner: Runner) -> Job {
        self.runner = runner;
        self
    }

    /// The middleware that run around the body.
    pub fn middleware(&self) -> &[Arc<dyn Middleware>] {
        &self.middleware
    }

    /// The record's key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// The registered function name.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The serialized arguments.
    pub fn args(&self) -> &serde_json::Value {
        &self.args
    }

    /// The store of the record.
    pub fn store(&self) -> &Arc<dyn ComputationStore> {
        &self.store
    }

    /// The lease a worker takes.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Reads the record before the body runs. A claimed task's read is
    /// tried again for up to its lease while the store fails (a server
    /// restarting, a network blip): the task is this worker's, and giving
    /// up would leave it claimed by a live worker that does not run it.
    fn first_read(&self) -> Result<Option<Record>, StoreError> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(50);
        loop {
            match self.store.load(&self.key) {
                Err(e) if self.queued && started.elapsed() + pause < self.lease => {
                    tracing::warn!(key = %self.key, error = %e, "cannot read a claimed task's record; trying again");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
                outcome => return outcome,
            }
        }
    }

    /// Runs the computation here and now, recording everything in the store.
    ///
    /// 1. Registers the computation in this process (for the lease renewer
    ///    and an in-process `cancel()`), then reads the record: if it is no
    ///    longer `Pending` (cancelled, finished, deleted), nothing runs.
    /// 2. Runs middleware `before` hooks; a rejection fails the computation.
    /// 3. Runs the body with panics caught, as the current computation. A
    ///    body still running after [`CLAIM_AFTER`](crate::CLAIM_AFTER) is
    ///    claimed, `Pending → Running` with a lease (one atomic update, by
    ///    the lease renewer thread).
    /// 4. Runs `after` / `on_error` with the body's outcome (or `Cancelled`
    ///    when this process knows it was cancelled).
    /// 5. Records `Completed` or `Failed` (one atomic update, which also
    ///    records the start if the claim was never written; the first
    ///    terminal status wins, so a concurrent `cancel()` stays).
    ///
    /// With the `Pending` record written at launch that makes two writes per
    /// short computation (`Pending`, result) and three for a long one
    /// (`Running` with the lease that shows the worker alive, in between),
    /// plus lease renewals. The store wakes waiters on each write.
    pub fn run(self) {
        let store = &self.store;
        let running = Running::new(self.key.clone(), store.clone(), self.lease);
        // Register before reading: a `cancel()` of this process either
        // sees the registration (and answers `Requested`), or wrote
        // `Cancelled` before it and the read below sees that.
        if let Err(e) = context::register(&running) {
            // No heartbeat, so no claim: a reader could not tell this
            // process is alive. Say why in the record if the store takes it.
            tracing::error!(key = %self.key, error = %e, "cannot write this process's heartbeat");
            let now = store.clock().now_ms();
            let info = ErrorInfo::new(
                ErrorKind::Store,
                format!("cannot write the worker's heartbeat: {e}"),
            );
            let _ = store.update(&self.key, &mut |r| {
                UpdateAction::write_if(r.fail(info.clone(), now))
            });
            context::unregister(&running);
            return;
        }
        // Unregistered when this function ends, however it ends (a store
        // that panics included): a registered key is one this process
        // answers for.
        let _registered = Unregister(&running);
        match self.first_read() {
            Ok(Some(r)) if r.status == Status::Pending && !self.queued => {}
            Ok(Some(r))
                if self.queued
                    && r.status == Status::Running
                    && r.lease.as_ref().is_some_and(|l| l.owner == *context::OWNER) =>
            {
                running.mark_claimed();
            }
            Ok(_) => {
                // cancelled, finished or deleted before it started
                return;
            }
            Err(e) => {
                tracing::error!(key = %self.key, error = %e, "cannot read computation record");
                return;
            }
        }
        context::started(&running);
        if self.claim_at_start {
            running.renew();
        }
        let ctx = ComputationContext::new(&self.key, &self.function, &self.args);

        let mut hooked = 0;
        let mut outcome = None;
        for m in self.middleware.iter() {
            hooked += 1;
            match catch_unwind(AssertUnwindSafe(|| m.before(&ctx))) {
                Ok(Ok(())) => {}
                Ok(Err(rejection)) => {
                    outcome = Some(Err(ErrorInfo::new(ErrorKind::Rejected, rejection.reason())));
                    break;
                }
                Err(panic) => log_panic("before", m.as_ref(), &*panic),
            }
        }
        let outcome = outcome.unwrap_or_else(|| {
            let _entered = context::enter(running.clone());
            // The body runs as a strand task too: `strand::current_task()`
            // names the computation and sees its cancel, and so does every
            // runner step inside (`on_iter` stops delivering).
            let watched = running.clone();
            strand::__private::run_nested(
                Some(Cow::Owned(self.function.clone())),
                move || watched.is_cancelled(),
                || match catch_unwind(AssertUnwindSafe(|| self.runner.call(self.args.clone()))) {
                    Ok(result) => result,
                    Err(panic) => Err(ErrorInfo::new(ErrorKind::Panicked, panic_message(&*panic))),
                },
            )
        });

        // Hooks run before the terminal write, so that whoever `wait()`s
        // sees their effects (e.g. metrics) once the result is visible. They
        // are told what the body produced, or `Cancelled` if this process
        // knows of a cancellation; a cancellation from another process that
        // lands in between still wins in the record.
        let duration = ctx.elapsed();
        let cancelled = ErrorInfo::new(ErrorKind::Cancelled, "cancelled");
        let seen = if running.is_cancelled() {
            Err(&cancelled)
        } else {
            outcome.as_ref()
        };
        for m in self.middleware.iter().take(hooked) {
            let result = catch_unwind(AssertUnwindSafe(|| match seen {
                Ok(value) => m.after(&ctx, duration, value),
                Err(error) => m.on_error(&ctx, duration, error),
            }));
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(key = %self.key, middleware = ?m, error = %e, "middleware hook failed (ignored)")
                }
                Err(panic) => log_panic("after/on_error", m.as_ref(), &*panic),
            }
        }
        self.record_outcome(&running, &outcome);
    }

    /// Writes the terminal status (retrying store errors with backoff for
    /// about half a second), and the start if the claim was never written;
    /// returns the record as stored, whoever finished it. When the store
    /// still refuses, the outcome goes to the store's renewer, which keeps
    /// trying (see `context::defer_outcome`), and `None` is returned.
    fn record_outcome(
        &self,
        running: &Arc<Running>,
        outcome: &Result<serde_json::Value, ErrorInfo>,
    ) -> Option<Record> {
        let mut pause = Duration::from_millis(5);
        let mut last = None;
        // An outcome the store refuses as too large is recorded as a
        // failure saying so (retrying it would never succeed).
        let mut too_large: Option<Result<serde_json::Value, ErrorInfo>> = None;
        for attempt in 1..=4 {
            let outcome = too_large.as_ref().unwrap_or(outcome);
            let written = catch_unwind(AssertUnwindSafe(|| {
                context::write_outcome(&self.store, &self.key, running, outcome)
            }))
            .unwrap_or_else(|panic| {
                Err(StoreError::Other(format!(
                    "the store panicked: {}",
                    panic_message(&*panic)
                )))
            });
            match written {
                Ok(record) => return record,
                Err(e @ StoreError::TooLarge { .. }) if too_large.is_none() => {
                    tracing::warn!(key = %self.key, error = %e, "computation outcome too large for the store; recording a failure");
                    too_large = Some(Err(ErrorInfo::new(
                        ErrorKind::Store,
                        format!("cannot record the computation's outcome: {e}"),
                    )));
                }
                Err(e) => {
                    tracing::warn!(key = %self.key, attempt, error = %e, "cannot record computation outcome");
                    last = Some(e);
                    if attempt < 4 {
                        std::thread::sleep(pause);
                        pause *= 4;
                    }
                }
            }
        }
        if let Some(e) = last {
            tracing::error!(key = %self.key, error = %e, "the store refuses the computation outcome; retrying in the background");
            let outcome = too_large.unwrap_or_else(|| outcome.clone());
            context::defer_outcome(running, outcome, &e);
        }
        None
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("key", &self.key)
            .field("function", &self.function)
            .field("args", &self.args)
            .field("store", &self.store)
            .field("middleware", &self.middleware)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

fn log_panic(hook: &str, m: &dyn Middleware, panic: &(dyn Any + Send)) {
    tracing::warn!(middleware = ?m, hook, panic = %panic_message(panic), "middleware hook panicked (ignored)");
}

/// The text of a panic payload (strand's, for every crate of the workspace).
pub(crate) use strand::__private::panic_message;

/// Unregisters a running computation when dropped.
struct Unregister<'a>(&'a Arc<Running>);

impl Drop for Unregister<'_> {
    fn drop(&mut self) {
        context::unregister(self.0);
    }
}
