//! State shared by every [`FileSystemStore`](super::fs::FileSystemStore) on one
//! directory in this process: per-key locks (threads and processes), the
//! waiter notifier, and the auto-cleanup cursor.
//!
//! # Locking: `flock` on striped lock files
//!
//! A key is locked by taking an exclusive `flock` (`flock(2)`) on one of 64 lock files in the
//! directory's `.locks/` folder, chosen by a hash of the key, after taking an
//! in-process mutex for that stripe (a `flock` is held per open file, so the
//! mutex orders the threads of this process and the `flock` orders processes).
//!
//! Why `flock` rather than `O_EXCL` lock files: the kernel drops a `flock`
//! when its holder dies, even by `SIGKILL`, so a crashed writer never leaves a
//! lock behind and no "stale lock" guess is needed (guessing from a lock
//! file's age can break a live, merely slow holder). Striping bounds the
//! number of lock files (64, created once) instead of adding one per key that
//! cleanup would have to delete under the lock it protects. Two keys that share
//! a stripe are serialized, which costs nothing for records this small. The
//! limit: `flock` is advisory and unreliable on some network file systems;
//! use a local directory.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions, ReadDir};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError, Weak};

use super::bell::{self, Bell, Line};
use super::notify::Notifier;
use super::watch::{self, Target, WatchId};
use crate::key::Key;

const STRIPES: usize = 64;

/// The shared state of one directory.
pub(crate) struct DirShared {
    pub(crate) dir: PathBuf,
    stripes: Vec<Mutex<Option<File>>>,
    pub(crate) notifier: Notifier,
    /// Writes since the store was opened, to pace auto-cleanup.
    pub(crate) writes: AtomicU64,
    /// Where the incremental cleanup sweep stopped.
    pub(crate) sweep: Mutex<Option<ReadDir>>,
    /// What this process watches of the directory (see `watch`).
    watching: Mutex<Watching>,
    /// This process's view of the directory's queues.
    pub(crate) queues: Mutex<HashMap<String, QueueState>>,
    /// Set when the directory is being removed for good (a [`TempStore`]
    /// dropping): no write of this process makes it, or a directory in it,
    /// again.
    ///
    /// [`TempStore`]: crate::TempStore
    removed: AtomicBool,
}

/// The watches of one directory.
#[derive(Default)]
struct Watching {
    /// The records' watch: `None` until asked for, then whether it holds.
    records: Option<Option<WatchId>>,
    /// The record suffixes of the stores waiting on the directory.
    suffixes: Vec<String>,
    /// The queues' watches, as `records`.
    queues: HashMap<String, Option<WatchId>>,
    /// The queues whose doorbell this process waits on, in place of a
    /// watch (see `super::bell`), with the watch of the bell for its
    /// removal.
    bells: HashMap<String, (Bell, Option<WatchId>)>,
}

/// What this process knows of one queue of the directory.
#[derive(Default)]
pub(crate) struct QueueState {
    /// Entries seen and not yet claimed here, in queue order (their names
    /// sort as their ranks). Others may have claimed some since.
    pub(crate) entries: std::collections::BTreeSet<String>,
    /// When the queue's directory was last listed whole.
    pub(crate) listed_at: Option<std::time::Instant>,
    /// Set when entries may have arrived that `entries` lacks (events were
    /// lost, or the queue is not watched): list again before claiming.
    pub(crate) stale: bool,
    /// Workers of this process to wake when entries arrive.
    pub(crate) wakers: super::queue::QueueWakers,
    /// Claims that found their entry gone since a claim of this process
    /// last renamed one into `.running/` (so that directory exists): a
    /// claim that loses the race then need not check which of the two
    /// paths was missing, unless many did in a row.
    pub(crate) lost_since_claimed: Option<u32>,
    /// The flag of the queue's watch in this process (see
    /// [`DirShared::watch_queue`]), set once it has fired; `None` when the
    /// queue is not watched.
    pub(crate) armed: Option<Arc<AtomicBool>>,
    /// This process's line to the queue's doorbell, when its workers wait
    /// on it rather than on a watch.
    pub(crate) bell: Option<Arc<Line>>,
    /// Set when a claim of this process took all it asked for since the
    /// queue was last listed: the bell's rings may have gone to other
    /// processes meanwhile, so the next claim that knows of nothing due
    /// lists the queue rather than waiting for a ring.
    pub(crate) deaf: bool,
    /// The queue's doorbell, opened to ring it when this process adds an
    /// entry and does not wait on the bell itself (`None`: not opened yet,
    /// or no worker process waits on it).
    ringer: Option<Arc<std::os::fd::OwnedFd>>,
}

