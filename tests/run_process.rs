//! `strand::run_process`: real children, readiness, and cleanup of the whole
//! process group (no process left behind).
//!
//! The TCP server child is the package's `tcp_greeter` helper binary
//! (tests/bin/tcp_greeter.rs), so nothing beyond `sh` and `sleep` is
//! needed. Process state is read from /proc, so the file is Linux only;
//! zombies count as gone (an orphaned grandchild is reaped by PID 1, which
//! may be slow or never happen in a container).
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use strand::run_process::port_is_open;
use strand::{RunProcess, RunProcessError, as_task};

/// What the server writes to every connection.
const GREETING: &str = "hello from the child\n";
/// Signal numbers on Linux.
const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;
/// Hang guard for conditions that should hold almost at once.
const HANG_GUARD: Duration = Duration::from_secs(30);

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
    command
        .arg(env!("CARGO_BIN_EXE_tcp_greeter"))
        .arg(port.to_string())
        .arg(GREETING)
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
    assert_eq!(reply, GREETING.as_bytes());

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

// ---------------------------------------------------------------------------
// Registered functions as processes: arguments through an inherited file.

/// Writes `text` back to `path`: proves the whole argument arrived.
#[allow(dead_code, reason = "run by name, through `RunProcess::function`")]
#[as_task(process)]
fn write_back(path: String, text: String) {
    std::fs::write(path, text).expect("write the argument back");
}

