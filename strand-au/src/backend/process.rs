//! Process backends: [`ProcessBackend`] (a fresh child per computation) and
//! [`ProcessPoolBackend`] (warm worker processes reused across
//! computations).
//!
//! The child is a copy of this binary that strand diverts into its worker
//! loop before `main` (see [`strand::process`]); it finds the function by
//! its registered name, so only `#[async_compute]` functions (which
//! register themselves for this) can run there. Who writes the record:
//!
//! - **The child**, when the store can be opened from another process
//!   ([`ComputationStore::describe`](crate::ComputationStore::describe): a
//!   [`FileSystemStore`](crate::FileSystemStore)) and the computation has
//!   no middleware. The parent sends the store's description with the job;
//!   the child runs the whole job (claim, lease renewal, progress and
//!   metadata, the result) against the same directory. A computation thus
//!   finishes and is recorded even if the launching process dies: this is
//!   the one kind of child that outlives its launcher (it opts out with
//!   [`strand::process::outlive_parent`]). It claims the record as soon as
//!   the body starts (no lazy claim), takes no further job and exits after
//!   this one, and reads its record every 200 ms: a cancel written there by
//!   any process, or the record's deletion, kills it and its process group.
//! - **The launching process** otherwise (a
//!   [`MemoryStore`](crate::MemoryStore), or middleware, which runs where
//!   the record is written): the job runs here as on the thread backends,
//!   only the body crosses to the child, and progress reported from inside
//!   the body stays in the child.
//!
//! Either way a computation whose child dies is Failed with
//! [`ErrorKind::WorkerLost`] and the exit status or signal at once (the
//! first terminal status wins, so a result the child recorded stays), never
//! left Running. `cancel()` on a running computation kills its child
//! (within about 20 ms from this process, 100 ms from another one); the
//! pool starts a replacement. Every other child dies with its launcher (see
//! [`strand::process`]).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use serde_json::Value;
use strand::process::{ChildInput, Reply, Serialization, WorkerProcess};

use super::{ComputationBackend, LaunchError};
use crate::context::current_computation;
use crate::job::{Job, Runner, RunnerFn, panic_message};
use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Status};
use crate::store::{StoreDescription, UpdateAction};

/// How often a waiting parent checks whether its computation was cancelled
/// in this process.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// Every how many [`CANCEL_POLL`]s a waiting parent reads the record for a
/// cancel written by another process (every 100 ms).
const STORE_POLLS: u32 = 5;

/// How often a child that records its own computation reads the record for
/// a cancel (the issue's bound is 250 ms).
const CHILD_CANCEL_WATCH: Duration = Duration::from_millis(200);

/// What the parent asks of a child.
#[derive(serde::Serialize, serde::Deserialize)]
enum ChildRequest {
    /// Run the body on these arguments and send back its outcome.
    Run(Value),
    /// Run the whole job against the described store, recording it there.
    Job {
        key: String,
        function: String,
        args: Value,
        store: StoreDescription,
        lease_ms: u64,
    },
}

/// Runs a registered runner in the child: what the entry that
/// `#[async_compute]` adds to strand's process registry calls.
pub(crate) fn serve_in_child(input: ChildInput<'_>, runner: RunnerFn) -> Reply {
    strand::process::run_child::<ChildRequest, Result<Value, ErrorInfo>>(input, |request| {
        match request {
            ChildRequest::Run(args) => match catch_unwind(AssertUnwindSafe(|| runner(args))) {
                Ok(outcome) => outcome,
                Err(panic) => Err(ErrorInfo::new(ErrorKind::Panicked, panic_message(&*panic))),
            },
            ChildRequest::Job {
                key,
                function,
                args,
                store,
                lease_ms,
            } => {
                let key =
                    Key::new(key).map_err(|e| ErrorInfo::new(ErrorKind::Decode, e.to_string()))?;
                // This child records the computation itself, so it may
                // outlive its launcher: it no longer dies with it, takes no
                // further job, and stays killable through the record.
                strand::process::outlive_parent();
                let store = store.open();
                let (watched, watch_key) = (store.clone(), key.clone());
                // Cancelled, or deleted (nothing left to record into): stop.
                strand::process::kill_worker_when(CHILD_CANCEL_WATCH, move || {
                    match watched.load(&watch_key) {
                        Ok(Some(r)) => r.status == Status::Cancelled,
                        Ok(None) => true,
                        Err(_) => false,
                    }
                });
                Job::new(key, function, args, store, Runner::from_fn(runner))
                    .with_lease(Duration::from_millis(lease_ms))
                    .claim_at_start()
                    .run();
                Ok(Value::Null)
            }
        }
    })
}

