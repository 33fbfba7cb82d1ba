//! Files a store did not write (issue 13): FIFOs, sockets, directories and
//! symbolic links at a record's name, oversized and sparse files, stale
//! temporary files; and the maximum record size of every store.
//!
//! Every operation that used to hang or abort runs on a thread and is
//! waited for on a channel with a generous timeout, so a regression fails
//! its test instead of hanging the suite.

use std::ffi::CString;
use std::fs::{self, File};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use serde_json::json;
use strand_au::{
    ComputationError, ComputationStore, Created, DEFAULT_MAX_RECORD_SIZE, FileSystemStore, Key,
    MemoryStore, Record, Runner, Serialization, StoreError, UpdateAction,
};

/// Long enough for any loaded machine; only a hang reaches it.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `f` on a thread and returns its result, or fails the test if it
/// takes longer than [`TIMEOUT`] (after calling `unblock`, which may free
/// the thread, e.g. by opening a FIFO it waits on).
fn within<T: Send + 'static>(
    what: &str,
    unblock: impl FnOnce(),
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(value) => value,
        Err(_) => {
            unblock();
            panic!("{what}: did not return within {TIMEOUT:?} (blocked)");
        }
    }
}

/// Creates a FIFO at `path`.
fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

/// Frees a reader blocked opening the FIFO `path` (a writer that opens and
/// closes it at once).
fn unblock_fifo(path: &Path) {
    let _ = fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path);
}

/// A pending record created now (an old one would expire in stores with a TTL).
fn pending(args: serde_json::Value) -> Record {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    Record::pending("f", args, now)
}

fn expect_corrupt(result: Result<Option<Record>, StoreError>, key: &Key, needle: &str) {
    match result {
        Err(StoreError::Corrupt { key: k, message }) => {
            assert_eq!(&k, key);
            assert!(
                message.contains(needle),
                "message `{message}` should say `{needle}`"
            );
        }
        other => panic!("expected Corrupt ({needle}), got {other:?}"),
    }
}

fn set_age(path: &Path, age: Duration) {
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - age)
        .unwrap();
}

// ---------------------------------------------------------------- item 1

#[test]
fn a_fifo_at_a_record_name_is_an_error_for_that_key_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path());
    let key = store.create_key();
    store.put(&key, pending(json!(1))).unwrap();
    let path = store.path_of(&key);
    fs::remove_file(&path).unwrap();
    mkfifo(&path);

    let s = store.clone();
    let k = key.clone();
    let (load, get, update, create) = within(
        "reading a FIFO",
        || unblock_fifo(&path),
        move || {
            (
                s.load(&k),
                s.get(&k),
                s.update(&k, &mut |_| UpdateAction::Write),
                s.create(&k, pending(json!(2))),
            )
        },
    );
    expect_corrupt(load, &key, "not a regular file: a FIFO");
    expect_corrupt(get, &key, "not a regular file: a FIFO");
    assert!(
        matches!(update, Err(StoreError::Corrupt { .. })),
        "{update:?}"
    );
    assert!(
        matches!(create, Err(StoreError::Corrupt { .. })),
        "{create:?}"
    );
    // The name is listed: it is a record's name.
    assert_eq!(store.keys().unwrap(), vec![key.clone()]);
    // `put` replaces the FIFO with a record.
    let s = store.clone();
    let k = key.clone();
    within(
        "put over a FIFO",
        || unblock_fifo(&path),
        move || s.put(&k, pending(json!(3))),
    )
    .unwrap();
    assert!(fs::symlink_metadata(&path).unwrap().file_type().is_file());
    assert_eq!(store.load(&key).unwrap().unwrap().args, json!(3));
}

