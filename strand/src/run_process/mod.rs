//! Run a helper process for as long as a guard lives: the RAII counterpart of
//! Python strand's `run_process` context manager.
//!
//! [`RunProcess`] starts a [`Command`](std::process::Command) in a process group of its own,
//! optionally waits until it is ready (a predicate such as "this TCP port
//! accepts connections", polled with a timeout, or a fixed delay), and returns
//! a [`ProcessGuard`]. Dropping the guard stops the process and everything it
//! started: SIGTERM to the whole group, SIGKILL after a grace period, then the
//! child is reaped. With [`force_kill(false)`](RunProcess::force_kill) the
//! guard waits for the process to exit on its own instead.
//!
//! ```
//! use std::process::Command;
//! use std::time::Duration;
//! use strand::RunProcess;
//! # fn alive(pid: u32) -> bool { std::path::Path::new(&format!("/proc/{pid}")).exists() }
//!
//! let mut sleep = Command::new("sleep");
//! sleep.arg("30");
//! let guard = RunProcess::new(sleep)
//!     .ready_after(Duration::from_millis(20))
//!     .start()?;
//! let pid = guard.pid().unwrap();
//! # #[cfg(target_os = "linux")]
//! assert!(alive(pid));
//! drop(guard); // SIGTERM to its process group, then reaped
//! # #[cfg(target_os = "linux")]
//! assert!(!alive(pid));
//! # Ok::<(), strand::RunProcessError>(())
//! ```
//!
//! A server is typically waited for on its port, and not started at all when
//! one is already running:
//!
//! ```no_run
//! use std::process::Command;
//! use std::time::Duration;
//! use strand::run_process::{port_is_open, RunProcess};
//!
//! let addr = ([127, 0, 0, 1], 8000);
//! let mut server = Command::new("python3");
//! server.args(["-m", "http.server", "--bind", "127.0.0.1", "8000"]);
//! let guard = RunProcess::new(server)
//!     .already_running(|| port_is_open(addr))
//!     .ready_when_port_open(addr)
//!     .ready_timeout(Duration::from_secs(5))
//!     .start()?;
//! if !guard.was_started() {
//!     println!("a server was already listening on {addr:?}");
//! }
//! // ... talk to the server ...
//! # Ok::<(), strand::RunProcessError>(())
//! ```
//!
//! # When the owner dies
//!
//! The process that called `start` owns the child. How far the child's life
//! is tied to its owner depends on the platform:
//!
//! - **Linux**: the child dies with its owner on every exit path, not only
//!   when the guard is dropped: the owner panicking in `main`, calling
//!   [`std::process::exit`], or being killed (SIGTERM, SIGKILL, a crash).
//!   The kernel sends SIGKILL to the child when the owner ends
//!   (`PR_SET_PDEATHSIG`). That reaches the direct child only: processes
//!   *it* started are reached only through the group stop when the guard is
//!   dropped, so a child with children of its own should end them when it
//!   is killed (or run them with the same setting). strand spawns these
//!   children from a thread of its own that lives as long as the process,
//!   so a guard created on a short-lived thread keeps its child when that
//!   thread ends. The setting is lost when the child executes a set-user-ID
//!   or set-group-ID program.
//! - **Other Unix systems** (macOS; untested): only when the guard is
//!   dropped. A child outlives an owner that is killed or exits without
//!   dropping the guard.
//!
//! [`RunProcess::outlive_owner`] turns the Linux tie off. For a child that
//! should keep running after its owner is gone, use it together with
//! [`ProcessGuard::into_child`] (or [`std::mem::forget`] the guard), since
//! dropping the guard still stops the child.
//!
//! Unix only: process groups and signals have no Windows counterpart.

// The files, low level first: `status` (a child's exit, read without
// reaping it), `stop` (SIGTERM, grace period, SIGKILL to a group),
// `spawner` (spawning, from a thread of strand's on Linux), `error`
// (`RunProcessError`), `guard` (`ProcessGuard`, which owns a started
// child), `ready` (readiness checks, polled on a guard) and `builder`
// (`RunProcess`, whose `start` puts them together).
mod builder;
mod error;
mod guard;
mod ready;
mod spawner;
mod status;
mod stop;

pub use builder::{DEFAULT_GRACE_PERIOD, DEFAULT_POLL_INTERVAL, DEFAULT_READY_TIMEOUT, RunProcess};
pub use error::RunProcessError;
pub use guard::ProcessGuard;
pub use ready::port_is_open;
