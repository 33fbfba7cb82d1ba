//! `strand::run_process`: real children, readiness, and cleanup of the whole
//! process group (no process left behind).
//!
//! The TCP server child is this test binary itself, re-run with only the
//! ignored `child_tcp_server` test selected, so nothing beyond `sh` and
//! `sleep` is needed. Process state is read from /proc, so the file is
//! Linux only; zombies count as gone (an orphaned grandchild is reaped by
//! PID 1, which may be slow or never happen in a container).
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use strand::run_process::port_is_open;
use strand::{RunProcess, RunProcessError};

/// The variable that turns `child_tcp_server` into a server on that port.
const SERVER_PORT_VAR: &str = "STRAND_TEST_RUN_PROCESS_PORT";
/// What the server writes to every connection.
const GREETING: &[u8] = b"hello from the child\n";
/// Signal numbers on Linux.
const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;
/// Hang guard for conditions that should hold almost at once.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// The server child: does nothing unless the other tests start it.
#[test]
#[ignore = "the TCP server child of the other tests; does nothing when run directly"]
fn child_tcp_server() {
    let Ok(port) = std::env::var(SERVER_PORT_VAR) else {
        return;
    };
    let port: u16 = port.parse().expect("a port number");
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("bind the test port");
    for stream in listener.incoming() {
        let _ = stream.and_then(|mut stream| stream.write_all(GREETING));
    }
}

/// A command that runs `child_tcp_server` on `port`.
fn server_command(port: u16) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args([
            "child_tcp_server",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env(SERVER_PORT_VAR, port.to_string())
        .stdout(Stdio::null());
    command
}

/// A `sh -c script` command; `$0` in the script is `arg`.
fn sh(script: &str, arg: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(script).arg(arg);
    command
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0");
    listener.local_addr().expect("local address").port()
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// A fresh path in the temporary directory, removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "strand-run-process-{}-{label}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        TempPath(path)
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The fields of /proc/<pid>/stat after the command name.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    Some(after_name.split_whitespace().map(str::to_owned).collect())
}

/// Whether `pid` is a live (not zombie) process.
fn alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|fields| !matches!(fields[0].as_str(), "Z" | "X"))
}

/// The process group of `pid`.
fn pgid(pid: u32) -> u32 {
    stat_fields(pid).expect("a running process")[2]
        .parse()
        .expect("a group id")
}

/// The live processes in group `pgid`.
fn group_members(pgid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            stat_fields(pid).is_some_and(|fields| {
                !matches!(fields[0].as_str(), "Z" | "X") && fields[2] == pgid.to_string()
            })
        })
        .collect()
}

