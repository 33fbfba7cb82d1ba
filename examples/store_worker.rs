//! A worker process of a store's queue: it claims the tasks written into
//! the `default` queue of a `FileSystemStore` directory (by `store_submit`,
//! in another process) and runs them, printing what it runs.
//!
//! ```text
//! cargo run -p strand-examples --example store_worker -- /tmp/q     # until ctrl-c / SIGTERM
//! cargo run -p strand-examples --example store_worker -- /tmp/q --until-idle
//! cargo run -p strand-examples --example store_worker               # $TMPDIR/strand-store-example, until idle
//! ```
//!
//! Given a directory, it serves until SIGTERM or ctrl-c
//! (`StoreTaskReader::run`): then it claims nothing more, lets the tasks in
//! flight finish within a grace period, puts the rest back into the queue,
//! and exits. With `--until-idle`, or with no argument at all (as
//! `.ci/run` runs it), it stops once the queue has been empty for 3 s.

#[path = "store_tasks.rs"]
mod tasks;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use strand_au::{ComputationStore, DEFAULT_QUEUE, FileSystemStore, StoreTaskReader};

/// How long an idle worker waits for work before it stops, in the bounded mode.
const IDLE: Duration = Duration::from_secs(3);
/// The longest the bounded mode serves, whatever comes.
const AT_MOST: Duration = Duration::from_secs(120);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let until_idle = args.is_empty() || args.iter().any(|a| a == "--until-idle");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("strand-store-example"));
    let store: Arc<dyn ComputationStore> =
        Arc::new(FileSystemStore::new(&dir).ttl(Duration::from_secs(3600)));
    // The registry knows `word_count` (an `#[async_compute]` function of
    // this binary) and `sum` (an `#[as_task(store)]` one): tasks naming
    // them run here, any other name fails.
    assert!(strand_au::lookup(tasks::WORD_COUNT)?.is_some());
    assert!(strand_au::lookup(tasks::sum::name())?.is_some());
    let reader = StoreTaskReader::new(store.clone())
        .concurrency(2)
        .grace(Duration::from_secs(10));
    println!(
        "[worker {}] serving queue `{DEFAULT_QUEUE}` of {} ({})",
        std::process::id(),
        dir.display(),
        if until_idle {
            "until idle"
        } else {
            "until ctrl-c or SIGTERM"
        }
    );
    let stats = if until_idle {
        let guard = reader.listen()?;
        let started = Instant::now();
        let mut idle_since = Instant::now();
        while idle_since.elapsed() < IDLE && started.elapsed() < AT_MOST {
            std::thread::sleep(Duration::from_millis(100));
            let queue = store.queue_stats(DEFAULT_QUEUE)?;
            if queue.ready + queue.claimed > 0 {
                idle_since = Instant::now();
            }
        }
        guard.stop()
    } else {
        reader.run()?
    };
    println!(
        "[worker {}] stopped: claimed {}, finished {}, refused {}, put back {}",
        std::process::id(),
        stats.claimed,
        stats.finished,
        stats.refused,
        stats.put_back
    );
    Ok(())
}
