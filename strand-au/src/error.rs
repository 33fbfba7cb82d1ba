//! [`ComputationError`]: why a handle produced no value.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Status};
use crate::store::StoreError;

/// Why a [`ComputationHandle`](crate::ComputationHandle) produced no value:
/// the counterpart of strand's [`JoinError`](strand::JoinError), with the
/// same questions (`is_failed`, `is_panic`, `is_cancelled`, `failure`,
/// `panic_message`) and the cases a stored computation adds.
///
/// The first group of variants says what happened to the computation; the
/// second says why the handle could not tell.
///
/// `E` is the error type the handle reads a returned error as. A computation
/// whose function returns `Result<T, E>` with `E: Serialize +
/// DeserializeOwned` keeps the error itself in its record, and
/// [`failure`](Self::failure) gives it back typed; for any other `E`
/// (`io::Error`, `anyhow::Error`, ...) the record keeps its message only,
/// [`message`](Self::message) has it and `failure()` is `None`. The default,
/// `String`, reads the message of every returned error.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, MemoryStore, Runner};
///
/// let c = Computation::new("boom", Runner::new(|_: ()| -> u8 { panic!("kaboom") }))
///     .store(Arc::new(MemoryStore::new()));
/// let err = c.launch::<u8>(&()).join().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.panic_message(), Some("kaboom"));
/// assert_eq!(err.to_string(), "computation panicked: kaboom");
/// ```
///
/// A typed error:
///
/// ```
/// use strand_au::async_compute;
///
/// #[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
/// enum Refused { TooLarge(u64) }
///
/// impl std::fmt::Display for Refused {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "refused: {self:?}")
///     }
/// }
///
/// #[async_compute(store = strand_au::MemoryStore::new(), backend = pool)]
/// fn check(n: u64) -> Result<u64, Refused> {
///     if n > 10 { Err(Refused::TooLarge(n)) } else { Ok(n) }
/// }
///
/// let err = check(99).join().unwrap_err();
/// assert_eq!(err.failure(), Some(&Refused::TooLarge(99)));
/// assert_eq!(err.message(), Some("refused: TooLarge(99)"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ComputationError<E = String> {
    /// The function returned an error: its message, and the error itself
    /// when the record keeps it and it decodes as `E`.
    Failed {
        /// The error's message (its `Display`).
        message: String,
        /// The error, typed (see [`failure`](ComputationError::failure)).
        error: Option<E>,
    },
    /// The function panicked; the panic message.
    Panicked(String),
    /// The computation was cancelled.
    Cancelled,
    /// The computation ran out of its own time limit.
    TimedOut(String),
    /// Its worker died (the lease lapsed).
    WorkerLost(String),
    /// A middleware rejected it; the reason.
    Rejected(String),
    /// Waiting timed out; the computation may still finish (join again).
    WaitTimeout,
    /// [`try_join`](crate::ComputationHandle::try_join): not finished yet.
    NotReady(Status),
    /// No record under this key (never created, deleted, or expired).
    UnknownKey(Key),
    /// [`launch_as`](crate::Computation::launch_as) found a live record
    /// under its key (a computation running there, or finished and not yet
    /// expired): it ran nothing and wrote nothing, and this handle reports
    /// only this error. [`join_or_launch_as`](crate::Computation::join_or_launch_as)
    /// joins the computation there instead.
    KeyInUse(Key),
    /// The store failed.
    Store(StoreError),
    /// Arguments or result could not be (de)serialized, e.g. the stored
    /// result does not have the handle's type.
    Decode(String),
}

/// Reads a returned error of a record as an `E`: what a handle of error
/// type `E` keeps (see [`ComputationError::failure`]).
pub(crate) type FailureReader<E> = fn(&ErrorInfo) -> Option<E>;

