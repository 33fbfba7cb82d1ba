//! [`Record`]: what a store keeps for one computation, and the only place
//! where its status changes.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where a computation is in its life. It only moves forward:
/// `Pending → Running → Completed | Failed | Cancelled`, and the first
/// terminal status wins.
///
/// # Examples
///
/// ```
/// use strand_au::Status;
///
/// assert!(Status::Cancelled.is_terminal());
/// assert!(!Status::Running.is_terminal());
/// assert_eq!(serde_json::to_string(&Status::Completed).unwrap(), "\"completed\"");
/// assert_eq!(Status::Failed.to_string(), "failed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Recorded, not started yet.
    Pending,
    /// A worker holds it (see [`Lease`]).
    Running,
    /// Finished with a value.
    Completed,
    /// Finished with an error (see [`ErrorInfo`]).
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

impl Status {
    /// Whether the computation has finished (`Completed`, `Failed` or `Cancelled`).
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }

    /// The status in lowercase, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a computation failed.
///
/// # Examples
///
/// ```
/// assert_eq!(serde_json::to_string(&strand_au::ErrorKind::WorkerLost).unwrap(), "\"worker_lost\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The function returned an error.
    Returned,
    /// The function panicked.
    Panicked,
    /// The computation ran out of time.
    Timeout,
    /// Its worker stopped renewing the lease (crashed or was killed).
    WorkerLost,
    /// It was cancelled.
    Cancelled,
    /// The store failed while recording it, or it could not be launched.
    Store,
    /// A middleware's `before` hook rejected it.
    Rejected,
    /// Its arguments or result could not be (de)serialized.
    Decode,
}

/// The error of a failed computation: a kind, a message, and for an error
/// that a function returned, the error itself when its type is
/// `Serialize` (what a typed handle decodes: see
/// [`ComputationError::failure`](crate::ComputationError::failure)).
///
/// # Examples
///
/// ```
/// use strand_au::{ErrorInfo, ErrorKind};
/// let e = ErrorInfo::new(ErrorKind::Returned, "disk full");
/// assert_eq!(e.to_string(), "disk full");
/// assert_eq!(e.value, None);
///
/// let typed = ErrorInfo::new(ErrorKind::Returned, "code 7").with_value(serde_json::json!(7));
/// assert_eq!(typed.value, Some(serde_json::json!(7)));
///
/// // Records written before `value` existed read as before, and a record
/// // without one is written without the field.
/// let old: ErrorInfo = serde_json::from_str(r#"{"kind":"returned","message":"disk full"}"#).unwrap();
/// assert_eq!(old, e);
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"kind":"returned","message":"disk full"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorInfo {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// A human-readable message (the error's `Display`).
    pub message: String,
    /// The returned error, encoded, when its type is `Serialize`; absent
    /// from records of other failures and of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

impl ErrorInfo {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ErrorInfo {
        ErrorInfo {
            kind,
            message: message.into(),
            value: None,
        }
    }

    /// The same error, carrying the encoded error `value` as well.
    #[must_use]
    pub fn with_value(mut self, value: serde_json::Value) -> ErrorInfo {
        self.value = Some(value);
        self
    }
}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Progress reported from inside a computation.
///
/// A fraction that JSON cannot hold (NaN or an infinity, which `serde_json`
/// writes as `null`) reads back as 0.0, and one out of 0..=1 as the nearest
/// bound, so such a record stays readable.
///
/// # Examples
///
/// ```
/// use strand_au::Progress;
///
/// let p: Progress = serde_json::from_str(r#"{"fraction":null,"message":""}"#).unwrap();
/// assert_eq!(p.fraction, 0.0);
/// let p: Progress = serde_json::from_str(r#"{"fraction":7.5,"message":""}"#).unwrap();
/// assert_eq!(p.fraction, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// From 0.0 to 1.0.
    #[serde(deserialize_with = "deserialize_fraction")]
    pub fraction: f64,
    /// What the computation is doing.
    pub message: String,
}

/// Who runs a computation, and until when (ms since the epoch) that claim holds
/// unless renewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The worker holding the computation (process id and a per-process tag).
    pub owner: String,
    /// When the claim lapses unless renewed, in ms since the epoch.
    pub expires_at: u64,
}

