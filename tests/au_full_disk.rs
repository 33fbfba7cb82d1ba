//! A full disk is a clear error, never "worker lost", never a hang.
//!
//! A store wrapper refuses every write from a chosen one on with `ENOSPC`
//! (deterministic), and, where this machine lets the test mount one, a
//! 2 MiB tmpfs really fills up. Either way: a launch into the full store is
//! an error; a computation whose outcome the store refuses reports the
//! store's error to its joiners, is never called lost, and its record says
//! what happened as soon as the store takes a write again; records written
//! before stay intact.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use strand_au::{
    Clock, Computation, ComputationHandle, ComputationStore, FileSystemStore, Key, MemoryStore,
    PoolBackend, Record, Runner, Status, StoreError, Subscription, UpdateAction, Updated,
};
use strand_tests::Gate;

/// Only guards against a hang.
const HANG: Duration = Duration::from_secs(60);

fn enospc() -> StoreError {
    StoreError::Io {
        key: None,
        source: io::Error::from_raw_os_error(28), // ENOSPC
    }
}

/// A `MemoryStore` whose writes fail with `ENOSPC` while it is full; it
/// fills up at its `full_at`-th write.
#[derive(Debug)]
struct Filling {
    inner: MemoryStore,
    writes: AtomicUsize,
    full_at: AtomicUsize,
    full: AtomicBool,
    refused: AtomicUsize,
}

impl Filling {
    fn full_at(n: usize) -> Filling {
        Filling {
            inner: MemoryStore::new(),
            writes: AtomicUsize::new(0),
            full_at: AtomicUsize::new(n),
            full: AtomicBool::new(false),
            refused: AtomicUsize::new(0),
        }
    }

    /// Counts a write; whether the store refuses it.
    fn refuses(&self) -> bool {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.full_at.load(Ordering::SeqCst) {
            self.full.store(true, Ordering::SeqCst);
        }
        let full = self.full.load(Ordering::SeqCst);
        if full {
            self.refused.fetch_add(1, Ordering::SeqCst);
        }
        full
    }

    fn free(&self) {
        self.full_at.store(usize::MAX, Ordering::SeqCst);
        self.full.store(false, Ordering::SeqCst);
    }
}

impl ComputationStore for Filling {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.inner.load(key)
    }
    fn put(&self, key: &Key, record: Record) -> Result<(), StoreError> {
        if self.refuses() {
            return Err(enospc());
        }
        self.inner.put(key, record)
    }
    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        // Decide on a copy first: only a write can be refused.
        let Some(current) = self.inner.load(key)? else {
            return Ok(Updated::Missing);
        };
        let mut probe = current.clone();
        if matches!(f(&mut probe), UpdateAction::Keep) {
            return Ok(Updated::Kept(current));
        }
        if self.refuses() {
            return Err(enospc());
        }
        self.inner.update(key, f)
    }
    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        self.inner.keys()
    }
    fn ttl(&self) -> Option<Duration> {
        ComputationStore::ttl(&self.inner)
    }
    fn clock(&self) -> Arc<dyn Clock> {
        ComputationStore::clock(&self.inner)
    }
    fn subscribe(&self, key: &Key) -> Option<Subscription> {
        self.inner.subscribe(key)
    }
    fn notify_changed(&self, key: &Key) {
        self.inner.notify_changed(key);
    }
    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        self.inner.wait_for_change(key, seen_version, deadline)
    }
}

fn gated(store: Arc<dyn ComputationStore>, gate: Arc<Gate>) -> Computation {
    Computation::new(
        "full_disk::gated",
        Runner::new(move |x: u32| {
            gate.wait();
            x * 2
        }),
    )
    .store(store)
    .backend(Arc::new(PoolBackend::new(2)))
    .lease(Duration::from_millis(300))
}

