//! `FileSystemStore::update` is atomic across processes (the `flock` per-key
//! lock): child processes and this one increment one record's counter at the
//! same time and no increment is lost.
//!
//! The children are the `au_counter` helper binary (tests/bin/au_counter.rs).

use std::process::{Command, Stdio};

use serde_json::json;
use strand_au::{ComputationStore, FileSystemStore, Key, Record, UpdateAction};

const ROUNDS: u64 = 300;

/// The same update as the `au_counter` binary's.
fn increment(store: &FileSystemStore, key: &Key) {
    for _ in 0..ROUNDS {
        store
            .update(key, &mut |r| {
                let n = r.metadata.get("n").and_then(|v| v.as_u64()).unwrap_or(0);
                r.metadata.insert("n".into(), json!(n + 1));
                UpdateAction::Write
            })
            .unwrap();
    }
}

#[test]
fn updates_from_two_processes_are_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path());
    let key = Key::new("counter").unwrap();
    store
        .put(&key, Record::pending("f", json!(null), 0))
        .unwrap();
    let mut children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_au_counter"))
                .arg(dir.path())
                .arg(ROUNDS.to_string())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    increment(&store, &key);
    for child in &mut children {
        assert!(child.wait().unwrap().success());
    }
    let record = store.get(&key).unwrap().unwrap();
    assert_eq!(
        record.metadata["n"],
        json!(3 * ROUNDS),
        "lost updates across processes"
    );
    assert_eq!(record.version, 3 * ROUNDS + 1);
}
