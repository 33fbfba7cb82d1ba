use strand_au::{MemoryStore, async_compute};

/// An `async fn` computation: runs to completion on the backend's thread.
#[async_compute(store = MemoryStore::new())]
async fn fetch(id: u32) -> String {
    format!("item {id}")
}

fn main() {
    let _: String = fetch(1).join().unwrap();
}
