//! How records become bytes: strand's [`Serialization`], and
//! [`encode_record`] / [`decode_record`] for stores that keep bytes.

use crate::key::Key;
use crate::record::Record;

use super::error::StoreError;

/// How a store encodes records: strand's
/// [`Serialization`](strand::process::Serialization), re-exported, the same
/// enum the process backends send arguments and values in.
///
/// Its [`encode`](Serialization::encode) and [`decode`](Serialization::decode)
/// take any serde type and report errors as `String`; to encode a record as
/// a store does (with a [`StoreError`]), use [`encode_record`] and
/// [`decode_record`].
///
/// # Examples
///
/// ```
/// use strand_au::{FileSystemStore, Serialization};
/// let dir = tempfile::tempdir().unwrap();
/// let store = FileSystemStore::new(dir.path()).serialization(Serialization::Binary);
/// assert_eq!(store.get_serialization(), Serialization::Binary);
/// ```
pub use strand::process::Serialization;

/// The maximum size of a record, 64 MiB, unless a store is configured
/// otherwise ([`FileSystemStore::max_record_size`](crate::FileSystemStore::max_record_size),
/// [`MemoryStore::max_record_size`](crate::MemoryStore::max_record_size)).
///
/// Every store keeps the same rule, so that what runs on a
/// [`MemoryStore`](crate::MemoryStore) in tests runs on a
/// [`FileSystemStore`](crate::FileSystemStore) too:
///
/// * a record to write that is larger is refused with
///   [`StoreError::TooLarge`], and nothing is written;
/// * a stored record that is larger (written by a store with a larger
///   maximum, or by something else) is [`StoreError::Corrupt`] for its key
///   when read, and is never read into memory whole (a sparse file of
///   64 GiB costs a `fstat`, not 64 GiB).
///
/// The size is that of the encoded record: the file's size for a
/// `FileSystemStore` (JSON or MessagePack), the record's size in JSON for a
/// `MemoryStore`.
pub const DEFAULT_MAX_RECORD_SIZE: u64 = 64 << 20;

/// Encodes `record` in `format`, as [`FileSystemStore`](crate::FileSystemStore)
/// writes it: for a store of your own that keeps records as bytes. A record
/// larger than [`DEFAULT_MAX_RECORD_SIZE`] once encoded is refused (see
/// [`encode_record_limited`] for another maximum).
///
/// The buffer is allocated with room for a typical record (1 KiB), so that
/// encoding rarely grows it.
///
/// # Errors
///
/// [`StoreError::Encode`] with the encoder's message;
/// [`StoreError::TooLarge`] (without a key) for a record over the maximum.
///
/// # Examples
///
/// ```
/// use strand_au::{Key, Record, Serialization, decode_record, encode_record};
///
/// let key = Key::new("0123456789abcdef").unwrap();
/// let record = Record::pending("f", serde_json::json!([1, 2]), 1_000);
/// for format in [Serialization::Json, Serialization::Binary] {
///     let bytes = encode_record(format, &record).unwrap();
///     assert_eq!(decode_record(format, &key, &bytes).unwrap(), record);
/// }
/// ```
pub fn encode_record(format: Serialization, record: &Record) -> Result<Vec<u8>, StoreError> {
    encode_record_limited(format, record, DEFAULT_MAX_RECORD_SIZE)
}

