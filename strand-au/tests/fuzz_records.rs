//! A bounded fuzzer of stored records (issue 13, item 6).
//!
//! Real JSON and MessagePack records are mutated (extreme values and wrong
//! types in every field, unknown status strings, deep nesting, missing and
//! duplicate fields, then bit flips, truncations, splices of two records),
//! written as the record file of a fresh key of a [`FileSystemStore`], with
//! a mutated heartbeat of an owner the record may name; then `load`, `get`,
//! `update` (a metadata change), `cancel`, `try_join`, `cleanup_expired` and
//! `keys` run on it, each under `catch_unwind`, on a thread that must
//! finish within a deadline. The properties: no panic, no hang, and the
//! store's healthy records stay byte-identical. A second property puts
//! `Record` values with extreme numbers into a [`MemoryStore`] and a
//! file-system store and runs the same operations.
//!
//! The seed and the case count are fixed and printed; set
//! `STRAND_FUZZ_SEED` and `STRAND_FUZZ_CASES` to replay a failure or to run
//! longer:
//!
//! ```text
//! STRAND_FUZZ_CASES=100000 cargo test --release -p strand-au --test fuzz_records -- --ignored --nocapture
//! ```
//!
//! `.ci/run` runs it in its "fuzz" stage; plain `cargo test` skips it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Value, json};
use strand_au::{
    ComputationHandle, ComputationStore, ErrorInfo, ErrorKind, FileSystemStore, Heartbeat, Key,
    Lease, ManualClock, MemoryStore, Progress, Record, Serialization, Status, UpdateAction,
    encode_record,
};

/// The store clock.
const NOW: u64 = 1_000_000;

/// The owner whose (mutated) heartbeat a fuzzed record may name.
const FUZZ_OWNER: &str = "pid-7-fuzzowner";

/// How long the operations of one case may take before they count as hung.
const HANG: Duration = Duration::from_secs(30);

const DEFAULT_SEED: u64 = 0x5354_5241_4e44_0013;
const DEFAULT_FILE_CASES: u32 = 5_000;
const DEFAULT_VALUE_CASES: u32 = 2_000;

/// The seed and the case count of a property: the defaults, or
/// `STRAND_FUZZ_SEED` and `STRAND_FUZZ_CASES`; printed, so a failure replays.
fn runner(property: &str, default_cases: u32) -> TestRunner {
    let seed = std::env::var("STRAND_FUZZ_SEED")
        .ok()
        .map(|s| parse_u64(&s).expect("STRAND_FUZZ_SEED: a number (decimal or 0x hex)"))
        .unwrap_or(DEFAULT_SEED);
    let cases = std::env::var("STRAND_FUZZ_CASES")
        .ok()
        .map(|s| s.parse().expect("STRAND_FUZZ_CASES: a number"))
        .unwrap_or(default_cases);
    println!(
        "fuzz {property}: STRAND_FUZZ_SEED={seed:#x} STRAND_FUZZ_CASES={cases} (replay with these)"
    );
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    )
}

fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

// ---------------------------------------------------------------------------
// Records as trees that can hold what `serde_json::Value` cannot (NaN, huge
// numbers, MessagePack-only types, deep nesting), rendered to either format.

#[derive(Debug, Clone)]
enum Node {
    Json(Value),
    Map(Vec<(String, Node)>),
    /// The same thing in each format, as bytes.
    Raw {
        json: &'static str,
        msgpack: &'static [u8],
    },
    /// `depth` nested one-element arrays around a 0.
    Deep(usize),
    /// A string of `len` bytes.
    Long(usize),
}

impl Node {
    fn from_value(v: Value) -> Node {
        match v {
            Value::Object(map) => Node::Map(
                map.into_iter()
                    .map(|(k, v)| (k, Node::from_value(v)))
                    .collect(),
            ),
            other => Node::Json(other),
        }
    }

