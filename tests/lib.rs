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

    /// A process known by its pid and its start time (field 22 of
    /// `/proc/<pid>/stat`, in clock ticks since boot), so that a later
    /// process that reuses the pid is never taken for it. Linux only.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Proc {
        pid: i32,
        start: u64,
    }

    impl Proc {
        /// The process running as `pid` now, if there is one.
        pub fn find(pid: i32) -> Option<Proc> {
            let (_, start) = stat(pid)?;
            Some(Proc { pid, start })
        }

        /// Its pid.
        pub fn pid(&self) -> i32 {
            self.pid
        }

        /// Its start time, in clock ticks since boot.
        pub fn start_time(&self) -> u64 {
            self.start
        }

        /// The same pid with another start time (for tests of the check).
        pub fn with_start_time(&self, start: u64) -> Proc {
            Proc { start, ..*self }
        }

        /// Whether it still runs: its pid exists with its start time, and it
        /// is not a zombie (a dead child not yet reaped).
        pub fn is_alive(&self) -> bool {
            matches!(stat(self.pid), Some((state, start)) if start == self.start && state != 'Z' && state != 'X')
        }
    }

    /// The state and start time of `pid`, from `/proc/<pid>/stat`.
    fn stat(pid: i32) -> Option<(char, u64)> {
        parse_stat(&format!("/proc/{pid}/stat"))
    }

    /// The state and start time in a `stat` file of `/proc`.
    fn parse_stat(path: &str) -> Option<(char, u64)> {
        let text = std::fs::read_to_string(path).ok()?;
        // The command name (field 2) is in parentheses and may hold spaces:
        // fields 3 and on follow the last `)`.
        let rest = &text[text.rfind(')')? + 1..];
        let mut fields = rest.split_whitespace();
        let state = fields.next()?.chars().next()?;
        // Field 22 is the 20th after the name.
        let start = fields.nth(18)?.parse().ok()?;
        Some((state, start))
    }

    /// A thread of this process as the kernel knows it (Linux: its entry in
    /// `/proc/self/task`), to see it blocked rather than guess from a delay.
    pub struct KernelThread(Option<String>);

    impl KernelThread {
        /// The calling thread.
        pub fn current() -> KernelThread {
            // "/proc/thread-self" links to "<pid>/task/<tid>".
            let link = std::fs::read_link("/proc/thread-self").ok();
            KernelThread(link.and_then(|l| Some(l.file_name()?.to_str()?.to_owned())))
        }

        /// Waits (up to 30 s) until the thread sleeps (state `S`: blocked,
        /// e.g. on a futex) or has ended. Where there is no
        /// `/proc/thread-self` (not Linux), returns at once.
        pub fn wait_until_asleep(&self) {
            let Some(tid) = &self.0 else { return };
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let Some((state, _)) = parse_stat(&format!("/proc/self/task/{tid}/stat")) else {
                    return; // ended
                };
                if state == 'S' {
                    return;
                }
                assert!(Instant::now() < deadline, "thread {tid} never blocked");
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

/// A gate that task bodies wait on until the test opens it: the test, not
/// the clock, decides when a body may finish.
#[derive(Debug, Default)]
pub struct Gate {
    open: std::sync::Mutex<bool>,
    changed: std::sync::Condvar,
}

impl Gate {
    /// Blocks until the gate is open.
    pub fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.changed.wait(open).unwrap();
        }
    }

    /// Opens the gate for every waiter, now and later.
    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.changed.notify_all();
    }
}

/// A child process that is killed (SIGKILL) and reaped when this value is
/// dropped, so that a failed assertion leaves no process behind.
#[derive(Debug)]
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
