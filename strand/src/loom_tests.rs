//! Loom models of the lock-free outcome slot ([`Shared`] and the
//! [`TaskHandle`] over it): every interleaving of a task's body, its
//! owner and a canceller, up to a bound on preemptions, keeps the slot's
//! promises: one outcome, seen once; a value never lost and dropped exactly
//! once; a cancelled outcome published only after the body's flag is set
//! and its canceller has run. And the wake-up protocol of
//! [`HandleSet`]: no outcome lost or yielded twice.
//!
//! Run them with `.ci/loom` (`RUSTFLAGS="--cfg strand_loom"`, release, two
//! preemptions by default; `LOOM_MAX_PREEMPTIONS=3 .ci/loom` explores more).
//!
//! The owner waits through the `Future` path (`loom::future::block_on`),
//! since the blocking `join` parks a real thread. `cancel` takes `&self`,
//! and loom has no scoped threads to lend `&handle` to: a second handle on
//! the same slot stands for that borrow, and is only ever cancelled, never
//! joined (taking the outcome is the owner's alone).

use std::convert::Infallible;

use loom::future::block_on;
use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::SeqCst;
use loom::thread;

use crate::batch::HandleSet;
use crate::task::cancel::{CancelOutcome, Canceller};
use crate::task::core::TaskCore;
use crate::task::harness::run_task;
use crate::task::join::{TaskHandle, TryJoinError};
use crate::task::slot::Shared;

/// Runs `f` under loom, with at most two preemptions unless
/// `LOOM_MAX_PREEMPTIONS` says otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// How many task values were made and dropped.
#[derive(Default)]
struct Counts {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Counts {
    /// Every value made was dropped, once; returns how many were made.
    fn all_dropped_once(&self) -> usize {
        let made = self.made.load(SeqCst);
        assert!(made <= 1, "the body ran {made} times");
        assert_eq!(
            self.dropped.load(SeqCst),
            made,
            "a value lost or dropped twice"
        );
        made
    }
}

/// A task's value that counts its drops.
struct Value(Arc<Counts>);

impl Value {
    fn new(counts: &Arc<Counts>) -> Value {
        counts.made.fetch_add(1, SeqCst);
        Value(counts.clone())
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, SeqCst);
    }
}

type Slot = std::sync::Arc<Shared<Value, Infallible>>;

/// A new slot and its owner's handle.
fn task() -> (Slot, TaskHandle<Value>) {
    let shared = Shared::new(None);
    let handle = TaskHandle::from_shared(shared.clone());
    (shared, handle)
}

/// A task whose body, on a thread of its own, makes one [`Value`].
fn task_making_a_value(counts: &Arc<Counts>) -> (TaskHandle<Value>, thread::JoinHandle<()>) {
    let (shared, handle) = task();
    let counts = counts.clone();
    let body = thread::spawn(move || run_task(&shared, || Ok(Value::new(&counts))));
    (handle, body)
}

/// (a) The body finishes while another thread cancels and the owner
/// awaits. The owner sees exactly one outcome; a cancelled one only after
/// the body's flag is set and the canceller the body installed has run.
#[test]
fn complete_cancel_join() {
    model(|| {
        let counts = Arc::new(Counts::default());
        let installed = Arc::new(AtomicBool::new(false));
        let killed = Arc::new(AtomicBool::new(false));
        let (shared, handle) = task();
        let other = TaskHandle::from_shared(shared.clone());

        let body = {
            let (shared, counts) = (shared.clone(), counts.clone());
            let (installed, killed) = (installed.clone(), killed.clone());
            thread::spawn(move || {
                run_task(&shared, || {
                    // What a `process` task does: start something that
                    // `cancel` must stop, under the cancellation's lock.
                    shared.start_cancellable(&mut || {
                        installed.store(true, SeqCst);
                        let killed = killed.clone();
                        Some(Box::new(move || killed.store(true, SeqCst)) as Canceller)
                    });
                    Ok(Value::new(&counts))
                });
            })
        };
        let canceller = thread::spawn(move || other.cancel());

        let outcome = block_on(handle);
        if let Err(err) = &outcome {
            assert!(err.is_cancelled());
            assert!(
                shared.is_cancelled(),
                "cancelled outcome seen before the body's flag was set"
            );
            assert!(
                !installed.load(SeqCst) || killed.load(SeqCst),
                "cancelled outcome seen before the body's canceller ran"
            );
        }

        let cancelled = canceller.join().unwrap();
        body.join().unwrap();
        assert_eq!(outcome.is_ok(), cancelled == CancelOutcome::AlreadyFinished);
        assert_eq!(cancelled == CancelOutcome::Killed, killed.load(SeqCst));
        drop(outcome);
        let made = counts.all_dropped_once();
        assert_eq!(made == 0, cancelled == CancelOutcome::NotStarted);
    });
}

/// (b) The handle is dropped (the task detached) while the body finishes:
/// the value is dropped exactly once, by the body's thread or the owner's,
/// whichever lets go of the slot last.
#[test]
fn detach_drops_value_once() {
    model(|| {
        let counts = Arc::new(Counts::default());
        let (handle, body) = task_making_a_value(&counts);
        // Dropping the handle is only a (std) `Arc` decrement, which loom
        // does not schedule around: a look at the state first lets it run
        // the body before, during or after the drop.
        let _ = handle.is_finished();
        drop(handle);
        body.join().unwrap();
        assert_eq!(counts.all_dropped_once(), 1);
    });
}

