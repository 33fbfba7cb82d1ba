// The `sync` target keeps an `unsafe fn` unsafe: its body runs during the
// call, inside the caller's `unsafe` block, so the caller's safety contract
// covers it. Owned, borrowed and generic arguments, a fallible body and
// callbacks, under the lints that check `unsafe` code.
#![deny(unsafe_op_in_unsafe_fn, unused_unsafe, warnings)]

/// # Safety
///
/// `p` must point to a live `u32`.
#[strand::as_task(sync)]
unsafe fn read(p: *const u32) -> u32 {
    // SAFETY: the caller promises that `p` points to a live `u32`.
    unsafe { *p }
}

/// # Safety
///
/// `bytes` must be UTF-8.
#[strand::as_task(sync, on_end = |n: &usize| assert_eq!(*n, 2))]
unsafe fn words(bytes: &[u8]) -> usize {
    // SAFETY: the caller promises UTF-8.
    let text = unsafe { std::str::from_utf8_unchecked(bytes) };
    text.split_whitespace().count()
}

/// # Safety
///
/// `i` must be in bounds.
#[strand::as_task(sync)]
unsafe fn pick<T: Clone + 'static>(items: Vec<T>, i: usize) -> T {
    // SAFETY: the caller promises that `i` is in bounds.
    unsafe { items.get_unchecked(i) }.clone()
}

/// # Safety
///
/// `text` must be ASCII digits.
#[strand::as_task(sync, on_error = |e: &strand::JoinError<std::num::ParseIntError>| eprintln!("{e}"))]
unsafe fn parse(text: String) -> Result<u8, std::num::ParseIntError> {
    text.parse()
}

fn main() {
    let x = 7;
    // SAFETY: `&x` points to a live `u32`.
    let handle = unsafe { read(&x) };
    assert!(handle.is_finished());
    assert_eq!(handle.join().unwrap(), 7);
    // SAFETY: a string literal is UTF-8.
    assert_eq!(unsafe { words(b"one two") }.join().unwrap(), 2);
    // SAFETY: 1 is in bounds.
    assert_eq!(unsafe { pick(vec!['a', 'b'], 1) }.join().unwrap(), 'b');
    // SAFETY: digits.
    assert_eq!(unsafe { parse("42".to_owned()) }.join().unwrap(), 42);
}
