pub(crate) fn read(
    path: std::path::PathBuf,
) -> strand1::TaskHandle<
    <std::io::Result<String> as strand1::__private::Fallible>::Ok,
    <std::io::Result<String> as strand1::__private::Fallible>::Err,
> {
    (__strand_store_read::<
        std::path::PathBuf,
        <std::io::Result<String> as strand1::__private::Fallible>::Ok,
        <std::io::Result<String> as strand1::__private::Fallible>::Err,
    >()
        .1)(&__STRAND_STORE_TASK_read, path)
}
#[doc(hidden)]
#[allow(non_snake_case, clippy::type_complexity, clippy::too_many_arguments)]
fn __strand_store_read<
    __StrandA0: ::strand_au::__private::StoreArg,
    __StrandT: ::strand_au::__private::StoreValue,
    __StrandE: ::strand_au::__private::StoreFailure,
>() -> (
    fn(
        &'static str,
        ::strand_au::__private::Arc<dyn ::strand_au::__private::ComputationStore>,
    ) -> ::strand_au::__private::StoreTaskWriter<(__StrandA0,), __StrandT, __StrandE>,
    fn(
        &::strand_au::__private::StoreTaskWriter<(__StrandA0,), __StrandT, __StrandE>,
        __StrandA0,
    ) -> ::strand_au::__private::strand::TaskHandle<__StrandT, __StrandE>,
    fn(
        &::strand_au::__private::StoreTaskWriter<(__StrandA0,), __StrandT, __StrandE>,
        &str,
    ) -> ::strand_au::__private::strand::TaskHandle<__StrandT, __StrandE>,
    fn(
        ::strand_au::__private::Value,
        fn(__StrandA0) -> ::core::result::Result<__StrandT, __StrandE>,
        fn(&__StrandE) -> ::core::option::Option<::std::string::String>,
    ) -> ::core::result::Result<
        ::strand_au::__private::Value,
        ::strand_au::__private::ComputationFailure,
    >,
) {
    (
        |__strand_name, __strand_store| {
            ::strand_au::__private::StoreTaskWriter::new(__strand_name, __strand_store)
                .fallible::<__StrandE>()
        },
        |__strand_writer, __strand_a0| __strand_writer.call((__strand_a0,)),
        |__strand_writer, __strand_key| __strand_writer.handle(__strand_key),
        |__strand_input, __strand_body, __strand_message| {
            let (__strand_a0,) = ::strand_au::__private::decode_args::<
                (__StrandA0,),
            >(__strand_input)?;
            match __strand_body(__strand_a0) {
                ::core::result::Result::Ok(__strand_value) => {
                    ::strand_au::__private::encode_value::<__StrandT>(&__strand_value)
                }
                ::core::result::Result::Err(__strand_error) => {
                    let __strand_message = __strand_message(&__strand_error);
                    ::core::result::Result::Err(
                        ::strand_au::__private::store_failure::<
                            __StrandE,
                        >(&__strand_error, __strand_message),
                    )
                }
            }
        },
    )
}
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_STORE_TASK_read: ::strand_au::__private::LazyLock<
    ::strand_au::__private::StoreTaskWriter<
        (std::path::PathBuf,),
        <std::io::Result<String> as strand1::__private::Fallible>::Ok,
        <std::io::Result<String> as strand1::__private::Fallible>::Err,
    >,
> = ::strand_au::__private::LazyLock::new(|| (__strand_store_read::<
    std::path::PathBuf,
    <std::io::Result<String> as strand1::__private::Fallible>::Ok,
    <std::io::Result<String> as strand1::__private::Fallible>::Err,
>()
    .0)(
    ::core::concat!(::core::module_path!(), "::", "read"),
    ::strand_au::__private::into_store(MemoryStore::new()),
));
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_run_read(
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
    fn __strand_body_read(path: std::path::PathBuf) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
    (__strand_store_read::<
        std::path::PathBuf,
        <std::io::Result<String> as strand1::__private::Fallible>::Ok,
        <std::io::Result<String> as strand1::__private::Fallible>::Err,
    >()
        .3)(
        __strand_input,
        __strand_body_read,
        |__strand_error| {
            #[allow(unused_imports)]
            use ::strand_au::__private::{DisplayMessage as _, NoMessage as _};
            (&::strand_au::__private::ErrorMessage(__strand_error)).message()
        },
    )
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_process_read(
    __strand_input: ::strand_au::__private::strand::__private::ChildInput<'_>,
) -> ::strand_au::__private::strand::__private::Reply {
    ::strand_au::__private::serve_in_child(__strand_input, __strand_run_read)
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_RUNNER_read: ::strand_au::__private::RunnerFn = __strand_run_read;
#[cfg(unix)]
#[::strand_au::__private::strand::__private::linkme::distributed_slice(
    ::strand_au::__private::strand::__private::PROCESS_FUNCTIONS
)]
#[linkme(crate = ::strand_au::__private::strand::__private::linkme)]
#[allow(non_upper_case_globals)]
static __STRAND_PROCESS_ENTRY_read: ::strand_au::__private::strand::__private::ProcessEntry = ::strand_au::__private::strand::__private::ProcessEntry::with_local(
    ::core::concat!(::core::module_path!(), "::", "read"),
    ::core::concat!(::core::module_path!(), "::", "read"),
    __strand_process_read,
    &__STRAND_RUNNER_read,
);
/// The task [`read`](fn@read) seen from elsewhere: a handle on one of its tasks from its key (`read::handle(key)`), and the name workers find it by.
#[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
pub(crate) enum read {}
#[allow(dead_code, unreachable_pub)]
impl read {
    /// A handle on the task `key` (from `TaskHandle::key`, sent to
    /// a client, say): it completes when a worker has run the task.
    #[must_use]
    pub(crate) fn handle(
        key: &str,
    ) -> strand1::TaskHandle<
        <std::io::Result<String> as strand1::__private::Fallible>::Ok,
        <std::io::Result<String> as strand1::__private::Fallible>::Err,
    > {
        (__strand_store_read::<
            std::path::PathBuf,
            <std::io::Result<String> as strand1::__private::Fallible>::Ok,
            <std::io::Result<String> as strand1::__private::Fallible>::Err,
        >()
            .2)(&__STRAND_STORE_TASK_read, key)
    }
    /// The name the function is registered under: what a worker
    /// looks up to run its tasks.
    #[must_use]
    pub(crate) fn name() -> &'static str {
        ::core::concat!(::core::module_path!(), "::", "read")
    }
}
