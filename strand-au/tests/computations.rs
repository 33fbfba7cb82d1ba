//! Handles and computations end to end: states, results, failures,
//! cancellation, metadata, progress, TTL, shared infrastructure.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::time::Duration;

use common::{HANG, ReportingBackend};
use serde_json::json;
use strand_au::{
    CancelOutcome, Computation, ComputationError, ComputationHandle, ComputationStore,
    InlineBackend, Key, ManualClock, MemoryStore, PoolBackend, Runner, Status, TempStore,
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
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
}

fn wait_status<T: serde::de::DeserializeOwned>(h: &ComputationHandle<T>, want: Status) {
    let deadline = std::time::Instant::now() + HANG;
    while h.status().unwrap() != want {
        assert!(std::time::Instant::now() < deadline, "never reached {want}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn result_readiness_and_duration() {
    for (name, store, _dir) in common::live_stores() {
        let gate = Gate::default();
        let g = gate.clone();
        let c = Computation::new(
            "t::gated",
            Runner::new(move |x: u32| {
                g.wait();
                std::thread::sleep(Duration::from_millis(5));
                x + 1
            }),
        )
        .store(store.clone());
        let h = c.launch::<u32>(&41);
        assert!(!h.is_ready(), "{name}");
        assert!(
            matches!(h.try_join(), Err(ComputationError::NotReady(_))),
            "{name}"
        );
        wait_status(&h, Status::Running);
        let r = h.record().unwrap();
        assert!(r.started_at.is_some() && r.lease.is_some(), "{name}");
        assert_eq!(h.duration().unwrap(), None);
        gate.open();
        assert_eq!(h.join_timeout(HANG).unwrap(), 42, "{name}");
        assert!(h.is_ready());
        assert_eq!(h.status().unwrap(), Status::Completed);
        assert!(
            h.duration().unwrap().unwrap() >= Duration::from_millis(5),
            "{name}"
        );
        assert_eq!(
            h.record().unwrap().lease,
            None,
            "{name}: lease dropped when finished"
        );
        // The result can be read again, any number of times.
        assert_eq!(h.try_join().unwrap(), 42);
        assert_eq!(h.join().unwrap(), 42);
    }
}

#[test]
fn result_with_and_without_timeout() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let gate = Gate::default();
    let g = gate.clone();
    let c = Computation::new(
        "t::slow",
        Runner::new(move |_: ()| {
            g.wait();
            "done".to_string()
        }),
    )
    .store(store);
    let h = c.launch::<String>(&());
    let err = h.join_timeout(Duration::from_millis(20)).unwrap_err();
    assert!(err.is_wait_timeout());
    assert_eq!(err.to_string(), "timed out waiting for computation");
    let err = h.join_deadline(std::time::Instant::now()).unwrap_err();
    assert!(err.is_wait_timeout());
    gate.open();
    // The handle is still usable after a timeout.
    assert_eq!(h.join().unwrap(), "done");
}

#[test]
fn handle_states_pending_running_completed() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let pool = PoolBackend::from_pool(strand::Pool::new(1));
    let gate = Gate::default();
    let g = gate.clone();
    let c = Computation::new(
        "t::states",
        Runner::new(move |x: u8| {
            g.wait();
            x
        }),
    )
    .store(store)
    .backend(Arc::new(pool));
    let first = c.launch::<u8>(&1);
    wait_status(&first, Status::Running);
    let second = c.launch::<u8>(&2); // queued behind the first on a 1-worker pool
    assert_eq!(second.status().unwrap(), Status::Pending);
    gate.open();
    assert_eq!((first.join().unwrap(), second.join().unwrap()), (1, 2));
    assert_eq!(second.status().unwrap(), Status::Completed);
}

#[test]
fn failure_returned_error_and_panic() {
    for (name, store, _dir) in common::live_stores() {
        let c = Computation::new(
            "t::may_fail",
            Runner::fallible(|x: i64| {
                if x < 0 {
                    Err(format!("x must be positive, got {x}"))
                } else if x == 0 {
                    panic!("zero is not allowed")
                } else {
                    Ok(x * x)
                }
            }),
        )
        .store(store.clone());
        let err = c.launch::<i64>(&-5).join_timeout(HANG).unwrap_err();
        assert!(err.is_failed(), "{name}: {err}");
        assert_eq!(err.message(), Some("x must be positive, got -5"));
        let h = c.launch::<i64>(&0);
        let err = h.join_timeout(HANG).unwrap_err();
        assert!(err.is_panic(), "{name}: {err}");
        assert_eq!(err.to_string(), "computation panicked: zero is not allowed");
        assert_eq!(h.status().unwrap(), Status::Failed);
        assert_eq!(
            h.record().unwrap().error.unwrap().kind,
            strand_au::ErrorKind::Panicked
        );
        // Error recovery: the same store and backend keep working.
        assert_eq!(
            c.launch::<i64>(&7).join_timeout(HANG).unwrap(),
            49,
            "{name}"
        );
    }
}

