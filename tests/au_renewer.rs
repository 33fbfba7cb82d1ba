//! The lease renewer survives any store: a store that panics, or one that
//! blocks, costs its own renewals only, and a healthy computation beside it
//! keeps its lease and completes.
//!
//! Leases here are 300 ms and renewed every 100 ms. The tests wait for
//! positive signals (renewals counted by the stores, panics raised, a call
//! seen blocking), never for time to pass; a generous deadline only guards
//! against a hang, and on the old renewer (one thread, no `catch_unwind`)
//! it is what fails: the healthy computation's renewals stop.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use strand_au::{
    Clock, Computation, ComputationStore, Key, MemoryStore, PoolBackend, Record, Runner,
    StoreError, Subscription, UpdateAction, Updated,
};
use strand_tests::Gate;

const LEASE: Duration = Duration::from_millis(300);
/// Only guards against a hang.
const HANG: Duration = Duration::from_secs(30);

/// A gate that bodies wait on until the test opens it.
fn on_renewer_thread() -> bool {
    std::thread::current().name() == Some("strand-au-renewer")
}

/// A `MemoryStore` that counts the renewer's updates per key, and can
/// panic on the renewer's updates of one key, or block all of them until
/// released.
#[derive(Debug, Default)]
struct Faulty {
    inner: MemoryStore,
    renewals: Mutex<HashMap<Key, usize>>,
    panic_on: Mutex<Option<Key>>,
    panics: AtomicUsize,
    block: AtomicBool,
    blocked: (Mutex<(bool, bool)>, Condvar), // (entered, released)
}

impl Faulty {
    fn renewals(&self, key: &Key) -> usize {
        self.renewals.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    /// Waits until `done` holds, or fails after `HANG` saying `what`.
    fn until(&self, what: &str, done: impl Fn(&Faulty) -> bool) {
        let deadline = Instant::now() + HANG;
        while !done(self) {
            assert!(Instant::now() < deadline, "never saw: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn release(&self) {
        let (state, changed) = &self.blocked;
        state.lock().unwrap().1 = true;
        changed.notify_all();
    }
}

impl ComputationStore for Faulty {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.inner.load(key)
    }
    fn put(&self, key: &Key, record: Record) -> Result<(), StoreError> {
        self.inner.put(key, record)
    }
    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        if on_renewer_thread() {
            if self.block.load(Ordering::SeqCst) {
                let (state, changed) = &self.blocked;
                let mut state = state.lock().unwrap();
                state.0 = true;
                while !state.1 {
                    state = changed.wait(state).unwrap();
                }
            }
            if self.panic_on.lock().unwrap().as_ref() == Some(key) {
                self.panics.fetch_add(1, Ordering::SeqCst);
                panic!("this store cannot update {key}");
            }
            *self
                .renewals
                .lock()
                .unwrap()
                .entry(key.clone())
                .or_default() += 1;
        }
        self.inner.update(key, f)
    }
    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        self.inner.keys()
    }
    fn ttl(&self) -> Option<Duration> {
        ComputationStore::ttl(&self.inner)
    }
    fn clock(&self) -> Arc<dyn Clock> {
        ComputationStore::clock(&self.inner)
    }
    fn subscribe(&self, key: &Key) -> Option<Subscription> {
        self.inner.subscribe(key)
    }
    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        self.inner.wait_for_change(key, seen_version, deadline)
    }
}

/// A computation on `store` whose body waits for `gate`, then returns 7.
fn gated(store: Arc<Faulty>, gate: Arc<Gate>) -> Computation {
    Computation::new(
        "renewer::gated",
        Runner::new(move |_: ()| {
            gate.wait();
            7u32
        }),
    )
    .store(store)
    .backend(Arc::new(PoolBackend::new(2)))
    .lease(LEASE)
}

#[test]
fn a_store_that_panics_on_one_key_does_not_stop_the_renewals_of_others() {
    let store = Arc::new(Faulty::default());
    let (poisoned_gate, healthy_gate) = (Arc::new(Gate::default()), Arc::new(Gate::default()));
    let poisoned = gated(store.clone(), poisoned_gate.clone()).launch::<u32>(&());
    *store.panic_on.lock().unwrap() = Some(poisoned.key().clone());
    let healthy = gated(store.clone(), healthy_gate.clone()).launch::<u32>(&());

    // The renewer has panicked twice (so it outlived a panic), and renewed
    // the healthy computation four times: well past its 300 ms lease.
    store.until(
        "two panics and four renewals of the healthy computation",
        |s| s.panics.load(Ordering::SeqCst) >= 2 && s.renewals(healthy.key()) >= 4,
    );
    healthy_gate.open();
    assert_eq!(healthy.join_timeout(HANG).unwrap(), 7);

    // The poisoned one was never claimed (the claim is the renewer's
    // update that panics), so it shows `Pending`, owned by this live
    // process; its own worker writes its result.
    assert_eq!(poisoned.status().unwrap(), strand_au::Status::Pending);
    poisoned_gate.open();
    assert_eq!(poisoned.join_timeout(HANG).unwrap(), 7);
}

#[test]
fn a_store_that_blocks_does_not_stall_the_renewals_of_other_stores() {
    let (stuck, fine) = (Arc::new(Faulty::default()), Arc::new(Faulty::default()));
    stuck.block.store(true, Ordering::SeqCst);
    let (stuck_gate, fine_gate) = (Arc::new(Gate::default()), Arc::new(Gate::default()));
    let blocked = gated(stuck.clone(), stuck_gate.clone()).launch::<u32>(&());
    stuck.until("the stuck store's renewer blocked in a call", |s| {
        s.blocked.0.lock().unwrap().0
    });
    let healthy = gated(fine.clone(), fine_gate.clone()).launch::<u32>(&());
    fine.until("four renewals of the healthy computation", |s| {
        s.renewals(healthy.key()) >= 4
    });
    fine_gate.open();
    assert_eq!(healthy.join_timeout(HANG).unwrap(), 7);

    // Released, the stuck store's renewer carries on: its computation
    // completes too (its lease had lapsed meanwhile, for its readers).
    stuck.release();
    stuck_gate.open();
    let _ = blocked.join_timeout(HANG);
}
