//! The parent side of one worker process: start it, send requests, read
//! replies, and turn every way it can go wrong into a [`ProcessError`].
//!
//! [`WorkerProcess`] is public for backends that keep workers warm (such as
//! strand-au's process pool); `#[as_task(process)]` uses it through
//! [`ProcessTaskrunner`](super::ProcessTaskrunner).

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsRawFd as _, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use crossbeam_channel::Sender;
use std::time::Duration;

use super::child::WORKER_ENV;
use super::error::{ProcessError, ProcessErrorKind, describe_status};
use super::frame::{self, Reply};
use super::registry;
use super::serialization::Serialization;

/// A running worker process (a copy of this binary, diverted into the
/// worker loop) and the parent's end of its socket.
///
/// A worker serves requests one after another until its socket is closed;
/// dropping it kills and reaps the process.
///
/// # Examples
///
/// ```
/// use strand::process::{Reply, Serialization, WorkerProcess};
///
/// let mut worker = WorkerProcess::spawn().unwrap();
/// // This doctest registers no function, so the worker says so.
/// match worker.call(Serialization::Json, "nothing", b"[]").unwrap() {
///     Reply::Error(_, message) => assert!(message.contains("no function `nothing`")),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug)]
pub struct WorkerProcess {
    child: Child,
    stream: UnixStream,
    /// The pid while the child is unreaped, for killers on other threads;
    /// cleared before the child is reaped, so a reused pid is never hit.
    live: Arc<Live>,
}

/// A worker's pid while it is unreaped, and a signal for killers that wait
/// until it is reaped.
#[derive(Debug)]
struct Live {
    pid: Mutex<Option<i32>>,
    reaped: Condvar,
}

impl Live {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<i32>> {
        self.pid.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Kills a worker from another thread (hard cancellation); see
/// [`WorkerProcess::killer`].
#[derive(Debug, Clone)]
pub struct Killer(Arc<Live>);

impl Killer {
    /// Sends SIGKILL to the worker's process group (the worker and any
    /// process it started that stayed in its group) if the worker has not
    /// been reaped yet (never to a pid the system may have reused).
    pub fn kill(&self) {
        kill_group(*self.0.lock());
    }

