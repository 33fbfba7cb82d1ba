//! The lazy claim (`CLAIM_AFTER`): a short computation writes two records, a
//! long one is claimed `Running` with a lease, progress claims at once, and a
//! cancel in the worker's process never answers `NotStarted` for a body that
//! has started.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use common::{HANG, ReportingBackend};
use strand_au::{
    CancelOutcome, Clock, Computation, ComputationStore, InlineBackend, Key, Record, Runner,
    Status, StoreError, Subscription, ThreadBackend, UpdateAction, Updated,
};

/// A gate bodies can wait on; opened by the test.
#[derive(Default, Clone)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn wait(&self) {
        let (m, c) = &*self.0;
        let mut open = m.lock().unwrap();
        while !*open {
            open = c.wait(open).unwrap();
        }
    }
    fn open(&self) {
        let (m, c) = &*self.0;
        *m.lock().unwrap() = true;
        c.notify_all();
    }
}

#[test]
fn a_short_computation_writes_pending_then_its_result() {
    for (name, store, _dir) in common::live_stores() {
        let c = Computation::new("lazy::double", Runner::new(|x: u32| x * 2))
            .store(store.clone())
            .backend(Arc::new(InlineBackend));
        let h = c.launch::<u32>(&21);
        assert_eq!(h.join().unwrap(), 42, "{name}");
        let r = h.record().unwrap();
        // Version 1 was `Pending`; the result, with the start, is version 2.
        assert_eq!(
            (r.status, r.version, r.attempts),
            (Status::Completed, 2, 1),
            "{name}"
        );
        assert!(r.started_at.is_some() && r.duration().is_some(), "{name}");
        assert!(r.lease.is_none(), "{name}");
    }
}