#[test]
fn unknown_key_and_wrong_type_are_their_own_errors() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let h = ComputationHandle::<u32>::from_key(Key::new("nope").unwrap(), store.clone());
    let err = h.join_timeout(HANG).unwrap_err();
    assert!(err.is_unknown_key(), "{err}");
    assert!(
        h.is_ready(),
        "an unknown key never becomes ready, so waiting returns at once"
    );
    assert!(h.cancel().unwrap_err().is_unknown_key());
    let c = Computation::new("t::text", Runner::new(|_: ()| "text")).store(store.clone());
    let h = c.launch::<String>(&());
    h.join().unwrap();
    let wrong = ComputationHandle::<u32>::from_key(h.key().clone(), store);
    assert!(wrong.join().unwrap_err().is_decode());
}

#[test]
fn cancel_before_start_never_runs() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let pool = PoolBackend::from_pool(strand::Pool::new(1));
    let gate = Gate::default();
    let ran = Arc::new(AtomicUsize::new(0));
    let (g, r) = (gate.clone(), ran.clone());
    let c = Computation::new(
        "t::cancel_pending",
        Runner::new(move |x: u8| {
            g.wait();
            r.fetch_add(1, Ordering::SeqCst);
            x
        }),
    )
    .store(store)
    .backend(Arc::new(pool));
    let blocker = c.launch::<u8>(&1);
    wait_status(&blocker, Status::Running);
    let queued = c.launch::<u8>(&2);
    assert_eq!(queued.cancel().unwrap(), CancelOutcome::NotStarted);
    assert_eq!(queued.status().unwrap(), Status::Cancelled);
    gate.open();
    blocker.join().unwrap();
    // The pool worker dequeued the cancelled job; it must not have run it.
    let again = c.launch::<u8>(&3);
    assert_eq!(again.join().unwrap(), 3);
    assert_eq!(
        ran.load(Ordering::SeqCst),
        2,
        "the cancelled computation ran"
    );
    assert!(queued.join().unwrap_err().is_cancelled());
    assert_eq!(queued.record().unwrap().attempts, 0);
}

#[test]
fn cancel_running_is_cooperative_and_after_completion_is_a_no_op() {
    for (name, store, _dir) in common::live_stores() {
        let (backend, ends) = ReportingBackend::new();
        let saw_cancel = Arc::new(AtomicBool::new(false));
        let s = saw_cancel.clone();
        let c = Computation::new(
            "t::loop",
            Runner::new(move |_: ()| {
                let me = strand_au::current_computation();
                let mut n = 0u64;
                while !me.is_cancelled() {
                    n += 1;
                    std::thread::sleep(Duration::from_millis(1));
                }
                s.store(true, Ordering::SeqCst);
                n
            }),
        )
        .store(store.clone())
        .backend(backend);
        let h = c.launch::<u64>(&());
        wait_status(&h, Status::Running);
        assert_eq!(h.cancel().unwrap(), CancelOutcome::Requested, "{name}");
        assert!(h.join_timeout(HANG).unwrap_err().is_cancelled(), "{name}");
        // The body returned, its value offered to the record, and the job ended.
        ends.wait_for(h.key());
        assert!(
            saw_cancel.load(Ordering::SeqCst),
            "{name}: body never saw the cancellation"
        );
        // Its value was discarded: the record stays cancelled.
        assert_eq!(h.status().unwrap(), Status::Cancelled, "{name}");

        let done = Computation::new("t::quick", Runner::new(|x: u8| x))
            .store(store.clone())
            .launch::<u8>(&9);
        assert_eq!(done.join().unwrap(), 9);
        assert_eq!(
            done.cancel().unwrap(),
            CancelOutcome::AlreadyFinished,
            "{name}"
        );
        assert_eq!(
            done.join().unwrap(),
            9,
            "{name}: cancel after completion changes nothing"
        );
    }
}

