fn parse(s: String) -> ::strand::TaskHandle<u32, String> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_parse(s: String) -> Result<u32, String> {
        s.parse().map_err(|_| s)
    }
    ::strand::__require_process_feature! {
        #[allow(clippy::too_many_arguments, clippy::type_complexity)]
        fn __strand_process<
            __StrandA0: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
            __StrandOk: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
            __StrandErr: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
            __StrandT: ::strand::__private::SendToTask,
            __StrandE: ::strand::__private::SendToTask,
        >() -> (
            fn(
                ::strand::__private::ChildInput<'_>,
                fn(__StrandA0) -> ::core::result::Result<__StrandOk, __StrandErr>,
            ) -> ::strand::__private::Reply,
            fn(
                &'static str,
                ::strand::__private::Serialization,
            ) -> ::strand::__private::ProcessTaskrunner<
                (__StrandA0,),
                ::core::result::Result<__StrandOk, __StrandErr>,
            >,
            fn(
                ::strand::__private::ProcessTaskrunner<(__StrandA0,), __StrandT, __StrandE>,
                __StrandA0,
            ) -> ::strand::TaskHandle<__StrandT, __StrandE>,
        ) {
            (
                |__strand_input, __strand_f| {
                    ::strand::__private::run_child::<
                        (__StrandA0,),
                        ::core::result::Result<__StrandOk, __StrandErr>,
                    >(__strand_input, |(__strand_a0,)| __strand_f(__strand_a0))
                },
                ::strand::__private::ProcessTaskrunner::<
                    (__StrandA0,),
                    ::core::result::Result<__StrandOk, __StrandErr>,
                >::registered_as,
                |__strand_runner, __strand_a0| __strand_runner.call((__strand_a0,)),
            )
        }
        fn __strand_child(
            __strand_input: ::strand::__private::ChildInput<'_>,
        ) -> ::strand::__private::Reply {
            (__strand_process::<String, u32, String, (), ()>()
                .0)(__strand_input, __strand_body_parse)
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
        let (_, __strand_new, __strand_call) = __strand_process::<
            String,
            u32,
            String,
            _,
            _,
        >();
        let __strand_runner = __strand_new(
            "jobs::parse",
            ::strand::__private::Serialization::Binary,
        );
        let __strand_runner = ::strand::__private::ProcessTaskrunner::fallible(
            __strand_runner,
        );
        let __strand_runner = ::strand::__private::ProcessTaskrunner::on_end(
            __strand_runner,
            log,
        );
        __strand_call(__strand_runner.name("jobs::parse"), s)
    }
}
