/// Adds up a range.
///
/// # Task
///
/// Runs on a new thread; returns a [`TaskHandle`](strand::TaskHandle) at once.
/// `join()` returns the function's value.
pub fn sum_to(n: u64) -> ::strand::TaskHandle<u64> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_sum_to(n: u64) -> u64 {
        (1..=n).sum()
    }
    let __strand_runner = ::strand::__private::ThreadTaskrunner::new(
        __strand_body_sum_to,
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
        u64,
        u64,
        _,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "sum_to"))
        },
        n,
    )
}
