//! The cost of the batch tools over the pool target, against the plain
//! `Vec` of handles they stand for, measured in the same run:
//!
//! - `vec_of_handles` (the baseline): call an `#[as_task(pool)]` function
//!   10,000 times, keep the handles in a `Vec`, join them in order.
//! - `dispatcher`: the same calls through `TaskDispatcher::dispatch`, then
//!   `run` (outcomes kept by id in its maps); `dispatcher_bounded_64` with
//!   `max_in_flight(64)`, which waits for an outcome before each launch
//!   past the 64th.
//! - `join_all`, `as_completed`, `join_all_async`: the same 10,000 handles
//!   through each tool (the async one on a current-thread tokio runtime).
//!
//! Divan's throughput column is tasks per second; the ratio that matters is
//! each case's time over `vec_of_handles` (DESIGN.md asks the dispatcher for
//! at most 1.2x). Run with `cargo bench -p strand-benches --bench dispatch`.

use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::ItemsCount;
use strand::{Pool, TaskDispatcher, TaskHandle, as_task};

const BATCH: usize = 10_000;

fn main() {
    // Start the pool before measuring, so no sample pays for thread start-up.
    let _ = Pool::global().size();
    LazyLock::force(&RUNTIME);
    divan::main();
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
});

#[as_task(pool)]
fn pool_task(x: u64) -> u64 {
    x.wrapping_mul(3)
}

fn handles() -> Vec<TaskHandle<u64>> {
    (0..BATCH as u64).map(pool_task).collect()
}

#[divan::bench(sample_count = 40)]
fn vec_of_handles(bencher: Bencher<'_, '_>) {
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        handles()
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .fold(0u64, u64::wrapping_add)
    });
}

#[divan::bench(sample_count = 40)]
fn dispatcher(bencher: Bencher<'_, '_>) {
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        let mut dispatcher = TaskDispatcher::new();
        for x in 0..BATCH as u64 {
            dispatcher.dispatch(&pool_task, (x,));
        }
        dispatcher.run(None).unwrap();
        dispatcher
            .results()
            .values()
            .fold(0u64, |a, b| a.wrapping_add(*b))
    });
}

#[divan::bench(sample_count = 40)]
fn dispatcher_bounded_64(bencher: Bencher<'_, '_>) {
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        let mut dispatcher = TaskDispatcher::new().max_in_flight(64);
        for x in 0..BATCH as u64 {
            dispatcher.dispatch(&pool_task, (x,));
        }
        dispatcher.run(None).unwrap();
        dispatcher
            .results()
            .values()
            .fold(0u64, |a, b| a.wrapping_add(*b))
    });
}

#[divan::bench(sample_count = 40)]
fn join_all(bencher: Bencher<'_, '_>) {
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        strand::join_all(handles())
            .into_iter()
            .map(Result::unwrap)
            .fold(0u64, u64::wrapping_add)
    });
}

#[divan::bench(sample_count = 40)]
fn as_completed(bencher: Bencher<'_, '_>) {
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        strand::as_completed(handles())
            .map(|(_, outcome)| outcome.unwrap())
            .fold(0u64, u64::wrapping_add)
    });
}

#[divan::bench(sample_count = 40)]
fn join_all_async(bencher: Bencher<'_, '_>) {
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        RUNTIME
            .block_on(strand::join_all_async(handles()))
            .into_iter()
            .map(Result::unwrap)
            .fold(0u64, u64::wrapping_add)
    });
}
