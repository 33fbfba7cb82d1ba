//! In-process wakeups for waiters on a key.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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
    waiters: usize,
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
            drop(watched);
            self.cond.notify_all();
        }
    }

    /// Waits until `read()` returns a record whose version is not
    /// `seen_version` (or no record), or the deadline passes. Writers in this
    /// process wake the waiter directly; the wait is also capped by a backoff
    /// (0.5 ms to 50 ms) so writers in other processes and lapsing leases are
    /// seen too.
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
        loop {
            // Read after taking the generation: a write after that point bumps
            // it, so no wakeup is lost.
            let record = read()?;
            match &record {
                Some(r) if r.version == seen_version => {}
                _ => return Ok(record),
            }
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
            if w.waiters == 0 {
                watched.remove(self.key);
            }
        }
    }
}
