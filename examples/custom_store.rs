//! A custom store: [`MapStore`] implements [`ComputationStore`] over a
//! `BTreeMap` under a mutex, which plays the database (a real one would be
//! a database, Redis, a key-value service). It
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
//! from the trait's provided methods and `Record`'s transition methods.
//!
//! `examples/au_custom_store.rs` runs computations on it;
//! `examples/tests/custom_store.rs` runs strand-au's store conformance
//! suite ([`strand_au::conformance`]) on it, as any store should.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use strand_au::{
    Clock, ComputationStore, Key, ManualClock, Record, StoreError, UpdateAction, Updated,
};

/// Records in a sorted map, in this process.
#[derive(Debug)]
pub struct MapStore {
    records: Mutex<BTreeMap<Key, Record>>,
    changed: Condvar,
    next_id: AtomicU64,
    ttl: Option<Duration>,
    clock: ManualClock,
    calls: Calls,
}

/// How often each method was called.
#[derive(Debug, Default)]
pub struct Calls {
    /// `load`
    pub load: AtomicU64,
    /// `put`
    pub put: AtomicU64,
    /// `update`
    pub update: AtomicU64,
    /// `delete`
    pub delete: AtomicU64,
    /// `keys`
    pub keys: AtomicU64,
    /// `wait_for_change`
    pub wait: AtomicU64,
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl MapStore {
    /// An empty store keeping finished records for `ttl`, on `clock`.
    pub fn new(ttl: Duration, clock: ManualClock) -> MapStore {
        MapStore {
            records: Mutex::default(),
            changed: Condvar::new(),
            next_id: AtomicU64::new(1),
            ttl: Some(ttl),
            clock,
            calls: Calls::default(),
        }
    }

    /// How often each method was called.
    pub fn calls(&self) -> &Calls {
        &self.calls
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
