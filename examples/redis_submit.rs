//! A submitter: it writes tasks into the `default` queue of a Redis store,
//! waits for the workers (other processes: `redis_worker`, here or on
//! other machines) to run them, and prints the results.
//!
//! ```text
//! redis-server --daemonize yes --port 6379 --save ""                                   # once
//! cargo run -p strand-examples --example redis_worker -- redis://127.0.0.1:6379/      # terminal 1
//! cargo run -p strand-examples --example redis_worker -- redis://127.0.0.1:6379/      # terminal 2
//! cargo run -p strand-examples --example redis_submit -- redis://127.0.0.1:6379/      # terminal 3
//! ```
//!
//! Given a URL, it relies on the workers of that store. With no argument
//! (as `.ci/run` runs it), it uses the local server and starts two workers
//! of its own: the `redis_worker` binary beside its own (built by `cargo
//! build --examples`) in bounded mode, or else readers on background
//! threads of this process.

#[path = "redis_tasks.rs"]
mod tasks;

use std::process::{Child, Command};
use std::time::Duration;

use strand_au::{ReaderGuard, StoreTaskReader};

/// How long the bounded mode waits for each result.
const BOUNDED_WAIT: Duration = Duration::from_secs(60);

/// A worker of the bounded mode.
enum Worker {
    Child(Child),
    InProcess(ReaderGuard),
}

fn start_worker(url: &str) -> std::io::Result<Worker> {
    let beside = std::env::current_exe()?.with_file_name("redis_worker");
    if beside.is_file() {
        let child = Command::new(beside).arg(url).arg("--until-idle").spawn()?;
        return Ok(Worker::Child(child));
    }
    let store = tasks::connect(url).map_err(std::io::Error::other)?;
    let guard = StoreTaskReader::new(store)
        .concurrency(2)
        .listen()
        .map_err(std::io::Error::other)?;
    Ok(Worker::InProcess(guard))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let given = std::env::args().nth(1);
    let url = given
        .clone()
        .unwrap_or_else(|| tasks::DEFAULT_URL.to_owned());
    if let Err(e) = tasks::connect(&url) {
        eprintln!("{e}\nstart a server: redis-server --daemonize yes --port 6379 --save \"\"");
        std::process::exit(1);
    }
    let workers = if given.is_none() {
        println!("starting two workers");
        vec![start_worker(&url)?, start_worker(&url)?]
    } else {
        Vec::new()
    };

    // Twenty tasks, written at once; the workers share them.
    let bounds: Vec<u64> = (1..=20).map(|n| n * 5_000).collect();
    let handles: Vec<_> = bounds.iter().map(|n| tasks::count_primes(*n)).collect();
    println!(
        "queued {} tasks, the first {}",
        handles.len(),
        handles[0].key().unwrap_or("?")
    );

    let mut total = 0;
    for (below, handle) in bounds.iter().zip(handles) {
        let count = if given.is_some() {
            handle.join()?
        } else {
            handle
                .join_timeout(BOUNDED_WAIT)
                .map_err(|e| format!("{e:?}"))?
        };
        println!("{count} primes below {below}");
        total += count;
    }
    println!("total: {total}");

    for worker in workers {
        match worker {
            Worker::Child(mut child) => {
                let status = child.wait()?;
                assert!(status.success(), "a worker failed: {status}");
            }
            Worker::InProcess(guard) => {
                guard.stop();
            }
        }
    }
    Ok(())
}
