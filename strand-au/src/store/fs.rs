//! [`FileSystemStore`]: one file per record in a directory.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt::{self, Write as _};
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use super::fs_lock::{self, DirShared};
use super::heartbeat::check_owner_tag;
use super::notify::Notifier;
use super::{
    ComputationStore, Created, DEFAULT_MAX_RECORD_SIZE, Heartbeat, Serialization, StoreError,
    Subscription, UpdateAction, Updated, decode_record, encode_record_of, oversized,
};
use crate::clock::{self, Clock};
use crate::key::Key;
use crate::record::Record;

mod queue;

/// Auto-cleanup looks at this many directory entries ...
const SWEEP_BATCH: usize = 32;
/// ... once every this many writes.
const SWEEP_EVERY: u64 = 128;
/// Records written more recently than this are passed over by a sweep step
/// (see `FileSystemStore::written_lately`).
const SWEEP_MIN_AGE: Duration = Duration::from_secs(1);
/// The hidden directory of heartbeats inside a store's directory.
const HEARTBEATS: &str = ".heartbeats";
/// Temporary files left by a crashed writer are removed after this long
/// (a writer renames its temporary file within microseconds; one stopped
/// for longer than this finds it gone and its write fails, nothing worse).
const STALE_TEMP: Duration = Duration::from_secs(60);
/// The maximum size of a heartbeat file (a heartbeat is about 200 bytes).
const MAX_HEARTBEAT_SIZE: u64 = 64 << 10;

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
/// * Records have a maximum size, [`DEFAULT_MAX_RECORD_SIZE`] (64 MiB)
///   unless set with [`max_record_size`](Self::max_record_size): a larger
///   record is refused at write time ([`StoreError::TooLarge`], nothing
///   written), and a larger file is an error for its key when read.
/// * Cleanup is automatic, amortised and bounded: every 128 writes, 32 more
///   directory entries are checked, continuing where the last sweep stopped
///   (never a scan of the whole directory per call). Temporary files older
///   than a minute (left by a writer killed mid-write) are removed, with or
///   without a TTL; with a TTL, expired records are deleted too.
///   [`cleanup_expired`](ComputationStore::cleanup_expired) does a full pass.
/// * Waiters in this process are woken directly by writers in this process
///   (all `FileSystemStore`s on one directory share a notifier); writes from
///   other processes are seen by backoff polling (0.5 ms to 50 ms).
/// * Directories it creates are mode 0700, record files 0600.
///
/// # Files it did not write
///
/// The directory may hold files that this store did not write (by hand, by
/// another program, by an attacker with access to it). None of them can hang
/// a call, exhaust memory, or make the store read or write outside its
/// directory; each is at worst an error for its own key:
///
/// * **Not a regular file** at a record's name (a FIFO, a socket, a device,
///   a directory): records are opened without blocking and checked before
///   any read; [`load`](ComputationStore::load) and
///   [`get`](ComputationStore::get) return [`StoreError::Corrupt`] for that
///   key ("not a regular file: a FIFO"). The sweep skips it.
/// * **A symbolic link** at a record's name: never followed, whatever it
///   points to (`O_NOFOLLOW`); reading is [`StoreError::Corrupt`] ("not a
///   regular file: a symbolic link").
/// * **An oversized file** (over the maximum record size, sparse or not):
///   [`StoreError::Corrupt`] ("record of N bytes exceeds the maximum of M
///   bytes"), decided from the file's size before anything is allocated.
/// * **A corrupt record, or one of a newer format**: [`StoreError::Corrupt`]
///   for that key.
/// * For all of the above, [`put`](ComputationStore::put) replaces the name
///   with a record (the new file is renamed over it: a symlink is replaced
///   itself, its target is never written; a directory cannot be replaced,
///   an I/O error), and [`delete`](ComputationStore::delete) removes the
///   name (a symlink itself, never its target).
///   [`update`](ComputationStore::update) and
///   [`create`](ComputationStore::create) read first, so they return the
///   error and change nothing. [`keys`](ComputationStore::keys) lists such
///   a key: it is a record's name.
/// * **A stale temporary file** (`.tmp-…`, a writer killed between writing
///   and renaming): removed by the sweep once older than a minute.
/// * **Any other name** (not `<key><suffix>`): ignored, never read.
///
/// Heartbeats (in `<dir>/.heartbeats/`) follow the same rules, with a
/// maximum of 64 KiB.
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
    max_record_size: u64,
    watch: bool,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Why a file of the store was not read.
