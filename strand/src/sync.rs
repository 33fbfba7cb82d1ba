//! The synchronisation primitives of the lock-free outcome slot
//! ([`Shared`](crate::task::slot::Shared)): std's and `atomic_waker`'s in a
//! normal build, loom's under `--cfg strand_loom`, so the loom models in
//! `loom_tests` check the slot's own code (as tokio's `loom` module does).
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
}
