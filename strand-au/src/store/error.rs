//! [`StoreError`]: how a store failed.

use std::fmt;

use crate::key::Key;

/// How a store failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// An I/O error on `key` (or on the store itself when `key` is `None`).
    Io {
        /// The record concerned, if any.
        key: Option<Key>,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The stored bytes of `key` do not decode as a record (corrupt or truncated file).
    Corrupt {
        /// The record concerned.
        key: Key,
        /// What the decoder said.
        message: String,
    },
    /// A record could not be encoded.
    Encode(String),
    /// A record to write is larger than the store's maximum record size
    /// ([`DEFAULT_MAX_RECORD_SIZE`](crate::DEFAULT_MAX_RECORD_SIZE) unless
    /// configured); nothing was written. (A stored record over the maximum
    /// is [`Corrupt`](Self::Corrupt) for its key when read.)
    TooLarge {
        /// The record concerned (`None` from [`encode_record`](crate::encode_record),
        /// which does not know it).
        key: Option<Key>,
        /// Its encoded size in bytes.
        size: u64,
        /// The store's maximum in bytes.
        max: u64,
    },
    /// The store cannot do what was asked (a store without queues asked to
    /// hold tasks): what, and which store.
    Unsupported {
        /// The operation asked for.
        operation: &'static str,
        /// The store (its `Debug` form, cut short).
        store: String,
    },
    /// Anything else (custom stores).
    Other(String),
}

impl StoreError {
    /// [`StoreError::Unsupported`] for `operation` on `store`.
    pub fn unsupported(operation: &'static str, store: &dyn fmt::Debug) -> StoreError {
        let mut store = format!("{store:?}");
        if store.len() > 80 {
            let mut cut = 77;
            while !store.is_char_boundary(cut) {
                cut -= 1;
            }
            store.truncate(cut);
            store.push_str("...");
        }
        StoreError::Unsupported { operation, store }
    }

    /// Whether the store cannot do what was asked ([`StoreError::Unsupported`]).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, StoreError::Unsupported { .. })
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io {
                key: Some(k),
                source,
            } => write!(f, "store i/o error on `{k}`: {source}"),
            StoreError::Io { key: None, source } => write!(f, "store i/o error: {source}"),
            StoreError::Corrupt { key, message } => {
                write!(f, "record `{key}` is corrupt: {message}")
            }
            StoreError::Encode(m) => write!(f, "cannot encode record: {m}"),
            StoreError::TooLarge {
                key: Some(k),
                size,
                max,
            } => write!(
                f,
                "record `{k}` of {size} bytes exceeds the maximum of {max} bytes"
            ),
            StoreError::TooLarge {
                key: None,
                size,
                max,
            } => write!(
                f,
                "record of {size} bytes exceeds the maximum of {max} bytes"
            ),
            StoreError::Unsupported { operation, store } => write!(
                f,
                "{store} cannot {operation}: it does not implement strand-au's queue contract (FileSystemStore and MemoryStore do; see `ComputationStore::enqueue`)"
            ),
            StoreError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
