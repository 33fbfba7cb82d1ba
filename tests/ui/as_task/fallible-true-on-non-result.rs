use strand::as_task;

#[as_task(thread, fallible = true)] // `u32` is certainly not a `Result`
fn work(x: u32) -> u32 {
    x
}

fn main() {
    // The rewrite drops `fallible`, so the call site still type-checks.
    let _: u32 = work(1).join().unwrap();
}
