//! [`ComputationHandle`]: status, result, cancellation of one computation.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use strand::CancelOutcome;

use crate::context;
use crate::error::{ComputationError, FailureReader, read_failure};
use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Progress, Record, Status};
use crate::store::{ComputationStore, StoreError, UpdateAction, Updated};

/// How often a joiner of an unfinished computation looks again without
/// being woken: to notice that its owner died (see
/// [`Heartbeat`](crate::Heartbeat)), or that its outcome could not be
/// recorded.
const RECHECK: Duration = Duration::from_secs(1);

/// A typed view of one computation's record: status, result, progress,
/// metadata, cancellation.
///
/// The handle holds only the key and the store, so it is cheap to clone,
/// can be dropped without affecting the computation (it is not
/// `#[must_use]`: the record persists and [`from_key`](Self::from_key)
/// rebuilds a handle anywhere, e.g. in a web handler that only knows the id),
/// and its methods take `&self`: waiting with a timeout never consumes the
/// handle, so there is nothing to hand back; wait again.
///
/// Waiting uses the store's [`wait_for_change`](ComputationStore::wait_for_change):
/// in-process writers wake waiters directly, no fixed-interval polling.
///
/// # One vocabulary with `TaskHandle`
///
/// A computation is joined as a [`TaskHandle`](strand::TaskHandle) is:
/// [`join`](Self::join) blocks, [`try_join`](Self::try_join) does not wait,
/// [`join_timeout`](Self::join_timeout) and [`join_deadline`](Self::join_deadline)
/// bound the wait, and `.await` (or [`join_async`](Self::join_async)) waits
/// from async code. The error, [`ComputationError<E>`], answers the
/// questions [`JoinError<E>`](strand::JoinError) answers (`is_failed`,
/// `is_panic`, `is_cancelled`, `failure`, `panic_message`). Two things
/// differ because the outcome lives in a store, not in the handle: the
/// methods borrow the handle (join as often as you like; a timeout hands
/// nothing back), and the error type `E` is what a returned error is read
/// as: typed when the function's error type is `Serialize +
/// DeserializeOwned`, its message otherwise (`String`, the default, reads
/// the message of any error). The old names (`wait`, `try_result`,
/// `wait_timeout`, `wait_deadline`, `wait_async`, `wait_timeout_async`)
/// remain as deprecated aliases.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use strand_au::{Computation, ComputationHandle, ComputationStore, MemoryStore, Runner, Status};
///
/// let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
/// let c = Computation::new("double", Runner::new(|x: u32| x * 2)).store(store.clone());
/// let handle = c.launch::<u32>(&21);
/// assert_eq!(handle.join_timeout(Duration::from_secs(10)).unwrap(), 42);
/// assert_eq!(handle.status().unwrap(), Status::Completed);
///
/// // Elsewhere, knowing only the key:
/// let again = ComputationHandle::<u32>::from_key(handle.key().clone(), store);
/// assert_eq!(again.try_join().unwrap(), 42);
/// ```
pub struct ComputationHandle<T, E = String> {
    key: Key,
    store: Arc<dyn ComputationStore>,
    launch_error: Option<Refused>,
    failure: FailureReader<E>,
    _value: PhantomData<fn() -> T>,
}

/// Why a handle's launch ran nothing and wrote no record; every read of
/// the handle reports it.
#[derive(Debug, Clone)]
enum Refused {
    /// The launch failed (see [`ComputationHandle::failed_launch`]).
    Failed(ErrorInfo),
    /// Another computation's record holds the key (see
    /// [`ComputationHandle::key_in_use`]).
    KeyInUse,
}

impl<T, E> Clone for ComputationHandle<T, E> {
    fn clone(&self) -> Self {
        ComputationHandle {
            key: self.key.clone(),
            store: self.store.clone(),
            launch_error: self.launch_error.clone(),
            failure: self.failure,
            _value: PhantomData,
        }
    }
}

impl<T, E> fmt::Debug for ComputationHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComputationHandle")
            .field("key", &self.key)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned, E: DeserializeOwned> ComputationHandle<T, E> {
    /// A handle on the record `key` of `store`. Nothing is checked now: an
    /// unknown key shows as [`ComputationError::UnknownKey`] on use.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{ComputationHandle, ComputationStore, Key, MemoryStore};
    /// let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    /// let handle = ComputationHandle::<u32>::from_key(Key::new("job-1").unwrap(), store);
    /// assert!(handle.status().unwrap_err().is_unknown_key());
    /// ```
    pub fn from_key(key: Key, store: Arc<dyn ComputationStore>) -> Self {
        ComputationHandle {
            key,
            store,
            launch_error: None,
            failure: read_failure::<E>,
            _value: PhantomData,
        }
    }

    /// A handle whose launch failed before a record could be written; every
    /// read reports `error`.
    pub(crate) fn failed_launch(
        key: Key,
        store: Arc<dyn ComputationStore>,
        error: ErrorInfo,
    ) -> Self {
        ComputationHandle {
            launch_error: Some(Refused::Failed(error)),
            ..Self::from_key(key, store)
        }
    }

    /// A handle whose launch found `key` held by another computation's
    /// record, and so ran nothing; every read reports
    /// [`ComputationError::KeyInUse`], and nothing it does touches that
    /// record.
    pub(crate) fn key_in_use(key: Key, store: Arc<dyn ComputationStore>) -> Self {
        ComputationHandle {
            launch_error: Some(Refused::KeyInUse),
            ..Self::from_key(key, store)
        }
    }
}

