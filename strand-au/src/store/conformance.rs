//! A conformance suite for [`ComputationStore`] implementations: run it from
//! your store's own tests to check that the store keeps the contract that
//! strand-au's handles, backends and workers rely on.
//!
//! Each check takes a fresh, empty store from a factory you give, does what
//! the runtime does to stores, and panics with a message that says what the
//! store did wrong, like a failing test. [`Suite::run`] runs every check,
//! reports all failures together, and returns which checks passed and which
//! were skipped (and why); each check is also a function of this module
//! ([`round_trip`], [`ttl`], ...) for a test of its own.
//!
//! What a store supports, it declares on the [`Suite`]:
//!
//! * [`Suite::new`]: the factory gets a [`ManualClock`] and builds the store
//!   on it, so the checks of TTLs and leases move time instead of waiting.
//!   A store that cannot take a clock declares [`Suite::own_clock`]: those
//!   checks then use its own clock ([`ComputationStore::clock`]), short
//!   TTLs and leases ([`Suite::real_time_step`]), and wait for that clock.
//! * [`Suite::with_guard`]: the factory also returns something that must
//!   live as long as the store (a temporary directory, a server).
//! * [`Suite::corrupt_with`]: for a store that keeps bytes, how to make the
//!   stored record of a key undecodable, so that the suite checks that such
//!   a record is an error for that key only. Without it, that check is
//!   skipped.
//! * [`Suite::drops_expired`]: the store deletes expired records on its own
//!   (a native TTL), so that an expired record may be gone before cleanup.
//! * [`Suite::skip`]: a check that does not apply, with the reason.
//!
//! The checks: [`round_trip`], [`unknown_key`], [`versions`],
//! [`forward_only`], [`first_terminal_wins`], [`atomic_updates`],
//! [`no_torn_reads`], [`delete`], [`keys`], [`ttl`], [`store_ttl`],
//! [`cleanup`], [`lapsed_lease`], [`wait_wakes_on_change`],
//! [`wait_until_deadline`], [`wait_notices_lapsed_lease`],
//! [`subscriptions`] and [`corrupt_record`]. No check proves that nothing
//! happened by sleeping: a wait that must time out is checked by its return
//! (the record unchanged, its deadline past).
//!
//! The queue contract (see [`ComputationStore::holds_queues`]) has checks
//! of its own, which [`queue`] (or [`Suite::run_queue`]) runs:
//! [`queue_claim`], [`queue_fifo`], [`queue_key_in_use`],
//! [`queue_too_large`], [`queue_other_queues`], [`queue_cancelled`],
//! [`queue_release`], [`queue_recover`], [`queue_delayed`], [`queue_stats`]
//! and [`queue_racing_claims`]. They are not part of [`Suite::run`]: a
//! store without queues is a store all the same; on one, each queue check
//! is skipped, saying so. For [`queue_too_large`], declare the maximum
//! record size the factory's stores have with [`Suite::max_record_size`].
//!
//! A store that ignores the deadline of
//! [`wait_for_change`](ComputationStore::wait_for_change) hangs
//! [`wait_until_deadline`].
//!
//! # Examples
//!
//! ```
//! use strand_au::MemoryStore;
//! use strand_au::conformance::Suite;
//!
//! let report = Suite::new(|clock| MemoryStore::new().clock(clock.clone())).run();
//! assert!(report.passed.contains(&"atomic_updates"));
//! // A MemoryStore keeps `Record` values, not bytes: nothing to corrupt.
//! assert_eq!(report.skipped[0].0, "corrupt_record");
//! ```
//!
//! A store of your own, on a temporary directory that must outlive it, and
//! that can be corrupted by writing garbage into a record's file:
//!
//! ```
//! use strand_au::conformance::Suite;
//! use strand_au::FileSystemStore;
//!
//! let report = Suite::with_guard(|clock| {
//!     let dir = tempfile::tempdir().unwrap();
//!     (FileSystemStore::new(dir.path()).clock(clock.clone()), dir)
//! })
//! .corrupt_with(|store: &FileSystemStore, key| {
//!     std::fs::write(store.path_of(key), b"\x00 not a record").unwrap();
//! })
//! .run();
//! assert!(report.skipped.is_empty());
//! ```

use std::any::Any;
use std::collections::BTreeSet;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Barrier, mpsc};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{ComputationStore, UpdateAction, Updated};
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Record, Status};
use crate::store::Heartbeat;

/// The longest any check waits for something that must happen (a waiter's
/// return, a store's own clock reaching a time): a guard against hangs,
/// never a measure.
const HANG: Duration = Duration::from_secs(60);

/// The checks, in the order [`Suite::run`] runs them.
const CHECKS: &[&str] = &[
    "round_trip",
    "unknown_key",
    "versions",
    "forward_only",
    "first_terminal_wins",
    "atomic_updates",
    "no_torn_reads",
    "delete",
    "keys",
    "ttl",
    "store_ttl",
    "cleanup",
    "lapsed_lease",
    "wait_wakes_on_change",
    "wait_until_deadline",
    "wait_notices_lapsed_lease",
    "subscriptions",
    "corrupt_record",
    "heartbeats",
    "dead_owner",
];

/// The queue checks, in the order [`Suite::run_queue`] runs them.
const QUEUE_CHECKS: &[&str] = &[
    "queue_claim",
    "queue_fifo",
    "queue_key_in_use",
    "queue_too_large",
    "queue_other_queues",
    "queue_cancelled",
    "queue_release",
    "queue_recover",
    "queue_delayed",
    "queue_stats",
    "queue_racing_claims",
];

type Make<S> = Box<dyn Fn(&ManualClock) -> (S, Box<dyn Any>)>;
type Corrupt<S> = Box<dyn Fn(&S, &Key)>;
type Check<S> = fn(&Suite<S>) -> Outcome;
/// A transition at a time (ms), as a plain function.
type Transition = fn(&mut Record, u64) -> bool;

/// How the suite gets fresh stores, and what they support: see the
/// [module](self) documentation.
pub struct Suite<S> {
    make: Make<S>,
    own_clock: bool,
    step: Duration,
    drops_expired: bool,
    corrupt: Option<Corrupt<S>>,
    max_record_size: Option<u64>,
    skipped: Vec<(&'static str, String)>,
}

impl<S> fmt::Debug for Suite<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Suite")
            .field("own_clock", &self.own_clock)
            .field("step", &self.step)
            .field("drops_expired", &self.drops_expired)
            .field("corrupt", &self.corrupt.is_some())
            .field("max_record_size", &self.max_record_size)
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

/// What a check found, when it did not panic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The store kept the contract.
    Passed,
    /// The check does not apply to this store; why.
    Skipped(String),
}

/// What [`Suite::run`] found, when every check passed or was skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// The checks that passed, in the order they ran.
    pub passed: Vec<&'static str>,
    /// The checks skipped, with the reason.
    pub skipped: Vec<(&'static str, String)>,
}

/// Runs every check on stores made by `make` on the [`ManualClock`] it is
/// given: [`Suite::new`]`(make).`[`run`](Suite::run)`()`.
///
/// # Panics
///
/// When the store breaks the contract, listing every failed check.
///
/// # Examples
///
/// ```
/// let report = strand_au::conformance::run(|clock| strand_au::MemoryStore::new().clock(clock.clone()));
/// assert!(report.passed.contains(&"ttl"));
/// ```
pub fn run<S, F>(make: F) -> Report
where
    S: ComputationStore + 'static,
    F: Fn(&ManualClock) -> S + 'static,
{
    Suite::new(make).run()
}

/// Runs every queue check on stores made by `make` on the [`ManualClock`]
/// it is given: [`Suite::new`]`(make).`[`run_queue`](Suite::run_queue)`()`.
/// It checks the queue contract (see [`ComputationStore::holds_queues`]):
/// a task enqueued is claimed once, `Running`, owned by its claimer, at
/// attempt 1 ([`queue_claim`]); first in, first out ([`queue_fifo`]); a key
/// in use is not enqueued again ([`queue_key_in_use`]); a record over the
/// maximum size is refused ([`queue_too_large`], with
/// [`Suite::max_record_size`] only); a claim takes only the queues it names
/// ([`queue_other_queues`]); a cancelled task is never claimed
/// ([`queue_cancelled`]); `release` puts a claim back
/// ([`queue_release`]); `recover` sends the tasks of a dead worker back,
/// and fails them `WorkerLost` after their maximum attempts
/// ([`queue_recover`]); a delayed task waits for its time
/// ([`queue_delayed`]); `queue_stats` counts ([`queue_stats`]); workers
/// racing on one queue get each task once ([`queue_racing_claims`]).
///
/// A store whose [`holds_queues`](ComputationStore::holds_queues) is false
/// has every check skipped, saying so (and must refuse `enqueue` with
/// [`StoreError::Unsupported`](crate::StoreError::Unsupported)).
///
/// # Panics
///
/// When the store breaks the queue contract, listing every failed check.
///
/// # Examples
///
/// ```
/// let report = strand_au::conformance::queue(|clock| strand_au::MemoryStore::new().clock(clock.clone()));
/// assert!(report.passed.contains(&"queue_racing_claims"));
/// // The maximum record size is checked when the suite is told it:
/// assert_eq!(report.skipped[0].0, "queue_too_large");
///
/// let report = strand_au::conformance::Suite::new(|clock| {
///     strand_au::MemoryStore::new().clock(clock.clone()).max_record_size(4096)
/// })
/// .max_record_size(4096)
/// .run_queue();
/// assert!(report.skipped.is_empty());
/// ```
pub fn queue<S, F>(make: F) -> Report
where
    S: ComputationStore + 'static,
    F: Fn(&ManualClock) -> S + 'static,
{
    Suite::new(make).run_queue()
}

