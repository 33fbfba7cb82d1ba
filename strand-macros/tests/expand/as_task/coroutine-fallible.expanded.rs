fn fetch(url: String) -> ::strand::TaskHandle<String, std::io::Error> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    async fn __strand_body_fetch(url: String) -> Result<String, std::io::Error> {
        get(url).await
    }
    let __strand_runner = {
        struct __StrandName;
        impl ::strand::__private::StaticName for __StrandName {
            const NAME: &'static str = ::core::concat!(
                ::core::module_path!(), "::", "fetch"
            );
        }
        ::strand::__private::CoroutineTaskrunner::new_fallible_named::<
            _,
            _,
            __StrandName,
        >(__strand_body_fetch)
    };
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandA0: ::strand::__private::SendToTask,
        __StrandT: ::strand::__private::SendToTask,
        __StrandE: ::strand::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
        ) -> ::strand::__private::CoroutineTaskrunner<
                (__StrandA0,),
                __StrandT,
                __StrandE,
            >,
        __strand_a0: __StrandA0,
    ) -> ::strand::TaskHandle<__StrandT, __StrandE> {
        __strand_build().call((__strand_a0,))
    }
    __strand_launch::<
        String,
        String,
        std::io::Error,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "fetch"))
        },
        url,
    )
}
