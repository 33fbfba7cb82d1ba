use strand::as_task;

#[as_task(threads)] // unknown target: suggests `thread`
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