impl<S: ComputationStore + 'static> Suite<S> {
    /// A suite on stores made by `make`, which must return a new, empty
    /// store on the clock it is given each time it is called (the suite
    /// checks both).
    pub fn new(make: impl Fn(&ManualClock) -> S + 'static) -> Suite<S> {
        Suite::with_guard(move |clock| (make(clock), ()))
    }

    /// A suite on stores made by `make`, which also returns something the
    /// store needs to outlive it (a temporary directory, a server process):
    /// it is dropped after the store.
    pub fn with_guard<G: 'static>(make: impl Fn(&ManualClock) -> (S, G) + 'static) -> Suite<S> {
        Suite {
            make: Box::new(move |clock| {
                let (store, guard) = make(clock);
                (store, Box::new(guard) as Box<dyn Any>)
            }),
            own_clock: false,
            step: Duration::from_millis(200),
            drops_expired: false,
            corrupt: None,
            max_record_size: None,
            skipped: Vec::new(),
        }
    }

    /// Declares that the store keeps its own clock (the one its
    /// [`clock`](ComputationStore::clock) returns) and ignores the
    /// [`ManualClock`] given to the factory: the checks of TTLs and leases
    /// then give records TTLs and leases of a few
    /// [`real_time_step`](Self::real_time_step)s and wait for the store's
    /// clock to pass them.
    #[must_use]
    pub fn own_clock(mut self) -> Self {
        self.own_clock = true;
        self
    }

    /// The unit of the short TTLs and leases used with
    /// [`own_clock`](Self::own_clock) (default 200 ms): longer than
    /// anything between two steps of a check may take on a loaded machine,
    /// and no shorter than the store's clock resolution.
    #[must_use]
    pub fn real_time_step(mut self, step: Duration) -> Self {
        self.step = step;
        self
    }

    /// Declares that the store deletes records itself once they expire (a
    /// native TTL), so that [`load`](ComputationStore::load) may no longer
    /// find an expired record, and
    /// [`cleanup_expired`](ComputationStore::cleanup_expired) may find
    /// nothing left to delete.
    #[must_use]
    pub fn drops_expired(mut self) -> Self {
        self.drops_expired = true;
        self
    }

    /// How to make the stored record of a key undecodable (for a store that
    /// keeps bytes: write garbage where the record is), for
    /// [`corrupt_record`].
    #[must_use]
    pub fn corrupt_with(mut self, corrupt: impl Fn(&S, &Key) + 'static) -> Self {
        self.corrupt = Some(Box::new(corrupt));
        self
    }

    /// Declares that the stores of the factory refuse records larger than
    /// `bytes` (built with such a maximum, as
    /// [`MemoryStore::max_record_size`](crate::MemoryStore::max_record_size)
    /// and [`FileSystemStore::max_record_size`](crate::FileSystemStore::max_record_size)
    /// set it), for [`queue_too_large`]; without it, that check is skipped.
    #[must_use]
    pub fn max_record_size(mut self, bytes: u64) -> Self {
        self.max_record_size = Some(bytes);
        self
    }

    /// Declares that the check `name` does not apply to this store, for
    /// `reason`: [`run`](Self::run) skips it and reports why.
    ///
    /// # Panics
    ///
    /// When there is no check named `name`.
    #[must_use]
    pub fn skip(mut self, name: &str, reason: impl Into<String>) -> Self {
        let Some(name) = CHECKS.iter().chain(QUEUE_CHECKS).find(|c| **c == name) else {
            panic!(
                "no conformance check is named `{name}`; the checks are {CHECKS:?} and the queue checks {QUEUE_CHECKS:?}"
            );
        };
        self.skipped.push((name, reason.into()));
        self
    }

    /// The names of the checks, in the order [`run`](Self::run) runs them.
    pub fn checks() -> &'static [&'static str] {
        CHECKS
    }

    /// Runs every check not [skipped](Self::skip), each on fresh stores.
    /// A check that fails does not stop the others.
    ///
    /// # Panics
    ///
    /// When any check fails, with the name and message of each failure.
    pub fn run(&self) -> Report {
        let checks: [(&'static str, Check<S>); 20] = [
            ("round_trip", round_trip::<S>),
            ("unknown_key", unknown_key::<S>),
            ("versions", versions::<S>),
            ("forward_only", forward_only::<S>),
            ("first_terminal_wins", first_terminal_wins::<S>),
            ("atomic_updates", atomic_updates::<S>),
            ("no_torn_reads", no_torn_reads::<S>),
            ("delete", delete::<S>),
            ("keys", keys::<S>),
            ("ttl", ttl::<S>),
            ("store_ttl", store_ttl::<S>),
            ("cleanup", cleanup::<S>),
            ("lapsed_lease", lapsed_lease::<S>),
            ("wait_wakes_on_change", wait_wakes_on_change::<S>),
            ("wait_until_deadline", wait_until_deadline::<S>),
            ("wait_notices_lapsed_lease", wait_notices_lapsed_lease::<S>),
            ("subscriptions", subscriptions::<S>),
            ("corrupt_record", corrupt_record::<S>),
            ("heartbeats", heartbeats::<S>),
            ("dead_owner", dead_owner::<S>),
        ];
        debug_assert!(checks.iter().map(|c| c.0).eq(CHECKS.iter().copied()));
        self.run_checks(&checks, "store")
    }

    /// The names of the queue checks, in the order
    /// [`run_queue`](Self::run_queue) runs them.
    pub fn queue_checks() -> &'static [&'static str] {
        QUEUE_CHECKS
    }

    /// Runs every queue check not [skipped](Self::skip), each on fresh
    /// stores: the queue contract (see
    /// [`ComputationStore::holds_queues`]). On a store that holds no queue
    /// each check is skipped, saying so, once the store is seen to refuse
    /// [`enqueue`](ComputationStore::enqueue) with
    /// [`StoreError::Unsupported`](crate::StoreError::Unsupported).
    ///
    /// # Panics
    ///
    /// When any check fails, with the name and message of each failure.
    pub fn run_queue(&self) -> Report {
        let checks: [(&'static str, Check<S>); 11] = [
            ("queue_claim", queue_claim::<S>),
            ("queue_fifo", queue_fifo::<S>),
            ("queue_key_in_use", queue_key_in_use::<S>),
            ("queue_too_large", queue_too_large::<S>),
            ("queue_other_queues", queue_other_queues::<S>),
            ("queue_cancelled", queue_cancelled::<S>),
            ("queue_release", queue_release::<S>),
            ("queue_recover", queue_recover::<S>),
            ("queue_delayed", queue_delayed::<S>),
            ("queue_stats", queue_stats::<S>),
            ("queue_racing_claims", queue_racing_claims::<S>),
        ];
        debug_assert!(checks.iter().map(|c| c.0).eq(QUEUE_CHECKS.iter().copied()));
        self.run_checks(&checks, "queue")
    }

    /// Runs `checks`, reporting every failure together.
    fn run_checks(&self, checks: &[(&'static str, Check<S>)], what: &str) -> Report {
        let mut report = Report::default();
        let mut failures = Vec::new();
        for &(name, check) in checks {
            if let Some((_, reason)) = self.skipped.iter().find(|(n, _)| *n == name) {
                report.skipped.push((name, reason.clone()));
                continue;
            }
            match catch_unwind(AssertUnwindSafe(|| check(self))) {
                Ok(Outcome::Passed) => report.passed.push(name),
                Ok(Outcome::Skipped(reason)) => report.skipped.push((name, reason)),
                Err(payload) => failures.push((name, panic_message(&*payload))),
            }
        }
        if !failures.is_empty() {
            let mut message = format!(
                "{} of {} {what} conformance checks failed:",
                failures.len(),
                checks.len()
            );
            for (name, why) in &failures {
                message.push_str(&format!("\n- {name}: {why}"));
            }
            panic!("{message}");
        }
        report
    }

    /// A fresh store, checked to be empty and on the suite's clock.
    fn fresh(&self) -> Held<S> {
        let clock = ManualClock::new(SystemClock.now_ms());
        let (store, guard) = (self.make)(&clock);
        let keys = ok(store.keys(), "keys() of a fresh store");
        assert!(
            keys.is_empty(),
            "the factory must return an empty store each time; this one holds {keys:?}"
        );
        if !self.own_clock {
            for _ in 0..2 {
                let (theirs, ours) = (store.clock().now_ms(), clock.now_ms());
                assert_eq!(
                    theirs, ours,
                    "the store does not read the ManualClock it was built with \
                     (its clock() says {theirs} ms, the suite's {ours} ms): build it on \
                     that clock, or declare Suite::own_clock()"
                );
                clock.advance(Duration::from_millis(1));
            }
        }
        let held = Held {
            fresh: Fresh {
                store,
                clock,
                own_clock: self.own_clock,
                step: self.step,
            },
            _guard: guard,
        };
        // The records the checks start name `WORKER` as their owner; in a
        // store that keeps heartbeats, it is alive until a check says not.
        held.beat(u64::MAX);
        held
    }
}

/// The owner of the records the checks start.
const WORKER: &str = "conformance-worker";

/// One check's store and its time (shared with the check's threads).
struct Fresh<S> {
    store: S,
    clock: ManualClock,
    own_clock: bool,
    step: Duration,
}

/// A [`Fresh`] store and what keeps it alive, dropped after it.
struct Held<S> {
    fresh: Fresh<S>,
    _guard: Box<dyn Any>,
}

impl<S> std::ops::Deref for Held<S> {
    type Target = Fresh<S>;
    fn deref(&self) -> &Fresh<S> {
        &self.fresh
    }
}

impl<S: ComputationStore> Fresh<S> {
    /// Writes `WORKER`'s heartbeat, alive until `until_ms`, if the store
    /// keeps heartbeats (then it, not a record's lease, says whether the
    /// worker lives).
    fn beat(&self, until_ms: u64) {
        if self.store.keeps_heartbeats() {
            let mut beat = Heartbeat::new(WORKER, self.now(), 0);
            beat.expires_at = until_ms;
            ok(self.store.put_heartbeat(&beat), "put_heartbeat");
        }
    }

    /// The store's time.
    fn now(&self) -> u64 {
        self.store.clock().now_ms()
    }

    /// The unit of TTLs and leases: any on a manual clock, a real-time
    /// step on the store's own.
    fn unit(&self) -> u64 {
        if self.own_clock {
            u64::try_from(self.step.as_millis()).unwrap_or(u64::MAX)
        } else {
            1_000
        }
    }

    /// Moves the store's time to `at_ms` at least: sets the manual clock,
    /// or waits for the store's own clock.
    fn reach(&self, at_ms: u64) {
        if !self.own_clock {
            if self.clock.now_ms() < at_ms {
                self.clock.set(at_ms);
            }
            return;
        }
        let deadline = Instant::now() + HANG;
        while self.now() < at_ms {
            assert!(
                Instant::now() < deadline,
                "the store's own clock did not reach {at_ms} ms within {HANG:?} (it says {} ms)",
                self.now()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn put(&self, key: &Key, record: Record) {
        ok(self.store.put(key, record), "put");
    }

    fn load(&self, key: &Key) -> Option<Record> {
        ok(self.store.load(key), "load")
    }

    fn loaded(&self, key: &Key, what: &str) -> Record {
        self.load(key)
            .unwrap_or_else(|| panic!("{what}: load found no record"))
    }

    fn get(&self, key: &Key) -> Option<Record> {
        ok(self.store.get(key), "get")
    }

    fn update(&self, key: &Key, f: &mut dyn FnMut(&mut Record) -> UpdateAction) -> Updated {
        ok(self.store.update(key, f), "update")
    }

    /// Applies a transition method through `update`.
    fn apply(&self, key: &Key, mut transition: impl FnMut(&mut Record) -> bool) -> Updated {
        self.update(key, &mut |r| UpdateAction::write_if(transition(r)))
    }

    /// A new key holding a new `Pending` record of `function`.
    fn pending(&self, function: &str) -> Key {
        let key = self.store.create_key();
        self.put(&key, Record::pending(function, json!(null), self.now()));
        key
    }

    /// `get` of a record that expires at `expires_at`: it must be there
    /// unless the store's time has reached that point.
    fn get_live(&self, key: &Key, expires_at: u64, what: &str) -> Option<Record> {
        let got = self.get(key);
        if got.is_none() {
            let now = self.now();
            assert!(
                now >= expires_at,
                "{what}: get() hid the record at {now} ms, before its expiry at {expires_at} ms"
            );
        }
        got
    }
}

/// What a check's thread returned; its panic, with its own message, if it
/// panicked.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn ok<T, E: fmt::Display>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{what} failed: {e}"))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(a panic without a message)".to_owned())
}

fn written(updated: Updated, what: &str) -> Record {
    match updated {
        Updated::Written(r) => r,
        other => panic!("{what}: expected Updated::Written, got {other:?}"),
    }
}

fn kept(updated: Updated, what: &str) -> Record {
    match updated {
        Updated::Kept(r) => r,
        other => panic!("{what}: expected Updated::Kept, got {other:?}"),
    }
}

/// `put` then `load` and `get` give back what was put, as
/// [`Record::stamp`] leaves it (version 1, expiry from the TTL), every
/// field intact (unicode, large and fractional numbers, a value, an error
/// with its value, progress, lease, metadata); `put_new` too; each key
/// holds its own record.
pub fn round_trip<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let now = f.now();
    let mut pending = Record::pending(
        "conformance::round_trip",
        json!({"n": 7, "text": "héllo ✓ \"quoted\"\n", "list": [1, 2.5, null, true], "big": u64::MAX, "neg": i64::MIN}),
        now,
    );
    pending.metadata.insert("tag".into(), json!("a"));
    pending
        .metadata
        .insert("nested".into(), json!({"k": [1, {"x": "y"}]}));
    assert!(pending.set_progress(0.375, "three eighths", now));

    let mut running = Record::pending("conformance::running", json!([1, 2]), now);
    assert!(running.start("conformance-worker", now, 3_600_000));
    running.ttl_ms = Some(86_400_000);

    let mut completed = Record::pending("conformance::completed", json!([]), now);
    assert!(completed.start("conformance-worker", now, 3_600_000));
    assert!(completed.complete(json!({"answer": 42, "pi": 3.5}), now + 1));

    let mut failed = Record::pending("conformance::failed", json!("x"), now);
    assert!(
        failed.fail(
            ErrorInfo::new(ErrorKind::Returned, "refused: too large")
                .with_value(json!({"TooLarge": 9})),
            now + 2,
        )
    );

    let mut keys = Vec::new();
    for record in [pending, running, completed, failed] {
        let key = f.store.create_key();
        f.put(&key, record.clone());
        keys.push((key, record));
    }
    for (key, record) in &keys {
        let mut expected = record.clone();
        expected.stamp(0, f.now(), f.store.ttl());
        let what = format!("the record of `{}` put under {key}", record.function);
        let loaded = f.loaded(key, &what);
        assert_eq!(
            loaded, expected,
            "{what}: load() must return what put() stored, as Record::stamp leaves it"
        );
        if let Some(got) = f.get_live(key, expected.expires_at.unwrap_or(u64::MAX), &what) {
            assert_eq!(got, expected, "{what}: get() differs from what was put");
        }
    }

    let key = f.store.create_key();
    let record = Record::pending("conformance::put_new", json!({"fresh": true}), f.now());
    ok(f.store.put_new(&key, record.clone()), "put_new");
    let loaded = f.loaded(&key, "put_new");
    assert_eq!(
        (loaded.version, &loaded.function, &loaded.args),
        (1, &record.function, &record.args),
        "put_new on a fresh key stores the record at version 1"
    );
    Outcome::Passed
}

/// An unknown key: `load` and `get` are `Ok(None)`, `update` is
/// `Updated::Missing` without calling its closure, `delete` is `Ok(false)`,
/// `is_expired` is false, `wait_for_change` returns `None` at once.
pub fn unknown_key<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let _other = f.pending("conformance::other");
    let key = f.store.create_key();
    assert_eq!(f.load(&key), None, "load() of an unknown key");
    assert_eq!(f.get(&key), None, "get() of an unknown key");
    let mut called = false;
    let updated = f.update(&key, &mut |_| {
        called = true;
        UpdateAction::Write
    });
    assert_eq!(updated, Updated::Missing, "update() of an unknown key");
    assert!(!called, "update() of an unknown key called its closure");
    assert!(
        !ok(f.store.delete(&key), "delete"),
        "delete() of an unknown key said it deleted something"
    );
    assert!(
        !ok(f.store.is_expired(&key), "is_expired"),
        "is_expired() of an unknown key"
    );
    assert_eq!(
        ok(
            f.store
                .wait_for_change(&key, 0, Some(Instant::now() + HANG)),
            "wait_for_change"
        ),
        None,
        "wait_for_change() of an unknown key"
    );
    assert_eq!(
        f.load(&key),
        None,
        "an unknown key gained a record by being read"
    );
    Outcome::Passed
}

/// Every write bumps [`Record::version`] by one (put, put over a record,
/// a written update); an update that keeps writes nothing; `Written` and
/// `Kept` return the record as stored.
pub fn versions<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let key = f.pending("conformance::versions");
    assert_eq!(f.loaded(&key, "put").version, 1, "the first put: version 1");

    let after = written(
        f.update(&key, &mut |r| {
            r.metadata.insert("step".into(), json!(1));
            UpdateAction::Write
        }),
        "an update that writes",
    );
    assert_eq!(after.version, 2, "a written update bumps the version");
    assert_eq!(
        f.loaded(&key, "update"),
        after,
        "Updated::Written must hold the record as stored"
    );

    let same = kept(
        f.update(&key, &mut |r| {
            r.metadata.insert("dropped".into(), json!(true));
            UpdateAction::Keep
        }),
        "an update that keeps",
    );
    assert_eq!(
        same, after,
        "Updated::Kept must hold the stored record, without the closure's changes"
    );
    assert_eq!(
        f.loaded(&key, "keep"),
        after,
        "an update that keeps must write nothing"
    );

    f.put(
        &key,
        Record::pending("conformance::replaced", json!(2), f.now()),
    );
    let replaced = f.loaded(&key, "put over a record");
    assert_eq!(
        (replaced.version, replaced.function.as_str()),
        (3, "conformance::replaced"),
        "put over a record replaces it and bumps the version past the old one"
    );
    let again = written(
        f.apply(&key, |r| r.set_progress(0.5, "half", 0)),
        "progress",
    );
    assert_eq!(again.version, 4, "each write bumps the version by one");
    Outcome::Passed
}

/// Statuses only move forward through `update` with [`Record`]'s
/// transition methods: a refused transition keeps the record (no write),
/// and the first terminal status wins (a `Completed` after `Cancelled`
/// keeps `Cancelled`).
pub fn forward_only<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let now = f.now();
    let owner = "conformance-worker";

    let key = f.pending("conformance::forward");
    written(
        f.apply(&key, |r| r.set_progress(0.1, "queued", now)),
        "progress of a pending record",
    );
    let running = written(f.apply(&key, |r| r.start(owner, now, 3_600_000)), "start");
    assert_eq!(
        (running.status, running.attempts),
        (Status::Running, 1),
        "start"
    );
    kept(
        f.apply(&key, |r| r.start("another", now, 3_600_000)),
        "start of a running record",
    );
    let done = written(f.apply(&key, |r| r.complete(json!(42), now)), "complete");
    let refused: [(&str, Transition); 5] = [
        ("cancel", |r, now| r.cancel(now)),
        ("fail", |r, now| {
            r.fail(ErrorInfo::new(ErrorKind::Panicked, "late"), now)
        }),
        ("complete again", |r, now| r.complete(json!(7), now)),
        ("progress", |r, now| r.set_progress(0.9, "late", now)),
        ("start", |r, now| r.start("conformance-worker", now, 1_000)),
    ];
    for (what, transition) in refused {
        kept(
            f.apply(&key, |r| transition(r, now)),
            &format!("{what} after Completed"),
        );
    }
    assert_eq!(
        f.loaded(&key, "completed"),
        done,
        "a completed record changed after refused transitions"
    );

    // Cancelled first, then a late Completed: Cancelled stays.
    let key = f.pending("conformance::cancelled");
    written(f.apply(&key, |r| r.start(owner, now, 3_600_000)), "start");
    let cancelled = written(f.apply(&key, |r| r.cancel(now)), "cancel");
    kept(
        f.apply(&key, |r| r.complete(json!(42), now)),
        "complete after Cancelled",
    );
    kept(
        f.apply(&key, |r| {
            r.fail(ErrorInfo::new(ErrorKind::Returned, "late"), now)
        }),
        "fail after Cancelled",
    );
    let stored = f.loaded(&key, "cancelled");
    assert_eq!(
        stored, cancelled,
        "Completed after Cancelled must keep Cancelled"
    );
    assert_eq!(stored.status, Status::Cancelled);
    assert_eq!(
        stored.value, None,
        "a late value leaked into a cancelled record"
    );

    // Cancelled while pending: it never starts.
    let key = f.pending("conformance::never-started");
    written(
        f.apply(&key, |r| r.cancel(now)),
        "cancel of a pending record",
    );
    kept(
        f.apply(&key, |r| r.start(owner, now, 1_000)),
        "start after Cancelled",
    );
    assert_eq!(f.loaded(&key, "cancelled").status, Status::Cancelled);
    Outcome::Passed
}

