//! [`Computation`]: a function with its store, backend and middleware, ready
//! to launch; what `#[async_compute]` builds.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::ComputationBackend;
use crate::backend::thread::ThreadBackend;
use crate::error::ComputationError;
use crate::handle::ComputationHandle;
use crate::job::{DEFAULT_LEASE, Job, Runner};
use crate::key::Key;
use crate::middleware::Middleware;
use crate::record::{ErrorInfo, ErrorKind, Record};
use crate::store::fs::FileSystemStore;
use crate::store::memory::MemoryStore;
use crate::store::{ComputationStore, Created, UpdateAction};

/// The default TTL of records: one hour.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// A function ready to run as persisted computations: its registered name,
/// its body ([`Runner`]), and where records live and bodies run.
///
/// Build it once (a `static LazyLock` is the usual home) and call
/// [`launch`](Self::launch) per call. Defaults: the [default
/// store](Self::default_store) (a [`FileSystemStore`] in
/// `$TMPDIR/strand-<user>/computations`, TTL 1 hour), a [`ThreadBackend`], no
/// middleware, a lease of 30 s.
///
/// This is everything `#[async_compute]` does, by hand:
///
/// ```
/// use std::sync::{Arc, LazyLock, OnceLock};
/// use std::time::Duration;
/// use strand_au::{Computation, ComputationHandle, ComputationStore, MemoryStore, MetricsMiddleware, PoolBackend, Runner};
///
/// static STORE: LazyLock<Arc<dyn ComputationStore>> =
///     LazyLock::new(|| Arc::new(MemoryStore::new().ttl(Duration::from_secs(60))));
/// static METRICS: LazyLock<MetricsMiddleware> = LazyLock::new(MetricsMiddleware::new);
///
/// fn factorial_body(n: u64) -> u64 { (1..=n).product() }
///
/// static FACTORIAL: LazyLock<Computation> = LazyLock::new(|| {
///     Computation::new("demo::factorial", Runner::new(factorial_body))
///         .store(STORE.clone())
///         .backend(Arc::new(PoolBackend::new(2)))
///         .middleware(Arc::new(METRICS.clone()))
/// });
///
/// /// What the macro's wrapper would be.
/// fn factorial(n: u64) -> ComputationHandle<u64> {
///     FACTORIAL.launch(&n)
/// }
///
/// let handle = factorial(10);
/// assert_eq!(handle.join().unwrap(), 3_628_800);
/// assert_eq!(METRICS.stats().completed, 1);
/// ```
#[derive(Clone)]
pub struct Computation {
    name: Cow<'static, str>,
    runner: Runner,
    store: Option<Arc<dyn ComputationStore>>,
    backend: Option<Arc<dyn ComputationBackend>>,
    middleware: Arc<[Arc<dyn Middleware>]>,
    ttl: Option<Duration>,
    lease: Duration,
    metadata: serde_json::Map<String, serde_json::Value>,
    /// The queue of the store its jobs go to, instead of a backend.
    queue: Option<String>,
    /// Why every launch fails at once, if its name is registered twice
    /// (looked up at the first launch; the link-time table never changes).
    refused: OnceLock<Option<ErrorInfo>>,
}

impl Computation {
    /// The function registered as `name`, running `runner`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()))
    ///     .backend(Arc::new(InlineBackend));
    /// assert_eq!(c.name(), "inc");
    /// ```
    pub fn new(name: impl Into<Cow<'static, str>>, runner: Runner) -> Computation {
        Computation {
            name: name.into(),
            runner,
            store: None,
            backend: None,
            middleware: Arc::from(Vec::new()),
            ttl: None,
            lease: DEFAULT_LEASE,
            metadata: serde_json::Map::new(),
            queue: None,
            refused: OnceLock::new(),
        }
    }

