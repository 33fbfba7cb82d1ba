//! [`ComputationStore`]: where computation records live, and how to write one.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::key::Key;
use crate::record::Record;

mod bell;
pub mod conformance;
mod encoding;
mod error;
pub(crate) mod fs;
mod fs_lock;
pub(crate) mod heartbeat;
mod listing;
pub(crate) mod memory;
pub(crate) mod notify;
pub(crate) mod queue;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod subscription;
pub(crate) mod temp;
pub(crate) mod watch;

pub(crate) use encoding::encode_record_of;
pub use encoding::{
    DEFAULT_MAX_RECORD_SIZE, Serialization, decode_record, encode_record, encode_record_limited,
};
pub(crate) use encoding::{check_json_size, oversized};
pub use error::StoreError;
pub use heartbeat::{Heartbeat, is_owner_tag};
pub use listing::{PageCursor, RecordPage};
pub use queue::{Claimed, DEFAULT_QUEUE, QueueStats, QueueWatch, is_queue_name};
pub use subscription::{ChangeSignal, Subscription};

/// What an [`update`](ComputationStore::update) closure asks the store to do
/// with the record it was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateAction {
    /// Leave the stored record as it was (the closure's changes are dropped).
    Keep,
    /// Write the changed record.
    Write,
    /// Delete the record.
    Delete,
}

impl UpdateAction {
    /// `Write` if `changed`, else `Keep`: for closures built from the
    /// [`Record`] transition methods, which return whether they changed anything.
    pub fn write_if(changed: bool) -> UpdateAction {
        if changed {
            UpdateAction::Write
        } else {
            UpdateAction::Keep
        }
    }
}

/// The outcome of [`ComputationStore::update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Updated {
    /// No record under that key (the closure was not called).
    Missing,
    /// The closure returned `Keep`: here is the record, unchanged.
    Kept(Record),
    /// The record was written: here it is as stored (new version).
    Written(Record),
    /// The record was deleted.
    Deleted,
}

impl Updated {
    /// The record after the update, if there is one.
    pub fn record(&self) -> Option<&Record> {
        match self {
            Updated::Kept(r) | Updated::Written(r) => Some(r),
            _ => None,
        }
    }

    /// Consumes `self`, returning the record after the update, if there is one.
    pub fn into_record(self) -> Option<Record> {
        match self {
            Updated::Kept(r) | Updated::Written(r) => Some(r),
            _ => None,
        }
    }
}

/// The outcome of [`ComputationStore::create`].
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    /// The record was stored: the key had none, or only an expired one,
    /// which it replaced.
    New,
    /// The key already has a live record (any status, finished or not):
    /// here it is, as stored; nothing was written.
    Exists(Box<Record>),
}

impl Created {
    /// Whether the record was stored.
    pub fn is_new(&self) -> bool {
        matches!(self, Created::New)
    }
}

