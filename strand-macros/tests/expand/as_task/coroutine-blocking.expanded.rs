fn checksum(
    path: std::path::PathBuf,
) -> ::strand::TaskHandle<
    <std::io::Result<u64> as ::strand::__private::Fallible>::Ok,
    <std::io::Result<u64> as ::strand::__private::Fallible>::Err,
> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_checksum(path: std::path::PathBuf) -> std::io::Result<u64> {
        std::fs::read(path).map(|b| b.len() as u64)
    }
    let __strand_runner = ::strand::__private::CoroutineTaskrunner::blocking(
        __strand_body_checksum,
    );
    let __strand_runner = ::strand::__private::CoroutineTaskrunner::fallible(
        __strand_runner,
    );
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
        std::path::PathBuf,
        <std::io::Result<u64> as ::strand::__private::Fallible>::Ok,
        <std::io::Result<u64> as ::strand::__private::Fallible>::Err,
    >(
        move || {
            __strand_runner
                .name(::core::concat!(::core::module_path!(), "::", "checksum"))
        },
        path,
    )
}
