//! Run a helper process for as long as a guard lives: the RAII counterpart of
//! Python strand's `run_process` context manager.
//!
//! [`RunProcess`] starts a [`Command`] in a process group of its own,
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

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// How long [`RunProcess::ready_when`] waits by default: 10 seconds.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often [`RunProcess::ready_when`] polls by default: every 25 ms.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(25);
/// How long a stopping process gets between SIGTERM and SIGKILL by default: 5 seconds.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(5);

/// How long [`port_is_open`] waits for a connection before calling the port closed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether a TCP connection to `addr` succeeds (within one second).
///
/// The usual readiness check for a server, and a handy "already running"
/// check: see [`RunProcess::ready_when_port_open`] and
/// [`RunProcess::already_running`]. The connection is closed at once.
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

/// When [`RunProcess::start`] considers the process ready.
enum Readiness<'a> {
    /// As soon as it is spawned.
    Spawned,
    /// After a fixed delay, if it is still running then.
    After(Duration),
    /// When the predicate returns true.
    When(Box<dyn FnMut() -> bool + 'a>),
}

/// Starts a [`Command`] for as long as a [`ProcessGuard`] lives.
///
/// Build it with [`RunProcess::new`], set the options, then call
/// [`start`](RunProcess::start). Every option has a default:
///
/// | option | default |
/// |---|---|
/// | readiness: [`ready_when`](Self::ready_when), [`ready_when_port_open`](Self::ready_when_port_open) or [`ready_after`](Self::ready_after) | ready as soon as it is spawned |
/// | [`ready_timeout`](Self::ready_timeout), [`poll_interval`](Self::poll_interval) | 10 s, 25 ms |
/// | [`already_running`](Self::already_running) | none: always start |
/// | [`force_kill`](Self::force_kill), [`grace_period`](Self::grace_period) | on, 5 s |
/// | [`name`](Self::name) | the program, as given to [`Command::new`] |
/// | [`outlive_owner`](Self::outlive_owner) | off: on Linux the child dies with this process |
///
/// On Linux the child dies with the process that started it on every exit
/// path (a panic, [`std::process::exit`], a kill), through SIGKILL to the
/// child itself; its own children are reached only by the group stop when
/// the guard drops. On other Unix systems (macOS, untested) the child is
/// stopped only when the guard is dropped. See [When the owner
/// dies](crate::run_process#when-the-owner-dies).
///
/// The closures may borrow from the caller (the lifetime `'a`): they run
/// inside [`start`](Self::start) and are dropped when it returns.
///
/// ```
/// use std::process::Command;
/// use std::time::Duration;
/// use strand::RunProcess;
///
/// let dir = std::env::temp_dir().join(format!("strand-doc-ready-{}", std::process::id()));
/// let _ = std::fs::remove_file(&dir);
/// let mut script = Command::new("sh");
/// script.arg("-c").arg("sleep 0.1; touch \"$0\"; exec sleep 30").arg(&dir);
///
/// let guard = RunProcess::new(script)
///     .name("marker script")
///     .ready_when(|| dir.exists()) // borrows `dir`
///     .ready_timeout(Duration::from_secs(30))
///     .grace_period(Duration::from_secs(1))
///     .start()?;
/// assert!(guard.is_running());
/// let status = guard.stop()?.expect("it was started");
/// assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(15)); // SIGTERM
/// # std::fs::remove_file(&dir).unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "nothing runs until `start()` is called"]
pub struct RunProcess<'a> {
    command: Command,
    name: String,
    readiness: Readiness<'a>,
    ready_timeout: Duration,
    poll_interval: Duration,
    already_running: Option<Box<dyn FnOnce() -> bool + 'a>>,
    force_kill: bool,
    grace_period: Duration,
    outlive_owner: bool,
}

impl<'a> RunProcess<'a> {
    /// Prepares to start `command`, with the default options.
    ///
    /// `start` puts it in a process group of its own
    /// ([`CommandExt::process_group(0)`](CommandExt::process_group)), which
    /// overrides any group set on `command`; everything else (arguments,
    /// environment, working directory, stdio) is used as given.
    pub fn new(command: Command) -> Self {
        let name = command.get_program().to_string_lossy().into_owned();
        RunProcess {
            command,
            name,
            readiness: Readiness::Spawned,
            ready_timeout: DEFAULT_READY_TIMEOUT,
            poll_interval: DEFAULT_POLL_INTERVAL,
            already_running: None,
            force_kill: true,
            grace_period: DEFAULT_GRACE_PERIOD,
            outlive_owner: false,
        }
    }

