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

/// Encodes `record` in `format`, as [`FileSystemStore`](crate::FileSystemStore)
/// writes it: for a store of your own that keeps records as bytes.
///
/// The buffer is allocated with room for a typical record (1 KiB), so that
/// encoding rarely grows it.
///
/// # Errors
///
/// [`StoreError::Encode`] with the encoder's message.
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
    // Room for a typical record up front: growing the buffer calls
    // `realloc`, which contends for the allocator's arena lock.
    let mut bytes = Vec::with_capacity(1024);
    format
        .encode_into(record, &mut bytes)
        .map_err(StoreError::Encode)?;
    Ok(bytes)
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
