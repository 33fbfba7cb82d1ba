//! [`Pool`]: a bounded pool of worker threads.

use std::any::Any;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::thread;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::error::TrySubmitError;
use crate::task::harness::run_task;
use crate::task::join::TaskHandle;
use crate::task::slot::Shared;

/// One unit of work sent to a pool.
pub(crate) trait PoolJob: Send {
    fn run(self: Box<Self>);
    /// For taking the arguments back out of a job that could not be queued.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

struct FnJob<F>(F);

impl<F: FnOnce() + Send + 'static> PoolJob for FnJob<F> {
    fn run(self: Box<Self>) {
        (self.0)()
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

thread_local! {
    /// The id of the pool whose worker this thread is (0: none).
    static WORKER_OF: Cell<u64> = const { Cell::new(0) };
}

/// A fixed set of worker threads fed by a bounded queue.
///
/// `Pool` is a cheap handle (an `Arc`): clones share the same workers. The
/// workers stop once every handle is dropped and the queue is drained. The
/// process-wide [`Pool::global`] pool, used by `#[as_task(pool)]` by default,
/// has one worker per available core.
///
/// **Backpressure.** The queue holds at most
/// [`queue_capacity`](PoolBuilder::queue_capacity) waiting jobs. A blocking
/// submit ([`spawn`](Self::spawn), a runner's `call`, an `#[as_task(pool)]`
/// call) *waits* for room when it is full, so memory never grows without
/// bound; the `try_` variants return at once and hand the work back instead.
///
/// **Submitting from inside the pool.** A job submitted from one of this
/// pool's own workers runs *inline*, right away, on that worker, and its handle
/// is already finished when the submit returns. So a task that starts and joins
/// sub-tasks on its own pool can never deadlock it (by waiting for a queue slot
/// or for a job queued behind itself), whatever the pool's size.
///
/// A panic in a job fails that job only; the worker keeps running.
///
/// # Examples
///
/// ```
/// use strand::Pool;
///
/// let pool = Pool::builder().size(2).queue_capacity(64).name("crunch").build();
/// let handles: Vec<_> = (0..10u64).map(|i| pool.spawn(move || i * i)).collect();
/// let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
/// assert_eq!(total, 285);
/// ```
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

// Workers hold only receivers, never a `Pool`: when the last handle drops
// `tx`, they drain the queue and exit.
struct Inner {
    id: u64,
    tx: Sender<Box<dyn PoolJob>>,
    rx: Receiver<Box<dyn PoolJob>>,
    size: usize,
    capacity: usize,
    name: Cow<'static, str>,
}

impl Pool {
    /// A pool with `size` workers and the default queue capacity
    /// (256 waiting jobs per worker).
    ///
    /// # Panics
    ///
    /// Panics if `size` is 0 or the operating system refuses to start the
    /// threads; [`PoolBuilder::try_build`] returns those as errors instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = strand::Pool::new(3);
    /// assert_eq!(pool.size(), 3);
    /// ```
    pub fn new(size: usize) -> Pool {
        Pool::builder().size(size).build()
    }

    /// A builder to choose size, queue capacity and thread names.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = strand::Pool::builder().size(1).queue_capacity(8).build();
    /// assert_eq!(pool.queue_capacity(), 8);
    /// ```
    pub fn builder() -> PoolBuilder {
        PoolBuilder::default()
    }

    /// The shared default pool: one worker per available core, started on
    /// first use.
    ///
    /// # Examples
    ///
    /// ```
    /// let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    /// assert_eq!(strand::Pool::global().size(), n);
    /// ```
    pub fn global() -> &'static Pool {
        static GLOBAL: LazyLock<Pool> =
            LazyLock::new(|| Pool::builder().name("strand-pool").build());
        &GLOBAL
    }

    /// Number of worker threads.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(strand::Pool::new(2).size(), 2);
    /// ```
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// How many jobs can wait in the queue before a submit blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(strand::Pool::new(2).queue_capacity(), 512);
    /// ```
    pub fn queue_capacity(&self) -> usize {
        self.inner.capacity
    }

    /// How many jobs wait in the queue right now (not counting running ones).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(strand::Pool::new(1).queued(), 0);
    /// ```
    pub fn queued(&self) -> usize {
        self.inner.rx.len()
    }

    /// Whether the calling thread is one of this pool's workers.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = strand::Pool::new(1);
    /// assert!(!pool.is_worker_thread());
    /// let p = pool.clone();
    /// assert!(pool.spawn(move || p.is_worker_thread()).join().unwrap());
    /// ```
    pub fn is_worker_thread(&self) -> bool {
        WORKER_OF.with(Cell::get) == self.inner.id
    }

    /// Runs `f` on the pool and returns its handle, waiting for a queue slot
    /// if the queue is full (see the type's docs for backpressure and for
    /// calls from the pool's own workers).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = strand::Pool::new(2);
    /// assert_eq!(pool.spawn(|| "done").join().unwrap(), "done");
    /// ```
    pub fn spawn<F, T>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let shared = Shared::new(None);
        let handle = TaskHandle::from_shared(shared.clone());
        self.submit(Box::new(FnJob(move || run_task(&shared, move || Ok(f())))));
        handle
    }

