use strand::as_task;

#[as_task(store)] // a target of a later release
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
