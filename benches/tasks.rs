//! Per-task cost of each `#[as_task]` target against the baseline it must
//! match, measured in the same run:
//!
//! - `thread`: `#[as_task(thread)]` vs `std::thread::spawn` + `join`, one task at a time.
//! - `pool_batch`: submit 10,000 tasks, then join all (batch throughput), for
//!   `#[as_task(pool)]`, a `PoolTaskrunner`, rayon's `spawn` with a oneshot
//!   channel per task, and a bare crossbeam-channel worker pool with a result
//!   channel per task. Divide the time by 10,000 for the per-task cost.
//! - `pool_round_trip`: one task in flight: submit, then join.
//! - `sync`: `#[as_task(sync)]` vs a direct call.
//!
//! Run with `cargo bench -p strand-benches --bench tasks`.

use std::hint::black_box;
use std::sync::LazyLock;
use std::thread;

use crossbeam_channel::{Sender, bounded};
use strand::{Pool, PoolTaskrunner, as_task};

const BATCH: usize = 10_000;

fn main() {
    // Start every pool before measuring, so no sample pays for thread start-up.
    let workers = Pool::global().size();
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build_global()
        .ok();
    LazyLock::force(&CHANNEL_POOL);
    divan::main();
}

#[as_task(thread)]
fn thread_task(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[as_task(pool)]
fn pool_task(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[as_task(sync)]
fn sync_task(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[inline(never)]
fn direct(x: u64) -> u64 {
    x.wrapping_mul(3)
}

mod thread_spawn {
    use super::*;

    #[divan::bench]
    fn std_spawn_join() -> u64 {
        let x = black_box(7u64);
        thread::spawn(move || x.wrapping_mul(3)).join().unwrap()
    }

    #[divan::bench]
    fn as_task_thread() -> u64 {
        thread_task(black_box(7)).join().unwrap()
    }
}

/// A minimal crossbeam worker pool: the fastest hand-written in-process executor.
struct ChannelPool {
    tx: Sender<Box<dyn FnOnce() + Send>>,
}

static CHANNEL_POOL: LazyLock<ChannelPool> = LazyLock::new(|| {
    let (tx, rx) = bounded::<Box<dyn FnOnce() + Send>>(Pool::global().queue_capacity());
    for _ in 0..Pool::global().size() {
        let rx = rx.clone();
        thread::spawn(move || {
            while let Ok(job) = rx.recv() {
                job();
            }
        });
    }
    ChannelPool { tx }
});

mod pool_batch {
    use super::*;

    #[divan::bench(sample_count = 30)]
    fn as_task_pool() -> u64 {
        let handles: Vec<_> = (0..BATCH as u64).map(|i| pool_task(black_box(i))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .fold(0, u64::wrapping_add)
    }

    #[divan::bench(sample_count = 30)]
    fn pool_taskrunner() -> u64 {
        static RUNNER: LazyLock<PoolTaskrunner<(u64,), u64>> =
            LazyLock::new(|| PoolTaskrunner::new(|x: u64| x.wrapping_mul(3)));
        let handles: Vec<_> = (0..BATCH as u64)
            .map(|i| RUNNER.call((black_box(i),)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .fold(0, u64::wrapping_add)
    }

    #[divan::bench(sample_count = 30)]
    fn rayon_spawn_oneshot() -> u64 {
        let receivers: Vec<_> = (0..BATCH as u64)
            .map(|i| {
                let (tx, rx) = bounded(1);
                let x = black_box(i);
                rayon::spawn(move || {
                    let _ = tx.send(x.wrapping_mul(3));
                });
                rx
            })
            .collect();
        receivers
            .into_iter()
            .map(|rx| rx.recv().unwrap())
            .fold(0, u64::wrapping_add)
    }

    #[divan::bench(sample_count = 30)]
    fn crossbeam_pool_oneshot() -> u64 {
        let receivers: Vec<_> = (0..BATCH as u64)
            .map(|i| {
                let (tx, rx) = bounded(1);
                let x = black_box(i);
                CHANNEL_POOL
                    .tx
                    .send(Box::new(move || {
                        let _ = tx.send(x.wrapping_mul(3));
                    }))
                    .unwrap();
                rx
            })
            .collect();
        receivers
            .into_iter()
            .map(|rx| rx.recv().unwrap())
            .fold(0, u64::wrapping_add)
    }
}

mod pool_round_trip {
    use super::*;

    #[divan::bench]
    fn as_task_pool() -> u64 {
        pool_task(black_box(7)).join().unwrap()
    }

    #[divan::bench]
    fn rayon_spawn_oneshot() -> u64 {
        let (tx, rx) = bounded(1);
        let x = black_box(7u64);
        rayon::spawn(move || {
            let _ = tx.send(x.wrapping_mul(3));
        });
        rx.recv().unwrap()
    }
}

mod sync {
    use super::*;

    #[divan::bench]
    fn direct_call() -> u64 {
        direct(black_box(7))
    }

    #[divan::bench]
    fn as_task_sync() -> u64 {
        sync_task(black_box(7)).join().unwrap()
    }
}
