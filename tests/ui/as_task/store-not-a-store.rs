#[strand::as_task(store = "/tmp/jobs")] // error: at the expression
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1);
}
