use strand_au::async_compute;

// An `Instant` is a point in time, not how long to keep records.
#[async_compute(ttl = std::time::Instant::now())]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(2).join();
}
