use strand::as_task;

struct Counter(u32);

impl Counter {
    #[as_task(thread)]
    fn get(&self) -> u32 {
        self.0
    }
}

fn main() {}