#[derive(Debug)]
enum ReadError {
    /// No file of that name.
    Missing,
    /// Something that is not a file this store reads: what it is.
    Refused(String),
    /// The operating system's error.
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// What a file that is not a regular file is, for an error message.
fn not_regular(file_type: fs::FileType) -> String {
    let what = if file_type.is_symlink() {
        "a symbolic link (never followed)"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else {
        "of an unknown type"
    };
    format!("not a regular file: {what}")
}

/// The whole content of the regular file `path`, of at most `max` bytes.
///
/// Opened with `O_NOFOLLOW` (a symbolic link is refused, never followed)
/// and `O_NONBLOCK` (opening a FIFO returns at once instead of waiting for
/// a writer; a socket fails to open), then checked with `fstat`: anything
/// but a regular file is refused, and so is a file over `max` bytes, before
/// anything is allocated.
///
/// Then its size, then that many bytes. strand only ever replaces record
/// files (renames over them), never changes them in place, so the size of
/// the open file is its final size, and the probing read that `fs::read`
/// makes to find the end is not needed (so nothing beyond the `max` bytes
/// checked is ever read, even if something makes the file grow). A file
/// that something else rewrites in place can shrink while it is read: then
/// the bytes read so far are returned, and decoding them reports a corrupt
/// record (not an I/O error, which would hide what happened).
fn read_file(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let mut file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadError::Missing),
        // `ELOOP` for a symbolic link, `ENXIO` for a socket: say what is there.
        Err(e) => {
            return Err(match fs::symlink_metadata(path) {
                Ok(meta) if !meta.file_type().is_file() => {
                    ReadError::Refused(not_regular(meta.file_type()))
                }
                _ => ReadError::Io(e),
            });
        }
    };
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(ReadError::Refused(not_regular(meta.file_type())));
    }
    if meta.len() > max {
        return Err(ReadError::Refused(oversized(meta.len(), max)));
    }
    // At most `max`, which is at most what the platform can hold when it
    // was configured as a `u64` above it: then the allocation fails as the
    // encoding of such a record would have.
    let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    let mut bytes = vec![0; len];
    let mut filled = 0;
    while filled < len {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// Rewrites the existing regular file `path` with `bytes`, in place (never
/// through a symbolic link, never waiting on a FIFO).
fn overwrite_in_place(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            not_regular(file_type),
        ));
    }
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
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            watch: true,
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

    /// Whether writes trigger the bounded incremental cleanup (default on):
    /// stale temporary files always, expired records with a TTL.
    pub fn auto_cleanup(mut self, on: bool) -> Self {
        self.auto_cleanup = on;
        self
    }

    /// Uses `clock` for timestamps, TTL and leases.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The maximum size of a record file in bytes (default
    /// [`DEFAULT_MAX_RECORD_SIZE`], 64 MiB). A record that encodes larger is
    /// refused with [`StoreError::TooLarge`] and nothing is written; a file
    /// larger than this is [`StoreError::Corrupt`] for its key when read,
    /// without reading it.
    ///
    /// Give every store on one directory the same maximum: a store with a
    /// smaller one cannot read the larger records of another.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationStore, FileSystemStore, Record, StoreError};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = FileSystemStore::new(dir.path()).max_record_size(1024);
    /// assert_eq!(store.get_max_record_size(), 1024);
    /// let key = store.create_key();
    /// let big = Record::pending("f", serde_json::json!("x".repeat(2000)), 0);
    /// match store.put(&key, big) {
    ///     Err(StoreError::TooLarge { key: Some(k), max: 1024, .. }) => assert_eq!(k, key),
    ///     other => panic!("expected TooLarge, got {other:?}"),
    /// }
    /// assert!(!store.path_of(&key).exists());
    /// ```
    pub fn max_record_size(mut self, bytes: u64) -> Self {
        self.max_record_size = bytes;
        self
    }

    /// Whether the store watches its directory through inotify (default
    /// on, where the system has it): then waiters and workers of this
    /// process wake as soon as another process writes a record or a task.
    /// Off, they look again on a backoff timer (0.5 ms doubling up to 50
    /// ms), as they do where inotify is unavailable or its watches are
    /// exhausted. Turn it off on a network file system shared by several
    /// hosts (NFS, CIFS), where inotify never sees the other hosts' writes
    /// and the timer is what wakes them. Writes made through this process's
    /// own stores wake its waiters and workers at once either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand_au::{ComputationStore, FileSystemStore};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = FileSystemStore::new(dir.path()).watch(false);
    /// assert!(!store.subscribe_sees_all_writes());
    /// ```
    pub fn watch(mut self, on: bool) -> Self {
        self.watch = on;
        self
    }

    /// Watches the records of the directory unless told not to: whether
    /// other processes' writes wake this process's waiters.
    fn watch_records(&self) -> bool {
        self.watch && self.shared.watch_records(self.get_suffix())
    }

    /// The maximum size of a record file (named `get_` because the builder
    /// method [`max_record_size`](Self::max_record_size) sets it).
    pub fn get_max_record_size(&self) -> u64 {
        self.max_record_size
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Removes the directory with every record, for good: this process's
    /// later writes to the store (a late outcome, the renewer's heartbeat)
    /// fail instead of making the directory again. For [`TempStore`].
    ///
    /// [`TempStore`]: crate::TempStore
    pub(crate) fn remove_dir(&self) -> io::Result<()> {
        self.shared.remove()
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
        match read_file(&self.path_of(key), self.max_record_size) {
            Ok(bytes) => decode_record(self.serialization, key, &bytes).map(Some),
            Err(ReadError::Missing) => Ok(None),
            Err(ReadError::Refused(message)) => Err(StoreError::Corrupt {
                key: key.clone(),
                message,
            }),
            Err(ReadError::Io(e)) => Err(Self::io_err(key)(e)),
        }
    }

    /// Replaces `path` with `bytes` atomically: writes the new temporary
    /// file `tmp` (created new, so never through a symbolic link; its
    /// directory made by `make_dir` if missing), optionally synced, and
    /// renames it over `path`; removes `tmp` on failure.
    fn replace(
        &self,
        tmp: &Path,
        path: &Path,
        bytes: &[u8],
        fsync: bool,
        make_dir: &dyn Fn() -> io::Result<()>,
    ) -> io::Result<()> {
        let result = (|| {
            let open = || {
                OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(tmp)
            };
            let mut file = match open() {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    make_dir()?;
                    open()?
                }
                other => other?,
            };
            file.write_all(bytes)?;
            if fsync {
                file.sync_all()?;
            }
            drop(file);
            fs::rename(tmp, path)?;
            if fsync {
                fs::File::open(&self.shared.dir)?.sync_all()?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(tmp);
        }
        result
    }

    /// Writes atomically: a temporary file in the same directory (created
    /// new, so never through a symbolic link), renamed over the record's
    /// name (which replaces whatever file has that name, a symbolic link
    /// itself rather than its target).
    fn write(&self, key: &Key, record: &Record) -> Result<(), StoreError> {
        let bytes = self.encode(key, record)?;
        self.write_bytes(key, &bytes)
    }

    /// `record` as the store writes it, or [`StoreError::TooLarge`].
    fn encode(&self, key: &Key, record: &Record) -> Result<Vec<u8>, StoreError> {
        encode_record_of(self.serialization, key, record, self.max_record_size)
    }

    /// Writes the encoded record of `key` atomically (see [`Self::write`]).
    fn write_bytes(&self, key: &Key, bytes: &[u8]) -> Result<(), StoreError> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.in_dir(format_args!(".tmp-{key}-{}-{n}", std::process::id()));
        let result = self.replace(&tmp, &self.path_of(key), bytes, self.fsync, &|| {
            self.shared.create_dir(&self.shared.dir)
        });
        result.map_err(Self::io_err(key))
    }

    /// The directory of heartbeats: hidden, so no record listing sees it.
    fn heartbeat_dir(&self) -> PathBuf {
        self.in_dir(format_args!("{HEARTBEATS}"))
    }

    fn heartbeat_path(&self, owner: &str) -> Result<PathBuf, StoreError> {
        check_owner_tag(owner)?;
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
                    self.queue_transition(&current, None);
                    Updated::Deleted
                }
                UpdateAction::Write => {
                    next.stamp(current.version, self.clock.now_ms(), self.ttl);
                    self.write(key, &next)?;
                    self.queue_transition(&current, Some(&next));
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

    /// One bounded step of auto-cleanup, paced by the write count: stale
    /// temporary files always, expired records when there is a TTL.
    fn after_write(&self) {
        if !self.auto_cleanup {
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
                    // Without a TTL no record expires; leases lapse, but
                    // readers (`get`) and `cleanup_expired` see to those.
                    self.sweep_entry(&entry, self.ttl.is_some(), true);
                }
                Some(Err(_)) => {}
                None => {
                    *cursor = None;
                    break;
                }
            }
        }
    }

    /// Whether the record file `entry` was written less than
    /// [`SWEEP_MIN_AGE`] (or the TTL, if shorter) before `now_ms` by its
    /// modification time: the sweep passes over it with one `stat` instead
    /// of a read and a decode. Such a record has not outlived the store's
    /// TTL; one with a shorter TTL of its own, or whose owner died since,
    /// is seen to at a later pass (readers never see an expired record
    /// anyway, and waiters judge owners themselves). The shortcut holds
    /// only while the store's clock agrees with the file's time (a
    /// `ManualClock` elsewhere in time reads every record).
    fn written_lately(&self, entry: &fs::DirEntry, now_ms: u64) -> bool {
        let min_age = self.ttl.map_or(SWEEP_MIN_AGE, |ttl| ttl.min(SWEEP_MIN_AGE));
        let Some(written) = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(crate::record::duration_ms)
        else {
            return false;
        };
        // A second ahead of the clock at most: file times and the clock
        // are read apart, and may be a little out of step.
        written <= now_ms + 1_000
            && now_ms.saturating_sub(written) < crate::record::duration_ms(min_age)
    }

    /// Deletes `entry` if it is a stale temporary file, or, when `records`,
    /// an expired record (and fails a record whose lease lapsed); whether a
    /// record was deleted. Anything that is not a regular file is left alone,
    /// never opened (a record's name may hold a FIFO or a symbolic link).
    /// `amortised`: a step of auto-cleanup, which passes over the records
    /// written lately ([`cleanup_expired`](ComputationStore::cleanup_expired)
    /// reads them all).
    fn sweep_entry(&self, entry: &fs::DirEntry, records: bool, amortised: bool) -> bool {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        if name.starts_with(".tmp-") {
            remove_if_stale(entry);
            return false;
        }
        if !records || !entry.file_type().is_ok_and(|t| t.is_file()) {
            return false;
        }
        let Some(key) = self.key_of(name) else {
            return false;
        };
        let now = self.clock.now_ms();
        if amortised && self.written_lately(entry, now) {
            return false;
        }
        // Most records need nothing: look without the lock first (a read
        // is atomic), and lock only to act, checking again under the lock.
        let judged = match self.read(&key) {
            Ok(Some(r)) => match super::heartbeat::judge(self, &key, &r, now) {
                super::heartbeat::Verdict::Live
                    if !super::heartbeat::expired(&super::heartbeat::Verdict::Live, &r, now) =>
                {
                    return false;
                }
                verdict => (verdict, r.owner),
            },
            _ => return false,
        };
        let (verdict, owner) = judged;
        let outcome = self.update_locked(&key, &mut |r| {
            super::heartbeat::cleanup(&verdict, owner.as_deref(), r, now)
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
    /// their lock), lapsed leases failed, temporary files older than a
    /// minute removed (with or without a TTL; heartbeats' too).
    fn cleanup_expired(&self) -> Result<usize, StoreError> {
        let entries = match fs::read_dir(&self.shared.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(source) => return Err(StoreError::Io { key: None, source }),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            if self.sweep_entry(&entry, true, false) {
                removed += 1;
            }
        }
        // The temporary files of heartbeat writers killed mid-write.
        if let Ok(entries) = fs::read_dir(self.heartbeat_dir()) {
            for entry in entries.flatten() {
                if entry.file_name().as_encoded_bytes().starts_with(b".tmp-") {
                    remove_if_stale(&entry);
                }
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
            max_record_size: (self.max_record_size != DEFAULT_MAX_RECORD_SIZE)
                .then_some(self.max_record_size),
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
        let result = self.replace(&tmp, &path, &bytes, false, &|| {
            self.shared.create_dir(&self.shared.dir)?;
            match fs::create_dir(&dir) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
                _ => Ok(()),
            }
        });
        if let Err(e) = &result {
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
        match read_file(&path, MAX_HEARTBEAT_SIZE) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::Other(format!("heartbeat of `{owner}` does not decode: {e}"))
            }),
            Err(ReadError::Missing) => Ok(None),
            Err(ReadError::Refused(why)) => Err(StoreError::Other(format!(
                "heartbeat of `{owner}` is unreadable: {why}"
            ))),
            Err(ReadError::Io(e)) => Err(Self::dir_err(e)),
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

    fn holds_queues(&self) -> bool {
        true
    }

    fn subscribe_sees_all_writes(&self) -> bool {
        self.watch_records()
    }

    fn enqueue(&self, key: &Key, record: Record) -> Result<Created, StoreError> {
        self.fs_enqueue(key, record)
    }

    fn claim(
        &self,
        queues: &[&str],
        owner: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<super::Claimed>, StoreError> {
        self.fs_claim(queues, owner, lease, max)
    }

    fn release(&self, key: &Key, owner: &str) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        let outcome = self.update(key, &mut |r| UpdateAction::write_if(r.release(owner, now)))?;
        Ok(matches!(outcome, Updated::Written(_)))
    }

    fn recover(&self, queues: &[&str]) -> Result<usize, StoreError> {
        self.fs_recover(queues)
    }

    fn watch_queue(
        &self,
        queue: &str,
        waker: std::task::Waker,
    ) -> Result<Option<super::QueueWatch>, StoreError> {
        self.fs_watch_queue(queue, waker).map(Some)
    }

    fn queue_stats(&self, queue: &str) -> Result<super::QueueStats, StoreError> {
        self.fs_queue_stats(queue)
    }

    fn notify_changed(&self, key: &Key) {
        self.shared.notifier.notify(key);
    }

    fn subscribe(&self, key: &Key) -> Option<Subscription> {
        self.watch_records();
        Some(Notifier::subscribe(&self.shared, |s| &s.notifier, key))
    }

    fn wait_for_change(
        &self,
        key: &Key,
        seen_version: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<Record>, StoreError> {
        // Writes of other processes wake the wait too, once watched.
        self.watch_records();
        self.shared
            .notifier
            .wait(key, seen_version, deadline, &|| self.get(key))
    }
}

/// Removes the temporary file `entry` if it is older than [`STALE_TEMP`]
/// (by its own modification time; a symbolic link is removed itself).
fn remove_if_stale(entry: &fs::DirEntry) {
    let stale = entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > STALE_TEMP);
    if stale {
        let _ = fs::remove_file(entry.path());
    }
}
