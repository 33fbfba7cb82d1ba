use strand_au::async_compute;

#[async_compute]
fn evens(n: u32) -> impl Iterator<Item = u32> {
    (0..n).filter(|i| i % 2 == 0)
}

fn main() {}
