::core::compile_error! {
    "the `thread` target cannot run an `async fn`; remove `async` and block on the future inside the body (`#[as_task(coroutine)]` for `async fn` is not available yet)"
}
async fn f(x: u32) -> u32 {
    x
}
