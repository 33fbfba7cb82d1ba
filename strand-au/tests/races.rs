//! Races: cancel against completion, progress against completion, and torn
//! reads under concurrent writers (with a control run that must tear).

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{HANG, ReportingBackend};
use serde_json::json;
use strand_au::{
    CancelOutcome, Computation, ComputationStore, FileSystemStore, Key, MemoryStore, Record,
    Runner, Status, StoreError, UpdateAction, Updated,
};

/// Store level: two threads finish one record at once; exactly one wins and
/// the record keeps the winner's status for ever.
#[test]
fn first_terminal_status_wins_at_the_store() {
    for (name, store, _dir) in common::live_stores() {
        let rounds = if name == "memory" { 2000 } else { 300 };
        let mut wins = [0usize; 2];
        for _ in 0..rounds {
            let key = store.create_key();
            let mut r = Record::pending("f", json!(null), 0);
            r.start("w", 0, 60_000);
            store.put(&key, r).unwrap();
            let barrier = Arc::new(Barrier::new(2));
            let spawn = |cancel: bool| {
                let (store, key, barrier) = (store.clone(), key.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let u = store
                        .update(&key, &mut |r| {
                            UpdateAction::write_if(if cancel {
                                r.cancel(1)
                            } else {
                                r.complete(json!(42), 1)
                            })
                        })
                        .unwrap();
                    matches!(u, Updated::Written(_))
                })
            };
            let (c, d) = (spawn(true), spawn(false));
            let (cancel_won, complete_won) = (c.join().unwrap(), d.join().unwrap());
            assert!(
                cancel_won ^ complete_won,
                "{name}: exactly one writer must win"
            );
            let final_status = store.get(&key).unwrap().unwrap().status;
            let expected = if cancel_won {
                Status::Cancelled
            } else {
                Status::Completed
            };
            assert_eq!(final_status, expected, "{name}");
            wins[usize::from(cancel_won)] += 1;
        }
        assert_eq!(wins[0] + wins[1], rounds);
    }
}

/// Through the public API: `cancel()` racing a body that returns at once.
#[test]
fn cancel_racing_completion_never_erases_the_winner() {
    for (name, store, _dir) in common::live_stores() {
        let rounds = if name == "memory" { 500 } else { 150 };
        let (backend, ends) = ReportingBackend::new();
        let c = Computation::new("r::instant", Runner::new(|x: u32| x))
            .store(store.clone())
            .backend(backend);
        for i in 0..rounds {
            let h = c.launch::<u32>(&i);
            let outcome = h.cancel().unwrap();
            let result = h.join_timeout(HANG);
            match outcome {
                CancelOutcome::NotStarted | CancelOutcome::Requested => {
                    assert!(
                        result.unwrap_err().is_cancelled(),
                        "{name}: a cancel that won was erased"
                    );
                }
                CancelOutcome::AlreadyFinished => assert_eq!(result.unwrap(), i, "{name}"),
                other => panic!("{other:?}"),
            }
            // And it stays that way once the worker is done.
            let status = h.status().unwrap();
            ends.wait_for(h.key());
            assert_eq!(
                h.status().unwrap(),
                status,
                "{name}: status changed after finishing"
            );
        }
    }
}

/// Progress reports racing the completion never revive the record.
#[test]
fn progress_racing_completion_never_revives() {
    for (name, store, _dir) in common::live_stores() {
        let rounds = if name == "memory" { 1000 } else { 200 };
        for _ in 0..rounds {
            let key = store.create_key();
            let mut r = Record::pending("f", json!(null), 0);
            r.start("w", 0, 60_000);
            store.put(&key, r).unwrap();
            let barrier = Arc::new(Barrier::new(2));
            let reporter = {
                let (store, key, barrier) = (store.clone(), key.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for i in 0..5 {
                        store
                            .update(&key, &mut |r| {
                                UpdateAction::write_if(r.set_progress(f64::from(i) / 5.0, "p", 1))
                            })
                            .unwrap();
                    }
                })
            };
            barrier.wait();
            store
                .update(&key, &mut |r| {
                    UpdateAction::write_if(r.complete(json!(1), 2))
                })
                .unwrap();
            let after_complete = store.get(&key).unwrap().unwrap();
            reporter.join().unwrap();
            let end = store.get(&key).unwrap().unwrap();
            assert_eq!(end.status, Status::Completed, "{name}");
            assert_eq!(end.value, Some(json!(1)), "{name}");
            assert_eq!(
                end.version, after_complete.version,
                "{name}: progress written after completion"
            );
        }
    }
}

