//! Worker processes for the queue benchmarks (`queue.rs`, `redis.rs`): the
//! bench executable run again, told by an environment variable to serve a
//! queue instead of benchmarking. A worker says `ready` on its standard
//! output once it listens, and stops when its standard input closes.

use std::ffi::OsStr;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::thread;

/// Worker processes. Dropping it closes their standard input, on which
/// they stop, and reaps them; while panicking it kills them first (the
/// kernel closes their input too if the bench process dies).
#[derive(Debug)]
pub struct Workers(Vec<Child>);

impl Workers {
    /// Starts `n` copies of this executable with `env` added to their
    /// environment, and returns once each has said `ready`.
    ///
    /// # Panics
    ///
    /// If one cannot start, or ends before saying `ready`.
    pub fn start(env: &[(&str, &OsStr)], n: usize) -> Workers {
        let exe = std::env::current_exe().expect("the bench executable's path");
        let mut workers = Workers(Vec::with_capacity(n));
        for _ in 0..n {
            let child = Command::new(&exe)
                .envs(env.iter().copied())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("cannot start a worker process");
            workers.0.push(child);
        }
        // They start side by side; then each says it listens.
        for child in &mut workers.0 {
            let stdout = child.stdout.as_mut().expect("piped stdout");
            let mut line = String::new();
            BufReader::new(stdout)
                .read_line(&mut line)
                .expect("cannot read a worker's output");
            assert_eq!(line.trim_end(), "ready", "a worker did not start");
        }
        workers
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        let panicking = thread::panicking();
        for child in &mut self.0 {
            drop(child.stdin.take());
            if panicking {
                let _ = child.kill();
            }
        }
        for child in &mut self.0 {
            let _ = child.wait();
        }
    }
}

/// In a worker process, once it listens: says `ready`, then returns when
/// the standard input closes (the bench dropped its [`Workers`], or died).
///
/// # Panics
///
/// If `ready` cannot be written.
pub fn ready_until_stdin_closes() {
    let mut out = io::stdout().lock();
    writeln!(out, "ready")
        .and_then(|()| out.flush())
        .expect("cannot say ready");
    drop(out);
    let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
}
