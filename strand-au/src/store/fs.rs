//! [`FileSystemStore`]: one file per record in a directory.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt::{self, Write as _};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use super::fs_lock::{self, DirShared};
use super::notify::Notifier;
use super::{
    ComputationStore, Created, Heartbeat, Serialization, StoreError, Subscription, UpdateAction,
    Updated, decode_record, encode_record, is_owner_tag,
};
use crate::clock::{self, Clock};
use crate::key::Key;
use crate::record::Record;

/// Auto-cleanup looks at this many directory entries ...
const SWEEP_BATCH: usize = 32;
/// ... once every this many writes.
const SWEEP_EVERY: u64 = 128;
/// The hidden directory of heartbeats inside a store's directory.
const HEARTBEATS: &str = ".heartbeats";
/// Temporary files left by a crashed writer are removed after this long.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Records as files in a directory: the default store, embedded, surviving
/// restarts, shared by every process that opens the same directory.
///
/// * One file per key, `<dir>/<key><suffix>` (suffix `.json` or `.msgpack`
///   by default). Keys are validated ([`Key`]), so none can escape `dir`.
/// * Writes are atomic: the record goes to a temporary file in the same
///   directory, then is renamed over the old one, so a reader sees the old
///   record or the new one, never half. With [`fsync(true)`](Self::fsync) the
///   file and the directory are synced too (durable across power loss).
/// * [`update`](ComputationStore::update) holds a per-key lock across threads
///   and processes (`flock` on striped lock files; see the `fs_lock` notes in
///   the source for why `flock`).
/// * A corrupt or truncated file is an error for that key only.
/// * With a TTL, cleanup is automatic, amortised and bounded: every 128
///   writes, 32 more directory entries are checked, continuing where the last
///   sweep stopped (never a scan of the whole directory per call).
///   [`cleanup_expired`](ComputationStore::cleanup_expired) does a full pass.
/// * Waiters in this process are woken directly by writers in this process
///   (all `FileSystemStore`s on one directory share a notifier); writes from
///   other processes are seen by backoff polling (0.5 ms to 50 ms).
/// * Directories it creates are mode 0700, record files 0600.
///
/// Cloning is cheap; clones share everything.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use strand_au::{ComputationStore, FileSystemStore, Record, Serialization};
///
/// let dir = tempfile::tempdir().unwrap();
/// let store = FileSystemStore::new(dir.path())
///     .ttl(Duration::from_secs(3600))
///     .fsync(false)
///     .serialization(Serialization::Json)
///     .suffix(".rec");
/// let key = store.create_key();
/// store.put(&key, Record::pending("f", serde_json::json!([1, 2]), 0)).unwrap();
/// assert!(dir.path().join(format!("{key}.rec")).exists());
/// assert_eq!(store.keys().unwrap(), vec![key]);
/// ```
#[derive(Debug, Clone)]
pub struct FileSystemStore {
    shared: Arc<DirShared>,
    ttl: Option<Duration>,
    fsync: bool,
    suffix: Option<Cow<'static, str>>,
    serialization: Serialization,
    clock: Arc<dyn Clock>,
    auto_cleanup: bool,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The whole content of a record file: its size, then that many bytes.
/// strand only ever replaces record files (renames over them), never
/// changes them in place, so the size of the open file is its final size,
/// and the probing read that `fs::read` makes to find the end is not
/// needed. A file that something else rewrites in place can shrink while it
/// is read: then the bytes read so far are returned, and decoding them
/// reports a corrupt record (not an I/O error, which would hide what
/// happened).
fn read_whole(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
    let mut bytes = vec![0; len];
    let mut filled = 0;
    while filled < len {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// Rewrites the existing file `path` with `bytes`, in place.
fn overwrite_in_place(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)
}

impl FileSystemStore {
    /// A store on `dir` (created, mode 0700, on first write if missing),
    /// without TTL, without fsync, in JSON.
    pub fn new(dir: impl AsRef<Path>) -> FileSystemStore {
        FileSystemStore {
            shared: fs_lock::shared(dir.as_ref()),
            ttl: None,
            fsync: false,
            suffix: None,
            serialization: Serialization::Json,
            clock: clock::system(),
            auto_cleanup: true,
        }
    }

    /// The per-user base directory of default stores:
    /// `$TMPDIR/strand-<user>` (see [`in_default_dir`](Self::in_default_dir)).
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = strand_au::FileSystemStore::default_dir();
    /// assert!(dir.starts_with(std::env::temp_dir()));
    /// ```
    pub fn default_dir() -> PathBuf {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let user = std::env::var("USER")
            .ok()
            .filter(|u| Key::new(u.as_str()).is_ok())
            .unwrap_or_else(|| uid.to_string());
        std::env::temp_dir().join(format!("strand-{user}"))
    }

    /// A store in `<default_dir>/<subdir>`. The base directory is created
    /// with mode 0700 if missing, and refused if another user owns it or
    /// others can write to it (someone could read or plant records there).
    ///
    /// # Errors
    ///
    /// [`StoreError::Io`] if the directory cannot be created or is unsafe.
    ///
    /// # Examples
    ///
    /// ```
    /// let store = strand_au::FileSystemStore::in_default_dir("doctest").unwrap();
    /// assert!(store.dir().ends_with("doctest"));
    /// ```
    pub fn in_default_dir(subdir: &str) -> Result<FileSystemStore, StoreError> {
        let base = Self::default_dir();
        let io = |source| StoreError::Io { key: None, source };
        fs_lock::create_dir(&base).map_err(io)?;
        let meta = fs::metadata(&base).map_err(io)?;
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        if meta.uid() != uid || meta.permissions().mode() & 0o022 != 0 {
            return Err(io(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is owned by another user or writable by others; refusing to use it",
                    base.display()
                ),
            )));
        }
        let key =
            Key::new(subdir).map_err(|e| io(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
        let dir = base.join(key.as_str());
        fs_lock::create_dir(&dir).map_err(io)?;
        Ok(FileSystemStore::new(dir))
    }

    /// Keeps records for `ttl` (see [`Record::stamp`]).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Syncs each record file and the directory before a write returns
    /// (default: off; rename alone already prevents torn reads).
    pub fn fsync(mut self, fsync: bool) -> Self {
        self.fsync = fsync;
        self
    }

    /// File name suffix of records (default `.json`, or `.msgpack` in binary).
    /// Must not contain `/`.
    pub fn suffix(mut self, suffix: impl Into<Cow<'static, str>>) -> Self {
        let suffix = suffix.into();
        assert!(!suffix.contains('/'), "a record suffix cannot contain `/`");
        self.suffix = Some(suffix);
        self
    }

    /// The record encoding (default JSON).
    pub fn serialization(mut self, serialization: Serialization) -> Self {
        self.serialization = serialization;
        self
    }

    /// Whether writes trigger the bounded incremental cleanup (default on;
    /// it only runs when a TTL is set).
    pub fn auto_cleanup(mut self, on: bool) -> Self {
        self.auto_cleanup = on;
        self
    }

    /// Uses `clock` for timestamps, TTL and leases.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The TTL (the builder method [`ttl`](Self::ttl) shadows the trait's
    /// `ttl()` on this type; this reads it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let store = strand_au::FileSystemStore::new("/tmp/x").ttl(Duration::from_secs(9));
    /// assert_eq!(store.get_ttl(), Some(Duration::from_secs(9)));
    /// ```
    pub fn get_ttl(&self) -> Option<Duration> {
        self.ttl
    }

    /// The record encoding (named `get_` because the builder method
    /// [`serialization`](Self::serialization) sets it).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{FileSystemStore, Serialization};
    /// let store = FileSystemStore::new("/tmp/x");
    /// assert_eq!(store.get_serialization(), Serialization::Json);
    /// let store = store.serialization(Serialization::Binary);
    /// assert_eq!(store.get_serialization(), Serialization::Binary);
    /// ```
    pub fn get_serialization(&self) -> Serialization {
        self.serialization
    }

    /// The file name suffix of records: the one set with the builder method
    /// [`suffix`](Self::suffix) (hence `get_`), else `.json` in JSON and
    /// `.msgpack` in binary.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{FileSystemStore, Serialization};
    /// let store = FileSystemStore::new("/tmp/x");
    /// assert_eq!(store.get_suffix(), ".json");
    /// let store = store.serialization(Serialization::Binary);
    /// assert_eq!(store.get_suffix(), ".msgpack");
    /// assert_eq!(store.suffix(".rec").get_suffix(), ".rec");
    /// ```
    pub fn get_suffix(&self) -> &str {
        match (&self.suffix, self.serialization) {
            (Some(s), _) => s,
            (None, Serialization::Json) => ".json",
            (None, Serialization::Binary) => ".msgpack",
            // A format strand adds later (the enum is non-exhaustive): a
            // suffix of its own, so its files are never read as another's.
            (None, _) => ".record",
        }
    }

    /// The file of `key`.
    pub fn path_of(&self, key: &Key) -> PathBuf {
        self.in_dir(format_args!("{key}{}", self.get_suffix()))
    }

    /// `name` in the store's directory, built in buffers of the right size:
    /// growing them (`Path::join`, `format!`) calls `realloc`, which takes
    /// the allocator's arena lock, and the store's threads then contend for it.
    fn in_dir(&self, name: fmt::Arguments<'_>) -> PathBuf {
        let mut file = String::with_capacity(128);
        let _ = file.write_fmt(name);
        let dir = self.shared.dir.as_os_str();
        let mut path = OsString::with_capacity(dir.len() + 1 + file.len());
        path.push(dir);
        path.push("/");
        path.push(&file);
        PathBuf::from(path)
    }

    fn io_err(key: &Key) -> impl FnOnce(io::Error) -> StoreError + '_ {
        move |source| StoreError::Io {
            key: Some(key.clone()),
            source,
        }
    }

    fn read(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        match read_whole(&self.path_of(key)) {
            Ok(bytes) => decode_record(self.serialization, key, &bytes).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::io_err(key)(e)),
        }
    }

