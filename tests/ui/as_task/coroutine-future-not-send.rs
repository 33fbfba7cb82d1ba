use std::rc::Rc;

use strand::as_task;

#[as_task(coroutine)]
async fn holds_rc_across_await(n: u32) -> u32 {
    let shared = Rc::new(n);
    tokio::task::yield_now().await;
    *shared
}

fn main() {}