/// What a store keeps for one computation.
///
/// Every status change goes through the methods of this type
/// ([`start`](Self::start), [`complete`](Self::complete), [`fail`](Self::fail),
/// [`cancel`](Self::cancel), [`set_progress`](Self::set_progress),
/// [`expire_lease`](Self::expire_lease)); each returns whether it changed
/// anything, and none of them moves a record backwards or replaces a terminal
/// status. Stores apply them inside [`ComputationStore::update`](crate::ComputationStore::update),
/// atomically against the current value, so a late `Completed` never erases a
/// `Cancelled` and progress never revives a finished record.
///
/// # Examples
///
/// ```
/// use strand_au::{Record, Status};
///
/// let mut r = Record::pending("double", serde_json::json!([21]), 1_000);
/// assert!(r.start("worker-1", 1_010, 30_000));
/// assert!(r.cancel(1_020));
/// assert!(!r.complete(serde_json::json!(42), 1_030)); // too late: cancelled stays
/// assert_eq!(r.status, Status::Cancelled);
/// assert!(!r.set_progress(0.5, "half", 1_040));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Current status.
    pub status: Status,
    /// The registered name of the function.
    pub function: String,
    /// The serialized arguments.
    #[serde(default)]
    pub args: serde_json::Value,
    /// The serialized result, once completed.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// The error, once failed or cancelled.
    #[serde(default)]
    pub error: Option<ErrorInfo>,
    /// When the record was created (ms since the epoch).
    pub created_at: u64,
    /// When a worker started it.
    #[serde(default)]
    pub started_at: Option<u64>,
    /// When it reached a terminal status.
    #[serde(default)]
    pub completed_at: Option<u64>,
    /// When it expires (set by the store from its TTL or [`ttl_ms`](Self::ttl_ms)).
    #[serde(default)]
    pub expires_at: Option<u64>,
    /// A TTL for this record only, overriding the store's.
    #[serde(default)]
    pub ttl_ms: Option<u64>,
    /// How many times a worker started it.
    #[serde(default)]
    pub attempts: u32,
    /// The last progress reported.
    #[serde(default)]
    pub progress: Option<Progress>,
    /// The worker's claim while running.
    #[serde(default)]
    pub lease: Option<Lease>,
    /// The process that answers for the record while it is unfinished: the
    /// launching process from the first write, then the worker that claims
    /// it (see [`Heartbeat`](crate::Heartbeat)). `None` in records written
    /// before owners existed, and in queued work that no process holds yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The queue a task waits in, for work written to a store's queue
    /// (`None` for a computation launched onto a backend of this process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// When a queued task may run at the earliest, in ms since the epoch
    /// (a delayed task, or a retry's backoff); `None`: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<u64>,
    /// How many times a queued task may be started before a lost worker
    /// fails it for good (see [`requeue`](Self::requeue));
    /// `None`: [`Record::DEFAULT_MAX_ATTEMPTS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// The deduplication key of a task, when its writer gave one: tasks
    /// with one key are one task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
    /// The store's name for the task's place in its queue (a file name, a
    /// stream entry id), written by the store when it enqueues the task;
    /// opaque to everyone else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_entry: Option<String>,
    /// Free metadata.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Bumped by the store on every write.
    #[serde(default)]
    pub version: u64,
    /// The record format it was written in: [`Record::FORMAT`] for records
    /// this version writes. Records written before the field existed have
    /// none and read as format 1, the original format. A store refuses a
    /// record of a format newer than it knows
    /// ([`decode_record`](crate::decode_record) returns
    /// [`StoreError::Corrupt`](crate::StoreError::Corrupt) for its key).
    ///
    /// Every field added to records after this one is optional, with a
    /// serde default, so that older records keep reading.
    #[serde(default = "Record::original_format")]
    pub format: u32,
}

