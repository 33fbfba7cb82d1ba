//! The store as a queue, across processes: worker processes
//! (`bin/queue_worker.rs`) racing on one FileSystemStore, killed, stopped
//! with SIGTERM; a writer process killed right after writing.

#[path = "bin/queue_macro_tasks.rs"]
mod macro_tasks;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use strand::CancelOutcome;
use strand_au::{ComputationStore, FileSystemStore, Status, StoreTaskWriter};
use strand_tests::KillOnDrop;

const LONG: Duration = Duration::from_secs(120);

/// Starts a worker on `dir` and waits until it says it is ready.
fn worker(dir: &Path, concurrency: usize, lease_ms: u64, grace_ms: u64) -> KillOnDrop {
    worker_watching(dir, concurrency, lease_ms, grace_ms, true)
}

/// [`worker`], whose store watches its directory (inotify) or not.
fn worker_watching(
    dir: &Path,
    concurrency: usize,
    lease_ms: u64,
    grace_ms: u64,
    watch: bool,
) -> KillOnDrop {
    let mut child = Command::new(env!("CARGO_BIN_EXE_queue_worker"))
        .arg(dir)
        .arg(concurrency.to_string())
        .arg(lease_ms.to_string())
        .arg(grace_ms.to_string())
        .arg(if watch { "watch" } else { "poll" })
        .stdout(Stdio::piped())
        .spawn()
        .expect("start a worker");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped");
    let mut reader = BufReader::new(stdout);
    reader.read_line(&mut line).expect("the worker says ready");
    assert!(line.starts_with("ready"), "{line:?}");
    // Keep reading its output so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in reader.lines() {});
    KillOnDrop(child)
}

fn store(dir: &Path) -> Arc<dyn ComputationStore> {
    Arc::new(FileSystemStore::new(dir))
}

/// Runs of each task id, from the files the worker functions write.
fn runs(dir: &Path) -> HashMap<u64, usize> {
    let mut runs = HashMap::new();
    for entry in std::fs::read_dir(dir.join("runs"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id: u64 = name.split('-').next().unwrap().parse().unwrap();
        *runs.entry(id).or_default() += 1;
    }
    runs
}

/// Waits until `ready` holds, looking again at growing intervals: for
/// signals that only the file system carries.
fn wait_until(mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + LONG;
    let mut pause = Duration::from_millis(1);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

fn sigterm(child: &KillOnDrop) {
    // SAFETY: kill(2) on a child we own, which we reap in KillOnDrop.
    assert_eq!(unsafe { libc::kill(child.0.id() as i32, libc::SIGTERM) }, 0);
}

#[test]
fn four_worker_processes_run_each_of_2000_tasks_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let workers: Vec<_> = (0..4)
        .map(|_| worker(dir.path(), 2, 30_000, 10_000))
        .collect();
    let once = StoreTaskWriter::<(u64,), u64>::new("queue_test::once", store(dir.path()));
    let handles: Vec<_> = (0..2000u64).map(|id| once.call((id,))).collect();
    for (id, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join_timeout(LONG).unwrap(), id as u64);
    }
    let runs = runs(dir.path());
    assert_eq!(runs.len(), 2000);
    let twice: Vec<_> = runs.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "tasks not run exactly once: {twice:?}");
    // A task's entry goes just after its terminal record is written (in
    // the same locked update), so its handle may return first: wait for it.
    let s = store(dir.path());
    wait_until(|| {
        let stats = s.queue_stats("default").unwrap();
        stats.waiting() + stats.claimed == 0
    });
    drop(workers);
}

#[test]
fn a_task_whose_worker_is_killed_runs_again_on_another_worker() {
    let dir = tempfile::tempdir().unwrap();
    let first = worker(dir.path(), 1, 300, 10_000);
    let hangs =
        StoreTaskWriter::<(u64,), usize>::new("queue_test::first_run_hangs", store(dir.path()));
    let handle = hangs.call((7,));
    let key = handle.key().unwrap().to_owned();
    // Wait for the positive signal that the first run's body started: the
    // file it writes. (Running alone is not enough: the worker marks the
    // record before it calls the function.)
    let store = store(dir.path());
    let mut record = store.get(&key.parse().unwrap()).unwrap().unwrap();
    while record.status != Status::Running {
        record = store
            .wait_for_change(&key.parse().unwrap(), record.version, None)
            .unwrap()
            .unwrap();
    }
    wait_until(|| runs(dir.path()).get(&7) == Some(&1));
    drop(first); // kill -9
    let _second = worker(dir.path(), 1, 300, 10_000);
    assert_eq!(
        handle.join_timeout(LONG).unwrap(),
        2,
        "the second run sees the first"
    );
    let record = store.get(&key.parse().unwrap()).unwrap().unwrap();
    assert_eq!(record.attempts, 2);
    assert_eq!(runs(dir.path())[&7], 2);
}

