//! `#[async_compute]` on warm worker processes: computations run in child
//! processes (copies of this program), so a crash or a runaway loop in one
//! costs that computation only. One is cancelled while it runs: its worker
//! is killed and replaced, and the pool carries on.
//!
//! Run with `cargo run -p strand-examples --example au_process_pool`.

use std::time::{Duration, Instant};

use strand_au::{MemoryStore, Status, async_compute};

/// A CPU-bound computation: the number of primes below `n`.
#[async_compute(backend = process_pool(2), store = MemoryStore::new())]
fn count_primes(n: u64) -> u64 {
    (2..n)
        .filter(|&k| (2..).take_while(|d| d * d <= k).all(|d| k % d != 0))
        .count() as u64
}

/// Never finishes on its own.
#[async_compute(backend = process_pool(1), store = MemoryStore::new())]
fn runaway(label: String) -> String {
    loop {
        std::thread::sleep(Duration::from_millis(10));
        if label.is_empty() {
            return label;
        }
    }
}

/// Dies the hard way.
#[async_compute(backend = process_pool(1), store = MemoryStore::new())]
fn crash() -> u32 {
    std::process::abort()
}

fn main() {
    let started = Instant::now();
    let handles: Vec<_> = [10_000, 20_000, 30_000, 40_000]
        .into_iter()
        .map(count_primes)
        .collect();
    for (n, h) in [10_000, 20_000, 30_000, 40_000].iter().zip(&handles) {
        println!("primes below {n}: {}", h.join().expect("computed"));
    }
    println!(
        "4 computations on 2 worker processes: {:?}",
        started.elapsed()
    );

    let stuck = runaway("spin".into());
    while stuck.status().unwrap() == Status::Pending {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    println!(
        "cancel a running computation: {:?}",
        stuck.cancel().unwrap()
    );
    let err = stuck.join().unwrap_err();
    println!("  its handle says: {err}");
    assert!(err.is_cancelled());

    let err = crash().join().unwrap_err();
    println!("a worker that aborts: {err}");
    assert!(err.is_worker_lost());

    // Both pools replaced their workers.
    let again = runaway(String::new()).join().unwrap();
    assert_eq!(again, "");
    println!(
        "after the cancel and the crash, the pools still work: primes below 100 = {}",
        count_primes(100).join().unwrap()
    );
}
