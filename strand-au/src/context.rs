//! The computation a thread is running ([`current_computation`]), its
//! cooperative cancellation, and the lease renewer.
//!
//! # Leases
//!
//! A worker claims a computation by writing it `Running` with a lease (its
//! owner tag and an expiry, 30 s by default, see
//! [`Computation::lease`](crate::Computation::lease)). The claim is lazy: a
//! body that finishes within [`CLAIM_AFTER`] (10 ms, or a third of the lease
//! if that is shorter) goes straight from `Pending` to its terminal status in
//! one write, so a short computation costs two record writes (`Pending`,
//! result) instead of three; a body still running after that is claimed
//! (`Running` + lease) by the renewer thread, or by its first progress or
//! metadata report, whichever comes first.
//!
//! While the body runs, the renewer thread of its store extends the lease of
//! every claimed computation that has run for a third of its lease, once per
//! third of the lease (short computations cost no renewal write at all);
//! progress reports extend it as well. If the process dies, renewals stop,
//! the lease lapses, and the next reader ([`ComputationStore::get`], a
//! handle, cleanup) fails the record with "worker lost". The renewer also
//! notices a `Cancelled` record written by another process and tells the body
//! through [`CurrentComputation::is_cancelled`].
//!
//! What the lazy claim changes, and what it does not:
//!
//! * A cancelled computation never starts: the worker registers the
//!   computation in this process, then reads the record, and runs the body
//!   only if it is still `Pending`. A `cancel()` in this process that finds
//!   the record `Pending` answers `NotStarted` only if no worker of this
//!   process has registered it (checked after the `Cancelled` write, so a
//!   worker registering later reads `Cancelled` and does not run); otherwise
//!   it answers `Requested` and the body sees the cancellation.
//! * A `cancel()` from another process during the body's first
//!   [`CLAIM_AFTER`] sees `Pending` and answers `NotStarted` although the
//!   body has started; the record ends `Cancelled` all the same (the claim
//!   and the result are atomic updates that never replace a terminal
//!   status), the body is told at the claim, and its value is discarded.
//! * A worker process that dies during a body's first [`CLAIM_AFTER`] leaves
//!   the record `Pending`, as it leaves the computations still queued in it,
//!   but the record names the process as its owner: once the process's
//!   [`Heartbeat`] lapses, readers fail it `Failed(WorkerLost)`. A claimed
//!   record also ends so when its lease lapses.
//!
//! # Heartbeats
//!
//! Each store has its own renewer thread in a process that uses it. While
//! the process owns unfinished records there (launched, queued, running),
//! the renewer writes the process's [`Heartbeat`] every third of its TTL
//! (the shortest lease the process uses in that store). A launch makes
//! sure the heartbeat is live before it writes the record, so no reader
//! finds a record whose owner has no heartbeat. Every store call of the
//! renewer is made under `catch_unwind`; a store that panics costs that
//! call, and one that blocks stalls its own renewer only. A renewer with
//! nothing to do for a second ends its thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::job::DEFAULT_LEASE;
use crate::key::Key;
use crate::record::{ErrorInfo, Record, Status};
use crate::store::{ComputationStore, Heartbeat, StoreError, UpdateAction, Updated};