    fn render(&self, format: Serialization, out: &mut Vec<u8>) {
        match (self, format) {
            (Node::Json(v), Serialization::Json) => out.extend(serde_json::to_vec(v).unwrap()),
            (Node::Json(v), _) => out.extend(Serialization::Binary.encode(v).unwrap()),
            (Node::Map(fields), Serialization::Json) => {
                out.push(b'{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend(serde_json::to_vec(k).unwrap());
                    out.push(b':');
                    v.render(format, out);
                }
                out.push(b'}');
            }
            (Node::Map(fields), _) => {
                let n = fields.len();
                if n < 16 {
                    out.push(0x80 | n as u8);
                } else {
                    out.push(0xde);
                    out.extend((n as u16).to_be_bytes());
                }
                for (k, v) in fields {
                    out.extend(Serialization::Binary.encode(k).unwrap());
                    v.render(format, out);
                }
            }
            (Node::Raw { json, .. }, Serialization::Json) => out.extend(json.as_bytes()),
            (Node::Raw { msgpack, .. }, _) => out.extend(*msgpack),
            (Node::Deep(depth), Serialization::Json) => {
                out.extend(std::iter::repeat_n(b'[', *depth));
                out.push(b'0');
                out.extend(std::iter::repeat_n(b']', *depth));
            }
            (Node::Deep(depth), _) => {
                out.extend(std::iter::repeat_n(0x91, *depth));
                out.push(0);
            }
            (Node::Long(len), Serialization::Json) => {
                out.push(b'"');
                out.extend(std::iter::repeat_n(b'a', *len));
                out.push(b'"');
            }
            (Node::Long(len), _) => {
                out.push(0xdb);
                out.extend((*len as u32).to_be_bytes());
                out.extend(std::iter::repeat_n(b'a', *len));
            }
        }
    }

    fn to_bytes(&self, format: Serialization) -> Vec<u8> {
        let mut out = Vec::new();
        self.render(format, &mut out);
        out
    }
}

