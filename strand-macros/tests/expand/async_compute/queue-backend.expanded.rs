/// Resizes.
///
/// # Computation
///
/// Returns a [`ComputationHandle`](strand_au::ComputationHandle) at once; the body runs on a worker process that takes its job from the queue of its store (strand-au's `StoreTaskReader`) and its record is kept in the store given by `store = ...`.
/// `join()` returns the function's value.
/// Its companion [`resize`](enum@resize) gives its store, backend and typed handles from keys.
#[allow(clippy::needless_pass_by_value)]
pub fn resize(width: u32) -> ::strand_au::ComputationHandle<u32> {
    ::strand_au::__private::Glued::into_handle::<
        u32,
        ::std::string::String,
    >(
        __strand_glue_resize(
            ::strand_au::__private::Glue::Launch(&[&width as &dyn ::core::any::Any]),
        ),
    )
}
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_glue_resize(
    __strand_op: ::strand_au::__private::Glue<'_>,
) -> ::strand_au::__private::Glued {
    #[allow(
        non_snake_case,
        clippy::missing_const_for_fn,
        clippy::needless_pass_by_value
    )]
    fn __strand_body_resize(width: u32) -> u32 {
        width / 2
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
                >(__strand_computation_resize(), &__strand_encoded),
            )
        }
        ::strand_au::__private::Glue::Handle(__strand_key) => {
            ::strand_au::__private::Glued::handle(
                ::strand_au::__private::handle::<
                    u32,
                >(__strand_computation_resize(), __strand_key),
            )
        }
        ::strand_au::__private::Glue::Run(__strand_input) => {
            ::strand_au::__private::Glued::Ran(
                ::strand_au::__private::run_with(
                    __strand_input,
                    1usize,
                    |__strand_decoder| {
                        let __strand_outcome = __strand_body_resize(
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
fn __strand_run_resize(
    __strand_input: ::strand_au::__private::Value,
) -> ::core::result::Result<
    ::strand_au::__private::Value,
    ::strand_au::__private::ComputationFailure,
> {
    ::strand_au::__private::Glued::into_ran(
        __strand_glue_resize(::strand_au::__private::Glue::Run(__strand_input)),
    )
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_process_resize(
    __strand_input: ::strand_au::__private::strand::__private::ChildInput<'_>,
) -> ::strand_au::__private::strand::__private::Reply {
    ::strand_au::__private::serve_in_child(__strand_input, __strand_run_resize)
}
#[cfg(unix)]
#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __STRAND_RUNNER_resize: ::strand_au::__private::RunnerFn = __strand_run_resize;
#[cfg(unix)]
#[::strand_au::__private::strand::__private::linkme::distributed_slice(
    ::strand_au::__private::strand::__private::PROCESS_FUNCTIONS
)]
#[linkme(crate = ::strand_au::__private::strand::__private::linkme)]
#[allow(non_upper_case_globals)]
static __STRAND_PROCESS_ENTRY_resize: ::strand_au::__private::strand::__private::ProcessEntry = ::strand_au::__private::strand::__private::ProcessEntry::with_local(
    ::core::concat!(::core::module_path!(), "::", "resize"),
    ::core::concat!(::core::module_path!(), "::", "resize"),
    __strand_process_resize,
    &__STRAND_RUNNER_resize,
);
#[doc(hidden)]
#[allow(non_snake_case)]
fn __strand_computation_resize() -> &'static ::strand_au::__private::Computation {
    static __STRAND_COMPUTATION: ::strand_au::__private::LazyLock<
        ::strand_au::__private::Computation,
    > = ::strand_au::__private::LazyLock::new(|| {
        let __strand_computation = ::strand_au::__private::Computation::new(
            ::core::concat!(::core::module_path!(), "::", "resize"),
            ::strand_au::__private::Runner::raw(__strand_run_resize),
        );
        let __strand_computation = __strand_computation
            .store(::strand_au::__private::into_store(STORE.clone()));
        let __strand_computation = __strand_computation.queue("mail");
        __strand_computation
    });
    &__STRAND_COMPUTATION
}
/// The infrastructure of the [`resize`](fn@resize) computation: its store, backend, registered name, and typed handles from keys (`resize::store()`, `resize::handle(key)`, ...).
#[allow(non_camel_case_types, dead_code, clippy::empty_enum)]
pub enum resize {}
#[allow(dead_code, unreachable_pub)]
impl resize {
    /// The computation (registered name, runner, store, backend, middleware, TTL) that [`resize`](fn@resize) launches.
    #[must_use]
    pub fn computation() -> &'static ::strand_au::Computation {
        __strand_computation_resize()
    }
    /// The name the function is registered under.
    #[must_use]
    pub fn name() -> &'static str {
        __strand_computation_resize().name()
    }
    /// The store where the records of this function live.
    #[must_use]
    pub fn store() -> ::std::sync::Arc<dyn ::strand_au::ComputationStore> {
        __strand_computation_resize().get_store()
    }
    /// The backend this function's computations run on.
    #[must_use]
    pub fn backend() -> ::std::sync::Arc<dyn ::strand_au::ComputationBackend> {
        __strand_computation_resize().get_backend()
    }
    /// Deletes the expired records of this function's store; how many.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    pub fn cleanup_expired() -> ::core::result::Result<usize, ::strand_au::StoreError> {
        __strand_computation_resize().cleanup_expired()
    }
    /// A typed handle on the record `key` of this function's store
    /// (e.g. from a key sent to a client).
    #[must_use]
    pub fn handle(key: ::strand_au::Key) -> ::strand_au::ComputationHandle<u32> {
        ::strand_au::__private::Glued::into_handle(
            __strand_glue_resize(::strand_au::__private::Glue::Handle(key)),
        )
    }
}
