// Local items named like the paths generated code uses.
#![allow(dead_code, non_camel_case_types)]

mod core {}
mod std {}
type Result = ();
type Option = ();
type Box = ();
type Send = ();
struct LazyLock;
struct Pool;
struct TaskHandle;
fn concat() {}
fn module_path() {}

mod strand {}

#[::strand::as_task(thread)]
fn double(x: u32) -> u32 {
    x * 2
}

#[::strand::as_task(pool, pool = ::strand::Pool::new(1), on_error = |e: &::strand::JoinError| eprintln!("{e}"))]
fn halve(x: u32) -> u32 {
    x / 2
}

#[::strand::as_task(sync, fallible = false)]
fn unit() -> Result {}

#[::strand::as_task(sync)]
fn borrowed(s: &str) -> usize {
    s.len()
}

fn main() {
    assert_eq!(double(2).join().unwrap(), 4);
    assert_eq!(halve(8).join().unwrap(), 4);
    unit().join().unwrap();
    assert_eq!(borrowed("abc").join().unwrap(), 3);
}
