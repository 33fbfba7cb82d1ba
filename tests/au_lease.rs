//! A worker process killed with SIGKILL mid-computation is reported
//! "worker lost" once its heartbeat lapses, instead of staying Running for
//! ever; while it lives, it renews its lease.
//!
//! The worker is the `au_lease_worker` helper binary
//! (tests/bin/au_lease_worker.rs): it starts a computation that never ends,
//! prints its key, and waits to be killed. This process reads the record
//! through a store on a [`ManualClock`]: a lease lapses for its readers when
//! the test moves that clock, never because the machine was slow.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strand_au::{
    Clock, ComputationHandle, ComputationStore, FileSystemStore, Key, ManualClock, Record, Status,
    SystemClock,
};
use strand_tests::KillOnDrop;

const LEASE: Duration = Duration::from_secs(3);
/// A generous deadline that only guards against hangs.
const HANG: Duration = Duration::from_secs(60);

/// Reads the stored record of `key` (as it is: no lease check) until
/// `done` holds for it.
fn wait_for_record(
    store: &dyn ComputationStore,
    key: &Key,
    what: &str,
    done: impl Fn(&Record) -> bool,
) -> Record {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(record) = store.load(key).unwrap().filter(&done) {
            return record;
        }
        assert!(Instant::now() < deadline, "still waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn killed_worker_is_reported_lost() {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_au_lease_worker"))
        .arg(dir.path())
        .arg(LEASE.as_millis().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().unwrap();
    let mut key = None;
    for line in BufReader::new(stdout).lines() {
        if let Some((_, k)) = line.unwrap().split_once("KEY=") {
            key = Some(Key::new(k.trim()).unwrap());
            break;
        }
    }
    let key = key.expect("the worker never started its computation");
    // The clock of this process's readers stands still until the test moves it.
    let clock = ManualClock::new(SystemClock.now_ms());
    let store: Arc<dyn ComputationStore> =
        Arc::new(FileSystemStore::new(dir.path()).clock(clock.clone()));
    let handle = ComputationHandle::<()>::from_key(key.clone(), store.clone());

    // The worker claims the computation with a lease...
    let claimed = wait_for_record(&*store, &key, "the claim", |r| {
        r.status == Status::Running && r.lease.is_some()
    });
    let owner = claimed.lease.as_ref().unwrap().owner.clone();
    assert!(
        owner.starts_with(&format!("pid-{}-", child.0.id())),
        "{owner}"
    );
    let first_expiry = claimed.lease.unwrap().expires_at;
    // ...and, while it lives, renews it: a renewal made once the first
    // lease had run out (it expires a whole lease after that one).
    let lease_ms = LEASE.as_millis() as u64;
    let renewed = wait_for_record(&*store, &key, "a renewal past the first lease", |r| {
        r.lease
            .as_ref()
            .is_some_and(|l| l.expires_at >= first_expiry + lease_ms)
    });
    assert_eq!(renewed.status, Status::Running, "{renewed:?}");
    assert_eq!(renewed.lease.unwrap().owner, owner);
    // A reader when the first lease would have lapsed sees it still running.
    clock.set(first_expiry);
    let record = handle.record().unwrap();
    assert_eq!(
        record.status,
        Status::Running,
        "a live worker's lease lapsed: {record:?}"
    );

    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    let killed_at = Instant::now();
    // No heartbeat after this: the record names its owner, whose last
    // heartbeat says until when it answers for its records. Readers judge
    // the worker by it (its lease says nothing more once it has an owner
    // with a heartbeat).
    let record = store.load(&key).unwrap().unwrap();
    assert_eq!(record.owner.as_deref(), Some(owner.as_str()));
    let lost_at = store.load_heartbeat(&owner).unwrap().unwrap().expires_at;
    clock.set(lost_at - 1);
    assert_eq!(
        handle.status().unwrap(),
        Status::Running,
        "lost before its heartbeat lapsed"
    );
    clock.set(lost_at);

    let err = handle.join_timeout(HANG).unwrap_err();
    assert!(err.is_worker_lost(), "{err}");
    assert!(err.to_string().contains("worker lost"), "{err}");
    assert!(killed_at.elapsed() < HANG);
    // Written back: any reader now sees Failed without doing anything.
    let stored = store.load(&key).unwrap().unwrap();
    assert_eq!(stored.status, Status::Failed);
    assert_eq!(stored.error.unwrap().kind, strand_au::ErrorKind::WorkerLost);
}
