//! `TaskDispatcher`: 1,000 tasks on the pool target, then the same 1,000
//! on the store target (a queue in a `FileSystemStore`, run by workers of
//! this process), at most 64 in flight, with a progress line that updates
//! in place, and the results and errors kept by id.
//!
//! Run with `cargo run --example dispatcher`.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use strand::{DispatchId, Launch, TaskDispatcher, as_task};
use strand_au::{ComputationStore, FileSystemStore, StoreTaskReader};

/// How many tasks each run dispatches.
const TASKS: u64 = 1_000;

/// A checksum of record `n`; records whose number is a multiple of 97 are
/// corrupt, so some tasks fail.
fn checksum(n: u64) -> Result<u64, String> {
    if n % 97 == 0 {
        return Err(format!("record {n} is corrupt"));
    }
    // A little work: FNV-1a over the record's bytes, a thousand rounds.
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for round in 0..1_000u64 {
        for byte in (n ^ round).to_le_bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(hash)
}

/// The checksum on strand's global pool.
#[as_task(pool)]
fn checksum_on_pool(n: u64) -> Result<u64, String> {
    checksum(n)
}

/// The store the queued tasks are written to: a fresh directory.
static STORE: LazyLock<Arc<dyn ComputationStore>> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("strand-dispatcher-{}", std::process::id()));
    Arc::new(FileSystemStore::new(dir)) as Arc<dyn ComputationStore>
});

/// The checksum as a queued task: a call writes it into the store's queue,
/// and a worker (here, of this process) runs it.
#[as_task(store = STORE.clone(), name = "dispatcher_example::checksum")]
fn checksum_queued(n: u64) -> Result<u64, String> {
    checksum(n)
}

/// Runs every record through `launcher` with at most 64 tasks in flight,
/// printing progress in place, and reports the outcome.
fn run<L>(target: &str, launcher: &L)
where
    L: Launch<(u64,), Value = u64, Error = String> + Clone + Send + 'static,
{
    let started = Instant::now();
    let mut dispatcher = TaskDispatcher::new().max_in_flight(64);
    let ids: Vec<DispatchId> = (1..=TASKS)
        .map(|n| dispatcher.enqueue(launcher, (n,)))
        .collect();

    // The progress line is redrawn in place on a terminal only.
    let mut stdout = std::io::stdout();
    let live = stdout.is_terminal();
    let mut shown = Instant::now();
    while dispatcher
        .join_next_timeout(Duration::from_secs(60))
        .is_some()
    {
        if live && shown.elapsed() >= Duration::from_millis(100) {
            shown = Instant::now();
            let _ = write!(stdout, "\r{target:>5}: {}", dispatcher.counts());
            let _ = stdout.flush();
        }
    }
    // Whatever is left (nothing, unless a task is stuck) fails the run here.
    if let Err(unfinished) = dispatcher.run(Duration::from_secs(60)) {
        panic!("{target}: {unfinished}");
    }
    let counts = dispatcher.counts();
    println!("\r{target:>5}: {counts} in {:.0?}", started.elapsed());

    assert_eq!(counts.succeeded + counts.failed, TASKS as usize);
    assert_eq!(counts.failed, (TASKS / 97) as usize);
    let first_error = dispatcher.errors().iter().next();
    if let Some((id, error)) = first_error {
        println!(
            "       first error: task {id}: {}",
            error
                .failure()
                .map_or_else(|| error.to_string(), String::clone)
        );
    }
    let xor = dispatcher.results().values().fold(0, |acc, v| acc ^ v);
    println!(
        "       xor of the {} checksums: {xor:016x}",
        counts.succeeded
    );
    // Task ids follow the order of enqueueing: the 97th record's task failed.
    assert!(matches!(
        dispatcher.outcome(ids[96]),
        Some(Err(e)) if e.failure().is_some_and(|m| m.contains("record 97"))
    ));
}

fn main() {
    run("pool", &checksum_on_pool);

    // Workers of the store's default queue, in this process; with
    // `cargo run --example store_worker`-style binaries they could be
    // anywhere that sees the store.
    let workers = StoreTaskReader::new(STORE.clone())
        .concurrency(4)
        .listen()
        .expect("start the store's workers");
    run("store", &checksum_queued);
    drop(workers);

    let dir = std::env::temp_dir().join(format!("strand-dispatcher-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(dir);
}
