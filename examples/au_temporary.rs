//! Temporary computations: a `TempStore` is a file-system store in a fresh
//! private directory that is deleted, with every record, when the guard
//! drops; the counterpart of Python strand's `temporary_async_compute`
//! context manager. Useful for tests and scripts that must leave nothing
//! behind.
//!
//! An `#[async_compute]` function keeps its store in a `static`, set on its
//! first call; its `store = ...` expression cannot name a local guard, even
//! when the function is declared inside the block. So the scope holds the
//! guard and launches through a `Computation`: one built in the scope, or a
//! copy of a decorated function's own (`quick_job::computation()`), pointed
//! at the scoped store.
//!
//! Run with `cargo run --example au_temporary`.

use std::time::Duration;

use strand_au::{
    Computation, ComputationHandle, ComputationStore, MemoryStore, Runner, Status, TempStore,
    async_compute,
};

const TIMEOUT: Duration = Duration::from_secs(5);

/// Squares a number. Its own store is in memory; the second scope below runs
/// the same function against a temporary directory instead.
#[async_compute(store = MemoryStore::new())]
fn quick_job(x: u64) -> u64 {
    x * x
}

fn main() {
    // Scope 1: everything lives inside the block.
    let dir;
    let escaped: ComputationHandle<u64>;
    {
        let temp = TempStore::new()
            .expect("temp dir")
            .configure(|s| s.ttl(Duration::from_secs(60)));
        dir = temp.dir().to_path_buf();
        let cube = Computation::new("au_temporary::cube", Runner::new(|x: u64| x.pow(3)))
            .store(temp.shared());

        let handle = cube.launch::<u64>(&10);
        assert_eq!(handle.join_timeout(TIMEOUT).unwrap(), 1000);
        println!(
            "scope 1: cube(10) = 1000, record {}",
            temp.path_of(handle.key()).display()
        );
        assert!(temp.path_of(handle.key()).exists());
        assert_eq!(temp.len().unwrap(), 1);
        escaped = handle;
    } // the guard drops here: directory and records are gone
    assert!(!dir.exists());
    let err = escaped.status().unwrap_err();
    println!(
        "after scope 1: {} is gone; the handle says: {err}",
        dir.display()
    );
    assert!(err.is_unknown_key());

    // Scope 2: the decorated function, re-pointed at a scoped store.
    let dir = {
        let temp = TempStore::new()
            .expect("temp dir")
            .configure(|s| s.ttl(Duration::from_secs(60)));
        let scoped = quick_job::computation().clone().store(temp.shared());
        // Arguments travel as a tuple, as the function's own calls encode them.
        let handles: Vec<ComputationHandle<u64>> =
            (1..=5u64).map(|x| scoped.launch(&(x,))).collect();
        let squares: Vec<u64> = handles
            .iter()
            .map(|h| h.join_timeout(TIMEOUT).unwrap())
            .collect();
        println!("scope 2: quick_job over 1..=5 = {squares:?}");
        assert_eq!(squares, [1, 4, 9, 16, 25]);
        assert_eq!(temp.len().unwrap(), 5);
        assert_eq!(handles[0].status().unwrap(), Status::Completed);
        // The records name the decorated function, as its own calls would.
        let record = handles[0].record().unwrap();
        assert_eq!(record.function, quick_job::name());
        // The function's own store saw none of this.
        assert_eq!(quick_job::store().len().unwrap(), 0);
        temp.dir().to_path_buf()
    };
    assert!(!dir.exists());
    println!("after scope 2: {} is gone", dir.display());

    // And the function itself still works on its own store.
    assert_eq!(quick_job(12).join_timeout(TIMEOUT).unwrap(), 144);
    assert_eq!(quick_job::store().len().unwrap(), 1);
    println!("quick_job(12) = 144 on its own (memory) store");
}
