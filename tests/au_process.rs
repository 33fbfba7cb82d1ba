//! `#[async_compute]` on the process backends: a fresh child per
//! computation, and a pool of warm worker processes that replaces workers
//! that die or are cancelled.

#![cfg(unix)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use strand_au::{
    CancelOutcome, Computation, ComputationHandle, ComputationStore, MemoryStore, ProcessBackend,
    Runner, Status, async_compute,
};
use strand_tests::pids::{Proc, read_pid, wait_gone};

static STORE: std::sync::LazyLock<Arc<MemoryStore>> =
    std::sync::LazyLock::new(|| Arc::new(MemoryStore::new()));

#[async_compute(backend = process, store = STORE.clone())]
fn fresh_pid(tag: u32) -> (u32, u32) {
    (tag, std::process::id())
}

#[async_compute(backend = process_pool(2), store = STORE.clone())]
fn pooled_pid(x: u64) -> (u64, u32) {
    (x * x, std::process::id())
}

#[async_compute(backend = process_pool(1), store = STORE.clone(), serialization = binary)]
fn pooled_bytes(bytes: Vec<u8>) -> usize {
    bytes.len()
}

#[async_compute(backend = process, store = STORE.clone())]
fn checked(x: i64) -> Result<i64, String> {
    if x < 0 {
        Err(format!("{x} is negative"))
    } else {
        Ok(x)
    }
}

#[async_compute(backend = process_pool(1), store = STORE.clone())]
fn explode(message: String) -> u8 {
    panic!("{message}")
}

/// Sleeps in a single-worker pool; reports its pid through a file first.
#[async_compute(backend = process_pool(1), store = STORE.clone())]
fn slow(pid_file: String, secs: u64) -> u32 {
    std::fs::write(&pid_file, std::process::id().to_string()).unwrap();
    std::thread::sleep(Duration::from_secs(secs));
    std::process::id()
}

#[async_compute(backend = process_pool(1), store = STORE.clone())]
fn quick() -> u32 {
    std::process::id()
}

fn pid_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pid").to_str().unwrap().to_owned();
    (dir, path)
}

#[test]
fn fresh_process_per_computation() {
    let handles: Vec<_> = (0..4).map(fresh_pid).collect();
    let mut pids = HashSet::new();
    for (i, h) in handles.into_iter().enumerate() {
        let (tag, pid) = h.join().unwrap();
        assert_eq!(tag, i as u32);
        assert_ne!(pid, std::process::id());
        pids.insert(pid);
    }
    assert_eq!(pids.len(), 4, "each computation had its own child");
}

#[test]
fn the_pool_reuses_its_workers() {
    let handles: Vec<_> = (0..64).map(pooled_pid).collect();
    let mut pids = HashSet::new();
    for (i, h) in handles.into_iter().enumerate() {
        let (square, pid) = h.join().unwrap();
        assert_eq!(square, (i * i) as u64);
        assert_ne!(pid, std::process::id());
        pids.insert(pid);
    }
    assert!(
        pids.len() <= 2,
        "64 computations on 2 warm workers: {pids:?}"
    );
}

#[test]
fn binary_serialization_on_the_wire() {
    assert_eq!(pooled_bytes(vec![7; 100_000]).join().unwrap(), 100_000);
}

#[test]
fn returned_errors_and_panics_fail_the_computation() {
    assert_eq!(checked(5).join().unwrap(), 5);
    let failed = checked(-2);
    let err = failed.join().unwrap_err();
    assert!(err.is_failed());
    assert_eq!(err.message(), Some("-2 is negative"));
    // The child encodes the returned error; the handle reads it typed.
    assert_eq!(err.failure().map(String::as_str), Some("-2 is negative"));
    let stored = failed.record().unwrap().error.unwrap();
    assert_eq!(stored.value, Some(serde_json::json!("-2 is negative")));

    let err = explode("child kaboom".into()).join().unwrap_err();
    assert!(err.is_panic(), "{err}");
    assert_eq!(err.message(), Some("child kaboom"));
    // The worker survives a panic in a body.
    assert!(quick().join().is_ok());
}

