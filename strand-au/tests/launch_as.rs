//! `launch_as` and `join_or_launch_as`: a key names one computation. A
//! launch under a key that a live record holds runs nothing and says the
//! key is in use; joining hands back the computation that is there; racing
//! launches on one key run one body.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::HANG;
use crossbeam_channel::{Receiver, Sender};
use strand_au::{
    CancelOutcome, Computation, ComputationHandle, ComputationStore, Key, ManualClock, Runner,
    Status,
};

/// A computation whose body counts its runs and, when `gated`, waits until
/// the test drops the gate's sender.
fn counted(
    name: &'static str,
    store: Arc<dyn ComputationStore>,
    gate: Option<Receiver<()>>,
) -> (Computation, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let c = Computation::new(
        name,
        Runner::new(move |x: u32| {
            counter.fetch_add(1, Ordering::SeqCst);
            if let Some(gate) = &gate {
                let _ = gate.recv_timeout(HANG);
            }
            x * 10
        }),
    )
    .store(store);
    (c, runs)
}

fn gate() -> (Sender<()>, Receiver<()>) {
    crossbeam_channel::bounded(0)
}

fn wait_running<T: serde::de::DeserializeOwned>(handle: &ComputationHandle<T>) {
    let deadline = Instant::now() + HANG;
    while handle.status().unwrap() != Status::Running {
        assert!(Instant::now() < deadline, "never started");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn launch_as_on_a_running_computation_is_key_in_use_and_runs_nothing() {
    for (name, store, _dir) in common::live_stores() {
        let (open, gate) = gate();
        let (c, runs) = counted("t::running", store.clone(), Some(gate));
        let key = Key::new("job-1").unwrap();
        let first = c.launch_as::<u32>(key.clone(), &1);
        wait_running(&first);
        let before = store.load(&key).unwrap().unwrap();

        let second = c.launch_as::<u32>(key.clone(), &2);
        assert_eq!(second.key(), &key);
        let err = second.status().unwrap_err();
        assert!(err.is_key_in_use(), "{name}: {err}");
        assert_eq!(
            err.to_string(),
            "key `job-1` is in use: a computation is recorded under it"
        );
        assert!(second.is_ready(), "{name}: it will never have a result");
        assert!(second.join().unwrap_err().is_key_in_use(), "{name}");
        assert!(second.try_join().unwrap_err().is_key_in_use(), "{name}");
        // The refused handle cannot touch the computation that is there.
        assert!(second.cancel().unwrap_err().is_key_in_use(), "{name}");
        assert!(!second.delete().unwrap(), "{name}");
        assert_eq!(store.load(&key).unwrap().unwrap(), before, "{name}");

        drop(open);
        assert_eq!(first.join_timeout(HANG).unwrap(), 10, "{name}");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "{name}: one body ran");
    }
}

#[test]
fn launch_as_on_a_finished_computation_is_key_in_use() {
    for (name, store, _dir) in common::live_stores() {
        let (c, runs) = counted("t::finished", store.clone(), None);
        let key = Key::new("job-2").unwrap();
        assert_eq!(c.launch_as::<u32>(key.clone(), &1).join().unwrap(), 10);
        let done = store.load(&key).unwrap().unwrap();

        let again = c.launch_as::<u32>(key.clone(), &2);
        assert!(again.join().unwrap_err().is_key_in_use(), "{name}");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "{name}");
        assert_eq!(store.load(&key).unwrap().unwrap(), done, "{name}");
        // Failed and cancelled computations hold their key too.
        let cancelled = Key::new("job-3").unwrap();
        let (open, gate) = gate();
        let (gated, _) = counted("t::finished", store.clone(), Some(gate));
        let h = gated.launch_as::<u32>(cancelled.clone(), &3);
        assert_ne!(h.cancel().unwrap(), CancelOutcome::AlreadyFinished);
        drop(open);
        assert!(h.join_timeout(HANG).unwrap_err().is_cancelled(), "{name}");
        let again = gated.launch_as::<u32>(cancelled, &3);
        assert!(again.join().unwrap_err().is_key_in_use(), "{name}");
    }
}

