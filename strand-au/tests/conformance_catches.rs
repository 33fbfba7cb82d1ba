//! The conformance suite fails stores that break the contract: a store
//! with one bug each, and the check that must name it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use strand_au::conformance::Suite;
use strand_au::{
    Clock, ComputationStore, Key, ManualClock, Record, StoreError, UpdateAction, Updated,
};

/// The bug a [`Broken`] store has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    /// `update` reads, lets go of the lock, then writes.
    RacyUpdate,
    /// `put` does not call `Record::stamp`.
    NoStamp,
    /// `update` writes when its closure says `Keep`.
    KeepWrites,
    /// `wait_for_change` returns at once.
    WaitReturnsAtOnce,
    /// `delete` always says it deleted something.
    DeleteSaysTrue,
    /// `load` hides expired records.
    LoadHidesExpired,
}

#[derive(Debug)]
struct Broken {
    map: Mutex<BTreeMap<Key, Record>>,
    clock: ManualClock,
    bug: Bug,
}

impl Broken {
    fn map(&self) -> MutexGuard<'_, BTreeMap<Key, Record>> {
        self.map.lock().unwrap()
    }
}

impl ComputationStore for Broken {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let record = self.map().get(key).cloned();
        let now = self.clock.now_ms();
        Ok(record.filter(|r| self.bug != Bug::LoadHidesExpired || !r.is_expired(now)))
    }

    fn put(&self, key: &Key, mut record: Record) -> Result<(), StoreError> {
        let mut map = self.map();
        if self.bug != Bug::NoStamp {
            let previous = map.get(key).map_or(0, |r| r.version);
            record.stamp(previous, self.clock.now_ms(), None);
        }
        map.insert(key.clone(), record);
        Ok(())
    }

    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        let read = self.map().get(key).cloned();
        if self.bug == Bug::RacyUpdate {
            // Widens the window in which another thread's update is lost.
            std::thread::sleep(Duration::from_micros(50));
        }
        let mut map = self.map();
        let current = if self.bug == Bug::RacyUpdate {
            read
        } else {
            map.get(key).cloned()
        };
        let Some(current) = current else {
            return Ok(Updated::Missing);
        };
        let mut next = current.clone();
        match f(&mut next) {
            UpdateAction::Keep if self.bug != Bug::KeepWrites => Ok(Updated::Kept(current)),
            UpdateAction::Delete => {
                map.remove(key);
                Ok(Updated::Deleted)
            }
            _ => {
                next.stamp(current.version, self.clock.now_ms(), None);
                map.insert(key.clone(), next.clone());
                Ok(Updated::Written(next))
            }
        }
    }

    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        let existed = self.map().remove(key).is_some();
        Ok(existed || self.bug == Bug::DeleteSaysTrue)
    }

    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        Ok(self.map().keys().cloned().collect())
    }

    fn ttl(&self) -> Option<Duration> {
        None
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(self.clock.clone())
    }

    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        if self.bug == Bug::WaitReturnsAtOnce {
            return self.get(key);
        }
        // The default polling, which keeps the contract.
        loop {
            let record = self.get(key)?;
            if record.as_ref().map(|r| r.version) != Some(seen_version)
                || deadline.is_some_and(|d| Instant::now() >= d)
            {
                return Ok(record);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn run(bug: Bug) {
    Suite::new(move |clock| Broken {
        map: Mutex::default(),
        clock: clock.clone(),
        bug,
    })
    .run();
}

#[test]
#[should_panic(expected = "- atomic_updates: ")]
fn a_racy_update_loses_increments() {
    run(Bug::RacyUpdate);
}

#[test]
#[should_panic(expected = "- versions: ")]
fn a_put_that_does_not_stamp() {
    run(Bug::NoStamp);
}

#[test]
#[should_panic(expected = "- forward_only: ")]
fn an_update_that_writes_on_keep() {
    run(Bug::KeepWrites);
}

#[test]
#[should_panic(expected = "- wait_until_deadline: ")]
fn a_wait_that_ignores_its_deadline() {
    run(Bug::WaitReturnsAtOnce);
}

#[test]
#[should_panic(expected = "- unknown_key: delete() of an unknown key said it deleted something")]
fn a_delete_that_always_says_true() {
    run(Bug::DeleteSaysTrue);
}

#[test]
#[should_panic(expected = "- ttl: ")]
fn a_load_that_hides_expired_records() {
    run(Bug::LoadHidesExpired);
}