/// Several threads finish one running record at once (complete, fail,
/// cancel): exactly one update writes, and the stored status is that
/// one's. Twenty rounds.
pub fn first_terminal_wins<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let now = f.now();
    for round in 0..20 {
        let key = f.pending("conformance::race");
        written(
            f.apply(&key, |r| r.start("conformance-worker", now, 3_600_000)),
            "start",
        );
        let barrier = Barrier::new(3);
        let outcomes: Vec<(Status, Updated)> = std::thread::scope(|scope| {
            let finishers: [(Status, Transition); 3] = [
                (Status::Completed, |r, now| r.complete(json!("won"), now)),
                (Status::Failed, |r, now| {
                    r.fail(ErrorInfo::new(ErrorKind::Returned, "lost"), now)
                }),
                (Status::Cancelled, |r, now| r.cancel(now)),
            ];
            let threads: Vec<_> = finishers
                .into_iter()
                .map(|(status, finish)| {
                    let (key, barrier) = (&key, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        (status, f.apply(key, |r| finish(r, now)))
                    })
                })
                .collect();
            threads.into_iter().map(joined).collect()
        });
        let winners: Vec<Status> = outcomes
            .iter()
            .filter(|(_, u)| matches!(u, Updated::Written(_)))
            .map(|(s, _)| *s)
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one of three racing terminal updates may write; \
             these wrote: {winners:?}"
        );
        let stored = f.loaded(&key, "race");
        assert_eq!(
            stored.status, winners[0],
            "round {round}: the stored status is not the one whose update wrote"
        );
        assert_eq!(
            stored.version, 3,
            "round {round}: put, start and one terminal write"
        );
    }
    Outcome::Passed
}

