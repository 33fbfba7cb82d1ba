use strand::as_task;

#[as_task(thread, serialization = binary)]
fn double(x: u32) -> u32 {
    x * 2
}

fn main() {
    let _ = double(1).join();
}
