//! `Key::random`: 128 bits from a cryptographically secure generator, as
//! 32 lowercase hex digits; unique across threads, balanced bits, and
//! independent streams in every thread and process (a forked child too).

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use strand_au::Key;

/// The 128 bits of a random key.
fn bits(key: &Key) -> u128 {
    u128::from_str_radix(key.as_str(), 16).unwrap()
}

#[test]
fn thirty_two_lowercase_hex_digits() {
    for _ in 0..1_000 {
        let key = Key::random();
        let text = key.as_str();
        assert_eq!(text.len(), 32, "{text}");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{text}"
        );
        // A valid key, and the same one once parsed back.
        assert_eq!(Key::new(text).unwrap(), key);
    }
}

#[test]
fn unique_over_100k_keys_from_four_threads() {
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                (0..25_000)
                    .map(|_| bits(&Key::random()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let streams: Vec<Vec<u128>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut all = HashSet::new();
    for stream in &streams {
        for &key in stream {
            assert!(all.insert(key), "{key:032x} came twice");
        }
    }
    assert_eq!(all.len(), 100_000);
}

#[test]
fn bits_are_balanced() {
    // 10,000 keys are 1,280,000 bits: a fair source gives 50% ones with a
    // standard deviation of 0.044%; 0.5% off is over 11 sigma.
    let keys: Vec<u128> = (0..10_000).map(|_| bits(&Key::random())).collect();
    let ones: u64 = keys.iter().map(|k| u64::from(k.count_ones())).sum();
    let share = ones as f64 / (keys.len() as f64 * 128.0);
    assert!((0.495..0.505).contains(&share), "{share}");
    // Every one of the 128 bit positions too: 10,000 draws each, 50% with a
    // standard deviation of 0.5%; 3% off is 6 sigma.
    for position in 0..128 {
        let set = keys.iter().filter(|k| *k >> position & 1 == 1).count();
        let share = set as f64 / keys.len() as f64;
        assert!((0.47..0.53).contains(&share), "bit {position}: {share}");
    }
}

/// A forked child inherits its parent's memory, generator included; it
/// must still draw keys of its own, never the ones its parent draws next.
#[cfg(unix)]
#[test]
fn a_forked_child_draws_other_keys_than_its_parent() {
    use std::io::{Read as _, Write as _};
    use std::os::fd::FromRawFd as _;

    // The generator of this thread is in use before the fork.
    let _ = Key::random();
    let mut fds = [0; 2];
    // SAFETY: a pipe into a two-element array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: the child only draws keys, writes them to the pipe and
    // leaves with `_exit`, running no destructor and no test harness code.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let mut text = String::new();
        for _ in 0..100 {
            text.push_str(Key::random().as_str());
        }
        // SAFETY: the write end of the pipe, owned by this child alone.
        let mut pipe = unsafe { std::fs::File::from_raw_fd(fds[1]) };
        let code = if pipe.write_all(text.as_bytes()).is_ok() {
            0
        } else {
            1
        };
        // SAFETY: ends the child at once, as a forked child must.
        unsafe { libc::_exit(code) };
    }
    // SAFETY: closing the parent's copy of the write end.
    unsafe { libc::close(fds[1]) };
    let parent: HashSet<String> = (0..100).map(|_| Key::random().to_string()).collect();
    // SAFETY: the read end, owned by this process from here on.
    let mut pipe = unsafe { std::fs::File::from_raw_fd(fds[0]) };
    let mut text = String::new();
    pipe.read_to_string(&mut text).unwrap();
    let mut status = 0;
    // SAFETY: reaping the child forked above.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    assert_eq!(text.len(), 100 * 32);
    let child: HashSet<String> = (0..100)
        .map(|i| text[i * 32..(i + 1) * 32].to_owned())
        .collect();
    assert_eq!(child.len(), 100);
    let shared = parent.intersection(&child).count();
    assert_eq!(shared, 0, "the child drew {shared} of its parent's keys");
}
