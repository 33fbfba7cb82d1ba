//! A worker process killed with SIGKILL mid-computation is reported
//! "worker lost" once its lease lapses, instead of staying Running for ever.
//!
//! The parent re-runs this test binary with `--exact lease_child` and an
//! environment variable; the child starts a computation that never ends,
//! prints its key, and waits to be killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strand_au::{
    Computation, ComputationHandle, ComputationStore, FileSystemStore, Key, Runner, Status,
};

const CHILD_ENV: &str = "STRAND_AU_LEASE_CHILD_DIR";
const LEASE: Duration = Duration::from_secs(3);

#[test]
fn lease_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return; // only meaningful when started by the parent test
    };
    let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir));
    let c = Computation::new(
        "lease::forever",
        Runner::new(|_: ()| -> () {
            loop {
                std::thread::sleep(Duration::from_millis(10));
            }
        }),
    )
    .store(store)
    .lease(LEASE);
    let h = c.launch::<()>(&());
    while h.status().unwrap() != Status::Running {
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("KEY={}", h.key());
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn killed_worker_is_reported_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lease_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill the child even if an assertion below fails.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let mut child = KillOnDrop(child);
    let mut key = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // libtest prints "test lease_child ... " on the same line.
        if let Some((_, k)) = line.split_once("KEY=") {
            key = Some(Key::new(k.trim()).unwrap());
            break;
        }
    }
    let key = key.expect("the child never started its computation");
    let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir.path()));
    let handle = ComputationHandle::<()>::from_key(key.clone(), store.clone());

    // While the child lives, it renews its lease: still running after more
    // than one lease period.
    std::thread::sleep(LEASE + Duration::from_secs(1));
    let record = handle.record().unwrap();
    assert_eq!(
        record.status,
        Status::Running,
        "a live worker's lease lapsed: {record:?}"
    );
    assert!(
        record
            .lease
            .unwrap()
            .owner
            .starts_with(&format!("pid-{}-", child.0.id()))
    );

    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    let killed_at = Instant::now();

    let err = handle.wait_timeout(Duration::from_secs(60)).unwrap_err();
    assert!(err.is_worker_lost(), "{err}");
    assert!(err.to_string().contains("worker lost"), "{err}");
    assert!(killed_at.elapsed() < Duration::from_secs(60));
    // Written back: any reader now sees Failed without doing anything.
    let stored = store.load(&key).unwrap().unwrap();
    assert_eq!(stored.status, Status::Failed);
    assert_eq!(stored.error.unwrap().kind, strand_au::ErrorKind::WorkerLost);
}
