//! One change watcher per process for every [`FileSystemStore`] directory
//! it waits on: a thread reading one inotify instance (Linux), which turns
//! a record renamed into place by any process into a wakeup of this
//! process's waiters on that key, and a task entry added to a queue into a
//! wakeup of this process's workers of that queue.
//!
//! Why the `inotify` crate rather than `notify` (whose Linux backend it
//! is): `notify` 8 watches a directory for every kind of event, opens
//! included, so every read, listing and temporary file of every process
//! using a store would reach every watching process. The store needs two
//! kinds only: a name moved into the records directory (an atomic write
//! lands there by `rename`) or removed from it, and a task entry created in,
//! or moved back into, a queue's directory. With that mask a worker's
//! reads and a writer's temporary files cost the watchers nothing. A
//! queue's watch is for one event (`IN_ONESHOT`, see
//! `DirShared::watch_queue`): a busy queue is listed, not watched. Where a
//! queue has a doorbell (`super::bell`), which wakes one worker process a
//! task rather than every one, the queue's directory is not watched at
//! all: only the bell is, for its removal.
//!
//! Where inotify is missing (another system) or exhausted (the
//! `max_user_watches` or `max_user_instances` limit), [`watch`] says so and
//! the store falls back to polling with backoff, as it did before.
//!
//! [`FileSystemStore`]: super::fs::FileSystemStore

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Weak};

use super::fs_lock::DirShared;

/// What a watched directory is to its store.
pub(crate) enum Target {
    /// The records of a store: a name is `<key><suffix>`.
    Records(Weak<DirShared>),
    /// The entries of one queue, watched for one event (see
    /// `DirShared::watch_queue`): the flag is set when it came, or when
    /// the watch ended without one.
    Queue(Weak<DirShared>, String, Arc<AtomicBool>),
    /// The doorbell of a queue this process waits on, watched only for
    /// its removal (see `DirShared::watch_queue`): the queue's workers
    /// then list the queue, and open the bell made anew.
    QueueGone(Weak<DirShared>, String),
}

/// A watch the process holds (removed with [`unwatch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WatchId(i32);

#[cfg(target_os = "linux")]
mod imp {
    use std::collections::HashMap;
    use std::ffi::OsStr;
    use std::path::Path;
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

