//! [`RedisStore`]: records, heartbeats and change notifications in a Redis
//! server, so that launchers, waiters and workers on several machines share
//! one store (feature `redis`).
//!
//! See [`RedisStore`] for how it uses Redis.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::heartbeat::check_owner_tag;
use super::notify::Notifier;
use super::queue::{
    EntryChange, QueueWakers, check_queue_name, entry_change, entry_name, parse_entry, queue_of,
    recover_record,
};
use super::{Claimed, PageCursor, QueueStats, QueueWatch, RecordPage};
use super::{
    ComputationStore, Created, DEFAULT_MAX_RECORD_SIZE, Heartbeat, Serialization, StoreError,
    Subscription, UpdateAction, Updated, decode_record, encode_record_of, is_owner_tag,
};
use crate::clock::Clock;
use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Record, Status, duration_ms};

/// How long an unfinished record outlives its lease, at least.
const LEASE_GRACE: Duration = Duration::from_secs(60);
/// How many times a command is tried on fresh connections before its
/// error is returned.
const ATTEMPTS: u32 = 3;
/// The longest expiry the store sets (ten years): Redis refuses larger ones.
const MAX_EXPIRY_MS: u64 = 10 * 365 * 24 * 3600 * 1000;
/// The default connect, read and write timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The listener's bit for the changes channel (waiters of keys).
const CHANGES: u8 = 1;
/// The listener's bit for the queued channel (workers).
const QUEUED: u8 = 2;
/// How many `Running` records a store remembers the bytes of (see
/// `Inner::running`); past that it forgets them all and starts again.
const RUNNING_HINTS: usize = 1024;

/// Compare-and-set of one record, with what the write does to its queue
/// entry and to the listing index. `KEYS`: the record, the changes
/// channel, the queue's waiting set, the queue's claimed hash, the queued
/// channel, the index (a sorted set of keys by creation time). `ARGV`: the
/// bytes the update started from (empty: no record), the new bytes (empty:
/// delete), the expiry in ms (0: none), the key's name, the entry
/// operation (`add`, `requeue`, `remove` or empty), the entry, the queue,
/// the record's creation time, the records' key prefix. Returns 1 when
/// written, 0 when the record had changed.
const CAS: &str = include_str!("redis/cas.lua");

/// Takes up to `ARGV[2]` due entries (names below `ARGV[1]`, a `ZRANGEBYLEX`
/// bound) out of the waiting set `KEYS[1]` into the claimed hash `KEYS[2]`,
/// each held by `ARGV[3]`, atomically: of workers racing for an entry
/// exactly one gets it. Returns the entries taken, oldest first, each
/// followed by its task's record as it is now, so that the worker writes
/// `Running` without reading it first: the record's bytes, 0 when there
/// is none, nil when it was not read (an entry that names no key, a value
/// of another type: the worker reads it and learns why). The record's key
/// is `ARGV[4]`, the records' key prefix, then what follows the 16 digits
/// of rank and the `-` of the entry's name. The entries taken are also
/// kept for a minute under `KEYS[3]`, a key of this claim alone: a claim
/// tried again because its reply was lost with its connection gets the
/// same entries back (with their records as they are then) instead of
/// taking more and leaving the first ones claimed by nobody who knows it.
const CLAIM: &str = include_str!("redis/claim.lua");

/// Puts claimed entry `ARGV[1]` back into the waiting set `KEYS[1]` if the
/// claimed hash `KEYS[2]` still has it held by `ARGV[2]` (with `ARGV[4]`
/// = `back`), or only drops it from the hash (`drop`); publishes the queue
/// `ARGV[3]` on `KEYS[3]` when it went back. Returns 1 when it did.
const PUT_BACK: &str = include_str!("redis/put_back.lua");

/// What a write does to a task's queue entry, for [`CAS`].
struct EntryOp {
    op: &'static str,
    queue: String,
    entry: String,
}

impl EntryOp {
    /// The entry operation of writing `next` over `current` (`None`: a
    /// delete), by the rule every store applies ([`entry_change`]).
    fn of(current: Option<&Record>, next: Option<&Record>) -> Option<EntryOp> {
        match entry_change(current?, next)? {
            EntryChange::Requeue { queue, entry, .. } => Some(EntryOp {
                op: "requeue",
                queue: queue.to_owned(),
                entry: entry.to_owned(),
            }),
            EntryChange::Remove { queue, entry, .. } => Some(EntryOp {
                op: "remove",
                queue: queue.to_owned(),
                entry: entry.to_owned(),
            }),
        }
    }
}