/// [`encode_record`] with a maximum of `max_size` bytes instead of
/// [`DEFAULT_MAX_RECORD_SIZE`].
///
/// The record is encoded, then measured: the check bounds what is stored
/// and what readers allocate, not the encoding itself (the record is in
/// memory already).
///
/// # Errors
///
/// [`StoreError::Encode`] with the encoder's message;
/// [`StoreError::TooLarge`] (without a key) when the encoded record is
/// larger than `max_size` bytes.
///
/// # Examples
///
/// ```
/// use strand_au::{Record, Serialization, StoreError, encode_record_limited};
///
/// let record = Record::pending("f", serde_json::json!("x".repeat(1000)), 1_000);
/// match encode_record_limited(Serialization::Json, &record, 512) {
///     Err(StoreError::TooLarge { size, max: 512, .. }) => assert!(size > 1000),
///     other => panic!("expected TooLarge, got {other:?}"),
/// }
/// assert!(encode_record_limited(Serialization::Json, &record, 4096).is_ok());
/// ```
pub fn encode_record_limited(
    format: Serialization,
    record: &Record,
    max_size: u64,
) -> Result<Vec<u8>, StoreError> {
    // Room for a typical record up front: growing the buffer calls
    // `realloc`, which contends for the allocator's arena lock.
    let mut bytes = Vec::with_capacity(1024);
    format
        .encode_into(record, &mut bytes)
        .map_err(StoreError::Encode)?;
    let size = bytes.len() as u64;
    if size > max_size {
        return Err(StoreError::TooLarge {
            key: None,
            size,
            max: max_size,
        });
    }
    Ok(bytes)
}

/// The message of the [`StoreError::Corrupt`] for a stored record of
/// `size` bytes over the maximum `max`.
pub(crate) fn oversized(size: u64, max: u64) -> String {
    format!("record of {size} bytes exceeds the maximum of {max} bytes")
}

/// Checks that `record` is at most `max` bytes in JSON, as
/// [`MemoryStore`](crate::MemoryStore) does before each write.
///
/// Cheap for the common small record: an upper bound of its JSON size is
/// computed from its strings' lengths and its shape, without formatting
/// anything; only a record whose bound exceeds `max` is measured exactly
/// (encoded into a byte counter, nothing allocated).
pub(crate) fn check_json_size(key: &Key, record: &Record, max: u64) -> Result<(), StoreError> {
    if json_size_bound(record) <= max {
        return Ok(());
    }
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, record).map_err(|e| StoreError::Encode(e.to_string()))?;
    if counter.0 > max {
        return Err(StoreError::TooLarge {
            key: Some(key.clone()),
            size: counter.0,
            max,
        });
    }
    Ok(())
}

/// An `io::Write` that only counts the bytes written to it.
struct ByteCounter(u64);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Room for everything of a record but its strings and JSON values: field
/// names, punctuation, numbers (at most 24 characters each), the status and
/// error kind. A record has under 30 fields, so about 60 bytes each.
const RECORD_FIXED_BOUND: u64 = 2048;

/// An upper bound of the size of `record` in JSON (`serde_json`, compact).
///
/// The destructuring patterns name every field, without `..`: a field added
/// to a record stops this from compiling until it is counted here.
fn json_size_bound(record: &Record) -> u64 {
    use crate::record::{ErrorInfo, Lease, Progress};
    let Record {
        status: _,
        function,
        args,
        value,
        error,
        created_at: _,
        started_at: _,
        completed_at: _,
        expires_at: _,
        ttl_ms: _,
        attempts: _,
        progress,
        lease,
        owner,
        queue,
        due_at: _,
        max_attempts: _,
        dedup_key,
        queue_entry,
        metadata,
        version: _,
        format: _,
    } = record;
    let mut bound = RECORD_FIXED_BOUND
        .saturating_add(str_bound(function))
        .saturating_add(value_bound(args));
    if let Some(value) = value {
        bound = bound.saturating_add(value_bound(value));
    }
    if let Some(ErrorInfo {
        kind: _,
        message,
        value,
    }) = error
    {
        bound = bound
            .saturating_add(str_bound(message))
            .saturating_add(value.as_ref().map_or(0, value_bound));
    }
    if let Some(Progress {
        fraction: _,
        message,
    }) = progress
    {
        bound = bound.saturating_add(str_bound(message));
    }
    if let Some(Lease {
        owner,
        expires_at: _,
    }) = lease
    {
        bound = bound.saturating_add(str_bound(owner));
    }
    for s in [owner, queue, dedup_key, queue_entry].into_iter().flatten() {
        bound = bound.saturating_add(str_bound(s));
    }
    bound.saturating_add(map_bound(metadata))
}

/// At most 6 bytes per byte of `s` (`\u00XX`, the longest escape; a
/// character of several bytes is written as it is), and the quotes.
fn str_bound(s: &str) -> u64 {
    (s.len() as u64).saturating_mul(6).saturating_add(2)
}

