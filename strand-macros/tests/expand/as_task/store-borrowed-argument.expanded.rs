::core::compile_error! {
    "`store` tasks take owned arguments: they are written into the store for a worker to read, so `&str` cannot borrow from the caller; take `String` (or `Arc<str>`) instead"
}
fn count(text: &str) -> ::strand::TaskHandle<usize> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_count(text: &str) -> usize {
        text.len()
    }
    let __strand_outcome = ::std::panic::catch_unwind(
        ::std::panic::AssertUnwindSafe(move || __strand_body_count(text)),
    );
    fn __strand_sync_runner<__T: 'static>(
        _: &::std::thread::Result<__T>,
    ) -> ::strand::__private::SyncTaskrunner<(::std::thread::Result<__T>,), __T> {
        ::strand::__private::SyncTaskrunner::new(|
            __strand_outcome: ::std::thread::Result<__T>|
        match __strand_outcome {
            ::core::result::Result::Ok(__strand_value) => __strand_value,
            ::core::result::Result::Err(__strand_panic) => {
                ::std::panic::resume_unwind(__strand_panic)
            }
        })
    }
    let __strand_runner = __strand_sync_runner(&__strand_outcome);
    __strand_runner
        .name(::core::concat!(::core::module_path!(), "::", "count"))
        .call((__strand_outcome,))
}
