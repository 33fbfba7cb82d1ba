//! The computation a thread is running ([`current_computation`]), its
//! cooperative cancellation, and the lease renewer.
//!
//! # Leases
//!
//! A worker claims a computation by writing it `Running` with a lease (its
//! owner tag and an expiry, 30 s by default, see
//! [`Computation::lease`](crate::Computation::lease)). While the body runs,
//! one renewer thread per process extends the lease of every computation
//! that has run for a third of its lease, once per third of the lease
//! (short computations cost no renewal write at all); progress reports extend
//! it as well. If the process dies, renewals stop, the lease lapses, and the
//! next reader ([`ComputationStore::get`], a handle, cleanup) fails the record
//! with "worker lost". The renewer also notices a `Cancelled` record written
//! by another process and tells the body through
//! [`CurrentComputation::is_cancelled`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::key::Key;
use crate::record::Status;
use crate::store::{ComputationStore, StoreError, UpdateAction};

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
    renewed: Mutex<Instant>,
}

impl Running {
    pub(crate) fn new(key: Key, store: Arc<dyn ComputationStore>, lease: Duration) -> Arc<Running> {
        Arc::new(Running {
            key,
            store,
            lease,
            cancelled: AtomicBool::new(false),
            hinted: AtomicBool::new(false),
            renewed: Mutex::new(Instant::now()),
        })
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

    /// Extends the lease; notes a cancellation seen in the store.
    fn renew(&self) {
        let now = self.store.clock().now_ms();
        let lease_ms = self.lease.as_millis() as u64;
        let result = self.store.update(&self.key, &mut |r| {
            UpdateAction::write_if(r.renew_lease(&OWNER, now, lease_ms))
        });
        *lock(&self.renewed) = Instant::now();
        match result {
            Ok(updated) => {
                if updated
                    .record()
                    .is_some_and(|r| r.status == Status::Cancelled)
                {
                    self.cancelled.store(true, Ordering::Release);
                }
            }
            Err(e) => tracing::warn!(key = %self.key, error = %e, "cannot renew computation lease"),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Registry {
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    running: HashMap<Key, Vec<Arc<Running>>>,
    /// When the renewer will next look (in the past while it is awake), so
    /// that registering a computation wakes it only when it must.
    wake_at: Instant,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    std::thread::Builder::new()
        .name("strand-au-lease".into())
        .spawn(renewer)
        .expect("cannot start the strand-au lease renewer thread");
    Registry {
        state: Mutex::new(State {
            running: HashMap::new(),
            wake_at: Instant::now(),
        }),
        changed: Condvar::new(),
    }
});

fn renewer() {
    let registry = &*REGISTRY;
    let mut state = lock(&registry.state);
    loop {
        let now = Instant::now();
        state.wake_at = now;
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        for r in state.running.values().flatten() {
            let at = *lock(&r.renewed) + r.lease / 3;
            if at <= now {
                due.push(r.clone());
            } else {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        if !due.is_empty() {
            drop(state);
            for r in &due {
                r.renew();
            }
            state = lock(&registry.state);
            continue;
        }
        let far = now + Duration::from_secs(24 * 3600);
        let at = next.unwrap_or(far).min(far);
        state.wake_at = at;
        let wait = at.saturating_duration_since(Instant::now());
        state = registry
            .changed
            .wait_timeout(state, wait)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// Registers a running computation for lease renewal and in-process cancel.
pub(crate) fn register(r: &Arc<Running>) {
    let registry = &*REGISTRY;
    let mut state = lock(&registry.state);
    state
        .running
        .entry(r.key.clone())
        .or_default()
        .push(r.clone());
    let due = *lock(&r.renewed) + r.lease / 3;
    if due < state.wake_at {
        drop(state);
        registry.changed.notify_one();
    }
}

pub(crate) fn unregister(r: &Arc<Running>) {
    let mut state = lock(&REGISTRY.state);
    if let Some(list) = state.running.get_mut(&r.key) {
        list.retain(|x| !Arc::ptr_eq(x, r));
        if list.is_empty() {
            state.running.remove(&r.key);
        }
    }
}

/// Tells bodies running `key` in this process that it may have been cancelled.
pub(crate) fn hint_cancelled(key: &Key) {
    if let Some(list) = lock(&REGISTRY.state).running.get(key) {
        for r in list {
            r.hinted.store(true, Ordering::Release);
        }
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
/// assert_eq!(handle.wait().unwrap(), 4);
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
        let lease_ms = r.lease.as_millis() as u64;
        let updated = r.store.update(&r.key, &mut |rec| {
            let changed = rec.set_progress(fraction, message, now);
            rec.renew_lease(&OWNER, now, lease_ms);
            UpdateAction::write_if(changed)
        })?;
        let record = updated.record();
        if record.is_some_and(|rec| rec.status == Status::Cancelled) {
            r.cancelled.store(true, Ordering::Release);
        }
        Ok(matches!(updated, crate::store::Updated::Written(_)))
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
        let updated = r.store.update(&r.key, &mut |rec| {
            if rec.status.is_terminal() {
                return UpdateAction::Keep;
            }
            rec.metadata.insert(name.to_owned(), value.clone());
            UpdateAction::Write
        })?;
        Ok(matches!(updated, crate::store::Updated::Written(_)))
    }
}

impl fmt::Debug for CurrentComputation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentComputation")
            .field("key", &self.key())
            .finish_non_exhaustive()
    }
}
