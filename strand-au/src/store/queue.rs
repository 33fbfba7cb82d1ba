//! The queue contract of a store: tasks written into a named queue, claimed
//! atomically by workers in any process, sent back when their worker dies.
//! The methods are part of [`ComputationStore`](super::ComputationStore),
//! provided with defaults that say [`StoreError::Unsupported`]; this file
//! holds their types.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use super::{StoreError, UpdateAction};
use crate::key::Key;
use crate::record::{Record, Status};

/// The queue a task goes to when its writer names none.
pub const DEFAULT_QUEUE: &str = "default";

/// Whether `name` can name a queue: 1 to 64 ASCII letters, digits, `-`,
/// `_` and `.`, not starting with `.` (a store may make a directory or a
/// key of it).
///
/// # Examples
///
/// ```
/// assert!(strand_au::is_queue_name("default"));
/// assert!(strand_au::is_queue_name("mail.high-priority"));
/// assert!(!strand_au::is_queue_name(".hidden"));
/// assert!(!strand_au::is_queue_name("a/b"));
/// assert!(!strand_au::is_queue_name(""));
/// ```
pub fn is_queue_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// [`StoreError::Other`] saying that `name` is no queue name.
pub(crate) fn check_queue_name(name: &str) -> Result<(), StoreError> {
    if is_queue_name(name) {
        Ok(())
    } else {
        Err(StoreError::Other(format!(
            "`{name}` is not a queue name (1 to 64 ASCII letters, digits, `-`, `_` and `.`, not starting with `.`)"
        )))
    }
}

/// The queue a task to enqueue names: `Record::queue`, checked.
///
/// # Errors
///
/// When the record names no queue, or a name that is no queue name.
pub(crate) fn queue_of(key: &Key, record: &Record) -> Result<String, StoreError> {
    let Some(queue) = record.queue.clone() else {
        return Err(StoreError::Other(format!(
            "task `{key}` names no queue: set `Record::queue` before `enqueue`"
        )));
    };
    check_queue_name(&queue)?;
    Ok(queue)
}

/// A task a worker claimed with
/// [`ComputationStore::claim`](super::ComputationStore::claim): its key and
/// its record as stored by the claim (`Running`, owned by the worker).
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The task's key.
    pub key: Key,
    /// Its record after the claim.
    pub record: Record,
}

/// How many tasks a queue holds, as
/// [`ComputationStore::queue_stats`](super::ComputationStore::queue_stats)
/// counts them.
///
/// # Examples
///
/// ```
/// let stats = strand_au::QueueStats::default();
/// assert_eq!(stats.waiting(), 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// Due tasks no worker has claimed yet.
    pub ready: u64,
    /// Tasks whose due time has not come.
    pub delayed: u64,
    /// Tasks claimed by a worker.
    pub claimed: u64,
}

impl QueueStats {
    /// Tasks not claimed yet, due or not.
    pub fn waiting(&self) -> u64 {
        self.ready + self.delayed
    }
}

/// While it is alive, the store wakes the waker given to
/// [`ComputationStore::watch_queue`](super::ComputationStore::watch_queue)
/// when tasks may have been added to the queue.
pub struct QueueWatch {
    complete: bool,
    unwatch: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl QueueWatch {
    /// A watch that runs `unwatch` when dropped. `complete`: whether the
    /// waker hears of every task added by any process; when false it hears
    /// of this process's only, and a worker looks again on a timer too.
    pub fn new(complete: bool, unwatch: impl FnOnce() + Send + Sync + 'static) -> QueueWatch {
        QueueWatch {
            complete,
            unwatch: Some(Box::new(unwatch)),
        }
    }

    /// Whether every task added by any process wakes the waker.
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

impl Drop for QueueWatch {
    fn drop(&mut self) {
        if let Some(unwatch) = self.unwatch.take() {
            unwatch();
        }
    }
}

impl fmt::Debug for QueueWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueWatch")
            .field("complete", &self.complete)
            .finish_non_exhaustive()
    }
}

/// Wakers by queue, for stores that keep them in this process.
#[derive(Default)]
pub(crate) struct QueueWakers {
    next: u64,
    wakers: std::collections::HashMap<String, Vec<(u64, Waker)>>,
}

impl QueueWakers {
    pub(crate) fn add(&mut self, queue: &str, waker: Waker) -> u64 {
        self.next += 1;
        self.wakers
            .entry(queue.to_owned())
            .or_default()
            .push((self.next, waker));
        self.next
    }

