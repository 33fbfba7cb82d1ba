use strand::as_task;

fn log(n: &u32) {
    println!("{n}");
}

#[as_task(thread, on_ned = log)] // typo of `on_end`
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
