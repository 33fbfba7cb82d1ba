//! No number in a record panics a store or a handle (issue 13, item 4):
//! records whose version, attempts, timestamps, TTL or lease are at `0` or
//! at their type's maximum go through `put`, `get`, `update`, `create`,
//! `cancel`, `try_join`, `join_timeout`, `cleanup_expired` and `keys` on
//! every store, each operation on a thread of its own with a timeout, so
//! that a panic or a hang fails the test with the store and the record
//! that caused it.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;
use strand_au::{
    ComputationHandle, ComputationStore, FileSystemStore, Key, Lease, ManualClock, MemoryStore,
    Progress, Record, Serialization, Status, UpdateAction, encode_record,
};

/// The store clock: a while after the epoch, so that 0 lies in the past.
const NOW: u64 = 1_000_000;

/// How long one operation may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(20);

/// A store under test, with what is needed to plant bytes in it.
struct Subject {
    name: String,
    store: Arc<dyn ComputationStore>,
    /// The file-system store and its encoding, to write records directly
    /// (so a record gets there whatever `put` does with it).
    fs: Option<(FileSystemStore, Serialization)>,
    _dir: Option<tempfile::TempDir>,
}

impl Subject {
    /// Stores `record` under `key` as it is: the bytes on disk for a
    /// file-system store, through `put` for a memory store (which is then
    /// itself under test).
    fn plant(&self, key: &Key, record: &Record) {
        match &self.fs {
            Some((fs, format)) => {
                let bytes = encode_record(*format, record).expect("test records encode");
                std::fs::write(fs.path_of(key), bytes).unwrap();
            }
            None => self.store.put(key, record.clone()).unwrap(),
        }
    }
}

/// Every kind of store, with no TTL, a short one and the longest one.
fn subjects() -> Vec<Subject> {
    let clock = ManualClock::new(NOW);
    let mut out = Vec::new();
    for ttl in [None, Some(Duration::from_secs(60)), Some(Duration::MAX)] {
        let mut memory = MemoryStore::new().clock(clock.clone());
        if let Some(ttl) = ttl {
            memory = memory.ttl(ttl);
        }
        out.push(Subject {
            name: format!("memory (ttl {ttl:?})"),
            store: Arc::new(memory),
            fs: None,
            _dir: None,
        });
        for format in [Serialization::Json, Serialization::Binary] {
            let dir = tempfile::tempdir().unwrap();
            let mut fs = FileSystemStore::new(dir.path())
                .serialization(format)
                .clock(clock.clone());
            if let Some(ttl) = ttl {
                fs = fs.ttl(ttl);
            }
            out.push(Subject {
                name: format!("fs {format:?} (ttl {ttl:?})"),
                store: Arc::new(fs.clone()),
                fs: Some((fs, format)),
                _dir: Some(dir),
            });
        }
    }
    out
}

