//! Integration tests of strand live in this package's test targets.

/// Process helpers shared by the tests of child processes.
pub mod pids {
    use std::time::{Duration, Instant};

    /// Reads the pid a child wrote to `path`, waiting (up to 30 s) for it.
    pub fn read_pid(path: &str) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Ok(pid)) = std::fs::read_to_string(path).map(|t| t.trim().parse()) {
                return pid;
            }
            assert!(Instant::now() < deadline, "the child never wrote its pid");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Whether `pid` is gone: reaped children leave /proc, a zombie stays.
    pub fn is_gone(pid: i32) -> bool {
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
    }

    /// Waits (up to 30 s) until `pid` is gone.
    pub fn wait_gone(pid: i32) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !is_gone(pid) {
            assert!(Instant::now() < deadline, "process {pid} is still there");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