    /// Prepares to start the registered function `name` (an
    /// `#[as_task(process)]` function) with `args`, as a process of its own:
    /// a copy of this binary that runs the function instead of `main` and
    /// exits when it returns (see
    /// [`function_command`](crate::process::function_command)). The usual
    /// options apply: readiness, already-running check, shutdown.
    ///
    /// # Errors
    ///
    /// When the arguments do not encode as JSON or the executable cannot be
    /// found.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::{TcpListener, TcpStream};
    /// use std::io::Write;
    /// use strand::{RunProcess, as_task};
    ///
    /// /// Answers every connection with a greeting, for ever.
    /// #[as_task(process)]
    /// fn greeter(port: u16) {
    ///     let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    ///     for stream in listener.incoming() {
    ///         let _ = stream.unwrap().write_all(b"hello\n");
    ///     }
    /// }
    ///
    /// let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?; // a free port
    /// let name = concat!(module_path!(), "::greeter");
    /// let guard = RunProcess::function(name, &(addr.port(),))?
    ///     .ready_when_port_open(addr)
    ///     .start()?;
    /// let mut reply = String::new();
    /// std::io::Read::read_to_string(&mut TcpStream::connect(addr)?, &mut reply)?;
    /// assert_eq!(reply, "hello\n");
    /// drop(guard); // SIGTERM to its process group
    /// assert!(TcpStream::connect(addr).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn function(
        name: &str,
        args: &impl serde::Serialize,
    ) -> Result<Self, crate::process::ProcessError> {
        let command = crate::process::function_command(name, args)?;
        Ok(RunProcess::new(command).name(name))
    }

    /// The command that `start` spawns, to adjust it after `new`.
    pub fn command_mut(&mut self) -> &mut Command {
        &mut self.command
    }

    /// Names the process in errors and in [`ProcessGuard::name`] (default:
    /// the program).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Waits in `start` until `is_ready` returns true.
    ///
    /// `is_ready` is called right after the spawn, then every
    /// [`poll_interval`](Self::poll_interval) until it returns true, the
    /// process exits ([`RunProcessError::ExitedBeforeReady`]) or
    /// [`ready_timeout`](Self::ready_timeout) has passed
    /// ([`RunProcessError::NotReady`]). In both failure cases the process
    /// group is stopped before `start` returns. A panic in `is_ready` stops it
    /// too. Replaces any earlier readiness option.
    pub fn ready_when(mut self, is_ready: impl FnMut() -> bool + 'a) -> Self {
        self.readiness = Readiness::When(Box::new(is_ready));
        self
    }

    /// Waits in `start` until a TCP connection to `addr` succeeds: shorthand
    /// for `ready_when(move || port_is_open(addr))`, see [`port_is_open`].
    pub fn ready_when_port_open(self, addr: impl Into<SocketAddr>) -> Self {
        let addr = addr.into();
        self.ready_when(move || port_is_open(addr))
    }

    /// Waits `delay` in `start`, then considers the process ready if it is
    /// still running (checked every [`poll_interval`](Self::poll_interval), so
    /// an early exit is reported early). Replaces any earlier readiness option.
    pub fn ready_after(mut self, delay: Duration) -> Self {
        self.readiness = Readiness::After(delay);
        self
    }

    /// How long [`ready_when`](Self::ready_when) waits before giving up
    /// (default [`DEFAULT_READY_TIMEOUT`]). A predicate call that is under
    /// way when the time is up is allowed to finish.
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// How often readiness is checked (default [`DEFAULT_POLL_INTERVAL`]).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Skips the start when `is_running` returns true: `start` then returns a
    /// guard that owns no process ([`ProcessGuard::was_started`] is false)
    /// and whose drop does nothing. Called once, at the beginning of `start`.
    pub fn already_running(mut self, is_running: impl FnOnce() -> bool + 'a) -> Self {
        self.already_running = Some(Box::new(is_running));
        self
    }

    /// Whether the guard stops the process (`true`, the default) or waits for
    /// it to exit on its own (`false`) when it is dropped or
    /// [`stopped`](ProcessGuard::stop).
    ///
    /// With `false`, dropping the guard blocks until the process exits, and
    /// nothing is signalled: processes it started are left alone.
    pub fn force_kill(mut self, force_kill: bool) -> Self {
        self.force_kill = force_kill;
        self
    }

    /// How long the process gets to exit after SIGTERM before its group gets
    /// SIGKILL (default [`DEFAULT_GRACE_PERIOD`]).
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.grace_period = grace;
        self
    }

    /// Whether the child may outlive the process that starts it (default
    /// `false`).
    ///
    /// By default, on Linux, the kernel kills the child (SIGKILL) when this
    /// process ends, however it ends: see [When the owner
    /// dies](crate::run_process#when-the-owner-dies). With `true` it does
    /// not, and the child is spawned from the calling thread. Nothing else
    /// changes: dropping the guard still stops the child (or waits for it,
    /// see [`force_kill`](Self::force_kill)), so a child that should keep
    /// running after its owner is gone also needs
    /// [`ProcessGuard::into_child`] (or [`std::mem::forget`] on the guard).
    /// On other Unix systems the child never dies with its owner, and this
    /// option changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Command;
    /// use strand::RunProcess;
    ///
    /// let mut daemon = Command::new("sleep");
    /// daemon.arg("0.1");
    /// let guard = RunProcess::new(daemon).outlive_owner(true).start()?;
    /// // Not stopped on drop, and not killed when this program ends.
    /// let child = guard.into_child().expect("started");
    /// # let mut child = child;
    /// # child.wait()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn outlive_owner(mut self, outlive: bool) -> Self {
        self.outlive_owner = outlive;
        self
    }

    /// Runs the "already running" check, spawns the command in a new
    /// process group and waits until it is ready.
    ///
    /// # Errors
    ///
    /// [`RunProcessError::Spawn`] when the command cannot be spawned,
    /// [`RunProcessError::NotReady`] when the readiness check timed out,
    /// [`RunProcessError::ExitedBeforeReady`] when the process exited first,
    /// [`RunProcessError::Io`] when its state could not be read. No process
    /// is left running in any of these cases.
    pub fn start(self) -> Result<ProcessGuard, RunProcessError> {
        let RunProcess {
            mut command,
            name,
            readiness,
            ready_timeout,
            poll_interval,
            already_running,
            force_kill,
            grace_period,
            outlive_owner,
        } = self;
        if let Some(is_running) = already_running
            && is_running()
        {
            return Ok(ProcessGuard {
                name,
                running: None,
            });
        }
        command.process_group(0);
        let program = command.get_program().to_string_lossy().into_owned();
        let child = spawn(command, !outlive_owner).map_err(|source| RunProcessError::Spawn {
            name: name.clone(),
            program,
            source,
        })?;
        let pid = child.id();
        // From here on the guard owns the child: an error or a panic in the
        // readiness check stops it.
        let mut guard = ProcessGuard {
            name,
            running: Some(Running {
                child,
                status: None,
                force_kill,
                grace_period,
            }),
        };
        let started = Instant::now();
        let outcome = match readiness {
            Readiness::Spawned => Ok(()),
            Readiness::After(delay) => {
                wait_ready(&guard, started + delay, poll_interval, || false, |_| Ok(()))
            }
            Readiness::When(mut is_ready) => wait_ready(
                &guard,
                started + ready_timeout,
                poll_interval,
                &mut is_ready,
                |name| {
                    Err(RunProcessError::NotReady {
                        name,
                        pid,
                        timeout: ready_timeout,
                    })
                },
            ),
        };
        match outcome {
            Ok(()) => Ok(guard),
            Err(error) => {
                // Terminate even with force_kill off: a process that never
                // became ready must not be waited for.
                let _ = guard.shutdown(Stop::Terminate);
                Err(error)
            }
        }
    }
}

