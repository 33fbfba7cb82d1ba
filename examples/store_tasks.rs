//! The task functions of `store_worker` and `store_submit`, included by
//! both with `#[path = "store_tasks.rs"] mod tasks;`: the worker binary
//! runs them, the submitter calls or names them. Each is registered under
//! its `name = "..."`, the same in both binaries (the default name comes
//! from the module path, which differs from one example crate to the
//! other).
//!
//! A queued task runs at least once: a task whose worker dies mid-run runs
//! again on another worker. So these functions are idempotent: a second
//! run of the same task does no harm (they only compute).

// Neither binary calls `word_count` directly: the worker runs it by its
// registered name, the submitter writes tasks naming it.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use strand_au::{ComputationStore, async_compute};

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

static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();

/// Sets the store that [`sum`] writes its tasks into; call it before the
/// first call (the store expression is evaluated at the first call).
pub fn use_store(store: Arc<dyn ComputationStore>) {
    let _ = STORE.set(store);
}

fn store() -> Arc<dyn ComputationStore> {
    STORE.get().expect("call tasks::use_store first").clone()
}

/// Sums `numbers`. A call writes a task into the store's queue and returns
/// a `TaskHandle<u64>` at once; a worker runs this body.
#[strand::as_task(store = store(), name = "store_example::sum")]
pub fn sum(numbers: Vec<u64>) -> u64 {
    let total = numbers.iter().sum();
    println!("[worker {}] sum({numbers:?}) = {total}", std::process::id());
    total
}