/// 8 threads each increment a metadata counter 50 times through `update`:
/// exactly 400, the version bumped once per write, and no two writes
/// returned the same version.
pub fn atomic_updates<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    const THREADS: usize = 8;
    const EACH: usize = 50;
    let held = suite.fresh();
    let f = &*held;
    let key = f.pending("conformance::counter");
    let versions: Vec<u64> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let key = &key;
                scope.spawn(move || {
                    (0..EACH)
                        .map(|_| {
                            let updated = f.update(key, &mut |r| {
                                let n = r.metadata.get("counter").and_then(|v| v.as_u64());
                                r.metadata
                                    .insert("counter".into(), json!(n.unwrap_or(0) + 1));
                                UpdateAction::Write
                            });
                            written(updated, "an increment").version
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads.into_iter().flat_map(joined).collect()
    });
    let total = THREADS * EACH;
    let stored = f.loaded(&key, "counter");
    assert_eq!(
        stored.metadata.get("counter"),
        Some(&json!(total)),
        "{THREADS} threads x {EACH} increments through update(): updates were lost \
         (update must be atomic against the current value)"
    );
    assert_eq!(
        stored.version,
        1 + total as u64,
        "the version must be bumped once per written update"
    );
    let distinct: BTreeSet<u64> = versions.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        total,
        "two writes returned the same version"
    );
    Outcome::Passed
}

/// Readers that `load` while a writer updates one record 200 times (its
/// size changing each time) always see a whole record: never an error,
/// never half of one write and half of another, never an older version
/// after a newer one.
pub fn no_torn_reads<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let key = f.pending("conformance::torn");
    let done = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (key, done, reads) = (&key, &done, &reads);
                scope.spawn(move || {
                    let mut last = 0;
                    loop {
                        let finished = done.load(Ordering::Acquire);
                        let r = match f.store.load(key) {
                            Ok(Some(r)) => r,
                            other => panic!("a load during writes returned {other:?}"),
                        };
                        assert_eq!(
                            r.metadata.get("a"),
                            r.metadata.get("b"),
                            "a load saw parts of two writes"
                        );
                        assert!(
                            r.version >= last,
                            "a load saw version {} after version {last}",
                            r.version
                        );
                        last = r.version;
                        reads.fetch_add(1, Ordering::Relaxed);
                        if finished {
                            break;
                        }
                    }
                })
            })
            .collect();
        // The readers stop once `done` is set, even if a write fails.
        let writes = catch_unwind(AssertUnwindSafe(|| {
            for i in 0..200_usize {
                f.update(&key, &mut |r| {
                    r.metadata.insert("a".into(), json!(i));
                    r.metadata
                        .insert("pad".into(), json!("x".repeat(i * 37 % 4096)));
                    r.metadata.insert("b".into(), json!(i));
                    UpdateAction::Write
                });
            }
        }));
        done.store(true, Ordering::Release);
        for r in readers {
            joined(r);
        }
        if let Err(panic) = writes {
            std::panic::resume_unwind(panic);
        }
    });
    assert!(reads.load(Ordering::Relaxed) >= 2);
    Outcome::Passed
}

/// `delete` removes a record (and says so once), `update` with
/// `UpdateAction::Delete` too; other keys stay; a deleted key can be
/// written again.
pub fn delete<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let key = f.pending("conformance::delete");
    let other = f.pending("conformance::kept");
    assert!(
        ok(f.store.delete(&key), "delete"),
        "delete() of a record said false"
    );
    assert_eq!(f.load(&key), None, "load() after delete()");
    assert_eq!(f.get(&key), None, "get() after delete()");
    assert!(
        !ok(f.store.delete(&key), "delete"),
        "a second delete() said it deleted something"
    );
    assert!(f.load(&other).is_some(), "delete() removed another key");

    assert_eq!(
        f.update(&other, &mut |_| UpdateAction::Delete),
        Updated::Deleted,
        "update() with UpdateAction::Delete"
    );
    assert_eq!(f.load(&other), None, "load() after an update that deleted");

    f.put(
        &key,
        Record::pending("conformance::again", json!(null), f.now()),
    );
    assert_eq!(
        f.loaded(&key, "put after delete").function,
        "conformance::again",
        "a deleted key can be written again"
    );
    Outcome::Passed
}

/// `keys`, `len` and `is_empty` list exactly the stored records.
pub fn keys<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    assert!(
        ok(f.store.is_empty(), "is_empty"),
        "a fresh store is_empty()"
    );
    assert_eq!(ok(f.store.len(), "len"), 0, "len() of a fresh store");
    let mut expected = BTreeSet::new();
    for _ in 0..5 {
        expected.insert(f.pending("conformance::keys"));
    }
    let key = f.store.create_key();
    ok(
        f.store.put_new(
            &key,
            Record::pending("conformance::keys", json!(null), f.now()),
        ),
        "put_new",
    );
    expected.insert(key.clone());
    let listed = |what: &str| -> BTreeSet<Key> {
        let keys = ok(f.store.keys(), "keys");
        let set: BTreeSet<Key> = keys.iter().cloned().collect();
        assert_eq!(set.len(), keys.len(), "{what}: keys() listed a key twice");
        set
    };
    assert_eq!(listed("six records"), expected, "keys() of six records");
    assert_eq!(ok(f.store.len(), "len"), 6, "len() of six records");
    assert!(
        !ok(f.store.is_empty(), "is_empty"),
        "is_empty() of six records"
    );
    ok(f.store.delete(&key), "delete");
    expected.remove(&key);
    assert_eq!(listed("after a delete"), expected, "keys() after a delete");
    assert_eq!(ok(f.store.len(), "len"), 5, "len() after a delete");
    // The same five, newest first, a page of three then one of two.
    let first = ok(f.store.list_newest(None, 3), "list_newest");
    assert_eq!(first.records.len(), 3, "list_newest: a first page of three");
    assert!(
        first.next.is_some(),
        "list_newest: a first page says more follow"
    );
    let rest = ok(f.store.list_newest(first.next.as_ref(), 3), "list_newest");
    assert_eq!(
        rest.records.len(),
        2,
        "list_newest: the rest on the second page"
    );
    assert!(rest.next.is_none(), "list_newest: the last page says so");
    let order: Vec<(u64, Key)> = first
        .records
        .iter()
        .chain(&rest.records)
        .map(|(k, r)| (r.created_at, k.clone()))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] > w[1]),
        "list_newest: newest first, each record once: {order:?}"
    );
    let paged: BTreeSet<Key> = order.into_iter().map(|(_, k)| k).collect();
    assert_eq!(paged, expected, "list_newest lists what keys() does");
    let created: BTreeSet<Key> = (0..1_000).map(|_| f.store.create_key()).collect();
    assert_eq!(created.len(), 1_000, "create_key() repeated a key");
    Outcome::Passed
}

