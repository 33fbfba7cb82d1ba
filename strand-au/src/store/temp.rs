//! [`TempStore`]: a [`FileSystemStore`] in a fresh directory, removed on drop.

use std::io;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use super::ComputationStore;
use super::fs::FileSystemStore;

/// A scoped temporary setup (Python strand's `temporary_async_compute`): a
/// [`FileSystemStore`] in a new private directory under the system temp dir,
/// deleted with every record when the guard drops.
///
/// Computations still running when it drops fail to record their results
/// (their writes get I/O errors, logged through `tracing`); wait for them
/// first.
///
/// # Examples
///
/// ```
/// use strand_au::{Computation, Runner, TempStore};
///
/// let dir;
/// {
///     let temp = TempStore::new().unwrap();
///     dir = temp.dir().to_path_buf();
///     let handle = Computation::new("square", Runner::new(|x: u64| x * x))
///         .store(temp.shared())
///         .launch::<u64>(&10);
///     assert_eq!(handle.join().unwrap(), 100);
///     assert!(dir.exists());
/// }
/// assert!(!dir.exists()); // cleaned up
/// ```
#[derive(Debug)]
pub struct TempStore {
    store: FileSystemStore,
    dir: tempfile::TempDir,
}

impl TempStore {
    /// A store in a fresh temporary directory.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created.
    pub fn new() -> io::Result<TempStore> {
        let dir = tempfile::Builder::new().prefix("strand-au-").tempdir()?;
        // Private like the default store's directory: other users must not
        // list the computation keys.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(TempStore {
            store: FileSystemStore::new(dir.path()),
            dir,
        })
    }

    /// Reconfigures the store (TTL, serialization, ...), keeping its directory.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use strand_au::ComputationStore;
    /// let temp = strand_au::TempStore::new().unwrap().configure(|s| s.ttl(Duration::from_secs(60)));
    /// assert_eq!(ComputationStore::ttl(temp.store()), Some(Duration::from_secs(60)));
    /// ```
    pub fn configure(mut self, f: impl FnOnce(FileSystemStore) -> FileSystemStore) -> TempStore {
        self.store = f(self.store);
        self
    }

    /// The store as a shareable trait object.
    pub fn shared(&self) -> Arc<dyn ComputationStore> {
        Arc::new(self.store.clone())
    }

    /// The store.
    pub fn store(&self) -> &FileSystemStore {
        &self.store
    }

    /// The temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Deref for TempStore {
    type Target = FileSystemStore;
    fn deref(&self) -> &FileSystemStore {
        &self.store
    }
}
