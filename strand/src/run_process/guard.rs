//! [`ProcessGuard`]: owns a started child, and stops it when dropped.

use std::fmt;
use std::io;
use std::process::{Child, ExitStatus};
use std::time::Duration;

use super::status::peek_exit;
use super::stop::terminate_group;

/// A process started by [`RunProcess::start`](super::RunProcess::start), stopped when the guard drops.
///
/// Dropping the guard (or calling [`stop`](Self::stop)) with
/// [`force_kill`](super::RunProcess::force_kill) on, the default:
///
/// 1. sends SIGTERM to the process group, so processes the child started get
///    it too;
/// 2. waits up to the [grace period](super::RunProcess::grace_period) for the child
///    to exit;
/// 3. sends SIGKILL to the group: the child if it outlived the grace period,
///    and anything it started that is still in the group;
/// 4. reaps the child.
///
/// A process that should outlive its own children briefly (a shell running a
/// server, say) should `exec` the server or wait for it on SIGTERM. A process
/// that leaves the group (`setsid`, daemonizing) is out of reach.
///
/// If the guard is never dropped (its owner is killed, panics in `main`
/// while the guard lives elsewhere, or calls [`std::process::exit`]): on
/// Linux the child still dies, by SIGKILL from the kernel, but its own
/// children are left running; on other Unix systems the child is left
/// running too. See [When the owner dies](crate::run_process#when-the-owner-dies)
/// and [`RunProcess::outlive_owner`](super::RunProcess::outlive_owner).
///
/// With `force_kill(false)`, dropping the guard waits for the child to exit
/// on its own and signals nothing. Errors during a drop are ignored; call
/// [`stop`](Self::stop) to see them.
///
/// A guard from a skipped start ([`RunProcess::already_running`](super::RunProcess::already_running)) owns no
/// process: [`was_started`](Self::was_started) is false, the accessors
/// return `None` and dropping it does nothing.
///
/// ```
/// use std::process::Command;
/// use strand::RunProcess;
///
/// let guard = RunProcess::new(Command::new("a-server-that-is-not-needed"))
///     .already_running(|| true)
///     .start()?;
/// assert!(!guard.was_started());
/// assert_eq!(guard.pid(), None);
/// # Ok::<(), strand::RunProcessError>(())
/// ```
#[must_use = "dropping the guard stops the process at once"]
pub struct ProcessGuard {
    pub(super) name: String,
    pub(super) running: Option<Running>,
}

/// The state of a started process.
pub(super) struct Running {
    pub(super) child: Child,
    /// Set once the child has been reaped by the guard.
    pub(super) status: Option<ExitStatus>,
    pub(super) force_kill: bool,
    pub(super) grace_period: Duration,
}

/// How [`ProcessGuard::shutdown`] ends the process.
#[derive(Clone, Copy)]
pub(super) enum Stop {
    /// Terminate or wait, as `force_kill` says.
    AsConfigured,
    /// Terminate, then kill after the grace period.
    Terminate,
    /// Wait for a natural exit.
    Wait,
}

impl ProcessGuard {
    /// Whether `start` started a process (false when the
    /// [`already_running`](super::RunProcess::already_running) check skipped it).
    pub fn was_started(&self) -> bool {
        self.running.is_some()
    }

    /// The name given with [`RunProcess::name`](super::RunProcess::name), or the program.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The process id of the child, which is also its process group id;
    /// `None` if no process was started.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(|running| running.child.id())
    }

    /// The child, for its stdio pipes (set them up on the [`Command`](std::process::Command)).
    ///
    /// Do not wait on it through [`child_mut`](Self::child_mut): a reaped
    /// child's process group can no longer be signalled safely, so the guard
    /// would then leave the child's own children alone. Use
    /// [`try_wait`](Self::try_wait), [`wait`](Self::wait) or
    /// [`stop`](Self::stop) instead.
    pub fn child(&self) -> Option<&Child> {
        self.running.as_ref().map(|running| &running.child)
    }

    /// The child, mutably: to take its stdin, stdout or stderr pipe. See
    /// [`child`](Self::child).
    pub fn child_mut(&mut self) -> Option<&mut Child> {
        self.running.as_mut().map(|running| &mut running.child)
    }

    /// The child's exit status if it has exited, without blocking; `None`
    /// while it runs or if no process was started.
    ///
    /// Unlike [`Child::try_wait`], this leaves the exited child unreaped, so
    /// that its process group stays safe to signal until the guard stops it.
    ///
    /// # Errors
    ///
    /// When the operating system cannot report the child's state.
    pub fn try_wait(&self) -> io::Result<Option<ExitStatus>> {
        match &self.running {
            None => Ok(None),
            Some(Running {
                status: Some(status),
                ..
            }) => Ok(Some(*status)),
            Some(running) => peek_exit(running.child.id()),
        }
    }

    /// Whether the child was started and has not exited.
    pub fn is_running(&self) -> bool {
        self.was_started() && matches!(self.try_wait(), Ok(None))
    }

    /// Stops the process now, as dropping the guard would (terminate and
    /// kill, or wait, as [`force_kill`](super::RunProcess::force_kill) says), and
    /// returns its exit status; `None` if no process was started.
    ///
    /// # Errors
    ///
    /// When the process group cannot be signalled (EPERM) or the child
    /// cannot be reaped.
    pub fn stop(mut self) -> io::Result<Option<ExitStatus>> {
        self.shutdown(Stop::AsConfigured)
    }

    /// Terminates the process now (SIGTERM to the group, SIGKILL after the
    /// grace period, see the type's documentation) whatever
    /// [`force_kill`](super::RunProcess::force_kill) says, and returns its exit
    /// status; `None` if no process was started.
    ///
    /// # Errors
    ///
    /// As [`stop`](Self::stop).
    pub fn terminate(mut self) -> io::Result<Option<ExitStatus>> {
        self.shutdown(Stop::Terminate)
    }

    /// Waits for the process to exit on its own, signalling nothing, and
    /// returns its exit status; `None` if no process was started.
    ///
    /// # Errors
    ///
    /// When the child cannot be reaped.
    pub fn wait(mut self) -> io::Result<Option<ExitStatus>> {
        self.shutdown(Stop::Wait)
    }

    /// Gives up ownership: the process keeps running and is returned, to be
    /// waited on by the caller (`None` if no process was started).
    ///
    /// On Linux the process still dies when this process ends, unless it
    /// was started with [`outlive_owner(true)`](super::RunProcess::outlive_owner).
    pub fn into_child(mut self) -> Option<Child> {
        self.running.take().map(|running| running.child)
    }

    /// Ends the process as `how` says and reaps it; idempotent.
    pub(super) fn shutdown(&mut self, how: Stop) -> io::Result<Option<ExitStatus>> {
        let Some(running) = self.running.as_mut() else {
            return Ok(None);
        };
        if let Some(status) = running.status {
            return Ok(Some(status));
        }
        let terminate = match how {
            Stop::AsConfigured => running.force_kill,
            Stop::Terminate => true,
            Stop::Wait => false,
        };
        let status = if terminate {
            terminate_group(&mut running.child, running.grace_period)?
        } else {
            running.child.wait()?
        };
        running.status = Some(status);
        Ok(Some(status))
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        let _ = self.shutdown(Stop::AsConfigured);
    }
}

impl fmt::Debug for ProcessGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ProcessGuard");
        debug.field("name", &self.name).field("pid", &self.pid());
        if let Some(running) = &self.running {
            debug
                .field("force_kill", &running.force_kill)
                .field("grace_period", &running.grace_period);
        }
        debug.finish()
    }
}
