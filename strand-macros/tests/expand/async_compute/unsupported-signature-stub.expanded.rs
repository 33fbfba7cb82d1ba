::core::compile_error! {
    "`#[async_compute]` cannot run an `async fn` yet: the body runs on a thread backend; remove `async` and block on the future inside the body"
}
::core::compile_error! {
    "`#[async_compute]` arguments are stored with the job, so they must be owned: `&str` borrows from the caller; take `String` (or `Arc<str>`) instead"
}
#[allow(unused_variables)]
fn f(text: &str) -> ::strand_au::ComputationHandle<usize> {
    ::core::panic!(
        "`#[async_compute]` could not rewrite this function (see the compile errors)"
    )
}
