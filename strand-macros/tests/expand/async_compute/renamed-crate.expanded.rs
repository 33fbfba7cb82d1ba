#[allow(clippy::needless_pass_by_value)]
fn tick() -> au::ComputationHandle<Result<(), ()>> {
    au::__private::Glued::into_handle::<
        Result<(), ()>,
        ::std::string::String,
    >(__strand_glue_tick(au::__private::Glue::Launch(&[])))
}
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_glue_tick(__strand_op: au::__private::Glue<'_>) -> au::__private::Glued {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_tick() -> Result<(), ()> {
        Ok(())
    }
    match __strand_op {
        au::__private::Glue::Launch(__strand_args) => {
            #[allow(unused_variables)]
            let mut __strand_encoded = au::__private::Args::with_capacity(0usize);
            au::__private::Glued::handle(
                au::__private::launch::<
                    Result<(), ()>,
                >(__strand_computation_tick(), &__strand_encoded),
            )
        }
        au::__private::Glue::Handle(__strand_key) => {
            au::__private::Glued::handle(
                au::__private::handle::<
                    Result<(), ()>,
                >(__strand_computation_tick(), __strand_key),
            )
        }
        au::__private::Glue::Run(__strand_input) => {
            au::__private::Glued::Ran(
                au::__private::run_with(
                    __strand_input,
                    0usize,
                    |__strand_decoder| {
                        #[allow(unused_variables)]
                        let __strand_outcome = __strand_body_tick();
                        au::__private::encode_result::<Result<(), ()>>(&__strand_outcome)
                    },
                ),
            )
        }
    }
}
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_run_tick(
    __strand_input: au::__private::Value,
) -> ::core::result::Result<au::__private::Value, au::__private::ComputationFailure> {
    au::__private::Glued::into_ran(
        __strand_glue_tick(au::__private::Glue::Run(__strand_input)),
    )
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_process_tick(
    __strand_input: au::__private::strand::__private::ChildInput<'_>,
) -> au::__private::strand::__private::Reply {
    au::__private::serve_in_child(__strand_input, __strand_run_tick)
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_RUNNER_tick: au::__private::RunnerFn = __strand_run_tick;
#[cfg(unix)]
#[au::__private::strand::__private::linkme::distributed_slice(
    au::__private::strand::__private::PROCESS_FUNCTIONS
)]
#[linkme(crate = au::__private::strand::__private::linkme)]
#[allow(non_upper_case_globals)]
static __STRAND_PROCESS_ENTRY_tick: au::__private::strand::__private::ProcessEntry = au::__private::strand::__private::ProcessEntry::with_local(
    ::core::concat!(::core::module_path!(), "::", "tick"),
    ::core::concat!(::core::module_path!(), "::", "tick"),
    __strand_process_tick,
    &__STRAND_RUNNER_tick,
);
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_computation_tick() -> &'static au::__private::Computation {
    static __STRAND_COMPUTATION: au::__private::LazyLock<au::__private::Computation> = au::__private::LazyLock::new(||
    {
        let __strand_computation = au::__private::Computation::new(
            ::core::concat!(::core::module_path!(), "::", "tick"),
            au::__private::Runner::raw(__strand_run_tick),
        );
        __strand_computation
    });
    &__STRAND_COMPUTATION
}
/// The infrastructure of the [`tick`](fn@tick) computation: its store, backend, registered name, and typed handles from keys (`tick::store()`, `tick::handle(key)`, ...).
#[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
enum tick {}
#[allow(dead_code, unreachable_pub)]
impl tick {
    /// The computation (registered name, runner, store, backend, middleware, TTL) that [`tick`](fn@tick) launches.
    #[must_use]
    fn computation() -> &'static au::Computation {
        __strand_computation_tick()
    }
    /// The name the function is registered under.
    #[must_use]
    fn name() -> &'static str {
        __strand_computation_tick().name()
    }
    /// The store where the records of this function live.
    #[must_use]
    fn store() -> ::std::sync::Arc<dyn au::ComputationStore> {
        __strand_computation_tick().get_store()
    }
    /// The backend this function's computations run on.
    #[must_use]
    fn backend() -> ::std::sync::Arc<dyn au::ComputationBackend> {
        __strand_computation_tick().get_backend()
    }
    /// Deletes the expired records of this function's store; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    fn cleanup_expired() -> ::core::result::Result<usize, au::StoreError> {
        __strand_computation_tick().cleanup_expired()
    }
    /// A typed handle on the record `key` of this function's store
    /// (e.g. from a key sent to a client).
    #[must_use]
    fn handle(key: au::Key) -> au::ComputationHandle<Result<(), ()>> {
        au::__private::Glued::into_handle(
            __strand_glue_tick(au::__private::Glue::Handle(key)),
        )
    }
}
