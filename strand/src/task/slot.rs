//! [`Shared`]: the lock-free slot where a task's outcome waits for its
//! handle, with the task's id, name and cancellation. It knows nothing of
//! the current task or of tokio: [`run_task`](crate::task::harness::run_task)
//! runs a body into it, and [`TaskHandle`](crate::TaskHandle) takes the
//! outcome out.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Waker;
use std::time::Instant;

use crate::error::JoinError;
use crate::sync::{AtomicU8, AtomicWaker, UnsafeCell};
use crate::task::cancel::{CancelOutcome, Cancellation, Canceller};
use crate::task::core::{TaskCore, TaskInfo};
use crate::task::id::TaskId;
use crate::task::wait::wait_for;

// The life of a task's outcome slot, in `Shared::state`. Only moves
// forward: PENDING → RUNNING → WRITING → DONE → TAKEN, where PENDING may
// skip RUNNING (a cancel before the start). Whoever moves the state to
// WRITING (the body finishing, or `cancel`) is the only writer of the
// outcome; the handle's owner is the only reader, after it sees DONE.
/// Created, body not started.
const PENDING: u8 = 0;
/// Body running.
const RUNNING: u8 = 1;
/// The outcome is being stored.
const WRITING: u8 = 2;
/// The outcome is stored and waits to be taken.
const DONE: u8 = 3;
/// The outcome was taken by `join` or `poll`.
const TAKEN: u8 = 4;

/// The state a task shares with its handle.
///
/// Lock-free, as tokio's `JoinHandle` is: starting, finishing and polling
/// a task are a few atomic operations on `state` and `waker`, never a lock
/// that a task's worker and its awaiting caller would contend for.
pub(crate) struct Shared<T, E> {
    id: TaskId,
    name: Option<Cow<'static, str>>,
    /// PENDING, RUNNING, WRITING, DONE or TAKEN.
    state: AtomicU8,
    cancellation: Cancellation,
    /// Written once, by whoever moved `state` to WRITING; read once, by the
    /// handle's owner after it saw DONE.
    outcome: UnsafeCell<Option<Result<T, JoinError<E>>>>,
    /// Who waits for the outcome: the awaiting task's waker, or the
    /// blocked joiner's thread (see [`wait_for`]). A handle has one
    /// owner, so there is at most one waiter at a time.
    waker: AtomicWaker,
}

// SAFETY: the outcome cell is the only field that is not already `Send`
// and `Sync`. It is written by one thread (the one that won the move to
// WRITING) and read by one thread (the handle's owner, after an Acquire
// load of DONE that pairs with the writer's Release store), so sharing
// `Shared` across threads only ever moves a `T` or an `E` between threads:
// `Send` is what they need.
unsafe impl<T: Send, E: Send> Send for Shared<T, E> {}
// SAFETY: as above.
unsafe impl<T: Send, E: Send> Sync for Shared<T, E> {}

