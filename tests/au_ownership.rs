//! Every record has an owner: a launcher killed with SIGKILL while its
//! computations are queued in its memory (or in their first
//! `CLAIM_AFTER`, not yet claimed) leaves no record unfinished for ever.
//! Its heartbeat lapses, and every reader, join and cleanup then fails
//! its records "worker lost".
//!
//! The launcher is the `au_launcher` helper binary (tests/bin/au_launcher.rs):
//! it launches 200 computations that never end, as fast as it can, onto a
//! file-system store, and is killed 2 ms or 150 ms after it says `ready`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strand_au::{ComputationHandle, ComputationStore, ErrorKind, FileSystemStore, Status};
use strand_tests::KillOnDrop;

/// The computations' lease, and so the launcher's heartbeat TTL.
const LEASE: Duration = Duration::from_millis(1000);
/// What a join may take at most: the heartbeat lapses within `LEASE` of the
/// kill, and a joiner looks again at the owner every second.
const GRACE: Duration = Duration::from_secs(10);

/// Starts `au_launcher` on the store in `dir` launching `count`
/// computations on `backend`; returns it once it says `ready`, with the
/// rest of its output.
fn launcher(
    dir: &std::path::Path,
    backend: &str,
    count: u32,
) -> (
    KillOnDrop,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_au_launcher"))
            .arg(dir)
            .arg(backend)
            .arg(LEASE.as_millis().to_string())
            .arg(count.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    (child, lines)
}

/// Runs the launcher on a fresh store, kills it `after` its `ready`, and
/// checks that every record it left ends, and every join returns.
fn kill_the_launcher(backend: &str, after: Duration) {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, _lines) = launcher(dir.path(), backend, 200);
    // How long the launcher gets before the kill: the point of the test.
    std::thread::sleep(after);
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let store: Arc<dyn ComputationStore> = Arc::new(FileSystemStore::new(dir.path()));
    let keys = store.keys().unwrap();
    let killed_at = Instant::now();
    let mut lost = 0;
    for key in &keys {
        let handle = ComputationHandle::<u32>::from_key(key.clone(), store.clone());
        let err = handle
            .join_timeout(GRACE)
            .expect_err("a computation that never ends cannot complete");
        assert!(
            err.is_worker_lost(),
            "{backend}, killed after {after:?}: {key} ended {err}"
        );
        lost += 1;
    }
    assert!(killed_at.elapsed() < GRACE, "the joins took too long");
    // Nothing is left unfinished, as any reader of the store sees it.
    let mut unfinished = 0;
    for key in &keys {
        let record = store.load(key).unwrap().unwrap();
        if !record.status.is_terminal() {
            unfinished += 1;
        }
        assert_eq!(record.status, Status::Failed);
        let error = record.error.unwrap();
        assert_eq!(error.kind, ErrorKind::WorkerLost);
        assert!(error.message.contains("worker lost"), "{}", error.message);
    }
    println!(
        "{backend}, killed {after:?} after ready: {} records, {lost} worker lost, {unfinished} unfinished",
        keys.len()
    );
    assert_eq!(unfinished, 0);
}

#[test]
fn launcher_killed_after_2_ms_thread_backend() {
    kill_the_launcher("thread", Duration::from_millis(2));
}

#[test]
fn launcher_killed_after_150_ms_thread_backend() {
    kill_the_launcher("thread", Duration::from_millis(150));
}

#[test]
fn launcher_killed_after_2_ms_pool_backend() {
    kill_the_launcher("pool", Duration::from_millis(2));
}

#[test]
fn launcher_killed_after_150_ms_pool_backend() {
    kill_the_launcher("pool", Duration::from_millis(150));
}

/// Cleanup reaches records of a dead owner too (before, it never touched
/// a `Pending` record), and the heartbeat says who the owner was.
#[test]
fn cleanup_fails_the_records_of_a_dead_launcher() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = launcher(dir.path(), "pool", 20);
    let pid = child.0.id();
    assert_eq!(lines.next().unwrap().unwrap(), "launched");
    let store = FileSystemStore::new(dir.path());
    let beats = store.heartbeats().unwrap();
    assert_eq!(beats.len(), 1, "{beats:?}");
    assert_eq!(beats[0].pid, pid);
    assert_eq!(beats[0].program, "au_launcher");
    assert!(beats[0].owner.starts_with(&format!("pid-{pid}-")));
    let keys = store.keys().unwrap();
    assert_eq!(keys.len(), 20);
    for key in &keys {
        let record = store.load(key).unwrap().unwrap();
        assert_eq!(record.owner.as_deref(), Some(beats[0].owner.as_str()));
    }
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    // Cleanup fails them once the heartbeat has lapsed.
    let deadline = Instant::now() + GRACE;
    loop {
        store.cleanup_expired().unwrap();
        let unfinished = keys
            .iter()
            .filter(|k| !store.load(k).unwrap().unwrap().status.is_terminal())
            .count();
        if unfinished == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{unfinished} records still unfinished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A backend with a bug: it accepts jobs and drops them.
#[derive(Debug)]
struct DropsJobs;

impl strand_au::ComputationBackend for DropsJobs {
    fn launch(&self, job: strand_au::Job) -> Result<(), strand_au::LaunchError> {
        drop(job);
        Ok(())
    }
}

/// A record this process owns but no longer runs (its job was dropped) is
/// not left `Pending` for ever while the process lives: readers fail it
/// "worker lost", and its joiner returns at once.
#[test]
fn a_dropped_job_of_a_live_process_is_worker_lost() {
    for store in [
        Arc::new(strand_au::MemoryStore::new()) as Arc<dyn ComputationStore>,
        Arc::new(FileSystemStore::new(tempfile::tempdir().unwrap().keep())),
    ] {
        let c =
            strand_au::Computation::new("ownership::dropped", strand_au::Runner::new(|x: u32| x))
                .store(store.clone())
                .backend(Arc::new(DropsJobs));
        let handle = c.launch::<u32>(&7);
        let err = handle.join_timeout(GRACE).unwrap_err();
        assert!(err.is_worker_lost(), "{err}");
        assert!(err.to_string().contains("no longer runs it"), "{err}");
        assert_eq!(handle.status().unwrap(), Status::Failed);
    }
}
