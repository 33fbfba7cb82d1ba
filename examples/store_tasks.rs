//! The task functions of `store_worker` and `store_submit`, included by
//! both with `#[path = "store_tasks.rs"] mod tasks;`: the worker binary
//! runs them, the submitter names them. Each is registered under its
//! `name = "..."`, the same in both binaries (the default name comes from
//! the module path, which differs from one example crate to the other).
//!
//! A queued task runs at least once: a task whose worker dies mid-run runs
//! again on another worker. So these functions are idempotent: a second
//! run of the same task does no harm (they only compute).

// Neither binary calls `word_count` directly: the worker runs it by its
// registered name, the submitter writes tasks naming it.
#![allow(dead_code)]

use std::time::Duration;

use strand_au::async_compute;

/// The registered name of [`word_count`], as both binaries know it.
pub const WORD_COUNT: &str = "store_example::word_count";

/// Counts the words of `text`, slowly enough to see workers share the work.
#[async_compute(name = "store_example::word_count")]
pub fn word_count(text: String) -> usize {
    std::thread::sleep(Duration::from_millis(100));
    let words = text.split_whitespace().count();
    println!(
        "[worker {}] word_count({text:?}) = {words}",
        std::process::id()
    );
    words
}
