// Decorated functions are warning-free under strict lints.
#![deny(
    warnings,
    missing_docs,
    unused_qualifications,
    unused_results,
    unreachable_pub
)]
#![deny(rust_2018_idioms, unused_lifetimes, clippy::all)]
//! Crate docs.

use strand_au::{MemoryStore, async_compute};

/// Public and documented: its companion module is documented too.
#[async_compute(store = MemoryStore::new())]
pub fn double(x: u32) -> u32 {
    x * 2
}

/// Fallible through an alias, crate-visible.
#[async_compute(store = MemoryStore::new(), backend = pool)]
pub(crate) fn read(path: std::path::PathBuf) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

/// A private module's functions.
mod inner {
    use strand_au::{InlineBackend, MemoryStore, async_compute};

    #[async_compute(store = MemoryStore::new(), backend = InlineBackend)]
    pub(super) fn unit() {}

    #[async_compute(store = MemoryStore::new())]
    pub(crate) fn pair(a: u8, b: String) -> (u8, String) {
        (a, b)
    }
}

fn main() {
    assert_eq!(double(1).join().unwrap(), 2);
    assert!(read("/definitely/not/here".into()).join().is_err());
    inner::unit().join().unwrap();
    assert_eq!(
        inner::pair(1, "x".into()).join().unwrap(),
        (1, "x".to_owned())
    );
    assert_eq!(double::cleanup_expired().unwrap(), 0);
}