/// Records in a Redis server, shared by every process and machine that
/// opens a store with the same URL and prefix (feature `redis`).
///
/// Cheap to clone (clones share the connections and the listener).
///
/// # How it uses Redis
///
/// * A record is one string key, `<prefix>:r:<key>`, holding the record
///   encoded as on the file system store (JSON by default). Every write sets
///   a native expiry: a finished record lives for its TTL; an unfinished one
///   for the longer of its TTL and what is left of its lease plus a grace
///   minute, so a long job never loses its record while its worker renews.
/// * Every write is one Lua call that compares the record's current bytes
///   with the ones the update was computed from, writes, sets the expiry
///   and publishes the key's name on `<prefix>:changes`, atomically: two
///   updaters racing on a key cannot both win, and no waiter misses the
///   change. No keyspace notifications are needed (shared servers often
///   turn them off).
/// * One pub/sub connection per store wakes this process's waiters on
///   every change, whoever made it; the waits also look again on a backoff
///   timer, so a lost connection delays a wake-up instead of losing it. It
///   subscribes to the changes channel once something in the process waits
///   on a key, and to the queued channel (below) once a worker runs there,
///   so a worker process is not sent every change of every record.
/// * A heartbeat is `<prefix>:h:<owner>` with the heartbeat's own expiry.
/// * Redis deletes expired records itself, so
///   [`cleanup_expired`](ComputationStore::cleanup_expired) finds none to
///   delete; it still goes through every record (a `SCAN`) to fail the
///   running ones whose lease lapsed, which readers also do on every read:
///   a tool's sweep, never needed for correctness.
/// * A queue is two keys, as the file system store's queue is two
///   directories: `<prefix>:q:<queue>`, a sorted set of the waiting
///   entries (`<rank>-<key>`, all of score 0, so that they sort by name:
///   by due time, then by the order written, and a `ZRANGEBYLEX` bound
///   picks the due ones), and `<prefix>:c:<queue>`, a hash of the claimed
///   entries and their workers. A claim is one Lua call that moves the
///   oldest due entries from the set into the hash for the worker (of
///   workers racing for an entry exactly one gets it) and returns their
///   records, then a compare-and-set of each record to `Running`. Every
///   write of a task's record moves its entry in the same Lua call (back
///   into the set on a requeue or a release, out of both on a terminal
///   status or a delete), so record and entry never disagree, and a write
///   that queues a task publishes the queue on `<prefix>:queued`, which
///   wakes the workers of every process. A worker that dies leaves its entries in the hash with
///   its name; [`recover`](ComputationStore::recover) sends them back once
///   its heartbeat has lapsed, counting the attempt. This is the file
///   system store's design on Redis, not Streams: a task's record is
///   already its state, and a stream's pending list would be a second
///   copy of who holds what to keep in step with it.
/// * Times (stamps, leases, heartbeats) come from the Redis server's clock,
///   read with `TIME` when the store connects and after every reconnection,
///   so workers whose clocks disagree still judge leases alike.
///
/// The store trait is blocking, so the store keeps a small pool of
/// synchronous connections (each with a read and write timeout) rather than
/// an async connection manager on a runtime of its own: a call takes a
/// connection, or opens one, runs its commands, and puts it back; a
/// connection that failed is dropped, and the call is retried on a new one
/// with a short backoff before its error is returned. No call waits longer
/// than its timeouts.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use strand_au::{ComputationStore, Record, RedisStore};
///
/// let store = RedisStore::open("redis://127.0.0.1:6379/0")?
///     .prefix("myapp")
///     .ttl(Duration::from_secs(3600));
/// let key = store.create_key();
/// store.put(&key, Record::pending("f", serde_json::json!([1, 2]), 0))?;
/// assert!(store.get(&key)?.is_some());
/// # Ok::<(), strand_au::StoreError>(())
/// ```
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
    prefix: Arc<str>,
    ttl: Option<Duration>,
    serialization: Serialization,
    max_record_size: u64,
}

struct Inner {
    client: redis::Client,
    /// Where the URL points, without its password: for messages.
    address: String,
    timeout: Duration,
    pool: Mutex<Vec<redis::Connection>>,
    /// The server's clock minus this machine's, in ms.
    offset_ms: AtomicI64,
    notifier: Notifier,
    /// Whether the listener thread runs (started by the first subscription).
    listening: AtomicBool,
    /// The channels this process listens to: [`CHANGES`], for waiters of
    /// keys, and [`QUEUED`], for workers; each is subscribed to once
    /// something of this process needs it, so that a worker process is
    /// not sent every change of every record, nor a process that only
    /// waits every task queued.
    wanted: AtomicU8,
    /// The channel on which the listener hears that `wanted` grew (a
    /// channel of this listener alone), once it is started.
    poke: std::sync::OnceLock<String>,
    /// The workers of this process to wake when tasks arrive.
    queues: Mutex<QueueWakers>,
    /// Claims (queue, claim key) whose answer was lost with the server.
    unanswered: Mutex<Vec<(String, String)>>,
    /// The bytes of the `Running` records this store wrote last (a
    /// worker's claims), so that the update that finishes one, or renews
    /// its lease, compares and sets without reading it first. Only a
    /// guess: a record someone else changed since fails the
    /// compare-and-set, and the update reads it and tries again.
    /// By the record's Redis key (a clone of the store with another
    /// prefix shares this).
    running: Mutex<std::collections::HashMap<String, Vec<u8>>>,
    cas: redis::Script,
    claim: redis::Script,
    put_back: redis::Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("address", &self.inner.address)
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A Redis error as a store error.
fn redis_err(address: &str, e: &redis::RedisError) -> StoreError {
    StoreError::Other(format!("redis at {address}: {e}"))
}

/// Whether `e` means the connection is no longer usable.
fn is_connection_error(e: &redis::RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_unrecoverable_error()
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://[user:password@]host[:port][/db]`)
    /// and reads its clock. The prefix is `strand`, there is no TTL, and
    /// records are JSON.
    ///
    /// # Errors
    ///
    /// A URL that is not one, or a server that does not answer within the
    /// timeout (5 s): said at once, not at the first computation.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = strand_au::RedisStore::open("not a url").unwrap_err();
    /// assert!(err.to_string().contains("redis"), "{err}");
    /// ```
    pub fn open(url: &str) -> Result<RedisStore, StoreError> {
        Self::open_with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// Like [`open`](Self::open), with `timeout` for connecting, reading
    /// and writing (default 5 s).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let store = strand_au::RedisStore::open_with_timeout("redis://10.0.0.5:6379/2", std::time::Duration::from_secs(1))?;
    /// # Ok::<(), strand_au::StoreError>(())
    /// ```
    pub fn open_with_timeout(url: &str, timeout: Duration) -> Result<RedisStore, StoreError> {
        #[cfg(feature = "redis-tls")]
        install_crypto();
        let client = redis::Client::open(url)
            .map_err(|e| StoreError::Other(format!("redis URL `{}`: {e}", redact(url))))?;
        Self::with_client(client, timeout)
    }

    /// Connects over TLS (`rediss://host:port/...`) to a server whose
    /// certificate `root_certificate` (PEM) vouches for, instead of the
    /// system's roots: a private certificate authority, or a server's
    /// self-signed certificate (feature `redis-tls`).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open), and a certificate that does not parse.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let ca = std::fs::read("/etc/redis/ca.pem")?;
    /// let store = strand_au::RedisStore::open_tls("rediss://redis.internal:6380/", &ca)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "redis-tls")]
    pub fn open_tls(url: &str, root_certificate: &[u8]) -> Result<RedisStore, StoreError> {
        install_crypto();
        let client = redis::Client::build_with_tls(
            url,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(root_certificate.to_vec()),
            },
        )
        .map_err(|e| StoreError::Other(format!("redis URL `{}`: {e}", redact(url))))?;
        Self::with_client(client, DEFAULT_TIMEOUT)
    }

    fn with_client(client: redis::Client, timeout: Duration) -> Result<RedisStore, StoreError> {
        let info = client.get_connection_info();
        let address = format!("{}", info.addr());
        let store = RedisStore {
            inner: Arc::new(Inner {
                client,
                address,
                timeout,
                pool: Mutex::new(Vec::new()),
                offset_ms: AtomicI64::new(0),
                notifier: Notifier::default(),
                listening: AtomicBool::new(false),
                wanted: AtomicU8::new(0),
                poke: std::sync::OnceLock::new(),
                queues: Mutex::new(QueueWakers::default()),
                unanswered: Mutex::new(Vec::new()),
                running: Mutex::new(std::collections::HashMap::new()),
                cas: redis::Script::new(CAS),
                claim: redis::Script::new(CLAIM),
                put_back: redis::Script::new(PUT_BACK),
            }),
            prefix: Arc::from("strand"),
            ttl: None,
            serialization: Serialization::Json,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
        };
        // Fails now if the server is not there, and sets the clock.
        let connection = store.inner.connect()?;
        store.inner.put_back(connection);
        Ok(store)
    }

    /// Keys of this store start with `prefix:` (default `strand`), so that
    /// several applications, or several stores of one, share a server.
    /// A prefix is ASCII letters, digits, `-`, `_`, `.` and `:`; anything
    /// else is replaced by `_`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let store = strand_au::RedisStore::open("redis://127.0.0.1/")?.prefix("billing");
    /// # Ok::<(), strand_au::StoreError>(())
    /// ```
    pub fn prefix(mut self, prefix: &str) -> RedisStore {
        let clean: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.:".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.prefix = Arc::from(clean.as_str());
        self
    }

    /// Keeps finished records for `ttl` (Redis deletes them then).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let store = strand_au::RedisStore::open("redis://127.0.0.1/")?.ttl(std::time::Duration::from_secs(86_400));
    /// # Ok::<(), strand_au::StoreError>(())
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> RedisStore {
        self.ttl = Some(ttl);
        self
    }

    /// How records are encoded (default JSON).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use strand_au::{RedisStore, Serialization};
    /// let store = RedisStore::open("redis://127.0.0.1/")?.serialization(Serialization::Binary);
    /// # Ok::<(), strand_au::StoreError>(())
    /// ```
    pub fn serialization(mut self, format: Serialization) -> RedisStore {
        self.serialization = format;
        self
    }

    /// The maximum size of an encoded record (default
    /// [`DEFAULT_MAX_RECORD_SIZE`]): a larger one is refused with
    /// [`StoreError::TooLarge`] and nothing is written.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let store = strand_au::RedisStore::open("redis://127.0.0.1/")?.max_record_size(1 << 20);
    /// # Ok::<(), strand_au::StoreError>(())
    /// ```
    pub fn max_record_size(mut self, bytes: u64) -> RedisStore {
        self.max_record_size = bytes;
        self
    }

    /// The key prefix (the builder method [`prefix`](Self::prefix) sets it).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let store = strand_au::RedisStore::open("redis://127.0.0.1/")?.prefix("jobs");
    /// assert_eq!(store.get_prefix(), "jobs");
    /// # Ok::<(), strand_au::StoreError>(())
    /// ```
    pub fn get_prefix(&self) -> &str {
        &self.prefix
    }

    fn record_key(&self, key: &Key) -> String {
        format!("{}:r:{key}", self.prefix)
    }

    fn heartbeat_key(&self, owner: &str) -> String {
        format!("{}:h:{owner}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}:changes", self.prefix)
    }

    fn index_key(&self) -> String {
        format!("{}:idx", self.prefix)
    }

    fn queued_channel(&self) -> String {
        format!("{}:queued", self.prefix)
    }

    fn waiting_key(&self, queue: &str) -> String {
        format!("{}:q:{queue}", self.prefix)
    }

    fn claimed_key(&self, queue: &str) -> String {
        format!("{}:c:{queue}", self.prefix)
    }

    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }

    /// The expiry in ms to set on `record` now (0: none).
    fn expiry_ms(&self, record: &Record, now: u64) -> u64 {
        let until = |at: u64| at.saturating_sub(now).max(1);
        if record.status.is_terminal() {
            return record
                .expires_at
                .map_or(0, |at| until(at).min(MAX_EXPIRY_MS));
        }
        // Unfinished: as long as its TTL, and at least its lease and a grace.
        let Some(ttl) = record.ttl_ms.or(self.ttl.map(duration_ms)) else {
            return 0;
        };
        let lease = record.lease.as_ref().map_or(0, |l| {
            l.expires_at
                .saturating_sub(now)
                .saturating_add(duration_ms(LEASE_GRACE))
        });
        let by_ttl = record.expires_at.map_or(ttl, until);
        by_ttl.max(lease).clamp(1, MAX_EXPIRY_MS)
    }

    fn encode(&self, key: &Key, record: &Record) -> Result<Vec<u8>, StoreError> {
        encode_record_of(self.serialization, key, record, self.max_record_size)
    }

    /// The record's bytes, if any.
    fn load_bytes(&self, key: &Key) -> Result<Option<Vec<u8>>, StoreError> {
        let name = self.record_key(key);
        self.inner
            .run(|c| redis::cmd("GET").arg(&name).query::<Option<Vec<u8>>>(c))
    }

    /// Writes `next` (or deletes, for `None`) if the record's bytes are
    /// still `current`, applying `entry` to the task's queue entry in the
    /// same call: whether it did.
    fn compare_and_set(
        &self,
        key: &Key,
        current: Option<&[u8]>,
        next: Option<(&[u8], u64)>,
        entry: Option<&EntryOp>,
    ) -> Result<bool, StoreError> {
        let name = self.record_key(key);
        let channel = self.channel();
        let queued = self.queued_channel();
        let queue = entry.map_or("", |e| e.queue.as_str());
        let (waiting, claimed) = if entry.is_some() {
            (self.waiting_key(queue), self.claimed_key(queue))
        } else {
            // Unused by the script, but named all the same.
            (format!("{}:q", self.prefix), format!("{}:c", self.prefix))
        };
        let (bytes, expiry) = next.unwrap_or((&[], 0));
        let index = self.index_key();
        let records = format!("{}:r:", self.prefix);
        // Read back from the bytes, so no caller has to pass it.
        let created_at = next
            .and_then(|(b, _)| decode_record(self.serialization, key, b).ok())
            .map_or(0, |r| r.created_at);
        let written: i64 = self.inner.run(|c| {
            self.inner
                .cas
                .key(&name)
                .key(&channel)
                .key(&waiting)
                .key(&claimed)
                .key(&queued)
                .key(&index)
                .arg(current.unwrap_or(&[]))
                .arg(bytes)
                .arg(expiry)
                .arg(key.as_str())
                .arg(entry.map_or("", |e| e.op))
                .arg(entry.map_or("", |e| e.entry.as_str()))
                .arg(queue)
                .arg(created_at)
                .arg(&records)
                .invoke(c)
        })?;
        if written == 1 {
            lock(&self.inner.running).remove(&name);
            self.inner.notifier.notify(key);
            if let Some(entry) = entry
                && entry.op != "remove"
            {
                self.wake_workers(&entry.queue);
            }
        }
        Ok(written == 1)
    }

