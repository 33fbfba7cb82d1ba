use strand::as_task;

#[as_task(thread)]
async fn fetch(x: u32) -> u32 {
    x
}

fn main() {}
