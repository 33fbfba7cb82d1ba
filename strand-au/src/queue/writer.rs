//! [`StoreTaskWriter`]: a call writes a task into a store's queue and
//! returns the [`TaskHandle`] every strand target returns.

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use strand::remote::{Outcome, Remote};
use strand::{CancelOutcome, JoinError, TaskHandle};

use super::completions;
use super::reader::{ReaderGuard, StoreTaskReader};
use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Record, Status};
use crate::store::{ComputationStore, Created, DEFAULT_QUEUE, StoreError, UpdateAction, Updated};

type OnEnd<T> = Arc<dyn Fn(&T) + Send + Sync>;
type OnError<E> = Arc<dyn Fn(&JoinError<E>) + Send + Sync>;

/// Writes calls of one registered function into a store's queue as tasks,
/// for [`StoreTaskReader`] workers in any process to run: the runner form
/// of `#[as_task(store = ...)]`, and Python strand's `StoreTaskWriter`.
///
/// A call ([`call`](Self::call)) writes a task (the function's registered
/// name, its encoded arguments, the queue, attempts) under a fresh key and
/// returns at once with a [`TaskHandle`], the handle of every strand
/// target: it completes when a worker has run the task, whichever process
/// or machine that was, and it names the task by its key
/// ([`TaskHandle::key`]), from which [`handle`](Self::handle) makes a
/// handle elsewhere. Dropping the handle leaves the task queued.
/// [`TaskHandle::cancel`] cancels a waiting task (it never runs;
/// `NotStarted`) or asks a running one to stop (`Requested`), as a
/// computation is cancelled.
///
/// `on_end` and `on_error` callbacks run where the handle was made, in
/// this process, when the worker's outcome reaches it (woken by the
/// store), while this process lives; a task that finishes after this
/// process has exited runs none.
///
/// `Args` is the tuple of the function's arguments, `T` its value, `E` its
/// error when it returns `Result` (see [`fallible`](Self::fallible)).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{ComputationStore, MemoryStore, Runner, StoreTaskReader, StoreTaskWriter};
///
/// let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
/// // A worker of the store that knows the function by its name:
/// let _worker = StoreTaskReader::new(store.clone())
///     .function("doc::add", Runner::new(|(a, b): (u32, u32)| a + b))
///     .listen()
///     .unwrap();
///
/// let add = StoreTaskWriter::<(u32, u32), u32>::new("doc::add", store.clone());
/// let handle = add.call((2, 3));
/// assert!(handle.key().is_some());
/// assert_eq!(handle.join().unwrap(), 5);
/// ```
pub struct StoreTaskWriter<Args, T, E = Infallible> {
    name: Cow<'static, str>,
    store: Arc<dyn ComputationStore>,
    queue: String,
    max_attempts: Option<u32>,
    ttl: Option<Duration>,
    on_end: Option<OnEnd<T>>,
    on_error: Option<OnError<E>>,
    /// Reads the function's error back from a failed record.
    failure: fn(&ErrorInfo) -> Option<E>,
    /// The reader started by `read_store`, stopped with the last clone.
    reader: Option<Arc<ReaderGuard>>,
    _args: PhantomData<fn(Args)>,
}

fn no_failure(_: &ErrorInfo) -> Option<Infallible> {
    None
}

/// The typed error of a failed record: the error it keeps, or one read
/// from its message (an `E` that is a string).
fn typed_failure<E: DeserializeOwned>(info: &ErrorInfo) -> Option<E> {
    if info.kind != ErrorKind::Returned {
        return None;
    }
    if let Some(value) = &info.value {
        if let Ok(e) = serde_json::from_value(value.clone()) {
            return Some(e);
        }
    }
    serde_json::from_value(serde_json::Value::String(info.message.clone())).ok()
}

impl<Args, T> StoreTaskWriter<Args, T, Infallible> {
    /// A writer of tasks of the function registered as `name` (see
    /// [`register`](crate::register); `#[as_task(store)]` and
    /// `#[async_compute]` functions are registered), into the
    /// [`DEFAULT_QUEUE`] of `store`. A store that cannot hold a queue
    /// makes every call fail with [`StoreError::Unsupported`]'s message.
    pub fn new(name: impl Into<Cow<'static, str>>, store: Arc<dyn ComputationStore>) -> Self {
        StoreTaskWriter {
            name: name.into(),
            store,
            queue: DEFAULT_QUEUE.to_owned(),
            max_attempts: None,
            ttl: None,
            on_end: None,
            on_error: None,
            failure: no_failure,
            reader: None,
            _args: PhantomData,
        }
    }
}

