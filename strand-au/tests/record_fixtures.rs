//! Records written by earlier versions of strand-au still read.
//!
//! `tests/fixtures/records/<generation>/` holds records as
//! [`FileSystemStore`](strand_au::FileSystemStore) writes them (the bytes of
//! `encode_record`), one file per status, in JSON (`.json`) and MessagePack
//! (`.msgpack`). Each generation was written once, by the generator below
//! ([`generate`], ignored), and is never rewritten: it is what a store
//! directory of that version holds. See `tests/fixtures/records/README.md`
//! for which code wrote which generation.
//!
//! To add a generation (when the record format changes), run
//!
//! ```text
//! STRAND_FIXTURE_GENERATION=<name> cargo test -p strand-au --test record_fixtures -- --ignored generate
//! ```
//!
//! and add `<name>` to [`GENERATIONS`].

use std::path::PathBuf;

use serde_json::json;
use strand_au::{
    ErrorInfo, ErrorKind, Key, Record, Serialization, Status, StoreError, decode_record,
    encode_record,
};

/// The generations checked, oldest first.
const GENERATIONS: &[&str] = &["unversioned", "format-1"];

/// Every fixture's name; the files are `<name>.json` and `<name>.msgpack`.
const NAMES: &[&str] = &[
    "pending",
    "running",
    "completed",
    "failed-returned",
    "failed-panicked",
    "failed-timeout",
    "failed-worker-lost",
    "failed-cancelled",
    "failed-store",
    "failed-rejected",
    "failed-decode",
    "cancelled",
];

/// When the fixtures' computations were created (ms since the epoch).
const T0: u64 = 1_700_000_000_000;
/// The TTL of the store that wrote them.
const TTL_MS: u64 = 3_600_000;
/// The lease of the running fixture's worker.
const LEASE_MS: u64 = 30_000;
const OWNER: &str = "pid-4242-1f2e3d4c";

fn dir(generation: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/records")
        .join(generation)
}

