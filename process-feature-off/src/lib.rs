//! `#[as_task(process)]` without strand's `process` feature: `cargo check`
//! must fail with strand's error that names the feature, once for each
//! process task, and print nothing else (nothing about the items the
//! feature would bring, no error at the call sites).

use strand::{JoinError, TaskHandle, as_task};

/// A plain process task.
#[as_task(process)]
pub fn double(x: u32) -> u32 {
    x * 2
}

fn report(error: &JoinError<std::num::ParseIntError>) {
    eprintln!("{error}");
}

/// A fallible one, with every step a process task takes.
#[as_task(process, serialization = binary, on_end = |n: &u8| assert!(*n > 0), on_error = report)]
pub fn parse(text: String) -> Result<u8, std::num::ParseIntError> {
    text.parse()
}

/// Call sites of both, which still type-check.
pub fn callers() -> (TaskHandle<u32>, TaskHandle<u8, std::num::ParseIntError>) {
    (double(21), parse("7".to_owned()))
}
