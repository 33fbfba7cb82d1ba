//! `#[as_task(process)]`: functions run in a child process (a copy of this
//! test binary, diverted before the harness starts), and every way the child
//! can fail is an error on the handle.

#![cfg(unix)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use strand::process::{ProcessErrorKind, ProcessTaskrunner, Serialization};
use strand::{CancelOutcome, as_task};
use strand_tests::pids::{is_gone, read_pid};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i64,
    y: i64,
}

#[as_task(process)]
fn child_pid() -> u32 {
    std::process::id()
}

#[as_task(process)]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[as_task(process)]
fn mirror(points: Vec<Point>, label: String) -> (String, Vec<Point>) {
    (
        label.to_uppercase(),
        points
            .into_iter()
            .map(|p| Point { x: -p.x, y: -p.y })
            .collect(),
    )
}

#[as_task(process, serialization = binary)]
fn checksum(bytes: Vec<u8>) -> (usize, u64) {
    (bytes.len(), bytes.iter().map(|&b| u64::from(b)).sum())
}

#[as_task(process)]
fn parse(text: String) -> Result<i32, String> {
    text.trim().parse().map_err(|e| format!("`{text}`: {e}"))
}

#[as_task(process)]
fn explode(message: String) -> u8 {
    panic!("{message}")
}

#[as_task(process)]
fn chatty(n: u32) -> u32 {
    // Output goes to the inherited stdout/stderr, never into the protocol.
    for i in 0..n {
        println!("chatty line {i}");
        eprintln!("chatty error line {i}");
    }
    n
}

#[as_task(process)]
fn read_stdin() -> usize {
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).unwrap();
    buf.len()
}

/// Writes its pid where the test can read it, then sleeps.
#[as_task(process)]
fn sleeper(pid_file: String, secs: u64) -> u32 {
    std::fs::write(&pid_file, std::process::id().to_string()).unwrap();
    std::thread::sleep(Duration::from_secs(secs));
    7
}

const EXITS: &str = concat!(module_path!(), "::exits");

#[as_task(process)]
fn exits(code: i32) -> u32 {
    std::process::exit(code)
}

#[as_task(process)]
fn garbage() -> u32 {
    let fd = strand::process::__protocol_fd().expect("runs in a worker");
    let junk = [0x05u8, 0, 0, 0, 0xEE, 1, 2, 3, 4];
    // SAFETY: writing bytes to the worker's own socket.
    unsafe { libc::write(fd, junk.as_ptr().cast(), junk.len()) };
    std::thread::sleep(Duration::from_secs(30));
    0
}

#[as_task(process)]
fn not_a_number() -> f64 {
    // JSON has no NaN: serde_json writes `null`, which does not decode as f64.
    f64::NAN
}

#[as_task(process, on_iter = record_item)]
fn squares(n: u32) -> Vec<u32> {
    (1..=n).map(|i| i * i).collect()
}

static ITEMS: Mutex<Vec<(u32, u32)>> = Mutex::new(Vec::new());

fn record_item(item: u32) {
    ITEMS.lock().unwrap().push((std::process::id(), item));
}

fn pid_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pid").to_str().unwrap().to_owned();
    (dir, path)
}

#[test]
fn runs_in_another_process() {
    let pid = child_pid().join().unwrap();
    assert_ne!(pid, std::process::id());
    // The child is reaped once it has exited, just after its reply (in the
    // background: the value does not wait for the exit).
    strand_tests::pids::wait_gone(pid as i32);
}

#[test]
fn arguments_and_values_round_trip() {
    assert_eq!(add(40, 2).join().unwrap(), 42);
    let points = vec![Point { x: 1, y: -2 }, Point { x: 3, y: 4 }];
    let (label, back) = mirror(points, "pts".into()).join().unwrap();
    assert_eq!(label, "PTS");
    assert_eq!(back, vec![Point { x: -1, y: 2 }, Point { x: -3, y: -4 }]);
}

#[test]
fn binary_serialization() {
    let bytes: Vec<u8> = (0..=255).collect();
    assert_eq!(checksum(bytes).join().unwrap(), (256, 255 * 128));
}

#[test]
fn errors_keep_their_type() {
    assert_eq!(parse(" 12 ".into()).join().unwrap(), 12);
    let err = parse("x".into()).join().unwrap_err();
    assert!(err.is_failed());
    assert!(err.failure().unwrap().starts_with("`x`: invalid digit"));
}

