//! [`Heartbeat`]: one process's sign of life in a store, and the rule that
//! judges an unfinished record by its owner's heartbeat.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{ComputationStore, StoreError};
use crate::record::Record;

/// One process's sign of life in a store: who it is, and until when it
/// answers for the records it owns there.
///
/// Every process that owns unfinished records in a store keeps one
/// heartbeat there, renewed by its renewer thread (one write per process
/// every third of its TTL, whatever the number of records). A record names
/// its owner ([`Record::owner`]) from its first write; a reader that finds
/// an unfinished record whose owner's heartbeat has lapsed (or is missing)
/// fails it with "worker lost" (see [`ComputationStore::get`]), so no record
/// waits for a dead process for ever. Stores say whether they keep
/// heartbeats ([`ComputationStore::keeps_heartbeats`]); the file-system and
/// memory stores do.
///
/// # Examples
///
/// ```
/// use strand_au::{ComputationStore, Heartbeat, MemoryStore};
///
/// let store = MemoryStore::new();
/// let beat = Heartbeat::new("pid-1-feedf00d", 1_000, 30_000);
/// store.put_heartbeat(&beat).unwrap();
/// let read = store.load_heartbeat("pid-1-feedf00d").unwrap().unwrap();
/// assert!(read.is_alive(30_999));
/// assert!(!read.is_alive(31_000));
/// assert_eq!(read.pid, std::process::id());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Heartbeat {
    /// The owner tag the process writes into the records it owns
    /// (`pid-<pid>-<random>`).
    pub owner: String,
    /// Its process id.
    pub pid: u32,
    /// The host it runs on.
    pub host: String,
    /// The program (the executable's file name).
    pub program: String,
    /// When the process first wrote a heartbeat, ms since the epoch (store clock).
    pub started_at: u64,
    /// When this heartbeat was written.
    pub renewed_at: u64,
    /// When it lapses unless renewed: after that, the process counts as gone.
    pub expires_at: u64,
    /// The queues the process serves (none yet: workers of store queues
    /// will list theirs).
    #[serde(default)]
    pub queues: Vec<String>,
    /// How many unfinished records the process held when it wrote this.
    #[serde(default)]
    pub keys: u64,
}

impl Heartbeat {
    /// A heartbeat of this process for `owner`, written at `now_ms`, valid
    /// for `ttl_ms`.
    pub fn new(owner: impl Into<String>, now_ms: u64, ttl_ms: u64) -> Heartbeat {
        Heartbeat {
            owner: owner.into(),
            pid: std::process::id(),
            host: host_name(),
            program: program_name(),
            started_at: now_ms,
            renewed_at: now_ms,
            expires_at: now_ms.saturating_add(ttl_ms),
            queues: Vec::new(),
            keys: 0,
        }
    }

    /// Whether the process still answers for its records at `now_ms`.
    pub fn is_alive(&self, now_ms: u64) -> bool {
        self.expires_at > now_ms
    }
}

/// Whether `owner` can name a heartbeat: what strand writes (`pid-<pid>-<hex>`)
/// and nothing that could leave a directory or a key space: ASCII letters,
/// digits, `-` and `_`, 1 to 64 of them. Owners read from records are
/// checked with it before a store looks anything up.
///
/// # Examples
///
/// ```
/// assert!(strand_au::is_owner_tag("pid-42-0a1b2c3d"));
/// assert!(!strand_au::is_owner_tag("../etc/passwd"));
/// assert!(!strand_au::is_owner_tag(""));
/// ```
pub fn is_owner_tag(owner: &str) -> bool {
    (1..=64).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// [`is_owner_tag`], as an error saying what an owner tag is.
pub(crate) fn check_owner_tag(owner: &str) -> Result<(), StoreError> {
    if is_owner_tag(owner) {
        Ok(())
    } else {
        Err(StoreError::Other(format!(
            "`{owner}` is not an owner tag (ASCII letters, digits, `-`, `_`)"
        )))
    }
}

fn host_name() -> String {
    static HOST: LazyLock<String> = LazyLock::new(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown".to_owned())
    });
    HOST.clone()
}

fn program_name() -> String {
    static PROGRAM: LazyLock<String> = LazyLock::new(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "unknown".to_owned())
    });
    PROGRAM.clone()
}

/// What a reader makes of an unfinished record's worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Finished, or its worker answers for it.
    Live,
    /// No owner to judge it by (an older record, a store without
    /// heartbeats), and its lease lapsed.
    LeaseLapsed,
    /// Its owner is gone: why.
    OwnerGone(String),
}

