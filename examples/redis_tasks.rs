//! The task functions of `redis_worker` and `redis_submit`, included by
//! both with `#[path = "redis_tasks.rs"] mod tasks;`: the workers run them,
//! the submitter calls them. Both binaries register them under the same
//! `name = "..."`.
//!
//! A queued task runs at least once: a task whose worker dies mid-run runs
//! again on another worker. So these functions are idempotent (they only
//! compute), as every function of a queue should be.

// Neither binary uses every item.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use strand_au::{ComputationStore, RedisStore, StoreError};

/// The Redis server of the examples unless one is given.
pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379/";
/// The key prefix of the examples' store on that server.
pub const PREFIX: &str = "strand-example";

static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();

/// Connects to the Redis server at `url` and makes its store the one the
/// task functions use; call it before the first call.
pub fn connect(url: &str) -> Result<Arc<dyn ComputationStore>, StoreError> {
    let store: Arc<dyn ComputationStore> = Arc::new(
        RedisStore::open(url)?
            .prefix(PREFIX)
            .ttl(Duration::from_secs(3600)),
    );
    Ok(STORE.get_or_init(|| store).clone())
}

fn store() -> Arc<dyn ComputationStore> {
    STORE.get().expect("call tasks::connect first").clone()
}

/// How many primes there are below `below`. A call writes a task into the
/// store's queue and returns a `TaskHandle<u64>` at once; a worker, in any
/// process on any machine that reaches the server, runs this body.
#[strand::as_task(store = store(), name = "redis_example::count_primes")]
pub fn count_primes(below: u64) -> u64 {
    let count = (2..below)
        .filter(|n| (2..).take_while(|d| d * d <= *n).all(|d| n % d != 0))
        .count() as u64;
    println!(
        "[worker {}] count_primes({below}) = {count}",
        std::process::id()
    );
    count
}
