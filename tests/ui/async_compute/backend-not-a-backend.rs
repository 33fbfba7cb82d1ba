use strand_au::async_compute;

#[async_compute(backend = 4)] // the number of workers is not a backend
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(2).join();
}