/// (b') As (b), with a cancel just before the handle is dropped: the
/// body's value, if it still makes one, is dropped exactly once too.
#[test]
fn cancel_detach_drops_value_once() {
    model(|| {
        let counts = Arc::new(Counts::default());
        let (handle, body) = task_making_a_value(&counts);
        let cancelled = handle.cancel();
        drop(handle);
        body.join().unwrap();
        let made = counts.all_dropped_once();
        assert_eq!(made == 0, cancelled == CancelOutcome::NotStarted);
    });
}

/// (c) `try_join` races the body: the value, or the handle back and then
/// the value from a later join; never lost, never twice.
#[test]
fn try_join_races_completion() {
    model(|| {
        let counts = Arc::new(Counts::default());
        let (handle, body) = task_making_a_value(&counts);
        let value = match handle.try_join() {
            Ok(value) => value,
            Err(TryJoinError::NotFinished(handle)) => match block_on(handle) {
                Ok(value) => value,
                Err(err) => panic!("join after NotFinished failed: {err}"),
            },
            Err(TryJoinError::Join(err)) => panic!("try_join failed: {err}"),
        };
        assert_eq!(counts.dropped.load(SeqCst), 0, "value dropped while owned");
        drop(value);
        body.join().unwrap();
        assert_eq!(counts.all_dropped_once(), 1);
    });
}

/// (d) A third thread cancels while the owner awaits and the body runs
/// until it sees its flag: the owner is woken with the cancelled outcome
/// (no lost wake-up: loom reports a deadlock otherwise), the body stops,
/// and its late value is dropped once.
#[test]
fn cancel_while_awaited() {
    model(|| {
        let counts = Arc::new(Counts::default());
        let (shared, handle) = task();
        let other = TaskHandle::from_shared(shared.clone());
        let body = {
            let (shared, counts) = (shared.clone(), counts.clone());
            thread::spawn(move || {
                run_task(&shared, || {
                    while !shared.is_cancelled() {
                        thread::yield_now();
                    }
                    Ok(Value::new(&counts))
                });
            })
        };
        let canceller = thread::spawn(move || other.cancel());

        match block_on(handle) {
            Ok(_) => panic!("the body only ends once cancelled"),
            Err(err) => assert!(err.is_cancelled()),
        }
        assert!(shared.is_cancelled());

        let cancelled = canceller.join().unwrap();
        assert!(matches!(
            cancelled,
            CancelOutcome::NotStarted | CancelOutcome::Requested
        ));
        body.join().unwrap();
        let made = counts.all_dropped_once();
        assert_eq!(made == 0, cancelled == CancelOutcome::NotStarted);
    });
}

/// (e) A cancel before the start: `start()` fails and the body never runs.
#[test]
fn cancel_before_start() {
    model(|| {
        let ran = Arc::new(AtomicBool::new(false));
        let (shared, handle) = task();
        assert_eq!(handle.cancel(), CancelOutcome::NotStarted);
        assert!(!shared.start());
        let counts = Arc::new(Counts::default());
        run_task(&shared, || {
            ran.store(true, SeqCst);
            Ok(Value::new(&counts))
        });
        assert!(!ran.load(SeqCst), "a body cancelled before its start ran");
        match handle.try_join() {
            Err(TryJoinError::Join(err)) => assert!(err.is_cancelled()),
            _ => panic!("a task cancelled before its start must end cancelled"),
        }
        assert_eq!(counts.all_dropped_once(), 0);
    });
}

/// (e') The cancel races the start: the body runs exactly when the cancel
/// did not report `NotStarted`, and the owner sees the matching outcome.
#[test]
fn cancel_races_start() {
    model(|| {
        let counts = Arc::new(Counts::default());
        let (handle, body) = task_making_a_value(&counts);
        let cancelled = handle.cancel();
        let outcome = block_on(handle);
        assert_eq!(outcome.is_ok(), cancelled == CancelOutcome::AlreadyFinished);
        drop(outcome);
        body.join().unwrap();
        let made = counts.all_dropped_once();
        assert_eq!(made == 0, cancelled == CancelOutcome::NotStarted);
    });
}

/// (h) Two tasks finish on threads of their own while the owner of a
/// [`HandleSet`] awaits the set: whatever the order of the finishes, the
/// polls (the first with no waker, then the slot's own) and the wakes,
/// each outcome comes out exactly once, none is lost (the await would
/// never end), and every value is dropped once.
#[test]
fn handle_set_yields_each_outcome_once() {
    model(|| {
        let counts = [Arc::new(Counts::default()), Arc::new(Counts::default())];
        let (first, first_body) = task_making_a_value(&counts[0]);
        let (second, second_body) = task_making_a_value(&counts[1]);
        let mut set = HandleSet::new();
        set.insert(0usize, first);
        set.insert(1usize, second);

        let mut seen = [false; 2];
        for _ in 0..2 {
            let (tag, outcome) = block_on(set.join_next_async()).expect("an outcome per task");
            assert!(outcome.is_ok());
            assert!(
                !std::mem::replace(&mut seen[tag], true),
                "task {tag} came out twice"
            );
        }
        assert!(block_on(set.join_next_async()).is_none());
        first_body.join().unwrap();
        second_body.join().unwrap();
        for counts in &counts {
            assert_eq!(counts.all_dropped_once(), 1);
        }
    });
}
