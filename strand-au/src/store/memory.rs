//! [`MemoryStore`]: records in a map, for tests and in-process use.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::heartbeat;
use super::notify::Notifier;
use super::queue::{
    EntryChange, QueueWakers, check_queue_name, entry_change, entry_name, is_due, parse_entry,
    queue_of,
};
use super::{Claimed, QueueStats, QueueWatch};
use super::{
    ComputationStore, Created, DEFAULT_MAX_RECORD_SIZE, Heartbeat, StoreError, Subscription,
    UpdateAction, Updated, check_json_size,
};
use crate::clock::{self, Clock};
use crate::key::Key;
use crate::record::{Record, Status};

/// Records in a `HashMap` under a lock, in this process only.
///
/// Cheap to clone (clones share the records). Waiters are woken directly on
/// every change of their key. Nothing survives the process.
///
/// Records have a maximum size, [`DEFAULT_MAX_RECORD_SIZE`] unless set with
/// [`max_record_size`](Self::max_record_size), measured in JSON: a write of
/// a larger record fails with [`StoreError::TooLarge`], as it would on a
/// [`FileSystemStore`](crate::FileSystemStore). The check costs a walk over
/// the record's strings and values, not an encoding (a record is encoded,
/// into a byte counter, only when it may be near the maximum).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use strand_au::{ComputationStore, ManualClock, MemoryStore, Record};
///
/// let clock = ManualClock::new(0);
/// let store = MemoryStore::new().ttl(Duration::from_secs(60)).clock(clock.clone());
/// let key = store.create_key();
/// store.put(&key, Record::pending("f", serde_json::json!(null), 0)).unwrap();
/// assert!(store.get(&key).unwrap().is_some());
/// clock.advance(Duration::from_secs(61));
/// assert!(store.get(&key).unwrap().is_none()); // expired
/// assert_eq!(store.cleanup_expired().unwrap(), 1);
/// assert_eq!(store.len().unwrap(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
    ttl: Option<Duration>,
    clock: Arc<dyn Clock>,
    max_record_size: u64,
}

#[derive(Debug, Default)]
struct Inner {
    records: Mutex<HashMap<Key, Box<Record>>>,
    heartbeats: Mutex<HashMap<String, Heartbeat>>,
    notifier: Notifier,
    /// The waiting entries of each queue, in queue order; taken after
    /// `records` when both are.
    queues: Mutex<MemQueues>,
}

/// The queues of a memory store.
#[derive(Debug, Default)]
struct MemQueues {
    waiting: HashMap<String, BTreeMap<String, Key>>,
    wakers: QueueWakers,
}

