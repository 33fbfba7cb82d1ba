//! Python strand's two usage examples, in Rust: a long blocking function that
//! yields chunks of a large range, with a callback called for every chunk.
//! First with a runner, then with the attribute.
//!
//! Run with `cargo run --example chunks`.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use strand::{ThreadTaskrunner, as_task};

static ELEMENTS_SEEN: AtomicU64 = AtomicU64::new(0);

fn handle_chunk(chunk: Range<u64>) {
    ELEMENTS_SEEN.fetch_add(chunk.end - chunk.start, Ordering::Relaxed);
    if chunk.start % 25_000_000 == 0 {
        println!("got a chunk: {chunk:?}");
    }
}

/// Splits `0..total_size` into chunks of `chunk_size`, lazily.
fn long_blocking_function(total_size: u64, chunk_size: u64) -> impl Iterator<Item = Range<u64>> {
    let total_size = total_size.max(chunk_size);
    (0..total_size / chunk_size).map(move |n| chunk_size * n..chunk_size * (n + 1))
}

/// The decorator form: the same function, rewritten so that a call runs it on
/// a thread and hands each chunk to `handle_chunk` as it is produced.
#[as_task(on_iter = handle_chunk)]
fn long_blocking_task(total_size: u64, chunk_size: u64) -> impl Iterator<Item = Range<u64>> {
    let total_size = total_size.max(chunk_size);
    (0..total_size / chunk_size).map(move |n| chunk_size * n..chunk_size * (n + 1))
}

fn main() {
    // Instantiate the runner; call it with the arguments as a tuple.
    // The function runs in a thread.
    let runner = ThreadTaskrunner::new(long_blocking_function).on_iter(handle_chunk);
    let handle = runner.call((100_000_000, 1_000));
    println!("runner started; the caller is free meanwhile");
    let chunks = handle.join().unwrap();
    println!("runner delivered {chunks} chunks");

    // The attribute form: calling the function starts the task.
    let chunks = long_blocking_task(100_000_000, 1_000).join().unwrap();
    println!("decorated function delivered {chunks} chunks");

    let seen = ELEMENTS_SEEN.load(Ordering::Relaxed);
    assert_eq!(seen, 200_000_000);
    println!("elements seen by the callback: {seen}");
}
