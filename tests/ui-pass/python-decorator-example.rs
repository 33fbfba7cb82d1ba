// Python strand's decorator example:
//
//     @strand.as_task(on_iter=handle_chunk)
//     def long_blocking_function(total, chunk): ...
//
// The function yields chunks of a large range; each goes to `handle_chunk`
// on the task's thread as soon as it is produced.
use std::ops::Range;
use std::sync::Mutex;

static HANDLED: Mutex<Vec<Range<u64>>> = Mutex::new(Vec::new());

fn handle_chunk(chunk: Range<u64>) {
    HANDLED.lock().unwrap().push(chunk);
}

/// Splits `0..total` into chunks of `chunk` numbers.
#[strand::as_task(thread, on_iter = handle_chunk)]
pub fn long_blocking_function(total: u64, chunk: u64) -> impl Iterator<Item = Range<u64>> {
    let chunk = chunk.max(1);
    (0..total.div_ceil(chunk)).map(move |n| chunk * n..(chunk * (n + 1)).min(total))
}

fn main() {
    let handle = long_blocking_function(10, 4); // returns at once
    assert_eq!(handle.join().unwrap(), 3);
    assert_eq!(*HANDLED.lock().unwrap(), [0..4, 4..8, 8..10]);
}
