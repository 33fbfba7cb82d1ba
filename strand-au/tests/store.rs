//! Store behaviour: CRUD, iteration, TTL, encodings, bad input, locking.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use strand_au::{
    Clock, ComputationStore, FileSystemStore, Key, ManualClock, Record, Serialization, Status,
    StoreError, TempStore, UpdateAction, Updated,
};

fn pending(name: &str) -> Record {
    Record::pending(name, json!({"x": 1}), 1_000)
}

#[test]
fn crud_on_every_store() {
    let clock = ManualClock::new(1_000);
    for (name, store, _dir) in common::stores(&clock, None) {
        let key = store.create_key();
        assert_eq!(
            store.get(&key).unwrap(),
            None,
            "{name}: unknown key is None"
        );
        store.put(&key, pending("f")).unwrap();
        let got = store.get(&key).unwrap().unwrap();
        assert_eq!(
            (got.status, got.function.as_str(), got.version),
            (Status::Pending, "f", 1),
            "{name}"
        );
        assert_eq!(got.args, json!({"x": 1}));
        store.put(&key, pending("g")).unwrap();
        let got = store.load(&key).unwrap().unwrap();
        assert_eq!(
            (got.function.as_str(), got.version),
            ("g", 2),
            "{name}: put bumps the version"
        );
        assert!(store.delete(&key).unwrap(), "{name}");
        assert!(
            !store.delete(&key).unwrap(),
            "{name}: second delete finds nothing"
        );
        assert_eq!(store.get(&key).unwrap(), None, "{name}");
        assert_eq!(
            store.update(&key, &mut |_| UpdateAction::Write).unwrap(),
            Updated::Missing,
            "{name}"
        );
    }
}

#[test]
fn iteration_and_length() {
    let clock = ManualClock::new(1_000);
    for (name, store, _dir) in common::stores(&clock, None) {
        assert!(store.is_empty().unwrap(), "{name}");
        let keys: BTreeSet<Key> = (0..25).map(|_| store.create_key()).collect();
        for k in &keys {
            store.put(k, pending("f")).unwrap();
        }
        assert_eq!(store.len().unwrap(), 25, "{name}");
        let listed: BTreeSet<Key> = store.keys().unwrap().into_iter().collect();
        assert_eq!(listed, keys, "{name}");
    }
}

#[test]
fn update_transitions_forward_only_and_bumps_version() {
    let clock = ManualClock::new(1_000);
    for (name, store, _dir) in common::stores(&clock, None) {
        let key = store.create_key();
        store.put(&key, pending("f")).unwrap();
        let r = store
            .update(&key, &mut |r| {
                UpdateAction::write_if(r.start("me", 1_001, 5_000))
            })
            .unwrap();
        let r = r.into_record().unwrap();
        assert_eq!(
            (r.status, r.version, r.attempts),
            (Status::Running, 2, 1),
            "{name}"
        );
        let r = store
            .update(&key, &mut |r| UpdateAction::write_if(r.cancel(1_002)))
            .unwrap();
        assert!(matches!(r, Updated::Written(_)), "{name}");
        let r = store
            .update(&key, &mut |r| {
                UpdateAction::write_if(r.complete(json!(1), 1_003))
            })
            .unwrap();
        let Updated::Kept(r) = r else {
            panic!("{name}: late completion must not write")
        };
        assert_eq!((r.status, r.version), (Status::Cancelled, 3), "{name}");
        let r = store
            .update(&key, &mut |r| {
                UpdateAction::write_if(r.set_progress(0.5, "x", 1_004))
            })
            .unwrap();
        assert!(
            matches!(r, Updated::Kept(_)),
            "{name}: progress never revives"
        );
    }
}

