unsafe fn raw(x: usize) -> ::strand::TaskHandle<usize> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    unsafe fn __strand_body_raw(x: usize) -> usize {
        x
    }
    let __strand_runner = ::strand::__private::ThreadTaskrunner::new(|__strand_a0| unsafe {
        __strand_body_raw(__strand_a0)
    });
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandA0: ::strand::__private::SendToTask,
        __StrandT: ::strand::__private::SendToTask,
        __StrandE: ::strand::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
        ) -> ::strand::__private::ThreadTaskrunner<(__StrandA0,), __StrandT, __StrandE>,
        __strand_a0: __StrandA0,
    ) -> ::strand::TaskHandle<__StrandT, __StrandE> {
        __strand_build().call((__strand_a0,))
    }
    __strand_launch::<
        usize,
        usize,
        _,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "raw"))
        },
        x,
    )
}
