//! Process backends: [`ProcessBackend`] (a fresh child per computation),
//! and what it shares with [`ProcessPoolBackend`] (warm worker processes
//! reused across computations, in `process_pool.rs`): how a job reaches a
//! child, and who records it.
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
//! Either way a computation whose child dies while it runs is Failed with
//! [`ErrorKind::WorkerLost`] and the exit status or signal at once (the
//! first terminal status wins, so a result the child recorded stays), never
//! left Running. A job whose child died before it started it (an idle
//! worker killed, a child killed as it started) is sent to a fresh child
//! instead: every job is sent with
//! [`send_acknowledged`](WorkerProcess::send_acknowledged), and the child
//! acknowledges it before it runs anything, so a child lost before its
//! acknowledgement arrived provably did not run the job. A job goes to at
//! most [`FRESH_SENDS`] children on the process backend and the pool's
//! size + 1 on a pool, then fails "worker lost" saying so. `cancel()` on a running computation kills its child
//! (within about 20 ms from this process, 100 ms from another one); the
//! pool starts a replacement. Every other child dies with its launcher (see
//! [`strand::process`]).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use serde_json::Value;
use strand::process::{ChildInput, Reply, Serialization, WorkerProcess};

#[cfg(doc)]
use super::process_pool::ProcessPoolBackend;
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

/// How many fresh children [`ProcessBackend`] sends a job to, at most,
/// when each dies before it starts the job.
pub(crate) const FRESH_SENDS: usize = 3;

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

/// How sending a job to one worker process ended.
pub(super) enum Sent<R> {
    /// The worker started the job; its outcome, and whether the worker is
    /// still usable.
    Ran(R, bool),
    /// The worker died before it started the job (it never acknowledged
    /// it), so the job did not run: it may go to another worker. The
    /// worker is gone.
    NotStarted(ErrorInfo),
}

/// How starting a job on a worker ended.
enum Start {
    /// The worker acknowledged the job: it runs.
    Started,
    /// The worker died before it acknowledged the job: it did not run.
    NotStarted(ErrorInfo),
    /// `cancelled` said so before the job started: the worker was killed.
    Cancelled,
    /// Anything else (a malformed frame, `poll` failing): the worker was
    /// killed, and whether the job started is unknown.
    Failed(ErrorInfo),
}

/// Sends `payload` to `worker` and waits until the worker acknowledges it,
/// asking `cancelled` as [`wait_for_reply`] does.
fn start(
    worker: &mut WorkerProcess,
    format: Serialization,
    name: &str,
    payload: &[u8],
    cancelled: impl FnMut(u32) -> bool,
) -> Start {
    if let Err(e) = worker.send_acknowledged(format, name, payload) {
        return Start::NotStarted(worker_lost(&e));
    }
    match wait_for_reply(worker, cancelled) {
        Waited::Ready => {}
        Waited::Cancelled => return Start::Cancelled,
        Waited::Lost(error) => return Start::Failed(error),
    }
    match worker.receive_started() {
        Ok(()) => Start::Started,
        Err(e) if e.is_not_started() => Start::NotStarted(worker_lost(&e)),
        Err(e) => Start::Failed(worker_lost(&e)),
    }
}

/// Runs the request `payload` (arguments encoded by `format`) of `name` in
/// `worker`, waiting for the reply while watching for a cancellation of the
/// current computation.
pub(super) fn call_in(
    worker: &mut WorkerProcess,
    format: Serialization,
    name: &str,
    payload: &[u8],
) -> Sent<Result<Value, ErrorInfo>> {
    let computation = current_computation();
    let cancelled = |round: u32| {
        computation.is_cancelled()
            || (round > 0 && round % STORE_POLLS == 0 && computation.recheck_cancelled())
    };
    let cancelled_error = || {
        ErrorInfo::new(
            ErrorKind::Cancelled,
            "cancelled; its worker process was killed",
        )
    };
    match start(worker, format, name, payload, cancelled) {
        Start::Started => {}
        Start::NotStarted(error) => return Sent::NotStarted(error),
        Start::Cancelled => return Sent::Ran(Err(cancelled_error()), false),
        Start::Failed(error) => return Sent::Ran(Err(error), false),
    }
    match wait_for_reply(worker, cancelled) {
        Waited::Ready => {}
        Waited::Cancelled => return Sent::Ran(Err(cancelled_error()), false),
        Waited::Lost(error) => return Sent::Ran(Err(error), false),
    }
    let (outcome, usable) = match worker.receive() {
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
    };
    Sent::Ran(outcome, usable)
}