/// Judges an unfinished record by its worker:
///
/// * owned by this process: alive while the process holds, runs or
///   retries it (its outcome is written, retried until a write succeeds,
///   by the process itself), whatever its lease says: a lease lapses when
///   renewals fail (a full disk, a blocked store) although the worker
///   lives; gone if the process no longer does any of that;
/// * owned by another process, in a store that keeps heartbeats: alive
///   while the owner's heartbeat is; gone once it lapsed or if there is
///   none. A store error while reading the heartbeat judges nothing;
/// * otherwise (no owner, no heartbeats): by its lease.
pub(crate) fn judge<S: ComputationStore + ?Sized>(
    store: &S,
    key: &crate::key::Key,
    record: &Record,
    now_ms: u64,
) -> Verdict {
    if record.status.is_terminal() {
        return Verdict::Live;
    }
    let lease = || {
        if record.lease_expired(now_ms) {
            Verdict::LeaseLapsed
        } else {
            Verdict::Live
        }
    };
    let Some(owner) = record.owner.as_deref() else {
        return lease();
    };
    if owner == crate::context::OWNER.as_str() {
        // This process is alive; but a record of its own that it neither
        // holds, runs nor retries is one nobody will finish (its job was
        // dropped, or its worker died in a store's panic).
        return match crate::context::answers_for(crate::context::store_id(store), key) {
            Some(false) => Verdict::OwnerGone("this process no longer runs it".to_owned()),
            _ => Verdict::Live,
        };
    }
    if !store.keeps_heartbeats() {
        return lease();
    }
    if !is_owner_tag(owner) {
        return Verdict::OwnerGone("not a valid owner tag".to_owned());
    }
    match store.load_heartbeat(owner) {
        Ok(Some(beat)) if beat.is_alive(now_ms) => Verdict::Live,
        Ok(Some(beat)) => Verdict::OwnerGone(format!(
            "its heartbeat lapsed at {} ms, pid {} on {}",
            beat.expires_at, beat.pid, beat.host
        )),
        Ok(None) => Verdict::OwnerGone("no heartbeat".to_owned()),
        Err(e) => {
            tracing::debug!(owner, error = %e, "cannot read heartbeat; owner not judged");
            Verdict::Live
        }
    }
}

/// Applies `verdict` (reached on a read of the record) to `record` inside an
/// atomic update: fails it "worker lost" if it is still what was judged
/// (same owner, unfinished; for a lapsed lease, still lapsed), or, for a
/// task of a store's queue, sends it back to its queue (see
/// [`Record::requeue`], which fails it once its attempts are used up).
/// Whether it changed anything.
pub(crate) fn apply(
    verdict: &Verdict,
    judged_owner: Option<&str>,
    record: &mut Record,
    now_ms: u64,
) -> bool {
    match verdict {
        Verdict::Live => false,
        Verdict::LeaseLapsed if record.queue.is_some() => {
            record.lease_expired(now_ms) && record.requeue("its lease lapsed", now_ms)
        }
        Verdict::LeaseLapsed => record.expire_lease(now_ms),
        Verdict::OwnerGone(why) if record.queue.is_some() => {
            let owner = judged_owner.unwrap_or_default();
            record.owner.as_deref() == judged_owner
                && record.requeue(&format!("owner {owner}: {why}"), now_ms)
        }
        Verdict::OwnerGone(why) => {
            record.owner.as_deref() == judged_owner && record.lose_owner(why, now_ms)
        }
    }
}

/// Whether `record`, judged `verdict`, has outlived its TTL: a running
/// record whose worker lives never has (its lease may have lapsed while
/// its owner's heartbeat, or this process, says the worker lives).
pub(crate) fn expired(verdict: &Verdict, record: &Record, now_ms: u64) -> bool {
    let running_live = record.status == crate::record::Status::Running && *verdict == Verdict::Live;
    !running_live && record.is_expired(now_ms)
}

/// What a cleanup does with `record`, judged `verdict` on a read that found
/// `judged_owner` as its owner: deletes it once expired, fails it when its
/// worker is gone (see [`apply`]), keeps it otherwise.
pub(crate) fn cleanup(
    verdict: &Verdict,
    judged_owner: Option<&str>,
    record: &mut Record,
    now_ms: u64,
) -> super::UpdateAction {
    if expired(verdict, record, now_ms) {
        super::UpdateAction::Delete
    } else {
        super::UpdateAction::write_if(apply(verdict, judged_owner, record, now_ms))
    }
}
