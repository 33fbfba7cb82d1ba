//! Pools: the shared default pool, a dedicated pool chosen with
//! `pool = expr`, backpressure with `try_call`, and tasks that start
//! sub-tasks on their own pool without deadlocking it.
//!
//! Run with `cargo run --example pool`.

use std::time::{Duration, Instant};

use strand::{Pool, PoolTaskrunner, as_task};

/// FNV-1a of the data. Runs on `Pool::global()`: one worker per core.
#[as_task(pool)]
fn checksum(data: Vec<u8>) -> u32 {
    data.iter().fold(0x811c_9dc5u32, |hash, b| {
        (hash ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// A dedicated pool for slow I/O-like work, built once on first call.
#[as_task(pool = Pool::builder().size(4).queue_capacity(16).name("io").build())]
fn fetch(id: u32) -> String {
    std::thread::sleep(Duration::from_millis(10));
    format!(
        "record {id} (on {})",
        std::thread::current().name().unwrap_or("?")
    )
}

/// Splits work into sub-tasks on the same pool and joins them. Sub-tasks
/// submitted from a pool worker run inline, so this cannot deadlock even on a
/// pool of one.
#[as_task(pool)]
fn tree_sum(lo: u64, hi: u64) -> u64 {
    if hi - lo <= 1_000 {
        return (lo..hi).sum();
    }
    let mid = lo + (hi - lo) / 2;
    let left = tree_sum(lo, mid);
    let right = tree_sum(mid, hi);
    left.join().unwrap() + right.join().unwrap()
}

fn main() {
    let handles: Vec<_> = (0..8u8)
        .map(|i| checksum(vec![i; 1 << 16 | usize::from(i)]))
        .collect();
    let sums: Vec<u32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    println!("checksums: {sums:?}");

    let start = Instant::now();
    let records: Vec<_> = (0..8).map(fetch).collect();
    for record in records {
        println!("{}", record.join().unwrap());
    }
    println!("8 fetches of 10 ms on 4 workers took {:?}", start.elapsed());

    println!(
        "tree sum of 0..1000000 = {}",
        tree_sum(0, 1_000_000).join().unwrap()
    );

    // Backpressure without blocking: a tiny pool whose queue fills up.
    let tiny = Pool::builder().size(1).queue_capacity(2).build();
    let slow =
        PoolTaskrunner::new(|ms: u64| std::thread::sleep(Duration::from_millis(ms))).pool(&tiny);
    let mut accepted = Vec::new();
    let mut refused = 0;
    for _ in 0..6 {
        match slow.try_call((20,)) {
            Ok(handle) => accepted.push(handle),
            Err(full) => {
                refused += 1;
                println!(
                    "queue full, got the arguments back: {:?}",
                    full.into_inner()
                );
            }
        }
    }
    println!("accepted {}, refused {refused}", accepted.len());
    for handle in accepted {
        handle.join().unwrap();
    }
}
