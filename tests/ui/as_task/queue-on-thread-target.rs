#[strand::as_task(thread, queue = "mail")] // error: at `queue`
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
