//! No process outlives its owner: children that strand starts die with the
//! process that started them, on every exit path, unless the user chose
//! durability (an `#[async_compute]` child recording its own computation in
//! a file store). The owner is `bin/process_owner.rs`; its children are
//! identified by pid and start time, so a reused pid is never mistaken for
//! one of them.

#![cfg(target_os = "linux")]

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strand_au::{ComputationHandle, FileSystemStore, Key};
use strand_tests::pids::Proc;

/// How long a child may outlive its owner.
const GRACE: Duration = Duration::from_secs(2);

struct Owner {
    child: Child,
    stdout: BufReader<ChildStdout>,
    dir: tempfile::TempDir,
    store: tempfile::TempDir,
}

impl Owner {
    /// Starts the owner in `mode`.
    fn spawn(mode: &str) -> Owner {
        let dir = tempfile::tempdir().unwrap();
        let store = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_process_owner"))
            .args([mode, dir.path().to_str().unwrap()])
            .env("STRAND_TEST_STORE", store.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Owner {
            child,
            stdout,
            dir,
            store,
        }
    }

    /// Starts the owner in `mode` and waits until it says its children run.
    fn start(mode: &str) -> Owner {
        let mut owner = Owner::spawn(mode);
        assert_eq!(
            owner.line(),
            "ready",
            "the owner did not start its children"
        );
        owner
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().to_owned()
    }

    /// The child that wrote its pid under `label`.
    fn child(&self, label: &str) -> Proc {
        let pid = std::fs::read_to_string(self.dir.path().join(label)).unwrap();
        let child = Proc::find(pid.trim().parse().unwrap()).expect("the child runs");
        assert!(child.is_alive());
        child
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: signalling the owner process this test started.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Lets the owner go on to its exit path.
    fn go(&mut self) {
        writeln!(self.child.stdin.as_mut().unwrap(), "go").unwrap();
    }

    /// Waits for the owner to end (its directories stay until `self` drops).
    fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }
}

/// Asserts that every one of `children` is gone within [`GRACE`].
fn assert_gone_soon(children: &[Proc]) {
    let deadline = Instant::now() + GRACE;
    for child in children {
        while child.is_alive() {
            assert!(
                Instant::now() < deadline,
                "child {child:?} outlived its owner by {GRACE:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[test]
fn dropping_a_handle_and_exiting_ends_the_child() {
    let mut owner = Owner::start("exit");
    let task = owner.child("task");
    owner.go();
    assert!(owner.wait().success());
    assert_gone_soon(&[task]);
}

#[test]
fn a_panic_in_main_ends_the_child() {
    let mut owner = Owner::start("panic");
    let task = owner.child("task");
    owner.go();
    assert_eq!(owner.wait().code(), Some(101));
    assert_gone_soon(&[task]);
}

fn killed_owner(signal: libc::c_int) {
    let mut owner = Owner::start("wait");
    let children = ["task", "computation", "pooled"].map(|label| owner.child(label));
    owner.signal(signal);
    let status = owner.wait();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(signal)
    );
    assert_gone_soon(&children);
}

#[test]
fn sigterm_to_the_owner_ends_its_children() {
    killed_owner(libc::SIGTERM);
}

#[test]
fn sigkill_to_the_owner_ends_its_children() {
    killed_owner(libc::SIGKILL);
}

#[test]
fn a_cancelled_computation_recorded_by_its_child_ends_when_the_owner_exits() {
    let mut owner = Owner::start("au-cancel");
    let child = owner.child("computation");
    owner.go();
    assert!(owner.wait().success());
    assert_gone_soon(&[child]);
}

#[test]
fn a_computation_recorded_by_its_child_outlives_a_killed_owner() {
    let mut owner = Owner::start_durable();
    let key = owner.key.take().unwrap();
    let child = owner.owner.child("computation");
    owner.owner.signal(libc::SIGKILL);
    let store = Arc::new(FileSystemStore::new(owner.owner.store.path()));
    let handle = ComputationHandle::<u32>::from_key(key, store);
    // The child finishes the work and records it, then exits.
    assert_eq!(handle.join_timeout(Duration::from_secs(30)).unwrap(), 42);
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.is_alive() {
        assert!(Instant::now() < deadline, "the durable child never exited");
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = owner.owner.wait();
}

struct Durable {
    owner: Owner,
    key: Option<Key>,
}

impl Owner {
    /// Starts the owner of a durable computation: it prints the key, then
    /// `ready`.
    fn start_durable() -> Durable {
        let mut owner = Owner::spawn("au-durable");
        let key = Key::new(owner.line()).expect("the owner prints the key");
        assert_eq!(owner.line(), "ready");
        Durable {
            owner,
            key: Some(key),
        }
    }
}

#[test]
fn a_process_is_known_by_pid_and_start_time() {
    let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
    let proc = Proc::find(sleeper.id() as i32).unwrap();
    assert!(proc.is_alive());
    // Another start time under the same pid is another process.
    assert!(!proc.with_start_time(proc.start_time() + 1).is_alive());
    sleeper.kill().unwrap();
    // A zombie is not alive either, before and after it is reaped.
    let deadline = Instant::now() + Duration::from_secs(30);
    while proc.is_alive() {
        assert!(
            Instant::now() < deadline,
            "the killed sleep is still running"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    sleeper.wait().unwrap();
    assert!(!proc.is_alive());
}