/// Values put into fields: extremes, wrong types, odd statuses.
fn values() -> Vec<Node> {
    let mut v: Vec<Node> = [
        json!(0),
        json!(1),
        json!(u64::MAX),
        json!(u64::MAX - 1),
        json!(u32::MAX),
        json!(u64::from(u32::MAX) + 1),
        json!(-1),
        json!(i64::MIN),
        json!(i64::MAX),
        json!(1.5),
        json!(-0.0),
        json!(1e308),
        json!(-1e308),
        json!(f64::MIN_POSITIVE),
        json!("x"),
        json!(""),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
        json!([1, "two", null]),
        json!({"a": {"b": [1]}}),
        json!("pending"),
        json!("running"),
        json!("completed"),
        json!("failed"),
        json!("cancelled"),
        json!("paused"),
        json!("RUNNING"),
        json!("completed\u{0}"),
        json!("worker_lost"),
        json!("returned"),
        json!("no_such_kind"),
        json!(FUZZ_OWNER),
        json!("pid-1-gone"),
        json!("../../etc/passwd"),
        json!({"owner": FUZZ_OWNER, "expires_at": u64::MAX}),
        json!({"owner": "pid-1-gone", "expires_at": 0}),
        json!({"fraction": 0.5, "message": "half"}),
        json!({"kind": "returned", "message": "e", "value": [1]}),
    ]
    .into_iter()
    .map(Node::Json)
    .collect();
    v.extend([
        Node::Raw {
            json: "18446744073709551616",
            msgpack: &[0xcb, 0x43, 0xf0, 0, 0, 0, 0, 0, 0],
        },
        Node::Raw {
            json: "-9223372036854775809",
            msgpack: &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
        },
        Node::Raw {
            json: "1e400",
            msgpack: &[0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0],
        },
        Node::Raw {
            json: "NaN",
            msgpack: &[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
        },
        Node::Raw {
            json: "-Infinity",
            msgpack: &[0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0],
        },
        Node::Raw {
            json: "1.0e-400",
            msgpack: &[0xca, 0x7f, 0xc0, 0, 0],
        },
        Node::Raw {
            json: "\"\\ud800\"",
            msgpack: &[0xc4, 0x03, 1, 2, 3],
        },
        Node::Raw {
            json: "\"\\u0000\"",
            msgpack: &[0xd4, 0x01, 0x00],
        },
        Node::Raw {
            json: "{\"a\":1,\"a\":2}",
            msgpack: &[0x82, 0xa1, b'a', 1, 0xa1, b'a', 2],
        },
        Node::Raw {
            json: "[",
            msgpack: &[0xdd, 0xff, 0xff, 0xff, 0xff],
        },
        Node::Raw {
            json: "\"unterminated",
            msgpack: &[0xdb, 0x7f, 0xff, 0xff, 0xff, b'a'],
        },
        Node::Raw {
            json: "{}",
            msgpack: &[0xdf, 0xff, 0xff, 0xff, 0xff],
        },
    ]);
    for depth in [10, 127, 128, 129, 1_000, 100_000] {
        v.push(Node::Deep(depth));
    }
    v.push(Node::Long(100_000));
    v
}

/// The fields mutated, top-level and one level down.
const FIELDS: &[&[&str]] = &[
    &["status"],
    &["function"],
    &["args"],
    &["value"],
    &["error"],
    &["error", "kind"],
    &["error", "message"],
    &["error", "value"],
    &["created_at"],
    &["started_at"],
    &["completed_at"],
    &["expires_at"],
    &["ttl_ms"],
    &["attempts"],
    &["progress"],
    &["progress", "fraction"],
    &["progress", "message"],
    &["lease"],
    &["lease", "owner"],
    &["lease", "expires_at"],
    &["owner"],
    &["metadata"],
    &["metadata", "note"],
    &["version"],
    &["format"],
    &["no_such_field"],
];

/// The heartbeat fields mutated.
const BEAT_FIELDS: &[&str] = &[
    "owner",
    "pid",
    "host",
    "program",
    "started_at",
    "renewed_at",
    "expires_at",
    "queues",
    "keys",
];

/// Real records, as a store writes them.
fn base_records() -> Vec<Record> {
    let mut pending = Record::pending("double", json!([21]), NOW).owned_by(FUZZ_OWNER);
    pending.stamp(0, NOW, Some(Duration::from_secs(60)));
    let mut running = Record::pending("sleep", json!({"ms": 5, "tag": "é"}), NOW - 10);
    running.start(FUZZ_OWNER, NOW - 5, 30_000);
    running.set_progress(0.25, "a quarter", NOW);
    running.metadata.insert("note".into(), json!({"k": [1, 2]}));
    running.stamp(3, NOW, None);
    let mut completed = Record::pending("f", json!(null), NOW - 100);
    completed.start("pid-1-gone", NOW - 90, 1_000);
    completed.complete(json!({"answer": 42, "list": [1.5, -2]}), NOW - 50);
    completed.stamp(7, NOW, Some(Duration::from_secs(60)));
    let mut failed = Record::pending("g", json!([1, 2, 3]), NOW - 100);
    failed.fail(
        ErrorInfo::new(ErrorKind::Returned, "disk full").with_value(json!({"code": 28})),
        NOW - 1,
    );
    failed.ttl_ms = Some(5);
    failed.stamp(1, NOW, None);
    let mut cancelled = Record::pending("h", json!("s"), 0);
    cancelled.cancel(1);
    cancelled.stamp(u64::MAX - 2, NOW, None);
    vec![pending, running, completed, failed, cancelled]
}

#[derive(Debug, Clone)]
enum FieldMutation {
    Set(usize, usize),
    Remove(usize),
    Duplicate(usize),
}

#[derive(Debug, Clone)]
enum ByteMutation {
    Flip(usize, u8),
    Truncate(usize),
    Overwrite(usize, u8),
    Insert(usize, Vec<u8>),
    /// This record's bytes up to one point, another's from another point.
    Splice(usize, usize, usize),
}

#[derive(Debug, Clone)]
struct FileCase {
    base: usize,
    binary: bool,
    fields: Vec<FieldMutation>,
    bytes: Vec<ByteMutation>,
    /// A heartbeat of `FUZZ_OWNER`, with its field mutations, or none.
    heartbeat: Option<Vec<(usize, usize)>>,
}

fn file_case() -> impl Strategy<Value = FileCase> {
    let n_values = values().len();
    let n_bases = base_records().len();
    let field = prop_oneof![
        6 => (0..FIELDS.len(), 0..n_values).prop_map(|(f, v)| FieldMutation::Set(f, v)),
        1 => (0..FIELDS.len()).prop_map(FieldMutation::Remove),
        1 => (0..FIELDS.len()).prop_map(FieldMutation::Duplicate),
    ];
    let byte = prop_oneof![
        3 => (any::<usize>(), 0..8u8).prop_map(|(i, b)| ByteMutation::Flip(i, b)),
        2 => any::<usize>().prop_map(ByteMutation::Truncate),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteMutation::Overwrite(i, b)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..9))
            .prop_map(|(i, b)| ByteMutation::Insert(i, b)),
        2 => (0..n_bases, any::<usize>(), any::<usize>())
            .prop_map(|(o, i, j)| ByteMutation::Splice(o, i, j)),
    ];
    (
        0..n_bases,
        any::<bool>(),
        prop::collection::vec(field, 0..4),
        prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec(byte, 1..4)],
        prop::option::of(prop::collection::vec(
            (0..BEAT_FIELDS.len(), 0..n_values),
            0..3,
        )),
    )
        .prop_map(|(base, binary, fields, bytes, heartbeat)| FileCase {
            base,
            binary,
            fields,
            bytes,
            heartbeat,
        })
}