#[test]
fn a_long_body_is_claimed_running_with_a_lease() {
    for (name, store, _dir) in common::live_stores() {
        let gate = Gate::default();
        let g = gate.clone();
        let c = Computation::new(
            "lazy::gated",
            Runner::new(move |x: u32| {
                g.wait();
                x
            }),
        )
        .store(store.clone())
        .backend(Arc::new(ThreadBackend::new()));
        let h = c.launch::<u32>(&7);
        // The renewer claims it once it has run for CLAIM_AFTER.
        let deadline = std::time::Instant::now() + HANG;
        while h.status().unwrap() != Status::Running {
            assert!(
                std::time::Instant::now() < deadline,
                "{name}: never claimed"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let r = h.record().unwrap();
        assert!(r.lease.is_some() && r.started_at.is_some(), "{name}: {r:?}");
        assert_eq!(r.attempts, 1, "{name}");
        gate.open();
        assert_eq!(h.join_timeout(HANG).unwrap(), 7, "{name}");
        let r = h.record().unwrap();
        assert_eq!((r.status, r.version), (Status::Completed, 3), "{name}");
        assert!(r.lease.is_none(), "{name}");
    }
}

#[test]
fn progress_claims_the_record_at_once() {
    for (name, store, _dir) in common::live_stores() {
        let seen = Arc::new(Mutex::new(None));
        let (s, st) = (seen.clone(), store.clone());
        let c = Computation::new(
            "lazy::progress",
            Runner::new(move |_: ()| {
                let me = strand_au::current_computation();
                assert!(me.set_progress(0.5, "half").unwrap());
                *s.lock().unwrap() = st.load(me.key().unwrap()).unwrap();
            }),
        )
        .store(store.clone())
        .backend(Arc::new(InlineBackend));
        c.launch::<()>(&()).join().unwrap();
        let r = seen.lock().unwrap().take().unwrap();
        assert_eq!(r.status, Status::Running, "{name}");
        assert!(r.lease.is_some(), "{name}");
        assert_eq!(r.progress.unwrap().fraction, 0.5, "{name}");
    }
}

#[test]
fn a_cancel_in_process_after_the_body_started_is_requested() {
    for (name, store, _dir) in common::live_stores() {
        for _ in 0..20 {
            let (started_tx, started_rx) = mpsc::channel();
            let started_tx = Mutex::new(started_tx);
            let c = Computation::new(
                "lazy::cancelled",
                Runner::new(move |_: ()| {
                    let me = strand_au::current_computation();
                    started_tx.lock().unwrap().send(()).unwrap();
                    let deadline = std::time::Instant::now() + HANG;
                    while !me.is_cancelled() {
                        assert!(std::time::Instant::now() < deadline, "never told");
                        std::thread::yield_now();
                    }
                    1u8
                }),
            )
            .store(store.clone())
            .backend(Arc::new(ThreadBackend::new()));
            let h = c.launch::<u8>(&());
            started_rx.recv_timeout(HANG).unwrap();
            // The record may still say `Pending` (not claimed yet), but the
            // body runs: the answer must not be `NotStarted`.
            assert_eq!(h.cancel().unwrap(), CancelOutcome::Requested, "{name}");
            assert!(h.join_timeout(HANG).unwrap_err().is_cancelled(), "{name}");
        }
    }
}

/// A store that reports the updates made to a `Cancelled` record by threads
/// other than the ones it was told to ignore: in
/// `a_claim_never_replaces_a_terminal_status`, that leaves the lease
/// renewer's claims.
#[derive(Debug)]
struct ClaimWatch {
    inner: Arc<dyn ComputationStore>,
    ignored: Mutex<Vec<ThreadId>>,
    seen: mpsc::Sender<()>,
}

impl ClaimWatch {
    fn ignore_this_thread(&self) {
        self.ignored
            .lock()
            .unwrap()
            .push(std::thread::current().id());
    }
}

impl ComputationStore for ClaimWatch {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.inner.load(key)
    }
    fn put(&self, key: &Key, record: Record) -> Result<(), StoreError> {
        self.inner.put(key, record)
    }
    fn put_new(&self, key: &Key, record: Record) -> Result<(), StoreError> {
        self.inner.put_new(key, record)
    }
    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        let mut on_cancelled = false;
        let updated = self.inner.update(key, &mut |r| {
            on_cancelled = r.status == Status::Cancelled;
            f(r)
        });
        let me = std::thread::current().id();
        if on_cancelled && !self.ignored.lock().unwrap().contains(&me) {
            let _ = self.seen.send(());
        }
        updated
    }
    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        self.inner.keys()
    }
    fn ttl(&self) -> Option<Duration> {
        self.inner.ttl()
    }
    fn clock(&self) -> Arc<dyn Clock> {
        self.inner.clock()
    }
    fn create_key(&self) -> Key {
        self.inner.create_key()
    }
    fn notify_changed(&self, key: &Key) {
        self.inner.notify_changed(key);
    }
    fn reads_block(&self) -> bool {
        self.inner.reads_block()
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

#[test]
fn a_claim_never_replaces_a_terminal_status() {
    // Cancel while the body runs unclaimed, then keep the body running
    // until the renewer has tried to claim the record: the claim must leave
    // `Cancelled` in place, and so must the body's late result.
    for (name, store, _dir) in common::live_stores() {
        let (seen_tx, seen_rx) = mpsc::channel();
        let watch = Arc::new(ClaimWatch {
            inner: store,
            ignored: Mutex::new(Vec::new()),
            seen: seen_tx,
        });
        watch.ignore_this_thread();
        let (backend, ends) = ReportingBackend::new();
        let gate = Gate::default();
        let (started_tx, started_rx) = mpsc::channel();
        let started_tx = Mutex::new(started_tx);
        let seen_rx = Mutex::new(seen_rx);
        let tried = Arc::new(AtomicBool::new(false));
        let (g, w, t) = (gate.clone(), watch.clone(), tried.clone());
        let c = Computation::new(
            "lazy::late",
            Runner::new(move |_: ()| {
                // The body's own writes (its result) are not the claim.
                w.ignore_this_thread();
                started_tx.lock().unwrap().send(()).unwrap();
                g.wait();
                seen_rx
                    .lock()
                    .unwrap()
                    .recv_timeout(HANG)
                    .expect("the renewer never tried to claim the cancelled record");
                t.store(true, Ordering::SeqCst);
                2u8
            }),
        )
        .store(watch.clone())
        .backend(backend);
        let h = c.launch::<u8>(&());
        started_rx.recv_timeout(HANG).unwrap();
        h.cancel().unwrap();
        gate.open();
        assert!(h.join_timeout(HANG).unwrap_err().is_cancelled(), "{name}");
        // The claim was tried, the body returned, and the job has ended.
        ends.wait_for(h.key());
        assert!(tried.load(Ordering::SeqCst), "{name}: no claim was tried");
        let r = h.record().unwrap();
        assert_eq!(r.status, Status::Cancelled, "{name}: {r:?}");
    }
}