    /// Remembers `bytes` as what this store just wrote for `key`, a
    /// `Running` record (see `Inner::running`).
    fn remember_running(&self, key: &Key, bytes: Vec<u8>) {
        let mut running = lock(&self.inner.running);
        if running.len() >= RUNNING_HINTS {
            running.clear();
        }
        running.insert(self.record_key(key), bytes);
    }

    /// Writes `record` under `key` if no live record holds it: `create`,
    /// and `enqueue` (with `queue`: the task's entry goes into that
    /// queue's waiting set in the same call).
    ///
    /// The first try takes the key to be free (a new key nearly always
    /// is) and writes without reading; the compare-and-set refuses if a
    /// record is there, and the next try reads it. A try that finds the
    /// bytes the try before wrote is done: that command ran, and its reply
    /// was lost with its connection.
    fn create_in(
        &self,
        key: &Key,
        mut record: Record,
        queue: Option<&str>,
    ) -> Result<Created, StoreError> {
        let mut attempted: Option<Vec<u8>> = None;
        let mut first = true;
        loop {
            let current = if std::mem::take(&mut first) {
                None
            } else {
                self.load_bytes(key)?
            };
            if current.is_some() && current == attempted {
                return Ok(Created::New);
            }
            let now = self.now_ms();
            let previous = match current.as_deref() {
                Some(bytes) => match decode_record(self.serialization, key, bytes) {
                    Ok(existing) if !existing.is_expired(now) => {
                        return Ok(Created::Exists(Box::new(existing)));
                    }
                    Ok(expired) => expired.version,
                    Err(e) => return Err(e),
                },
                None => 0,
            };
            let op = queue.map(|queue| {
                let entry = entry_name(record.due_at.unwrap_or(now), now, key);
                record.queue_entry = Some(entry.clone());
                record.owner = None;
                record.lease = None;
                EntryOp {
                    op: "add",
                    queue: queue.to_owned(),
                    entry,
                }
            });
            record.stamp(previous, now, self.ttl);
            let bytes = self.encode(key, &record)?;
            let expiry = self.expiry_ms(&record, now);
            let written =
                self.compare_and_set(key, current.as_deref(), Some((&bytes, expiry)), op.as_ref());
            attempted = Some(bytes);
            if written? {
                return Ok(Created::New);
            }
        }
    }

    /// The names of this store's keys of `kind` (`r` records, `h`
    /// heartbeats): `<prefix>:<kind>:*`, by `SCAN`.
    fn scan(&self, kind: &str) -> Result<Vec<String>, StoreError> {
        let pattern = format!("{}:{kind}:*", self.prefix);
        self.inner.run(|c| {
            let mut names = Vec::new();
            let mut cursor: u64 = 0;
            loop {
                let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query(c)?;
                names.extend(batch);
                if next == 0 {
                    return Ok(names);
                }
                cursor = next;
            }
        })
    }

    /// Runs [`CLAIM`] on `queue` under the claim key `request`, taking at
    /// most `want` entries due before `bound`.
    fn invoke_claim_due(
        &self,
        queue: &str,
        request: &str,
        bound: &str,
        want: usize,
        owner: &str,
    ) -> Result<Vec<(String, redis::Value)>, StoreError> {
        let waiting = self.waiting_key(queue);
        let held = self.claimed_key(queue);
        let records = format!("{}:r:", self.prefix);
        self.inner.run(|c| {
            self.inner
                .claim
                .key(&waiting)
                .key(&held)
                .key(request)
                .arg(bound)
                .arg(want)
                .arg(owner)
                .arg(&records)
                .invoke(c)
        })
    }

    /// Asks again for the answer of the claim `request` of `queue`,
    /// taking nothing new if it never ran.
    fn invoke_claim(
        &self,
        queue: &str,
        request: &str,
        want: usize,
        owner: &str,
    ) -> Result<Vec<(String, redis::Value)>, StoreError> {
        self.invoke_claim_due(queue, request, "-", want, owner)
    }

    /// Wakes this process's workers of `queue`.
    fn wake_workers(&self, queue: &str) {
        let wakers = lock(&self.inner.queues).of(Some(queue));
        for waker in wakers {
            waker.wake();
        }
    }

    /// Reads `key` and writes what `f` makes of it, by compare-and-set,
    /// again until no other write came in between.
    fn update_with(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        // A `Running` record this store wrote is tried first as it was
        // written, without a read: the compare-and-set refuses it if it
        // changed since. A decision to keep it is taken on a read only.
        let name = self.record_key(key);
        let mut hint = lock(&self.inner.running).get(&name).cloned();
        loop {
            if hint.is_none() {
                // Tried and found changed, or never there.
                lock(&self.inner.running).remove(&name);
            }
            let (bytes, hinted) = match hint.take() {
                Some(bytes) => (bytes, true),
                None => match self.load_bytes(key)? {
                    Some(bytes) => (bytes, false),
                    None => return Ok(Updated::Missing),
                },
            };
            let current = match decode_record(self.serialization, key, &bytes) {
                Ok(current) => current,
                Err(_) if hinted => continue,
                Err(e) => return Err(e),
            };
            let mut next = current.clone();
            match f(&mut next) {
                UpdateAction::Keep if hinted => continue,
                UpdateAction::Keep => return Ok(Updated::Kept(current)),
                UpdateAction::Delete => {
                    let entry = EntryOp::of(Some(&current), None);
                    if self.compare_and_set(key, Some(&bytes), None, entry.as_ref())? {
                        return Ok(Updated::Deleted);
                    }
                }
                UpdateAction::Write => {
                    let now = self.now_ms();
                    next.stamp(current.version, now, self.ttl);
                    let encoded = self.encode(key, &next)?;
                    let expiry = self.expiry_ms(&next, now);
                    let entry = EntryOp::of(Some(&current), Some(&next));
                    if self.compare_and_set(
                        key,
                        Some(&bytes),
                        Some((&encoded, expiry)),
                        entry.as_ref(),
                    )? {
                        if next.status == Status::Running {
                            self.remember_running(key, encoded);
                        }
                        return Ok(Updated::Written(next));
                    }
                }
            }
            // Changed in between: compute the update again on what is there.
        }
    }

