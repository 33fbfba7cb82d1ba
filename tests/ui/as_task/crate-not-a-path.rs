use strand::as_task;

#[as_task(thread, crate = "strand")]
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