impl<Args, T, E> StoreTaskWriter<Args, T, E> {
    /// The function returns `Result<T, E2>`: its errors come back typed
    /// ([`JoinError::failure`]), as the function's error value that the
    /// worker stored. Call it first: it drops an `on_error` set before.
    pub fn fallible<E2: DeserializeOwned>(self) -> StoreTaskWriter<Args, T, E2> {
        StoreTaskWriter {
            name: self.name,
            store: self.store,
            queue: self.queue,
            max_attempts: self.max_attempts,
            ttl: self.ttl,
            on_end: self.on_end,
            on_error: None,
            failure: typed_failure::<E2>,
            reader: self.reader,
            _args: PhantomData,
        }
    }

    /// Writes into queue `queue` (default [`DEFAULT_QUEUE`]); a name that
    /// is no queue name ([`is_queue_name`](crate::is_queue_name)) makes
    /// every call fail saying so.
    pub fn queue(mut self, queue: impl Into<String>) -> Self {
        self.queue = queue.into();
        self
    }

    /// How many times a worker may start a task before a lost worker fails
    /// it for good (default [`Record::DEFAULT_MAX_ATTEMPTS`], 3).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Keeps each task's record this long after it finished, whatever the
    /// store's TTL.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Calls `g` with the value of each task that completes, in this
    /// process (see the type's docs).
    pub fn on_end(mut self, g: impl Fn(&T) + Send + Sync + 'static) -> Self {
        self.on_end = Some(Arc::new(g));
        self
    }

    /// Calls `g` with the error of each task that fails (or that this
    /// process learns was lost or cancelled elsewhere), in this process.
    pub fn on_error(mut self, g: impl Fn(&JoinError<E>) + Send + Sync + 'static) -> Self {
        self.on_error = Some(Arc::new(g));
        self
    }

    /// Starts a [`StoreTaskReader`] on `store` (usually the store written
    /// to) serving this writer's queue, kept while the writer (or a clone)
    /// lives: Python strand's `read_store`. It resolves names through the
    /// registry. A store that cannot hold a queue is logged and no reader
    /// starts; calls say why.
    pub fn read_store(mut self, store: Arc<dyn ComputationStore>) -> Self {
        match StoreTaskReader::new(store)
            .queues([self.queue.clone()])
            .listen()
        {
            Ok(guard) => self.reader = Some(Arc::new(guard)),
            Err(e) => tracing::error!(error = %e, "cannot start the reader of a StoreTaskWriter"),
        }
        self
    }

    /// The registered name of the function.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store tasks are written to.
    pub fn store(&self) -> &Arc<dyn ComputationStore> {
        &self.store
    }

    /// The queue tasks are written to.
    pub fn queue_name(&self) -> &str {
        &self.queue
    }
}