#[test]
fn kill_9_of_a_worker_is_worker_lost_and_the_pool_replaces_it() {
    let (_dir, path) = pid_file();
    let handle = slow(path.clone(), 60);
    let pid = read_pid(&path);
    // SAFETY: signalling the worker this test's pool started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let err = handle.join_timeout(Duration::from_secs(60)).unwrap_err();
    assert!(err.is_worker_lost(), "{err}");
    assert!(
        err.to_string().contains("worker lost: the child process"),
        "{err}"
    );
    assert!(err.to_string().contains("signal 9"), "{err}");
    assert!(matches!(handle.status().unwrap(), Status::Failed));
    wait_gone(pid);
    let (_dir2, path2) = pid_file();
    let next = slow(path2, 0).join().unwrap();
    assert_ne!(next as i32, pid, "a new worker runs the next computation");
}

/// A single-worker pool of its own: no other test runs on, or kills, its
/// worker.
#[async_compute(backend = process_pool(1), store = STORE.clone())]
fn idle_worker_pid() -> u32 {
    std::process::id()
}

/// Waits (up to 30 s) until `pid` has died; nobody reaps an idle worker
/// until the pool next uses it, so it stays a zombie meanwhile.
fn wait_dead(pid: i32) {
    let Some(process) = Proc::find(pid) else {
        return;
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while process.is_alive() {
        assert!(Instant::now() < deadline, "process {pid} never died");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_job_for_a_worker_that_died_idle_goes_to_a_fresh_worker() {
    // Twice: the replacement worker is as good as the first one.
    let mut pid = idle_worker_pid().join().unwrap() as i32;
    for _ in 0..2 {
        // SAFETY: signalling the idle worker of this test's own pool.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
        wait_dead(pid);
        // The job never started on the dead worker: it runs on a new one.
        let next = idle_worker_pid()
            .join_timeout(Duration::from_secs(60))
            .unwrap() as i32;
        assert_ne!(next, pid, "a fresh worker ran the job");
        wait_gone(pid);
        pid = next;
    }
}

#[test]
fn cancel_kills_the_running_worker() {
    let (_dir, path) = pid_file();
    let handle = slow(path.clone(), 60);
    let pid = read_pid(&path);
    assert_eq!(handle.cancel().unwrap(), CancelOutcome::Requested);
    assert!(handle.join().unwrap_err().is_cancelled());
    wait_gone(pid);
    assert!(quick().join_timeout(Duration::from_secs(60)).is_ok());
}

#[test]
fn a_handle_from_the_key_sees_the_result() {
    let handle = pooled_pid(9);
    let again: ComputationHandle<(u64, u32)> = pooled_pid::handle(handle.key().clone());
    assert_eq!(again.join().unwrap().0, 81);
    assert!(STORE.get(handle.key()).unwrap().is_some());
}

#[test]
fn unregistered_functions_fail_with_a_clear_message() {
    let c = Computation::new("tests::not_registered", Runner::new(|x: u8| x))
        .store(Arc::new(MemoryStore::new()))
        .backend(Arc::new(ProcessBackend::new()));
    let err = c.launch::<u8>(&1).join().unwrap_err();
    assert!(
        err.to_string()
            .contains("no function `tests::not_registered` is registered"),
        "{err}"
    );
}

// With a store another process can open, the child records the job itself.

static SHARED_DIR: std::sync::LazyLock<tempfile::TempDir> =
    std::sync::LazyLock::new(|| tempfile::tempdir().unwrap());

fn shared_store() -> strand_au::FileSystemStore {
    strand_au::FileSystemStore::new(SHARED_DIR.path())
}

/// Reports progress (written by the child), then waits for a file.
#[async_compute(backend = process, store = shared_store())]
fn child_recorded(gate: String) -> u32 {
    strand_au::current_computation()
        .set_progress(0.5, "half way")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::path::Path::new(&gate).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    std::process::id()
}

#[async_compute(backend = process_pool(1), store = shared_store())]
fn child_recorded_pool(pid_file: String, secs: u64) -> u32 {
    std::fs::write(&pid_file, std::process::id().to_string()).unwrap();
    std::thread::sleep(Duration::from_secs(secs));
    std::process::id()
}

#[test]
fn the_child_writes_the_record_when_the_store_is_shareable() {
    let (dir, gate) = pid_file();
    let handle = child_recorded(gate.clone());
    let deadline = Instant::now() + Duration::from_secs(60);
    // Progress reported inside the child reaches the record.
    loop {
        if let Some(p) = handle.progress().unwrap() {
            assert_eq!(p.message, "half way");
            break;
        }
        assert!(Instant::now() < deadline, "no progress seen");
        std::thread::sleep(Duration::from_millis(2));
    }
    let record = shared_store().get(handle.key()).unwrap().unwrap();
    let owner = record.lease.expect("claimed with a lease").owner;
    assert!(
        !owner.starts_with(&format!("pid-{}-", std::process::id())),
        "{owner}"
    );
    std::fs::write(&gate, "go").unwrap();
    let pid = handle.join().unwrap();
    assert_eq!(owner.split('-').nth(1), Some(pid.to_string().as_str()));
    drop(dir);
}

#[test]
fn a_child_that_writes_the_record_and_dies_is_worker_lost() {
    let (_dir, path) = pid_file();
    let handle = child_recorded_pool(path.clone(), 60);
    let pid = read_pid(&path);
    // SAFETY: signalling the worker this test's pool started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let err = handle.join_timeout(Duration::from_secs(60)).unwrap_err();
    assert!(err.is_worker_lost(), "{err}");
    assert!(err.to_string().contains("signal 9"), "{err}");
    // Cancel kills a child that writes its record too.
    let (_dir2, path2) = pid_file();
    let handle = child_recorded_pool(path2.clone(), 60);
    let pid = read_pid(&path2);
    handle.cancel().unwrap();
    assert!(handle.join().unwrap_err().is_cancelled());
    wait_gone(pid);
    let (_dir3, path3) = pid_file();
    assert!(child_recorded_pool(path3, 0).join().is_ok());
}

/// Recorded by its child (a file store, no middleware).
#[async_compute(backend = process, store = shared_store())]
fn endless_recorded_by_child(pid_file: String) -> u32 {
    std::fs::write(&pid_file, std::process::id().to_string()).unwrap();
    loop {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Recorded by this process (middleware runs where the record is written).
#[async_compute(
    backend = process,
    store = shared_store(),
    middleware = [strand_au::LoggingMiddleware::new()]
)]
fn endless_recorded_by_parent(pid_file: String) -> u32 {
    std::fs::write(&pid_file, std::process::id().to_string()).unwrap();
    loop {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Writes `Cancelled` into the record as another process would: through a
/// store of its own on the same directory, with no in-process hint.
fn cancel_from_elsewhere(key: &strand_au::Key) {
    let elsewhere = shared_store();
    let now = ComputationStore::clock(&elsewhere).now_ms();
    elsewhere
        .update(key, &mut |r| {
            strand_au::UpdateAction::write_if(r.cancel(now))
        })
        .unwrap();
}

#[test]
fn a_cancel_written_elsewhere_kills_a_child_that_records_its_computation() {
    let (_dir, path) = pid_file();
    let handle = endless_recorded_by_child(path.clone());
    let pid = read_pid(&path);
    cancel_from_elsewhere(handle.key());
    wait_gone(pid);
    assert!(handle.join().unwrap_err().is_cancelled());
}

#[test]
fn a_cancel_written_elsewhere_kills_the_child_of_a_live_launcher() {
    let (_dir, path) = pid_file();
    let handle = endless_recorded_by_parent(path.clone());
    let pid = read_pid(&path);
    cancel_from_elsewhere(handle.key());
    wait_gone(pid);
    assert!(handle.join().unwrap_err().is_cancelled());
}