/// A record's own TTL ([`Record::ttl_ms`]): the store sets its expiry as
/// [`Record::stamp`] does (creation + TTL while unfinished, completion +
/// TTL after); once it has passed, `get` hides the record and
/// `is_expired` says so, while `load` still returns it and `keys` lists it
/// until cleanup (unless the store [drops expired records](Suite::drops_expired));
/// a running record whose lease is live never expires.
pub fn ttl<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let u = f.unit();
    let now = f.now();

    let mut pending = Record::pending("conformance::ttl-pending", json!(null), now);
    pending.ttl_ms = Some(2 * u);
    let pending_key = f.store.create_key();
    f.put(&pending_key, pending);

    let mut done = Record::pending("conformance::ttl-completed", json!(null), now);
    done.ttl_ms = Some(2 * u);
    assert!(done.complete(json!(1), now));
    let done_key = f.store.create_key();
    f.put(&done_key, done);

    let mut running = Record::pending("conformance::ttl-running", json!(null), now);
    running.ttl_ms = Some(u);
    assert!(running.start("conformance-worker", now, 1_000 * u));
    let running_key = f.store.create_key();
    f.put(&running_key, running);

    let expires = now + 2 * u;
    for (key, what) in [(&pending_key, "pending"), (&done_key, "completed")] {
        let stored = f.loaded(key, what);
        assert_eq!(
            stored.expires_at,
            Some(expires),
            "a {what} record with ttl_ms {} put at {now} ms must expire at {expires} ms \
             (did the store call Record::stamp?)",
            2 * u
        );
        f.get_live(key, expires, what);
        if f.now() < expires {
            assert!(
                !ok(f.store.is_expired(key), "is_expired"),
                "is_expired() before the expiry"
            );
        }
    }

    f.reach(expires);
    for (key, what) in [(&pending_key, "pending"), (&done_key, "completed")] {
        assert_eq!(
            f.get(key),
            None,
            "get() must hide a {what} record once its TTL has passed"
        );
        if !suite.drops_expired {
            assert!(
                ok(f.store.is_expired(key), "is_expired"),
                "is_expired() of an expired {what} record"
            );
            assert!(
                f.load(key).is_some(),
                "load() must still return an expired {what} record until cleanup \
                 (or declare Suite::drops_expired())"
            );
        }
    }
    let running = f.get(&running_key);
    assert_eq!(
        running.as_ref().map(|r| r.status),
        Some(Status::Running),
        "a running record with a live lease must not expire with its TTL"
    );
    if !suite.drops_expired {
        let keys: BTreeSet<Key> = ok(f.store.keys(), "keys").into_iter().collect();
        assert!(
            keys.contains(&pending_key) && keys.contains(&done_key),
            "keys() must list expired records until cleanup"
        );
    }
    Outcome::Passed
}

/// The store's own TTL ([`ComputationStore::ttl`]) for records without
/// one of their own: none means records never expire; else creation + TTL
/// while unfinished and completion + TTL after, and `get` hides the record
/// from then on (waited for on a store's own clock only when the TTL is
/// under 20 steps).
pub fn store_ttl<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let now = f.now();
    let key = f.pending("conformance::store-ttl");
    let Some(ttl) = f.store.ttl() else {
        let stored = f.loaded(&key, "no TTL");
        assert_eq!(
            stored.expires_at, None,
            "a store without a TTL set an expiry on a record without one"
        );
        written(f.apply(&key, |r| r.complete(json!(1), now)), "complete");
        assert_eq!(
            f.loaded(&key, "no TTL").expires_at,
            None,
            "a store without a TTL set an expiry on a completed record"
        );
        if !f.own_clock {
            f.reach(now + 10 * 365 * 86_400_000);
            assert!(
                f.get(&key).is_some(),
                "a record of a store without a TTL expired"
            );
        }
        return Outcome::Passed;
    };
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
    let stored = f.loaded(&key, "TTL");
    assert_eq!(
        stored.expires_at,
        Some(stored.created_at.saturating_add(ttl_ms)),
        "a pending record expires at its creation + the store's TTL ({ttl:?})"
    );
    let end = f.now();
    let done = written(f.apply(&key, |r| r.complete(json!(1), end)), "complete");
    let expires = end.saturating_add(ttl_ms);
    assert_eq!(
        done.expires_at,
        Some(expires),
        "a completed record expires at its completion + the store's TTL ({ttl:?})"
    );
    if f.own_clock && ttl_ms > 20 * f.unit() {
        return Outcome::Skipped(format!(
            "the expiry was checked, not waited for: the store's TTL ({ttl:?}) is too long \
             to wait for on its own clock"
        ));
    }
    if !f.own_clock {
        f.reach(expires - 1);
        assert!(
            f.get(&key).is_some(),
            "get() hid a record 1 ms before its expiry"
        );
    }
    f.reach(expires);
    assert_eq!(
        f.get(&key),
        None,
        "get() must hide a record once the store's TTL has passed"
    );
    Outcome::Passed
}

/// `cleanup_expired` deletes the expired records and counts them, keeps
/// the live ones, and fails the running records whose lease has lapsed
/// (written back as `Failed(WorkerLost)`).
pub fn cleanup<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let u = f.unit();
    let now = f.now();
    let put = |mut record: Record, ttl_ms: u64| {
        record.ttl_ms = Some(ttl_ms);
        let key = f.store.create_key();
        f.put(&key, record);
        key
    };
    let expired = put(Record::pending("conformance::expired", json!(null), now), u);
    let live = put(
        Record::pending("conformance::live", json!(null), now),
        1_000 * u,
    );
    let mut running = Record::pending("conformance::lapsing", json!(null), now);
    assert!(running.start("conformance-worker", now, u));
    let lapsing = put(running, 1_000 * u);
    f.beat(now + u);

    f.reach(now + u);
    let removed = ok(f.store.cleanup_expired(), "cleanup_expired");
    if !suite.drops_expired {
        assert_eq!(
            removed, 1,
            "cleanup_expired() must delete the one expired record (and count it)"
        );
    }
    assert_eq!(f.load(&expired), None, "an expired record survived cleanup");
    assert!(f.load(&live).is_some(), "cleanup deleted a live record");
    let lapsed = f.loaded(&lapsing, "lapsed lease");
    assert_eq!(
        (lapsed.status, lapsed.error.as_ref().map(|e| e.kind)),
        (Status::Failed, Some(ErrorKind::WorkerLost)),
        "cleanup_expired() must fail a running record whose lease has lapsed \
         (stored: {:?}, lease {:?})",
        lapsed.status,
        lapsed.lease
    );
    Outcome::Passed
}

/// A running record whose lease has lapsed reads, through `get`, as
/// `Failed` with [`ErrorKind::WorkerLost`] and "worker lost", written back
/// once (one version bump), its lease gone; a renewed lease holds.
pub fn lapsed_lease<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let u = f.unit();
    let key = f.pending("conformance::lease");
    let start = f.now();
    let running = written(
        f.apply(&key, |r| r.start("conformance-worker", start, 2 * u)),
        "start",
    );
    let lapses = start + 2 * u;
    f.beat(lapses);
    if let Some(r) = f.get(&key) {
        if f.now() < lapses {
            assert_eq!(r.status, Status::Running, "get() before the lease lapses");
        }
    } else {
        panic!("get() hid a running record");
    }

    // A renewal moves the lapse: checked on a manual clock only (on a real
    // one, the renewal could come too late).
    let mut lapses_at = lapses;
    let mut version = running.version;
    if !f.own_clock {
        f.reach(start + u);
        let renewed = written(
            f.apply(&key, |r| {
                r.renew_lease("conformance-worker", start + u, 2 * u)
            }),
            "renew_lease",
        );
        version = renewed.version;
        lapses_at = start + 3 * u;
        f.beat(lapses_at);
        f.reach(lapses);
        assert_eq!(
            f.get(&key).map(|r| r.status),
            Some(Status::Running),
            "a renewed lease lapsed at its old expiry"
        );
    }

    f.reach(lapses_at);
    let failed = f
        .get(&key)
        .expect("get() hid a record whose lease lapsed (it must read as failed)");
    let error = failed.error.as_ref();
    assert_eq!(
        (failed.status, error.map(|e| e.kind)),
        (Status::Failed, Some(ErrorKind::WorkerLost)),
        "get() of a running record whose lease lapsed"
    );
    assert!(
        error.is_some_and(|e| e.message.contains("worker lost")),
        "the error of a lapsed lease says \"worker lost\": {error:?}"
    );
    assert!(failed.lease.is_none(), "a failed record keeps no lease");
    let stored = f.loaded(&key, "lapsed lease");
    assert_eq!(
        stored, failed,
        "get() must write the failure back (load() still shows {:?})",
        stored.status
    );
    assert_eq!(
        stored.version,
        version + 1,
        "the failure is written once (one version bump)"
    );
    assert_eq!(
        f.get(&key).map(|r| r.version),
        Some(stored.version),
        "a second get() wrote again"
    );
    Outcome::Passed
}

/// A thread in `wait_for_change` returns, before its deadline, after
/// another thread writes the record (with the new record) or deletes it
/// (with `None`); a stale `seen_version` returns at once.
pub fn wait_wakes_on_change<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let key = f.pending("conformance::wait");
    let seen = f.loaded(&key, "wait").version;

    let deadline = Instant::now() + HANG;
    let current = ok(
        f.store.wait_for_change(&key, seen + 100, Some(deadline)),
        "wait_for_change",
    );
    assert_eq!(
        current.map(|r| r.version),
        Some(seen),
        "wait_for_change() with a seen_version that is not the record's returns it at once"
    );

    for change in ["write", "delete"] {
        let seen = f.load(&key).map_or(0, |r| r.version);
        let deadline = Instant::now() + HANG;
        let (ready_tx, ready_rx) = mpsc::channel();
        let (returned, at) = std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                ready_tx.send(()).unwrap();
                let got = ok(
                    f.store.wait_for_change(&key, seen, Some(deadline)),
                    "wait_for_change",
                );
                (got, Instant::now())
            });
            ready_rx.recv().unwrap();
            if change == "write" {
                f.update(&key, &mut |r| {
                    r.metadata.insert("woken".into(), json!(true));
                    UpdateAction::Write
                });
            } else {
                ok(f.store.delete(&key), "delete");
            }
            joined(waiter)
        });
        assert!(
            at < deadline,
            "wait_for_change() returned at its deadline ({HANG:?}), not on the {change}"
        );
        match change {
            "write" => {
                let r = returned.expect("wait_for_change() after a write returned None");
                assert!(
                    r.version > seen && r.metadata.get("woken") == Some(&json!(true)),
                    "wait_for_change() after a write must return the new record \
                     (got version {}, seen {seen})",
                    r.version
                );
            }
            _ => assert_eq!(
                returned, None,
                "wait_for_change() after a delete must return None"
            ),
        }
    }
    Outcome::Passed
}

