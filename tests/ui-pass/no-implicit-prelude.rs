// Generated code names nothing from the prelude.
#![no_implicit_prelude]

extern crate std;
extern crate strand;

mod tasks {
    #![no_implicit_prelude]

    #[::strand::as_task(thread, on_end = |n: &u32| ::std::println!("{n}"))]
    pub fn double(x: u32) -> u32 {
        x * 2
    }

    #[::strand::as_task(pool, on_iter = |i: u32| ::std::println!("{i}"))]
    pub fn upto(n: u32) -> ::std::vec::Vec<u32> {
        let mut v = ::std::vec::Vec::new();
        for i in 0..n {
            v.push(i);
        }
        v
    }

    #[::strand::as_task(sync)]
    pub fn parse(s: &str) -> ::std::result::Result<u32, ::std::num::ParseIntError> {
        s.parse()
    }
}

fn main() {
    ::std::assert_eq!(tasks::double(21).join().unwrap(), 42);
    ::std::assert_eq!(tasks::upto(3).join().unwrap(), 3);
    ::std::assert_eq!(tasks::parse("5").join().unwrap(), 5);
}