fn field_of<'a>(map: &'a mut [(String, Node)], name: &str) -> Option<&'a mut Node> {
    map.iter_mut().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn apply_field(root: &mut Vec<(String, Node)>, mutation: &FieldMutation, values: &[Node]) {
    let (FieldMutation::Set(f, _) | FieldMutation::Remove(f) | FieldMutation::Duplicate(f)) =
        mutation;
    let path = FIELDS[*f];
    let (parent, last) = match path {
        [name] => (root, *name),
        [outer, name] => {
            if !matches!(field_of(root, outer), Some(Node::Map(_))) {
                if let Some(slot) = field_of(root, outer) {
                    *slot = Node::Map(Vec::new());
                } else {
                    root.push(((*outer).to_owned(), Node::Map(Vec::new())));
                }
            }
            let Some(Node::Map(inner)) = field_of(root, outer) else {
                unreachable!()
            };
            (inner, *name)
        }
        _ => unreachable!(),
    };
    match mutation {
        FieldMutation::Set(_, v) => match field_of(parent, last) {
            Some(slot) => *slot = values[*v].clone(),
            None => parent.push((last.to_owned(), values[*v].clone())),
        },
        FieldMutation::Remove(_) => parent.retain(|(k, _)| k != last),
        FieldMutation::Duplicate(_) => {
            if let Some(v) = field_of(parent, last).cloned() {
                parent.push((last.to_owned(), v));
            }
        }
    }
}

fn apply_bytes(bytes: &mut Vec<u8>, mutation: &ByteMutation, others: &[Vec<u8>]) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match mutation {
        ByteMutation::Flip(i, bit) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] ^= 1 << bit;
        }
        ByteMutation::Truncate(i) => bytes.truncate(at(*i, bytes.len() + 1)),
        ByteMutation::Overwrite(i, b) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] = *b;
        }
        ByteMutation::Insert(i, b) => {
            let i = at(*i, bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        ByteMutation::Splice(other, i, j) => {
            let other = &others[*other];
            let i = at(*i, bytes.len() + 1);
            let j = at(*j, other.len() + 1);
            bytes.truncate(i);
            bytes.extend_from_slice(&other[j..]);
        }
        _ => {}
    }
}

/// The bytes of a case's record file, in `format`.
fn record_bytes(case: &FileCase, format: Serialization, values: &[Node]) -> Vec<u8> {
    let bases = base_records();
    let base = &bases[case.base];
    let mut bytes = if case.fields.is_empty() {
        encode_record(format, base).unwrap()
    } else {
        let Node::Map(mut root) = Node::from_value(serde_json::to_value(base).unwrap()) else {
            unreachable!()
        };
        for m in &case.fields {
            apply_field(&mut root, m, values);
        }
        Node::Map(root).to_bytes(format)
    };
    let others: Vec<Vec<u8>> = bases
        .iter()
        .map(|r| encode_record(format, r).unwrap())
        .collect();
    for m in &case.bytes {
        apply_bytes(&mut bytes, m, &others);
    }
    bytes
}

fn heartbeat_bytes(fields: &[(usize, usize)], values: &[Node]) -> Vec<u8> {
    let beat = Heartbeat::new(FUZZ_OWNER, NOW - 1_000, 60_000);
    let Node::Map(mut root) = Node::from_value(serde_json::to_value(&beat).unwrap()) else {
        unreachable!()
    };
    for (f, v) in fields {
        match field_of(&mut root, BEAT_FIELDS[*f]) {
            Some(slot) => *slot = values[*v].clone(),
            None => root.push((BEAT_FIELDS[*f].to_owned(), values[*v].clone())),
        }
    }
    Node::Map(root).to_bytes(Serialization::Json)
}

