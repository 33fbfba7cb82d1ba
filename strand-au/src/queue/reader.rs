//! [`StoreTaskReader`]: a worker of a store's queues.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Wake, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::backend::ComputationBackend;
use crate::context::{self, OWNER};
use crate::job::{DEFAULT_LEASE, Job, Runner};
use crate::key::Key;
use crate::middleware::Middleware;
use crate::record::{ErrorInfo, ErrorKind, Status};
use crate::store::queue::check_queue_name;
use crate::store::{Backoff, Claimed, ComputationStore, DEFAULT_QUEUE, StoreError, UpdateAction};

type Resolver = Arc<dyn Fn(&str) -> Option<Runner> + Send + Sync>;

/// Where a worker runs the tasks it claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunOn {
    /// Threads of this process, as many as the concurrency.
    Threads,
    /// A warm pool of this many worker processes: a task that crashes its
    /// process (a segfault, an abort) fails alone, and the pool replaces
    /// the process.
    ProcessPool(usize),
}

/// A worker of a store's queues: it claims tasks written there (by
/// [`StoreTaskWriter`](crate::StoreTaskWriter), `#[as_task(store)]`,
/// `#[async_compute(backend = queue)]`, in any process), runs them, and
/// writes their outcome into their records. Python strand's
/// `StoreTaskReader(store, get_task_func).listen()`, finished.
///
/// * Any number of readers, in any number of processes, may serve one
///   store: each task is claimed by exactly one (see
///   [`ComputationStore::claim`]).
/// * At least once: a task whose worker dies (killed, crashed, its machine
///   gone) goes back to its queue once the worker's heartbeat lapses (a
///   lease, 30 s by default, see [`lease`](Self::lease)), and runs again
///   as its next attempt; after its maximum attempts (3 by default) it
///   fails `worker lost after N attempts`. A task function may therefore
///   run more than once for one task, when a worker died while running
///   it: make it idempotent (a second run does no harm), or check in the
///   body whether its work is done.
/// * It runs only functions this binary knows: by default those of the
///   registry (every `#[as_task(store)]` and `#[async_compute]` function,
///   and [`register`](crate::register)ed ones), plus the ones given to
///   [`function`](Self::function), or what a [`resolver`](Self::resolver)
///   returns. A task naming another function, whose arguments do not
///   decode, or whose record is corrupt, fails saying why, and the worker
///   carries on.
/// * It wakes when tasks arrive, without polling where the store can tell
///   it (the file-system store on Linux, through inotify; the memory
///   store), and looks on a backoff timer (0.5 ms to 50 ms) otherwise.
///
/// [`listen`](Self::listen) runs it on background threads until the
/// returned guard is dropped; [`run`](Self::run) runs it in the calling
/// thread until SIGTERM or ctrl-c, for a worker binary.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{ComputationStore, MemoryStore, Runner, StoreTaskReader, StoreTaskWriter};
///
/// let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
/// let worker = StoreTaskReader::new(store.clone())
///     .concurrency(2)
///     .function("doc::shout", Runner::new(|s: String| s.to_uppercase()))
///     .listen()
///     .unwrap();
///
/// let shout = StoreTaskWriter::<String, String>::new("doc::shout", store.clone());
/// assert_eq!(shout.call("hey".into()).join().unwrap(), "HEY");
///
/// // An unknown function fails that task only:
/// let unknown = StoreTaskWriter::<(), ()>::new("doc::nobody", store.clone());
/// let err = unknown.call(()).join().unwrap_err();
/// assert!(err.elsewhere().unwrap().contains("doc::nobody"), "{err}");
/// assert_eq!(shout.call("again".into()).join().unwrap(), "AGAIN");
/// drop(worker); // stops it, once what it holds is done
/// ```
#[must_use = "a reader does nothing until `listen` or `run`"]
pub struct StoreTaskReader {
    store: Arc<dyn ComputationStore>,
    queues: Vec<String>,
    concurrency: usize,
    lease: Duration,
    functions: HashMap<String, Runner>,
    resolver: Option<Resolver>,
    run_on: RunOn,
    middleware: Vec<Arc<dyn Middleware>>,
    grace: Duration,
}

impl StoreTaskReader {
    /// A worker of the [`DEFAULT_QUEUE`] of `store`, running as many tasks
    /// at once as the machine has cores, on threads.
    pub fn new(store: Arc<dyn ComputationStore>) -> StoreTaskReader {
        StoreTaskReader {
            store,
            queues: vec![DEFAULT_QUEUE.to_owned()],
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            lease: DEFAULT_LEASE,
            functions: HashMap::new(),
            resolver: None,
            run_on: RunOn::Threads,
            middleware: Vec::new(),
            grace: Duration::from_secs(30),
        }
    }