/// Polls `condition` until it holds; panics after the hang guard.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG_GUARD;
    while !condition() {
        assert!(Instant::now() < deadline, "still waiting for: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The pid a script wrote to `path`, once it is there.
fn read_pid(path: &Path) -> u32 {
    let mut pid = None;
    wait_until("the script to write a pid", || {
        pid = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.trim().parse().ok());
        pid.is_some()
    });
    pid.expect("a pid")
}

#[test]
fn server_is_ready_on_its_port_and_its_whole_group_is_gone_after_drop() {
    let port = free_port();
    let addr = loopback(port);
    let grandchild_file = TempPath::new("grandchild");
    // The shell starts a grandchild, records its pid, then becomes the server.
    let mut command = sh(
        "sleep 300 & echo $! > \"$0\"; exec \"$@\"",
        &grandchild_file.0,
    );
    let server = server_command(port);
    command.arg(server.get_program()).args(server.get_args());
    command
        .env(SERVER_PORT_VAR, port.to_string())
        .stdout(Stdio::null());

    let guard = RunProcess::new(command)
        .name("test server")
        .ready_when_port_open(addr)
        .ready_timeout(HANG_GUARD)
        .start()
        .expect("the server starts");
    assert!(guard.was_started());
    assert!(guard.is_running());
    assert_eq!(guard.name(), "test server");

    let mut reply = Vec::new();
    TcpStream::connect(addr)
        .expect("the server accepts connections once ready")
        .read_to_end(&mut reply)
        .expect("read the greeting");
    assert_eq!(reply, GREETING);

    let pid = guard.pid().expect("started");
    assert_eq!(pgid(pid), pid, "the child leads a process group of its own");
    assert_ne!(pgid(std::process::id()), pid);
    let grandchild = read_pid(&grandchild_file.0);
    assert!(alive(grandchild));
    assert_eq!(
        pgid(grandchild),
        pid,
        "the grandchild is in the child's group"
    );

    drop(guard);
    assert!(!alive(pid), "the child is reaped by the drop");
    assert!(!port_is_open(addr), "the port is closed after the drop");
    wait_until("the grandchild to die", || !alive(grandchild));
    assert_eq!(group_members(pid), Vec::<u32>::new());
}

#[test]
fn readiness_timeout_is_an_error_and_stops_the_child() {
    let addr = loopback(free_port()); // nothing listens there
    let mut sleep = Command::new("sleep");
    sleep.arg("30");
    let error = RunProcess::new(sleep)
        .ready_when_port_open(addr)
        .ready_timeout(Duration::from_millis(200))
        .start()
        .expect_err("nothing ever listens on the port");

    let RunProcessError::NotReady { pid, timeout, .. } = &error else {
        panic!("expected NotReady, got {error:?}");
    };
    assert_eq!(*timeout, Duration::from_millis(200));
    assert!(!alive(*pid), "the child was stopped and reaped");
    assert_eq!(group_members(*pid), Vec::<u32>::new());
    let message = error.to_string();
    assert!(message.starts_with("`sleep` (pid "), "{message}");
    assert!(message.contains("was not ready within 200ms"), "{message}");
    assert!(message.contains("RunProcess::ready_timeout"), "{message}");
}

#[test]
fn exit_before_ready_reports_the_status_and_stops_the_group() {
    let grandchild_file = TempPath::new("early-exit");
    let error = RunProcess::new(sh(
        "sleep 300 & echo $! > \"$0\"; exit 7",
        &grandchild_file.0,
    ))
    .name("early exit")
    .ready_when(|| false)
    .ready_timeout(HANG_GUARD)
    .start()
    .expect_err("the script exits at once");

    let RunProcessError::ExitedBeforeReady { status, pid, .. } = &error else {
        panic!("expected ExitedBeforeReady, got {error:?}");
    };
    assert_eq!(status.code(), Some(7));
    assert_eq!(error.exit_status().and_then(|s| s.code()), Some(7));
    assert!(!alive(*pid));
    let grandchild = read_pid(&grandchild_file.0);
    wait_until("the grandchild to die", || !alive(grandchild));
    let message = error.to_string();
    assert!(
        message.contains("`early exit`") && message.contains("exited before it was ready"),
        "{message}"
    );
    assert!(message.contains("exit status: 7"), "{message}");
}

#[test]
fn a_fixed_delay_reports_an_early_exit_too() {
    let error = RunProcess::new(sh("exit 3", "sh"))
        .ready_after(HANG_GUARD)
        .start()
        .expect_err("the script exits during the delay");
    assert_eq!(error.exit_status().and_then(|s| s.code()), Some(3));
}

#[test]
fn a_fixed_delay_then_ready() {
    let mut sleep = Command::new("sleep");
    sleep.arg("30");
    let guard = RunProcess::new(sleep)
        .ready_after(Duration::from_millis(50))
        .start()
        .expect("still running after the delay");
    assert!(guard.is_running());
    let status = guard.stop().expect("stopped").expect("started");
    assert_eq!(status.signal(), Some(SIGTERM));
}

#[test]
fn spawn_failure_names_the_program_and_says_what_to_check() {
    let error = RunProcess::new(Command::new("/nonexistent/strand-no-such-program"))
        .start()
        .expect_err("no such program");
    assert!(matches!(error, RunProcessError::Spawn { .. }), "{error:?}");
    assert_eq!(error.pid(), None);
    assert!(std::error::Error::source(&error).is_some());
    let message = error.to_string();
    assert!(
        message.starts_with("could not start `/nonexistent/strand-no-such-program`"),
        "{message}"
    );
    assert!(message.contains("on PATH"), "{message}");

    let named = RunProcess::new(Command::new("/nonexistent/strand-no-such-program"))
        .name("helper")
        .start()
        .expect_err("no such program")
        .to_string();
    assert!(
        named.starts_with(
            "could not start `helper` (program `/nonexistent/strand-no-such-program`)"
        ),
        "{named}"
    );
}

#[test]
fn already_running_check_skips_the_start() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("address");
    let marker = TempPath::new("never-started");

    let mut checks = 0;
    let guard = RunProcess::new(sh("touch \"$0\"; sleep 30", &marker.0))
        .already_running(|| {
            checks += 1;
            port_is_open(addr)
        })
        .ready_when_port_open(addr)
        .start()
        .expect("skipping is not an error");
    assert!(!guard.was_started());
    assert!(!guard.is_running());
    assert_eq!(guard.pid(), None);
    assert!(guard.child().is_none());
    assert_eq!(guard.try_wait().expect("no process, no error"), None);
    assert_eq!(guard.stop().expect("nothing to stop"), None);
    assert_eq!(checks, 1);
    assert!(!marker.0.exists(), "the command was never run");

    // The same check, saying "not running", lets the start go ahead.
    let mut sleep = Command::new("sleep");
    sleep.arg("30");
    let guard = RunProcess::new(sleep)
        .already_running(|| false)
        .start()
        .expect("started");
    assert!(guard.was_started());
}

