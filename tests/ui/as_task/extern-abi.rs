use strand::as_task;

#[as_task(thread)]
extern "C" fn work(x: u32) -> u32 {
    x
}

fn main() {}