    /// Serves these queues (in this order of preference) instead of the
    /// default one.
    pub fn queues<I, S>(mut self, queues: I) -> StoreTaskReader
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.queues = queues.into_iter().map(Into::into).collect();
        self
    }

    /// How many tasks it runs at once (default: the number of cores; at
    /// least 1). It claims no more than that, so tasks it cannot start
    /// stay in the store for other workers.
    pub fn concurrency(mut self, n: usize) -> StoreTaskReader {
        self.concurrency = n.max(1);
        self
    }

    /// The lease of its claims (default 30 s, at least 30 ms): its
    /// heartbeat lives this long unless renewed, so a task of a killed
    /// worker runs again about this long after it died.
    pub fn lease(mut self, lease: Duration) -> StoreTaskReader {
        self.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// Runs tasks naming `name` with `runner` (before the resolver and the
    /// registry are asked).
    pub fn function(mut self, name: impl Into<String>, runner: Runner) -> StoreTaskReader {
        self.functions.insert(name.into(), runner);
        self
    }

    /// Finds the function of a task by its name: Python strand's
    /// `get_task_func`. Asked after [`function`](Self::function)s and
    /// before the registry; `None` leaves the name to the registry.
    pub fn resolver(
        mut self,
        resolver: impl Fn(&str) -> Option<Runner> + Send + Sync + 'static,
    ) -> StoreTaskReader {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Runs claimed tasks in a warm pool of `processes` worker processes
    /// (copies of this program, see
    /// [`ProcessPoolBackend`](crate::ProcessPoolBackend)) instead of
    /// threads: a task that crashes its process fails alone, and the pool
    /// starts another. Only functions registered at link time
    /// (`#[as_task(store)]`, `#[async_compute]`) can run so.
    #[cfg(unix)]
    pub fn process_pool(mut self, processes: usize) -> StoreTaskReader {
        self.run_on = RunOn::ProcessPool(processes.max(1));
        self
    }

    /// Adds a middleware around every task it runs.
    pub fn middleware(mut self, middleware: Arc<dyn Middleware>) -> StoreTaskReader {
        self.middleware.push(middleware);
        self
    }

    /// How long [`run`](Self::run) lets the tasks in flight finish after
    /// SIGTERM or ctrl-c (default 30 s); those still running then go back
    /// to their queue, their attempt counted.
    pub fn grace(mut self, grace: Duration) -> StoreTaskReader {
        self.grace = grace;
        self
    }

    fn check(&self) -> Result<(), StoreError> {
        if !self.store.holds_queues() {
            return Err(StoreError::unsupported(
                "hold a queue of tasks",
                &self.store,
            ));
        }
        if self.queues.is_empty() {
            return Err(StoreError::Other(
                "a StoreTaskReader needs a queue to serve".to_owned(),
            ));
        }
        for queue in &self.queues {
            check_queue_name(queue)?;
        }
        Ok(())
    }

    /// Starts the worker on background threads and returns at once; it
    /// serves until the returned guard is dropped (or
    /// [`ReaderGuard::stop`]ped), which waits for the tasks it holds.
    ///
    /// # Errors
    ///
    /// A store that cannot hold a queue ([`StoreError::Unsupported`]), a
    /// name that is no queue name, or a heartbeat the store refuses.
    pub fn listen(self) -> Result<ReaderGuard, StoreError> {
        self.check()?;
        let serve = context::serve(&self.store, &self.queues, self.lease)?;
        let shared = Arc::new(Shared::default());
        let worker = Worker {
            config: self,
            shared: shared.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("strand-au-reader".into())
            .spawn(move || worker.run(serve))
            .map_err(|e| StoreError::Io {
                key: None,
                source: e,
            })?;
        Ok(ReaderGuard {
            shared,
            thread: Some(thread),
        })
    }

    /// Runs the worker in the calling thread until SIGTERM or ctrl-c
    /// (SIGINT): then it claims nothing more, lets the tasks in flight
    /// finish within the [`grace`](Self::grace) period, puts the rest back
    /// into their queue, and returns. A second signal ends the grace at
    /// once. The signal handlers are chained to those already installed
    /// (through `signal-hook`), and removed when it returns. For a worker
    /// binary: `fn main() { StoreTaskReader::new(store).run().unwrap() }`.
    ///
    /// # Errors
    ///
    /// As [`listen`](Self::listen); the signal handlers cannot be installed.
    #[cfg(unix)]
    pub fn run(self) -> Result<ReaderStats, StoreError> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::iterator::Signals;

        let grace = self.grace;
        let mut signals = Signals::new([SIGTERM, SIGINT]).map_err(|e| StoreError::Io {
            key: None,
            source: e,
        })?;
        let handle = signals.handle();
        let guard = self.listen()?;
        let shared = guard.shared.clone();
        let watcher = std::thread::Builder::new()
            .name("strand-au-signals".into())
            .spawn(move || {
                let mut seen = 0;
                for signal in signals.forever() {
                    seen += 1;
                    tracing::info!(signal, "stopping the worker");
                    shared.request_stop(seen > 1);
                }
            })
            .map_err(|e| StoreError::Io {
                key: None,
                source: e,
            })?;
        guard.shared.wait_stop_requested();
        let stats = guard.stop_within(grace);
        handle.close();
        let _ = watcher.join();
        Ok(stats)
    }
}

impl fmt::Debug for StoreTaskReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreTaskReader")
            .field("store", &self.store)
            .field("queues", &self.queues)
            .field("concurrency", &self.concurrency)
            .field("lease", &self.lease)
            .field("functions", &self.functions.keys().collect::<Vec<_>>())
            .field("run_on", &self.run_on)
            .finish_non_exhaustive()
    }
}

