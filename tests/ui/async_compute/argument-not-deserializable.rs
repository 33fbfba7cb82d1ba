use strand_au::async_compute;

#[derive(serde::Serialize)] // but not `Deserialize`
pub struct Job {
    pub size: u32,
}

#[async_compute]
fn run(job: Job, times: u32) -> u32 {
    job.size * times
}

fn main() {
    let _ = run(Job { size: 1 }, 2).join();
}
