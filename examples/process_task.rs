//! `#[as_task(process)]`: each call runs the function in a fresh child
//! process (a copy of this program that finds the function by its name), so
//! a crash or a runaway loop costs that call only, and `cancel()` can
//! really stop it. Arguments and values are serde types.
//!
//! - a CPU-bound call that succeeds, with a struct argument and value;
//! - a returned `Err`, decoded in the parent;
//! - a panic in the child, whose message reaches the parent;
//! - a child that aborts, reported with its signal;
//! - a runaway call stopped by `join_or_cancel`: its child is killed.
//!
//! Run with `cargo run -p strand-examples --example process_task`.

#[cfg(unix)]
mod demo {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use serde::{Deserialize, Serialize};
    use strand::as_task;

    /// What to count: the primes in `from..to`.
    #[derive(Debug, Serialize, Deserialize)]
    pub struct Range {
        pub from: u64,
        pub to: u64,
    }

    /// The answer, and which process computed it.
    #[derive(Debug, Serialize, Deserialize)]
    pub struct Count {
        pub primes: u64,
        pub pid: u32,
    }

    /// CPU-bound: counts primes by trial division.
    #[as_task(process)]
    pub fn count_primes(range: Range) -> Count {
        let primes = (range.from.max(2)..range.to)
            .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
            .count() as u64;
        Count {
            primes,
            pid: std::process::id(),
        }
    }

    /// Fails the task with its own error type.
    #[as_task(process)]
    pub fn parse_port(text: String) -> Result<u16, String> {
        text.trim()
            .parse()
            .map_err(|e| format!("`{text}` is not a port: {e}"))
    }

    /// Crash-prone: panics on odd input.
    #[as_task(process)]
    pub fn halve(n: u64) -> u64 {
        assert!(n % 2 == 0, "cannot halve {n} exactly");
        n / 2
    }

    /// Dies the hard way, as a bug in native code would.
    #[as_task(process)]
    pub fn abort() {
        std::process::abort()
    }

    /// Never finishes on its own; writes its pid to `pid_file` first.
    #[as_task(process)]
    pub fn runaway(pid_file: PathBuf) -> u64 {
        std::fs::write(&pid_file, std::process::id().to_string()).expect("write the pid file");
        let mut n = 0u64;
        loop {
            n = n.wrapping_add(1);
            std::hint::black_box(n);
        }
    }

    pub fn main() {
        let parent = std::process::id();
        println!("parent pid {parent}");

        // 1. A CPU-bound call: the caller is free while the child computes.
        let started = Instant::now();
        let handle = count_primes(Range {
            from: 0,
            to: 200_000,
        });
        let count = handle.join().expect("count_primes succeeds");
        assert_ne!(count.pid, parent);
        println!(
            "count_primes: {} primes below 200000, computed by child pid {} in {:?}",
            count.primes,
            count.pid,
            started.elapsed()
        );

        // 2. A returned `Err` fails the task with the decoded error.
        println!(
            "parse_port(\"8080\"): {:?}",
            parse_port("8080".into()).join()
        );
        let err = parse_port("eighty".into()).join().unwrap_err();
        println!(
            "parse_port(\"eighty\"): failed: {}",
            err.failure().expect("a returned Err")
        );

        // 3. A panic in the child comes back with its message (the child's
        //    panic hook also prints it to the shared stderr, as a thread's does).
        let err = halve(7).join().unwrap_err();
        assert!(err.is_panic());
        println!(
            "halve(7): the child panicked: {:?}",
            err.panic_message().unwrap_or("?")
        );
        println!("halve(8): {}", halve(8).join().unwrap());

        // 4. A child that dies is an error on the handle, never a hang.
        let err = abort().join().unwrap_err();
        let lost = err.process_error().expect("a process error");
        println!(
            "abort(): {:?}, signal {:?}: {err}",
            lost.kind(),
            lost.signal()
        );

        // 5. A runaway call: `join_or_cancel` waits, then kills the child.
        let pid_file = std::env::temp_dir().join(format!("strand-process-task-{parent}.pid"));
        let _ = std::fs::remove_file(&pid_file);
        let handle = runaway(pid_file.clone());
        let started = Instant::now();
        let err = handle
            .join_or_cancel(Duration::from_millis(300))
            .unwrap_err();
        assert!(err.is_cancelled());
        println!("runaway: cancelled after {:?}: {err}", started.elapsed());
        if let Ok(pid) = std::fs::read_to_string(&pid_file) {
            let _ = std::fs::remove_file(&pid_file);
            // The handle reaps the killed child, so it is gone entirely.
            let proc_dir = PathBuf::from(format!("/proc/{pid}"));
            if cfg!(target_os = "linux") {
                std::thread::sleep(Duration::from_millis(50));
                assert!(!proc_dir.exists(), "child {pid} still exists");
                println!("runaway: child pid {pid} is gone");
            } else {
                println!("runaway: child pid {pid} was killed");
            }
        }
    }
}

#[cfg(unix)]
fn main() {
    demo::main();
}

#[cfg(not(unix))]
fn main() {
    println!("the `process` target needs Unix; nothing to show on this platform");
}