/// What a worker did, as [`ReaderGuard::stats`] and [`StoreTaskReader::run`]
/// report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReaderStats {
    /// Tasks it claimed.
    pub claimed: u64,
    /// Tasks it ran to their end (whatever the outcome).
    pub finished: u64,
    /// Tasks it failed without running them (unknown function).
    pub refused: u64,
    /// Tasks it put back into their queue when it stopped.
    pub put_back: u64,
    /// Tasks of dead workers it sent back to their queue.
    pub recovered: u64,
}

/// A worker started by [`StoreTaskReader::listen`]; dropping it stops the
/// worker (see [`stop`](Self::stop)).
pub struct ReaderGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl ReaderGuard {
    /// What the worker did so far.
    pub fn stats(&self) -> ReaderStats {
        self.shared.stats()
    }

    /// Stops the worker: it claims nothing more, and this returns once the
    /// tasks it holds have finished.
    pub fn stop(mut self) -> ReaderStats {
        self.finish(None)
    }

    /// Stops the worker, letting the tasks it holds finish for at most
    /// `grace`; those still running then go back to their queue (their
    /// attempt counted: their body may still be running in this process,
    /// so a task may run twice) and it returns.
    pub fn stop_within(mut self, grace: Duration) -> ReaderStats {
        self.finish(Some(grace))
    }

    fn finish(&mut self, grace: Option<Duration>) -> ReaderStats {
        {
            let mut signal = self.shared.lock_signal();
            if signal.grace.is_none() {
                signal.grace = Some(grace.map(|g| Instant::now() + g));
            }
            signal.stop = true;
            signal.count += 1;
        }
        self.shared.cond.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.shared.stats()
    }
}

impl Drop for ReaderGuard {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.finish(None);
        }
    }
}

impl fmt::Debug for ReaderGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReaderGuard")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Signal {
    /// Bumped by every wakeup.
    count: u64,
    stop: bool,
    /// Set when asked to stop: until when tasks may finish (`None` inside:
    /// no limit).
    grace: Option<Option<Instant>>,
    /// Threads waiting on the condition variable: a wakeup with none skips
    /// the notification (a system call each time, with `std`'s futexes).
    sleepers: usize,
}