impl<T, E> TaskCore for Shared<T, E> {
    fn id(&self) -> TaskId {
        self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }
    fn start_cancellable(&self, start: &mut dyn FnMut() -> Option<Canceller>) -> bool {
        self.cancellation.start_cancellable(start)
    }
    fn info(&self) -> TaskInfo {
        TaskInfo {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

impl<T, E> Shared<T, E> {
    /// A new task's state.
    pub(crate) fn new(name: Option<Cow<'static, str>>) -> Arc<Self> {
        Arc::new(Shared {
            id: TaskId::next(),
            name,
            state: AtomicU8::new(PENDING),
            cancellation: Cancellation::default(),
            outcome: UnsafeCell::new(None),
            waker: AtomicWaker::new(),
        })
    }

    pub(crate) fn id_of(&self) -> TaskId {
        self.id
    }

    pub(crate) fn name_of(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Pending → Running. False when the task was cancelled before it started.
    pub(crate) fn start(&self) -> bool {
        self.state
            .compare_exchange(PENDING, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Claims the right to store the outcome: true when the task was still
    /// pending or running, and then `from` is what it was.
    fn claim(&self) -> Option<u8> {
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current > RUNNING {
                return None;
            }
            match self.state.compare_exchange_weak(
                current,
                WRITING,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(current),
                Err(actual) => current = actual,
            }
        }
    }

    /// Stores the outcome after a successful [`Self::claim`], publishes it
    /// and wakes the waiter.
    fn publish(&self, outcome: Result<T, JoinError<E>>) {
        // SAFETY: the caller won the move to WRITING, so it is the only
        // thread touching the cell until DONE is stored below; the owner
        // reads it only after seeing DONE.
        self.outcome
            .with_mut(|cell| unsafe { *cell = Some(outcome) });
        self.state.store(DONE, Ordering::Release);
        self.waker.wake();
    }

    /// Stores the outcome unless a cancellation already settled the task.
    pub(crate) fn complete(&self, outcome: Result<T, JoinError<E>>) {
        if self.claim().is_some() {
            self.publish(outcome);
        }
    }

    /// Cancels the task. The cancellation takes effect before anyone can
    /// see it: the slot is claimed (so the body's outcome can no longer be
    /// stored), then the body's flag is set and its canceller run (a child
    /// process killed and reaped), and only then is the cancelled outcome
    /// published and the joiner woken.
    pub(crate) fn cancel(&self) -> CancelOutcome {
        let outcome = match self.claim() {
            Some(PENDING) => CancelOutcome::NotStarted,
            Some(_) => CancelOutcome::Requested,
            None => return CancelOutcome::AlreadyFinished,
        };
        let stopped = self.cancellation.cancel();
        self.publish(Err(JoinError::cancelled(Some(self.id))));
        if stopped {
            CancelOutcome::Killed
        } else {
            outcome
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.state.load(Ordering::Acquire) >= DONE
    }

    /// Marks the task cancelled before a completer delivers a cancelled
    /// outcome (see [`crate::remote`]): a [`Self::settle_cancelled`] that
    /// loses the race to that outcome then sees the mark.
    pub(crate) fn mark_cancelled(&self) {
        self.cancellation.cancel();
    }

    /// Whether the task was marked cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }

    /// Settles a task whose body runs elsewhere (see [`crate::remote`]) as
    /// cancelled, after its canceller there has acted: true when the
    /// cancelled outcome was published, false when an outcome was there
    /// first.
    pub(crate) fn settle_cancelled(&self) -> bool {
        if self.claim().is_none() {
            return false;
        }
        self.cancellation.cancel();
        self.publish(Err(JoinError::cancelled(Some(self.id))));
        true
    }

    /// The outcome, if it is there.
    ///
    /// # Safety
    ///
    /// Only the handle's owner may call this (it takes the handle by value
    /// or by `&mut`), so no two calls ever race.
    pub(crate) unsafe fn take(&self) -> Option<Result<T, JoinError<E>>> {
        match self.state.load(Ordering::Acquire) {
            DONE => {
                self.state.store(TAKEN, Ordering::Relaxed);
                // SAFETY: DONE was stored (Release) after the write, and
                // nobody writes the cell after DONE; the caller is the only
                // reader.
                self.outcome.with_mut(|cell| unsafe { (*cell).take() })
            }
            TAKEN => panic!("task outcome taken twice (handle polled after completion)"),
            _ => None,
        }
    }

    /// The outcome if it is there; otherwise `waker` is registered to be
    /// woken when it is.
    ///
    /// # Safety
    ///
    /// As for [`Self::take`].
    pub(crate) unsafe fn take_or_register(&self, waker: &Waker) -> Option<Result<T, JoinError<E>>> {
        // SAFETY: forwarded to the caller.
        if let Some(outcome) = unsafe { self.take() } {
            return Some(outcome);
        }
        self.waker.register(waker);
        // The outcome may have been published between the check and the
        // registration, by a `wake` that found no waker yet: check again.
        // SAFETY: forwarded to the caller.
        unsafe { self.take() }
    }

    /// Waits until the outcome is there or the deadline passes (spinning
    /// a little first if `spin`).
    ///
    /// # Safety
    ///
    /// As for [`Self::take`].
    pub(crate) unsafe fn wait(
        &self,
        deadline: Option<Instant>,
        spin: bool,
    ) -> Option<Result<T, JoinError<E>>> {
        wait_for(
            deadline,
            spin,
            &mut (),
            |()| self.is_finished(),
            |(), waker| {
                // SAFETY: forwarded to the caller.
                unsafe { self.take_or_register(waker) }
            },
        )
    }
}