/// Runs `name(args)` in `worker`, waiting for the reply while watching for
/// a cancellation of the current computation. Returns the outcome and
/// whether the worker is still usable.
fn call_in(
    worker: &mut WorkerProcess,
    format: Serialization,
    name: &str,
    args: Value,
) -> (Result<Value, ErrorInfo>, bool) {
    let payload = match format.encode(&ChildRequest::Run(args)) {
        Ok(payload) => payload,
        Err(e) => {
            let error = ErrorInfo::new(ErrorKind::Decode, format!("cannot encode arguments: {e}"));
            return (Err(error), true);
        }
    };
    if let Err(e) = worker.send(format, name, &payload) {
        return (Err(worker_lost(&e)), false);
    }
    let computation = current_computation();
    let cancelled = |round: u32| {
        computation.is_cancelled()
            || (round > 0 && round % STORE_POLLS == 0 && computation.recheck_cancelled())
    };
    match wait_for_reply(worker, cancelled) {
        Waited::Ready => {}
        Waited::Cancelled => {
            let error = ErrorInfo::new(
                ErrorKind::Cancelled,
                "cancelled; its worker process was killed",
            );
            return (Err(error), false);
        }
        Waited::Lost(error) => return (Err(error), false),
    }
    match worker.receive() {
        Ok(Reply::Value(bytes)) => match format.decode::<Result<Value, ErrorInfo>>(&bytes) {
            Ok(outcome) => (outcome, true),
            Err(e) => {
                let error = ErrorInfo::new(
                    ErrorKind::Decode,
                    format!("cannot decode the worker's reply: {e}"),
                );
                (Err(error), true)
            }
        },
        Ok(Reply::Panic(message)) => (Err(ErrorInfo::new(ErrorKind::Panicked, message)), true),
        Ok(Reply::Error(_, message)) => (Err(ErrorInfo::new(ErrorKind::Decode, message)), true),
        Err(e) => (Err(worker_lost(&e)), false),
    }
}

/// The store description to send when the child can write the record.
fn child_writes(job: &Job) -> Option<StoreDescription> {
    if job.middleware().is_empty() {
        job.store().describe()
    } else {
        None
    }
}

/// Runs the whole `job` in `worker`, which records it in the described
/// store; this process watches the record for a cancellation (and then
/// kills the worker) and records a worker that dies. The worker is not
/// usable afterwards: it exits after the one job (so it is reaped here).
fn run_in_child(
    job: &Job,
    store: StoreDescription,
    worker: &mut WorkerProcess,
    format: Serialization,
) -> bool {
    let request = ChildRequest::Job {
        key: job.key().to_string(),
        function: job.function().to_owned(),
        args: job.args().clone(),
        store,
        lease_ms: u64::try_from(job.lease().as_millis()).unwrap_or(u64::MAX),
    };
    let payload = match format.encode(&request) {
        Ok(payload) => payload,
        Err(e) => {
            let error = ErrorInfo::new(ErrorKind::Decode, format!("cannot encode the job: {e}"));
            record_failure(job, error);
            return true;
        }
    };
    if let Err(e) = worker.send(format, job.function(), &payload) {
        record_failure(job, worker_lost(&e));
        return false;
    }
    // Every 100 ms: was it cancelled (from anywhere)?
    let cancelled = |round: u32| {
        round > 0
            && round % STORE_POLLS == 0
            && matches!(job.store().load(job.key()), Ok(Some(r)) if r.status == Status::Cancelled)
    };
    match wait_for_reply(worker, cancelled) {
        Waited::Ready => {}
        Waited::Cancelled => {
            job.store().notify_changed(job.key());
            return false;
        }
        Waited::Lost(error) => {
            record_failure(job, error);
            return false;
        }
    }
    match worker.receive() {
        Ok(Reply::Value(_)) => {}
        Ok(Reply::Panic(message)) => {
            record_failure(job, ErrorInfo::new(ErrorKind::Panicked, message));
        }
        Ok(Reply::Error(_, message)) => {
            record_failure(job, ErrorInfo::new(ErrorKind::Decode, message));
        }
        Err(e) => record_failure(job, worker_lost(&e)),
    }
    // A child that records its computation takes no further job: it exits
    // after this one.
    let _ = worker.reap();
    job.store().notify_changed(job.key());
    false
}

/// How waiting for a worker's reply ended.
enum Waited {
    /// The reply is arriving.
    Ready,
    /// `cancelled` said so: the worker was killed and reaped.
    Cancelled,
    /// The wait itself failed: the worker was killed.
    Lost(ErrorInfo),
}

