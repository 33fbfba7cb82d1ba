::core::compile_error! {
    "the `thread` target cannot run an `async fn`; use `#[as_task(coroutine)]` to run it on tokio, or remove `async`"
}
async fn f(x: u32) -> u32 {
    x
}
