//! strand-au's own stores pass the public store conformance suite
//! (`strand_au::conformance`), on a manual clock and on their own.

use std::time::Duration;

use std::sync::Arc;

use strand_au::conformance::{Outcome, Suite};
use strand_au::{
    Clock, ComputationStore, FileSystemStore, Key, ManualClock, MemoryStore, Record, Serialization,
    StoreError, TempStore, UpdateAction, Updated,
};

/// Writes bytes that no format decodes where the record of `key` is.
fn corrupt_file(store: &FileSystemStore, key: &strand_au::Key) {
    std::fs::write(store.path_of(key), b"\x00\xc1 not a record").unwrap();
}

fn fs_suite(serialization: Serialization, ttl: Option<Duration>) -> Suite<FileSystemStore> {
    Suite::with_guard(move |clock| {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileSystemStore::new(dir.path())
            .serialization(serialization)
            .clock(clock.clone());
        if let Some(ttl) = ttl {
            store = store.ttl(ttl);
        }
        (store, dir)
    })
    .corrupt_with(corrupt_file)
}

#[test]
fn file_system_store_json() {
    let report = fs_suite(Serialization::Json, None).run();
    assert_eq!(report.skipped, vec![], "every check applies");
    assert_eq!(
        report.passed.len(),
        Suite::<FileSystemStore>::checks().len()
    );
}

#[test]
fn file_system_store_json_with_ttl() {
    let report = fs_suite(Serialization::Json, Some(Duration::from_secs(60))).run();
    assert_eq!(report.skipped, vec![]);
}

#[test]
fn file_system_store_binary() {
    let report = fs_suite(Serialization::Binary, Some(Duration::from_secs(3600))).run();
    assert_eq!(report.skipped, vec![]);
}

#[test]
fn file_system_store_binary_without_auto_cleanup_or_ttl() {
    let report = Suite::with_guard(|clock| {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSystemStore::new(dir.path())
            .serialization(Serialization::Binary)
            .auto_cleanup(false)
            .fsync(true)
            .clock(clock.clone());
        (store, dir)
    })
    .corrupt_with(corrupt_file)
    .run();
    assert_eq!(report.skipped, vec![]);
}

#[test]
fn memory_store() {
    let report = Suite::new(|clock| MemoryStore::new().clock(clock.clone())).run();
    assert_eq!(
        report.skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec!["corrupt_record"],
        "a MemoryStore keeps Record values: nothing to corrupt"
    );
}

#[test]
fn memory_store_with_ttl() {
    let report = strand_au::conformance::run(|clock| {
        MemoryStore::new()
            .ttl(Duration::from_millis(1_500))
            .clock(clock.clone())
    });
    assert!(report.passed.contains(&"store_ttl"));
}

#[test]
fn temp_store() {
    // The factory keeps the TempStore (its directory) alive beside the store.
    let report = Suite::with_guard(|clock| {
        let temp = TempStore::new()
            .unwrap()
            .configure(|s| s.clock(clock.clone()).ttl(Duration::from_secs(600)));
        (temp.store().clone(), temp)
    })
    .corrupt_with(corrupt_file)
    .run();
    assert_eq!(report.skipped, vec![]);
}

/// The path for stores that keep their own clock: short TTLs and leases,
/// waited for on the system clock.
#[test]
fn stores_on_their_own_clock() {
    let report = Suite::new(|_clock| MemoryStore::new().ttl(Duration::from_secs(1)))
        .own_clock()
        .real_time_step(Duration::from_millis(100))
        .run();
    assert!(report.passed.contains(&"ttl") && report.passed.contains(&"lapsed_lease"));
    assert!(
        report.passed.contains(&"store_ttl"),
        "1 s is 10 steps: waited for"
    );

    let report = Suite::with_guard(|_clock| {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSystemStore::new(dir.path()).ttl(Duration::from_secs(3600));
        (store, dir)
    })
    .own_clock()
    .real_time_step(Duration::from_millis(100))
    .corrupt_with(corrupt_file)
    .run();
    assert_eq!(
        report.skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec!["store_ttl"],
        "an hour's TTL is checked, not waited for"
    );
}

/// A suite refuses a factory whose store does not read the clock it was
/// given, with a message saying what to do.
#[test]
#[should_panic(expected = "declare Suite::own_clock()")]
fn a_store_off_the_suite_clock_is_refused() {
    let _ = strand_au::conformance::round_trip(&Suite::new(|_clock| MemoryStore::new()));
}

/// A check declared not to apply is skipped with its reason.
#[test]
fn skipped_checks_say_why() {
    let report = Suite::new(|clock| MemoryStore::new().clock(clock.clone()))
        .skip("no_torn_reads", "values, not bytes")
        .run();
    assert!(
        report
            .skipped
            .contains(&("no_torn_reads", "values, not bytes".to_owned()))
    );
    assert!(!report.passed.contains(&"no_torn_reads"));
}

