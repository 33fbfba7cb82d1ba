//! Stopping a started child's process group: SIGTERM, a grace period,
//! SIGKILL, then the child is reaped.

use std::io;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use super::status::peek_exit;

/// SIGTERM to the group of `child`, up to `grace` for the child to exit,
/// SIGKILL to the group, then reaps the child.
pub(super) fn terminate_group(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
    let pid = child.id();
    match peek_exit(pid) {
        // Reaped through `child_mut`: the group id may be reused, leave it.
        Err(error) if error.raw_os_error() == Some(libc::ECHILD) => return child.wait(),
        Err(error) => return Err(error),
        Ok(_) => {}
    }
    // The child is running or a zombie: either way its pid, and so its group
    // id, cannot be reused before it is reaped below.
    signal_group(pid, libc::SIGTERM)?;
    let deadline = Instant::now() + grace;
    let mut pause = Duration::from_millis(1);
    while peek_exit(pid)?.is_none() {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
    signal_group(pid, libc::SIGKILL)?;
    child.wait()
}

/// Sends `signal` to the process group `pgid`; a group that is gone is fine.
fn signal_group(pgid: u32, signal: libc::c_int) -> io::Result<()> {
    let pgid = libc::pid_t::try_from(pgid).map_err(io::Error::other)?;
    // SAFETY: killpg has no memory-safety preconditions.
    if unsafe { libc::killpg(pgid, signal) } == -1 {
        let error = io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::ESRCH) {
            return Err(error);
        }
    }
    Ok(())
}
