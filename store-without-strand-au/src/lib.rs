//! `#[as_task(store)]` without a strand-au dependency: `cargo check` must
//! fail with strand's error that says to add strand-au, once for each store
//! task, and print nothing else (no error at the call sites).

use strand::{TaskHandle, as_task};

/// A task for the default store.
#[as_task(store)]
pub fn double(x: u32) -> u32 {
    x * 2
}

/// A fallible one, with a store expression and options (`make_store` does
/// not exist: after the error, the rewrite keeps no store expression).
#[as_task(store = make_store(), queue = "numbers", on_end = |n: &u8| assert!(*n > 0))]
pub fn parse(text: String) -> Result<u8, String> {
    text.parse().map_err(|_| format!("not a number: {text}"))
}

/// Call sites of both, which still type-check.
pub fn callers() -> (TaskHandle<u32>, TaskHandle<u8, String>) {
    (double(21), parse("7".to_owned()))
}
