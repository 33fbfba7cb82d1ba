use strand_au::{MemoryStore, async_compute};

#[async_compute(store = MemoryStore::new(), backend = queue("jobs/urgent"))] // error: at the literal
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1);
}
