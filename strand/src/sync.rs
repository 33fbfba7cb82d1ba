//! The synchronisation primitives of the lock-free outcome slot
//! ([`Shared`](crate::task::slot::Shared)) and of the wake-up queue of
//! [`HandleSet`](crate::batch::HandleSet): std's, `atomic_waker`'s and
//! crossbeam's in a normal build, loom's under `--cfg strand_loom`, so the
//! loom models in `loom_tests` check their own code (as tokio's `loom`
//! module does).
//!
//! The cfg is `strand_loom`, not `loom`: `--cfg loom` would also switch on
//! tokio's loom code, which does not build as a dependency. A static (such
//! as `TaskId`'s counter) stays on std: loom's atomics cannot live in one.

#[cfg(not(strand_loom))]
pub(crate) use self::std_impl::*;

#[cfg(strand_loom)]
pub(crate) use self::loom_impl::*;

#[cfg(not(strand_loom))]
mod std_impl {
    pub(crate) use atomic_waker::AtomicWaker;
    pub(crate) use crossbeam_channel::{Receiver, Sender, unbounded};
    pub(crate) use std::sync::Mutex;
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8};

    /// std's `UnsafeCell` behind loom's closure API, so the slot has one
    /// way to reach its cell in both builds. Free: every method inlines to
    /// the bare `UnsafeCell` access.
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        #[inline]
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Calls `f` with a pointer to the value, for a write or a read.
        /// Dereferencing it has the caller's obligations of
        /// [`std::cell::UnsafeCell::get`].
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

#[cfg(strand_loom)]
mod loom_impl {
    use std::task::Waker;

    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::Mutex;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8};

    /// `atomic_waker::AtomicWaker`'s API over loom's mock of it (a waker
    /// behind a loom lock; a `register` that races a `wake` wakes at once,
    /// as the real one does).
    pub(crate) struct AtomicWaker(loom::future::AtomicWaker);

    impl AtomicWaker {
        pub(crate) fn new() -> AtomicWaker {
            AtomicWaker(loom::future::AtomicWaker::new())
        }

        pub(crate) fn register(&self, waker: &Waker) {
            self.0.register_by_ref(waker);
        }

        pub(crate) fn wake(&self) {
            self.0.wake();
        }
    }

    /// The part of crossbeam's unbounded channel that `HandleSet` uses,
    /// over a loom lock. A blocking receive spins with `yield_now`, which
    /// loom explores as a wait.
    pub(crate) struct Sender<T>(loom::sync::Arc<Mutex<std::collections::VecDeque<T>>>);

    /// The receiving end of [`Sender`]'s queue.
    pub(crate) struct Receiver<T>(loom::sync::Arc<Mutex<std::collections::VecDeque<T>>>);

    pub(crate) fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
        let queue = loom::sync::Arc::new(Mutex::new(std::collections::VecDeque::new()));
        (Sender(queue.clone()), Receiver(queue))
    }

    impl<T> Sender<T> {
        pub(crate) fn send(&self, value: T) -> Result<(), T> {
            self.0.lock().unwrap().push_back(value);
            Ok(())
        }
    }

    impl<T> Receiver<T> {
        pub(crate) fn try_recv(&self) -> Result<T, ()> {
            self.0.lock().unwrap().pop_front().ok_or(())
        }

        pub(crate) fn recv(&self) -> Result<T, ()> {
            loop {
                if let Ok(value) = self.try_recv() {
                    return Ok(value);
                }
                loom::thread::yield_now();
            }
        }

        pub(crate) fn recv_deadline(&self, _deadline: std::time::Instant) -> Result<T, ()> {
            self.recv()
        }
    }
}