/// Polls until `is_ready`, the process's exit or `deadline`, whichever comes
/// first; `at_deadline` says what reaching the deadline means.
fn wait_ready(
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

/// A process started by [`RunProcess::start`], stopped when the guard drops.
///
/// Dropping the guard (or calling [`stop`](Self::stop)) with
/// [`force_kill`](RunProcess::force_kill) on, the default:
///
/// 1. sends SIGTERM to the process group, so processes the child started get
///    it too;
/// 2. waits up to the [grace period](RunProcess::grace_period) for the child
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
/// and [`RunProcess::outlive_owner`].
///
/// With `force_kill(false)`, dropping the guard waits for the child to exit
/// on its own and signals nothing. Errors during a drop are ignored; call
/// [`stop`](Self::stop) to see them.
///
/// A guard from a skipped start ([`RunProcess::already_running`]) owns no
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
    name: String,
    running: Option<Running>,
}

/// The state of a started process.
struct Running {
    child: Child,
    /// Set once the child has been reaped by the guard.
    status: Option<ExitStatus>,
    force_kill: bool,
    grace_period: Duration,
}

/// How [`ProcessGuard::shutdown`] ends the process.
#[derive(Clone, Copy)]
enum Stop {
    /// Terminate or wait, as `force_kill` says.
    AsConfigured,
    /// Terminate, then kill after the grace period.
    Terminate,
    /// Wait for a natural exit.
    Wait,
}

