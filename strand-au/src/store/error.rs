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
    /// Anything else (custom stores).
    Other(String),
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
