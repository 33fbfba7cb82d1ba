//! The parent side of one worker process: start it, send requests, read
//! replies, and turn every way it can go wrong into a [`ProcessError`].

use std::io;
use std::net::Shutdown;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use super::child::WORKER_ENV;
use super::error::describe_status;
use super::frame::{self, Reply};
use super::registry;
use super::{ProcessError, ProcessErrorKind, Serialization};

/// A running worker process and the parent's end of its socket.
#[derive(Debug)]
pub(crate) struct Worker {
    child: Child,
    stream: UnixStream,
    /// The pid while the child is unreaped, for killers on other threads;
    /// cleared before the child is reaped, so a reused pid is never hit.
    live: Arc<Mutex<Option<i32>>>,
}

/// Kills a worker from another thread (hard cancellation).
#[derive(Debug, Clone)]
pub(crate) struct Killer(Arc<Mutex<Option<i32>>>);

impl Killer {
    /// Sends SIGKILL to the worker if it has not been reaped yet.
    pub(crate) fn kill(&self) {
        let live = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(pid) = *live {
            // SAFETY: signalling a child this process has not reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

impl Worker {
    /// Starts a copy of this binary as a worker.
    pub(crate) fn spawn() -> Result<Worker, ProcessError> {
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
        registry::check_registry().map_err(ProcessError::duplicate)?;
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
            .spawn()
            .map_err(|e| {
                ProcessError::io(
                    ProcessErrorKind::Spawn,
                    format!("cannot start `{}` as a worker", exe.display()),
                    e,
                )
            })?;
        let live = Arc::new(Mutex::new(Some(child.id() as i32)));
        Ok(Worker {
            child,
            stream: ours,
            live,
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn killer(&self) -> Killer {
        Killer(self.live.clone())
    }

    /// Sends one request.
    pub(crate) fn send(
        &mut self,
        format: Serialization,
        name: &str,
        payload: &[u8],
    ) -> Result<(), ProcessError> {
        let request = frame::encode_request(format, name, payload);
        match frame::write_frame(&mut self.stream, &request) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.lost(Some(e))),
        }
    }

    /// Tells the child no more requests come: it exits after its replies.
    pub(crate) fn finish_sending(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Reads the reply to the oldest request.
    pub(crate) fn receive(&mut self) -> Result<Reply, ProcessError> {
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
        // A broken socket with a live child (it closed the socket itself)
        // is as fatal as a dead one.
        self.kill();
        let status = self.reap();
        let how = match status {
            Some(status) => describe_status(status),
            None => "could not be reaped".to_owned(),
        };
        let mut message = format!("the child process {} {how} before it replied", self.pid());
        if let Some(e) = error {
            message.push_str(&format!(" ({e})"));
        }
        ProcessError::new(ProcessErrorKind::WorkerLost, message).with_status(status)
    }

    pub(crate) fn kill(&self) {
        self.killer().kill();
    }

    /// Waits for the child to exit and reaps it. The pid is cleared between
    /// the exit and the reaping (`waitid` with `WNOWAIT`), so a killer on
    /// another thread can never signal a reused pid.
    pub(crate) fn reap(&mut self) -> Option<ExitStatus> {
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
        self.live.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.child.wait().ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
        {
            // Idle workers exit on the end of stream; anything still busy
            // has lost its caller.
            self.kill();
            let _ = self.reap();
        }
    }
}

/// Runs one call in a fresh child: start, send, read the reply, reap. A
/// cancel of the current task kills the child.
pub(crate) fn call_fresh(
    name: &str,
    format: Serialization,
    payload: &[u8],
) -> Result<Reply, ProcessError> {
    let mut worker = Worker::spawn()?;
    let killer = worker.killer();
    crate::context::set_canceller(Box::new(move || killer.kill()));
    worker.send(format, name, payload)?;
    worker.finish_sending();
    let reply = worker.receive()?;
    // The child exits on the end of stream that follows its reply.
    let _ = worker.reap();
    Ok(reply)
}