// ---------------------------------------------------------------------------
// Running the operations.

/// Runs `op` under `catch_unwind`; its panic message as the error.
fn no_panic<R>(what: &str, op: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(op))
        .map_err(|p| format!("{what} panicked: {}", strand::__private::panic_message(&*p)))
}

/// Every operation on `key`, each under `catch_unwind`.
fn operate(store: &Arc<dyn ComputationStore>, key: &Key) -> Result<(), String> {
    no_panic("load", || store.load(key).map(drop))?.ok();
    no_panic("get", || store.get(key).map(drop))?.ok();
    no_panic("update", || {
        store.update(key, &mut |r| {
            r.metadata.insert("fuzzed".to_owned(), json!(true));
            UpdateAction::Write
        })
    })?
    .ok();
    let handle = ComputationHandle::<Value>::from_key(key.clone(), store.clone());
    no_panic("status", || handle.status().map(drop))?.ok();
    no_panic("cancel", || handle.cancel().map(drop))?.ok();
    no_panic("try_join", || handle.try_join().map(drop))?.ok();
    no_panic("cleanup_expired", || store.cleanup_expired().map(drop))?.ok();
    no_panic("keys", || store.keys().map(drop))?.ok();
    Ok(())
}

/// Runs `op` on a thread of its own, failing the case on a hang.
fn within_deadline(
    op: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Result<(), TestCaseError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(op());
    });
    match rx.recv_timeout(HANG) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(TestCaseError::fail(e)),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(TestCaseError::fail("the case panicked")),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(TestCaseError::fail(format!("hung for over {HANG:?}")))
        }
    }
}

/// A file-system store of each format with healthy records whose bytes
/// every case must leave as they are.
struct Bed {
    stores: Vec<(FileSystemStore, Serialization)>,
    healthy: Vec<(PathBuf, Vec<u8>)>,
    _dirs: Vec<tempfile::TempDir>,
}

impl Bed {
    fn new() -> Bed {
        let clock = ManualClock::new(NOW);
        let mut bed = Bed {
            stores: Vec::new(),
            healthy: Vec::new(),
            _dirs: Vec::new(),
        };
        for format in [Serialization::Json, Serialization::Binary] {
            let dir = tempfile::tempdir().unwrap();
            let store = FileSystemStore::new(dir.path())
                .serialization(format)
                .ttl(Duration::from_secs(60))
                .clock(clock.clone());
            for (i, record) in base_records().into_iter().enumerate() {
                // Healthy ones: owned by nobody (judged by lease), unexpired.
                let mut record = record;
                record.owner = None;
                record.lease = None;
                record.ttl_ms = None;
                record.expires_at = None;
                if record.status.is_terminal() {
                    record.completed_at = Some(NOW);
                }
                if record.status == Status::Running {
                    record.status = Status::Pending;
                }
                let key = Key::new(format!("healthy-{i}")).unwrap();
                store.put(&key, record).unwrap();
                let path = store.path_of(&key);
                bed.healthy
                    .push((path.clone(), std::fs::read(&path).unwrap()));
            }
            bed.stores.push((store, format));
            bed._dirs.push(dir);
        }
        bed
    }

    fn check_healthy(&self) -> Result<(), TestCaseError> {
        for (path, bytes) in &self.healthy {
            let now = std::fs::read(path)
                .map_err(|e| TestCaseError::fail(format!("{}: {e}", path.display())))?;
            if &now != bytes {
                return Err(TestCaseError::fail(format!(
                    "a healthy record changed: {}",
                    path.display()
                )));
            }
        }
        Ok(())
    }
}

