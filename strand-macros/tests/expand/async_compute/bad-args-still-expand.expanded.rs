::core::compile_error! {
    "unknown `async_compute` option `tll`; expected one of `store`, `ttl`, `backend`, `serialization`, `middleware`, `fallible`, `name` or `crate`; did you mean `ttl`?"
}
#[allow(clippy::needless_pass_by_value)]
fn f(x: u32) -> ::strand_au::ComputationHandle<u32> {
    ::strand_au::__private::Glued::into_handle::<
        u32,
        ::std::string::String,
    >(
        __strand_glue_f(
            ::strand_au::__private::Glue::Launch(&[&x as &dyn ::core::any::Any]),
        ),
    )
}
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_glue_f(
    __strand_op: ::strand_au::__private::Glue<'_>,
) -> ::strand_au::__private::Glued {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_f(x: u32) -> u32 {
        x
    }
    match __strand_op {
        ::strand_au::__private::Glue::Launch(__strand_args) => {
            let mut __strand_encoded = ::strand_au::__private::Args::with_capacity(
                1usize,
            );
            ::strand_au::__private::Args::push::<
                u32,
            >(
                &mut __strand_encoded,
                ::strand_au::__private::arg::<u32>(__strand_args, 0usize),
            );
            ::strand_au::__private::Glued::handle(
                ::strand_au::__private::launch::<
                    u32,
                >(__strand_computation_f(), &__strand_encoded),
            )
        }
        ::strand_au::__private::Glue::Handle(__strand_key) => {
            ::strand_au::__private::Glued::handle(
                ::strand_au::__private::handle::<
                    u32,
                >(__strand_computation_f(), __strand_key),
            )
        }
        ::strand_au::__private::Glue::Run(__strand_input) => {
            ::strand_au::__private::Glued::Ran(
                ::strand_au::__private::run_with(
                    __strand_input,
                    1usize,
                    |__strand_decoder| {
                        let __strand_outcome = __strand_body_f(
                            ::strand_au::__private::Decoder::next::<
                                u32,
                            >(__strand_decoder)?,
                        );
                        ::strand_au::__private::encode_result::<u32>(&__strand_outcome)
                    },
                ),
            )
        }
    }
}
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_run_f(
    __strand_input: ::strand_au::__private::Value,
) -> ::core::result::Result<
    ::strand_au::__private::Value,
    ::strand_au::__private::ComputationFailure,
> {
    ::strand_au::__private::Glued::into_ran(
        __strand_glue_f(::strand_au::__private::Glue::Run(__strand_input)),
    )
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_process_f(
    __strand_input: ::strand_au::__private::strand::__private::ChildInput<'_>,
) -> ::strand_au::__private::strand::__private::Reply {
    ::strand_au::__private::serve_in_child(__strand_input, __strand_run_f)
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_RUNNER_f: ::strand_au::__private::RunnerFn = __strand_run_f;
#[cfg(unix)]
#[::strand_au::__private::strand::__private::linkme::distributed_slice(
    ::strand_au::__private::strand::__private::PROCESS_FUNCTIONS
)]
#[linkme(crate = ::strand_au::__private::strand::__private::linkme)]
#[allow(non_upper_case_globals)]
static __STRAND_PROCESS_ENTRY_f: ::strand_au::__private::strand::__private::ProcessEntry = ::strand_au::__private::strand::__private::ProcessEntry::with_local(
    ::core::concat!(::core::module_path!(), "::", "f"),
    ::core::concat!(::core::module_path!(), "::", "f"),
    __strand_process_f,
    &__STRAND_RUNNER_f,
);
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_computation_f() -> &'static ::strand_au::__private::Computation {
    static __STRAND_COMPUTATION: ::strand_au::__private::LazyLock<
        ::strand_au::__private::Computation,
    > = ::strand_au::__private::LazyLock::new(|| {
        let __strand_computation = ::strand_au::__private::Computation::new(
            ::core::concat!(::core::module_path!(), "::", "f"),
            ::strand_au::__private::Runner::raw(__strand_run_f),
        );
        let __strand_computation = __strand_computation
            .backend(
                ::std::sync::Arc::new(::strand_au::__private::ThreadBackend::new()),
            );
        __strand_computation
    });
    &__STRAND_COMPUTATION
}
/// The infrastructure of the [`f`](fn@f) computation: its store, backend, registered name, and typed handles from keys (`f::store()`, `f::handle(key)`, ...).
#[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
enum f {}
#[allow(dead_code, unreachable_pub)]
impl f {
    /// The computation (registered name, runner, store, backend, middleware, TTL) that [`f`](fn@f) launches.
    #[must_use]
    fn computation() -> &'static ::strand_au::Computation {
        __strand_computation_f()
    }
    /// The name the function is registered under.
    #[must_use]
    fn name() -> &'static str {
        __strand_computation_f().name()
    }
    /// The store where the records of this function live.
    #[must_use]
    fn store() -> ::std::sync::Arc<dyn ::strand_au::ComputationStore> {
        __strand_computation_f().get_store()
    }
    /// The backend this function's computations run on.
    #[must_use]
    fn backend() -> ::std::sync::Arc<dyn ::strand_au::ComputationBackend> {
        __strand_computation_f().get_backend()
    }
    /// Deletes the expired records of this function's store; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    fn cleanup_expired() -> ::core::result::Result<usize, ::strand_au::StoreError> {
        __strand_computation_f().cleanup_expired()
    }
    /// A typed handle on the record `key` of this function's store
    /// (e.g. from a key sent to a client).
    #[must_use]
    fn handle(key: ::strand_au::Key) -> ::strand_au::ComputationHandle<u32> {
        ::strand_au::__private::Glued::into_handle(
            __strand_glue_f(::strand_au::__private::Glue::Handle(key)),
        )
    }
}
