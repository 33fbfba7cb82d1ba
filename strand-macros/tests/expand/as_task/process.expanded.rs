pub fn resize(image: Vec<u8>, width: u32) -> ::strand::TaskHandle<Vec<u8>> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_resize(image: Vec<u8>, width: u32) -> Vec<u8> {
        image
    }
    ::strand::__require_process_feature! {
        #[allow(clippy::too_many_arguments, clippy::type_complexity)]
        fn __strand_process<
            __StrandA0: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
            __StrandA1: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
            __StrandR: ::strand::__private::SendToTask + ::strand::__private::CrossProcess,
            __StrandT: ::strand::__private::SendToTask,
            __StrandE: ::strand::__private::SendToTask,
        >() -> (
            fn(
                ::strand::__private::ChildInput<'_>,
                fn(__StrandA0, __StrandA1) -> __StrandR,
            ) -> ::strand::__private::Reply,
            fn(
                &'static str,
                ::strand::__private::Serialization,
            ) -> ::strand::__private::ProcessTaskrunner<(__StrandA0, __StrandA1), __StrandR>,
            fn(
                ::strand::__private::ProcessTaskrunner<
                    (__StrandA0, __StrandA1),
                    __StrandT,
                    __StrandE,
                >,
                __StrandA0,
                __StrandA1,
            ) -> ::strand::TaskHandle<__StrandT, __StrandE>,
        ) {
            (
                |__strand_input, __strand_f| {
                    ::strand::__private::run_child::<
                        (__StrandA0, __StrandA1),
                        __StrandR,
                    >(
                        __strand_input,
                        |(__strand_a0, __strand_a1)| __strand_f(__strand_a0, __strand_a1),
                    )
                },
                ::strand::__private::ProcessTaskrunner::<
                    (__StrandA0, __StrandA1),
                    __StrandR,
                >::registered_as,
                |__strand_runner, __strand_a0, __strand_a1| {
                    __strand_runner.call((__strand_a0, __strand_a1))
                },
            )
        }
        fn __strand_child(
            __strand_input: ::strand::__private::ChildInput<'_>,
        ) -> ::strand::__private::Reply {
            (__strand_process::<Vec<u8>, u32, Vec<u8>, (), ()>()
                .0)(__strand_input, __strand_body_resize)
        }
        #[::strand::__private::linkme::distributed_slice(
            ::strand::__private::PROCESS_FUNCTIONS
        )]
        #[linkme(crate = ::strand::__private::linkme)]
        static __STRAND_PROCESS_ENTRY: ::strand::__private::ProcessEntry = ::strand::__private::ProcessEntry::new(
            ::core::concat!(::core::module_path!(), "::", "resize"),
            ::core::concat!(::core::module_path!(), "::", "resize"),
            __strand_child,
        );
        let (_, __strand_new, __strand_call) = __strand_process::<
            Vec<u8>,
            u32,
            Vec<u8>,
            _,
            _,
        >();
        let __strand_runner = __strand_new(
            ::core::concat!(::core::module_path!(), "::", "resize"),
            ::strand::__private::Serialization::Json,
        );
        __strand_call(
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "resize")),
            image,
            width,
        )
    }
}