impl MemQueues {
    /// Keeps a task's entry in step with its record after a write of `next`
    /// over `current` (`None`: deleted); the wakers to wake.
    fn transition(&mut self, current: &Record, next: Option<&Record>) -> Vec<std::task::Waker> {
        match entry_change(current, next) {
            Some(EntryChange::Requeue { queue, entry, .. }) => {
                if let Some((_, key)) = parse_entry(entry) {
                    self.waiting
                        .entry(queue.to_owned())
                        .or_default()
                        .insert(entry.to_owned(), key);
                }
                self.wakers.of(Some(queue))
            }
            Some(EntryChange::Remove { queue, entry, .. }) => {
                if let Some(waiting) = self.waiting.get_mut(queue) {
                    waiting.remove(entry);
                }
                Vec::new()
            }
            None => Vec::new(),
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store without TTL on the system clock.
    pub fn new() -> MemoryStore {
        MemoryStore {
            inner: Arc::default(),
            ttl: None,
            clock: clock::system(),
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
        }
    }

    /// Keeps finished records for `ttl`.
    pub fn ttl(mut self, ttl: Duration) -> MemoryStore {
        self.ttl = Some(ttl);
        self
    }

    /// Uses `clock` for timestamps, TTL and leases.
    pub fn clock(mut self, clock: impl Clock + 'static) -> MemoryStore {
        self.clock = Arc::new(clock);
        self
    }

    /// The maximum size of a record in bytes, measured in JSON (default
    /// [`DEFAULT_MAX_RECORD_SIZE`], 64 MiB): a write of a larger record
    /// fails with [`StoreError::TooLarge`] and changes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationStore, MemoryStore, Record, StoreError};
    ///
    /// let store = MemoryStore::new().max_record_size(1024);
    /// let key = store.create_key();
    /// let big = Record::pending("f", serde_json::json!("x".repeat(2000)), 0);
    /// match store.put(&key, big) {
    ///     Err(StoreError::TooLarge { max: 1024, .. }) => {}
    ///     other => panic!("expected TooLarge, got {other:?}"),
    /// }
    /// assert!(store.load(&key).unwrap().is_none());
    /// ```
    pub fn max_record_size(mut self, bytes: u64) -> MemoryStore {
        self.max_record_size = bytes;
        self
    }

    /// The TTL (the builder method [`ttl`](Self::ttl) shadows the trait's
    /// `ttl()` on this type; this reads it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = strand_au::MemoryStore::new().ttl(Duration::from_secs(9));
    /// assert_eq!(store.get_ttl(), Some(Duration::from_secs(9)));
    /// ```
    pub fn get_ttl(&self) -> Option<Duration> {
        self.ttl
    }

    fn queues(&self) -> MutexGuard<'_, MemQueues> {
        self.inner
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn records(&self) -> MutexGuard<'_, HashMap<Key, Box<Record>>> {
        self.inner
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl ComputationStore for MemoryStore {
    // A memory store lives in one process, so every owner is this one; it
    // keeps heartbeats all the same, for code (and conformance tests) that
    // reads them.
    fn keeps_heartbeats(&self) -> bool {
        true
    }

    fn put_heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        self.inner
            .heartbeats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(heartbeat.owner.clone(), heartbeat.clone());
        Ok(())
    }

    fn load_heartbeat(&self, owner: &str) -> Result<Option<Heartbeat>, StoreError> {
        Ok(self
            .inner
            .heartbeats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(owner)
            .cloned())
    }

    fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError> {
        Ok(self
            .inner
            .heartbeats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect())
    }

    fn remove_heartbeat(&self, owner: &str) -> Result<bool, StoreError> {
        Ok(self
            .inner
            .heartbeats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(owner)
            .is_some())
    }

    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        Ok(self.records().get(key).map(|r| Record::clone(r)))
    }

    fn put(&self, key: &Key, mut record: Record) -> Result<(), StoreError> {
        {
            let mut records = self.records();
            let previous = records.get(key).map_or(0, |r| r.version);
            record.stamp(previous, self.clock.now_ms(), self.ttl);
            // Measured as stamped (the TTL adds an expiry).
            check_json_size(key, &record, self.max_record_size)?;
            records.insert(key.clone(), Box::new(record));
        }
        self.inner.notifier.notify(key);
        Ok(())
    }

    fn create(&self, key: &Key, mut record: Record) -> Result<Created, StoreError> {
        {
            // The map's lock, held from the look to the write.
            let mut records = self.records();
            let now = self.clock.now_ms();
            let previous = match records.get(key) {
                Some(current) if !current.is_expired(now) => {
                    return Ok(Created::Exists(current.clone()));
                }
                Some(expired) => expired.version,
                None => 0,
            };
            record.stamp(previous, now, self.ttl);
            check_json_size(key, &record, self.max_record_size)?;
            records.insert(key.clone(), Box::new(record));
        }
        self.inner.notifier.notify(key);
        Ok(Created::New)
    }

    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        let mut wake = Vec::new();
        let outcome = {
            let mut records = self.records();
            let Some(current) = records.get_mut(key) else {
                return Ok(Updated::Missing);
            };
            let mut next = Record::clone(current);
            match f(&mut next) {
                UpdateAction::Keep => return Ok(Updated::Kept(Record::clone(current))),
                UpdateAction::Delete => {
                    if let Some(gone) = records.remove(key) {
                        wake = self.queues().transition(&gone, None);
                    }
                    Updated::Deleted
                }
                UpdateAction::Write => {
                    next.stamp(current.version, self.clock.now_ms(), self.ttl);
                    check_json_size(key, &next, self.max_record_size)?;
                    wake = self.queues().transition(current, Some(&next));
                    **current = next.clone();
                    Updated::Written(next)
                }
            }
        };
        self.inner.notifier.notify(key);
        for waker in wake {
            waker.wake();
        }
        Ok(outcome)
    }

    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        let existed = self.records().remove(key).is_some();
        if existed {
            self.inner.notifier.notify(key);
        }
        Ok(existed)
    }

    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        Ok(self.records().keys().cloned().collect())
    }

    fn len(&self) -> Result<usize, StoreError> {
        Ok(self.records().len())
    }

    fn ttl(&self) -> Option<Duration> {
        self.ttl
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Deletes the expired records and fails the running ones whose lease
    /// lapsed, as the trait's cleanup does, in one pass under the lock.
    fn cleanup_expired(&self) -> Result<usize, StoreError> {
        let now = self.clock.now_ms();
        let mut removed = Vec::new();
        let mut failed = Vec::new();
        {
            let mut records = self.records();
            records.retain(|k, r| {
                let verdict = heartbeat::judge(self, k, r, now);
                let owner = r.owner.clone();
                match heartbeat::cleanup(&verdict, owner.as_deref(), r, now) {
                    UpdateAction::Delete => {
                        removed.push(k.clone());
                        return false;
                    }
                    UpdateAction::Write => {
                        let version = r.version;
                        r.stamp(version, now, self.ttl);
                        failed.push(k.clone());
                    }
                    UpdateAction::Keep => {}
                }
                true
            });
        }
        for key in removed.iter().chain(&failed) {
            self.inner.notifier.notify(key);
        }
        Ok(removed.len())
    }

    fn reads_block(&self) -> bool {
        false
    }

    fn holds_queues(&self) -> bool {
        true
    }

    fn subscribe_sees_all_writes(&self) -> bool {
        true
    }

    fn enqueue(&self, key: &Key, mut record: Record) -> Result<Created, StoreError> {
        let queue = queue_of(key, &record)?;
        let wake = {
            let mut records = self.records();
            let now = self.clock.now_ms();
            let previous = match records.get(key) {
                Some(current) if !current.is_expired(now) => {
                    return Ok(Created::Exists(current.clone()));
                }
                Some(expired) => expired.version,
                None => 0,
            };
            let entry = entry_name(record.due_at.unwrap_or(now), now, key);
            record.queue_entry = Some(entry.clone());
            record.owner = None;
            record.lease = None;
            record.stamp(previous, now, self.ttl);
            check_json_size(key, &record, self.max_record_size)?;
            records.insert(key.clone(), Box::new(record));
            let mut queues = self.queues();
            queues
                .waiting
                .entry(queue.clone())
                .or_default()
                .insert(entry, key.clone());
            queues.wakers.of(Some(&queue))
        };
        self.inner.notifier.notify(key);
        for waker in wake {
            waker.wake();
        }
        Ok(Created::New)
    }

    fn claim(
        &self,
        queues: &[&str],
        owner: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        for queue in queues {
            check_queue_name(queue)?;
        }
        let lease_ms = crate::record::duration_ms(lease);
        let mut claimed = Vec::new();
        {
            let mut records = self.records();
            let mut waiting = self.queues();
            let now = self.clock.now_ms();
            for queue in queues {
                let Some(entries) = waiting.waiting.get_mut(*queue) else {
                    continue;
                };
                while claimed.len() < max {
                    let Some((entry, key)) = entries.first_key_value() else {
                        break;
                    };
                    if parse_entry(entry).is_some_and(|(rank, _)| !is_due(rank, now)) {
                        break;
                    }
                    let (entry, key) = (entry.clone(), key.clone());
                    entries.remove(&entry);
                    let Some(current) = records.get_mut(&key) else {
                        continue;
                    };
                    let current_entry = current.queue_entry.as_deref();
                    if current.status != Status::Pending || current_entry != Some(entry.as_str()) {
                        continue;
                    }
                    let mut next = Record::clone(current);
                    next.start(owner, now, lease_ms);
                    next.stamp(current.version, now, self.ttl);
                    **current = next.clone();
                    claimed.push(Claimed { key, record: next });
                }
            }
        }
        for task in &claimed {
            self.inner.notifier.notify(&task.key);
        }
        Ok(claimed)
    }

    fn release(&self, key: &Key, owner: &str) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        let outcome = self.update(key, &mut |r| UpdateAction::write_if(r.release(owner, now)))?;
        Ok(matches!(outcome, Updated::Written(_)))
    }

    fn recover(&self, queues: &[&str]) -> Result<usize, StoreError> {
        for queue in queues {
            check_queue_name(queue)?;
        }
        let me = crate::context::OWNER.as_str();
        let now = self.clock.now_ms();
        let mut moved = Vec::new();
        let mut wake = Vec::new();
        {
            let mut records = self.records();
            for (key, record) in records.iter_mut() {
                let lost = record.status == Status::Running
                    && record.queue.as_deref().is_some_and(|q| queues.contains(&q))
                    && record.owner.as_deref().is_some_and(|owner| {
                        owner != me
                            && !self
                                .load_heartbeat(owner)
                                .ok()
                                .flatten()
                                .is_some_and(|beat| beat.is_alive(now))
                    });
                if !lost {
                    continue;
                }
                let mut next = Record::clone(record);
                let owner = next.owner.clone().unwrap_or_default();
                if next.requeue(
                    &format!("worker {owner} is gone: its heartbeat lapsed"),
                    now,
                ) {
                    next.stamp(record.version, now, self.ttl);
                    wake.extend(self.queues().transition(record, Some(&next)));
                    **record = next;
                    moved.push(key.clone());
                }
            }
        }
        for key in &moved {
            self.inner.notifier.notify(key);
        }
        for waker in wake {
            waker.wake();
        }
        Ok(moved.len())
    }

    fn watch_queue(
        &self,
        queue: &str,
        waker: std::task::Waker,
    ) -> Result<Option<QueueWatch>, StoreError> {
        check_queue_name(queue)?;
        let id = self.queues().wakers.add(queue, waker);
        let inner = Arc::clone(&self.inner);
        let queue = queue.to_owned();
        Ok(Some(QueueWatch::new(true, move || {
            inner
                .queues
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .wakers
                .remove(&queue, id);
        })))
    }

    fn queue_stats(&self, queue: &str) -> Result<QueueStats, StoreError> {
        check_queue_name(queue)?;
        let now = self.clock.now_ms();
        let claimed = self
            .records()
            .values()
            .filter(|r| r.status == Status::Running && r.queue.as_deref() == Some(queue))
            .count() as u64;
        let mut stats = QueueStats {
            claimed,
            ..QueueStats::default()
        };
        if let Some(entries) = self.queues().waiting.get(queue) {
            for entry in entries.keys() {
                match parse_entry(entry) {
                    Some((rank, _)) if !is_due(rank, now) => stats.delayed += 1,
                    _ => stats.ready += 1,
                }
            }
        }
        Ok(stats)
    }

    fn subscribe(&self, key: &Key) -> Option<Subscription> {
        Some(Notifier::subscribe(&self.inner, |i| &i.notifier, key))
    }

    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        self.inner
            .notifier
            .wait(key, seen_version, deadline, &|| self.get(key))
    }
}
