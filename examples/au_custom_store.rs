//! A custom store: implement `ComputationStore` for your own storage (a
//! database, Redis, a key-value service) and pass it to
//! `#[async_compute(store = ...)]`. Here a `BTreeMap` under a mutex plays the
//! database: `MapStore`, in `examples/custom_store.rs` (the library of this
//! package, `strand_examples::custom_store`, so that `tests/custom_store.rs`
//! can run strand-au's store conformance suite on it). It
//!
//! - implements the seven required methods (`load`, `put`, `update`,
//!   `delete`, `keys`, `ttl`, `clock`); `update` holds the lock from read
//!   to write, which is the atomicity the contract asks for;
//! - issues its own keys (`computation-000001`, ...) with `create_key`;
//! - wakes waiters with a condition variable instead of the default polling,
//!   by overriding `wait_for_change`;
//! - counts the calls it gets, to show what the library does with a store.
//!
//! Everything else (expiry, leases, cleanup, forward-only statuses) comes
//! from the trait's provided methods and `Record`'s transition methods. So
//! does `create`, the atomic create-if-absent of `Computation::launch_as`:
//! its default is atomic within this process, which is enough for records
//! that live in this process (a store shared between processes overrides it).
//!
//! It holds no queue: the queue methods of `ComputationStore`
//! (`holds_queues`, `enqueue`, `claim`, `release`, `recover`,
//! `watch_queue`, `queue_stats`) keep their defaults, which say
//! `StoreError::Unsupported`, so a `StoreTaskReader` or a queued
//! computation on it is refused with that error (checked at the end). A
//! store that holds queues overrides all of them and passes
//! `strand_au::conformance::queue`, as `FileSystemStore` and `MemoryStore`
//! do (`examples/tests/custom_store.rs` runs it on this one: every check
//! is skipped, saying why).
//!
//! Run with `cargo run --example au_custom_store`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use strand_au::{
    Clock, ComputationHandle, ComputationStore, Key, ManualClock, Status, StoreTaskReader,
    StoreTaskWriter, UpdateAction, Updated, async_compute,
};
use strand_examples::custom_store::MapStore;

static CLOCK: LazyLock<ManualClock> = LazyLock::new(|| ManualClock::new(1_700_000_000_000));
static MAP: LazyLock<Arc<MapStore>> =
    LazyLock::new(|| Arc::new(MapStore::new(Duration::from_secs(3600), CLOCK.clone())));

/// Runs on the custom store like on any other.
#[async_compute(store = MAP.clone())]
fn distributed_computation(x: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(20));
    x.pow(3)
}

fn main() {
    let handles: Vec<_> = (1..=5).map(distributed_computation).collect();
    for h in &handles {
        let value = h.join_timeout(Duration::from_secs(30)).unwrap();
        println!("{} -> {value}", h.key());
    }
    // The store's own keys, in its own order.
    let keys: Vec<String> = MAP.keys().unwrap().iter().map(Key::to_string).collect();
    println!("keys: {keys:?}");
    assert_eq!(keys[0], "computation-000001");
    assert_eq!(keys[4], "computation-000005");
    assert_eq!(MAP.len().unwrap(), 5);
    assert!(Arc::ptr_eq(
        &distributed_computation::store(),
        &(MAP.clone() as Arc<dyn ComputationStore>)
    ));

    // A handle from a key alone.
    let third: ComputationHandle<u64> =
        ComputationHandle::from_key("computation-000003".parse().unwrap(), MAP.clone());
    assert_eq!(third.try_join().unwrap(), 27);
    assert_eq!(third.status().unwrap(), Status::Completed);

    // Forward-only statuses hold here too: the store's `update` runs
    // `Record`'s transition methods, which refuse to revive a finished record.
    let now = CLOCK.now_ms();
    let refused = MAP
        .update(third.key(), &mut |r| {
            UpdateAction::write_if(r.start("someone-else", now, 30_000))
        })
        .unwrap();
    assert!(matches!(refused, Updated::Kept(_)));

    // Expiry and cleanup, from the provided methods, on the store's clock.
    CLOCK.advance(Duration::from_secs(3601));
    assert!(third.status().unwrap_err().is_unknown_key());
    let removed = distributed_computation::cleanup_expired().unwrap();
    println!("an hour later, cleanup_expired() removed {removed}");
    assert_eq!(removed, 5);
    assert!(MAP.is_empty().unwrap());

    let c = MAP.calls();
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "calls: load {}, put {}, update {}, delete {}, keys {}, wait_for_change {}",
        get(&c.load),
        get(&c.put),
        get(&c.update),
        get(&c.delete),
        get(&c.keys),
        get(&c.wait)
    );
    assert_eq!(get(&c.put), 5, "one put per launch");
    assert!(
        get(&c.update) >= 10,
        "at least start and finish per computation"
    );
    assert!(
        get(&c.wait) >= 1,
        "the first wait found the computation running"
    );

    // No queue here: a worker and a queued task are refused, saying so.
    assert!(!MAP.holds_queues());
    let store: Arc<dyn ComputationStore> = MAP.clone();
    let refused = StoreTaskReader::new(store.clone()).listen().unwrap_err();
    println!("a worker on it: {refused}");
    assert!(refused.is_unsupported());
    let writer = StoreTaskWriter::<(u64,), u64>::new("cube", store);
    let refused = writer.try_call((2,)).unwrap_err();
    println!("a queued task on it: {refused}");
    assert!(refused.is_unsupported());
}