/// Writes to `path` what is left of the hand-over (variables named
/// `STRAND_PROCESS_RUN*`, open descriptors of the arguments file), then
/// waits to be stopped. `_secret` only has to travel.
#[allow(dead_code, reason = "run by name, through `RunProcess::function`")]
#[as_task(process)]
fn report_leftovers_and_wait(path: String, _secret: String) {
    let variables: Vec<String> = std::env::vars_os()
        .map(|(name, _)| name.to_string_lossy().into_owned())
        .filter(|name| name.starts_with("STRAND_PROCESS_RUN"))
        .collect();
    let descriptors: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .filter(|target| target.contains("strand-args"))
        .collect();
    let partial = format!("{path}.partial");
    std::fs::write(&partial, format!("{variables:?} {descriptors:?}")).expect("write the report");
    std::fs::rename(partial, &path).expect("publish the report");
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn a_function_receives_an_argument_larger_than_an_environment_string() {
    let out = TempPath::new("large-argument");
    // 1 MiB: over the 128 KiB that one environment string may hold.
    let text: String = (0..1 << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let path = out.0.to_str().expect("a UTF-8 path").to_owned();
    let status = RunProcess::function(
        concat!(module_path!(), "::write_back"),
        &(path, text.clone()),
    )
    .expect("the command")
    .force_kill(false)
    .start()
    .expect("started")
    .wait()
    .expect("waited")
    .expect("started");
    assert!(status.success(), "{status}");
    let written = std::fs::read_to_string(&out.0).expect("the function wrote its argument");
    assert_eq!(written.len(), text.len());
    assert!(written == text, "the argument arrived changed");
}

#[test]
fn function_arguments_are_not_in_the_childs_environment() {
    let report = TempPath::new("leftovers");
    let secret = format!("strand-secret-{}-{:?}", std::process::id(), Instant::now());
    let path = report.0.to_str().expect("a UTF-8 path").to_owned();
    let mut run = RunProcess::function(
        concat!(module_path!(), "::report_leftovers_and_wait"),
        &(path, secret.clone()),
    )
    .expect("the command");
    run.command_mut()
        .env("STRAND_TEST_ENVIRON_MARKER", "present");
    let guard = run
        .ready_when(|| report.0.exists())
        .ready_timeout(HANG_GUARD)
        .start()
        .expect("the function runs");
    let pid = guard.pid().expect("started");

    // The environment the child was executed with, marker included.
    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("the child's environ");
    let has = |needle: &[u8]| environ.windows(needle.len()).any(|w| w == needle);
    assert!(
        has(b"STRAND_TEST_ENVIRON_MARKER=present"),
        "not the child's environment"
    );
    assert!(
        !has(secret.as_bytes()),
        "the arguments are in the environment"
    );

    // In the function, the variables are gone and the file is closed.
    let leftovers = std::fs::read_to_string(&report.0).expect("the report");
    assert_eq!(leftovers, "[] []");
    drop(guard);
}

/// Runs this test binary as `function_command` would for `name`, but with
/// `STRAND_PROCESS_RUN_FD` set to `fd` (`None`: unset) after the `sh`
/// command `redirect` (in which `$0` is `file`); returns its exit code and
/// standard error.
fn run_diverted(
    name: &str,
    fd: Option<&str>,
    redirect: &str,
    file: &Path,
) -> (Option<i32>, String) {
    let mut command = sh(&format!("{redirect}; exec \"$@\""), file);
    command
        .arg(std::env::current_exe().expect("the test binary"))
        .env("STRAND_PROCESS_RUN", name)
        .env_remove("STRAND_PROCESS_RUN_FD")
        .stdout(Stdio::null());
    if let Some(fd) = fd {
        command.env("STRAND_PROCESS_RUN_FD", fd);
    }
    let output = command.output().expect("the child runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_bad_argument_descriptor_is_exit_code_2_with_a_message() {
    let name = concat!(module_path!(), "::write_back");
    let garbage = TempPath::new("garbage-arguments");
    std::fs::write(&garbage.0, "not json").expect("write the garbage");
    // Over the 256 MiB limit, sparse: no disk space used.
    let huge = TempPath::new("huge-arguments");
    std::fs::File::create(&huge.0)
        .and_then(|file| file.set_len((256 << 20) + 1))
        .expect("a sparse file");
    let cases: [(Option<&str>, &str, &Path, &str); 7] = [
        (None, ":", &garbage.0, "`STRAND_PROCESS_RUN_FD` is not"),
        (
            Some("five"),
            ":",
            &garbage.0,
            "is not a file descriptor number above 2",
        ),
        (
            Some("1"),
            ":",
            &garbage.0,
            "is not a file descriptor number above 2",
        ),
        (Some("57"), ":", &garbage.0, "(57) is not open"),
        (
            Some("5"),
            "exec 5<\"$0\"",
            Path::new("/"),
            "(5) is not a regular file",
        ),
        (
            Some("5"),
            "exec 5<\"$0\"",
            &huge.0,
            "over the limit of 268435456 bytes",
        ),
        (Some("5"), "exec 5<\"$0\"", &garbage.0, "did not decode"),
    ];
    for (fd, redirect, file, expected) in cases {
        let (code, stderr) = run_diverted(name, fd, redirect, file);
        assert_eq!(code, Some(2), "fd {fd:?}, {redirect}: {stderr}");
        assert!(
            stderr.starts_with(&format!("strand: cannot run `{name}`: ")),
            "{stderr}"
        );
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

// ---------------------------------------------------------------------------
// Children die with their owner (Linux: PR_SET_PDEATHSIG).

/// The helper that owns a child in the tests below.
const OWNER: &str = env!("CARGO_BIN_EXE_run_process_owner");
/// How soon a child must be gone after its owner ended.
const DEATH_DEADLINE: Duration = Duration::from_secs(2);

/// A process known by pid *and* start time, so that a reused pid is not
/// taken for it.
#[derive(Debug, Clone, Copy)]
struct ProcessId {
    pid: u32,
    start_time: u64,
}

impl ProcessId {
    /// `pid`, which must be running now.
    fn of(pid: u32) -> Self {
        let fields = stat_fields(pid).expect("the process is there");
        // Field 22 of /proc/<pid>/stat; the fields here start at field 3.
        let start_time = fields[22 - 3].parse().expect("a start time");
        ProcessId { pid, start_time }
    }

    /// Whether this very process is alive (not a zombie).
    fn is_alive(self) -> bool {
        stat_fields(self.pid).is_some_and(|fields| {
            !matches!(fields[0].as_str(), "Z" | "X")
                && fields[22 - 3].parse::<u64>().ok() == Some(self.start_time)
        })
    }
}

/// Kills the process on drop if it is still this one: no test leaves a
/// child behind, even when it fails.
struct KillOnDrop(ProcessId);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if self.0.is_alive() {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { libc::kill(self.0.pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

/// A running `run_process_owner` and the child it started.
struct Owner {
    process: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    child: ProcessId,
    _cleanup: KillOnDrop,
}

impl Owner {
    /// Starts the owner with `args` and reads its child's pid.
    fn start(args: &[&str]) -> Self {
        let mut process = Command::new(OWNER)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()) // quiet: the owner's panic is expected
            .spawn()
            .expect("the owner starts");
        let stdin = process.stdin.take().expect("piped");
        let mut stdout = std::io::BufReader::new(process.stdout.take().expect("piped"));
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).expect("the owner prints a pid");
        let pid: u32 = line.trim().parse().unwrap_or_else(|_| {
            let _ = process.kill();
            let mut stderr = String::new();
            let _ = process
                .stderr
                .take()
                .expect("piped")
                .read_to_string(&mut stderr);
            panic!("the owner {args:?} printed no pid but {line:?}; its stderr: {stderr}")
        });
        // Read while the owner, and so the child, is alive.
        let child = ProcessId::of(pid);
        assert!(child.is_alive());
        Owner {
            process,
            stdin,
            stdout,
            child,
            _cleanup: KillOnDrop(child),
        }
    }

    /// Sends `signal` to the owner.
    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.process.id()).expect("a pid");
        // SAFETY: kill has no memory-safety preconditions.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal the owner");
    }

    /// Waits for the owner to end and returns how it ended.
    fn wait(&mut self) -> std::process::ExitStatus {
        self.process.wait().expect("the owner is reaped")
    }

    /// Asserts that the child is gone within [`DEATH_DEADLINE`] (the owner
    /// has ended).
    fn assert_child_dies(&self, what: &str) {
        let deadline = Instant::now() + DEATH_DEADLINE;
        while self.child.is_alive() {
            assert!(
                Instant::now() < deadline,
                "{what}: child {} still alive {DEATH_DEADLINE:?} after its owner ended",
                self.child.pid
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The kinds of child the owner can start that never end on their own.
const LONG_CHILDREN: [&str; 2] = ["sleep", "function"];

#[test]
fn children_die_when_their_owner_panics_in_main() {
    for kind in LONG_CHILDREN {
        let mut owner = Owner::start(&[kind, "panic"]);
        writeln!(owner.stdin, "go").expect("tell the owner to panic");
        let status = owner.wait();
        assert_eq!(
            status.code(),
            Some(101),
            "{kind}: the owner panicked: {status}"
        );
        owner.assert_child_dies(kind);
    }
}

#[test]
fn children_die_when_their_owner_exits_without_dropping_the_guard() {
    for kind in LONG_CHILDREN {
        let mut owner = Owner::start(&[kind, "exit"]);
        writeln!(owner.stdin, "go").expect("tell the owner to exit");
        let status = owner.wait();
        assert_eq!(status.code(), Some(3), "{kind}: {status}");
        owner.assert_child_dies(kind);
    }
}

#[test]
fn children_die_when_their_owner_is_killed() {
    for kind in LONG_CHILDREN {
        for signal in [libc::SIGKILL, libc::SIGTERM] {
            let mut owner = Owner::start(&[kind, "wait"]);
            owner.signal(signal);
            let status = owner.wait();
            assert_eq!(status.signal(), Some(signal), "{kind}: {status}");
            owner.assert_child_dies(&format!("{kind}, signal {signal}"));
        }
    }
}

#[test]
fn with_outlive_owner_the_child_survives_its_killed_owner() {
    let mut owner = Owner::start(&["cat", "wait", "outlive"]);
    owner.signal(libc::SIGKILL);
    assert_eq!(owner.wait().signal(), Some(SIGKILL));
    // The owner is reaped, so any signal on its death has been sent: a
    // child that still echoes a line is alive.
    writeln!(owner.stdin, "still there?").expect("write to the child");
    let mut echo = String::new();
    std::io::BufRead::read_line(&mut owner.stdout, &mut echo).expect("read the echo");
    assert_eq!(
        echo, "still there?\n",
        "the child was killed with its owner"
    );
    assert!(owner.child.is_alive());
    // The test is its owner now.
    drop(owner);
}

#[test]
fn a_guard_made_on_a_thread_that_ended_keeps_its_child_until_it_drops() {
    let (mut guard, thread) = std::thread::spawn(|| {
        let mut cat = Command::new("cat");
        cat.stdin(Stdio::piped()).stdout(Stdio::piped());
        let guard = RunProcess::new(cat).start().expect("started");
        (
            guard,
            std::fs::read_link("/proc/thread-self").expect("this thread"),
        )
    })
    .join()
    .expect("the thread made a guard");
    // Once the thread is gone from /proc, any signal on its end was sent.
    wait_until("the thread to be gone", || {
        !Path::new("/proc").join(&thread).exists()
    });
    let pid = guard.pid().expect("started");
    let child = guard.child_mut().expect("started");
    let stdin = child.stdin.as_mut().expect("piped");
    writeln!(stdin, "ping").expect("write to the child");
    let mut echo = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().expect("piped")),
        &mut echo,
    )
    .expect("read the echo");
    assert_eq!(echo, "ping\n", "the child died with the thread");
    assert!(alive(pid));
    drop(guard);
    assert!(!alive(pid), "the drop stopped it");
}