/// What the worker's thread shares with its guard, its wakers and its jobs.
#[derive(Default)]
struct Shared {
    signal: Mutex<Signal>,
    cond: Condvar,
    in_flight: Mutex<HashSet<Key>>,
    claimed: AtomicU64,
    finished: AtomicU64,
    refused: AtomicU64,
    put_back: AtomicU64,
    recovered: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn lock_signal(&self) -> MutexGuard<'_, Signal> {
        lock(&self.signal)
    }

    fn wake(&self) {
        let mut signal = self.lock_signal();
        signal.count += 1;
        let sleepers = signal.sleepers;
        drop(signal);
        if sleepers > 0 {
            self.cond.notify_all();
        }
    }

    /// Waits on the condition variable for at most `timeout` (counted as a
    /// sleeper, so that [`wake`](Self::wake) notifies it).
    fn wait<'a>(
        &self,
        mut signal: MutexGuard<'a, Signal>,
        timeout: Option<Duration>,
    ) -> MutexGuard<'a, Signal> {
        signal.sleepers += 1;
        let mut signal = match timeout {
            Some(timeout) => {
                self.cond
                    .wait_timeout(signal, timeout)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => self
                .cond
                .wait(signal)
                .unwrap_or_else(PoisonError::into_inner),
        };
        signal.sleepers -= 1;
        signal
    }

    /// SIGTERM or ctrl-c: `now`, the grace ends at once.
    fn request_stop(&self, now: bool) {
        let mut signal = self.lock_signal();
        signal.stop = true;
        if now {
            signal.grace = Some(Some(Instant::now()));
        }
        signal.count += 1;
        drop(signal);
        self.cond.notify_all();
    }

    fn wait_stop_requested(&self) {
        let mut signal = self.lock_signal();
        while !signal.stop {
            signal = self.wait(signal, None);
        }
    }

    fn stats(&self) -> ReaderStats {
        ReaderStats {
            claimed: self.claimed.load(Ordering::Relaxed),
            finished: self.finished.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            put_back: self.put_back.load(Ordering::Relaxed),
            recovered: self.recovered.load(Ordering::Relaxed),
        }
    }
}

/// Wakes the worker's thread (the store's queue watch).
struct WorkerWake(Weak<Shared>);

impl Wake for WorkerWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(shared) = self.0.upgrade() {
            shared.wake();
        }
    }
}

/// Dropped with the last clone of a claimed task's job: the task is done.
struct Done {
    shared: Arc<Shared>,
    key: Key,
}

impl Drop for Done {
    fn drop(&mut self) {
        lock(&self.shared.in_flight).remove(&self.key);
        self.shared.finished.fetch_add(1, Ordering::Relaxed);
        self.shared.wake();
    }
}

struct Worker {
    config: StoreTaskReader,
    shared: Arc<Shared>,
}