#[test]
#[ignore = "fuzz: run by .ci/run"]
fn fuzz_record_files() {
    let start = Instant::now();
    let bed = Bed::new();
    let values = values();
    // The renderer writes what a store writes: unmutated, every base
    // record reads back as itself.
    for (store, format) in &bed.stores {
        for record in base_records() {
            let Node::Map(root) = Node::from_value(serde_json::to_value(&record).unwrap()) else {
                unreachable!()
            };
            let key = Key::new("renderer-check").unwrap();
            std::fs::write(store.path_of(&key), Node::Map(root).to_bytes(*format)).unwrap();
            assert_eq!(store.load(&key).unwrap().unwrap(), record, "{format:?}");
            std::fs::remove_file(store.path_of(&key)).unwrap();
        }
    }
    let mut runner = runner("record files", DEFAULT_FILE_CASES);
    let result = runner.run(&file_case(), |case| run_file_case(&bed, &values, &case));
    println!(
        "fuzz record files: {} cases in {:.1?}",
        runner.config().cases,
        start.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Inputs the fuzzer found, kept as fixed cases (run by plain `cargo test`).
#[test]
fn regressions() {
    let bed = Bed::new();
    let values = values();
    let value = |wanted: &dyn Fn(&Node) -> bool| values.iter().position(wanted).unwrap();
    let field = |path: &[&str]| FIELDS.iter().position(|f| *f == path).unwrap();
    let deep = |depth| value(&|n| matches!(n, Node::Deep(d) if *d == depth));
    let cases = [
        // 1,000 nested arrays in a MessagePack record: rmp-serde went
        // 1,024 deep and overflowed the stack (abort) of the thread
        // decoding it; now refused past 128 as JSON is.
        FileCase {
            base: 0,
            binary: true,
            fields: vec![FieldMutation::Set(field(&["args"]), deep(1_000))],
            bytes: Vec::new(),
            heartbeat: None,
        },
        FileCase {
            base: 2,
            binary: true,
            fields: vec![FieldMutation::Set(field(&["metadata", "note"]), deep(129))],
            bytes: Vec::new(),
            heartbeat: None,
        },
        // Extreme numbers in a heartbeat and a record that names it.
        FileCase {
            base: 1,
            binary: false,
            fields: vec![FieldMutation::Set(
                field(&["version"]),
                value(&|n| matches!(n, Node::Json(v) if *v == json!(u64::MAX))),
            )],
            bytes: Vec::new(),
            heartbeat: Some(vec![(6, deep(10)), (4, 2)]),
        },
    ];
    for case in cases {
        if let Err(e) = run_file_case(&bed, &values, &case) {
            panic!("{case:?}: {e}");
        }
    }
    // A record claiming format 0 was written as it was, and then could not
    // be read back ("format 0 does not exist"): stamp writes the current
    // format.
    let store = MemoryStore::new();
    let dir = tempfile::tempdir().unwrap();
    let fs = FileSystemStore::new(dir.path()).serialization(Serialization::Binary);
    for store in [&store as &dyn ComputationStore, &fs] {
        for format in [0, Record::FORMAT + 1, u32::MAX] {
            let key = Key::random();
            let mut record = Record::pending("f", json!([1]), 0);
            record.format = format;
            store.put(&key, record).unwrap();
            assert_eq!(store.load(&key).unwrap().unwrap().format, Record::FORMAT);
        }
    }
}

/// Writes the record file (and heartbeat) of `case` under a fresh key,
/// runs every operation on it, and checks the healthy records.
fn run_file_case(bed: &Bed, values: &[Node], case: &FileCase) -> Result<(), TestCaseError> {
    {
        let (store, format) = &bed.stores[usize::from(case.binary)];
        let bytes = record_bytes(case, *format, values);
        let key = Key::random();
        let path = store.path_of(&key);
        std::fs::write(&path, &bytes).unwrap();
        let beat_path = store.path_of(&key).with_file_name(".heartbeats");
        let beat_file = beat_path.join(format!("{FUZZ_OWNER}.json"));
        match &case.heartbeat {
            Some(fields) => {
                std::fs::create_dir_all(&beat_path).unwrap();
                std::fs::write(&beat_file, heartbeat_bytes(fields, values)).unwrap();
            }
            None => {
                let _ = std::fs::remove_file(&beat_file);
            }
        }
        let shared: Arc<dyn ComputationStore> = Arc::new(store.clone());
        let outcome = within_deadline(move || operate(&shared, &key));
        let _ = std::fs::remove_file(&path);
        outcome?;
        bed.check_healthy()
    }
}

// ---------------------------------------------------------------------------
// Record values with extreme numbers, put through the stores.

fn number() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(u64::MAX),
        Just(u64::MAX - 1),
        Just(NOW),
        any::<u64>()
    ]
}

