fn tick() -> ::strand::TaskHandle<u64> {
    (__strand_store_tick::<u64>().1)(&__STRAND_STORE_TASK_tick)
}
#[doc(hidden)]
#[allow(non_snake_case, clippy::type_complexity, clippy::too_many_arguments)]
fn __strand_store_tick<__StrandT: ::strand_au::__private::StoreValue>() -> (
    fn(
        &'static str,
        ::strand_au::__private::Arc<dyn ::strand_au::__private::ComputationStore>,
    ) -> ::strand_au::__private::StoreTaskWriter<
        (),
        __StrandT,
        ::core::convert::Infallible,
    >,
    fn(
        &::strand_au::__private::StoreTaskWriter<
            (),
            __StrandT,
            ::core::convert::Infallible,
        >,
    ) -> ::strand_au::__private::strand::TaskHandle<
        __StrandT,
        ::core::convert::Infallible,
    >,
    fn(
        &::strand_au::__private::StoreTaskWriter<
            (),
            __StrandT,
            ::core::convert::Infallible,
        >,
        &str,
    ) -> ::strand_au::__private::strand::TaskHandle<
        __StrandT,
        ::core::convert::Infallible,
    >,
    fn(
        ::strand_au::__private::Value,
        fn() -> __StrandT,
    ) -> ::core::result::Result<
        ::strand_au::__private::Value,
        ::strand_au::__private::ComputationFailure,
    >,
) {
    (
        |__strand_name, __strand_store| ::strand_au::__private::StoreTaskWriter::new(
            __strand_name,
            __strand_store,
        ),
        |__strand_writer| __strand_writer.call(()),
        |__strand_writer, __strand_key| __strand_writer.handle(__strand_key),
        |__strand_input, __strand_body| {
            let () = ::strand_au::__private::decode_args::<()>(__strand_input)?;
            ::strand_au::__private::encode_value::<__StrandT>(&__strand_body())
        },
    )
}
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_STORE_TASK_tick: ::strand_au::__private::LazyLock<
    ::strand_au::__private::StoreTaskWriter<(), u64, ::core::convert::Infallible>,
> = ::strand_au::__private::LazyLock::new(|| (__strand_store_tick::<u64>()
    .0)("jobs::tick", ::strand_au::__private::Computation::default_store()));
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_run_tick(
    __strand_input: ::strand_au::__private::Value,
) -> ::core::result::Result<
    ::strand_au::__private::Value,
    ::strand_au::__private::ComputationFailure,
> {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_tick() -> u64 {
        7
    }
    (__strand_store_tick::<u64>().3)(__strand_input, __strand_body_tick)
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_process_tick(
    __strand_input: ::strand_au::__private::strand::__private::ChildInput<'_>,
) -> ::strand_au::__private::strand::__private::Reply {
    ::strand_au::__private::serve_in_child(__strand_input, __strand_run_tick)
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_RUNNER_tick: ::strand_au::__private::RunnerFn = __strand_run_tick;
#[cfg(unix)]
#[::strand_au::__private::strand::__private::linkme::distributed_slice(
    ::strand_au::__private::strand::__private::PROCESS_FUNCTIONS
)]
#[linkme(crate = ::strand_au::__private::strand::__private::linkme)]
#[allow(non_upper_case_globals)]
static __STRAND_PROCESS_ENTRY_tick: ::strand_au::__private::strand::__private::ProcessEntry = ::strand_au::__private::strand::__private::ProcessEntry::with_local(
    "jobs::tick",
    ::core::concat!(::core::module_path!(), "::", "tick"),
    __strand_process_tick,
    &__STRAND_RUNNER_tick,
);
/// The task [`tick`](fn@tick) seen from elsewhere: a handle on one of its tasks from its key (`tick::handle(key)`), and the name workers find it by.
#[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
enum tick {}
#[allow(dead_code, unreachable_pub)]
impl tick {
    /// A handle on the task `key` (from `TaskHandle::key`, sent to
    /// a client, say): it completes when a worker has run the task.
    #[must_use]
    fn handle(key: &str) -> ::strand::TaskHandle<u64> {
        (__strand_store_tick::<u64>().2)(&__STRAND_STORE_TASK_tick, key)
    }
    /// The name the function is registered under: what a worker
    /// looks up to run its tasks.
    #[must_use]
    fn name() -> &'static str {
        "jobs::tick"
    }
}
