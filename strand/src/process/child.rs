//! The child side: the worker loop that serves a parent's requests, what
//! a registered function's entry runs ([`run_child`]), and what a body in
//! a child may ask of it ([`outlive_parent`], [`kill_worker_when`]). The
//! start-up hook that makes a copy of the binary a worker is in `startup`.

use std::any::type_name;
use std::io::Write as _;
use std::os::fd::{FromRawFd as _, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::frame::{self, ChildErrorKind, Reply};
use super::registry::{self, ChildInput};
use super::serialization::Serialization;

/// Set in a child's environment by the parent: the child is a worker.
pub(crate) const WORKER_ENV: &str = "STRAND_PROCESS_WORKER";

/// The protocol socket of this worker process, or -1.
static PROTOCOL_FD: AtomicI32 = AtomicI32::new(-1);

/// Set when the current request must outlive the parent (see
/// [`outlive_parent`]): the watcher no longer ends the process when the
/// parent goes, and the worker exits after this request.
static OUTLIVES_PARENT: AtomicBool = AtomicBool::new(false);

/// Exit codes of a worker that could not serve (the parent reports them
/// as a lost worker with this status).
const EXIT_NO_SOCKET: i32 = 70;
const EXIT_BAD_FRAME: i32 = 71;
const EXIT_REPLY_FAILED: i32 = 72;
const EXIT_NO_STDIN: i32 = 73;
const EXIT_NO_THREAD: i32 = 74;

/// The stack of the thread a body runs on: what Linux gives a program's
/// main thread by default, so a body that runs fine in `main` runs here.
pub(super) const BODY_STACK: usize = 8 << 20;

/// Ends this process after flushing what the body printed.
pub(super) fn exit(code: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

/// Gives a body run before `main` the world of a normal Rust program, as
/// far as a constructor can: SIGPIPE ignored, as std's start-up does, so a
/// write to a closed pipe is an `Err(BrokenPipe)` rather than death by
/// signal. (The body also runs on a thread named `main`; see
/// [`worker_main`].) What cannot match: constructors linked after strand's
/// may not have run yet.
pub(super) fn act_as_a_normal_program() {
    // SAFETY: setting a signal's disposition to "ignore" has no memory
    // effects; this runs before `main`, as std's own start-up does it.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// The protocol socket of the current worker process; `None` outside a
/// worker. Not public API: a hook for tests that play a misbehaving child.
#[doc(hidden)]
pub fn protocol_fd() -> Option<RawFd> {
    let fd = PROTOCOL_FD.load(Ordering::Relaxed);
    (fd >= 0).then_some(fd)
}

/// Marks the request this worker is serving as one that outlives the
/// process that sent it: the worker no longer dies when its parent does,
/// finishes this request, and then exits (it takes no further request).
/// For work that records its own outcome somewhere durable, such as an
/// `#[async_compute]` computation in a store that other processes share.
/// Outside a worker it does nothing.
///
/// # Examples
///
/// ```
/// // In `main` (not a worker) there is nothing to detach from.
/// strand::process::outlive_parent();
/// ```
pub fn outlive_parent() {
    if protocol_fd().is_some() {
        OUTLIVES_PARENT.store(true, Ordering::Release);
    }
}

/// In a worker, starts a thread that asks `stop` every `interval` whether
/// the current work was cancelled elsewhere, and when it says so, kills
/// this worker and its process group (SIGKILL), so the work stops at once
/// wherever it is. For work that outlives its parent (see
/// [`outlive_parent`]), whose cancel can only come through the place its
/// outcome is recorded. Outside a worker it does nothing and returns false.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// // In `main` (not a worker) nothing is watched.
/// assert!(!strand::process::kill_worker_when(Duration::from_millis(200), || false));
/// ```
pub fn kill_worker_when(
    interval: std::time::Duration,
    mut stop: impl FnMut() -> bool + Send + 'static,
) -> bool {
    if protocol_fd().is_none() {
        return false;
    }
    std::thread::Builder::new()
        .name("strand-cancel-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(interval);
                if stop() {
                    kill_own_group();
                }
            }
        })
        .is_ok()
}

/// Takes the protocol socket off standard input, which becomes
/// `/dev/null`: the body never reads the protocol. `None` (and the worker
/// must not run) when either step fails.
fn take_protocol_socket() -> Result<RawFd, i32> {
    // SAFETY: plain fd calls on descriptors this process owns.
    unsafe {
        let sock = libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 3);
        if sock < 0 {
            return Err(EXIT_NO_SOCKET);
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
        if null < 0 || libc::dup2(null, 0) != 0 {
            // Standard input would stay the protocol socket: refuse.
            return Err(EXIT_NO_STDIN);
        }
        libc::close(null);
        Ok(sock)
    }
}

/// The worker: serves requests on a thread named `main` (so a body sees
/// the thread it would have in a normal program), while this thread
/// watches the socket for the parent's end. Returns the exit code if the
/// worker cannot start; otherwise the process exits from the serving
/// thread, or is killed by the watcher.
pub(super) fn worker_main() -> i32 {
    act_as_a_normal_program();
    let sock = match take_protocol_socket() {
        Ok(sock) => sock,
        Err(code) => return code,
    };
    PROTOCOL_FD.store(sock, Ordering::Relaxed);
    // SAFETY: `sock` is a fresh descriptor that nothing else owns.
    let stream = unsafe { UnixStream::from_raw_fd(sock) };
    let serving = std::thread::Builder::new()
        .name("main".into())
        .stack_size(BODY_STACK)
        .spawn(move || exit(serve_requests(stream)));
    if serving.is_err() {
        return EXIT_NO_THREAD;
    }
    watch_parent(sock)
}

/// Waits until the parent's end of the socket is closed (the parent
/// exited, was killed, or dropped this worker), then ends this process
/// and whatever it started in its group, unless the current request
/// outlives the parent. An idle worker would see the end of stream and
/// exit by itself; a busy one has lost its caller, so it is killed.
fn watch_parent(sock: RawFd) -> ! {
    loop {
        // Only hang-up and errors, never data: a parent's `shutdown` of
        // its writing side (no more requests) is not a hang-up.
        let mut fd = libc::pollfd {
            fd: sock,
            events: 0,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut fd, 1, -1) };
        if rc > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
            break;
        }
    }
    if !OUTLIVES_PARENT.load(Ordering::Acquire) {
        kill_own_group();
    }
    // Outliving the parent: the serving thread exits the process when its
    // request is done.
    loop {
        std::thread::park();
    }
}

