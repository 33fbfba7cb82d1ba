//! The custom store of `examples/au_custom_store.rs` (`MapStore`, in
//! `strand_examples::custom_store`) keeps the store contract: strand-au's
//! conformance suite runs on it as on strand-au's own stores.

use std::time::Duration;

use strand_au::conformance::Suite;
use strand_examples::custom_store::MapStore;

#[test]
fn map_store_passes_the_conformance_suite() {
    let report = Suite::new(|clock| MapStore::new(Duration::from_secs(3600), clock.clone())).run();
    // It wakes waiters with a condition variable, not subscriptions; it
    // keeps `Record` values, not bytes: no record of it can be corrupt; and,
    // a map inside one process, it keeps no heartbeats (every owner is this
    // process).
    let skipped: Vec<&str> = report.skipped.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        skipped,
        [
            "subscriptions",
            "corrupt_record",
            "heartbeats",
            "dead_owner"
        ]
    );
    assert_eq!(report.passed.len(), Suite::<MapStore>::checks().len() - 4);
}

#[test]
fn map_store_with_a_short_ttl() {
    let report = Suite::new(|clock| MapStore::new(Duration::from_millis(500), clock.clone())).run();
    assert!(report.passed.contains(&"store_ttl"));
}

/// It holds no queue: every queue check is skipped, saying so, once the
/// suite has seen `enqueue` refused with `StoreError::Unsupported`.
#[test]
fn map_store_holds_no_queue() {
    let report = strand_au::conformance::queue(|clock| {
        MapStore::new(Duration::from_secs(3600), clock.clone())
    });
    assert!(report.passed.is_empty());
    assert_eq!(
        report.skipped.len(),
        Suite::<MapStore>::queue_checks().len()
    );
}
