use strand_au::{MemoryStore, async_compute};

// One error: the typo. The rewrite keeps `store` and the call site
// type-checks.
#[async_compute(store = MemoryStore::new(), bakend = pool)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let value: u64 = square(3).join().unwrap();
    assert_eq!(value, 9);
    let _ = square::store();
}