    /// The error every launch ends with when the name is registered twice
    /// in strand's one registry (the duplicate rule: that name is an error,
    /// naming both definitions; others are unaffected).
    fn refused(&self) -> Option<&ErrorInfo> {
        self.refused
            .get_or_init(|| {
                #[cfg(unix)]
                if let Err(dup) = strand::process::lookup(&self.name) {
                    return Some(ErrorInfo::new(ErrorKind::Rejected, dup.to_string()));
                }
                None
            })
            .as_ref()
    }

    /// Keeps records in `store` (default: [`default_store`](Self::default_store)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// assert_eq!(c.launch::<u32>(&1).join().unwrap(), 2);
    /// ```
    pub fn store(mut self, store: Arc<dyn ComputationStore>) -> Computation {
        self.store = Some(store);
        self
    }

    /// Runs bodies on `backend` (default: a [`ThreadBackend`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()))
    ///     .backend(Arc::new(InlineBackend));
    /// assert!(c.launch::<u32>(&1).is_ready());
    /// ```
    pub fn backend(mut self, backend: Arc<dyn ComputationBackend>) -> Computation {
        self.backend = Some(backend);
        self
    }

    /// Adds a middleware (hooks run in the order added).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()))
    ///     .middleware(Arc::new(strand_au::LoggingMiddleware::new()));
    /// assert_eq!(c.launch::<u32>(&1).join().unwrap(), 2);
    /// ```
    pub fn middleware(mut self, middleware: Arc<dyn Middleware>) -> Computation {
        let mut list: Vec<_> = self.middleware.iter().cloned().collect();
        list.push(middleware);
        self.middleware = Arc::from(list);
        self
    }

    /// Sends its jobs to the queue `queue` of its store instead of a
    /// backend of this process: a launch writes the computation as a task
    /// there, and any [`StoreTaskReader`](crate::StoreTaskReader) of the
    /// store, in any process, runs it (`#[async_compute(backend = queue)]`).
    /// The handle is the same; the computation no longer depends on this
    /// process (it has no owner until a worker claims it). A store that
    /// cannot hold a queue makes every launch fail, saying so.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{Computation, ComputationStore, MemoryStore, Runner, StoreTaskReader};
    ///
    /// let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    /// let c = Computation::new("doc::inc", Runner::new(|x: u32| x + 1))
    ///     .store(store.clone())
    ///     .queue("default");
    /// let handle = c.launch::<u32>(&1); // written into the queue
    /// let _worker = StoreTaskReader::new(store)
    ///     .function("doc::inc", Runner::new(|x: u32| x + 1))
    ///     .listen()
    ///     .unwrap();
    /// assert_eq!(handle.join().unwrap(), 2);
    /// ```
    pub fn queue(mut self, queue: impl Into<String>) -> Computation {
        self.queue = Some(queue.into());
        self
    }

    /// Keeps this function's records for `ttl`, whatever the store's TTL.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()))
    ///     .backend(Arc::new(InlineBackend))
    ///     .ttl(Duration::from_secs(5));
    /// let record = c.launch::<u32>(&1).record().unwrap();
    /// assert_eq!(record.ttl_ms, Some(5_000));
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Computation {
        self.ttl = Some(ttl);
        self
    }