/// SIGKILL to this worker's process group: itself and everything it
/// started that stayed in the group.
fn kill_own_group() -> ! {
    // SAFETY: plain process calls; the group is this worker's own (the
    // parent made it a group leader), so nothing else is in it.
    unsafe {
        if libc::getpgrp() == libc::getpid() {
            libc::kill(0, libc::SIGKILL);
        }
        libc::_exit(EXIT_REPLY_FAILED)
    }
}

/// Serves requests until the parent closes its side, or after one request
/// that outlives the parent. Returns the exit code.
fn serve_requests(mut stream: UnixStream) -> i32 {
    loop {
        let body = match frame::read_frame(&mut stream) {
            Ok(Some(body)) => body,
            Ok(None) => return 0,
            Err(_) => return EXIT_BAD_FRAME,
        };
        let reply = match frame::decode_request(&body) {
            Ok(request) => {
                // The acknowledgement goes out before anything of the
                // request runs, so a parent that never reads it knows that
                // nothing ran; a parent that cannot be told gets nothing run.
                if request.acknowledge
                    && frame::write_frame(&mut stream, &frame::encode_started()).is_err()
                {
                    return EXIT_REPLY_FAILED;
                }
                serve(request.name, request.payload, request.format)
            }
            Err(message) => Reply::Error(
                ChildErrorKind::Protocol,
                format!("malformed request: {message}"),
            ),
        };
        let sent = frame::write_frame(&mut stream, &frame::encode_reply(&reply));
        if OUTLIVES_PARENT.load(Ordering::Acquire) {
            // Its outcome is recorded elsewhere: done, whether or not the
            // parent is still there to read the reply.
            return 0;
        }
        if sent.is_err() {
            return EXIT_REPLY_FAILED;
        }
    }
}

pub(super) fn serve(name: &str, payload: &[u8], format: Serialization) -> Reply {
    match registry::lookup(name) {
        Ok(Some(entry)) => entry.call(ChildInput { payload, format }),
        Ok(None) => Reply::Error(
            ChildErrorKind::UnknownFunction,
            format!(
                "no function `{name}` is registered in this binary (is it marked `#[as_task(process)]` or `#[async_compute]`, and linked into the binary that started the child?)"
            ),
        ),
        Err(dup) => Reply::Error(ChildErrorKind::Registry, dup.to_string()),
    }
}

/// Runs `f` in a child: decodes its arguments, catches a panic and encodes
/// the value. What the macros put in every registered function's entry.
pub fn run_child<Args, R>(input: ChildInput<'_>, f: impl FnOnce(Args) -> R) -> Reply
where
    Args: DeserializeOwned,
    R: Serialize,
{
    let args: Args = match input.format.decode(input.payload) {
        Ok(args) => args,
        Err(e) => {
            return Reply::Error(
                ChildErrorKind::Arguments,
                format!(
                    "the arguments did not decode as `{}`: {e}",
                    type_name::<Args>()
                ),
            );
        }
    };
    match catch_unwind(AssertUnwindSafe(|| f(args))) {
        Ok(value) => match input.format.encode(&value) {
            Ok(bytes) => Reply::Value(bytes),
            Err(e) => Reply::Error(
                ChildErrorKind::Value,
                format!(
                    "the value of type `{}` did not encode: {e}",
                    type_name::<R>()
                ),
            ),
        },
        Err(payload) => Reply::Panic(crate::error::panic_message(&*payload)),
    }
}
