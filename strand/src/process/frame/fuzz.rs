//! A bounded fuzzer of the frame protocol (issue 13, item 6): arbitrary
//! bytes, and real streams of requests, replies and `started` frames with
//! bit flips, truncations, insertions and extreme length prefixes, read
//! frame by frame to the end ([`read_frame`], what the child and the parent
//! read with) from memory and from a socket pair, each body decoded as a
//! request (the child's [`decode_request`]) and as a reply (the parent's
//! [`is_started`] and [`decode_reply`]). The properties: no panic, no hang,
//! and no allocation much beyond the bytes that arrived, whatever a length
//! prefix claims.
//!
//! The seed and the case count are fixed and printed; `STRAND_FUZZ_SEED`
//! and `STRAND_FUZZ_CASES` replay a failure or run longer:
//!
//! ```text
//! STRAND_FUZZ_CASES=100000 cargo test --release -p strand --lib fuzz -- --ignored --nocapture
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use super::*;

/// The test binary's allocator, which notes the largest allocation made by
/// a thread while it watches.
struct Watching;

thread_local! {
    static WATCH: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: allocations during thread teardown find no slot.
    let watching = WATCH.try_with(Cell::get).unwrap_or(false);
    if watching {
        let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
    }
}

// SAFETY: every call is passed on to `System` unchanged.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as the caller promised for `layout`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller promised for `ptr` and `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as the caller promised for `ptr`, `layout`, `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// The largest allocation `f` made on this thread.
fn largest_allocation<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|l| l.set(0));
    WATCH.with(|w| w.set(true));
    let result = f();
    WATCH.with(|w| w.set(false));
    (result, LARGEST.with(Cell::get))
}

const DEFAULT_SEED: u64 = 0x5354_5241_4e44_0013;
const DEFAULT_MEMORY_CASES: u32 = 20_000;
const DEFAULT_SOCKET_CASES: u32 = 1_000;

fn runner(property: &str, default_cases: u32) -> TestRunner {
    let seed = std::env::var("STRAND_FUZZ_SEED")
        .ok()
        .map(|s| {
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
            .expect("STRAND_FUZZ_SEED: a number (decimal or 0x hex)")
        })
        .unwrap_or(DEFAULT_SEED);
    let cases = std::env::var("STRAND_FUZZ_CASES")
        .ok()
        .map(|s| s.parse().expect("STRAND_FUZZ_CASES: a number"))
        .unwrap_or(default_cases);
    println!(
        "fuzz {property}: STRAND_FUZZ_SEED={seed:#x} STRAND_FUZZ_CASES={cases} (replay with these)"
    );
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 500,
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    )
}

/// A real frame: a request, a reply or a `started` frame.
fn frame() -> impl Strategy<Value = Vec<u8>> {
    let bytes = || prop::collection::vec(any::<u8>(), 0..40);
    let text = || "\\PC{0,20}";
    prop_oneof![
        (any::<bool>(), any::<bool>(), text(), bytes()).prop_map(|(binary, ack, name, payload)| {
            let format = if binary {
                Serialization::Binary
            } else {
                Serialization::Json
            };
            encode_request(format, &name, &payload, ack)
        }),
        bytes().prop_map(|b| encode_reply(&Reply::Value(b))),
        text().prop_map(|m| encode_reply(&Reply::Panic(m))),
        (0..5u8, text()).prop_map(|(code, m)| {
            let kind = ChildErrorKind::from_code(code).unwrap();
            encode_reply(&Reply::Error(kind, m))
        }),
        Just(encode_started()),
    ]
}

/// Length prefixes worth trying.
fn length() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(u32::MAX),
        Just(1 << 31),
        Just(MAX_FRAME as u32),
        Just(MAX_FRAME as u32 + 1),
        Just(MAX_FRAME as u32 - 1),
        Just(FIRST_READ as u32 + 1),
        any::<u32>(),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    /// A length prefix written over four bytes.
    Length(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), length()).prop_map(|(i, l)| Mutation::Length(i, l)),
    ]
}

/// A byte stream: arbitrary bytes, or real frames mutated.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => (length(), prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(len, rest)| {
            let mut b = len.to_le_bytes().to_vec();
            b.extend(rest);
            b
        }),
        4 => (
            prop::collection::vec(frame(), 1..5),
            prop::collection::vec(mutation(), 0..4),
        )
            .prop_map(|(frames, mutations)| {
                let mut b = frames.concat();
                for m in mutations {
                    let at = |i: usize, n: usize| if n == 0 { 0 } else { i % n };
                    match m {
                        Mutation::Flip(i, bit) if !b.is_empty() => {
                            let i = at(i, b.len());
                            b[i] ^= 1 << bit;
                        }
                        Mutation::Truncate(i) => b.truncate(at(i, b.len() + 1)),
                        Mutation::Insert(i, x) => {
                            let i = at(i, b.len() + 1);
                            b.splice(i..i, x);
                        }
                        Mutation::Length(i, len) if b.len() >= 4 => {
                            let i = at(i, b.len() - 3);
                            b[i..i + 4].copy_from_slice(&len.to_le_bytes());
                        }
                        _ => {}
                    }
                }
                b
            }),
    ]
}

