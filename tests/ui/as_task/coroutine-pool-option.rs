use strand::{Pool, as_task};

static POOL: std::sync::LazyLock<Pool> = std::sync::LazyLock::new(|| Pool::new(2));

#[as_task(coroutine, pool = &*POOL)]
async fn fetch(id: u32) -> u32 {
    id
}

fn main() {}
