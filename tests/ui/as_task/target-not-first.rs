use strand::as_task;

#[as_task(name = "work", pool)]
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