fn fraction() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MAX),
        any::<f64>(),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pending),
        Just(Status::Running),
        Just(Status::Completed),
        Just(Status::Failed),
        Just(Status::Cancelled),
    ]
}

fn owner() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(FUZZ_OWNER.to_owned())),
        Just(Some("pid-1-gone".to_owned())),
        Just(Some("../nope".to_owned())),
        Just(Some(String::new())),
    ]
}

fn extreme_record() -> impl Strategy<Value = Record> {
    (
        (status(), number(), prop::option::of(number())),
        (prop::option::of(number()), prop::option::of(number())),
        (prop::option::of(number()), number(), any::<u32>()),
        (
            prop_oneof![Just(0u32), Just(1), Just(u32::MAX), any::<u32>()],
            prop::option::of(fraction()),
        ),
        (prop::option::of((owner(), number())), owner()),
        prop_oneof![Just(1u32), Just(0), Just(Record::FORMAT + 1)],
    )
        .prop_map(
            |(
                (status, created_at, started_at),
                (completed_at, expires_at),
                (ttl_ms, version, _),
                (attempts, progress),
                (lease, owner),
                format,
            )| {
                let mut r = Record::pending("f", json!([1]), created_at);
                r.status = status;
                r.started_at = started_at;
                r.completed_at = completed_at;
                r.expires_at = expires_at;
                r.ttl_ms = ttl_ms;
                r.version = version;
                r.attempts = attempts;
                r.progress = progress.map(|fraction| Progress {
                    fraction,
                    message: "p".into(),
                });
                r.lease = lease.map(|(owner, expires_at)| Lease {
                    owner: owner.unwrap_or_default(),
                    expires_at,
                });
                r.owner = owner;
                r.format = format;
                if status == Status::Completed {
                    r.value = Some(json!(1));
                }
                r
            },
        )
}

#[test]
#[ignore = "fuzz: run by .ci/run"]
fn fuzz_record_values() {
    let start = Instant::now();
    let clock = ManualClock::new(NOW);
    let dir = tempfile::tempdir().unwrap();
    let stores: Vec<(&str, Arc<dyn ComputationStore>)> = vec![
        (
            "memory",
            Arc::new(
                MemoryStore::new()
                    .ttl(Duration::from_secs(60))
                    .clock(clock.clone()),
            ),
        ),
        (
            "fs binary",
            Arc::new(
                FileSystemStore::new(dir.path())
                    .serialization(Serialization::Binary)
                    .ttl(Duration::from_secs(60))
                    .clock(clock.clone()),
            ),
        ),
    ];
    let healthy = Key::new("healthy").unwrap();
    for (_, store) in &stores {
        store
            .put(&healthy, Record::pending("g", json!(7), NOW))
            .unwrap();
    }
    let before: Vec<Record> = stores
        .iter()
        .map(|(_, s)| s.load(&healthy).unwrap().unwrap())
        .collect();
    let mut runner = runner("record values", DEFAULT_VALUE_CASES);
    let result = runner.run(&(extreme_record(), 0..stores.len()), |(record, which)| {
        let (name, store) = &stores[which];
        let key = Key::random();
        let shared = store.clone();
        let name = name.to_string();
        within_deadline(move || {
            no_panic("put", || shared.put(&key, record.clone()))?
                .map_err(|e| format!("{name}: put refused a record: {e}"))?;
            // What put accepted reads back, whatever format it claimed
            // (or is gone: an expired record may be cleaned up at once).
            let loaded = no_panic("load", || shared.load(&key))?;
            if loaded.is_err() {
                return Err(format!("{name}: a record put cannot be read: {loaded:?}"));
            }
            operate(&shared, &key)?;
            no_panic("delete", || shared.delete(&key))?.ok();
            Ok(())
        })?;
        for ((_, store), before) in stores.iter().zip(&before) {
            let now = store.load(&healthy).unwrap().unwrap();
            prop_assert_eq!(&now, before, "a healthy record changed");
        }
        Ok(())
    });
    println!(
        "fuzz record values: {} cases in {:.1?}",
        runner.config().cases,
        start.elapsed()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
