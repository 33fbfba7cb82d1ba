//! Blocking on an outcome: [`wait_for`] spins a little, then parks the
//! thread on a waker that unparks it ([`THREAD_WAKER`]).

use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

use crossbeam_utils::Backoff;

thread_local! {
    /// This thread's waker for blocking joins: it unparks the thread.
    /// Made once per thread, so a join allocates nothing.
    static THREAD_WAKER: Waker = Waker::from(Arc::new(ThreadUnpark(std::thread::current())));
}

/// Wakes a thread blocked in `join`.
struct ThreadUnpark(std::thread::Thread);

impl std::task::Wake for ThreadUnpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Blocks the thread until `poll` (given a waker that unparks this
/// thread) returns the outcome, or until `deadline`. `finished` tells,
/// without side effects, whether the outcome is there; both see `state`.
/// `spin`: spin and yield a little before sleeping.
pub(crate) fn wait_for<S, R>(
    deadline: Option<Instant>,
    spin: bool,
    state: &mut S,
    finished: impl Fn(&S) -> bool,
    mut poll: impl FnMut(&mut S, &Waker) -> Option<R>,
) -> Option<R> {
    // Short tasks often finish within microseconds: spin and yield a
    // little first (as crossbeam's channels do), which saves the sleeping
    // waiter a futex wake-up and a reschedule on the round trip. A task of
    // another process is never that close: its waiter goes to sleep at
    // once (each yield is a system call, and hands the core to a thread
    // that has real work).
    let backoff = Backoff::new();
    while spin && !finished(state) && !backoff.is_completed() {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        backoff.snooze();
    }
    THREAD_WAKER.with(|waker| {
        loop {
            if let Some(outcome) = poll(state, waker) {
                return Some(outcome);
            }
            // A stale unpark (from an earlier task this thread waited for)
            // only makes the loop check once more.
            match deadline {
                None => std::thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
        }
    })
}