    /// Writes atomically: a temporary file in the same directory, renamed over.
    fn write(&self, key: &Key, record: &Record) -> Result<(), StoreError> {
        let bytes = encode_record(self.serialization, record)?;
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.in_dir(format_args!(".tmp-{key}-{}-{n}", std::process::id()));
        let result = (|| {
            let open = || {
                OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&tmp)
            };
            let mut file = match open() {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs_lock::create_dir(&self.shared.dir)?;
                    open()?
                }
                other => other?,
            };
            file.write_all(&bytes)?;
            if self.fsync {
                file.sync_all()?;
            }
            drop(file);
            fs::rename(&tmp, self.path_of(key))?;
            if self.fsync {
                fs::File::open(&self.shared.dir)?.sync_all()?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(Self::io_err(key))
    }

    /// The directory of heartbeats: hidden, so no record listing sees it.
    fn heartbeat_dir(&self) -> PathBuf {
        self.in_dir(format_args!("{HEARTBEATS}"))
    }

    fn heartbeat_path(&self, owner: &str) -> Result<PathBuf, StoreError> {
        if !is_owner_tag(owner) {
            return Err(StoreError::Other(format!(
                "`{owner}` is not an owner tag (ASCII letters, digits, `-`, `_`)"
            )));
        }
        Ok(self.in_dir(format_args!("{HEARTBEATS}/{owner}.json")))
    }

    fn dir_err(source: io::Error) -> StoreError {
        StoreError::Io { key: None, source }
    }

    fn lock(&self, key: &Key) -> Result<fs_lock::KeyLock<'_>, StoreError> {
        self.shared.lock_key(key).map_err(Self::io_err(key))
    }