#[test]
fn metadata_and_progress() {
    for (name, store, _dir) in common::live_stores() {
        let gate = Gate::default();
        let g = gate.clone();
        let c = Computation::new(
            "t::progress",
            Runner::new(move |steps: u32| {
                let me = strand_au::current_computation();
                assert!(me.is_computation());
                me.set_metadata("stage", json!("started")).unwrap();
                me.set_progress(0.5, "halfway").unwrap();
                g.wait();
                for i in 0..steps {
                    me.set_progress(
                        f64::from(i + 1) / f64::from(steps),
                        &format!("step {}", i + 1),
                    )
                    .unwrap();
                }
                steps
            }),
        )
        .store(store.clone())
        .metadata("owner", json!("tests"));
        let h = c.launch::<u32>(&4);
        let deadline = std::time::Instant::now() + HANG;
        while h.progress().unwrap().is_none() {
            assert!(std::time::Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(1));
        }
        let p = h.progress().unwrap().unwrap();
        assert_eq!((p.fraction, p.message.as_str()), (0.5, "halfway"), "{name}");
        gate.open();
        assert_eq!(h.join_timeout(HANG).unwrap(), 4);
        let p = h.progress().unwrap().unwrap();
        assert_eq!((p.fraction, p.message.as_str()), (1.0, "step 4"), "{name}");
        let meta = h.metadata().unwrap();
        assert_eq!(meta["owner"], json!("tests"), "{name}");
        assert_eq!(meta["stage"], json!("started"), "{name}");
    }
    // Outside a computation these do nothing.
    let me = strand_au::current_computation();
    assert!(!me.is_computation() && me.key().is_none() && !me.is_cancelled());
    assert!(!me.set_progress(0.5, "x").unwrap());
}

#[test]
fn progress_after_cancel_is_refused_and_tells_the_body() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let (backend, ends) = ReportingBackend::new();
    let gate = Gate::default();
    let g = gate.clone();
    let c = Computation::new(
        "t::late_progress",
        Runner::new(move |_: ()| {
            g.wait();
            let me = strand_au::current_computation();
            let recorded = me.set_progress(0.9, "late").unwrap();
            (recorded, me.is_cancelled())
        }),
    )
    .store(store.clone())
    .backend(backend);
    let h = c.launch::<(bool, bool)>(&());
    wait_status(&h, Status::Running);
    h.cancel().unwrap();
    gate.open();
    assert!(h.join().unwrap_err().is_cancelled());
    // The body has reported its late progress and the job has ended.
    ends.wait_for(h.key());
    assert_eq!(
        h.progress().unwrap(),
        None,
        "progress revived a cancelled record"
    );
    assert_eq!(h.status().unwrap(), Status::Cancelled);
}

#[test]
fn ttl_configuration_per_function_and_per_store() {
    let clock = ManualClock::new(0);
    let store: Arc<dyn ComputationStore> = Arc::new(
        MemoryStore::new()
            .ttl(Duration::from_secs(100))
            .clock(clock.clone()),
    );
    let long = Computation::new("t::long", Runner::new(|x: u8| x))
        .store(store.clone())
        .backend(Arc::new(InlineBackend));
    let short = long.clone().ttl(Duration::from_secs(10));
    let a = long.launch::<u8>(&1);
    let b = short.launch::<u8>(&2);
    assert_eq!(a.record().unwrap().expires_at, Some(100_000));
    assert_eq!(b.record().unwrap().expires_at, Some(10_000));
    clock.set(50_000);
    assert_eq!(short.cleanup_expired().unwrap(), 1);
    assert_eq!(a.join().unwrap(), 1);
    assert!(b.join().unwrap_err().is_unknown_key());
}

#[test]
fn temporary_scope_cleans_up() {
    let dir;
    {
        let temp = TempStore::new()
            .unwrap()
            .configure(|s| s.ttl(Duration::from_secs(60)));
        dir = temp.dir().to_path_buf();
        let c = Computation::new("t::temp", Runner::new(|x: u64| x * x)).store(temp.shared());
        let handles: Vec<_> = (0..5u64).map(|i| c.launch::<u64>(&i)).collect();
        let sum: u64 = handles.iter().map(|h| h.join_timeout(HANG).unwrap()).sum();
        assert_eq!(sum, 30);
        assert_eq!(temp.len().unwrap(), 5);
    }
    assert!(!dir.exists());
}

