use strand_au::{MemoryStore, async_compute};

// `serialization` configures the default store only.
#[async_compute(store = MemoryStore::new(), serialization = binary)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(2).join();
}
