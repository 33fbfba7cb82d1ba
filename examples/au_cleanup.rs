//! Cleanup: records are kept for a TTL (the store's, or the function's own
//! `ttl = ...`), hidden from readers once expired, and deleted by
//! `my_func::cleanup_expired()` or, on a file-system store with a TTL, by
//! the automatic cleanup that every 128 writes looks at 32 more files.
//!
//! Time here is a `ManualClock` given to the store, so an hour passes in
//! an instant instead of a sleep.
//!
//! Run with `cargo run --example au_cleanup`.

use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;

use strand_au::{
    Clock, ComputationStore, ManualClock, Status, SystemClock, TempStore, async_compute,
};

static CLOCK: LazyLock<ManualClock> = LazyLock::new(|| ManualClock::new(SystemClock.now_ms()));
static STORE: OnceLock<Arc<dyn ComputationStore>> = OnceLock::new();

fn store() -> Arc<dyn ComputationStore> {
    STORE.get().expect("main sets the store first").clone()
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Kept for an hour (the store's TTL, written out).
#[async_compute(store = store(), ttl = 3600)]
fn my_func(x: u64) -> u64 {
    x * 2
}

/// Kept for a minute only.
#[async_compute(store = store(), ttl = Duration::from_secs(60))]
fn short_lived(x: u64) -> u64 {
    x + 1
}

fn main() {
    let temp = TempStore::new()
        .expect("temp dir")
        .configure(|s| s.ttl(Duration::from_secs(3600)).clock(CLOCK.clone()));
    STORE.set(temp.shared()).expect("set once");
    let store = store();

    let hour: Vec<_> = (0..5).map(my_func).collect();
    let minute: Vec<_> = (0..3).map(short_lived).collect();
    for h in hour.iter().chain(&minute) {
        h.join_timeout(TIMEOUT).unwrap();
    }
    println!(
        "8 records: {} kept 1 h, {} kept 1 min",
        hour.len(),
        minute.len()
    );
    assert_eq!(store.len().unwrap(), 8);
    assert_eq!(my_func::cleanup_expired().unwrap(), 0);

    // A minute later the short-lived records are expired: readers no longer
    // see them, though their files stay until a cleanup.
    CLOCK.advance(Duration::from_secs(61));
    let err = minute[0].status().unwrap_err();
    println!("after 61 s, short_lived(0): {err}");
    assert!(err.is_unknown_key());
    assert!(store.is_expired(minute[0].key()).unwrap());
    assert_eq!(hour[0].status().unwrap(), Status::Completed);
    assert_eq!(store.len().unwrap(), 8);

    // Cleanup covers the whole store the function uses (shared here).
    let removed = short_lived::cleanup_expired().unwrap();
    println!("cleanup_expired() removed {removed} expired results");
    assert_eq!(removed, 3);
    assert_eq!(store.len().unwrap(), 5);

    // An hour later, the rest.
    CLOCK.advance(Duration::from_secs(3600));
    let removed = my_func::cleanup_expired().unwrap();
    println!("an hour later, cleanup_expired() removed {removed}");
    assert_eq!(removed, 5);
    assert!(store.is_empty().unwrap());

    // Automatic cleanup: let 100 records expire, then keep working. Writes
    // delete expired files a few at a time, without any full scan.
    let old: Vec<_> = (0..100).map(my_func).collect();
    for h in &old {
        h.join_timeout(TIMEOUT).unwrap();
    }
    CLOCK.advance(Duration::from_secs(3601));
    let mut launched = 0;
    let mut gone = 0;
    while gone == 0 && launched < 600 {
        let batch: Vec<_> = (0..20).map(my_func).collect();
        for h in &batch {
            h.join_timeout(TIMEOUT).unwrap();
        }
        launched += batch.len();
        gone = old
            .iter()
            .filter(|h| store.load(h.key()).unwrap().is_none())
            .count();
    }
    println!(
        "automatic cleanup: {gone} of 100 expired records deleted while {launched} new ones ran"
    );
    assert!(gone > 0);
    // (A sweep may still be under way on a worker thread: count again after.)
    let rest = my_func::cleanup_expired().unwrap();
    println!("a full cleanup removed {rest} more");
    assert!(old.iter().all(|h| store.load(h.key()).unwrap().is_none()));
    assert_eq!(store.len().unwrap(), launched);
}