/// Reads frames from `reader` to its end (or its first error), decoding
/// every body both ways; how many frames it read.
fn read_all(reader: &mut impl Read) -> usize {
    let mut frames = 0;
    while let Ok(Some(body)) = read_frame(reader) {
        frames += 1;
        let _ = decode_request(&body).map(|r| (r.name.len(), r.payload.len(), r.acknowledge));
        let _ = is_started(&body);
        let _ = decode_reply(body);
    }
    frames
}

/// The bound on what reading `input` may allocate at once: the input
/// itself, twice over for a growing buffer, plus the first read.
fn allocation_bound(input: &[u8]) -> usize {
    2 * input.len() + 2 * FIRST_READ
}

fn check_in_memory(input: &[u8]) -> Result<(), TestCaseError> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        largest_allocation(|| read_all(&mut &input[..]))
    }));
    let (frames, largest) = match outcome {
        Ok(counts) => counts,
        Err(panic) => {
            WATCH.with(|w| w.set(false));
            return Err(TestCaseError::fail(format!(
                "panicked: {}",
                crate::error::panic_message(&*panic)
            )));
        }
    };
    prop_assert!(
        frames <= input.len() / 4,
        "{frames} frames from {} bytes",
        input.len()
    );
    prop_assert!(
        largest <= allocation_bound(input),
        "allocated {largest} bytes at once reading {} bytes",
        input.len()
    );
    Ok(())
}

#[test]
#[ignore = "fuzz: run by .ci/run"]
fn fuzz_frames_in_memory() {
    let start = Instant::now();
    let mut runner = runner("frames in memory", DEFAULT_MEMORY_CASES);
    let result = runner.run(&stream(), |input| check_in_memory(&input));
    println!(
        "fuzz frames in memory: {} cases in {:.1?}",
        runner.config().cases,
        start.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The stream written into one end of a socket pair by another thread,
/// which then closes it; read from the other end with a timeout, so that a
/// read waiting for bytes that never come fails instead of hanging.
fn check_through_socket(input: Vec<u8>) -> Result<(), TestCaseError> {
    let (mut ours, mut theirs) = UnixStream::pair().unwrap();
    ours.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let len = input.len();
    let writer = std::thread::spawn(move || {
        let _ = theirs.write_all(&input);
    });
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| read_all(&mut ours)));
    let _ = writer.join();
    let took = start.elapsed();
    match outcome {
        Err(panic) => Err(TestCaseError::fail(format!(
            "panicked: {}",
            crate::error::panic_message(&*panic)
        ))),
        Ok(_) if took >= Duration::from_secs(10) => {
            Err(TestCaseError::fail(format!("reading {len} bytes hung")))
        }
        Ok(_) => Ok(()),
    }
}

#[test]
#[ignore = "fuzz: run by .ci/run"]
fn fuzz_frames_through_a_socket() {
    let start = Instant::now();
    let mut runner = runner("frames through a socket", DEFAULT_SOCKET_CASES);
    let result = runner.run(&stream(), check_through_socket);
    println!(
        "fuzz frames through a socket: {} cases in {:.1?}",
        runner.config().cases,
        start.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Inputs kept as fixed cases (run by plain `cargo test`).
#[test]
fn regressions() {
    // A prefix claiming a frame at the 1 GiB limit, then a few bytes: the
    // reader allocated the whole GiB before reading any of it.
    let mut claims_a_gib = (MAX_FRAME as u32).to_le_bytes().to_vec();
    claims_a_gib.extend([0, 1, 2]);
    // Every prefix over the limit, and one a byte under it.
    let mut inputs = vec![
        claims_a_gib,
        u32::MAX.to_le_bytes().to_vec(),
        (1u32 << 31).to_le_bytes().to_vec(),
        (MAX_FRAME as u32 + 1).to_le_bytes().to_vec(),
        (MAX_FRAME as u32 - 1).to_le_bytes().to_vec(),
        // An empty request and an empty reply, a request whose name runs
        // past the frame, an error reply without its code.
        vec![0, 0, 0, 0],
        vec![3, 0, 0, 0, 0, 0xff, 0xff],
        vec![1, 0, 0, 0, 2],
    ];
    // A well-formed stream cut at every point.
    let whole = [
        encode_request(Serialization::Binary, "m::f", b"\x91\x01", true),
        encode_started(),
        encode_reply(&Reply::Error(ChildErrorKind::Arguments, "bad".into())),
    ]
    .concat();
    inputs.extend((0..whole.len()).map(|cut| whole[..cut].to_vec()));
    for input in inputs {
        if let Err(e) = check_in_memory(&input) {
            panic!("{input:?}: {e}");
        }
    }
    assert!(check_through_socket(vec![0xff; 4]).is_ok());
}