    /// Like [`kill`](Self::kill), then waits until the worker's owner has
    /// reaped it (the owner reads the end of the worker's socket, which the
    /// kill causes, and reaps it at once).
    pub fn kill_and_wait(&self) {
        let mut live = self.0.lock();
        kill_group(*live);
        while live.is_some() {
            live = self.0.reaped.wait(live).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// SIGKILL to the process group led by `pid` (every worker leads its own).
fn kill_group(pid: Option<i32>) {
    if let Some(pid) = pid {
        // SAFETY: signalling the group of a child this process has not
        // reaped, so its pid (the group's id) cannot have been reused.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

impl WorkerProcess {
    /// Starts a copy of this binary as a worker.
    ///
    /// # Errors
    ///
    /// [`ProcessErrorKind::Spawn`] when the executable cannot be started,
    /// [`ProcessErrorKind::NotDiverted`] when called in a process
    /// that was started as a worker but runs `main` (never a fork bomb).
    pub fn spawn() -> Result<WorkerProcess, ProcessError> {
        if std::env::var_os(WORKER_ENV).is_some() {
            // This process was started as a worker but its start-up hook did
            // not run (the hook is what removes the variable): starting more
            // copies would only repeat that.
            return Err(ProcessError::new(
                ProcessErrorKind::NotDiverted,
                format!(
                    "this process was started as a strand worker but strand's start-up hook did not run, so it is running `main`; refusing to start further children (is `{WORKER_ENV}` set by hand?)"
                ),
            ));
        }
        let exe = std::env::current_exe().map_err(|e| {
            ProcessError::io(
                ProcessErrorKind::Spawn,
                "cannot find this program's executable to start a child",
                e,
            )
        })?;
        let (ours, theirs) = UnixStream::pair().map_err(|e| {
            ProcessError::io(ProcessErrorKind::Spawn, "cannot create a socket pair", e)
        })?;
        let child = Command::new(&exe)
            .env(WORKER_ENV, "1")
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            // Its own group, so a kill takes whatever it starts too.
            .process_group(0)
            .spawn()
            .map_err(|e| {
                ProcessError::io(
                    ProcessErrorKind::Spawn,
                    format!("cannot start `{}` as a worker", exe.display()),
                    e,
                )
            })?;
        let live = Arc::new(Live {
            pid: Mutex::new(Some(child.id() as i32)),
            reaped: Condvar::new(),
        });
        Ok(WorkerProcess {
            child,
            stream: ours,
            live,
        })
    }

    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A handle that kills this worker from another thread.
    pub fn killer(&self) -> Killer {
        Killer(self.live.clone())
    }

    /// Sends one request and reads its reply.
    ///
    /// # Errors
    ///
    /// [`ProcessErrorKind::WorkerLost`] when the worker dies before it
    /// replies (with its exit status), [`ProcessErrorKind::Protocol`] when
    /// it sends garbage (it is then killed). After an error the worker is
    /// gone: start another.
    pub fn call(
        &mut self,
        format: Serialization,
        name: &str,
        payload: &[u8],
    ) -> Result<Reply, ProcessError> {
        self.send(format, name, payload)?;
        self.receive()
    }

    /// Waits up to `timeout` for the worker's reply to start arriving
    /// (or for its socket to close). `Ok(false)` when the time ran out.
    ///
    /// # Errors
    ///
    /// When `poll(2)` fails.
    pub fn wait_readable(&self, timeout: Duration) -> io::Result<bool> {
        let mut fd = libc::pollfd {
            fd: self.stream.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&mut fd, 1, millis) } {
            -1 => {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
            0 => Ok(false),
            _ => Ok(true),
        }
    }

    /// Sends one request.
    ///
    /// # Errors
    ///
    /// [`ProcessErrorKind::WorkerLost`] when the worker is gone.
    pub fn send(
        &mut self,
        format: Serialization,
        name: &str,
        payload: &[u8],
    ) -> Result<(), ProcessError> {
        let request = frame::encode_request(format, name, payload, false);
        match frame::write_frame(&mut self.stream, &request) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.lost(Some(e))),
        }
    }

    /// Sends one request that the worker acknowledges before it runs
    /// anything for it: read the acknowledgement with
    /// [`receive_started`](Self::receive_started), then the reply with
    /// [`receive`](Self::receive).
    ///
    /// For a caller that may send a request again: a worker that dies
    /// before its acknowledgement arrives did not run the request (it
    /// writes the acknowledgement before it starts, and runs nothing when
    /// it cannot), so the request can go to another worker; one that dies
    /// after it may have run the request, or part of it.
    ///
    /// # Errors
    ///
    /// [`ProcessErrorKind::NotStarted`] when the worker is gone (the
    /// request was not delivered whole, so it did not run).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::{Reply, Serialization, WorkerProcess};
    ///
    /// let mut worker = WorkerProcess::spawn().unwrap();
    /// worker.send_acknowledged(Serialization::Json, "nothing", b"[]").unwrap();
    /// worker.receive_started().unwrap(); // it has started the request
    /// // This doctest registers no function, so the worker says so.
    /// assert!(matches!(worker.receive().unwrap(), Reply::Error(..)));
    /// ```
    pub fn send_acknowledged(
        &mut self,
        format: Serialization,
        name: &str,
        payload: &[u8],
    ) -> Result<(), ProcessError> {
        let request = frame::encode_request(format, name, payload, true);
        match frame::write_frame(&mut self.stream, &request) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.not_started(Some(e))),
        }
    }

    /// Reads the worker's acknowledgement of a request sent with
    /// [`send_acknowledged`](Self::send_acknowledged) (blocking; see
    /// [`wait_readable`](Self::wait_readable) to bound the wait). Once it
    /// has arrived the worker has started the request.
    ///
    /// # Errors
    ///
    /// [`ProcessErrorKind::NotStarted`] when the worker died (or closed its
    /// socket) before it acknowledged the request: the request did not run.
    /// [`ProcessErrorKind::Protocol`] when it sent anything else (it is then
    /// killed; whether the request ran is unknown).
    pub fn receive_started(&mut self) -> Result<(), ProcessError> {
        match frame::read_frame(&mut self.stream) {
            Ok(Some(body)) if frame::is_started(&body) => Ok(()),
            Ok(Some(_)) => Err(self.garbage("a reply where its acknowledgement belongs".into())),
            Ok(None) => Err(self.not_started(None)),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(self.garbage(e.to_string())),
            Err(e) => Err(self.not_started(Some(e))),
        }
    }

    /// Tells the worker no more requests come: it exits after its replies.
    pub fn finish_sending(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Reads the reply to the oldest request (blocking).
    ///
    /// # Errors
    ///
    /// As for [`call`](Self::call).
    pub fn receive(&mut self) -> Result<Reply, ProcessError> {
        match frame::read_frame(&mut self.stream) {
            Ok(Some(body)) => frame::decode_reply(body).map_err(|message| self.garbage(message)),
            Ok(None) => Err(self.lost(None)),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(self.garbage(e.to_string())),
            Err(e) => Err(self.lost(Some(e))),
        }
    }

    /// The child sent something that is not the protocol: it cannot be
    /// trusted with another request, so it is killed.
    fn garbage(&mut self, message: String) -> ProcessError {
        self.kill();
        let status = self.reap();
        ProcessError::new(
            ProcessErrorKind::Protocol,
            format!(
                "the child process {} sent a malformed reply ({message}); it was killed",
                self.pid()
            ),
        )
        .with_status(status)
    }

    /// The child went away mid-call: reap it and say how it ended.
    fn lost(&mut self, error: Option<io::Error>) -> ProcessError {
        self.gone(ProcessErrorKind::WorkerLost, "before it replied", error)
    }

    /// The child went away before it acknowledged a request.
    fn not_started(&mut self, error: Option<io::Error>) -> ProcessError {
        self.gone(
            ProcessErrorKind::NotStarted,
            "before it started the request",
            error,
        )
    }

    /// The child went away `when`: reap it and say how it ended.
    fn gone(
        &mut self,
        kind: ProcessErrorKind,
        when: &str,
        error: Option<io::Error>,
    ) -> ProcessError {
        // A broken socket with a live child (it closed the socket itself)
        // is as fatal as a dead one.
        self.kill();
        let status = self.reap();
        let how = match status {
            Some(status) => describe_status(status),
            None => "could not be reaped".to_owned(),
        };
        let mut message = format!("the child process {} {how} {when}", self.pid());
        if let Some(e) = error {
            message.push_str(&format!(" ({e})"));
        }
        ProcessError::new(kind, message).with_status(status)
    }

    /// Kills the worker (SIGKILL); it is reaped on drop or by
    /// [`reap`](Self::reap).
    pub fn kill(&self) {
        self.killer().kill();
    }

    /// Waits for the child to exit and reaps it. The pid is cleared between
    /// the exit and the reaping (`waitid` with `WNOWAIT`), so a killer on
    /// another thread can never signal a reused pid. Whatever the child
    /// left running in its process group is killed first: nothing it
    /// started outlives it.
    pub fn reap(&mut self) -> Option<ExitStatus> {
        let pid = self.pid() as libc::id_t;
        loop {
            // SAFETY: waiting on our own child; `info` is plain data.
            let rc = unsafe {
                let mut info: libc::siginfo_t = std::mem::zeroed();
                libc::waitid(libc::P_PID, pid, &mut info, libc::WEXITED | libc::WNOWAIT)
            };
            if rc == 0 || io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break;
            }
        }
        let status = {
            let mut live = self.live.lock();
            // The exited child still holds its pid, and so its group id:
            // neither can have been reused.
            kill_group(*live);
            live.take();
            self.child.wait().ok()
        };
        self.live.reaped.notify_all();
        status
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if self.live.lock().is_some() {
            // Idle workers exit on the end of stream; anything still busy
            // has lost its caller.
            self.kill();
            let _ = self.reap();
        }
    }
}

/// Runs one call in a fresh child: start, send, read the reply, reap. A
/// cancel of the current task kills the child and waits until it is
/// reaped; `Ok(None)` when the task was cancelled before the child started.
pub(crate) fn call_fresh(
    name: &str,
    format: Serialization,
    payload: &[u8],
) -> Result<Option<Reply>, ProcessError> {
    // A name registered twice is an error of its own, found before any
    // child starts.
    registry::lookup(name).map_err(ProcessError::duplicate)?;
    let mut started = None;
    let live = crate::context::start_cancellable(&mut || {
        let worker = WorkerProcess::spawn();
        let canceller = worker.as_ref().ok().map(|worker| {
            let killer = worker.killer();
            Box::new(move || killer.kill_and_wait()) as crate::task::cancel::Canceller
        });
        started = Some(worker);
        canceller
    });
    let Some(worker) = started.filter(|_| live) else {
        return Ok(None);
    };
    let mut worker = worker?;
    worker.send(format, name, payload)?;
    worker.finish_sending();
    let reply = worker.receive()?;
    // The child exits on the end of stream that follows its reply; the
    // reply need not wait for that.
    reap_later(worker);
    Ok(Some(reply))
}

/// Reaps `worker`, whose reply has arrived and which is exiting, on a
/// thread of its own, so that the task's value is not held back by the
/// child's exit: every child is still reaped, a moment later. (A cancel
/// that races this still waits until the child is reaped.)
fn reap_later(mut worker: WorkerProcess) {
    static REAPER: OnceLock<Option<Sender<WorkerProcess>>> = OnceLock::new();
    let reaper = REAPER.get_or_init(|| {
        let (sender, exited) = crossbeam_channel::unbounded::<WorkerProcess>();
        std::thread::Builder::new()
            .name("strand-reaper".into())
            .spawn(move || {
                for mut worker in exited {
                    let _ = worker.reap();
                }
            })
            .ok()
            .map(|_| sender)
    });
    if let Some(reaper) = reaper {
        match reaper.send(worker) {
            Ok(()) => return,
            Err(back) => worker = back.into_inner(),
        }
    }
    let _ = worker.reap();
}