fn formats() -> [(Serialization, &'static str); 2] {
    [
        (Serialization::Json, "json"),
        (Serialization::Binary, "msgpack"),
    ]
}

/// Writes a record as a store does: stamped (version, expiry) on each write.
fn stamped(mut r: Record, previous_version: u64, now: u64) -> Record {
    r.stamp(
        previous_version,
        now,
        Some(std::time::Duration::from_millis(TTL_MS)),
    );
    r
}

/// A record as the generator builds it, through the transition methods and
/// a store's stamps (one per write the runtime makes).
fn build(name: &str) -> Record {
    let mut r = Record::pending(
        "app::resize",
        json!({"path": "photos/a.png", "width": 640}),
        T0,
    );
    r.metadata.insert("user".into(), json!("ada"));
    r.metadata.insert("attempt_budget".into(), json!(3));
    let mut r = stamped(r, 0, T0); // version 1: Pending
    if name == "pending" {
        return r;
    }
    assert!(r.start(OWNER, T0 + 10, LEASE_MS));
    r = stamped(r, 1, T0 + 10); // version 2: Running
    assert!(r.set_progress(0.25, "resizing", T0 + 20));
    r.metadata.insert("stage".into(), json!("resize"));
    r = stamped(r, 2, T0 + 20); // version 3: progress
    let end = T0 + 500;
    let failed = |kind, message: &str| ErrorInfo::new(kind, message);
    let changed = match name {
        "running" => return r,
        "completed" => {
            assert!(r.set_progress(1.0, "done", end));
            r.complete(
                json!({"width": 640, "height": 480, "bytes": [1, 2, 3]}),
                end,
            )
        }
        "failed-returned" => r.fail(
            failed(ErrorKind::Returned, "image too large: 9000x9000")
                .with_value(json!({"TooLarge": [9000, 9000]})),
            end,
        ),
        "failed-panicked" => r.fail(
            failed(ErrorKind::Panicked, "index out of bounds: the len is 3"),
            end,
        ),
        "failed-timeout" => r.fail(failed(ErrorKind::Timeout, "timed out after 500ms"), end),
        "failed-worker-lost" => r.expire_lease(T0 + 10 + LEASE_MS),
        "failed-cancelled" => r.fail(failed(ErrorKind::Cancelled, "cancelled"), end),
        "failed-store" => r.fail(failed(ErrorKind::Store, "store i/o error: disk full"), end),
        "failed-rejected" => r.fail(
            failed(ErrorKind::Rejected, "rate limit: 10 per second"),
            end,
        ),
        "failed-decode" => r.fail(
            failed(
                ErrorKind::Decode,
                "invalid type: string \"x\", expected u64",
            ),
            end,
        ),
        "cancelled" => r.cancel(end),
        other => panic!("no fixture named {other}"),
    };
    assert!(changed, "{name}: the transition applied");
    let now = r.completed_at.unwrap();
    stamped(r, 3, now) // version 4: terminal
}

/// Writes the fixtures of a new generation (named by
/// `STRAND_FIXTURE_GENERATION`) with the code of this checkout.
#[test]
#[ignore = "writes fixture files: run by hand to add a generation"]
fn generate() {
    let generation = std::env::var("STRAND_FIXTURE_GENERATION")
        .expect("set STRAND_FIXTURE_GENERATION to the new generation's directory name");
    let dir = dir(&generation);
    assert!(
        !dir.exists(),
        "{} exists: generations are never rewritten",
        dir.display()
    );
    std::fs::create_dir_all(&dir).unwrap();
    for name in NAMES {
        let record = build(name);
        for (format, ext) in formats() {
            let bytes = encode_record(format, &record).unwrap();
            std::fs::write(dir.join(format!("{name}.{ext}")), bytes).unwrap();
        }
    }
}

/// The error a fixture's record must carry, if any.
fn expected_error(name: &str) -> Option<(ErrorKind, &'static str)> {
    Some(match name {
        "pending" | "running" | "completed" => return None,
        "failed-returned" => (ErrorKind::Returned, "image too large: 9000x9000"),
        "failed-panicked" => (ErrorKind::Panicked, "index out of bounds: the len is 3"),
        "failed-timeout" => (ErrorKind::Timeout, "timed out after 500ms"),
        "failed-worker-lost" => (
            ErrorKind::WorkerLost,
            "worker lost (lease of pid-4242-1f2e3d4c expired)",
        ),
        "failed-cancelled" | "cancelled" => (ErrorKind::Cancelled, "cancelled"),
        "failed-store" => (ErrorKind::Store, "store i/o error: disk full"),
        "failed-rejected" => (ErrorKind::Rejected, "rate limit: 10 per second"),
        "failed-decode" => (
            ErrorKind::Decode,
            "invalid type: string \"x\", expected u64",
        ),
        other => panic!("no fixture named {other}"),
    })
}

/// Checks a decoded fixture field by field (written out here, not rebuilt
/// by the transition methods, so a change to those cannot hide a change in
/// what old records mean).
fn check(name: &str, ctx: &str, r: &Record) {
    assert_eq!(r.format, 1, "{ctx}: format 1, stated or not");
    assert_eq!(r.function, "app::resize", "{ctx}");
    assert_eq!(
        r.args,
        json!({"path": "photos/a.png", "width": 640}),
        "{ctx}"
    );
    assert_eq!(r.created_at, T0, "{ctx}");
    assert_eq!(r.ttl_ms, None, "{ctx}");
    assert_eq!(r.metadata["user"], json!("ada"), "{ctx}");
    assert_eq!(r.metadata["attempt_budget"], json!(3), "{ctx}");

    let status = match name {
        "pending" => Status::Pending,
        "running" => Status::Running,
        "completed" => Status::Completed,
        "cancelled" => Status::Cancelled,
        _ => Status::Failed,
    };
    assert_eq!(r.status, status, "{ctx}");

    if name == "pending" {
        assert_eq!(r.version, 1, "{ctx}");
        assert_eq!(r.attempts, 0, "{ctx}");
        assert_eq!((r.started_at, r.completed_at), (None, None), "{ctx}");
        assert_eq!(r.expires_at, Some(T0 + TTL_MS), "{ctx}");
        assert!(r.lease.is_none() && r.progress.is_none(), "{ctx}");
        assert!(r.value.is_none() && r.error.is_none(), "{ctx}");
        assert_eq!(r.metadata.len(), 2, "{ctx}");
        return;
    }

    assert_eq!(r.attempts, 1, "{ctx}");
    assert_eq!(r.started_at, Some(T0 + 10), "{ctx}");
    assert_eq!(r.metadata["stage"], json!("resize"), "{ctx}");
    if name == "running" {
        assert_eq!(r.version, 3, "{ctx}");
        let lease = r.lease.as_ref().expect("a running record has a lease");
        assert_eq!(lease.owner, OWNER, "{ctx}");
        assert_eq!(lease.expires_at, T0 + 10 + LEASE_MS, "{ctx}");
        let progress = r.progress.as_ref().expect("progress");
        assert_eq!(
            (progress.fraction, progress.message.as_str()),
            (0.25, "resizing"),
            "{ctx}"
        );
        assert_eq!(r.completed_at, None, "{ctx}");
        assert_eq!(r.expires_at, Some(T0 + TTL_MS), "{ctx}");
        assert!(r.value.is_none() && r.error.is_none(), "{ctx}");
        // Its lease lapses as it always did.
        assert!(!r.lease_expired(T0 + 10 + LEASE_MS - 1), "{ctx}");
        assert!(r.lease_expired(T0 + 10 + LEASE_MS), "{ctx}");
        return;
    }

    // Terminal.
    let end = if name == "failed-worker-lost" {
        T0 + 10 + LEASE_MS
    } else {
        T0 + 500
    };
    assert_eq!(r.version, 4, "{ctx}");
    assert!(r.lease.is_none(), "{ctx}: a finished record holds no lease");
    assert_eq!(r.completed_at, Some(end), "{ctx}");
    assert_eq!(r.expires_at, Some(end + TTL_MS), "{ctx}");
    let progress = r.progress.as_ref().expect("progress");
    if name == "completed" {
        assert_eq!(
            (progress.fraction, progress.message.as_str()),
            (1.0, "done"),
            "{ctx}"
        );
        assert_eq!(
            r.value,
            Some(json!({"width": 640, "height": 480, "bytes": [1, 2, 3]})),
            "{ctx}"
        );
        assert!(r.error.is_none(), "{ctx}");
        return;
    }
    assert_eq!(progress.fraction, 0.25, "{ctx}");
    assert!(r.value.is_none(), "{ctx}");
    let (kind, message) = expected_error(name).unwrap();
    let error = r.error.as_ref().expect("an error");
    assert_eq!(
        (error.kind, error.message.as_str()),
        (kind, message),
        "{ctx}"
    );
    let value = (name == "failed-returned").then(|| json!({"TooLarge": [9000, 9000]}));
    assert_eq!(error.value, value, "{ctx}");
}

#[test]
fn every_fixture_decodes_to_what_it_recorded() {
    let mut checked = 0;
    for generation in GENERATIONS {
        for name in NAMES {
            let key = Key::new(*name).unwrap();
            for (format, ext) in formats() {
                let path = dir(generation).join(format!("{name}.{ext}"));
                let bytes =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let record = decode_record(format, &key, &bytes)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                check(name, &format!("{generation}/{name}.{ext}"), &record);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, GENERATIONS.len() * NAMES.len() * 2);
}

/// Records written before the `format` field carry none; since, they carry it.
#[test]
fn the_generations_differ_only_in_the_format_field() {
    for name in NAMES {
        let read = |generation| -> serde_json::Value {
            let bytes = std::fs::read(dir(generation).join(format!("{name}.json"))).unwrap();
            serde_json::from_slice(&bytes).unwrap()
        };
        let (old, mut new) = (read("unversioned"), read("format-1"));
        assert_eq!(old.get("format"), None, "{name}");
        assert_eq!(new["format"], json!(1), "{name}");
        new.as_object_mut().unwrap().remove("format");
        assert_eq!(old, new, "{name}");
    }
}

/// The fixtures are what [`build`] makes: the generator and the checks agree.
#[test]
fn the_generator_builds_what_the_checks_expect() {
    for name in NAMES {
        check(name, name, &build(name));
    }
}

#[test]
fn every_error_kind_has_a_fixture() {
    let kinds: Vec<String> = NAMES
        .iter()
        .filter_map(|n| expected_error(n))
        .map(|(k, _)| serde_json::to_string(&k).unwrap())
        .collect();
    for kind in [
        ErrorKind::Returned,
        ErrorKind::Panicked,
        ErrorKind::Timeout,
        ErrorKind::WorkerLost,
        ErrorKind::Cancelled,
        ErrorKind::Store,
        ErrorKind::Rejected,
        ErrorKind::Decode,
    ] {
        let kind = serde_json::to_string(&kind).unwrap();
        assert!(kinds.contains(&kind), "no fixture fails with {kind}");
    }
}

// --- Bad records: an error for their key, never a panic. ---

/// A fixture as a JSON value, to change before encoding it again.
fn fixture_value(name: &str) -> serde_json::Value {
    let bytes = std::fs::read(dir("unversioned").join(format!("{name}.json"))).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Decodes `value`, encoded in each format, as the record of `key`, and
/// returns the `Corrupt` messages (panicking on anything else).
fn corrupt_messages(value: &serde_json::Value) -> Vec<String> {
    let key = Key::new("bad-record").unwrap();
    formats()
        .into_iter()
        .map(|(format, ext)| {
            let bytes = format.encode(value).unwrap();
            match decode_record(format, &key, &bytes) {
                Err(StoreError::Corrupt { key: k, message }) => {
                    assert_eq!(k, key, "{ext}: the error names the key");
                    message
                }
                other => panic!("{ext}: expected Corrupt for {value}, got {other:?}"),
            }
        })
        .collect()
}

#[test]
fn an_unknown_status_is_corrupt() {
    let mut value = fixture_value("running");
    value["status"] = json!("paused");
    for message in corrupt_messages(&value) {
        assert!(message.contains("paused"), "{message}");
    }
}

#[test]
fn a_newer_format_is_corrupt_and_says_so() {
    const NEWER: &str = "written by a newer strand-au (format 2); this one reads format 1";
    let mut value = fixture_value("completed");
    value["format"] = json!(2);
    for message in corrupt_messages(&value) {
        assert_eq!(message, NEWER);
    }
    // Even when the rest no longer decodes (a newer version may change what
    // a field holds), the format is what the error reports.
    value["status"] = json!("scheduled");
    value["attempts"] = json!({"count": 2});
    for message in corrupt_messages(&value) {
        assert_eq!(message, NEWER);
    }
    value["format"] = json!(u32::MAX);
    for message in corrupt_messages(&value) {
        assert!(
            message.contains(&format!("(format {})", u32::MAX)),
            "{message}"
        );
    }
    // And the Display of the error says which record.
    let bytes = serde_json::to_vec(&value).unwrap();
    let key = Key::new("from-the-future").unwrap();
    let err = decode_record(Serialization::Json, &key, &bytes).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("record `from-the-future` is corrupt: written by a newer strand-au"),
        "{err}"
    );
}

#[test]
fn format_zero_or_not_a_number_is_corrupt() {
    let mut value = fixture_value("pending");
    value["format"] = json!(0);
    for message in corrupt_messages(&value) {
        assert!(message.contains("format 0"), "{message}");
    }
    for bad in [
        json!("1"),
        json!(-1),
        json!(1.5),
        json!(u64::MAX),
        json!(null),
    ] {
        value["format"] = bad;
        corrupt_messages(&value);
    }
}

#[test]
fn a_wrong_typed_field_is_corrupt() {
    let cases = [
        ("attempts", json!("three")),
        ("attempts", json!(-1)),
        ("created_at", json!(-5)),
        ("created_at", json!(null)),
        ("function", json!(42)),
        ("version", json!("9")),
        ("metadata", json!([1, 2])),
        ("lease", json!("pid-1")),
        ("lease", json!({"owner": "pid-1", "expires_at": "soon"})),
        ("progress", json!({"fraction": "half", "message": ""})),
        ("error", json!({"kind": "exploded", "message": "boom"})),
        ("error", json!("boom")),
        ("status", json!(9)),
        ("status", json!(-1)),
        ("expires_at", json!(1.5)),
    ];
    for (field, bad) in cases {
        let mut value = fixture_value("running");
        value[field] = bad.clone();
        let messages = corrupt_messages(&value);
        assert!(!messages.iter().any(String::is_empty), "{field} = {bad}");
    }
    // A status as a number: JSON refuses it. MessagePack (rmp-serde) reads
    // a unit variant from its index, so `3` reads as `failed` there: lenient,
    // but no worse than the string a hostile writer could put instead.
    let mut value = fixture_value("running");
    value["status"] = json!(3);
    let bytes = serde_json::to_vec(&value).unwrap();
    let key = Key::new("numeric-status").unwrap();
    assert!(matches!(
        decode_record(Serialization::Json, &key, &bytes),
        Err(StoreError::Corrupt { .. })
    ));
    let bytes = Serialization::Binary.encode(&value).unwrap();
    let record = decode_record(Serialization::Binary, &key, &bytes).unwrap();
    assert_eq!(record.status, Status::Failed);

    // Not a record at all.
    for value in [json!(null), json!([1, 2, 3]), json!("pending"), json!({})] {
        corrupt_messages(&value);
    }
}

#[test]
fn every_truncation_of_every_fixture_is_corrupt() {
    let key = Key::new("truncated").unwrap();
    for name in NAMES {
        for (format, ext) in formats() {
            let bytes = std::fs::read(dir("unversioned").join(format!("{name}.{ext}"))).unwrap();
            for len in 0..bytes.len() {
                match decode_record(format, &key, &bytes[..len]) {
                    Err(StoreError::Corrupt { .. }) => {}
                    other => panic!("{name}.{ext} cut at {len}: {other:?}"),
                }
            }
        }
    }
}

/// In a store: a record of a newer format is an error for its key, and
/// every other key reads as before.
#[test]
fn a_newer_record_in_a_store_is_an_error_for_its_key_only() {
    use strand_au::{ComputationStore, FileSystemStore, UpdateAction};
    for (format, _) in formats() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSystemStore::new(dir.path()).serialization(format);
        let good = Key::new("good").unwrap();
        let newer = Key::new("newer").unwrap();
        let now = ComputationStore::clock(&store).now_ms();
        store
            .put(&good, Record::pending("f", json!(null), now))
            .unwrap();
        let mut value = fixture_value("completed");
        value["format"] = json!(7);
        std::fs::write(store.path_of(&newer), format.encode(&value).unwrap()).unwrap();

        for result in [
            store.load(&newer).map(|_| ()),
            store.get(&newer).map(|_| ()),
            store
                .update(&newer, &mut |_| UpdateAction::Write)
                .map(|_| ()),
        ] {
            let err = result.unwrap_err();
            assert!(err.to_string().contains("(format 7)"), "{err}");
        }
        // Not overwritten by the refused update.
        let on_disk: serde_json::Value = format
            .decode(&std::fs::read(store.path_of(&newer)).unwrap())
            .unwrap();
        assert_eq!(on_disk["format"], json!(7));
        assert_eq!(store.get(&good).unwrap().unwrap().status, Status::Pending);
        let mut keys = store.keys().unwrap();
        keys.sort();
        assert_eq!(keys, vec![good, newer]);
        store.cleanup_expired().unwrap();
    }
}