#[test]
fn a_fifo_does_not_stall_the_sweep_nor_the_writes_of_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path()).ttl(Duration::from_secs(3600));
    let fifo_key = store.create_key();
    let link_key = store.create_key();
    let other = store.create_key();
    store.put(&other, pending(json!(0))).unwrap();
    mkfifo(&store.path_of(&fifo_key));
    // A symbolic link to a FIFO outside the store, too.
    let outside_fifo = outside.path().join("fifo");
    mkfifo(&outside_fifo);
    symlink(&outside_fifo, store.path_of(&link_key)).unwrap();

    // Every 128th write runs a sweep step over up to 32 entries: 300 writes
    // run two, which look at every entry of this small directory.
    let s = store.clone();
    let o = other.clone();
    let fifo = store.path_of(&fifo_key);
    within(
        "300 writes of another key",
        || {
            unblock_fifo(&fifo);
            unblock_fifo(&outside_fifo);
        },
        move || {
            for i in 0..300 {
                s.put(&o, pending(json!(i))).unwrap();
            }
        },
    );
    let s = store.clone();
    let removed = within(
        "cleanup_expired",
        || {},
        move || s.cleanup_expired().unwrap(),
    );
    assert_eq!(removed, 0);
    let s = store.clone();
    let k = link_key.clone();
    let through_link = within("load through a link", || {}, move || s.load(&k));
    expect_corrupt(through_link, &link_key, "symbolic link");
    assert_eq!(store.load(&other).unwrap().unwrap().args, json!(299));
    // Both are still there: the sweep skips what is not a regular file.
    assert!(store.path_of(&fifo_key).exists());
    assert!(fs::symlink_metadata(store.path_of(&link_key)).is_ok());
}

#[test]
fn sockets_and_directories_at_a_record_name_are_errors_for_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path());
    let socket_key = store.create_key();
    let dir_key = store.create_key();
    store.put(&socket_key, pending(json!(1))).unwrap();
    fs::remove_file(store.path_of(&socket_key)).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(store.path_of(&socket_key)).unwrap();
    fs::create_dir(store.path_of(&dir_key)).unwrap();

    let s = store.clone();
    let (k1, k2) = (socket_key.clone(), dir_key.clone());
    let (socket, directory) = within(
        "reading a socket and a directory",
        || {},
        move || (s.load(&k1), s.load(&k2)),
    );
    expect_corrupt(socket, &socket_key, "not a regular file: a socket");
    expect_corrupt(directory, &dir_key, "not a regular file: a directory");
    // `put` replaces a socket; a directory cannot be replaced by a file.
    store.put(&socket_key, pending(json!(2))).unwrap();
    assert_eq!(store.load(&socket_key).unwrap().unwrap().args, json!(2));
    assert!(matches!(
        store.put(&dir_key, pending(json!(2))),
        Err(StoreError::Io { .. })
    ));
}

// ---------------------------------------------------------------- item 2

#[test]
fn a_sparse_64_gib_record_is_refused_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path()).ttl(Duration::from_secs(3600));
    let key = store.create_key();
    let path = store.path_of(&key);
    // Sparse: costs no disk.
    File::create(&path).unwrap().set_len(64 << 30).unwrap();

    let s = store.clone();
    let k = key.clone();
    let (load, removed) = within(
        "reading a 64 GiB sparse file",
        || {},
        move || (s.load(&k), s.cleanup_expired()),
    );
    expect_corrupt(
        load,
        &key,
        &format!(
            "record of {} bytes exceeds the maximum of {DEFAULT_MAX_RECORD_SIZE} bytes",
            64u64 << 30
        ),
    );
    assert_eq!(removed.unwrap(), 0);
    // `put` replaces it.
    store.put(&key, pending(json!(1))).unwrap();
    assert_eq!(store.load(&key).unwrap().unwrap().args, json!(1));
}

