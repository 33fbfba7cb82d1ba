use strand::as_task;

#[as_task(pool, pool = 4)] // the number of workers is not a pool
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
