//! [`RunProcess`]: the options of a child to start, and
//! [`start`](RunProcess::start), which spawns it, waits until it is ready
//! and hands it to a [`ProcessGuard`].

use std::fmt;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

use super::error::RunProcessError;
use super::guard::{ProcessGuard, Running, Stop};
use super::ready::{Readiness, port_is_open, wait_ready};
use super::spawner::spawn;
use crate::process::error::ProcessError;
use crate::process::function::function_command;

/// How long [`RunProcess::ready_when`] waits by default: 10 seconds.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often [`RunProcess::ready_when`] polls by default: every 25 ms.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(25);
/// How long a stopping process gets between SIGTERM and SIGKILL by default: 5 seconds.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(5);

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
    /// [`function_command`]). The usual
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
    pub fn function(name: &str, args: &impl serde::Serialize) -> Result<Self, ProcessError> {
        let command = function_command(name, args)?;
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