/// Records with extreme numbers, named.
fn records() -> Vec<(&'static str, Record)> {
    let base = Record::pending("f", json!([1]), NOW);
    let with = |f: &dyn Fn(&mut Record)| {
        let mut r = base.clone();
        f(&mut r);
        r
    };
    let running = |expires_at: u64| {
        move |r: &mut Record| {
            r.status = Status::Running;
            r.started_at = Some(NOW);
            r.attempts = 1;
            r.lease = Some(Lease {
                owner: "pid-1-elsewhere".to_owned(),
                expires_at,
            });
        }
    };
    let completed = |completed_at: u64| {
        move |r: &mut Record| {
            r.status = Status::Completed;
            r.value = Some(json!(42));
            r.started_at = Some(NOW);
            r.completed_at = Some(completed_at);
        }
    };
    vec![
        ("version u64::MAX", with(&|r| r.version = u64::MAX)),
        (
            "version u64::MAX, completed",
            with(&|r| {
                completed(NOW)(r);
                r.version = u64::MAX;
            }),
        ),
        ("version u64::MAX - 1", with(&|r| r.version = u64::MAX - 1)),
        (
            "attempts u32::MAX, running",
            with(&|r| {
                running(NOW + 60_000)(r);
                r.attempts = u32::MAX;
            }),
        ),
        (
            "attempts u32::MAX, pending",
            with(&|r| r.attempts = u32::MAX),
        ),
        (
            "expires_at u64::MAX",
            with(&|r| r.expires_at = Some(u64::MAX)),
        ),
        ("expires_at 0", with(&|r| r.expires_at = Some(0))),
        ("created_at u64::MAX", with(&|r| r.created_at = u64::MAX)),
        ("created_at 0", with(&|r| r.created_at = 0)),
        ("ttl_ms u64::MAX", with(&|r| r.ttl_ms = Some(u64::MAX))),
        ("ttl_ms 0", with(&|r| r.ttl_ms = Some(0))),
        (
            "ttl_ms u64::MAX, created_at u64::MAX",
            with(&|r| {
                r.ttl_ms = Some(u64::MAX);
                r.created_at = u64::MAX;
            }),
        ),
        ("lease expires u64::MAX", with(&running(u64::MAX))),
        ("lease expires 0", with(&running(0))),
        ("completed_at u64::MAX", with(&completed(u64::MAX))),
        (
            "completed_at 0, started_at u64::MAX",
            with(&|r| {
                completed(0)(r);
                r.started_at = Some(u64::MAX);
            }),
        ),
        (
            "completed, ttl_ms u64::MAX, completed_at u64::MAX",
            with(&|r| {
                completed(u64::MAX)(r);
                r.ttl_ms = Some(u64::MAX);
            }),
        ),
        (
            "progress fraction infinite",
            with(&|r| {
                running(NOW + 60_000)(r);
                r.progress = Some(Progress {
                    fraction: f64::INFINITY,
                    message: String::new(),
                });
            }),
        ),
        (
            "every number at its maximum",
            with(&|r| {
                running(u64::MAX)(r);
                r.version = u64::MAX;
                r.attempts = u32::MAX;
                r.created_at = u64::MAX;
                r.started_at = Some(u64::MAX);
                r.expires_at = Some(u64::MAX);
                r.ttl_ms = Some(u64::MAX);
                r.format = Record::FORMAT;
            }),
        ),
        (
            "every number at 0",
            with(&|r| {
                running(0)(r);
                r.attempts = 0;
                r.created_at = 0;
                r.started_at = Some(0);
                r.expires_at = Some(0);
                r.ttl_ms = Some(0);
            }),
        ),
    ]
}

/// Runs `op` on a thread of its own; its panic message, or "hung", on failure.
fn guarded(op: impl FnOnce() -> Result<(), String> + Send + 'static) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let _ = tx.send(op());
    });
    match rx.recv_timeout(HANG) {
        Ok(outcome) => {
            let _ = thread.join();
            outcome
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(match thread.join() {
            Err(panic) => format!("panicked: {}", strand::__private::panic_message(&*panic)),
            Ok(()) => "ended without an outcome".to_owned(),
        }),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!("hung for over {HANG:?}")),
    }
}