/// A place where computation records live: the contract every store keeps.
///
/// The trait is object-safe; handles, backends and the `#[async_compute]`
/// macro hold stores as `Arc<dyn ComputationStore>`.
///
/// # The contract
///
/// * [`load`](Self::load) returns the stored record as it is (even expired),
///   `Ok(None)` for an unknown key. A record that cannot be decoded is an
///   error for that key only.
/// * [`put`](Self::put) replaces a whole record (used to create one) and
///   [`update`](Self::update) changes one **atomically against its current
///   value**: no other write to that key may land between the read and the
///   write (hold a per-key lock, or compare-and-set on [`Record::version`]
///   and retry). Both call [`Record::stamp`] before writing, which bumps the
///   version and sets the expiry from [`ttl`](Self::ttl).
/// * [`create`](Self::create) stores a record only where the key has no
///   live one, atomically: of two racing creates on one key, one stores
///   its record and the other is shown it. Its default is atomic against
///   the other creates of this process only; a store that other processes
///   share overrides it with a create-if-absent of its own.
/// * Status changes happen only through [`Record`]'s transition methods inside
///   `update`, so every store enforces the same forward-only rules.
/// * Readers never see a half-written record.
/// * [`wait_for_change`](Self::wait_for_change) has a default that polls
///   with backoff (0.5 ms doubling to 50 ms); a store that can wake waiters
///   directly should override it.
///
/// The provided [`get`](Self::get) is what readers use: it hides expired
/// records and turns a `Running` record whose lease has lapsed into
/// `Failed(WorkerLost)`, writing that back atomically.
///
/// # Writing your own store
///
/// Implement the required methods; the rest is provided. A minimal store over
/// a `Mutex<BTreeMap>`:
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use strand_au::{Clock, ComputationStore, Key, Record, StoreError, SystemClock, UpdateAction, Updated};
///
/// #[derive(Debug, Default)]
/// struct MapStore {
///     map: Mutex<BTreeMap<Key, Record>>,
/// }
///
/// impl ComputationStore for MapStore {
///     fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
///         Ok(self.map.lock().unwrap().get(key).cloned())
///     }
///     fn put(&self, key: &Key, mut record: Record) -> Result<(), StoreError> {
///         let mut map = self.map.lock().unwrap();
///         let previous = map.get(key).map_or(0, |r| r.version);
///         record.stamp(previous, self.clock().now_ms(), self.ttl());
///         map.insert(key.clone(), record);
///         Ok(())
///     }
///     fn update(
///         &self,
///         key: &Key,
///         f: &mut dyn FnMut(&mut Record) -> UpdateAction,
///     ) -> Result<Updated, StoreError> {
///         // The lock is held from the read to the write: that is the atomicity.
///         let mut map = self.map.lock().unwrap();
///         let Some(current) = map.get(key) else { return Ok(Updated::Missing) };
///         let mut next = current.clone();
///         match f(&mut next) {
///             UpdateAction::Keep => Ok(Updated::Kept(current.clone())),
///             UpdateAction::Delete => {
///                 map.remove(key);
///                 Ok(Updated::Deleted)
///             }
///             UpdateAction::Write => {
///                 next.stamp(current.version, self.clock().now_ms(), self.ttl());
///                 map.insert(key.clone(), next.clone());
///                 Ok(Updated::Written(next))
///             }
///         }
///     }
///     fn delete(&self, key: &Key) -> Result<bool, StoreError> {
///         Ok(self.map.lock().unwrap().remove(key).is_some())
///     }
///     fn keys(&self) -> Result<Vec<Key>, StoreError> {
///         Ok(self.map.lock().unwrap().keys().cloned().collect())
///     }
///     fn ttl(&self) -> Option<Duration> {
///         Some(Duration::from_secs(60))
///     }
///     fn clock(&self) -> Arc<dyn Clock> {
///         Arc::new(SystemClock)
///     }
/// }
///
/// let store: Arc<dyn ComputationStore> = Arc::new(MapStore::default());
/// let key = store.create_key();
/// store.put(&key, Record::pending("f", serde_json::json!([]), 0)).unwrap();
/// assert_eq!(store.len().unwrap(), 1);
///
/// // Runs on it like on any other store:
/// let handle = strand_au::Computation::new("square", strand_au::Runner::new(|x: u32| x * x))
///     .store(store.clone())
///     .launch::<u32>(&7);
/// assert_eq!(handle.join().unwrap(), 49);
/// ```
///
/// A store that keeps records as bytes (a database, a key-value server)
/// encodes them as [`FileSystemStore`](crate::FileSystemStore) does with
/// [`encode_record`] and [`decode_record`], in a [`Serialization`] of its
/// choice.
///
/// # Checking your store
///
/// Run [`conformance`](crate::conformance) on your store, from its tests:
/// it checks the contract above (round trips, versions, forward-only
/// updates, atomicity under concurrent updates, TTL, leases,
/// `wait_for_change`, a corrupt record being an error for its key only) on
/// fresh stores from a factory of yours, and says what the store got wrong.
/// strand-au's own stores and the custom store of
/// `examples/au_custom_store.rs` pass it.
///
/// ```
/// # use strand_au::MemoryStore;
/// // In a test of your store (here a MemoryStore):
/// strand_au::conformance::run(|clock| MemoryStore::new().clock(clock.clone()));
/// ```
pub trait ComputationStore: Send + Sync + fmt::Debug {
    /// The stored record of `key` as it is (even if expired), or `None`.
    ///
    /// # Errors
    ///
    /// I/O errors, or [`StoreError::Corrupt`] for undecodable bytes.
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError>;