/// The [`FailureReader`] of a `DeserializeOwned` error type: the stored
/// error if there is one and it decodes, else the message if it decodes as
/// an `E` from a string (always, for `String`).
pub(crate) fn read_failure<E: DeserializeOwned>(info: &ErrorInfo) -> Option<E> {
    if let Some(value) = &info.value {
        if let Ok(error) = E::deserialize(value) {
            return Some(error);
        }
    }
    E::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(&info.message))
        .ok()
}

/// The [`FailureReader`] of an error type that cannot be decoded: the
/// message only.
pub(crate) fn message_only<E>(_: &ErrorInfo) -> Option<E> {
    None
}

impl<E> ComputationError<E> {
    pub(crate) fn from_info(info: &ErrorInfo, read: FailureReader<E>) -> ComputationError<E> {
        let m = info.message.clone();
        match info.kind {
            ErrorKind::Returned => ComputationError::Failed {
                error: read(info),
                message: m,
            },
            ErrorKind::Panicked => ComputationError::Panicked(m),
            ErrorKind::Timeout => ComputationError::TimedOut(m),
            ErrorKind::WorkerLost => ComputationError::WorkerLost(m),
            ErrorKind::Cancelled => ComputationError::Cancelled,
            ErrorKind::Store => ComputationError::Store(StoreError::Other(m)),
            ErrorKind::Rejected => ComputationError::Rejected(m),
            ErrorKind::Decode => ComputationError::Decode(m),
        }
    }

    /// The function returned an error.
    pub fn is_failed(&self) -> bool {
        matches!(self, ComputationError::Failed { .. })
    }
    /// The function panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, ComputationError::Panicked(_))
    }
    /// The computation was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ComputationError::Cancelled)
    }
    /// The worker was lost.
    pub fn is_worker_lost(&self) -> bool {
        matches!(self, ComputationError::WorkerLost(_))
    }
    /// A middleware rejected the computation.
    pub fn is_rejected(&self) -> bool {
        matches!(self, ComputationError::Rejected(_))
    }
    /// Waiting timed out (the computation may still finish).
    pub fn is_wait_timeout(&self) -> bool {
        matches!(self, ComputationError::WaitTimeout)
    }
    /// Not finished yet (from `try_join`).
    pub fn is_not_ready(&self) -> bool {
        matches!(self, ComputationError::NotReady(_))
    }
    /// No record under the key.
    pub fn is_unknown_key(&self) -> bool {
        matches!(self, ComputationError::UnknownKey(_))
    }
    /// A launch under a key that a live record holds (see
    /// [`ComputationError::KeyInUse`]).
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
    /// assert_eq!(c.launch_as::<u32>(key.clone(), &1).join().unwrap(), 2);
    /// let err = c.launch_as::<u32>(key, &5).join().unwrap_err();
    /// assert!(err.is_key_in_use());
    /// assert_eq!(err.to_string(), "key `job-7` is in use: a computation is recorded under it");
    /// ```
    pub fn is_key_in_use(&self) -> bool {
        matches!(self, ComputationError::KeyInUse(_))
    }
    /// The store failed.
    pub fn is_store(&self) -> bool {
        matches!(self, ComputationError::Store(_))
    }
    /// A (de)serialization error.
    pub fn is_decode(&self) -> bool {
        matches!(self, ComputationError::Decode(_))
    }

    /// The error the function returned, typed, when the record keeps it
    /// (its type is `Serialize`) and it decodes as `E`; as
    /// [`JoinError::failure`](strand::JoinError::failure).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use strand_au::{Computation, MemoryStore, Runner};
    ///
    /// let c = Computation::new("parse", Runner::fallible_typed(|s: String| s.parse::<u8>().map_err(|e| e.to_string())))
    ///     .store(Arc::new(MemoryStore::new()));
    /// let err = c.launch::<u8>(&"x").join().unwrap_err();
    /// assert_eq!(err.failure().map(String::as_str), Some("invalid digit found in string"));
    /// ```
    pub fn failure(&self) -> Option<&E> {
        match self {
            ComputationError::Failed { error, .. } => error.as_ref(),
            _ => None,
        }
    }

    /// The typed error the function returned, or this error when there is
    /// none (see [`failure`](Self::failure)).
    ///
    /// # Errors
    ///
    /// `self`, when it holds no typed error.
    pub fn into_failure(self) -> Result<E, Self> {
        match self {
            ComputationError::Failed {
                error: Some(error), ..
            } => Ok(error),
            other => Err(other),
        }
    }

    /// The panic message, if the function panicked; as
    /// [`JoinError::panic_message`](strand::JoinError::panic_message).
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            ComputationError::Panicked(m) => Some(m),
            _ => None,
        }
    }

    /// The message of a failure, panic, rejection, lost worker, time limit
    /// or decode error.
    pub fn message(&self) -> Option<&str> {
        match self {
            ComputationError::Failed { message: m, .. }
            | ComputationError::Panicked(m)
            | ComputationError::TimedOut(m)
            | ComputationError::WorkerLost(m)
            | ComputationError::Rejected(m)
            | ComputationError::Decode(m) => Some(m),
            _ => None,
        }
    }

    /// The same error with its typed failure mapped by `f`; as
    /// [`JoinError::map_failure`](strand::JoinError::map_failure).
    pub fn map_failure<E2>(self, f: impl FnOnce(E) -> E2) -> ComputationError<E2> {
        match self {
            ComputationError::Failed { message, error } => ComputationError::Failed {
                message,
                error: error.map(f),
            },
            ComputationError::Panicked(m) => ComputationError::Panicked(m),
            ComputationError::Cancelled => ComputationError::Cancelled,
            ComputationError::TimedOut(m) => ComputationError::TimedOut(m),
            ComputationError::WorkerLost(m) => ComputationError::WorkerLost(m),
            ComputationError::Rejected(m) => ComputationError::Rejected(m),
            ComputationError::WaitTimeout => ComputationError::WaitTimeout,
            ComputationError::NotReady(s) => ComputationError::NotReady(s),
            ComputationError::UnknownKey(k) => ComputationError::UnknownKey(k),
            ComputationError::KeyInUse(k) => ComputationError::KeyInUse(k),
            ComputationError::Store(e) => ComputationError::Store(e),
            ComputationError::Decode(m) => ComputationError::Decode(m),
        }
    }
}