    use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask, Watches};

    use super::{Target, WatchId};

    struct Watcher {
        watches: Mutex<Watches>,
        targets: Mutex<HashMap<i32, (WatchDescriptor, Target)>>,
    }

    fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap_or_else(PoisonError::into_inner)
    }

    static WATCHER: LazyLock<Option<Arc<Watcher>>> = LazyLock::new(start);

    fn start() -> Option<Arc<Watcher>> {
        let inotify = match Inotify::init() {
            Ok(inotify) => inotify,
            Err(e) => {
                tracing::warn!(error = %e, "inotify unavailable; file-system stores poll for changes");
                return None;
            }
        };
        let watcher = Arc::new(Watcher {
            watches: Mutex::new(inotify.watches()),
            targets: Mutex::new(HashMap::new()),
        });
        let reader = watcher.clone();
        let spawned = std::thread::Builder::new()
            .name("strand-au-watch".into())
            .spawn(move || reader.run(inotify));
        match spawned {
            Ok(_) => Some(watcher),
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the store watcher thread; file-system stores poll for changes");
                None
            }
        }
    }

    impl Watcher {
        fn run(&self, mut inotify: Inotify) {
            let mut buffer = vec![0; 64 << 10];
            // This thread is the descriptor's only reader: make its reads
            // block once, rather than through `read_events_blocking`, which
            // clears and sets `O_NONBLOCK` around every read (four `fcntl`
            // calls a wakeup, a fifth of the queue's system calls).
            let blocking = set_blocking(&inotify);
            let mut coalesce = crate::store::Coalesce::new();
            loop {
                let read = if blocking {
                    inotify.read_events(&mut buffer)
                } else {
                    inotify.read_events_blocking(&mut buffer)
                };
                let events = match read {
                    Ok(events) => events,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        // Watchers then poll again (their wait is bounded).
                        tracing::error!(error = %e, "the store watcher cannot read inotify events; it stops");
                        lock(&self.targets).clear();
                        return;
                    }
                };
                // Whether the events of this read name more than one file:
                // the changes of one record (a task's `Running` and final
                // writes) are one round trip's, those of many are a
                // stream.
                let mut first_name = None;
                let mut several = false;
                for event in events {
                    if let Some(name) = event.name {
                        match first_name {
                            None => first_name = Some(name),
                            Some(first) => several |= first != name,
                        }
                    }
                    if event.mask.contains(EventMask::Q_OVERFLOW) {
                        // Events were lost: wake everyone to look again.
                        self.wake_all();
                        continue;
                    }
                    let id = event.wd.get_watch_descriptor_id();
                    if event.mask.contains(EventMask::IGNORED) {
                        // The directory is gone, or the watch was removed
                        // (a queue's, after its one event).
                        match lock(&self.targets).remove(&id) {
                            // Ended without an event (its directory went):
                            // the next claim lists the queue.
                            Some((_, Target::Queue(dir, queue, fired)))
                                if !fired.swap(true, Ordering::AcqRel) =>
                            {
                                if let Some(shared) = dir.upgrade() {
                                    shared.queue_overflowed(&queue);
                                }
                            }
                            Some((_, Target::QueueGone(dir, queue))) => {
                                if let Some(shared) = dir.upgrade() {
                                    shared.queue_overflowed(&queue);
                                }
                            }
                            _ => {}
                        }
                        continue;
                    }
                    self.dispatch(id, event.name);
                }
                // Changes of several files come faster than one a read:
                // let more gather before the next read, so that this thread
                // and the threads it wakes are woken once for many changes
                // rather than once for each (as a network card coalesces
                // its interrupts; a busy submitter then learns of its
                // tasks' ends a millisecond late at most, in batches). An
                // event that finds the thread idle is read at once, and so
                // are the changes of one record: a lone task's round trip
                // waits for no nap (a nap after its `Running` and final
                // writes, read together, delayed the next task's, and the
                // next read then found several changes again).
                coalesce.after_round(several);
            }
        }

        fn dispatch(&self, id: i32, name: Option<&OsStr>) {
            let (shared, queue) = {
                let targets = lock(&self.targets);
                match targets.get(&id) {
                    Some((_, Target::Records(dir))) => (dir.upgrade(), None),
                    Some((_, Target::Queue(dir, queue, fired))) => {
                        // Before the wake: a claim that finds the flag set
                        // lists the queue, and arms a new watch.
                        fired.store(true, Ordering::Release);
                        (dir.upgrade(), Some(queue.clone()))
                    }
                    Some((_, Target::QueueGone(dir, queue))) => {
                        // Unlinked or moved away: list the queue (which
                        // finds the bell gone).
                        let shared = dir.upgrade();
                        let queue = queue.clone();
                        drop(targets);
                        if let Some(shared) = shared {
                            shared.queue_overflowed(&queue);
                        }
                        return;
                    }
                    None => return,
                }
            };
            let Some(shared) = shared else {
                self.remove(id);
                return;
            };
            let name = name.and_then(OsStr::to_str);
            match queue {
                None => {
                    if let Some(name) = name {
                        shared.record_changed(name);
                    }
                }
                Some(queue) => shared.queue_arrived(&queue, name),
            }
        }

        fn wake_all(&self) {
            let targets: Vec<_> = lock(&self.targets)
                .values()
                .filter_map(|(_, t)| match t {
                    Target::Records(dir) => dir.upgrade().map(|d| (d, None)),
                    Target::Queue(dir, q, _) | Target::QueueGone(dir, q) => {
                        dir.upgrade().map(|d| (d, Some(q.clone())))
                    }
                })
                .collect();
            for (shared, queue) in targets {
                match queue {
                    None => shared.notifier.notify_all(),
                    Some(queue) => shared.queue_overflowed(&queue),
                }
            }
        }

        fn remove(&self, id: i32) {
            let removed = lock(&self.targets).remove(&id);
            if let Some((wd, _)) = removed {
                let _ = lock(&self.watches).remove(wd);
            }
        }
    }

    /// Clears `O_NONBLOCK` on the inotify descriptor; whether it did.
    fn set_blocking(inotify: &Inotify) -> bool {
        use std::os::fd::AsRawFd;
        let fd = inotify.as_raw_fd();
        // SAFETY: `fcntl` with `F_GETFL` and `F_SETFL` only reads and sets
        // the status flags of `fd`, which `inotify` keeps open while it is
        // borrowed; no memory is passed.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            flags != -1 && libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) != -1
        }
    }

    /// Watches `dir` for `target`; `None` when inotify cannot (see the
    /// module docs).
    pub(crate) fn watch(dir: &Path, target: Target) -> Option<WatchId> {
        let watcher = WATCHER.as_ref()?;
        let mask = match target {
            Target::Records(_) => {
                WatchMask::MOVED_TO
                    | WatchMask::DELETE
                    | WatchMask::ONLYDIR
                    | WatchMask::DONT_FOLLOW
            }
            Target::Queue(..) => {
                WatchMask::CREATE
                    | WatchMask::MOVED_TO
                    | WatchMask::ONLYDIR
                    | WatchMask::DONT_FOLLOW
                    | WatchMask::ONESHOT
            }
            // Unlinking the bell changes its link count (`IN_ATTRIB`); it
            // is not deleted while this process holds it open, and neither
            // is its directory, which its name keeps.
            Target::QueueGone(..) => {
                WatchMask::ATTRIB
                    | WatchMask::DELETE_SELF
                    | WatchMask::MOVE_SELF
                    | WatchMask::DONT_FOLLOW
            }
        };
        // The targets' lock is held across the add, so that the reader
        // cannot see an event of the new watch before its target.
        let mut targets = lock(&watcher.targets);
        let added = lock(&watcher.watches).add(dir, mask);
        match added {
            Ok(wd) => {
                let id = wd.get_watch_descriptor_id();
                targets.insert(id, (wd, target));
                Some(WatchId(id))
            }
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot watch a store directory (inotify limits?); polling it instead");
                None
            }
        }
    }

    /// Removes a watch made by [`watch`].
    pub(crate) fn unwatch(id: WatchId) {
        if let Some(watcher) = WATCHER.as_ref() {
            watcher.remove(id.0);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::path::Path;

    use super::{Target, WatchId};

    /// No inotify here: stores poll.
    pub(crate) fn watch(_dir: &Path, _target: Target) -> Option<WatchId> {
        None
    }

    pub(crate) fn unwatch(_id: WatchId) {}
}

/// Watches `dir` for `target`; `None` when this process cannot be told of
/// changes there (the store polls).
pub(crate) fn watch(dir: &Path, target: Target) -> Option<WatchId> {
    imp::watch(dir, target)
}

/// Removes a watch made by [`watch`].
pub(crate) fn unwatch(id: WatchId) {
    imp::unwatch(id)
}
