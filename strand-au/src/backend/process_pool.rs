//! [`ProcessPoolBackend`]: warm worker processes reused across
//! computations. How a job reaches a worker, and who records it, is the
//! process backend's (see [`super::process`]); this file keeps the workers
//! and their queue.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::thread;

use crossbeam_channel::{Receiver, Sender};
use strand::process::{Serialization, WorkerProcess};

use super::process::{
    call_in, child_writes, encode_args, run_job_in_child, send_until_started, with_worker,
};
use super::{ComputationBackend, LaunchError};
use crate::job::{Job, Runner};

/// Runs computations on `N` warm worker processes, reused across
/// computations.
///
/// Each worker is served by one thread of this process, which runs the
/// job (middleware, record writes) and hands the body to its worker. A
/// bounded queue (64 jobs per worker) feeds them: when it is full,
/// launching blocks (backpressure). A worker that dies while it runs a
/// computation takes that computation with it (Failed,
/// [`ErrorKind::WorkerLost`](crate::ErrorKind::WorkerLost), with the exit status or signal; not retried,
/// since the body may have had effects) and is replaced before the next
/// one. A computation sent to a worker that died before it started it
/// (killed while idle, say) never ran: it goes to a fresh worker, up to
/// the pool's size + 1 workers in all, and then fails "worker lost".
/// `cancel()` on a running computation kills its worker, which is replaced
/// too.
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
                .spawn(move || serve(queue, format, size + 1))
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
/// until the backend is dropped (then the worker is stopped). A job goes
/// to up to `sends` workers while each dies before it starts the job.
fn serve(queue: Receiver<Job>, format: Serialization, sends: usize) {
    let slot: Arc<Mutex<Option<WorkerProcess>>> = Arc::new(Mutex::new(None));
    let warm = |slot: &Mutex<Option<WorkerProcess>>| {
        if let Err(e) = with_worker(slot, |_| ((), true)) {
            tracing::error!(error = %e.message, "cannot start a worker process");
        }
    };
    warm(&slot);
    for job in queue {
        if let Some(store) = child_writes(&job) {
            run_job_in_child(&job, store, &slot, sends, format);
        } else {
            let name = job.function().to_owned();
            let for_job = slot.clone();
            job.with_runner(Runner::raw(move |args| {
                let payload = encode_args(format, args)?;
                send_until_started(&for_job, sends, |worker| {
                    call_in(worker, format, &name, &payload)
                })?
            }))
            .run();
        }
        warm(&slot);
    }
}

impl ComputationBackend for ProcessPoolBackend {
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        self.inner
            .jobs
            .send(job)
            .map_err(|_| LaunchError::new("the process pool has shut down"))
    }
}
