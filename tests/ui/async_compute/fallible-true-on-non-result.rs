use strand_au::async_compute;

#[async_compute(fallible = true)]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _: u64 = square(2).join().unwrap();
}
