//! strand-au's own stores pass the public store conformance suite
//! (`strand_au::conformance`), on a manual clock and on their own.

use std::time::Duration;

use strand_au::conformance::{Outcome, Suite};
use strand_au::{FileSystemStore, MemoryStore, Serialization, TempStore};

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
