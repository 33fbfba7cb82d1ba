// `backend = queue` and `backend = queue("name")`: the job goes into a queue
// of the computation's store, for any worker of that store to run.
use strand_au::{MemoryStore, async_compute};

#[async_compute(store = MemoryStore::new(), backend = queue)]
fn double(x: u32) -> u32 {
    x * 2
}

#[async_compute(store = MemoryStore::new(), backend = queue("images"))]
fn resize(width: u32) -> Result<u32, String> {
    Ok(width / 2)
}

fn main() {
    let handle = double(21);
    let _ = handle.key();
    let _ = resize(4);
}
