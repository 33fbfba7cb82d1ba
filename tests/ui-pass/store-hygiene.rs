// The `store` target's expansion names everything by absolute paths: it
// compiles without the prelude and next to items that shadow `core`, `std`,
// `Result`, `Option`, `Box` and `String`. Nothing is joined (no worker runs).
#[allow(dead_code)]
mod no_prelude {
    #![no_implicit_prelude]
    #[::strand::as_task(store = ::strand_au::MemoryStore::new(), on_end = |n: &u32| ::std::println!("{n}"))]
    pub fn double(x: u32) -> ::std::result::Result<u32, ::std::string::String> {
        ::std::result::Result::Ok(x * 2)
    }
    #[::strand::as_task(store)]
    pub fn unit() {}
}

#[allow(dead_code, non_camel_case_types)]
mod shadowed {
    mod core {}
    mod std {}
    type Result = ();
    type Option = ();
    type Box = ();
    struct String;
    #[strand::as_task(store, queue = "q")]
    pub fn f(x: u32) -> ::std::result::Result<u32, u8> {
        ::std::result::Result::Ok(x)
    }
}

fn main() {
    let _ = no_prelude::double(1);
    let _ = no_prelude::unit();
    let _ = shadowed::f(1);
}