    /// The lease a worker holds while running (default 30 s, at least
    /// 30 ms): a dead worker is reported "worker lost" this long after its
    /// last renewal.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()))
    ///     .lease(Duration::from_secs(5));
    /// assert_eq!(c.launch::<u32>(&1).join().unwrap(), 2);
    /// ```
    pub fn lease(mut self, lease: Duration) -> Computation {
        self.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// Adds a metadata entry to every record.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()))
    ///     .backend(Arc::new(InlineBackend))
    ///     .metadata("team", serde_json::json!("search"));
    /// assert_eq!(c.launch::<u32>(&1).metadata().unwrap()["team"], "search");
    /// ```
    pub fn metadata(mut self, name: impl Into<String>, value: serde_json::Value) -> Computation {
        self.metadata.insert(name.into(), value);
        self
    }

    /// The registered name.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// assert_eq!(c.name(), "inc");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store records go to.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// assert!(c.get_store().is_empty().unwrap());
    /// ```
    pub fn get_store(&self) -> Arc<dyn ComputationStore> {
        self.store.clone().unwrap_or_else(Self::default_store)
    }

    /// The backend bodies run on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// println!("{:?}", c.get_backend()); // ThreadBackend by default
    /// ```
    pub fn get_backend(&self) -> Arc<dyn ComputationBackend> {
        self.backend
            .clone()
            .unwrap_or_else(|| DEFAULT_BACKEND.clone())
    }

    /// The process-wide default store: a [`FileSystemStore`] in
    /// `$TMPDIR/strand-<user>/computations` with a TTL of one hour. If that
    /// directory is unusable (another user owns it, say), a [`MemoryStore`]
    /// with the same TTL, with a warning logged.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = strand_au::Computation::default_store();
    /// assert_eq!(store.ttl(), Some(strand_au::DEFAULT_TTL));
    /// ```
    pub fn default_store() -> Arc<dyn ComputationStore> {
        static DEFAULT: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| {
            match FileSystemStore::in_default_dir("computations") {
                Ok(store) => Arc::new(store.ttl(DEFAULT_TTL)),
                Err(e) => {
                    tracing::warn!(error = %e, "default computation directory unusable; keeping records in memory");
                    Arc::new(MemoryStore::new().ttl(DEFAULT_TTL))
                }
            }
        });
        DEFAULT.clone()
    }

    /// A handle on an existing record of this function's store.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// let key = c.launch::<u32>(&1).key().clone();
    /// assert_eq!(c.handle::<u32>(key).join().unwrap(), 2);
    /// ```
    pub fn handle<T: DeserializeOwned>(&self, key: Key) -> ComputationHandle<T> {
        ComputationHandle::from_key(key, self.get_store())
    }

    /// Deletes this function's store's expired records; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// assert_eq!(c.cleanup_expired().unwrap(), 0);
    /// ```
    pub fn cleanup_expired(&self) -> Result<usize, crate::StoreError> {
        self.get_store().cleanup_expired()
    }

    /// Launches a computation on `args` under a fresh key: writes its
    /// `Pending` record, hands the job to the backend, and returns its
    /// handle. Never panics: if the record cannot be written or the job not
    /// started, the handle reports that error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// let handles: Vec<_> = (0..3u32).map(|i| c.launch::<u32>(&i)).collect();
    /// assert_eq!(handles[2].join().unwrap(), 3);
    /// ```
    pub fn launch<T: DeserializeOwned>(&self, args: &impl Serialize) -> ComputationHandle<T> {
        let store = self.get_store();
        let key = store.create_key();
        self.launch_with(key, args, Existing::None)
    }

    /// Launches as [`launch`](Self::launch) does, but says at once when
    /// the computation could not be launched: its arguments do not encode,
    /// the store refuses its record (a full disk, a lost connection) or this
    /// process's heartbeat, or its name is registered twice. `launch` reports
    /// the same from the handle's `status()` and `join()`; nothing is
    /// written either way.
    ///
    /// # Errors
    ///
    /// What kept the computation from being launched.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{Computation, MemoryStore, Runner};
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// let handle = c.try_launch::<u32>(&1).unwrap();
    /// assert_eq!(handle.join().unwrap(), 2);
    ///
    /// // Arguments that JSON cannot hold (a map with non-string keys):
    /// let bad = std::collections::HashMap::from([((1, 2), 3)]);
    /// let err = c.try_launch::<u32>(&bad).unwrap_err();
    /// assert!(err.is_decode(), "{err}");
    /// ```
    pub fn try_launch<T: DeserializeOwned>(
        &self,
        args: &impl Serialize,
    ) -> Result<ComputationHandle<T>, ComputationError> {
        let handle = self.launch::<T>(args);
        match handle.refused() {
            Some(e) => Err(e),
            None => Ok(handle),
        }
    }