#[test]
#[should_panic(expected = "no conformance check is named `speed`")]
fn skipping_an_unknown_check_is_refused() {
    let _ = Suite::new(|clock| MemoryStore::new().clock(clock.clone())).skip("speed", "no");
}

/// Each check is a function of its own too.
#[test]
fn one_check_at_a_time() {
    let suite = Suite::new(|clock| MemoryStore::new().clock(clock.clone()));
    assert_eq!(
        strand_au::conformance::atomic_updates(&suite),
        Outcome::Passed
    );
    assert!(matches!(
        strand_au::conformance::corrupt_record(&suite),
        Outcome::Skipped(_)
    ));
}

/// The queue contract: strand-au's stores hold queues. One test, the
/// stores one after the other: tasks of stores on clocks that disagree
/// must not be enqueued at once in one process (see
/// `a_task_due_now_on_a_clock_behind_is_claimable`).
#[test]
fn queues() {
    // MemoryStore, with a maximum record size to check.
    let report = Suite::new(|clock| {
        MemoryStore::new()
            .clock(clock.clone())
            .max_record_size(64 << 10)
    })
    .max_record_size(64 << 10)
    .run_queue();
    assert_eq!(report.skipped, vec![], "every queue check applies");
    assert_eq!(
        report.passed.len(),
        Suite::<MemoryStore>::queue_checks().len()
    );

    // FileSystemStore, in both encodings.
    for serialization in [Serialization::Json, Serialization::Binary] {
        let report = Suite::with_guard(move |clock| {
            let dir = tempfile::tempdir().unwrap();
            let store = FileSystemStore::new(dir.path())
                .serialization(serialization)
                .max_record_size(64 << 10)
                .clock(clock.clone());
            (store, dir)
        })
        .max_record_size(64 << 10)
        .run_queue();
        assert_eq!(report.skipped, vec![], "every queue check applies");
        assert_eq!(
            report.passed.len(),
            Suite::<FileSystemStore>::queue_checks().len()
        );
    }

    // `conformance::queue` without a declared maximum record size skips
    // that check only.
    let report = strand_au::conformance::queue(|clock| MemoryStore::new().clock(clock.clone()));
    assert_eq!(
        report.skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec!["queue_too_large"]
    );

    // On its own clock, the delayed and recover checks wait for real time.
    let report = Suite::with_guard(|_clock| {
        let dir = tempfile::tempdir().unwrap();
        (FileSystemStore::new(dir.path()), dir)
    })
    .own_clock()
    .real_time_step(Duration::from_millis(100))
    .run_queue();
    assert!(report.passed.contains(&"queue_delayed") && report.passed.contains(&"queue_recover"));
}

/// A store without queues has every queue check skipped, saying why.
#[test]
fn a_store_without_queues_is_skipped() {
    #[derive(Debug)]
    struct NoQueues(MemoryStore);
    impl ComputationStore for NoQueues {
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
            None
        }
        fn clock(&self) -> Arc<dyn Clock> {
            ComputationStore::clock(&self.0)
        }
    }
    let report =
        strand_au::conformance::queue(|clock| NoQueues(MemoryStore::new().clock(clock.clone())));
    assert!(report.passed.is_empty());
    assert_eq!(
        report.skipped.len(),
        Suite::<NoQueues>::queue_checks().len()
    );
    assert!(
        report.skipped[0].1.contains("holds no queue"),
        "{:?}",
        report.skipped
    );
}

/// A regression test of `rank` (strand-au/src/store/queue.rs): the ranks of
/// tasks due now came from one process-wide counter, so once a store whose
/// clock is ahead has enqueued, a task enqueued "due now" on a store whose
/// clock is behind gets a rank in its future, and no claim sees it until
/// that clock catches up (never, on a ManualClock; after a backward step of
/// the system clock, that long).
#[test]
fn a_task_due_now_on_a_clock_behind_is_claimable() {
    let ahead = MemoryStore::new().clock(ManualClock::new(2_000_000_000_000));
    let behind = MemoryStore::new().clock(ManualClock::new(1_000_000_000_000));
    for (store, function) in [(&ahead, "ahead"), (&behind, "behind")] {
        let mut task = Record::pending(function, serde_json::json!([]), store_now(store));
        task.queue = Some("default".into());
        let key = store.create_key();
        assert!(store.enqueue(&key, task).unwrap().is_new());
    }
    let claimed = behind
        .claim(&["default"], "worker-a", Duration::from_secs(30), 10)
        .unwrap();
    assert_eq!(claimed.len(), 1, "the task due now was not claimable");
}

fn store_now(store: &MemoryStore) -> u64 {
    ComputationStore::clock(store).now_ms()
}