#[test]
fn a_record_over_the_maximum_is_refused_at_write_and_at_read() {
    for format in [Serialization::Json, Serialization::Binary] {
        let dir = tempfile::tempdir().unwrap();
        let small = FileSystemStore::new(dir.path())
            .serialization(format)
            .max_record_size(1024);
        let large = FileSystemStore::new(dir.path()).serialization(format);
        let key = small.create_key();
        let big = pending(json!("x".repeat(2000)));

        // Write time: refused, nothing written.
        for result in [
            small.put(&key, big.clone()),
            small.put_new(&key, big.clone()),
            small.create(&key, big.clone()).map(|_| ()),
        ] {
            match result {
                Err(StoreError::TooLarge {
                    key: Some(k),
                    size,
                    max: 1024,
                }) => {
                    assert_eq!(k, key);
                    assert!(size > 2000, "{size}");
                }
                other => panic!("{format:?}: expected TooLarge, got {other:?}"),
            }
        }
        assert!(!small.path_of(&key).exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().as_bytes().starts_with(b".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        // An update that would make a record too large changes nothing.
        small.put(&key, pending(json!(1))).unwrap();
        let err = small
            .update(&key, &mut |r| {
                r.args = json!("y".repeat(2000));
                UpdateAction::Write
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
        assert_eq!(small.load(&key).unwrap().unwrap().args, json!(1));

        // Read time: a larger file (here from a store with the default
        // maximum) is an error for its key only.
        large.put(&key, big.clone()).unwrap();
        let size = fs::metadata(small.path_of(&key)).unwrap().len();
        expect_corrupt(
            small.load(&key),
            &key,
            &format!("record of {size} bytes exceeds the maximum of 1024 bytes"),
        );
        assert_eq!(large.load(&key).unwrap().unwrap().args, big.args);
        let other = small.create_key();
        small.put(&other, pending(json!(1))).unwrap();
        assert!(small.load(&other).unwrap().is_some());
        // The maximum goes to other processes with the description.
        let reopened = small.describe().unwrap().open();
        assert!(matches!(
            reopened.put(&other, big.clone()),
            Err(StoreError::TooLarge { max: 1024, .. })
        ));
    }
}

#[test]
fn memory_store_has_the_same_maximum() {
    let store = MemoryStore::new().max_record_size(1024);
    let key = store.create_key();
    let big = pending(json!("x".repeat(2000)));
    for result in [
        store.put(&key, big.clone()),
        store.create(&key, big.clone()).map(|_| ()),
    ] {
        match result {
            Err(StoreError::TooLarge {
                key: Some(k),
                size,
                max: 1024,
            }) => {
                assert_eq!(k, key);
                // The exact size in JSON.
                assert_eq!(size, serde_json::to_vec(&big).unwrap().len() as u64);
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }
    assert!(store.load(&key).unwrap().is_none());
    store.put(&key, pending(json!(1))).unwrap();
    let err = store
        .update(&key, &mut |r| {
            r.metadata.insert("big".into(), json!("z".repeat(2000)));
            UpdateAction::Write
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    let stored = store.load(&key).unwrap().unwrap();
    assert!(stored.metadata.is_empty());
    assert_eq!(stored.version, 1);

    // Near the maximum: a record just under it is stored, one byte more is
    // not (the cheap bound is exact where it matters).
    let base = serde_json::to_vec(&pending(json!(""))).unwrap().len();
    let fits = pending(json!("a".repeat(1024 - base)));
    assert_eq!(serde_json::to_vec(&fits).unwrap().len(), 1024);
    store.put(&key, fits).unwrap();
    let over = pending(json!("a".repeat(1025 - base)));
    assert!(matches!(
        store.put(&key, over),
        Err(StoreError::TooLarge { size: 1025, .. })
    ));
    // Escaped characters count as written.
    let escaped = pending(json!("\u{1}".repeat(200)));
    assert!(matches!(
        store.put(&key, escaped),
        Err(StoreError::TooLarge { .. })
    ));
    // And the default store takes records of any ordinary size.
    assert!(matches!(
        MemoryStore::new().create(&key, big),
        Ok(Created::New)
    ));
}

#[test]
fn memory_store_never_takes_a_record_one_byte_over_its_maximum() {
    // Every field set, numbers at their longest, strings with escapes: the
    // store's cheap bound must never be below the real size, or a record
    // over the maximum would pass.
    let mut full = pending(json!([
        u64::MAX,
        i64::MIN,
        -1.7976931348623157e308,
        "\u{1}\"\\é",
        null,
        true
    ]))
    .owned_by("pid-1-\u{2}");
    full.start("pid-1-\u{2}", u64::MAX / 2, u64::MAX / 4);
    full.set_progress(-0.000_000_123_456_789, "\n\t€", u64::MAX);
    full.fail(
        strand_au::ErrorInfo::new(strand_au::ErrorKind::Returned, "\u{7f}\u{0}")
            .with_value(json!({"\u{3}": [1.5e-300, {"k": "v"}]})),
        u64::MAX,
    );
    full.metadata
        .insert("\u{4}".into(), json!({"a": [], "b": {}}));
    full.attempts = u32::MAX;
    full.ttl_ms = Some(u64::MAX);
    full.expires_at = Some(u64::MAX);
    let mut records = vec![full];
    for args in [
        json!(null),
        json!(""),
        json!("\u{1}"),
        json!([[[[]]]]),
        json!({"": ""}),
    ] {
        records.push(pending(args));
    }
    for record in records {
        let size = serde_json::to_vec(&record).unwrap().len() as u64;
        let key = Key::new("0123456789abcdef").unwrap();
        let exact = MemoryStore::new().max_record_size(size);
        exact.put(&key, record.clone()).unwrap();
        let under = MemoryStore::new().max_record_size(size - 1);
        match under.put(&key, record.clone()) {
            Err(StoreError::TooLarge { size: s, .. }) => assert_eq!(s, size),
            other => panic!(
                "{record:?} ({size} bytes) under a maximum of {}: {other:?}",
                size - 1
            ),
        }
    }
}

#[test]
fn an_outcome_too_large_for_the_store_fails_the_computation() {
    let store = MemoryStore::new().max_record_size(4096);
    let computation =
        strand_au::Computation::new("hostile::big", Runner::new(|n: usize| "x".repeat(n)))
            .store(std::sync::Arc::new(store));
    let small = computation.launch::<String>(&10);
    let big = computation.launch::<String>(&10_000);
    let (small, big) = within(
        "joining a computation with a huge result",
        || {},
        move || (small.join(), big.join()),
    );
    assert_eq!(small.unwrap(), "x".repeat(10));
    match big {
        Err(ComputationError::Store(e)) => {
            let message = e.to_string();
            assert!(
                message.contains("exceeds the maximum of 4096 bytes"),
                "{message}"
            );
        }
        other => panic!("expected a store error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- item 3

#[test]
fn a_symlink_at_a_record_name_is_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path());
    let outside_store = FileSystemStore::new(outside.path());
    let key = store.create_key();
    // A valid record outside the store, and a link to it at the key's name.
    outside_store.put(&key, pending(json!("outside"))).unwrap();
    let target: PathBuf = outside_store.path_of(&key);
    let before = fs::read(&target).unwrap();
    let path = store.path_of(&key);
    symlink(&target, &path).unwrap();

    expect_corrupt(store.load(&key), &key, "symbolic link");
    expect_corrupt(store.get(&key), &key, "symbolic link");
    assert!(matches!(
        store.update(&key, &mut |_| UpdateAction::Write),
        Err(StoreError::Corrupt { .. })
    ));
    assert_eq!(fs::read(&target).unwrap(), before);

    // `put` replaces the link itself; the file outside is untouched.
    store.put(&key, pending(json!("inside"))).unwrap();
    assert!(fs::symlink_metadata(&path).unwrap().file_type().is_file());
    assert_eq!(fs::read(&target).unwrap(), before);
    assert_eq!(store.load(&key).unwrap().unwrap().args, json!("inside"));
    assert_eq!(
        outside_store.load(&key).unwrap().unwrap().args,
        json!("outside")
    );

    // `delete` removes a link, never its target.
    fs::remove_file(&path).unwrap();
    symlink(&target, &path).unwrap();
    assert!(store.delete(&key).unwrap());
    assert!(fs::symlink_metadata(&path).is_err());
    assert_eq!(fs::read(&target).unwrap(), before);
}

// ---------------------------------------------------------------- item 5

/// Plants an old and a fresh temporary file in `dir`; returns their paths.
fn plant_temps(dir: &Path) -> (PathBuf, PathBuf) {
    let old = dir.join(".tmp-0123456789abcdef-1-1");
    let fresh = dir.join(".tmp-0123456789abcdef-1-2");
    fs::write(&old, b"{\"status\":").unwrap();
    fs::write(&fresh, b"{\"status\":").unwrap();
    set_age(&old, Duration::from_secs(600));
    (old, fresh)
}

#[test]
fn the_sweep_removes_stale_temp_files_with_or_without_a_ttl() {
    for ttl in [None, Some(Duration::from_secs(3600))] {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileSystemStore::new(dir.path());
        if let Some(ttl) = ttl {
            store = store.ttl(ttl);
        }
        let key = store.create_key();
        store.put(&key, pending(json!(0))).unwrap();
        let (old, fresh) = plant_temps(dir.path());
        // The 128th write runs a sweep step, which sees this whole
        // (small) directory.
        for i in 1..128 {
            store.put(&key, pending(json!(i))).unwrap();
        }
        assert!(!old.exists(), "ttl {ttl:?}: the stale temp file stays");
        assert!(fresh.exists(), "ttl {ttl:?}: a fresh temp file is removed");
        assert_eq!(store.load(&key).unwrap().unwrap().args, json!(127));
    }
}

#[test]
fn cleanup_expired_removes_stale_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path());
    let key = store.create_key();
    store.put(&key, pending(json!(0))).unwrap();
    let (old, fresh) = plant_temps(dir.path());
    let beats = dir.path().join(".heartbeats");
    fs::create_dir_all(&beats).unwrap();
    let (old_beat, fresh_beat) = plant_temps(&beats);
    assert_eq!(store.cleanup_expired().unwrap(), 0);
    assert!(!old.exists());
    assert!(fresh.exists());
    assert!(!old_beat.exists());
    assert!(fresh_beat.exists());
    assert!(store.load(&key).unwrap().is_some());
}

// ---------------------------------------------------------------- heartbeats

fn heartbeat_json(owner: &str, padding: usize) -> String {
    format!(
        r#"{{"owner":"{owner}","pid":1,"host":"h","program":"p","started_at":0,"renewed_at":0,"expires_at":0}}{}"#,
        " ".repeat(padding)
    )
}

#[test]
fn heartbeat_files_follow_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let store = FileSystemStore::new(dir.path());
    let beats = dir.path().join(".heartbeats");
    fs::create_dir_all(&beats).unwrap();
    fs::write(beats.join("good.json"), heartbeat_json("good", 0)).unwrap();
    // A valid heartbeat outside, linked to.
    let target = outside.path().join("linked.json");
    fs::write(&target, heartbeat_json("linked", 0)).unwrap();
    symlink(&target, beats.join("linked.json")).unwrap();
    // A FIFO.
    let fifo = beats.join("fifo.json");
    mkfifo(&fifo);
    // A valid heartbeat padded beyond 64 KiB.
    fs::write(beats.join("padded.json"), heartbeat_json("padded", 70_000)).unwrap();

    assert_eq!(store.load_heartbeat("good").unwrap().unwrap().owner, "good");
    let s = store.clone();
    let (linked, fifo_beat, padded, all) = within(
        "reading heartbeats",
        || unblock_fifo(&fifo),
        move || {
            (
                s.load_heartbeat("linked"),
                s.load_heartbeat("fifo"),
                s.load_heartbeat("padded"),
                s.heartbeats(),
            )
        },
    );
    for (what, result, needle) in [
        ("linked", linked, "symbolic link"),
        ("fifo", fifo_beat, "a FIFO"),
        ("padded", padded, "exceeds the maximum of 65536 bytes"),
    ] {
        match result {
            Err(e) => assert!(e.to_string().contains(needle), "{what}: {e}"),
            Ok(beat) => panic!("{what}: expected an error, got {beat:?}"),
        }
    }
    let owners: Vec<_> = all.unwrap().into_iter().map(|b| b.owner).collect();
    assert_eq!(owners, vec!["good".to_string()]);
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        heartbeat_json("linked", 0)
    );
}
