/// Docs.
///
/// # Task
///
/// Runs on a new thread; returns a [`TaskHandle`](strand::TaskHandle) at once.
/// Each item the function produces goes to its `on_iter` callback as it is produced; `join()` returns the number of items delivered.
/// When the task succeeds, `on_end` is called with its value.
pub fn chunks(total: u64, size: u64) -> ::strand::TaskHandle<usize> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_chunks(total: u64, size: u64) -> impl Iterator<Item = u64> {
        (0..total).step_by(size as usize)
    }
    let __strand_runner = ::strand::__private::ThreadTaskrunner::new(
        __strand_body_chunks,
    );
    let __strand_runner = ::strand::__private::ThreadTaskrunner::on_iter(
        __strand_runner,
        print_chunk,
    );
    let __strand_runner = ::strand::__private::ThreadTaskrunner::on_end(
        __strand_runner,
        |n: &usize| println!("{n}"),
    );
    #[allow(clippy::too_many_arguments)]
    fn __strand_launch<
        __StrandA0: ::strand::__private::SendToTask,
        __StrandA1: ::strand::__private::SendToTask,
        __StrandT: ::strand::__private::SendToTask,
        __StrandE: ::strand::__private::SendToTask,
    >(
        __strand_build: impl ::core::ops::FnOnce(
        ) -> ::strand::__private::ThreadTaskrunner<
                (__StrandA0, __StrandA1),
                __StrandT,
                __StrandE,
            >,
        __strand_a0: __StrandA0,
        __strand_a1: __StrandA1,
    ) -> ::strand::TaskHandle<__StrandT, __StrandE> {
        __strand_build().call((__strand_a0, __strand_a1))
    }
    __strand_launch::<
        u64,
        u64,
        _,
        _,
    >(
        move || {
            __strand_runner.name(::core::concat!(::core::module_path!(), "::", "chunks"))
        },
        total,
        size,
    )
}
