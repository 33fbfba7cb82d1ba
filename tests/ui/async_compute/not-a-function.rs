use strand_au::async_compute;

#[async_compute]
struct Job {
    id: u32,
}

fn main() {}