    /// Runs [`PUT_BACK`] on `entry` of `queue` held by `owner`.
    fn put_back(
        &self,
        queue: &str,
        entry: &str,
        owner: &str,
        back: bool,
    ) -> Result<bool, StoreError> {
        let waiting = self.waiting_key(queue);
        let claimed = self.claimed_key(queue);
        let queued = self.queued_channel();
        let done: i64 = self.inner.run(|c| {
            self.inner
                .put_back
                .key(&waiting)
                .key(&claimed)
                .key(&queued)
                .arg(entry)
                .arg(owner)
                .arg(queue)
                .arg(if back { "back" } else { "drop" })
                .invoke(c)
        })?;
        if done == 1 && back {
            self.wake_workers(queue);
        }
        Ok(done == 1)
    }

    /// Claims `entry` of `queue`, which the claim script gave `owner`
    /// with `read`, the record as the script read it (`Some(None)`: no
    /// record; `None`: not read): writes its record `Running`; `None` when
    /// the entry was stale (the task finished, moved on, or was never
    /// written), and then drops it.
    fn claim_entry(
        &self,
        queue: &str,
        entry: &str,
        owner: &str,
        lease_ms: u64,
        mut read: Option<Option<Vec<u8>>>,
    ) -> Result<Option<Claimed>, StoreError> {
        let Some((_, key)) = parse_entry(entry) else {
            self.put_back(queue, entry, owner, false)?;
            return Ok(None);
        };
        let mut attempted = false;
        // The first try uses the record the claim script read; a try
        // after a refused write reads it again.
        loop {
            let loaded = match read.take() {
                Some(bytes) => Ok(bytes),
                None => self.load_bytes(&key),
            };
            let bytes = match loaded {
                Ok(bytes) => bytes,
                Err(e) => {
                    // Not claimed after all: the entry goes back.
                    let _ = self.put_back(queue, entry, owner, true);
                    return Err(e);
                }
            };
            let Some(bytes) = bytes else {
                self.put_back(queue, entry, owner, false)?;
                return Ok(None);
            };
            let current = match decode_record(self.serialization, &key, &bytes) {
                Ok(current) => current,
                Err(StoreError::Corrupt { message, .. }) => {
                    self.fail_corrupt(&key, &bytes, queue, entry, &message)?;
                    self.put_back(queue, entry, owner, false)?;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
            if attempted
                && current.status == Status::Running
                && current.owner.as_deref() == Some(owner)
                && current.queue_entry.as_deref() == Some(entry)
            {
                // The claim written by the try before, whose reply was
                // lost with its connection (the command ran, the retry
                // found the record changed): ours all the same.
                return Ok(Some(Claimed {
                    key,
                    record: current,
                }));
            }
            if current.status != Status::Pending
                || current.queue.as_deref() != Some(queue)
                || current.queue_entry.as_deref() != Some(entry)
            {
                self.put_back(queue, entry, owner, false)?;
                return Ok(None);
            }
            let now = self.now_ms();
            let mut next = current.clone();
            next.start(owner, now, lease_ms);
            next.stamp(current.version, now, self.ttl);
            let encoded = self.encode(&key, &next)?;
            let expiry = self.expiry_ms(&next, now);
            attempted = true;
            if self.compare_and_set(&key, Some(&bytes), Some((&encoded, expiry)), None)? {
                self.remember_running(&key, encoded);
                return Ok(Some(Claimed { key, record: next }));
            }
        }
    }

    /// A task whose record does not decode: its bytes are kept under
    /// `<prefix>:corrupt:<key>` and a `Failed` record saying so takes its
    /// place, so its waiters learn what happened.
    fn fail_corrupt(
        &self,
        key: &Key,
        bytes: &[u8],
        queue: &str,
        entry: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        let kept = format!("{}:corrupt:{key}", self.prefix);
        let _: Result<(), _> = self.inner.run(|c| {
            redis::cmd("SET")
                .arg(&kept)
                .arg(bytes)
                .arg("PX")
                .arg(duration_ms(Duration::from_secs(7 * 24 * 3600)))
                .query::<()>(c)
        });
        tracing::error!(%key, queue, message, "a queued task's record is corrupt; failing it");
        let now = self.now_ms();
        let mut record = Record::pending("<unreadable>", serde_json::Value::Null, now);
        record.queue = Some(queue.to_owned());
        record.queue_entry = Some(entry.to_owned());
        record.fail(
            ErrorInfo::new(
                ErrorKind::Decode,
                format!(
                    "the task's entry is corrupt ({message}); its bytes are kept under `{kept}`"
                ),
            ),
            now,
        );
        record.stamp(0, now, self.ttl);
        let encoded = self.encode(key, &record)?;
        let expiry = self.expiry_ms(&record, now);
        self.compare_and_set(key, Some(bytes), Some((&encoded, expiry)), None)?;
        Ok(())
    }

    /// Starts the thread that turns published messages into wake-ups,
    /// once, and has it listen to `what` ([`CHANGES`], [`QUEUED`]) from
    /// now on: whether it runs.
    fn listen(&self, what: u8) -> bool {
        let before = self.inner.wanted.fetch_or(what, Ordering::SeqCst);
        if self.inner.listening.swap(true, Ordering::AcqRel) {
            if before & what != what {
                // Running already: tell it to subscribe to more. Unheard
                // (an error), it still looks at `wanted` within its read
                // timeout.
                if let Some(poke) = self.inner.poke.get() {
                    let _: Result<i64, _> = self
                        .inner
                        .run(|c| redis::cmd("PUBLISH").arg(poke).arg("").query(c));
                }
            }
            return true;
        }
        let inner = Arc::downgrade(&self.inner);
        let poke = self
            .inner
            .poke
            .get_or_init(|| format!("{}:listener:{}", self.prefix, Key::random()))
            .clone();
        let channels = [self.channel(), self.queued_channel(), poke];
        let started = std::thread::Builder::new()
            .name("strand-au-redis".into())
            .spawn(move || listener(inner, channels));
        if let Err(e) = started {
            tracing::warn!(error = %e, "cannot start the redis listener; waits poll");
            self.inner.listening.store(false, Ordering::Release);
            return false;
        }
        true
    }
}

/// Makes ring rustls's crypto provider for this process, once (unless
/// another was installed first): the `redis-tls` feature builds rustls
/// with ring alone.
#[cfg(feature = "redis-tls")]
fn install_crypto() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// What [`CLAIM`] answered for an entry's record: its bytes, `Some(None)`
/// for no record, `None` when it could not read it.
fn claim_read(record: redis::Value) -> Option<Option<Vec<u8>>> {
    match record {
        redis::Value::BulkString(bytes) => Some(Some(bytes)),
        redis::Value::Int(0) => Some(None),
        _ => None,
    }
}

/// `url` without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Inner {
    /// A new connection, with timeouts, and the server's clock read.
    fn connect(&self) -> Result<redis::Connection, StoreError> {
        let mut connection = self
            .client
            .get_connection_with_timeout(self.timeout)
            .map_err(|e| redis_err(&self.address, &e))?;
        connection
            .set_read_timeout(Some(self.timeout))
            .and_then(|()| connection.set_write_timeout(Some(self.timeout)))
            .map_err(|e| redis_err(&self.address, &e))?;
        let (seconds, micros): (u64, u64) = redis::cmd("TIME")
            .query(&mut connection)
            .map_err(|e| redis_err(&self.address, &e))?;
        let server = seconds.saturating_mul(1000) + micros / 1000;
        let local = crate::clock::SystemClock.now_ms();
        self.offset_ms
            .store(server as i64 - local as i64, Ordering::Relaxed);
        Ok(connection)
    }

    fn take(&self) -> Result<redis::Connection, StoreError> {
        match lock(&self.pool).pop() {
            Some(connection) => Ok(connection),
            None => self.connect(),
        }
    }

    fn put_back(&self, connection: redis::Connection) {
        let mut pool = lock(&self.pool);
        if pool.len() < 16 {
            pool.push(connection);
        }
    }

    /// Runs `command` on a pooled connection; on a connection error, again
    /// on a fresh one after a short pause, up to [`ATTEMPTS`] times.
    fn run<T>(
        &self,
        mut command: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut pause = Duration::from_millis(20);
        let mut last = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(pause);
                pause *= 4;
            }
            let mut connection = match self.take() {
                Ok(connection) => connection,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            match command(&mut connection) {
                Ok(value) => {
                    self.put_back(connection);
                    return Ok(value);
                }
                Err(e) if is_connection_error(&e) => {
                    // Dropped: the next try opens a new one.
                    last = Some(redis_err(&self.address, &e));
                }
                Err(e) => {
                    self.put_back(connection);
                    return Err(redis_err(&self.address, &e));
                }
            }
        }
        Err(last.unwrap_or_else(|| {
            StoreError::Other(format!("redis at {}: no connection", self.address))
        }))
    }