    pub(crate) fn remove(&mut self, queue: &str, id: u64) {
        if let Some(list) = self.wakers.get_mut(queue) {
            list.retain(|(i, _)| *i != id);
            if list.is_empty() {
                self.wakers.remove(queue);
            }
        }
    }

    /// Whether no waker is registered, for any queue.
    pub(crate) fn is_empty(&self) -> bool {
        self.wakers.is_empty()
    }

    /// The wakers of `queue` (all queues for `None`), to wake outside the lock.
    pub(crate) fn of(&self, queue: Option<&str>) -> Vec<Waker> {
        match queue {
            Some(q) => self
                .wakers
                .get(q)
                .map(|l| l.iter().map(|(_, w)| w.clone()).collect())
                .unwrap_or_default(),
            None => self
                .wakers
                .values()
                .flatten()
                .map(|(_, w)| w.clone())
                .collect(),
        }
    }
}

impl fmt::Debug for QueueWakers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueWakers")
            .field("queues", &self.wakers.len())
            .finish()
    }
}

/// What a write does to a queued task's entry, the one rule every store
/// that queues applies under the key's lock (see [`entry_change`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryChange<'a> {
    /// Back into its queue, ready to be claimed again: `Running` to
    /// `Pending` (a requeue, or a claim put back). `claimer` held it.
    Requeue {
        queue: &'a str,
        entry: &'a str,
        claimer: Option<&'a str>,
    },
    /// Out of its queue for good: a terminal status was written over one
    /// that was not, or the record was deleted.
    Remove {
        queue: &'a str,
        entry: &'a str,
        claimer: Option<&'a str>,
    },
}

/// What the write of `next` over `current` (`None`: a delete) does to the
/// queue entry of `current`, if it has one; `None` when the entry stays as
/// it is (a claim, a progress write, a record already final).
pub(crate) fn entry_change<'a>(
    current: &'a Record,
    next: Option<&Record>,
) -> Option<EntryChange<'a>> {
    let (Some(queue), Some(entry)) = (current.queue.as_deref(), current.queue_entry.as_deref())
    else {
        return None;
    };
    if !is_queue_name(queue) || parse_entry(entry).is_none() {
        return None;
    }
    let claimer = current
        .lease
        .as_ref()
        .map(|l| l.owner.as_str())
        .or(current.owner.as_deref());
    match next {
        Some(next) if current.status == Status::Running && next.status == Status::Pending => {
            Some(EntryChange::Requeue {
                queue,
                entry,
                claimer,
            })
        }
        Some(next) if current.status.is_terminal() || !next.status.is_terminal() => None,
        _ => Some(EntryChange::Remove {
            queue,
            entry,
            claimer,
        }),
    }
}

/// What `recover` writes over the record of `entry`, claimed by the dead
/// worker `owner`, inside the store's atomic update: a `Running` record
/// the worker owned goes back to its queue with its attempt counted (or
/// fails once its attempts are used up, see [`Record::requeue`]); a
/// `Pending` one, which the worker claimed and died before it wrote the
/// claim, is kept and `pending` set, for the store to put its entry back;
/// anything else (finished, moved on) is kept.
pub(crate) fn recover_record(
    r: &mut Record,
    entry: &str,
    owner: &str,
    why: &str,
    now_ms: u64,
    pending: &mut bool,
) -> UpdateAction {
    *pending = false;
    if r.queue_entry.as_deref() != Some(entry) || r.status.is_terminal() {
        return UpdateAction::Keep;
    }
    match r.status {
        Status::Running if r.owner.as_deref() == Some(owner) => {
            UpdateAction::write_if(r.requeue(why, now_ms))
        }
        Status::Pending => {
            *pending = true;
            UpdateAction::Keep
        }
        _ => UpdateAction::Keep,
    }
}

/// The last rank given to a task due at once, in this process, in the
/// normal way (see [`rank`]). It never goes back.
static LAST_RANK: AtomicU64 = AtomicU64::new(0);
/// The sequence of ranks given out of turn (see [`rank`]).
static BEHIND_SEQ: AtomicU64 = AtomicU64::new(0);
/// The sequence of delayed tasks' ranks.
static DELAYED_SEQ: AtomicU64 = AtomicU64::new(0);

/// The low bits of a rank: a sequence within its millisecond.
const SEQ_BITS: u32 = 20;
/// Ranks given in turn use the lower half of a millisecond's sequence;
/// ranks given behind the last one (see [`rank`]) the upper half.
const BEHIND: u64 = 1 << (SEQ_BITS - 1);

