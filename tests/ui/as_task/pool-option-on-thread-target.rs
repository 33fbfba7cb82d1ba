use strand::as_task;

#[as_task(thread, pool = strand::Pool::new(2))]
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