    fn now_ms(&self) -> u64 {
        let local = crate::clock::SystemClock.now_ms() as i64;
        (local + self.offset_ms.load(Ordering::Relaxed)).max(0) as u64
    }
}

/// The store's clock: this machine's, corrected to the Redis server's.
struct ServerClock(Weak<Inner>);

impl fmt::Debug for ServerClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerClock")
    }
}

impl Clock for ServerClock {
    fn now_ms(&self) -> u64 {
        match self.0.upgrade() {
            Some(inner) => inner.now_ms(),
            None => crate::clock::SystemClock.now_ms(),
        }
    }
}

/// Reads published messages and wakes this process's waiters on
/// changes, and its workers when tasks arrive, listening to the channels
/// `Inner::wanted` names (subscribing to more when poked, or at its next
/// read timeout); reconnects with backoff; ends when the store is gone.
/// `channels`: the changes channel, the queued channel, the poke channel.
fn listener(inner: Weak<Inner>, channels: [String; 3]) {
    let mut pause = Duration::from_millis(50);
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let connection = strong
            .client
            .get_connection_with_timeout(strong.timeout)
            .and_then(|c| {
                // Short reads, so the thread notices when the store is gone.
                c.set_read_timeout(Some(Duration::from_millis(500)))?;
                Ok(c)
            });
        drop(strong);
        let mut connection = match connection {
            Ok(connection) => connection,
            Err(e) => {
                tracing::debug!(error = %e, "redis listener cannot connect; retrying");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        let mut pubsub = connection.as_pubsub();
        // Subscribed to the poke channel first, so that no poke sent after
        // the first look at `wanted` below goes unheard.
        let mut subscribed = 0u8;
        let mut failed = pubsub.subscribe(&channels[2]).err();
        while failed.is_none() {
            let Some(strong) = inner.upgrade() else {
                return;
            };
            let new = strong.wanted.load(Ordering::SeqCst) & !subscribed;
            if new != 0 {
                let mut names: Vec<&str> = Vec::with_capacity(2);
                if new & CHANGES != 0 {
                    names.push(&channels[0]);
                }
                if new & QUEUED != 0 {
                    names.push(&channels[1]);
                }
                if let Err(e) = pubsub.subscribe(&names[..]) {
                    failed = Some(e);
                    break;
                }
                subscribed |= new;
                pause = Duration::from_millis(50);
                // Sent while it was not subscribed: everyone concerned
                // looks again.
                if new & CHANGES != 0 {
                    strong.notifier.notify_all();
                }
                if new & QUEUED != 0 {
                    let wakers = lock(&strong.queues).of(None);
                    for waker in wakers {
                        waker.wake();
                    }
                }
            }
            drop(strong);
            let message = pubsub.get_message();
            let Some(strong) = inner.upgrade() else {
                return;
            };
            match message {
                Ok(message) => {
                    let channel = message.get_channel_name();
                    if channel == channels[2] {
                        // A poke: `wanted` grew; the loop looks.
                        continue;
                    }
                    let Ok(payload) = message.get_payload::<String>() else {
                        continue;
                    };
                    if channel == channels[1] {
                        let wakers = lock(&strong.queues).of(Some(&payload));
                        for waker in wakers {
                            waker.wake();
                        }
                    } else if let Ok(key) = Key::new(&payload) {
                        strong.notifier.notify(&key);
                    }
                }
                Err(e) if e.is_timeout() => {}
                Err(e) => {
                    tracing::debug!(error = %e, "redis listener lost its connection; reconnecting");
                    break;
                }
            }
        }
        if let Some(e) = failed {
            tracing::debug!(error = %e, "redis listener cannot subscribe; retrying");
            drop(pubsub);
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }
}

impl ComputationStore for RedisStore {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        match self.load_bytes(key)? {
            Some(bytes) => decode_record(self.serialization, key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn put(&self, key: &Key, mut record: Record) -> Result<(), StoreError> {
        loop {
            let current = self.load_bytes(key)?;
            let decoded = current
                .as_deref()
                .and_then(|b| decode_record(self.serialization, key, b).ok());
            let previous = decoded.as_ref().map_or(0, |r| r.version);
            let now = self.now_ms();
            record.stamp(previous, now, self.ttl);
            let bytes = self.encode(key, &record)?;
            let expiry = self.expiry_ms(&record, now);
            let entry = EntryOp::of(decoded.as_ref(), Some(&record));
            if self.compare_and_set(
                key,
                current.as_deref(),
                Some((&bytes, expiry)),
                entry.as_ref(),
            )? {
                return Ok(());
            }
        }
    }

    fn create(&self, key: &Key, record: Record) -> Result<Created, StoreError> {
        self.create_in(key, record, None)
    }

    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        self.update_with(key, f)
    }

    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        loop {
            let Some(bytes) = self.load_bytes(key)? else {
                return Ok(false);
            };
            // A record that does not decode is deleted all the same.
            let current = decode_record(self.serialization, key, &bytes).ok();
            let entry = EntryOp::of(current.as_ref(), None);
            if self.compare_and_set(key, Some(&bytes), None, entry.as_ref())? {
                return Ok(true);
            }
        }
    }

    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        let start = self.prefix.len() + 3;
        let names = self.scan("r")?;
        let mut keys: Vec<Key> = names
            .iter()
            .filter_map(|n| n.get(start..))
            .filter_map(|k| Key::new(k).ok())
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    fn ttl(&self) -> Option<Duration> {
        self.ttl
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(ServerClock(Arc::downgrade(&self.inner)))
    }

    /// From the index: `ZREVRANGEBYSCORE` on creation times, then the
    /// records with `MGET`, a few pages' worth at a time; members whose
    /// record expired are dropped from the index on the way.
    fn list_newest(
        &self,
        after: Option<&PageCursor>,
        limit: usize,
    ) -> Result<RecordPage, StoreError> {
        let index = self.index_key();
        let now = self.now_ms();
        let max = after.map_or_else(|| "+inf".to_owned(), |c| c.created_at.to_string());
        let batch = limit.saturating_mul(2).clamp(16, 1000);
        let mut offset = 0usize;
        let mut out: Vec<(Key, Record)> = Vec::new();
        while out.len() <= limit {
            let members: Vec<(String, f64)> = self.inner.run(|c| {
                redis::cmd("ZREVRANGEBYSCORE")
                    .arg(&index)
                    .arg(&max)
                    .arg("-inf")
                    .arg("WITHSCORES")
                    .arg("LIMIT")
                    .arg(offset)
                    .arg(batch)
                    .query(c)
            })?;
            if members.is_empty() {
                break;
            }
            offset += members.len();
            let keys: Vec<Key> = members
                .iter()
                .filter_map(|(name, score)| {
                    let key = Key::new(name).ok()?;
                    let created_at = *score as u64;
                    after
                        .is_none_or(|c| c.precedes(created_at, &key))
                        .then_some(key)
                })
                .collect();
            if keys.is_empty() {
                continue;
            }
            let names: Vec<String> = keys.iter().map(|k| self.record_key(k)).collect();
            let values: Vec<Option<Vec<u8>>> = self
                .inner
                .run(|c| redis::cmd("MGET").arg(&names).query(c))?;
            let mut gone = Vec::new();
            for (key, value) in keys.into_iter().zip(values) {
                match value {
                    None => gone.push(key),
                    Some(bytes) => match decode_record(self.serialization, &key, &bytes) {
                        Ok(record) if !record.is_expired(now) => out.push((key, record)),
                        // Expired, or not a record: not listed.
                        _ => {}
                    },
                }
            }
            if !gone.is_empty() {
                let names: Vec<&str> = gone.iter().map(Key::as_str).collect();
                let _: Result<i64, _> = self
                    .inner
                    .run(|c| redis::cmd("ZREM").arg(&index).arg(&names).query(c));
                offset = offset.saturating_sub(gone.len());
            }
        }
        Ok(RecordPage::cut(out, limit))
    }

    fn holds_queues(&self) -> bool {
        true
    }

    fn enqueue(&self, key: &Key, record: Record) -> Result<Created, StoreError> {
        let queue = queue_of(key, &record)?;
        self.create_in(key, record, Some(&queue))
    }

    fn claim(
        &self,
        queues: &[&str],
        owner: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        check_owner_tag(owner)?;
        for queue in queues {
            check_queue_name(queue)?;
        }
        let lease_ms = duration_ms(lease);
        let mut claimed = Vec::new();
        // Claims whose answer never came (the server went away): asked
        // again for their stored answer first (taking nothing new), so the
        // entries they took do not stay claimed by a live worker that does
        // not know it has them.
        let unanswered = std::mem::take(&mut *lock(&self.inner.unanswered));
        for (i, (queue, request)) in unanswered.iter().enumerate() {
            match self.invoke_claim(queue, request, 0, owner) {
                Ok(entries) => {
                    for (entry, record) in entries {
                        if let Some(task) =
                            self.claim_entry(queue, &entry, owner, lease_ms, claim_read(record))?
                        {
                            claimed.push(task);
                        }
                    }
                }
                Err(e) => {
                    lock(&self.inner.unanswered).extend(unanswered[i..].iter().cloned());
                    return Err(e);
                }
            }
        }
        for queue in queues {
            while claimed.len() < max {
                let now = self.now_ms();
                // Entries of ranks due by now sort below the next millisecond's.
                let bound = format!("({:016x}", (now.min((1 << 44) - 2) + 1) << 20);
                let want = max - claimed.len();
                let request = format!("{}:claiming:{}", self.prefix, Key::random());
                let entries = match self.invoke_claim_due(queue, &request, &bound, want, owner) {
                    Ok(entries) => entries,
                    Err(e) => {
                        lock(&self.inner.unanswered).push(((*queue).to_owned(), request));
                        return if claimed.is_empty() {
                            Err(e)
                        } else {
                            Ok(claimed)
                        };
                    }
                };
                if entries.is_empty() {
                    break;
                }
                let taken = entries.len();
                let mut entries = entries.into_iter();
                while let Some((entry, record)) = entries.next() {
                    match self.claim_entry(queue, &entry, owner, lease_ms, claim_read(record)) {
                        Ok(Some(task)) => claimed.push(task),
                        Ok(None) => {}
                        Err(e) => {
                            // Give back what was taken and not tried.
                            for (rest, _) in entries {
                                let _ = self.put_back(queue, &rest, owner, true);
                            }
                            return if claimed.is_empty() {
                                Err(e)
                            } else {
                                Ok(claimed)
                            };
                        }
                    }
                }
                if taken < want {
                    // The queue had no more due entries: no second look.
                    break;
                }
            }
        }
        Ok(claimed)
    }

    fn release(&self, key: &Key, owner: &str) -> Result<bool, StoreError> {
        let now = self.now_ms();
        let outcome =
            self.update_with(key, &mut |r| UpdateAction::write_if(r.release(owner, now)))?;
        Ok(matches!(outcome, Updated::Written(_)))
    }

    fn recover(&self, queues: &[&str]) -> Result<usize, StoreError> {
        for queue in queues {
            check_queue_name(queue)?;
        }
        let me = crate::context::OWNER.as_str();
        let mut alive: std::collections::HashMap<String, bool> = Default::default();
        let mut moved = 0;
        for queue in queues {
            let held = self.claimed_key(queue);
            let claims: Vec<(String, String)> = self
                .inner
                .run(|c| redis::cmd("HGETALL").arg(&held).query(c))?;
            for (entry, owner) in claims {
                if owner == me {
                    continue;
                }
                let now = self.now_ms();
                let owner_alive = *alive.entry(owner.clone()).or_insert_with(|| {
                    match self.load_heartbeat(&owner) {
                        Ok(Some(beat)) => beat.is_alive(now),
                        Ok(None) => false,
                        // Cannot judge: leave it.
                        Err(_) => true,
                    }
                });
                if owner_alive {
                    continue;
                }
                let Some((_, key)) = parse_entry(&entry) else {
                    self.put_back(queue, &entry, &owner, false)?;
                    continue;
                };
                let why = format!("worker {owner} is gone: its heartbeat lapsed");
                let mut pending = false;
                let outcome = self.update_with(&key, &mut |r| {
                    recover_record(r, &entry, &owner, &why, now, &mut pending)
                });
                match outcome {
                    Ok(Updated::Written(_)) => moved += 1,
                    Ok(Updated::Kept(_)) if pending => {
                        // Claimed, and the worker died before it wrote the claim.
                        if self.put_back(queue, &entry, &owner, true)? {
                            moved += 1;
                        }
                    }
                    Ok(_) => {
                        // Finished, moved on, or gone: the claim was stale.
                        self.put_back(queue, &entry, &owner, false)?;
                    }
                    Err(StoreError::Corrupt { .. }) => {
                        // Back to the queue, where a claim fails it saying why.
                        self.put_back(queue, &entry, &owner, true)?;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(moved)
    }

    fn watch_queue(
        &self,
        queue: &str,
        waker: std::task::Waker,
    ) -> Result<Option<QueueWatch>, StoreError> {
        check_queue_name(queue)?;
        let complete = self.listen(QUEUED);
        let id = lock(&self.inner.queues).add(queue, waker);
        let inner = Arc::clone(&self.inner);
        let queue = queue.to_owned();
        Ok(Some(QueueWatch::new(complete, move || {
            lock(&inner.queues).remove(&queue, id);
        })))
    }

    fn queue_stats(&self, queue: &str) -> Result<QueueStats, StoreError> {
        check_queue_name(queue)?;
        let now = self.now_ms();
        let bound = format!("({:016x}", (now.min((1 << 44) - 2) + 1) << 20);
        let waiting = self.waiting_key(queue);
        let held = self.claimed_key(queue);
        let (ready, total, claimed): (u64, u64, u64) = self.inner.run(|c| {
            redis::pipe()
                .cmd("ZLEXCOUNT")
                .arg(&waiting)
                .arg("-")
                .arg(&bound)
                .cmd("ZCARD")
                .arg(&waiting)
                .cmd("HLEN")
                .arg(&held)
                .query(c)
        })?;
        Ok(QueueStats {
            ready,
            delayed: total.saturating_sub(ready),
            claimed,
        })
    }

    fn keeps_heartbeats(&self) -> bool {
        true
    }

    fn put_heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        check_owner_tag(&heartbeat.owner)?;
        let bytes = serde_json::to_vec(heartbeat).map_err(|e| StoreError::Encode(e.to_string()))?;
        let name = self.heartbeat_key(&heartbeat.owner);
        // Kept a while past its expiry, so a reader can still say when it lapsed.
        let keep = heartbeat
            .expires_at
            .saturating_sub(self.now_ms())
            .saturating_add(duration_ms(LEASE_GRACE))
            .clamp(1, MAX_EXPIRY_MS);
        self.inner.run(|c| {
            redis::cmd("SET")
                .arg(&name)
                .arg(&bytes)
                .arg("PX")
                .arg(keep)
                .query::<()>(c)
        })
    }

    fn load_heartbeat(&self, owner: &str) -> Result<Option<Heartbeat>, StoreError> {
        if !is_owner_tag(owner) {
            return Ok(None);
        }
        let name = self.heartbeat_key(owner);
        let bytes: Option<Vec<u8>> = self.inner.run(|c| redis::cmd("GET").arg(&name).query(c))?;
        match bytes {
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::Other(format!("heartbeat of `{owner}` is unreadable: {e}"))
            }),
            None => Ok(None),
        }
    }

    fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError> {
        let start = self.prefix.len() + 3;
        let names = self.scan("h")?;
        let mut beats = Vec::new();
        for owner in names.iter().filter_map(|n| n.get(start..)) {
            // One unreadable heartbeat does not hide the others.
            if let Ok(Some(beat)) = self.load_heartbeat(owner) {
                beats.push(beat);
            }
        }
        Ok(beats)
    }

    fn remove_heartbeat(&self, owner: &str) -> Result<bool, StoreError> {
        if !is_owner_tag(owner) {
            return Ok(false);
        }
        let name = self.heartbeat_key(owner);
        let removed: i64 = self.inner.run(|c| redis::cmd("DEL").arg(&name).query(c))?;
        Ok(removed > 0)
    }

    fn notify_changed(&self, key: &Key) {
        self.inner.notifier.notify(key);
    }

    fn subscribe(&self, key: &Key) -> Option<Subscription> {
        self.listen(CHANGES);
        Some(Notifier::subscribe(&self.inner, |i| &i.notifier, key))
    }

    fn subscribe_sees_all_writes(&self) -> bool {
        self.listen(CHANGES)
    }

    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        self.listen(CHANGES);
        self.inner
            .notifier
            .wait(key, seen_version, deadline, &|| self.get(key))
    }
}
