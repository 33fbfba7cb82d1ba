// Two functions share one store and one backend through statics; a third
// shares the store through a function returning clones of one handle.
use std::sync::{Arc, LazyLock};
use strand_au::{ComputationStore, MemoryStore, PoolBackend, async_compute};

static STORE: LazyLock<MemoryStore> = LazyLock::new(MemoryStore::new);
static POOL: LazyLock<Arc<PoolBackend>> = LazyLock::new(|| Arc::new(PoolBackend::new(2)));

fn store() -> MemoryStore {
    STORE.clone()
}

#[async_compute(store = STORE.clone(), backend = POOL.clone())]
fn square(x: u64) -> u64 {
    x * x
}

#[async_compute(store = STORE.clone(), backend = POOL.clone())]
fn cube(x: u64) -> u64 {
    x * x * x
}

#[async_compute(store = store())]
fn negate(x: i64) -> i64 {
    -x
}

fn main() {
    let a = square(3);
    let b = cube(2);
    let c = negate(4);
    assert_eq!(a.join().unwrap(), 9);
    assert_eq!(b.wait().unwrap(), 8);
    assert_eq!(c.join().unwrap(), -4);
    assert_eq!(STORE.len().unwrap(), 3);
    assert_eq!(square::store().len().unwrap(), 3);
    assert_eq!(negate::store().len().unwrap(), 3);
    // A handle of one function's companion reads the other's record.
    assert_eq!(square::handle(b.key().clone()).join().unwrap(), 8);
    assert!(Arc::ptr_eq(&square::backend(), &cube::backend()));
}
