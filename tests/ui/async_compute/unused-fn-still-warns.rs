#![deny(dead_code)]

// The function is registered by name (a worker could run it), but nothing
// in this crate launches it: rustc still says so, at the function.
#[strand_au::async_compute(store = strand_au::MemoryStore::new())]
fn never_launched(x: u32) -> u32 {
    x + 1
}

fn main() {}