fn map_bound(map: &serde_json::Map<String, serde_json::Value>) -> u64 {
    map.iter().fold(2, |n, (k, v)| {
        n.saturating_add(str_bound(k))
            .saturating_add(value_bound(v))
            .saturating_add(2)
    })
}

fn value_bound(value: &serde_json::Value) -> u64 {
    use serde_json::Value;
    match value {
        // `false`, `null`; a number is at most 24 characters
        // (`-1.7976931348623157e308`, `-9223372036854775808`).
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 24,
        Value::String(s) => str_bound(s),
        Value::Array(items) => items
            .iter()
            .fold(2, |n, v| n.saturating_add(value_bound(v)).saturating_add(1)),
        Value::Object(map) => map_bound(map),
    }
}

/// Decodes the bytes of the record stored under `key`, encoded in `format`
/// (the inverse of [`encode_record`]).
///
/// Every store that keeps bytes decodes through this function, so every
/// check of what a record may be lives here: a record must be of a
/// [`Record::format`] this version reads (1 to [`Record::FORMAT`]; a record
/// without one is format 1).
///
/// # Errors
///
/// [`StoreError::Corrupt`] for `key`, never a panic:
///
/// * with the decoder's message, when `bytes` are not a record in `format`
///   (a truncated or foreign file, an unknown status, a field of the wrong
///   type);
/// * with "written by a newer strand-au (format N); this one reads format
///   1", when a newer version wrote it (whether or not the rest decodes).
///
/// # Examples
///
/// ```
/// use strand_au::{Key, Serialization, StoreError, decode_record};
///
/// let key = Key::new("0123456789abcdef").unwrap();
/// match decode_record(Serialization::Json, &key, b"{\"status\":") {
///     Err(StoreError::Corrupt { key: k, .. }) => assert_eq!(k, key),
///     other => panic!("expected Corrupt, got {other:?}"),
/// }
///
/// let newer = br#"{"status":"pending","function":"f","created_at":0,"format":2}"#;
/// let err = decode_record(Serialization::Json, &key, newer).unwrap_err();
/// assert!(matches!(err, StoreError::Corrupt { .. }));
/// assert!(err.to_string().ends_with(
///     "written by a newer strand-au (format 2); this one reads format 1"
/// ));
/// ```
pub fn decode_record(format: Serialization, key: &Key, bytes: &[u8]) -> Result<Record, StoreError> {
    let corrupt = |message| StoreError::Corrupt {
        key: key.clone(),
        message,
    };
    match format.decode::<Record>(bytes) {
        Ok(record) => {
            readable_format(record.format).map_err(corrupt)?;
            Ok(record)
        }
        Err(message) => {
            // A newer writer may have changed what a field holds: when the
            // record says so, that is the error to report, not the field.
            if let Ok(FormatOnly { format: found }) = format.decode::<FormatOnly>(bytes) {
                readable_format(found).map_err(corrupt)?;
            }
            Err(corrupt(message))
        }
    }
}

/// Only the format of an encoded record (every other field ignored).
#[derive(serde::Deserialize)]
struct FormatOnly {
    #[serde(default = "Record::original_format")]
    format: u32,
}

/// Whether this version reads records of format `found`; if not, why.
fn readable_format(found: u32) -> Result<(), String> {
    if found > Record::FORMAT {
        Err(format!(
            "written by a newer strand-au (format {found}); this one reads format {}",
            Record::FORMAT
        ))
    } else if found == 0 {
        Err("format 0 does not exist (record formats start at 1)".to_owned())
    } else {
        Ok(())
    }
}

/// [`encode_record_limited`] for the record of `key`: a record over the
/// maximum is refused naming its key.
pub(crate) fn encode_record_of(
    format: Serialization,
    key: &Key,
    record: &Record,
    max_size: u64,
) -> Result<Vec<u8>, StoreError> {
    encode_record_limited(format, record, max_size).map_err(|e| match e {
        StoreError::TooLarge {
            key: None,
            size,
            max,
        } => StoreError::TooLarge {
            key: Some(key.clone()),
            size,
            max,
        },
        e => e,
    })
}