impl Worker {
    fn run(self, serve: context::Serve) {
        let config = &self.config;
        let store = &config.store;
        let backend: Arc<dyn ComputationBackend> = match config.run_on {
            RunOn::Threads => Arc::new(super::runners::Runners::new(config.concurrency)),
            #[cfg(unix)]
            RunOn::ProcessPool(n) => {
                Arc::new(crate::backend::process_pool::ProcessPoolBackend::new(n))
            }
            #[cfg(not(unix))]
            RunOn::ProcessPool(_) => Arc::new(super::runners::Runners::new(config.concurrency)),
        };
        let waker = Waker::from(Arc::new(WorkerWake(Arc::downgrade(&self.shared))));
        let mut watches = Vec::new();
        let mut complete = true;
        for queue in &config.queues {
            match store.watch_queue(queue, waker.clone()) {
                Ok(Some(watch)) => {
                    complete &= watch.is_complete();
                    watches.push(watch);
                }
                Ok(None) => complete = false,
                Err(e) => {
                    tracing::warn!(queue, error = %e, "cannot watch a queue; polling it");
                    complete = false;
                }
            }
        }
        let queues: Vec<&str> = config.queues.iter().map(String::as_str).collect();
        let recover_every = (config.lease / 3).max(Duration::from_millis(10));
        let mut next_recover = Instant::now();
        let mut backoff = Backoff::new();
        loop {
            let seen = {
                let signal = self.shared.lock_signal();
                if signal.stop {
                    break;
                }
                signal.count
            };
            let now = Instant::now();
            if now >= next_recover {
                match catch_unwind(AssertUnwindSafe(|| store.recover(&queues))) {
                    Ok(Ok(n)) => {
                        if n > 0 {
                            tracing::info!(
                                tasks = n,
                                "sent the tasks of dead workers back to their queue"
                            );
                        }
                        self.shared.recovered.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "cannot recover the tasks of dead workers")
                    }
                    Err(panic) => {
                        tracing::error!(panic = %crate::job::panic_message(&*panic), "the store panicked recovering tasks")
                    }
                }
                next_recover = Instant::now() + recover_every;
            }
            let free = config
                .concurrency
                .saturating_sub(lock(&self.shared.in_flight).len());
            let mut pause = None;
            if free > 0 {
                let claiming = context::claiming(&serve);
                let claimed = catch_unwind(AssertUnwindSafe(|| {
                    store.claim(&queues, &OWNER, config.lease, free)
                }));
                match claimed {
                    Ok(Ok(tasks)) if !tasks.is_empty() => {
                        for task in tasks {
                            self.dispatch(task, &backend);
                        }
                        drop(claiming);
                        backoff = Backoff::new();
                        continue;
                    }
                    Ok(Ok(_)) => {
                        if !complete {
                            pause = backoff.next(None);
                        }
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "cannot claim tasks; trying again");
                        pause = backoff.next(None).map(|p| p.max(Duration::from_millis(10)));
                    }
                    Err(panic) => {
                        tracing::error!(panic = %crate::job::panic_message(&*panic), "the store panicked claiming tasks");
                        pause = Some(Duration::from_millis(50));
                    }
                }
            }
            let mut until = next_recover;
            if let Some(pause) = pause {
                until = until.min(Instant::now() + pause);
            }
            let mut signal = self.shared.lock_signal();
            while signal.count == seen && !signal.stop {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                signal = self.shared.wait(signal, Some(left));
            }
        }
        drop(watches);
        self.drain();
        drop(backend);
        drop(serve);
    }

    /// Waits for the tasks in flight, until the grace ends; puts back those
    /// still running then.
    fn drain(&self) {
        let deadline = self.shared.lock_signal().grace.flatten();
        let mut signal = self.shared.lock_signal();
        loop {
            if lock(&self.shared.in_flight).is_empty() {
                return;
            }
            let deadline = signal.grace.flatten().or(deadline);
            let wait = match deadline {
                Some(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    left
                }
                None => Duration::from_secs(1),
            };
            signal = self.shared.wait(signal, Some(wait));
        }
        drop(signal);
        let left: Vec<Key> = lock(&self.shared.in_flight).iter().cloned().collect();
        let store = &self.config.store;
        for key in left {
            let now = store.clock().now_ms();
            let owner = OWNER.as_str();
            let put_back = store.update(&key, &mut |r| {
                let ours = r.status == Status::Running && r.owner.as_deref() == Some(owner);
                UpdateAction::write_if(
                    ours && r.requeue("its worker stopped before it finished", now),
                )
            });
            if matches!(put_back, Ok(crate::store::Updated::Written(_))) {
                self.shared.put_back.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%key, "a task still running at the end of the grace period went back to its queue");
            }
        }
    }

    /// Runs a claimed task, or fails it when this worker cannot run it.
    fn dispatch(&self, task: Claimed, backend: &Arc<dyn ComputationBackend>) {
        let config = &self.config;
        let store = &config.store;
        self.shared.claimed.fetch_add(1, Ordering::Relaxed);
        let Claimed { key, record } = task;
        // This process answers for the record from now on.
        let hold = match context::hold(store, &key, config.lease) {
            Ok(hold) => hold,
            Err(e) => {
                tracing::error!(%key, error = %e, "cannot hold a claimed task; putting it back");
                let _ = store.release(&key, &OWNER);
                return;
            }
        };
        let runner = match self.resolve(&record.function) {
            Ok(runner) => runner,
            Err(why) => {
                self.shared.refused.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%key, function = %record.function, %why, "cannot run a task");
                let now = store.clock().now_ms();
                let info = ErrorInfo::new(ErrorKind::Rejected, why);
                let _ = store.update(&key, &mut |r| {
                    UpdateAction::write_if(r.fail(info.clone(), now))
                });
                drop(hold);
                return;
            }
        };
        lock(&self.shared.in_flight).insert(key.clone());
        let done = Arc::new(Done {
            shared: self.shared.clone(),
            key: key.clone(),
        });
        let job = Job::new(
            key.clone(),
            record.function,
            record.args,
            store.clone(),
            runner,
        )
        .with_lease(config.lease)
        .with_middleware(Arc::from(config.middleware.clone()))
        .with_hold(hold)
        .claimed_task(done);
        if let Err(e) = backend.launch(job) {
            tracing::error!(%key, error = %e, "cannot start a claimed task; putting it back");
            if store.release(&key, &OWNER).unwrap_or(false) {
                self.shared.put_back.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The runner of `function`: given to the reader, found by its
    /// resolver, or in the registry.
    fn resolve(&self, function: &str) -> Result<Runner, String> {
        if let Some(runner) = self.config.functions.get(function) {
            return Ok(runner.clone());
        }
        if let Some(resolver) = &self.config.resolver {
            if let Some(runner) = resolver(function) {
                return Ok(runner);
            }
        }
        match crate::registry::lookup(function) {
            Ok(Some(runner)) => Ok(Runner::from_fn(runner)),
            Ok(None) => Err(format!(
                "unknown function `{function}`: this worker's binary does not register it (a worker runs only the functions its own binary registers: `#[as_task(store)]`, `#[async_compute]`, `strand_au::register`, or its reader's `function` and `resolver`)"
            )),
            Err(dup) => Err(dup.to_string()),
        }
    }
}