    /// Like [`spawn`](Self::spawn), but never waits: when the queue is full,
    /// `f` is handed back in the error.
    ///
    /// # Errors
    ///
    /// [`TrySubmitError`] holding `f` when the queue is full.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = strand::Pool::new(1);
    /// let handle = pool.try_spawn(|| 5).unwrap_or_else(|e| panic!("{e}"));
    /// assert_eq!(handle.join().unwrap(), 5);
    /// ```
    pub fn try_spawn<F, T>(&self, f: F) -> Result<TaskHandle<T>, TrySubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        struct Job<F, T> {
            f: F,
            shared: Arc<Shared<T, core::convert::Infallible>>,
        }
        impl<F, T> PoolJob for Job<F, T>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            fn run(self: Box<Self>) {
                let Job { f, shared } = *self;
                run_task(&shared, move || Ok(f()));
            }
            fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
                self
            }
        }
        let shared = Shared::new(None);
        let handle = TaskHandle::from_shared(shared.clone());
        match self.try_submit(Box::new(Job { f, shared })) {
            Ok(()) => Ok(handle),
            Err(job) => {
                let job = job
                    .into_any()
                    .downcast::<Job<F, T>>()
                    .expect("the pool hands back the job it was given");
                Err(TrySubmitError(job.f))
            }
        }
    }

    /// Queues a job, waiting for room; runs it inline on the pool's own workers.
    pub(crate) fn submit(&self, job: Box<dyn PoolJob>) {
        if self.is_worker_thread() {
            job.run();
            return;
        }
        if let Err(err) = self.inner.tx.send(job) {
            // Cannot happen: the pool holds a receiver as long as it holds the sender.
            err.into_inner().run();
        }
    }

    /// Queues a job if there is room, or hands it back.
    pub(crate) fn try_submit(&self, job: Box<dyn PoolJob>) -> Result<(), Box<dyn PoolJob>> {
        if self.is_worker_thread() {
            job.run();
            return Ok(());
        }
        match self.inner.tx.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(job)) => Err(job),
            Err(TrySendError::Disconnected(job)) => {
                job.run();
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.inner.name)
            .field("size", &self.inner.size)
            .field("queue_capacity", &self.inner.capacity)
            .field("queued", &self.queued())
            .finish()
    }
}

/// Builds a [`Pool`] with a chosen size, queue capacity and thread name.
///
/// # Examples
///
/// ```
/// let pool = strand::Pool::builder().size(4).queue_capacity(1000).name("io").build();
/// assert_eq!((pool.size(), pool.queue_capacity()), (4, 1000));
/// ```
#[derive(Debug, Default, Clone)]
pub struct PoolBuilder {
    size: Option<usize>,
    capacity: Option<usize>,
    name: Option<Cow<'static, str>>,
    stack_size: Option<usize>,
}

impl PoolBuilder {
    /// Number of worker threads (default: the available cores).
    pub fn size(mut self, size: usize) -> Self {
        self.size = Some(size);
        self
    }

    /// Jobs that may wait in the queue before submits block
    /// (default: 256 per worker).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// Name of the worker threads, shown in panic messages and debuggers
    /// (default: `strand-pool`).
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Stack size of each worker thread in bytes (default: the standard
    /// library's default).
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Starts the workers.
    ///
    /// # Panics
    ///
    /// Panics where [`try_build`](Self::try_build) returns an error.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = strand::Pool::builder().size(1).build();
    /// assert_eq!(pool.spawn(|| 1).join().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn build(self) -> Pool {
        match self.try_build() {
            Ok(pool) => pool,
            Err(err) => panic!("cannot start strand pool: {err}"),
        }
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for a size or capacity of zero, and the
    /// operating system's error if a thread cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = strand::Pool::builder().size(0).try_build().unwrap_err();
    /// assert_eq!(err.to_string(), "a pool needs at least one worker");
    /// ```
    pub fn try_build(self) -> io::Result<Pool> {
        let size = match self.size {
            Some(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a pool needs at least one worker",
                ));
            }
            Some(n) => n,
            None => thread::available_parallelism().map_or(1, NonZeroUsize::get),
        };
        let capacity = match self.capacity {
            Some(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a pool queue needs room for at least one job",
                ));
            }
            Some(n) => n,
            None => size.saturating_mul(256),
        };
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let name = self.name.unwrap_or(Cow::Borrowed("strand-pool"));
        let (tx, rx) = crossbeam_channel::bounded::<Box<dyn PoolJob>>(capacity);
        for _ in 0..size {
            let rx = rx.clone();
            let mut builder = thread::Builder::new().name(name.to_string());
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            builder.spawn(move || worker(id, rx))?;
        }
        Ok(Pool {
            inner: Arc::new(Inner {
                id,
                tx,
                rx,
                size,
                capacity,
                name,
            }),
        })
    }
}

fn worker(id: u64, rx: Receiver<Box<dyn PoolJob>>) {
    WORKER_OF.with(|w| w.set(id));
    while let Ok(job) = rx.recv() {
        // Task jobs catch their own panics; this keeps the worker alive for
        // any other job as well.
        let _ = catch_unwind(AssertUnwindSafe(|| job.run()));
    }
}
