fn words(text: &str, min: usize) -> ::strand::TaskHandle<usize> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_words(text: &str, min: usize) -> usize {
        text.split_whitespace().filter(|w| w.len() >= min).count()
    }
    let __strand_outcome = ::std::panic::catch_unwind(
        ::std::panic::AssertUnwindSafe(move || __strand_body_words(text, min)),
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
        .name(::core::concat!(::core::module_path!(), "::", "words"))
        .call((__strand_outcome,))
}
