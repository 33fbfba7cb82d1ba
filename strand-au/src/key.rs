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

/// Whether a key may hold the byte `b`: ASCII letters and digits, `_`,
/// `.` and `-`.
fn allowed_in_key(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

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
        if Key::is_valid(&key) {
            return Ok(Key(key));
        }
        let bad_char = key
            .chars()
            .find(|c| !u8::try_from(*c).is_ok_and(allowed_in_key));
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

    /// Whether [`Key::new`] accepts `key`, checked byte by byte without
    /// allocating (the stores check every file name they list).
    pub(crate) fn is_valid(key: &str) -> bool {
        !key.is_empty()
            && key.len() <= MAX_KEY_LEN
            && !key.starts_with('.')
            && key.bytes().all(allowed_in_key)
    }

    /// A fresh unguessable key: 128 bits from a CSPRNG, as 32 lowercase
    /// hex digits.
    ///
    /// Keys are capabilities: whoever knows a key can read, wait for and
    /// cancel its computation (a web handler can expose keys as job ids),
    /// so a key must not be guessable from any other. The bits come from
    /// the calling thread's cryptographically secure generator (rand's
    /// `ThreadRng`: ChaCha12, seeded from the operating system and reseeded
    /// from it after every 64 KiB of output, i.e. every 4,096 keys), so
    /// drawing a key makes no system call, and each thread draws a stream of
    /// its own. A child process made by `fork` shares its parent's memory,
    /// generator included: this thread's generator is reseeded from the
    /// operating system on its first key and on the first key after a fork,
    /// so a forked child never draws its parent's keys.
    ///
    /// # Panics
    ///
    /// When the operating system's random source fails (as `ThreadRng`
    /// does): there is nothing to draw a key from.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = strand_au::Key::random();
    /// assert_eq!(a.as_str().len(), 32);
    /// assert!(a.as_str().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    /// assert_ne!(a, strand_au::Key::random());
    /// ```
    pub fn random() -> Key {
        use rand::Rng as _;

        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut rng = rand::rng();
        fork::reseed_where_shared(&mut rng);
        let mut bits = [0u8; 16];
        rng.fill_bytes(&mut bits);
        // Sized up front: pushing would otherwise grow it (`realloc`).
        let mut key = String::with_capacity(32);
        for byte in bits {
            key.push(char::from(HEX[usize::from(byte >> 4)]));
            key.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
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

/// When a thread's random generator may be shared with another process:
/// before this thread's first key (something else may have used it before
/// a `fork` that nobody saw), and after a `fork` (the child has a copy of
/// its parent's generator, which goes on drawing the same bits).
mod fork {
    use std::cell::Cell;
    use std::sync::Once;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// How many times this process was forked from the process it is a
    /// copy of, as the forking thread counts: the child handler below adds
    /// one, in the child.
    static FORKS: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        /// [`FORKS`] when this thread's generator was last reseeded; none
        /// before its first key.
        static SEEN: Cell<u64> = const { Cell::new(u64::MAX) };
    }

    /// Runs in the child after a `fork`: an atomic add, which is
    /// async-signal-safe.
    extern "C" fn forked() {
        FORKS.fetch_add(1, Ordering::Relaxed);
    }

    /// Reseeds `rng` (this thread's) from the operating system if it may be
    /// shared: on this thread's first key, and on its first key after a
    /// fork. Otherwise one atomic load and a thread-local read.
    pub(super) fn reseed_where_shared(rng: &mut rand::rngs::ThreadRng) {
        static WATCH: Once = Once::new();
        WATCH.call_once(|| {
            // SAFETY: registers a child handler that only adds to an atomic.
            let rc = unsafe { libc::pthread_atfork(None, None, Some(forked)) };
            if rc != 0 {
                tracing::warn!(
                    code = rc,
                    "cannot watch for fork: a forked child may draw its parent's keys"
                );
            }
        });
        let forks = FORKS.load(Ordering::Relaxed);
        SEEN.with(|seen| {
            if seen.get() != forks {
                if let Err(e) = rng.reseed() {
                    panic!("cannot seed the key generator from the operating system: {e}");
                }
                seen.set(forks);
            }
        });
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
