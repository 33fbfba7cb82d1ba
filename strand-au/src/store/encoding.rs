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
/// # Errors
///
/// [`StoreError::Corrupt`] for `key`, with the decoder's message, when
/// `bytes` are not a record in `format` (a truncated or foreign file, say).
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
/// ```
pub fn decode_record(format: Serialization, key: &Key, bytes: &[u8]) -> Result<Record, StoreError> {
    format.decode(bytes).map_err(|message| StoreError::Corrupt {
        key: key.clone(),
        message,
    })
}
