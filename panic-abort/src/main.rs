//! strand keeps every promise but catching panics in a program built with
//! `panic = "abort"`: each way a `process` task can fail comes back as an
//! error on its handle (and to `on_error`), never as an unwinding that would
//! abort this process. Exits 0 only if all of them did.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use strand::{JoinError, as_task};

/// How many failures `on_error` saw.
static REPORTED: AtomicUsize = AtomicUsize::new(0);

fn report<E: std::fmt::Display>(error: &JoinError<E>) {
    REPORTED.fetch_add(1, Ordering::Relaxed);
    eprintln!("on_error: {error}");
}

/// The child dies (SIGABRT) before it replies.
#[as_task(process, on_error = report)]
fn crash() -> u32 {
    std::process::abort()
}

/// The child's body panics: with `panic = "abort"` the child aborts.
#[as_task(process, on_error = report)]
fn panics() -> u32 {
    panic!("a panic in the child")
}

/// The child writes a malformed reply on its protocol socket.
#[as_task(process, on_error = report)]
fn garbage() -> u32 {
    let fd = strand::process::__protocol_fd().expect("runs in a worker");
    let junk = [0x05u8, 0, 0, 0, 0xEE, 1, 2, 3, 4];
    // SAFETY: writing bytes from a live buffer to this worker's own socket.
    unsafe { libc::write(fd, junk.as_ptr().cast(), junk.len()) };
    std::thread::sleep(Duration::from_secs(30));
    0
}

/// The function returns an error.
#[as_task(process, on_error = report)]
fn refuse(n: i32) -> Result<i32, String> {
    Err(format!("{n} is not welcome"))
}

/// The value does not survive the trip (JSON has no NaN).
#[as_task(process, on_error = report)]
fn not_a_number() -> f64 {
    f64::NAN
}

fn check(what: &str, ok: bool, detail: impl std::fmt::Display) -> bool {
    println!("{} {what}: {detail}", if ok { "ok  " } else { "FAIL" });
    ok
}

fn main() -> ExitCode {
    let mut all = true;

    let err = crash().join().unwrap_err();
    let lost = err.process_error().is_some_and(|e| e.is_worker_lost());
    all &= check("a crashing child is worker lost", lost, &err);

    let err = panics().join().unwrap_err();
    let lost = err.process_error().is_some_and(|e| e.is_worker_lost());
    all &= check(
        "a child that panics (and aborts) is worker lost",
        lost,
        &err,
    );

    let err = garbage().join().unwrap_err();
    let protocol = err
        .process_error()
        .is_some_and(|e| e.kind() == strand::process::ProcessErrorKind::Protocol);
    all &= check("a garbage reply is a protocol error", protocol, &err);

    let err = refuse(7).join().unwrap_err();
    let failed = err.failure().is_some_and(|e| e == "7 is not welcome");
    all &= check("a returned error is the task's failure", failed, &err);

    let err = not_a_number().join().unwrap_err();
    let value = err
        .process_error()
        .is_some_and(|e| e.kind() == strand::process::ProcessErrorKind::Value);
    all &= check("a value that does not decode is a value error", value, &err);

    let reported = REPORTED.load(Ordering::Relaxed);
    all &= check("on_error saw every failure", reported == 5, reported);

    if all {
        println!("every failure came back as an error on its handle");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
