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
        self.store = f(self.store.clone());
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

impl Drop for TempStore {
    fn drop(&mut self) {
        // `TempDir`'s own drop would remove the directory too, but a
        // background write of this process (the renewer's heartbeat, say)
        // racing with it could make the directory again; this removal
        // shuts those writes out first. `TempDir` then finds nothing left.
        if let Err(e) = self.store.remove_dir() {
            tracing::warn!(dir = %self.dir.path().display(), error = %e, "cannot remove the temporary store's directory");
        }
    }
}

impl Deref for TempStore {
    type Target = FileSystemStore;
    fn deref(&self) -> &FileSystemStore {
        &self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Heartbeat, Key, Record};

    #[test]
    fn a_write_after_the_drop_fails_and_makes_no_directory() {
        let temp = TempStore::new().unwrap();
        let dir = temp.dir().to_path_buf();
        // A clone outlives the guard, as the renewer's copy of a store does.
        let store = temp.store().clone();
        let key = Key::new("k1").unwrap();
        store
            .put(&key, Record::pending("f", serde_json::Value::Null, 1))
            .unwrap();
        store
            .put_heartbeat(&Heartbeat::new("pid-1-test", 1, 60_000))
            .unwrap();
        drop(temp);
        assert!(!dir.exists());

        let late = store.put(&key, Record::pending("f", serde_json::Value::Null, 2));
        assert!(
            matches!(late, Err(crate::StoreError::Io { .. })),
            "{late:?}"
        );
        let beat = store.put_heartbeat(&Heartbeat::new("pid-1-test", 2, 60_000));
        assert!(beat.is_err(), "{beat:?}");
        assert!(!dir.exists(), "a late write made the directory again");
    }

    #[test]
    fn a_new_store_on_a_removed_directory_works() {
        let temp = TempStore::new().unwrap();
        let dir = temp.dir().to_path_buf();
        let old = temp.store().clone();
        drop(temp);
        // Same path, new store: it is not the removed one.
        let store = FileSystemStore::new(&dir);
        let key = Key::new("k2").unwrap();
        store
            .put(&key, Record::pending("f", serde_json::Value::Null, 1))
            .unwrap();
        assert!(store.get(&key).unwrap().is_some());
        drop(old);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