    /// Replaces the whole record of `key` (creating it), after
    /// [`Record::stamp`]ing it.
    ///
    /// # Errors
    ///
    /// When the record cannot be encoded or written.
    fn put(&self, key: &Key, record: Record) -> Result<(), StoreError>;

    /// Stores the first record of a key that [`create_key`](Self::create_key)
    /// has just made: nobody else knows the key yet, so there is no previous
    /// record to read and no other writer to order against, and a store may
    /// skip that work. The default is [`put`](Self::put).
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put).
    fn put_new(&self, key: &Key, record: Record) -> Result<(), StoreError> {
        self.put(key, record)
    }

    /// Stores `record` (after [`Record::stamp`]ing it) under `key` if the
    /// key has no live record, **atomically**: no other record can be
    /// stored under `key` between the check and the write, so of two
    /// racing creates exactly one returns [`Created::New`]. An expired
    /// record counts as none and is replaced. A live record, whatever its
    /// status, is left as it is and returned in [`Created::Exists`].
    /// [`Computation::launch_as`](crate::Computation::launch_as) creates its
    /// records with it.
    ///
    /// The default runs [`update`](Self::update) (to see a live record, or
    /// replace an expired one) and, when the key has no record,
    /// [`put`](Self::put), holding a lock of this process around both: it
    /// is atomic against every other `create` of this process, which is
    /// all a store whose records live in this process needs. A store that
    /// other processes write to must override it with an atomic
    /// create-if-absent of its own (a lock shared with them, `O_EXCL`,
    /// `SET NX`, `INSERT ... ON CONFLICT DO NOTHING`), as
    /// [`FileSystemStore`](crate::FileSystemStore) does.
    ///
    /// # Errors
    ///
    /// As [`update`](Self::update) and [`put`](Self::put); a record that
    /// cannot be decoded is an error, never replaced.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationStore, Created, MemoryStore, Record};
    ///
    /// let store = MemoryStore::new();
    /// let key = strand_au::Key::new("report-7").unwrap();
    /// let first = Record::pending("f", serde_json::json!(1), 0);
    /// assert_eq!(store.create(&key, first).unwrap(), Created::New);
    /// let second = Record::pending("f", serde_json::json!(2), 0);
    /// match store.create(&key, second).unwrap() {
    ///     Created::Exists(there) => assert_eq!(there.args, serde_json::json!(1)),
    ///     Created::New => unreachable!("the key is taken"),
    /// }
    /// ```
    fn create(&self, key: &Key, record: Record) -> Result<Created, StoreError> {
        let _one_at_a_time = create_lock(key);
        let now = self.clock().now_ms();
        let outcome = self.update(key, &mut |r| {
            if r.is_expired(now) {
                *r = record.clone();
                UpdateAction::Write
            } else {
                UpdateAction::Keep
            }
        })?;
        match outcome {
            Updated::Kept(existing) => Ok(Created::Exists(Box::new(existing))),
            Updated::Written(_) => Ok(Created::New),
            Updated::Missing | Updated::Deleted => {
                self.put(key, record)?;
                Ok(Created::New)
            }
        }
    }

    /// Reads the current record of `key`, passes it to `f`, and does what `f`
    /// returns, atomically with respect to every other write to `key`.
    ///
    /// # Errors
    ///
    /// When the record cannot be read, decoded, encoded or written.
    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError>;

    /// Deletes the record of `key`; whether there was one.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    fn delete(&self, key: &Key) -> Result<bool, StoreError>;

    /// Every key with a record (expired ones included until cleaned up).
    ///
    /// # Errors
    ///
    /// When the storage cannot be listed.
    fn keys(&self) -> Result<Vec<Key>, StoreError>;

    /// How long finished records are kept (`None`: for ever).
    fn ttl(&self) -> Option<Duration>;

    /// The clock used for timestamps, TTL and leases.
    fn clock(&self) -> Arc<dyn Clock>;

    /// A fresh key for a new computation (random by default).
    fn create_key(&self) -> Key {
        Key::random()
    }

    /// How many records are stored.
    ///
    /// # Errors
    ///
    /// When the storage cannot be listed.
    fn len(&self) -> Result<usize, StoreError> {
        Ok(self.keys()?.len())
    }

    /// Whether no record is stored.
    ///
    /// # Errors
    ///
    /// When the storage cannot be listed.
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// The live record of `key`, as readers should see it: `None` if unknown
    /// or expired. An unfinished record whose worker is gone is failed with
    /// [`ErrorKind::WorkerLost`](crate::ErrorKind::WorkerLost) and written
    /// back atomically: one owned by another process whose [`Heartbeat`]
    /// lapsed (in a store that [keeps heartbeats](Self::keeps_heartbeats)),
    /// or, without an owner to judge it by, a `Running` one whose lease
    /// lapsed. A record owned by the calling process is never failed so:
    /// the process is alive and writes its outcome.
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load) and [`update`](Self::update).
    fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let now = self.clock().now_ms();
        let Some(record) = self.load(key)? else {
            return Ok(None);
        };
        let verdict = heartbeat::judge(self, key, &record, now);
        if verdict != heartbeat::Verdict::Live {
            let owner = record.owner.as_deref();
            let updated = self.update(key, &mut |r| {
                UpdateAction::write_if(heartbeat::apply(&verdict, owner, r, now))
            })?;
            return Ok(updated.into_record().filter(|r| !r.is_expired(now)));
        }
        Ok(Some(record).filter(|r| !heartbeat::expired(&verdict, r, now)))
    }

    /// Up to `limit` records, newest first (by creation time, then key),
    /// starting after `after` (the `next` of the page before; `None` for
    /// the first page): what a tool lists a store of millions with,
    /// page by page. Expired records are left out.
    ///
    /// The default reads every key and record for each page (fine for
    /// the file system and memory stores' sizes); a store with an index
    /// (Redis keeps one) answers from it.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed or read.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationStore, MemoryStore, Record};
    ///
    /// let store = MemoryStore::new();
    /// for n in 0..5 {
    ///     store.put(&store.create_key(), Record::pending("f", serde_json::json!(n), n)).unwrap();
    /// }
    /// let first = store.list_newest(None, 3).unwrap();
    /// let created: Vec<u64> = first.records.iter().map(|(_, r)| r.created_at).collect();
    /// assert_eq!(created, [4, 3, 2]);
    /// let rest = store.list_newest(first.next.as_ref(), 3).unwrap();
    /// assert_eq!(rest.records.len(), 2);
    /// assert!(rest.next.is_none());
    /// ```
    fn list_newest(
        &self,
        after: Option<&PageCursor>,
        limit: usize,
    ) -> Result<RecordPage, StoreError> {
        let now = self.clock().now_ms();
        let mut all: Vec<(Key, Record)> = Vec::new();
        for key in self.keys()? {
            let record = match self.load(&key) {
                Ok(Some(record)) => record,
                // Gone since the listing, or not a record: not listed.
                Ok(None) | Err(StoreError::Corrupt { .. }) => continue,
                Err(e) => return Err(e),
            };
            if !record.is_expired(now) && after.is_none_or(|c| c.precedes(record.created_at, &key))
            {
                all.push((key, record));
            }
        }
        all.sort_by(|(ka, a), (kb, b)| (b.created_at, kb).cmp(&(a.created_at, ka)));
        Ok(RecordPage::cut(all, limit))
    }

    /// Whether this store holds queues of tasks (the queue contract below).
    /// The default is `false`, and every queue method then returns
    /// [`StoreError::Unsupported`]; [`FileSystemStore`](crate::FileSystemStore)
    /// and [`MemoryStore`](crate::MemoryStore) hold queues.
    ///
    /// # The queue contract
    ///
    /// A task is a record in a named queue ([`Record::queue`]), `Pending`
    /// and without owner while it waits: it lives in the store, not in a
    /// process. A store that holds queues implements every method from
    /// [`enqueue`](Self::enqueue) to [`queue_stats`](Self::queue_stats),
    /// and [`conformance::queue`](crate::conformance::queue) checks them:
    ///
    /// * [`enqueue`](Self::enqueue) writes a task where workers find it,
    ///   atomically against other writers of its key;
    /// * [`claim`](Self::claim) gives each due task to exactly one worker,
    ///   even with workers racing in several processes, oldest first
    ///   (FIFO per queue): `Pending → Running`, owned by the worker, one
    ///   more attempt;
    /// * a task whose worker is gone goes back to its queue with its
    ///   attempt counted ([`recover`](Self::recover), and every reader that
    ///   judges its owner, see [`get`](Self::get)), and after its maximum
    ///   attempts fails `worker lost after N attempts`;
    /// * [`release`](Self::release) puts back a task claimed and never
    ///   started, its attempt not counted;
    /// * a task that reaches a terminal status (completed, failed,
    ///   cancelled while it waited) leaves its queue and is never claimed;
    /// * [`watch_queue`](Self::watch_queue) wakes workers when tasks arrive.
    fn holds_queues(&self) -> bool {
        false
    }

    /// Writes the task `record` (`Pending`, its [`queue`](Record::queue)
    /// set, no owner) under `key` into its queue, if `key` has no live
    /// record, atomically as [`create`](Self::create) does: of writers
    /// racing on one key exactly one gets [`Created::New`]. The store sets
    /// [`Record::queue_entry`]. A record over the store's maximum size is
    /// refused ([`StoreError::TooLarge`]) and nothing is written.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unsupported`] from a store without queues; a queue
    /// name that is not one ([`is_queue_name`]); as [`create`](Self::create).
    fn enqueue(&self, key: &Key, record: Record) -> Result<Created, StoreError> {
        let _ = (key, record);
        Err(StoreError::unsupported("hold a queue of tasks", &self))
    }

    /// Claims up to `max` due tasks of `queues` for the worker `owner`
    /// (oldest first, the queues in the order given): each is written
    /// `Running` with a lease of `lease`, owned by `owner`, and returned.
    /// An entry the store cannot read (a corrupt record) is failed in
    /// place, saying so, and not returned. An empty list: nothing is due.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unsupported`] from a store without queues; when the
    /// storage fails.
    fn claim(
        &self,
        queues: &[&str],
        owner: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        let _ = (queues, owner, lease, max);
        Err(StoreError::unsupported("claim tasks", &self))
    }

    /// Puts back the task `key` that `owner` claimed and did not start
    /// (see [`Record::release`]); whether it did.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unsupported`] from a store without queues; as
    /// [`update`](Self::update).
    fn release(&self, key: &Key, owner: &str) -> Result<bool, StoreError> {
        let _ = (key, owner);
        Err(StoreError::unsupported("release a claimed task", &self))
    }

    /// Sends the claimed tasks of `queues` whose worker is gone (its
    /// heartbeat lapsed) back to their queue, each with its attempt
    /// counted, or fails them once their attempts are used up (see
    /// [`Record::requeue`]); how many it moved. Workers call it now and
    /// then; any process may.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unsupported`] from a store without queues; when the
    /// storage cannot be listed.
    fn recover(&self, queues: &[&str]) -> Result<usize, StoreError> {
        let _ = queues;
        Err(StoreError::unsupported("recover tasks", &self))
    }

    /// Wakes `waker` whenever tasks may have been added to `queue`, until
    /// the returned [`QueueWatch`] is dropped. `Ok(None)`: the store cannot
    /// tell, and workers look on a timer (backoff from 0.5 ms to 50 ms).
    ///
    /// # Errors
    ///
    /// When the store cannot watch the queue.
    fn watch_queue(
        &self,
        queue: &str,
        waker: std::task::Waker,
    ) -> Result<Option<QueueWatch>, StoreError> {
        let _ = (queue, waker);
        Ok(None)
    }

    /// How many tasks `queue` holds: ready, delayed, claimed.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unsupported`] from a store without queues; when the
    /// storage cannot be listed.
    fn queue_stats(&self, queue: &str) -> Result<QueueStats, StoreError> {
        let _ = queue;
        Err(StoreError::unsupported("count queued tasks", &self))
    }

    /// Whether this store keeps [`Heartbeat`]s, so that a reader can tell
    /// whether the owner of an unfinished record is alive. The default is
    /// `false`: records are then judged by their leases alone, and a
    /// `Pending` record of a dead process stays `Pending` until its TTL. A
    /// store that overrides it must implement the other heartbeat methods.
    fn keeps_heartbeats(&self) -> bool {
        false
    }

    /// Writes (replaces) the heartbeat of `heartbeat.owner`. The default
    /// does nothing.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    fn put_heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        let _ = heartbeat;
        Ok(())
    }

    /// The heartbeat of `owner` (an owner tag, see [`is_owner_tag`]), if any.
    ///
    /// # Errors
    ///
    /// When the storage fails or the heartbeat cannot be decoded.
    fn load_heartbeat(&self, owner: &str) -> Result<Option<Heartbeat>, StoreError> {
        let _ = owner;
        Ok(None)
    }

    /// Every heartbeat in the store, lapsed ones included: the processes
    /// that own, or owned, records here.
    ///
    /// # Errors
    ///
    /// When the storage cannot be listed.
    fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError> {
        Ok(Vec::new())
    }

    /// Deletes the heartbeat of `owner`; whether there was one.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    fn remove_heartbeat(&self, owner: &str) -> Result<bool, StoreError> {
        let _ = owner;
        Ok(false)
    }

    /// Whether `key` has a record that has outlived its TTL.
    ///
    /// # Errors
    ///
    /// As [`load`](Self::load).
    fn is_expired(&self, key: &Key) -> Result<bool, StoreError> {
        let now = self.clock().now_ms();
        Ok(self.load(key)?.is_some_and(|r| r.is_expired(now)))
    }

    /// Deletes every expired record (atomically per key, so a record renewed
    /// meanwhile survives); how many were deleted. Also fails `Running`
    /// records whose lease lapsed, and unfinished records whose owner's
    /// heartbeat lapsed. Records that cannot be decoded are skipped.
    ///
    /// # Errors
    ///
    /// When the storage cannot be listed.
    fn cleanup_expired(&self) -> Result<usize, StoreError> {
        let mut removed = 0;
        for key in self.keys()? {
            let now = self.clock().now_ms();
            // The worker is judged on what was read: an update closure
            // must not call the store.
            let judged = match self.load(&key) {
                Ok(Some(record)) => {
                    Some((heartbeat::judge(self, &key, &record, now), record.owner))
                }
                _ => None,
            };
            let (verdict, owner) = judged.unwrap_or((heartbeat::Verdict::Live, None));
            let outcome = self.update(&key, &mut |r| {
                heartbeat::cleanup(&verdict, owner.as_deref(), r, now)
            });
            if let Ok(Updated::Deleted) = outcome {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// How another process can open this store to reach the same records,
    /// when it can (the records live in a shared place: a directory, a
    /// server). The process backends use it to let the child write the
    /// record itself. The default, `None`, keeps records in this process:
    /// the process backends then write them here.
    fn describe(&self) -> Option<StoreDescription> {
        None
    }

    /// Tells this process's waiters on `key` that its record may have
    /// been changed by another process (a child that wrote it). The
    /// default does nothing: waiters find out by polling.
    fn notify_changed(&self, key: &Key) {
        let _ = key;
    }

    /// Whether reading a record may block the thread for long (it touches
    /// a disk or a network). Async waits read on tokio's blocking pool when
    /// it does, and in the awaiting task when it does not. The default,
    /// `true`, is the safe answer; [`MemoryStore`](crate::MemoryStore) says
    /// `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationStore, MemoryStore, TempStore};
    ///
    /// assert!(!MemoryStore::new().reads_block());
    /// assert!(TempStore::new().unwrap().store().reads_block());
    /// ```
    fn reads_block(&self) -> bool {
        true
    }

    /// A [`Subscription`] to the changes of `key`'s record made through
    /// this store in this process (and those reported by
    /// [`notify_changed`](Self::notify_changed)), for waits that await
    /// instead of holding a thread:
    /// [`ComputationHandle::join_async`](crate::ComputationHandle::join_async)
    /// reads the record again when it fires. Changes made elsewhere (another
    /// process, a lapsing lease) are still found by reading again on a
    /// backoff timer. The default, `None`, leaves only the timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationStore, MemoryStore, Record};
    ///
    /// let store = MemoryStore::new();
    /// let key = store.create_key();
    /// let subscription = store.subscribe(&key).unwrap();
    /// let seen = subscription.generation();
    /// let now = ComputationStore::clock(&store).now_ms();
    /// store.put(&key, Record::pending("f", serde_json::json!(null), now)).unwrap();
    /// assert!(subscription.generation() > seen);
    /// ```
    fn subscribe(&self, key: &Key) -> Option<Subscription> {
        let _ = key;
        None
    }

    /// Whether a [`subscribe`](Self::subscribe)d key hears of every write to
    /// its record, whoever makes it (other processes included), so that a
    /// waiter need not look again on a short timer. The default is `false`;
    /// [`MemoryStore`](crate::MemoryStore) says `true` (only its process
    /// writes it), and [`FileSystemStore`](crate::FileSystemStore) too
    /// where inotify watches its directory (Linux).
    fn subscribe_sees_all_writes(&self) -> bool {
        false
    }

    /// Waits until the record of `key` has a version other than
    /// `seen_version`, or `deadline` passes; returns the record as
    /// [`get`](Self::get) sees it then (`None`: unknown or expired).
    ///
    /// The default polls with backoff (0.5 ms doubling to 50 ms).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        let mut backoff = Backoff::new();
        loop {
            let record = self.get(key)?;
            match &record {
                Some(r) if r.version == seen_version => {}
                _ => return Ok(record),
            }
            if !backoff.sleep(deadline) {
                return Ok(record);
            }
        }
    }
}

/// The lock that the default [`ComputationStore::create`] holds for `key`:
/// one of 64 process-wide mutexes, chosen by a hash of the key.
fn create_lock(key: &Key) -> std::sync::MutexGuard<'static, ()> {
    use std::hash::{Hash, Hasher};
    static LOCKS: [std::sync::Mutex<()>; 64] = [const { std::sync::Mutex::new(()) }; 64];
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    let stripe = (hasher.finish() % 64) as usize;
    LOCKS[stripe]
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A store as another process can open it: see
/// [`ComputationStore::describe`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use strand_au::{ComputationStore, FileSystemStore, Serialization};
///
/// let dir = tempfile::tempdir().unwrap();
/// let store = FileSystemStore::new(dir.path())
///     .ttl(Duration::from_secs(60))
///     .serialization(Serialization::Binary);
/// let description = store.describe().unwrap();
/// let again = description.open();
/// let key = store.create_key();
/// let now = ComputationStore::clock(&store).now_ms();
/// store.put(&key, strand_au::Record::pending("f", serde_json::json!(null), now)).unwrap();
/// assert!(again.get(&key).unwrap().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum StoreDescription {
    /// A [`FileSystemStore`](crate::FileSystemStore).
    FileSystem {
        /// Its directory.
        dir: std::path::PathBuf,
        /// The record encoding.
        serialization: Serialization,
        /// The TTL, in milliseconds.
        ttl_ms: Option<u64>,
        /// The file suffix, when not the default.
        suffix: Option<String>,
        /// Whether writes are fsynced.
        fsync: bool,
        /// The maximum record size in bytes, when not
        /// [`DEFAULT_MAX_RECORD_SIZE`].
        #[serde(default)]
        max_record_size: Option<u64>,
    },
}

