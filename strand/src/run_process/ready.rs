//! When a started child is ready: [`Readiness`], polled by [`wait_ready`],
//! and [`port_is_open`], the usual check for a server.

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::error::RunProcessError;
use super::guard::ProcessGuard;
use super::status::peek_exit;

/// How long [`port_is_open`] waits for a connection before calling the port closed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether a TCP connection to `addr` succeeds (within one second).
///
/// The usual readiness check for a server, and a handy "already running"
/// check: see [`RunProcess::ready_when_port_open`](super::RunProcess::ready_when_port_open) and
/// [`RunProcess::already_running`](super::RunProcess::already_running). The connection is closed at once.
///
/// ```
/// use std::net::TcpListener;
/// use strand::run_process::port_is_open;
///
/// let listener = TcpListener::bind("127.0.0.1:0").unwrap();
/// let addr = listener.local_addr().unwrap();
/// assert!(port_is_open(addr));
/// drop(listener);
/// assert!(!port_is_open(addr));
/// ```
pub fn port_is_open(addr: impl Into<SocketAddr>) -> bool {
    TcpStream::connect_timeout(&addr.into(), CONNECT_TIMEOUT).is_ok()
}

/// When [`RunProcess::start`](super::RunProcess::start) considers the process ready.
pub(super) enum Readiness<'a> {
    /// As soon as it is spawned.
    Spawned,
    /// After a fixed delay, if it is still running then.
    After(Duration),
    /// When the predicate returns true.
    When(Box<dyn FnMut() -> bool + 'a>),
}

/// Polls until `is_ready`, the process's exit or `deadline`, whichever comes
/// first; `at_deadline` says what reaching the deadline means.
pub(super) fn wait_ready(
    guard: &ProcessGuard,
    deadline: Instant,
    poll_interval: Duration,
    mut is_ready: impl FnMut() -> bool,
    at_deadline: impl FnOnce(String) -> Result<(), RunProcessError>,
) -> Result<(), RunProcessError> {
    let running = guard.running.as_ref().expect("a started guard");
    let pid = running.child.id();
    loop {
        match peek_exit(pid) {
            Ok(None) => {}
            Ok(Some(status)) => {
                return Err(RunProcessError::ExitedBeforeReady {
                    name: guard.name.clone(),
                    pid,
                    status,
                });
            }
            Err(source) => {
                return Err(RunProcessError::Io {
                    name: guard.name.clone(),
                    pid,
                    source,
                });
            }
        }
        if is_ready() {
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            return at_deadline(guard.name.clone());
        }
        std::thread::sleep(poll_interval.min(deadline - now));
    }
}
