::core::compile_error! {
    "`#[async_compute]` cannot apply to a `const fn`: launching a computation is not a constant operation; remove `const`"
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
