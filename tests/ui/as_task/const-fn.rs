use strand::as_task;

#[as_task(thread)]
const fn double(x: u32) -> u32 {
    x * 2
}

fn main() {}