/// With nothing changing, `wait_for_change` returns the unchanged record
/// once its deadline has passed, not before; a deadline already past
/// returns at once.
pub fn wait_until_deadline<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let key = f.pending("conformance::deadline");
    let seen = f.loaded(&key, "deadline").version;

    let got = ok(
        f.store.wait_for_change(&key, seen, Some(Instant::now())),
        "wait_for_change",
    );
    assert_eq!(
        got.map(|r| r.version),
        Some(seen),
        "wait_for_change() with a deadline already past returns the record as it is"
    );

    let deadline = Instant::now() + Duration::from_millis(100);
    let got = ok(
        f.store.wait_for_change(&key, seen, Some(deadline)),
        "wait_for_change",
    );
    let returned = Instant::now();
    assert_eq!(
        got.map(|r| r.version),
        Some(seen),
        "wait_for_change() with nothing changed returns the unchanged record"
    );
    assert!(
        returned >= deadline,
        "wait_for_change() returned {:?} before its deadline, with nothing changed",
        deadline - returned
    );
    Outcome::Passed
}

/// A thread in `wait_for_change` on a running record notices, before its
/// deadline and with no write to wake it, that the record's lease has
/// lapsed, and returns it `Failed(WorkerLost)`.
pub fn wait_notices_lapsed_lease<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let u = f.unit();
    let key = f.pending("conformance::wait-lease");
    let start = f.now();
    let running = written(
        f.apply(&key, |r| r.start("conformance-worker", start, 2 * u)),
        "start",
    );
    f.beat(start + 2 * u);
    let deadline = Instant::now() + HANG;
    let (ready_tx, ready_rx) = mpsc::channel();
    let (got, at) = std::thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            ready_tx.send(()).unwrap();
            let got = ok(
                f.store
                    .wait_for_change(&key, running.version, Some(deadline)),
                "wait_for_change",
            );
            (got, Instant::now())
        });
        ready_rx.recv().unwrap();
        f.reach(start + 2 * u);
        joined(waiter)
    });
    assert!(
        at < deadline,
        "wait_for_change() on a record whose lease lapsed returned only at its deadline"
    );
    let got = got.expect("wait_for_change() returned None for a record whose lease lapsed");
    assert_eq!(
        (got.status, got.error.map(|e| e.kind)),
        (Status::Failed, Some(ErrorKind::WorkerLost)),
        "wait_for_change() must return a record whose lease lapsed as failed"
    );
    Outcome::Passed
}

/// When the store gives [`Subscription`](crate::Subscription)s, every
/// change made through it (put, written update, delete) raises the
/// subscription's generation. Skipped when `subscribe` returns `None`.
pub fn subscriptions<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    let key = f.store.create_key();
    let Some(subscription) = f.store.subscribe(&key) else {
        return Outcome::Skipped("the store gives no subscriptions (subscribe() is None)".into());
    };
    let mut seen = subscription.generation();
    let mut changed = |what: &str| {
        let now = subscription.generation();
        assert!(
            now > seen,
            "a {what} did not raise the subscription's generation"
        );
        seen = now;
    };
    f.put(
        &key,
        Record::pending("conformance::subscribed", json!(null), f.now()),
    );
    changed("put");
    f.update(&key, &mut |r| {
        r.metadata.insert("x".into(), json!(1));
        UpdateAction::Write
    });
    changed("written update");
    ok(f.store.delete(&key), "delete");
    changed("delete");
    Outcome::Passed
}

/// A record that cannot be decoded (made so by the hook of
/// [`Suite::corrupt_with`]) is an error for its key only: `load`, `get`,
/// `update` (without calling its closure) and `wait_for_change` of it
/// fail, while other keys read and write as before, `keys` and
/// `cleanup_expired` still work, and `delete` removes it. Skipped without
/// a hook.
pub fn corrupt_record<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let Some(corrupt) = &suite.corrupt else {
        return Outcome::Skipped(
            "no way to corrupt a stored record was given (Suite::corrupt_with)".into(),
        );
    };
    let held = suite.fresh();
    let f = &*held;
    let good = f.pending("conformance::good");
    let bad = f.pending("conformance::bad");
    corrupt(&f.store, &bad);

    assert!(
        f.store.load(&bad).is_err(),
        "load() of a corrupt record must be an error (got {:?})",
        f.store.load(&bad)
    );
    assert!(
        f.store.get(&bad).is_err(),
        "get() of a corrupt record must be an error"
    );
    let mut called = false;
    let updated = f.store.update(&bad, &mut |_| {
        called = true;
        UpdateAction::Write
    });
    assert!(
        updated.is_err(),
        "update() of a corrupt record must be an error (got {updated:?})"
    );
    assert!(!called, "update() passed a corrupt record to its closure");
    assert!(
        f.store
            .wait_for_change(&bad, 1, Some(Instant::now() + HANG))
            .is_err(),
        "wait_for_change() of a corrupt record must be an error"
    );

    assert_eq!(
        f.get(&good).map(|r| r.function),
        Some("conformance::good".to_owned()),
        "a corrupt record broke the reading of another key"
    );
    written(
        f.apply(&good, |r| r.set_progress(0.5, "still fine", 0)),
        "an update of another key",
    );
    let listed = ok(f.store.keys(), "keys() with a corrupt record");
    assert!(listed.contains(&good), "keys() lost a good key");
    ok(
        f.store.cleanup_expired(),
        "cleanup_expired() with a corrupt record",
    );
    assert!(
        ok(f.store.delete(&bad), "delete() of a corrupt record"),
        "delete() of a corrupt record said there was none"
    );
    assert_eq!(f.load(&bad), None, "a deleted corrupt record is gone");
    assert!(f.load(&good).is_some());
    Outcome::Passed
}

/// A store that keeps heartbeats stores each as written, one per owner
/// (a new one replaces the old), lists them, and deletes them; refuses an
/// owner that is not an owner tag. Skipped for a store without heartbeats.
pub fn heartbeats<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if !f.store.keeps_heartbeats() {
        return Outcome::Skipped("the store keeps no heartbeats".into());
    }
    let now = f.now();
    let mut beat = Heartbeat::new("conformance-other", now, 1_000);
    beat.keys = 3;
    ok(f.store.put_heartbeat(&beat), "put_heartbeat");
    assert_eq!(
        ok(
            f.store.load_heartbeat("conformance-other"),
            "load_heartbeat"
        ),
        Some(beat.clone()),
        "a heartbeat reads back as written"
    );
    let mut renewed = beat.clone();
    renewed.renewed_at = now + 1;
    renewed.expires_at = now + 2_000;
    ok(f.store.put_heartbeat(&renewed), "put_heartbeat");
    assert_eq!(
        ok(
            f.store.load_heartbeat("conformance-other"),
            "load_heartbeat"
        ),
        Some(renewed.clone()),
        "a heartbeat replaces the previous one of its owner"
    );
    let mut owners: Vec<String> = ok(f.store.heartbeats(), "heartbeats")
        .into_iter()
        .map(|b| b.owner)
        .collect();
    owners.sort();
    assert_eq!(
        owners,
        vec!["conformance-other".to_owned(), WORKER.to_owned()]
    );
    assert_eq!(
        ok(
            f.store.load_heartbeat("conformance-nobody"),
            "load_heartbeat"
        ),
        None
    );
    assert!(ok(
        f.store.remove_heartbeat("conformance-other"),
        "remove_heartbeat"
    ));
    assert!(!ok(
        f.store.remove_heartbeat("conformance-other"),
        "remove_heartbeat"
    ));
    assert_eq!(
        ok(
            f.store.load_heartbeat("conformance-other"),
            "load_heartbeat"
        ),
        None
    );
    Outcome::Passed
}

/// In a store that keeps heartbeats, an unfinished record of an owner
/// whose heartbeat lapsed, or who has none, reads through `get` as
/// `Failed(WorkerLost)` naming the owner, and is written back so; an
/// owner whose heartbeat lives keeps its records, even past their lease.
/// Skipped for a store without heartbeats.
pub fn dead_owner<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if !f.store.keeps_heartbeats() {
        return Outcome::Skipped("the store keeps no heartbeats".into());
    }
    let u = f.unit();
    let now = f.now();
    let owned = |function: &str, owner: &str| {
        let key = f.store.create_key();
        f.put(
            &key,
            Record::pending(function, json!(null), now).owned_by(owner),
        );
        key
    };
    let mut beat = Heartbeat::new("conformance-mortal", now, 0);
    beat.expires_at = now + 2 * u;
    ok(f.store.put_heartbeat(&beat), "put_heartbeat");
    let mortal = owned("conformance::mortal", "conformance-mortal");
    let orphan = owned("conformance::orphan", "conformance-nobody");
    let mut running = Record::pending("conformance::alive", json!(null), now);
    assert!(running.start(WORKER, now, u));
    let alive = f.store.create_key();
    f.put(&alive, running);

    let lost = |key: &Key, owner: &str, what: &str| {
        let got = f
            .get(key)
            .unwrap_or_else(|| panic!("{what}: get() hid the record"));
        let error = got
            .error
            .unwrap_or_else(|| panic!("{what}: not failed: {:?}", got.status));
        assert_eq!(
            (got.status, error.kind),
            (Status::Failed, ErrorKind::WorkerLost),
            "{what}"
        );
        assert!(
            error.message.contains("worker lost") && error.message.contains(owner),
            "{what}: the message must say `worker lost` and name the owner: {}",
            error.message
        );
        let stored = f.loaded(key, what);
        assert_eq!(stored.status, Status::Failed, "{what}: not written back");
    };
    lost(
        &orphan,
        "conformance-nobody",
        "a record whose owner has no heartbeat",
    );
    assert_eq!(
        f.get(&mortal).map(|r| r.status),
        Some(Status::Pending),
        "a record whose owner's heartbeat lives"
    );
    f.reach(now + 2 * u);
    lost(
        &mortal,
        "conformance-mortal",
        "a record whose owner's heartbeat lapsed",
    );
    assert_eq!(
        f.get(&alive).map(|r| r.status),
        Some(Status::Running),
        "a running record past its lease, whose owner's heartbeat lives"
    );
    Outcome::Passed
}

