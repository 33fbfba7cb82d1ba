//! Process execution: the cost of a call in a fresh child process, of a
//! computation on warm worker processes, and their throughput, against the
//! in-process targets and the operating system's own floor, in one run.
//!
//! - `per_call::spawn_true`: `Command::new("true").status()`, starting and
//!   reaping the smallest program there is: the floor of any fresh process.
//! - `per_call::process_fresh`: `#[as_task(process)]`, one call then join:
//!   start a copy of this binary, send the arguments, run, reply, reap.
//! - `per_call::thread_target`: `#[as_task(thread)]`, the same function.
//! - `per_call::pool_round_trip` / `per_call::process_pool_round_trip`: one
//!   `#[async_compute]` computation in flight on a `MemoryStore`, on the
//!   thread pool backend and on 2 warm worker processes.
//! - `throughput::*`: 4,000 computations launched, then all waited for, on
//!   a `MemoryStore` (the queue holds 128, so 128 or more are in flight);
//!   divan's `item/s` is computations per second.
//!
//! Run with `cargo bench -p strand-benches --bench process`.

use std::hint::black_box;
use std::sync::{Arc, LazyLock};

use strand::as_task;
use strand_au::{MemoryStore, async_compute};

const N: usize = 4_000;

static STORE: LazyLock<Arc<MemoryStore>> = LazyLock::new(|| Arc::new(MemoryStore::new()));

fn main() {
    // Start the warm workers before measuring.
    for x in 0..8 {
        pooled(x).join().unwrap();
        threaded(x).join().unwrap();
    }
    divan::main();
}

#[as_task(process)]
fn in_child(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[as_task(thread)]
fn in_thread(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[async_compute(backend = process_pool(2), store = STORE.clone())]
fn pooled(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[async_compute(backend = pool, store = STORE.clone())]
fn threaded(x: u64) -> u64 {
    x.wrapping_mul(3)
}

mod per_call {
    use super::*;

    #[divan::bench(sample_count = 30, sample_size = 5)]
    fn spawn_true() {
        let status = std::process::Command::new("true").status().unwrap();
        assert!(status.success());
    }

    #[divan::bench(sample_count = 30, sample_size = 5)]
    fn process_fresh() -> u64 {
        in_child(black_box(7)).join().unwrap()
    }

    #[divan::bench(sample_count = 30, sample_size = 20)]
    fn thread_target() -> u64 {
        in_thread(black_box(7)).join().unwrap()
    }

    #[divan::bench(sample_count = 30, sample_size = 50)]
    fn pool_round_trip() -> u64 {
        let h = threaded(black_box(7));
        let v = h.join().unwrap();
        let _ = strand_au::ComputationStore::delete(&**STORE, h.key());
        v
    }

    #[divan::bench(sample_count = 30, sample_size = 50)]
    fn process_pool_round_trip() -> u64 {
        let h = pooled(black_box(7));
        let v = h.join().unwrap();
        let _ = strand_au::ComputationStore::delete(&**STORE, h.key());
        v
    }
}

mod throughput {
    use super::*;
    use divan::counter::ItemsCount;

    fn run<H>(launch: impl Fn(u64) -> H, wait: impl Fn(&H) -> u64, clear: impl Fn(&H)) {
        let handles: Vec<H> = (0..N as u64).map(&launch).collect();
        let mut sum = 0u64;
        for h in &handles {
            sum = sum.wrapping_add(wait(h));
            clear(h);
        }
        black_box(sum);
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn process_pool_memory(bencher: divan::Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(N)).bench(|| {
            run(
                pooled,
                |h| h.join().unwrap(),
                |h| {
                    let _ = strand_au::ComputationStore::delete(&**STORE, h.key());
                },
            )
        });
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn thread_pool_memory(bencher: divan::Bencher<'_, '_>) {
        bencher.counter(ItemsCount::new(N)).bench(|| {
            run(
                threaded,
                |h| h.join().unwrap(),
                |h| {
                    let _ = strand_au::ComputationStore::delete(&**STORE, h.key());
                },
            )
        });
    }
}