#[test]
fn ttl_expiry_and_cleanup_on_a_manual_clock() {
    let clock = ManualClock::new(1_000);
    for (name, store, _dir) in common::stores(&clock, Some(Duration::from_secs(10))) {
        clock.set(1_000);
        let old = store.create_key();
        store.put(&old, pending("f")).unwrap();
        assert_eq!(
            store.load(&old).unwrap().unwrap().expires_at,
            Some(11_000),
            "{name}"
        );
        clock.advance(Duration::from_secs(5));
        let young = store.create_key();
        store
            .put(&young, Record::pending("f", json!(null), clock.now_ms()))
            .unwrap();
        assert!(!store.is_expired(&old).unwrap(), "{name}");
        clock.advance(Duration::from_secs(6)); // old: 11 s old, young: 6 s
        assert!(store.is_expired(&old).unwrap(), "{name}");
        assert_eq!(
            store.get(&old).unwrap(),
            None,
            "{name}: expired reads as gone"
        );
        assert!(store.get(&young).unwrap().is_some(), "{name}");
        assert_eq!(store.cleanup_expired().unwrap(), 1, "{name}");
        assert_eq!(store.keys().unwrap(), vec![young.clone()], "{name}");
        clock.advance(Duration::from_secs(60));
        assert_eq!(store.cleanup_expired().unwrap(), 1, "{name}");
        assert!(store.is_empty().unwrap(), "{name}");
    }
}

#[test]
fn finished_records_expire_from_completion_and_per_record_ttl_wins() {
    let clock = ManualClock::new(0);
    for (name, store, _dir) in common::stores(&clock, Some(Duration::from_secs(10))) {
        let key = store.create_key();
        store
            .put(&key, Record::pending("f", json!(null), 0))
            .unwrap();
        clock.set(8_000);
        store
            .update(&key, &mut |r| {
                UpdateAction::write_if(r.complete(json!(1), 8_000))
            })
            .unwrap();
        assert_eq!(
            store.load(&key).unwrap().unwrap().expires_at,
            Some(18_000),
            "{name}"
        );

        let short = store.create_key();
        let mut r = Record::pending("f", json!(null), 8_000);
        r.ttl_ms = Some(1_000);
        store.put(&short, r).unwrap();
        clock.set(9_500);
        assert!(store.is_expired(&short).unwrap(), "{name}: per-record TTL");
        assert!(!store.is_expired(&key).unwrap(), "{name}");
    }
}

#[test]
fn binary_serialization_round_trips_and_is_smaller() {
    let dir = tempfile::tempdir().unwrap();
    let json_store = FileSystemStore::new(dir.path().join("j"));
    let bin_store = FileSystemStore::new(dir.path().join("b")).serialization(Serialization::Binary);
    let key = Key::new("k").unwrap();
    let mut r = pending("f");
    r.metadata
        .insert("numbers".into(), json!((0..100).collect::<Vec<u32>>()));
    json_store.put(&key, r.clone()).unwrap();
    bin_store.put(&key, r).unwrap();
    let a = json_store.get(&key).unwrap().unwrap();
    let b = bin_store.get(&key).unwrap().unwrap();
    assert_eq!(a, b);
    assert!(bin_store.path_of(&key).ends_with("k.msgpack"));
    let jlen = std::fs::metadata(json_store.path_of(&key)).unwrap().len();
    let blen = std::fs::metadata(bin_store.path_of(&key)).unwrap().len();
    assert!(blen < jlen, "msgpack {blen} bytes vs json {jlen}");
    // A JSON store does not see the binary store's files and vice versa.
    let mixed = FileSystemStore::new(dir.path().join("b"));
    assert!(mixed.keys().unwrap().is_empty());
}

