::core::compile_error! {
    "unknown `as_task` option `on_ned`; expected one of `on_iter`, `on_end`, `on_error`, `fallible`, `name`, `crate`, `pool`, `serialization`, `yield_on_iter` or `queue`; did you mean `on_end`?"
}
fn f(x: u32) -> ::strand::TaskHandle<u32> {
    #[allow(non_snake_case, clippy::missing_const_for_fn)]
    fn __strand_body_f(x: u32) -> u32 {
        x
    }
    let __strand_runner = ::strand::__private::SyncTaskrunner::new(__strand_body_f);
    let __strand_runner = ::strand::__private::SyncTaskrunner::on_end(
        __strand_runner,
        g,
    );
    __strand_runner.name(::core::concat!(::core::module_path!(), "::", "f")).call((x,))
}
