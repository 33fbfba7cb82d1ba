use strand_au::{LoggingMiddleware, MemoryStore, async_compute};

#[async_compute(middleware = [LoggingMiddleware::new(), MemoryStore::new()])]
fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let _ = square(2).join();
}
