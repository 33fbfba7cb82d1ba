//! The child side: the start-up hook that turns a copy of the binary into a
//! worker before `main` (or the test harness) runs, and the worker loop.

use std::any::type_name;
use std::io::Write as _;
use std::os::fd::{FromRawFd as _, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI32, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Serialization;
use super::frame::{self, ChildErrorKind, Reply};
use super::registry::{self, ChildInput};

/// Set in a child's environment by the parent: the child is a worker.
pub(crate) const WORKER_ENV: &str = "STRAND_PROCESS_WORKER";

/// The protocol socket of this worker process, or -1.
static PROTOCOL_FD: AtomicI32 = AtomicI32::new(-1);

// The hook runs before `main` in every binary that links strand (binaries,
// examples, test and bench harnesses), and does nothing unless the parent
// marked this process as a worker. It only reads the registry, which the
// linker assembled, so it cannot race other start-up code.
#[ctor::ctor(unsafe)]
fn divert_worker() {
    if let Some(code) = super::function::divert() {
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        std::process::exit(code);
    }
    if std::env::var_os(WORKER_ENV).is_none() {
        return;
    }
    // SAFETY: no other thread exists yet: this runs before `main`.
    unsafe { std::env::remove_var(WORKER_ENV) };
    let code = worker_main();
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code);
}

/// The protocol socket of the current worker process, for tests that play
/// a misbehaving child; `None` outside a worker.
pub fn protocol_fd() -> Option<RawFd> {
    let fd = PROTOCOL_FD.load(Ordering::Relaxed);
    (fd >= 0).then_some(fd)
}

/// Serves requests on the socket the parent gave as standard input until
/// the parent closes it. Returns the exit code.
fn worker_main() -> i32 {
    // SAFETY: plain fd calls on descriptors this process owns.
    let sock = unsafe {
        let sock = libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 3);
        if sock < 0 {
            return 70;
        }
        // The body gets an empty standard input, never the protocol.
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::close(null);
        }
        sock
    };
    PROTOCOL_FD.store(sock, Ordering::Relaxed);
    // SAFETY: `sock` is a fresh descriptor that nothing else owns.
    let mut stream = unsafe { UnixStream::from_raw_fd(sock) };
    loop {
        let body = match frame::read_frame(&mut stream) {
            Ok(Some(body)) => body,
            Ok(None) => return 0,
            Err(_) => return 71,
        };
        let reply = match frame::decode_request(&body) {
            Ok(request) => serve(request.name, request.payload, request.format),
            Err(message) => Reply::Error(
                ChildErrorKind::Protocol,
                format!("malformed request: {message}"),
            ),
        };
        if frame::write_frame(&mut stream, &frame::encode_reply(&reply)).is_err() {
            return 72;
        }
    }
}

pub(super) fn serve(name: &str, payload: &[u8], format: Serialization) -> Reply {
    match registry::lookup(name) {
        Ok(Some(entry)) => entry.run(ChildInput { payload, format }),
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
