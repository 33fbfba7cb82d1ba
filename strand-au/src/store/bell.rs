//! The doorbell of a [`FileSystemStore`] queue: how a task written by one
//! process wakes one idle worker process rather than every one (Linux).
//!
//! A queue's inotify watch wakes every process that watches it: with k
//! idle worker processes, each new task woke all k, of which k - 1 lost
//! the race for it, listed the queue again and armed a new watch, for
//! nothing. The doorbell is a named pipe, `.bell`, in the queue's
//! directory:
//!
//! - whoever adds an entry to the queue writes one byte to it (a *ring*),
//!   after the entry is in place;
//! - each worker process with room for more tasks waits for a byte with
//!   `epoll` and `EPOLLEXCLUSIVE`, so the kernel wakes one of the waiting
//!   processes per byte, not all of them; the woken process reads the
//!   byte, lists the queue and claims what it finds;
//! - a process without room does not wait on the bell (its bytes go to
//!   the others), and one that reads a byte it has no use for (its last
//!   worker left) writes it back.
//!
//! A byte is a hint, never the task: one whose entry another worker took
//! first costs one process a listing that finds nothing, and an entry
//! whose byte went nowhere (a full pipe, a ring before any worker opened
//! the bell) is found by the listing every claim makes when its process
//! knows of nothing due, and by the periodic listing of a watched queue.
//!
//! Where the bell cannot be made (no FIFOs on that file system, a file in
//! its way, no thread), the queue falls back to its inotify watch.
//!
//! [`FileSystemStore`]: super::fs::FileSystemStore

/// The name of a queue's doorbell in its directory (hidden, so no listing
/// takes it for an entry).
pub(crate) const BELL: &str = ".bell";

