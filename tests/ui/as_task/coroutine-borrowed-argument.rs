use strand::as_task;

#[as_task(coroutine)]
async fn count(text: &str) -> usize {
    text.len()
}

fn main() {}
