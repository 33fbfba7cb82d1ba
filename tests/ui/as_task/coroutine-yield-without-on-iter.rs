use strand::as_task;

#[as_task(coroutine, yield_on_iter = false)]
async fn numbers() -> Vec<u32> {
    vec![1, 2, 3]
}

fn main() {}
