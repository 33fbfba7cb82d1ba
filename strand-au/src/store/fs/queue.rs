//! The queues of a [`FileSystemStore`]: the queue contract (see
//! [`ComputationStore::holds_queues`]) on one directory shared by the
//! processes of one host.
//!
//! # Layout
//!
//! ```text
//! <dir>/<key>.json                               the task's record, as every record
//! <dir>/.queues/<queue>/<rank>-<key>             an entry: the task waits
//! <dir>/.queues/<queue>/.running/<rank>-<key>@<owner>   claimed by worker <owner>
//! <dir>/.corrupt/<key>.json.<n>                  a corrupt task record, kept aside
//! ```
//!
//! An entry is an empty file whose name sorts in queue order: its rank is
//! the task's due time in milliseconds times 2^20 plus a sequence number
//! that keeps the tasks of one writer in the order written (16 hex digits).
//! The record remembers its entry ([`Record::queue_entry`]).
//!
//! * **Write** (`enqueue`): under the key's lock, the entry is created,
//!   then the record written. A writer killed in between leaves an entry
//!   without record, which the first worker to claim it removes: the task
//!   never existed for anyone (the call did not return).
//! * **Claim**: a worker renames an entry into `.running/`, its owner tag
//!   appended. `rename` is atomic: of workers racing on one entry, in any
//!   processes, exactly one succeeds, and the others move on. The winner
//!   then writes the record `Running`, owned by it, under the key's lock,
//!   if it is still the `Pending` task of that entry (a task cancelled
//!   while it waited is not: its entry is dropped).
//! * **Finish**: the write of a terminal status removes the entry, waiting
//!   or claimed (the store does it in the same update); so does a cancel of
//!   a waiting task, which therefore never runs.
//! * **Worker gone** (`recover`, or a reader that judges the owner): the
//!   record goes back to `Pending` with its attempt counted, and the
//!   claimed entry is renamed back into the queue, keeping its place; a
//!   worker killed between its rename and its record write left the
//!   record `Pending`, and only the entry moves back.
//!
//! Workers keep the names of the entries they learnt, in order, and claim
//! from them. They learn names from a listing of the queue's directory,
//! made when they have nothing due left, and from the process's inotify
//! watcher. Its watch of a queue is edge-triggered (`IN_ONESHOT`): armed
//! when a listing finds the queue empty, it wakes the workers on the first
//! entry to arrive and then ends, so that a busy queue costs no event and
//! no wakeup per task, only a listing now and then, each yielding every
//! entry that arrived since the last. A listing that finds nothing due
//! arms the watch again, then lists once more (an entry that arrived in
//! between is not missed). Without inotify, workers list the directory
//! when they have nothing left, and wait with backoff.

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::FileSystemStore;
use crate::key::Key;
use crate::record::{ErrorInfo, ErrorKind, Record, Status, duration_ms};
use crate::store::bell::BELL;
use crate::store::fs_lock::lock_state;
use crate::store::heartbeat::check_owner_tag;
use crate::store::queue::{
    EntryChange, check_queue_name, entry_change, entry_name, entry_rank, is_due, parse_entry,
    queue_of, recover_record,
};
use crate::store::{
    Claimed, ComputationStore, Created, QueueStats, QueueWatch, StoreError, Updated,
};

/// The hidden directory of the queues.
const QUEUES: &str = ".queues";
/// Claimed entries, inside a queue's directory.
const RUNNING: &str = ".running";
/// Corrupt task records, kept aside.
const CORRUPT: &str = ".corrupt";
/// A worker lists a watched queue whole again at least this often, in case
/// an event was missed.
const RELIST_WATCHED: Duration = Duration::from_secs(5);

/// Whether an I/O error says a file or directory is missing.
fn missing(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound
}

impl FileSystemStore {
    fn queue_dir(&self, queue: &str) -> PathBuf {
        self.in_dir(format_args!("{QUEUES}/{queue}"))
    }

    fn entry_path(&self, queue: &str, entry: &str) -> PathBuf {
        self.in_dir(format_args!("{QUEUES}/{queue}/{entry}"))
    }

    fn running_dir(&self, queue: &str) -> PathBuf {
        self.in_dir(format_args!("{QUEUES}/{queue}/{RUNNING}"))
    }

    fn running_path(&self, queue: &str, entry: &str, owner: &str) -> PathBuf {
        self.in_dir(format_args!("{QUEUES}/{queue}/{RUNNING}/{entry}@{owner}"))
    }

