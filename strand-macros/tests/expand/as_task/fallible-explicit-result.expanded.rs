fn parse(s: String) -> ::strand::TaskHandle<u32, std::num::ParseIntError> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_parse(s: String) -> Result<u32, std::num::ParseIntError> {
        s.parse()
    }
    let __strand_runner = ::strand::__private::PoolTaskrunner::new(__strand_body_parse);
    let __strand_runner = ::strand::__private::PoolTaskrunner::fallible(__strand_runner);
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandA0: ::strand::__private::SendToTask,
        __StrandT: ::strand::__private::SendToTask,
        __StrandE: ::strand::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
        ) -> ::strand::__private::PoolTaskrunner<(__StrandA0,), __StrandT, __StrandE>,
        __strand_a0: __StrandA0,
    ) -> ::strand::TaskHandle<__StrandT, __StrandE> {
        __strand_build().call((__strand_a0,))
    }
    __strand_launch::<
        String,
        u32,
        std::num::ParseIntError,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "parse"))
        },
        s,
    )
}