impl StoreDescription {
    /// Opens the described store.
    pub fn open(&self) -> Arc<dyn ComputationStore> {
        match self {
            StoreDescription::FileSystem {
                dir,
                serialization,
                ttl_ms,
                suffix,
                fsync,
                max_record_size,
            } => {
                let mut store = crate::FileSystemStore::new(dir)
                    .serialization(*serialization)
                    .fsync(*fsync)
                    .max_record_size(max_record_size.unwrap_or(DEFAULT_MAX_RECORD_SIZE));
                if let Some(ms) = ttl_ms {
                    store = store.ttl(Duration::from_millis(*ms));
                }
                if let Some(suffix) = suffix {
                    store = store.suffix(suffix.clone());
                }
                Arc::new(store)
            }
        }
    }
}

/// The nap a thread that handles a stream of changes (the store watcher,
/// the completion thread) takes after a round that found several: 200 µs
/// at first, twice as long after each such round in a row, up to 1 ms, and
/// none after a round that found one, so that changes gather under load
/// (one wakeup for many) and a lone change waits for no nap.
#[derive(Debug)]
pub(crate) struct Coalesce {
    nap: Duration,
}

impl Coalesce {
    const FIRST: Duration = Duration::from_micros(200);
    const MAX: Duration = Duration::from_millis(1);

