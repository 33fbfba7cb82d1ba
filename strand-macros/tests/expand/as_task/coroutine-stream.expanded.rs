/// Lines as they arrive.
///
/// # Task
///
/// Runs as a tokio task (on the caller's runtime, or on strand's own outside one); returns a [`TaskHandle`](strand::TaskHandle) at once, which can be `.await`ed. `cancel()` stops the task at its next `.await`.
/// Each item of the stream the function returns goes to its `on_iter` callback as the stream yields it; `join()` returns the number of items delivered.
fn lines(url: String) -> ::strand::TaskHandle<usize> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    async fn __strand_body_lines(
        url: String,
    ) -> impl futures::Stream<Item = String> + Send {
        fetch_lines(url).await
    }
    let __strand_runner = {
        struct __StrandName;
        impl ::strand::__private::StaticName for __StrandName {
            const NAME: &'static str = ::core::concat!(
                ::core::module_path!(), "::", "lines"
            );
        }
        ::strand::__private::CoroutineTaskrunner::new_named::<
            _,
            _,
            __StrandName,
        >(__strand_body_lines)
    };
    let __strand_runner = ::strand::__private::CoroutineTaskrunner::on_stream(
        __strand_runner,
        print_line,
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
        String,
        _,
        _,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "lines"))
        },
        url,
    )
}