impl<Args, T, E> StoreTaskWriter<Args, T, E>
where
    Args: Serialize,
    T: DeserializeOwned + Send + 'static,
    E: Send + 'static,
{
    /// Writes a task of the function on `args` under a fresh key and
    /// returns its handle at once. Never panics: a task that cannot be
    /// written (the store refuses it, its arguments do not encode, it is
    /// over the store's record size) gives a handle that fails with that
    /// error ([`JoinError::elsewhere`]).
    pub fn call(&self, args: Args) -> TaskHandle<T, E> {
        let key = self.store.create_key();
        match self.write(&key, &args) {
            Ok(()) => self.watch(key),
            Err(why) => failed(&self.name, &key, why),
        }
    }

    /// Writes as [`call`](Self::call) does, and says at once when the task
    /// could not be written.
    ///
    /// # Errors
    ///
    /// Why the task was not written.
    pub fn try_call(&self, args: Args) -> Result<TaskHandle<T, E>, StoreError> {
        let key = self.store.create_key();
        self.write_checked(&key, &args)?;
        Ok(self.watch(key))
    }

    /// Writes a task under the given `key` (an id of the caller's: a job
    /// number, a request id), if no live record holds it.
    ///
    /// # Errors
    ///
    /// Why the task was not written; a key in use says so (and the task
    /// there is left as it is: [`handle`](Self::handle) joins it).
    pub fn call_as(&self, key: &str, args: Args) -> Result<TaskHandle<T, E>, StoreError> {
        let key = Key::new(key).map_err(|e| StoreError::Other(e.to_string()))?;
        self.write_checked(&key, &args)?;
        Ok(self.watch(key))
    }

    /// A handle on the task under `key`, written by this process or any
    /// other: `f::handle(key)` of `#[as_task(store)]`. An unknown key, or
    /// one that is no key, gives a handle that fails saying so.
    pub fn handle(&self, key: &str) -> TaskHandle<T, E> {
        match Key::new(key) {
            Ok(key) => self.watch(key),
            Err(e) => failed(
                &self.name,
                &Key::random(),
                format!("`{key}` is no task key: {e}"),
            ),
        }
    }

    fn write(&self, key: &Key, args: &Args) -> Result<(), String> {
        self.write_checked(key, args).map_err(|e| e.to_string())
    }

    fn write_checked(&self, key: &Key, args: &Args) -> Result<(), StoreError> {
        if !self.store.holds_queues() {
            return Err(StoreError::unsupported(
                "hold a queue of tasks",
                &self.store,
            ));
        }
        crate::store::queue::check_queue_name(&self.queue)?;
        let args = serde_json::to_value(args)
            .map_err(|e| StoreError::Encode(format!("cannot encode the task's arguments: {e}")))?;
        let now = self.store.clock().now_ms();
        let mut record = Record::pending(self.name.as_ref(), args, now);
        record.queue = Some(self.queue.clone());
        record.max_attempts = self.max_attempts;
        record.ttl_ms = self.ttl.map(crate::record::duration_ms);
        match self.store.enqueue(key, record)? {
            Created::New => Ok(()),
            Created::Exists(_) => Err(StoreError::Other(format!(
                "the key `{key}` is in use: a live record holds it (a handle on it joins that task)"
            ))),
        }
    }

    /// The handle of the task `key`, completed from the store.
    fn watch(&self, key: Key) -> TaskHandle<T, E> {
        let store = self.store.clone();
        let cancel_store = store.clone();
        let cancel_key = key.clone();
        let (handle, completer) = Remote::new()
            .name(self.name.clone())
            .key(key.as_str())
            .on_cancel(move || cancel_task(&cancel_store, &cancel_key))
            .start::<T, E>();
        let on_end = self.on_end.clone();
        let on_error = self.on_error.clone();
        let failure = self.failure;
        let has_callbacks = on_end.is_some() || on_error.is_some();
        let completer = Arc::new(std::sync::Mutex::new(Some(completer)));
        let wanted_completer = completer.clone();
        completions::watch(
            &store,
            key,
            Box::new(move || {
                has_callbacks
                    || wanted_completer
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .as_ref()
                        .is_some_and(|c| !c.is_detached() && !c.is_finished())
            }),
            Box::new(move |record| {
                let Some(completer) = completer.lock().unwrap_or_else(|p| p.into_inner()).take()
                else {
                    return;
                };
                let outcome = outcome_of::<T, E>(record, failure);
                completer.complete_with(outcome, |result| match result {
                    Ok(value) => {
                        if let Some(g) = &on_end {
                            g(value);
                        }
                    }
                    Err(error) if !error.is_cancelled() => {
                        if let Some(g) = &on_error {
                            g(error);
                        }
                    }
                    Err(_) => {}
                });
            }),
        );
        handle
    }
}