    pub(crate) fn new() -> Coalesce {
        Coalesce { nap: Self::FIRST }
    }

    /// After a round: naps if it found `several` changes, longer each time
    /// in a row; else starts over.
    pub(crate) fn after_round(&mut self, several: bool) {
        if several {
            std::thread::sleep(self.nap);
            self.nap = (self.nap * 2).min(Self::MAX);
        } else {
            self.nap = Self::FIRST;
        }
    }
}

/// Exponential backoff from 0.5 ms to 50 ms, bounded by a deadline.
#[derive(Debug)]
pub(crate) struct Backoff {
    step: Duration,
}

pub(crate) const BACKOFF_START: Duration = Duration::from_micros(500);
pub(crate) const BACKOFF_CAP: Duration = Duration::from_millis(50);

impl Backoff {
    pub(crate) fn new() -> Backoff {
        Backoff {
            step: BACKOFF_START,
        }
    }

    /// The next pause, clipped to the deadline; `None` once it has passed.
    pub(crate) fn next(&mut self, deadline: Option<Instant>) -> Option<Duration> {
        let mut pause = self.step;
        self.step = (self.step * 2).min(BACKOFF_CAP);
        if let Some(deadline) = deadline {
            let left = deadline.checked_duration_since(Instant::now())?;
            if left.is_zero() {
                return None;
            }
            pause = pause.min(left);
        }
        Some(pause)
    }

    /// Sleeps for the next pause; false if the deadline has passed.
    pub(crate) fn sleep(&mut self, deadline: Option<Instant>) -> bool {
        match self.next(deadline) {
            Some(pause) => {
                std::thread::sleep(pause);
                true
            }
            None => false,
        }
    }
}