    /// Launches a computation on `args` under a chosen `key`, if no live
    /// record holds the key.
    ///
    /// A key names one computation. If the store has a live record under
    /// `key` (a computation pending or running there, or finished and not
    /// yet expired), nothing is run and nothing is written: the handle
    /// reports [`ComputationError::KeyInUse`](crate::ComputationError::KeyInUse)
    /// from every method (`join`, `status`, `cancel`, ...), never touches
    /// that record, and [`is_key_in_use`](crate::ComputationError::is_key_in_use)
    /// says so. To get a handle on the computation there instead, use
    /// [`join_or_launch_as`](Self::join_or_launch_as). An expired record is
    /// replaced.
    ///
    /// The look and the write are one atomic step of the store
    /// ([`ComputationStore::create`]): of launches racing on one key,
    /// exactly one runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{Computation, Key, MemoryStore, Runner};
    ///
    /// let c = Computation::new("inc", Runner::new(|x: u32| x + 1))
    ///     .store(Arc::new(MemoryStore::new()));
    /// let key = Key::new("job-7").unwrap();
    /// let handle = c.launch_as::<u32>(key.clone(), &6);
    /// assert_eq!((handle.key().as_str(), handle.join().unwrap()), ("job-7", 7));
    ///
    /// // The key is taken: nothing runs, the first result stays.
    /// let again = c.launch_as::<u32>(key.clone(), &41);
    /// assert!(again.join().unwrap_err().is_key_in_use());
    /// assert_eq!(c.handle::<u32>(key).join().unwrap(), 7);
    /// ```
    pub fn launch_as<T: DeserializeOwned>(
        &self,
        key: Key,
        args: &impl Serialize,
    ) -> ComputationHandle<T> {
        self.launch_with(key, args, Existing::Refuse)
    }

    /// A handle on the computation of this function under `key`: the one
    /// recorded there, if the store has a live record of this function
    /// under `key` (pending, running, or finished and not yet expired),
    /// otherwise a new one launched on `args` as [`launch_as`](Self::launch_as)
    /// does. It returns at once either way; join the handle to wait.
    ///
    /// A computation that is there is joined as it is: its arguments are
    /// not compared with `args`, and a failed or cancelled one is not run
    /// again (delete its record first to run it again). A record of another
    /// function under `key` is [`ComputationError::KeyInUse`](crate::ComputationError::KeyInUse),
    /// as on `launch_as`. The look and the launch are one atomic step of
    /// the store, as on `launch_as`: callers racing on one key all get the
    /// one computation, which runs once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{Computation, Key, MemoryStore, Runner};
    ///
    /// let c = Computation::new("report", Runner::new(|month: u32| format!("report of month {month}")))
    ///     .store(Arc::new(MemoryStore::new()));
    /// let key = Key::new("report-2024-05").unwrap();
    /// let first = c.join_or_launch_as::<String>(key.clone(), &5);
    /// // Whoever asks next gets the same computation: nothing runs again.
    /// let second = c.join_or_launch_as::<String>(key, &5);
    /// assert_eq!(first.join().unwrap(), "report of month 5");
    /// assert_eq!(second.join().unwrap(), "report of month 5");
    /// assert_eq!(second.record().unwrap().attempts, 1);
    /// ```
    pub fn join_or_launch_as<T: DeserializeOwned>(
        &self,
        key: Key,
        args: &impl Serialize,
    ) -> ComputationHandle<T> {
        self.launch_with(key, args, Existing::Join)
    }