    /// Read-modify-write under the key's lock, without triggering auto-cleanup.
    fn update_locked(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        let outcome = {
            let _lock = self.lock(key)?;
            let Some(current) = self.read(key)? else {
                return Ok(Updated::Missing);
            };
            let mut next = current.clone();
            match f(&mut next) {
                UpdateAction::Keep => return Ok(Updated::Kept(current)),
                UpdateAction::Delete => {
                    match fs::remove_file(self.path_of(key)) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => {
                            return Err(Self::io_err(key)(e));
                        }
                        _ => {}
                    }
                    Updated::Deleted
                }
                UpdateAction::Write => {
                    next.stamp(current.version, self.clock.now_ms(), self.ttl);
                    self.write(key, &next)?;
                    Updated::Written(next)
                }
            }
        };
        self.shared.notifier.notify(key);
        Ok(outcome)
    }

    /// Checks whether `name` is a record file of this store, and its key.
    fn key_of(&self, name: &str) -> Option<Key> {
        let stem = name.strip_suffix(self.get_suffix())?;
        Key::new(stem).ok()
    }

    /// One bounded step of auto-cleanup, paced by the write count.
    fn after_write(&self) {
        if !self.auto_cleanup || self.ttl.is_none() {
            return;
        }
        let writes = self.shared.writes.fetch_add(1, Ordering::Relaxed) + 1;
        if writes % SWEEP_EVERY != 0 {
            return;
        }
        // Someone else is sweeping: skip, never wait.
        let Ok(mut cursor) = self.shared.sweep.try_lock() else {
            return;
        };
        if cursor.is_none() {
            *cursor = fs::read_dir(&self.shared.dir).ok();
        }
        let Some(entries) = cursor.as_mut() else {
            return;
        };
        for _ in 0..SWEEP_BATCH {
            match entries.next() {
                Some(Ok(entry)) => {
                    self.sweep_entry(&entry);
                }
                Some(Err(_)) => {}
                None => {
                    *cursor = None;
                    break;
                }
            }
        }
    }

    /// Deletes `entry` if it is an expired record or a stale temporary file;
    /// whether a record was deleted.
    fn sweep_entry(&self, entry: &fs::DirEntry) -> bool {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        if name.starts_with(".tmp-") {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > STALE_TEMP);
            if stale {
                let _ = fs::remove_file(entry.path());
            }
            return false;
        }
        let Some(key) = self.key_of(name) else {
            return false;
        };
        let now = self.clock.now_ms();
        // Most records need nothing: look without the lock first (a read
        // is atomic), and lock only to act, checking again under the lock.
        let judged = match self.read(&key) {
            Ok(Some(r)) => match super::heartbeat::judge(self, &r, now) {
                super::heartbeat::Verdict::Live
                    if !super::heartbeat::expired(&super::heartbeat::Verdict::Live, &r, now) =>
                {
                    return false;
                }
                verdict => (verdict, r.owner),
            },
            _ => return false,
        };
        let outcome = self.update_locked(&key, &mut |r| {
            if super::heartbeat::expired(&judged.0, r, now) {
                UpdateAction::Delete
            } else {
                let (verdict, owner) = &judged;
                UpdateAction::write_if(super::heartbeat::apply(verdict, owner.as_deref(), r, now))
            }
        });
        matches!(outcome, Ok(Updated::Deleted))
    }
}

