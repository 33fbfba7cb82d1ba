//! A worker of a Redis store's queue: it claims the tasks written into the
//! `default` queue (by `redis_submit`, in another process, on this machine
//! or another) and runs them, printing what it runs.
//!
//! ```text
//! cargo run -p strand-examples --example redis_worker -- redis://127.0.0.1:6379/               # until ctrl-c / SIGTERM
//! cargo run -p strand-examples --example redis_worker -- redis://127.0.0.1:6379/ --until-idle
//! cargo run -p strand-examples --example redis_worker                                          # the local server, until idle
//! ```
//!
//! Given a URL, it serves until SIGTERM or ctrl-c (`StoreTaskReader::run`):
//! it then claims nothing more, lets the tasks in flight finish within a
//! grace period, puts the rest back, and exits. With `--until-idle`, or
//! with no argument (as `.ci/run` runs it), it stops once the queue has
//! been empty for 3 s.

#[path = "redis_tasks.rs"]
mod tasks;

use std::time::{Duration, Instant};

use strand_au::{DEFAULT_QUEUE, StoreTaskReader};

/// How long an idle worker waits for work before it stops, in the bounded mode.
const IDLE: Duration = Duration::from_secs(3);
/// The longest the bounded mode serves, whatever comes.
const AT_MOST: Duration = Duration::from_secs(120);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let until_idle = args.is_empty() || args.iter().any(|a| a == "--until-idle");
    let url = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or(tasks::DEFAULT_URL, String::as_str);
    let store = match tasks::connect(url) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("{e}\nstart a server: redis-server --daemonize yes --port 6379 --save \"\"");
            std::process::exit(1);
        }
    };
    // This binary registered `count_primes`: tasks naming it run here,
    // tasks naming anything else fail saying so.
    assert!(strand_au::lookup(tasks::count_primes::name())?.is_some());
    let reader = StoreTaskReader::new(store.clone())
        .concurrency(2)
        .grace(Duration::from_secs(10));
    println!(
        "[worker {}] serving queue `{DEFAULT_QUEUE}` of {url} (prefix `{}`, {})",
        std::process::id(),
        tasks::PREFIX,
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
