fn show<T: std::fmt::Display + Send + 'static>(
    value: T,
) -> ::strand::TaskHandle<String> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_show<T: std::fmt::Display + Send + 'static>(value: T) -> String {
        value.to_string()
    }
    let __strand_runner = ::strand::__private::ThreadTaskrunner::new(|__strand_a0| __strand_body_show::<
        T,
    >(__strand_a0));
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
        T,
        String,
        _,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "show"))
        },
        value,
    )
}
