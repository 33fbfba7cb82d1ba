// The attribute reached through a renamed dependency, with `crate = path`.
use strand as strand1;

#[strand1::as_task(thread, crate = strand1)]
fn double(x: u32) -> u32 {
    x * 2
}

#[strand1::as_task(pool, crate = strand1, fallible = true)]
fn parse(s: String) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

mod nested {
    // A relative path to the crate, and an absolute one.
    #[super::strand1::as_task(sync, crate = super::strand1)]
    pub fn triple(x: u32) -> u32 {
        x * 3
    }

    #[crate::strand1::as_task(pool, crate = ::strand)]
    pub fn quadruple(x: u32) -> u32 {
        x * 4
    }
}

fn main() {
    assert_eq!(double(21).join().unwrap(), 42);
    assert_eq!(parse("7".to_owned()).join().unwrap(), 7);
    assert!(parse("x".to_owned()).join().unwrap_err().is_failed());
    assert_eq!(nested::triple(2).join().unwrap(), 6);
    assert_eq!(nested::quadruple(2).join().unwrap(), 8);
}
