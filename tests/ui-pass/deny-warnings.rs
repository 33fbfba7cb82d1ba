// Decorated functions are warning-free under strict lints, documented or not.
#![deny(warnings, unused_qualifications, unused_results, missing_docs, clippy::all)]
#![deny(unreachable_pub, rust_2018_idioms, unsafe_op_in_unsafe_fn, unused_lifetimes)]
//! Crate docs.

use std::io;

/// Public and documented: the generated `# Task` paragraph links resolve.
#[strand::as_task(thread)]
pub fn double(x: u32) -> u32 {
    x * 2
}

/// Fallible through an alias.
#[strand::as_task(pool, on_error = |e: &strand::JoinError<io::Error>| eprintln!("{e}"))]
pub fn read(path: std::path::PathBuf) -> io::Result<String> {
    std::fs::read_to_string(path)
}

/// Unsafe, because the caller promises `x` is small.
///
/// # Safety
///
/// `x` must be below 100.
#[strand::as_task(sync)]
pub unsafe fn small(x: u8) -> u8 {
    x + 1
}

#[strand::as_task(thread, on_iter = drop)]
fn items(n: u32) -> impl Iterator<Item = u32> {
    0..n
}

fn main() {
    assert_eq!(double(1).join().unwrap(), 2);
    assert!(read("/definitely/not/here".into()).join().is_err());
    // SAFETY: 1 is below 100.
    assert_eq!(unsafe { small(1) }.join().unwrap(), 2);
    assert_eq!(items(3).join().unwrap(), 3);
}