/// `Instant::now() + wait`, or a year from now for a wait too long for the
/// clock (a lease or TTL of `Duration::MAX`).
fn after(wait: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(wait)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

/// How long a body runs before its worker claims the record (writes
/// `Running` with a lease), unless a third of the lease is shorter.
///
/// A body that finishes sooner goes from `Pending` to its terminal status in
/// one write: two record writes per computation instead of three. Until the
/// claim the record says `Pending`; the worker has checked it was still
/// `Pending` (not cancelled) before starting the body. The claim is written
/// by the lease renewer thread, or by the body's first
/// [`set_progress`](CurrentComputation::set_progress) or
/// [`set_metadata`](CurrentComputation::set_metadata). What it means for
/// `cancel()` and for a worker that dies:
///
/// * A `cancel()` in the worker's process that finds the record `Pending`
///   answers [`NotStarted`](strand::CancelOutcome::NotStarted) only if the
///   body will never run, and `Requested` (the body sees
///   [`is_cancelled`](CurrentComputation::is_cancelled)) if a worker has
///   picked it up.
/// * A `cancel()` from another process during a body's first `CLAIM_AFTER`
///   sees `Pending` and answers `NotStarted`, although the body has started:
///   the record still ends `Cancelled` (the claim and the result never
///   replace a terminal status), the body is told at the claim, and its
///   value is discarded.
/// * A worker process that dies during a body's first `CLAIM_AFTER` leaves
///   the record `Pending`, as it leaves the computations still queued in it,
///   until its [`Heartbeat`] lapses: readers then fail it
///   `Failed(WorkerLost)`, as they fail a claimed record whose lease lapsed.
pub const CLAIM_AFTER: Duration = Duration::from_millis(10);

/// This process's lease owner tag.
pub(crate) static OWNER: LazyLock<String> = LazyLock::new(|| {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    format!("pid-{}-{}", std::process::id(), &tag[..8])
});

/// A computation running in this process.
pub(crate) struct Running {
    pub(crate) key: Key,
    pub(crate) store: Arc<dyn ComputationStore>,
    lease: Duration,
    cancelled: AtomicBool,
    /// Set by an in-process `cancel()` of this key; confirmed against the store.
    hinted: AtomicBool,
    /// Whether the record says `Running` with our lease (see [`CLAIM_AFTER`]).
    claimed: AtomicBool,
    /// When the body started, in the store clock's ms (the record's
    /// `started_at`); 0 until the worker has checked that the record is
    /// still `Pending` and calls [`started`] (the renewer leaves it alone
    /// until then: a claim before that check would make the check fail).
    started_ms: AtomicU64,
    /// When the lease was last written (or the body started, before the claim).
    renewed: Mutex<Instant>,
    /// The renewer of its store, while registered.
    renewer: Mutex<Option<Arc<Renewer>>>,
}

impl Running {
    pub(crate) fn new(key: Key, store: Arc<dyn ComputationStore>, lease: Duration) -> Arc<Running> {
        Arc::new(Running {
            key,
            store,
            lease,
            cancelled: AtomicBool::new(false),
            hinted: AtomicBool::new(false),
            claimed: AtomicBool::new(false),
            started_ms: AtomicU64::new(0),
            renewed: Mutex::new(Instant::now()),
            renewer: Mutex::new(None),
        })
    }

    fn lease_ms(&self) -> u64 {
        crate::record::duration_ms(self.lease)
    }

    /// When the renewer should next write this computation's record: its
    /// claim, or its next renewal; `None` before the body has started.
    fn due(&self) -> Option<Instant> {
        if self.started_ms.load(Ordering::Acquire) == 0 {
            return None;
        }
        let step = if self.claimed.load(Ordering::Acquire) {
            self.lease / 3
        } else {
            CLAIM_AFTER.min(self.lease / 3)
        };
        // `None` (never due) for a lease too long for the clock.
        lock(&self.renewed).checked_add(step)
    }

    /// Applies to `record`, inside an atomic update, the claim this
    /// computation still owes: `Pending → Running` with our lease, started
    /// when the body started. A record that is no longer `Pending` is left
    /// alone (a terminal status stays). Returns whether it changed anything.
    pub(crate) fn claim_in(&self, record: &mut Record, now_ms: u64) -> bool {
        if record.status != Status::Pending {
            return false;
        }
        let started_ms = match self.started_ms.load(Ordering::Acquire) {
            0 => now_ms,
            ms => ms,
        };
        record.start(&OWNER, started_ms, self.lease_ms());
        record.renew_lease(&OWNER, now_ms, self.lease_ms());
        true
    }

    /// Notes that the record is claimed already (`Running` with this
    /// process's lease): a queued task a worker of this process claimed
    /// from its store's queue. The renewer renews it from now on.
    pub(crate) fn mark_claimed(&self) {
        self.claimed.store(true, Ordering::Release);
    }

    /// Notes what an update of our record left there: claimed if it says
    /// `Running`, cancelled if `Cancelled`.
    fn observe(&self, updated: &Updated) {
        match updated.record().map(|r| r.status) {
            Some(Status::Running) => self.claimed.store(true, Ordering::Release),
            Some(Status::Cancelled) => self.cancelled.store(true, Ordering::Release),
            _ => {}
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        if self.cancelled.load(Ordering::Acquire) {
            return true;
        }
        if self.hinted.swap(false, Ordering::AcqRel) {
            let cancelled =
                matches!(self.store.load(&self.key), Ok(Some(r)) if r.status == Status::Cancelled);
            if cancelled {
                self.cancelled.store(true, Ordering::Release);
            }
            return cancelled;
        }
        false
    }

    /// Claims the record or extends the lease; notes a cancellation seen in
    /// the store.
    pub(crate) fn renew(&self) {
        let now = self.store.clock().now_ms();
        let lease_ms = self.lease_ms();
        let result = self.store.update(&self.key, &mut |r| {
            let claimed = self.claim_in(r, now);
            UpdateAction::write_if(claimed || r.renew_lease(&OWNER, now, lease_ms))
        });
        *lock(&self.renewed) = Instant::now();
        match result {
            Ok(updated) => self.observe(&updated),
            Err(e) => tracing::warn!(key = %self.key, error = %e, "cannot renew computation lease"),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The renewer of one store: a thread of its own that writes this process's
/// [`Heartbeat`] there while the process owns records in it, claims and
/// renews the leases of the computations running on it, and exits when the
/// store has been idle a while. One thread per store, so a store that
/// blocks stalls only its own renewals, and every store call is made under
/// `catch_unwind`, so a store that panics (a bug of a custom store, a
/// corrupt record) costs that call only.
struct Renewer {
    store: Arc<dyn ComputationStore>,
    state: Mutex<State>,
    changed: Condvar,
    /// Held while a heartbeat is written, by the thread or by a caller of
    /// `ensure_beat`: whoever comes second sees the first's heartbeat and
    /// writes none, so a new renewer writes one, not two at once.
    beating: Mutex<()>,
}

struct State {
    running: HashMap<Key, Vec<Arc<Running>>>,
    /// Outcomes whose worker could not write them (the store refused):
    /// retried here until a write succeeds.
    unwritten: HashMap<Key, Unwritten>,
    /// Launched records of this process not yet finished (see [`Hold`]).
    held: HashMap<Key, u32>,
    /// The queues this process's workers serve in the store (see
    /// [`serve`]), with how many workers serve each.
    queues: HashMap<String, u32>,
    /// Claims in progress (see [`claiming`]): the records they write are
    /// this process's before it holds them.
    claiming: u32,
    /// When the renewer will next look (in the past while it is awake), so
    /// that registering a computation wakes it only when it must.
    wake_at: Instant,
    /// The heartbeat's time to live: the shortest lease seen here.
    beat_ttl: Duration,
    /// When the last heartbeat written lapses (store clock, ms); 0 before
    /// the first.
    beat_expires_ms: u64,
    /// The TTL of the last heartbeat written.
    beat_written_ttl: Duration,
    /// When the renewer writes the next heartbeat (a third of its TTL
    /// after the last), while the process owns records here.
    next_beat: Instant,
    /// When this process first beat in this store.
    started_ms: u64,
    /// Set, under the registry's lock, when the thread has left: a
    /// registration then starts a new one.
    exited: bool,
}

/// The renewers, by store (the address of the store's value).
static RENEWERS: LazyLock<Mutex<HashMap<usize, Arc<Renewer>>>> = LazyLock::new(Default::default);

/// The identity of a store in this process: the address of its value (as
/// `Arc::as_ptr` gives it for a store in an `Arc`).
pub(crate) fn store_id<S: ComputationStore + ?Sized>(store: &S) -> usize {
    (store as *const S).cast::<()>() as usize
}

/// The renewer of the store at `id`, if this process has one.
fn renewer_of(id: usize) -> Option<Arc<Renewer>> {
    lock(&RENEWERS).get(&id).cloned()
}

impl State {
    /// Whether this process answers for anything in the store: then it
    /// keeps a heartbeat there.
    fn owns(&self) -> bool {
        !self.held.is_empty()
            || !self.running.is_empty()
            || !self.unwritten.is_empty()
            || !self.queues.is_empty()
            || self.claiming > 0
    }

    /// Whether this process answers for `key`: it holds its launch, runs
    /// it, or retries its outcome.
    fn answers_for(&self, key: &Key) -> bool {
        self.claiming > 0
            || self.held.contains_key(key)
            || self.running.contains_key(key)
            || self.unwritten.contains_key(key)
    }

    /// How many keys this process answers for.
    fn keys(&self) -> usize {
        let mut keys: std::collections::HashSet<&Key> = self.held.keys().collect();
        keys.extend(self.running.keys());
        keys.extend(self.unwritten.keys());
        keys.len()
    }
}

/// The renewer of `store`, started if there is none, after `f` has
/// registered work with it: under the registry's lock, so that its thread
/// cannot leave in between (it leaves only idle, under that lock).
fn renewer(store: &Arc<dyn ComputationStore>, f: impl FnOnce(&mut State)) -> Arc<Renewer> {
    let mut renewers = lock(&RENEWERS);
    let id = store_id(&**store);
    if let Some(r) = renewers.get(&id) {
        let mut state = lock(&r.state);
        if !state.exited {
            f(&mut state);
            drop(state);
            return r.clone();
        }
    }
    let r = Arc::new(Renewer {
        store: store.clone(),
        state: Mutex::new(State {
            running: HashMap::new(),
            unwritten: HashMap::new(),
            held: HashMap::new(),
            queues: HashMap::new(),
            claiming: 0,
            wake_at: Instant::now(),
            beat_ttl: DEFAULT_LEASE,
            beat_expires_ms: 0,
            beat_written_ttl: Duration::MAX,
            next_beat: Instant::now(),
            started_ms: 0,
            exited: false,
        }),
        changed: Condvar::new(),
        beating: Mutex::new(()),
    });
    f(&mut lock(&r.state));
    let thread = r.clone();
    let spawned = std::thread::Builder::new()
        .name("strand-au-renewer".into())
        .spawn(move || thread.run(id));
    if let Err(e) = spawned {
        // Without a renewer, leases and the heartbeat lapse and readers say
        // "worker lost": loud, never silent.
        tracing::error!(error = %e, "cannot start a strand-au renewer thread");
        lock(&r.state).exited = true;
    } else {
        renewers.insert(id, r.clone());
    }
    r
}

/// Runs a store call of the renewer: a panic is caught and logged, and a
/// call that overruns `budget` is logged when it returns.
fn guarded<R>(what: &str, budget: Duration, f: impl FnOnce() -> R) -> Option<R> {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(f));
    let took = start.elapsed();
    if took > budget {
        tracing::warn!(
            what,
            ?took,
            ?budget,
            "a store call of the lease renewer overran"
        );
    }
    match result {
        Ok(r) => Some(r),
        Err(panic) => {
            tracing::error!(
                what,
                panic = %strand::__private::panic_message(&*panic),
                "a store panicked in the lease renewer (the renewer carries on)"
            );
            None
        }
    }
}

impl Renewer {
    /// Writes this process's heartbeat now, valid for the TTL in use.
    fn beat(&self) -> Result<(), StoreError> {
        let (ttl, keys, started, mut queues) = {
            let state = lock(&self.state);
            let queues: Vec<String> = state.queues.keys().cloned().collect();
            (state.beat_ttl, state.keys(), state.started_ms, queues)
        };
        queues.sort_unstable();
        let now_ms = self.store.clock().now_ms();
        let ttl_ms = crate::record::duration_ms(ttl);
        let mut beat = Heartbeat::new(OWNER.as_str(), now_ms, ttl_ms);
        if started != 0 {
            beat.started_at = started;
        }
        beat.keys = keys as u64;
        beat.queues = queues;
        self.store.put_heartbeat(&beat)?;
        let mut state = lock(&self.state);
        if state.started_ms == 0 {
            state.started_ms = now_ms;
        }
        state.beat_expires_ms = beat.expires_at;
        state.beat_written_ttl = ttl;
        state.next_beat = after(ttl / 3);
        Ok(())
    }

    /// Makes sure this process has a live heartbeat in the store, valid for
    /// at least two thirds of `lease`, before it writes a record it owns:
    /// a reader must never find a record whose owner has no heartbeat.
    fn ensure_beat(&self, lease: Duration) -> Result<(), StoreError> {
        if !self.store.keeps_heartbeats() {
            return Ok(());
        }
        let fresh = || {
            let now_ms = self.store.clock().now_ms();
            let state = lock(&self.state);
            // The last heartbeat must be at most a third of the TTL old,
            // and made with a TTL no longer than `lease` (the caller has
            // lowered `beat_ttl` to it already).
            let margin = crate::record::duration_ms((state.beat_ttl / 3).saturating_mul(2));
            state.beat_ttl <= lease
                && state.beat_written_ttl <= state.beat_ttl
                && state.beat_expires_ms > now_ms.saturating_add(margin)
        };
        if fresh() {
            return Ok(());
        }
        let _beating = lock(&self.beating);
        if fresh() {
            // The renewer's thread wrote one meanwhile.
            return Ok(());
        }
        let written = catch_unwind(AssertUnwindSafe(|| self.beat())).unwrap_or_else(|panic| {
            Err(StoreError::Other(format!(
                "the store panicked writing a heartbeat: {}",
                strand::__private::panic_message(&*panic)
            )))
        });
        self.changed.notify_one();
        written
    }

    fn run(self: Arc<Self>, id: usize) {
        let mut idle_ticks = 0;
        let mut state = lock(&self.state);
        loop {
            let now = Instant::now();
            state.wake_at = now;
            let owns = state.owns();
            let beat_due = owns && self.store.keeps_heartbeats() && state.next_beat <= now;
            let mut due = Vec::new();
            let mut next: Option<Instant> = None;
            for r in state.running.values().flatten() {
                let Some(at) = r.due() else { continue };
                if at <= now {
                    due.push(r.clone());
                } else {
                    next = Some(next.map_or(at, |n| n.min(at)));
                }
            }
            let mut retry = Vec::new();
            for (key, u) in &state.unwritten {
                if u.next <= now {
                    retry.push(key.clone());
                } else {
                    next = Some(next.map_or(u.next, |n| n.min(u.next)));
                }
            }
            if !retry.is_empty() {
                drop(state);
                for key in &retry {
                    self.retry_outcome(key);
                }
                state = lock(&self.state);
                continue;
            }
            if beat_due || !due.is_empty() {
                let budget = state.beat_ttl / 3;
                drop(state);
                // A caller of `ensure_beat` may have written it meanwhile.
                let beating = beat_due.then(|| lock(&self.beating));
                if beating.is_some() && lock(&self.state).next_beat <= Instant::now() {
                    let written = guarded("heartbeat", budget, || self.beat());
                    if let Some(Err(e)) = &written {
                        tracing::warn!(error = %e, "cannot write heartbeat");
                    }
                    if !matches!(written, Some(Ok(()))) {
                        // Try again soon, not at once.
                        lock(&self.state).next_beat = Instant::now() + CLAIM_AFTER * 10;
                    }
                }
                drop(beating);
                for r in &due {
                    if guarded("lease renewal", r.lease / 3, || r.renew()).is_none() {
                        // Try again at the next step rather than at once.
                        *lock(&r.renewed) = Instant::now();
                    }
                }
                state = lock(&self.state);
                continue;
            }
            // With nothing held, keep ticking at the claim delay for a
            // second, so that the computations of a busy stretch register
            // without waking this thread each time; then leave.
            if owns {
                idle_ticks = 0;
            } else {
                idle_ticks += 1;
                if idle_ticks > IDLE_TICKS {
                    // Lock order: the registry, then a renewer's state (as in
                    // `renewer`), so no registration slips in between.
                    drop(state);
                    let mut renewers = lock(&RENEWERS);
                    let mut inner = lock(&self.state);
                    if !inner.owns() {
                        self.retire_beat(&mut inner);
                        inner.exited = true;
                        if renewers.get(&id).is_some_and(|r| Arc::ptr_eq(r, &self)) {
                            renewers.remove(&id);
                        }
                        return;
                    }
                    drop(renewers);
                    state = inner;
                    idle_ticks = 0;
                    continue;
                }
            }
            let far = now + Duration::from_secs(24 * 3600);
            let tick = (idle_ticks <= IDLE_TICKS).then(|| now + CLAIM_AFTER);
            let beat = (owns && self.store.keeps_heartbeats()).then_some(state.next_beat);
            let at = [next, tick, beat]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(far)
                .min(far);
            state.wake_at = at;
            let wait = at.saturating_duration_since(Instant::now());
            state = self
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Renewer {
    /// Removes this process's heartbeat from the store once the process
    /// answers for nothing there (its workers stopped, its computations
    /// finished), so that nobody takes it for a live worker for the rest
    /// of its TTL. Called with the state locked: a registration, which
    /// takes that lock, comes either before (and nothing is removed) or
    /// after, and then finds no heartbeat and writes one before it writes
    /// a record it owns.
    fn retire_beat(&self, state: &mut State) {
        if state.owns() || state.beat_expires_ms == 0 || !self.store.keeps_heartbeats() {
            return;
        }
        state.beat_expires_ms = 0;
        state.beat_written_ttl = Duration::MAX;
        state.next_beat = Instant::now();
        let budget = state.beat_ttl / 3;
        if let Some(Err(e)) = guarded("heartbeat removal", budget, || {
            self.store.remove_heartbeat(OWNER.as_str())
        }) {
            // It lapses on its own after its TTL.
            tracing::debug!(error = %e, "cannot remove this process's heartbeat");
        }
    }

    /// Tries again to write the outcome of `key` that its worker could not.
    fn retry_outcome(&self, key: &Key) {
        let Some((running, outcome)) = lock(&self.state)
            .unwritten
            .get(key)
            .map(|u| (u.running.clone(), u.outcome.clone()))
        else {
            return;
        };
        let written = guarded("outcome write", running.lease, || {
            write_outcome(&self.store, key, &running, &outcome)
        });
        let mut state = lock(&self.state);
        match written {
            Some(Ok(_)) => {
                state.unwritten.remove(key);
                drop(state);
                tracing::info!(%key, "computation outcome recorded after the store refused it");
            }
            Some(Err(e)) => {
                if let Some(u) = state.unwritten.get_mut(key) {
                    u.error = e.to_string();
                    u.pause = (u.pause * 2).min(OUTCOME_RETRY_CAP);
                    u.next = Instant::now() + u.pause;
                }
            }
            None => {
                if let Some(u) = state.unwritten.get_mut(key) {
                    u.pause = (u.pause * 2).min(OUTCOME_RETRY_CAP);
                    u.next = Instant::now() + u.pause;
                }
            }
        }
    }
}

/// An outcome its worker could not write.
struct Unwritten {
    running: Arc<Running>,
    outcome: Result<serde_json::Value, ErrorInfo>,
    /// The store's last refusal.
    error: String,
    pause: Duration,
    next: Instant,
}

/// The longest pause between two tries of an unwritten outcome.
const OUTCOME_RETRY_CAP: Duration = Duration::from_secs(5);

/// Writes `outcome` as the terminal status of `key` (and the start, if the
/// claim was never written); returns the record as stored, whoever
/// finished it.
pub(crate) fn write_outcome(
    store: &Arc<dyn ComputationStore>,
    key: &Key,
    running: &Running,
    outcome: &Result<serde_json::Value, ErrorInfo>,
) -> Result<Option<Record>, StoreError> {
    let now = store.clock().now_ms();
    let updated = store.update(key, &mut |r| {
        running.claim_in(r, now);
        UpdateAction::write_if(match outcome {
            Ok(value) => r.complete(value.clone(), now),
            Err(error) => r.fail(error.clone(), now),
        })
    })?;
    Ok(updated.into_record())
}

/// Hands an outcome the store refused (`error`) to the store's renewer,
/// which retries it until a write succeeds; meanwhile this process's joiners
/// of `key` get the store's error (see [`unwritten_error`]), and the
/// process keeps its heartbeat, so no reader calls it lost.
pub(crate) fn defer_outcome(
    running: &Arc<Running>,
    outcome: Result<serde_json::Value, ErrorInfo>,
    error: &StoreError,
) {
    let key = running.key.clone();
    let renewer = renewer(&running.store, |state| {
        state.unwritten.insert(
            key.clone(),
            Unwritten {
                running: running.clone(),
                outcome,
                error: error.to_string(),
                pause: Duration::from_millis(100),
                next: Instant::now() + Duration::from_millis(100),
            },
        );
    });
    renewer.changed.notify_one();
    // Joiners of this process look at `unwritten_error` when woken.
    running.store.notify_changed(&key);
}

/// Why the outcome of `key` in `store`, which a worker of this process
/// has, is not in the record yet: the store's last refusal.
pub(crate) fn unwritten_error(store: &Arc<dyn ComputationStore>, key: &Key) -> Option<String> {
    let renewer = renewer_of(store_id(&**store))?;
    let state = lock(&renewer.state);
    state.unwritten.get(key).map(|u| u.error.clone())
}

/// How many idle [`CLAIM_AFTER`] ticks a renewer makes before its thread
/// leaves (a registration starts a new one).
const IDLE_TICKS: u32 = 100;

/// A record this process launched and owns until its job has run: while
/// one is held, the process's heartbeat in that store is kept alive.
pub(crate) struct Hold {
    renewer: Arc<Renewer>,
    key: Key,
}

/// Holds a record about to be written by this process in `store`, whose
/// computation takes `lease`: makes sure the process's heartbeat there is
/// live first.
///
/// # Errors
///
/// When the heartbeat cannot be written (a full disk, say): the record
/// must not be written then, as no reader could tell its owner is alive.
pub(crate) fn hold(
    store: &Arc<dyn ComputationStore>,
    key: &Key,
    lease: Duration,
) -> Result<Hold, StoreError> {
    // The TTL is set before the renewer's thread can write a heartbeat.
    let renewer = renewer(store, |state| {
        *state.held.entry(key.clone()).or_default() += 1;
        state.beat_ttl = state.beat_ttl.min(lease);
    });
    let hold = Hold {
        renewer,
        key: key.clone(),
    };
    hold.renewer.ensure_beat(lease)?;
    Ok(hold)
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut state = lock(&self.renewer.state);
        if let Some(n) = state.held.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                state.held.remove(&self.key);
            }
        }
    }
}

impl fmt::Debug for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hold")
    }
}

/// A worker of this process serving `queues` of a store: while one is
/// alive, the process keeps its heartbeat there (naming the queues), so
/// that what it claims is never judged lost.
pub(crate) struct Serve {
    renewer: Arc<Renewer>,
    queues: Vec<String>,
}

/// Starts serving `queues` of `store` with leases of `lease`: the
/// process's heartbeat there is live when this returns.
///
/// # Errors
///
/// When the heartbeat cannot be written.
pub(crate) fn serve(
    store: &Arc<dyn ComputationStore>,
    queues: &[String],
    lease: Duration,
) -> Result<Serve, StoreError> {
    let renewer = renewer(store, |state| {
        for queue in queues {
            *state.queues.entry(queue.clone()).or_default() += 1;
        }
        state.beat_ttl = state.beat_ttl.min(lease);
    });
    let serve = Serve {
        renewer,
        queues: queues.to_vec(),
    };
    // Named in the heartbeat at once.
    lock(&serve.renewer.state).beat_written_ttl = Duration::MAX;
    serve.renewer.ensure_beat(lease)?;
    Ok(serve)
}

impl Drop for Serve {
    fn drop(&mut self) {
        let mut state = lock(&self.renewer.state);
        for queue in &self.queues {
            if let Some(n) = state.queues.get_mut(queue) {
                *n -= 1;
                if *n == 0 {
                    state.queues.remove(queue);
                }
            }
        }
        // A worker that stops cleanly leaves no heartbeat behind (unless
        // the process still answers for something in the store; the
        // renewer removes it when it leaves, then).
        self.renewer.retire_beat(&mut state);
    }
}

/// A claim in progress in `store` (see [`Serve`]): until it is dropped,
/// this process answers for every record of the store, so that a record
/// it has just claimed, and not yet held, is not judged lost by a reader
/// of this process.
pub(crate) struct Claiming(Arc<Renewer>);

pub(crate) fn claiming(serve: &Serve) -> Claiming {
    lock(&serve.renewer.state).claiming += 1;
    Claiming(serve.renewer.clone())
}

impl Drop for Claiming {
    fn drop(&mut self) {
        lock(&self.0.state).claiming -= 1;
    }
}

/// Registers a computation about to start, for in-process cancel (see
/// [`is_registered`]); the renewer ignores it until [`started`].
///
/// # Errors
///
/// When this process's heartbeat cannot be written in the store: the
/// computation must not claim the record then.
pub(crate) fn register(r: &Arc<Running>) -> Result<(), StoreError> {
    let renewer = renewer(&r.store, |state| {
        state.beat_ttl = state.beat_ttl.min(r.lease);
        state
            .running
            .entry(r.key.clone())
            .or_default()
            .push(r.clone());
    });
    *lock(&r.renewer) = Some(renewer.clone());
    renewer.ensure_beat(r.lease)
}

/// Notes that the body of a registered computation starts now: the renewer
/// claims it after [`CLAIM_AFTER`], then renews its lease.
pub(crate) fn started(r: &Arc<Running>) {
    let now_ms = r.store.clock().now_ms().max(1);
    *lock(&r.renewed) = Instant::now();
    r.started_ms.store(now_ms, Ordering::Release);
    let Some(renewer) = lock(&r.renewer).clone() else {
        return;
    };
    let state = lock(&renewer.state);
    if r.due().is_some_and(|due| due < state.wake_at) {
        drop(state);
        renewer.changed.notify_one();
    }
}

pub(crate) fn unregister(r: &Arc<Running>) {
    let Some(renewer) = lock(&r.renewer).take() else {
        return;
    };
    let mut state = lock(&renewer.state);
    if let Some(list) = state.running.get_mut(&r.key) {
        list.retain(|x| !Arc::ptr_eq(x, r));
        if list.is_empty() {
            state.running.remove(&r.key);
        }
    }
}

/// The running computations of `key` in `store` in this process.
fn registered(store: &Arc<dyn ComputationStore>, key: &Key) -> Vec<Arc<Running>> {
    let renewer = renewer_of(store_id(&**store));
    renewer.map_or_else(Vec::new, |r| {
        lock(&r.state).running.get(key).cloned().unwrap_or_default()
    })
}

/// Whether this process still answers for `key` of the store at `store_id`
/// (see `Arc::as_ptr`): it holds its launch, runs it, or retries its
/// outcome. `None` when this process has no renewer for that store (it
/// holds nothing there, or the store is another instance on the same
/// records): it cannot tell.
pub(crate) fn answers_for(store_id: usize, key: &Key) -> Option<bool> {
    let renewer = renewer_of(store_id)?;
    let answers = lock(&renewer.state).answers_for(key);
    Some(answers)
}

/// Whether a worker of this process has registered `key` of `store` (it may
/// be running its body without having claimed the record yet).
pub(crate) fn is_registered(store: &Arc<dyn ComputationStore>, key: &Key) -> bool {
    !registered(store, key).is_empty()
}

/// Tells bodies running `key` of `store` in this process that it may have
/// been cancelled.
pub(crate) fn hint_cancelled(store: &Arc<dyn ComputationStore>, key: &Key) {
    for r in registered(store, key) {
        r.hinted.store(true, Ordering::Release);
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Running>>> = const { RefCell::new(None) };
}

/// Restores the previous current computation when dropped.
pub(crate) struct Entered {
    previous: Option<Arc<Running>>,
}

pub(crate) fn enter(r: Arc<Running>) -> Entered {
    Entered {
        previous: CURRENT.with(|c| c.replace(Some(r))),
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The computation that the calling code runs in, as seen from inside its body.
///
/// Outside a computation the returned value has no key, is never cancelled,
/// and reporting progress does nothing, so library code can call it
/// unconditionally.
///
/// # Examples
///
/// ```
/// use strand_au::{Computation, MemoryStore, Runner};
/// use std::sync::Arc;
///
/// let work = Runner::new(|steps: u32| {
///     let me = strand_au::current_computation();
///     for i in 0..steps {
///         if me.is_cancelled() {
///             return i;
///         }
///         me.set_progress(f64::from(i + 1) / f64::from(steps), "working").unwrap();
///     }
///     steps
/// });
/// let store = Arc::new(MemoryStore::new());
/// let handle = Computation::new("steps", work).store(store).launch::<u32>(&4);
/// assert_eq!(handle.join().unwrap(), 4);
/// assert_eq!(handle.progress().unwrap().unwrap().fraction, 1.0);
/// assert!(!strand_au::current_computation().is_computation());
/// ```
pub fn current_computation() -> CurrentComputation {
    CurrentComputation {
        running: CURRENT.with(|c| c.borrow().clone()),
    }
}

/// A view of the running computation, returned by [`current_computation`].
#[derive(Clone)]
pub struct CurrentComputation {
    running: Option<Arc<Running>>,
}

impl CurrentComputation {
    /// Whether the caller runs inside a computation.
    pub fn is_computation(&self) -> bool {
        self.running.is_some()
    }

    /// The computation's key, or `None` outside one.
    pub fn key(&self) -> Option<&Key> {
        self.running.as_ref().map(|r| &r.key)
    }

    /// Whether the computation was cancelled. A long body should check this
    /// between steps and return early; its value is discarded anyway (the
    /// record stays `Cancelled`). A `cancel()` in this process is seen at
    /// once; one from another process at the next lease renewal or progress
    /// report. Always false outside a computation.
    pub fn is_cancelled(&self) -> bool {
        self.running.as_ref().is_some_and(|r| r.is_cancelled())
    }

    /// Reads the record now to see whether the computation was cancelled
    /// (by any process); what a backend that waits on a body running
    /// elsewhere checks on its own cadence.
    pub(crate) fn recheck_cancelled(&self) -> bool {
        self.running.as_ref().is_some_and(|r| {
            r.hinted.store(true, Ordering::Release);
            r.is_cancelled()
        })
    }

    /// Records progress (`fraction` clamped to 0..=1) and extends the lease.
    /// Returns `Ok(false)` when nothing was recorded: outside a computation,
    /// or when the record has already finished (a progress report never
    /// revives it; if it was cancelled, [`is_cancelled`](Self::is_cancelled)
    /// turns true).
    ///
    /// # Errors
    ///
    /// When the store cannot be updated.
    pub fn set_progress(&self, fraction: f64, message: &str) -> Result<bool, StoreError> {
        let Some(r) = &self.running else {
            return Ok(false);
        };
        let now = r.store.clock().now_ms();
        let lease_ms = r.lease_ms();
        let updated = r.store.update(&r.key, &mut |rec| {
            r.claim_in(rec, now);
            let changed = rec.set_progress(fraction, message, now);
            rec.renew_lease(&OWNER, now, lease_ms);
            UpdateAction::write_if(changed)
        })?;
        r.observe(&updated);
        Ok(matches!(updated, Updated::Written(_)))
    }

    /// Sets one metadata entry of the running record (unless it has finished).
    /// Returns `Ok(false)` when nothing was recorded.
    ///
    /// # Errors
    ///
    /// When the store cannot be updated.
    pub fn set_metadata(&self, name: &str, value: serde_json::Value) -> Result<bool, StoreError> {
        let Some(r) = &self.running else {
            return Ok(false);
        };
        let now = r.store.clock().now_ms();
        let updated = r.store.update(&r.key, &mut |rec| {
            if rec.status.is_terminal() {
                return UpdateAction::Keep;
            }
            r.claim_in(rec, now);
            rec.metadata.insert(name.to_owned(), value.clone());
            UpdateAction::Write
        })?;
        r.observe(&updated);
        Ok(matches!(updated, Updated::Written(_)))
    }
}

impl fmt::Debug for CurrentComputation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentComputation")
            .field("key", &self.key())
            .finish_non_exhaustive()
    }
}
