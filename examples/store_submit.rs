//! A submitter: it writes tasks into the `default` queue of a
//! `FileSystemStore` directory, prints their keys, waits for a worker (in
//! another process: `store_worker`) to run them, prints the results, and
//! exits.
//!
//! ```text
//! cargo run -p strand-examples --example store_worker -- /tmp/q   # terminal 1
//! cargo run -p strand-examples --example store_submit -- /tmp/q   # terminal 2
//! ```
//!
//! Given a directory, it relies on the workers of that directory. With no
//! argument (as `.ci/run` runs it), it uses `$TMPDIR/strand-store-example`,
//! starts a worker of its own, and waits at most a minute for each result:
//! the `store_worker` binary
//! next to its own (built by `cargo build --examples`), in bounded mode, or
//! else a `StoreTaskReader` on background threads of this process.

#[path = "store_tasks.rs"]
mod tasks;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use strand_au::{
    ComputationStore, DEFAULT_QUEUE, FileSystemStore, ReaderGuard, StoreTaskReader, StoreTaskWriter,
};

const TEXTS: [&str; 10] = [
    "the store is the queue",
    "a task runs at least once",
    "make task functions idempotent",
    "first in first out",
    "one inotify watcher per process",
    "claims are atomic renames",
    "a dead worker's task runs again",
    "up to three attempts",
    "cancel a queued task and it never runs",
    "done",
];

/// Whether a worker has a live heartbeat for the default queue of
/// `store` (a worker that stopped a moment ago may still count).
fn worker_alive(store: &dyn ComputationStore) -> bool {
    let now = store.clock().now_ms();
    store
        .heartbeats()
        .unwrap_or_default()
        .iter()
        .any(|beat| beat.is_alive(now) && beat.queues.iter().any(|q| q == DEFAULT_QUEUE))
}

/// How long the bounded mode waits for each result.
const BOUNDED_WAIT: Duration = Duration::from_secs(60);

/// A worker for the bounded mode: the `store_worker` binary beside this
/// one, or one in this process.
enum Worker {
    Child(Child),
    InProcess(ReaderGuard),
}

fn start_worker(dir: &Path, store: &Arc<dyn ComputationStore>) -> std::io::Result<Worker> {
    let beside = std::env::current_exe()?.with_file_name("store_worker");
    if beside.is_file() {
        println!(
            "starting a worker: {} {} --until-idle",
            beside.display(),
            dir.display()
        );
        let child = Command::new(beside).arg(dir).arg("--until-idle").spawn()?;
        return Ok(Worker::Child(child));
    }
    println!("starting a worker in this process");
    let guard = StoreTaskReader::new(store.clone())
        .concurrency(2)
        .listen()
        .map_err(std::io::Error::other)?;
    Ok(Worker::InProcess(guard))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let given = std::env::args().nth(1).map(PathBuf::from);
    let dir = given
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("strand-store-example"));
    let store: Arc<dyn ComputationStore> =
        Arc::new(FileSystemStore::new(&dir).ttl(Duration::from_secs(3600)));
    let worker = if given.is_none() {
        Some(start_worker(&dir, &store)?)
    } else {
        None
    };

    // Ten tasks, written in order: workers claim them first in, first out.
    let word_count = StoreTaskWriter::<(String,), usize>::new(tasks::WORD_COUNT, store.clone());
    let handles: Vec<_> = TEXTS
        .iter()
        .map(|text| word_count.call(((*text).to_owned(),)))
        .collect();
    for handle in &handles {
        println!("queued {}", handle.key().unwrap_or("?"));
    }

    // A queued task cancelled before a worker takes it never runs.
    let cancelled = word_count.call(("never counted".to_owned(),));
    let outcome = cancelled.cancel();
    println!("cancelled {}: {outcome:?}", cancelled.key().unwrap_or("?"));

    // A function declared `#[as_task(store = ...)]`: calling it writes the
    // task, and the handle is the `TaskHandle` every strand target returns.
    tasks::use_store(store.clone());
    let summed = tasks::sum((1..=10).collect());
    println!("queued sum {}", summed.key().unwrap_or("?"));

    // The same function as a computation (`#[async_compute(backend = queue)]`
    // does this): its job goes into the queue, its handle reads the record.
    let computation = tasks::word_count::computation()
        .clone()
        .store(store.clone())
        .queue(DEFAULT_QUEUE);
    let computed = computation.launch::<usize>(&("a computation through the queue",));
    println!("queued computation {}", computed.key());

    if given.is_some() && !worker_alive(&*store) {
        println!(
            "waiting for a worker: cargo run -p strand-examples --example store_worker -- {}",
            dir.display()
        );
    }
    let mut total = 0;
    for (text, handle) in TEXTS.iter().zip(handles) {
        let key = handle.key().unwrap_or("?").to_owned();
        let words = if given.is_some() {
            handle.join()?
        } else {
            handle
                .join_timeout(BOUNDED_WAIT)
                .map_err(|e| format!("{e:?}"))?
        };
        println!("{key}: {words} words in {text:?}");
        total += words;
    }
    let words = if given.is_some() {
        computed.join()?
    } else {
        computed.join_timeout(BOUNDED_WAIT)?
    };
    println!("{}: {words} words (computation)", computed.key());
    let sum_key = summed.key().unwrap_or("?").to_owned();
    let sum = if given.is_some() {
        summed.join()?
    } else {
        summed
            .join_timeout(BOUNDED_WAIT)
            .map_err(|e| format!("{e:?}"))?
    };
    println!("{sum_key}: sum of 1..=10 = {sum}");
    assert_eq!(sum, 55);
    println!("{total} words in {} tasks", TEXTS.len());
    assert_eq!(
        total,
        TEXTS
            .iter()
            .map(|t| t.split_whitespace().count())
            .sum::<usize>()
    );
    assert!(cancelled.join().is_err(), "a cancelled task never runs");

    match worker {
        Some(Worker::Child(mut child)) => {
            let status = child.wait()?;
            assert!(status.success(), "the worker failed: {status}");
        }
        Some(Worker::InProcess(guard)) => {
            let stats = guard.stop();
            println!("the worker of this process ran {} tasks", stats.finished);
        }
        None => {}
    }
    Ok(())
}