#[test]
fn shared_infrastructure_two_functions_one_store() {
    let temp = TempStore::new().unwrap();
    let store = temp.shared();
    let backend: Arc<dyn strand_au::ComputationBackend> = Arc::new(PoolBackend::new(2));
    let step1 = Computation::new(
        "t::step1",
        Runner::new(|v: Vec<i32>| v.into_iter().map(|x| x * 2).collect::<Vec<_>>()),
    )
    .store(store.clone())
    .backend(backend.clone());
    let step2 = Computation::new("t::step2", Runner::new(|v: Vec<i32>| v.iter().sum::<i32>()))
        .store(store.clone())
        .backend(backend);
    let h1 = step1.launch::<Vec<i32>>(&vec![1, 2, 3]);
    let pre = h1.join_timeout(HANG).unwrap();
    let h2 = step2.launch::<i32>(&pre);
    assert_eq!(h2.join_timeout(HANG).unwrap(), 12);
    assert_eq!(store.len().unwrap(), 2);
    let names: std::collections::BTreeSet<String> = store
        .keys()
        .unwrap()
        .iter()
        .map(|k| store.get(k).unwrap().unwrap().function)
        .collect();
    assert_eq!(
        names,
        ["t::step1".to_string(), "t::step2".to_string()].into()
    );
}

#[test]
fn end_to_end_from_key_in_a_fresh_store_instance() {
    let temp = TempStore::new().unwrap();
    let c = Computation::new(
        "t::e2e",
        Runner::new(|(a, b): (String, u32)| a.repeat(b as usize)),
    )
    .store(temp.shared());
    let h = c.launch::<String>(&("ab", 3));
    let id = h.key().to_string();
    // A "web handler" that only knows the id and the directory:
    let store: Arc<dyn ComputationStore> = Arc::new(strand_au::FileSystemStore::new(temp.dir()));
    let seen = ComputationHandle::<String>::from_key(id.parse().unwrap(), store);
    assert_eq!(seen.join_timeout(HANG).unwrap(), "ababab");
    let r = seen.record().unwrap();
    assert_eq!(
        (r.function.as_str(), r.args.clone(), r.attempts),
        ("t::e2e", json!(["ab", 3]), 1)
    );
    assert!(seen.delete().unwrap());
    assert!(h.join().unwrap_err().is_unknown_key());
}

#[test]
fn launch_failures_are_reported_by_the_handle() {
    #[derive(Debug)]
    struct Refuse;
    impl strand_au::ComputationBackend for Refuse {
        fn launch(&self, _job: strand_au::Job) -> Result<(), strand_au::LaunchError> {
            Err(strand_au::LaunchError::new("no capacity"))
        }
    }
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let c = Computation::new("t::refused", Runner::new(|x: u8| x))
        .store(store.clone())
        .backend(Arc::new(Refuse));
    let h = c.launch::<u8>(&1);
    let err = h.join().unwrap_err();
    assert!(err.is_store(), "{err}");
    assert!(err.to_string().contains("no capacity"));
    // Arguments that cannot be serialized (a map with non-string keys).
    let bad: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
    let h = c
        .clone()
        .backend(Arc::new(InlineBackend))
        .launch::<u8>(&bad);
    assert!(h.join().unwrap_err().is_decode());
}

#[test]
fn ten_thousand_computations_then_cleanup() {
    let clock = ManualClock::new(0);
    let temp = TempStore::new()
        .unwrap()
        .configure(|s| s.ttl(Duration::from_secs(60)).clock(clock.clone()));
    let c = Computation::new("t::many", Runner::new(|x: u32| x % 7))
        .store(temp.shared())
        .backend(Arc::new(PoolBackend::new(2)));
    let handles: Vec<_> = (0..10_000u32).map(|i| c.launch::<u32>(&i)).collect();
    let sum: u64 = handles
        .iter()
        .map(|h| u64::from(h.join_timeout(HANG).unwrap()))
        .sum();
    assert_eq!(sum, (0..10_000u64).map(|x| x % 7).sum::<u64>());
    assert_eq!(temp.len().unwrap(), 10_000);
    clock.advance(Duration::from_secs(61));
    assert_eq!(temp.cleanup_expired().unwrap(), 10_000);
    assert_eq!(temp.len().unwrap(), 0);
}

#[test]
fn concurrent_waiters_on_one_handle() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let gate = Gate::default();
    let g = gate.clone();
    let c = Computation::new(
        "t::many_waiters",
        Runner::new(move |x: u32| {
            g.wait();
            x
        }),
    )
    .store(store);
    let h = c.launch::<u32>(&5);
    let barrier = Arc::new(Barrier::new(9));
    let waiters: Vec<_> = (0..8)
        .map(|_| {
            let h = h.clone();
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
                h.join_timeout(HANG)
            })
        })
        .collect();
    barrier.wait();
    gate.open();
    for w in waiters {
        assert_eq!(w.join().unwrap().unwrap(), 5);
    }
}
