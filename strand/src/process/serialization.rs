//! [`Serialization`]: how arguments and values are encoded between
//! processes (JSON, or MessagePack).

use serde::Serialize;
use serde::de::DeserializeOwned;

/// How arguments and values are encoded between processes.
///
/// strand-au uses the same enum for the records of its stores (it
/// re-exports it as `strand_au::Serialization`), so it is also
/// [`serde::Serialize`] and [`serde::Deserialize`] (as the variant name,
/// e.g. `"Binary"`), to describe a store to another process.
///
/// The enum is `#[non_exhaustive]`: a `match` on it outside strand needs a
/// `_` arm.
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
///
/// As a value itself:
///
/// ```
/// use strand::process::Serialization;
///
/// let json = serde_json::to_string(&Serialization::Binary).unwrap();
/// assert_eq!(json, r#""Binary""#);
/// assert_eq!(serde_json::from_str::<Serialization>(&json).unwrap(), Serialization::Binary);
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
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

    /// Encodes `value` at the end of `buffer`, for a caller that sizes
    /// (or reuses) the buffer itself: growing a `Vec` calls `realloc`, which
    /// contends for the allocator's lock when many threads encode at once.
    ///
    /// The bytes are the same as [`encode`](Self::encode)'s. On an error,
    /// `buffer` keeps what it had, followed by whatever was written before
    /// the error; truncate it to its former length to drop that.
    ///
    /// # Errors
    ///
    /// The encoder's message, as for [`encode`](Self::encode).
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::Serialization;
    ///
    /// let mut buffer = Vec::with_capacity(1024);
    /// Serialization::Json.encode_into(&[1, 2, 3], &mut buffer).unwrap();
    /// assert_eq!(buffer, b"[1,2,3]");
    /// assert_eq!(buffer.capacity(), 1024);
    ///
    /// // It appends, and writes what `encode` would.
    /// let start = buffer.len();
    /// Serialization::Binary.encode_into("four", &mut buffer).unwrap();
    /// assert_eq!(buffer[start..], Serialization::Binary.encode("four").unwrap());
    /// ```
    pub fn encode_into<T: Serialize + ?Sized>(
        self,
        value: &T,
        buffer: &mut Vec<u8>,
    ) -> Result<(), String> {
        match self {
            Serialization::Json => {
                serde_json::to_writer(&mut *buffer, value).map_err(|e| e.to_string())
            }
            Serialization::Binary => {
                rmp_serde::encode::write_named(buffer, value).map_err(|e| e.to_string())
            }
        }
    }

    /// Decodes a `T`.
    ///
    /// Both formats refuse input nested deeper than [`MAX_DEPTH`](Self::MAX_DEPTH)
    /// arrays and maps, so that hostile bytes cannot overflow the stack of
    /// the thread that decodes them.
    ///
    /// # Errors
    ///
    /// The decoder's message, when `bytes` is not an encoded `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use strand::process::Serialization;
    ///
    /// // 200 nested one-element arrays: too deep, in either format.
    /// let json = format!("{}0{}", "[".repeat(200), "]".repeat(200));
    /// assert!(Serialization::Json.decode::<serde_json::Value>(json.as_bytes()).is_err());
    /// let mut msgpack = vec![0x91; 200];
    /// msgpack.push(0);
    /// assert!(Serialization::Binary.decode::<serde_json::Value>(&msgpack).is_err());
    /// ```
    pub fn decode<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, String> {
        match self {
            // Checked as UTF-8 once, whole (word at a time), so that the
            // parser need not check each string it meets: a third of the
            // time `from_slice` took to decode a store record. JSON is
            // UTF-8, so nothing `from_slice` accepted is refused.
            Serialization::Json => match std::str::from_utf8(bytes) {
                Ok(text) => serde_json::from_str(text).map_err(|e| e.to_string()),
                Err(e) => Err(format!("not JSON: the bytes are not UTF-8 ({e})")),
            },
            Serialization::Binary => {
                let mut decoder = rmp_serde::Deserializer::from_read_ref(bytes);
                decoder.set_max_depth(Self::MAX_DEPTH);
                T::deserialize(&mut decoder).map_err(|e| e.to_string())
            }
        }
    }

    /// How deeply nested (arrays and maps) input [`decode`](Self::decode)
    /// accepts: 128, `serde_json`'s own limit, applied to MessagePack too
    /// (whose decoder would otherwise go 1024 deep, far enough to
    /// overflow a 2 MiB thread stack in a debug build).
    pub const MAX_DEPTH: usize = 128;

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