#[test]
fn tasks_of_a_writer_killed_right_after_writing_all_complete() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_queue_writer"))
            .arg(dir.path())
            .arg("50")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut keys = Vec::new();
    for line in BufReader::new(writer.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if line == "written" {
            break;
        }
        keys.push(line);
    }
    drop(writer); // kill -9, right after writing
    assert_eq!(keys.len(), 50);
    let _worker = worker(dir.path(), 2, 30_000, 10_000);
    let once = StoreTaskWriter::<(u64,), u64>::new("queue_test::once", store(dir.path()));
    for (id, key) in keys.iter().enumerate() {
        assert_eq!(once.handle(key).join_timeout(LONG).unwrap(), id as u64);
    }
}

#[test]
fn a_cancelled_queued_task_never_runs() {
    let dir = tempfile::tempdir().unwrap();
    let once = StoreTaskWriter::<(u64,), u64>::new("queue_test::once", store(dir.path()));
    let cancelled = once.call((1,));
    let key = cancelled.key().unwrap().to_owned();
    let outcome = cancelled.cancel();
    if outcome != CancelOutcome::NotStarted {
        panic!("{outcome:?}: {:?}", cancelled.join());
    }
    assert!(cancelled.join().unwrap_err().is_cancelled());
    let _worker = worker(dir.path(), 1, 30_000, 10_000);
    // Tasks written after it run: the worker has been through the queue.
    assert_eq!(once.call((2,)).join_timeout(LONG).unwrap(), 2);
    assert_eq!(once.call((3,)).join_timeout(LONG).unwrap(), 3);
    let record = store(dir.path())
        .get(&key.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(record.status, Status::Cancelled);
    assert_eq!(record.attempts, 0);
    assert!(!runs(dir.path()).contains_key(&1));
    // The cancel removes the entry just after it writes the record.
    let s = store(dir.path());
    wait_until(|| s.queue_stats("default").unwrap().waiting() == 0);
}

#[test]
fn an_unknown_function_bad_arguments_and_a_corrupt_entry_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let once = StoreTaskWriter::<(u64,), u64>::new("queue_test::once", s.clone());
    let unknown = StoreTaskWriter::<(u64,), u64>::new("queue_test::nobody", s.clone()).call((1,));
    let bad_args =
        StoreTaskWriter::<(String,), u64>::new("queue_test::once", s.clone()).call(("x".into(),));
    let corrupt = once.call((3,));
    let corrupt_key = corrupt.key().unwrap().to_owned();
    std::fs::write(
        dir.path().join(format!("{corrupt_key}.json")),
        b"{ not a record",
    )
    .unwrap();
    let good: Vec<_> = (10..20u64).map(|id| once.call((id,))).collect();
    let _worker = worker(dir.path(), 2, 30_000, 10_000);
    for (i, handle) in good.into_iter().enumerate() {
        assert_eq!(handle.join_timeout(LONG).unwrap(), 10 + i as u64);
    }
    let err = unknown
        .join_timeout(LONG)
        .unwrap_err()
        .into_join_error()
        .unwrap();
    assert!(
        err.elsewhere()
            .unwrap()
            .contains("unknown function `queue_test::nobody`"),
        "{err}"
    );
    let err = bad_args
        .join_timeout(LONG)
        .unwrap_err()
        .into_join_error()
        .unwrap();
    assert!(
        err.elsewhere().unwrap().contains("cannot decode arguments"),
        "{err}"
    );
    let err = corrupt
        .join_timeout(LONG)
        .unwrap_err()
        .into_join_error()
        .unwrap();
    assert!(err.elsewhere().unwrap().contains("corrupt"), "{err}");
    // The corrupt bytes are kept aside, not lost.
    let kept = std::fs::read_dir(dir.path().join(".corrupt"))
        .unwrap()
        .count();
    assert_eq!(kept, 1);
}