impl Record {
    /// A new `Pending` record of `function` called with `args`.
    pub fn pending(function: impl Into<String>, args: serde_json::Value, now_ms: u64) -> Record {
        Record {
            status: Status::Pending,
            function: function.into(),
            args,
            value: None,
            error: None,
            created_at: now_ms,
            started_at: None,
            completed_at: None,
            expires_at: None,
            ttl_ms: None,
            attempts: 0,
            progress: None,
            lease: None,
            owner: None,
            queue: None,
            due_at: None,
            max_attempts: None,
            dedup_key: None,
            queue_entry: None,
            metadata: serde_json::Map::new(),
            version: 0,
            format: Record::FORMAT,
        }
    }

    /// The same record, owned by `owner` (see [`owner`](Self::owner)).
    #[must_use]
    pub fn owned_by(mut self, owner: impl Into<String>) -> Record {
        self.owner = Some(owner.into());
        self
    }

    /// The record format this version of strand-au writes, and the newest
    /// it reads (see [`format`](Self::format)).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::Record;
    ///
    /// assert_eq!(Record::pending("f", serde_json::json!(null), 0).format, Record::FORMAT);
    /// // A record written before records carried a format is format 1.
    /// let old: Record = serde_json::from_str(
    ///     r#"{"status":"pending","function":"f","created_at":0}"#,
    /// ).unwrap();
    /// assert_eq!(old.format, 1);
    /// ```
    pub const FORMAT: u32 = 1;

    /// The format of a record that carries none: the original format.
    pub(crate) fn original_format() -> u32 {
        1
    }

    /// `Pending → Running`, held by `owner` for `lease_ms`. False (and no
    /// change) from any other status.
    pub fn start(&mut self, owner: &str, now_ms: u64, lease_ms: u64) -> bool {
        if self.status != Status::Pending {
            return false;
        }
        self.status = Status::Running;
        self.started_at = Some(now_ms);
        self.attempts = self.attempts.saturating_add(1);
        self.owner = Some(owner.to_owned());
        self.lease = Some(Lease {
            owner: owner.to_owned(),
            expires_at: now_ms.saturating_add(lease_ms),
        });
        true
    }

