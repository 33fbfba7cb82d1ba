#![deny(dead_code)]

use strand::as_task;

#[as_task(thread)]
fn never_called(x: u32) -> u32 {
    x
}

fn main() {}