#[test]
fn custom_suffix_and_file_modes() {
    let temp = TempStore::new().unwrap().configure(|s| s.suffix(".rec"));
    let key = Key::new("abc").unwrap();
    temp.put(&key, pending("f")).unwrap();
    let path = temp.dir().join("abc.rec");
    assert!(path.exists());
    assert_eq!(
        std::fs::metadata(temp.dir()).unwrap().permissions().mode() & 0o777,
        0o700,
        "a temporary store's directory is private"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let sub = temp.dir().join("nested/dir");
    let store = FileSystemStore::new(&sub);
    store.put(&key, pending("f")).unwrap();
    assert_eq!(
        std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

#[test]
fn default_dir_is_per_user_and_private() {
    let base = FileSystemStore::default_dir();
    assert!(base.starts_with(std::env::temp_dir()));
    assert!(
        base.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("strand-")
    );
    let store = FileSystemStore::in_default_dir("strand-au-tests").unwrap();
    assert!(store.dir().starts_with(&base));
    assert_eq!(
        std::fs::metadata(&base).unwrap().permissions().mode() & 0o077,
        0
    );
    assert!(FileSystemStore::in_default_dir("../escape").is_err());
}

#[test]
fn path_escaping_keys_are_rejected() {
    for bad in [
        "../x",
        "a/b",
        "/etc/passwd",
        "..",
        ".hidden",
        "",
        "a\0b",
        "a b",
        &"x".repeat(129),
    ] {
        let err = Key::new(bad).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid computation key"),
            "{bad:?}: {err}"
        );
    }
    assert!(Key::new("x".repeat(128)).is_ok());
    assert!("ok-key_1.2".parse::<Key>().is_ok());
    // Deserializing a record key goes through the same check.
    assert!(serde_json::from_str::<Key>("\"../x\"").is_err());
}

#[test]
fn corrupt_and_truncated_files_fail_only_their_key() {
    for ser in [Serialization::Json, Serialization::Binary] {
        let temp = TempStore::new()
            .unwrap()
            .configure(|s| s.serialization(ser));
        let good = Key::new("good").unwrap();
        let corrupt = Key::new("corrupt").unwrap();
        let truncated = Key::new("truncated").unwrap();
        for k in [&good, &corrupt, &truncated] {
            let mut r = pending("f");
            r.metadata.insert("pad".into(), json!("p".repeat(1000)));
            temp.put(k, r).unwrap();
        }
        std::fs::write(temp.path_of(&corrupt), b"\xff\x00 not a record {{{").unwrap();
        let bytes = std::fs::read(temp.path_of(&truncated)).unwrap();
        std::fs::write(temp.path_of(&truncated), &bytes[..bytes.len() / 2]).unwrap();

        for k in [&corrupt, &truncated] {
            let err = temp.get(k).unwrap_err();
            assert!(
                matches!(err, StoreError::Corrupt { .. }),
                "{ser:?} {k}: {err}"
            );
            assert!(
                err.to_string()
                    .contains(&format!("record `{k}` is corrupt")),
                "{err}"
            );
            assert!(temp.update(k, &mut |_| UpdateAction::Write).is_err());
            let handle = strand_au::ComputationHandle::<u32>::from_key(k.clone(), temp.shared());
            assert!(handle.status().unwrap_err().is_store());
        }
        assert_eq!(temp.get(&good).unwrap().unwrap().status, Status::Pending);
        assert_eq!(temp.len().unwrap(), 3);
        // Cleanup skips what it cannot read, and a put repairs the key.
        temp.cleanup_expired().unwrap();
        temp.put(&corrupt, pending("f")).unwrap();
        assert!(temp.get(&corrupt).unwrap().is_some());
    }
}

#[test]
fn auto_cleanup_is_bounded_and_eventually_complete() {
    let clock = ManualClock::new(0);
    let dir = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path())
        .ttl(Duration::from_secs(1))
        .clock(clock.clone());
    for i in 0..200 {
        store
            .put(
                &Key::new(format!("old{i}")).unwrap(),
                Record::pending("f", json!(null), 0),
            )
            .unwrap();
    }
    // 200 puts = 1 sweep step so far, while nothing had expired.
    assert_eq!(store.len().unwrap(), 200);
    clock.set(10_000);
    let hot = Key::new("hot").unwrap();
    let mut writes = 0;
    let mut previous = 200;
    while store.len().unwrap() > 1 {
        for _ in 0..128 {
            store
                .put(&hot, Record::pending("f", json!(null), 10_000))
                .unwrap();
        }
        writes += 128;
        let now = store.len().unwrap();
        // One step every 128 writes looks at no more than 32 entries.
        assert!(
            previous - now <= 32,
            "a step removed {} records",
            previous - now
        );
        previous = now;
        assert!(writes < 128 * 40, "auto-cleanup never finished");
    }
    assert!(store.get(&hot).unwrap().is_some());
}

#[test]
fn update_is_atomic_across_threads() {
    for (name, store, _dir) in common::live_stores() {
        let key = store.create_key();
        store
            .put(&key, Record::pending("f", json!(null), 0))
            .unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                let key = key.clone();
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        store
                            .update(&key, &mut |r| {
                                let n = r.metadata.get("n").and_then(|v| v.as_u64()).unwrap_or(0);
                                r.metadata.insert("n".into(), json!(n + 1));
                                UpdateAction::Write
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let r = store.get(&key).unwrap().unwrap();
        assert_eq!(r.metadata["n"], json!(400), "{name}: lost updates");
        assert_eq!(r.version, 401, "{name}");
    }
}

#[test]
fn two_instances_on_one_directory_share_records_and_wakeups() {
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(FileSystemStore::new(dir.path()));
    let b = FileSystemStore::new(dir.path());
    let key = Key::new("shared").unwrap();
    a.put(&key, pending("f")).unwrap();
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let waiter = {
        let a = a.clone();
        let key = key.clone();
        std::thread::spawn(move || {
            tid_tx.send(common::KernelThread::current()).unwrap();
            a.wait_for_change(&key, 1, Some(std::time::Instant::now() + common::HANG))
        })
    };
    // The write comes once the waiter has gone to sleep waiting for it.
    tid_rx
        .recv_timeout(common::HANG)
        .unwrap()
        .wait_until_asleep();
    b.update(&key, &mut |r| UpdateAction::write_if(r.cancel(5)))
        .unwrap();
    let seen = waiter.join().unwrap().unwrap().unwrap();
    assert_eq!((seen.status, seen.version), (Status::Cancelled, 2));
}

#[test]
fn put_new_stores_a_first_record_like_put() {
    let clock = ManualClock::new(1_000);
    for (name, store, _dir) in common::stores(&clock, Some(Duration::from_secs(60))) {
        let key = store.create_key();
        store.put_new(&key, pending("fresh")).unwrap();
        let got = store.get(&key).unwrap().expect("the record is there");
        assert_eq!(got.function, "fresh", "{name}");
        assert_eq!(got.status, Status::Pending, "{name}");
        assert_eq!(got.version, 1, "{name}: a first record has version 1");
        assert_eq!(
            got.expires_at,
            Some(1_000 + 60_000),
            "{name}: the TTL applies"
        );
        // Later writes go through the usual locked path and continue the version.
        let updated = store
            .update(&key, &mut |r| {
                r.status = Status::Running;
                UpdateAction::Write
            })
            .unwrap();
        assert!(matches!(updated, Updated::Written(_)), "{name}");
        assert_eq!(store.get(&key).unwrap().unwrap().version, 2, "{name}");
    }
}

/// A store that keeps its records in a `MemoryStore` but overrides
/// nothing of the provided methods: what a user's store gets by default.
#[derive(Debug)]
struct Delegating(strand_au::MemoryStore);

impl ComputationStore for Delegating {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.0.load(key)
    }
    fn put(&self, key: &Key, record: Record) -> Result<(), StoreError> {
        self.0.put(key, record)
    }
    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        self.0.update(key, f)
    }
    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        self.0.delete(key)
    }
    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        self.0.keys()
    }
    fn ttl(&self) -> Option<Duration> {
        ComputationStore::ttl(&self.0)
    }
    fn clock(&self) -> Arc<dyn Clock> {
        ComputationStore::clock(&self.0)
    }
}