/// Encodes the arguments of a job whose body runs in a worker.
pub(super) fn encode_args(format: Serialization, args: Value) -> Result<Vec<u8>, ErrorInfo> {
    format
        .encode(&ChildRequest::Run(args))
        .map_err(|e| ErrorInfo::new(ErrorKind::Decode, format!("cannot encode arguments: {e}")))
}

/// The store description to send when the child can write the record.
pub(super) fn child_writes(job: &Job) -> Option<StoreDescription> {
    if job.middleware().is_empty() {
        job.store().describe()
    } else {
        None
    }
}

/// The request that runs the whole `job` in a child, which records it in
/// the described store.
fn job_request(
    job: &Job,
    store: StoreDescription,
    format: Serialization,
) -> Result<Vec<u8>, ErrorInfo> {
    let request = ChildRequest::Job {
        key: job.key().to_string(),
        function: job.function().to_owned(),
        args: job.args().clone(),
        store,
        lease_ms: u64::try_from(job.lease().as_millis()).unwrap_or(u64::MAX),
    };
    format
        .encode(&request)
        .map_err(|e| ErrorInfo::new(ErrorKind::Decode, format!("cannot encode the job: {e}")))
}

/// Runs the whole `job` in `worker` (the request `payload`, from
/// [`job_request`]), which records it; this process watches the record for
/// a cancellation (and then kills the worker) and records a worker that
/// dies once it started the job. The worker is not usable afterwards: it
/// exits after the one job (so it is reaped here).
fn run_in_child(
    job: &Job,
    payload: &[u8],
    worker: &mut WorkerProcess,
    format: Serialization,
) -> Sent<()> {
    // Every 100 ms: was it cancelled (from anywhere)?
    let cancelled = |round: u32| {
        round > 0
            && round % STORE_POLLS == 0
            && matches!(job.store().load(job.key()), Ok(Some(r)) if r.status == Status::Cancelled)
    };
    match start(worker, format, job.function(), payload, cancelled) {
        Start::Started => {}
        Start::NotStarted(error) => return Sent::NotStarted(error),
        Start::Cancelled => {
            job.store().notify_changed(job.key());
            return Sent::Ran((), false);
        }
        Start::Failed(error) => {
            record_failure(job, error);
            return Sent::Ran((), false);
        }
    }
    match wait_for_reply(worker, cancelled) {
        Waited::Ready => {}
        Waited::Cancelled => {
            job.store().notify_changed(job.key());
            return Sent::Ran((), false);
        }
        Waited::Lost(error) => {
            record_failure(job, error);
            return Sent::Ran((), false);
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
    Sent::Ran((), false)
}

/// Runs the whole `job` on the slot's worker (see [`run_in_child`]), sent
/// to up to `sends` workers in all while each dies before it starts the
/// job; records the failure when none started it.
pub(super) fn run_job_in_child(
    job: &Job,
    store: StoreDescription,
    slot: &Mutex<Option<WorkerProcess>>,
    sends: usize,
    format: Serialization,
) {
    let payload = match job_request(job, store, format) {
        Ok(payload) => payload,
        Err(error) => return record_failure(job, error),
    };
    let ran = send_until_started(slot, sends, |worker| {
        run_in_child(job, &payload, worker, format)
    });
    if let Err(error) = ran {
        record_failure(job, error);
    }
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

/// Why a job that no worker started fails, after `sends` workers died
/// before they started it.
fn never_started(sends: usize, last: Option<ErrorInfo>) -> ErrorInfo {
    let last = last.map_or_else(String::new, |e| {
        let message = e
            .message
            .strip_prefix("worker lost: ")
            .unwrap_or(&e.message);
        format!(" (the last: {message})")
    });
    ErrorInfo::new(
        ErrorKind::WorkerLost,
        format!(
            "worker lost: {sends} worker processes in a row died before they started the computation, which never ran{last}"
        ),
    )
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
/// this process records it and only the body runs in the child. A child
/// that dies before it starts the job (it acknowledges a job before it runs
/// anything) did not run it: the job goes to another fresh child, up to 3
/// in all, and then fails "worker lost".
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
                .spawn(move || {
                    let slot = Mutex::new(None);
                    run_job_in_child(&job, store, &slot, FRESH_SENDS, format);
                    finish(slot);
                })
                .map(drop)
                .map_err(LaunchError::from);
        }
        let name = job.function().to_owned();
        let job = job.with_runner(Runner::raw(move |args| {
            let payload = encode_args(format, args)?;
            let slot = Mutex::new(None);
            let outcome = send_until_started(&slot, FRESH_SENDS, |worker| {
                call_in(worker, format, &name, &payload)
            });
            finish(slot);
            outcome?
        }));
        thread::Builder::new()
            .name(format!("strand-au-process {}", job.key()))
            .spawn(move || job.run())
            .map(drop)
            .map_err(LaunchError::from)
    }
}

/// Tells the worker left in `slot`, if any, that no more requests come.
fn finish(slot: Mutex<Option<WorkerProcess>>) {
    let worker = slot.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(worker) = worker {
        worker.finish_sending();
    }
}

/// Runs `work` on the slot's worker, starting one first if there is none;
/// `work` says whether the worker is still usable, and one that is not is
/// dropped (killed and reaped).
pub(super) fn with_worker<R>(
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

/// Runs `work` on the slot's worker (see [`with_worker`]) until a worker
/// starts it: one that died before it started the job did not run it, so
/// the job goes to a fresh worker, `sends` workers at most.
///
/// # Errors
///
/// When a worker cannot be started, or none of the `sends` workers
/// started the job ([`ErrorKind::WorkerLost`]).
pub(super) fn send_until_started<R>(
    slot: &Mutex<Option<WorkerProcess>>,
    sends: usize,
    mut work: impl FnMut(&mut WorkerProcess) -> Sent<R>,
) -> Result<R, ErrorInfo> {
    let mut last = None;
    for _ in 0..sends {
        let ran = with_worker(slot, |worker| match work(worker) {
            Sent::Ran(outcome, usable) => (Some(outcome), usable),
            Sent::NotStarted(error) => {
                tracing::warn!(error = %error.message, "a worker process died before it started a job; sending the job to a fresh one");
                last = Some(error);
                (None, false)
            }
        })?;
        if let Some(outcome) = ran {
            return Ok(outcome);
        }
    }
    Err(never_started(sends, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kills `worker` and waits until it has died (not reaping it).
    fn kill_and_wait_dead(worker: &WorkerProcess) {
        worker.kill();
        // SAFETY: waiting, without reaping (WNOWAIT), on a child of this
        // process that its `WorkerProcess` has not reaped; `info` is plain data.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            while libc::waitid(
                libc::P_PID,
                worker.pid() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            ) != 0
            {}
        }
    }

    #[test]
    fn a_job_goes_to_fresh_workers_a_bounded_number_of_times() {
        let slot = Mutex::new(None);
        let mut pids = Vec::new();
        let outcome = send_until_started(&slot, 3, |worker| {
            pids.push(worker.pid());
            // Every worker is dead before the job reaches it: none starts it.
            kill_and_wait_dead(worker);
            call_in(worker, Serialization::Json, "tests::nothing", b"null")
        });
        pids.dedup();
        assert_eq!(pids.len(), 3, "three fresh workers: {pids:?}");
        let error = outcome.unwrap_err();
        assert_eq!(error.kind, ErrorKind::WorkerLost);
        assert!(
            error.message.starts_with(
                "worker lost: 3 worker processes in a row died before they started the computation, which never ran (the last: the child process"
            ),
            "{}",
            error.message
        );
        assert!(slot.lock().unwrap().is_none(), "the dead worker is dropped");
    }

    #[test]
    fn a_job_that_a_fresh_worker_starts_runs_once() {
        let slot = Mutex::new(None);
        let mut sends = 0;
        let outcome = send_until_started(&slot, 3, |worker| {
            sends += 1;
            if sends == 1 {
                kill_and_wait_dead(worker);
            }
            call_in(worker, Serialization::Json, "tests::nothing", b"null")
        });
        assert_eq!(sends, 2, "resent once, to a fresh worker");
        // The second worker started the job (and says nothing is
        // registered under that name).
        let error = outcome.unwrap().unwrap_err();
        assert!(
            error.message.contains("no function `tests::nothing`"),
            "{}",
            error.message
        );
        assert!(slot.lock().unwrap().is_some(), "that worker stays warm");
    }
}
