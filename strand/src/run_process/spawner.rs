//! Spawning a child: on Linux, one that dies with the process that started
//! it, spawned from a thread of strand's that lives as long as the process.

use std::io;
use std::process::{Child, Command};

/// Spawns `command`. With `die_with_owner`, on Linux, the child gets
/// SIGKILL when this process ends: the request goes to strand's spawner
/// thread, because the kernel sends that signal when the *thread* that
/// forked the child ends.
pub(super) fn spawn(mut command: Command, die_with_owner: bool) -> io::Result<Child> {
    #[cfg(target_os = "linux")]
    if die_with_owner {
        owner_death::arm(&mut command);
        return owner_death::spawn(command);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = die_with_owner;
    command.spawn()
}

/// Linux: children that die with the process that started them.
#[cfg(target_os = "linux")]
mod owner_death {
    use std::io;
    use std::os::unix::process::CommandExt as _;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::process::{Child, Command};
    use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
    use std::sync::{Mutex, PoisonError};

    /// A spawn for the spawner thread, and where to send its outcome.
    struct Request {
        command: Command,
        reply: SyncSender<io::Result<Child>>,
    }

    /// The spawner thread's queue, once it runs. Never dropped, so the
    /// thread never exits.
    static SPAWNER: Mutex<Option<Sender<Request>>> = Mutex::new(None);

    /// Makes the child ask the kernel for SIGKILL when its parent ends, and
    /// exit at once if the parent has already ended.
    pub(super) fn arm(command: &mut Command) {
        let parent = std::process::id();
        // SAFETY: the hook runs in the child between fork and exec, where
        // only async-signal-safe calls are allowed: `die_with_parent` makes
        // only such calls.
        unsafe {
            command.pre_exec(move || die_with_parent(parent));
        }
    }

    /// In the child, between fork and exec: SIGKILL when the parent ends, or
    /// an error (which ends the child at once) when process `parent` has
    /// already ended. Async-signal-safe: prctl, getppid, and an `io::Error`
    /// built from an error number, which does not allocate.
    fn die_with_parent(parent: u32) -> io::Result<()> {
        // SAFETY: PR_SET_PDEATHSIG takes a signal number and no memory.
        if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } == -1 {
            return Err(io::Error::last_os_error());
        }
        // The parent may have ended between fork and prctl: then the signal
        // will never come, as the child was already given another parent.
        // SAFETY: getppid has no preconditions.
        if u32::try_from(unsafe { libc::getppid() }).ok() != Some(parent) {
            return Err(io::Error::from_raw_os_error(libc::ESRCH));
        }
        Ok(())
    }

    /// Spawns `command` on the spawner thread, starting that thread on
    /// first use.
    pub(super) fn spawn(command: Command) -> io::Result<Child> {
        let (reply, outcome) = mpsc::sync_channel(1);
        spawner()?
            .send(Request { command, reply })
            .map_err(|_| io::Error::other("strand's spawner thread has stopped"))?;
        outcome
            .recv()
            .map_err(|_| io::Error::other("strand's spawner thread has stopped"))?
    }

    /// The spawner thread's queue, starting the thread if need be.
    fn spawner() -> io::Result<Sender<Request>> {
        let mut slot = SPAWNER.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = &*slot {
            return Ok(sender.clone());
        }
        let (sender, requests) = mpsc::channel();
        std::thread::Builder::new()
            .name("strand-spawner".to_owned())
            .spawn(move || serve(requests))
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot start strand's spawner thread: {e}"),
                )
            })?;
        *slot = Some(sender.clone());
        Ok(sender)
    }

    /// The spawner thread: spawns what it is asked to, for as long as the
    /// process lives. It must never end, as its end would kill every child
    /// it started: a panic while spawning becomes that spawn's error.
    fn serve(requests: Receiver<Request>) {
        for Request { mut command, reply } in requests {
            let outcome =
                catch_unwind(AssertUnwindSafe(|| command.spawn())).unwrap_or_else(|payload| {
                    Err(io::Error::other(format!(
                        "spawning panicked: {}",
                        crate::error::panic_message(&*payload)
                    )))
                });
            // The caller waits in `spawn` for this reply.
            let _ = reply.send(outcome);
        }
    }
}