impl ComputationStore for FileSystemStore {
    fn load(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        self.read(key)
    }

    fn put(&self, key: &Key, mut record: Record) -> Result<(), StoreError> {
        {
            let _lock = self.lock(key)?;
            // A corrupt old record is simply replaced.
            let previous = self.read(key).ok().flatten().map_or(0, |r| r.version);
            record.stamp(previous, self.clock.now_ms(), self.ttl);
            self.write(key, &record)?;
        }
        self.shared.notifier.notify(key);
        self.after_write();
        Ok(())
    }

    fn put_new(&self, key: &Key, mut record: Record) -> Result<(), StoreError> {
        // A fresh key has no previous record and no other writer: no lock
        // and no read, only the atomic write (a reader still sees all or nothing).
        record.stamp(0, self.clock.now_ms(), self.ttl);
        self.write(key, &record)?;
        self.shared.notifier.notify(key);
        self.after_write();
        Ok(())
    }

    fn create(&self, key: &Key, mut record: Record) -> Result<Created, StoreError> {
        {
            // The key's lock (threads and processes), held from the read to
            // the write; a record that cannot be read is an error, never
            // replaced.
            let _lock = self.lock(key)?;
            let now = self.clock.now_ms();
            let previous = match self.read(key)? {
                Some(current) if !current.is_expired(now) => {
                    return Ok(Created::Exists(Box::new(current)));
                }
                Some(expired) => expired.version,
                None => 0,
            };
            record.stamp(previous, now, self.ttl);
            self.write(key, &record)?;
        }
        self.shared.notifier.notify(key);
        self.after_write();
        Ok(Created::New)
    }

    fn update(
        &self,
        key: &Key,
        f: &mut dyn FnMut(&mut Record) -> UpdateAction,
    ) -> Result<Updated, StoreError> {
        let outcome = self.update_locked(key, f)?;
        if matches!(outcome, Updated::Written(_)) {
            self.after_write();
        }
        Ok(outcome)
    }

    fn delete(&self, key: &Key) -> Result<bool, StoreError> {
        let existed = {
            let _lock = self.lock(key)?;
            match fs::remove_file(self.path_of(key)) {
                Ok(()) => true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                Err(e) => return Err(Self::io_err(key)(e)),
            }
        };
        self.shared.notifier.notify(key);
        Ok(existed)
    }