/// Body-level: a body reporting progress in a loop while it is cancelled.
#[test]
fn progress_from_a_body_racing_cancel() {
    let store: Arc<dyn ComputationStore> = Arc::new(MemoryStore::new());
    let (backend, ends) = ReportingBackend::new();
    let c = Computation::new(
        "r::reporting",
        Runner::new(|n: u32| {
            let me = strand_au::current_computation();
            let mut refused = 0;
            for i in 0..n {
                if !me
                    .set_progress(f64::from(i) / f64::from(n), "working")
                    .unwrap()
                {
                    refused += 1;
                }
            }
            refused
        }),
    )
    .store(store.clone())
    .backend(backend);
    for _ in 0..100 {
        let h = c.launch::<u32>(&200);
        let _ = h.cancel().unwrap();
        let _ = h.join_timeout(HANG);
        let status = h.status().unwrap();
        assert!(status.is_terminal());
        // The job has ended: its worker writes nothing more.
        ends.wait_for(h.key());
        let again = h.record().unwrap();
        assert_eq!(again.status, status, "status changed after finishing");
    }
}

const RECORD_BYTES: usize = 70 * 1024;

fn big_record(fill: char) -> Record {
    let mut r = Record::pending("torn", json!(null), 0);
    r.metadata.insert("fill".into(), json!(fill.to_string()));
    r.metadata.insert(
        "payload".into(),
        json!(fill.to_string().repeat(RECORD_BYTES)),
    );
    r
}

/// Whether a read is a whole record: decodes, and its payload is all the
/// fill character it names.
fn is_whole(read: Result<Option<Record>, StoreError>) -> Option<bool> {
    match read {
        Ok(Some(r)) => {
            let fill = *r.metadata.get("fill")?.as_str()?.as_bytes().first()?;
            let payload = r.metadata.get("payload")?.as_str()?;
            Some(payload.len() == RECORD_BYTES && payload.bytes().all(|b| b == fill))
        }
        Ok(None) => None, // between an in-place writer's unlink/create; not a record
        Err(StoreError::Corrupt { .. }) => Some(false),
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Runs `writers` writing records to `key` until `stop`, while 2 readers load;
/// returns (reads, torn reads).
fn stress(
    store: &FileSystemStore,
    key: &Key,
    atomic: bool,
    deadline: Instant,
    min_reads: usize,
) -> (usize, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let torn = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = ['a', 'b']
        .into_iter()
        .map(|fill| {
            let (store, key, stop) = (store.clone(), key.clone(), stop.clone());
            std::thread::spawn(move || {
                let record = big_record(fill);
                let bytes = serde_json::to_vec(&record).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    if atomic {
                        store.put(&key, record.clone()).unwrap();
                    } else {
                        // The deliberately broken writer: in place, in chunks.
                        let mut f = std::fs::OpenOptions::new()
                            .write(true)
                            .create(true)
                            .truncate(true)
                            .open(store.path_of(&key))
                            .unwrap();
                        for chunk in bytes.chunks(8 * 1024) {
                            f.write_all(chunk).unwrap();
                            std::thread::yield_now();
                        }
                    }
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (store, key, stop) = (store.clone(), key.clone(), stop.clone());
            let (reads, torn) = (reads.clone(), torn.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(whole) = is_whole(store.load(&key)) {
                        reads.fetch_add(1, Ordering::Relaxed);
                        if !whole {
                            torn.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    loop {
        std::thread::sleep(Duration::from_millis(5));
        let enough = reads.load(Ordering::Relaxed) >= min_reads;
        // The control run stops as soon as it has proven tearing.
        let proven = !atomic && torn.load(Ordering::Relaxed) > 0;
        if enough || proven || Instant::now() > deadline {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for t in writers.into_iter().chain(readers) {
        t.join().unwrap();
    }
    (reads.load(Ordering::Relaxed), torn.load(Ordering::Relaxed))
}

#[test]
fn concurrent_readers_never_see_a_torn_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path());
    let key = Key::new("hot").unwrap();
    store.put(&key, big_record('a')).unwrap();
    assert!(std::fs::metadata(store.path_of(&key)).unwrap().len() >= 64 * 1024);

    let (reads, torn) = stress(
        &store,
        &key,
        true,
        Instant::now() + Duration::from_secs(60),
        2000,
    );
    assert!(reads > 0, "the readers never read");
    assert_eq!(torn, 0, "{torn} of {reads} reads saw a torn record");

    // Control: the same readers against a non-atomic writer must see tearing,
    // which proves this test can fail.
    let (reads, torn) = stress(
        &store,
        &key,
        false,
        Instant::now() + Duration::from_secs(120),
        usize::MAX,
    );
    assert!(
        torn > 0,
        "the control run saw no torn record in {reads} reads: the test is blind"
    );
}
