//! [`ComputationError`]: why a handle produced no value.

use std::fmt;

use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Status};
use crate::store::StoreError;

/// Why a [`ComputationHandle`](crate::ComputationHandle) produced no value.
///
/// The first group says what happened to the computation; the second says
/// why the handle could not tell.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use strand_au::{Computation, MemoryStore, Runner};
///
/// let c = Computation::new("boom", Runner::new(|_: ()| -> u8 { panic!("kaboom") }))
///     .store(Arc::new(MemoryStore::new()));
/// let err = c.launch::<u8>(&()).wait().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.message(), Some("kaboom"));
/// assert_eq!(err.to_string(), "computation panicked: kaboom");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ComputationError {
    /// The function returned an error; its message.
    Failed(String),
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
    /// Waiting timed out; the computation may still finish (wait again).
    WaitTimeout,
    /// [`try_result`](crate::ComputationHandle::try_result): not finished yet.
    NotReady(Status),
    /// No record under this key (never created, deleted, or expired).
    UnknownKey(Key),
    /// The store failed.
    Store(StoreError),
    /// Arguments or result could not be (de)serialized, e.g. the stored
    /// result does not have the handle's type.
    Decode(String),
}

impl ComputationError {
    pub(crate) fn from_info(info: &ErrorInfo) -> ComputationError {
        let m = info.message.clone();
        match info.kind {
            ErrorKind::Returned => ComputationError::Failed(m),
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
        matches!(self, ComputationError::Failed(_))
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
    /// Not finished yet (from `try_result`).
    pub fn is_not_ready(&self) -> bool {
        matches!(self, ComputationError::NotReady(_))
    }
    /// No record under the key.
    pub fn is_unknown_key(&self) -> bool {
        matches!(self, ComputationError::UnknownKey(_))
    }
    /// The store failed.
    pub fn is_store(&self) -> bool {
        matches!(self, ComputationError::Store(_))
    }
    /// A (de)serialization error.
    pub fn is_decode(&self) -> bool {
        matches!(self, ComputationError::Decode(_))
    }

    /// The message of a failure, panic, rejection, lost worker, time limit
    /// or decode error.
    pub fn message(&self) -> Option<&str> {
        match self {
            ComputationError::Failed(m)
            | ComputationError::Panicked(m)
            | ComputationError::TimedOut(m)
            | ComputationError::WorkerLost(m)
            | ComputationError::Rejected(m)
            | ComputationError::Decode(m) => Some(m),
            _ => None,
        }
    }
}

impl fmt::Display for ComputationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComputationError::Failed(m) => write!(f, "computation failed: {m}"),
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
            ComputationError::Store(e) => write!(f, "computation store error: {e}"),
            ComputationError::Decode(m) => write!(f, "computation decode error: {m}"),
        }
    }
}

// `Display` includes the store error's message, so `source()` returns
// nothing (a reporter walking the chain would print it twice); match on
// `ComputationError::Store(e)` to reach it.
impl std::error::Error for ComputationError {}

impl From<StoreError> for ComputationError {
    fn from(e: StoreError) -> ComputationError {
        ComputationError::Store(e)
    }
}
