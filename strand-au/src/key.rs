//! [`Key`]: the validated name of one computation's record.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 128;

/// The name of one computation's record in a store.
///
/// A key is 1 to 128 characters of `A-Z a-z 0-9 _ . -` and does not start
/// with a dot. That makes every key a safe file name: it cannot escape a
/// [`FileSystemStore`](crate::FileSystemStore)'s directory (`..`, `/`), and
/// it never collides with the store's own hidden files.
///
/// # Examples
///
/// ```
/// use strand_au::Key;
///
/// let key: Key = "report-2024.pdf".parse().unwrap();
/// assert_eq!(key.as_str(), "report-2024.pdf");
///
/// let err = Key::new("../etc/passwd").unwrap_err();
/// assert_eq!(err.to_string(), "invalid computation key `../etc/passwd`: `/` is not allowed (use A-Z, a-z, 0-9, `_`, `.`, `-`)");
/// assert!(Key::new(".hidden").is_err());
/// assert!(Key::new("").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(String);

impl Key {
    /// Validates `key`.
    ///
    /// # Errors
    ///
    /// [`KeyError`] naming the first problem found.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(strand_au::Key::new("job_42").is_ok());
    /// assert!(strand_au::Key::new("a b").is_err());
    /// ```
    pub fn new(key: impl Into<String>) -> Result<Key, KeyError> {
        let key = key.into();
        let bad_char = key
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')));
        let problem = if key.is_empty() {
            Some("it is empty".to_owned())
        } else if let Some(c) = bad_char {
            Some(format!("`{}` is not allowed", c.escape_debug()))
        } else if key.len() > MAX_KEY_LEN {
            Some(format!("it is longer than {MAX_KEY_LEN} bytes"))
        } else if key.starts_with('.') {
            Some("it starts with `.`".to_owned())
        } else {
            None
        };
        match problem {
            Some(problem) => Err(KeyError { key, problem }),
            None => Ok(Key(key)),
        }
    }

    /// A fresh unguessable key: 32 hex digits.
    ///
    /// The digits are a keyed hash (SipHash, with a 128-bit secret drawn
    /// from the operating system once per process) of a process-wide counter
    /// and a random per-process salt: unique within the process, unique
    /// across processes with overwhelming probability, and not guessable
    /// from other keys (a web handler can expose them as job ids), at the
    /// cost of a hash instead of a `getrandom` call per key.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = strand_au::Key::random();
    /// assert_eq!(a.as_str().len(), 32);
    /// assert_ne!(a, strand_au::Key::random());
    /// ```
    pub fn random() -> Key {
        use std::fmt::Write as _;
        use std::hash::{BuildHasher, Hasher};
        use std::sync::LazyLock;
        use std::sync::atomic::{AtomicU64, Ordering};

        static SECRET: LazyLock<(std::collections::hash_map::RandomState, u128)> =
            LazyLock::new(|| (Default::default(), uuid::Uuid::new_v4().as_u128()));
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let (state, salt) = &*SECRET;
        let half = |lane: u8| {
            let mut h = state.build_hasher();
            h.write_u128(*salt);
            h.write_u64(n);
            h.write_u8(lane);
            h.finish()
        };
        // Sized up front: `format!` would grow the string (`realloc`).
        let mut key = String::with_capacity(32);
        let _ = write!(key, "{:016x}{:016x}", half(0), half(1));
        Key(key)
    }

    /// The key as text.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(strand_au::Key::new("k").unwrap().as_str(), "k");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl FromStr for Key {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Key, KeyError> {
        Key::new(s)
    }
}

impl TryFrom<&str> for Key {
    type Error = KeyError;
    fn try_from(s: &str) -> Result<Key, KeyError> {
        Key::new(s)
    }
}

impl TryFrom<String> for Key {
    type Error = KeyError;
    fn try_from(s: String) -> Result<Key, KeyError> {
        Key::new(s)
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        let s = String::deserialize(d)?;
        Key::new(s).map_err(serde::de::Error::custom)
    }
}

/// A malformed [`Key`].
///
/// # Examples
///
/// ```
/// let err = strand_au::Key::new("").unwrap_err();
/// assert_eq!(err.key(), "");
/// assert!(err.to_string().contains("it is empty"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    key: String,
    problem: String,
}

impl KeyError {
    /// The rejected text.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid computation key `{}`: {} (use A-Z, a-z, 0-9, `_`, `.`, `-`)",
            self.key.escape_debug(),
            self.problem
        )
    }
}

impl std::error::Error for KeyError {}
