use strand_au::async_compute;

#[async_compute(tll = 60)] // typo of `ttl`
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(2).join();
}