#[test]
fn panics_come_back_with_their_message() {
    let err = explode("kaboom 42".into()).join().unwrap_err();
    assert!(err.is_panic(), "{err:?}");
    assert_eq!(err.panic_message(), Some("kaboom 42"));
}

#[test]
fn printing_does_not_disturb_the_protocol() {
    assert_eq!(chatty(50).join().unwrap(), 50);
}

#[test]
fn the_body_gets_an_empty_stdin() {
    assert_eq!(read_stdin().join().unwrap(), 0);
}

#[test]
fn cancel_kills_the_child() {
    let (_dir, path) = pid_file();
    let handle = sleeper(path.clone(), 60);
    let pid = read_pid(&path);
    assert_eq!(handle.cancel(), CancelOutcome::Killed);
    // The kill took effect before the cancel was published: the child is
    // already reaped when `cancel` returns.
    assert!(
        is_gone(pid),
        "child {pid} still exists after cancel returned"
    );
    assert!(handle.join().unwrap_err().is_cancelled());
    assert_eq!(handle_after_cancel(), CancelOutcome::AlreadyFinished);
}

fn handle_after_cancel() -> CancelOutcome {
    let (_dir, path) = pid_file();
    let handle = sleeper(path.clone(), 60);
    let _ = read_pid(&path);
    assert_eq!(handle.cancel(), CancelOutcome::Killed);
    handle.cancel()
}

#[test]
fn on_error_sees_a_crashed_child_and_join_returns_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let runner = ProcessTaskrunner::<(i32,), u32>::registered(EXITS)
        .on_error(move |e: &strand::JoinError| sink.lock().unwrap().push(e.to_string()));
    let err = runner.call((4,)).join().unwrap_err();
    assert!(
        err.process_error().is_some_and(|p| p.is_worker_lost()),
        "{err}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("exited with status 4"), "{}", seen[0]);
}

#[test]
fn join_or_cancel_kills_on_expiry() {
    let (_dir, path) = pid_file();
    let handle = sleeper(path.clone(), 60);
    let err = handle
        .join_or_cancel(Duration::from_millis(300))
        .unwrap_err();
    assert!(err.is_cancelled());
    // `join_or_cancel` returns after the child is reaped.
    let pid = read_pid(&path);
    assert!(
        is_gone(pid),
        "child {pid} still exists after join_or_cancel"
    );
}

#[test]
fn kill_9_mid_task_is_worker_lost() {
    let (_dir, path) = pid_file();
    let handle = sleeper(path.clone(), 60);
    let pid = read_pid(&path);
    // SAFETY: signalling the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let err = handle.join().unwrap_err();
    let process = err.process_error().expect("a process error");
    assert_eq!(process.kind(), ProcessErrorKind::WorkerLost);
    assert_eq!(process.signal(), Some(libc::SIGKILL));
    assert!(
        err.to_string().contains("was killed by signal 9 (SIGKILL)"),
        "{err}"
    );
}

#[test]
fn a_child_that_exits_is_worker_lost_with_its_status() {
    let err = exits(3).join().unwrap_err();
    let process = err.process_error().expect("a process error");
    assert!(process.is_worker_lost());
    assert_eq!(process.exit_status().and_then(|s| s.code()), Some(3));
    assert!(err.to_string().contains("exited with status 3"), "{err}");
}

#[test]
fn garbage_on_the_socket_is_a_protocol_error() {
    let err = garbage().join().unwrap_err();
    let process = err.process_error().expect("a process error");
    assert_eq!(process.kind(), ProcessErrorKind::Protocol, "{err}");
    assert!(err.to_string().contains("malformed reply"), "{err}");
}

#[test]
fn a_value_that_does_not_survive_the_trip_is_an_error() {
    let err = not_a_number().join().unwrap_err();
    let process = err.process_error().expect("a process error");
    assert_eq!(process.kind(), ProcessErrorKind::Value, "{err}");
    assert!(err.to_string().contains("did not decode as `f64`"), "{err}");
}

#[test]
fn unknown_names_are_an_error() {
    let runner = ProcessTaskrunner::<(u64,), u64>::registered("tests::no_such_function");
    let err = runner.call((1,)).join().unwrap_err();
    let process = err.process_error().expect("a process error");
    assert_eq!(process.kind(), ProcessErrorKind::UnknownFunction);
    assert!(
        err.to_string()
            .contains("no function `tests::no_such_function` is registered")
    );
}