#[test]
fn launch_as_replaces_an_expired_record() {
    let clock = ManualClock::new(1_000);
    for (name, store, _dir) in common::stores(&clock, Some(Duration::from_secs(60))) {
        let (c, runs) = counted("t::expired", store.clone(), None);
        let c = c.backend(Arc::new(strand_au::InlineBackend));
        let key = Key::new("job-4").unwrap();
        assert_eq!(c.launch_as::<u32>(key.clone(), &1).join().unwrap(), 10);
        clock.advance(Duration::from_secs(61));
        assert_eq!(c.launch_as::<u32>(key.clone(), &2).join().unwrap(), 20);
        assert_eq!(runs.load(Ordering::SeqCst), 2, "{name}");
        assert_eq!(store.get(&key).unwrap().unwrap().args, serde_json::json!(2));
    }
}

#[test]
fn join_or_launch_as_joins_the_computation_that_is_there() {
    for (name, store, _dir) in common::live_stores() {
        let (open, gate) = gate();
        let (c, runs) = counted("t::joined", store.clone(), Some(gate));
        let key = Key::new("job-5").unwrap();
        let first = c.join_or_launch_as::<u32>(key.clone(), &1);
        wait_running(&first);
        // Running: joined, whatever the arguments.
        let second = c.join_or_launch_as::<u32>(key.clone(), &2);
        assert_eq!(second.status().unwrap(), Status::Running, "{name}");
        drop(open);
        assert_eq!(first.join_timeout(HANG).unwrap(), 10, "{name}");
        assert_eq!(second.join_timeout(HANG).unwrap(), 10, "{name}");
        // Finished: joined too.
        let third = c.join_or_launch_as::<u32>(key.clone(), &3);
        assert_eq!(third.try_join().unwrap(), 10, "{name}");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "{name}: one body ran");

        // A record of another function under the key is not joined.
        let (other, other_runs) = counted("t::other", store.clone(), None);
        let err = other.join_or_launch_as::<u32>(key, &4).join().unwrap_err();
        assert!(err.is_key_in_use(), "{name}: {err}");
        assert_eq!(other_runs.load(Ordering::SeqCst), 0, "{name}");
    }
}

#[test]
fn join_or_launch_as_launches_on_a_free_key() {
    for (name, store, _dir) in common::live_stores() {
        let (c, runs) = counted("t::free", store.clone(), None);
        let handle = c.join_or_launch_as::<u32>(Key::new("job-6").unwrap(), &4);
        assert_eq!(handle.join_timeout(HANG).unwrap(), 40, "{name}");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "{name}");
    }
}

/// `threads` threads launch on one fresh key at once with `launch`; returns
/// how many handles were not refused, and how many bodies ran.
fn race(
    store: &Arc<dyn ComputationStore>,
    key: &Key,
    threads: u32,
    launch: fn(&Computation, Key, u32) -> ComputationHandle<u32>,
) -> (Vec<u32>, usize) {
    let (c, runs) = counted("t::race", store.clone(), None);
    let c = Arc::new(c);
    let barrier = Arc::new(Barrier::new(threads as usize));
    let threads: Vec<_> = (0..threads)
        .map(|i| {
            let (c, key, barrier) = (c.clone(), key.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                launch(&c, key, i).join_timeout(HANG)
            })
        })
        .collect();
    let mut values = Vec::new();
    for t in threads {
        match t.join().unwrap() {
            Ok(value) => values.push(value),
            Err(e) => assert!(e.is_key_in_use(), "{e}"),
        }
    }
    (values, runs.load(Ordering::SeqCst))
}

#[test]
fn racing_launch_as_on_one_key_runs_exactly_one_body() {
    for (name, store, _dir) in common::live_stores() {
        for round in 0..10 {
            let key = Key::new(format!("race-{round}")).unwrap();
            let (values, runs) = race(&store, &key, 6, |c, key, i| c.launch_as(key, &i));
            assert_eq!(runs, 1, "{name}: bodies run");
            assert_eq!(values.len(), 1, "{name}: {values:?}");
            let stored = store.get(&key).unwrap().unwrap();
            assert_eq!(stored.value, Some(serde_json::json!(values[0])), "{name}");
        }
    }
}

#[test]
fn racing_join_or_launch_as_on_one_key_shares_one_computation() {
    for (name, store, _dir) in common::live_stores() {
        for round in 0..10 {
            let key = Key::new(format!("join-race-{round}")).unwrap();
            let (values, runs) = race(&store, &key, 6, |c, key, i| c.join_or_launch_as(key, &i));
            assert_eq!(runs, 1, "{name}: bodies run");
            assert_eq!(values.len(), 6, "{name}: every caller got the result");
            assert!(values.iter().all(|v| *v == values[0]), "{values:?}");
        }
    }
}