impl QueueState {
    /// Whether the oldest entry known is due at `now_ms`.
    pub(crate) fn first_due(&self, now_ms: u64) -> bool {
        self.entries
            .first()
            .and_then(|e| super::queue::entry_rank(e))
            .is_some_and(|rank| super::queue::is_due(rank, now_ms))
    }

    /// Whether the queue's watch holds and has not fired: an entry added
    /// now will wake this process.
    pub(crate) fn is_armed(&self) -> bool {
        self.bell
            .as_ref()
            .is_some_and(|line| !self.deaf && line.is_alive())
            || self
                .armed
                .as_ref()
                .is_some_and(|fired| !fired.load(Ordering::Acquire))
    }
}

impl Drop for DirShared {
    fn drop(&mut self) {
        let watching = self
            .watching
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        let ids = watching
            .records
            .iter()
            .flatten()
            .chain(watching.queues.values().flatten())
            .chain(watching.bells.values().filter_map(|(_, id)| id.as_ref()));
        for id in ids {
            watch::unwatch(*id);
        }
    }
}

impl std::fmt::Debug for DirShared {
    // The lock stripes and the sweep cursor say nothing useful; the directory does.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirShared")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Locks a mutex of the shared state, whatever a panicking holder left.
pub(crate) fn lock_state<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    lock(m)
}

static DIRS: LazyLock<Mutex<HashMap<PathBuf, Weak<DirShared>>>> = LazyLock::new(Default::default);

/// The shared state of `dir` in this process (created on first use).
pub(crate) fn shared(dir: &Path) -> Arc<DirShared> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut dirs = lock(&DIRS);
    if let Some(shared) = dirs.get(&dir).and_then(Weak::upgrade) {
        // A removed directory made anew is a new store.
        if !shared.removed.load(Ordering::Acquire) {
            return shared;
        }
    }
    dirs.retain(|_, w| w.strong_count() > 0);
    let shared = Arc::new(DirShared {
        dir: dir.clone(),
        stripes: (0..STRIPES).map(|_| Mutex::new(None)).collect(),
        notifier: Notifier::default(),
        writes: AtomicU64::new(0),
        sweep: Mutex::new(None),
        watching: Mutex::new(Watching::default()),
        queues: Mutex::new(HashMap::new()),
        removed: AtomicBool::new(false),
    });
    dirs.insert(dir, Arc::downgrade(&shared));
    shared
}

/// Creates `dir` (and missing parents) with mode 0700.
pub(crate) fn create_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Holds the lock of one key; released on drop.
pub(crate) struct KeyLock<'a> {
    file: MutexGuard<'a, Option<File>>,
}

impl Drop for KeyLock<'_> {
    fn drop(&mut self) {
        if let Some(file) = self.file.as_ref() {
            let _ = flock(file, libc::LOCK_UN);
        }
    }
}

