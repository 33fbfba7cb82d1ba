use strand_au::async_compute;

#[async_compute]
const fn double(x: u32) -> u32 {
    x * 2
}

fn main() {
    let _: u32 = double(1).join().unwrap();
}
