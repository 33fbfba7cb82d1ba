/// Squares.
///
/// # Task
///
/// Runs on a worker of the [`Pool`](strand::Pool) given by `pool = ...`; returns a [`TaskHandle`](strand::TaskHandle) at once (or, when the pool's queue is full, as soon as there is room).
/// `join()` returns the function's value.
/// When the task succeeds, `on_end` is called with its value.
pub(crate) fn square(x: u64) -> ::strand::TaskHandle<u64> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_square(x: u64) -> u64 {
        x * x
    }
    static __STRAND_POOL: ::strand::__private::LazyLock<::strand::__private::Pool> = ::strand::__private::LazyLock::new(||
    ::strand::__private::into_pool(strand::Pool::new(2)));
    let __strand_runner = ::strand::__private::PoolTaskrunner::new(__strand_body_square);
    let __strand_runner = ::strand::__private::PoolTaskrunner::on_end(
        __strand_runner,
        |n: &u64| println!("{n}"),
    );
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
        __strand_build().pool(&__STRAND_POOL).call((__strand_a0,))
    }
    __strand_launch::<
        u64,
        u64,
        _,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "square"))
        },
        x,
    )
}
