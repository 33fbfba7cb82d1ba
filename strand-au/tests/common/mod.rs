//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use strand_au::{
    ComputationBackend, ComputationStore, FileSystemStore, Job, Key, LaunchError, ManualClock,
    MemoryStore, Serialization,
};

/// A generous deadline that only guards against hangs.
pub const HANG: Duration = Duration::from_secs(60);

/// A store of each kind, on `clock`, with `ttl`; the temp dir lives as long as the Vec.
pub fn stores(
    clock: &ManualClock,
    ttl: Option<Duration>,
) -> Vec<(
    &'static str,
    Arc<dyn ComputationStore>,
    Option<tempfile::TempDir>,
)> {
    let mut out: Vec<(
        &'static str,
        Arc<dyn ComputationStore>,
        Option<tempfile::TempDir>,
    )> = Vec::new();
    let mut mem = MemoryStore::new().clock(clock.clone());
    if let Some(ttl) = ttl {
        mem = mem.ttl(ttl);
    }
    out.push(("memory", Arc::new(mem), None));
    for (name, ser) in [
        ("fs-json", Serialization::Json),
        ("fs-binary", Serialization::Binary),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut fs = FileSystemStore::new(dir.path())
            .serialization(ser)
            .clock(clock.clone());
        if let Some(ttl) = ttl {
            fs = fs.ttl(ttl);
        }
        out.push((name, Arc::new(fs), Some(dir)));
    }
    out
}

/// Both kinds of store on the system clock.
pub fn live_stores() -> Vec<(
    &'static str,
    Arc<dyn ComputationStore>,
    Option<tempfile::TempDir>,
)> {
    let dir = tempfile::tempdir().unwrap();
    vec![
        (
            "memory",
            Arc::new(MemoryStore::new()) as Arc<dyn ComputationStore>,
            None,
        ),
        ("fs", Arc::new(FileSystemStore::new(dir.path())), Some(dir)),
    ]
}

/// A backend that runs each job on a thread of its own, like
/// `ThreadBackend`, and reports the end of each job on a channel: once a
/// job's key arrives, `Job::run` has returned, so its worker has written all
/// it ever will (the result, or nothing if the record was already final).
#[derive(Debug)]
pub struct ReportingBackend {
    ended: mpsc::Sender<Key>,
}

/// The ends of the jobs of a [`ReportingBackend`].
pub struct JobEnds(mpsc::Receiver<Key>);

impl ReportingBackend {
    /// The backend and the receiving end of its reports.
    pub fn new() -> (Arc<ReportingBackend>, JobEnds) {
        let (ended, ends) = mpsc::channel();
        (Arc::new(ReportingBackend { ended }), JobEnds(ends))
    }
}

impl ComputationBackend for ReportingBackend {
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        let ended = self.ended.clone();
        std::thread::Builder::new()
            .name("strand-au".into())
            .spawn(move || {
                let key = job.key().clone();
                job.run();
                let _ = ended.send(key);
            })?;
        Ok(())
    }
}

impl JobEnds {
    /// Waits (up to [`HANG`]) until the job of `key` has ended.
    pub fn wait_for(&self, key: &Key) {
        let deadline = Instant::now() + HANG;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.0.recv_timeout(left) {
                Ok(ended) if ended == *key => return,
                Ok(_) => {}
                Err(e) => panic!("the job of {key} never ended: {e}"),
            }
        }
    }
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

    /// Waits until the thread sleeps (state `S`: blocked, e.g. on a futex)
    /// or has ended; panics after [`HANG`]. Where there is no
    /// `/proc/thread-self` (not Linux), returns at once.
    pub fn wait_until_asleep(&self) {
        let Some(tid) = &self.0 else { return };
        let deadline = Instant::now() + HANG;
        loop {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
                return; // ended
            };
            // The state follows the command name, which is in parentheses.
            let state = stat[stat.rfind(')').unwrap_or(0) + 1..]
                .trim_start()
                .chars()
                .next();
            if state == Some('S') {
                return;
            }
            assert!(Instant::now() < deadline, "thread {tid} never blocked");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
