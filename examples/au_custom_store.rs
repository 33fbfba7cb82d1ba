//! A custom store: implement `ComputationStore` for your own storage (a
//! database, Redis, a key-value service) and pass it to
//! `#[async_compute(store = ...)]`. Here a `BTreeMap` under a mutex plays the
//! database. It
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
//! Run with `cargo run --example au_custom_store`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use strand_au::{
    Clock, ComputationHandle, ComputationStore, Key, ManualClock, Record, Status, StoreError,
    UpdateAction, Updated, async_compute,
};

/// Records in a sorted map, in this process.
#[derive(Debug)]
struct MapStore {
    records: Mutex<BTreeMap<Key, Record>>,
    changed: Condvar,
    next_id: AtomicU64,
    ttl: Option<Duration>,
    clock: ManualClock,
    calls: Calls,
}

/// How often each method was called.
#[derive(Debug, Default)]
struct Calls {
    load: AtomicU64,
    put: AtomicU64,
    update: AtomicU64,
    delete: AtomicU64,
    keys: AtomicU64,
    wait: AtomicU64,
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl MapStore {
    fn new(ttl: Duration, clock: ManualClock) -> MapStore {
        MapStore {
            records: Mutex::default(),
            changed: Condvar::new(),
            next_id: AtomicU64::new(1),
            ttl: Some(ttl),
            clock,
            calls: Calls::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<Key, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ComputationStore for MapStore {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        count(&self.calls.load);
        Ok(self.lock().get(key).cloned())
    }

    fn put(&self, key: &Key, mut record: Record) -> Result<(), StoreError> {
        count(&self.calls.put);
        let mut records = self.lock();
        let previous = records.get(key).map_or(0, |r| r.version);
        record.stamp(previous, self.clock.now_ms(), self.ttl);
        records.insert(key.clone(), record);
        self.changed.notify_all();
        Ok(())
    }

    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        count(&self.calls.update);
        let mut records = self.lock(); // held from the read to the write
        let Some(current) = records.get(key) else {
            return Ok(Updated::Missing);
        };
        let mut next = current.clone();
        let outcome = match f(&mut next) {
            UpdateAction::Keep => return Ok(Updated::Kept(current.clone())),
            UpdateAction::Delete => {
                records.remove(key);
                Updated::Deleted
            }
            UpdateAction::Write => {
                next.stamp(current.version, self.clock.now_ms(), self.ttl);
                records.insert(key.clone(), next.clone());
                Updated::Written(next)
            }
        };
        self.changed.notify_all();
        Ok(outcome)
    }

    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        count(&self.calls.delete);
        let existed = self.lock().remove(key).is_some();
        self.changed.notify_all();
        Ok(existed)
    }

    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        count(&self.calls.keys);
        Ok(self.lock().keys().cloned().collect())
    }

    fn ttl(&self) -> Option<Duration> {
        self.ttl
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(self.clock.clone())
    }

    fn create_key(&self) -> Key {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        Key::new(format!("computation-{id:06}")).expect("a valid key")
    }

    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        count(&self.calls.wait);
        loop {
            // `get` applies expiry and lapsed leases; it takes the lock itself.
            let record = self.get(key)?;
            if record.as_ref().map(|r| r.version) != Some(seen_version) {
                return Ok(record);
            }
            let records = self.lock();
            if records.get(key).map(|r| r.version) != Some(seen_version) {
                continue; // changed between `get` and the lock
            }
            // Wake at least once a second so a lapsed lease is noticed.
            let mut pause = Duration::from_secs(1);
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(record);
                }
                pause = pause.min(left);
            }
            drop(self.changed.wait_timeout(records, pause));
        }
    }
}

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

    let c = &MAP.calls;
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
}
