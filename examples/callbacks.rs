//! Callbacks and error handling: `on_end` sees every value, `on_error` sees
//! every returned error and panic, and `join` still reports what happened.
//!
//! Run with `cargo run --example callbacks`.

use std::fmt;
use std::time::Duration;

use strand::{CancelOutcome, JoinError, as_task, current_task};

#[derive(Debug)]
enum ImportError {
    Empty,
    BadLine(usize),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Empty => f.write_str("nothing to import"),
            ImportError::BadLine(n) => write!(f, "line {n} is not a number"),
        }
    }
}

impl std::error::Error for ImportError {}

fn report_total(total: &i64) {
    println!("  on_end: imported a total of {total}");
}

fn report_error(err: &JoinError<ImportError>) {
    if err.is_panic() {
        println!(
            "  on_error: the import panicked: {}",
            err.panic_message().unwrap_or("?")
        );
    } else {
        println!("  on_error: {err}");
    }
}

/// Adds up one number per line. Returns `Err` for bad input and panics on an
/// overflow, to show both routes to `on_error`.
#[as_task(thread, on_end = report_total, on_error = report_error)]
fn import(text: String) -> Result<i64, ImportError> {
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let mut total: i64 = 0;
    for (n, line) in text.lines().enumerate() {
        let value: i64 = line
            .trim()
            .parse()
            .map_err(|_| ImportError::BadLine(n + 1))?;
        total = total.checked_add(value).expect("total overflows i64");
    }
    Ok(total)
}

/// A long job that checks for cancellation between steps.
#[as_task(pool, on_end = |steps: &u32| println!("  finished after {steps} steps"))]
fn long_job() -> u32 {
    let mut steps = 0;
    while !current_task().is_cancelled() && steps < 10_000 {
        steps += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    steps
}

fn main() {
    for input in ["1\n2\n3", "", "1\nx\n3", "9223372036854775807\n1"] {
        println!("import {input:?}:");
        match import(input.to_string()).join() {
            Ok(total) => println!("  join: Ok({total})"),
            Err(err) if err.is_failed() => {
                let cause = err.into_failure().expect("a failed task has an error");
                println!("  join: the function returned Err({cause:?})");
            }
            Err(err) => println!("  join: {err}"),
        }
    }

    println!("long job:");
    let job = long_job();
    std::thread::sleep(Duration::from_millis(20));
    match job.cancel() {
        CancelOutcome::NotStarted => println!("  cancelled before it started"),
        CancelOutcome::Requested => println!("  cancellation requested while running"),
        other => println!("  cancel: {other:?}"),
    }
    let err = job.join().expect_err("a cancelled job has no value");
    println!("  join: {err} (is_cancelled = {})", err.is_cancelled());
}