// ---------------------------------------------------------------------
// The queue contract.
// ---------------------------------------------------------------------

/// The queue most checks write to.
const QUEUE: &str = crate::store::DEFAULT_QUEUE;

/// The owner tag of a worker that died: its heartbeat has lapsed.
const DEAD_WORKER: &str = "pid-1-deadbeef";

impl<S: ComputationStore> Fresh<S> {
    /// `None` when the store holds queues; else the reason to skip, once
    /// the store is seen to refuse `enqueue` as the contract says.
    fn no_queues(&self) -> Option<Outcome> {
        if self.store.holds_queues() {
            return None;
        }
        let key = self.store.create_key();
        match self
            .store
            .enqueue(&key, self.task(QUEUE, "conformance::no_queue"))
        {
            Err(e) if e.is_unsupported() => Some(Outcome::Skipped(
                "the store holds no queue (holds_queues() is false, enqueue says Unsupported)"
                    .to_owned(),
            )),
            other => panic!(
                "holds_queues() is false, but enqueue did not say StoreError::Unsupported: {other:?}"
            ),
        }
    }

    /// Writes the heartbeat of `owner`, alive until `until_ms`, if the
    /// store keeps heartbeats.
    fn beat_as(&self, owner: &str, until_ms: u64) {
        if self.store.keeps_heartbeats() {
            let mut beat = Heartbeat::new(owner, self.now(), 0);
            beat.expires_at = until_ms;
            ok(self.store.put_heartbeat(&beat), "put_heartbeat");
        }
    }

    /// A task of `function` for `queue`, as a writer makes it.
    fn task(&self, queue: &str, function: &str) -> Record {
        let mut record = Record::pending(function, json!([1, "two"]), self.now());
        record.queue = Some(queue.to_owned());
        record
    }

    /// Enqueues `record` under a new key, which it returns; checks the
    /// record as stored.
    fn enqueue_record(&self, record: Record) -> Key {
        let key = self.store.create_key();
        let queue = record.queue.clone();
        match ok(self.store.enqueue(&key, record), "enqueue") {
            super::Created::New => {}
            other @ super::Created::Exists(_) => {
                panic!("enqueue under a new key {key}: expected Created::New, got {other:?}")
            }
        }
        let stored = self.loaded(&key, "a task just enqueued");
        assert_eq!(
            (stored.status, stored.queue.clone(), stored.owner.clone()),
            (Status::Pending, queue, None),
            "a task just enqueued must be Pending, in its queue, without owner; stored: {stored:?}"
        );
        assert!(
            stored.queue_entry.is_some(),
            "enqueue must set Record::queue_entry (the store's name for the task's place); stored: {stored:?}"
        );
        key
    }

    /// Enqueues a new task of `queue`.
    fn enqueue(&self, queue: &str) -> Key {
        self.enqueue_record(self.task(queue, "conformance::task"))
    }

    fn claim(&self, queues: &[&str], owner: &str, max: usize) -> Vec<super::Claimed> {
        let lease = Duration::from_millis(100 * self.unit());
        let claimed = ok(self.store.claim(queues, owner, lease, max), "claim");
        assert!(
            claimed.len() <= max,
            "claim(max = {max}) returned {} tasks",
            claimed.len()
        );
        claimed
    }

    fn claimed_keys(&self, queues: &[&str], owner: &str, max: usize) -> Vec<Key> {
        self.claim(queues, owner, max)
            .into_iter()
            .map(|c| c.key)
            .collect()
    }

    fn stats(&self, queue: &str) -> super::QueueStats {
        ok(self.store.queue_stats(queue), "queue_stats")
    }
}

/// A task enqueued is claimed by one claim: returned and stored `Running`,
/// owned by the claimer (lease and owner), at attempt 1; a second claim
/// gets nothing.
pub fn queue_claim<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    assert!(
        f.claim(&[QUEUE], WORKER, 10).is_empty(),
        "claim on an empty queue returned tasks"
    );
    let key = f.enqueue(QUEUE);
    let claimed = f.claim(&[QUEUE], WORKER, 10);
    assert_eq!(
        claimed.iter().map(|c| &c.key).collect::<Vec<_>>(),
        vec![&key],
        "claim must return the one task enqueued"
    );
    let task = &claimed[0].record;
    for (what, record) in [
        ("as returned", task),
        ("as stored", &f.loaded(&key, "claimed")),
    ] {
        assert_eq!(
            record.status,
            Status::Running,
            "a claimed task {what} must be Running: {record:?}"
        );
        assert_eq!(
            record.owner.as_deref(),
            Some(WORKER),
            "a claimed task {what} must be owned by its claimer: {record:?}"
        );
        assert_eq!(
            record.lease.as_ref().map(|l| l.owner.as_str()),
            Some(WORKER),
            "a claimed task {what} must hold its claimer's lease: {record:?}"
        );
        assert_eq!(
            record.attempts, 1,
            "a task claimed once is at attempt 1 ({what}): {record:?}"
        );
    }
    assert!(
        f.claim(&[QUEUE], "conformance-other", 10).is_empty(),
        "a second claim got the task the first claim holds"
    );
    Outcome::Passed
}

/// Tasks are claimed in the order they were enqueued (FIFO per queue), one
/// at a time and in batches.
pub fn queue_fifo<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let written: Vec<Key> = (0..20).map(|_| f.enqueue(QUEUE)).collect();
    let mut claimed = Vec::new();
    for _ in 0..20 {
        claimed.extend(f.claimed_keys(&[QUEUE], WORKER, 1));
    }
    assert_eq!(
        claimed, written,
        "20 tasks claimed one at a time must come in the order written"
    );
    let written: Vec<Key> = (0..20).map(|_| f.enqueue(QUEUE)).collect();
    let mut claimed = f.claimed_keys(&[QUEUE], WORKER, 7);
    claimed.extend(f.claimed_keys(&[QUEUE], WORKER, 100));
    assert_eq!(
        claimed, written,
        "20 tasks claimed 7 then the rest must come in the order written"
    );
    Outcome::Passed
}

/// `enqueue` under a key that has a live record writes nothing and returns
/// it in [`Created::Exists`](super::Created::Exists): a queued task's key,
/// or any record's.
pub fn queue_key_in_use<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let key = f.enqueue(QUEUE);
    let mut second = f.task(QUEUE, "conformance::second");
    second.args = json!("second");
    match ok(f.store.enqueue(&key, second), "enqueue under a key in use") {
        super::Created::Exists(there) => assert_eq!(
            there.function, "conformance::task",
            "Created::Exists must hold the record stored under the key: {there:?}"
        ),
        super::Created::New => panic!("enqueue under the key of a queued task said Created::New"),
    }
    let plain = f.pending("conformance::plain");
    match ok(
        f.store
            .enqueue(&plain, f.task(QUEUE, "conformance::second")),
        "enqueue under the key of a record",
    ) {
        super::Created::Exists(there) => assert_eq!(there.function, "conformance::plain"),
        super::Created::New => panic!("enqueue under the key of a live record said Created::New"),
    }
    assert_eq!(
        f.loaded(&plain, "a record under a key enqueued again")
            .function,
        "conformance::plain",
        "an enqueue under a key in use overwrote its record"
    );
    let claimed = f.claimed_keys(&[QUEUE], WORKER, 10);
    assert_eq!(
        claimed,
        vec![key],
        "only the first task is in the queue (the refused enqueues wrote nothing)"
    );
    Outcome::Passed
}

/// A task whose record is over the store's maximum size is refused
/// ([`StoreError::TooLarge`](crate::StoreError::TooLarge)) and nothing is
/// written; skipped unless [`Suite::max_record_size`] says the maximum.
pub fn queue_too_large<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let Some(max) = suite.max_record_size else {
        return Outcome::Skipped(
            "the store's maximum record size is not declared (Suite::max_record_size)".to_owned(),
        );
    };
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let mut big = f.task(QUEUE, "conformance::big");
    let len = usize::try_from(max).unwrap_or(usize::MAX - 1) + 1;
    big.args = json!("x".repeat(len));
    let key = f.store.create_key();
    match f.store.enqueue(&key, big) {
        Err(crate::StoreError::TooLarge { .. }) => {}
        other => panic!(
            "enqueue of a task over the maximum record size ({max} bytes) must fail with StoreError::TooLarge, got {other:?}"
        ),
    }
    assert!(
        f.load(&key).is_none(),
        "a task refused as too large left a record"
    );
    let stats = f.stats(QUEUE);
    assert_eq!(
        stats.waiting(),
        0,
        "a task refused as too large left an entry: {stats:?}"
    );
    assert!(
        f.claim(&[QUEUE], WORKER, 10).is_empty(),
        "a task refused as too large was claimed"
    );
    let small = f.enqueue(QUEUE);
    assert_eq!(f.claimed_keys(&[QUEUE], WORKER, 10), vec![small]);
    Outcome::Passed
}

/// A claim takes tasks of the queues it names only, in the order it names
/// them.
pub fn queue_other_queues<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let (a, b) = ("conformance-a", "conformance.b");
    let in_a = f.enqueue(a);
    let in_b = f.enqueue(b);
    assert!(
        f.claim(&[QUEUE], WORKER, 10).is_empty(),
        "a claim of queue `{QUEUE}` took tasks of other queues"
    );
    assert_eq!(
        f.claimed_keys(&[a], WORKER, 10),
        vec![in_a.clone()],
        "a claim of queue `{a}` must take its task only"
    );
    let in_a2 = f.enqueue(a);
    assert_eq!(
        f.claimed_keys(&[b, a], WORKER, 10),
        vec![in_b, in_a2],
        "a claim of [`{b}`, `{a}`] must take `{b}`'s task first"
    );
    Outcome::Passed
}