/// The rank of a task due at `due_ms`, written at `now_ms`: its due time
/// times 2^20, plus a sequence number, so tasks sort by due time, then by
/// the order written.
///
/// Tasks due at once take the next number of the process's sequence for
/// their millisecond, so the tasks one thread writes (or threads ordered
/// by a lock or a message) keep their order. A task whose clock reading
/// is behind the last rank given (another thread read the clock later and
/// wrote first, or another store's clock is ahead) must not be pushed into
/// that later millisecond, where it would wait; it takes a number from the
/// upper half of its own millisecond's sequence, which sorts after every
/// rank given in turn in that millisecond, and the ranks given that way
/// increase too. A rank never moves the sequence back, so no two tasks of
/// one process get one rank.
fn rank(due_ms: u64, now_ms: u64) -> u64 {
    // 2^44 ms is over 500 years: a due time beyond is clamped.
    let base = due_ms.min((1 << 44) - 1) << SEQ_BITS;
    if due_ms > now_ms {
        return base | (DELAYED_SEQ.fetch_add(1, Ordering::Relaxed) & ((1 << SEQ_BITS) - 1));
    }
    let mut last = LAST_RANK.load(Ordering::Relaxed);
    loop {
        let next = if last >> SEQ_BITS < base >> SEQ_BITS {
            base
        } else if last >> SEQ_BITS == base >> SEQ_BITS && (last & (BEHIND - 1)) < BEHIND - 1 {
            last + 1
        } else {
            // Behind the last rank, or half a million tasks in one
            // millisecond: out of turn.
            return base | BEHIND | (BEHIND_SEQ.fetch_add(1, Ordering::Relaxed) & (BEHIND - 1));
        };
        match LAST_RANK.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => last = actual,
        }
    }
}

/// The rank and key of an entry's name (`<16 hex digits>-<key>`).
pub(crate) fn parse_entry(name: &str) -> Option<(u64, Key)> {
    let (rank, key) = split_entry(name)?;
    Some((rank, Key::new(key).ok()?))
}

/// The rank of an entry's name, if it is one (its key checked, not
/// allocated).
pub(crate) fn entry_rank(name: &str) -> Option<u64> {
    split_entry(name).map(|(rank, _)| rank)
}

fn split_entry(name: &str) -> Option<(u64, &str)> {
    let (rank, key) = name.split_at_checked(16)?;
    let key = key.strip_prefix('-')?;
    let rank = u64::from_str_radix(rank, 16).ok()?;
    Key::is_valid(key).then_some((rank, key))
}

/// Whether an entry of rank `rank` is due at `now_ms`.
pub(crate) fn is_due(rank: u64, now_ms: u64) -> bool {
    rank >> 20 <= now_ms
}

/// The name of the entry of task `key`, due at `due_ms`, written at
/// `now_ms`: `<rank as 16 hex digits>-<key>`, so that names sort in queue
/// order.
pub(crate) fn entry_name(due_ms: u64, now_ms: u64, key: &Key) -> String {
    format!("{:016x}-{key}", rank(due_ms, now_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_of_one_writer_keep_the_order_written() {
        let now = 1_000_000;
        let ranks: Vec<u64> = (0..1000).map(|_| rank(now, now)).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]));
        // A task due later sorts after every task due now.
        let later = rank(now + 1_000, now);
        assert!(ranks.iter().all(|r| *r < later));
        assert!(!is_due(later, now) && is_due(later, now + 1_000));
    }

    #[test]
    fn a_clock_read_behind_the_last_rank_keeps_order_and_stays_due() {
        let now = 2_000_000;
        let first = rank(now, now);
        // Another thread, or a store whose clock is ahead, got a rank in a
        // later millisecond.
        let ahead = rank(now + 5, now + 5);
        assert!(ahead > first);
        let behind: Vec<u64> = (0..100).map(|_| rank(now, now)).collect();
        assert!(
            behind.iter().all(|r| is_due(*r, now)),
            "pushed into the future"
        );
        assert!(behind[0] > first, "sorted before a task written earlier");
        assert!(behind.windows(2).all(|w| w[0] < w[1]), "ties or inversions");
        // Back in turn: the sequence went on from where it was.
        assert!(rank(now + 5, now + 5) > ahead);
    }

    #[test]
    fn entry_names_parse_back() {
        let key = Key::new("abc-1.2").unwrap();
        let name = entry_name(77, 1_000, &key);
        let (rank, parsed) = parse_entry(&name).unwrap();
        assert_eq!(parsed, key);
        assert!(is_due(rank, 77));
        assert_eq!(parse_entry("zz"), None);
        assert_eq!(parse_entry("000000000000004d-../x"), None);
    }
}
