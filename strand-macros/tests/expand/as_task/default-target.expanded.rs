fn tick() -> ::strand::TaskHandle<()> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_tick() {}
    let __strand_runner = ::strand::__private::ThreadTaskrunner::new(__strand_body_tick);
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandT: ::strand::__private::SendToTask,
        __StrandE: ::strand::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
        ) -> ::strand::__private::ThreadTaskrunner<(), __StrandT, __StrandE>,
    ) -> ::strand::TaskHandle<__StrandT, __StrandE> {
        __strand_build().call(())
    }
    __strand_launch::<
        (),
        _,
    >(move || {
        __strand_runner.name(::core::concat!(::core::module_path!(), "::", "tick"))
    })
}
