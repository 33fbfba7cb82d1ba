use strand::as_task;

// `on_end` receives `&u32`, not `&String`.
#[as_task(thread, on_end = |s: &String| println!("{s}"))]
fn work(x: u32) -> u32 {
    x
}

fn main() {
    let _ = work(1).join();
}
