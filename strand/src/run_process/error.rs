//! [`RunProcessError`]: why [`RunProcess::start`](super::RunProcess::start)
//! failed.

use std::fmt;
use std::io;
use std::process::ExitStatus;
use std::time::Duration;

/// Why [`RunProcess::start`](super::RunProcess::start) failed. No process is left running.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunProcessError {
    /// The command could not be spawned (program not found, not executable,
    /// bad working directory, ...).
    Spawn {
        /// The name of the process ([`RunProcess::name`](super::RunProcess::name)).
        name: String,
        /// The program that could not be spawned.
        program: String,
        /// Why.
        source: io::Error,
    },
    /// The readiness check did not pass within the timeout; the process has
    /// been stopped.
    NotReady {
        /// The name of the process.
        name: String,
        /// Its process id, now gone.
        pid: u32,
        /// The [`ready_timeout`](super::RunProcess::ready_timeout) that expired.
        timeout: Duration,
    },
    /// The process exited before it was ready (or before the
    /// [`ready_after`](super::RunProcess::ready_after) delay was over).
    ExitedBeforeReady {
        /// The name of the process.
        name: String,
        /// Its process id, now gone.
        pid: u32,
        /// How it exited.
        status: ExitStatus,
    },
    /// The state of the process could not be read while waiting for it to be
    /// ready; the process has been stopped.
    Io {
        /// The name of the process.
        name: String,
        /// Its process id.
        pid: u32,
        /// The operating system's error.
        source: io::Error,
    },
}

impl RunProcessError {
    /// The name of the process ([`RunProcess::name`](super::RunProcess::name)).
    pub fn name(&self) -> &str {
        match self {
            RunProcessError::Spawn { name, .. }
            | RunProcessError::NotReady { name, .. }
            | RunProcessError::ExitedBeforeReady { name, .. }
            | RunProcessError::Io { name, .. } => name,
        }
    }

    /// The process id, if the process was spawned.
    pub fn pid(&self) -> Option<u32> {
        match self {
            RunProcessError::Spawn { .. } => None,
            RunProcessError::NotReady { pid, .. }
            | RunProcessError::ExitedBeforeReady { pid, .. }
            | RunProcessError::Io { pid, .. } => Some(*pid),
        }
    }

    /// The exit status, if the process exited before it was ready.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        match self {
            RunProcessError::ExitedBeforeReady { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for RunProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunProcessError::Spawn {
                name,
                program,
                source,
            } => {
                write!(f, "could not start `{name}`")?;
                if name != program {
                    write!(f, " (program `{program}`)")?;
                }
                write!(f, ": {source}")?;
                if source.kind() == io::ErrorKind::NotFound {
                    write!(
                        f,
                        "; check that the program is installed and on PATH (or give its full path), \
                         and that the working directory exists"
                    )?;
                } else if source.kind() == io::ErrorKind::PermissionDenied {
                    write!(f, "; check that the program file is executable")?;
                }
                Ok(())
            }
            RunProcessError::NotReady { name, pid, timeout } => write!(
                f,
                "`{name}` (pid {pid}) was not ready within {timeout:?} and has been stopped; \
                 check its output for start-up errors and that the readiness check matches it \
                 (right port?), or allow more time with `RunProcess::ready_timeout`"
            ),
            RunProcessError::ExitedBeforeReady { name, pid, status } => write!(
                f,
                "`{name}` (pid {pid}) exited before it was ready ({status}); \
                 check its output for the reason (a port already in use, a bad argument, ...)"
            ),
            RunProcessError::Io { name, pid, source } => write!(
                f,
                "could not check on `{name}` (pid {pid}): {source}; it has been stopped"
            ),
        }
    }
}

impl std::error::Error for RunProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunProcessError::Spawn { source, .. } | RunProcessError::Io { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}
