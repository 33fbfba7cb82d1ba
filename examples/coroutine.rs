//! `#[as_task(coroutine)]`: async functions as tasks on tokio, awaited from
//! a tokio `main`; a plain blocking function on the same target; `on_iter`
//! yielding between items; and a cancel that stops a task at its next
//! `.await`.
//!
//! Run with `cargo run -p strand-examples --example coroutine`.

use std::time::{Duration, Instant};

use strand::{CancelOutcome, as_task};

/// Stands in for an HTTP call: waits, then answers.
#[as_task(coroutine)]
async fn fetch(id: u32) -> String {
    tokio::time::sleep(Duration::from_millis(50)).await;
    format!("page {id}")
}

/// Blocking work on the coroutine target runs on tokio's blocking pool.
#[as_task(coroutine)]
fn checksum(data: Vec<u8>) -> u64 {
    data.iter().map(|&b| u64::from(b)).sum()
}

/// Each line goes to `on_iter` as it is handed over, yielding in between.
#[as_task(coroutine, on_iter = |line: String| println!("  line: {line}"))]
async fn lines(count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("line {i}")).collect()
}

/// Polls for ever; stops at an `.await` when cancelled.
#[as_task(coroutine)]
async fn watch() -> u32 {
    let mut ticks = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        ticks += 1;
        if ticks == u32::MAX {
            return ticks;
        }
    }
}

#[tokio::main]
async fn main() {
    // Ten "requests" at once on this runtime: about 50 ms in all, not 500.
    let started = Instant::now();
    let handles: Vec<_> = (1..=10).map(fetch).collect();
    for handle in handles {
        let page = handle.await.expect("fetched");
        assert!(page.starts_with("page"));
    }
    println!("10 fetches awaited together in {:?}", started.elapsed());

    let sum = checksum(vec![1, 2, 3, 250]).await.unwrap();
    println!("checksum on the blocking pool: {sum}");

    let delivered = lines(3).await.unwrap();
    println!("on_iter delivered {delivered} lines");

    let watcher = watch();
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(watcher.cancel(), CancelOutcome::Requested);
    let err = watcher.await.unwrap_err();
    println!("the watcher: {err}");
    assert!(err.is_cancelled());
}