/// Every store of `common::stores`, and one with the default `create`.
fn stores_and_default_create(
    clock: &ManualClock,
    ttl: Duration,
) -> Vec<(
    &'static str,
    Arc<dyn ComputationStore>,
    Option<tempfile::TempDir>,
)> {
    let mut stores = common::stores(clock, Some(ttl));
    let memory = strand_au::MemoryStore::new().clock(clock.clone()).ttl(ttl);
    stores.push(("default create", Arc::new(Delegating(memory)), None));
    stores
}

#[test]
fn create_stores_a_record_only_where_the_key_has_no_live_one() {
    for i in 0..4 {
        // A clock of its own for each store: the test moves it.
        let clock = ManualClock::new(1_000);
        let (name, store, _dir) =
            stores_and_default_create(&clock, Duration::from_secs(60)).swap_remove(i);
        let key = Key::new("chosen").unwrap();
        let first = Record::pending("f", json!(1), 1_000);
        assert_eq!(store.create(&key, first).unwrap(), strand_au::Created::New);
        let got = store.get(&key).unwrap().unwrap();
        assert_eq!((got.args.clone(), got.version), (json!(1), 1), "{name}");
        assert_eq!(got.expires_at, Some(61_000), "{name}: stamped");

        // Pending, running, finished: the record stays as it is.
        let statuses: [&dyn Fn(&mut Record) -> bool; 3] =
            [&|_| true, &|r| r.start("w", 1_000, 30_000), &|r| {
                r.complete(json!("done"), 1_000)
            }];
        for change in statuses {
            store
                .update(&key, &mut |r| UpdateAction::write_if(change(r)))
                .unwrap();
            let before = store.load(&key).unwrap().unwrap();
            let second = Record::pending("g", json!(2), 1_000);
            match store.create(&key, second).unwrap() {
                strand_au::Created::Exists(there) => assert_eq!(*there, before, "{name}"),
                strand_au::Created::New => panic!("{name}: replaced a live record"),
            }
            assert_eq!(store.load(&key).unwrap().unwrap(), before, "{name}");
        }

        // An expired record counts as none, and the version goes on.
        clock.advance(Duration::from_secs(61));
        let third = Record::pending("h", json!(3), clock.now_ms());
        assert!(store.create(&key, third).unwrap().is_new(), "{name}");
        let got = store.get(&key).unwrap().unwrap();
        assert_eq!((got.function.as_str(), got.version), ("h", 5), "{name}");
        assert_eq!(got.status, Status::Pending, "{name}");
    }
}