#[test]
fn arguments_of_the_wrong_type_are_an_error() {
    // The registered `add` takes two u64; send a string.
    let name = strand::process::registered_names()
        .into_iter()
        .find(|n| n.ends_with("::add"))
        .unwrap();
    let runner = ProcessTaskrunner::<(String,), u64>::registered_as(name, Serialization::Json);
    let err = runner.call(("seven".into(),)).join().unwrap_err();
    let process = err.process_error().expect("a process error");
    assert_eq!(process.kind(), ProcessErrorKind::Arguments, "{err}");
}

#[test]
fn callbacks_run_in_the_parent() {
    let seen = Arc::new(Mutex::new(None));
    let runner = ProcessTaskrunner::<(u64, u64), u64>::registered(
        strand::process::registered_names()
            .into_iter()
            .find(|n| n.ends_with("::add"))
            .unwrap(),
    );
    let seen2 = seen.clone();
    let handle = runner
        .on_end(move |v: &u64| *seen2.lock().unwrap() = Some((std::process::id(), *v)))
        .call((1, 2));
    assert_eq!(handle.join().unwrap(), 3);
    assert_eq!(*seen.lock().unwrap(), Some((std::process::id(), 3)));

    let errors = Arc::new(Mutex::new(Vec::new()));
    let errors2 = errors.clone();
    let runner = ProcessTaskrunner::<(), u64>::registered("tests::missing")
        .on_error(move |e: &strand::JoinError| errors2.lock().unwrap().push(e.to_string()));
    assert!(runner.call(()).join().unwrap_err().is_process_error());
    assert_eq!(errors.lock().unwrap().len(), 1);
}

#[test]
fn on_iter_delivers_items_in_the_parent() {
    assert_eq!(squares(4).join().unwrap(), 4);
    let items = ITEMS.lock().unwrap().clone();
    assert_eq!(
        items.iter().map(|&(_, i)| i).collect::<Vec<_>>(),
        vec![1, 4, 9, 16]
    );
    assert!(items.iter().all(|&(pid, _)| pid == std::process::id()));
}

#[test]
fn many_calls_at_once() {
    let handles: Vec<_> = (0..16).map(|i| add(i, i)).collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), 2 * i as u64);
    }
}

#[test]
fn registered_under_the_module_path() {
    let names = strand::process::registered_names();
    assert!(names.contains(&"process::add"), "{names:?}");
    strand::process::check_registry().unwrap();
}

/// Writes to a pipe whose reading end is closed: a normal Rust program gets
/// `Err(BrokenPipe)` (std ignores SIGPIPE); without that, SIGPIPE kills it.
fn write_to_a_closed_pipe() -> String {
    use std::os::fd::FromRawFd as _;
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors are fresh and owned by nothing else.
    let (reader, mut writer) = unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    };
    drop(reader);
    match std::io::Write::write_all(&mut writer, b"anyone there?") {
        Ok(()) => "written".to_owned(),
        Err(e) => format!("{:?}", e.kind()),
    }
}

#[as_task(process)]
fn closed_pipe_in_child() -> String {
    write_to_a_closed_pipe()
}

#[as_task(thread)]
fn closed_pipe_on_thread() -> String {
    write_to_a_closed_pipe()
}

#[test]
fn a_closed_pipe_is_broken_pipe_on_the_thread_and_process_targets() {
    assert_eq!(closed_pipe_on_thread().join().unwrap(), "BrokenPipe");
    assert_eq!(closed_pipe_in_child().join().unwrap(), "BrokenPipe");
}

#[as_task(process)]
fn thread_name_in_child() -> Option<String> {
    std::thread::current().name().map(str::to_owned)
}

#[test]
fn the_body_runs_on_a_thread_named_main() {
    assert_eq!(
        thread_name_in_child().join().unwrap().as_deref(),
        Some("main")
    );
}

/// Starts a grandchild (`sleep`), writes its pid, then waits for ever.
#[as_task(process)]
#[allow(
    clippy::zombie_processes,
    reason = "the grandchild is never waited for: the cancel kills it with the group"
)]
fn with_grandchild(pid_file: String) -> u32 {
    let grandchild = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .unwrap();
    std::fs::write(&pid_file, grandchild.id().to_string()).unwrap();
    std::thread::sleep(Duration::from_secs(600));
    0
}

#[test]
fn cancel_kills_the_grandchildren_too() {
    let (_dir, path) = pid_file();
    let handle = with_grandchild(path.clone());
    let grandchild = read_pid(&path);
    assert!(!is_gone(grandchild));
    assert_eq!(handle.cancel(), CancelOutcome::Killed);
    // The grandchild was killed with the group; it is reaped by init.
    strand_tests::pids::wait_gone(grandchild);
}
