/// Sends a message.
///
/// # Task
///
/// Written into the queue `mail` of the store given by `store = ...`; a worker process that reads it (strand-au's `StoreTaskReader`) runs the body, at least once, and finds it by its registered name. Returns a [`TaskHandle`](strand::TaskHandle) at once; dropping it leaves the task queued, and `send::handle(key)` rebuilds it from its key. Arguments and value are serde types.
/// `join()` returns the `Ok` value; an `Err` fails the task (see [`JoinError::failure`](strand::JoinError::failure)).
/// `on_end` and `on_error` run in this process, where the handle is, while this process lives.
pub fn send(to: String, __arg1: (u32, u32)) -> ::strand::TaskHandle<u32, MailError> {
    (__strand_store_send::<String, (u32, u32), u32, MailError>()
        .1)(&__STRAND_STORE_TASK_send, to, __arg1)
}
#[doc(hidden)]
#[allow(non_snake_case, clippy::type_complexity, clippy::too_many_arguments)]
fn __strand_store_send<
    __StrandA0: ::strand_au::__private::StoreArg,
    __StrandA1: ::strand_au::__private::StoreArg,
    __StrandT: ::strand_au::__private::StoreValue,
    __StrandE: ::strand_au::__private::StoreFailure,
>() -> (
    fn(
        &'static str,
        ::strand_au::__private::Arc<dyn ::strand_au::__private::ComputationStore>,
        &'static str,
        ::std::boxed::Box<
            dyn ::core::ops::Fn(&__StrandT) + ::core::marker::Send + ::core::marker::Sync,
        >,
        ::std::boxed::Box<
            dyn ::core::ops::Fn(
                &::strand_au::__private::strand::JoinError<__StrandE>,
            ) + ::core::marker::Send + ::core::marker::Sync,
        >,
    ) -> ::strand_au::__private::StoreTaskWriter<
        (__StrandA0, __StrandA1),
        __StrandT,
        __StrandE,
    >,
    fn(
        &::strand_au::__private::StoreTaskWriter<
            (__StrandA0, __StrandA1),
            __StrandT,
            __StrandE,
        >,
        __StrandA0,
        __StrandA1,
    ) -> ::strand_au::__private::strand::TaskHandle<__StrandT, __StrandE>,
    fn(
        &::strand_au::__private::StoreTaskWriter<
            (__StrandA0, __StrandA1),
            __StrandT,
            __StrandE,
        >,
        &str,
    ) -> ::strand_au::__private::strand::TaskHandle<__StrandT, __StrandE>,
    fn(
        ::strand_au::__private::Value,
        fn(__StrandA0, __StrandA1) -> ::core::result::Result<__StrandT, __StrandE>,
        fn(&__StrandE) -> ::core::option::Option<::std::string::String>,
    ) -> ::core::result::Result<
        ::strand_au::__private::Value,
        ::strand_au::__private::ComputationFailure,
    >,
) {
    (
        |
            __strand_name,
            __strand_store,
            __strand_queue,
            __strand_on_end,
            __strand_on_error|
        {
            ::strand_au::__private::StoreTaskWriter::new(__strand_name, __strand_store)
                .fallible::<__StrandE>()
                .queue(__strand_queue)
                .on_end(__strand_on_end)
                .on_error(__strand_on_error)
        },
        |__strand_writer, __strand_a0, __strand_a1| {
            __strand_writer.call((__strand_a0, __strand_a1))
        },
        |__strand_writer, __strand_key| __strand_writer.handle(__strand_key),
        |__strand_input, __strand_body, __strand_message| {
            let (__strand_a0, __strand_a1) = ::strand_au::__private::decode_args::<
                (__StrandA0, __StrandA1),
            >(__strand_input)?;
            match __strand_body(__strand_a0, __strand_a1) {
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
static __STRAND_STORE_TASK_send: ::strand_au::__private::LazyLock<
    ::strand_au::__private::StoreTaskWriter<(String, (u32, u32)), u32, MailError>,
> = ::strand_au::__private::LazyLock::new(|| (__strand_store_send::<
    String,
    (u32, u32),
    u32,
    MailError,
>()
    .0)(
    ::core::concat!(::core::module_path!(), "::", "send"),
    ::strand_au::__private::into_store(STORE.clone()),
    "mail",
    ::std::boxed::Box::new(|n: &u32| println!("{n}")),
    ::std::boxed::Box::new(|e: &strand::JoinError<MailError>| eprintln!("{e}")),
));
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_run_send(
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
    fn __strand_body_send(to: String, (a, b): (u32, u32)) -> Result<u32, MailError> {
        if to.is_empty() { Err(MailError::NoOne) } else { Ok(a + b) }
    }
    (__strand_store_send::<String, (u32, u32), u32, MailError>()
        .3)(
        __strand_input,
        __strand_body_send,
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
fn __strand_process_send(
    __strand_input: ::strand_au::__private::strand::__private::ChildInput<'_>,
) -> ::strand_au::__private::strand::__private::Reply {
    ::strand_au::__private::serve_in_child(__strand_input, __strand_run_send)
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_RUNNER_send: ::strand_au::__private::RunnerFn = __strand_run_send;
#[cfg(unix)]
#[::strand_au::__private::strand::__private::linkme::distributed_slice(
    ::strand_au::__private::strand::__private::PROCESS_FUNCTIONS
)]
#[linkme(crate = ::strand_au::__private::strand::__private::linkme)]
#[allow(non_upper_case_globals)]
static __STRAND_PROCESS_ENTRY_send: ::strand_au::__private::strand::__private::ProcessEntry = ::strand_au::__private::strand::__private::ProcessEntry::with_local(
    ::core::concat!(::core::module_path!(), "::", "send"),
    ::core::concat!(::core::module_path!(), "::", "send"),
    __strand_process_send,
    &__STRAND_RUNNER_send,
);
/// The task [`send`](fn@send) seen from elsewhere: a handle on one of its tasks from its key (`send::handle(key)`), and the name workers find it by.
#[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
pub enum send {}
#[allow(dead_code, unreachable_pub)]
impl send {
    /// A handle on the task `key` (from `TaskHandle::key`, sent to
    /// a client, say): it completes when a worker has run the task.
    #[must_use]
    pub fn handle(key: &str) -> ::strand::TaskHandle<u32, MailError> {
        (__strand_store_send::<String, (u32, u32), u32, MailError>()
            .2)(&__STRAND_STORE_TASK_send, key)
    }
    /// The name the function is registered under: what a worker
    /// looks up to run its tasks.
    #[must_use]
    pub fn name() -> &'static str {
        ::core::concat!(::core::module_path!(), "::", "send")
    }
}