#[test]
fn sigterm_lets_the_task_in_flight_finish_and_leaves_the_rest_queued() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let first = worker(dir.path(), 1, 30_000, 20_000);
    let sleepy = StoreTaskWriter::<(u64, u64), u64>::new("queue_test::sleepy", s.clone());
    let in_flight = sleepy.call((1, 2_000));
    let key = in_flight.key().unwrap().parse().unwrap();
    let mut record = s.get(&key).unwrap().unwrap();
    while record.status != Status::Running {
        record = s
            .wait_for_change(&key, record.version, None)
            .unwrap()
            .unwrap();
    }
    let rest: Vec<_> = (2..6u64).map(|id| sleepy.call((id, 0))).collect();
    sigterm(&first);
    let mut first = first;
    let status = first.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // The task in flight finished; the rest were never claimed.
    assert_eq!(in_flight.join_timeout(LONG).unwrap(), 1);
    let stats = s.queue_stats("default").unwrap();
    assert_eq!((stats.ready, stats.claimed), (4, 0), "{stats:?}");
    let _second = worker(dir.path(), 2, 30_000, 10_000);
    for (i, handle) in rest.into_iter().enumerate() {
        assert_eq!(handle.join_timeout(LONG).unwrap(), 2 + i as u64);
    }
    assert!(runs(dir.path()).values().all(|n| *n == 1));
}

#[test]
fn a_function_declared_as_task_store_runs_on_a_worker_process() {
    use macro_tasks::{AreaError, Rect, area};

    let dir = tempfile::tempdir().unwrap();
    // The only test that calls the tasks of `macro_tasks`: their store is
    // evaluated once per process, at the first call.
    assert!(macro_tasks::STORE.set(store(dir.path())).is_ok());
    let rect = Rect { w: 3, h: 4 };
    let empty = Rect { w: 0, h: 4 };
    let handle: strand::TaskHandle<(u64, u32), AreaError> = area(rect);
    let failing = area(empty);
    // Dropped: the task stays queued, and its key makes a new handle.
    let key = area(Rect { w: 5, h: 5 }).key().unwrap().to_owned();
    let worker = worker(dir.path(), 2, 30_000, 10_000);
    let worker_pid = worker.0.id();

    let (value, pid) = handle.join_timeout(LONG).unwrap();
    assert_eq!(value, 12);
    assert_eq!(pid, worker_pid, "the body ran in the worker process");
    let err = failing
        .join_timeout(LONG)
        .unwrap_err()
        .into_join_error()
        .unwrap();
    // The error comes back typed, as the function returned it.
    assert_eq!(err.failure(), Some(&AreaError::Empty(empty)));
    assert_eq!(area::handle(&key).join_timeout(LONG).unwrap().0, 25);

    let record = store(dir.path())
        .get(&key.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(record.function, "queue_test::area");
    assert_eq!(record.queue.as_deref(), Some("shapes"));
    assert_eq!(record.attempts, 1);
}

#[test]
fn without_inotify_workers_and_handles_poll_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Neither side watches the directory (as on a network file system, or
    // where inotify is unavailable): the worker finds tasks and the
    // handles their outcomes on their backoff timers alone.
    let polling: Arc<dyn ComputationStore> =
        Arc::new(FileSystemStore::new(dir.path()).watch(false));
    assert!(!polling.subscribe_sees_all_writes());
    let once = StoreTaskWriter::<(u64,), u64>::new("queue_test::once", polling.clone());
    let early: Vec<_> = (0..20u64).map(|id| once.call((id,))).collect();
    let _workers = [
        worker_watching(dir.path(), 2, 30_000, 10_000, false),
        worker_watching(dir.path(), 2, 30_000, 10_000, false),
    ];
    // Tasks written while the workers wait on their timers.
    let late: Vec<_> = (20..40u64).map(|id| once.call((id,))).collect();
    for (id, handle) in early.into_iter().chain(late).enumerate() {
        assert_eq!(handle.join_timeout(LONG).unwrap(), id as u64);
    }
    let runs = runs(dir.path());
    assert_eq!(runs.len(), 40);
    assert!(runs.values().all(|n| *n == 1), "{runs:?}");
}