/// Joins until the outcome is recorded (the store took it again).
fn join_once_recorded(handle: &ComputationHandle<u32>) -> u32 {
    let deadline = Instant::now() + HANG;
    loop {
        match handle.join_timeout(HANG) {
            Ok(v) => return v,
            Err(e) if e.is_store() => {
                assert!(Instant::now() < deadline, "never recorded: {e}");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_launch_into_a_full_store_is_an_error_and_writes_nothing() {
    let store = Arc::new(Filling::full_at(usize::MAX));
    let shared: Arc<dyn ComputationStore> = store.clone();
    let gate = Arc::new(Gate::default());
    gate.open();
    let c = gated(shared.clone(), gate);
    let first = c.try_launch::<u32>(&1).unwrap();
    assert_eq!(first.join_timeout(HANG).unwrap(), 2);

    // The disk fills up.
    store.full_at.store(0, Ordering::SeqCst);
    let err = c.try_launch::<u32>(&2).unwrap_err();
    assert!(err.is_store(), "{err}");
    assert!(err.to_string().contains("No space left on device"), "{err}");
    let handle = c.launch::<u32>(&3);
    let err = handle.status().unwrap_err();
    assert!(err.is_store(), "{err}");
    let err = handle.join_timeout(HANG).unwrap_err();
    assert!(err.is_store(), "{err}");
    // Nothing but the first record, which is intact.
    assert_eq!(store.keys().unwrap(), vec![first.key().clone()]);
    assert_eq!(first.try_join().unwrap(), 2);
}

#[test]
fn a_refused_outcome_is_a_store_error_then_recorded_never_worker_lost() {
    // Write 1 is the record; from write 2 on (the claim, the outcome) the
    // store is full.
    let store = Arc::new(Filling::full_at(2));
    let shared: Arc<dyn ComputationStore> = store.clone();
    let gate = Arc::new(Gate::default());
    let handle = gated(shared.clone(), gate.clone()).launch::<u32>(&21);
    // The claim after CLAIM_AFTER is refused; the body runs on past its
    // 300 ms lease, which nobody can renew.
    let deadline = Instant::now() + HANG;
    while store.refused.load(Ordering::SeqCst) < 1 {
        assert!(Instant::now() < deadline, "the claim was never tried");
        std::thread::sleep(Duration::from_millis(5));
    }
    gate.open();
    // The worker's outcome is refused: its joiners get the store's error,
    // not a hang and not "worker lost".
    let err = handle.join_timeout(HANG).unwrap_err();
    assert!(err.is_store(), "{err}");
    assert!(err.to_string().contains("refuses its outcome"), "{err}");
    assert!(err.to_string().contains("No space left on device"), "{err}");
    let err = handle.try_join().unwrap_err();
    assert!(err.is_store(), "{err}");
    let record = handle.record().unwrap();
    assert_eq!(record.status, Status::Pending, "{record:?}");
    assert!(record.error.is_none());

    // Room again: the record says what happened, as soon as a write succeeds.
    store.free();
    assert_eq!(join_once_recorded(&handle), 42);
    let record = handle.record().unwrap();
    assert_eq!(record.status, Status::Completed);
    assert!(record.started_at.is_some());
}

/// Mounts a small tmpfs for the test, and unmounts it when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?.keep();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
        Some(Tmpfs(dir))
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily: the store's renewer may still hold the directory.
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Fills the file system of `dir` with a file of its own; returns its path.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write as _;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 4096];
    loop {
        match file.write_all(&chunk) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => panic!("{e}"),
        }
    }
    path
}

#[test]
fn a_full_tmpfs() {
    let Some(tmpfs) = Tmpfs::mount("2m") else {
        eprintln!(
            "skipped: cannot mount a tmpfs here (run the tests as root on Linux, as CI does, to enable it)"
        );
        return;
    };
    let store: Arc<dyn ComputationStore> =
        Arc::new(FileSystemStore::new(tmpfs.path().join("store")));
    let gate = Arc::new(Gate::default());
    let c = gated(store.clone(), gate.clone());
    let before = c.launch::<u32>(&5);
    let running = c.launch::<u32>(&21);
    let filler = fill(tmpfs.path());

    // A launch into the full disk is an error.
    let err = c.try_launch::<u32>(&1).unwrap_err();
    assert!(err.is_store(), "{err}");
    // The outcomes cannot be written: a store error, never lost.
    gate.open();
    for h in [&before, &running] {
        let err = h.join_timeout(HANG).unwrap_err();
        assert!(err.is_store(), "{err}");
        assert_ne!(h.status().unwrap(), Status::Failed);
    }
    // Room again: both are recorded, and the earlier record is intact.
    std::fs::remove_file(filler).unwrap();
    assert_eq!(join_once_recorded(&running), 42);
    assert_eq!(join_once_recorded(&before), 10);
    assert_eq!(store.keys().unwrap().len(), 2);
}