/// A writer launches its tasks for [`strand::TaskDispatcher`] and anything
/// else that takes a [`Launch`](strand::Launch): each launch writes a task,
/// as [`call`](StoreTaskWriter::call) does.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand::TaskDispatcher;
/// use strand_au::{ComputationStore, MemoryStore, Runner, StoreTaskReader, StoreTaskWriter};
///
/// let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
/// let _worker = StoreTaskReader::new(store.clone())
///     .function("doc::cube", Runner::new(|(x,): (u64,)| x * x * x))
///     .listen()
///     .unwrap();
/// let cube = StoreTaskWriter::<(u64,), u64>::new("doc::cube", store);
///
/// let mut dispatcher = TaskDispatcher::new().max_in_flight(16);
/// for x in 1..=10 {
///     dispatcher.enqueue(&cube, (x,));
/// }
/// dispatcher.run(std::time::Duration::from_secs(60)).unwrap();
/// assert_eq!(dispatcher.results().values().sum::<u64>(), 3025);
/// ```
impl<Args, T, E> strand::Launch<Args> for StoreTaskWriter<Args, T, E>
where
    Args: Serialize,
    T: DeserializeOwned + Send + 'static,
    E: Send + 'static,
{
    type Value = T;
    type Error = E;

    fn launch(&self, args: Args) -> TaskHandle<T, E> {
        self.call(args)
    }
}

impl<Args, T, E> Clone for StoreTaskWriter<Args, T, E> {
    fn clone(&self) -> Self {
        StoreTaskWriter {
            name: self.name.clone(),
            store: self.store.clone(),
            queue: self.queue.clone(),
            max_attempts: self.max_attempts,
            ttl: self.ttl,
            on_end: self.on_end.clone(),
            on_error: self.on_error.clone(),
            failure: self.failure,
            reader: self.reader.clone(),
            _args: PhantomData,
        }
    }
}

impl<Args, T, E> fmt::Debug for StoreTaskWriter<Args, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreTaskWriter")
            .field("name", &self.name)
            .field("store", &self.store)
            .field("queue", &self.queue)
            .field("max_attempts", &self.max_attempts)
            .field("reader", &self.reader.is_some())
            .finish_non_exhaustive()
    }
}

/// A handle that failed before its task was written.
fn failed<T, E>(name: &str, key: &Key, why: String) -> TaskHandle<T, E> {
    let (handle, completer) = Remote::new()
        .name(name.to_owned())
        .key(key.as_str())
        .on_cancel(|| CancelOutcome::AlreadyFinished)
        .start::<T, E>();
    completer.complete(Outcome::Error(why));
    handle
}

/// Cancels the task `key` where it lives: a waiting task leaves its queue
/// and never runs, a running one is asked to stop (its worker sees the
/// record `Cancelled`).
pub(crate) fn cancel_task(store: &Arc<dyn ComputationStore>, key: &Key) -> CancelOutcome {
    let now = store.clock().now_ms();
    let mut before = None;
    let updated = store.update(key, &mut |r| {
        before = Some(r.status);
        UpdateAction::write_if(r.cancel(now))
    });
    match (updated, before) {
        (Ok(Updated::Written(_)), Some(Status::Pending)) => CancelOutcome::NotStarted,
        (Ok(Updated::Written(_)), _) => {
            crate::context::hint_cancelled(store, key);
            CancelOutcome::Requested
        }
        (Ok(_), _) => CancelOutcome::AlreadyFinished,
        (Err(e), _) => {
            // The task goes on; the handle settles as cancelled all the same.
            tracing::warn!(%key, error = %e, "cannot record the cancel of a store task");
            CancelOutcome::Requested
        }
    }
}

/// What the handle of a task learns from its settled record.
pub(crate) fn outcome_of<T: DeserializeOwned, E>(
    record: Result<Record, String>,
    failure: fn(&ErrorInfo) -> Option<E>,
) -> Outcome<T, E> {
    let record = match record {
        Ok(record) => record,
        Err(why) => return Outcome::Error(why),
    };
    match record.status {
        Status::Completed => match serde_json::from_value(record.value.unwrap_or_default()) {
            Ok(value) => Outcome::Value(value),
            Err(e) => Outcome::Error(format!(
                "the task's value does not decode as `{}`: {e}",
                std::any::type_name::<T>()
            )),
        },
        Status::Cancelled => Outcome::Cancelled,
        _ => {
            let info = record
                .error
                .unwrap_or_else(|| ErrorInfo::new(ErrorKind::Store, "failed, saying nothing"));
            match info.kind {
                ErrorKind::Cancelled => Outcome::Cancelled,
                ErrorKind::Panicked => Outcome::Panicked(info.message),
                _ => match failure(&info) {
                    Some(e) => Outcome::Failed(e),
                    None => Outcome::Error(info.message),
                },
            }
        }
    }
}