#[cfg(target_os = "linux")]
mod imp {
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};

    use rustix::event::epoll;
    use rustix::event::{EventfdFlags, eventfd};
    use rustix::fs::{FileType, Mode, OFlags};
    use rustix::io::Errno;

    use super::BELL;
    use crate::store::fs_lock::DirShared;

    /// The epoll data of the bell's pipe and of the stop signal.
    const RUNG: u64 = 1;
    const STOP: u64 = 2;

    /// This process's side of a queue's bell: the pipe, open for reading
    /// (its waiting thread) and writing (this process's rings), and what
    /// the thread needs to know.
    pub(crate) struct Line {
        pipe: OwnedFd,
        /// The pipe's inode, to tell it from a bell made anew.
        ino: u64,
        /// Set while this process has room for tasks of the queue (its
        /// last claim found fewer than it asked for): a byte the thread
        /// reads without it goes back for another process.
        hungry: AtomicBool,
        /// Set while the thread waits for room, off the bell.
        parked: AtomicBool,
        /// Cleared when the thread stops (on a read error): the queue then
        /// falls back to its inotify watch.
        alive: AtomicBool,
        stopped: AtomicBool,
        gate: Mutex<()>,
        changed: Condvar,
        stop: OwnedFd,
    }

    impl Line {
        /// Says whether this process has room for more tasks of the queue;
        /// wakes the thread when room appears.
        ///
        /// An atomic store, unless the thread waits for room: a claim
        /// costs nothing more.
        pub(crate) fn set_hungry(&self, hungry: bool) {
            if !hungry {
                self.hungry.store(false, Ordering::SeqCst);
            } else if !self.hungry.swap(true, Ordering::SeqCst)
                && self.parked.load(Ordering::SeqCst)
            {
                // The thread sets `parked` before it looks at `hungry`, and
                // this looks at `parked` after setting `hungry`: one of the
                // two sees the other's write. The lock makes the notice
                // wait until the thread waits.
                let _gate = lock(&self.gate);
                self.changed.notify_one();
            }
        }

        /// Whether the thread still waits on the bell for this process.
        pub(crate) fn is_alive(&self) -> bool {
            self.alive.load(Ordering::Acquire)
        }

        /// Whether `ino` is this bell's pipe (the directory's `.bell` is
        /// still the one this process waits on).
        pub(crate) fn is(&self, ino: u64) -> bool {
            self.ino == ino
        }

        /// The pipe, to ring it.
        pub(crate) fn fd(&self) -> BorrowedFd<'_> {
            self.pipe.as_fd()
        }

        fn stop(&self) {
            self.stopped.store(true, Ordering::Release);
            {
                let _gate = lock(&self.gate);
                self.changed.notify_one();
            }
            let _ = rustix::io::write(&self.stop, &1u64.to_ne_bytes());
        }
    }

    /// A queue's bell as this process waits on it: stops its thread when
    /// dropped.
    pub(crate) struct Bell {
        line: Arc<Line>,
    }

    impl Bell {
        /// Makes (if missing) and opens the bell of `queue` in `queue_dir`,
        /// and starts the thread that waits on it for `dir`; `None` when
        /// the bell cannot be had (the queue then uses its inotify watch).
        pub(crate) fn open(dir: Weak<DirShared>, queue: &str, queue_dir: &Path) -> Option<Bell> {
            let path = queue_dir.join(BELL);
            let opened = (|| {
                match rustix::fs::mkfifoat(rustix::fs::CWD, &path, Mode::RUSR | Mode::WUSR) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(e),
                }
                // Read and write: a pipe with no writer left reads as
                // closed, forever ready; this end keeps one.
                let pipe = rustix::fs::open(
                    &path,
                    OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                    Mode::empty(),
                )?;
                let stat = rustix::fs::fstat(&pipe)?;
                if FileType::from_raw_mode(stat.st_mode) != FileType::Fifo {
                    return Err(Errno::NOTSUP);
                }
                let stop = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
                let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
                epoll::add(
                    &epoll,
                    &pipe,
                    epoll::EventData::new_u64(RUNG),
                    epoll::EventFlags::IN | epoll::EventFlags::EXCLUSIVE,
                )?;
                epoll::add(
                    &epoll,
                    &stop,
                    epoll::EventData::new_u64(STOP),
                    epoll::EventFlags::IN,
                )?;
                Ok((pipe, stat.st_ino, stop, epoll))
            })();
            let (pipe, ino, stop, epoll) = match opened {
                Ok(opened) => opened,
                Err(e) => {
                    tracing::debug!(bell = %path.display(), error = %e, "no doorbell for the queue; watching its directory instead");
                    return None;
                }
            };
            let line = Arc::new(Line {
                pipe,
                ino,
                hungry: AtomicBool::new(true),
                parked: AtomicBool::new(false),
                alive: AtomicBool::new(true),
                stopped: AtomicBool::new(false),
                gate: Mutex::new(()),
                changed: Condvar::new(),
                stop,
            });
            let thread = line.clone();
            let queue = queue.to_owned();
            let spawned = std::thread::Builder::new()
                .name("strand-au-bell".into())
                .spawn(move || wait(&thread, &epoll, &dir, &queue));
            match spawned {
                Ok(_) => Some(Bell { line }),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot start a queue's doorbell thread; watching its directory instead");
                    None
                }
            }
        }

        /// The line to this bell, for the queue's state.
        pub(crate) fn line(&self) -> Arc<Line> {
            self.line.clone()
        }
    }

    impl Drop for Bell {
        fn drop(&mut self) {
            self.line.stop();
        }
    }

    /// The bell's thread: waits for a byte, takes one, and wakes the
    /// queue's workers here, who list the queue. A byte that comes while
    /// this process has no room goes back into the pipe, and the thread
    /// leaves the bell to the other processes until there is room again.
    fn wait(line: &Line, epoll: &OwnedFd, dir: &Weak<DirShared>, queue: &str) {
        let mut events = Vec::with_capacity(2);
        loop {
            if line.stopped.load(Ordering::Acquire) {
                return;
            }
            events.clear();
            match epoll::wait(epoll, rustix::buffer::spare_capacity(&mut events), None) {
                Ok(_) => {}
                Err(Errno::INTR) => continue,
                Err(e) => {
                    tracing::error!(queue, error = %e, "a queue's doorbell cannot wait; watching its directory instead");
                    return fail(line, dir, queue);
                }
            }
            if events.iter().any(|e| e.data.u64() == STOP) || line.stopped.load(Ordering::Acquire) {
                return;
            }
            let mut byte = [0u8; 1];
            match rustix::io::read(&line.pipe, &mut byte) {
                Ok(1) => {
                    let Some(shared) = dir.upgrade() else { return };
                    let taken = line.hungry.load(Ordering::SeqCst) && shared.queue_rang(queue);
                    drop(shared);
                    if !taken {
                        // No room here: the byte is another process's to
                        // take, and the next ones too until there is.
                        line.hungry.store(false, Ordering::SeqCst);
                        ring(line.fd());
                        park(line);
                    }
                }
                // Another process took it first.
                Ok(_) | Err(Errno::AGAIN | Errno::INTR) => {}
                Err(e) => {
                    tracing::error!(queue, error = %e, "a queue's doorbell cannot be read; watching its directory instead");
                    return fail(line, dir, queue);
                }
            }
        }
    }

    /// Waits off the bell until this process has room for a task of the
    /// queue again, or the bell stops.
    fn park(line: &Line) {
        let mut gate = lock(&line.gate);
        line.parked.store(true, Ordering::SeqCst);
        while !line.hungry.load(Ordering::SeqCst) && !line.stopped.load(Ordering::Acquire) {
            gate = line
                .changed
                .wait(gate)
                .unwrap_or_else(PoisonError::into_inner);
        }
        line.parked.store(false, Ordering::SeqCst);
    }

    /// The thread stops waiting: the queue's workers here list it, and
    /// watch its directory from then on.
    fn fail(line: &Line, dir: &Weak<DirShared>, queue: &str) {
        line.alive.store(false, Ordering::Release);
        if let Some(shared) = dir.upgrade() {
            shared.queue_overflowed(queue);
        }
    }

    /// Rings the bell whose pipe is `fd`: whether the byte went in or the
    /// pipe is full (enough rings wait in it already); `false` when the
    /// pipe is unusable.
    pub(crate) fn ring(fd: BorrowedFd<'_>) -> bool {
        match rustix::io::write(fd, &[1]) {
            Ok(_) | Err(Errno::AGAIN) => true,
            Err(Errno::INTR) => rustix::io::write(fd, &[1]).is_ok(),
            Err(_) => false,
        }
    }

    /// Opens the bell of the queue in `queue_dir` to ring it; `None` when
    /// no worker process waits on it (none opened it yet, or the queue has
    /// none).
    pub(crate) fn open_to_ring(queue_dir: &Path) -> Option<OwnedFd> {
        let fd = rustix::fs::open(
            queue_dir.join(BELL),
            OFlags::WRONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::empty(),
        )
        .ok()?;
        let stat = rustix::fs::fstat(&fd).ok()?;
        (FileType::from_raw_mode(stat.st_mode) == FileType::Fifo).then_some(fd)
    }

    fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    //! No doorbell here: queues are watched (or polled) as before.
    use std::os::fd::{BorrowedFd, OwnedFd};
    use std::path::Path;
    use std::sync::{Arc, Weak};

    use crate::store::fs_lock::DirShared;

    pub(crate) enum Line {}

    impl Line {
        pub(crate) fn set_hungry(&self, _hungry: bool) {
            match *self {}
        }
        pub(crate) fn is_alive(&self) -> bool {
            match *self {}
        }
        pub(crate) fn is(&self, _ino: u64) -> bool {
            match *self {}
        }
        pub(crate) fn fd(&self) -> BorrowedFd<'_> {
            match *self {}
        }
    }

    pub(crate) enum Bell {}

    impl Bell {
        pub(crate) fn open(_dir: Weak<DirShared>, _queue: &str, _queue_dir: &Path) -> Option<Bell> {
            None
        }
        pub(crate) fn line(&self) -> Arc<Line> {
            match *self {}
        }
    }

    pub(crate) fn ring(_fd: BorrowedFd<'_>) -> bool {
        false
    }

    pub(crate) fn open_to_ring(_queue_dir: &Path) -> Option<OwnedFd> {
        None
    }
}

pub(crate) use imp::{Bell, Line, open_to_ring, ring};
