use strand::as_task;

mod no_equals {
    #[strand::as_task(thread, on_end)]
    pub fn work(x: u32) -> u32 {
        x
    }
}

mod nothing_after_equals {
    #[strand::as_task(thread, on_end =)]
    pub fn work(x: u32) -> u32 {
        x
    }
}

#[as_task(pool, pool)] // `pool` as an option needs `= <expr>`
fn pooled(x: u32) -> u32 {
    x
}

fn main() {
    let _ = no_equals::work(1).join();
    let _ = nothing_after_equals::work(1).join();
    let _ = pooled(1).join();
}
