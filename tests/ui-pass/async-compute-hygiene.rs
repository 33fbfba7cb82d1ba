// The expansion names nothing through the prelude, and user items called
// like std's (`core`, `Result`, `Box`, `Arc`, ...) do not disturb it.
#![allow(dead_code)]

mod core {}
mod std_like {
    pub type Result = ();
}

#[allow(unused_imports)]
use std_like::Result;

struct Arc;
struct Box;
struct Option;
struct Vec;
struct Any;
struct Duration;

#[strand_au::async_compute(store = strand_au::MemoryStore::new(), ttl = 60)]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[strand_au::async_compute(store = strand_au::MemoryStore::new())]
fn parse(text: String) -> ::std::result::Result<u32, ::std::num::ParseIntError> {
    text.parse()
}

#[no_implicit_prelude]
mod bare {
    #[::strand_au::async_compute(store = ::strand_au::MemoryStore::new(), backend = pool)]
    pub fn triple(x: u64) -> u64 {
        x * 3
    }

    #[::strand_au::async_compute(store = ::strand_au::MemoryStore::new())]
    pub fn unit() {}
}

fn main() {
    assert_eq!(add(1, 2).join().unwrap(), 3);
    assert_eq!(parse("4".into()).join().unwrap(), 4);
    assert_eq!(bare::triple(2).join().unwrap(), 6);
    bare::unit().join().unwrap();
    assert_eq!(bare::triple::store().len().unwrap(), 1);
}