/// Runs `op` on every store with every record, planted under a fresh key
/// (unless `plant` is false: `op` then stores it itself), and fails with
/// the list of what panicked, hung or broke an assertion of `op`.
fn check(
    operation: &str,
    plant: bool,
    op: impl Fn(&Arc<dyn ComputationStore>, &Key, &Record) -> Result<(), String>
    + Send
    + Sync
    + Clone
    + 'static,
) {
    let mut failures = Vec::new();
    for subject in subjects() {
        for (what, record) in records() {
            let key = subject.store.create_key();
            // A healthy neighbour, which no operation on `key` may touch.
            let neighbour = subject.store.create_key();
            subject
                .store
                .put(&neighbour, Record::pending("g", json!(7), NOW))
                .unwrap();
            let before = subject.store.load(&neighbour).unwrap();
            if plant {
                let (subject_store, fs) = (subject.store.clone(), subject.fs.clone());
                let (key, record) = (key.clone(), record.clone());
                let planted = guarded(move || {
                    Subject {
                        name: String::new(),
                        store: subject_store,
                        fs,
                        _dir: None,
                    }
                    .plant(&key, &record);
                    Ok(())
                });
                if let Err(e) = planted {
                    failures.push(format!("{}, {what}: storing it {e}", subject.name));
                    continue;
                }
            }
            let (store, op, key2, record2) = (
                subject.store.clone(),
                op.clone(),
                key.clone(),
                record.clone(),
            );
            if let Err(e) = guarded(move || op(&store, &key2, &record2)) {
                failures.push(format!("{}, {what}: {operation} {e}", subject.name));
                continue;
            }
            let after = subject.store.load(&neighbour).unwrap();
            if before != after {
                failures.push(format!(
                    "{}, {what}: {operation} changed another key's record",
                    subject.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn handle(store: &Arc<dyn ComputationStore>, key: &Key) -> ComputationHandle<serde_json::Value> {
    ComputationHandle::from_key(key.clone(), store.clone())
}

#[test]
fn put_then_load() {
    check("put", false, |store, key, record| {
        store.put(key, record.clone()).map_err(|e| e.to_string())?;
        store.put(key, record.clone()).map_err(|e| e.to_string())?;
        let stored = store.load(key).map_err(|e| e.to_string())?;
        let stored = stored.ok_or("the record is gone")?;
        // The version only moves forward, and stops at the top.
        if stored.version < record.version || stored.version == 0 {
            return Err(format!(
                "version {} after putting version {}",
                stored.version, record.version
            ));
        }
        Ok(())
    });
}

#[test]
fn get() {
    check("get", true, |store, key, _| {
        store.get(key).map(drop).map_err(|e| e.to_string())
    });
}

#[test]
fn update_metadata() {
    check("update", true, |store, key, record| {
        let updated = store
            .update(key, &mut |r| {
                r.metadata.insert("note".to_owned(), json!("changed"));
                UpdateAction::Write
            })
            .map_err(|e| e.to_string())?;
        let written = updated.into_record().ok_or("no record after the update")?;
        if written.version < record.version {
            return Err(format!(
                "the update moved the version back from {} to {}",
                record.version, written.version
            ));
        }
        Ok(())
    });
}

#[test]
fn update_start() {
    check("start", true, |store, key, _| {
        store
            .update(key, &mut |r| {
                UpdateAction::write_if(r.start("pid-2-here", NOW, u64::MAX))
            })
            .map(drop)
            .map_err(|e| e.to_string())
    });
}

#[test]
fn create_over_it() {
    check("create", true, |store, key, _| {
        store
            .create(key, Record::pending("h", json!(null), NOW))
            .map(drop)
            .map_err(|e| e.to_string())
    });
}

#[test]
fn cancel() {
    check("cancel", true, |store, key, _| {
        let _ = handle(store, key).cancel();
        Ok(())
    });
}

#[test]
fn try_join() {
    check("try_join", true, |store, key, _| {
        let _ = handle(store, key).try_join();
        #[allow(deprecated)]
        let _ = handle(store, key).try_result();
        Ok(())
    });
}

#[test]
fn join_after_cancel() {
    check("join", true, |store, key, _| {
        let handle = handle(store, key);
        let _ = handle.cancel();
        // Cancelled (or finished before): join answers at once.
        let _ = handle.join_timeout(Duration::from_secs(5));
        Ok(())
    });
}

#[test]
fn cleanup_and_keys() {
    check("cleanup_expired", true, |store, key, _| {
        store.cleanup_expired().map_err(|e| e.to_string())?;
        let keys = store.keys().map_err(|e| e.to_string())?;
        let _ = keys.contains(key);
        Ok(())
    });
}

/// Waiters on a record whose version has reached `u64::MAX` still see it
/// finish: the version stays there, and `join` reads the record again.
#[test]
fn join_sees_a_saturated_record_finish() {
    for subject in subjects() {
        let key = subject.store.create_key();
        let mut record = Record::pending("f", json!(null), NOW);
        record.version = u64::MAX;
        subject.plant(&key, &record);
        let store = subject.store.clone();
        let key2 = key.clone();
        let joined = guarded(move || {
            let handle = handle(&store, &key2);
            let writer = {
                let (store, key) = (store.clone(), key2.clone());
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    store
                        .update(&key, &mut |r| {
                            UpdateAction::write_if(r.complete(json!(5), NOW))
                        })
                        .unwrap();
                })
            };
            let value = handle.join_timeout(Duration::from_secs(10));
            writer.join().unwrap();
            match value {
                Ok(v) if v == json!(5) => Ok(()),
                other => Err(format!("join gave {other:?}")),
            }
        });
        if let Err(e) = joined {
            panic!("{}: {e}", subject.name);
        }
        let stored = subject.store.load(&key).unwrap().unwrap();
        assert_eq!(stored.version, u64::MAX, "{}", subject.name);
    }
}
