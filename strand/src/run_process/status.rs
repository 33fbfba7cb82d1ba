//! [`peek_exit`]: a child's exit status, read without reaping it.

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// The exit status of child `pid` if it has exited, leaving it unreaped
/// (`waitid` with `WNOWAIT`).
pub(super) fn peek_exit(pid: u32) -> io::Result<Option<ExitStatus>> {
    let id = libc::id_t::from(pid);
    loop {
        // SAFETY: siginfo_t is plain data, for which all zeros is valid; a
        // zeroed si_pid is how WNOHANG reports "still running".
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid, writable siginfo_t.
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                id,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        if result == -1 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        // SAFETY: waitid filled `info` for a SIGCHLD-style report (or left
        // it zeroed), so these union fields are the ones to read.
        let (reported_pid, status) = unsafe { (info.si_pid(), info.si_status()) };
        if reported_pid == 0 {
            return Ok(None);
        }
        // Rebuild a wait(2)-style status, the encoding ExitStatus wraps.
        let raw = match info.si_code {
            libc::CLD_EXITED => (status & 0xff) << 8,
            libc::CLD_KILLED => status & 0x7f,
            libc::CLD_DUMPED => (status & 0x7f) | 0x80,
            // Only exits were asked for; anything else means "not yet".
            _ => return Ok(None),
        };
        return Ok(Some(ExitStatus::from_raw(raw)));
    }
}
