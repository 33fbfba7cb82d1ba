//! What can go wrong between a parent and its child process.

use std::fmt;
use std::io;
use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;

use super::frame::ChildErrorKind;
use super::registry::DuplicateName;

/// Why a function run in a child process produced no value, other than its
/// own error or panic.
///
/// Every failure between the two processes ends up here, with what is known
/// about it: the child's exit status or signal, the garbage it sent, the
/// name nobody registered. None of them hangs the caller.
///
/// # Examples
///
/// ```
/// use strand::process::{ProcessError, ProcessErrorKind};
///
/// let err = ProcessError::new(ProcessErrorKind::UnknownFunction, "no function `app::gone` is registered");
/// assert_eq!(err.kind(), ProcessErrorKind::UnknownFunction);
/// assert_eq!(err.to_string(), "no function `app::gone` is registered");
/// ```
#[derive(Debug)]
pub struct ProcessError {
    kind: ProcessErrorKind,
    message: String,
    status: Option<ExitStatus>,
    source: Option<io::Error>,
}

/// The kind of a [`ProcessError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProcessErrorKind {
    /// The child could not be started.
    Spawn,
    /// The child exited or was killed before it replied (see
    /// [`ProcessError::exit_status`] and [`ProcessError::signal`]).
    WorkerLost,
    /// The child exited or was killed before it acknowledged a request sent
    /// with [`WorkerProcess::send_acknowledged`](super::WorkerProcess::send_acknowledged):
    /// the request did not run, so it may go to another child.
    NotStarted,
    /// The child sent something that is not a frame of the protocol.
    Protocol,
    /// No function of that name is registered in this binary.
    UnknownFunction,
    /// The arguments could not be encoded, or did not decode in the child.
    Arguments,
    /// The value could not be encoded in the child, or did not decode here.
    Value,
    /// Two functions of the binary are registered under one name.
    DuplicateName,
    /// The binary's worker start-up hook did not run in the child, so it
    /// would have run `main` again; strand refused to go on.
    NotDiverted,
}

impl ProcessError {
    /// An error of `kind` with `message`.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::{ProcessError, ProcessErrorKind};
    ///
    /// let err = ProcessError::new(ProcessErrorKind::Protocol, "bad frame");
    /// assert!(err.exit_status().is_none());
    /// ```
    pub fn new(kind: ProcessErrorKind, message: impl Into<String>) -> Self {
        ProcessError {
            kind,
            message: message.into(),
            status: None,
            source: None,
        }
    }

    pub(crate) fn io(
        kind: ProcessErrorKind,
        message: impl Into<String>,
        source: io::Error,
    ) -> Self {
        ProcessError {
            source: Some(source),
            ..ProcessError::new(kind, message)
        }
    }

    pub(crate) fn with_status(mut self, status: Option<ExitStatus>) -> Self {
        self.status = status;
        self
    }

    pub(crate) fn from_child(kind: ChildErrorKind, message: String) -> Self {
        let kind = match kind {
            ChildErrorKind::UnknownFunction => ProcessErrorKind::UnknownFunction,
            ChildErrorKind::Arguments => ProcessErrorKind::Arguments,
            ChildErrorKind::Value => ProcessErrorKind::Value,
            ChildErrorKind::Registry => ProcessErrorKind::DuplicateName,
            _ => ProcessErrorKind::Protocol,
        };
        ProcessError::new(kind, message)
    }

    pub(crate) fn duplicate(dup: DuplicateName) -> Self {
        ProcessError::new(ProcessErrorKind::DuplicateName, dup.to_string())
    }

    /// What went wrong.
    pub fn kind(&self) -> ProcessErrorKind {
        self.kind
    }

    /// The child's exit status, when it exited or was killed.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::{ProcessError, ProcessErrorKind};
    ///
    /// assert_eq!(ProcessError::new(ProcessErrorKind::WorkerLost, "gone").exit_status(), None);
    /// ```
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.status
    }

    /// The signal that killed the child, if one did.
    pub fn signal(&self) -> Option<i32> {
        self.status.and_then(|s| s.signal())
    }

    /// Whether the child was lost: it exited or was killed mid-call
    /// ([`ProcessErrorKind::WorkerLost`]), or before it started the request
    /// ([`ProcessErrorKind::NotStarted`]).
    pub fn is_worker_lost(&self) -> bool {
        matches!(
            self.kind,
            ProcessErrorKind::WorkerLost | ProcessErrorKind::NotStarted
        )
    }

    /// Whether the child was lost before it started the request: the
    /// request did not run ([`ProcessErrorKind::NotStarted`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::{ProcessError, ProcessErrorKind};
    ///
    /// let err = ProcessError::new(ProcessErrorKind::NotStarted, "gone before it started");
    /// assert!(err.is_not_started() && err.is_worker_lost());
    /// assert!(!ProcessError::new(ProcessErrorKind::WorkerLost, "gone").is_not_started());
    /// ```
    pub fn is_not_started(&self) -> bool {
        self.kind == ProcessErrorKind::NotStarted
    }
}

/// Describes an exit status the way a user reads it.
pub(crate) fn describe_status(status: ExitStatus) -> String {
    if let Some(signal) = status.signal() {
        let name = match signal {
            libc::SIGKILL => " (SIGKILL)",
            libc::SIGTERM => " (SIGTERM)",
            libc::SIGSEGV => " (SIGSEGV)",
            libc::SIGABRT => " (SIGABRT)",
            libc::SIGBUS => " (SIGBUS)",
            libc::SIGINT => " (SIGINT)",
            _ => "",
        };
        format!("was killed by signal {signal}{name}")
    } else if let Some(code) = status.code() {
        format!("exited with status {code}")
    } else {
        format!("ended ({status})")
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
