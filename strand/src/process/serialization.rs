//! [`Serialization`]: how arguments and values are encoded between
//! processes (JSON, or MessagePack).

use serde::Serialize;
use serde::de::DeserializeOwned;

/// How arguments and values are encoded between processes.
///
/// # Examples
///
/// ```
/// use strand::process::Serialization;
///
/// for format in [Serialization::Json, Serialization::Binary] {
///     let bytes = format.encode(&(1u8, "two")).unwrap();
///     let back: (u8, String) = format.decode(&bytes).unwrap();
///     assert_eq!(back, (1, "two".to_string()));
/// }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Serialization {
    /// JSON (`serde_json`): readable, the default.
    #[default]
    Json,
    /// MessagePack (`rmp-serde`, with field names): more compact and faster
    /// for numbers and byte strings.
    Binary,
}

impl Serialization {
    /// Encodes `value`.
    ///
    /// # Errors
    ///
    /// The encoder's message, e.g. for a map with non-string keys in JSON.
    pub fn encode<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<u8>, String> {
        match self {
            Serialization::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
            Serialization::Binary => rmp_serde::to_vec_named(value).map_err(|e| e.to_string()),
        }
    }

    /// Decodes a `T`.
    ///
    /// # Errors
    ///
    /// The decoder's message, when `bytes` is not an encoded `T`.
    pub fn decode<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, String> {
        match self {
            Serialization::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
            Serialization::Binary => rmp_serde::from_slice(bytes).map_err(|e| e.to_string()),
        }
    }

    pub(super) fn code(self) -> u8 {
        match self {
            Serialization::Json => 0,
            Serialization::Binary => 1,
        }
    }

    pub(super) fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Serialization::Json),
            1 => Some(Serialization::Binary),
            _ => None,
        }
    }
}