    fn keys(&self) -> Result<Vec<Key>, StoreError> {
        let entries = match fs::read_dir(&self.shared.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Io { key: None, source }),
        };
        let mut keys = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| StoreError::Io { key: None, source })?;
            if let Some(key) = entry.file_name().to_str().and_then(|n| self.key_of(n)) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    fn ttl(&self) -> Option<Duration> {
        self.ttl
    }

    fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// A full pass over the directory: expired records are deleted (under
    /// their lock), lapsed leases failed, stale temporary files removed.
    fn cleanup_expired(&self) -> Result<usize, StoreError> {
        let entries = match fs::read_dir(&self.shared.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(source) => return Err(StoreError::Io { key: None, source }),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if self.sweep_entry(&entry) {
                removed += 1;
            }
        }
        // Restart the incremental sweep on a fresh listing.
        *self
            .shared
            .sweep
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        Ok(removed)
    }

    fn describe(&self) -> Option<super::StoreDescription> {
        Some(super::StoreDescription::FileSystem {
            dir: self.dir().to_path_buf(),
            serialization: self.serialization,
            ttl_ms: self
                .ttl
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            suffix: self.suffix.as_ref().map(|s| s.to_string()),
            fsync: self.fsync,
        })
    }

    fn keeps_heartbeats(&self) -> bool {
        true
    }

    // Heartbeats are small JSON files in `<dir>/.heartbeats/`, whatever the
    // records' format, replaced atomically like records (no lock: each has
    // one writer, its process).
    fn put_heartbeat(&self, heartbeat: &Heartbeat) -> Result<(), StoreError> {
        let path = self.heartbeat_path(&heartbeat.owner)?;
        let bytes = serde_json::to_vec(heartbeat).map_err(|e| StoreError::Encode(e.to_string()))?;
        let dir = self.heartbeat_dir();
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.in_dir(format_args!(
            "{HEARTBEATS}/.tmp-{}-{}-{n}",
            heartbeat.owner,
            std::process::id()
        ));
        let result = (|| {
            let open = || {
                OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&tmp)
            };
            let mut file = match open() {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs_lock::create_dir(&self.shared.dir)?;
                    match fs::create_dir(&dir) {
                        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                        _ => {}
                    }
                    open()?
                }
                other => other?,
            };
            file.write_all(&bytes)?;
            drop(file);
            fs::rename(&tmp, &path)
        })();
        if let Err(e) = &result {
            let _ = fs::remove_file(&tmp);
            if e.kind() == io::ErrorKind::StorageFull {
                // A full disk has no room for a new file, but the old
                // heartbeat's blocks can take the new one in place. Not
                // atomic: a reader may see a torn heartbeat, which does
                // not decode and judges nothing, so the owner stays alive
                // for it, which it is.
                return overwrite_in_place(&path, &bytes).map_err(Self::dir_err);
            }
        }
        result.map_err(Self::dir_err)
    }

    fn load_heartbeat(&self, owner: &str) -> Result<Option<Heartbeat>, StoreError> {
        let path = self.heartbeat_path(owner)?;
        match read_whole(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::Other(format!("heartbeat of `{owner}` does not decode: {e}"))
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::dir_err(e)),
        }
    }

    fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError> {
        let entries = match fs::read_dir(self.heartbeat_dir()) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Self::dir_err(e)),
        };
        let mut beats = Vec::new();
        for entry in entries {
            let name = entry.map_err(Self::dir_err)?.file_name();
            let Some(owner) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            // One unreadable heartbeat does not hide the others.
            if let Ok(Some(beat)) = self.load_heartbeat(owner) {
                beats.push(beat);
            }
        }
        Ok(beats)
    }

    fn remove_heartbeat(&self, owner: &str) -> Result<bool, StoreError> {
        match fs::remove_file(self.heartbeat_path(owner)?) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Self::dir_err(e)),
        }
    }

    fn notify_changed(&self, key: &Key) {
        self.shared.notifier.notify(key);
    }

    fn subscribe(&self, key: &Key) -> Option<Subscription> {
        Some(Notifier::subscribe(&self.shared, |s| &s.notifier, key))
    }

    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        self.shared
            .notifier
            .wait(key, seen_version, deadline, &|| self.get(key))
    }
}