#[test]
fn racing_creates_on_one_key_store_exactly_one_record() {
    let clock = ManualClock::new(1_000);
    for (name, store, _dir) in stores_and_default_create(&clock, Duration::from_secs(60)) {
        for round in 0..20 {
            let key = Key::new(format!("race-{round}")).unwrap();
            let barrier = Arc::new(std::sync::Barrier::new(6));
            let threads: Vec<_> = (0..6)
                .map(|i| {
                    let (store, key, barrier) = (store.clone(), key.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        let record = Record::pending("f", json!(i), 1_000);
                        store.create(&key, record).unwrap().is_new().then_some(i)
                    })
                })
                .collect();
            let winners: Vec<i32> = threads
                .into_iter()
                .filter_map(|t| t.join().unwrap())
                .collect();
            assert_eq!(winners.len(), 1, "{name}: {winners:?} all created");
            let stored = store.get(&key).unwrap().unwrap();
            assert_eq!(stored.args, json!(winners[0]), "{name}");
            assert_eq!(stored.version, 1, "{name}: written once");
        }
    }
}

#[test]
fn create_never_replaces_a_corrupt_record() {
    let temp = TempStore::new().unwrap();
    let key = Key::new("corrupt").unwrap();
    std::fs::write(temp.path_of(&key), b"not a record {{{").unwrap();
    let err = temp.create(&key, pending("f")).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert_eq!(
        std::fs::read(temp.path_of(&key)).unwrap(),
        b"not a record {{{"
    );
}

/// A queued task's fields round-trip in every encoding, and a requeue
/// through `update` goes back to `Pending` (the one move back a record
/// makes) until the task's attempts are used up, then fails it for good;
/// a finished task is never requeued.
#[test]
fn queued_task_fields_and_requeue() {
    for (name, store, _dir) in common::live_stores() {
        let mut task = pending("queued");
        task.queue = Some("reports".into());
        task.due_at = Some(5_000);
        task.max_attempts = Some(2);
        task.dedup_key = Some("monthly-2026-11".into());
        let key = store.create_key();
        store.put(&key, task.clone()).unwrap();
        let stored = store.load(&key).unwrap().unwrap();
        assert_eq!(
            (
                stored.queue,
                stored.due_at,
                stored.max_attempts,
                stored.dedup_key
            ),
            (task.queue, task.due_at, task.max_attempts, task.dedup_key),
            "{name}"
        );

        let step = |f: &dyn Fn(&mut Record) -> bool| {
            store
                .update(&key, &mut |r| UpdateAction::write_if(f(r)))
                .unwrap()
                .into_record()
                .unwrap()
        };
        step(&|r| r.start("worker-a", 1_010, 30_000));
        let back = step(&|r| r.requeue("worker-a stopped", 2_000));
        assert_eq!(
            (back.status, back.attempts, back.lease),
            (Status::Pending, 1, None),
            "{name}"
        );
        step(&|r| r.start("worker-b", 2_010, 30_000));
        let failed = step(&|r| r.requeue("worker-b stopped", 3_000));
        assert_eq!(failed.status, Status::Failed, "{name}");
        let error = failed.error.unwrap();
        assert_eq!(
            error.message, "worker lost after 2 attempts (worker-b stopped)",
            "{name}"
        );
        // Terminal stays terminal.
        let mut finished = store.load(&key).unwrap().unwrap();
        assert!(!finished.requeue("too late", 4_000), "{name}");
        // Not in a queue: nothing to go back to.
        let mut plain = pending("plain");
        assert!(plain.start("worker", 1_000, 30_000));
        assert!(!plain.requeue("no queue", 2_000), "{name}");
    }
}