    fn finish(&mut self, status: Status, now_ms: u64) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        self.status = status;
        self.completed_at = Some(now_ms);
        self.lease = None;
        self.expires_at = None; // recomputed from the completion time by the store
        true
    }

    /// Completes with `value`, unless already finished.
    pub fn complete(&mut self, value: serde_json::Value, now_ms: u64) -> bool {
        let changed = self.finish(Status::Completed, now_ms);
        if changed {
            self.value = Some(value);
        }
        changed
    }

    /// Fails with `error`, unless already finished.
    pub fn fail(&mut self, error: ErrorInfo, now_ms: u64) -> bool {
        let changed = self.finish(Status::Failed, now_ms);
        if changed {
            self.error = Some(error);
        }
        changed
    }

    /// Cancels, unless already finished.
    pub fn cancel(&mut self, now_ms: u64) -> bool {
        let changed = self.finish(Status::Cancelled, now_ms);
        if changed {
            self.error = Some(ErrorInfo::new(ErrorKind::Cancelled, "cancelled"));
        }
        changed
    }

    /// Records progress (clamped to 0..=1), unless already finished.
    pub fn set_progress(&mut self, fraction: f64, message: &str, _now_ms: u64) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        self.progress = Some(Progress {
            fraction: clamp_fraction(fraction),
            message: message.to_owned(),
        });
        true
    }

    /// Extends the lease of a running record held by `owner`.
    pub fn renew_lease(&mut self, owner: &str, now_ms: u64, lease_ms: u64) -> bool {
        match &mut self.lease {
            Some(lease) if self.status == Status::Running && lease.owner == owner => {
                lease.expires_at = now_ms.saturating_add(lease_ms);
                true
            }
            _ => false,
        }
    }

    /// Whether the record is `Running` with a lease that has lapsed.
    pub fn lease_expired(&self, now_ms: u64) -> bool {
        self.status == Status::Running
            && self.lease.as_ref().is_some_and(|l| l.expires_at <= now_ms)
    }

    /// `Running` with a lapsed lease → `Failed(WorkerLost, "worker lost")`.
    pub fn expire_lease(&mut self, now_ms: u64) -> bool {
        if !self.lease_expired(now_ms) {
            return false;
        }
        let owner = self
            .lease
            .as_ref()
            .map(|l| l.owner.clone())
            .unwrap_or_default();
        self.fail(
            ErrorInfo::new(
                ErrorKind::WorkerLost,
                format!("worker lost (lease of {owner} expired)"),
            ),
            now_ms,
        )
    }

    /// How many starts a queued task gets when its record does not say
    /// ([`max_attempts`](Self::max_attempts)).
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

    /// A queued task whose worker is gone goes back to its queue: from
    /// `Running` (or an unclaimed `Pending`) to `Pending`, without lease or
    /// owner, to run again as attempt [`attempts`](Self::attempts) + 1; or,
    /// once it has been started [`max_attempts`](Self::max_attempts) times,
    /// to `Failed(WorkerLost)`, "worker lost after N attempts". Statuses are
    /// ordered by (attempt, status), so this is the one move back a record
    /// makes, and a finished record never makes it. False (and no change)
    /// for a finished record and for one that is not in a queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ErrorKind, Record, Status};
    ///
    /// let mut task = Record::pending("f", serde_json::json!([]), 1_000);
    /// task.queue = Some("default".into());
    /// task.max_attempts = Some(2);
    /// assert!(task.start("worker-a", 1_010, 30_000));
    /// assert!(task.requeue("worker-a stopped", 2_000)); // back to its queue
    /// assert_eq!((task.status, task.attempts, task.owner.as_deref()), (Status::Pending, 1, None));
    /// assert!(task.start("worker-b", 2_010, 30_000)); // attempt 2
    /// assert!(task.requeue("worker-b stopped", 3_000)); // no attempt left
    /// assert_eq!(task.status, Status::Failed);
    /// let error = task.error.unwrap();
    /// assert_eq!(error.kind, ErrorKind::WorkerLost);
    /// assert_eq!(error.message, "worker lost after 2 attempts (worker-b stopped)");
    /// ```
    pub fn requeue(&mut self, why: &str, now_ms: u64) -> bool {
        if self.status.is_terminal() || self.queue.is_none() {
            return false;
        }
        let max = self.max_attempts.unwrap_or(Record::DEFAULT_MAX_ATTEMPTS);
        if self.attempts >= max {
            let attempts = self.attempts;
            return self.fail(
                ErrorInfo::new(
                    ErrorKind::WorkerLost,
                    format!("worker lost after {attempts} attempts ({why})"),
                ),
                now_ms,
            );
        }
        self.status = Status::Pending;
        self.lease = None;
        self.owner = None;
        self.progress = None;
        true
    }

    /// Puts back a queued task that `owner` claimed and never started (a
    /// worker that stops before it runs what it claimed): `Running` to
    /// `Pending`, without lease or owner, and the claim's attempt not
    /// counted. False (and no change) for any other record.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{Record, Status};
    ///
    /// let mut task = Record::pending("f", serde_json::json!([]), 1_000);
    /// task.queue = Some("default".into());
    /// assert!(task.start("worker-a", 1_010, 30_000));
    /// assert!(!task.release("worker-b", 1_020)); // not its claim
    /// assert!(task.release("worker-a", 1_020));
    /// assert_eq!((task.status, task.attempts, task.owner), (Status::Pending, 0, None));
    /// ```
    pub fn release(&mut self, owner: &str, _now_ms: u64) -> bool {
        let claimed_by_owner = self.status == Status::Running
            && self.queue.is_some()
            && self.lease.as_ref().is_some_and(|l| l.owner == owner);
        if !claimed_by_owner {
            return false;
        }
        self.status = Status::Pending;
        self.attempts = self.attempts.saturating_sub(1);
        self.started_at = None;
        self.lease = None;
        self.owner = None;
        true
    }

    /// Whether the record is a task of a store's queue.
    pub fn is_queued_task(&self) -> bool {
        self.queue.is_some()
    }

    /// An unfinished record whose owner is gone (its heartbeat lapsed, see
    /// [`Heartbeat`](crate::Heartbeat)) → `Failed(WorkerLost)`, saying why.
    /// False (and no change) for a finished record.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ErrorKind, Record, Status};
    ///
    /// let mut r = Record::pending("f", serde_json::json!([]), 1_000).owned_by("pid-7-abc");
    /// assert!(r.lose_owner("heartbeat lapsed", 5_000));
    /// assert_eq!(r.status, Status::Failed);
    /// let e = r.error.unwrap();
    /// assert_eq!(e.kind, ErrorKind::WorkerLost);
    /// assert_eq!(e.message, "worker lost (owner pid-7-abc: heartbeat lapsed)");
    /// ```
    pub fn lose_owner(&mut self, why: &str, now_ms: u64) -> bool {
        if self.status.is_terminal() {
            return false;
        }
        let owner = self.owner.clone().unwrap_or_default();
        self.fail(
            ErrorInfo::new(
                ErrorKind::WorkerLost,
                format!("worker lost (owner {owner}: {why})"),
            ),
            now_ms,
        )
    }

    /// Whether the record has outlived its TTL. A running record whose lease
    /// is still live never expires.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        let live = self.status == Status::Running && !self.lease_expired(now_ms);
        !live && self.expires_at.is_some_and(|t| t <= now_ms)
    }

    /// How long it ran, once started and finished.
    pub fn duration(&self) -> Option<Duration> {
        Some(Duration::from_millis(
            self.completed_at?.saturating_sub(self.started_at?),
        ))
    }

    /// What stores call on every write: bumps [`version`](Self::version) past
    /// `previous_version` and sets the expiry from `ttl` (the record's own
    /// [`ttl_ms`](Self::ttl_ms) first): creation time + TTL until the record is
    /// finished (a task of a queue: no expiry until it is finished),
    /// completion time + TTL after. It sets [`format`](Self::format)
    /// to [`Record::FORMAT`], the format the store writes it in (a record
    /// claiming another could not be read back), and brings a progress
    /// fraction back into 0..=1 (NaN reads as 0), as
    /// [`set_progress`](Self::set_progress) does.
    ///
    /// No number panics it: every sum saturates. A version at `u64::MAX`
    /// (only a hand-made or hostile record gets there) stays at `u64::MAX`.
    /// That is sound for strand-au's stores, which write a key under a lock
    /// held from the read to the write (the file-system store's per-key
    /// lock, the memory store's mutex), not by compare-and-set on the
    /// version; what a saturated version loses is change detection by
    /// version alone: a waiter on such a record sees it change when it reads
    /// it again ([`ComputationHandle::join`](crate::ComputationHandle::join)
    /// does every second), not at once. A store that compares and sets on
    /// the version should refuse a record at `u64::MAX` as corrupt rather
    /// than write it.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::Record;
    ///
    /// let mut r = Record::pending("f", serde_json::json!(null), 0);
    /// r.version = u64::MAX;
    /// r.ttl_ms = Some(u64::MAX);
    /// r.stamp(u64::MAX, 5, None);
    /// assert_eq!((r.version, r.expires_at), (u64::MAX, Some(u64::MAX)));
    /// ```
    pub fn stamp(&mut self, previous_version: u64, now_ms: u64, ttl: Option<Duration>) {
        self.version = previous_version.max(self.version).saturating_add(1);
        // Whatever it said, the record is written in this version's format.
        self.format = Record::FORMAT;
        if let Some(progress) = &mut self.progress {
            progress.fraction = clamp_fraction(progress.fraction);
        }
        let ttl_ms = self.ttl_ms.or(ttl.map(duration_ms));
        if let Some(ttl_ms) = ttl_ms {
            if self.status.is_terminal() {
                let at = self.completed_at.unwrap_or(now_ms);
                self.expires_at = Some(at.saturating_add(ttl_ms));
            } else if self.expires_at.is_none() && self.queue.is_none() {
                // An unfinished task of a queue waits for a worker as long
                // as it takes: only its outcome expires.
                self.expires_at = Some(self.created_at.saturating_add(ttl_ms));
            }
        }
    }
}

/// `fraction` in 0..=1; NaN is 0.
fn clamp_fraction(fraction: f64) -> f64 {
    if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    }
}

/// A progress fraction as stored: a number (clamped), or `null` (what
/// `serde_json` writes for NaN and the infinities) as 0.
fn deserialize_fraction<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.map_or(0.0, clamp_fraction))
}

/// `duration` in whole milliseconds, `u64::MAX` if it has more.
pub(crate) fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
