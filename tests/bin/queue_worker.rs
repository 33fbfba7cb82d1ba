//! A worker of a store's queue for the multi-process tests of
//! `queue_processes.rs`: `queue_worker <dir> <concurrency> <lease ms>
//! [grace ms] [watch|poll]` serves the `default` and `shapes` queues of the
//! FileSystemStore at `<dir>` until SIGTERM, with the test functions below
//! and the `#[as_task(store)]` ones of `queue_macro_tasks.rs`.
//!
//! Each function records each of its runs as a file
//! `<dir>/runs/<id>-<pid>-<n>`, so the tests count runs per task.
//!
//! With `QUEUE_WORKER_REDIS=<url>|<prefix>` in its environment it serves
//! a `RedisStore` there instead (the Redis chaos test of `chaos.rs`),
//! still recording runs under `<dir>`.

#[path = "queue_macro_tasks.rs"]
mod macro_tasks;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use strand_au::{
    ComputationFailure, ComputationStore, FileSystemStore, RedisStore, StoreTaskReader,
};

static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
static N: AtomicU64 = AtomicU64::new(0);

/// Records one run of task `id`; how many runs of it there are now.
fn record_run(id: u64) -> usize {
    let runs = DIR.get().expect("dir set").join("runs");
    let _ = std::fs::create_dir_all(&runs);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = format!("{id}-{}-{n}", std::process::id());
    std::fs::write(runs.join(name), b"").expect("record a run");
    runs_of(&runs, id)
}

fn runs_of(runs: &Path, id: u64) -> usize {
    let prefix = format!("{id}-");
    std::fs::read_dir(runs)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .count()
        })
        .unwrap_or(0)
}

fn id_of(args: &serde_json::Value) -> Result<u64, ComputationFailure> {
    strand_au::__private::decode_args::<(u64,)>(args.clone()).map(|(id,)| id)
}

/// Runs once and returns its id.
fn once(args: serde_json::Value) -> Result<serde_json::Value, ComputationFailure> {
    let id = id_of(&args)?;
    record_run(id);
    Ok(serde_json::json!(id))
}

/// On its first run, blocks until the process is killed; on a later run,
/// returns how many runs there were.
fn first_run_hangs(args: serde_json::Value) -> Result<serde_json::Value, ComputationFailure> {
    let id = id_of(&args)?;
    let runs = record_run(id);
    if runs == 1 {
        loop {
            std::thread::sleep(Duration::from_secs(60));
        }
    }
    Ok(serde_json::json!(runs))
}

/// Sleeps `ms` (records its run first), then returns its id.
fn sleepy(args: serde_json::Value) -> Result<serde_json::Value, ComputationFailure> {
    let (id, ms) = strand_au::__private::decode_args::<(u64, u64)>(args)?;
    record_run(id);
    std::thread::sleep(Duration::from_millis(ms));
    Ok(serde_json::json!(id))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(&args[1]);
    let concurrency: usize = args[2].parse().expect("concurrency");
    let lease: u64 = args[3].parse().expect("lease ms");
    let grace: u64 = args.get(4).map_or(10_000, |g| g.parse().expect("grace ms"));
    DIR.set(dir.clone()).expect("dir once");
    strand_au::register("queue_test::once", "queue_worker::once", once).expect("register");
    strand_au::register(
        "queue_test::first_run_hangs",
        "queue_worker::first_run_hangs",
        first_run_hangs,
    )
    .expect("register");
    strand_au::register("queue_test::sleepy", "queue_worker::sleepy", sleepy).expect("register");
    let watch = args.get(5).is_none_or(|w| w != "poll");
    let store: Arc<dyn ComputationStore> = match std::env::var("QUEUE_WORKER_REDIS") {
        Ok(spec) => {
            let (url, prefix) = spec
                .split_once('|')
                .expect("QUEUE_WORKER_REDIS=<url>|<prefix>");
            Arc::new(
                RedisStore::open(url)
                    .expect("the Redis server")
                    .prefix(prefix),
            )
        }
        Err(_) => Arc::new(FileSystemStore::new(&dir).watch(watch)),
    };
    println!("ready {}", std::process::id());
    assert!(strand_au::lookup(macro_tasks::area::name()).is_ok_and(|f| f.is_some()));
    let stats = StoreTaskReader::new(store)
        .queues(["default", "shapes"])
        .concurrency(concurrency)
        .lease(Duration::from_millis(lease))
        .grace(Duration::from_millis(grace))
        .run()
        .expect("the worker runs");
    println!(
        "stopped claimed={} finished={} put_back={}",
        stats.claimed, stats.finished, stats.put_back
    );
}