impl ProcessGuard {
    /// Whether `start` started a process (false when the
    /// [`already_running`](RunProcess::already_running) check skipped it).
    pub fn was_started(&self) -> bool {
        self.running.is_some()
    }

    /// The name given with [`RunProcess::name`], or the program.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The process id of the child, which is also its process group id;
    /// `None` if no process was started.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(|running| running.child.id())
    }

    /// The child, for its stdio pipes (set them up on the [`Command`]).
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
    /// kill, or wait, as [`force_kill`](RunProcess::force_kill) says), and
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
    /// [`force_kill`](RunProcess::force_kill) says, and returns its exit
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
    /// was started with [`outlive_owner(true)`](RunProcess::outlive_owner).
    pub fn into_child(mut self) -> Option<Child> {
        self.running.take().map(|running| running.child)
    }

    /// Ends the process as `how` says and reaps it; idempotent.
    fn shutdown(&mut self, how: Stop) -> io::Result<Option<ExitStatus>> {
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

impl fmt::Debug for RunProcess<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let readiness = match &self.readiness {
            Readiness::Spawned => "when spawned".to_owned(),
            Readiness::After(delay) => format!("after {delay:?}"),
            Readiness::When(_) => "when a predicate holds".to_owned(),
        };
        f.debug_struct("RunProcess")
            .field("command", &self.command)
            .field("name", &self.name)
            .field("readiness", &readiness)
            .field("ready_timeout", &self.ready_timeout)
            .field("poll_interval", &self.poll_interval)
            .field("already_running", &self.already_running.is_some())
            .field("force_kill", &self.force_kill)
            .field("grace_period", &self.grace_period)
            .field("outlive_owner", &self.outlive_owner)
            .finish()
    }
}

/// Spawns `command`. With `die_with_owner`, on Linux, the child gets
/// SIGKILL when this process ends: the request goes to strand's spawner
/// thread, because the kernel sends that signal when the *thread* that
/// forked the child ends.
fn spawn(mut command: Command, die_with_owner: bool) -> io::Result<Child> {
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

/// SIGTERM to the group of `child`, up to `grace` for the child to exit,
/// SIGKILL to the group, then reaps the child.
fn terminate_group(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
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

/// The exit status of child `pid` if it has exited, leaving it unreaped
/// (`waitid` with `WNOWAIT`).
fn peek_exit(pid: u32) -> io::Result<Option<ExitStatus>> {
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

/// Why [`RunProcess::start`] failed. No process is left running.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunProcessError {
    /// The command could not be spawned (program not found, not executable,
    /// bad working directory, ...).
    Spawn {
        /// The name of the process ([`RunProcess::name`]).
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
        /// The [`ready_timeout`](RunProcess::ready_timeout) that expired.
        timeout: Duration,
    },
    /// The process exited before it was ready (or before the
    /// [`ready_after`](RunProcess::ready_after) delay was over).
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
    /// The name of the process ([`RunProcess::name`]).
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