impl DirShared {
    /// Creates `path`, the directory or one in it, with missing parents
    /// (mode 0700); refused once the directory is [removed](Self::remove).
    pub(crate) fn create_dir(&self, path: &Path) -> io::Result<()> {
        if self.removed.load(Ordering::Acquire) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the store directory {} was removed", self.dir.display()),
            ));
        }
        create_dir(path)
    }

    /// Removes the directory and everything in it, for good: from now on
    /// this process's writes to it (a heartbeat of the renewer, an outcome
    /// finishing late) fail instead of making it again.
    pub(crate) fn remove(&self) -> io::Result<()> {
        self.removed.store(true, Ordering::Release);
        // A write already past its directory check may add a file while
        // the removal runs, which then finds a directory not empty: go
        // again. A write cannot add a directory any more, so each round
        // leaves fewer places for such a file.
        let mut last = None;
        for _ in 0..16 {
            match std::fs::remove_dir_all(&self.dir) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("cannot remove the store directory")))
    }

    /// Watches the records of the directory for the waiters of a store
    /// whose record files end in `suffix`; whether changes made by other
    /// processes wake them.
    pub(crate) fn watch_records(self: &Arc<Self>, suffix: &str) -> bool {
        let mut watching = lock(&self.watching);
        if !watching.suffixes.iter().any(|s| s == suffix) {
            watching.suffixes.push(suffix.to_owned());
        }
        if let Some(armed) = watching.records {
            return armed.is_some();
        }
        let _ = self.create_dir(&self.dir);
        let armed = watch::watch(&self.dir, Target::Records(Arc::downgrade(self)));
        watching.records = Some(armed);
        armed.is_some()
    }

    /// Watches the entries of `queue` (in `queue_dir`); whether entries
    /// added by other processes wake this process's workers.
    ///
    /// The watch is for one event (`IN_ONESHOT`): the first entry to
    /// arrive wakes the workers, and the kernel ends the watch, so that a
    /// busy queue costs no event, and no wakeup, per entry. A claim that
    /// finds the watch fired lists the queue's directory instead, which
    /// yields every entry that arrived since, and arms a new watch when
    /// the listing finds nothing due ([`rearm_queue`](Self::rearm_queue)).
    ///
    /// On Linux the queue's doorbell takes the watch's place where it can
    /// be had (see `super::bell`): an entry then wakes one idle worker
    /// process rather than all.
    pub(crate) fn watch_queue(self: &Arc<Self>, queue: &str, queue_dir: &Path) -> bool {
        let mut watching = lock(&self.watching);
        if watching.bells.contains_key(queue) {
            return true;
        }
        if let Some(armed) = watching.queues.get(queue) {
            return armed.is_some();
        }
        if self.open_bell(&mut watching, queue, queue_dir) {
            return true;
        }
        self.arm_queue(&mut watching, queue, queue_dir)
    }

    /// Opens the doorbell of `queue` for this process's workers; whether
    /// it could.
    fn open_bell(self: &Arc<Self>, watching: &mut Watching, queue: &str, queue_dir: &Path) -> bool {
        if self.create_dir(queue_dir).is_err() {
            return false;
        }
        let Some(bell) = Bell::open(Arc::downgrade(self), queue, queue_dir) else {
            return false;
        };
        let line = bell.line();
        {
            let mut queues = lock(&self.queues);
            let state = queues.entry(queue.to_owned()).or_default();
            state.bell = Some(line);
        }
        let gone = watch::watch(
            &queue_dir.join(bell::BELL),
            Target::QueueGone(Arc::downgrade(self), queue.to_owned()),
        );
        watching.bells.insert(queue.to_owned(), (bell, gone));
        true
    }

    /// The doorbell of `queue` went (its directory was removed, say), or
    /// its thread stopped: opens a new one, or falls back to a watch;
    /// whether the queue is watched again. The caller lists the queue
    /// after this returns.
    pub(crate) fn reopen_bell(self: &Arc<Self>, queue: &str, queue_dir: &Path) -> bool {
        let mut watching = lock(&self.watching);
        let Some((old, gone)) = watching.bells.remove(queue) else {
            return false;
        };
        if let Some(state) = lock(&self.queues).get_mut(queue) {
            state.bell = None;
        }
        let reopen = old.line().is_alive();
        drop(old);
        if let Some(id) = gone {
            watch::unwatch(id);
        }
        (reopen && self.open_bell(&mut watching, queue, queue_dir))
            || self.arm_queue(&mut watching, queue, queue_dir)
    }

    /// Arms a new watch of `queue` after its last one fired: `true` if the
    /// queue is watched again by a new watch, and the caller must list the
    /// queue after this returns, so that an entry added between its last
    /// listing and the new watch is not missed. (A live doorbell needs
    /// neither: a ring waits in its pipe until a process with room reads
    /// it.)
    pub(crate) fn rearm_queue(self: &Arc<Self>, queue: &str, queue_dir: &Path) -> bool {
        let mut watching = lock(&self.watching);
        if let Some((bell, _)) = watching.bells.get(queue) {
            if bell.line().is_alive() {
                return false;
            }
            drop(watching);
            return self.reopen_bell(queue, queue_dir);
        }
        if !watching.queues.contains_key(queue) {
            // Nobody here asked to watch it.
            return false;
        }
        self.arm_queue(&mut watching, queue, queue_dir)
    }

    /// Adds the one-event watch of `queue` and records it and its flag;
    /// whether the queue is watched.
    fn arm_queue(self: &Arc<Self>, watching: &mut Watching, queue: &str, queue_dir: &Path) -> bool {
        let fired = Arc::new(AtomicBool::new(false));
        let id = match self.create_dir(queue_dir) {
            Ok(()) => watch::watch(
                queue_dir,
                Target::Queue(Arc::downgrade(self), queue.to_owned(), fired.clone()),
            ),
            Err(_) => None,
        };
        lock(&self.queues)
            .entry(queue.to_owned())
            .or_default()
            .armed = id.map(|_| fired);
        watching.queues.insert(queue.to_owned(), id);
        id.is_some()
    }

    /// A file `name` was moved into, or removed from, the directory (by
    /// any process): wakes the waiters of its key.
    ///
    /// One event stands for one change or more: the kernel merges an event
    /// into the last one queued and not yet read when they are alike (same
    /// mask and name; the cookie of a rename is not compared), so two
    /// writes of one record in a row can come as one event. That is why
    /// this process cannot pass over the echo of its own writes by
    /// counting them: the echo may carry another process's write too.
    pub(crate) fn record_changed(&self, name: &str) {
        let watching = lock(&self.watching);
        let keys: Vec<Key> = watching
            .suffixes
            .iter()
            .filter_map(|suffix| name.strip_suffix(suffix.as_str()))
            .filter_map(|k| Key::new(k).ok())
            .collect();
        drop(watching);
        for key in &keys {
            self.notifier.notify(key);
        }
    }

    /// An entry `name` arrived in `queue` (`None`: something did, unnamed):
    /// notes it and wakes the queue's workers in this process. A process
    /// with no worker of the queue keeps no names (only claims take them
    /// out again, so a process that only writes tasks would keep every
    /// name it ever wrote): it marks the queue to be listed again before
    /// a claim.
    pub(crate) fn queue_arrived(&self, queue: &str, name: Option<&str>) {
        let wakers = {
            let mut queues = lock(&self.queues);
            let state = queues.entry(queue.to_owned()).or_default();
            match name {
                Some(name) if name.starts_with('.') => return,
                Some(name) if !state.wakers.is_empty() => {
                    state.entries.insert(name.to_owned());
                }
                Some(_) | None => state.stale = true,
            }
            state.wakers.of(None)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// The doorbell of `queue` rang and this process's bell thread took the
    /// byte: marks the queue to be listed and wakes its workers here;
    /// `false` (the byte is not this process's to take) when no worker of
    /// the queue waits here.
    pub(crate) fn queue_rang(&self, queue: &str) -> bool {
        let wakers = {
            let mut queues = lock(&self.queues);
            let Some(state) = queues.get_mut(queue) else {
                return false;
            };
            if state.wakers.is_empty() {
                return false;
            }
            state.stale = true;
            state.wakers.of(None)
        };
        for waker in wakers {
            waker.wake();
        }
        true
    }

    /// An entry was added to `queue` (in `queue_dir`) by this process:
    /// rings the queue's doorbell, so that one idle worker process, this
    /// one or another, comes to take it. Nothing when no worker process
    /// waits on the bell.
    pub(crate) fn ring(&self, queue: &str, queue_dir: &Path) {
        use std::os::fd::AsFd;
        let (line, mut kept) = match lock(&self.queues).get(queue) {
            Some(state) => (state.bell.clone(), state.ringer.clone()),
            None => (None, None),
        };
        if let Some(line) = line {
            bell::ring(line.fd());
            return;
        }
        // The descriptor kept from an earlier ring, else one opened now:
        // opened each time until a worker process waits on the bell (one
        // failing `open` a task till then), then kept. When the kept one
        // fails, every worker process closed it (they stopped, or opened
        // the bell made anew after the directory was removed): ring the
        // bell now in place, if any.
        for _ in 0..2 {
            let from_state = kept.is_some();
            let Some(fd) = kept
                .take()
                .or_else(|| bell::open_to_ring(queue_dir).map(Arc::new))
            else {
                return;
            };
            if bell::ring(fd.as_fd()) {
                if !from_state {
                    lock(&self.queues)
                        .entry(queue.to_owned())
                        .or_default()
                        .ringer = Some(fd);
                }
                return;
            }
            if from_state {
                if let Some(state) = lock(&self.queues).get_mut(queue) {
                    state.ringer = None;
                }
            }
        }
    }

    /// Events of `queue` were lost: its entries are listed again before the
    /// next claim, and its workers woken.
    pub(crate) fn queue_overflowed(&self, queue: &str) {
        self.queue_arrived(queue, None);
    }

    /// Locks `key` against every other thread and process using this directory.
    pub(crate) fn lock_key(&self, key: &Key) -> io::Result<KeyLock<'_>> {
        let mut hasher = std::hash::BuildHasherDefault::<Fnv>::default().build_hasher();
        hasher.write(key.as_str().as_bytes());
        let stripe = (hasher.finish() as usize) % STRIPES;
        let mut slot = lock(&self.stripes[stripe]);
        if slot.is_none() {
            let locks = self.dir.join(".locks");
            let path = locks.join(format!("{stripe:02}"));
            let open = || {
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .mode(0o600)
                    .open(&path)
            };
            let file = match open() {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    self.create_dir(&locks)?;
                    open()?
                }
                other => other?,
            };
            *slot = Some(file);
        }
        if let Some(file) = slot.as_ref() {
            flock(file, libc::LOCK_EX)?;
        }
        Ok(KeyLock { file: slot })
    }
}

/// `flock(2)`, retried on `EINTR` (`File::lock` needs Rust 1.89; the MSRV is 1.85).
fn flock(file: &File, op: libc::c_int) -> io::Result<()> {
    loop {
        // SAFETY: the descriptor is open for the lifetime of `file`.
        if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// FNV-1a: a stable hash, so every process maps a key to the same stripe.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}
