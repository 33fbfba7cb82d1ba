// `#[async_compute]` reached through a renamed path, with `crate = path`.
use strand_au as au;

#[au::async_compute(crate = au, store = au::MemoryStore::new())]
fn double(x: u32) -> u32 {
    x * 2
}

mod nested {
    // A path through the parent module, and an absolute one.
    #[super::au::async_compute(crate = super::au, store = super::au::MemoryStore::new())]
    pub fn triple(x: u32) -> u32 {
        x * 3
    }

    #[crate::au::async_compute(crate = ::strand_au, backend = pool, store = strand_au::MemoryStore::new())]
    pub fn parse(s: String) -> Result<u32, std::num::ParseIntError> {
        s.parse()
    }
}

fn main() {
    assert_eq!(double(21).join().unwrap(), 42);
    assert_eq!(nested::triple(2).join().unwrap(), 6);
    assert_eq!(nested::parse("7".into()).join().unwrap(), 7);
    assert!(nested::parse("x".into()).join().unwrap_err().is_failed());
    assert_eq!(double::store().len().unwrap(), 1);
    assert!(nested::triple::name().ends_with("::nested::triple"));
}