impl<T, E> ComputationHandle<T, E> {
    /// The same handle, reading a returned error as an `E2` (see
    /// [`ComputationError::failure`]): for a handle made by
    /// [`Computation::launch`](crate::Computation::launch) or
    /// [`from_key`](Self::from_key), whose error type is the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{Computation, MemoryStore, Runner};
    ///
    /// let c = Computation::new("half", Runner::fallible_typed(|n: u32| {
    ///     if n % 2 == 0 { Ok(n / 2) } else { Err(n) }
    /// }))
    /// .store(Arc::new(MemoryStore::new()));
    /// let handle = c.launch::<u32>(&7).with_error::<u32>();
    /// assert_eq!(handle.join().unwrap_err().into_failure().unwrap(), 7);
    /// ```
    pub fn with_error<E2: DeserializeOwned>(self) -> ComputationHandle<T, E2> {
        self.read_failure_with(read_failure::<E2>)
    }

    /// The same handle, reading a returned error with `failure`.
    pub(crate) fn read_failure_with<E2>(
        self,
        failure: FailureReader<E2>,
    ) -> ComputationHandle<T, E2> {
        ComputationHandle {
            key: self.key,
            store: self.store,
            launch_error: self.launch_error,
            failure,
            _value: PhantomData,
        }
    }
}

impl<T, E> ComputationHandle<T, E> {
    /// The error every use reports when the launch ran nothing.
    pub(crate) fn refused(&self) -> Option<ComputationError<E>> {
        Some(match self.launch_error.as_ref()? {
            Refused::Failed(e) => ComputationError::from_info(e, self.failure),
            Refused::KeyInUse => ComputationError::KeyInUse(self.key.clone()),
        })
    }
}

impl<T: DeserializeOwned, E> ComputationHandle<T, E> {
    /// The key of the record.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert_eq!(handle.key().as_str().len(), 32);
    /// ```
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// The store of the record.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert!(handle.store().get(handle.key()).unwrap().is_some());
    /// ```
    pub fn store(&self) -> &Arc<dyn ComputationStore> {
        &self.store
    }

    /// The store the record lives in.
    #[cfg(feature = "tokio")]
    pub(crate) fn store_ref(&self) -> &Arc<dyn ComputationStore> {
        &self.store
    }

    /// The live record (see [`ComputationStore::get`]).
    ///
    /// # Errors
    ///
    /// [`ComputationError::UnknownKey`], or a store error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// let record = handle.record().unwrap();
    /// assert_eq!((record.function.as_str(), record.attempts), ("double", 1));
    /// assert_eq!(record.value, Some(serde_json::json!(42)));
    /// ```
    pub fn record(&self) -> Result<Record, ComputationError<E>> {
        if let Some(refused) = self.refused() {
            return Err(refused);
        }
        self.store
            .get(&self.key)?
            .ok_or_else(|| ComputationError::UnknownKey(self.key.clone()))
    }

    /// The current status.
    ///
    /// # Errors
    ///
    /// As [`record`](Self::record).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert_eq!(handle.status().unwrap(), strand_au::Status::Completed);
    /// ```
    pub fn status(&self) -> Result<Status, ComputationError<E>> {
        Ok(self.record()?.status)
    }