/// A waiting task cancelled (through `update` with [`Record::cancel`]) is
/// never claimed, and its record stays `Cancelled`.
pub fn queue_cancelled<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let cancelled = f.enqueue(QUEUE);
    let kept = f.enqueue(QUEUE);
    let now = f.now();
    let record = written(
        f.apply(&cancelled, |r| r.cancel(now)),
        "update(cancel) of a waiting task",
    );
    assert_eq!(record.status, Status::Cancelled);
    assert_eq!(
        f.claimed_keys(&[QUEUE], WORKER, 10),
        vec![kept],
        "a cancelled task was claimed (or the other one was not)"
    );
    assert!(f.claim(&[QUEUE], WORKER, 10).is_empty());
    let after = f.loaded(&cancelled, "a cancelled task");
    assert_eq!(
        after.status,
        Status::Cancelled,
        "a cancelled task must stay Cancelled: {after:?}"
    );
    let stats = f.stats(QUEUE);
    assert_eq!(
        stats.waiting(),
        0,
        "a cancelled task still counts as waiting: {stats:?}"
    );
    Outcome::Passed
}

/// `release` puts back a task claimed and not started: `Pending`, no
/// owner, its attempt not counted; only its claimer may; it is claimed
/// again.
pub fn queue_release<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let key = f.enqueue(QUEUE);
    assert_eq!(f.claimed_keys(&[QUEUE], WORKER, 1), vec![key.clone()]);
    assert!(
        !ok(f.store.release(&key, "conformance-other"), "release"),
        "release by a worker that does not hold the claim must say false"
    );
    assert_eq!(f.loaded(&key, "claimed").status, Status::Running);
    assert!(
        ok(f.store.release(&key, WORKER), "release"),
        "release by the claimer must say true"
    );
    let back = f.loaded(&key, "released");
    assert_eq!(
        (back.status, back.attempts, back.owner.clone()),
        (Status::Pending, 0, None),
        "a released task must be Pending, its attempt not counted, without owner: {back:?}"
    );
    let again = f.claim(&[QUEUE], "conformance-other", 1);
    assert_eq!(
        again.iter().map(|c| &c.key).collect::<Vec<_>>(),
        vec![&key],
        "a released task must be claimed again"
    );
    assert_eq!(
        again[0].record.attempts, 1,
        "a released task claimed again is at attempt 1: {:?}",
        again[0].record
    );
    Outcome::Passed
}

/// `recover` sends a task whose worker is gone (its heartbeat lapsed, and
/// its lease) back to its queue with its attempt counted; after its
/// maximum attempts it ends `Failed(WorkerLost)`. A live worker's claim is
/// left alone.
pub fn queue_recover<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let mut record = f.task(QUEUE, "conformance::recovered");
    record.max_attempts = Some(2);
    let key = f.enqueue_record(record);
    let alive = f.enqueue(QUEUE);
    let unit = f.unit();
    let lease = Duration::from_millis(unit);
    for attempt in 1..=2 {
        // The dead worker claims with a short lease, and its heartbeat
        // lapses (in a store that keeps heartbeats).
        f.beat_as(DEAD_WORKER, f.now() + unit);
        let claimed = ok(f.store.claim(&[QUEUE], DEAD_WORKER, lease, 1), "claim");
        assert_eq!(
            claimed.iter().map(|c| &c.key).collect::<Vec<_>>(),
            vec![&key],
            "attempt {attempt}: the task to recover must be claimed first"
        );
        assert_eq!(claimed[0].record.attempts, attempt);
        if attempt == 1 {
            assert_eq!(
                f.claimed_keys(&[QUEUE], WORKER, 1),
                vec![alive.clone()],
                "a live worker claims the other task"
            );
        }
        f.reach(f.now() + 2 * unit);
        let moved = ok(f.store.recover(&[QUEUE]), "recover");
        let after = f.loaded(&key, "a task of a dead worker, after recover");
        if attempt == 1 {
            assert_eq!(
                moved, 1,
                "recover must move the one task of the dead worker (after: {after:?})"
            );
            assert_eq!(
                (after.status, after.attempts, after.owner.clone()),
                (Status::Pending, 1, None),
                "a task of a dead worker must go back to its queue, Pending, attempt 1 counted, without owner: {after:?}"
            );
        } else {
            assert_eq!(
                after.status,
                Status::Failed,
                "a task of a dead worker with no attempt left must end Failed: {after:?}"
            );
            let error = after
                .error
                .clone()
                .unwrap_or_else(|| panic!("a task failed by recover must say why: {after:?}"));
            assert_eq!(
                error.kind,
                ErrorKind::WorkerLost,
                "a task of a dead worker with no attempt left must fail WorkerLost: {after:?}"
            );
            assert!(
                error.message.contains("2 attempts"),
                "the failure must say how many attempts were made: {:?}",
                error.message
            );
        }
    }
    assert!(
        f.claim(&[QUEUE], WORKER, 10).is_empty(),
        "a task failed for good was claimed again"
    );
    let live = f.loaded(&alive, "a live worker's claim after recover");
    assert_eq!(
        (live.status, live.owner.as_deref()),
        (Status::Running, Some(WORKER)),
        "recover must leave a live worker's claim alone: {live:?}"
    );
    Outcome::Passed
}

/// A task due later (its [`Record::due_at`], on the store's clock) is not
/// claimed before it is due, and does not hold up the tasks due now.
pub fn queue_delayed<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let due = f.now() + 5 * f.unit();
    let mut record = f.task(QUEUE, "conformance::delayed");
    record.due_at = Some(due);
    let delayed = f.enqueue_record(record);
    let now_task = f.enqueue(QUEUE);
    assert_eq!(
        f.claimed_keys(&[QUEUE], WORKER, 10),
        vec![now_task],
        "only the task due now may be claimed, at once"
    );
    let stats = f.stats(QUEUE);
    assert_eq!(
        (stats.ready, stats.delayed),
        (0, 1),
        "queue_stats must count the delayed task as delayed: {stats:?}"
    );
    if !f.own_clock {
        f.reach(due - 1);
        assert!(
            f.claim(&[QUEUE], WORKER, 10).is_empty(),
            "a task due at {due} ms was claimed at {} ms",
            f.now()
        );
    }
    f.reach(due);
    assert_eq!(
        f.claimed_keys(&[QUEUE], WORKER, 10),
        vec![delayed],
        "a delayed task must be claimed once due (now {} ms, due {due} ms)",
        f.now()
    );
    Outcome::Passed
}

/// `queue_stats` counts the tasks ready, delayed and claimed, and forgets
/// those that finish.
pub fn queue_stats<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let counts = |s: super::QueueStats| (s.ready, s.delayed, s.claimed);
    assert_eq!(counts(f.stats(QUEUE)), (0, 0, 0), "an empty queue");
    for _ in 0..3 {
        f.enqueue(QUEUE);
    }
    for _ in 0..2 {
        let mut record = f.task(QUEUE, "conformance::delayed");
        record.due_at = Some(f.now() + 1_000 * f.unit());
        f.enqueue_record(record);
    }
    f.enqueue("conformance-other");
    assert_eq!(
        counts(f.stats(QUEUE)),
        (3, 2, 0),
        "(ready, delayed, claimed) after 3 tasks and 2 delayed ones"
    );
    let claimed = f.claimed_keys(&[QUEUE], WORKER, 1);
    assert_eq!(
        counts(f.stats(QUEUE)),
        (2, 2, 1),
        "(ready, delayed, claimed) after a claim"
    );
    let now = f.now();
    written(
        f.apply(&claimed[0], |r| r.complete(json!(1), now)),
        "complete a claimed task",
    );
    assert_eq!(
        counts(f.stats(QUEUE)),
        (2, 2, 0),
        "(ready, delayed, claimed) after the claimed task completed"
    );
    assert_eq!(counts(f.stats("conformance-other")), (1, 0, 0));
    Outcome::Passed
}

/// Four threads racing claims on 200 tasks: each task goes to exactly one,
/// owned by it.
pub fn queue_racing_claims<S: ComputationStore + 'static>(suite: &Suite<S>) -> Outcome {
    const TASKS: usize = 200;
    const THREADS: usize = 4;
    let held = suite.fresh();
    let f = &*held;
    if let Some(skip) = f.no_queues() {
        return skip;
    }
    let written: BTreeSet<Key> = (0..TASKS).map(|_| f.enqueue(QUEUE)).collect();
    let owners: Vec<String> = (0..THREADS)
        .map(|i| format!("conformance-racer-{i}"))
        .collect();
    for owner in &owners {
        f.beat_as(owner, u64::MAX);
    }
    let barrier = Barrier::new(THREADS);
    let taken: Vec<Vec<super::Claimed>> = std::thread::scope(|scope| {
        let threads: Vec<_> = owners
            .iter()
            .enumerate()
            .map(|(i, owner)| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let mut mine = Vec::new();
                    loop {
                        let got = f.claim(&[QUEUE], owner, 1 + i % 3);
                        if got.is_empty() {
                            return mine;
                        }
                        mine.extend(got);
                    }
                })
            })
            .collect();
        threads.into_iter().map(joined).collect()
    });
    let mut seen = BTreeSet::new();
    for (owner, mine) in owners.iter().zip(&taken) {
        for task in mine {
            assert!(
                seen.insert(task.key.clone()),
                "task {} was claimed twice",
                task.key
            );
            let stored = f.loaded(&task.key, "a task claimed in the race");
            assert_eq!(
                (stored.status, stored.owner.as_deref(), stored.attempts),
                (Status::Running, Some(owner.as_str()), 1),
                "a task claimed in the race must be Running, owned by its one claimer, attempt 1: {stored:?}"
            );
        }
    }
    let missed: Vec<&Key> = written.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "{} of {TASKS} tasks were claimed by no thread: {missed:?}",
        missed.len()
    );
    let per_thread: Vec<usize> = taken.iter().map(Vec::len).collect();
    assert_eq!(per_thread.iter().sum::<usize>(), TASKS, "{per_thread:?}");
    Outcome::Passed
}