/// Waits for `worker`'s reply, asking `cancelled` before every poll (with
/// the number of polls so far) whether to give up and kill the worker.
fn wait_for_reply(worker: &mut WorkerProcess, mut cancelled: impl FnMut(u32) -> bool) -> Waited {
    let mut round = 0;
    loop {
        if cancelled(round) {
            worker.kill();
            let _ = worker.reap();
            return Waited::Cancelled;
        }
        match worker.wait_readable(CANCEL_POLL) {
            Ok(true) => return Waited::Ready,
            Ok(false) => round += 1,
            Err(e) => {
                worker.kill();
                return Waited::Lost(ErrorInfo::new(
                    ErrorKind::WorkerLost,
                    format!("cannot wait for the worker process: {e}"),
                ));
            }
        }
    }
}

/// Fails the record of `job` with `error`, unless it already ended.
fn record_failure(job: &Job, error: ErrorInfo) {
    let now = job.store().clock().now_ms();
    let result = job.store().update(job.key(), &mut |r| {
        UpdateAction::write_if(r.fail(error.clone(), now))
    });
    if let Err(e) = result {
        tracing::error!(key = %job.key(), error = %e, "cannot record the failure of a worker process");
    }
}

fn worker_lost(e: &strand::process::ProcessError) -> ErrorInfo {
    ErrorInfo::new(ErrorKind::WorkerLost, format!("worker lost: {e}"))
}

fn spawn_failed(e: strand::process::ProcessError) -> ErrorInfo {
    ErrorInfo::new(
        ErrorKind::Store,
        format!("cannot start a worker process: {e}"),
    )
}

/// Runs every computation in a fresh child process (a copy of this binary).
///
/// Starting a process costs about a millisecond, so this suits long or
/// crash-prone computations; [`ProcessPoolBackend`] keeps workers warm for
/// short ones. The child records the computation itself when the store can
/// be opened from another process (a [`FileSystemStore`](crate::FileSystemStore))
/// and there is no middleware (it then outlives this process); otherwise
/// this process records it and only the body runs in the child.
///
/// # Examples
///
/// ```
/// use strand_au::{ComputationStore, ErrorKind, MemoryStore, ProcessBackend, async_compute};
///
/// #[async_compute(backend = process, store = MemoryStore::new())]
/// fn pid_of_worker() -> u32 {
///     std::process::id()
/// }
///
/// let pid = pid_of_worker().join().unwrap();
/// assert_ne!(pid, std::process::id());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessBackend {
    format: Serialization,
}

impl ProcessBackend {
    /// A backend sending arguments and values as JSON.
    pub fn new() -> ProcessBackend {
        ProcessBackend::default()
    }

    /// Sends arguments and values with `format` instead (strand's
    /// [`Serialization`], the one the stores use too).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{MemoryStore, ProcessBackend, Serialization, async_compute};
    ///
    /// #[async_compute(
    ///     backend = ProcessBackend::new().serialization(Serialization::Binary),
    ///     store = MemoryStore::new(),
    /// )]
    /// fn double(x: u64) -> u64 {
    ///     x * 2
    /// }
    ///
    /// assert_eq!(double(21).wait().unwrap(), 42);
    /// ```
    pub fn serialization(mut self, format: Serialization) -> ProcessBackend {
        self.format = format;
        self
    }
}

impl ComputationBackend for ProcessBackend {
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        let format = self.format;
        if let Some(store) = child_writes(&job) {
            return thread::Builder::new()
                .name(format!("strand-au-process {}", job.key()))
                .spawn(move || match WorkerProcess::spawn() {
                    Ok(mut worker) => {
                        run_in_child(&job, store, &mut worker, format);
                        worker.finish_sending();
                    }
                    Err(e) => record_failure(&job, spawn_failed(e)),
                })
                .map(drop)
                .map_err(LaunchError::from);
        }
        let name = job.function().to_owned();
        let job = job.with_runner(Runner::raw(move |args| {
            let mut worker = WorkerProcess::spawn().map_err(spawn_failed)?;
            let (outcome, _) = call_in(&mut worker, format, &name, args);
            worker.finish_sending();
            outcome
        }));
        thread::Builder::new()
            .name(format!("strand-au-process {}", job.key()))
            .spawn(move || job.run())
            .map(drop)
            .map_err(LaunchError::from)
    }
}

