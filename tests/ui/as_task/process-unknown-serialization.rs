use strand::as_task;

#[as_task(process, serialization = yaml)]
fn double(x: u32) -> u32 {
    x * 2
}

fn main() {
    let _ = double(1).join();
}
