use strand_au::async_compute;

#[derive(Debug)]
pub struct Invalid;

#[async_compute]
fn check(x: i32) -> Result<i32, Invalid> {
    if x < 0 { Err(Invalid) } else { Ok(x) }
}

fn main() {
    let _ = check(2).join();
}