    /// Creates the empty file `path` (and its directory, if missing).
    fn touch(&self, path: &std::path::Path) -> io::Result<()> {
        let create = || {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags_mode()
                .open(path)
        };
        match create() {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) if missing(&e) => {
                if let Some(parent) = path.parent() {
                    self.shared.create_dir(parent)?;
                }
                create().map(drop)
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn fs_enqueue(&self, key: &Key, mut record: Record) -> Result<Created, StoreError> {
        let queue = queue_of(key, &record)?;
        let entry;
        {
            // The key's lock, held from the look to the record's write: a
            // claim of the new entry waits for the record.
            let _lock = self.lock(key)?;
            let now = self.clock.now_ms();
            let previous = match self.read(key)? {
                Some(current) if !current.is_expired(now) => {
                    return Ok(Created::Exists(Box::new(current)));
                }
                Some(expired) => expired.version,
                None => 0,
            };
            entry = entry_name(record.due_at.unwrap_or(now), now, key);
            record.queue_entry = Some(entry.clone());
            record.owner = None;
            record.lease = None;
            record.stamp(previous, now, self.ttl);
            // Refused before anything is written if it is too large.
            let bytes = self.encode(key, &record)?;
            self.touch(&self.entry_path(&queue, &entry))
                .map_err(Self::io_err(key))?;
            if let Err(e) = self.write_bytes(key, &bytes) {
                let _ = fs::remove_file(self.entry_path(&queue, &entry));
                return Err(e);
            }
        }
        self.shared.notifier.notify(key);
        self.entry_added(&queue, &entry);
        self.after_write();
        Ok(Created::New)
    }

    /// `entry` was put into `queue` by this process: its workers here learn
    /// of it, and the queue's doorbell wakes one idle worker process.
    fn entry_added(&self, queue: &str, entry: &str) {
        self.shared.queue_arrived(queue, Some(entry));
        self.shared.ring(queue, &self.queue_dir(queue));
    }

    /// Keeps the entries of a queued task in step with its record, after a
    /// write of `next` over `current` under the key's lock (`None`: the
    /// record was deleted): back to the queue from `Running` to `Pending`,
    /// out of it at a terminal status or a delete.
    pub(super) fn queue_transition(&self, current: &Record, next: Option<&Record>) {
        match entry_change(current, next) {
            Some(EntryChange::Requeue {
                queue,
                entry,
                claimer,
            }) => {
                let back = self.entry_path(queue, entry);
                let moved = claimer.is_some_and(|owner| {
                    fs::rename(self.running_path(queue, entry, owner), &back).is_ok()
                });
                if !moved {
                    if let Err(e) = self.touch(&back) {
                        tracing::error!(%entry, error = %e, "cannot put a task back into its queue");
                    }
                }
                self.entry_added(queue, entry);
            }
            Some(EntryChange::Remove {
                queue,
                entry,
                claimer,
            }) => {
                let _ = fs::remove_file(self.entry_path(queue, entry));
                if let Some(owner) = claimer {
                    let _ = fs::remove_file(self.running_path(queue, entry, owner));
                }
            }
            None => {}
        }
    }

    /// The due entries this process knows of in `queue`, oldest first,
    /// listing the queue's directory when they may be incomplete: when the
    /// queue's watch has fired (or there is none) and nothing known is due,
    /// when events were lost, and every [`RELIST_WATCHED`] anyway.
    fn next_entries(
        &self,
        queue: &str,
        now_ms: u64,
        want: usize,
    ) -> Result<Vec<String>, StoreError> {
        let (relist, armed) = {
            let queues = lock_state(&self.shared.queues);
            match queues.get(queue) {
                None => (true, false),
                Some(state) => {
                    let armed = state.is_armed();
                    let age = state.listed_at.map(|t| t.elapsed());
                    let relist = state.stale
                        || (!armed && !state.first_due(now_ms))
                        || age.is_none_or(|a| a > RELIST_WATCHED);
                    (relist, armed)
                }
            }
        };
        if relist {
            let due = self.relist(queue, now_ms)?;
            // A watch that fired, and nothing due left: the queue is
            // quiet, so watch it again for its next entry, then list it
            // once more, for an entry added between the listing and the
            // watch. (A busy queue stays unwatched: listing it when this
            // process runs out of entries costs less than an event, and a
            // wakeup, for each.)
            if !armed
                && !due
                && self.watch
                && self.shared.rearm_queue(queue, &self.queue_dir(queue))
            {
                self.relist(queue, now_ms)?;
            }
        }
        let mut queues = lock_state(&self.shared.queues);
        let state = queues.entry(queue.to_owned()).or_default();
        let mut out = Vec::new();
        while out.len() < want {
            let Some(first) = state.entries.first() else {
                break;
            };
            match entry_rank(first) {
                Some(rank) if !is_due(rank, now_ms) => break,
                _ => {}
            }
            if let Some(entry) = state.entries.pop_first() {
                out.push(entry);
            }
        }
        if let Some(line) = &state.bell {
            // Room left here: the doorbell's next ring is for this process
            // too; none, and it is for the others.
            let hungry = out.len() < want;
            line.set_hungry(hungry);
            state.deaf |= !hungry;
        }
        Ok(out)
    }

    /// Lists `queue` whole, adding what it finds to the entries known;
    /// whether one of them is due at `now_ms`.
    ///
    /// When the listing finds the queue's doorbell gone, or another in its
    /// place (the directory was removed and made again), this process
    /// opens the new one, and lists once more: rings before then went to
    /// the old one.
    fn relist(&self, queue: &str, now_ms: u64) -> Result<bool, StoreError> {
        let mut check_bell = true;
        loop {
            let mut bell = None;
            let listed = self.list_entries_and_bell(queue, &mut bell)?;
            let mut queues = lock_state(&self.shared.queues);
            let state = queues.entry(queue.to_owned()).or_default();
            state.entries.extend(listed);
            state.stale = false;
            state.deaf = false;
            state.listed_at = Some(Instant::now());
            let due = state.first_due(now_ms);
            let bell_gone = state
                .bell
                .as_ref()
                .is_some_and(|line| !bell.is_some_and(|ino| line.is(ino)));
            drop(queues);
            if !(check_bell && bell_gone) {
                return Ok(due);
            }
            check_bell = false;
            if !self.shared.reopen_bell(queue, &self.queue_dir(queue)) {
                return Ok(due);
            }
        }
    }

    /// The names of the entries waiting in `queue` (its directory listed).
    fn list_entries(&self, queue: &str) -> Result<Vec<String>, StoreError> {
        self.list_entries_and_bell(queue, &mut None)
    }

    /// [`list_entries`](Self::list_entries), noting the inode of the
    /// queue's doorbell in `bell` if the listing comes across it.
    fn list_entries_and_bell(
        &self,
        queue: &str,
        bell: &mut Option<u64>,
    ) -> Result<Vec<String>, StoreError> {
        use std::os::unix::fs::DirEntryExt;
        let entries = match fs::read_dir(self.queue_dir(queue)) {
            Ok(entries) => entries,
            Err(e) if missing(&e) => return Ok(Vec::new()),
            Err(e) => return Err(Self::dir_err(e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(Self::dir_err)?;
            let name = entry.file_name();
            if name == BELL {
                *bell = Some(entry.ino());
            } else if let Some(name) = name.to_str() {
                if !name.starts_with('.') && entry_rank(name).is_some() {
                    names.push(name.to_owned());
                }
            }
        }
        Ok(names)
    }

    pub(super) fn fs_claim(
        &self,
        queues: &[&str],
        owner: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Claimed>, StoreError> {
        check_owner_tag(owner)?;
        let mut claimed = Vec::new();
        for queue in queues {
            check_queue_name(queue)?;
            while claimed.len() < max {
                let now = self.clock.now_ms();
                let entries = self.next_entries(queue, now, max - claimed.len())?;
                if entries.is_empty() {
                    break;
                }
                for (i, entry) in entries.iter().enumerate() {
                    match self.claim_entry(queue, entry, owner, lease) {
                        Ok(Some(task)) => claimed.push(task),
                        Ok(None) => {}
                        Err(e) => {
                            // Give back what was taken from this process's
                            // list and not tried.
                            let mut queues = lock_state(&self.shared.queues);
                            let state = queues.entry((*queue).to_owned()).or_default();
                            state.entries.extend(entries[i + 1..].iter().cloned());
                            return if claimed.is_empty() {
                                Err(e)
                            } else {
                                Ok(claimed)
                            };
                        }
                    }
                }
            }
        }
        Ok(claimed)
    }

    /// Tries to claim `entry` of `queue` for `owner`: the task, or `None`
    /// when another worker was first or the entry was stale.
    fn claim_entry(
        &self,
        queue: &str,
        entry: &str,
        owner: &str,
        lease: Duration,
    ) -> Result<Option<Claimed>, StoreError> {
        let Some((_, key)) = parse_entry(entry) else {
            return Ok(None);
        };
        let from = self.entry_path(queue, entry);
        let to = self.running_path(queue, entry, owner);
        match fs::rename(&from, &to) {
            Ok(()) => self.claimed_into_running(queue),
            Err(e) if missing(&e) => {
                // Taken by another worker; or the `.running` directory is
                // still to be made. With k workers, every entry is lost by
                // k - 1 of them: while this process's claims find the
                // directory there, a lost race is taken as one without
                // looking (one `stat` saved), and looked into again after
                // a run of losses, in case the directory went.
                if self.lost_with_running_dir(queue) || !from.exists() {
                    return Ok(None);
                }
                self.shared
                    .create_dir(&self.running_dir(queue))
                    .map_err(Self::dir_err)?;
                match fs::rename(&from, &to) {
                    Ok(()) => self.claimed_into_running(queue),
                    Err(e) if missing(&e) => return Ok(None),
                    Err(e) => return Err(Self::io_err(&key)(e)),
                }
            }
            Err(e) => return Err(Self::io_err(&key)(e)),
        }
        // The entry is this worker's: now the record.
        let lease_ms = duration_ms(lease);
        let outcome = {
            let _lock = self.lock(&key)?;
            let now = self.clock.now_ms();
            match self.read(&key) {
                Ok(Some(current))
                    if current.status == Status::Pending
                        && current.queue.as_deref() == Some(queue)
                        && current.queue_entry.as_deref() == Some(entry) =>
                {
                    let mut next = current.clone();
                    next.start(owner, now, lease_ms);
                    next.stamp(current.version, now, self.ttl);
                    match self.write(&key, &next) {
                        Ok(()) => Ok(Some(Claimed {
                            key: key.clone(),
                            record: next,
                        })),
                        Err(e) => {
                            // Not claimed after all: the entry goes back.
                            let _ = fs::rename(&to, &from);
                            Err(e)
                        }
                    }
                }
                Ok(_) => {
                    // A task that finished or moved on, or whose writer died
                    // before writing it: the entry was stale.
                    let _ = fs::remove_file(&to);
                    Ok(None)
                }
                Err(StoreError::Corrupt { message, .. }) => {
                    self.fail_corrupt(&key, queue, entry, &message, now);
                    let _ = fs::remove_file(&to);
                    Ok(None)
                }
                Err(e) => {
                    let _ = fs::rename(&to, &from);
                    Err(e)
                }
            }
        };
        if matches!(outcome, Ok(Some(_))) {
            self.shared.notifier.notify(&key);
            self.after_write();
        }
        outcome
    }

    /// A claim of `queue` renamed its entry into `.running/`: the
    /// directory is there.
    fn claimed_into_running(&self, queue: &str) {
        if let Some(state) = lock_state(&self.shared.queues).get_mut(queue) {
            state.lost_since_claimed = Some(0);
        }
    }

    /// A claim of `queue` found its entry gone: whether the `.running`
    /// directory is known to be there (a claim renamed into it lately, and
    /// fewer than 64 losses followed), so that the loss needs no look.
    fn lost_with_running_dir(&self, queue: &str) -> bool {
        const RECHECK_AFTER: u32 = 64;
        let mut queues = lock_state(&self.shared.queues);
        let Some(state) = queues.get_mut(queue) else {
            return false;
        };
        match &mut state.lost_since_claimed {
            Some(lost) if *lost < RECHECK_AFTER => {
                *lost += 1;
                true
            }
            _ => {
                state.lost_since_claimed = None;
                false
            }
        }
    }

    /// A task whose record does not decode: its bytes go to `.corrupt/`,
    /// and a `Failed` record saying so takes its place, so that its waiters
    /// learn what happened. Called under the key's lock.
    fn fail_corrupt(&self, key: &Key, queue: &str, entry: &str, message: &str, now: u64) {
        let kept = self.in_dir(format_args!("{CORRUPT}/{key}{}.{now}", self.get_suffix()));
        let moved = self
            .shared
            .create_dir(&self.in_dir(format_args!("{CORRUPT}")))
            .and_then(|()| fs::rename(self.path_of(key), &kept));
        let whereabouts = match &moved {
            Ok(()) => format!("its bytes are kept in {}", kept.display()),
            Err(e) => format!("its bytes could not be kept aside: {e}"),
        };
        tracing::error!(%key, queue, message, "a queued task's record is corrupt; failing it");
        let mut record = Record::pending("<unreadable>", serde_json::Value::Null, now);
        record.queue = Some(queue.to_owned());
        record.queue_entry = Some(entry.to_owned());
        record.fail(
            ErrorInfo::new(
                ErrorKind::Decode,
                format!("the task's entry is corrupt ({message}); {whereabouts}"),
            ),
            now,
        );
        record.stamp(0, now, self.ttl);
        if let Err(e) = self.write(key, &record) {
            tracing::error!(%key, error = %e, "cannot record the failure of a corrupt task");
        }
        self.shared.notifier.notify(key);
    }

    pub(super) fn fs_recover(&self, queues: &[&str]) -> Result<usize, StoreError> {
        let me = crate::context::OWNER.as_str();
        let mut alive: std::collections::HashMap<String, bool> = Default::default();
        let mut moved = 0;
        for queue in queues {
            check_queue_name(queue)?;
            let entries = match fs::read_dir(self.running_dir(queue)) {
                Ok(entries) => entries,
                Err(e) if missing(&e) => continue,
                Err(e) => return Err(Self::dir_err(e)),
            };
            for dir_entry in entries.flatten() {
                let name = dir_entry.file_name();
                let Some((entry, owner)) = name.to_str().and_then(|n| n.rsplit_once('@')) else {
                    continue;
                };
                if owner == me || entry_rank(entry).is_none() {
                    continue;
                }
                let now = self.clock.now_ms();
                let owner_alive = *alive.entry(owner.to_owned()).or_insert_with(|| {
                    match self.load_heartbeat(owner) {
                        Ok(Some(beat)) => beat.is_alive(now),
                        Ok(None) => false,
                        // Cannot judge: leave it.
                        Err(_) => true,
                    }
                });
                if owner_alive {
                    continue;
                }
                if self.recover_entry(queue, entry, owner, now)? {
                    moved += 1;
                }
            }
        }
        Ok(moved)
    }

    /// Sends back the task of `entry` claimed by the dead worker `owner`;
    /// whether it moved.
    fn recover_entry(
        &self,
        queue: &str,
        entry: &str,
        owner: &str,
        now: u64,
    ) -> Result<bool, StoreError> {
        let Some((_, key)) = parse_entry(entry) else {
            return Ok(false);
        };
        let claimed_path = self.running_path(queue, entry, owner);
        let why = format!("worker {owner} is gone: its heartbeat lapsed");
        let mut pending = false;
        let outcome = self.update_locked(&key, &mut |r| {
            recover_record(r, entry, owner, &why, now, &mut pending)
        });
        match outcome {
            Ok(Updated::Written(_)) => Ok(true),
            Ok(Updated::Kept(_)) if pending => {
                // Claimed, and the worker died before it wrote the claim.
                let back = self.entry_path(queue, entry);
                if fs::rename(&claimed_path, &back).is_ok() {
                    self.entry_added(queue, entry);
                    return Ok(true);
                }
                Ok(false)
            }
            Ok(_) => {
                // Finished, moved on, or gone: the claimed entry was stale.
                let _ = fs::remove_file(&claimed_path);
                Ok(false)
            }
            Err(StoreError::Corrupt { .. }) => {
                // Back to the queue, where a claim fails it saying why.
                let _ = fs::rename(&claimed_path, self.entry_path(queue, entry));
                self.entry_added(queue, entry);
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn fs_watch_queue(
        &self,
        queue: &str,
        waker: std::task::Waker,
    ) -> Result<QueueWatch, StoreError> {
        check_queue_name(queue)?;
        let complete = self.watch && self.shared.watch_queue(queue, &self.queue_dir(queue));
        let id = lock_state(&self.shared.queues)
            .entry(queue.to_owned())
            .or_default()
            .wakers
            .add(queue, waker);
        let shared = Arc::clone(&self.shared);
        let queue = queue.to_owned();
        Ok(QueueWatch::new(complete, move || {
            if let Some(state) = lock_state(&shared.queues).get_mut(&queue) {
                state.wakers.remove(&queue, id);
            }
        }))
    }

    pub(super) fn fs_queue_stats(&self, queue: &str) -> Result<QueueStats, StoreError> {
        check_queue_name(queue)?;
        let now = self.clock.now_ms();
        let mut stats = QueueStats::default();
        for name in self.list_entries(queue)? {
            match entry_rank(&name) {
                Some(rank) if is_due(rank, now) => stats.ready += 1,
                Some(_) => stats.delayed += 1,
                None => {}
            }
        }
        stats.claimed = match fs::read_dir(self.running_dir(queue)) {
            Ok(entries) => entries.flatten().count() as u64,
            Err(e) if missing(&e) => 0,
            Err(e) => return Err(Self::dir_err(e)),
        };
        Ok(stats)
    }
}

/// `OpenOptions` for an entry file: mode 0600, never through a link.
trait EntryOptions {
    fn custom_flags_mode(&mut self) -> &mut Self;
}

impl EntryOptions for fs::OpenOptions {
    fn custom_flags_mode(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600).custom_flags(libc::O_NOFOLLOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fs_lock::QueueState;

    #[test]
    fn a_process_that_only_writes_tasks_keeps_no_entry_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSystemStore::new(dir.path());
        let mut keys = Vec::new();
        for i in 0..10 {
            let mut record = Record::pending("f", serde_json::json!(i), 0);
            record.queue = Some("default".to_owned());
            let key = store.create_key();
            assert!(matches!(store.enqueue(&key, record).unwrap(), Created::New));
            keys.push(key);
        }
        {
            let queues = lock_state(&store.shared.queues);
            let state = &queues["default"];
            assert!(state.entries.is_empty(), "{:?}", state.entries);
            assert!(state.stale);
        }
        // A claim in this process lists the queue: every task, in order.
        let claimed = store
            .claim(&["default"], "owner-1", Duration::from_secs(30), 100)
            .unwrap();
        let claimed: Vec<Key> = claimed.into_iter().map(|c| c.key).collect();
        assert_eq!(claimed, keys);
    }
    /// Counts the wakeups of a queue's workers.
    #[derive(Default)]
    struct Wakes {
        count: std::sync::Mutex<u32>,
        cond: std::sync::Condvar,
    }

    impl std::task::Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            *self.count.lock().unwrap() += 1;
            self.cond.notify_all();
        }
    }

    impl Wakes {
        /// Waits (10 s at most) until more than `seen` wakeups came.
        fn wait_past(&self, seen: u32) -> u32 {
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut count = self.count.lock().unwrap();
            while *count <= seen {
                let left = deadline.saturating_duration_since(Instant::now());
                assert!(!left.is_zero(), "no wakeup came");
                count = self.cond.wait_timeout(count, left).unwrap().0;
            }
            *count
        }
    }

    fn queued(store: &FileSystemStore, i: u64) -> Key {
        let mut record = Record::pending("f", serde_json::json!(i), 0);
        record.queue = Some("default".to_owned());
        let key = store.create_key();
        assert!(matches!(store.enqueue(&key, record).unwrap(), Created::New));
        key
    }

    fn claim_all(store: &FileSystemStore) -> Vec<Key> {
        store
            .claim(&["default"], "owner-1", Duration::from_secs(30), 100)
            .unwrap()
            .into_iter()
            .map(|c| c.key)
            .collect()
    }

    /// A worker store, and a writer store on the same directory reached
    /// through a link: another path, so another shared state, as another
    /// process would have.
    fn worker_and_writer() -> (tempfile::TempDir, PathBuf, FileSystemStore, FileSystemStore) {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().with_extension("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        let writer = FileSystemStore::new(&link);
        let worker = FileSystemStore::new(dir.path());
        (dir, link, worker, writer)
    }

    /// Claims at each wakeup past `seen`, as a worker does, until a claim
    /// takes something (10 s at most a wakeup).
    fn claim_when_woken(worker: &FileSystemStore, wakes: &Wakes, mut seen: u32) -> Vec<Key> {
        loop {
            seen = wakes.wait_past(seen);
            let claimed = claim_all(worker);
            if !claimed.is_empty() {
                return claimed;
            }
        }
    }

    /// A worker's watch of the queue `default`, counting its wakeups.
    fn watch_default(worker: &FileSystemStore) -> (Arc<Wakes>, QueueWatch) {
        let wakes = Arc::new(Wakes::default());
        let watch = worker
            .watch_queue("default", std::task::Waker::from(wakes.clone()))
            .unwrap()
            .unwrap();
        (wakes, watch)
    }

    /// Two more tasks after `first`, written while the worker is busy: one
    /// claim takes all three.
    fn busy_claim_lists(worker: &FileSystemStore, writer: &FileSystemStore, first: Key) {
        let more = [queued(writer, 2), queued(writer, 3)];
        let mut claimed = claim_all(worker);
        claimed.sort();
        let mut expected = vec![first, more[0].clone(), more[1].clone()];
        expected.sort();
        assert_eq!(claimed, expected);
    }

    fn armed(store: &FileSystemStore) -> bool {
        lock_state(&store.shared.queues)
            .get("default")
            .is_some_and(QueueState::is_armed)
    }

    fn has_bell(store: &FileSystemStore) -> bool {
        lock_state(&store.shared.queues)
            .get("default")
            .is_some_and(|s| s.bell.as_ref().is_some_and(|line| line.is_alive()))
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_doorbell_wakes_a_quiet_worker_and_a_busy_one_lists() {
        use std::os::unix::fs::FileTypeExt;
        let (_dir, link, worker, writer) = worker_and_writer();
        let (wakes, watch) = watch_default(&worker);
        assert!(watch.is_complete());
        let bell = worker.queue_dir("default").join(BELL);
        assert!(fs::symlink_metadata(&bell).unwrap().file_type().is_fifo());
        assert!(has_bell(&worker));
        // Quiet: the claim finds nothing; the bell stays armed throughout.
        assert!(claim_all(&worker).is_empty());
        assert!(armed(&worker));
        let first = queued(&writer, 1);
        let seen = wakes.wait_past(0);
        // More tasks while it is busy: the claim lists them all.
        busy_claim_lists(&worker, &writer, first);
        // The rings of those two tasks may wake it again; the next task's
        // ring does for sure, once it has room.
        assert!(claim_all(&worker).is_empty());
        let last = queued(&writer, 4);
        assert_eq!(claim_when_woken(&worker, &wakes, seen), vec![last]);
        drop(watch);
        let _ = fs::remove_file(&link);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_removed_queue_directory_gets_a_new_doorbell() {
        let (_dir, link, worker, writer) = worker_and_writer();
        let (wakes, _watch) = watch_default(&worker);
        assert!(claim_all(&worker).is_empty());
        // Someone removes the queue's directory, bell and all: the worker
        // hears of it, and its next claim opens the bell made anew.
        fs::remove_dir_all(worker.queue_dir("default")).unwrap();
        let seen = wakes.wait_past(0);
        assert!(claim_all(&worker).is_empty());
        assert!(has_bell(&worker));
        let bell = worker.queue_dir("default").join(BELL);
        assert!(fs::symlink_metadata(&bell).is_ok());
        // A task written now rings the new bell. (The old bell's last
        // events may wake the worker too: it claims at each wakeup.)
        let key = queued(&writer, 1);
        assert_eq!(claim_when_woken(&worker, &wakes, seen), vec![key]);
        let _ = fs::remove_file(&link);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn without_a_doorbell_the_queue_watch_wakes_a_quiet_worker_and_a_busy_one_lists() {
        let (_dir, link, worker, writer) = worker_and_writer();
        // A file in the bell's place: no bell, the directory is watched.
        fs::create_dir_all(worker.queue_dir("default")).unwrap();
        fs::write(worker.queue_dir("default").join(BELL), b"not a pipe").unwrap();
        let (wakes, watch) = watch_default(&worker);
        assert!(watch.is_complete());
        assert!(!has_bell(&worker));
        // Quiet: the claim finds nothing, and the watch is armed.
        assert!(claim_all(&worker).is_empty());
        assert!(armed(&worker));
        // The first task wakes the worker, and ends the watch.
        let first = queued(&writer, 1);
        let seen = wakes.wait_past(0);
        assert!(!armed(&worker));
        // More tasks while it is busy: no watch, the claim lists them.
        busy_claim_lists(&worker, &writer, first);
        // Drained: the claim that found nothing armed the watch again, so
        // the next task wakes the worker once more.
        assert!(armed(&worker));
        let last = queued(&writer, 4);
        wakes.wait_past(seen);
        assert_eq!(claim_all(&worker), vec![last]);
        drop(watch);
        let _ = fs::remove_file(&link);
    }
}
