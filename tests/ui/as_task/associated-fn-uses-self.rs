use strand::as_task;

struct Counter(u32);

impl Counter {
    #[as_task(thread)]
    fn make(x: u32) -> u32 {
        Self::double(x)
    }

    fn double(x: u32) -> u32 {
        x * 2
    }
}

fn main() {}
