use strand_au::async_compute;

#[async_compute(ttl = 60, backend = pool, ttl = 120)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(2).join();
}
