//! The owner process of the tests in `process_lifetime.rs`: it starts strand
//! children that run until killed, reports their pids, and then ends in the
//! way its first argument names, so the tests can check that no child
//! outlives it.
//!
//! `process_owner MODE DIR`: every child writes its pid to a file in `DIR`;
//! the owner prints `ready` once every pid is there, waits for a line on
//! its standard input (so the test can look at the children first), and
//! then:
//! - `exit`: drops the handle of an `#[as_task(process)]` task and returns
//!   from `main`;
//! - `panic`: panics in `main` (the handle is still alive);
//! - `wait`: waits for ever (the test sends SIGTERM or SIGKILL);
//! - `au-cancel`: cancels an `#[async_compute(backend = process)]`
//!   computation recorded by its child in a file store, and returns at once;
//! - `au-durable`: starts such a computation (which sleeps, then completes)
//!   and waits (the test kills the owner; the child finishes the work).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use strand::as_task;
use strand_au::{FileSystemStore, MemoryStore, async_compute};

/// Runs until killed, after writing its pid to `DIR/<label>`.
#[as_task(process)]
fn spin(dir: String, label: String) -> u32 {
    write_pid(&dir, &label);
    loop {
        std::hint::spin_loop();
    }
}

/// As `spin`, for a computation this process records (a memory store).
#[async_compute(backend = process, store = MemoryStore::new())]
fn spin_computation(dir: String, label: String) -> u32 {
    write_pid(&dir, &label);
    loop {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// As `spin`, on a warm worker of a process pool.
#[async_compute(backend = process_pool(1), store = MemoryStore::new())]
fn spin_pooled(dir: String, label: String) -> u32 {
    write_pid(&dir, &label);
    loop {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// As `spin`, for a computation its child records in the file store.
#[async_compute(backend = process, store = FileSystemStore::new(store_dir()))]
fn spin_recorded(dir: String, label: String) -> u32 {
    write_pid(&dir, &label);
    loop {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sleeps `millis` after writing its pid, then completes with 42.
#[async_compute(backend = process, store = FileSystemStore::new(store_dir()))]
fn durable_computation(dir: String, label: String, millis: u64) -> u32 {
    write_pid(&dir, &label);
    std::thread::sleep(Duration::from_millis(millis));
    42
}

/// The store directory: `STRAND_TEST_STORE` from the environment (the test and the
/// owner share it).
fn store_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("STRAND_TEST_STORE").expect("STRAND_TEST_STORE is set"))
}

fn write_pid(dir: &str, label: &str) {
    let path = Path::new(dir).join(label);
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, std::process::id().to_string()).unwrap();
    std::fs::rename(tmp, path).unwrap();
}

/// Waits (up to 30 s) until the child wrote `DIR/<label>`.
fn wait_for(dir: &str, label: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !Path::new(dir).join(label).exists() {
        assert!(Instant::now() < deadline, "child `{label}` never started");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Says the children run, then waits for the test's `go`.
fn ready() {
    println!("ready");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = (args[1].as_str(), args[2].clone());
    match mode {
        "exit" => {
            let handle = spin(dir.clone(), "task".into());
            wait_for(&dir, "task");
            ready();
            drop(handle);
        }
        "panic" => {
            let _handle = spin(dir.clone(), "task".into());
            wait_for(&dir, "task");
            ready();
            panic!("the owner panics with a child running");
        }
        "wait" => {
            let _task = spin(dir.clone(), "task".into());
            let _computation = spin_computation(dir.clone(), "computation".into());
            let _pooled = spin_pooled(dir.clone(), "pooled".into());
            for label in ["task", "computation", "pooled"] {
                wait_for(&dir, label);
            }
            ready();
            loop {
                std::thread::park();
            }
        }
        "au-cancel" => {
            let handle = spin_recorded(dir.clone(), "computation".into());
            wait_for(&dir, "computation");
            ready();
            handle.cancel().unwrap();
        }
        "au-durable" => {
            let handle = durable_computation(dir.clone(), "computation".into(), 1_500);
            println!("{}", handle.key());
            wait_for(&dir, "computation");
            println!("ready");
            loop {
                std::thread::park();
            }
        }
        other => panic!("unknown mode `{other}`"),
    }
}
