use strand::as_task;

fn log(n: &u32) {
    println!("{n}");
}

#[as_task(thread, on_end = log, on_end = log)]
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