impl<E> fmt::Display for ComputationError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComputationError::Failed { message, .. } => write!(f, "computation failed: {message}"),
            ComputationError::Panicked(m) => write!(f, "computation panicked: {m}"),
            ComputationError::Cancelled => f.write_str("computation was cancelled"),
            ComputationError::TimedOut(m) => write!(f, "computation timed out: {m}"),
            ComputationError::WorkerLost(m) => write!(f, "computation failed: {m}"),
            ComputationError::Rejected(m) => write!(f, "computation rejected: {m}"),
            ComputationError::WaitTimeout => f.write_str("timed out waiting for computation"),
            ComputationError::NotReady(s) => write!(f, "computation not finished yet ({s})"),
            ComputationError::UnknownKey(k) => {
                write!(f, "no computation under key `{k}` (unknown or expired)")
            }
            ComputationError::KeyInUse(k) => {
                write!(f, "key `{k}` is in use: a computation is recorded under it")
            }
            ComputationError::Store(e) => write!(f, "computation store error: {e}"),
            ComputationError::Decode(m) => write!(f, "computation decode error: {m}"),
        }
    }
}

// `Display` includes the store error's message, so `source()` returns
// nothing (a reporter walking the chain would print it twice); match on
// `ComputationError::Store(e)` to reach it.
impl<E: fmt::Debug> std::error::Error for ComputationError<E> {}

impl<E> From<StoreError> for ComputationError<E> {
    fn from(e: StoreError) -> ComputationError<E> {
        ComputationError::Store(e)
    }
}
