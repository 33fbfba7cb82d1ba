/// Reads a file.
///
/// # Task
///
/// Runs on a new thread; returns a [`TaskHandle`](strand::TaskHandle) at once.
/// `join()` returns the `Ok` value; an `Err` fails the task (see [`JoinError::failure`](strand::JoinError::failure)).
/// When the function fails or panics, `on_error` is called with the error.
fn read(
    path: std::path::PathBuf,
) -> ::strand::TaskHandle<
    <std::io::Result<String> as ::strand::__private::Fallible>::Ok,
    <std::io::Result<String> as ::strand::__private::Fallible>::Err,
> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_read(path: std::path::PathBuf) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
    let __strand_runner = ::strand::__private::ThreadTaskrunner::new(__strand_body_read);
    let __strand_runner = ::strand::__private::ThreadTaskrunner::fallible(
        __strand_runner,
    );
    let __strand_runner = ::strand::__private::ThreadTaskrunner::on_error(
        __strand_runner,
        |e: &strand::JoinError<std::io::Error>| eprintln!("{e}"),
    );
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
        std::path::PathBuf,
        <std::io::Result<String> as ::strand::__private::Fallible>::Ok,
        <std::io::Result<String> as ::strand::__private::Fallible>::Err,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "read"))
        },
        path,
    )
}
