//! The threads a [`StoreTaskReader`](crate::StoreTaskReader) runs its claimed
//! tasks on: a fixed set of threads taking jobs from one queue.
//!
//! Why not strand's [`Pool`](strand::Pool) (through `PoolBackend`): its
//! threads spin and yield a little before they sleep, which pays for tasks
//! launched microseconds apart in one process. A worker's next task comes
//! from a claim in the store, tens of microseconds after the last one
//! finished: the spinning never found it, and its yields handed the core
//! away on every task (about four `sched_yield` calls a task). These
//! threads go to sleep at once, and a launch wakes one only if one sleeps.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::backend::{ComputationBackend, LaunchError};
use crate::job::Job;

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    /// Set when the reader is done: threads leave once the queue is empty.
    closed: bool,
    /// Threads started.
    threads: usize,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    cond: Condvar,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `n` threads running the jobs launched on it, in launch order. Dropping
/// it lets the threads finish the jobs launched, then they leave (nobody
/// waits for them: a job still running after a reader's grace period keeps
/// its thread until it ends).
pub(crate) struct Runners {
    shared: Arc<Shared>,
}

impl Runners {
    /// Starts `n` threads (at least 1); a thread that cannot start is
    /// logged, and the others run the jobs.
    pub(crate) fn new(n: usize) -> Runners {
        let shared = Arc::new(Shared::default());
        for _ in 0..n.max(1) {
            let thread_shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name("strand-au-runner".into())
                .spawn(move || run(&thread_shared));
            match spawned {
                Ok(_) => lock(&shared.state).threads += 1,
                Err(e) => {
                    tracing::error!(error = %e, "cannot start a thread to run a worker's tasks");
                }
            }
        }
        Runners { shared }
    }
}

fn run(shared: &Shared) {
    let mut state = lock(&shared.state);
    loop {
        if let Some(job) = state.jobs.pop_front() {
            drop(state);
            let key = job.key().clone();
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| job.run())) {
                tracing::error!(%key, panic = %crate::job::panic_message(&*panic), "a claimed task's job panicked");
            }
            state = lock(&shared.state);
            continue;
        }
        if state.closed {
            return;
        }
        state.idle += 1;
        state = shared
            .cond
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
        state.idle -= 1;
    }
}

impl ComputationBackend for Runners {
    fn launch(&self, job: Job) -> Result<(), LaunchError> {
        let mut state = lock(&self.shared.state);
        if state.threads == 0 {
            return Err(LaunchError::new(
                "none of the worker's threads could be started",
            ));
        }
        state.jobs.push_back(job);
        let wake = state.idle > 0;
        drop(state);
        if wake {
            self.shared.cond.notify_one();
        }
        Ok(())
    }
}

impl Drop for Runners {
    fn drop(&mut self) {
        lock(&self.shared.state).closed = true;
        self.shared.cond.notify_all();
    }
}

impl fmt::Debug for Runners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.shared.state);
        f.debug_struct("Runners")
            .field("threads", &state.threads)
            .field("queued", &state.jobs.len())
            .field("idle", &state.idle)
            .finish()
    }
}
