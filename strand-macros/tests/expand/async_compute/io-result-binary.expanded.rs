#[allow(clippy::needless_pass_by_value)]
pub(crate) fn read(
    path: std::path::PathBuf,
) -> ::strand_au::ComputationHandle<
    <std::io::Result<String> as ::strand_au::__private::Fallible>::Ok,
    <std::io::Result<String> as ::strand_au::__private::Fallible>::Err,
> {
    ::strand_au::__private::Glued::into_handle::<
        <std::io::Result<String> as ::strand_au::__private::Fallible>::Ok,
        <std::io::Result<String> as ::strand_au::__private::Fallible>::Err,
    >(
        __strand_glue_read(
            ::strand_au::__private::Glue::Launch(&[&path as &dyn ::core::any::Any]),
        ),
    )
}
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_glue_read(
    __strand_op: ::strand_au::__private::Glue<'_>,
) -> ::strand_au::__private::Glued {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_read(path: std::path::PathBuf) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
    match __strand_op {
        ::strand_au::__private::Glue::Launch(__strand_args) => {
            let mut __strand_encoded = ::strand_au::__private::Args::with_capacity(
                1usize,
            );
            ::strand_au::__private::Args::push::<
                std::path::PathBuf,
            >(
                &mut __strand_encoded,
                ::strand_au::__private::arg::<std::path::PathBuf>(__strand_args, 0usize),
            );
            ::strand_au::__private::Glued::handle({
                #[allow(unused_imports)]
                use ::strand_au::__private::{ReadMessage as _, ReadTyped as _};
                (&::strand_au::__private::ErrorType::<
                    <std::io::Result<String> as ::strand_au::__private::Fallible>::Err,
                >::new())
                    .reader(
                        ::strand_au::__private::launch::<
                            <std::io::Result<
                                String,
                            > as ::strand_au::__private::Fallible>::Ok,
                        >(__strand_computation_read(), &__strand_encoded),
                    )
            })
        }
        ::strand_au::__private::Glue::Handle(__strand_key) => {
            ::strand_au::__private::Glued::handle({
                #[allow(unused_imports)]
                use ::strand_au::__private::{ReadMessage as _, ReadTyped as _};
                (&::strand_au::__private::ErrorType::<
                    <std::io::Result<String> as ::strand_au::__private::Fallible>::Err,
                >::new())
                    .reader(
                        ::strand_au::__private::handle::<
                            <std::io::Result<
                                String,
                            > as ::strand_au::__private::Fallible>::Ok,
                        >(__strand_computation_read(), __strand_key),
                    )
            })
        }
        ::strand_au::__private::Glue::Run(__strand_input) => {
            ::strand_au::__private::Glued::Ran(
                ::strand_au::__private::run_with(
                    __strand_input,
                    1usize,
                    |__strand_decoder| {
                        let __strand_outcome = __strand_body_read(
                            ::strand_au::__private::Decoder::next::<
                                std::path::PathBuf,
                            >(__strand_decoder)?,
                        );
                        match ::strand_au::__private::Fallible::into_result(
                            __strand_outcome,
                        ) {
                            ::core::result::Result::Ok(__strand_ok) => {
                                ::strand_au::__private::encode_result::<
                                    <std::io::Result<
                                        String,
                                    > as ::strand_au::__private::Fallible>::Ok,
                                >(&__strand_ok)
                            }
                            ::core::result::Result::Err(__strand_err) => {
                                #[allow(unused_imports)]
                                use ::strand_au::__private::{
                                    StoreMessage as _, StoreTyped as _,
                                };
                                let __strand_stored = (&::strand_au::__private::ReturnedError(
                                    &__strand_err,
                                ))
                                    .stored_value();
                                ::core::result::Result::Err(
                                    ::strand_au::__private::returned::<
                                        <std::io::Result<
                                            String,
                                        > as ::strand_au::__private::Fallible>::Err,
                                    >(__strand_err, __strand_stored),
                                )
                            }
                        }
                    },
                ),
            )
        }
    }
}
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_run_read(
    __strand_input: ::strand_au::__private::Value,
) -> ::core::result::Result<
    ::strand_au::__private::Value,
    ::strand_au::__private::ComputationFailure,
> {
    ::strand_au::__private::Glued::into_ran(
        __strand_glue_read(::strand_au::__private::Glue::Run(__strand_input)),
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
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_computation_read() -> &'static ::strand_au::__private::Computation {
    static __STRAND_COMPUTATION: ::strand_au::__private::LazyLock<
        ::strand_au::__private::Computation,
    > = ::strand_au::__private::LazyLock::new(|| {
        let __strand_computation = ::strand_au::__private::Computation::new(
            ::core::concat!(::core::module_path!(), "::", "read"),
            ::strand_au::__private::Runner::raw(__strand_run_read),
        );
        let __strand_computation = __strand_computation
            .store(
                ::strand_au::__private::default_store(
                    ::strand_au::__private::Serialization::Binary,
                ),
            );
        let __strand_computation = __strand_computation
            .backend(::strand_au::__private::into_backend(my_backend()));
        let __strand_computation = __strand_computation
            .ttl(::strand_au::__private::into_ttl(Duration::from_secs(5)));
        __strand_computation
    });
    &__STRAND_COMPUTATION
}
/// The infrastructure of the [`read`](fn@read) computation: its store, backend, registered name, and typed handles from keys (`read::store()`, `read::handle(key)`, ...).
#[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
pub(crate) enum read {}
#[allow(dead_code, unreachable_pub)]
impl read {
    /// The computation (registered name, runner, store, backend, middleware, TTL) that [`read`](fn@read) launches.
    #[must_use]
    pub(crate) fn computation() -> &'static ::strand_au::Computation {
        __strand_computation_read()
    }
    /// The name the function is registered under.
    #[must_use]
    pub(crate) fn name() -> &'static str {
        __strand_computation_read().name()
    }
    /// The store where the records of this function live.
    #[must_use]
    pub(crate) fn store() -> ::std::sync::Arc<dyn ::strand_au::ComputationStore> {
        __strand_computation_read().get_store()
    }
    /// The backend this function's computations run on.
    #[must_use]
    pub(crate) fn backend() -> ::std::sync::Arc<dyn ::strand_au::ComputationBackend> {
        __strand_computation_read().get_backend()
    }
    /// Deletes the expired records of this function's store; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    pub(crate) fn cleanup_expired() -> ::core::result::Result<
        usize,
        ::strand_au::StoreError,
    > {
        __strand_computation_read().cleanup_expired()
    }
    /// A typed handle on the record `key` of this function's store
    /// (e.g. from a key sent to a client).
    #[must_use]
    pub(crate) fn handle(
        key: ::strand_au::Key,
    ) -> ::strand_au::ComputationHandle<
        <std::io::Result<String> as ::strand_au::__private::Fallible>::Ok,
        <std::io::Result<String> as ::strand_au::__private::Fallible>::Err,
    > {
        ::strand_au::__private::Glued::into_handle(
            __strand_glue_read(::strand_au::__private::Glue::Handle(key)),
        )
    }
}
