//! Error handling: every way a computation can end without a value, and
//! what the handle says about it. A returned `Err` is `Failed` with the
//! error's message and, as its error type is a serde type, the error itself,
//! typed; a panic is `Failed` with the panic message, a cancelled
//! computation is `Cancelled`; the joiner gets a `ComputationError<E>` that
//! says which. Then the errors of the handle itself: a join that times
//! out, a key nobody knows, a result read as the wrong type. And recovery:
//! relaunch with corrected input.
//!
//! Run with `cargo run --example au_errors`.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use strand_au::{
    CancelOutcome, ComputationError, ComputationHandle, ComputationStore, ErrorKind, Key,
    MemoryStore, Status, async_compute, current_computation,
};

static STORE: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| Arc::new(MemoryStore::new()));
const TIMEOUT: Duration = Duration::from_secs(30);

/// The error of `may_fail`: a serde type, so the record keeps it and the
/// handle gives it back typed.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum InputError {
    Negative(i64),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Negative(x) => write!(f, "x must be positive, got {x}"),
        }
    }
}

/// Squares `x`; a negative `x` is an error.
#[async_compute(store = STORE.clone())]
fn may_fail(x: i64) -> Result<i64, InputError> {
    if x < 0 {
        return Err(InputError::Negative(x));
    }
    Ok(x * x)
}

/// Divides; dividing by zero panics.
#[async_compute(store = STORE.clone())]
fn divide(a: i64, b: i64) -> i64 {
    a / b
}

/// Counts to `steps`, 10 ms a step, and stops early when cancelled.
#[async_compute(store = STORE.clone())]
fn slow_count(steps: u32) -> u32 {
    let me = current_computation();
    for step in 0..steps {
        if me.is_cancelled() {
            println!("  slow_count: cancelled at step {step}, stopping");
            return step;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    steps
}

fn describe<E>(what: &str, err: &ComputationError<E>) {
    let kind = if err.is_failed() {
        "returned an error"
    } else if err.is_panic() {
        "panicked"
    } else if err.is_cancelled() {
        "cancelled"
    } else if err.is_wait_timeout() {
        "still running"
    } else if err.is_unknown_key() {
        "unknown key"
    } else if err.is_decode() {
        "wrong type"
    } else {
        "other"
    };
    println!("{what}: [{kind}] {err}");
}

fn main() {
    // The body's panic is caught and recorded; keep its report to one line.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("?");
        println!("  (panic hook: {message})");
    }));

    // A returned Err.
    let handle = may_fail(-5);
    let err = handle.join_timeout(TIMEOUT).unwrap_err();
    describe("may_fail(-5)", &err);
    assert!(err.is_failed());
    assert_eq!(err.message(), Some("x must be positive, got -5"));
    assert_eq!(err.failure(), Some(&InputError::Negative(-5)));
    println!("  typed: {:?}", err.failure());
    assert_eq!(handle.status().unwrap(), Status::Failed);
    // The record keeps the error, for anyone who reads it later.
    let stored = handle
        .record()
        .unwrap()
        .error
        .expect("a failed record has an error");
    println!(
        "  stored error: kind {:?}, message {:?}",
        stored.kind, stored.message
    );
    assert_eq!(stored.kind, ErrorKind::Returned);

    // Recovery: fix the input and launch again.
    let retry = may_fail(5);
    assert_eq!(retry.join_timeout(TIMEOUT).unwrap(), 25);
    println!("may_fail(5) after fixing the input: 25");

    // A panic.
    let err = divide(1, 0).join_timeout(TIMEOUT).unwrap_err();
    describe("divide(1, 0)", &err);
    assert!(err.is_panic());
    assert_eq!(err.message(), Some("attempt to divide by zero"));

    // Waiting too little is not a failure: the computation goes on.
    let counting = slow_count(1000);
    while counting.status().unwrap() == Status::Pending {
        std::thread::sleep(Duration::from_millis(1)); // until its thread starts
    }
    let err = counting
        .join_timeout(Duration::from_millis(30))
        .unwrap_err();
    describe("slow_count(1000) after 30 ms", &err);
    assert!(err.is_wait_timeout());
    assert!(!counting.is_ready());

    // Cancelling it: the body sees it at its next check and returns early;
    // whatever it returns is discarded, the record stays Cancelled.
    let outcome = counting.cancel().unwrap();
    println!("cancel() -> {outcome:?}");
    assert_eq!(outcome, CancelOutcome::Requested);
    let err = counting.join_timeout(TIMEOUT).unwrap_err();
    describe("slow_count(1000) after cancel", &err);
    assert!(err.is_cancelled());
    assert_eq!(counting.status().unwrap(), Status::Cancelled);
    std::thread::sleep(Duration::from_millis(30)); // let the body return
    assert_eq!(counting.status().unwrap(), Status::Cancelled);
    // Cancelling a finished computation changes nothing.
    assert_eq!(retry.cancel().unwrap(), CancelOutcome::AlreadyFinished);
    assert_eq!(retry.try_join().unwrap(), 25);

    // A key nobody issued: its own error, never an eternal Pending.
    let unknown = may_fail::handle(Key::new("no-such-job").unwrap());
    let err = unknown.join_timeout(TIMEOUT).unwrap_err();
    describe("handle(\"no-such-job\")", &err);
    assert!(err.is_unknown_key());
    assert!(unknown.is_ready()); // waiting would return at once

    // A key that is not a key at all.
    let bad = Key::new("../etc/passwd").unwrap_err();
    println!("Key::new(\"../etc/passwd\"): {bad}");

    // Reading a result as the wrong type.
    let as_text = ComputationHandle::<String>::from_key(retry.key().clone(), STORE.clone());
    let err = as_text.try_join().unwrap_err();
    describe("an i64 result read as a String", &err);
    assert!(err.is_decode());

    // `?` works: ComputationError is a std error.
    fn total() -> Result<i64, Box<dyn std::error::Error>> {
        let a = may_fail(3).join_timeout(TIMEOUT)?;
        let b = may_fail(-4).join_timeout(TIMEOUT)?;
        Ok(a + b)
    }
    let err = total().unwrap_err();
    println!("total() with `?`: {err}");
    assert_eq!(
        err.to_string(),
        "computation failed: x must be positive, got -4"
    );
}
