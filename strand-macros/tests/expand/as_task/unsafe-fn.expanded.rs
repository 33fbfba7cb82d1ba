unsafe fn raw(x: usize) -> ::strand::TaskHandle<usize> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    unsafe fn __strand_body_raw(x: usize) -> usize {
        x
    }
    let __strand_runner = ::strand::__private::SyncTaskrunner::new(|__strand_a0| unsafe {
        __strand_body_raw(__strand_a0)
    });
    __strand_runner.name(::core::concat!(::core::module_path!(), "::", "raw")).call((x,))
}
