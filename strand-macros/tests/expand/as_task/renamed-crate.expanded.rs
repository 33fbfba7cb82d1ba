/// Doubles.
///
/// # Task
///
/// Runs on a new thread; returns a [`TaskHandle`](strand1::TaskHandle) at once.
/// `join()` returns the function's value.
fn double(x: u32) -> strand1::TaskHandle<Result<u32, ()>> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_double(x: u32) -> Result<u32, ()> {
        Ok(x * 2)
    }
    let __strand_runner = strand1::__private::ThreadTaskrunner::new(
        __strand_body_double,
    );
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandA0: strand1::__private::SendToTask,
        __StrandT: strand1::__private::SendToTask,
        __StrandE: strand1::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
        ) -> strand1::__private::ThreadTaskrunner<(__StrandA0,), __StrandT, __StrandE>,
        __strand_a0: __StrandA0,
    ) -> strand1::TaskHandle<__StrandT, __StrandE> {
        __strand_build().call((__strand_a0,))
    }
    __strand_launch::<
        u32,
        Result<u32, ()>,
        _,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "double"))
        },
        x,
    )
}