/// Runs computations on `N` warm worker processes, reused across
/// computations.
///
/// Each worker is served by one thread of this process, which runs the
/// job (middleware, record writes) and hands the body to its worker. A
/// bounded queue (64 jobs per worker) feeds them: when it is full,
/// launching blocks (backpressure). A worker that dies takes its current
/// computation with it (Failed, [`ErrorKind::WorkerLost`], with the exit
/// status or signal; not retried, since the body may have had effects) and
/// is replaced before the next one. `cancel()` on a running computation
/// kills its worker, which is replaced too.
///
/// # Examples
///
/// ```
/// use strand_au::{MemoryStore, async_compute};
///
/// #[async_compute(backend = process_pool(2), store = MemoryStore::new())]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// let handles: Vec<_> = (0..20).map(square).collect();
/// let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
/// assert_eq!(total, 2470);
/// ```
#[derive(Clone)]
pub struct ProcessPoolBackend {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    size: usize,
    format: Serialization,
    jobs: Sender<Job>,
}

impl fmt::Debug for ProcessPoolBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPoolBackend")
            .field("size", &self.inner.size)
            .field("format", &self.inner.format)
            .finish_non_exhaustive()
    }
}

impl ProcessPoolBackend {
    /// A pool of `size` worker processes (started now, in the background),
    /// sending JSON.
    ///
    /// # Panics
    ///
    /// If `size` is 0 or a serving thread cannot be started.
    pub fn new(size: usize) -> ProcessPoolBackend {
        ProcessPoolBackend::with_serialization(size, Serialization::Json)
    }

    /// A pool of `size` worker processes sending `format` (strand's
    /// [`Serialization`], the one the stores use too).
    ///
    /// # Panics
    ///
    /// If `size` is 0 or a serving thread cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::LazyLock;
    /// use strand_au::{MemoryStore, ProcessPoolBackend, Serialization, async_compute};
    ///
    /// static POOL: LazyLock<ProcessPoolBackend> =
    ///     LazyLock::new(|| ProcessPoolBackend::with_serialization(1, Serialization::Binary));
    ///
    /// #[async_compute(backend = POOL.clone(), store = MemoryStore::new())]
    /// fn double(x: u64) -> u64 {
    ///     x * 2
    /// }
    ///
    /// assert_eq!(POOL.size(), 1);
    /// assert_eq!(double(21).wait().unwrap(), 42);
    /// ```
    pub fn with_serialization(size: usize, format: Serialization) -> ProcessPoolBackend {
        assert!(size > 0, "a process pool needs at least one worker");
        let (jobs, queue) = crossbeam_channel::bounded(size * 64);
        for i in 0..size {
            let queue = queue.clone();
            thread::Builder::new()
                .name(format!("strand-au-process-pool-{i}"))
                .spawn(move || serve(queue, format))
                .expect("cannot start a process pool thread");
        }
        ProcessPoolBackend {
            inner: Arc::new(PoolInner { size, format, jobs }),
        }
    }

    /// The number of worker processes.
    pub fn size(&self) -> usize {
        self.inner.size
    }
}

/// One worker slot: keeps a worker process warm and runs queued jobs on it
/// until the backend is dropped (then the worker is stopped).
fn serve(queue: Receiver<Job>, format: Serialization) {
    let slot: Arc<Mutex<Option<WorkerProcess>>> = Arc::new(Mutex::new(None));
    let warm = |slot: &Mutex<Option<WorkerProcess>>| {
        if let Err(e) = with_worker(slot, |_| ((), true)) {
            tracing::error!(error = %e.message, "cannot start a worker process");
        }
    };
    warm(&slot);
    for job in queue {
        if let Some(store) = child_writes(&job) {
            let ran = with_worker(&slot, |worker| {
                ((), run_in_child(&job, store, worker, format))
            });
            if let Err(error) = ran {
                record_failure(&job, error);
            }
        } else {
            let name = job.function().to_owned();
            let for_job = slot.clone();
            job.with_runner(Runner::raw(move |args| {
                with_worker(&for_job, |worker| call_in(worker, format, &name, args))?
            }))
            .run();
        }
        warm(&slot);
    }
}

/// Runs `work` on the slot's worker, starting one first if there is none;
/// `work` says whether the worker is still usable, and one that is not is
/// dropped (killed and reaped).
fn with_worker<R>(
    slot: &Mutex<Option<WorkerProcess>>,
    work: impl FnOnce(&mut WorkerProcess) -> (R, bool),
) -> Result<R, ErrorInfo> {
    let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
    let worker = match &mut *guard {
        Some(worker) => worker,
        None => guard.insert(WorkerProcess::spawn().map_err(spawn_failed)?),
    };
    let (result, usable) = work(worker);
    if !usable {
        *guard = None;
    }
    Ok(result)
}

impl ComputationBackend for ProcessPoolBackend {
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        self.inner
            .jobs
            .send(job)
            .map_err(|_| LaunchError::new("the process pool has shut down"))
    }
}
