//! In-process wakeups for waiters on a key.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::subscription::{ChangeSignal, Subscription};
use super::{Backoff, StoreError};
use crate::key::Key;
use crate::record::Record;

/// How long a waiter keeps looking (yielding its core) before it sleeps.
const SPIN: Duration = Duration::from_micros(20);

/// Waiters register interest in a key; writers to a watched key bump its
/// generation and wake them. A write to an unwatched key costs one map lookup.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    watched: Mutex<HashMap<Key, Watch>>,
    cond: Condvar,
}

#[derive(Debug, Default)]
struct Watch {
    generation: u64,
    /// Threads blocked in `wait`.
    waiters: usize,
    /// Async waiters' subscriptions (see `ComputationStore::subscribe`).
    signals: Vec<ChangeSignal>,
}

impl Watch {
    fn is_unused(&self) -> bool {
        self.waiters == 0 && self.signals.is_empty()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Notifier {
    /// Tells waiters on `key` that it changed.
    pub(crate) fn notify(&self, key: &Key) {
        let mut watched = lock(&self.watched);
        if let Some(w) = watched.get_mut(key) {
            w.generation += 1;
            let waiters = w.waiters;
            // Woken outside the lock: a waker may do anything.
            let signals = (!w.signals.is_empty()).then(|| w.signals.clone());
            drop(watched);
            if waiters > 0 {
                self.cond.notify_all();
            }
            for signal in signals.iter().flatten() {
                signal.notify();
            }
        }
    }

    /// Tells every waiter that its key may have changed (change events were
    /// lost).
    pub(crate) fn notify_all(&self) {
        let mut watched = lock(&self.watched);
        let mut signals = Vec::new();
        for w in watched.values_mut() {
            w.generation += 1;
            signals.extend(w.signals.iter().cloned());
        }
        drop(watched);
        self.cond.notify_all();
        for signal in signals {
            signal.notify();
        }
    }

    /// A [`Subscription`] to `key`, for the store whose notifier
    /// `notifier(&owner)` is; it unregisters itself when dropped.
    pub(crate) fn subscribe<O: Send + Sync + 'static>(
        owner: &Arc<O>,
        notifier: fn(&O) -> &Notifier,
        key: &Key,
    ) -> Subscription {
        let (subscription, signal) = Subscription::new();
        notifier(owner).add_signal(key, signal.clone());
        let owner = owner.clone();
        let key = key.clone();
        subscription.on_drop(move || notifier(&owner).remove_signal(&key, &signal))
    }

    /// Notifies `signal` of every later change of `key`.
    fn add_signal(&self, key: &Key, signal: ChangeSignal) {
        lock(&self.watched)
            .entry(key.clone())
            .or_default()
            .signals
            .push(signal);
    }

    /// Undoes [`Self::add_signal`].
    fn remove_signal(&self, key: &Key, signal: &ChangeSignal) {
        let mut watched = lock(&self.watched);
        if let Some(w) = watched.get_mut(key) {
            w.signals.retain(|s| !s.same(signal));
            if w.is_unused() {
                watched.remove(key);
            }
        }
    }

    /// Waits until `read()` returns a record whose version is not
    /// `seen_version` (or no record), or the deadline passes. Writers in this
    /// process wake the waiter directly; the wait is also capped by a backoff
    /// (0.5 ms to 50 ms) so writers in other processes and lapsing leases are
    /// seen too.
    ///
    /// A record whose version has saturated at `u64::MAX` keeps it on every
    /// write (see [`Record::stamp`]): a waiter on that version returns on
    /// the first wakeup by a writer of this process instead.
    pub(crate) fn wait(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
        read: &dyn Fn() -> Result<Option<Record>, StoreError>,
    ) -> Result<Option<Record>, StoreError> {
        let mut generation = {
            let mut watched = lock(&self.watched);
            let w = watched.entry(key.clone()).or_default();
            w.waiters += 1;
            w.generation
        };
        let _unwatch = Unwatch {
            notifier: self,
            key,
        };
        let mut backoff = Backoff::new();
        let mut first = true;
        let mut woken = false;
        loop {
            // Read after taking the generation: a write after that point bumps
            // it, so no wakeup is lost.
            let record = read()?;
            let saturated_and_woken = woken && seen_version == u64::MAX;
            match &record {
                Some(r) if r.version == seen_version && !saturated_and_woken => {}
                _ => return Ok(record),
            }
            woken = false;
            let Some(pause) = backoff.next(deadline) else {
                return Ok(record);
            };
            let until = Instant::now() + pause;
            if first {
                // A short computation in this process often finishes within
                // microseconds: look again for a moment, yielding, before
                // sleeping, so that its writer need not wake this thread.
                first = false;
                let spin_until = Instant::now() + SPIN.min(pause);
                while Instant::now() < spin_until {
                    std::thread::yield_now();
                    let current = lock(&self.watched).get(key).map_or(0, |w| w.generation);
                    if current != generation {
                        break;
                    }
                }
            }
            let mut watched = lock(&self.watched);
            loop {
                let current = watched.get(key).map_or(0, |w| w.generation);
                if current != generation {
                    generation = current;
                    woken = true;
                    break;
                }
                let left = until.saturating_duration_since(Instant::now());
                if left == Duration::ZERO {
                    break;
                }
                watched = self
                    .cond
                    .wait_timeout(watched, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
        }
    }
}

struct Unwatch<'a> {
    notifier: &'a Notifier,
    key: &'a Key,
}

impl Drop for Unwatch<'_> {
    fn drop(&mut self) {
        let mut watched = lock(&self.notifier.watched);
        if let Some(w) = watched.get_mut(self.key) {
            w.waiters -= 1;
            if w.is_unused() {
                watched.remove(self.key);
            }
        }
    }
}
