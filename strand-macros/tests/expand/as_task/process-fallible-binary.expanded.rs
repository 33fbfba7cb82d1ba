fn parse(s: String) -> ::strand::TaskHandle<u32, String> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_parse(s: String) -> Result<u32, String> {
        s.parse().map_err(|_| s)
    }
    #[cfg(not(unix))]
    ::core::compile_error!(
        "the `process` target runs functions in child processes, which strand supports on Unix only; use `thread` or `pool` on this platform"
    );
    #[allow(clippy::too_many_arguments)]
    fn __strand_entry<
        __StrandA0: ::strand::__private::CrossProcess,
        __StrandR: ::strand::__private::CrossProcess,
    >(
        __strand_input: ::strand::__private::ChildInput<'_>,
        __strand_f: impl ::core::ops::FnOnce(__StrandA0) -> __StrandR,
    ) -> ::strand::__private::Reply {
        ::strand::__private::run_child::<
            (__StrandA0,),
            __StrandR,
        >(__strand_input, |(__strand_a0,)| __strand_f(__strand_a0))
    }
    fn __strand_child(
        __strand_input: ::strand::__private::ChildInput<'_>,
    ) -> ::strand::__private::Reply {
        __strand_entry::<
            String,
            Result<u32, String>,
        >(__strand_input, __strand_body_parse)
    }
    #[::strand::__private::linkme::distributed_slice(
        ::strand::__private::PROCESS_FUNCTIONS
    )]
    #[linkme(crate = ::strand::__private::linkme)]
    static __STRAND_PROCESS_ENTRY: ::strand::__private::ProcessEntry = ::strand::__private::ProcessEntry::new(
        "jobs::parse",
        ::core::concat!(::core::module_path!(), "::", "parse"),
        __strand_child,
    );
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandA0: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
        __StrandR: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
        __StrandT: ::strand::__private::SendToTask,
        __StrandE: ::strand::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
            ::strand::__private::ProcessTaskrunner<(__StrandA0,), __StrandR>,
        ) -> ::strand::__private::ProcessTaskrunner<(__StrandA0,), __StrandT, __StrandE>,
        __strand_a0: __StrandA0,
    ) -> ::strand::TaskHandle<__StrandT, __StrandE> {
        __strand_build(
                ::strand::__private::ProcessTaskrunner::registered_as(
                    "jobs::parse",
                    ::strand::__private::Serialization::Binary,
                ),
            )
            .call((__strand_a0,))
    }
    __strand_launch::<
        String,
        Result<u32, String>,
        _,
        _,
    >(
        move |__strand_runner| {
            let __strand_runner = ::strand::__private::ProcessTaskrunner::fallible(
                __strand_runner,
            );
            let __strand_runner = ::strand::__private::ProcessTaskrunner::on_end(
                __strand_runner,
                log,
            );
            __strand_runner.name("jobs::parse")
        },
        s,
    )
}
