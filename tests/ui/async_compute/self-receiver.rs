use strand_au::async_compute;

pub struct Counter {
    pub n: u32,
}

impl Counter {
    #[async_compute]
    pub fn next(&self) -> u32 {
        self.n + 1
    }
}

fn main() {}