    /// Whether waiting would return at once: the computation finished, or
    /// the handle can never get a result (unknown key, failed launch).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert!(handle.is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        match self.record() {
            Ok(r) => r.status.is_terminal(),
            Err(e) => e.is_unknown_key() || self.launch_error.is_some(),
        }
    }

    /// The result if the computation has finished, without waiting; as
    /// [`TaskHandle::try_join`](strand::TaskHandle::try_join), but the
    /// handle stays usable either way.
    ///
    /// # Errors
    ///
    /// [`ComputationError::NotReady`] while pending or running; otherwise
    /// what [`join`](Self::join) would return.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert_eq!(handle.try_join().unwrap(), 42);
    /// ```
    pub fn try_join(&self) -> Result<T, ComputationError<E>> {
        let record = self.record()?;
        if !record.status.is_terminal() {
            return Err(self
                .unrecorded(&record)
                .unwrap_or(ComputationError::NotReady(record.status)));
        }
        self.outcome(record)
    }

    /// Waits for the result.
    ///
    /// # Errors
    ///
    /// What happened to the computation (failed, panicked, cancelled, worker
    /// lost, rejected), or why the handle cannot tell (unknown key, store or
    /// decode error).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert_eq!(handle.join().unwrap(), 42);
    /// ```
    pub fn join(&self) -> Result<T, ComputationError<E>> {
        self.join_until(None)
    }

    /// Waits for the result at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`ComputationError::WaitTimeout`] when time runs out (join again
    /// later: the handle is still yours), or as [`join`](Self::join).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert_eq!(handle.join_timeout(std::time::Duration::from_secs(5)).unwrap(), 42);
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> Result<T, ComputationError<E>> {
        self.join_until(Instant::now().checked_add(timeout))
    }

    /// Waits for the result until `deadline`.
    ///
    /// # Errors
    ///
    /// [`ComputationError::WaitTimeout`] when time runs out, or as [`join`](Self::join).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    /// assert_eq!(handle.join_deadline(deadline).unwrap(), 42);
    /// ```
    pub fn join_deadline(&self, deadline: Instant) -> Result<T, ComputationError<E>> {
        self.join_until(Some(deadline))
    }

    /// The old name of [`try_join`](Self::try_join).
    ///
    /// # Errors
    ///
    /// As [`try_join`](Self::try_join).
    #[deprecated(since = "0.2.0", note = "renamed to `try_join`, as on `TaskHandle`")]
    pub fn try_result(&self) -> Result<T, ComputationError<E>> {
        self.try_join()
    }

    /// The old name of [`join`](Self::join).
    ///
    /// # Errors
    ///
    /// As [`join`](Self::join).
    #[deprecated(since = "0.2.0", note = "renamed to `join`, as on `TaskHandle`")]
    pub fn wait(&self) -> Result<T, ComputationError<E>> {
        self.join()
    }

    /// The old name of [`join_timeout`](Self::join_timeout).
    ///
    /// # Errors
    ///
    /// As [`join_timeout`](Self::join_timeout).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `join_timeout`, as on `TaskHandle`"
    )]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<T, ComputationError<E>> {
        self.join_timeout(timeout)
    }

    /// The old name of [`join_deadline`](Self::join_deadline).
    ///
    /// # Errors
    ///
    /// As [`join_deadline`](Self::join_deadline).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `join_deadline`, as on `TaskHandle`"
    )]
    pub fn wait_deadline(&self, deadline: Instant) -> Result<T, ComputationError<E>> {
        self.join_deadline(deadline)
    }

    fn join_until(&self, deadline: Option<Instant>) -> Result<T, ComputationError<E>> {
        let mut record = self.record()?;
        loop {
            if record.status.is_terminal() {
                return self.outcome(record);
            }
            if let Some(e) = self.unrecorded(&record) {
                return Err(e);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(ComputationError::WaitTimeout);
            }
            // A dead owner writes nothing that could wake us, and an outcome
            // the store refuses changes nothing there: look again (the
            // owner through `get`, and `unrecorded`) every `RECHECK`.
            let recheck = Instant::now() + RECHECK;
            let until = Some(deadline.map_or(recheck, |d| d.min(recheck)));
            record = self
                .store
                .wait_for_change(&self.key, record.version, until)?
                .ok_or_else(|| ComputationError::UnknownKey(self.key.clone()))?;
        }
    }

    /// The store error that keeps the outcome of this computation, which
    /// finished in this process (`record` is its record as read), out of its record (a full disk, say): the
    /// process retries the write in the background, and the record shows
    /// the outcome as soon as the store takes it.
    pub(crate) fn unrecorded(&self, record: &Record) -> Option<ComputationError<E>> {
        // Only a record of this process can have an outcome waiting here.
        if record.owner.as_deref() != Some(context::OWNER.as_str()) {
            return None;
        }
        let refused = context::unwritten_error(&self.store, &self.key)?;
        Some(ComputationError::Store(StoreError::Other(format!(
            "the computation finished, but the store refuses its outcome (retrying): {refused}"
        ))))
    }

    /// What a finished record means for this handle.
    pub(crate) fn outcome(&self, record: Record) -> Result<T, ComputationError<E>> {
        match record.status {
            Status::Completed => {
                let value = record.value.unwrap_or(serde_json::Value::Null);
                serde_json::from_value(value).map_err(|e| {
                    ComputationError::Decode(format!(
                        "stored result does not decode as the handle's type: {e}"
                    ))
                })
            }
            Status::Cancelled => Err(ComputationError::Cancelled),
            _ => Err(ComputationError::from_info(
                &record.error.unwrap_or_else(|| {
                    ErrorInfo::new(ErrorKind::Store, "failed without an error message")
                }),
                self.failure,
            )),
        }
    }

    /// Cancels the computation. A pending one never runs
    /// ([`CancelOutcome::NotStarted`]); a running one is marked `Cancelled`
    /// at once and its body sees [`is_cancelled`](crate::CurrentComputation::is_cancelled)
    /// (cooperative: threads cannot be stopped from outside), and whatever
    /// it returns is discarded ([`CancelOutcome::Requested`]); a finished one
    /// is left alone ([`CancelOutcome::AlreadyFinished`]). A body in its
    /// first [`CLAIM_AFTER`](crate::CLAIM_AFTER) still shows `Pending`: see
    /// there what a cancel from another process answers then.
    ///
    /// # Errors
    ///
    /// [`ComputationError::UnknownKey`], or a store error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert_eq!(handle.cancel().unwrap(), strand_au::CancelOutcome::AlreadyFinished);
    /// assert_eq!(handle.join().unwrap(), 42);
    /// ```
    pub fn cancel(&self) -> Result<CancelOutcome, ComputationError<E>> {
        if let Some(refused) = self.refused() {
            return Err(refused);
        }
        let now = self.store.clock().now_ms();
        let mut before = None;
        let updated = self.store.update(&self.key, &mut |r| {
            before = Some(r.status);
            UpdateAction::write_if(r.cancel(now))
        })?;
        match updated {
            Updated::Missing | Updated::Deleted => {
                Err(ComputationError::UnknownKey(self.key.clone()))
            }
            Updated::Kept(_) => Ok(CancelOutcome::AlreadyFinished),
            // A worker of this process may have picked it up without
            // claiming it yet (see `CLAIM_AFTER`): checked after the write,
            // so a worker registering later reads `Cancelled` and never runs.
            Updated::Written(_)
                if before == Some(Status::Pending)
                    && !context::is_registered(&self.store, &self.key) =>
            {
                Ok(CancelOutcome::NotStarted)
            }
            Updated::Written(_) => {
                context::hint_cancelled(&self.store, &self.key);
                Ok(CancelOutcome::Requested)
            }
        }
    }

    /// The record's metadata.
    ///
    /// # Errors
    ///
    /// As [`record`](Self::record).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    ///     .store(Arc::new(MemoryStore::new()))
    ///     .backend(Arc::new(InlineBackend))
    ///     .metadata("user", serde_json::json!("ada"));
    /// let handle = c.launch::<u32>(&21);
    /// assert_eq!(handle.metadata().unwrap()["user"], "ada");
    /// ```
    pub fn metadata(
        &self,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ComputationError<E>> {
        Ok(self.record()?.metadata)
    }

    /// The last progress reported from inside the computation.
    ///
    /// # Errors
    ///
    /// As [`record`](Self::record).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// let c = Computation::new("report", Runner::new(|_: ()| {
    ///     strand_au::current_computation().set_progress(0.25, "loading").unwrap();
    /// }))
    /// .store(Arc::new(MemoryStore::new()))
    /// .backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<()>(&());
    /// let p = handle.progress().unwrap().unwrap();
    /// assert_eq!((p.fraction, p.message.as_str()), (0.25, "loading"));
    /// ```
    pub fn progress(&self) -> Result<Option<Progress>, ComputationError<E>> {
        Ok(self.record()?.progress)
    }

    /// How long the computation ran, once it has finished.
    ///
    /// # Errors
    ///
    /// As [`record`](Self::record).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert!(handle.duration().unwrap().is_some());
    /// ```
    pub fn duration(&self) -> Result<Option<Duration>, ComputationError<E>> {
        Ok(self.record()?.duration())
    }

    /// Deletes the record; whether there was one. A handle whose launch
    /// wrote no record (it failed, or found its key in use) deletes
    /// nothing, so it never deletes another computation's record: `false`.
    ///
    /// # Errors
    ///
    /// A store error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use strand_au::{Computation, InlineBackend, MemoryStore, Runner};
    /// # let c = Computation::new("double", Runner::new(|x: u32| x * 2))
    /// #     .store(Arc::new(MemoryStore::new())).backend(Arc::new(InlineBackend));
    /// let handle = c.launch::<u32>(&21);
    /// assert!(handle.delete().unwrap());
    /// assert!(handle.join().unwrap_err().is_unknown_key());
    /// ```
    pub fn delete(&self) -> Result<bool, StoreError> {
        if self.launch_error.is_some() {
            return Ok(false);
        }
        self.store.delete(&self.key)
    }
}
