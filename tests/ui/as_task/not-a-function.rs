use strand::as_task;

#[as_task(thread)]
struct Job {
    id: u32,
}

fn main() {
    let _ = Job { id: 1 }.id;
}