#[test]
fn without_force_kill_the_drop_waits_for_a_natural_exit() {
    let done = TempPath::new("natural-exit");
    let guard = RunProcess::new(sh("sleep 0.2; echo done > \"$0\"", &done.0))
        .force_kill(false)
        .start()
        .expect("started");
    let pid = guard.pid().expect("started");
    drop(guard); // blocks until the script has finished
    assert!(!alive(pid));
    assert_eq!(
        std::fs::read_to_string(&done.0).expect("the script ran to its end"),
        "done\n"
    );

    let status = RunProcess::new(sh("sleep 0.1; exit 4", "sh"))
        .force_kill(false)
        .start()
        .expect("started")
        .stop()
        .expect("waited")
        .expect("started");
    assert_eq!(status.code(), Some(4), "not signalled: {status}");
}

#[test]
fn a_child_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let grandchild_file = TempPath::new("trap-grandchild");
    let path = grandchild_file.0.clone();
    // The pid file is written after the trap is set: ready means "ignores SIGTERM".
    let script = "trap '' TERM; sleep 300 & echo $! > \"$0\"; wait";
    let guard = RunProcess::new(sh(script, &path))
        .name("stubborn")
        .ready_when(|| std::fs::metadata(&path).is_ok_and(|m| m.len() > 0))
        .ready_timeout(HANG_GUARD)
        .grace_period(Duration::from_millis(200))
        .start()
        .expect("started");
    let pid = guard.pid().expect("started");
    let grandchild = read_pid(&grandchild_file.0);
    assert_eq!(pgid(grandchild), pid);

    let status = guard.stop().expect("stopped").expect("started");
    assert_eq!(
        status.signal(),
        Some(SIGKILL),
        "SIGKILL after the grace period: {status}"
    );
    assert!(!alive(pid));
    wait_until("the grandchild to die", || !alive(grandchild));
    assert_eq!(group_members(pid), Vec::<u32>::new());
}

#[test]
fn stop_sends_sigterm_and_reports_the_status() {
    let mut sleep = Command::new("sleep");
    sleep.arg("30");
    let guard = RunProcess::new(sleep).start().expect("started");
    let pid = guard.pid().expect("started");
    assert!(alive(pid));
    assert!(guard.child().is_some_and(|child| child.id() == pid));
    let status = guard.stop().expect("stopped").expect("started");
    assert_eq!(status.signal(), Some(SIGTERM));
    assert!(!alive(pid));
}

#[test]
fn try_wait_sees_an_exit_without_reaping_and_stop_returns_it() {
    let guard = RunProcess::new(sh("exit 5", "sh"))
        .start()
        .expect("started");
    let mut status = None;
    wait_until("the script to exit", || {
        status = guard.try_wait().expect("readable");
        status.is_some()
    });
    assert_eq!(status.and_then(|s| s.code()), Some(5));
    assert!(!guard.is_running());
    let pid = guard.pid().expect("started");
    assert!(
        stat_fields(pid).is_some(),
        "try_wait leaves the child unreaped (a zombie)"
    );
    assert_eq!(
        guard.stop().expect("reaped").and_then(|s| s.code()),
        Some(5)
    );
    assert!(stat_fields(pid).is_none(), "reaped");
}

#[test]
fn a_panicking_readiness_check_stops_the_child() {
    let pid_file = TempPath::new("panic");
    let path = pid_file.0.clone();
    let result = std::panic::catch_unwind(move || {
        RunProcess::new(sh("echo $$ > \"$0\"; exec sleep 30", &path))
            .ready_when(|| {
                if std::fs::metadata(&path).is_ok_and(|m| m.len() > 0) {
                    panic!("readiness check failed");
                }
                false
            })
            .ready_timeout(HANG_GUARD)
            .start()
    });
    assert!(result.is_err(), "the panic propagates");
    let pid = read_pid(&pid_file.0);
    assert!(!alive(pid), "the child was stopped during the unwind");
}

#[test]
fn into_child_leaves_the_process_running() {
    let mut sleep = Command::new("sleep");
    sleep.arg("30");
    let guard = RunProcess::new(sleep).start().expect("started");
    let mut child = guard.into_child().expect("started");
    assert!(alive(child.id()), "dropping the guard did not stop it");
    child.kill().expect("kill");
    child.wait().expect("reap");
}