    /// `existing`: what to do with a live record under `key`.
    fn launch_with<T: DeserializeOwned>(
        &self,
        key: Key,
        args: &impl Serialize,
        existing: Existing,
    ) -> ComputationHandle<T> {
        let store = self.get_store();
        if let Some(refused) = self.refused() {
            return ComputationHandle::failed_launch(key, store, refused.clone());
        }
        let args = match serde_json::to_value(args) {
            Ok(args) => args,
            Err(e) => {
                let e = ErrorInfo::new(ErrorKind::Decode, format!("cannot encode arguments: {e}"));
                return ComputationHandle::failed_launch(key, store, e);
            }
        };
        if let Some(queue) = &self.queue {
            return self.enqueue(queue, key, args, existing, store);
        }
        // The process answers for the record from its first write: its
        // heartbeat is live before the record exists.
        let hold = match crate::context::hold(&store, &key, self.lease) {
            Ok(hold) => hold,
            Err(e) => {
                let e = ErrorInfo::new(ErrorKind::Store, format!("cannot record computation: {e}"));
                return ComputationHandle::failed_launch(key, store, e);
            }
        };
        let mut record = Record::pending(self.name.as_ref(), args.clone(), store.clock().now_ms())
            .owned_by(crate::context::OWNER.as_str());
        record.ttl_ms = self.ttl.map(crate::record::duration_ms);
        record.metadata = self.metadata.clone();
        let written = match existing {
            Existing::None => store.put_new(&key, record).map(|()| Created::New),
            Existing::Refuse | Existing::Join => store.create(&key, record),
        };
        match written {
            Ok(Created::New) => {}
            Ok(Created::Exists(there)) => {
                return if existing == Existing::Join && there.function == self.name {
                    ComputationHandle::from_key(key, store)
                } else {
                    ComputationHandle::key_in_use(key, store)
                };
            }
            Err(e) => {
                let e = ErrorInfo::new(ErrorKind::Store, format!("cannot record computation: {e}"));
                return ComputationHandle::failed_launch(key, store, e);
            }
        }
        let job = Job::new(
            key.clone(),
            self.name.as_ref(),
            args,
            store.clone(),
            self.runner.clone(),
        )
        .with_middleware(self.middleware.clone())
        .with_lease(self.lease)
        .with_hold(hold);
        if let Err(e) = self.get_backend().launch(job) {
            let now = store.clock().now_ms();
            let info = ErrorInfo::new(ErrorKind::Store, e.to_string());
            let _ = store.update(&key, &mut |r| {
                UpdateAction::write_if(r.fail(info.clone(), now))
            });
        }
        ComputationHandle::from_key(key, store)
    }
}

impl Computation {
    /// Writes the computation into `queue` of `store` as a task.
    fn enqueue<T: DeserializeOwned>(
        &self,
        queue: &str,
        key: Key,
        args: serde_json::Value,
        existing: Existing,
        store: Arc<dyn ComputationStore>,
    ) -> ComputationHandle<T> {
        let mut record = Record::pending(self.name.as_ref(), args, store.clock().now_ms());
        record.ttl_ms = self.ttl.map(crate::record::duration_ms);
        record.metadata = self.metadata.clone();
        record.queue = Some(queue.to_owned());
        let written = if store.holds_queues() {
            store.enqueue(&key, record)
        } else {
            Err(crate::StoreError::unsupported(
                "hold a queue of tasks",
                &store,
            ))
        };
        match written {
            Ok(Created::New) => ComputationHandle::from_key(key, store),
            Ok(Created::Exists(there)) => {
                if existing == Existing::Join && there.function == self.name {
                    ComputationHandle::from_key(key, store)
                } else {
                    ComputationHandle::key_in_use(key, store)
                }
            }
            Err(e) => {
                let e = ErrorInfo::new(ErrorKind::Store, format!("cannot queue computation: {e}"));
                ComputationHandle::failed_launch(key, store, e)
            }
        }
    }
}

/// What a launch does with a live record under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// There is none: the key was just made by the store's `create_key`,
    /// so its first record can go through the store's cheaper
    /// [`put_new`](ComputationStore::put_new).
    None,
    /// Run nothing, write nothing: the handle says the key is in use.
    Refuse,
    /// Hand back a handle on it, if it is of this function.
    Join,
}

static DEFAULT_BACKEND: LazyLock<Arc<dyn ComputationBackend>> =
    LazyLock::new(|| Arc::new(ThreadBackend::new()));

impl fmt::Debug for Computation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Computation")
            .field("name", &self.name)
            .field("store", &self.store)
            .field("backend", &self.backend)
            .field("middleware", &self.middleware)
            .field("ttl", &self.ttl)
            .field("lease", &self.lease)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}
